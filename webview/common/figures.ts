/**
 * The figures the hardware views show per target, one definition each: the side panel shows the first
 * few, the wide comparison all of them. A column's `field` is the estimate's own field name (the cell's
 * data-field), so what a cell shows can be checked against the CLI's JSON field by field.
 */
import type { ModelEstimate } from '../../src/core/estimate/modelEstimate';
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
}

/** "1 chip", or how the model is split when it does not fit on one. */
function layoutText(e: Pick<ModelEstimate, 'chips'>): string {
  return e.chips <= 1 ? '1 chip' : `tensor-parallel × ${e.chips}`;
}

const finiteOrNull = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);

export const ESTIMATE_COLUMNS: readonly FigureColumn<ModelEstimate>[] = [
  { field: 'latencySeconds', label: 'Latency', title: 'Latency per inference call', value: (t) => t.latencySeconds, text: (t) => compactSeconds(t.latencySeconds), better: 'low' },
  { field: 'throughputPerSecond', label: 'Inf/s', title: 'Throughput (samples per second, all chips)', value: (t) => finiteOrNull(t.throughputPerSecond), text: (t) => formatScaled(t.throughputPerSecond, ''), better: 'high' },
  { field: 'costPerMillionUsd', label: '$/1M', title: 'US dollars per million inferences', value: (t) => t.costPerMillionUsd, text: (t) => usd(t.costPerMillionUsd), better: 'low' },
  { field: 'joulesPerInference', label: 'J/inf', title: 'Joules per inference', value: (t) => t.joulesPerInference, text: (t) => (t.joulesPerInference === null ? 'n/a' : joules(t.joulesPerInference)), better: 'low' },
  { field: 'fits', label: 'Fits', title: 'Fits on one chip (else: the chips it needs)', value: (t) => (t.fits ? 1 : 0), text: (t) => (t.fits ? 'yes' : `${t.chipsNeeded} chips`), better: null },
  { field: 'chipsNeeded', label: 'Chips needed', title: 'Chips the weights, activations and KV cache need', value: (t) => t.chipsNeeded, text: (t) => String(t.chipsNeeded), better: 'low' },
  { field: 'chips', label: 'Chips', title: 'Chips the estimate runs on', value: (t) => t.chips, text: (t) => String(t.chips), better: null },
  { field: 'layout', label: 'Layout', title: 'How the model is laid out over the chips', value: (t) => t.chips, text: (t) => layoutText(t), better: null },
  { field: 'throughputPerChipPerSecond', label: 'Inf/s/chip', title: 'Throughput per chip', value: (t) => finiteOrNull(t.throughputPerChipPerSecond), text: (t) => formatScaled(t.throughputPerChipPerSecond, ''), better: 'high' },
  { field: 'computeBoundFraction', label: 'Compute-bound', title: 'Share of time in compute-bound layers', value: (t) => t.computeBoundFraction, text: (t) => percent(t.computeBoundFraction, 0), better: null },
  { field: 'utilisation', label: 'Busy', title: 'Average busy fraction of the roofline (drives the power model)', value: (t) => t.utilisation, text: (t) => percent(t.utilisation, 0), better: null },
  { field: 'memoryNeededBytes', label: 'Memory', title: 'Memory need: weights + activations + KV cache', value: (t) => t.memoryNeededBytes, text: (t, b) => bytes(t.memoryNeededBytes, b), better: 'low' },
  { field: 'weightBytes', label: 'Weights', title: 'Weight bytes at the run precision', value: (t) => t.weightBytes, text: (t, b) => bytes(t.weightBytes, b), better: 'low' },
  { field: 'activationBytes', label: 'Activations', title: 'Peak activation bytes', value: (t) => t.activationBytes, text: (t, b) => bytes(t.activationBytes, b), better: 'low' },
  { field: 'kvCacheBytes', label: 'KV cache', title: 'KV-cache bytes', value: (t) => t.kvCacheBytes, text: (t, b) => bytes(t.kvCacheBytes, b), better: 'low' },
  { field: 'memoryUsableBytesPerChip', label: 'Usable/chip', title: 'Usable memory per chip (after headroom)', value: (t) => t.memoryUsableBytesPerChip, text: (t, b) => bytes(t.memoryUsableBytesPerChip, b), better: 'high' },
  { field: 'interconnectSeconds', label: 'All-reduce', title: 'Tensor-parallel all-reduce time inside the latency', value: (t) => t.interconnectSeconds, text: (t) => formatSeconds(t.interconnectSeconds), better: 'low' },
  { field: 'averagePowerWattsPerChip', label: 'W/chip', title: 'Average power per chip', value: (t) => t.averagePowerWattsPerChip, text: (t) => (t.averagePowerWattsPerChip === null ? 'n/a' : `${sig3(t.averagePowerWattsPerChip)} W`), better: null },
  { field: 'precisionFallbackNodes', label: 'Fallbacks', title: 'Layers run in a fallback precision (the device lacks the asked one)', value: (t) => t.precisionFallbackNodes, text: (t) => String(t.precisionFallbackNodes), better: 'low' },
  { field: 'notEstimatedNodes', label: 'Not timed', title: 'Layers without a cost (the latency is a lower bound)', value: (t) => t.notEstimatedNodes, text: (t) => String(t.notEstimatedNodes), better: 'low' },
];

