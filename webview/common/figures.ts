/**
 * The figures the hardware views show per target, one definition each: the side panel shows the first
 * few, the wide comparison all of them. A column's `field` is the estimate's own field name (the cell's
 * data-field), so what a cell shows can be checked against the CLI's JSON field by field.
 */
import type { ModelEstimate } from '../../src/core/estimate/modelEstimate';
import type { ServingPlan } from '../../src/core/estimate/servingPlan';
import type { ParallelLayout } from '../../src/core/estimate/layouts';
import { layoutShort, layoutText } from '../../src/core/render/moeText';
import { ratioTo, referenceTarget, timesText, type RelativeFigures } from '../../src/core/render/relative';
import { formatSeconds } from '../../src/core/report/units';
import type { LlmEstimatePayload } from '../../src/protocol/messages';
import { bytes, compactJoules, compactSeconds, formatScaled, joules, percent, sig3, usd } from './format';

export interface FigureColumn<T> {
  /** The field of T the value comes from (or a derived name). */
  readonly field: string;
  /** Short header; `title` is the full name (tooltip, screen readers). */
  readonly label: string;
  readonly title: string;
  /** The raw value (data-value); null when the target has none (no price, no power). */
  readonly value: (t: T, binary: boolean) => number | null;
  readonly text: (t: T, binary: boolean) => string;
  /** Which way is better, for the "best" mark and the default sort direction; null: neither. */
  readonly better: 'low' | 'high' | null;
  /** Shown only when this holds for the rows (MoE figures for an MoE model); default always. */
  readonly when?: (rows: readonly T[]) => boolean;
}

/**
 * How the deployment is laid out: with batch max the serving search's copies × the layout of one copy ("4 × TP 2",
 * "8 × 1 chip", idle chips named), else the one copy's layout ("tensor-parallel × 2", "expert-parallel × 8").
 */
export function deploymentText(e: { readonly chips: number; readonly layout?: ParallelLayout; readonly serving?: ServingPlan }): string {
  const p = e.serving;
  if (!p) return layoutText(e);
  const copy = p.chipsPerInstance <= 1 ? '1 chip' : layoutShort({ layout: e.layout, chips: p.chipsPerInstance });
  const idle = p.chips > p.instances * p.chipsPerInstance ? `, ${p.chips - p.instances * p.chipsPerInstance} idle` : '';
  return `${p.instances > 1 ? `${p.instances} × ` : ''}${copy}${idle}`;
}

/** Why the serving search stopped at its batch. */
export function servingLimitText(p: ServingPlan | undefined): string {
  if (!p) return '—';
  if (!p.fits) return p.chipsAsked !== undefined ? `needs ${p.chipsPerInstance} chips (${p.chipsAsked} asked)` : 'does not fit the chips';
  return p.limit === 'memory' ? 'memory' : p.limit === 'batch-cap' ? `batch cap (memory: ${p.maxBatchInMemory})` : 'a larger batch gains < 1%';
}

/** The columns that apply to these rows. */
export function columnsFor<T>(columns: readonly FigureColumn<T>[], rows: readonly T[]): FigureColumn<T>[] {
  return columns.filter((c) => !c.when || c.when(rows));
}

const hasMoe = (rows: readonly ModelEstimate[]) => rows.some((t) => t.moe !== undefined);

const finiteOrNull = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);

