/**
 * The choices a user made for one model, as saved in the workspace between windows, and the guard that reads
 * them back. Free of `vscode`, so node's test runner checks it.
 */
import { isMoeSkew } from '../core/estimate/layouts';
import { isKvCacheDtype, isPrecisionChoice, type KvCacheDtype, type PrecisionChoice } from '../core/estimate/precision';
import { isBatchChoice, isNonNegativeInt, isStringList, isTokenCount, type BatchChoice } from '../protocol/messages';

/**
 * What the user chose for a model: bound dims, compared targets, batch, precision, LLM request and what-if
 * toggles. Saved per model in the workspace, so a reload shows the same analysis.
 */
export interface SessionChoices {
  readonly bindings: Readonly<Record<string, number>>;
  readonly targets: readonly string[];
  /** Samples per call, or 'max' (the serving search per target). */
  readonly batch: BatchChoice;
  /** The deployment's chip count; 0 or absent: the chips the model needs. */
  readonly chips?: number;
  readonly precision?: PrecisionChoice;
  /** Decoders: the KV-cache dtype; absent: as the activations. */
  readonly kvCache?: KvCacheDtype;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Hint ids whose what-if change is applied. */
  readonly whatIf: readonly string[];
  /** MoE routing skew chosen in a view; absent: the `onnxProfiler.moeSkew` setting. */
  readonly moeSkew?: number;
  /** A saved JSON report or a model (a path on the extension host) the figures are compared with. */
  readonly baseline?: string;
}

/**
 * The choices after the user applies `bindings` in the profile view. The batch dim is the Batch field's: its
 * binding there becomes the batch choice when the user changed it (the view shows the profiled batch in that
 * field, so an untouched one is no choice, and a batch of 'max' stays), and it is never kept as a binding,
 * which would pin the batch so that the Batch field silently did nothing.
 */
export function withDimBindings(choices: SessionChoices, bindings: Readonly<Record<string, number>>, batchDim: string | undefined, profiledBatch: number | undefined): SessionChoices {
  const batch = batchDim === undefined ? undefined : bindings[batchDim];
  // A batch no Batch field takes (0) stays a binding, as written.
  if (batch === undefined || !isBatchChoice(batch)) return { ...choices, bindings: { ...bindings } };
  const { [batchDim!]: _batch, ...others } = bindings;
  return { ...choices, bindings: others, ...(batch !== profiledBatch ? { batch } : {}) };
}

/** Longest baseline path kept (Linux's PATH_MAX). */
const MAX_PATH_LENGTH = 4096;

/** Saved choices read back: undefined unless every field is well formed (an older or edited memento is ignored). */
export function readChoices(raw: unknown): SessionChoices | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const c = raw as Record<string, unknown>;
  const bindings = c.bindings;
  if (typeof bindings !== 'object' || bindings === null || !Object.values(bindings).every((n) => isNonNegativeInt(n))) return undefined;
  if (!isStringList(c.targets) || !isStringList(c.whatIf) || !isBatchChoice(c.batch) || (c.chips !== undefined && !isNonNegativeInt(c.chips))) return undefined;
  if (!isTokenCount(c.promptTokens) || !isTokenCount(c.outputTokens) || (c.precision !== undefined && !isPrecisionChoice(c.precision)) || (c.kvCache !== undefined && !isKvCacheDtype(c.kvCache))) return undefined;
  if (c.moeSkew !== undefined && !isMoeSkew(c.moeSkew)) return undefined;
  if (c.baseline !== undefined && !(typeof c.baseline === 'string' && c.baseline.length > 0 && c.baseline.length <= MAX_PATH_LENGTH)) return undefined;
  return raw as SessionChoices;
}
