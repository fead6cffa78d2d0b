/**
 * The serving search behind `--batch max` and `--chips N`: per target, the batch and the chip layout that
 * maximise throughput per chip within memory, as an offline deployment is set up. The estimator itself
 * (modelEstimate.ts, llm.ts) prices one (batch, chips) point; this module chooses the point.
 *
 * A deployment is `instances` copies of the model, each over `chipsPerInstance` chips (the estimator splits
 * a copy over its chips); `chips` is all of them. With a fixed chip count (`--chips N`: 8 GPUs in a node, a
 * 16-chip Trainium instance) every layout whose copies fit in N chips is tried and chips a layout leaves
 * idle still count; without one, a copy over 1, 2, 4, 8... chips (at least as many as its weights need).
 * Only decoders spread a copy wider than it needs (for KV-cache room); other models run as copies on the
 * fewest chips that hold them.
 * For each layout the batch starts at the largest that fits memory (weights + activations, and for a
 * decoder the KV cache of every sequence at prompt + output tokens), capped at the runtime's batch limit;
 * throughput per chip does not fall as the batch grows in this model (weights and per-kernel costs
 * amortise), so the batch is then halved while the throughput stays within `SERVING_TOLERANCE` of it: no
 * deployment doubles its batch, latency and memory for less. Model: docs/estimator.md ("Serving search").
 * Pure: the caller supplies `profile`, which profiles the model under bindings.
 */
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import { combineLlm, llmBindings, type DecoderInfo, type LlmEstimate, type LlmOptions } from './llm';
import { estimateOnTarget, memoryNeed, usableBytesPerChip, type ModelEstimate, type ModelEstimateOptions } from './modelEstimate';
import type { ServingPlan } from './servingPlan';

export type { ServingPlan } from './servingPlan';

/**
 * Largest batch (sequences in flight) considered: TensorRT-LLM's default `max_batch_size` (trtllm-build:
 * 2048). Offline vision and encoder batches never need more.
 */
export const SERVING_MAX_BATCH = 2048;
/**
 * Tokens one prefill call may carry: TensorRT-LLM's default `max_num_tokens` (8192). Runtimes with in-flight
 * batching prefill a large batch in chunks of this many tokens between decode steps, so prefill activations
 * do not grow with the batch.
 */
export const SERVING_MAX_PREFILL_TOKENS = 8192;
/** A smaller batch is chosen when its throughput per chip is within this fraction of the best. */
export const SERVING_TOLERANCE = 0.01;
/** Chips per model copy tried without a fixed chip count: this many doublings above the fewest that hold it. */
const DEGREE_DOUBLINGS = 3;

export interface ServingRequest {
  /** The deployment's chip count; undefined: one copy of the model on the chips the search picks. */
  readonly chips?: number;
  /** Largest batch per copy (default SERVING_MAX_BATCH). */
  readonly maxBatch?: number;
}

/** The memory line of a model: need(batch) = fixed + perBatch × batch (weights, then activations and KV cache). */
interface MemoryLine {
  readonly fixedBytes: number;
  readonly perBatchBytes: number;
}

function memoryLine(needAt: (batch: number) => number): MemoryLine {
  const one = needAt(1);
  const perBatchBytes = Math.max(0, needAt(2) - one);
  return { fixedBytes: Math.max(0, one - perBatchBytes), perBatchBytes };
}

/**
 * The memory line of beam search, per sequence: the beams of a request share the prompt's KV cache, each keeps its
 * own generated tokens (TensorRT-LLM's KVCacheManager.add_sequence allocates a request's context blocks shared
 * across its beams; only the generated tokens get a block per beam). `promptShare` is prompt / (prompt + output).
 */
function beamMemoryLine(atFullContext: (sequences: number) => { totalBytes: number; kvCacheBytes: number }, beams: number, promptShare: number): MemoryLine {
  const one = atFullContext(1);
  const two = atFullContext(2);
  const kvPerSequence = Math.max(0, two.kvCacheBytes - one.kvCacheBytes);
  const otherPerSequence = Math.max(0, two.totalBytes - one.totalBytes - kvPerSequence);
  const kvPerRequest = kvPerSequence * (promptShare + beams * (1 - promptShare));
  return { fixedBytes: Math.max(0, one.totalBytes - kvPerSequence - otherPerSequence), perBatchBytes: otherPerSequence + kvPerRequest / beams };
}

/** Chip counts per copy to try: divisors of a fixed chip count, else doublings from the fewest; all ≥ `fewest`. */
export function instanceSizes(fewest: number, systemChips?: number): number[] {
  if (systemChips !== undefined) {
    const sizes: number[] = [];
    for (let d = 1; d <= systemChips; d++) if (systemChips % d === 0 && d >= fewest) sizes.push(d);
    return sizes;
  }
  let first = 1;
  while (first < fewest) first *= 2;
  return Array.from({ length: DEGREE_DOUBLINGS + 1 }, (_, k) => first * 2 ** k);
}

/** One evaluated point: the estimate of one copy at `batch` on `chipsPerInstance` chips, and per chip of the deployment. */
interface Point<E> {
  readonly batch: number;
  readonly chipsPerInstance: number;
  readonly instances: number;
  readonly chips: number;
  readonly perChip: number;
  readonly estimate: E;
}

