/**
 * The one message protocol between the extension host and its webviews (the profile editor and the
 * hardware side panel). Both sides validate every message on receipt with `parseToWebview` /
 * `parseFromWebview`; a message that fails is logged and dropped. Only reports cross, never model bytes.
 *
 * Message `type`s are string literals ('report/ready'), readable in devtools and stable under reordering.
 */
import type { ProfileReport } from '../core/report/reportTypes';
import type { ModelEstimate } from '../core/estimate/modelEstimate';

/** Settings the views need to render (units and the chosen targets). */
export interface ViewSettings {
  /** 'flops' or 'macs' for compute columns. */
  readonly computeUnit: 'flops' | 'macs';
  /** Decimal (GB) or binary (GiB) memory units. */
  readonly memoryUnit: 'decimal' | 'binary';
  /** Hardware ids to compare, in order. */
  readonly targets: readonly string[];
  readonly batch: number;
  /** Precision override for estimates ('fp16', 'int8'…); absent = the model's own dtypes. */
  readonly precision?: string;
  /** Prompt and generated tokens of the LLM estimate (decoders with a KV cache). */
  readonly promptTokens?: number;
  readonly outputTokens?: number;
}

/** One entry of the hardware catalog, as the side panel lists it. */
export interface CatalogEntrySummary {
  readonly id: string;
  readonly name: string;
  /** 'gpu' | 'accelerator' | 'edge'. */
  readonly deviceClass: string;
}

//#region to webview
/** A hardware target the user can pick (catalog entries and `onnxProfiler.customHardware`). */
export interface HardwareTargetInfo {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly deviceClass: string;
  /** true for entries from the user's settings. */
  readonly custom: boolean;
}

/** One node's estimated time on one target. */
export interface NodeTimePayload {
  readonly index: number;
  readonly seconds: number;
  readonly bound: 'compute' | 'memory' | 'none';
  readonly flops: number;
  readonly memoryBytes: number;
  readonly memorySeconds: number;
  readonly effectiveFlopsPerSecond: number;
}

/**
 * The shape of ReportMessage.estimates when the host has computed them (the field stays `unknown` in
 * ReportMessage for compatibility; narrow it with this type).
 */
export interface EstimatesPayload {
  /** Samples per inference the estimates are for. */
  readonly batch: number;
  /** Every target the user can choose from (for the target picker). */
  readonly available: readonly HardwareTargetInfo[];
  /** One estimate per compared target, in the compared order (ModelEstimate from src/core/estimate). */
  readonly targets: readonly ModelEstimate[];
  /** The target with the lowest latency among those that fit (used by CodeLens and the status bar). */
  readonly bestTarget: string | null;
  /** Same as bestTarget (the name the views read). */
  readonly selectedTarget?: string;
  /** Seconds per report node (by node index) on `bestTarget`; null for nodes not estimated. */
  readonly nodeSeconds: readonly (number | null)[];
  /** Per compared target, the estimated nodes (NodeEstimate fields the views use). */
  readonly nodeTimes: Readonly<Record<string, readonly NodeTimePayload[]>>;
  /** Compared ids that are in no catalog (shown as a warning). */
  readonly unknownTargets: readonly string[];
  /** Why there are no estimates (no targets chosen, estimator error), when `targets` is empty. */
  readonly note?: string;
  /** LLM serving figures, only when the model is a decoder with a KV cache (core detectDecoder). */
  readonly llm?: LlmPayload;
}

/**
 * One target's LLM serving estimate: the scalar fields of core's LlmEstimate (src/core/estimate/llm.ts)
 * as computed by combineLlm, plus the target's display name. A figure that is not finite (no price, no
 * board power, a zero-time request) is null.
 */
export interface LlmEstimatePayload {
  readonly target: string;
  readonly targetName: string;
  readonly batch: number;
  readonly chips: number;
  readonly chipsNeeded: number;
  /** The decode working set (weights + full KV cache) fits on one device. */
  readonly fits: boolean;
  readonly prefillSeconds: number | null;
  readonly decodeStepSeconds: number | null;
  readonly timeToFirstTokenSeconds: number | null;
  readonly timePerOutputTokenSeconds: number | null;
  readonly requestSeconds: number | null;
  /** Output tokens per second of the whole system. */
  readonly tokensPerSecond: number | null;
  readonly tokensPerSecondPerChip: number | null;
  readonly totalTokensPerSecond: number | null;
  readonly requestsPerSecond: number | null;
  /** US$ per million output tokens. */
  readonly costPerMillionTokensUsd: number | null;
  readonly costPerMillionTotalTokensUsd: number | null;
  readonly joulesPerOutputToken: number | null;
  readonly prefillComputeBoundFraction: number | null;
  readonly decodeComputeBoundFraction: number | null;
  readonly notes: readonly string[];
}

