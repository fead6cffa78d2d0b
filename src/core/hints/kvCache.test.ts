/**
 * KV-cache hints on the MLPerf decoder fixtures profiled for one decode step (batch 8, prompt 512, output
 * 128): both fire with savings equal to the estimator's before/after difference through applyWhatIf; the
 * 8-bit cache also cuts memory and chips; nothing fires on a CNN; a Concat-built cache (Hugging Face export)
 * becomes an in-place update; a shared past/present buffer is not a copy; targets without fp8/int8 get NONE.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { profileModelFile } from '../../node/profileFile';
import { detectDecoder, llmBindings } from '../estimate/llm';
import { estimateOnTarget, kvCacheBytes, type ModelEstimateOptions } from '../estimate/modelEstimate';
import { estimateNodes } from '../estimate/roofline';
import { makeDevice, makeReport, t } from '../estimate/testUtil';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import { buildHints } from './buildHints';
import type { Hint } from './hintTypes';
import { applyWhatIf } from './whatIf';

const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((p) => existsSync(join(p, 'test', 'fixtures', 'mlperf')));
const H100 = findHardware('h100-sxm')!;
const TARGETS: HardwareEntry[] = [H100, findHardware('a100-80gb')!];

function fixture(dir: string, name: string, bindings?: Record<string, number>): ProfileReport {
  assert.ok(ROOT, 'test/fixtures not found');
  const file = join(ROOT, 'test', 'fixtures', dir, `${name}.onnx`);
  return profileModelFile(file, bindings ? { bindings: new Map(Object.entries(bindings)) } : {});
}

/** One decode step: sequence 1, past = prompt + output / 2. */
function decodeStep(name: string, batch: number, prompt: number, output: number): ProfileReport {
  const info = detectDecoder(fixture('mlperf', name));
  assert.ok(info, `${name} is a decoder`);
  return fixture('mlperf', name, llmBindings(info, batch, prompt, output).decode);
}

function hint(hints: readonly Hint[], code: Hint['code']): Hint {
  const h = hints.find((x) => x.code === code);
  assert.ok(h, `no ${code} in ${hints.map((x) => x.code).join(', ')}`);
  return h;
}

/** Every figure of every saving is the estimator on the report minus the estimator on applyWhatIf(report). */
function assertFromEstimator(report: ProfileReport, h: Hint, targets: readonly HardwareEntry[], options: ModelEstimateOptions): void {
  const after = applyWhatIf(report, h.change!);
  for (const s of h.savings) {
    if (s.reason?.includes('has no')) continue;
    const target = targets.find((x) => x.id === s.target)!;
    const before = estimateOnTarget(report, target, options);
    const changed = estimateOnTarget(after, target, options);
    assert.equal(s.seconds, before.latencySeconds - changed.latencySeconds, `${h.code} seconds on ${s.target}`);
    assert.equal(s.bytes, before.memoryNeededBytes - changed.memoryNeededBytes, `${h.code} bytes on ${s.target}`);
    assert.equal(s.chipsBefore, before.chips);
    assert.equal(s.chipsAfter, changed.chips);
  }
}