interface SearchSpace<E> {
  readonly line: MemoryLine;
  readonly usable: number;
  /** Batch granularity (a request's beams) and the cap. */
  readonly step: number;
  readonly maxBatch: number;
  readonly systemChips?: number;
  /**
   * Whether copies may spread over more chips than their weights need: a decoder's KV cache grows with the
   * batch, so more chips per copy can buy a larger batch; a model run once per batch gains nothing real from
   * splitting (the estimator would charge no activation exchange between a split convolution's chips).
   */
  readonly widen: boolean;
  /** Whether to try every halving of the batch, not only while the throughput per chip holds (models run once per batch). */
  readonly scanAll: boolean;
  /** Estimate one copy at `batch` on `chips` chips; its throughput (whole copy) and the chips it really used. */
  evaluate(batch: number, chips: number): { estimate: E; throughput: number; chips: number };
}

/** The search itself, shared by the offline and decoder cases. */
function search<E>(space: SearchSpace<E>): { plan: ServingPlan; estimate: E } {
  const { line, usable, step, maxBatch, systemChips } = space;
  const fewest = usable > 0 ? Math.max(1, Math.ceil((line.fixedBytes + line.perBatchBytes * step) / usable)) : 1;
  const largestBatch = (chips: number) => {
    const room = usable * chips - line.fixedBytes;
    const fitting = line.perBatchBytes > 0 ? Math.floor(room / line.perBatchBytes / step) * step : Number.MAX_SAFE_INTEGER;
    return Math.max(0, fitting);
  };
  const point = (batch: number, chips: number): Point<E> => {
    const r = space.evaluate(batch, chips);
    const instances = systemChips === undefined ? 1 : Math.max(1, Math.floor(systemChips / r.chips));
    const all = systemChips === undefined ? r.chips : Math.max(systemChips, r.chips);
    return { batch, chipsPerInstance: r.chips, instances, chips: all, perChip: (r.throughput * instances) / all, estimate: r.estimate };
  };
  const sizes = space.widen ? instanceSizes(fewest, systemChips) : instanceSizes(fewest, systemChips).slice(0, 1);
  if (sizes.length === 0) {
    // The fixed chip count cannot hold one copy: say so, and price the copy on the chips it needs.
    const p = point(step, fewest);
    return { plan: { ...planOf(p, largestBatch(fewest), 'memory', false), ...(systemChips !== undefined ? { chipsAsked: systemChips } : {}) }, estimate: p.estimate };
  }
  let best: { point: Point<E>; inMemory: number } | undefined;
  for (const chips of sizes) {
    const inMemory = largestBatch(chips);
    const batch = Math.min(inMemory, maxBatch);
    if (batch < step) continue;
    const p = point(batch, chips);
    if (best && p.perChip < best.point.perChip) break; // per-chip throughput has peaked over the layouts
    if (!best || p.perChip > best.point.perChip) best = { point: p, inMemory };
  }
  if (!best) {
    const p = point(step, sizes[0]);
    return { plan: planOf(p, largestBatch(sizes[0]), 'memory', false), estimate: p.estimate };
  }
  // Halve the batch while the throughput per chip holds. A model run once per batch tries every halving: its
  // activations can stay in the L2 at a small batch (l2Residency.ts), so its throughput can peak below the largest.
  const halvings: Point<E>[] = [best.point];
  for (let batch = Math.floor(best.point.batch / 2 / step) * step; batch >= step; batch = Math.floor(batch / 2 / step) * step) {
    const p = point(batch, best.point.chipsPerInstance);
    if (!space.scanAll && p.perChip < (1 - SERVING_TOLERANCE) * best.point.perChip) break;
    halvings.push(p);
  }
  const top = Math.max(...halvings.map((p) => p.perChip));
  // The smallest batch within the tolerance of the best (every halving down to it held, unless scanning all).
  const within = halvings.filter((p) => p.perChip >= (1 - SERVING_TOLERANCE) * top);
  const chosen = within.reduce((a, b) => (b.batch < a.batch ? b : a));
  const limit = chosen !== best.point ? 'saturated' : best.inMemory > maxBatch ? 'batch-cap' : 'memory';
  return { plan: planOf(chosen, best.inMemory, limit, true), estimate: chosen.estimate };
}

function planOf<E>(p: Point<E>, maxBatchInMemory: number, limit: ServingPlan['limit'], fits: boolean): ServingPlan {
  return {
    batch: p.batch,
    chipsPerInstance: p.chipsPerInstance,
    instances: p.instances,
    chips: p.chips,
    maxBatchInMemory,
    limit,
    throughputPerChipPerSecond: p.perChip,
    fits,
  };
}

/**
 * A model run as one call per batch (a CNN, an encoder): the batch and layout with the most samples/s per
 * chip. `profileAt(batch)` profiles the model with its batch dim bound to `batch`.
 */
