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
import { estimateOnTarget, isPastKeyValueName, isPresentKeyValueName, memoryNeed, type ModelEstimate, type ModelEstimateOptions } from './modelEstimate';

export interface DecoderInfo {
  readonly pastInputs: readonly string[];
  readonly presentOutputs: readonly string[];
  /** Symbolic dim names, when the graph has them (or binding names that look like them). */
  readonly batchDim?: string;
  readonly sequenceDim?: string;
  readonly pastSequenceDim?: string;
  /** e.g. the attention mask's `total_sequence_length` (= past + sequence). */
  readonly totalSequenceDim?: string;
  /** Layers = pastInputs / 2 when keys and values are separate tensors. */
  readonly layers: number;
  readonly kvHeads?: number;
  readonly headDim?: number;
}

const TOKEN_INPUTS = /^(input_ids|inputs_embeds|tokens|input_tokens|ids)$/i;
const MASK_INPUTS = /attention_mask|^mask$/i;

function dimName(d: ReportDim | undefined): string | undefined {
  return typeof d === 'string' && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(d) ? d : undefined;
}

function bindingLike(report: ProfileReport, re: RegExp): string | undefined {
  const names = [...Object.keys(report.bindings), ...report.unboundSymbols];
  return names.find((n) => re.test(n));
}

/** Detect a decoder with a KV cache; null when the graph has no past key/value inputs. */
export function detectDecoder(report: ProfileReport): DecoderInfo | null {
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
    layers: past.length % 2 === 0 ? past.length / 2 : past.length,
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
  /** What each phase is profiled with: its defaults, the user's own bindings winning (a fixed cache buffer length, say). */
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
  const withUser = (phase: Record<string, number>) => new Map([...Object.entries(phase), ...userBindings]);
  return { phases, prefill: withUser(phases.prefill), decode: withUser(phases.decode) };
}

export interface LlmOptions extends ModelEstimateOptions {
  /** Sequences processed together (both reports must be profiled at this batch). */
  readonly batch: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface LlmEstimate {
  readonly target: string;
  readonly batch: number;
  readonly chips: number;
  readonly chipsNeeded: number;
  /** True when the decode working set (weights + full KV cache) fits on one device. */
  readonly fits: boolean;
  readonly prefillSeconds: number;
  readonly decodeStepSeconds: number;
  /** ≈ prefill time of the batch. */
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
  readonly notes: readonly string[];
}

/** Combine a prefill report and a decode-step report into LLM serving figures, per target. */
export function combineLlm(
  prefillReport: ProfileReport,
  decodeReport: ProfileReport,
  targets: readonly HardwareEntry[],
  options: LlmOptions,
): LlmEstimate[] {
  return targets.map((device) => {
    // Both phases share the deployment: the chip count the larger working set needs.
    const headroom = options.memoryHeadroomFraction ?? 0.1;
    const usable = device.memoryBytes.value * (1 - headroom);
    const needBytes = Math.max(memoryNeed(prefillReport, options, device).totalBytes, memoryNeed(decodeReport, options, device).totalBytes);
    const chipsNeeded = Math.max(1, Math.ceil(needBytes / usable));
    const chips = Math.max(chipsNeeded, Math.floor(options.chips ?? 1));
    const o = { ...options, chips };
    const prefill = estimateOnTarget(prefillReport, device, o);
    const decode = estimateOnTarget(decodeReport, device, o);
    const b = Math.max(1, options.batch);
    const requestSeconds = prefill.latencySeconds + options.outputTokens * decode.latencySeconds;
    const outTokens = b * options.outputTokens;
    const allTokens = b * (options.outputTokens + options.promptTokens);
    const tokensPerSecond = requestSeconds > 0 ? outTokens / requestSeconds : Infinity;
    const price = device.price?.usdPerHour;
    const dollars = price === undefined ? undefined : (price * chips * requestSeconds) / 3600;
    const joulesPerRequest =
      prefill.joulesPerInference === null || decode.joulesPerInference === null
        ? null
        : prefill.joulesPerInference + options.outputTokens * decode.joulesPerInference;
    const notes = [...new Set([...prefill.notes, ...decode.notes])];
    return {
      target: device.id,
      batch: b,
      chips,
      chipsNeeded,
      fits: chipsNeeded === 1,
      prefillSeconds: prefill.latencySeconds,
      decodeStepSeconds: decode.latencySeconds,
      timeToFirstTokenSeconds: prefill.latencySeconds,
      timePerOutputTokenSeconds: decode.latencySeconds,
      requestSeconds,
      tokensPerSecond,
      tokensPerSecondPerChip: tokensPerSecond / chips,
      totalTokensPerSecond: requestSeconds > 0 ? allTokens / requestSeconds : Infinity,
      requestsPerSecond: requestSeconds > 0 ? b / requestSeconds : Infinity,
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
