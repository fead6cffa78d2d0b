/**
 * Model-level estimate per hardware target: latency, throughput, $ per million inferences, joules per
 * inference, memory fit and chip count, and the share of time in compute-bound nodes. When one chip is not
 * enough (or more are asked), the model is laid out over chips: tensor-parallel with its all-reduces, or, for
 * an MoE model, expert-parallel with its all-to-alls (parallelLayout.ts); the cheaper layout that fits is
 * picked, and named (`layout`). The report must already be profiled at the batch size passed here (`batch`
 * only enters the per-inference arithmetic). Model: docs/estimator.md. Pure: no I/O.
 */
import type { DeviceClass, HardwareEntry } from '../hardware/hardwareTypes';
import { GraphIndex } from '../analysis/graphIndex';
import { countToNumber, type NodeReport, type ProfileReport, type TensorSummary } from '../report/reportTypes';
import { isPastKeyValueName, isPresentKeyValueName } from './kvCacheNames';
import type { ExecutionMode, FusionRuleId } from './executionRules';
import type { ServingPlan } from './servingPlan';
import { tensorSummaryBytes } from './tensorSize';
import { DEFAULT_MOE_SKEW, moeServing, type MoeServing } from './moeServing';
import {
  allToAllSeconds,
  chipsNeededFor,
  dataParallelShare,
  evenSplit,
  expertParallelPlan,
  kvCacheHeads,
  memoryPerChip,
  tensorParallelPlan,
  type LayoutMemory,
  type ParallelLayout,
  type ParallelPlan,
} from './parallelLayout';
import { dtypeBytesPerElement, overrideActivationBytesPerElement, overrideWeightBytesPerElement, precisionBytesPerElement, precisionChoiceNote, type PrecisionChoice } from './precision';
import {
  efficiencyFor,
  estimateNodes,
  mainGraphNodes,
  type NodeEstimate,
  type NodeEstimateOptions,
} from './roofline';

export interface ModelEstimateOptions extends NodeEstimateOptions {
  /** Samples per inference call the report was profiled at. Default 1. */
  readonly batch?: number;
  /** Fraction of device memory kept free (allocator fragmentation, workspace, runtime context). Default 0.1. */
  readonly memoryHeadroomFraction?: number;
  /** Board power drawn when busy but doing nothing useful, as a fraction of board power. Default per class. */
  readonly idlePowerFraction?: number;
  /** Use at least this many chips. Default: as many as memory needs. */
  readonly chips?: number;
  /**
   * Lay the model out this way over its chips instead of picking the cheaper layout that fits: 'tensor-parallel',
   * or 'expert-parallel' for an MoE model (parallelLayout.ts). 'single' is one chip, even when it does not fit.
   */
  readonly layout?: ParallelLayout;
  /** Replace the KV-cache bytes found from the graph's past key/value inputs. */
  readonly kvCacheBytes?: number;
}

/** What the MoE serving model found for one call (moeServing.ts): present for a model with routed experts. */
export interface MoeServingEstimate {
  /** Routing skew used (a Zipf exponent; 0 = uniform routing). */
  readonly skew: number;
  readonly layers: number;
  /** Routed experts per layer and top-k (the largest, when layers differ). */
  readonly experts: number;
  readonly topK: number;
  /** Tokens each MoE layer routes per call (batch × sequence). */
  readonly routedTokens: number;
  /** Expected distinct experts the call's tokens touch in one layer (mean over the MoE layers). */
  readonly expertsTouchedPerLayer: number;
  /** Routed-expert weight bytes the call reads (all chips together), at the run precision. */
  readonly expertWeightBytesRead: number;
  /** Under expert parallelism: routed experts per chip in a layer; under the other layouts, all of them. */
  readonly expertsPerChip: number;
  /** All-to-all dispatch and combine time inside the latency (expert parallelism; 0 otherwise). */
  readonly allToAllSeconds: number;
}

