/**
 * LLM-aware estimates. A decoder graph with past key/value inputs runs in two regimes:
 *  - prefill: sequence = prompt length, past = 0 — large GEMMs, compute-bound;
 *  - decode:  sequence = 1, past = context — every weight and the whole KV cache streamed per token,
 *             memory-bound unless the batch is large.
 * One report describes one binding, so the caller profiles twice (`profile(bindings)`) with the dim names
 * `detectDecoder` returns, and `combineLlm` turns the two into tokens/s and $ per million tokens.
 * Pure: no I/O. See docs/estimator.md ("LLMs").
 */
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport, ReportDim, TensorSummary } from '../report/reportTypes';
import type { ServingPlan } from './servingPlan';
import { estimateOnTarget, isPastKeyValueName, isPresentKeyValueName, layoutChoices, type ModelEstimate, type ModelEstimateOptions } from './modelEstimate';
import type { ParallelLayout } from './parallelLayout';

export interface DecoderInfo {
  readonly pastInputs: readonly string[];
  readonly presentOutputs: readonly string[];
  /** Symbolic dim names, when the graph has them (or binding names that look like them). */
  readonly batchDim?: string;
  readonly sequenceDim?: string;
  readonly pastSequenceDim?: string;
  /** e.g. the attention mask's `total_sequence_length` (= past + sequence). */
  readonly totalSequenceDim?: string;
  /**
   * Layers: past inputs grouped by name with their key/value told apart (`past_key_values.3.key` and `.value`
   * are one layer; MLA's one latent per layer, `past_key_values.3.key` alone, is one too).
   */
  readonly layers: number;
  readonly kvHeads?: number;
  readonly headDim?: number;
}

const TOKEN_INPUTS = /^(input_ids|inputs_embeds|tokens|input_tokens|ids)$/i;
const MASK_INPUTS = /attention_mask|^mask$/i;

function dimName(d: ReportDim | undefined): string | undefined {
  return typeof d === 'string' && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(d) ? d : undefined;
}

/** What decoder detection reads of a report: its inputs and outputs, and the dims bound or still unbound. */
export type DecoderSignature = Pick<ProfileReport, 'graphInputs' | 'graphOutputs' | 'bindings' | 'unboundSymbols'>;

function bindingLike(report: DecoderSignature, re: RegExp): string | undefined {
  const names = [...Object.keys(report.bindings), ...report.unboundSymbols];
  return names.find((n) => re.test(n));
}

const KEY_OR_VALUE = /^(key|value|keys|values|k|v)$/i;

/**
 * Layers of a KV cache from its past input names: each name with its last key/value token (split on `.`, `_`,
 * `/`, `-`) blanked out names one layer, so a layer's key and value count once and a lone latent (MLA) once.
 */
export function cacheLayers(pastInputs: readonly string[]): number {
  const layers = new Set<string>();
  for (const name of pastInputs) {
    const parts = name.split(/([._/-])/);
    let last = -1;
    parts.forEach((p, i) => {
      if (KEY_OR_VALUE.test(p)) last = i;
    });
    if (last >= 0) parts[last] = '*';
    layers.add(parts.join(''));
  }
  return layers.size;
}

