import type { CalibrationFit } from '../core/estimate/calibration';
import type { LlmEstimate } from '../core/estimate/llm';
import type { EfficiencyFactors } from '../core/estimate/roofline';
import type { ModelEstimate } from '../core/estimate/modelEstimate';
import type { Hint } from '../core/hints/hintTypes';
import type { HardwareEntry, Precision } from '../core/hardware/hardwareTypes';
import type { ModuleNode, NodeReport, ProfileReport } from '../core/report/reportTypes';
import { formatBytes, formatScaled, formatSeconds, formatShape } from '../core/report/units';

export type OutputFormat = 'table' | 'json' | 'csv' | 'md';

export interface RenderOptions {
  readonly top: number;
}

export function renderReport(report: ProfileReport, format: OutputFormat, options: RenderOptions): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return renderCsv(report);
    case 'md':
      return renderMarkdown(report, options);
    case 'table':
      return renderTable(report, options);
  }
}

const CSV_COLUMNS = ['index', 'name', 'opType', 'domain', 'graphPath', 'status', 'flops', 'macs', 'params', 'weightBytes', 'bytesRead', 'bytesWritten', 'arithmeticIntensity', 'computeDtype', 'outputShapes'] as const;

export function renderCsv(report: ProfileReport): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const n of report.nodes) {
    const values = CSV_COLUMNS.map((c) => (c === 'outputShapes' ? n.outputs.map((o) => formatShape(o.shape)).join(' ') : String(n[c] ?? '')));
    rows.push(values.map(csvField).join(','));
  }
  return `${rows.join('\n')}\n`;
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function topNodes(report: ProfileReport, top: number): NodeReport[] {
  return report.nodes
    .filter((n) => n.graphPath === '')
    .slice()
    .sort((a, b) => Number(b.flops) - Number(a.flops) || a.index - b.index)
    .slice(0, top);
}

function summaryLines(report: ProfileReport): [string, string][] {
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
  if (Object.keys(report.bindings).length) lines.push(['bindings', Object.entries(report.bindings).map(([k, v]) => `${k}=${v}`).join(', ')]);
  if (report.unboundSymbols.length) lines.push(['unbound dims', `${report.unboundSymbols.join(', ')} (counted as 1; bind with --bind)`]);
  return lines;
}