export interface ModelEstimate {
  /** Device id. */
  readonly target: string;
  /** Seconds for one inference call of `batch` samples (sum of main-graph node times + all-reduces). */
  readonly latencySeconds: number;
  /** Samples per second of the whole `chips`-chip system. */
  readonly throughputPerSecond: number;
  /** US$ per million samples at the on-demand price of `chips` devices; null when the device has no price. */
  readonly costPerMillionUsd: number | null;
  /** Joules per sample (all chips); null when the device lists no board power. */
  readonly joulesPerInference: number | null;
  /** True when weights + activations + KV cache fit on ONE device after headroom. */
  readonly fits: boolean;
  /** Devices needed to hold the model (1 when it fits). */
  readonly chipsNeeded: number;
  /** Share of node time spent in compute-bound nodes, 0..1. */
  readonly computeBoundFraction: number;

  // ---- extras
  readonly targetName: string;
  readonly deviceClass: DeviceClass;
  readonly batch: number;
  /** Devices the estimate runs on (max(chipsNeeded, options.chips)). */
  readonly chips: number;
  /** How the model is laid out over them: one chip, tensor-parallel, or expert-parallel (MoE). */
  readonly layout: ParallelLayout;
  readonly throughputPerChipPerSecond: number;
  readonly weightBytes: number;
  readonly activationBytes: number;
  readonly kvCacheBytes: number;
  /**
   * True when the graph has a KV cache whose dims are unbound (a decoder profiled without a past length) and the
   * caller gave no size: `kvCacheBytes` is then 0 and the memory need leaves the cache out; the LLM estimate sizes it.
   */
  readonly kvCacheUnbound: boolean;
  readonly memoryNeededBytes: number;
  /** What the fullest chip holds under the layout (replicated weights and split KV cache included). */
  readonly memoryNeededBytesPerChip: number;
  readonly memoryUsableBytesPerChip: number;
  /** Chip-to-chip time inside latencySeconds: tensor-parallel all-reduces or expert-parallel all-to-alls (0 on one chip). */
  readonly interconnectSeconds: number;
  /** Weight bytes one call reads at the run precision, all chips together (each weight once): the decode-step floor. */
  readonly weightBytesRead: number;
  /** The MoE serving model's figures, for a model with routed experts. */
  readonly moe?: MoeServingEstimate;
  /** Average busy fraction of the roofline (0..1) used by the power model. */
  readonly utilisation: number;
  readonly averagePowerWattsPerChip: number | null;
  /** Nodes with status != 'costed' (not timed; the estimate is a lower bound when > 0). */
  readonly notEstimatedNodes: number;
  readonly notEstimatedOpTypes: readonly string[];
  /** Nodes that ran in a fallback precision (e.g. fp8 → fp16 on A100). */
  readonly precisionFallbackNodes: number;
  /** How the graph ran: as an optimising runtime runs it ('fused', the default) or node by node as exported. */
  readonly execution: ExecutionMode;
  /** The precision choice the float layers ran in (`--precision`); absent: the model's own dtypes. */
  readonly precision?: PrecisionChoice;
  /**
   * Per rule of the execution model (fused mode): the nodes it changed and the bytes and seconds it saved
   * against running the graph as exported, each node counted under its first rule.
   */
  readonly fusionSavings: readonly FusionSaving[];
  /** With `--batch max`: the batch and layout the serving search chose (serving.ts); the figures above are at them. */
  readonly serving?: ServingPlan;
  readonly notes: readonly string[];
}

export interface FusionSaving {
  readonly rule: FusionRuleId;
  readonly nodes: number;
  readonly bytesSaved: number;
  readonly secondsSaved: number;
}

/** Default idle-power fraction per class (see docs/estimator.md "Energy"). */
export const DEFAULT_IDLE_POWER_FRACTION: Readonly<Record<DeviceClass, number>> = {
  gpu: 0.3,
  accelerator: 0.3,
  edge: 0.2,
};

/** Ops a row-parallel matmul's output may pass through on its way to the residual sum: bias, gate, relabels. */
const TO_RESIDUAL_OPS: ReadonlySet<string> = new Set(['Add', 'Mul', 'Reshape', 'Squeeze', 'Unsqueeze', 'Cast', 'Identity', 'Flatten']);
const SKIP_NORMS: ReadonlySet<string> = new Set(['SkipLayerNormalization', 'SkipSimplifiedLayerNormalization']);

