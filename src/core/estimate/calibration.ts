/**
 * Calibration against measured per-layer times.
 *
 * Formats read (verified against the tools' sources, see docs/estimator.md "Calibration"):
 *  - ONNX Runtime profiler (`SessionOptions.enable_profiling`): a JSON array of Chrome-trace events;
 *    per node and run `{cat: "Node", name: "<node>_kernel_time", dur: <µs>, args: {op_name, provider, ...}}`
 *    plus `_fence_before` / `_fence_after` events (no provider) and `{cat: "Session", ...}` events.
 *  - TensorRT `trtexec --exportProfile=f.json`: `[{count: N}, {name, timeMs, averageMs, medianMs?, percentage}, ...]`
 *    (timeMs is the total over N runs; medianMs is absent in older TensorRT). Layer names of fused layers join
 *    the ONNX node names with " + " (`conv1 + relu1`); reformat layers have no ONNX node.
 *
 * Measurements are matched to report nodes by name, compared with the estimate, and the device's efficiency
 * factors refit by the median measured/estimated ratio per group (compute-bound MAC ops → matrixEfficiency,
 * memory-bound ops → memoryEfficiency, compute-bound vector ops → vectorEfficiency). Pure: no I/O; the caller
 * passes the parsed JSON.
 */
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import {
  efficiencyFor,
  estimateNodes,
  type DeviceEfficiency,
  type EfficiencyFactors,
  type NodeEstimate,
  type NodeEstimateOptions,
  type OpKind,
} from './roofline';

export interface LayerMeasurement {
  /** Name as the tool reports it (ORT: node name; TRT: layer name, maybe fused "a + b"). */
  readonly name: string;
  /** ONNX node names this measurement covers (one for ORT, the fused parts for TRT). */
  readonly nodeNames: readonly string[];
  /** Mean seconds per run. */
  readonly seconds: number;
  /** Runs (ORT: occurrences; TRT: count). */
  readonly runs: number;
  readonly opType?: string;
  readonly provider?: string;
}

export type TraceFormat = 'onnxruntime' | 'tensorrt';

export class TraceFormatError extends Error {}

interface OrtEvent {
  cat?: unknown;
  name?: unknown;
  dur?: unknown;
  args?: { op_name?: unknown; provider?: unknown };
}

/** Which tool wrote `json`; throws TraceFormatError when neither. */
export function detectTraceFormat(json: unknown): TraceFormat {
  if (!Array.isArray(json) || json.length === 0) throw new TraceFormatError('a profile is a non-empty JSON array');
  const first = json[0] as Record<string, unknown>;
  if (first && typeof first === 'object' && 'count' in first && !('cat' in first)) return 'tensorrt';
  if (json.some((e) => e && typeof e === 'object' && 'cat' in e && 'dur' in e)) return 'onnxruntime';
  throw new TraceFormatError('neither an ONNX Runtime profile (events with cat/dur) nor a trtexec --exportProfile file ({count} first)');
}

/**
 * Parse an ONNX Runtime profile: kernel-time events only (fences are host-side synchronisation), averaged
 * per node over the runs. `skipFirstRuns` drops each node's first occurrences (warm-up).
 */