/** EstimatesPayload.llm: prefill and decode profiled apart, combined per compared target. */
export interface LlmPayload {
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Sequences served together. */
  readonly batch: number;
  /** Decoder layers (past key/value pairs). */
  readonly layers: number;
  readonly estimates: readonly LlmEstimatePayload[];
  /** The target with the most output tokens/s; null when none. */
  readonly bestTarget: string | null;
  /** Why there are no LLM estimates (no targets, estimator error), when `estimates` is empty. */
  readonly note?: string;
}

/** Everything the view needs at once, sent in reply to 'view/ready' and after every recompute. */
export interface ReportMessage {
  readonly type: 'report/show';
  readonly report: ProfileReport;
  /** Hardware estimates per target for this report, when computed (JSON from the estimator). */
  readonly estimates?: unknown;
  readonly hints?: unknown;
  readonly settings: ViewSettings;
  /** Targets the side panel may offer (optional; the view falls back to a built-in list of ids). */
  readonly catalog?: readonly CatalogEntrySummary[];
}

/** Profiling is under way (first open, or after a rebind). */
export interface ProgressMessage {
  readonly type: 'report/progress';
  readonly message: string;
}

/** The model could not be profiled: the one-line reason to show instead of a stack trace. */
export interface ErrorMessage {
  readonly type: 'report/error';
  readonly message: string;
}

/** Select and reveal a node (from the graph text view or the Problems panel). */
export interface RevealNodeMessage {
  readonly type: 'node/reveal';
  readonly nodeIndex: number;
}

export type ToWebviewMessage = ReportMessage | ProgressMessage | ErrorMessage | RevealNodeMessage;
//#endregion

//#region from webview
/** The view has loaded its script and wants the current state. */
export interface ReadyMessage {
  readonly type: 'view/ready';
}

/** The user bound symbolic dims; the host recomputes and answers with 'report/show'. */
export interface BindMessage {
  readonly type: 'dims/bind';
  readonly bindings: Readonly<Record<string, number>>;
}

/** The user selected a node in the table; the host reveals it in the graph text view. */
export interface SelectNodeMessage {
  readonly type: 'node/select';
  readonly nodeIndex: number;
}

/** The user changed the compared targets, batch or what-if toggles in the side panel. */
export interface CompareMessage {
  readonly type: 'hardware/compare';
  readonly targets: readonly string[];
  readonly batch: number;
  /** Precision override ('fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'); absent = as in the model. */
  readonly precision?: string;
  readonly whatIf?: Readonly<Record<string, boolean>>;
  /** LLM estimate of a decoder: prompt tokens (1..LLM_MAX_TOKENS); absent = unchanged. */
  readonly promptTokens?: number;
  /** LLM estimate of a decoder: generated tokens (1..LLM_MAX_TOKENS); absent = unchanged. */
  readonly outputTokens?: number;
}

/** The user asked to export the report. */
export interface ExportMessage {
  readonly type: 'report/export';
  readonly format: 'json' | 'csv' | 'md' | 'netron';
}

/** The user asked for the graph in ONNX's textual syntax (the `onnx-graph:` document). */
export interface OpenGraphTextMessage {
  readonly type: 'graph/open';
  /** Node to reveal in it, if any. */
  readonly nodeIndex?: number;
}

export type FromWebviewMessage = ReadyMessage | BindMessage | SelectNodeMessage | CompareMessage | ExportMessage | OpenGraphTextMessage;
//#endregion

const MAX_BINDINGS = 256;
const MAX_TARGETS = 64;
/** Precisions a 'hardware/compare' may ask for. */
export const COMPARE_PRECISIONS: readonly string[] = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'];
/** Largest prompt or generated token count a 'hardware/compare' may ask for. */
export const LLM_MAX_TOKENS = 1 << 20;
/** Defaults of the LLM estimate: the CLI's --prompt / --generate defaults, from the core. */
export { DEFAULT_OUTPUT_TOKENS as LLM_DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS as LLM_DEFAULT_PROMPT_TOKENS } from '../core/estimate/llmDefaults';