/**
 * The second, "row-parallel" matmul of a Megatron pair (attention out-projection, FFN down-projection, an MoE
 * layer), which ends in an all-reduce: a weight-carrying MAC node whose output is no wider than its input
 * (in = params / out) and goes, through a bias, a gate or reshapes, into the residual sum (an Add of two data
 * tensors, or a Skip*Normalization) or out of the graph. A narrowing projection that feeds anything else (MLA's q_a and kv_a, a
 * router, a per-head matmul) reads the whole, replicated input and needs none; nor do attention and weightless
 * matmuls. Without an index, the width test alone.
 */
export function isRowParallel(n: NodeReport, index?: GraphIndex): boolean {
  const params = countToNumber(n.params);
  const out = n.outputs[0]?.shape;
  const outDim = out && out.length > 0 ? out[out.length - 1] : undefined;
  if (params <= 0 || typeof outDim !== 'number' || outDim <= 0 || params / outDim < outDim) return false;
  if (!index) return true;
  let tensor = n.outputs[0]!.name;
  for (let step = 0; step < 4; step++) {
    // A graph output (the whole result leaves the model) needs its all-reduce too.
    if (index.graphOutputs.has(tensor) || index.consumers(tensor).length === 0) return true;
    const next = index.soleConsumer(tensor);
    if (!next) return false;
    if (SKIP_NORMS.has(next.opType)) return true;
    const data = index.dataInputs(next);
    if ((next.opType === 'Add' || next.opType === 'Sum') && data.length >= 2) return true;
    if (!TO_RESIDUAL_OPS.has(next.opType) || data.length !== 1 || !next.outputs[0]) return false;
    tensor = next.outputs[0].name;
  }
  return false;
}

const rowParallelMemo = new WeakMap<ProfileReport, ReadonlySet<number>>();

/** Main-graph nodes of a report that end in a tensor-parallel all-reduce. */
function rowParallelNodes(report: ProfileReport): ReadonlySet<number> {
  let set = rowParallelMemo.get(report);
  if (!set) {
    const index = GraphIndex.of(report);
    set = new Set(index.nodes.filter((n) => isRowParallel(n, index)).map((n) => n.index));
    rowParallelMemo.set(report, set);
  }
  return set;
}

export { isPastKeyValueName, isPresentKeyValueName } from './kvCacheNames';

/**
 * KV-cache bytes (and elements): max(sum of past key/value graph inputs, sum of present outputs); `unresolved`
 * counts tensors whose dims are unbound.
 */
export function kvCacheBytes(report: ProfileReport): { bytes: number; elements: number; tensors: number; unresolved: number } {
  const sum = (ts: readonly TensorSummary[]) => {
    let bytes = 0;
    let elements = 0;
    let unresolved = 0;
    for (const t of ts) {
      const b = tensorSummaryBytes(t, report.bindings);
      if (b === undefined) unresolved++;
      else {
        bytes += b;
        elements += b / dtypeBytesPerElement(t.dtype);
      }
    }
    return { bytes, elements, unresolved, tensors: ts.length };
  };
  const past = sum(report.graphInputs.filter((t) => isPastKeyValueName(t.name)));
  const present = sum(report.graphOutputs.filter((t) => isPresentKeyValueName(t.name)));
  return past.bytes >= present.bytes ? past : present;
}

/** The dtype most MAC flops run in (for rescaling activation and weight totals under a precision override). */
function dominantComputeDtype(report: ProfileReport): string {
  const byDtype = new Map<string, number>();
  for (const n of mainGraphNodes(report)) {
    if (countToNumber(n.macs) <= 0) continue;
    byDtype.set(n.computeDtype, (byDtype.get(n.computeDtype) ?? 0) + countToNumber(n.macs));
  }
  let best = 'float';
  let bestMacs = -1;
  for (const [d, m] of byDtype) if (m > bestMacs) [best, bestMacs] = [d, m];
  return best;
}

const FLOAT_DTYPES = new Set(['float', 'float32', 'float16', 'bfloat16', 'double']);

/**
 * A node's stored weight bytes under a precision choice: float weights at the width the choice stores them in
 * (4-bit formats for the weighted MAC layers only, 16 bits for the rest); quantized and non-float weights as stored.
 */
function storedWeightBytes(n: NodeReport, options: ModelEstimateOptions, device?: HardwareEntry): number {
  const bytes = countToNumber(n.weightBytes);
  const o = options.precisionOverride;
  const params = countToNumber(n.params);
  if (!o || params <= 0 || bytes <= 0 || n.quantization || !FLOAT_DTYPES.has(n.computeDtype)) return bytes;
  return params * overrideWeightBytesPerElement(o, n, device);
}