function table(headers: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function nodeRow(n: NodeReport): string[] {
  return [
    n.name.length > 48 ? `…${n.name.slice(-47)}` : n.name,
    n.domain ? `${n.domain}.${n.opType}` : n.opType,
    n.status === 'costed' ? formatScaled(n.flops, 'FLOP') : n.status,
    formatScaled(n.params, ''),
    formatBytes(Number(n.bytesRead) + Number(n.bytesWritten)),
    n.arithmeticIntensity === null ? '—' : n.arithmeticIntensity.toFixed(1),
    n.outputs.map((o) => formatShape(o.shape)).join(' '),
  ];
}

function moduleRows(m: ModuleNode, depth: number, rows: string[][]): void {
  for (const child of m.children) {
    rows.push([`${'  '.repeat(depth)}${child.name}`, String(child.nodeCount), formatScaled(child.flops, 'FLOP'), formatScaled(child.params, '')]);
    moduleRows(child, depth + 1, rows);
  }
}

const ESTIMATE_HEADERS = ['target', 'class', 'latency', 'throughput/s', '$ per 1M', 'J per inference', 'fits', 'compute-bound'];

function estimateRow(e: ModelEstimate): string[] {
  return [
    e.target,
    e.deviceClass,
    formatSeconds(e.latencySeconds),
    formatScaled(e.throughputPerSecond, ''),
    e.costPerMillionUsd === null ? 'no price' : `$${e.costPerMillionUsd < 10 ? e.costPerMillionUsd.toFixed(3) : e.costPerMillionUsd.toFixed(0)}`,
    e.joulesPerInference === null ? 'no power' : e.joulesPerInference < 1 ? `${(e.joulesPerInference * 1000).toFixed(2)} mJ` : `${e.joulesPerInference.toFixed(2)} J`,
    e.fits ? 'yes' : `no: ${e.chipsNeeded} chips`,
    `${Math.round(e.computeBoundFraction * 100)}%`,
  ];
}

/** Estimate against measurement per layer (slowest measured first), and the factors fitted from them. */
function calibrationLines(fit: CalibrationFit, top: number): string[] {
  const c = fit.comparison;
  const rows = [...c.rows].sort((a, b) => b.measuredSeconds - a.measuredSeconds).slice(0, top);
  const factors = (Object.keys(fit.factors) as (keyof EfficiencyFactors)[]).filter((k) => fit.factors[k] !== fit.before[k]);
  return [
    `Calibration: estimated ${formatSeconds(c.estimatedTotalSeconds)} against ${formatSeconds(c.measuredTotalSeconds)} measured over ${c.rows.length} matched layers (${c.unmatched.length} unmatched, ${formatSeconds(c.unmatchedSeconds)})`,
    table(
      ['layer', 'kind', 'bound', 'estimated', 'measured', 'measured/estimated'],
      rows.map((r) => [r.name, r.kind, r.bound, formatSeconds(r.estimatedSeconds), formatSeconds(r.measuredSeconds), r.ratio.toFixed(2)]),
      new Set([3, 4, 5]),
    ),
    factors.length
      ? `fitted: ${factors.map((k) => `${k} ${fit.before[k]} → ${Number(fit.factors[k].toPrecision(3))}`).join(', ')} (set them as efficiency overrides)`
      : 'fitted: no factor changed (too few matched layers of each kind)',
  ];
}

const LLM_HEADERS = ['target', 'time to first token', 'per output token', 'output tokens/s', '$ per 1M output tokens', 'J per token', 'chips'];

function llmRow(e: LlmEstimate): string[] {
  return [
    e.target,
    formatSeconds(e.timeToFirstTokenSeconds),
    formatSeconds(e.timePerOutputTokenSeconds),
    formatScaled(e.tokensPerSecond, ''),
    e.costPerMillionTokensUsd === null ? 'no price' : `$${e.costPerMillionTokensUsd.toFixed(2)}`,
    e.joulesPerOutputToken === null ? 'no power' : `${e.joulesPerOutputToken.toFixed(3)} J`,
    e.fits ? '1' : `${e.chips} (needs ${e.chipsNeeded})`,
  ];
}

/** One line per hint: code, message, and the saving on each target that gains. */
function hintLine(h: Hint): string {
  const gains = h.savings
    .filter((x) => x.verdict === 'gain')
    .map((x) => `${x.target} −${formatSeconds(x.seconds)} (${x.baselineSeconds > 0 ? Math.round((x.seconds / x.baselineSeconds) * 100) : 0}%)`);
  return `  [${h.severity}] ${h.code}: ${h.message}${gains.length ? `\n      saves ${gains.join(', ')}` : ''}`;
}

function estimateNotes(estimates: readonly ModelEstimate[]): string[] {
  const lines: string[] = [];
  for (const e of estimates) {
    if (e.notEstimatedNodes > 0) lines.push(`  ${e.target}: ${e.notEstimatedNodes} nodes not timed (${e.notEstimatedOpTypes.join(', ')}): latency is a lower bound`);
    if (e.precisionFallbackNodes > 0) lines.push(`  ${e.target}: ${e.precisionFallbackNodes} nodes run in a fallback precision`);
  }
  return lines;
}

export function renderTable(report: ProfileReport, options: RenderOptions): string {
  const out: string[] = [];
  const summary = summaryLines(report);
  const w = Math.max(...summary.map(([k]) => k.length));
  out.push(...summary.map(([k, v]) => `${k.padEnd(w)}  ${v}`), '');
  if (report.estimates?.length) {
    out.push(`Hardware estimates (batch ${report.estimates[0].batch})`);
    out.push(table(ESTIMATE_HEADERS, report.estimates.map(estimateRow), new Set([2, 3, 4, 5, 7])));
    out.push(...estimateNotes(report.estimates), '');
  }
  if (report.llm) {
    const l = report.llm;
    out.push(`LLM serving (decoder with a KV cache: ${l.promptTokens} prompt + ${l.outputTokens} generated tokens per request, batch ${l.estimates[0]?.batch ?? 1})`);
    out.push(table(LLM_HEADERS, l.estimates.map(llmRow), new Set([1, 2, 3, 4, 5, 6])), '');
  }
  if (report.sweep?.length) {
    out.push(`Sweep of ${report.sweep[0].dim} (throughput per second | $ per 1M)`);
    const targets = report.sweep[0].estimates.map((e) => e.target);
    out.push(
      table(
        [report.sweep[0].dim, ...targets],
        report.sweep.map((p) => [String(p.value), ...p.estimates.map((e) => `${formatScaled(e.throughputPerSecond, '')} | ${e.costPerMillionUsd === null ? '—' : `$${e.costPerMillionUsd.toFixed(3)}`}${e.fits ? '' : ` (${e.chipsNeeded} chips)`}`)]),
        new Set(targets.map((_, i) => i + 1)),
      ),
      '',
    );
  }
  if (report.calibration) out.push(...calibrationLines(report.calibration, options.top), '');
  if (report.hints?.length) {
    out.push(`Hints (${report.hints.length}, by saving)`);
    out.push(...report.hints.slice(0, options.top).map(hintLine));
    if (report.hints.length > options.top) out.push(`  … ${report.hints.length - options.top} more (--top, or --format json)`);
    out.push('');
  }
  out.push(`Top ${options.top} nodes by FLOPs`);
  out.push(table(['node', 'op', 'FLOPs', 'params', 'bytes', 'FLOP/B', 'output shapes'], topNodes(report, options.top).map(nodeRow), new Set([2, 3, 4, 5])), '');
  out.push('By op type');
  out.push(
    table(
      ['op', 'count', 'FLOPs', 'share', 'params', 'bytes'],
      report.opTypes.map((o) => [o.domain ? `${o.domain}.${o.opType}` : o.opType, String(o.count), formatScaled(o.flops, 'FLOP'), `${(o.flopsShare * 100).toFixed(1)}%`, formatScaled(o.params, ''), formatBytes(Number(o.bytesRead) + Number(o.bytesWritten))]),
      new Set([1, 2, 3, 4, 5]),
    ),
    '',
  );
  const modules: string[][] = [];
  moduleRows(report.modules, 0, modules);
  if (modules.length) {
    out.push('By module');
    out.push(table(['module', 'nodes', 'FLOPs', 'params'], modules, new Set([1, 2, 3])), '');
  }
  const problems = report.diagnostics.filter((d) => d.severity !== 'info');
  if (problems.length) {
    out.push(`Diagnostics (${problems.length})`);
    out.push(...problems.slice(0, 20).map((d) => `  ${d.severity}: ${d.message}`));
    if (problems.length > 20) out.push(`  … ${problems.length - 20} more (see --format json)`);
  }
  return `${out.join('\n')}\n`;
}

export function renderMarkdown(report: ProfileReport, options: RenderOptions): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out: string[] = [`# Profile of \`${esc(report.model.path)}\``, ''];
  out.push('| | |', '|---|---|', ...summaryLines(report).map(([k, v]) => `| ${k} | ${esc(v)} |`), '');
  if (report.estimates?.length) {
    out.push(`## Hardware estimates (batch ${report.estimates[0].batch})`, '', `| ${ESTIMATE_HEADERS.join(' | ')} |`, `|${ESTIMATE_HEADERS.map(() => '---').join('|')}|`);
    out.push(...report.estimates.map((e) => `| ${estimateRow(e).map(esc).join(' | ')} |`), '');
  }
  out.push(`## Top ${options.top} nodes by FLOPs`, '', '| node | op | FLOPs | params | bytes | FLOP/B | output shapes |', '|---|---|--:|--:|--:|--:|---|');
  out.push(...topNodes(report, options.top).map((n) => `| ${nodeRow(n).map(esc).join(' | ')} |`), '');
  out.push('## By op type', '', '| op | count | FLOPs | share |', '|---|--:|--:|--:|');
  out.push(...report.opTypes.map((o) => `| ${esc(o.domain ? `${o.domain}.${o.opType}` : o.opType)} | ${o.count} | ${formatScaled(o.flops, 'FLOP')} | ${(o.flopsShare * 100).toFixed(1)}% |`), '');
  return `${out.join('\n')}\n`;
}

const LISTED_PRECISIONS: readonly Precision[] = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'];

/** The hardware catalog: stable ids with their headline figures (json: the entries with sources). */
export function renderHardware(entries: readonly HardwareEntry[], format: 'table' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(entries, null, 2)}\n`;
  const rows = entries.map((e) => [
    e.id,
    e.deviceClass,
    e.name,
    ...LISTED_PRECISIONS.map((p) => (e.peakFlopsPerSecond[p] ? formatScaled(e.peakFlopsPerSecond[p]!.value, '') : '—')),
    formatBytes(e.memoryBytes.value),
    `${formatBytes(e.memoryBandwidthBytesPerSecond.value)}/s`,
    e.powerWatts ? `${e.powerWatts.value} W` : '—',
    e.price ? `$${e.price.usdPerHour.toFixed(2)}` : '—',
  ]);
  return `${table(['id', 'class', 'name', ...LISTED_PRECISIONS.map((p) => `${p} FLOP/s`), 'memory', 'bandwidth', 'power', '$/h'], rows, new Set([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]))}\n(dense peak figures; sources: onnx-profile hardware --format json)\n`;
}