export function planOfflineServing(
  profileAt: (batch: number) => ProfileReport,
  device: HardwareEntry,
  options: ModelEstimateOptions,
  request: ServingRequest = {},
): { plan: ServingPlan; estimate: ModelEstimate } {
  return search<ModelEstimate>({
    line: memoryLine((b) => memoryNeed(profileAt(b), options, device).totalBytes),
    usable: usableBytesPerChip(device, options),
    step: 1,
    maxBatch: request.maxBatch ?? SERVING_MAX_BATCH,
    systemChips: request.chips,
    widen: false,
    scanAll: true,
    evaluate: (batch, chips) => {
      const e = estimateOnTarget(profileAt(batch), device, { ...options, batch, chips });
      return { estimate: e, throughput: e.throughputPerSecond, chips: e.chips };
    },
  });
}

export interface LlmServingOptions extends Omit<LlmOptions, 'batch' | 'prefillBatch'> {
  /** Prefill tokens per call (default SERVING_MAX_PREFILL_TOKENS): a batch's prompts are prefilled in chunks of this many tokens. */
  readonly maxPrefillTokens?: number;
  /**
   * Mean context of a decode step (default prompt + output/2: every request the same length). With spread lengths,
   * in-flight batching keeps a long output in flight for more steps, so the mean step sees E[L·(P + (L+1)/2)] / E[L]
   * tokens of context (`inFlightContextTokens`).
   */
  readonly decodeContextTokens?: number;
}

/**
 * One copy of a decoder serving `sequences` sequences on `chips` chips, as a runtime with in-flight batching
 * runs it: the prompts prefilled in chunks of at most `maxPrefillTokens` tokens, then one decode step per
 * output token at the mean context. The search's evaluation, and a fixed deployment's (a published batch).
 */
export function estimateLlmServing(
  profileAt: (bindings: Readonly<Record<string, number>>) => ProfileReport,
  info: DecoderInfo,
  device: HardwareEntry,
  options: LlmServingOptions,
  sequences: number,
  chips?: number,
): LlmEstimate {
  const beams = Math.max(1, Math.floor(options.beamWidth ?? 1));
  const requests = Math.max(1, sequences / beams);
  const chunk = Math.max(1, Math.floor((options.maxPrefillTokens ?? SERVING_MAX_PREFILL_TOKENS) / Math.max(1, options.promptTokens)));
  const prefillBatch = Math.min(requests, chunk);
  const prefill = profileAt(llmBindings(info, prefillBatch, options.promptTokens, options.outputTokens).prefill);
  const context = options.decodeContextTokens ?? options.promptTokens + Math.floor(options.outputTokens / 2);
  const decode = profileAt(llmBindings(info, sequences, options.promptTokens, options.outputTokens, context).decode);
  // Beams share their request's prompt cache (beamMemoryLine): the step's cache holds each prompt once, and the
  // attention kernel reads it once per request (the beams run side by side; L2 serves the repeats).
  const promptShare = context > 0 ? options.promptTokens / context : 0;
  const sharedFraction = (promptShare + beams * (1 - promptShare)) / beams;
  const shared = beams > 1 ? { decodeKvCacheBytes: memoryNeed(decode, options, device).kvCacheBytes * sharedFraction, kvCacheReadFraction: sharedFraction } : {};
  // The prefill projects each prompt's last position only onto the vocabulary (it samples one token per prompt).
  const logitsRowFraction = 1 / Math.max(1, options.promptTokens);
  return combineLlm(prefill, decode, [device], { ...options, ...shared, prefillLogitsRowFraction: logitsRowFraction, batch: sequences, beamWidth: beams, prefillBatch, ...(chips ? { chips } : {}) })[0];
}

/**
 * A decoder with a KV cache served offline: the sequences in flight and the layout with the most output
 * tokens/s per chip, memory holding the weights and the KV cache of every sequence at prompt + output
 * tokens. `profileAt(bindings)` profiles the model under the decoder's dim bindings (`llmBindings`).
 */
export function planLlmServing(
  profileAt: (bindings: Readonly<Record<string, number>>) => ProfileReport,
  info: DecoderInfo,
  device: HardwareEntry,
  options: LlmServingOptions,
  request: ServingRequest = {},
): { plan: ServingPlan; estimate: LlmEstimate } {
  const beams = Math.max(1, Math.floor(options.beamWidth ?? 1));
  const context = Math.round(options.promptTokens + options.outputTokens);
  // The working set at the end of generation: every sequence's cache holds the whole context.
  const atFullContext = (sequences: number) => memoryNeed(profileAt(llmBindings(info, sequences, context - 1, 2, context - 1).decode), options, device);
  return search<LlmEstimate>({
    line: beams > 1 ? beamMemoryLine(atFullContext, beams, options.promptTokens / context) : memoryLine((b) => atFullContext(b).totalBytes),
    usable: usableBytesPerChip(device, options),
    step: beams,
    maxBatch: request.maxBatch ?? SERVING_MAX_BATCH,
    systemChips: request.chips,
    widen: true,
    scanAll: false,
    evaluate: (sequences, chips) => {
      const e = estimateLlmServing(profileAt, info, device, options, sequences, chips);
      return { estimate: e, throughput: e.tokensPerSecond, chips: e.chips };
    },
  });
}