/** Stored weight bytes of the whole model under a precision choice (memory fit). */
function weightTotalBytes(report: ProfileReport, options: ModelEstimateOptions, device?: HardwareEntry): number {
  const stored = countToNumber(report.totals.weightBytes);
  if (!options.precisionOverride) return stored;
  let delta = 0;
  for (const n of mainGraphNodes(report)) delta += storedWeightBytes(n, options, device) - countToNumber(n.weightBytes);
  return Math.max(0, stored + delta);
}

function activationScale(report: ProfileReport, options: ModelEstimateOptions, device?: HardwareEntry): number {
  const o = options.precisionOverride;
  if (!o) return 1;
  const d = dominantComputeDtype(report);
  return FLOAT_DTYPES.has(d) ? overrideActivationBytesPerElement(o, device) / dtypeBytesPerElement(d) : 1;
}

/**
 * Memory need in bytes: weights + peak activations + KV cache. `device` matters only under an fp4 choice
 * (activations stay 16-bit where it has no FP4 units).
 */
export function memoryNeed(report: ProfileReport, options: ModelEstimateOptions = {}, device?: HardwareEntry): {
  weightBytes: number;
  activationBytes: number;
  kvCacheBytes: number;
  /** The graph's KV cache has unbound dims and no override sizes it: `kvCacheBytes` leaves it out. */
  kvCacheUnbound: boolean;
  totalBytes: number;
  notes: string[];
} {
  const notes: string[] = [];
  const scale = activationScale(report, options, device);
  const weightBytes = weightTotalBytes(report, options, device);
  // The peak-activation figure already holds the past key/value inputs (graph inputs are live from the
  // start), so the cache is taken out of it and counted once, as found or as the caller overrides it.
  const found = kvCacheBytes(report);
  if (found.unresolved > 0) notes.push(`${found.unresolved} KV-cache tensor(s) have unbound dims: not counted in memory`);
  const cacheInActivations = found.bytes * scale;
  const foundKv = options.kvCacheDtype ? found.elements * precisionBytesPerElement(options.kvCacheDtype) : cacheInActivations;
  const activationBytes = Math.max(0, countToNumber(report.totals.peakActivationBytes) * scale - cacheInActivations);
  const kv = options.kvCacheBytes ?? foundKv;
  const kvCacheUnbound = found.unresolved > 0 && options.kvCacheBytes === undefined;
  return { weightBytes, activationBytes, kvCacheBytes: kv, kvCacheUnbound, totalBytes: weightBytes + activationBytes + kv, notes };
}

// ---------------------------------------------------------------------------------------------------
// Layouts: which ones a model can use on a device, and how many chips each needs

/** A layout the model can run in on a device: its chip count and what the fullest chip holds. */
export interface LayoutChoice {
  readonly layout: ParallelLayout;
  /** Fewest chips that hold the model in this layout (Infinity: none). */
  readonly chipsNeeded: number;
}

function layoutMemory(report: ProfileReport, options: ModelEstimateOptions, device: HardwareEntry, moe: MoeServing | undefined): LayoutMemory {
  const need = memoryNeed(report, options, device);
  const byIndex = moe ? new Map(mainGraphNodes(report).map((n) => [n.index, n])) : undefined;
  const expertLayers = (moe?.layers ?? []).map((s) => {
    let bytes = 0;
    for (const i of s.expertOf.keys()) {
      const n = byIndex?.get(i);
      if (n) bytes += storedWeightBytes(n, options, device);
    }
    return { experts: Math.max(1, s.layer.expertsHeld), bytes };
  });
  return {
    weightBytes: need.weightBytes,
    expertLayers,
    activationBytes: need.activationBytes,
    kvCacheBytes: need.kvCacheBytes,
    kvHeads: kvCacheHeads(report),
    batch: Math.max(1, options.batch ?? 1),
  };
}

/** Memory one chip offers the model: its capacity less the runtime's headroom (10% unless the options say). */
export function usableBytesPerChip(device: HardwareEntry, options: ModelEstimateOptions): number {
  return device.memoryBytes.value * (1 - (options.memoryHeadroomFraction ?? 0.1));
}

