/**
 * The one message protocol between the extension host and its webviews (the profile editor, the hardware
 * side panel and the wide hardware comparison). Both sides validate every message on receipt with `parseToWebview` /
 * `parseFromWebview`; a message that fails is logged and dropped. Only reports cross, never model bytes.
 *
 * Message `type`s are string literals ('report/ready'), readable in devtools and stable under reordering.
 */
import { isMoeSkew, MAX_MOE_SKEW } from '../core/estimate/layouts';
import { isKvCacheDtype, isPrecisionChoice, KV_CACHE_DTYPES, PRECISION_CHOICES, type KvCacheDtype, type PrecisionChoice } from '../core/estimate/precision';
import type { BaselineComparison } from '../core/report/baseline';
import type { ProfileReport } from '../core/report/reportTypes';
import {
  baselinePayloadProblem,
  type BatchChoice,
  estimatesPayloadProblem,
  isBatchChoice,
  HINT_ID,
  hintsPayloadProblem,
  isNonNegativeInt,
  isRecord,
  isTokenCount,
  LLM_MAX_TOKENS,
  MAX_TARGETS,
  type EstimatesPayload,
  type HintPayload,
} from './payloads';

export * from './payloads';

/** Settings the views need to render (units and what the session compares). */
export interface ViewSettings {
  /** 'flops' or 'macs' for compute columns. */
  readonly computeUnit: 'flops' | 'macs';
  /** Decimal (GB) or binary (GiB) memory units. */
  readonly memoryUnit: 'decimal' | 'binary';
  /** Hardware ids to compare, in order. */
  readonly targets: readonly string[];
  /** Samples per call, or 'max': per target, the batch and layout with the most throughput per chip (each estimate's `serving`). */
  readonly batch: BatchChoice;
  /** The deployment's chip count; absent or 0: the chips the model needs. */
  readonly chips?: number;
  /** Precision override for estimates ('fp16', 'int8'…); absent = the model's own dtypes. */
  readonly precision?: PrecisionChoice;
  /** Decoders: the KV-cache dtype ('fp8', 'int8'…); absent = as the activations. */
  readonly kvCache?: KvCacheDtype;
  /** Prompt and generated tokens of the LLM estimate (decoders with a KV cache). */
  readonly promptTokens?: number;
  readonly outputTokens?: number;
  /** Hint ids whose what-if change the session applies. */
  readonly whatIf?: readonly string[];
  /** MoE routing skew of the estimates (0 = uniform routing). */
  readonly moeSkew?: number;
}

/** One entry of the hardware catalog, as the pickers list it. */
export interface CatalogEntrySummary {
  readonly id: string;
  readonly name: string;
  /** 'gpu' | 'accelerator' | 'edge'. */
  readonly deviceClass: string;
  /** Why the estimator cannot cost this device (no compute peak in any precision); absent when it can. */
  readonly notEstimated?: string;
}

/** A target (the host's `HardwareTargetInfo` or any wider record) as the pickers list it: only the summary's fields. */
export function catalogEntrySummary({ id, name, deviceClass, notEstimated }: CatalogEntrySummary): CatalogEntrySummary {
  return { id, name, deviceClass, ...(notEstimated ? { notEstimated } : {}) };
}

