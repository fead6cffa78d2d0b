/**
 * Repeated diagnostics, folded for people: a model can raise the same diagnostic on thousands of nodes
 * (unknown dims, one op type without a rule), which would drown the Problems panel and the CLI's table.
 * The JSON report keeps every diagnostic; the views show at most `keep` per code and one line with the
 * count of the rest.
 */
import { groupBy } from '../collections';
import type { ReportDiagnostic } from './reportTypes';

const SEVERITY_RANK: Readonly<Record<ReportDiagnostic['severity'], number>> = { error: 2, warning: 1, info: 0 };

/** The diagnostics in order, with each code's diagnostics after its first `keep` folded into one line. */
export function groupDiagnostics(diagnostics: readonly ReportDiagnostic[], keep = 3): ReportDiagnostic[] {
  const out: ReportDiagnostic[] = [];
  for (const [code, list] of groupBy(diagnostics, (d) => d.code)) {
    out.push(...list.slice(0, keep));
    const rest = list.slice(keep);
    if (rest.length === 0) continue;
    const severity = rest.reduce((s, d) => (SEVERITY_RANK[d.severity] > SEVERITY_RANK[s] ? d.severity : s), rest[0].severity);
    out.push({ severity, code, message: `${rest.length} more '${code}' diagnostic${rest.length === 1 ? '' : 's'} like the above (every one is in the JSON report)` });
  }
  return out;
}
