/**
 * Local view-side type for 'report/show'.hints (protocol: `unknown`). Accepts src/core/hints `Hint[]`
 * (savings: TargetSaving[] with verdict/seconds/baselineSeconds/usdPerMillion/bytes/chips) or { hints: Hint[] },
 * and looser shapes: nodes as indices or names; savings as { [target]: fraction | {latencySeconds?,
 * latencyFraction?, costPerMillionUsd?, bytes?} }. Malformed hints are skipped.
 */
import type { NodeReport } from '../../src/core/report/reportTypes';
import { formatBytes, formatSeconds } from '../../src/core/report/units';

export interface HintSaving {
  readonly target: string;
  readonly text: string;
  readonly latencyFraction?: number;
}

export interface HintView {
  readonly id: number;
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly explanation: string;
  readonly nodes: readonly number[];
  readonly savings: readonly HintSaving[];
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function savingText(v: unknown): { text: string; latencyFraction?: number } | null {
  if (finite(v)) return v <= 1 ? { text: `−${(v * 100).toFixed(0)} % latency`, latencyFraction: v } : { text: `−${formatSeconds(v)}` };
  if (!isRec(v)) return null;
  // src/core/hints TargetSaving: {verdict, reason?, seconds, baselineSeconds, usdPerMillion, bytes, chipsBefore, chipsAfter}
  if (v.verdict === 'none') return { text: typeof v.reason === 'string' && v.reason ? `no gain (${v.reason})` : 'no gain' };
  if (finite(v.seconds)) {
    const parts: string[] = [];
    const latencyFraction = finite(v.baselineSeconds) && v.baselineSeconds > 0 ? v.seconds / v.baselineSeconds : undefined;
    parts.push(latencyFraction !== undefined ? `−${(latencyFraction * 100).toFixed(0)} % latency (${formatSeconds(v.seconds)})` : `−${formatSeconds(v.seconds)}`);
    if (finite(v.usdPerMillion) && v.usdPerMillion !== 0) parts.push(`−$${v.usdPerMillion.toPrecision(3)}/1M`);
    if (finite(v.bytes) && v.bytes !== 0) parts.push(`${v.bytes > 0 ? '−' : '+'}${formatBytes(Math.abs(v.bytes))} memory`);
    if (finite(v.chipsBefore) && finite(v.chipsAfter) && v.chipsBefore !== v.chipsAfter) parts.push(`chips ${v.chipsBefore} → ${v.chipsAfter}`);
    return { text: parts.join(', '), latencyFraction };
  }
  const parts: string[] = [];
  let latencyFraction: number | undefined;
  if (finite(v.latencyFraction)) {
    latencyFraction = v.latencyFraction;
    parts.push(`−${(v.latencyFraction * 100).toFixed(0)} % latency`);
  }
  if (finite(v.latencySeconds)) parts.push(`−${formatSeconds(v.latencySeconds)}`);
  if (finite(v.costPerMillionUsd)) parts.push(`−$${v.costPerMillionUsd.toPrecision(3)}/1M`);
  if (finite(v.joulesPerInference)) parts.push(`−${v.joulesPerInference.toPrecision(3)} J`);
  if (finite(v.bytes)) parts.push(`−${formatBytes(v.bytes)}`);
  if (finite(v.memoryBytes)) parts.push(`−${formatBytes(v.memoryBytes)} memory`);
  return parts.length ? { text: parts.join(', '), latencyFraction } : null;
}

export function normalizeHints(raw: unknown, nodes: readonly NodeReport[]): HintView[] {
  const list = Array.isArray(raw) ? raw : isRec(raw) && Array.isArray(raw.hints) ? raw.hints : null;
  if (!list) return [];
  let byName: Map<string, number> | undefined;
  const out: HintView[] = [];
  list.forEach((h, id) => {
    if (!isRec(h) || typeof h.code !== 'string' || typeof h.message !== 'string') return;
    const severity = h.severity === 'error' || h.severity === 'warning' ? h.severity : 'info';
    const idx: number[] = [];
    if (Array.isArray(h.nodes)) {
      for (const n of h.nodes) {
        if (finite(n)) idx.push(n);
        else if (typeof n === 'string') {
          byName ??= new Map(nodes.map((x) => [x.name, x.index]));
          const i = byName.get(n);
          if (i !== undefined) idx.push(i);
        }
      }
    }
    const savings: HintSaving[] = [];
    if (Array.isArray(h.savings)) {
      for (const sv of h.savings) if (isRec(sv) && typeof sv.target === 'string') {
        const t = savingText(sv);
        if (t) savings.push({ target: sv.target, ...t });
      }
    } else if (isRec(h.savings)) {
      for (const [target, sv] of Object.entries(h.savings)) {
        const t = savingText(sv);
        if (t) savings.push({ target, ...t });
      }
    }
    out.push({ id, code: h.code, severity, message: h.message, explanation: typeof h.explanation === 'string' ? h.explanation : '', nodes: idx, savings });
  });
  return out;
}