/** Detect a decoder with a KV cache; null when the graph has no past key/value inputs. */
export function detectDecoder(report: DecoderSignature): DecoderInfo | null {
  const past = report.graphInputs.filter((t) => isPastKeyValueName(t.name));
  if (past.length === 0) return null;
  const present = report.graphOutputs.filter((t) => isPresentKeyValueName(t.name));
  const first: TensorSummary = past[0];
  const shape = first.shape ?? [];
  const tokens = report.graphInputs.find((t) => TOKEN_INPUTS.test(t.name));
  const mask = report.graphInputs.find((t) => MASK_INPUTS.test(t.name));

  const batchDim = dimName(shape[0]) ?? dimName(tokens?.shape?.[0]) ?? bindingLike(report, /batch/i);
  // [batch, kv_heads, past, head_dim] (ORT/optimum layout) or [batch, past, kv_heads, head_dim].
  let pastSequenceDim: string | undefined;
  if (shape.length === 4) pastSequenceDim = dimName(shape[2]) ?? dimName(shape[1]);
  pastSequenceDim = pastSequenceDim ?? shape.slice(1).map(dimName).find((d) => d !== undefined && d !== batchDim);
  pastSequenceDim = pastSequenceDim ?? bindingLike(report, /past/i);
  const sequenceDim = dimName(tokens?.shape?.[1]) ?? bindingLike(report, /^(sequence|seq|sequence_length|seq_len)$/i) ?? bindingLike(report, /seq/i);
  const totalSequenceDim = dimName(mask?.shape?.[1]);
  const numeric = shape.map((d) => (typeof d === 'number' ? d : undefined));
  return {
    pastInputs: past.map((t) => t.name),
    presentOutputs: present.map((t) => t.name),
    ...(batchDim ? { batchDim } : {}),
    ...(sequenceDim ? { sequenceDim } : {}),
    ...(pastSequenceDim ? { pastSequenceDim } : {}),
    ...(totalSequenceDim && totalSequenceDim !== sequenceDim ? { totalSequenceDim } : {}),
    layers: cacheLayers(past.map((t) => t.name)),
    ...(shape.length === 4 && numeric[1] !== undefined ? { kvHeads: numeric[1] } : {}),
    ...(shape.length === 4 && numeric[3] !== undefined ? { headDim: numeric[3] } : {}),
  };
}

/**
 * Bindings for the two profiles: prefill (sequence = prompt, past = 0) and one decode step
 * (sequence = 1, past = context). `decodeContextTokens` defaults to prompt + output/2, the average
 * context over the generated tokens, so one decode profile stands for the mean step.
 */
export function llmBindings(
  info: DecoderInfo,
  batch: number,
  promptTokens: number,
  outputTokens: number,
  decodeContextTokens: number = promptTokens + Math.floor(outputTokens / 2),
): { prefill: Record<string, number>; decode: Record<string, number> } {
  const prefill: Record<string, number> = {};
  const decode: Record<string, number> = {};
  if (info.batchDim) prefill[info.batchDim] = decode[info.batchDim] = batch;
  if (info.sequenceDim) {
    prefill[info.sequenceDim] = promptTokens;
    decode[info.sequenceDim] = 1;
  }
  if (info.pastSequenceDim) {
    prefill[info.pastSequenceDim] = 0;
    decode[info.pastSequenceDim] = decodeContextTokens;
  }
  if (info.totalSequenceDim) {
    prefill[info.totalSequenceDim] = promptTokens;
    decode[info.totalSequenceDim] = decodeContextTokens + 1;
  }
  return { prefill, decode };
}

export interface LlmPhaseBindings {
  /** The phase defaults (`llmBindings`). */
  readonly phases: { readonly prefill: Record<string, number>; readonly decode: Record<string, number> };
  /**
   * What each phase is profiled with: its lengths, then the user's bindings of every other dim. The phase owns
   * the decoder's batch, sequence, past and total dims: a user who binds sequence 1 and past 2048 to look at one
   * decode step did not ask for a one-token prompt (time to first token equal to the time per output token).
   */
  readonly prefill: Map<string, number>;
  readonly decode: Map<string, number>;
}

/** The bindings the prefill and decode profiles of a decoder run with, given the user's own bindings. */
export function llmPhaseBindings(
  info: DecoderInfo,
  batch: number,
  promptTokens: number,
  outputTokens: number,
  userBindings: ReadonlyMap<string, number>,
): LlmPhaseBindings {
  const phases = llmBindings(info, batch, promptTokens, outputTokens);
  const withUser = (phase: Record<string, number>) => new Map([...userBindings, ...Object.entries(phase)]);
  return { phases, prefill: withUser(phases.prefill), decode: withUser(phases.decode) };
}

