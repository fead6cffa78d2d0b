/**
 * What 'report/show' carries besides the report: the estimates of an analysis (src/core/pipeline) and its
 * hints, in the shape the host sends them, with a validator for each (`parseToWebview` runs them; a
 * payload that fails is dropped whole). Types come from the core, so host and views agree by the compiler.
 */
import type { LlmEstimate } from '../core/estimate/llm';
import type { ModelEstimate } from '../core/estimate/modelEstimate';
import type { ServingPlan } from '../core/estimate/servingPlan';
import { isRecord } from '../core/collections';
import { PARALLEL_LAYOUTS } from '../core/estimate/layouts';
import type { AnalysisHint, AppliedWhatIf, LayerNotes, TargetRoof } from '../core/pipeline/analysisTypes';

/** A hardware target the user can pick (catalog entries and `onnxProfiler.customHardware`). */
export interface HardwareTargetInfo {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly deviceClass: string;
  /** true for entries from the user's settings. */
  readonly custom: boolean;
  /** Why the estimator cannot cost this device (no compute peak in any precision); absent when it can. */
  readonly notEstimated?: string;
}

export type NodeBound = 'compute' | 'memory' | 'none';

/**
 * Every timed node of one target, column by column (one array per field, indexed alike): a 50,000-node
 * report crosses postMessage as six arrays instead of 50,000 objects. `flops`, `memoryBytes` and `seconds`
 * are what the estimator charged the node (after fusion, precision and tensor-parallel split); `kernel` is
 * the first node of the kernel it runs in (the nodes of one kernel share its time, so a roofline plots the
 * kernel: its summed flops over its summed bytes and over its summed seconds).
 */
export interface NodeTimesPayload {
  readonly nodeIndex: readonly number[];
  readonly seconds: readonly number[];
  readonly flops: readonly number[];
  readonly memoryBytes: readonly number[];
  readonly bound: readonly NodeBound[];
  readonly kernel: readonly number[];
  /** The estimator's notes on the layers, a table of distinct texts (the report's `layerTimes` notes). */
  readonly notes?: LayerNotes;
}

/** The what-if state of an analysis: what was applied where, and requested ids no hint has any more. */
export interface WhatIfPayload {
  readonly applied: readonly AppliedWhatIf[];
  readonly dropped: readonly string[];
}

/**
 * One target's LLM serving estimate: the scalar fields of core's LlmEstimate (src/core/estimate/llm.ts),
 * plus the target's display name. A figure that is not finite (no price, no board power) is null.
 */
export type LlmEstimatePayload = {
  readonly [K in LlmNumberField]: number | null;
} & Pick<LlmEstimate, 'target' | 'batch' | 'chips' | 'chipsNeeded' | 'fits' | 'layout' | 'notes' | 'serving'> & {
  readonly targetName: string;
  /** MoE models: expected distinct experts per layer a decode step's tokens touch; null (or absent) for other models. */
  readonly decodeExpertsTouchedPerLayer?: number | null;
};

const LLM_NUMBER_FIELDS = [
  'prefillSeconds', 'decodeStepSeconds', 'timeToFirstTokenSeconds', 'timePerOutputTokenSeconds', 'requestSeconds', 'tokensPerSecond',
  'tokensPerSecondPerChip', 'totalTokensPerSecond', 'requestsPerSecond', 'costPerMillionTokensUsd', 'costPerMillionTotalTokensUsd',
  'joulesPerOutputToken', 'prefillComputeBoundFraction', 'decodeComputeBoundFraction',
] as const;
type LlmNumberField = (typeof LLM_NUMBER_FIELDS)[number];

/** EstimatesPayload.llm: prefill and decode profiled apart, combined per compared target. */
export interface LlmPayload {
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Sequences served together (with batch max each estimate has its own: `serving`). */
  readonly batch: number;
  /** Decoder layers (past key/value pairs). */
  readonly layers: number;
  readonly estimates: readonly LlmEstimatePayload[];
  /** The target with the most output tokens/s; null when none. */
  readonly bestTarget: string | null;
  /** Why there are no LLM estimates, when `estimates` is empty. */
  readonly note?: string;
}

