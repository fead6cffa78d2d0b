/**
 * The MLPerf validation of the estimator (docs/validation.md): for each published MLPerf Inference Offline
 * result, profile the graph-only model of its architecture (test/fixtures/mlperf, built by
 * scripts/makeMlperfModels.py) under the benchmark's workload, estimate it on the catalog device at the
 * precision MLPerf used, with the DEFAULT efficiencies, and compare per accelerator.
 * Shared by scripts/validation.mjs (which writes the table) and validation.test.ts (which checks it).
 * Pure: the caller supplies `profile`, which opens the model files.
 */
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import { combineLlm, detectDecoder, llmBindings, type DecoderInfo } from './llm';
import { estimateModel, memoryNeed } from './modelEstimate';

export const MLPERF_MODELS = ['resnet50', 'retinanet', 'bert_large', 'gptj_6b', 'llama2_70b'] as const;
export type MlperfModel = (typeof MLPERF_MODELS)[number];

/** Profiles a fixture model under these dim bindings. */
export type ProfileFn = (model: MlperfModel, bindings: Readonly<Record<string, number>>) => ProfileReport;

/** One entry of mlperf-calibration.json (the fields used here). */
export interface MlperfPoint {
  readonly id: string;
  readonly benchmark: string;
  readonly accelerator_id: string;
  readonly metric: string;
  readonly precision: string;
  readonly result_per_accelerator: number;
  readonly source?: string;
}

export interface ValidationRow {
  readonly id: string;
  readonly benchmark: string;
  readonly model: MlperfModel;
  readonly device: string;
  readonly precision: 'int8' | 'fp8';
  readonly metric: string;
  readonly measured: number;
  readonly estimated: number;
  /** (estimated − measured) / measured. */
  readonly error: number;
  readonly detail: string;
}

// ---- Workload assumptions: the same for every device; where each comes from is in docs/validation.md.

/** One large Offline batch per call; at these sizes ramp and per-kernel overheads are negligible. */
export const OFFLINE_BATCH: Readonly<Record<'resnet50' | 'retinanet' | 'bert_large', number>> = { resnet50: 256, retinanet: 16, bert_large: 256 };
/** BERT: mean tokens of a SQuAD v1.1 dev feature without padding (our estimate; the padded length is 384). */
export const BERT_MEAN_TOKENS = 170;
export const BERT_PADDED_TOKENS = 384;
/** GPT-J on CNN-DailyMail: mean input tokens, and the benchmark's max new tokens. */
export const GPTJ_WORKLOAD = { promptTokens: 1919, outputTokens: 128 } as const;
/** Llama-2-70B on OpenOrca: mean output 294.45 tokens (MLCommons reference README); mean input assumed ≈ the same. */
export const LLAMA_WORKLOAD = { promptTokens: 295, outputTokens: 294 } as const;
/** Largest in-flight batch a serving runtime keeps (TensorRT-LLM's max_batch_size order of magnitude). */
export const MAX_LLM_BATCH = 1024;
export const TENSOR_PARALLEL_DEGREES = [1, 2, 4, 8] as const;

const DEVICE_IDS: Readonly<Record<string, string>> = { nvidia_a100_80gb_sxm: 'a100-80gb', nvidia_h100_sxm: 'h100-sxm' };
const BENCHMARK_MODELS: Readonly<Record<string, MlperfModel>> = {
  resnet50: 'resnet50',
  retinanet: 'retinanet',
  'bert-99': 'bert_large',
  'gptj-99': 'gptj_6b',
  'llama2-70b-99': 'llama2_70b',
};

export function mlperfDevice(point: MlperfPoint): HardwareEntry {
  const id = DEVICE_IDS[point.accelerator_id];
  const device = id ? findHardware(id) : undefined;
  if (!device) throw new Error(`no catalog device for accelerator '${point.accelerator_id}'`);
  return device;
}

function mlperfPrecision(point: MlperfPoint): 'int8' | 'fp8' {
  return /fp8/i.test(point.precision) ? 'fp8' : 'int8';
}

/** Bindings of the CNN and encoder fixtures (their symbolic dims are `batch`, and `sequence` for BERT). */
export function offlineBindings(model: 'resnet50' | 'retinanet' | 'bert_large', tokens = BERT_MEAN_TOKENS): Record<string, number> {
  const batch = OFFLINE_BATCH[model];
  return model === 'bert_large' ? { batch, sequence: tokens } : { batch };
}

function offlineEstimate(report: ProfileReport, device: HardwareEntry, batch: number, precision: 'int8' | 'fp8'): { value: number; detail: string } {
  const [e] = estimateModel(report, [device], { batch, precisionOverride: precision });
  return { value: e.throughputPerChipPerSecond, detail: `batch ${batch}, ${(e.computeBoundFraction * 100).toFixed(0)}% compute-bound, ${e.chips} chip(s)` };
}

/** Bindings of one decode step at the END of generation: the full context sits in the KV cache. */
function fullContextBindings(info: DecoderInfo, batch: number, contextTokens: number): Record<string, number> {
  return llmBindings(info, batch, contextTokens - 1, 2, contextTokens - 1).decode;
}

/**
 * The largest batch (≤ MAX_LLM_BATCH) whose working set at the full context fits `chips` devices; 0 if
 * none. Weights are fixed and activations + KV cache grow linearly with the batch, so two profiles give the
 * line; the chosen batch is then checked with its own profile.
 */
