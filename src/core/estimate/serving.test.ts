/**
 * The serving search (`--batch max`, `--chips N`) on real graph-only models: the batch it picks fits memory
 * and a larger one would not (or gains < 1%), fixed chip counts are honoured with their idle chips counted,
 * decoders size the KV cache at prompt + output tokens, and a model that cannot fit says so.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openModelFile } from '../../node/profileFile';
import { findHardware } from '../hardware/catalog';
import type { ProfileReport } from '../report/reportTypes';
import { combineLlm, detectDecoder, llmBindings } from './llm';
import { estimateOnTarget, memoryNeed } from './modelEstimate';
import { efficiencyFor } from './roofline';
import { estimateLlmServing, instanceSizes, planLlmServing, planOfflineServing, SERVING_MAX_BATCH, SERVING_TOLERANCE } from './serving';
import { servingSummary } from '../render/text';
import { makeDevice, makeReport } from './testUtil';

const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((p) => existsSync(join(p, 'test', 'fixtures', 'mlperf')))!;
const H100 = findHardware('h100-sxm')!;

/** A fixture's profile under bindings, memoised. */
function fixture(file: string): (bindings: Readonly<Record<string, number>>) => ProfileReport {
  const opened = openModelFile(join(ROOT, 'test', 'fixtures', file));
  const cache = new Map<string, ProfileReport>();
  return (bindings) => {
    const key = JSON.stringify(Object.entries(bindings).sort());
    let r = cache.get(key);
    if (!r) cache.set(key, (r = opened.model.profile({ bindings: new Map(Object.entries(bindings)) })));
    return r;
  };
}

const resnet = fixture('mlperf/resnet50.onnx');
const llama8b = fixture('mlperf/llama3_1_8b.onnx');
const llama70b = fixture('mlperf/llama2_70b.onnx');

test('chip counts per copy: divisors of a fixed count that hold the model, else doublings from the fewest', () => {
  assert.deepEqual(instanceSizes(1, 8), [1, 2, 4, 8]);
  assert.deepEqual(instanceSizes(3, 72), [3, 4, 6, 8, 9, 12, 18, 24, 36, 72]);
  assert.deepEqual(instanceSizes(9, 8), []);
  assert.deepEqual(instanceSizes(1), [1, 2, 4, 8]);
  assert.deepEqual(instanceSizes(3), [4, 8, 16, 32]);
});

test('offline: the chosen batch gains ≥ 1% over its half, and doubling it gains < 1% (or does not fit)', () => {
  const options = { precisionOverride: 'int8' as const };
  const { plan, estimate } = planOfflineServing((b) => resnet({ batch: b }), H100, options);
  assert.equal(plan.fits, true);
  assert.equal(plan.chipsPerInstance, 1);
  assert.equal(estimate.batch, plan.batch);
  assert.ok(plan.batch >= 64 && plan.batch <= SERVING_MAX_BATCH, `batch ${plan.batch}`);
  const perChip = (b: number) => estimateOnTarget(resnet({ batch: b }), H100, { ...options, batch: b }).throughputPerChipPerSecond;
  assert.ok(Math.abs(perChip(plan.batch) - plan.throughputPerChipPerSecond) < 1e-6 * plan.throughputPerChipPerSecond);
  assert.ok(perChip(plan.batch / 2) < (1 - SERVING_TOLERANCE) * perChip(plan.batch * 2) || plan.batch === 1);
  if (plan.limit === 'saturated') assert.ok(perChip(plan.batch * 2) <= plan.throughputPerChipPerSecond / (1 - SERVING_TOLERANCE) * 1.0001);
});

test('offline: memory bounds the batch on a small device; the next batch would not fit', () => {
  const small = makeDevice({ id: 'small', peaks: { int8: 1000e12, fp32: 10e12 }, memoryBytes: 0.3e9, bandwidthBytesPerSecond: 1e12 });
  const options = { precisionOverride: 'int8' as const };
  const { plan } = planOfflineServing((b) => resnet({ batch: b }), small, options);
  assert.equal(plan.limit, 'memory');
  assert.equal(plan.batch, plan.maxBatchInMemory);
  const usable = 0.3e9 * 0.9;
  assert.ok(memoryNeed(resnet({ batch: plan.maxBatchInMemory }), options, small).totalBytes <= usable);
  assert.ok(memoryNeed(resnet({ batch: plan.maxBatchInMemory + 1 }), options, small).totalBytes > usable);
});

