/** The Markdown summary (the CLI's `--format md` and the extension's Markdown export). */
import type { AnalysisReport } from '../pipeline/analysisTypes';
import { formatScaled } from '../report/units';
import { ESTIMATE_HEADERS, estimateRow, NODE_HEADERS, nodeRow, summaryLines, topNodes } from './text';

export function renderMarkdown(report: AnalysisReport, options: { readonly top: number }): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const row = (cells: readonly string[]) => `| ${cells.map(esc).join(' | ')} |`;
  const out: string[] = [`# Profile of \`${esc(report.model.path)}\``, ''];
  out.push('| | |', '|---|---|', ...summaryLines(report).map(([k, v]) => row([k, v])), '');
  if (report.whatIf?.applied.length) {
    out.push('What-if applied (figures are after these changes):', '', ...report.whatIf.applied.map((a) => `- \`${a.id}\` on ${a.targets.join(', ') || 'no target'}: ${a.message}`), '');
  }
  if (report.estimates?.length) {
    out.push(`## Hardware estimates (batch ${report.estimates[0].batch})`, '', row(ESTIMATE_HEADERS), `|${ESTIMATE_HEADERS.map(() => '---').join('|')}|`);
    out.push(...report.estimates.map((e) => row(estimateRow(e))), '');
  }
  out.push(`## Top ${options.top} nodes by FLOPs`, '', row(NODE_HEADERS), '|---|---|--:|--:|--:|--:|---|');
  out.push(...topNodes(report, options.top).map((n) => row(nodeRow(n))), '');
  out.push('## By op type', '', '| op | count | FLOPs | share |', '|---|--:|--:|--:|');
  out.push(...report.opTypes.map((o) => row([o.domain ? `${o.domain}.${o.opType}` : o.opType, String(o.count), formatScaled(o.flops, 'FLOP'), `${(o.flopsShare * 100).toFixed(1)}%`])), '');
  return `${out.join('\n')}\n`;
}
