/** One CSV row per node (the CLI's `--format csv` and the extension's CSV export). */
import type { LayerTimes } from '../pipeline/analysisTypes';
import { notesByNode } from '../pipeline/layerNotes';
import type { ProfileReport } from '../report/reportTypes';
import { formatShape } from '../report/units';

const CSV_COLUMNS = ['index', 'name', 'opType', 'domain', 'graphPath', 'status', 'flops', 'macs', 'params', 'weightBytes', 'bytesRead', 'bytesWritten', 'arithmeticIntensity', 'computeDtype', 'outputShapes'] as const;

/**
 * The nodes' columns, then per target (`layerTimes`) each layer's `seconds@TARGET`, `bound@TARGET` and `notes@TARGET`
 * (the estimator's notes on it, joined by '; '), empty where it has none.
 */
export function renderCsv(report: ProfileReport & { readonly layerTimes?: Readonly<Record<string, LayerTimes>> }): string {
  const targets = Object.entries(report.layerTimes ?? {}).map(([target, t]) => ({ target, t, at: new Map(t.nodeIndex.map((index, i) => [index, i])), notes: notesByNode(t.notes) }));
  const rows = [[...CSV_COLUMNS, ...targets.flatMap(({ target }) => [`seconds@${target}`, `bound@${target}`, `notes@${target}`])].map(csvField).join(',')];
  for (const n of report.nodes) {
    const values = CSV_COLUMNS.map((c) => (c === 'outputShapes' ? n.outputs.map((o) => formatShape(o.shape)).join(' ') : String(n[c] ?? '')));
    const times = targets.flatMap(({ t, at, notes }) => {
      const i = at.get(n.index);
      return i === undefined || n.graphPath !== '' ? ['', '', ''] : [String(t.seconds[i]), t.bound[i], (notes.get(n.index) ?? []).join('; ')];
    });
    rows.push([...values, ...times].map(csvField).join(','));
  }
  return `${rows.join('\n')}\n`;
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