/** The estimates of one analysis, as the views read them. */
export interface EstimatesPayload {
  /** Samples per inference the profile is at, and the estimates unless each carries its own (`serving`, batch max). */
  readonly batch: number;
  /** Every target the user can choose from (for the target pickers). */
  readonly available: readonly HardwareTargetInfo[];
  /** One estimate per compared target, in the compared order (after the applied what-ifs). */
  readonly targets: readonly ModelEstimate[];
  /** Lowest latency among the targets the model fits on (CodeLens, status bar, the editor's default target). */
  readonly bestTarget: string | null;
  /** Per compared target id: its timed nodes. */
  readonly nodeTimes: Readonly<Record<string, NodeTimesPayload>>;
  /** Per compared target id: the roof of its roofline (the estimator's fastest rate and bandwidth). */
  readonly roofs: Readonly<Record<string, TargetRoof>>;
  /** Compared ids that are in no catalog. */
  readonly unknownTargets: readonly string[];
  /** Custom hardware entries refused (an id that clashes with the catalog...), one line each. */
  readonly problems: readonly string[];
  /** Compared targets the estimator cannot cost (no compute peak in the catalog), one line each naming it and why. */
  readonly notEstimated: readonly string[];
  /** Why there are no estimates (no targets chosen, estimator error), when `targets` is empty. */
  readonly note?: string;
  /** LLM serving figures, only when the model is a decoder with a KV cache. */
  readonly llm?: LlmPayload;
  readonly whatIf: WhatIfPayload;
}

/** A hint as the views get it: the core's hint without its what-if change (the host applies it), and whether it has one. */
export type HintPayload = Omit<AnalysisHint, 'change'> & {
  /** True when the hint carries a change a what-if toggle can apply. */
  readonly whatIf: boolean;
};

export { isRecord };
export const MAX_TARGETS = 64;
const MAX_HINTS = 1000;
/** Largest prompt or generated token count a view may post or show. */
export const LLM_MAX_TOKENS = 1 << 20;
/** A hint id: a hint code, with `@N` (its first node's index, or `model`) and maybe `.k` when several hints share the code. */
export const HINT_ID = /^[a-z0-9][a-z0-9.-]{0,63}(@(\d{1,9}|model)(\.\d{1,5})?)?$/;

export function isNonNegativeInt(v: unknown, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
}

/** A batch the views may ask for: samples per call (1..2^20), or 'max' (the serving search per target). */
export type BatchChoice = number | 'max';

export function isBatchChoice(v: unknown): v is BatchChoice {
  return v === 'max' || (isNonNegativeInt(v, 1 << 20) && v > 0);
}

const SERVING_LIMITS: readonly unknown[] = ['memory', 'batch-cap', 'saturated'];

/** Why `v` is not a ServingPlan (estimate/servingPlan.ts), or null when it is. */
function servingProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'serving must be an object';
  for (const k of ['batch', 'chipsPerInstance', 'instances', 'chips', 'maxBatchInMemory'] as const satisfies readonly (keyof ServingPlan)[]) {
    if (!isNonNegativeInt(v[k])) return `serving.${k} must be a non-negative integer`;
  }
  if (!SERVING_LIMITS.includes(v.limit)) return 'serving.limit must be memory, batch-cap or saturated';
  if (!(typeof v.throughputPerChipPerSecond === 'number' && v.throughputPerChipPerSecond >= 0) || typeof v.fits !== 'boolean') return 'serving: throughputPerChipPerSecond and fits are required';
  if (v.chipsAsked !== undefined && !(isNonNegativeInt(v.chipsAsked) && v.chipsAsked > 0)) return 'serving.chipsAsked must be a chip count';
  return null;
}

/** A token count a view may post or show: an integer from 1 to LLM_MAX_TOKENS. */
export function isTokenCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= LLM_MAX_TOKENS;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
const isNumberOrNull = (v: unknown) => v === null || isNumber(v);
export const isStringList = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is string[] => Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string');

