/**
 * The MLPerf validation of the estimator (docs/validation.md). Each published MLPerf Inference Offline result
 * is estimated on the graph-only model of its architecture (test/fixtures/mlperf, test/fixtures/moe), under
 * the benchmark's workload, on the catalog device, at the precision the submission used, with the system as
 * published: its chip count fixed and the batch and layout chosen by the serving search (`--batch max
 * --chips N`, serving.ts), as a submitter tunes them. Three comparisons:
 *  - absolute: the calibration points of ../shared/reference/mlperf-calibration.json;
 *  - relative: each other device's predicted speed-up over the H100 SXM on the same benchmark against the
 *    measured one (test/fixtures/mlperf/relative-results.json);
 *  - vendor: accelerators' vendor-published throughput (Gaudi, TPU, Inferentia, Trainium), absolute.
 * None of these figures sets an efficiency. Shared by scripts/validation.mjs (which writes the tables) and
 * validation.test.ts (which checks them). Pure: the caller supplies `profile`, which opens the model files.
 */
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry, Precision } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import { detectDecoder } from './llm';
import type { KvCacheDtype, PrecisionChoice } from './precision';
import { estimateModel } from './modelEstimate';
import { estimateLlmServing, planLlmServing, planOfflineServing, type LlmServingOptions } from './serving';
import type { ParallelLayout } from './layouts';
import type { ServingPlan } from './servingPlan';

export const MLPERF_MODELS = [
  'resnet50',
  'retinanet',
  'bert_large',
  'gptj_6b',
  'llama2_7b',
  'llama2_70b',
  'llama3_1_8b',
  'llama3_1_70b',
  'mixtral_8x7b',
  'deepseek_v3',
  'timm_resnet50',
  'timm_resnext50_32x4d',
  'timm_mobilenetv2_100',
] as const;
export type MlperfModel = (typeof MLPERF_MODELS)[number];

/** Each model's graph-only fixture, under test/fixtures (the MoE decoders are test/fixtures/moe's, reused). */
export const MODEL_FIXTURES: Readonly<Record<MlperfModel, string>> = {
  resnet50: 'mlperf/resnet50.onnx',
  retinanet: 'mlperf/retinanet.onnx',
  bert_large: 'mlperf/bert_large.onnx',
  gptj_6b: 'mlperf/gptj_6b.onnx',
  llama2_7b: 'mlperf/llama2_7b.onnx',
  llama2_70b: 'mlperf/llama2_70b.onnx',
  llama3_1_8b: 'mlperf/llama3_1_8b.onnx',
  llama3_1_70b: 'mlperf/llama3_1_70b.onnx',
  mixtral_8x7b: 'moe/mixtral_8x7b.onnx',
  deepseek_v3: 'moe/deepseek_v3.onnx',
  timm_resnet50: 'mlperf/timm_resnet50.onnx',
  timm_resnext50_32x4d: 'mlperf/timm_resnext50_32x4d.onnx',
  timm_mobilenetv2_100: 'mlperf/timm_mobilenetv2_100.onnx',
};

/** Profiles a fixture model under these dim bindings. */
export type ProfileFn = (model: MlperfModel, bindings: Readonly<Record<string, number>>) => ProfileReport;

/** One result of mlperf-calibration.json or relative-results.json (the fields used here). */
export interface MlperfPoint {
  readonly id: string;
  readonly benchmark: string;
  readonly accelerator_id: string;
  readonly catalog_id?: string;
  readonly n_accelerators: number;
  readonly metric: string;
  readonly precision: string;
  readonly result_per_accelerator: number;
  readonly mlperf_version?: string;
  readonly submitter?: string;
  readonly source?: string;
  readonly output_tokens_per_sample?: number;
  /** relative-results.json: the H100 SXM point it is compared with, and the measured ratio. */
  readonly reference?: string;
  readonly reference_same_round?: boolean;
  readonly relative_to_reference?: number;
}

// ---- Workloads: the same for every device; docs/validation.md gives the source of each figure.

export interface Workload {
  readonly model: MlperfModel;
  /** `offline`: one call per batch (CNNs, BERT); `llm`: prefill, then one decode step per output token. */
  readonly kind: 'offline' | 'llm';
  /** Dims other than the batch (BERT's tokens per sample). */
  readonly bindings?: Readonly<Record<string, number>>;
  readonly promptTokens?: number;
  /** Where the prompt length comes from: the benchmark's dataset, a derivation from other figures, or an assumption. */
  readonly promptBasis?: 'measured' | 'derived' | 'assumed';
  readonly outputTokens?: number;
  /** Sequences decoded per sample (beam search). */
  readonly beamWidth?: number;
  /** Mean past length of a decode step, where the per-sample lengths are published (default prompt + output/2). */
  readonly decodeContextTokens?: number;
}

/** BERT: mean tokens of a SQuAD v1.1 dev feature without padding (our estimate; the padded length is 384). */
export const BERT_MEAN_TOKENS = 170;
export const BERT_PADDED_TOKENS = 384;

/**
 * CNN-DailyMail prompts (GPT-J and Llama-3.1-8B summarise the same 13,368 validation articles). Measured with Llama
 * 3's tokenizer: 870.73 tokens per prompt (test/fixtures/mlperf/lengths), of which about 24 are the instruction
 * template and BOS (`language/llama3.1-8b/download_cnndm.py`). GPT-J's prompt is the same article in GPT-2's
 * tokenizer, in a 52-token Alpaca-style template (`language/gpt-j/dataset.py`), cut at 1,919 tokens: derived from
 * the one count published in GPT-J's tokenizer, 399 of the 13,368 prompts longer than 1,919 tokens (mlcommons/inference
 * issue 1384). The tokenizer ratio that puts exactly those 399 over the limit is 0.999 GPT-2 tokens per Llama 3 token
 * of these articles (`retokenizedPrompts`), so a GPT-J prompt is 892.5 tokens on average; validation.test.ts
 * recomputes it from the per-sample lengths.
 */
