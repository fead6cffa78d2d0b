/** Pieces the text renderers share: aligned tables, the summary lines, node and estimate rows. */
import type { ModelEstimate } from '../estimate/modelEstimate';
import type { ParallelLayout } from '../estimate/layouts';
import type { ServingPlan } from '../estimate/servingPlan';
import type { LayerTimes } from '../pipeline/analysisTypes';
import type { NodeReport, ProfileReport } from '../report/reportTypes';
import { formatBytes, formatJoules, formatScaled, formatSeconds, formatShape, formatUsd, shortName } from '../report/units';
import { layoutText, moeDetail, moeHeadline } from './moeText';

/** Columns padded to their widest cell; `rightAligned` holds the numeric column indices. */
export function table(headers: readonly string[], rows: readonly string[][], rightAligned: ReadonlySet<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const HEADLINE_NOTES: readonly [code: string, label: string][] = [
  ['derived-binding', 'derived dims'],
  ['unknown-dims', 'unknown dims'],
];

/** The model's headline figures as label/value pairs. */
export function summaryLines(report: ProfileReport): [string, string][] {
  const t = report.totals;
  const c = report.coverage;
  const lines: [string, string][] = [
    ['model', `${report.model.path} (IR ${report.model.irVersion}, ${Object.entries(report.model.opsets).map(([d, v]) => `${d} ${v}`).join(', ')})`],
    ['producer', `${report.model.producer} ${report.model.producerVersion}`.trim() || '—'],
    ['FLOPs', `${formatScaled(t.flops, 'FLOP')} (${formatScaled(t.macs, 'MAC')})`],
    ['params', `${formatScaled(t.params, '')} (${formatBytes(t.weightBytes)}: ${Object.entries(t.weightBytesByDtype).map(([d, b]) => `${d} ${formatBytes(b)}`).join(', ') || 'none'})`],
    ['memory traffic', `${formatBytes(t.bytesRead)} read, ${formatBytes(t.bytesWritten)} written`],
    ['peak activations', formatBytes(t.peakActivationBytes)],
    ['coverage', `${c.percent}% (${c.costedNodes} of ${c.nodes} nodes costed${c.unknownCostNodes ? `, ${c.unknownCostNodes} with unknown shapes` : ''}${c.uncoveredOpTypes.length ? `; no rule for ${c.uncoveredOpTypes.map((u) => `${u.domain ? `${u.domain}.` : ''}${u.opType}×${u.count}`).join(', ')}` : ''})`],
  ];
  if (report.moe) lines.push(['MoE', `${moeHeadline(report.moe)} (${moeDetail(report.moe)})`]);
  if (Object.keys(report.bindings).length) lines.push(['bindings', Object.entries(report.bindings).map(([k, v]) => `${k}=${v}`).join(', ')]);
  if (report.unboundSymbols.length) lines.push(['unbound dims', `${report.unboundSymbols.map((d) => shortName(d)).join(', ')} (counted as 1; bind with --bind)`]);
  // Info notes are not listed with the problems; these change every figure, so they head the report.
  for (const [code, label] of HEADLINE_NOTES) {
    const note = report.diagnostics.find((d) => d.code === code);
    if (note) lines.push([label, note.message]);
  }
  return lines;
}

/** Main-graph nodes with the most FLOPs, ties in node order. */
export function topNodes(report: ProfileReport, top: number): NodeReport[] {
  return report.nodes
    .filter((n) => n.graphPath === '')
    .sort((a, b) => Number(b.flops) - Number(a.flops) || a.index - b.index)
    .slice(0, top);
}

export const NODE_HEADERS = ['node', 'op', 'FLOPs', 'params', 'bytes', 'FLOP/B', 'output shapes'];

/**
 * The top-nodes table: NODE_HEADERS, with the first target's time and bound per layer before the output shapes
 * when the report has them (`layerTimes`), and which columns are right-aligned.
 */
export function nodeTable(
  report: ProfileReport & { readonly layerTimes?: Readonly<Record<string, LayerTimes>>; readonly estimates?: readonly Pick<ModelEstimate, 'target' | 'serving'>[] },
  top: number,
): { headers: string[]; rows: string[][]; numeric: Set<number>; title: string } {
  const [target, times] = Object.entries(report.layerTimes ?? {})[0] ?? [];
  const served = report.estimates?.find((e) => e.target === target)?.serving;
  const byIndex = new Map((times?.nodeIndex ?? []).map((index, i) => [index, i]));
  const timeCells = (n: NodeReport): string[] => {
    if (!times) return [];
    const i = byIndex.get(n.index);
    return i === undefined ? ['—', '—'] : [formatSeconds(times.seconds[i]), times.bound[i]];
  };
  const withTimes = (cells: readonly string[], extra: readonly string[]) => [...cells.slice(0, 6), ...extra, ...cells.slice(6)];
  return {
    headers: withTimes(NODE_HEADERS, times ? [`time on ${target}`, 'bound'] : []),
    rows: topNodes(report, top).map((n) => withTimes(nodeRow(n), timeCells(n))),
    numeric: new Set([2, 3, 4, 5, ...(times ? [6] : [])]),
    // The layers are timed as profiled; a serving plan (--batch max) runs its own batch, which they do not show.
    title: `Top ${top} nodes by FLOPs${served && times ? ` (times on ${target} at the bindings above, not at the serving plan's batch ${served.batch})` : ''}`,
  };
}

export function nodeRow(n: NodeReport): string[] {
  return [
    n.name.length > 48 ? `…${n.name.slice(-47)}` : n.name,
    n.domain ? `${n.domain}.${n.opType}` : n.opType,
    n.status === 'costed' ? formatScaled(n.flops, 'FLOP') : n.status,
    formatScaled(n.params, ''),
    formatBytes(Number(n.bytesRead) + Number(n.bytesWritten)),
    n.arithmeticIntensity === null ? '—' : n.arithmeticIntensity.toFixed(1),
    // Each dim as a message shows a name (a crafted file's 40,000-character dim_param would fill the table).
    n.outputs.map((o) => formatShape(o.shape && o.shape.map((d) => (typeof d === 'string' ? shortName(d) : d)))).join(' '),
  ];
}

export const ESTIMATE_HEADERS = ['target', 'class', 'latency', 'throughput/s', '$ per 1M', 'J per inference', 'fits', 'layout', 'compute-bound'];

/** The estimates table's title: the batch all targets share, or that `--batch max` chose one per target. */
export function estimatesTitle(estimates: readonly ModelEstimate[]): string {
  if (estimates.some((e) => e.serving)) return 'Hardware estimates (batch max: the batch and chips chosen per target, below)';
  const chips = new Set(estimates.map((e) => e.chips));
  return `Hardware estimates (batch ${estimates[0].batch}${chips.size === 1 && estimates[0].chips > 1 ? `, ${estimates[0].chips} chips` : ''})`;
}

/** The targets the estimator left out (no compute peak), each with its reason: said where the estimates are. */
export function notEstimatedLines(report: Pick<ProfileReport, 'diagnostics'>): string[] {
  return report.diagnostics.filter((d) => d.code === 'target-not-estimated').map((d) => d.message);
}

/** Said once for all targets when a decoder's cache has no past length: the cache is unbound in the graph, not on a device. */
export function kvCacheUnboundNote(estimates: readonly Pick<ModelEstimate, 'kvCacheUnbound'>[]): string | undefined {
  if (!estimates.some((e) => e.kvCacheUnbound)) return undefined;
  return 'KV cache: its past length is unbound, so memory and fit leave it out (bind it, or see the LLM serving estimate)';
}

/** One line per target the serving search planned: batch, layout, why, and throughput per chip. */
export function servingLines(estimates: readonly { readonly target: string; readonly layout?: ParallelLayout; readonly serving?: ServingPlan }[], unit: string): string[] {
  return estimates.flatMap((e) => (e.serving ? [`  ${e.target}: ${servingSummary(e.serving, unit, e.layout)}`] : []));
}

/** Why a plan does not fit: the chips asked hold no copy (the figures are at the chips one needs), or no sample fits. */
export function noFitText(p: ServingPlan): string {
  return p.chipsAsked !== undefined ? `one copy needs ${p.chipsPerInstance} chips, more than the ${p.chipsAsked} asked: priced on ${p.chipsPerInstance}` : `does not fit ${p.chips} chips`;
}

export function servingSummary(p: ServingPlan, unit: string, layout?: ParallelLayout): string {
  const copy = p.chipsPerInstance > 1 ? `${p.chipsPerInstance} chips${layout === 'expert-parallel' ? ' (expert-parallel)' : ' (tensor-parallel)'}` : '1 chip';
  const placed = p.instances > 1 ? `${p.instances} copies × ${copy}` : copy;
  const idle = p.chips > p.instances * p.chipsPerInstance ? ` (${p.chips - p.instances * p.chipsPerInstance} of ${p.chips} idle)` : p.chips > p.chipsPerInstance ? ` (${p.chips} chips)` : '';
  const why = !p.fits ? noFitText(p) : p.limit === 'memory' ? `memory holds ${p.maxBatchInMemory}` : p.limit === 'batch-cap' ? `batch cap (memory holds ${p.maxBatchInMemory})` : 'a larger batch gains < 1%';
  return `batch ${p.batch} on ${placed}${idle}, ${why}; ${formatScaled(p.throughputPerChipPerSecond, '')} ${unit}/s per chip`;
}

export function estimateRow(e: ModelEstimate): string[] {
  return [
    e.target,
    e.deviceClass,
    formatSeconds(e.latencySeconds),
    formatScaled(e.throughputPerSecond, ''),
    e.costPerMillionUsd === null ? 'no price' : formatUsd(e.costPerMillionUsd),
    e.joulesPerInference === null ? 'no power' : formatJoules(e.joulesPerInference),
    e.fits ? 'yes' : `no: ${e.chipsNeeded} chips`,
    layoutText(e),
    `${Math.round(e.computeBoundFraction * 100)}%`,
  ];
}