/**
 * The layouts the model can use on `device` and the chips each needs: tensor-parallel always (one chip is its
 * n = 1), expert-parallel for a model with routed experts; only `options.layout` when it is set.
 */
export function layoutChoices(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions = {}): LayoutChoice[] {
  const moe = moeServing(report);
  const memory = layoutMemory(report, options, device, moe);
  const usable = usableBytesPerChip(device, options);
  const asked = options.layout === 'single' ? 'tensor-parallel' : options.layout;
  const layouts: ParallelLayout[] = asked ? [asked === 'expert-parallel' && !moe ? 'tensor-parallel' : asked] : moe ? ['tensor-parallel', 'expert-parallel'] : ['tensor-parallel'];
  return layouts.map((layout) => ({ layout, chipsNeeded: chipsNeededFor(layout, memory, usable) }));
}

interface PlannedLayout {
  readonly plan: ParallelPlan;
  readonly chipsNeeded: number;
  readonly memoryPerChip: number;
  readonly usable: number;
  readonly memory: LayoutMemory;
}

/** The layouts to estimate on `device`, each at max(chips it needs, chips asked); one entry at least. */
function plannedLayouts(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions, notes: string[]): PlannedLayout[] {
  const moe = moeServing(report);
  const memory = layoutMemory(report, options, device, moe);
  const usable = usableBytesPerChip(device, options);
  const asked = Math.max(1, Math.floor(options.chips ?? 1));
  const skew = options.moeSkew ?? DEFAULT_MOE_SKEW;
  const planned: PlannedLayout[] = [];
  for (const choice of layoutChoices(report, device, options)) {
    const chips = options.layout === 'single' ? 1 : Math.max(choice.chipsNeeded, asked);
    if (!Number.isFinite(chips)) continue;
    if (choice.layout === 'expert-parallel' && chips === 1) continue; // one chip: the tensor-parallel entry is it
    const plan = choice.layout === 'expert-parallel' ? expertParallelPlan(report, chips, memory.batch, skew) : tensorParallelPlan(report, chips);
    planned.push({ plan, chipsNeeded: choice.chipsNeeded, memoryPerChip: memoryPerChip(plan.layout, memory, chips), usable, memory });
  }
  if (planned.length > 0) return planned;
  // No layout holds the model (memory unknown, or a cache larger than any split): split evenly, as far as it goes.
  const total = memory.weightBytes + memory.activationBytes + memory.kvCacheBytes;
  const even = usable > 0 ? Math.max(1, Math.ceil(total / usable)) : Infinity;
  if (!Number.isFinite(even)) notes.push('device memory unknown: chip count not computed');
  else notes.push(`no layout holds the model on ${device.id}: weights, activations and KV cache split evenly over the chips, as pipeline stages would hold them`);
  const chips = Number.isFinite(even) ? Math.max(even, asked) : asked;
  return [{ plan: evenSplit(chips), chipsNeeded: Number.isFinite(even) ? even : 1, memoryPerChip: total / chips, usable, memory }];
}

/** Per-node times for the UI, on the chips and layout the model estimate picks. */
export function estimateNodeTimes(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions = {}): readonly NodeEstimate[] {
  const run = cheapest(report, device, options);
  remember(report, device, options, run.estimate);
  return run.nodes;
}

/** Estimate one report on every target. */
export function estimateModel(
  report: ProfileReport,
  targets: readonly HardwareEntry[],
  options: ModelEstimateOptions = {},
): ModelEstimate[] {
  return targets.map((t) => estimateOnTarget(report, t, options));
}

/**
 * Why `device` cannot be estimated at all, or undefined when it can. With no compute peak in any precision the
 * estimator has no rate for arithmetic (the vector units' rate derives from a peak too), so every time, cost and
 * energy figure would be invented; such a device is left out of a comparison with this reason, never costed at 0.
 */
export function notEstimableReason(device: HardwareEntry): string | undefined {
  if (Object.values(device.peakFlopsPerSecond).some((p) => p !== undefined && p.value > 0)) return undefined;
  const why = device.notes?.find((n) => /peak|FLOP/i.test(n));
  return `${device.id} (${device.name}) is not estimated: the catalog holds no compute peak for it in any precision, so its latency, throughput, cost and energy would be guesses${why ? ` (${why})` : ''}`;
}