export const CNN_DAILYMAIL_PROMPT = {
  llama3Tokens: 871,
  llama3TemplateTokens: 24,
  gptjTemplateTokens: 52,
  gptjTruncationTokens: 1919,
  gptjPromptsOverTruncation: 399,
  gptjTokens: 893,
} as const;

/**
 * Prompt lengths (and Mixtral's decode context) measured from the benchmarks' own datasets are the means of
 * test/fixtures/mlperf/lengths (workloadLengths.ts; validation.test.ts recomputes them); output lengths are the
 * logs' and the reference's figures.
 */
export const WORKLOADS: Readonly<Record<string, Workload>> = {
  resnet50: { model: 'resnet50', kind: 'offline' },
  retinanet: { model: 'retinanet', kind: 'offline' },
  'bert-99': { model: 'bert_large', kind: 'offline', bindings: { sequence: BERT_MEAN_TOKENS } },
  // ~68 output tokens per sample (v4.1 logs), beam search of 4; the prompt is CNN_DAILYMAIL_PROMPT's derivation.
  'gptj-99': { model: 'gptj_6b', kind: 'llm', promptTokens: CNN_DAILYMAIL_PROMPT.gptjTokens, promptBasis: 'derived', outputTokens: 68, beamWidth: 4 },
  // OpenOrca: 222 prompt tokens (measured), 294 output tokens per sample (the reference's 294.45).
  'llama2-70b-99': { model: 'llama2_70b', kind: 'llm', promptTokens: 222, promptBasis: 'measured', outputTokens: 294 },
  'llama2-70b-99.9': { model: 'llama2_70b', kind: 'llm', promptTokens: 222, promptBasis: 'measured', outputTokens: 294 },
  // OpenOrca + GSM8K (5-shot) + MBXP: 427 prompt tokens and a 554-token mean decode context (both measured, the
  // outputs being Mixtral's own reference answers), 145.9 output tokens per sample (the rules).
  'mixtral-8x7b': { model: 'mixtral_8x7b', kind: 'llm', promptTokens: 427, promptBasis: 'measured', outputTokens: 146, decodeContextTokens: 554 },
  // AIME, MATH500, GPQA, MMLU-Pro, LiveCodeBench: 3,668 output tokens per sample (the B200 log); prompt assumed.
  'deepseek-r1': { model: 'deepseek_v3', kind: 'llm', promptTokens: 800, promptBasis: 'assumed', outputTokens: 3668 },
  // CNN-DailyMail with Llama 3's tokenizer: 871 prompt tokens (measured), 128 output tokens.
  'llama3.1-8b': { model: 'llama3_1_8b', kind: 'llm', promptTokens: CNN_DAILYMAIL_PROMPT.llama3Tokens, promptBasis: 'measured', outputTokens: 128 },
};

const DEVICE_IDS: Readonly<Record<string, string>> = { nvidia_a100_80gb_sxm: 'a100-80gb', nvidia_h100_sxm: 'h100-sxm', nvidia_b200: 'b200' };

export function mlperfDevice(point: Pick<MlperfPoint, 'accelerator_id' | 'catalog_id'>): HardwareEntry {
  const id = point.catalog_id ?? DEVICE_IDS[point.accelerator_id];
  const device = id ? findHardware(id) : undefined;
  if (!device) throw new Error(`no catalog device for accelerator '${point.accelerator_id}'`);
  return device;
}

/**
 * The precision a submission ran in, from what it states. Where the summary does not state it (NVIDIA's
 * Blackwell LLM submissions), NVFP4 on a device with FP4 units, as NVIDIA's announcements of those
 * submissions say; else FP8 for an LLM and INT8 otherwise.
 */
export function pointPrecision(point: Pick<MlperfPoint, 'precision' | 'benchmark'>, device: HardwareEntry): Precision {
  const p = point.precision.toLowerCase();
  if (/fp4/.test(p)) return 'fp4';
  if (/fp8/.test(p)) return 'fp8';
  if (/int8/.test(p)) return 'int8';
  if (/bf16/.test(p)) return 'bf16';
  const llm = WORKLOADS[point.benchmark]?.kind === 'llm';
  if (llm && device.peakFlopsPerSecond.fp4) return 'fp4';
  return llm ? 'fp8' : 'int8';
}

export interface PointEstimate {
  /** Per accelerator, in the point's metric. */
  readonly value: number;
  readonly plan: ServingPlan;
  /** How one copy is laid out over its chips. */
  readonly layout?: ParallelLayout;
  readonly detail: string;
}

/**
 * The estimate of one benchmark on `chips` devices (as published): the serving search's best batch and layout,
 * per accelerator, in `metric` (samples/s, or output tokens/s for the LLMs).
 */
