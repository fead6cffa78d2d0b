/** The comparison against a baseline report as text rows, for the table and Markdown renderers. */
import type { BaselineComparison, LimitResult, MetricChange, NodeChange } from '../report/baseline';
import { formatBytes, formatJoules, formatPercent, formatScaled, formatSeconds, formatUsd } from '../report/units';

export const BASELINE_HEADERS = ['figure', 'target', 'baseline', 'this model', 'change'];

/** The section's title line. */
export function baselineTitle(c: BaselineComparison): string {
  return `Against baseline ${c.path} (${c.model}; ${c.tool}, schema ${c.schemaVersion})`;
}

/** One row per figure: the model's own first, then each target's. */
export function baselineRows(c: BaselineComparison): string[][] {
  return c.changes.map((m) => [m.metric, m.target ?? '', valueText(m.before, m.unit), valueText(m.after, m.unit), changeText(m)]);
}

/** The layer table's headers: with times on a target both reports carry, two more columns for them. */
export function baselineNodeHeaders(c: BaselineComparison): string[] {
  const on = c.nodes?.timedOn;
  return ['layer', 'op', 'change', 'FLOPs before', 'FLOPs after', 'bytes before', 'bytes after', ...(on ? [`time before (${on})`, `time after (${on})`] : [])];
}

/** What the node comparison found, in one line; undefined when a report had no nodes to compare. */
export function baselineNodeSummary(c: BaselineComparison, top: number): string | undefined {
  const n = c.nodes;
  if (!n) return undefined;
  const ways = ([[n.matchedByName, 'by name'], [n.matchedByShape, 'by shape'], [n.matchedByPosition, 'by position']] as const).filter(([count]) => count > 0);
  const matched = ways.length ? `layers paired ${ways.map(([count, how]) => `${count} ${how}`).join(', ')}` : 'no layer paired';
  const total = n.changed + n.added + n.removed;
  if (total === 0) return `layers: the same FLOPs and bytes${n.timedOn ? ` and times on ${n.timedOn}` : ''} (${matched})`;
  const shown = Math.min(top, n.largest.length);
  const by = n.timedOn ? `FLOPs, bytes moved and time on ${n.timedOn}` : 'FLOPs and bytes moved';
  return `layers that changed (${matched}): ${n.changed} changed, ${n.added} added, ${n.removed} removed; ${shown === total ? 'each' : `the ${shown} largest`} by share of ${by}:`;
}

/** The largest node changes, `top` of them, as table rows. */
export function baselineNodeRows(c: BaselineComparison, top: number): string[][] {
  const timed = c.nodes?.timedOn !== undefined;
  const time = (s: number | undefined) => (s === undefined ? '—' : formatSeconds(s));
  return (c.nodes?.largest ?? []).slice(0, top).map((n) => [n.baselineName ? `${n.name} (was ${n.baselineName})` : n.name, n.opType, n.kind, ...nodeFigures(n), ...(timed ? [time(n.secondsBefore), time(n.secondsAfter)] : [])]);
}

function nodeFigures(n: NodeChange): string[] {
  const flops = (v: number, present: boolean) => (present ? formatScaled(v, 'FLOP') : '—');
  const bytes = (v: number, present: boolean) => (present ? formatBytes(v) : '—');
  const before = n.kind !== 'added';
  const after = n.kind !== 'removed';
  return [flops(n.flopsBefore, before), flops(n.flopsAfter, after), bytes(n.bytesBefore, before), bytes(n.bytesAfter, after)];
}

/** The op types that changed (largest FLOP change first), the settings that differ and the limits, one line each. */
export function baselineNotes(c: BaselineComparison, top: number): string[] {
  const lines: string[] = [];
  if (c.opTypes.length) {
    const shown = c.opTypes.slice(0, top).map((o) => {
      const name = o.domain ? `${o.domain}.${o.opType}` : o.opType;
      const count = o.countBefore === o.countAfter ? `×${o.countAfter}` : `×${o.countBefore} → ×${o.countAfter}`;
      return `${name} ${count}, ${formatScaled(o.flopsBefore, 'FLOP')} → ${formatScaled(o.flopsAfter, 'FLOP')}`;
    });
    lines.push(`op types that changed: ${shown.join('; ')}${c.opTypes.length > top ? `; … ${c.opTypes.length - top} more` : ''}`);
  } else {
    lines.push('op types: the same counts and FLOPs');
  }
  lines.push(...c.settings.map((s) => `run differently: ${s}`));
  lines.push(...(c.limits ?? []).map(limitLine));
  return lines;
}

/** A change as a percentage, as the project writes shares (units.ts's formatPercent). */
function percent(fraction: number): string {
  return `${formatPercent(fraction)}%`;
}

function limitLine(r: LimitResult): string {
  const where = r.target ? ` on ${r.target}` : '';
  const by = r.worsened === null ? 'up from 0' : r.worsened > 0 ? `${percent(r.worsened)} worse` : r.worsened < 0 ? `${percent(-r.worsened)} better` : 'unchanged';
  return `limit ${r.limit}: ${r.metric}${where} ${by}, allowed ${percent(r.allowed)} worse: ${r.passed ? 'within' : 'EXCEEDED'}`;
}

function changeText(m: MetricChange): string {
  if (m.change === null) return m.before === 0 && m.after !== null ? 'new' : '—';
  if (m.change === 0) return '0%';
  return `${m.change > 0 ? '+' : '-'}${percent(Math.abs(m.change))}${m.worse ? ' (worse)' : ''}`;
}

function valueText(v: number | null, unit: string): string {
  if (v === null) return '—';
  switch (unit) {
    case 'flops':
      return formatScaled(v, 'FLOP');
    case 'macs':
      return formatScaled(v, 'MAC');
    case 'params':
      return formatScaled(v, '');
    case 'bytes':
    case 'bytesPerChip':
      return formatBytes(v);
    case 'percent':
      return `${v}%`;
    case 'seconds':
      return formatSeconds(v);
    case 'chips':
      return String(v);
    case 'usdPerMillionSamples':
    case 'usdPerMillionOutputTokens':
      return formatUsd(v);
    case 'joulesPerSample':
      return formatJoules(v);
    default:
      return formatScaled(v, '/s');
  }
}