function largestFittingBatch(profile: (b: Record<string, number>) => ProfileReport, info: DecoderInfo, contextTokens: number, usableBytes: number, precision: 'int8' | 'fp8'): number {
  const need = (batch: number) => memoryNeed(profile(fullContextBindings(info, batch, contextTokens)), { precisionOverride: precision }).totalBytes;
  const one = need(1);
  const perSequence = need(2) - one;
  let batch = Math.min(MAX_LLM_BATCH, Math.floor((usableBytes - (one - perSequence)) / perSequence));
  while (batch > 0 && need(batch) > usableBytes) batch--;
  return Math.max(0, batch);
}

/**
 * LLM serving as a submitter would set it up: for each tensor-parallel degree, the largest batch that fits;
 * prefill of the batch, then one decode step at the mean context per output token. Best per-chip figure.
 */
function llmEstimate(
  model: MlperfModel,
  profile: ProfileFn,
  device: HardwareEntry,
  precision: 'int8' | 'fp8',
  workload: { promptTokens: number; outputTokens: number },
  metric: 'tokens' | 'samples',
): { value: number; detail: string } {
  const at = (b: Record<string, number>) => profile(model, b);
  const info = detectDecoder(at({}));
  if (!info) throw new Error(`${model}: no past key/value inputs`);
  const headroom = 0.1;
  let best: { value: number; detail: string } | undefined;
  for (const tp of TENSOR_PARALLEL_DEGREES) {
    const batch = largestFittingBatch(at, info, workload.promptTokens + workload.outputTokens, device.memoryBytes.value * (1 - headroom) * tp, precision);
    if (batch === 0) continue;
    const bindings = llmBindings(info, batch, workload.promptTokens, workload.outputTokens);
    const [r] = combineLlm(at(bindings.prefill), at(bindings.decode), [device], { ...workload, batch, chips: tp, precisionOverride: precision, memoryHeadroomFraction: headroom });
    const value = metric === 'tokens' ? r.tokensPerSecondPerChip : r.requestsPerSecond / r.chips;
    if (!best || value > best.value) {
      best = {
        value,
        detail: `TP ${r.chips}, batch ${batch}, prefill ${(r.prefillSeconds * 1e3).toFixed(0)} ms, decode step ${(r.decodeStepSeconds * 1e3).toFixed(1)} ms (${(r.decodeComputeBoundFraction * 100).toFixed(0)}% compute-bound)`,
      };
    }
  }
  if (!best) throw new Error(`${model} does not fit ${TENSOR_PARALLEL_DEGREES.at(-1)} × ${device.id}`);
  return best;
}

/** Estimate one calibration point; undefined for a benchmark without a fixture model. */
export function validatePoint(point: MlperfPoint, profile: ProfileFn): ValidationRow | undefined {
  const model = BENCHMARK_MODELS[point.benchmark];
  if (!model) return undefined;
  const device = mlperfDevice(point);
  const precision = mlperfPrecision(point);
  let e: { value: number; detail: string };
  if (model === 'gptj_6b') e = llmEstimate(model, profile, device, precision, GPTJ_WORKLOAD, 'samples');
  else if (model === 'llama2_70b') e = llmEstimate(model, profile, device, precision, LLAMA_WORKLOAD, 'tokens');
  else e = offlineEstimate(profile(model, offlineBindings(model)), device, OFFLINE_BATCH[model], precision);
  const measured = point.result_per_accelerator;
  return {
    id: point.id,
    benchmark: point.benchmark,
    model,
    device: device.id,
    precision,
    metric: point.metric,
    measured,
    estimated: e.value,
    error: (e.value - measured) / measured,
    detail: e.detail,
  };
}

export function medianAbsoluteError(rows: readonly ValidationRow[]): number {
  const abs = rows.map((r) => Math.abs(r.error)).sort((a, b) => a - b);
  if (abs.length === 0) return NaN;
  const mid = abs.length >> 1;
  return abs.length % 2 ? abs[mid] : (abs[mid - 1] + abs[mid]) / 2;
}

/** Memoises `profile` by model and bindings (the LLM search profiles the same binding more than once). */
export function memoised(profile: ProfileFn): ProfileFn {
  const cache = new Map<string, ProfileReport>();
  return (model, bindings) => {
    const key = `${model} ${JSON.stringify(Object.entries(bindings).sort(([a], [b]) => a.localeCompare(b)))}`;
    let report = cache.get(key);
    if (!report) {
      report = profile(model, bindings);
      cache.set(key, report);
    }
    return report;
  };
}

export function validateAll(points: readonly MlperfPoint[], profile: ProfileFn): { rows: ValidationRow[]; medianAbsoluteError: number } {
  const cached = memoised(profile);
  const rows = points.map((p) => validatePoint(p, cached)).filter((r): r is ValidationRow => r !== undefined);
  return { rows, medianAbsoluteError: medianAbsoluteError(rows) };
}

/**
 * BERT padded to 384 tokens (what the benchmark name suggests), for the record: the estimate, and the most
 * samples/s the dense int8 peak alone allows at that length.
 */
export function paddedBertCheck(point: MlperfPoint, profile: ProfileFn): { device: string; estimated: number; error: number; peakSamplesPerSecond: number } {
  const device = mlperfDevice(point);
  const batch = OFFLINE_BATCH.bert_large;
  const report = profile('bert_large', offlineBindings('bert_large', BERT_PADDED_TOKENS));
  const { value } = offlineEstimate(report, device, batch, 'int8');
  const peak = device.peakFlopsPerSecond.int8?.value ?? 0;
  return {
    device: device.id,
    estimated: value,
    error: (value - point.result_per_accelerator) / point.result_per_accelerator,
    peakSamplesPerSecond: (peak * batch) / Number(report.totals.flops),
  };
}
