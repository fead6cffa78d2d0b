/**
 * Report exports: JSON (the report as the CLI prints it), CSV, Markdown, and a Netron attachment.
 *
 * The Netron attachment is the JSON sidecar Netron reads when it is opened next to a model
 * (signature 'netron:attachment'): `metadata` and `metrics` lists of
 * { kind: 'model' | 'graph' | 'node' | 'value' | 'tensor', target: <name>, name, value, type? }, matched by
 * kind and the entity's name (first line); model and graph rows use target ''. Netron shows them in
 * the sidebar's Metadata / Metrics sections. Unnamed nodes cannot be targeted and are left out.
 */
import type { AnalysisReport } from '../core/pipeline/analysisTypes';
import { renderReport } from '../core/render';
import { countToNumber, type ProfileReport } from '../core/report/reportTypes';
import { formatBytes, formatScaled, formatSeconds } from '../core/report/units';
import { nodeSecondsByIndex, type EstimatesPayload } from '../protocol/payloads';

export type ExportFormat = 'json' | 'csv' | 'md' | 'netron';

export interface NetronAttachmentItem {
  readonly kind: 'model' | 'graph' | 'node' | 'value' | 'tensor';
  readonly target: string;
  readonly name: string;
  readonly value: string | number;
  readonly type?: string;
}

export interface NetronAttachment {
  readonly signature: 'netron:attachment';
  readonly metadata: NetronAttachmentItem[];
  readonly metrics: NetronAttachmentItem[];
}

export function netronAttachment(report: ProfileReport, estimates?: EstimatesPayload): NetronAttachment {
  const metadata: NetronAttachmentItem[] = [];
  const metrics: NetronAttachmentItem[] = [];
  const t = report.totals;
  const model = (name: string, value: string | number) => metrics.push({ kind: 'model', target: '', name, value, type: 'attribute' });
  model('flops', countToNumber(t.flops));
  model('macs', countToNumber(t.macs));
  model('parameters', countToNumber(t.params));
  model('weight bytes', countToNumber(t.weightBytes));
  model('peak activation bytes', countToNumber(t.peakActivationBytes));
  metadata.push({ kind: 'model', target: '', name: 'profiled by', value: `${report.tool.name} ${report.tool.version}` });
  if (Object.keys(report.bindings).length) {
    metadata.push({ kind: 'model', target: '', name: 'bindings', value: Object.entries(report.bindings).map(([k, v]) => `${k}=${v}`).join(', ') });
  }
  const best = estimates?.targets.find((e) => e.target === estimates.bestTarget);
  if (best) model(`latency on ${best.target}`, formatSeconds(best.latencySeconds));
  const bestSeconds = nodeSecondsByIndex(best && estimates?.nodeTimes[best.target]);
  const seen = new Set<string>();
  for (const n of report.nodes) {
    // Only main-graph nodes with their own name: Netron matches by name; generated labels match nothing.
    if (n.graphPath !== '' || seen.has(n.name)) continue;
    if (!n.name || /^[A-Za-z][A-Za-z0-9]*_\d+$/.test(n.name) && n.name.startsWith(`${n.opType}_`)) continue;
    if (n.name.includes('\n')) continue;
    seen.add(n.name);
    const node = (name: string, value: string | number, type = 'attribute') => metrics.push({ kind: 'node', target: n.name, name, value, type });
    if (n.status === 'costed') {
      node('flops', countToNumber(n.flops));
      node('macs', countToNumber(n.macs));
    } else {
      metadata.push({ kind: 'node', target: n.name, name: 'cost', value: n.status === 'uncovered' ? 'no cost rule for this op' : 'unknown (input shapes unknown)' });
    }
    if (countToNumber(n.params) > 0) node('parameters', countToNumber(n.params));
    node('bytes read', countToNumber(n.bytesRead));
    node('bytes written', countToNumber(n.bytesWritten));
    if (n.arithmeticIntensity !== null) node('arithmetic intensity', Number(n.arithmeticIntensity.toFixed(3)));
    const s = bestSeconds.get(n.index);
    if (best && s !== undefined) node(`time on ${best.target}`, formatSeconds(s));
    if (n.flopsExpression) metadata.push({ kind: 'node', target: n.name, name: 'flops (symbolic)', value: n.flopsExpression });
  }
  return { signature: 'netron:attachment', metadata, metrics };
}

/** The export of an analysed report: JSON, CSV and Markdown as the CLI prints them for the same options. */
export function renderExport(format: ExportFormat, report: AnalysisReport, estimates?: EstimatesPayload): string {
  return format === 'netron' ? `${JSON.stringify(netronAttachment(report, estimates), null, 2)}\n` : renderReport(report, format, { top: 50 });
}

/** Default file name next to the model: model.profile.json, model.profile.csv, model.profile.md, model.attachment.json. */
export function exportFileName(modelBase: string, format: ExportFormat): string {
  const stem = modelBase.replace(/\.onnx$/i, '');
  return format === 'netron' ? `${stem}.attachment.json` : `${stem}.profile.${format}`;
}

/** Short human summary used by the status bar and CodeLens. */
export function flopsText(v: number | string, unit: 'flops' | 'macs' = 'flops'): string {
  return formatScaled(v, unit === 'macs' ? 'MAC' : 'FLOP');
}

export { formatBytes, formatScaled, formatSeconds };