/**
 * The estimate on `device`: every layout the model can use at the chips it needs (or is given), and the cheaper
 * one kept: the fewest chip-seconds per call (chips × latency, what the price scales with), then the lower latency.
 */
export function estimateOnTarget(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions = {}): ModelEstimate {
  const key = estimateKey(device, options);
  const known = key === undefined ? undefined : estimateCache.get(report)?.get(key);
  return known ?? remember(report, device, options, cheapest(report, device, options).estimate);
}

/**
 * Model estimates already made, per report object. One analysis estimates the same report on the same target
 * several times (the per-layer precision table's baseline, each hint's before, the panel's figures), and the
 * same what-if report twice (a precision plan's per-layer table, then its hint's price); on a 100,000-node graph
 * each estimate takes seconds. Reports are immutable values, so a report object, device figures and options
 * have one estimate. The key holds the device and options by content: a caller may build an equal device
 * anew, or change an efficiency override between calls. Only the model estimate is kept (a few KB, frozen so
 * that no caller alters another's), not the per-node estimates: those are 78 MB on a 100,000-node graph.
 */
const estimateCache = new WeakMap<ProfileReport, Map<string, ModelEstimate>>();

function remember(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions, estimate: ModelEstimate): ModelEstimate {
  const key = estimateKey(device, options);
  if (key === undefined) return estimate;
  let byKey = estimateCache.get(report);
  if (!byKey) estimateCache.set(report, (byKey = new Map()));
  byKey.set(key, estimate);
  return estimate;
}

/** None with a parallel plan: it holds a function, which a key cannot hold (estimateWithLayout sets it, callers do not). */
function estimateKey(device: HardwareEntry, options: ModelEstimateOptions): string | undefined {
  return options.parallel ? undefined : JSON.stringify([device, options], keepNonFinite);
}

/** JSON writes Infinity and NaN as null; a key must tell them apart (an override may set Infinity). */
function keepNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

interface TargetRun {
  readonly estimate: ModelEstimate;
  readonly nodes: NodeEstimate[];
}

function cheapest(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions): TargetRun {
  const notes: string[] = [];
  const runs = plannedLayouts(report, device, options, notes).map((p) => estimateWithLayout(report, device, options, p, notes));
  return runs.reduce((best, r) => {
    const cost = (x: ModelEstimate) => x.chips * x.latencySeconds;
    const a = cost(best.estimate);
    const b = cost(r.estimate);
    return b < a * (1 - 1e-9) || (Math.abs(b - a) <= a * 1e-9 && r.estimate.latencySeconds < best.estimate.latencySeconds) ? r : best;
  });
}

function frozen(estimate: ModelEstimate): ModelEstimate {
  Object.freeze(estimate.notes);
  Object.freeze(estimate.fusionSavings);
  return Object.freeze(estimate);
}

