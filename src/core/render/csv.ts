/** One CSV row per node (the CLI's `--format csv` and the extension's CSV export). */
import type { ProfileReport } from '../report/reportTypes';
import { formatShape } from '../report/units';

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
