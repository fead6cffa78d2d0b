/** The views' reading of 'report/show'.hints (HintPayload, validated by the protocol): texts for each saving. */
import type { HintPayload } from '../../src/protocol/messages';
import type { TargetSaving } from '../../src/core/hints/hintTypes';
import { formatBytes, formatPercent, formatSeconds } from '../../src/core/report/units';

/**
 * One saving in words: "−31 % latency (1.20 ms), −$0.012/1M, chips 2 → 1", or why there is none. A change that
 * drops chips can be a gain with a longer call ("+5 % latency (+0.30 ms), −$200/1M, chips 19 → 10").
 */
export function savingText(s: TargetSaving): string {
  if (s.verdict === 'none') return s.reason ? `no gain (${s.reason})` : 'no gain';
  const sign = s.seconds >= 0 ? '−' : '+';
  const parts = [s.baselineSeconds > 0 ? `${sign}${formatPercent(s.seconds / s.baselineSeconds)} % latency (${s.seconds >= 0 ? '' : '+'}${formatSeconds(Math.abs(s.seconds))})` : `${sign}${formatSeconds(Math.abs(s.seconds))}`];
  if (s.usdPerMillion !== null && s.usdPerMillion !== 0) parts.push(`−$${s.usdPerMillion.toPrecision(3)}/1M`);
  if (s.bytes !== 0) parts.push(`${s.bytes > 0 ? '−' : '+'}${formatBytes(Math.abs(s.bytes))} memory`);
  if (s.chipsBefore !== s.chipsAfter) parts.push(`chips ${s.chipsBefore} → ${s.chipsAfter}`);
  return parts.join(', ');
}

/** Hints by the nodes they name. */
export function hintsByNode(hints: readonly HintPayload[]): Map<number, HintPayload[]> {
  const out = new Map<number, HintPayload[]>();
  for (const x of hints) for (const i of x.nodes) (out.get(i) ?? out.set(i, []).get(i)!).push(x);
  return out;
}

/** The row-badge severity of a hint's severity. */
export function badgeSeverity(severity: HintPayload['severity']): 'warning' | 'info' {
  return severity === 'high' ? 'warning' : 'info';
}