/** Chip-to-chip time of a layout: all-reduces of row-parallel matmuls (tensor-parallel) or all-to-alls (expert-parallel). */
function interconnect(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions, planned: PlannedLayout, nodes: readonly NodeEstimate[], notes: string[]) {
  const { plan } = planned;
  const f = efficiencyFor(device, options.efficiency);
  const scale = activationScale(report, options, device);
  const link = device.interconnectBytesPerSecond?.value;
  if (plan.chips <= 1) return { seconds: 0, allToAllSeconds: 0 };
  if (plan.layout === 'expert-parallel') {
    const moe = moeServing(report)!;
    const skew = options.moeSkew ?? DEFAULT_MOE_SKEW;
    const layers = allToAllSeconds(moe, { chips: plan.chips, batch: planned.memory.batch, skew }, device, f, (s) => dtypeBytesPerElement(s.activationDtype) * scale);
    const perChip = Math.ceil(Math.max(...moe.layers.map((s) => s.layer.expertsHeld)) / plan.chips);
    const sequences = Math.ceil(planned.memory.batch * dataParallelShare(planned.memory.batch, plan.chips));
    notes.push(
      `expert-parallel over ${plan.chips} chips: up to ${perChip} routed experts per chip in each of ${moe.layers.length} MoE layers; ` +
        `attention and dense layers replicated, data-parallel (${sequences} of ${planned.memory.batch} sequences on the busiest chip); all-to-all dispatch and combine per MoE layer`,
    );
    if (!layers) {
      notes.push(`${device.id} lists no interconnect bandwidth: all-to-all time not counted`);
      return { seconds: 0, allToAllSeconds: 0 };
    }
    const seconds = layers.reduce((s, l) => s + l.seconds, 0);
    return { seconds, allToAllSeconds: seconds };
  }
  // Tensor-parallel all-reduces (Megatron layout): column-parallel matmuls (output wider than input: QKV,
  // FFN-in, gate/up) need none; each row-parallel one (output no wider than input: attention out-proj,
  // FFN-out/down) ends in an all-reduce of its output, ring algorithm, 2(n-1)/n of it per chip over one
  // direction of the link.
  const chips = plan.chips;
  let outBytes = 0;
  let allReduces = 0;
  const byIndex = new Map(mainGraphNodes(report).map((n) => [n.index, n]));
  const rowParallel = rowParallelNodes(report);
  for (const e of nodes) {
    if (e.kind !== 'matrix' || !e.estimated || !rowParallel.has(e.index)) continue;
    const n = byIndex.get(e.index);
    if (!n) continue;
    const b = tensorSummaryBytes(n.outputs[0], report.bindings);
    if (b === undefined) continue;
    outBytes += b * scale;
    allReduces++;
  }
  notes.push(`does not fit on one ${device.id} (or more chips asked): tensor-parallel over ${chips} chips, ${allReduces} all-reduces`);
  const heads = planned.memory.kvHeads;
  if (heads !== undefined && heads < chips && planned.memory.kvCacheBytes > 0) {
    notes.push(`the KV cache has ${heads} head${heads > 1 ? 's' : ''}: each chip holds and reads 1/${heads} of it, not 1/${chips}`);
  }
  if (!link || link <= 0) {
    notes.push(`${device.id} lists no interconnect bandwidth: tensor-parallel all-reduce time not counted`);
    return { seconds: 0, allToAllSeconds: 0 };
  }
  const bytesPerChip = ((2 * (chips - 1)) / chips) * outBytes;
  return { seconds: bytesPerChip / ((link / 2) * f.interconnectEfficiency) + allReduces * f.allReduceLatencySeconds, allToAllSeconds: 0 };
}

/** The MoE serving figures of an estimate. */
function moeFigures(report: ProfileReport, options: ModelEstimateOptions, plan: ParallelPlan, nodes: readonly NodeEstimate[], allToAll: number): MoeServingEstimate | undefined {
  const moe = moeServing(report);
  if (!moe) return undefined;
  const skew = options.moeSkew ?? DEFAULT_MOE_SKEW;
  const routings = moe.layers.map((s) => moe.routing(s, skew));
  const widest = moe.layers.reduce((a, b) => (b.layer.experts > a.layer.experts ? b : a));
  const expertWeightBytesRead = nodes.reduce((s, e) => s + (moe.layerOf(e.index) ? e.weightBytesRead : 0), 0);
  return {
    skew,
    layers: moe.layers.length,
    experts: widest.layer.experts,
    topK: widest.layer.topK,
    routedTokens: Math.max(...routings.map((r) => r.tokens)),
    expertsTouchedPerLayer: routings.reduce((s, r) => s + r.expertsTouched, 0) / routings.length,
    expertWeightBytesRead,
    expertsPerChip: plan.layout === 'expert-parallel' ? Math.ceil(widest.layer.expertsHeld / plan.chips) : widest.layer.expertsHeld,
    allToAllSeconds: allToAll,
  };
}