for (const model of ['gptj_6b', 'llama2_70b']) {
  test(`${model} decode: KV cache in place and in 8 bits, priced by the estimator`, () => {
    const report = decodeStep(model, 8, 512, 128);
    // The in-place update is a saving for the graph run as exported; the default execution model already does it.
    assert.equal(buildHints(report, TARGETS, { batch: 8, minRelativeSaving: 0 }).some((h) => h.code === 'kv-cache.in-place'), false);
    const options = { batch: 8, minRelativeSaving: 0, execution: 'as-exported' as const };
    const hints = buildHints(report, TARGETS, options);
    const cache = kvCacheBytes(report).bytes;
    const attention = report.nodes.filter((n) => n.opType === 'GroupQueryAttention').map((n) => n.index);

    const inPlace = hint(hints, 'kv-cache.in-place');
    assert.deepEqual(inPlace.nodes, attention);
    const quantize = hint(hints, 'kv-cache.quantize');
    assert.deepEqual(quantize.nodes, attention);
    assert.match(quantize.message, /FP8 E4M3 on h100-sxm; INT8 on a100-80gb/);
    for (const h of [inPlace, quantize]) {
      for (const s of h.savings) assert.ok(s.verdict === 'gain' && s.seconds > 0, `${h.code} on ${s.target}: ${s.seconds}`);
      assertFromEstimator(report, h, TARGETS, { batch: 8, execution: 'as-exported' });
    }
    // In place: the same cache, written once per token instead of copied.
    assert.ok(inPlace.savings.every((s) => s.bytes === 0));
    // fp32 cache → one byte per element: three quarters of the cache, the other activations unchanged.
    const after = applyWhatIf(report, quantize.change!);
    assert.equal(kvCacheBytes(after).bytes, cache / 4);
    assert.equal(estimateOnTarget(after, H100).activationBytes, estimateOnTarget(report, H100).activationBytes);
    for (const s of quantize.savings) assert.equal(s.bytes, (cache * 3) / 4);
  });
}

test('gptj_6b decode, batch 32 at 1.8 K context: the 8-bit cache fits on fewer H100s', () => {
  const report = decodeStep('gptj_6b', 32, 1536, 512);
  const quantize = hint(buildHints(report, [H100], { batch: 32 }), 'kv-cache.quantize');
  const h100 = quantize.savings[0];
  assert.ok(h100.chipsAfter < h100.chipsBefore, `${h100.chipsBefore} → ${h100.chipsAfter}`);
  assertFromEstimator(report, quantize, [H100], { batch: 32 });
});

test('no KV-cache hint on a CNN', () => {
  const codes = buildHints(fixture('cnn', 'resnet50', { batch: 1 }), TARGETS, { minRelativeSaving: 0 }).map((h) => h.code);
  assert.deepEqual(codes.filter((c) => c.startsWith('kv-cache.')), []);
});

// A Hugging Face-style decode step in fp16: present = Concat(past, new) along the sequence axis, then Q·Kᵀ.
const [B, N, P, H] = [4, 8, 1000, 128];
const pastShape = [B, N, P, H];
const presentShape = [B, N, P + 1, H];
const newShape = [B, N, 1, H];
const elements = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const assertClose = (actual: number | string, expected: number) => assert.ok(Math.abs(Number(actual) - expected) <= 1e-9 * expected, `${actual} ≠ ${expected}`);

function concatDecoder(sharedBuffer = false): ProfileReport {
  const present = sharedBuffer ? pastShape : presentShape;
  const [past, fresh, cache] = [elements(pastShape) * 2, elements(newShape) * 2, elements(present) * 2];
  return makeReport(
    [
      { name: 'k_proj', opType: 'MatMul', flops: 2 * B * 1024 * 1024, macs: B * 1024 * 1024, params: 1024 * 1024, weightBytes: 2 * 1024 * 1024, bytesRead: 2 * 1024 * 1024 + B * 2048, bytesWritten: fresh, computeDtype: 'float16', inputs: ['x', 'wk'], outputs: [t('k_new', 'float16', newShape)] },
      sharedBuffer
        ? { name: 'cache_update', opType: 'TensorScatter', bytesRead: fresh + 8, bytesWritten: fresh, computeDtype: 'float16', inputs: ['past_key_values.0.key', 'k_new', 'write_index'], outputs: [t('present.0.key', 'float16', present)] }
        : { name: 'concat_k', opType: 'Concat', bytesRead: past + fresh, bytesWritten: cache, computeDtype: 'float16', inputs: ['past_key_values.0.key', 'k_new'], outputs: [t('present.0.key', 'float16', present)] },
      { name: 'scores', opType: 'MatMul', flops: 2 * B * N * (P + 1) * H, macs: B * N * (P + 1) * H, bytesRead: cache + B * N * H * 2, bytesWritten: B * N * (P + 1) * 2, computeDtype: 'float16', inputs: ['q', 'present.0.key'], outputs: [t('s', 'float16', [B, N, 1, P + 1])] },
    ],
    {
      graphInputs: [t('x', 'float16', [B, 1, 1024]), t('q', 'float16', newShape), t('past_key_values.0.key', 'float16', pastShape), t('write_index', 'int64', [1])],
      graphOutputs: [t('s', 'float16', [B, N, 1, P + 1]), t('present.0.key', 'float16', present)],
      peakActivationBytes: past + cache,
    },
  );
}