export interface LlmOptions extends ModelEstimateOptions {
  /** Sequences decoded together (the decode report is profiled at this batch; so is the prefill report by default). */
  readonly batch: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Sequences per request: beam search decodes `beamWidth` sequences per prompt (MLPerf's GPT-J: 4). Default 1. */
  readonly beamWidth?: number;
  /**
   * Requests per prefill call, when the prefill runs in chunks (a runtime's token budget per step): the prefill
   * report is profiled at this batch and the batch's prefill takes requests / prefillBatch calls. Default: all
   * the batch's requests in one call.
   */
  readonly prefillBatch?: number;
  /**
   * KV-cache bytes of the decode step's batch when they are not what the decode report's past inputs hold (beam
   * search shares a request's prompt cache across its beams); default: as found in the report.
   */
  readonly decodeKvCacheBytes?: number;
  /**
   * Share of the vocabulary projection's rows the prefill runs (default 1: every position, as exported). Serving
   * runtimes project only each prompt's last position (TensorRT-LLM's default `gather_context_logits: false`, vLLM's
   * sampler): serving.ts sets 1 / prompt tokens.
   */
  readonly prefillLogitsRowFraction?: number;
}

export interface LlmEstimate {
  readonly target: string;
  /** Sequences decoded together. */
  readonly batch: number;
  readonly chips: number;
  /** How both phases are laid out over the chips (one deployment): one chip, tensor- or expert-parallel. */
  readonly layout: ParallelLayout;
  readonly chipsNeeded: number;
  /** True when the decode working set (weights + full KV cache) fits on one device. */
  readonly fits: boolean;
  /** Prefill of every request of the batch. */
  readonly prefillSeconds: number;
  readonly decodeStepSeconds: number;
  /** One prefill call (the whole batch, or one chunk of it). */
  readonly timeToFirstTokenSeconds: number;
  readonly timePerOutputTokenSeconds: number;
  /** Prefill + outputTokens decode steps, for the whole batch. */
  readonly requestSeconds: number;
  /** Output tokens per second of the whole system (the MLPerf LLM metric). */
  readonly tokensPerSecond: number;
  readonly tokensPerSecondPerChip: number;
  /** Prompt + output tokens per second. */
  readonly totalTokensPerSecond: number;
  readonly requestsPerSecond: number;
  /** US$ per million OUTPUT tokens; null when the device has no price. */
  readonly costPerMillionTokensUsd: number | null;
  /** US$ per million prompt + output tokens. */
  readonly costPerMillionTotalTokensUsd: number | null;
  /** null when the device lists no board power. */
  readonly joulesPerOutputToken: number | null;
  readonly prefillComputeBoundFraction: number;
  readonly decodeComputeBoundFraction: number;
  readonly prefill: ModelEstimate;
  readonly decode: ModelEstimate;
  /** With `--batch max`: the sequences in flight and layout the serving search chose (serving.ts). */
  readonly serving?: ServingPlan;
  readonly notes: readonly string[];
}

/**
 * The deployment both phases share: per layout the model can use, the chips the larger working set needs (or
 * the chips asked, when more), both phases estimated there; the layout with the fewest chip-seconds per request
 * is kept (then the shorter request). The prefill runs `prefillCalls` times per request cycle (a chunked prefill),
 * each at the prefill options' batch; the decode step at the decode options'.
 */
function sharedDeployment(
  prefillReport: ProfileReport,
  decodeReport: ProfileReport,
  device: HardwareEntry,
  options: LlmOptions,
  phases: { readonly prefill: ModelEstimateOptions; readonly decode: ModelEstimateOptions; readonly prefillCalls: number },
) {
  const asked = Math.max(1, Math.floor(options.chips ?? 1));
  const needs = new Map<ParallelLayout, number>();
  for (const [report, o] of [[prefillReport, phases.prefill], [decodeReport, phases.decode]] as const) {
    for (const c of layoutChoices(report, device, o)) needs.set(c.layout, Math.max(needs.get(c.layout) ?? 1, c.chipsNeeded));
  }
  const runs = [...needs].map(([layout, chipsNeeded]) => {
    const finite = Number.isFinite(chipsNeeded);
    const at = (o: ModelEstimateOptions) => (finite ? { ...o, layout, chips: Math.max(chipsNeeded, asked) } : o);
    const prefill = estimateOnTarget(prefillReport, device, at(phases.prefill));
    const decode = estimateOnTarget(decodeReport, device, at(phases.decode));
    const prefillSeconds = phases.prefillCalls * prefill.latencySeconds;
    const requestSeconds = prefillSeconds + options.outputTokens * decode.latencySeconds;
    return { prefill, decode, prefillSeconds, requestSeconds, chipsNeeded: finite ? chipsNeeded : Math.max(prefill.chipsNeeded, decode.chipsNeeded), finite };
  });
  const feasible = runs.some((r) => r.finite) ? runs.filter((r) => r.finite) : runs;
  return feasible.reduce((best, r) => {
    const cost = (x: typeof r) => x.decode.chips * x.requestSeconds;
    return cost(r) < cost(best) * (1 - 1e-9) || (Math.abs(cost(r) - cost(best)) <= cost(best) * 1e-9 && r.requestSeconds < best.requestSeconds) ? r : best;
  });
}

/** Combine a prefill report and a decode-step report into LLM serving figures, per target. */
export function combineLlm(
  prefillReport: ProfileReport,
  decodeReport: ProfileReport,
  targets: readonly HardwareEntry[],
  options: LlmOptions,
): LlmEstimate[] {
  const b = Math.max(1, options.batch);
  const beams = Math.max(1, options.beamWidth ?? 1);
  const requests = b / beams;
  const prefillBatch = Math.max(1, options.prefillBatch ?? requests);
  const prefillCalls = requests / prefillBatch;
  return targets.map((device) => {
    // Both phases share the deployment: one layout, on the chips the larger working set needs.
    const decodeOptions = options.decodeKvCacheBytes === undefined ? options : { ...options, kvCacheBytes: options.decodeKvCacheBytes };
    const prefillOptions = options.prefillLogitsRowFraction === undefined ? options : { ...options, logitsRowFraction: options.prefillLogitsRowFraction };
    const phases = { prefill: { ...prefillOptions, batch: prefillBatch }, decode: { ...decodeOptions, batch: b }, prefillCalls };
    const { prefill, decode, prefillSeconds, requestSeconds, chipsNeeded } = sharedDeployment(prefillReport, decodeReport, device, options, phases);
    const chips = decode.chips;
    const outTokens = requests * options.outputTokens;
    const allTokens = requests * (options.outputTokens + options.promptTokens);
    const tokensPerSecond = requestSeconds > 0 ? outTokens / requestSeconds : Infinity;
    const price = device.price?.usdPerHour;
    const dollars = price === undefined ? undefined : (price * chips * requestSeconds) / 3600;
    // Per request: its prefill, and every step of each of its beams.
    const joulesPerRequest =
      prefill.joulesPerInference === null || decode.joulesPerInference === null
        ? null
        : prefill.joulesPerInference + options.outputTokens * beams * decode.joulesPerInference;
    const notes = [...new Set([...prefill.notes, ...decode.notes])];
    return {
      target: device.id,
      batch: b,
      chips,
      layout: decode.layout,
      chipsNeeded,
      fits: chipsNeeded === 1,
      prefillSeconds,
      decodeStepSeconds: decode.latencySeconds,
      timeToFirstTokenSeconds: prefill.latencySeconds,
      timePerOutputTokenSeconds: decode.latencySeconds,
      requestSeconds,
      tokensPerSecond,
      tokensPerSecondPerChip: tokensPerSecond / chips,
      totalTokensPerSecond: requestSeconds > 0 ? allTokens / requestSeconds : Infinity,
      requestsPerSecond: requestSeconds > 0 ? requests / requestSeconds : Infinity,
      costPerMillionTokensUsd: dollars === undefined ? null : (dollars / outTokens) * 1e6,
      costPerMillionTotalTokensUsd: dollars === undefined ? null : (dollars / allTokens) * 1e6,
      joulesPerOutputToken: joulesPerRequest === null ? null : options.outputTokens > 0 ? joulesPerRequest / options.outputTokens : 0,
      prefillComputeBoundFraction: prefill.computeBoundFraction,
      decodeComputeBoundFraction: decode.computeBoundFraction,
      prefill,
      decode,
      notes,
    };
  });
}
