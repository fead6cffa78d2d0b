/**
 * Text renderers of a report (table, CSV, Markdown, JSON) and of the hardware catalog. Pure: the CLI prints
 * them and the extension exports them, so both front ends write the same text.
 */
import type { AnalysisReport } from '../pipeline/analysisTypes';
import { renderCsv } from './csv';
import { renderMarkdown } from './markdown';
import { renderTable, type RenderOptions } from './table';

export { renderCsv } from './csv';
export { renderHardware } from './hardware';
export { renderMarkdown } from './markdown';
export { renderTable, type RenderOptions } from './table';

export type OutputFormat = 'table' | 'json' | 'csv' | 'md';

export function renderReport(report: AnalysisReport, format: OutputFormat, options: RenderOptions): string {
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
