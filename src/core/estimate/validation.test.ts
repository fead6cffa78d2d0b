/**
 * The MLPerf validation on the graph-only fixtures of test/fixtures/mlperf (scripts/makeMlperfModels.py) and
 * the MoE decoders of test/fixtures/moe: each profiles fully and matches the published size of its
 * architecture, and docs/validation.md holds the tables this code computes now (scripts/validation.mjs --check).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openModelFile } from '../../node/profileFile';
import { findHardware } from '../hardware/catalog';
import { detectDecoder } from './llm';
import { type MlperfModel, type MlperfPoint, type ProfileFn, type VendorPoint, CNN_DAILYMAIL_PROMPT, MLPERF_MODELS, MODEL_FIXTURES, VENDOR_WORKLOADS, WORKLOADS, medianAbsoluteError, memoised, validateAll, validateVendor } from './mlperfValidation';
import { estimateLlmServing } from './serving';
import { estimateModel, kvCacheBytes } from './modelEstimate';
import { parseLengthsCsv, retokenizedPrompts, workloadLengths } from './workloadLengths';

/** Compiled to out/src/core/estimate/: the repository root is four levels up (or the working directory). */
const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((d) => existsSync(join(d, 'test', 'fixtures', 'mlperf')));
const FIXTURES = ROOT && join(ROOT, 'test', 'fixtures');

const profile: ProfileFn = memoised((model, bindings) => {
  assert.ok(FIXTURES, 'test/fixtures not found');
  const opened = openModelFile(join(FIXTURES, MODEL_FIXTURES[model]));
  try {
    return opened.model.profile({ bindings: new Map(Object.entries(bindings)) });
  } finally {
    opened.close();
  }
});

/** One sample / token at small sizes: the published figures are per image or per token. */
const UNIT_BINDINGS: Readonly<Record<MlperfModel, Record<string, number>>> = {
  resnet50: { batch: 1 },
  retinanet: { batch: 1 },
  bert_large: { batch: 1, sequence: 384 },
  gptj_6b: { batch: 1, sequence_length: 1, past_sequence_length: 0, total_sequence_length: 1 },
  llama2_7b: { batch: 1, sequence_length: 1, past_sequence_length: 0, total_sequence_length: 1 },
  llama2_70b: { batch: 1, sequence_length: 1, past_sequence_length: 0, total_sequence_length: 1 },
  llama3_1_8b: { batch: 1, sequence_length: 1, past_sequence_length: 0, total_sequence_length: 1 },
  llama3_1_70b: { batch: 1, sequence_length: 1, past_sequence_length: 0, total_sequence_length: 1 },
  mixtral_8x7b: { batch_size: 1, sequence_length: 1, past_sequence_length: 0, total_sequence_length: 1 },
  deepseek_v3: { batch_size: 1, sequence_length: 1, past_sequence_length: 0, total_sequence_length: 1 },
  timm_resnet50: { batch: 1 },
  timm_resnext50_32x4d: { batch: 1 },
  timm_mobilenetv2_100: { batch: 1 },
};

/**
 * Published sizes. ResNet-50: torchvision's ResNet50_Weights meta (_ops 4.089 GFLOPS = GMACs, num_params
 * 25,557,032 with BatchNorm, folded here). BERT-large: 335,141,888 from the bert-large config (vocab 30522,
 * 512 positions, 24 × 12.6 M) with the pooler; the fixture has the 2-logit SQuAD head instead (the paper
 * rounds to 340 M). GPT-J: 6,053,381,344 (EleutherAI model card). Llama-2-7B: 6,738,415,616 and Llama-2-70B: 68,976,648,192 (the
 * checkpoints' parameter counts, "70B" in the paper). Llama-3.1-8B 8,030,261,248 and Llama-3.1-70B
 * 70,553,706,496 (the checkpoints). Mixtral-8x7B 46.7 B (Mistral's model card); DeepSeek-V3/R1 671 B
 * without the multi-token-prediction module (DeepSeek-V3 technical report). The fixtures' rotary cos/sin caches
 * are tables, not parameters (the checkpoints keep them as buffers), so a checkpoint's exact count is matched
 * exactly (`exact`). GPT-J's card is 2,498,560 (0.04%) above its architecture's 6,050,882,784, which the fixture
 * has: 28 layers of 201,355,264 (one LayerNorm, bias-free q/k/v/out, biased fc_in and fc_out), embedding,
 * final LayerNorm and a biased lm_head.
 */