export function estimateBenchmark(
  benchmark: string,
  device: HardwareEntry,
  precision: Precision,
  chips: number,
  metric: string,
  profile: ProfileFn,
  outputTokens?: number,
  workload: Partial<Workload> = {},
): PointEstimate {
  const base = WORKLOADS[benchmark];
  if (!base) throw new Error(`no workload for benchmark '${benchmark}'`);
  const w = { ...base, ...workload };
  const options = { precisionOverride: precision };
  if (w.kind === 'offline') {
    const { plan, estimate } = planOfflineServing((batch) => profile(w.model, { ...w.bindings, batch }), device, options, { chips });
    return {
      value: plan.throughputPerChipPerSecond,
      plan,
      layout: estimate.layout,
      detail: `${layout(plan, estimate.layout)}, ${(estimate.computeBoundFraction * 100).toFixed(0)}% compute-bound`,
    };
  }
  const info = detectDecoder(profile(w.model, {}));
  if (!info) throw new Error(`${w.model}: no past key/value inputs`);
  const output = outputTokens ?? w.outputTokens!;
  const llm: LlmServingOptions = { ...options, promptTokens: w.promptTokens!, outputTokens: output, ...(w.beamWidth ? { beamWidth: w.beamWidth } : {}), ...(w.decodeContextTokens ? { decodeContextTokens: w.decodeContextTokens } : {}) };
  const { plan, estimate } = planLlmServing((bindings) => profile(w.model, bindings), info, device, llm, { chips });
  const tokens = plan.throughputPerChipPerSecond;
  return {
    value: metric === 'samples_per_s' ? tokens / output : tokens,
    plan,
    layout: estimate.layout,
    detail: `${layout(plan, estimate.layout)}, prefill ${(estimate.prefillSeconds * 1e3).toFixed(0)} ms, decode step ${(estimate.decodeStepSeconds * 1e3).toFixed(1)} ms (${(estimate.decodeComputeBoundFraction * 100).toFixed(0)}% compute-bound)`,
  };
}

/** "batch 512 × 4 copies on 2 chips (TP)" */
export function layout(plan: ServingPlan, parallel?: ParallelLayout): string {
  const copies = plan.instances > 1 ? ` × ${plan.instances} copies` : '';
  const idle = plan.chips > plan.instances * plan.chipsPerInstance ? `, ${plan.chips - plan.instances * plan.chipsPerInstance} idle` : '';
  const how = plan.chipsPerInstance > 1 ? (parallel === 'expert-parallel' ? ' (EP)' : ' (TP)') : '';
  return `batch ${plan.batch}${copies} on ${plan.chipsPerInstance} chip${plan.chipsPerInstance > 1 ? 's' : ''}${how}${idle}${plan.fits ? '' : ' (does not fit)'}`;
}

// ---- Absolute: the calibration points.

export interface ValidationRow {
  readonly id: string;
  readonly benchmark: string;
  readonly model: MlperfModel;
  readonly device: string;
  readonly chips: number;
  readonly precision: Precision;
  readonly metric: string;
  readonly measured: number;
  readonly estimated: number;
  /** (estimated − measured) / measured. */
  readonly error: number;
  readonly detail: string;
}

/** Memoised estimates: references and devices repeat across rows. */
function estimator(profile: ProfileFn) {
  const cache = new Map<string, PointEstimate>();
  return (benchmark: string, device: HardwareEntry, precision: Precision, chips: number, metric: string, outputTokens?: number): PointEstimate => {
    const key = [benchmark, device.id, precision, chips, metric, outputTokens].join(' ');
    let e = cache.get(key);
    if (!e) cache.set(key, (e = estimateBenchmark(benchmark, device, precision, chips, metric, profile, outputTokens)));
    return e;
  };
}

/** Estimate one calibration point; undefined for a benchmark without a workload. */
export function validatePoint(point: MlperfPoint, profile: ProfileFn, estimate = estimator(profile)): ValidationRow | undefined {
  const w = WORKLOADS[point.benchmark];
  if (!w) return undefined;
  const device = mlperfDevice(point);
  const precision = pointPrecision(point, device);
  const e = estimate(point.benchmark, device, precision, point.n_accelerators, point.metric, point.output_tokens_per_sample);
  const measured = point.result_per_accelerator;
  return {
    id: point.id,
    benchmark: point.benchmark,
    model: w.model,
    device: device.id,
    chips: point.n_accelerators,
    precision,
    metric: point.metric,
    measured,
    estimated: e.value,
    error: (e.value - measured) / measured,
    detail: e.detail,
  };
}

export function medianAbsoluteError(rows: readonly { readonly error: number }[]): number {
  const abs = rows.map((r) => Math.abs(r.error)).sort((a, b) => a - b);
  if (abs.length === 0) return NaN;
  const mid = abs.length >> 1;
  return abs.length % 2 ? abs[mid] : (abs[mid - 1] + abs[mid]) / 2;
}

/** Memoises `profile` by model and bindings (the searches profile the same binding more than once). */
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

// ---- Relative: each device's speed-up over the H100 SXM, predicted against measured.

export interface RelativeData {
  readonly references: readonly MlperfPoint[];
  readonly results: readonly MlperfPoint[];
}

export interface RelativeRow {
  readonly id: string;
  readonly benchmark: string;
  readonly device: string;
  readonly chips: number;
  readonly precision: Precision;
  /** The point compared with: an H100 SXM result (or, for DeepSeek-R1, which has none, the calibration B200). */
  readonly reference: string;
  readonly referenceDevice: string;
  readonly referenceChips: number;
  readonly sameRound: boolean;
  readonly version: string;
  readonly submitter: string;
  readonly measured: number;
  readonly predicted: number;
  /** predicted / measured − 1. */
  readonly error: number;
  readonly detail: string;
}

/**
 * For each result with a workload: the estimate on its device and chips over the estimate of its reference
 * (same benchmark, workload and metric), against the published ratio. Results without an H100 reference
 * (DeepSeek-R1) are compared with `fallbackReference` on the same benchmark when one is given.
 */
