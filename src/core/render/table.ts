/** The CLI's default output: the summary, estimates, LLM serving, sweep, calibration, hints, top nodes, op types, modules, diagnostics. */
import type { CalibrationFit } from '../estimate/calibration';
import type { LlmEstimate } from '../estimate/llm';
import type { ModelEstimate } from '../estimate/modelEstimate';
import type { EfficiencyFactors } from '../estimate/roofline';
import type { AnalysisHint, AnalysisReport } from '../pipeline/analysisTypes';
import { groupDiagnostics } from '../report/diagnostics';
import type { ModuleNode } from '../report/reportTypes';
import { formatBytes, formatPercent, formatScaled, formatSeconds } from '../report/units';
import { BASELINE_HEADERS, baselineNodeHeaders, baselineNodeRows, baselineNodeSummary, baselineNotes, baselineRows, baselineTitle } from './baselineText';
import { expertsTouchedText, layoutText, moeServingLine, tokensTouch } from './moeText';
import { ESTIMATE_RELATIVE, LLM_RELATIVE, relativeLine, type RelativeFigures } from './relative';
import { ESTIMATE_HEADERS, estimateRow, estimatesTitle, kvCacheUnboundNote, nodeTable, notEstimatedLines, servingLines, summaryLines, table } from './text';

export interface RenderOptions {
  /** Layers, hints and calibration rows listed. */
  readonly top: number;
}

export function renderTable(report: AnalysisReport, options: RenderOptions): string {
  const out: string[] = [];
  const summary = summaryLines(report);
  const w = Math.max(...summary.map(([k]) => k.length));
  out.push(...summary.map(([k, v]) => `${k.padEnd(w)}  ${v}`), '');
  if (report.whatIf?.applied.length) {
    out.push('What-if applied (figures below are after these changes; hints are priced before them)');
    out.push(...report.whatIf.applied.map((a) => `  ${a.id} on ${a.targets.join(', ') || 'no target'}: ${a.message}`), '');
  }
  if (report.baseline) {
    out.push(baselineTitle(report.baseline));
    out.push(table(BASELINE_HEADERS, baselineRows(report.baseline), new Set([2, 3, 4])));
    out.push(...baselineNotes(report.baseline, options.top).map((l) => `  ${l}`), '');
    const layers = baselineNodeSummary(report.baseline, options.top);
    const rows = baselineNodeRows(report.baseline, options.top);
    if (layers) out.push(layers, ...(rows.length ? [table(baselineNodeHeaders(report.baseline), rows, new Set([3, 4, 5, 6, 7, 8]))] : []), '');
  }
  const notEstimated = notEstimatedLines(report).map((l) => `  ${l}`);
  if (report.estimates?.length) {
    out.push(estimatesTitle(report.estimates));
    out.push(table(ESTIMATE_HEADERS, report.estimates.map(estimateRow), new Set([2, 3, 4, 5, 8])));
    out.push(...(report.llm ? [] : servingLines(report.estimates, 'sample')), ...relativeLines(report.estimates, ESTIMATE_RELATIVE), ...estimateNotes(report.estimates), ...notEstimated, '');
  } else if (notEstimated.length) {
    out.push('Hardware estimates: none', ...notEstimated, '');
  }
  if (report.llm) {
    const l = report.llm;
    const batch = l.estimates.some((e) => e.serving) ? 'batch max: sequences in flight and chips chosen per target, below' : `batch ${l.estimates[0]?.batch ?? 1}`;
    const cache = l.kvCacheDtype ? `, KV cache in ${l.kvCacheDtype}` : '';
    out.push(`LLM serving (decoder with a KV cache: ${l.promptTokens} prompt + ${l.outputTokens} generated tokens per request, ${batch}${cache})`);
    out.push(table(LLM_HEADERS, l.estimates.map(llmRow), new Set([1, 2, 3, 4, 5])));
    const phaseDims = report.diagnostics.find((d) => d.code === 'llm-phase-dims');
    out.push(...servingLines(l.estimates, 'output token'), ...relativeLines(l.estimates, LLM_RELATIVE), ...llmMoeLines(l.estimates), ...(phaseDims ? [`  ${phaseDims.message}`] : []), '');
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
    out.push(`Hints (${report.hints.length}, by saving; --apply ID shows the estimates with a hint's change)`);
    out.push(...report.hints.slice(0, options.top).map(hintLine));
    if (report.hints.length > options.top) out.push(`  … ${report.hints.length - options.top} more (--top, or --format json)`);
    out.push('');
  }
  const nodes = nodeTable(report, options.top);
  out.push(nodes.title, table(nodes.headers, nodes.rows, nodes.numeric), '');
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
    const shown = groupDiagnostics(problems);
    out.push(`Diagnostics (${problems.length})`);
    out.push(...shown.slice(0, 20).map((d) => `  ${d.severity}: ${d.node ? `${d.node}: ` : ''}${d.message}`));
    if (shown.length > 20) out.push(`  … ${shown.length - 20} more lines (see --format json)`);
  }
  return `${out.join('\n')}\n`;
}