export function parseOrtProfile(json: unknown, options: { skipFirstRuns?: number } = {}): LayerMeasurement[] {
  if (!Array.isArray(json)) throw new TraceFormatError('ONNX Runtime profile must be a JSON array');
  const skip = Math.max(0, options.skipFirstRuns ?? 0);
  const acc = new Map<string, { total: number; runs: number; seen: number; opType?: string; provider?: string }>();
  const order: string[] = [];
  for (const raw of json as OrtEvent[]) {
    if (!raw || raw.cat !== 'Node' || typeof raw.name !== 'string' || typeof raw.dur !== 'number') continue;
    if (!raw.name.endsWith('_kernel_time')) continue;
    const node = raw.name.slice(0, -'_kernel_time'.length);
    let a = acc.get(node);
    if (!a) {
      a = { total: 0, runs: 0, seen: 0 };
      acc.set(node, a);
      order.push(node);
    }
    a.seen++;
    if (typeof raw.args?.op_name === 'string') a.opType = raw.args.op_name;
    if (typeof raw.args?.provider === 'string') a.provider = raw.args.provider;
    if (a.seen <= skip) continue;
    a.total += raw.dur;
    a.runs++;
  }
  const out: LayerMeasurement[] = [];
  for (const name of order) {
    const a = acc.get(name)!;
    if (a.runs === 0) continue;
    out.push({
      name,
      nodeNames: [name],
      seconds: a.total / a.runs / 1e6,
      runs: a.runs,
      ...(a.opType ? { opType: a.opType } : {}),
      ...(a.provider ? { provider: a.provider } : {}),
    });
  }
  return out;
}

/** Parse `trtexec --exportProfile` JSON. Uses medianMs when present (robust to outliers), else averageMs, else timeMs/count. */
export function parseTrtProfile(json: unknown): LayerMeasurement[] {
  if (!Array.isArray(json) || json.length === 0) throw new TraceFormatError('trtexec profile must be a non-empty JSON array');
  const head = json[0] as { count?: unknown };
  const count = typeof head?.count === 'number' && head.count > 0 ? head.count : 1;
  const out: LayerMeasurement[] = [];
  for (const raw of json.slice(1) as Record<string, unknown>[]) {
    if (!raw || typeof raw.name !== 'string') continue;
    const ms =
      typeof raw.medianMs === 'number'
        ? raw.medianMs
        : typeof raw.averageMs === 'number'
          ? raw.averageMs
          : typeof raw.timeMs === 'number'
            ? raw.timeMs / count
            : undefined;
    if (ms === undefined) continue;
    out.push({ name: raw.name, nodeNames: trtLayerNodeNames(raw.name), seconds: ms / 1e3, runs: count });
  }
  return out;
}