export function validateRelative(data: RelativeData, profile: ProfileFn, fallbackReferences: readonly MlperfPoint[] = [], estimate = estimator(profile)): RelativeRow[] {
  const refs = new Map(data.references.map((r) => [r.id, r]));
  const rows: RelativeRow[] = [];
  for (const p of data.results) {
    if (!WORKLOADS[p.benchmark]) continue;
    const ref = p.reference !== undefined ? refs.get(p.reference) : fallbackReferences.find((f) => f.benchmark === p.benchmark && f.metric === p.metric);
    if (!ref) continue;
    const device = mlperfDevice(p);
    const refDevice = mlperfDevice(ref);
    const precision = pointPrecision(p, device);
    const e = estimate(p.benchmark, device, precision, p.n_accelerators, p.metric);
    const r = estimate(ref.benchmark, refDevice, pointPrecision(ref, refDevice), ref.n_accelerators, ref.metric);
    const measured = p.relative_to_reference ?? p.result_per_accelerator / ref.result_per_accelerator;
    const predicted = e.value / r.value;
    rows.push({
      id: p.id,
      benchmark: p.benchmark,
      device: device.id,
      chips: p.n_accelerators,
      precision,
      reference: ref.id,
      referenceDevice: refDevice.id,
      referenceChips: ref.n_accelerators,
      sameRound: p.reference_same_round ?? ref.mlperf_version === p.mlperf_version,
      version: p.mlperf_version ?? '',
      submitter: p.submitter ?? '',
      measured,
      predicted,
      error: predicted / measured - 1,
      detail: `${layout(e.plan, e.layout)} vs ${layout(r.plan, r.layout)}`,
    });
  }
  return rows;
}

// ---- Vendor-published figures (absolute, per chip).

export interface VendorPoint {
  readonly id: string;
  readonly catalog_id: string;
  readonly accelerator_id: string;
  readonly n_accelerators: number;
  readonly model: string;
  readonly precision: string;
  readonly workload: Readonly<Record<string, unknown>>;
  readonly metric: string;
  readonly result_per_accelerator: number;
  readonly framework?: string;
  readonly source: string;
  readonly note?: string;
}

/** How each vendor figure is modelled: the fixture, the request, and the batch and chips as published. */
interface VendorWorkload {
  readonly model: MlperfModel;
  readonly precision: PrecisionChoice;
  /** The KV cache's dtype where the deployment sets its own. */
  readonly kvCacheDtype?: KvCacheDtype;
  /** offline: samples/s; llm: output tokens/s; prefill: prompt tokens/s; decode: output tokens/s at a published batch (1 / TPOT at batch 1). */
  readonly kind: 'offline' | 'llm' | 'prefill' | 'decode';
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly bindings?: Readonly<Record<string, number>>;
  /** The published batch; undefined: the serving search picks it. */
  readonly batch?: number;
  readonly basis: string;
}

export const VENDOR_WORKLOADS: Readonly<Record<string, VendorWorkload>> = {
  'intel-gaudi3-llama2-70b-128-128': { model: 'llama2_70b', precision: 'fp8', kind: 'llm', promptTokens: 128, outputTokens: 128, batch: 1750, basis: '128 in / 128 out, batch 1750 on 2 chips, as published' },
  'intel-gaudi3-llama3.1-8b-128-128': { model: 'llama3_1_8b', precision: 'fp8', kind: 'llm', promptTokens: 128, outputTokens: 128, batch: 1536, basis: '128 in / 128 out, batch 1536 on 1 chip, as published' },
  'intel-gaudi3-llama3.1-70b-2048-2048': { model: 'llama3_1_70b', precision: 'fp8', kind: 'llm', promptTokens: 2048, outputTokens: 2048, batch: 600, basis: '2048 in / 2048 out, batch 600 on 8 chips, as published' },
  'intel-gaudi2-llama2-70b-128-128': { model: 'llama2_70b', precision: 'fp8', kind: 'llm', promptTokens: 128, outputTokens: 128, batch: 1750, basis: '128 in / 128 out, batch 1750 on 2 chips, as published' },
  'intel-gaudi2-llama3.1-8b-128-128': { model: 'llama3_1_8b', precision: 'fp8', kind: 'llm', promptTokens: 128, outputTokens: 128, batch: 2429, basis: '128 in / 128 out, batch 2429 on 1 chip, as published' },
  // ShareGPT prompts capped at 1024 in / 1024 out: the mean lengths are not published; 256 / 256 assumed.
  // JetStream's int8 is weight-only (`WeightOnlyPerChannelQuantizedLinear`: bf16 activations and arithmetic), with its
  // KV cache in int8 (`quantize_kv_cache`).
  'google-tpu-v5e-llama3-8b-jetstream-int8': { model: 'llama3_1_8b', precision: 'int8-weight-only', kvCacheDtype: 'int8', kind: 'llm', promptTokens: 256, outputTokens: 256, batch: 256, basis: 'ShareGPT, 256 in / 256 out assumed, batch 256 on 8 chips as published; int8 weight-only, int8 KV cache' },
  'google-tpu-v5e-llama3-8b-jetstream-bf16': { model: 'llama3_1_8b', precision: 'bf16', kind: 'llm', promptTokens: 256, outputTokens: 256, batch: 128, basis: 'ShareGPT, 256 in / 256 out assumed, batch 128 on 8 chips as published' },
  'aws-inferentia2-bert-large-seq128': { model: 'bert_large', precision: 'bf16', kind: 'offline', promptTokens: 0, outputTokens: 0, bindings: { sequence: 128 }, batch: 4, basis: 'sequence 128, batch 4 on 1 chip, as published' },
  'aws-trainium1-bert-large-seq128': { model: 'bert_large', precision: 'bf16', kind: 'offline', promptTokens: 0, outputTokens: 0, bindings: { sequence: 128 }, batch: 4, basis: 'sequence 128, batch 4 on 1 chip, as published' },
  'huawei-cloudmatrix384-deepseek-r1-prefill': { model: 'deepseek_v3', precision: 'int8', kind: 'prefill', promptTokens: 4096, outputTokens: 0, basis: '4096-token prompts, prefill only; batch and chips chosen by the search' },
  ...trtllmPerfOverview(),
  ...trtllmV017Overview(),
  ...trtllmStaticBatches(),
  ...neuronTrn1Latencies(),
  ...nimLatencies(),
};