/** A token count a view may post or show: an integer from 1 to LLM_MAX_TOKENS. */
export function isTokenCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= LLM_MAX_TOKENS;
}

const LLM_NUMBER_FIELDS = [
  'prefillSeconds', 'decodeStepSeconds', 'timeToFirstTokenSeconds', 'timePerOutputTokenSeconds', 'requestSeconds', 'tokensPerSecond',
  'tokensPerSecondPerChip', 'totalTokensPerSecond', 'requestsPerSecond', 'costPerMillionTokensUsd', 'costPerMillionTotalTokensUsd',
  'joulesPerOutputToken', 'prefillComputeBoundFraction', 'decodeComputeBoundFraction',
] as const;

/** Why `v` is not a valid LlmPayload, or null when it is. Every field is checked. */
export function llmPayloadProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'llm must be an object';
  if (!isTokenCount(v.promptTokens) || !isTokenCount(v.outputTokens)) return 'llm: promptTokens and outputTokens must be integers from 1 to ' + LLM_MAX_TOKENS;
  if (!isNonNegativeInt(v.batch) || v.batch === 0) return 'llm: batch must be a positive integer';
  if (!isNonNegativeInt(v.layers)) return 'llm: layers must be a non-negative integer';
  if (v.bestTarget !== null && typeof v.bestTarget !== 'string') return 'llm: bestTarget must be a string or null';
  if (v.note !== undefined && typeof v.note !== 'string') return 'llm: note must be a string';
  if (!Array.isArray(v.estimates) || v.estimates.length > MAX_TARGETS) return 'llm: estimates must be a list';
  for (const e of v.estimates as unknown[]) {
    if (!isRecord(e) || typeof e.target !== 'string' || typeof e.targetName !== 'string') return 'llm: an estimate has no target';
    if (!isNonNegativeInt(e.batch) || !isNonNegativeInt(e.chips) || !isNonNegativeInt(e.chipsNeeded)) return `llm: '${e.target}': batch and chips must be integers`;
    if (typeof e.fits !== 'boolean') return `llm: '${e.target}': fits must be a boolean`;
    for (const k of LLM_NUMBER_FIELDS) {
      const x = e[k];
      if (x !== null && !(typeof x === 'number' && Number.isFinite(x) && x >= 0)) return `llm: '${e.target}': ${k} must be a non-negative number or null`;
    }
    if (!Array.isArray(e.notes) || !e.notes.every((n) => typeof n === 'string')) return `llm: '${e.target}': notes must be strings`;
  }
  return null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInt(v: unknown, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
}

function isIdList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= MAX_TARGETS && v.every((x) => typeof x === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(x));
}