/** Why `v` is not a valid LlmPayload, or null when it is. Every field is checked. */
function llmPayloadProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'llm must be an object';
  if (!isTokenCount(v.promptTokens) || !isTokenCount(v.outputTokens)) return `llm: promptTokens and outputTokens must be integers from 1 to ${LLM_MAX_TOKENS}`;
  if (!isNonNegativeInt(v.batch) || v.batch === 0) return 'llm: batch must be a positive integer';
  if (!isNonNegativeInt(v.layers)) return 'llm: layers must be a non-negative integer';
  if (v.bestTarget !== null && typeof v.bestTarget !== 'string') return 'llm: bestTarget must be a string or null';
  if (v.note !== undefined && typeof v.note !== 'string') return 'llm: note must be a string';
  if (!Array.isArray(v.estimates) || v.estimates.length > MAX_TARGETS) return 'llm: estimates must be a list';
  for (const e of v.estimates as unknown[]) {
    if (!isRecord(e) || typeof e.target !== 'string' || typeof e.targetName !== 'string') return 'llm: an estimate has no target';
    if (!isNonNegativeInt(e.batch) || !isNonNegativeInt(e.chips) || !isNonNegativeInt(e.chipsNeeded)) return `llm: '${e.target}': batch and chips must be integers`;
    if (typeof e.fits !== 'boolean') return `llm: '${e.target}': fits must be a boolean`;
    if (e.layout !== undefined && !PARALLEL_LAYOUTS.includes(e.layout as never)) return `llm: '${e.target}': layout must be one of ${PARALLEL_LAYOUTS.join(', ')}`;
    const experts = e.decodeExpertsTouchedPerLayer;
    if (experts !== undefined && experts !== null && !(typeof experts === 'number' && Number.isFinite(experts) && experts >= 0)) return `llm: '${e.target}': decodeExpertsTouchedPerLayer must be a non-negative number or null`;
    for (const k of LLM_NUMBER_FIELDS) {
      const x = e[k];
      if (x !== null && !(typeof x === 'number' && Number.isFinite(x) && x >= 0)) return `llm: '${e.target}': ${k} must be a non-negative number or null`;
    }
    if (!isStringList(e.notes)) return `llm: '${e.target}': notes must be strings`;
    const serving = e.serving === undefined ? null : servingProblem(e.serving);
    if (serving) return `llm: '${e.target}': ${serving}`;
  }
  return null;
}

const ESTIMATE_NUMBER_FIELDS = [
  'latencySeconds', 'throughputPerSecond', 'computeBoundFraction', 'throughputPerChipPerSecond', 'weightBytes', 'activationBytes',
  'kvCacheBytes', 'memoryNeededBytes', 'memoryUsableBytesPerChip', 'interconnectSeconds', 'utilisation',
] as const satisfies readonly (keyof ModelEstimate)[];
const ESTIMATE_NULLABLE_FIELDS = ['costPerMillionUsd', 'joulesPerInference', 'averagePowerWattsPerChip'] as const satisfies readonly (keyof ModelEstimate)[];
const ESTIMATE_COUNT_FIELDS = ['chipsNeeded', 'chips', 'batch', 'notEstimatedNodes', 'precisionFallbackNodes'] as const satisfies readonly (keyof ModelEstimate)[];

