/**
 * Model-level estimate per hardware target: latency, throughput, $ per million inferences, joules per
 * inference, memory fit and chip count (tensor-parallel with its all-reduce cost when one chip is not
 * enough), and the share of time in compute-bound nodes. The report must already be profiled at the
 * batch size passed here (`batch` only enters the per-inference arithmetic). Model: docs/estimator.md.
 * Pure: no I/O.
 */
import type { DeviceClass, HardwareEntry } from '../hardware/hardwareTypes';
import { countToNumber, type NodeReport, type ProfileReport, type TensorSummary } from '../report/reportTypes';
import { isPastKeyValueName, isPresentKeyValueName } from './kvCacheNames';
import type { ExecutionMode, FusionRuleId } from './executionRules';
import { tensorSummaryBytes } from './tensorSize';
import { dtypeBytesPerElement, overrideActivationBytesPerElement, overrideWeightBytesPerElement, precisionChoiceNote } from './precision';
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
  /** Use at least this many chips (tensor-parallel). Default: as many as memory needs. */
  readonly chips?: number;
  /** Replace the KV-cache bytes found from the graph's past key/value inputs. */
  readonly kvCacheBytes?: number;
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
  readonly throughputPerChipPerSecond: number;
  readonly weightBytes: number;
  readonly activationBytes: number;
  readonly kvCacheBytes: number;
  readonly memoryNeededBytes: number;
  readonly memoryUsableBytesPerChip: number;
  /** Tensor-parallel all-reduce time inside latencySeconds (0 on one chip). */
  readonly interconnectSeconds: number;
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
  /**
   * Per rule of the execution model (fused mode): the nodes it changed and the bytes and seconds it saved
   * against running the graph as exported, each node counted under its first rule.
   */
  readonly fusionSavings: readonly FusionSaving[];
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

/**
 * A weight-carrying MAC node whose output is no wider than its input (in = params / out): the second, "row-
 * parallel" matmul of a Megatron pair, which ends in an all-reduce. Attention and weightless matmuls never do.
 */
export function isRowParallel(n: NodeReport): boolean {
  const params = countToNumber(n.params);
  const out = n.outputs[0]?.shape;
  const outDim = out && out.length > 0 ? out[out.length - 1] : undefined;
  if (params <= 0 || typeof outDim !== 'number' || outDim <= 0) return false;
  return params / outDim >= outDim;
}

export { isPastKeyValueName, isPresentKeyValueName } from './kvCacheNames';