function estimateWithLayout(
  report: ProfileReport,
  device: HardwareEntry,
  options: ModelEstimateOptions,
  planned: PlannedLayout,
  sharedNotes: readonly string[],
): TargetRun {
  const batch = Math.max(1, options.batch ?? 1);
  const need = memoryNeed(report, options, device);
  const notes = [...need.notes, ...sharedNotes];
  const { plan, chipsNeeded, usable } = planned;
  const chips = plan.chips;
  const nodes = estimateNodes(report, device, { ...options, parallel: plan });
  const comm = interconnect(report, device, options, planned, nodes, notes);
  const interconnectSeconds = comm.seconds;

  let nodeSeconds = 0;
  let computeBoundSeconds = 0;
  let busy = 0;
  let notEstimated = 0;
  let fallbackNodes = 0;
  let weightBytesRead = 0;
  const notEstimatedOps = new Set<string>();
  const savings = new Map<FusionRuleId, { rule: FusionRuleId; nodes: number; bytesSaved: number; secondsSaved: number }>();
  const bw = device.memoryBandwidthBytesPerSecond.value;
  for (const e of nodes) {
    if (!e.estimated) {
      notEstimated++;
      notEstimatedOps.add(e.opType);
      continue;
    }
    if (e.precisionFallback) fallbackNodes++;
    weightBytesRead += e.weightBytesRead;
    if (e.fusion && e.fusion.rules.length > 0) {
      const rule = e.fusion.rules[0];
      const s = savings.get(rule) ?? { rule, nodes: 0, bytesSaved: 0, secondsSaved: 0 };
      s.nodes++;
      s.bytesSaved += e.fusion.bytesSaved;
      s.secondsSaved += e.fusion.secondsSaved;
      savings.set(rule, s);
    }
    nodeSeconds += e.seconds;
    if (e.bound === 'compute') computeBoundSeconds += e.seconds;
    if (e.seconds > 0) {
      const computeActivity = e.computeSeconds * e.computeEfficiency;
      const memoryActivity = bw > 0 ? e.memoryBytes / bw : 0;
      busy += Math.min(e.seconds, Math.max(computeActivity, memoryActivity));
    }
  }
  if (notEstimated > 0) notes.push(`${notEstimated} node(s) not estimated (unknown cost): latency is a lower bound`);
  if (fallbackNodes > 0) notes.push(`${fallbackNodes} node(s) run in a fallback precision on ${device.id}`);
  const choice = options.precisionOverride && precisionChoiceNote(options.precisionOverride, device);
  if (choice) notes.push(choice);

  const latencySeconds = nodeSeconds + interconnectSeconds;
  const utilisation = latencySeconds > 0 ? Math.min(1, busy / latencySeconds) : 0;
  const idle = options.idlePowerFraction ?? DEFAULT_IDLE_POWER_FRACTION[device.deviceClass] ?? 0.3;
  const boardWatts = device.powerWatts?.value;
  const averagePowerWattsPerChip = boardWatts === undefined ? null : boardWatts * (idle + (1 - idle) * utilisation);
  const joulesPerInference = averagePowerWattsPerChip === null ? null : (averagePowerWattsPerChip * chips * latencySeconds) / batch;
  if (boardWatts === undefined) notes.push(`${device.id} lists no board power: energy not estimated`);
  const throughputPerSecond = latencySeconds > 0 ? batch / latencySeconds : Infinity;
  const price = device.price?.usdPerHour;
  const costPerMillionUsd = price === undefined ? null : ((price * chips * (latencySeconds / batch)) / 3600) * 1e6;
  const moe = moeFigures(report, options, plan, nodes, comm.allToAllSeconds);

  const estimate: ModelEstimate = {
    target: device.id,
    latencySeconds,
    throughputPerSecond,
    costPerMillionUsd,
    joulesPerInference,
    fits: chipsNeeded === 1,
    chipsNeeded,
    computeBoundFraction: nodeSeconds > 0 ? computeBoundSeconds / nodeSeconds : 0,
    targetName: device.name,
    deviceClass: device.deviceClass,
    batch,
    chips,
    layout: plan.layout,
    throughputPerChipPerSecond: throughputPerSecond / chips,
    weightBytes: need.weightBytes,
    activationBytes: need.activationBytes,
    kvCacheBytes: need.kvCacheBytes,
    kvCacheUnbound: need.kvCacheUnbound,
    memoryNeededBytes: need.totalBytes,
    memoryNeededBytesPerChip: planned.memoryPerChip,
    memoryUsableBytesPerChip: usable,
    interconnectSeconds,
    weightBytesRead,
    ...(moe ? { moe } : {}),
    utilisation,
    averagePowerWattsPerChip,
    notEstimatedNodes: notEstimated,
    notEstimatedOpTypes: [...notEstimatedOps].sort(),
    precisionFallbackNodes: fallbackNodes,
    execution: options.execution ?? 'fused',
    ...(options.precisionOverride ? { precision: options.precisionOverride } : {}),
    fusionSavings: [...savings.values()].sort((a, b) => b.secondsSaved - a.secondsSaved),
    notes,
  };
  return { estimate: frozen(estimate), nodes };
}