//#region to webview
/** Everything the view needs at once, sent in reply to 'view/ready' and after every recompute. */
export interface ReportMessage {
  readonly type: 'report/show';
  /** The profile, with the session's what-if changes applied. */
  readonly report: ProfileReport;
  /** Hardware estimates per compared target, when there are targets. */
  readonly estimates?: EstimatesPayload;
  /** Hints priced on the model before any what-if, sorted by saving. */
  readonly hints?: readonly HintPayload[];
  readonly settings: ViewSettings;
  /** Targets the pickers offer: the catalog and the user's own entries. */
  readonly catalog?: readonly CatalogEntrySummary[];
  /** With a baseline chosen: every figure before and after (the CLI's `--baseline` section). */
  readonly baseline?: BaselineComparison;
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

/** The user changed the compared targets, batch, precision or what-if toggles (side panel or wide comparison). */
export interface CompareMessage {
  readonly type: 'hardware/compare';
  readonly targets: readonly string[];
  readonly batch: BatchChoice;
  /** The deployment's chip count (1..MAX_CHIPS), 0 for the chips the model needs; absent = unchanged. */
  readonly chips?: number;
  /** Precision override (one of the core's PRECISION_CHOICES); absent = as in the model. */
  readonly precision?: PrecisionChoice;
  /** Decoders: the KV cache stored in one of KV_CACHE_DTYPES; absent = as the activations. */
  readonly kvCache?: KvCacheDtype;
  /** Hint ids whose what-if change to apply (absent = unchanged; [] = none). */
  readonly whatIf?: readonly string[];
  /** LLM estimate of a decoder: prompt tokens (1..LLM_MAX_TOKENS); absent = unchanged. */
  readonly promptTokens?: number;
  /** LLM estimate of a decoder: generated tokens (1..LLM_MAX_TOKENS); absent = unchanged. */
  readonly outputTokens?: number;
  /** MoE models: routing skew, 0 (uniform) to MAX_MOE_SKEW; absent = unchanged. */
  readonly moeSkew?: number;
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

/** The user asked for the wide hardware comparison (an editor-area panel). */
export interface OpenCompareMessage {
  readonly type: 'compare/open';
}

/** The user asked to compare with a baseline: the host asks which report or model. */
export interface ChooseBaselineMessage {
  readonly type: 'baseline/choose';
}

/** The user stopped comparing with the baseline. */
export interface ClearBaselineMessage {
  readonly type: 'baseline/clear';
}

export type FromWebviewMessage = ReadyMessage | BindMessage | SelectNodeMessage | CompareMessage | ExportMessage | OpenGraphTextMessage | OpenCompareMessage | ChooseBaselineMessage | ClearBaselineMessage;
//#endregion

const MAX_BINDINGS = 256;
/** Largest chip count a view may post (an NVL72 rack is 72; CloudMatrix 384). */
export const MAX_CHIPS = 4096;
/** Defaults of the LLM estimate: the CLI's --prompt / --generate defaults, from the core. */
export { DEFAULT_OUTPUT_TOKENS as LLM_DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS as LLM_DEFAULT_PROMPT_TOKENS } from '../core/estimate/llmDefaults';

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
      if (!isBatchChoice(raw.batch)) return { ok: false, reason: "hardware/compare: batch must be a positive integer or 'max'" };
      if (raw.chips !== undefined && !isNonNegativeInt(raw.chips, MAX_CHIPS)) return { ok: false, reason: `hardware/compare: chips must be an integer from 0 to ${MAX_CHIPS}` };
      const whatIf = raw.whatIf;
      if (whatIf !== undefined && !(Array.isArray(whatIf) && whatIf.length <= MAX_TARGETS && whatIf.every((x) => typeof x === 'string' && HINT_ID.test(x)))) {
        return { ok: false, reason: 'hardware/compare: whatIf must list hint ids' };
      }
      const precision = raw.precision;
      if (precision !== undefined && !isPrecisionChoice(precision)) return { ok: false, reason: 'hardware/compare: unknown precision' };
      const kvCache = raw.kvCache;
      if (kvCache !== undefined && !isKvCacheDtype(kvCache)) return { ok: false, reason: 'hardware/compare: unknown KV-cache dtype' };
      const { promptTokens, outputTokens } = raw;
      if (promptTokens !== undefined && !isTokenCount(promptTokens)) return { ok: false, reason: `hardware/compare: promptTokens must be an integer from 1 to ${LLM_MAX_TOKENS}` };
      if (outputTokens !== undefined && !isTokenCount(outputTokens)) return { ok: false, reason: `hardware/compare: outputTokens must be an integer from 1 to ${LLM_MAX_TOKENS}` };
      const moeSkew = raw.moeSkew;
      if (moeSkew !== undefined && !isMoeSkew(moeSkew)) return { ok: false, reason: `hardware/compare: moeSkew must be a number from 0 to ${MAX_MOE_SKEW}` };
      return {
        ok: true,
        message: {
          type: 'hardware/compare',
          targets: raw.targets,
          batch: raw.batch,
          ...(raw.chips !== undefined ? { chips: raw.chips as number } : {}),
          ...(whatIf !== undefined ? { whatIf: whatIf as string[] } : {}),
          ...(precision !== undefined ? { precision } : {}),
          ...(kvCache !== undefined ? { kvCache } : {}),
          ...(promptTokens !== undefined ? { promptTokens } : {}),
          ...(outputTokens !== undefined ? { outputTokens } : {}),
          ...(moeSkew !== undefined ? { moeSkew } : {}),
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
    case 'compare/open':
      return { ok: true, message: { type: 'compare/open' } };
    case 'baseline/choose':
    case 'baseline/clear':
      return { ok: true, message: { type: raw.type } };
    default:
      return { ok: false, reason: `unknown message type '${String(raw.type).slice(0, 64)}'` };
  }
}

function isCatalogEntry(e: unknown): e is CatalogEntrySummary {
  return isRecord(e) && typeof e.id === 'string' && typeof e.name === 'string' && typeof e.deviceClass === 'string' && (e.notEstimated === undefined || typeof e.notEstimated === 'string');
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
      if (r.derivedBindings !== undefined && !(isRecord(r.derivedBindings) && Object.values(r.derivedBindings).every((v) => isNonNegativeInt(v)))) {
        return { ok: false, reason: 'report/show: report.derivedBindings must map dim names to non-negative integers' };
      }
      const st = raw.settings;
      if (!isBatchChoice(st.batch) || (st.chips !== undefined && !isNonNegativeInt(st.chips, MAX_CHIPS))) return { ok: false, reason: "report/show: settings.batch must be a positive integer or 'max', chips an integer" };
      if ((st.promptTokens !== undefined && !isTokenCount(st.promptTokens)) || (st.outputTokens !== undefined && !isTokenCount(st.outputTokens))) {
        return { ok: false, reason: 'report/show: settings.promptTokens and outputTokens must be integers from 1 to ' + LLM_MAX_TOKENS };
      }
      if (st.moeSkew !== undefined && !isMoeSkew(st.moeSkew)) return { ok: false, reason: `report/show: settings.moeSkew must be a number from 0 to ${MAX_MOE_SKEW}` };
      if (st.precision !== undefined && !isPrecisionChoice(st.precision)) return { ok: false, reason: `report/show: settings.precision must be one of ${PRECISION_CHOICES.join(', ')}` };
      if (st.kvCache !== undefined && !isKvCacheDtype(st.kvCache)) return { ok: false, reason: `report/show: settings.kvCache must be one of ${KV_CACHE_DTYPES.join(', ')}` };
      if (st.whatIf !== undefined && !(Array.isArray(st.whatIf) && st.whatIf.every((x) => typeof x === 'string'))) return { ok: false, reason: 'report/show: settings.whatIf must list hint ids' };
      if (raw.catalog !== undefined && !(Array.isArray(raw.catalog) && raw.catalog.every(isCatalogEntry))) return { ok: false, reason: 'report/show: catalog must list {id, name, deviceClass, notEstimated?}' };
      const estimatesProblem = raw.estimates === undefined ? null : estimatesPayloadProblem(raw.estimates);
      if (estimatesProblem) return { ok: false, reason: `report/show: estimates: ${estimatesProblem}` };
      const hintsProblem = raw.hints === undefined ? null : hintsPayloadProblem(raw.hints);
      if (hintsProblem) return { ok: false, reason: `report/show: hints: ${hintsProblem}` };
      const baselineProblem = raw.baseline === undefined ? null : baselinePayloadProblem(raw.baseline);
      if (baselineProblem) return { ok: false, reason: `report/show: baseline: ${baselineProblem}` };
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