function estimateProblem(e: unknown): string | null {
  if (!isRecord(e) || typeof e.target !== 'string' || typeof e.targetName !== 'string' || typeof e.deviceClass !== 'string') return 'an estimate has no target';
  for (const k of ESTIMATE_NUMBER_FIELDS) if (!isNumber(e[k])) return `'${e.target}': ${k} must be a number`;
  for (const k of ESTIMATE_NULLABLE_FIELDS) if (!isNumberOrNull(e[k])) return `'${e.target}': ${k} must be a number or null`;
  for (const k of ESTIMATE_COUNT_FIELDS) if (!isNonNegativeInt(e[k])) return `'${e.target}': ${k} must be a non-negative integer`;
  if (typeof e.fits !== 'boolean') return `'${e.target}': fits must be a boolean`;
  if (typeof e.kvCacheUnbound !== 'boolean') return `'${e.target}': kvCacheUnbound must be a boolean`;
  if (e.layout !== undefined && !PARALLEL_LAYOUTS.includes(e.layout as never)) return `'${e.target}': layout must be one of ${PARALLEL_LAYOUTS.join(', ')}`;
  if (e.moe !== undefined && !(isRecord(e.moe) && MOE_NUMBER_FIELDS.every((k) => isNumber((e.moe as Record<string, unknown>)[k])))) {
    return `'${e.target}': moe must hold ${MOE_NUMBER_FIELDS.join(', ')}`;
  }
  if (!isStringList(e.notes) || !isStringList(e.notEstimatedOpTypes)) return `'${e.target}': notes must be strings`;
  const serving = e.serving === undefined ? null : servingProblem(e.serving);
  if (serving) return `'${e.target}': ${serving}`;
  return null;
}

const MOE_NUMBER_FIELDS = ['skew', 'layers', 'experts', 'topK', 'routedTokens', 'expertsTouchedPerLayer', 'expertWeightBytesRead', 'expertsPerChip', 'allToAllSeconds'] as const;

function nodeTimesProblem(t: unknown): string | null {
  if (!isRecord(t)) return 'must be an object';
  const index = t.nodeIndex;
  if (!Array.isArray(index) || !index.every((x) => isNonNegativeInt(x))) return 'nodeIndex must be node indices';
  const n = index.length;
  for (const k of ['seconds', 'flops', 'memoryBytes'] as const) {
    const col = t[k];
    if (!Array.isArray(col) || col.length !== n || !col.every(isNumber)) return `${k} must be ${n} numbers`;
  }
  if (!Array.isArray(t.bound) || t.bound.length !== n || !t.bound.every((b) => b === 'compute' || b === 'memory' || b === 'none')) return `bound must be ${n} of compute, memory, none`;
  if (!Array.isArray(t.kernel) || t.kernel.length !== n || !t.kernel.every((x) => isNonNegativeInt(x))) return `kernel must be ${n} node indices`;
  return t.notes === undefined ? null : layerNotesProblem(t.notes);
}

function layerNotesProblem(notes: unknown): string | null {
  if (!isRecord(notes)) return 'notes must be an object';
  const { texts, nodeIndex, text } = notes;
  if (!Array.isArray(texts) || !texts.every((x) => typeof x === 'string')) return 'notes.texts must be strings';
  if (!Array.isArray(nodeIndex) || !nodeIndex.every((x) => isNonNegativeInt(x))) return 'notes.nodeIndex must be node indices';
  if (!Array.isArray(text) || text.length !== nodeIndex.length || !text.every((x) => isNonNegativeInt(x, texts.length - 1))) {
    return `notes.text must be ${nodeIndex.length} positions in notes.texts`;
  }
  return null;
}