const FP16_ONLY = makeDevice({ id: 'fp16-only', peaks: { fp16: 1e14, fp32: 1e13 }, memoryBytes: 16e9, bandwidthBytesPerSecond: 1e12 });
const FP8_GPU = makeDevice({ id: 'fp8-gpu', peaks: { fp16: 1e15, fp8: 2e15, int8: 2e15 }, memoryBytes: 80e9, bandwidthBytesPerSecond: 3e12 });

test('Concat of past and new tokens becomes an in-place update: it reads and writes only the new tokens', () => {
  const report = concatDecoder();
  const asExported = { minRelativeSaving: 0, execution: 'as-exported' as const };
  const inPlace = hint(buildHints(report, [FP8_GPU, FP16_ONLY], asExported), 'kv-cache.in-place');
  assert.deepEqual(inPlace.nodeNames, ['concat_k']);
  const concat = applyWhatIf(report, inPlace.change!).nodes[1];
  assertClose(concat.bytesRead, elements(newShape) * 2);
  assertClose(concat.bytesWritten, elements(newShape) * 2);
  assert.ok(inPlace.savings.every((s) => s.verdict === 'gain'));
  assertFromEstimator(report, inPlace, [FP8_GPU, FP16_ONLY], { execution: 'as-exported' });
  // The default execution model appends in place already: the Concat moves the new tokens only, and says so.
  const fused = estimateNodes(report, FP8_GPU).find((e) => e.name === 'concat_k')!;
  assertClose(fused.memoryBytes, elements(newShape) * 2 * 2);
  assert.deepEqual(fused.fusion?.rules, ['kv-cache-in-place']);
  const hints = buildHints(report, [FP8_GPU, FP16_ONLY], { minRelativeSaving: 0 });
  assert.equal(hints.some((h) => h.code === 'kv-cache.in-place'), false);

  const quantize = hint(hints, 'kv-cache.quantize');
  assert.deepEqual(quantize.nodeNames, ['concat_k', 'scores']);
  assert.deepEqual(quantize.change, { kind: 'tensor-dtype', tensors: ['past_key_values.0.key', 'present.0.key'], dtype: 'float8e4m3fn' });
  const none = quantize.savings.find((s) => s.target === 'fp16-only')!;
  assert.equal(none.verdict, 'none');
  assert.match(none.reason ?? '', /no fp8 or int8/);
  const fp8 = quantize.savings.find((s) => s.target === 'fp8-gpu')!;
  assert.equal(fp8.verdict, 'gain');
  assert.equal(fp8.bytes, elements(presentShape)); // fp16 → 1 byte: half of the larger (present) cache
  assertFromEstimator(report, quantize, [FP8_GPU], {});
  // The attention MatMul reads the cache at one byte per element; its other input is unchanged.
  const scores = applyWhatIf(report, quantize.change!).nodes[2];
  assertClose(scores.bytesRead, elements(presentShape) + B * N * H * 2);
});

test('a shared past/present buffer is already updated in place: no in-place hint', () => {
  const report = concatDecoder(true);
  const hints = buildHints(report, [FP8_GPU], { minRelativeSaving: 0 });
  assert.deepEqual(hints.filter((h) => h.code === 'kv-cache.in-place'), []);
  // The 8-bit cache: the update still reads the fp16 new tokens and writes them at one byte per element.
  const update = applyWhatIf(report, hint(hints, 'kv-cache.quantize').change!).nodes[1];
  assertClose(update.bytesRead, elements(newShape) * 2 + 8);
  assertClose(update.bytesWritten, elements(newShape));
});
