/**
 * What the roofline chart plots: per layer, the intensity and FLOP/s of the same estimated unit (the node
 * as the estimator charged it on the selected target: fused bytes, run precision, tensor-parallel share),
 * and per target the roof the estimator used. Since a node's time is at least its memory time and its
 * compute time, flops / seconds ≤ min(peak, bandwidth × flops / bytes): no point sits above its roof.
 */
import type { NodeReport } from '../../src/core/report/reportTypes';
import type { RooflinePoint, RooflineRoof } from '../components';
import type { EstimatesView } from './estimates';
import { num } from './format';

export const MAX_ROOFLINE_POINTS = 2000;

export interface RooflineSeries {
  readonly points: readonly RooflinePoint[];
  readonly roofs: readonly RooflineRoof[];
  /** Layers that could be plotted (the chart shows the MAX_ROOFLINE_POINTS with most FLOPs). */
  readonly candidates: number;
}

/** Position of node `index` in `nodes`: the same number when nodes are in index order (they are, from the core). */
function positionOf(nodes: readonly NodeReport[], index: number): number {
  return nodes[index]?.index === index ? index : nodes.findIndex((n) => n.index === index);
}

function opName(n: NodeReport | undefined, index: number): string {
  return n ? `${n.name || '(unnamed)'} (${n.opType})` : `#${index}`;
}

/** Points on `target` with every compared target's roof; without estimates, the layers' intensities alone. */
export function rooflineSeries(nodes: readonly NodeReport[], estimates: EstimatesView | null, target: string): RooflineSeries {
  const times = estimates && target ? estimates.nodeTimes(target) : undefined;
  if (!estimates || !times || times.size === 0) {
    const layers = nodes.filter((n) => n.arithmeticIntensity !== null && n.arithmeticIntensity > 0 && num(n.flops) > 0).sort((a, b) => num(b.flops) - num(a.flops));
    return { points: layers.slice(0, MAX_ROOFLINE_POINTS).map((n) => ({ x: n.arithmeticIntensity!, y: null, label: opName(n, n.index), key: n.index })), roofs: [], candidates: layers.length };
  }
  const c = times.columns;
  const plottable = (pos: number) => c.seconds[pos] > 0 && c.flops[pos] > 0 && c.memoryBytes[pos] > 0;
  let candidates = 0;
  for (let pos = 0; pos < times.size; pos++) if (plottable(pos)) candidates++;
  const byIndex = (index: number) => nodes[positionOf(nodes, index)];
  const points = times.top('flops', MAX_ROOFLINE_POINTS, plottable).map((pos) => {
    const t = times.at(pos);
    return { x: t.flops / t.memoryBytes, y: t.flops / t.seconds, label: opName(byIndex(t.index), t.index), key: t.index, className: `bound-${t.bound}` };
  });
  const roofs = estimates.targets.flatMap((t) => {
    const r = estimates.roof(t.target);
    return r && r.peakFlopsPerSecond > 0 && r.bandwidthBytesPerSecond > 0 ? [{ label: t.targetName, key: t.target, selected: t.target === target, peakFlopsPerSecond: r.peakFlopsPerSecond, bandwidthBytesPerSecond: r.bandwidthBytesPerSecond }] : [];
  });
  return { points, roofs, candidates };
}