/** One model on one device at TensorRT-LLM's perf-overview lengths: the page's row, named as the row ids name it. */
interface PerfOverviewRun {
  readonly device: string;
  readonly name: string;
  readonly model: MlperfModel;
  readonly chips: number;
  readonly precision: VendorWorkload['precision'];
}

/**
 * Each run at each length, exact lengths and the page's tensor parallelism, the batch and layout left to the serving
 * search (`--batch max --chips N`); `id` names the row.
 */
function perfOverviewWorkloads(runs: readonly PerfOverviewRun[], id: (run: PerfOverviewRun, promptTokens: number, outputTokens: number) => string): Record<string, VendorWorkload> {
  const out: Record<string, VendorWorkload> = {};
  // The prompt and output lengths compared (the pages list more).
  const lengths = [[128, 2048], [1000, 1000], [2048, 128], [5000, 500]] as const;
  for (const r of runs) {
    for (const [promptTokens, outputTokens] of lengths) {
      out[id(r, promptTokens, outputTokens)] = {
        model: r.model,
        precision: r.precision,
        kind: 'llm',
        promptTokens,
        outputTokens,
        basis: `${promptTokens} in / ${outputTokens} out exactly, TP${r.chips}; batch chosen by the search`,
      };
    }
  }
  return out;
}

/**
 * NVIDIA's TensorRT-LLM 1.0 perf overview: trtllm-bench at fixed prompt and output lengths (synthetic requests, no
 * spread), ModelOpt FP8 checkpoints on the H100 and H200 and NVFP4 ones on the B200 and GB200. The lengths are exact,
 * so these rows test the estimator without any workload assumption; the batch is the scheduler's, so the serving
 * search picks it.
 */
function trtllmPerfOverview(): Record<string, VendorWorkload> {
  const runs: PerfOverviewRun[] = [
    { device: 'h100-sxm', name: 'llama3.1-8b', model: 'llama3_1_8b', chips: 1, precision: 'fp8' },
    { device: 'h200', name: 'llama3.1-8b', model: 'llama3_1_8b', chips: 1, precision: 'fp8' },
    { device: 'h100-sxm', name: 'llama3.3-70b', model: 'llama3_1_70b', chips: 2, precision: 'fp8' },
    { device: 'b200', name: 'llama3.3-70b', model: 'llama3_1_70b', chips: 1, precision: 'fp4' },
    { device: 'gb200', name: 'llama3.3-70b', model: 'llama3_1_70b', chips: 1, precision: 'fp4' },
  ];
  return perfOverviewWorkloads(runs, (r, p, o) => `nvidia-trtllm-${r.device}-${r.name}-${r.precision}-${p}-${o}`);
}

/**
 * The same page at TensorRT-LLM v0.17 (TensorRT engines; trtllm-bench at an infinite request rate, in-flight batching,
 * FP8 weights and KV cache, FP16 on the A100), for what the 1.0 rows lack: a mixture of experts (Mixtral 8x7B on one
 * and two H100s and H200s, two A100s) and the L40S and A100 on Llama 3.1 8B. The page gives the throughput of the whole
 * tensor-parallel group; the rows hold it per GPU.
 */
function trtllmV017Overview(): Record<string, VendorWorkload> {
  const runs: PerfOverviewRun[] = [
    { device: 'h100-sxm', name: 'mixtral-8x7b', model: 'mixtral_8x7b', chips: 1, precision: 'fp8' },
    { device: 'h200', name: 'mixtral-8x7b', model: 'mixtral_8x7b', chips: 1, precision: 'fp8' },
    { device: 'h100-sxm', name: 'mixtral-8x7b', model: 'mixtral_8x7b', chips: 2, precision: 'fp8' },
    { device: 'h200', name: 'mixtral-8x7b', model: 'mixtral_8x7b', chips: 2, precision: 'fp8' },
    { device: 'a100-80gb', name: 'mixtral-8x7b', model: 'mixtral_8x7b', chips: 2, precision: 'fp16' },
    { device: 'l40s', name: 'llama3.1-8b', model: 'llama3_1_8b', chips: 1, precision: 'fp8' },
    { device: 'a100-80gb', name: 'llama3.1-8b', model: 'llama3_1_8b', chips: 1, precision: 'fp16' },
  ];
  return perfOverviewWorkloads(runs, (r, p, o) => `nvidia-trtllm-v0.17-${r.device}-${r.name}-${r.precision}-tp${r.chips}-${p}-${o}`);
}

/**
 * NVIDIA's TensorRT-LLM v0.6.1 performance page (v0.5 on the L40S and for the first-token latencies):
 * gptSessionBenchmark runs one static batch (all prompts prefilled, then one decode step per output token) at the
 * batch and tensor parallelism published, FP8 weights and KV cache on the H100 and L40S (`--enable_fp8
 * --fp8_kv_cache`), FP16 on the A100. The first-token rows are one prompt's prefill at batch 1, compared as prompt
 * tokens/s per GPU. Falcon 180B's rows are left out: no fixture has its architecture.
 */
