/**
 * The words every front end uses for a mixture-of-experts model and its serving figures: the CLI table, the
 * Markdown export, the editor's MoE card and the hardware views. Pure.
 */
import type { ModelEstimate, MoeServingEstimate } from '../estimate/modelEstimate';
import type { ParallelLayout } from '../estimate/layouts';
import type { BigCount, MoeReport } from '../report/reportTypes';
import { formatBytes, formatSeconds } from '../report/units';

/** A parameter count the way model cards write it: 671 B, 37.6 B, 1.03 T, 46.7 B, 197 K. */
export function paramCount(value: BigCount | number): string {
  const v = typeof value === 'string' ? Number(value) : value;
  if (!Number.isFinite(v)) return '?';
  const scales: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [s, unit] of scales) {
    if (Math.abs(v) >= s) {
      const x = v / s;
      return `${Number(x.toPrecision(3))} ${unit}`;
    }
  }
  return String(Math.round(v));
}

/** "256 experts, top-8 + 1 shared: 37.6 B of 671 B params active per token". */
export function moeHeadline(moe: MoeReport): string {
  const shared = moe.sharedExperts > 0 ? ` + ${moe.sharedExperts} shared` : '';
  return `${moe.experts} experts, top-${moe.topK}${shared}: ${paramCount(moe.activeParamsPerToken)} of ${paramCount(moe.totalParams)} params active per token`;
}

/** "58 MoE layers (fused); routed experts hold 97% of the params" and, for a dense export, its wasted work. */
export function moeDetail(moe: MoeReport): string {
  const kinds = [...new Set(moe.layers.map((l) => l.kind))].join('/');
  const total = Number(moe.totalParams);
  const share = total > 0 ? Math.round((Number(moe.expertParams) / total) * 100) : 0;
  const executed = Number(moe.expertFlopsExecuted);
  const sparse = Number(moe.expertFlopsSparse);
  const dense = sparse > 0 && executed > sparse * 1.0001 ? `; as exported it runs ${(executed / sparse).toFixed(1)}× the expert FLOPs top-k dispatch needs` : '';
  return `${moe.layers.length} MoE layer${moe.layers.length > 1 ? 's' : ''} (${kinds}); routed experts hold ${share}% of the params${dense}`;
}

/** "1 chip", "tensor-parallel × 19", "expert-parallel × 37" (several chips without a layout named: tensor-parallel). */
export function layoutText(e: { readonly layout?: ParallelLayout; readonly chips: number }): string {
  return e.chips <= 1 ? '1 chip' : `${e.layout === 'expert-parallel' ? 'expert-parallel' : 'tensor-parallel'} × ${e.chips}`;
}

/** Short form for narrow columns: "1", "TP 19", "EP 37". */
export function layoutShort(e: { readonly layout?: ParallelLayout; readonly chips: number }): string {
  return e.chips <= 1 ? '1' : `${e.layout === 'expert-parallel' ? 'EP' : 'TP'} ${e.chips}`;
}

/** "8 of 256 experts per layer per call" (one decimal when the expectation is fractional). */
export function expertsTouchedText(m: Pick<MoeServingEstimate, 'expertsTouchedPerLayer' | 'experts'>): string {
  const t = m.expertsTouchedPerLayer;
  const shown = Math.abs(t - Math.round(t)) < 0.05 ? String(Math.round(t)) : t.toFixed(1);
  return `${shown} of ${m.experts} experts per layer`;
}

/** "1 token touches", "64 tokens touch". */
export function tokensTouch(tokens: number): string {
  return tokens === 1 ? '1 token touches' : `${tokens} tokens touch`;
}

/** One line of an estimate's MoE serving figures: layout, experts touched, expert bytes read, all-to-all. */
export function moeServingLine(e: Pick<ModelEstimate, 'target' | 'layout' | 'chips' | 'moe'>): string | undefined {
  const m = e.moe;
  if (!m) return undefined;
  const skew = m.skew > 0 ? `routing skew ${m.skew}` : 'uniform routing';
  const parts = [
    `${e.target}: ${layoutText(e)}`,
    `${tokensTouch(m.routedTokens)} ${expertsTouchedText(m)} (${skew})`,
    `${formatBytes(m.expertWeightBytesRead)} of expert weights read per call`,
    ...(e.layout === 'expert-parallel' ? [`${m.expertsPerChip} experts per chip, all-to-all ${formatSeconds(m.allToAllSeconds)}`] : []),
  ];
  return parts.join(', ');
}
