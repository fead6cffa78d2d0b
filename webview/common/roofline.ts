/**
 * What the roofline chart plots: per kernel the estimator runs on the selected target (a node, or the nodes
 * an optimising runtime fuses into one kernel), its summed FLOPs over its summed bytes moved (intensity) and
 * over its summed seconds (achieved rate); per target the roof the estimator used. A kernel's time is at
 * least its memory time and its compute time, so no point can sit above its roof. Without estimates, the
 * layers' own intensities alone.
 */
import type { NodeReport } from '../../src/core/report/reportTypes';
import type { RooflinePoint, RooflineRoof } from '../components';
import type { EstimatesView, NodeTimes } from './estimates';
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
  const kernels = kernelUnits(times);
  const byIndex = (index: number) => nodes[positionOf(nodes, index)];
  const points = kernels.slice(0, MAX_ROOFLINE_POINTS).map((k) => {
    const first = byIndex(k.kernel);
    const label = k.members > 1 ? `${opName(first, k.kernel)} + ${k.members - 1} fused` : opName(first, k.kernel);
    return { x: k.flops / k.memoryBytes, y: k.flops / k.seconds, label, key: k.kernel, className: `bound-${k.bound}` };
  });
  const candidates = kernels.length;
  const roofs = estimates.targets.flatMap((t) => {
    const r = estimates.roof(t.target);
    return r && r.peakFlopsPerSecond > 0 && r.bandwidthBytesPerSecond > 0 ? [{ label: t.targetName, key: t.target, selected: t.target === target, peakFlopsPerSecond: r.peakFlopsPerSecond, bandwidthBytesPerSecond: r.bandwidthBytesPerSecond }] : [];
  });
  return { points, roofs, candidates };
}

interface KernelUnit {
  readonly kernel: number;
  flops: number;
  memoryBytes: number;
  seconds: number;
  members: number;
  bound: string;
}

/** The kernels of one target's node times with work and time, most FLOPs first. */
function kernelUnits(times: NodeTimes): KernelUnit[] {
  const c = times.columns;
  const byKernel = new Map<number, KernelUnit>();
  for (let pos = 0; pos < times.size; pos++) {
    const id = c.kernel[pos];
    let k = byKernel.get(id);
    if (!k) byKernel.set(id, (k = { kernel: id, flops: 0, memoryBytes: 0, seconds: 0, members: 0, bound: c.bound[pos] }));
    k.flops += c.flops[pos];
    k.memoryBytes += c.memoryBytes[pos];
    k.seconds += c.seconds[pos];
    k.members++;
    if (c.nodeIndex[pos] === id) k.bound = c.bound[pos];
  }
  return [...byKernel.values()].filter((k) => k.seconds > 0 && k.flops > 0 && k.memoryBytes > 0).sort((a, b) => b.flops - a.flops || a.kernel - b.kernel);
}