/** Why `v` is not a valid EstimatesPayload, or null when it is. */
export function estimatesPayloadProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'must be an object';
  if (!isNonNegativeInt(v.batch) || v.batch === 0) return 'batch must be a positive integer';
  if (!Array.isArray(v.available) || !v.available.every((a) => isRecord(a) && typeof a.id === 'string' && typeof a.name === 'string' && typeof a.vendor === 'string' && typeof a.deviceClass === 'string' && typeof a.custom === 'boolean' && (a.notEstimated === undefined || typeof a.notEstimated === 'string'))) {
    return 'available must list targets ({id, name, vendor, deviceClass, custom, notEstimated?})';
  }
  if (!Array.isArray(v.targets) || v.targets.length > MAX_TARGETS) return 'targets must be a list';
  for (const e of v.targets) {
    const p = estimateProblem(e);
    if (p) return `targets: ${p}`;
  }
  if (v.bestTarget !== null && typeof v.bestTarget !== 'string') return 'bestTarget must be a string or null';
  for (const field of ['nodeTimes', 'roofs'] as const) if (!isRecord(v[field])) return `${field} must be an object`;
  for (const [target, t] of Object.entries(v.nodeTimes as Record<string, unknown>)) {
    const p = nodeTimesProblem(t);
    if (p) return `nodeTimes['${target}']: ${p}`;
  }
  for (const [target, r] of Object.entries(v.roofs as Record<string, unknown>)) {
    if (!isRecord(r) || !isNumber(r.peakFlopsPerSecond) || !isNumber(r.bandwidthBytesPerSecond)) return `roofs['${target}'] must have peakFlopsPerSecond and bandwidthBytesPerSecond`;
  }
  if (!isStringList(v.unknownTargets) || !isStringList(v.problems) || !isStringList(v.notEstimated)) return 'unknownTargets, problems and notEstimated must be strings';
  if (v.note !== undefined && typeof v.note !== 'string') return 'note must be a string';
  if (v.llm !== undefined) {
    const p = llmPayloadProblem(v.llm);
    if (p) return p;
  }
  const w = v.whatIf;
  if (!isRecord(w) || !isStringList(w.dropped) || !Array.isArray(w.applied)) return 'whatIf must have applied and dropped';
  if (!w.applied.every((a) => isRecord(a) && typeof a.id === 'string' && typeof a.code === 'string' && typeof a.message === 'string' && isStringList(a.targets))) {
    return 'whatIf.applied: each must name id, code, message and targets';
  }
  return null;
}

const SEVERITIES: readonly unknown[] = ['high', 'medium', 'low'];

function savingProblem(s: unknown): string | null {
  if (!isRecord(s) || typeof s.target !== 'string') return 'a saving has no target';
  if (s.verdict !== 'gain' && s.verdict !== 'none') return `'${s.target}': verdict must be gain or none`;
  for (const k of ['seconds', 'baselineSeconds', 'bytes'] as const) if (!isNumber(s[k])) return `'${s.target}': ${k} must be a number`;
  if (!isNumberOrNull(s.usdPerMillion)) return `'${s.target}': usdPerMillion must be a number or null`;
  if (!isNonNegativeInt(s.chipsBefore) || !isNonNegativeInt(s.chipsAfter)) return `'${s.target}': chips must be integers`;
  if (s.reason !== undefined && typeof s.reason !== 'string') return `'${s.target}': reason must be a string`;
  if (s.notApplicable !== undefined && s.notApplicable !== true) return `'${s.target}': notApplicable must be true when present`;
  return null;
}

/** Why `v` is not a valid list of HintPayload, or null when it is. */
export function hintsPayloadProblem(v: unknown): string | null {
  if (!Array.isArray(v) || v.length > MAX_HINTS) return `must be a list of at most ${MAX_HINTS} hints`;
  for (const h of v) {
    if (!isRecord(h) || typeof h.id !== 'string' || !HINT_ID.test(h.id) || typeof h.code !== 'string') return 'a hint has no valid id and code';
    if (!SEVERITIES.includes(h.severity)) return `'${h.id}': severity must be high, medium or low`;
    if (typeof h.message !== 'string' || typeof h.explanation !== 'string' || typeof h.whatIf !== 'boolean') return `'${h.id}': message, explanation and whatIf are required`;
    if (!Array.isArray(h.nodes) || !h.nodes.every((n) => isNonNegativeInt(n)) || !isStringList(h.nodeNames)) return `'${h.id}': nodes must be node indices and nodeNames strings`;
    if (!Array.isArray(h.savings)) return `'${h.id}': savings must be a list`;
    for (const s of h.savings) {
      const p = savingProblem(s);
      if (p) return `'${h.id}': ${p}`;
    }
  }
  return null;
}

/** Longest lists a baseline comparison may carry to a view (figures, op types, settings, limits). */
const MAX_BASELINE_ROWS = 4096;

function baselineChangeProblem(c: unknown): string | null {
  if (!isRecord(c) || typeof c.metric !== 'string' || typeof c.unit !== 'string') return 'a change has no metric and unit';
  if (c.target !== undefined && typeof c.target !== 'string') return `'${c.metric}': target must be a string`;
  for (const k of ['before', 'after', 'change'] as const) if (!isNumberOrNull(c[k])) return `'${c.metric}': ${k} must be a number or null`;
  if (typeof c.worse !== 'boolean') return `'${c.metric}': worse must be a boolean`;
  return null;
}

