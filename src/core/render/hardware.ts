/** The hardware catalog as a table (ids with headline figures) or JSON (the entries with their sources). */
import { notEstimableReason } from '../estimate/modelEstimate';
import type { HardwareEntry, Precision } from '../hardware/hardwareTypes';
import { formatBytes, formatScaled } from '../report/units';
import { table } from './text';

const LISTED_PRECISIONS: readonly Precision[] = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'];

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
  const numeric = new Set(rows[0]?.map((_, i) => i).filter((i) => i >= 3) ?? []);
  const unestimable = entries.filter((e) => notEstimableReason(e) !== undefined).map((e) => e.id);
  const footnote = unestimable.length ? `\nnot estimated (no compute peak in any precision; listed for reference): ${unestimable.join(', ')}` : '';
  return `${table(['id', 'class', 'name', ...LISTED_PRECISIONS.map((p) => `${p} FLOP/s`), 'memory', 'bandwidth', 'power', '$/h'], rows, numeric)}\n(dense peak figures; sources: onnx-profile hardware --format json)${footnote}\n`;
}