/** KV-cache bytes: max(sum of past key/value graph inputs, sum of present outputs); undefined if none/unknown. */
export function kvCacheBytes(report: ProfileReport): { bytes: number; tensors: number; unresolved: number } {
  const sum = (ts: readonly TensorSummary[]) => {
    let bytes = 0;
    let unresolved = 0;
    for (const t of ts) {
      const b = tensorSummaryBytes(t, report.bindings);
      if (b === undefined) unresolved++;
      else bytes += b;
    }
    return { bytes, unresolved, tensors: ts.length };
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
 * Stored weight bytes under a precision choice: each main-graph node's float weights at the width the choice
 * stores them in (4-bit formats for the weighted MAC layers only, 16 bits for the rest); quantized and
 * non-float weights as stored.
 */
function weightTotalBytes(report: ProfileReport, options: ModelEstimateOptions, device?: HardwareEntry): number {
  const stored = countToNumber(report.totals.weightBytes);
  const o = options.precisionOverride;
  if (!o) return stored;
  let delta = 0;
  for (const n of mainGraphNodes(report)) {
    const params = countToNumber(n.params);
    const bytes = countToNumber(n.weightBytes);
    if (params <= 0 || bytes <= 0 || n.quantization || !FLOAT_DTYPES.has(n.computeDtype)) continue;
    delta += params * overrideWeightBytesPerElement(o, n, device) - bytes;
  }
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
  const foundKv = found.bytes * scale;
  const activationBytes = Math.max(0, countToNumber(report.totals.peakActivationBytes) * scale - foundKv);
  const kv = options.kvCacheBytes ?? foundKv;
  return { weightBytes, activationBytes, kvCacheBytes: kv, totalBytes: weightBytes + activationBytes + kv, notes };
}

/** Per-node times for the UI, on the chip count the model estimate would use. */
export function estimateNodeTimes(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions = {}): NodeEstimate[] {
  const { chips } = chipPlan(report, device, options);
  return estimateNodes(report, device, { ...options, tensorParallel: chips });
}

function chipPlan(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions) {
  const need = memoryNeed(report, options, device);
  const headroom = options.memoryHeadroomFraction ?? 0.1;
  const usable = device.memoryBytes.value * (1 - headroom);
  const chipsNeeded = usable > 0 ? Math.max(1, Math.ceil(need.totalBytes / usable)) : Infinity;
  const chips = Math.max(chipsNeeded, Math.max(1, Math.floor(options.chips ?? 1)));
  return { need, usable, chipsNeeded, chips };
}

/** Estimate one report on every target. */
export function estimateModel(
  report: ProfileReport,
  targets: readonly HardwareEntry[],
  options: ModelEstimateOptions = {},
): ModelEstimate[] {
  return targets.map((t) => estimateOnTarget(report, t, options));
}

export function estimateOnTarget(report: ProfileReport, device: HardwareEntry, options: ModelEstimateOptions = {}): ModelEstimate {
  const batch = Math.max(1, options.batch ?? 1);
  const f = efficiencyFor(device, options.efficiency);
  const { need, usable, chipsNeeded, chips: chipsRaw } = chipPlan(report, device, options);
  const notes = [...need.notes];
  const chips = Number.isFinite(chipsRaw) ? chipsRaw : 1;
  if (!Number.isFinite(chipsRaw)) notes.push('device memory unknown: chip count not computed');

  const nodes = estimateNodes(report, device, { ...options, tensorParallel: chips });

  // Tensor-parallel all-reduces (Megatron layout): column-parallel matmuls (output wider than input: QKV,
  // FFN-in, gate/up) need none; each row-parallel one (output no wider than input: attention out-proj,
  // FFN-out/down) ends in an all-reduce of its output, ring algorithm, 2(n-1)/n of it per chip over one
  // direction of the link.
  let interconnectSeconds = 0;
  let allReduces = 0;
  if (chips > 1) {
    const scale = activationScale(report, options, device);
    let outBytes = 0;
    const byIndex = new Map(mainGraphNodes(report).map((n) => [n.index, n]));
    for (const e of nodes) {
      if (e.kind !== 'matrix' || !e.estimated) continue;
      const n = byIndex.get(e.index);
      if (!n || !isRowParallel(n)) continue;
      const b = tensorSummaryBytes(n.outputs[0], report.bindings);
      if (b === undefined) continue;
      outBytes += b * scale;
      allReduces++;
    }
    const bytesPerChip = ((2 * (chips - 1)) / chips) * outBytes;
    const link = device.interconnectBytesPerSecond?.value;
    if (link && link > 0) {
      interconnectSeconds = bytesPerChip / ((link / 2) * f.interconnectEfficiency) + allReduces * f.allReduceLatencySeconds;
    } else {
      notes.push(`${device.id} lists no interconnect bandwidth: tensor-parallel all-reduce time not counted`);
    }
    notes.push(`does not fit on one ${device.id} (or more chips asked): tensor-parallel over ${chips} chips, ${allReduces} all-reduces`);
  }

  let nodeSeconds = 0;
  let computeBoundSeconds = 0;
  let busy = 0;
  let notEstimated = 0;
  let fallbackNodes = 0;
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

  return {
    target: device.id,
    latencySeconds,
    throughputPerSecond,
    costPerMillionUsd,
    joulesPerInference,
    fits: chipsNeeded === 1,
    chipsNeeded: Number.isFinite(chipsNeeded) ? chipsNeeded : 1,
    computeBoundFraction: nodeSeconds > 0 ? computeBoundSeconds / nodeSeconds : 0,
    targetName: device.name,
    deviceClass: device.deviceClass,
    batch,
    chips,
    throughputPerChipPerSecond: throughputPerSecond / chips,
    weightBytes: need.weightBytes,
    activationBytes: need.activationBytes,
    kvCacheBytes: need.kvCacheBytes,
    memoryNeededBytes: need.totalBytes,
    memoryUsableBytesPerChip: usable,
    interconnectSeconds,
    utilisation,
    averagePowerWattsPerChip,
    notEstimatedNodes: notEstimated,
    notEstimatedOpTypes: [...notEstimatedOps].sort(),
    precisionFallbackNodes: fallbackNodes,
    execution: options.execution ?? 'fused',
    fusionSavings: [...savings.values()].sort((a, b) => b.secondsSaved - a.secondsSaved),
    notes,
  };
}