function trtllmStaticBatches(): Record<string, VendorWorkload> {
  const models = { gptj: 'gptj_6b', 'llama2-7b': 'llama2_7b', 'llama2-70b': 'llama2_70b' } as const;
  type Name = keyof typeof models;
  const devices = [
    { device: 'h100-sxm', precision: 'fp8', throughput: 'v0.6' },
    { device: 'l40s', precision: 'fp8', throughput: 'v0.5' },
    { device: 'a100-80gb', precision: 'fp16', throughput: 'v0.6' },
  ] as const;
  // [model, batch, tensor parallelism, prompt, output] per device, as the page's Peak Throughput tables list them.
  const throughput: Record<(typeof devices)[number]['device'], readonly (readonly [Name, number, number, number, number])[]> = {
    'h100-sxm': [
      ['gptj', 1024, 1, 128, 128], ['gptj', 120, 1, 128, 2048], ['gptj', 64, 1, 2048, 128], ['gptj', 64, 1, 2048, 2048],
      ['llama2-7b', 768, 1, 128, 128], ['llama2-7b', 112, 1, 128, 2048], ['llama2-7b', 80, 1, 2048, 128], ['llama2-7b', 48, 1, 2048, 2048],
      ['llama2-70b', 1024, 2, 128, 128], ['llama2-70b', 480, 4, 128, 2048], ['llama2-70b', 96, 2, 2048, 128], ['llama2-70b', 64, 2, 2048, 2048],
    ],
    l40s: [
      ['gptj', 64, 1, 128, 128], ['gptj', 64, 1, 128, 2048], ['gptj', 32, 1, 2048, 128], ['gptj', 32, 1, 2048, 2048],
      ['llama2-7b', 64, 1, 128, 128], ['llama2-7b', 64, 1, 128, 2048], ['llama2-7b', 32, 1, 2048, 128], ['llama2-7b', 16, 1, 2048, 2048],
    ],
    'a100-80gb': [
      ['gptj', 512, 1, 128, 128], ['gptj', 120, 2, 128, 2048], ['gptj', 60, 1, 2048, 128], ['gptj', 64, 2, 2048, 2048],
      ['llama2-7b', 384, 1, 128, 128], ['llama2-7b', 60, 1, 128, 2048], ['llama2-7b', 52, 1, 2048, 128], ['llama2-7b', 64, 2, 2048, 2048],
      ['llama2-70b', 1280, 4, 128, 128], ['llama2-70b', 240, 4, 128, 2048], ['llama2-70b', 120, 4, 2048, 128],
    ],
  };
  // [model, tensor parallelism] of the Low Latency tables, each at prompts of 128 and 2048 tokens.
  const firstToken: Record<(typeof devices)[number]['device'], readonly (readonly [Name, number])[]> = {
    'h100-sxm': [['gptj', 1], ['llama2-7b', 1], ['llama2-70b', 4]],
    l40s: [['gptj', 1], ['llama2-7b', 1]],
    'a100-80gb': [['gptj', 1], ['llama2-7b', 1], ['llama2-70b', 4]],
  };
  const out: Record<string, VendorWorkload> = {};
  for (const { device, precision, throughput: version } of devices) {
    const cache = precision === 'fp8' ? ({ kvCacheDtype: 'fp8' } as const) : {};
    for (const [name, batch, tp, promptTokens, outputTokens] of throughput[device]) {
      out[`nvidia-trtllm-${version}-${device}-${name}-${precision}-b${batch}-${promptTokens}-${outputTokens}`] = {
        model: models[name],
        precision,
        ...cache,
        kind: 'llm',
        promptTokens,
        outputTokens,
        batch,
        basis: `${promptTokens} in / ${outputTokens} out, static batch ${batch}, TP${tp}, as published`,
      };
    }
    for (const [name, tp] of firstToken[device]) {
      for (const promptTokens of [128, 2048]) {
        out[`nvidia-trtllm-v0.5-${device}-${name}-${precision}-ttft-${promptTokens}`] = {
          model: models[name],
          precision,
          ...cache,
          kind: 'prefill',
          promptTokens,
          outputTokens: 0,
          batch: 1,
          basis: `first token of one ${promptTokens}-token prompt, TP${tp}, as published`,
        };
      }
    }
  }
  return out;
}

/**
 * AWS Neuron's published batch-1 decoder latencies on a trn1.32xlarge (Neuron 2.18, transformers-neuronx, "Real
 * Time"): tensor parallel over its 32 NeuronCores, which are 16 Trainium chips of two cores each, so the rows run on
 * 16 chips. Per row: the P50 time per output token (a 'decode' row at batch 1, at the mean context of the request)
 * and the P50 time to first token (a 'prefill' row). Llama 3 8B stores its weights in int8 and multiplies in bf16
 * (weight-only int8); the others run bf16. Llama 3's rows use the Llama 3.1 fixtures (the same layers and
 * vocabulary). Llama 2 13B, Mistral 7B and CodeLlama 13B have no fixture and are left out.
 */