/** ONNX node names inside a TensorRT layer name: split fusions on " + ", unwrap `PWN(a, b)`. */
export function trtLayerNodeNames(layer: string): string[] {
  const parts = layer.split(' + ').flatMap((p) => {
    const m = /^PWN\((.*)\)$/.exec(p.trim());
    return m ? m[1].split(/,\s*/) : [p];
  });
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

export function parseProfile(json: unknown, format?: TraceFormat): LayerMeasurement[] {
  const f = format ?? detectTraceFormat(json);
  return f === 'tensorrt' ? parseTrtProfile(json) : parseOrtProfile(json);
}

export interface CalibrationRow {
  /** The measurement's name. */
  readonly name: string;
  readonly nodeNames: readonly string[];
  /** Kind of the dominant (longest-estimated) matched node. */
  readonly kind: OpKind;
  readonly bound: 'compute' | 'memory' | 'none';
  readonly estimatedSeconds: number;
  readonly measuredSeconds: number;
  /** measured / estimated (> 1: the device is slower than estimated). */
  readonly ratio: number;
}

export interface CalibrationComparison {
  readonly rows: readonly CalibrationRow[];
  /** Measurements whose names match no report node (reformat layers, Memcpy, fused foreign nodes). */
  readonly unmatched: readonly LayerMeasurement[];
  readonly estimatedTotalSeconds: number;
  readonly measuredTotalSeconds: number;
  /** Measured seconds of the unmatched layers. */
  readonly unmatchedSeconds: number;
}

/** Match measurements to node estimates by name and put estimate and measurement side by side. */
export function compareWithMeasurements(estimates: readonly NodeEstimate[], measurements: readonly LayerMeasurement[]): CalibrationComparison {
  const byName = new Map<string, NodeEstimate>();
  for (const e of estimates) if (e.name) byName.set(e.name, e);
  const rows: CalibrationRow[] = [];
  const unmatched: LayerMeasurement[] = [];
  let est = 0;
  let meas = 0;
  let unmatchedSeconds = 0;
  for (const m of measurements) {
    const nodes = m.nodeNames.map((n) => byName.get(n)).filter((e): e is NodeEstimate => e !== undefined && e.estimated);
    if (nodes.length === 0) {
      unmatched.push(m);
      unmatchedSeconds += m.seconds;
      continue;
    }
    // A fused TRT layer runs as one kernel: its estimate is the sum of its nodes' times, one overhead.
    const overheads = nodes.map((n) => n.overheadSeconds);
    const seconds = nodes.reduce((s, n) => s + n.seconds - n.overheadSeconds, 0) + Math.max(0, ...overheads);
    const dominant = nodes.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    rows.push({
      name: m.name,
      nodeNames: nodes.map((n) => n.name),
      kind: dominant.kind,
      bound: dominant.bound,
      estimatedSeconds: seconds,
      measuredSeconds: m.seconds,
      ratio: seconds > 0 ? m.seconds / seconds : Infinity,
    });
    est += seconds;
    meas += m.seconds;
  }
  return { rows, unmatched, estimatedTotalSeconds: est, measuredTotalSeconds: meas, unmatchedSeconds };
}

export interface CalibrationGroup {
  readonly factor: 'matrixEfficiency' | 'vectorEfficiency' | 'memoryEfficiency';
  readonly count: number;
  /** Median measured/estimated ratio of the group. */
  readonly medianRatio: number;
}

export interface CalibrationFit {
  /** Refit factors (starting from `before`); overhead and ramp are kept. */
  readonly factors: EfficiencyFactors;
  readonly before: EfficiencyFactors;
  readonly groups: readonly CalibrationGroup[];
  readonly comparison: CalibrationComparison;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Fit efficiency factors from a comparison: each group's factor is divided by its median ratio (the time of
 * a node bound by that resource scales with 1/factor), clamped to (0, 1]. Rows under `minSeconds`
 * (default 5 µs) are left out: their time is mostly launch overhead, which the efficiencies do not model.
 */
export function fitEfficiency(comparison: CalibrationComparison, before: EfficiencyFactors, options: { minSeconds?: number } = {}): CalibrationFit {
  const minSeconds = options.minSeconds ?? 5e-6;
  const groups = new Map<CalibrationGroup['factor'], number[]>();
  for (const r of comparison.rows) {
    if (r.measuredSeconds < minSeconds || !Number.isFinite(r.ratio) || r.ratio <= 0 || r.bound === 'none') continue;
    const factor: CalibrationGroup['factor'] = r.bound === 'memory' ? 'memoryEfficiency' : r.kind === 'matrix' ? 'matrixEfficiency' : 'vectorEfficiency';
    const list = groups.get(factor) ?? [];
    list.push(r.ratio);
    groups.set(factor, list);
  }
  const factors: { -readonly [K in keyof DeviceEfficiency]: DeviceEfficiency[K] } = { ...before };
  const out: CalibrationGroup[] = [];
  for (const [factor, ratios] of groups) {
    const med = median(ratios);
    factors[factor] = Math.min(1, Math.max(1e-3, before[factor] / med));
    // A matrix efficiency fitted on this device's own trace supersedes the per-precision benchmark figures.
    if (factor === 'matrixEfficiency') delete factors.matrixEfficiencyByPrecision;
    out.push({ factor, count: ratios.length, medianRatio: med });
  }
  return { factors, before, groups: out, comparison };
}

/** Convenience: estimate `report` on `device`, compare with a parsed profile, and fit the factors. */
export function calibrate(
  report: ProfileReport,
  device: HardwareEntry,
  profileJson: unknown,
  options: NodeEstimateOptions & { format?: TraceFormat; minSeconds?: number } = {},
): CalibrationFit {
  const measurements = parseProfile(profileJson, options.format);
  const estimates = estimateNodes(report, device, options);
  const comparison = compareWithMeasurements(estimates, measurements);
  return fitEfficiency(comparison, efficiencyFor(device, options.efficiency), options);
}