/** Validates a message from a webview; returns it typed, or a reason to drop it. */
export function parseFromWebview(raw: unknown): { ok: true; message: FromWebviewMessage } | { ok: false; reason: string } {
  if (!isRecord(raw) || typeof raw.type !== 'string') return { ok: false, reason: 'not an object with a string type' };
  switch (raw.type) {
    case 'view/ready':
      return { ok: true, message: { type: 'view/ready' } };
    case 'dims/bind': {
      const b = raw.bindings;
      if (!isRecord(b)) return { ok: false, reason: 'dims/bind: bindings must be an object' };
      const entries = Object.entries(b);
      if (entries.length > MAX_BINDINGS) return { ok: false, reason: `dims/bind: more than ${MAX_BINDINGS} bindings` };
      for (const [k, v] of entries) {
        if (k.length === 0 || k.length > 256) return { ok: false, reason: 'dims/bind: a dim name is empty or too long' };
        if (!isNonNegativeInt(v, 2 ** 40)) return { ok: false, reason: `dims/bind: '${k}' must be a non-negative integer` };
      }
      return { ok: true, message: { type: 'dims/bind', bindings: Object.fromEntries(entries) as Record<string, number> } };
    }
    case 'node/select':
      return isNonNegativeInt(raw.nodeIndex) ? { ok: true, message: { type: 'node/select', nodeIndex: raw.nodeIndex } } : { ok: false, reason: 'node/select: nodeIndex must be a non-negative integer' };
    case 'hardware/compare': {
      if (!isIdList(raw.targets)) return { ok: false, reason: 'hardware/compare: targets must be a list of hardware ids' };
      if (!isNonNegativeInt(raw.batch, 1 << 20) || raw.batch === 0) return { ok: false, reason: 'hardware/compare: batch must be a positive integer' };
      const whatIf = raw.whatIf;
      if (whatIf !== undefined && (!isRecord(whatIf) || !Object.values(whatIf).every((x) => typeof x === 'boolean'))) {
        return { ok: false, reason: 'hardware/compare: whatIf must map names to booleans' };
      }
      const precision = raw.precision;
      if (precision !== undefined && (typeof precision !== 'string' || !COMPARE_PRECISIONS.includes(precision))) {
        return { ok: false, reason: 'hardware/compare: unknown precision' };
      }
      const { promptTokens, outputTokens } = raw;
      if (promptTokens !== undefined && !isTokenCount(promptTokens)) return { ok: false, reason: `hardware/compare: promptTokens must be an integer from 1 to ${LLM_MAX_TOKENS}` };
      if (outputTokens !== undefined && !isTokenCount(outputTokens)) return { ok: false, reason: `hardware/compare: outputTokens must be an integer from 1 to ${LLM_MAX_TOKENS}` };
      return {
        ok: true,
        message: {
          type: 'hardware/compare',
          targets: raw.targets,
          batch: raw.batch,
          whatIf: whatIf as Record<string, boolean> | undefined,
          ...(precision !== undefined ? { precision } : {}),
          ...(promptTokens !== undefined ? { promptTokens } : {}),
          ...(outputTokens !== undefined ? { outputTokens } : {}),
        },
      };
    }
    case 'report/export':
      return ['json', 'csv', 'md', 'netron'].includes(raw.format as string)
        ? { ok: true, message: { type: 'report/export', format: raw.format as ExportMessage['format'] } }
        : { ok: false, reason: 'report/export: unknown format' };
    case 'graph/open':
      if (raw.nodeIndex !== undefined && !isNonNegativeInt(raw.nodeIndex)) return { ok: false, reason: 'graph/open: nodeIndex must be a non-negative integer' };
      return { ok: true, message: raw.nodeIndex === undefined ? { type: 'graph/open' } : { type: 'graph/open', nodeIndex: raw.nodeIndex as number } };
    default:
      return { ok: false, reason: `unknown message type '${String(raw.type).slice(0, 64)}'` };
  }
}

/** Validates a message from the host (the webview trusts nothing it hasn't checked). */
export function parseToWebview(raw: unknown): { ok: true; message: ToWebviewMessage } | { ok: false; reason: string } {
  if (!isRecord(raw) || typeof raw.type !== 'string') return { ok: false, reason: 'not an object with a string type' };
  switch (raw.type) {
    case 'report/show': {
      const r = raw.report;
      if (!isRecord(r) || typeof r.schemaVersion !== 'string' || !Array.isArray(r.nodes) || !isRecord(r.totals) || !isRecord(raw.settings)) {
        return { ok: false, reason: 'report/show: malformed report' };
      }
      const st = raw.settings;
      if ((st.promptTokens !== undefined && !isTokenCount(st.promptTokens)) || (st.outputTokens !== undefined && !isTokenCount(st.outputTokens))) {
        return { ok: false, reason: 'report/show: settings.promptTokens and outputTokens must be integers from 1 to ' + LLM_MAX_TOKENS };
      }
      const llm = isRecord(raw.estimates) ? raw.estimates.llm : undefined;
      const llmProblem = llm === undefined ? null : llmPayloadProblem(llm);
      if (llmProblem) return { ok: false, reason: `report/show: estimates.${llmProblem}` };
      return { ok: true, message: raw as unknown as ReportMessage };
    }
    case 'report/progress':
    case 'report/error':
      return typeof raw.message === 'string' ? { ok: true, message: raw as unknown as ProgressMessage | ErrorMessage } : { ok: false, reason: `${raw.type}: message must be a string` };
    case 'node/reveal':
      return isNonNegativeInt(raw.nodeIndex) ? { ok: true, message: { type: 'node/reveal', nodeIndex: raw.nodeIndex } } : { ok: false, reason: 'node/reveal: nodeIndex must be a non-negative integer' };
    default:
      return { ok: false, reason: `unknown message type '${String(raw.type).slice(0, 64)}'` };
  }
}