function neuronTrn1Latencies(): Record<string, VendorWorkload> {
  const models = { 'llama3-8b': 'llama3_1_8b', 'llama3-70b': 'llama3_1_70b', 'llama2-7b': 'llama2_7b', 'llama2-70b': 'llama2_70b' } as const;
  // [model, Neuron version, prompt, output] as the CSV lists them.
  const runs: readonly (readonly [keyof typeof models, string, number, number])[] = [
    ['llama3-8b', '2.18.1', 128, 8064], ['llama3-8b', '2.18.1', 4096, 4096], ['llama3-8b', '2.18.1', 128, 3968],
    ['llama3-70b', '2.18.1', 2048, 2048], ['llama3-70b', '2.18.1', 128, 1024], ['llama3-70b', '2.18.1', 128, 128],
    ['llama2-7b', '2.18.0', 128, 8064],
    ['llama2-70b', '2.18.0', 128, 128], ['llama2-70b', '2.18.0', 256, 256], ['llama2-70b', '2.18.0', 128, 1024],
    ['llama2-70b', '2.18.0', 1024, 1024], ['llama2-70b', '2.18.0', 1024, 2048], ['llama2-70b', '2.18.0', 2048, 2048],
  ];
  const out: Record<string, VendorWorkload> = {};
  for (const [name, version, promptTokens, outputTokens] of runs) {
    const precision: PrecisionChoice = name === 'llama3-8b' ? 'int8-weight-only' : 'bf16';
    const setup = `TP over 16 chips, ${precision === 'bf16' ? 'bf16' : 'int8 weights, bf16 matmuls'}`;
    Object.assign(out, batchOneLatencies(`aws-neuron-${version}-trn1-${name}-${promptTokens}-${outputTokens}`, { model: models[name], precision, promptTokens, outputTokens }, setup));
  }
  return out;
}

/**
 * NVIDIA NIM's published concurrency-1 latencies (AIPerf against the llama-3.3-70b-instruct NIM 1.8.0, FP8, TP2 on two
 * H100s): one request at a time, so the inter-token latency is a batch-1 decode step and the time to first token one
 * prompt's prefill (measured at the client, HTTP round trip included). The same two rows per request as the Trainium
 * ones, on a GPU: the batch-1 fixed costs of a current stack.
 */
function nimLatencies(): Record<string, VendorWorkload> {
  const out: Record<string, VendorWorkload> = {};
  for (const [promptTokens, outputTokens] of [[5000, 500], [500, 2000]] as const) {
    Object.assign(out, batchOneLatencies(`nvidia-nim-1.8.0-h100-sxm-llama3.3-70b-fp8-${promptTokens}-${outputTokens}`, { model: 'llama3_1_70b', precision: 'fp8', promptTokens, outputTokens }, 'concurrency 1, TP2'));
  }
  return out;
}

/** One request's published latencies at batch 1: its time per output token (a 'decode' row) and to first token ('prefill'). */
function batchOneLatencies(id: string, w: Pick<VendorWorkload, 'model' | 'precision' | 'promptTokens' | 'outputTokens'>, setup: string): Record<string, VendorWorkload> {
  return {
    [`${id}-tpot`]: { ...w, batch: 1, kind: 'decode', basis: `time per output token, ${w.promptTokens} in / ${w.outputTokens} out, batch 1, ${setup}, as published` },
    [`${id}-ttft`]: { ...w, batch: 1, kind: 'prefill', basis: `first token of one ${w.promptTokens}-token prompt, ${setup}, as published` },
  };
}

export interface VendorRow {
  readonly id: string;
  readonly device: string;
  readonly chips: number;
  readonly model: string;
  readonly precision: PrecisionChoice;
  readonly basis: string;
  readonly measured: number;
  readonly estimated: number;
  readonly error: number;
  /** The same request on as many H100 SXMs, estimated the same way: the predicted speed-up over the H100. */
  readonly predictedSpeedupOverH100: number;
  readonly detail: string;
  readonly source: string;
}

/** The vendor figures that have a workload; the others (CloudMatrix decode under a latency target) are left out. */
export function validateVendor(points: readonly VendorPoint[], profile: ProfileFn): VendorRow[] {
  const h100 = findHardware('h100-sxm')!;
  const rows: VendorRow[] = [];
  for (const p of points) {
    const w = VENDOR_WORKLOADS[p.id];
    if (!w) continue;
    const device = mlperfDevice(p);
    const e = vendorEstimate(w, device, p.n_accelerators, profile);
    const h = vendorEstimate(w, h100, p.n_accelerators, profile);
    rows.push({
      id: p.id,
      device: device.id,
      chips: p.n_accelerators,
      model: p.model,
      precision: w.precision,
      basis: w.basis,
      measured: p.result_per_accelerator,
      estimated: e.value,
      error: (e.value - p.result_per_accelerator) / p.result_per_accelerator,
      predictedSpeedupOverH100: e.value / h.value,
      detail: e.detail,
      source: p.source,
    });
  }
  return rows;
}