const NODE_CHANGE_KINDS: ReadonlySet<unknown> = new Set(['changed', 'added', 'removed']);

/** Why `v` is not a valid node comparison (the layers that changed), or null when it is. */
function nodeChangesProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'must be an object';
  for (const k of ['matchedByName', 'matchedByShape', 'matchedByPosition', 'changed', 'added', 'removed'] as const) if (!isNonNegativeInt(v[k])) return `${k} must be a count`;
  if (v.timedOn !== undefined && typeof v.timedOn !== 'string') return 'timedOn must be a target id';
  if (!Array.isArray(v.largest) || v.largest.length > MAX_BASELINE_ROWS) return 'largest must be a list';
  for (const n of v.largest) {
    if (!isRecord(n) || typeof n.name !== 'string' || typeof n.opType !== 'string' || !NODE_CHANGE_KINDS.has(n.kind)) return 'largest: an entry has no name, opType and kind';
    if (n.index !== undefined && !isNonNegativeInt(n.index)) return `largest: '${n.name}': index must be a node index`;
    if (n.baselineName !== undefined && typeof n.baselineName !== 'string') return `largest: '${n.name}': baselineName must be a string`;
    if (![n.secondsBefore, n.secondsAfter].every((s) => s === undefined || isNumber(s))) return `largest: '${n.name}': seconds must be numbers`;
    if (![n.flopsBefore, n.flopsAfter, n.bytesBefore, n.bytesAfter].every(isNumber)) return `largest: '${n.name}': flops and bytes must be numbers`;
  }
  return null;
}

/** Why `v` is not a valid baseline comparison (core/report/baseline.ts), or null when it is. */
export function baselinePayloadProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'must be an object';
  for (const k of ['path', 'model', 'tool', 'schemaVersion'] as const) if (typeof v[k] !== 'string') return `${k} must be a string`;
  if (!Array.isArray(v.changes) || v.changes.length > MAX_BASELINE_ROWS) return 'changes must be a list';
  for (const c of v.changes) {
    const p = baselineChangeProblem(c);
    if (p) return `changes: ${p}`;
  }
  if (!Array.isArray(v.opTypes) || v.opTypes.length > MAX_BASELINE_ROWS) return 'opTypes must be a list';
  for (const o of v.opTypes) {
    if (!isRecord(o) || typeof o.opType !== 'string' || typeof o.domain !== 'string') return 'opTypes: an entry has no opType and domain';
    if (![o.countBefore, o.countAfter].every((n) => isNonNegativeInt(n)) || ![o.flopsBefore, o.flopsAfter].every(isNumber)) return `opTypes: '${o.opType}': counts must be integers and flops numbers`;
  }
  if (v.nodes !== undefined) {
    const p = nodeChangesProblem(v.nodes);
    if (p) return `nodes: ${p}`;
  }
  if (!isStringList(v.settings, MAX_BASELINE_ROWS)) return 'settings must be strings';
  if (v.limits !== undefined) {
    if (!Array.isArray(v.limits) || v.limits.length > MAX_BASELINE_ROWS) return 'limits must be a list';
    for (const l of v.limits) {
      if (!isRecord(l) || typeof l.limit !== 'string' || typeof l.metric !== 'string' || !isNumber(l.allowed) || !isNumberOrNull(l.worsened) || typeof l.passed !== 'boolean') return 'limits: each must have limit, metric, allowed, worsened and passed';
    }
  }
  return null;
}

/** Node index → seconds on one target, from its columns (a lookup the views and CodeLens share). */
export function nodeSecondsByIndex(times: NodeTimesPayload | undefined): Map<number, number> {
  const out = new Map<number, number>();
  if (times) for (let i = 0; i < times.nodeIndex.length; i++) out.set(times.nodeIndex[i], times.seconds[i]);
  return out;
}
