/**
 * How a model is laid out over chips, and what the busiest chip then does. docs/estimator.md ("More than one
 * chip" and "Mixture-of-experts serving").
 *
 *  - single: one chip.
 *  - tensor-parallel (Megatron): every node's FLOPs, weights and activations split over the n chips, and each
 *    row-parallel matmul ends in an all-reduce (modelEstimate.ts). The KV cache splits by heads: with fewer
 *    cache heads than chips (8 GQA heads on 16 chips; MLA's one compressed latent) every chip holds and reads
 *    1 / min(n, heads) of it, not 1 / n. An MoE layer splits each expert's matrices over the chips.
 *  - expert-parallel, for MoE models (DeepSeek-V3's deployment; vLLM's and SGLang's data-parallel attention
 *    with expert parallelism; TensorRT-LLM's attention DP + MoE EP): each MoE layer's routed experts are
 *    striped over the chips (expert i on chip i mod n), everything else — attention, dense and shared-expert
 *    FFNs, embeddings — is replicated and runs data-parallel, each chip on its ⌈B / n⌉ of the B sequences
 *    (its KV cache too). Each MoE layer sends every routed token's activation to the chips of its k experts
 *    and back (all-to-all dispatch and combine). Needs n ≤ E.
 * The busiest chip sets the time: under expert parallelism the one holding the most touched experts and the
 * most routed tokens (moeServing.ts: `busiestChipExpertsTouched`), under data parallelism the one with ⌈B / n⌉
 * sequences. Pure: works on the report and plain numbers.
 */
import { GraphIndex } from '../analysis/graphIndex';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { NodeReport, ProfileReport } from '../report/reportTypes';
import type { ExecutedNode } from './executionPlan';
import { isPastKeyValueName, isPresentKeyValueName } from './kvCacheNames';
import { busiestChipExpertsTouched, DEFAULT_MOE_SKEW, moeServing, type LayerRouting, type MoeServing, type ServedMoeLayer } from './moeServing';

import type { ParallelLayout } from './layouts';

export { PARALLEL_LAYOUTS, type ParallelLayout } from './layouts';

/** The share of a node's work that the busiest chip does (1 on one chip). */
export interface NodeShare {
  readonly flops: number;
  readonly activation: number;
  readonly weight: number;
}

/** A layout at a chip count: how each node's work splits, for the roofline (roofline.ts `estimateNodes`). */
export interface ParallelPlan {
  readonly layout: ParallelLayout;
  readonly chips: number;
  share(n: NodeReport, x: ExecutedNode): NodeShare;
}

const WHOLE: NodeShare = { flops: 1, activation: 1, weight: 1 };

/** One chip, or every node split evenly over `chips` (the plain tensor-parallel split, no KV-cache rule). */
export function evenSplit(chips: number): ParallelPlan {
  const n = Math.max(1, Math.floor(chips));
  const split: NodeShare = { flops: 1 / n, activation: 1 / n, weight: 1 / n };
  return { layout: n === 1 ? 'single' : 'tensor-parallel', chips: n, share: () => (n === 1 ? WHOLE : split) };
}

// ---------------------------------------------------------------------------------------------------
// What each layout holds per chip

/** The figures the memory fit of a layout needs, at the run precision. */
export interface LayoutMemory {
  /** All stored weights. */
  readonly weightBytes: number;
  /** Per MoE layer: its routed experts and their stored bytes (a subset of weightBytes). */
  readonly expertLayers: readonly { readonly experts: number; readonly bytes: number }[];
  readonly activationBytes: number;
  readonly kvCacheBytes: number;
  /** Heads the KV cache splits by (undefined: it splits over any number of chips). */
  readonly kvHeads: number | undefined;
  /** Sequences per call. */
  readonly batch: number;
}

/** Share of the sequences the busiest of `chips` data-parallel chips runs: ⌈B / n⌉ / B. */
export function dataParallelShare(batch: number, chips: number): number {
  const b = Math.max(1, Math.floor(batch));
  return Math.ceil(b / Math.max(1, chips)) / b;
}

/** Bytes one chip holds under `layout` over `chips` chips. */
export function memoryPerChip(layout: ParallelLayout, m: LayoutMemory, chips: number): number {
  const n = Math.max(1, Math.floor(chips));
  if (layout === 'expert-parallel' && n > 1) {
    const expert = m.expertLayers.reduce((s, l) => s + l.bytes, 0);
    const held = m.expertLayers.reduce((s, l) => s + (l.bytes * Math.ceil(l.experts / n)) / l.experts, 0);
    return m.weightBytes - expert + held + (m.activationBytes + m.kvCacheBytes) * dataParallelShare(m.batch, n);
  }
  const kvSplit = Math.min(n, m.kvHeads ?? n);
  return (m.weightBytes + m.activationBytes) / n + m.kvCacheBytes / kvSplit;
}