const PUBLISHED: Readonly<Record<MlperfModel, { params: number; macs?: number; exact?: true }>> = {
  resnet50: { params: 25_557_032, macs: 4.089e9 },
  retinanet: { params: 37.1e6 },
  bert_large: { params: 335_141_888, macs: 24 * (384 * 12_582_912 + 2 * 384 * 384 * 1024) },
  gptj_6b: { params: 6_053_381_344 },
  llama2_7b: { params: 6_738_415_616, exact: true },
  llama2_70b: { params: 68_976_648_192, exact: true },
  llama3_1_8b: { params: 8_030_261_248, exact: true },
  llama3_1_70b: { params: 70_553_706_496, exact: true },
  mixtral_8x7b: { params: 46.7e9 },
  deepseek_v3: { params: 671e9 },
  // timm's benchmark rows (test/fixtures/mlperf/timm-benchmarks.json): param_count (parameters; the fixtures'
  // BatchNorm running statistics add 0.2–1.1%) and infer_gmacs, rounded to 0.01 G there.
  timm_resnet50: { params: 25.56e6, macs: 4.11e9 },
  timm_resnext50_32x4d: { params: 25.03e6, macs: 4.26e9 },
  timm_mobilenetv2_100: { params: 3.5e6, macs: 0.3e9 },
};

const within = (actual: number, expected: number, rel: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= rel * expected, `${what}: ${actual} not within ${rel * 100}% of ${expected}`);

for (const model of MLPERF_MODELS) {
  test(`${model}: profiles fully and matches the published size`, () => {
    const report = profile(model, UNIT_BINDINGS[model]);
    assert.equal(report.coverage.percent, 100, JSON.stringify(report.coverage.uncoveredOpTypes));
    assert.equal(report.unboundSymbols.length, 0, report.unboundSymbols.join(', '));
    const published = PUBLISHED[model];
    within(Number(report.totals.params), published.params, published.exact ? 0 : 0.02, `${model} params`);
    if (published.macs !== undefined) within(Number(report.totals.macs), published.macs, 0.02, `${model} MACs`);
  });
}

test('decoders: past/present per layer, the KV cache from the past inputs, prefill and decode told apart', () => {
  const info = detectDecoder(profile('llama2_70b', {}));
  assert.ok(info);
  assert.equal(info.layers, 80);
  assert.equal(info.kvHeads, 8);
  assert.equal(info.headDim, 128);
  assert.deepEqual([info.batchDim, info.sequenceDim, info.pastSequenceDim, info.totalSequenceDim], ['batch', 'sequence_length', 'past_sequence_length', 'total_sequence_length']);
  const report = profile('llama2_70b', { batch: 2, sequence_length: 1, past_sequence_length: 1000, total_sequence_length: 1001 });
  // present outputs hold past + 1 tokens: 80 layers × K,V × 8 heads × 128 × 1001 × 2 sequences × 4 bytes
  assert.equal(kvCacheBytes(report).bytes, 80 * 2 * 8 * 128 * 1001 * 2 * 4);
  // one decode step: ≈ 2 × params FLOPs per token
  within(Number(profile('gptj_6b', UNIT_BINDINGS.gptj_6b).totals.macs), 6.05e9, 0.05, 'GPT-J MACs per token');
});

test('Llama-2-70B: fp8 weights (69 GB) fit one 80 GB H100; fp16 (138 GB) need two, tensor-parallel', () => {
  const h100 = findHardware('h100-sxm');
  assert.ok(h100);
  const report = profile('llama2_70b', { batch: 1, sequence_length: 1, past_sequence_length: 100, total_sequence_length: 101 });
  assert.equal(estimateModel(report, [h100], { precisionOverride: 'fp8' })[0].fits, true);
  const [e] = estimateModel(report, [h100], { precisionOverride: 'fp16' });
  assert.equal(e.fits, false);
  assert.equal(e.chipsNeeded, 2);
  assert.ok(e.interconnectSeconds > 0);
});

/**
 * The measured workload lengths are the means of the benchmarks' per-sample token counts (test/fixtures/mlperf/lengths,
 * from the MLCommons datasets' own token columns; its README says how). Mixtral's outputs there are its reference
 * answers (their mean is the rules' 144.84 tokens per sample), so its decode context is measured too; the OpenOrca and
 * CNN-DailyMail files hold GPT-4's answers and summary characters / 4, so only their prompts are used.
 */
