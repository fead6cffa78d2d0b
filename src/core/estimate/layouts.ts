/**
 * The names the estimator's multi-chip layouts and its MoE routing knob go by, for the estimator, the
 * protocol and the views alike (parallelLayout.ts and moeServing.ts hold the models). Data only: no imports.
 */

/** One chip; every node split over the chips (Megatron); or an MoE model's experts spread over them. */
export type ParallelLayout = 'single' | 'tensor-parallel' | 'expert-parallel';

export const PARALLEL_LAYOUTS: readonly ParallelLayout[] = ['single', 'tensor-parallel', 'expert-parallel'];

/** Default MoE routing skew (the Zipf exponent of expert popularity): uniform routing. */
export const DEFAULT_MOE_SKEW = 0;
/** The largest skew accepted (2 already sends most tokens to a handful of experts). */
export const MAX_MOE_SKEW = 4;

/** A routing skew a user may set: a number from 0 to MAX_MOE_SKEW. */
export function isMoeSkew(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_MOE_SKEW;
}