function vendorEstimate(w: VendorWorkload, device: HardwareEntry, chips: number, profile: ProfileFn): { value: number; detail: string } {
  const options = { precisionOverride: w.precision, ...(w.kvCacheDtype ? { kvCacheDtype: w.kvCacheDtype } : {}) };
  if (w.kind === 'offline') {
    const batch = w.batch ?? 1;
    const [e] = estimateModel(profile(w.model, { ...w.bindings, batch }), [device], { ...options, batch, chips });
    return { value: e.throughputPerSecond / e.chips, detail: `batch ${batch} on ${e.chips} chip(s)` };
  }
  const info = detectDecoder(profile(w.model, {}));
  if (!info) throw new Error(`${w.model}: no past key/value inputs`);
  if (w.kind === 'prefill' && w.batch !== undefined) {
    // A published batch (first-token latency): its prompts' prefill, with the last position projected onto the vocabulary.
    const e = estimateLlmServing((bindings) => profile(w.model, bindings), info, device, { ...options, promptTokens: w.promptTokens, outputTokens: 1 }, w.batch, chips);
    return { value: (w.batch * w.promptTokens) / e.prefillSeconds / e.chips, detail: `batch ${w.batch} on ${e.chips} chip(s), prefill ${(e.prefillSeconds * 1e3).toFixed(1)} ms` };
  }
  if (w.kind === 'prefill') {
    // Prompt tokens/s per chip: the prefill profile as a model run once per batch of prompts.
    const prefillAt = (batch: number) => profile(w.model, { [info.batchDim!]: batch, [info.sequenceDim!]: w.promptTokens, [info.pastSequenceDim!]: 0, [info.totalSequenceDim!]: w.promptTokens });
    const { plan, estimate } = planOfflineServing(prefillAt, device, options);
    return { value: plan.throughputPerChipPerSecond * w.promptTokens, detail: layout(plan, estimate.layout) };
  }
  const llm = { ...options, promptTokens: w.promptTokens, outputTokens: w.outputTokens };
  const at = (bindings: Readonly<Record<string, number>>) => profile(w.model, bindings);
  if (w.kind === 'decode') {
    // A published time per output token: output tokens/s per chip at that batch, the step at the request's mean context.
    const batch = w.batch ?? 1;
    const e = estimateLlmServing(at, info, device, llm, batch, chips);
    return { value: batch / e.decodeStepSeconds / e.chips, detail: `batch ${batch} on ${e.chips} chip(s), decode step ${(e.decodeStepSeconds * 1e3).toFixed(2)} ms` };
  }
  if (w.batch === undefined) {
    const { plan, estimate } = planLlmServing(at, info, device, llm, { chips });
    return { value: plan.throughputPerChipPerSecond, detail: `${layout(plan, estimate.layout)}, decode step ${(estimate.decodeStepSeconds * 1e3).toFixed(1)} ms` };
  }
  const e = estimateLlmServing(at, info, device, llm, w.batch, chips);
  return { value: e.tokensPerSecondPerChip, detail: `batch ${w.batch} on ${e.chips} chip(s), decode step ${(e.decodeStepSeconds * 1e3).toFixed(1)} ms` };
}

// ---- How much the assumed prompt lengths matter.

export interface PromptSensitivity {
  readonly id: string;
  readonly benchmark: string;
  readonly device: string;
  readonly promptTokens: number;
  readonly promptBasis: 'derived' | 'assumed';
  readonly measured: number;
  /** The estimate at half, the assumed and twice the assumed prompt length. */
  readonly estimates: readonly [number, number, number];
}

/**
 * Each LLM calibration point whose prompt length is not measured re-estimated at half and twice that length
 * (informational).
 */
export function promptSensitivity(points: readonly MlperfPoint[], profile: ProfileFn): PromptSensitivity[] {
  return points.flatMap((p) => {
    const w = WORKLOADS[p.benchmark];
    if (!w || w.kind !== 'llm' || !w.promptTokens || w.promptBasis === 'measured') return [];
    const device = mlperfDevice(p);
    const at = (promptTokens: number) => estimateBenchmark(p.benchmark, device, pointPrecision(p, device), p.n_accelerators, p.metric, profile, p.output_tokens_per_sample, { promptTokens }).value;
    return [{ id: p.id, benchmark: p.benchmark, device: device.id, promptTokens: w.promptTokens, promptBasis: w.promptBasis ?? 'assumed', measured: p.result_per_accelerator, estimates: [at(Math.round(w.promptTokens / 2)), at(w.promptTokens), at(w.promptTokens * 2)] as const }];
  });
}

// ---- BERT padded to 384 tokens, for the record.

/**
 * BERT padded to 384 tokens (what the benchmark name suggests): the estimate, and the most samples/s the
 * dense int8 peak alone allows at that length.
 */
export function paddedBertCheck(point: MlperfPoint, profile: ProfileFn): { device: string; estimated: number; error: number; peakSamplesPerSecond: number } {
  const device = mlperfDevice(point);
  const { plan } = planOfflineServing((batch) => profile('bert_large', { batch, sequence: BERT_PADDED_TOKENS }), device, { precisionOverride: 'int8' }, { chips: point.n_accelerators });
  const report = profile('bert_large', { batch: 1, sequence: BERT_PADDED_TOKENS });
  const peak = device.peakFlopsPerSecond.int8?.value ?? 0;
  return {
    device: device.id,
    estimated: plan.throughputPerChipPerSecond,
    error: (plan.throughputPerChipPerSecond - point.result_per_accelerator) / point.result_per_accelerator,
    peakSamplesPerSecond: peak / Number(report.totals.flops),
  };
}

export interface ValidationResult {
  readonly rows: ValidationRow[];
  readonly medianAbsoluteError: number;
  readonly relative: RelativeRow[];
  readonly relativeMedianAbsoluteError: number;
  readonly vendor: VendorRow[];
  readonly vendorMedianAbsoluteError: number;
}

/** The whole validation: calibration points, relative table, vendor figures. */
export function validateAll(points: readonly MlperfPoint[], profile: ProfileFn, relative?: RelativeData & { readonly vendor_results?: readonly VendorPoint[] }): ValidationResult {
  const cached = memoised(profile);
  const estimate = estimator(cached);
  const rows = points.map((p) => validatePoint(p, cached, estimate)).filter((r): r is ValidationRow => r !== undefined);
  const rel = relative ? validateRelative(relative, cached, points, estimate) : [];
  const vendor = relative?.vendor_results ? validateVendor(relative.vendor_results, cached) : [];
  return {
    rows,
    medianAbsoluteError: medianAbsoluteError(rows),
    relative: rel,
    relativeMedianAbsoluteError: medianAbsoluteError(rel),
    vendor,
    vendorMedianAbsoluteError: medianAbsoluteError(vendor),
  };
}
