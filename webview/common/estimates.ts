/**
 * Local view-side types for the hardware estimates carried in 'report/show'.estimates (the protocol types
 * it as `unknown`). Shape expected from the host (src/core/estimate ModelEstimate[] works as is):
 *
 *   estimates = ModelEstimate[]                                     // or
 *   estimates = { selectedTarget?, targets: TargetEstimatePayload[] } // each may carry `nodes`
 *
 *   TargetEstimatePayload = { target, targetName?, latencySeconds, throughputPerSecond, costPerMillionUsd,
 *     joulesPerInference, fits, chipsNeeded, chips?, computeBoundFraction,
 *     peakFlopsPerSecond?, memoryBandwidthBytesPerSecond?,            // roofline; derived from nodes if absent
 *     nodes?: NodeEstimate[] /* {index, seconds, bound, flops, effectiveFlopsPerSecond, memoryBytes, memorySeconds} *\/ }
 *
 * Per-node times may instead come as `estimates.nodeTimes = { [target]: NodeEstimate[] }`.
 * Anything malformed is skipped entry by entry (and logged), never thrown.
 */
export interface TargetEstimateView {
  readonly target: string;
  readonly targetName: string;
  readonly latencySeconds: number;
  readonly throughputPerSecond: number;
  readonly costPerMillionUsd: number | null;
  readonly joulesPerInference: number;
  readonly fits: boolean;
  readonly chipsNeeded: number;
  readonly chips: number;
  readonly computeBoundFraction: number;
  readonly peakFlopsPerSecond: number | null;
  readonly memoryBandwidthBytesPerSecond: number | null;
  readonly notEstimatedNodes: number;
}

export interface NodeTimeView {
  readonly index: number;
  readonly seconds: number;
  readonly bound: string;
}

export interface EstimatesView {
  readonly targets: readonly TargetEstimateView[];
  /** target → node index → time. */
  readonly nodeTimes: ReadonlyMap<string, ReadonlyMap<number, NodeTimeView>>;
  readonly selectedTarget?: string;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const fin = (v: unknown, d = 0) => (finite(v) ? v : d);

function parseNodes(raw: unknown): { times: Map<number, NodeTimeView>; peak: number; bw: number } {
  const times = new Map<number, NodeTimeView>();
  let peak = 0;
  let bw = 0;
  if (!Array.isArray(raw)) return { times, peak, bw };
  for (const n of raw) {
    if (!isRec(n) || !finite(n.index) || !finite(n.seconds)) continue;
    times.set(n.index, { index: n.index, seconds: n.seconds, bound: typeof n.bound === 'string' ? n.bound : '' });
    if (finite(n.effectiveFlopsPerSecond)) peak = Math.max(peak, n.effectiveFlopsPerSecond);
    if (finite(n.memoryBytes) && finite(n.memorySeconds) && n.memorySeconds > 0) bw = Math.max(bw, n.memoryBytes / n.memorySeconds);
  }
  return { times, peak, bw };
}

export function normalizeEstimates(raw: unknown): EstimatesView | null {
  if (raw === undefined || raw === null) return null;
  let list: unknown[] | undefined;
  let nodeMap: Rec | undefined;
  let selectedTarget: string | undefined;
  if (Array.isArray(raw)) list = raw;
  else if (isRec(raw)) {
    const l = raw.targets ?? raw.estimates ?? raw.models;
    if (Array.isArray(l)) list = l;
    if (isRec(raw.nodeTimes)) nodeMap = raw.nodeTimes;
    else if (isRec(raw.nodes)) nodeMap = raw.nodes;
    if (typeof raw.selectedTarget === 'string') selectedTarget = raw.selectedTarget;
  }
  if (!list) {
    console.warn('[estimates] unrecognised estimates payload: ignored');
    return null;
  }
  const targets: TargetEstimateView[] = [];
  const nodeTimes = new Map<string, Map<number, NodeTimeView>>();
  for (const e of list) {
    if (!isRec(e) || typeof e.target !== 'string' || !finite(e.latencySeconds)) {
      console.warn('[estimates] skipped a malformed target estimate');
      continue;
    }
    const nodes = parseNodes(e.nodes ?? nodeMap?.[e.target]);
    if (nodes.times.size > 0) nodeTimes.set(e.target, nodes.times);
    targets.push({
      target: e.target,
      targetName: typeof e.targetName === 'string' ? e.targetName : e.target,
      latencySeconds: e.latencySeconds,
      throughputPerSecond: fin(e.throughputPerSecond, e.latencySeconds > 0 ? 1 / e.latencySeconds : 0),
      costPerMillionUsd: finite(e.costPerMillionUsd) ? e.costPerMillionUsd : null,
      joulesPerInference: fin(e.joulesPerInference, NaN),
      fits: e.fits === true,
      chipsNeeded: fin(e.chipsNeeded, 1),
      chips: fin(e.chips, fin(e.chipsNeeded, 1)),
      computeBoundFraction: fin(e.computeBoundFraction, NaN),
      peakFlopsPerSecond: finite(e.peakFlopsPerSecond) ? e.peakFlopsPerSecond : nodes.peak > 0 ? nodes.peak : null,
      memoryBandwidthBytesPerSecond: finite(e.memoryBandwidthBytesPerSecond) ? e.memoryBandwidthBytesPerSecond : nodes.bw > 0 ? nodes.bw : null,
      notEstimatedNodes: fin(e.notEstimatedNodes, 0),
    });
  }
  return { targets, nodeTimes, selectedTarget };
}