export const ESTIMATE_COLUMNS: readonly FigureColumn<ModelEstimate>[] = [
  { field: 'latencySeconds', label: 'Latency', title: 'Latency per inference call', value: (t) => t.latencySeconds, text: (t) => compactSeconds(t.latencySeconds), better: 'low' },
  { field: 'batch', label: 'Batch', title: 'Samples per call (with batch max: the batch chosen for this target)', value: (t) => t.batch, text: (t) => String(t.batch), better: null },
  { field: 'throughputPerSecond', label: 'Inf/s', title: 'Throughput (samples per second, all chips)', value: (t) => finiteOrNull(t.throughputPerSecond), text: (t) => formatScaled(t.throughputPerSecond, ''), better: 'high' },
  { field: 'costPerMillionUsd', label: '$/1M', title: 'US dollars per million inferences', value: (t) => t.costPerMillionUsd, text: (t) => usd(t.costPerMillionUsd), better: 'low' },
  { field: 'joulesPerInference', label: 'J/inf', title: 'Joules per inference', value: (t) => t.joulesPerInference, text: (t) => (t.joulesPerInference === null ? 'n/a' : joules(t.joulesPerInference)), better: 'low' },
  { field: 'fits', label: 'Fits', title: 'Fits on one chip (else: the chips it needs)', value: (t) => (t.fits ? 1 : 0), text: (t) => (t.fits ? 'yes' : `${t.chipsNeeded} chips`), better: null },
  { field: 'chipsNeeded', label: 'Chips needed', title: 'Chips the weights, activations and KV cache need', value: (t) => t.chipsNeeded, text: (t) => String(t.chipsNeeded), better: 'low' },
  { field: 'chips', label: 'Chips', title: 'Chips the estimate runs on', value: (t) => t.chips, text: (t) => String(t.chips), better: null },
  { field: 'layout', label: 'Layout', title: 'How the model is laid out over the chips: one chip, tensor-parallel, or expert-parallel (MoE), the cheaper that fits; with batch max, copies × the layout of one copy', value: (t) => t.serving?.chips ?? t.chips, text: (t) => deploymentText(t), better: null },
  { field: 'servingLimit', label: 'Batch limit', title: 'With batch max: what stopped the batch (memory full, the runtime batch cap, or a larger batch gains < 1%)', value: (t) => t.serving?.maxBatchInMemory ?? null, text: (t) => servingLimitText(t.serving), better: null },
  { field: 'moe.expertsTouchedPerLayer', label: 'Experts/call', title: 'MoE: expected distinct routed experts per layer that one call’s tokens touch (and read)', value: (t) => t.moe?.expertsTouchedPerLayer ?? null, text: (t) => (t.moe ? `${sig3(t.moe.expertsTouchedPerLayer)} of ${t.moe.experts}` : '—'), better: null, when: hasMoe },
  { field: 'moe.expertWeightBytesRead', label: 'Expert bytes', title: 'MoE: routed-expert weight bytes one call reads, all chips', value: (t) => t.moe?.expertWeightBytesRead ?? null, text: (t, b) => (t.moe ? bytes(t.moe.expertWeightBytesRead, b) : '—'), better: 'low', when: hasMoe },
  { field: 'moe.allToAllSeconds', label: 'All-to-all', title: 'MoE, expert-parallel: all-to-all dispatch and combine time inside the latency', value: (t) => (t.layout === 'expert-parallel' ? (t.moe?.allToAllSeconds ?? null) : null), text: (t) => (t.layout === 'expert-parallel' && t.moe ? formatSeconds(t.moe.allToAllSeconds) : '—'), better: 'low', when: hasMoe },
  { field: 'throughputPerChipPerSecond', label: 'Inf/s/chip', title: 'Throughput per chip', value: (t) => finiteOrNull(t.throughputPerChipPerSecond), text: (t) => formatScaled(t.throughputPerChipPerSecond, ''), better: 'high' },
  { field: 'computeBoundFraction', label: 'Compute-bound', title: 'Share of time in compute-bound layers', value: (t) => t.computeBoundFraction, text: (t) => percent(t.computeBoundFraction, 0), better: null },
  { field: 'utilisation', label: 'Busy', title: 'Average busy fraction of the roofline (drives the power model)', value: (t) => t.utilisation, text: (t) => percent(t.utilisation, 0), better: null },
  { field: 'memoryNeededBytes', label: 'Memory', title: 'Memory need: weights + activations + KV cache', value: (t) => t.memoryNeededBytes, text: (t, b) => bytes(t.memoryNeededBytes, b), better: 'low' },
  { field: 'weightBytes', label: 'Weights', title: 'Weight bytes at the run precision', value: (t) => t.weightBytes, text: (t, b) => bytes(t.weightBytes, b), better: 'low' },
  { field: 'activationBytes', label: 'Activations', title: 'Peak activation bytes', value: (t) => t.activationBytes, text: (t, b) => bytes(t.activationBytes, b), better: 'low' },
  { field: 'kvCacheBytes', label: 'KV cache', title: 'KV-cache bytes ("unbound": the cache\'s past length is not bound, so the memory leaves it out; bind it, or see LLM serving)', value: (t) => (t.kvCacheUnbound ? null : t.kvCacheBytes), text: (t, b) => (t.kvCacheUnbound ? 'unbound' : bytes(t.kvCacheBytes, b)), better: 'low' },
  { field: 'memoryUsableBytesPerChip', label: 'Usable/chip', title: 'Usable memory per chip (after headroom)', value: (t) => t.memoryUsableBytesPerChip, text: (t, b) => bytes(t.memoryUsableBytesPerChip, b), better: 'high' },
  { field: 'interconnectSeconds', label: 'Chip-to-chip', title: 'Chip-to-chip time inside the latency: tensor-parallel all-reduces or expert-parallel all-to-alls', value: (t) => t.interconnectSeconds, text: (t) => formatSeconds(t.interconnectSeconds), better: 'low' },
  { field: 'averagePowerWattsPerChip', label: 'W/chip', title: 'Average power per chip', value: (t) => t.averagePowerWattsPerChip, text: (t) => (t.averagePowerWattsPerChip === null ? 'n/a' : `${sig3(t.averagePowerWattsPerChip)} W`), better: null },
  { field: 'precisionFallbackNodes', label: 'Fallbacks', title: 'Layers run in a fallback precision (the device lacks the asked one)', value: (t) => t.precisionFallbackNodes, text: (t) => String(t.precisionFallbackNodes), better: 'low' },
  { field: 'notEstimatedNodes', label: 'Not timed', title: 'Layers without a cost (the latency is a lower bound)', value: (t) => t.notEstimatedNodes, text: (t) => String(t.notEstimatedNodes), better: 'low' },
];

