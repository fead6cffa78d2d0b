/**
 * Each compared target against one reference, the question the hardware comparison answers ("how much faster, or
 * cheaper, than the H100 for my model?"): per-chip throughput and cost per million as multiples of the reference's.
 * One definition for the CLI's tables and the wide comparison's rows.
 */
import type { ModelEstimate } from '../estimate/modelEstimate';

/** The reference: the H100 SXM when it is compared (docs/validation.md's relative table uses it), else the first target; none with fewer than two. */
export function referenceTarget<T extends { readonly target: string }>(rows: readonly T[]): T | undefined {
  if (rows.length < 2) return undefined;
  return rows.find((r) => r.target === 'h100-sxm') ?? rows[0];
}

/** `value / reference`, or null when either is missing or not finite, or the reference is not positive. */
export function ratioTo(value: number | null, reference: number | null): number | null {
  return value !== null && reference !== null && Number.isFinite(value) && Number.isFinite(reference) && reference > 0 ? value / reference : null;
}

export interface RelativeFigures<T> {
  /** Throughput per chip (samples or output tokens per second), as MLPerf and the validation compare accelerators. */
  readonly perChip: (t: T) => number | null;
  /** US dollars per million (inferences or output tokens); null without a price. */
  readonly cost: (t: T) => number | null;
}

/** `2.29×`, three significant digits; `n/a` without a value. */
export function timesText(v: number | null): string {
  return v === null ? 'n/a' : `${Number(v.toPrecision(3))}×`;
}

/** One line naming each other target's speed-up per chip and cost multiple against the reference; undefined with fewer than two targets. */
export function relativeLine<T extends { readonly target: string }>(rows: readonly T[], figures: RelativeFigures<T>): string | undefined {
  const reference = referenceTarget(rows);
  if (!reference) return undefined;
  const others = rows.filter((r) => r !== reference).map((r) => `${r.target} ${timesText(ratioTo(figures.perChip(r), figures.perChip(reference)))}, ${timesText(ratioTo(figures.cost(r), figures.cost(reference)))}`);
  return `Against ${reference.target} (throughput per chip, $ per 1M): ${others.join('; ')}`;
}

/** The figures compared for a model's estimates (samples) and for a decoder's LLM estimates (output tokens). */
export const ESTIMATE_RELATIVE: RelativeFigures<ModelEstimate> = { perChip: (e) => e.throughputPerChipPerSecond, cost: (e) => e.costPerMillionUsd };
// Over the two fields only, nullable as the views' LLM payload carries them, so the CLI and the views share the pair.
export const LLM_RELATIVE: RelativeFigures<{ readonly tokensPerSecondPerChip: number | null; readonly costPerMillionTokensUsd: number | null }> = {
  perChip: (e) => e.tokensPerSecondPerChip,
  cost: (e) => e.costPerMillionTokensUsd,
};