/** Chips a layout needs to hold the model: the fewest whose per-chip share fits in `usableBytesPerChip`; Infinity if none. */
export function chipsNeededFor(layout: ParallelLayout, m: LayoutMemory, usableBytesPerChip: number): number {
  if (!(usableBytesPerChip > 0)) return Infinity;
  const total = m.weightBytes + m.activationBytes + m.kvCacheBytes;
  const lower = Math.max(1, Math.ceil(total / usableBytesPerChip));
  if (layout === 'single') return lower === 1 ? 1 : Infinity;
  if (layout === 'expert-parallel') {
    const most = Math.min(...m.expertLayers.map((l) => l.experts));
    if (!Number.isFinite(most)) return Infinity;
    for (let n = Math.max(2, lower); n <= most; n++) if (memoryPerChip(layout, m, n) <= usableBytesPerChip) return n;
    return Infinity;
  }
  // Tensor-parallel: (W + A) / n + KV / min(n, heads) shrinks with n, down to KV / heads.
  const heads = m.kvHeads;
  if (heads === undefined || lower <= heads) return lower;
  const perChipCache = m.kvCacheBytes / heads;
  if (perChipCache >= usableBytesPerChip) return Infinity;
  let n = Math.max(lower, Math.ceil((m.weightBytes + m.activationBytes) / (usableBytesPerChip - perChipCache)));
  while (memoryPerChip(layout, m, n) > usableBytesPerChip) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Tensor parallelism

/** Per main-graph node: bytes it reads of KV-cache tensors (past inputs, present outputs and their copies or views). */
const cacheReadsMemo = new WeakMap<ProfileReport, ReadonlyMap<number, number>>();
const CACHE_VIEW_OPS: ReadonlySet<string> = new Set(['Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Slice', 'Split', 'Identity', 'Cast', 'Flatten', 'Expand', 'Concat']);

function cacheReads(report: ProfileReport): ReadonlyMap<number, number> {
  let reads = cacheReadsMemo.get(report);
  if (reads) return reads;
  const index = GraphIndex.of(report);
  const cache = new Set(report.graphInputs.filter((t) => isPastKeyValueName(t.name)).map((t) => t.name));
  for (const t of report.graphOutputs) if (isPresentKeyValueName(t.name)) cache.add(t.name);
  const map = new Map<number, number>();
  for (const n of index.nodes) {
    const inputs = [...new Set(n.inputs.filter((i) => cache.has(i)))];
    if (inputs.length === 0) continue;
    map.set(n.index, inputs.reduce((s, i) => s + (index.bytes(index.tensor(i)!) ?? 0), 0));
    // Copies and views of the cache are the cache too (a transposed key, the latent's value slice).
    if (CACHE_VIEW_OPS.has(n.opType)) for (const o of n.outputs) cache.add(o.name);
  }
  reads = map;
  cacheReadsMemo.set(report, reads);
  return reads;
}

/** Heads the KV cache splits by: dim 1 of [batch, heads, sequence, head_dim] past inputs, when static. */
export function kvCacheHeads(report: ProfileReport): number | undefined {
  const past = report.graphInputs.find((t) => isPastKeyValueName(t.name));
  const heads = past?.shape?.length === 4 ? past.shape[1] : undefined;
  return typeof heads === 'number' && heads > 0 ? heads : undefined;
}

/** Tensor parallelism over `chips`: everything splits by n, KV-cache reads by min(n, cache heads). */
export function tensorParallelPlan(report: ProfileReport, chips: number): ParallelPlan {
  const n = Math.max(1, Math.floor(chips));
  const heads = kvCacheHeads(report);
  if (n === 1 || heads === undefined || heads >= n) return evenSplit(n);
  const reads = cacheReads(report);
  const kvSplit = Math.min(n, heads);
  const even: NodeShare = { flops: 1 / n, activation: 1 / n, weight: 1 / n };
  return {
    layout: 'tensor-parallel',
    chips: n,
    share(node, x) {
      const cache = Math.min(reads.get(node.index) ?? 0, x.activationBytes);
      if (cache <= 0 || x.activationBytes <= 0) return even;
      return { ...even, activation: (cache / kvSplit + (x.activationBytes - cache) / n) / x.activationBytes };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Expert parallelism

/** The busiest chip's shares of one MoE layer under expert parallelism over `chips`. */
export interface ExpertLayerShare {
  /** Of the layer's expected touched expert weights. */
  readonly weight: number;
  /** Of the layer's routed (token, expert) pairs. */
  readonly pairs: number;
}

/**
 * The busiest chip's shares of an MoE layer's work with experts striped over `chips` chips: the expected most
 * touched experts on one chip over the expected touched in all; routed pairs the larger of that (each touched
 * expert gets T · k / touched pairs) and the chip whose experts are most popular (its Σ q_i / k).
 */
export function expertLayerShare(routing: LayerRouting, chips: number): ExpertLayerShare {
  const n = Math.max(1, Math.floor(chips));
  if (n === 1 || routing.expertsTouched <= 0) return { weight: 1, pairs: 1 };
  const busiest = busiestChipExpertsTouched(routing.touched, n);
  const weight = Math.min(1, busiest / routing.expertsTouched);
  const k = routing.inclusion.reduce((a, b) => a + b, 0);
  const popular = new Array<number>(Math.min(n, routing.inclusion.length)).fill(0);
  routing.inclusion.forEach((q, i) => (popular[i % n] += q));
  const pairs = Math.min(1, Math.max(weight, k > 0 ? Math.max(...popular) / k : 0));
  return { weight, pairs };
}

/** Expert parallelism for an MoE model over `chips` (≤ experts), for calls of `batch` sequences. */
export function expertParallelPlan(report: ProfileReport, chips: number, batch: number, skew: number = DEFAULT_MOE_SKEW): ParallelPlan {
  const n = Math.max(1, Math.floor(chips));
  const serving = moeServing(report);
  if (!serving || n === 1) return evenSplit(n);
  const shares = new Map(serving.layers.map((s) => [s, expertLayerShare(serving.routing(s, skew), n)]));
  const d = dataParallelShare(batch, n);
  const replicated: NodeShare = { flops: d, activation: d, weight: 1 };
  return {
    layout: 'expert-parallel',
    chips: n,
    share(node) {
      const layer = serving.layerOf(node.index);
      const s = layer && shares.get(layer);
      return s ? { flops: s.pairs, activation: s.pairs, weight: s.weight } : replicated;
    },
  };
}

/** One MoE layer's all-to-all under expert parallelism. */
export interface AllToAll {
  readonly layer: string;
  /** Bytes the busiest chip sends or receives per direction, dispatch and combine together. */
  readonly bytesPerChip: number;
  readonly seconds: number;
}

/**
 * All-to-all dispatch and combine of each MoE layer over `chips` chips: a chip sends its ⌈B / n⌉ sequences'
 * routed tokens (T · k pairs in all) to the experts' chips, (n − 1) / n of them remote, and receives its share
 * of the pairs; combine sends the results back. Per direction of the link (the catalog's figure counts both),
 * at `activationBytesPerElement` per element of the layer's hidden width, plus one collective latency each way.
 */
export function allToAllSeconds(
  serving: MoeServing,
  plan: { readonly chips: number; readonly batch: number; readonly skew: number },
  device: HardwareEntry,
  efficiency: { readonly interconnectEfficiency: number; readonly allReduceLatencySeconds: number },
  activationBytesPerElement: (s: ServedMoeLayer) => number,
): AllToAll[] | undefined {
  const n = Math.max(1, Math.floor(plan.chips));
  const link = device.interconnectBytesPerSecond?.value;
  if (n === 1) return [];
  if (!link || link <= 0) return undefined;
  const d = dataParallelShare(plan.batch, n);
  return serving.layers.map((s) => {
    const r = serving.routing(s, plan.skew);
    const share = expertLayerShare(r, n);
    const pairs = r.inclusion.reduce((a, b) => a + b, 0) * r.tokens;
    const rowBytes = (s.hidden ?? 0) * activationBytesPerElement(s);
    const remote = (n - 1) / n;
    const send = d * pairs * remote * rowBytes;
    const receive = share.pairs * pairs * remote * rowBytes;
    const bytesPerChip = 2 * Math.max(send, receive);
    const seconds = bytesPerChip / ((link / 2) * efficiency.interconnectEfficiency) + 2 * efficiency.allReduceLatencySeconds;
    return { layer: s.layer.name, bytesPerChip, seconds };
  });
}