test('a fixed chip count: copies that fit it, the idle chips counted in the throughput per chip', () => {
  const options = { precisionOverride: 'int8' as const };
  const one = planOfflineServing((b) => resnet({ batch: b }), H100, options).plan;
  const { plan } = planOfflineServing((b) => resnet({ batch: b }), H100, options, { chips: 8 });
  assert.deepEqual([plan.chips, plan.instances, plan.chipsPerInstance], [8, 8, 1]);
  assert.ok(Math.abs(plan.throughputPerChipPerSecond - one.throughputPerChipPerSecond) < 1e-6 * one.throughputPerChipPerSecond, 'eight copies of one chip: the same per chip');
});

test('decoder: the KV cache of every sequence at prompt + output tokens fits the copy; one more request would not', () => {
  const info = detectDecoder(llama8b({}))!;
  const options = { precisionOverride: 'fp8' as const, promptTokens: 1000, outputTokens: 128 };
  const { plan, estimate } = planLlmServing(llama8b, info, H100, options, { chips: 1 });
  assert.equal(plan.fits, true);
  assert.equal(plan.chipsPerInstance, 1);
  assert.equal(estimate.batch, plan.batch);
  const atEnd = (sequences: number) => memoryNeed(llama8b(llmBindings(info, sequences, 1127, 2, 1127).decode), options, H100).totalBytes;
  const usable = H100.memoryBytes.value * 0.9;
  assert.ok(atEnd(plan.maxBatchInMemory) <= usable, 'the largest batch fits');
  assert.ok(atEnd(plan.maxBatchInMemory + 1) > usable, 'one more does not');
  assert.ok(plan.batch <= plan.maxBatchInMemory);
  // The KV cache at the full context is what binds: 32 layers × K,V × 8 heads × 128 × 1128 tokens × 1 byte (fp8).
  const kvPerSequence = 32 * 2 * 8 * 128 * 1128;
  assert.ok(plan.maxBatchInMemory * kvPerSequence > 0.8 * (usable - 8.03e9), 'the KV cache fills what the weights leave');
  assert.ok(Math.abs(plan.throughputPerChipPerSecond - estimate.tokensPerSecondPerChip) < 1e-9 * estimate.tokensPerSecondPerChip);
});

test('decoder on a fixed 8-GPU node: Llama-2-70B in fp8 runs as copies over 2 chips (one 80 GB H100 holds only its weights)', () => {
  const info = detectDecoder(llama70b({}))!;
  const options = { precisionOverride: 'fp8' as const, promptTokens: 295, outputTokens: 294 };
  const { plan, estimate } = planLlmServing(llama70b, info, H100, options, { chips: 8 });
  assert.equal(plan.chips, 8);
  assert.ok(plan.chipsPerInstance >= 2, `${plan.chipsPerInstance} chips per copy`);
  assert.equal(plan.instances * plan.chipsPerInstance, 8);
  assert.ok(Math.abs(plan.throughputPerChipPerSecond - (estimate.tokensPerSecond * plan.instances) / 8) < 1e-9 * plan.throughputPerChipPerSecond);
  // In fp16 (138 GB of weights) one chip cannot hold a copy: the layouts start at 2 chips.
  const fp16 = planLlmServing(llama70b, info, H100, { ...options, precisionOverride: 'fp16' }, { chips: 8 }).plan;
  assert.ok(fp16.chipsPerInstance >= 2);
});

test('a fixed chip count too small for one copy: fits is false and the figures are at the chips the model needs', () => {
  const info = detectDecoder(llama70b({}))!;
  const { plan, estimate } = planLlmServing(llama70b, info, H100, { precisionOverride: 'fp16', promptTokens: 128, outputTokens: 128 }, { chips: 1 });
  assert.equal(plan.fits, false);
  assert.ok(estimate.chips >= 2 && plan.chips >= 2);
  assert.equal(plan.chipsAsked, 1, 'the plan keeps the count asked, so a reader sees what was asked and what it took');
  assert.ok(servingSummary(plan, 'output token').includes(`, one copy needs ${plan.chipsPerInstance} chips, more than the 1 asked: priced on ${plan.chipsPerInstance};`), servingSummary(plan, 'output token'));
  const free = planLlmServing(llama70b, info, H100, { precisionOverride: 'fp16', promptTokens: 128, outputTokens: 128 }).plan;
  assert.equal(free.chipsAsked, undefined, 'no count asked, none kept');
});