/** The side panel's table (it fits a 300 px panel; energy is its chart; the wide comparison has the rest). */
export const PANEL_FIELDS: readonly string[] = ['latencySeconds', 'costPerMillionUsd', 'fits'];
/** With batch max the side panel also shows the batch each target got, and the layout. */
export const PANEL_SERVING_FIELDS: readonly string[] = ['batch', 'layout', 'throughputPerChipPerSecond', 'costPerMillionUsd'];

const secs = (v: number | null) => (v === null ? 'n/a' : compactSeconds(v));

export const LLM_COLUMNS: readonly FigureColumn<LlmEstimatePayload>[] = [
  { field: 'batch', label: 'Seqs', title: 'Sequences in flight (with batch max: chosen for this target)', value: (t) => t.batch, text: (t) => String(t.batch), better: null },
  { field: 'layout', label: 'Layout', title: 'Copies × the layout of one copy (batch max), or the one copy\'s layout over the chips the weights and KV cache need', value: (t) => t.serving?.chips ?? t.chips, text: (t) => deploymentText(t), better: null },
  { field: 'timeToFirstTokenSeconds', label: 'TTFT', title: 'Time to first token (prefill of the batch)', value: (t) => t.timeToFirstTokenSeconds, text: (t) => secs(t.timeToFirstTokenSeconds), better: 'low' },
  { field: 'timePerOutputTokenSeconds', label: 'TPOT', title: 'Time per output token (one decode step)', value: (t) => t.timePerOutputTokenSeconds, text: (t) => secs(t.timePerOutputTokenSeconds), better: 'low' },
  { field: 'tokensPerSecond', label: 'Tok/s', title: 'Output tokens per second (whole system)', value: (t) => t.tokensPerSecond, text: (t) => (t.tokensPerSecond === null ? 'n/a' : sig3(t.tokensPerSecond)), better: 'high' },
  { field: 'tokensPerSecondPerChip', label: 'Tok/s/chip', title: 'Output tokens per second per chip', value: (t) => t.tokensPerSecondPerChip, text: (t) => (t.tokensPerSecondPerChip === null ? 'n/a' : sig3(t.tokensPerSecondPerChip)), better: 'high' },
  { field: 'costPerMillionTokensUsd', label: '$/1M', title: 'US dollars per million output tokens', value: (t) => t.costPerMillionTokensUsd, text: (t) => usd(t.costPerMillionTokensUsd), better: 'low' },
  { field: 'joulesPerOutputToken', label: 'J/tok', title: 'Joules per output token', value: (t) => t.joulesPerOutputToken, text: (t) => (t.joulesPerOutputToken === null ? 'n/a' : compactJoules(t.joulesPerOutputToken)), better: 'low' },
  { field: 'chips', label: 'Chips', title: 'Chips the weights and KV cache need, and their layout: TP tensor-parallel, EP expert-parallel (MoE)', value: (t) => t.chips, text: (t) => layoutShort(t), better: null },
  {
    field: 'decodeExpertsTouchedPerLayer',
    label: 'Experts/step',
    title: 'MoE: expected distinct routed experts per layer that one decode step touches (the batch’s tokens)',
    value: (t) => t.decodeExpertsTouchedPerLayer ?? null,
    text: (t) => (t.decodeExpertsTouchedPerLayer == null ? '—' : sig3(t.decodeExpertsTouchedPerLayer)),
    better: null,
    when: (rows) => rows.some((t) => t.decodeExpertsTouchedPerLayer != null),
  },
];

/**
 * "How much faster, or cheaper, than the reference" (src/core/render/relative.ts) as the wide comparison's leading rows:
 * per chip, as MLPerf and the validation compare accelerators, so a 2-chip deployment is not 2× faster.
 */
export function relativeColumns<T extends { readonly target: string; readonly targetName: string }>(rows: readonly T[], figures: RelativeFigures<T>): FigureColumn<T>[] {
  const reference = referenceTarget(rows);
  if (!reference) return [];
  const name = `${reference.targetName} (${reference.target})`;
  const speed = (t: T) => ratioTo(figures.perChip(t), figures.perChip(reference));
  const cost = (t: T) => ratioTo(figures.cost(t), figures.cost(reference));
  return [
    { field: 'speedupPerChip', label: `Speed-up vs ${reference.target}`, title: `Throughput per chip over ${name}'s: 2× means one chip does the work of two of those`, value: speed, text: (t) => timesText(speed(t)), better: 'high' },
    { field: 'costRelative', label: `$ vs ${reference.target}`, title: `Cost per million over ${name}'s: 0.5× costs half as much`, value: cost, text: (t) => timesText(cost(t)), better: 'low' },
  ];
}

/** The side panel's LLM list. */
export const PANEL_LLM_FIELDS: readonly string[] = ['timeToFirstTokenSeconds', 'timePerOutputTokenSeconds', 'tokensPerSecond', 'costPerMillionTokensUsd', 'joulesPerOutputToken', 'chips'];
/** With batch max: the sequences and layout each target got, and per-chip throughput. */
export const PANEL_LLM_SERVING_FIELDS: readonly string[] = ['batch', 'layout', 'tokensPerSecondPerChip', 'costPerMillionTokensUsd', 'timePerOutputTokenSeconds'];
