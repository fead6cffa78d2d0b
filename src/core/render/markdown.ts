/** The Markdown summary (the CLI's `--format md` and the extension's Markdown export). */
import type { AnalysisReport } from '../pipeline/analysisTypes';
import { formatScaled } from '../report/units';
import { BASELINE_HEADERS, baselineNodeHeaders, baselineNodeRows, baselineNodeSummary, baselineNotes, baselineRows, baselineTitle } from './baselineText';
import { moeServingLine, paramCount } from './moeText';
import { ESTIMATE_RELATIVE, relativeLine } from './relative';
import { ESTIMATE_HEADERS, estimateRow, estimatesTitle, kvCacheUnboundNote, nodeTable, notEstimatedLines, servingLines, summaryLines } from './text';

export function renderMarkdown(report: AnalysisReport, options: { readonly top: number }): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const row = (cells: readonly string[]) => `| ${cells.map(esc).join(' | ')} |`;
  const out: string[] = [`# Profile of \`${esc(report.model.path)}\``, ''];
  out.push('| | |', '|---|---|', ...summaryLines(report).map(([k, v]) => row([k, v])), '');
  if (report.whatIf?.applied.length) {
    out.push('What-if applied (figures are after these changes):', '', ...report.whatIf.applied.map((a) => `- \`${a.id}\` on ${a.targets.join(', ') || 'no target'}: ${a.message}`), '');
  }
  if (report.baseline) {
    out.push(`## ${esc(baselineTitle(report.baseline))}`, '', row(BASELINE_HEADERS), '|---|---|--:|--:|--:|', ...baselineRows(report.baseline).map(row), '');
    out.push(...baselineNotes(report.baseline, options.top).map((l) => `- ${esc(l)}`), '');
    const layers = baselineNodeSummary(report.baseline, options.top);
    const rows = baselineNodeRows(report.baseline, options.top);
    if (layers) out.push(esc(layers), '');
    const headers = baselineNodeHeaders(report.baseline);
    if (rows.length) out.push(row(headers), `|---|---|---|${headers.slice(3).map(() => '--:').join('|')}|`, ...rows.map(row), '');
  }
  if (report.estimates?.length) {
    out.push(`## ${estimatesTitle(report.estimates)}`, '', row(ESTIMATE_HEADERS), `|${ESTIMATE_HEADERS.map(() => '---').join('|')}|`);
    out.push(...report.estimates.map((e) => row(estimateRow(e))), '');
    const kv = kvCacheUnboundNote(report.estimates);
    if (kv) out.push(kv, '');
    const relative = relativeLine(report.estimates, ESTIMATE_RELATIVE);
    if (relative) out.push(relative, '');
    const serving = report.llm ? [] : servingLines(report.estimates, 'sample');
    if (serving.length) out.push(...serving.map((l) => `-${l.slice(1)}`), '');
    const moe = report.estimates.map(moeServingLine).filter((l): l is string => l !== undefined);
    if (moe.length) out.push('MoE serving (docs/estimator.md, "Mixture-of-experts serving"):', '', ...moe.map((l) => `- ${l}`), '');
  }
  const notEstimated = notEstimatedLines(report);
  if (notEstimated.length) out.push(...(report.estimates?.length ? [] : ['## Hardware estimates: none', '']), ...notEstimated.map((l) => `- ${esc(l)}`), '');
  if (report.moe) {
    out.push('## Mixture of experts', '', '| layer | kind | experts | top-k | shared | params per expert | tokens |', '|---|---|--:|--:|--:|--:|--:|');
    out.push(...report.moe.layers.map((l) => row([l.name, l.kind, String(l.experts), String(l.topK), String(l.sharedExperts), paramCount(l.paramsPerExpert), l.tokens === null ? '—' : String(l.tokens)])), '');
  }
  const nodes = nodeTable(report, options.top);
  out.push(`## ${esc(nodes.title)}`, '', row(nodes.headers), `|${nodes.headers.map((_, i) => (nodes.numeric.has(i) ? '--:' : '---')).join('|')}|`);
  out.push(...nodes.rows.map(row), '');
  out.push('## By op type', '', '| op | count | FLOPs | share |', '|---|--:|--:|--:|');
  out.push(...report.opTypes.map((o) => row([o.domain ? `${o.domain}.${o.opType}` : o.opType, String(o.count), formatScaled(o.flops, 'FLOP'), `${(o.flopsShare * 100).toFixed(1)}%`])), '');
  return `${out.join('\n')}\n`;
}