test('measured prompt lengths and Mixtral\'s decode context are the means of the published per-sample lengths', () => {
  assert.ok(FIXTURES, 'test/fixtures not found');
  const lengths = (file: string) => workloadLengths(parseLengthsCsv(readFileSync(join(FIXTURES, 'mlperf', 'lengths', file), 'utf8')));
  const mixtral = lengths('mixtral-8x7b.csv');
  assert.equal(mixtral.samples, 15_000);
  assert.equal(Math.round(mixtral.meanOutputTokens * 100) / 100, 144.84);
  assert.equal(WORKLOADS['mixtral-8x7b'].promptTokens, Math.round(mixtral.meanPromptTokens));
  assert.equal(WORKLOADS['mixtral-8x7b'].decodeContextTokens, Math.round(mixtral.decodeContextTokens));
  const llama2 = lengths('llama2-70b.csv');
  assert.equal(llama2.samples, 24_576);
  assert.equal(WORKLOADS['llama2-70b-99'].promptTokens, Math.round(llama2.meanPromptTokens));
  assert.equal(WORKLOADS['llama2-70b-99.9'].promptTokens, Math.round(llama2.meanPromptTokens));
  const llama3 = lengths('llama3-1-8b.csv');
  assert.equal(llama3.samples, 13_368);
  assert.equal(CNN_DAILYMAIL_PROMPT.llama3Tokens, Math.round(llama3.meanPromptTokens));
  assert.equal(WORKLOADS['llama3.1-8b'].promptTokens, CNN_DAILYMAIL_PROMPT.llama3Tokens);
  const gptj = retokenizedPrompts(parseLengthsCsv(readFileSync(join(FIXTURES, 'mlperf', 'lengths', 'llama3-1-8b.csv'), 'utf8')), {
    fromTemplateTokens: CNN_DAILYMAIL_PROMPT.llama3TemplateTokens,
    toTemplateTokens: CNN_DAILYMAIL_PROMPT.gptjTemplateTokens,
    truncationTokens: CNN_DAILYMAIL_PROMPT.gptjTruncationTokens,
    promptsOverTruncation: CNN_DAILYMAIL_PROMPT.gptjPromptsOverTruncation,
  });
  assert.equal(Math.round(gptj.tokenRatio * 1000) / 1000, 0.999);
  assert.equal(CNN_DAILYMAIL_PROMPT.gptjTokens, Math.round(gptj.meanPromptTokens));
  assert.equal(WORKLOADS['gptj-99'].promptTokens, CNN_DAILYMAIL_PROMPT.gptjTokens);
  for (const id of ['mixtral-8x7b', 'llama2-70b-99', 'llama3.1-8b']) assert.equal(WORKLOADS[id].promptBasis, 'measured', id);
});

test('docs/validation.md holds the tables this estimator computes (scripts/validation.mjs --check)', () => {
  assert.ok(ROOT, 'repository root not found');
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'validation.mjs'), '--check', '--compiled', join(__dirname, '..', '..', '..')], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stderr}${run.stdout}`);
});

test('every calibration point and every relative result with a workload is estimated', () => {
  assert.ok(FIXTURES, 'test/fixtures not found');
  const points = (JSON.parse(readFileSync(join(FIXTURES, 'mlperf', 'mlperf-calibration.json'), 'utf8')) as { results: MlperfPoint[] }).results;
  const { rows } = validateAll(points, profile);
  assert.equal(rows.length, points.length, 'every calibration point has a workload and a fixture model');
  for (const r of rows) assert.ok(Number.isFinite(r.estimated) && r.estimated > 0, `${r.id}: estimate ${r.estimated}`);
  assert.equal(medianAbsoluteError([{ error: 0.1 }, { error: -0.3 }, { error: 0.2 }]), 0.2);
});

test('a published time per output token is compared as output tokens/s per chip: batch / (decode step × chips), the step at the mean context', () => {
  assert.ok(FIXTURES, 'test/fixtures not found');
  const vendor = (JSON.parse(readFileSync(join(FIXTURES, 'mlperf', 'relative-results.json'), 'utf8')) as { vendor_results: VendorPoint[] }).vendor_results;
  const point = vendor.find((p) => p.id === 'aws-neuron-2.18.0-trn1-llama2-70b-128-128-tpot')!;
  assert.equal(point.n_accelerators, 16, 'a trn1.32xlarge: 32 NeuronCores on 16 Trainium chips');
  assert.equal(point.result_per_accelerator, Number((1000 / 25.18129 / 16).toFixed(3)));
  const [row] = validateVendor([point], profile);
  const w = VENDOR_WORKLOADS[point.id];
  const info = detectDecoder(profile('llama2_70b', {}))!;
  const e = estimateLlmServing((b) => profile('llama2_70b', b), info, findHardware('trainium1')!, { precisionOverride: 'bf16', promptTokens: w.promptTokens, outputTokens: w.outputTokens }, 1, 16);
  assert.equal(e.chips, 16);
  assert.ok(Math.abs(row.estimated - 1 / e.decodeStepSeconds / 16) < 1e-9 * row.estimated, `${row.estimated} against ${1 / e.decodeStepSeconds / 16}`);
  // Physics: no step beats each chip's share of the bf16 weights streamed at its listed bandwidth.
  const weightBytesPerChip = (68_976_648_192 * 2) / 16;
  assert.ok(e.decodeStepSeconds > weightBytesPerChip / findHardware('trainium1')!.memoryBandwidthBytesPerSecond.value);
});