function moduleRows(m: ModuleNode, depth: number, rows: string[][]): void {
  for (const child of m.children) {
    rows.push([`${'  '.repeat(depth)}${child.name}`, String(child.nodeCount), formatScaled(child.flops, 'FLOP'), formatScaled(child.params, '')]);
    moduleRows(child, depth + 1, rows);
  }
}

/** The comparison against the reference target, indented under its table (nothing with one target). */
function relativeLines<T extends { readonly target: string }>(rows: readonly T[], figures: RelativeFigures<T>): string[] {
  const line = relativeLine(rows, figures);
  return line ? [`  ${line}`] : [];
}

function estimateNotes(estimates: readonly ModelEstimate[]): string[] {
  const kv = kvCacheUnboundNote(estimates);
  const lines: string[] = kv ? [`  ${kv}`] : [];
  // The same note on many targets (`--target accelerators`) is one line naming them.
  const byNote = new Map<string, string[]>();
  const note = (text: string, target: string) => byNote.set(text, [...(byNote.get(text) ?? []), target]);
  for (const e of estimates) {
    if (e.notEstimatedNodes > 0) note(`${e.notEstimatedNodes} nodes not timed (${e.notEstimatedOpTypes.join(', ')}): latency is a lower bound`, e.target);
    if (e.precisionFallbackNodes > 0) note(`${e.precisionFallbackNodes} nodes run in a fallback precision`, e.target);
  }
  lines.push(...[...byNote].map(([text, targets]) => `  ${targets.join(', ')}: ${text}`));
  for (const e of estimates) {
    const moe = moeServingLine(e);
    if (moe) lines.push(`  MoE ${moe}`);
  }
  return lines;
}

/** Per target, what the MoE serving model found for the decode step and the prefill. */
function llmMoeLines(estimates: readonly LlmEstimate[]): string[] {
  return estimates.flatMap((e) => {
    const d = e.decode.moe;
    const p = e.prefill.moe;
    if (!d || !p) return [];
    return [`  MoE ${e.target}: in a decode step ${tokensTouch(d.routedTokens)} ${expertsTouchedText(d)}, in the prefill ${tokensTouch(p.routedTokens)} ${expertsTouchedText(p)}; ${layoutText(e)}`];
  });
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
    e.chips <= 1 ? '1' : `${layoutText(e)}${e.chips > e.chipsNeeded ? ` (needs ${e.chipsNeeded})` : ''}`,
  ];
}

/** One line per hint: its id (what --apply takes), message, and the saving on each target that gains. */
function hintLine(h: AnalysisHint): string {
  const gains = h.savings.filter((x) => x.verdict === 'gain').map(savingWords);
  return `  [${h.severity}] ${h.id}: ${h.message}${gains.length ? `\n      saves ${gains.join(', ')}` : ''}`;
}

/** A gain in words: the latency saved, and the chips dropped (a change that frees memory can be slower yet cheaper). */
function savingWords(x: AnalysisHint['savings'][number]): string {
  const share = x.baselineSeconds > 0 ? formatPercent(x.seconds / x.baselineSeconds) : '0';
  if (x.chipsAfter === x.chipsBefore) return `${x.target} −${formatSeconds(x.seconds)} (${share}%)`;
  const chipSeconds = x.chipsBefore * x.baselineSeconds;
  const cheaper = chipSeconds > 0 ? Math.round((1 - (x.chipsAfter * (x.baselineSeconds - x.seconds)) / chipSeconds) * 100) : 0;
  const call = x.seconds >= 0 ? `−${formatSeconds(x.seconds)}` : `+${formatSeconds(-x.seconds)}`;
  return `${x.target} ${cheaper}% of the chip-seconds on ${x.chipsAfter} chips instead of ${x.chipsBefore} (each call ${call}, ${x.seconds >= 0 ? '−' : '+'}${share}%)`;
}