test('beam search: sequences are a multiple of the beams, requests = sequences / beams, output tokens counted per request', () => {
  const info = detectDecoder(llama8b({}))!;
  const options = { precisionOverride: 'fp8' as const, promptTokens: 500, outputTokens: 64, beamWidth: 4 };
  const { plan } = planLlmServing(llama8b, info, H100, options, { chips: 1 });
  assert.equal(plan.batch % 4, 0);
  const e = estimateLlmServing(llama8b, info, H100, options, 64);
  assert.equal(e.batch, 64);
  assert.ok(Math.abs(e.requestsPerSecond * 64 - e.tokensPerSecond) < 1e-9 * e.tokensPerSecond, '16 requests of 64 tokens each per cycle');
});

test('combineLlm: a chunked prefill takes requests / prefillBatch calls; beams multiply decode energy, not tokens', () => {
  const dev = makeDevice({ id: 'round', peaks: { fp16: 100e12, fp32: 10e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12, powerWatts: 400 });
  const efficiency = { round: { memoryEfficiency: 0.5, perKernelOverheadSeconds: 0 } };
  const prefill = makeReport([{ name: 'p', opType: 'Add', computeDtype: 'float16', bytesRead: 5e8 }]); // 1 ms per call
  const decode = makeReport([{ name: 'd', opType: 'Add', computeDtype: 'float16', bytesRead: 5e7 }]); // 0.1 ms per step
  const [e] = combineLlm(prefill, decode, [dev], { batch: 8, beamWidth: 2, prefillBatch: 2, promptTokens: 100, outputTokens: 10, efficiency });
  // 4 requests, prefilled 2 at a time: 2 ms; 10 steps: 1 ms.
  assert.ok(Math.abs(e.prefillSeconds - 2e-3) < 1e-12);
  assert.ok(Math.abs(e.requestSeconds - 3e-3) < 1e-12);
  assert.ok(Math.abs(e.tokensPerSecond - 40 / 3e-3) < 1e-6);
  assert.ok(Math.abs(e.timeToFirstTokenSeconds - 1e-3) < 1e-12);
});

test('beam search: the beams of a request read its shared prompt cache once per decode step', () => {
  const info = detectDecoder(llama8b({}))!;
  const options = { precisionOverride: 'fp8' as const, promptTokens: 1000, outputTokens: 64 };
  const one = estimateLlmServing(llama8b, info, H100, options, 256);
  const four = estimateLlmServing(llama8b, info, H100, { ...options, beamWidth: 4 }, 256);
  // The same 256 sequences decode at the same mean context (1,032 tokens); in beams of 4, 64 prompts' caches stream
  // from DRAM instead of 256: the step reads (1 − f) of the cache less, f = (0.969 + 4 × 0.031) / 4 = 0.273.
  const f = (1000 / 1032 + 4 * (32 / 1032)) / 4;
  const saved = ((1 - f) * one.decode.kvCacheBytes) / (H100.memoryBandwidthBytesPerSecond.value * efficiencyFor(H100).memoryEfficiency);
  const actual = one.decodeStepSeconds - four.decodeStepSeconds;
  assert.ok(Math.abs(actual / saved - 1) < 0.25, `saved ${actual} s, expected about ${saved} s`);
  // The cache memory follows the same sharing.
  assert.ok(Math.abs(four.decode.kvCacheBytes / one.decode.kvCacheBytes - f) < 0.01);
});

test('a decode context from the per-sample lengths: the step reads that much cache; the prefill is unchanged', () => {
  const info = detectDecoder(llama8b({}))!;
  const options = { precisionOverride: 'fp8' as const, promptTokens: 400, outputTokens: 146 };
  const mean = estimateLlmServing(llama8b, info, H100, options, 512);
  const spread = estimateLlmServing(llama8b, info, H100, { ...options, decodeContextTokens: 554 }, 512);
  // The default is prompt + output/2 = 473 tokens of past per sequence; the spread lengths' 554 hold 554/473 of it.
  assert.ok(Math.abs(spread.decode.kvCacheBytes / mean.decode.kvCacheBytes - 554 / 473) < 0.01);
  assert.ok(spread.decodeStepSeconds > mean.decodeStepSeconds);
  assert.equal(spread.prefillSeconds, mean.prefillSeconds);
});

test('a KV-cache dtype: the cache is stored and read at its width, whatever the layers run in; the prefill and the weights unchanged', () => {
  const info = detectDecoder(llama8b({}))!;
  const options = { precisionOverride: 'bf16' as const, promptTokens: 1024, outputTokens: 128 };
  const bf16 = estimateLlmServing(llama8b, info, H100, options, 64);
  const fp8 = estimateLlmServing(llama8b, info, H100, { ...options, kvCacheDtype: 'fp8' }, 64);
  assert.ok(Math.abs(fp8.decode.kvCacheBytes / bf16.decode.kvCacheBytes - 0.5) < 1e-9, 'one byte per element instead of two');
  assert.equal(fp8.decode.weightBytes, bf16.decode.weightBytes);
  // The step reads half the cache: it saves about half the cache's bytes over the achieved bandwidth.
  const saved = bf16.decode.kvCacheBytes / 2 / (H100.memoryBandwidthBytesPerSecond.value * efficiencyFor(H100).memoryEfficiency);
  const actual = bf16.decodeStepSeconds - fp8.decodeStepSeconds;
  assert.ok(Math.abs(actual / saved - 1) < 0.2, `saved ${actual} s, expected about ${saved} s`);
  assert.ok(Math.abs(fp8.prefillSeconds / bf16.prefillSeconds - 1) < 0.01, 'the prefill reads no cache');
  // The other way: fp8 layers with a 16-bit cache read twice the cache an fp8 choice alone stores.
  const fp8Layers = estimateLlmServing(llama8b, info, H100, { ...options, precisionOverride: 'fp8' }, 64);
  const wideCache = estimateLlmServing(llama8b, info, H100, { ...options, precisionOverride: 'fp8', kvCacheDtype: 'bf16' }, 64);
  assert.ok(Math.abs(wideCache.decode.kvCacheBytes / fp8Layers.decode.kvCacheBytes - 2) < 1e-9);
  assert.ok(wideCache.decodeStepSeconds > fp8Layers.decodeStepSeconds);
});

test('a served prefill projects only each prompt\'s last position onto the vocabulary', () => {
  const info = detectDecoder(llama8b({}))!;
  const prefill = llama8b(llmBindings(info, 8, 1000, 128).prefill);
  const decode = llama8b(llmBindings(info, 8, 1000, 128).decode);
  const base = { precisionOverride: 'fp8' as const, batch: 8, promptTokens: 1000, outputTokens: 128 };
  const [all] = combineLlm(prefill, decode, [H100], base);
  const [last] = combineLlm(prefill, decode, [H100], { ...base, prefillLogitsRowFraction: 1 / 1000 });
  // Llama 3.1 8B: the 128,256 × 4,096 projection is 1.05 of the ~16 GFLOP per prompt token; keeping 1 row in 1,000 saves ~6%.
  const saved = 1 - last.prefillSeconds / all.prefillSeconds;
  assert.ok(saved > 0.04 && saved < 0.1, `saved ${saved}`);
  assert.equal(last.decodeStepSeconds, all.decodeStepSeconds, 'decode projects its one new token either way');
});

test('offline: every halving is tried, so a batch whose activations fit the L2 can win (ResNet-50 on an L4)', () => {
  const l4 = findHardware('l4')!;
  const options = { precisionOverride: 'int8' as const };
  const { plan } = planOfflineServing((b) => resnet({ batch: b }), l4, options);
  const perChip = (b: number) => estimateOnTarget(resnet({ batch: b }), l4, { ...options, batch: b }).throughputPerChipPerSecond;
  assert.ok(plan.batch < 64, `batch ${plan.batch}`);
  assert.equal(plan.limit, 'saturated');
  assert.ok(plan.throughputPerChipPerSecond > 1.2 * perChip(plan.maxBatchInMemory > 1024 ? 1024 : 256), 'well above the largest batches');
});