/** The side panel's table (it fits a 300 px panel; energy is its chart; the wide comparison has the rest). */
export const PANEL_FIELDS: readonly string[] = ['latencySeconds', 'costPerMillionUsd', 'fits'];

const secs = (v: number | null) => (v === null ? 'n/a' : compactSeconds(v));

export const LLM_COLUMNS: readonly FigureColumn<LlmEstimatePayload>[] = [
  { field: 'timeToFirstTokenSeconds', label: 'TTFT', title: 'Time to first token (prefill of the batch)', value: (t) => t.timeToFirstTokenSeconds, text: (t) => secs(t.timeToFirstTokenSeconds), better: 'low' },
  { field: 'timePerOutputTokenSeconds', label: 'TPOT', title: 'Time per output token (one decode step)', value: (t) => t.timePerOutputTokenSeconds, text: (t) => secs(t.timePerOutputTokenSeconds), better: 'low' },
  { field: 'tokensPerSecond', label: 'Tok/s', title: 'Output tokens per second (whole system)', value: (t) => t.tokensPerSecond, text: (t) => (t.tokensPerSecond === null ? 'n/a' : sig3(t.tokensPerSecond)), better: 'high' },
  { field: 'tokensPerSecondPerChip', label: 'Tok/s/chip', title: 'Output tokens per second per chip', value: (t) => t.tokensPerSecondPerChip, text: (t) => (t.tokensPerSecondPerChip === null ? 'n/a' : sig3(t.tokensPerSecondPerChip)), better: 'high' },
  { field: 'costPerMillionTokensUsd', label: '$/1M', title: 'US dollars per million output tokens', value: (t) => t.costPerMillionTokensUsd, text: (t) => usd(t.costPerMillionTokensUsd), better: 'low' },
  { field: 'joulesPerOutputToken', label: 'J/tok', title: 'Joules per output token', value: (t) => t.joulesPerOutputToken, text: (t) => (t.joulesPerOutputToken === null ? 'n/a' : compactJoules(t.joulesPerOutputToken)), better: 'low' },
  { field: 'chips', label: 'Chips', title: 'Chips (tensor-parallel) the weights and KV cache need', value: (t) => t.chips, text: (t) => String(t.chips), better: null },
];

/** The side panel's LLM list. */
export const PANEL_LLM_FIELDS: readonly string[] = ['timeToFirstTokenSeconds', 'timePerOutputTokenSeconds', 'tokensPerSecond', 'costPerMillionTokensUsd', 'joulesPerOutputToken', 'chips'];
