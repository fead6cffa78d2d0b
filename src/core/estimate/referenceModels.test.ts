import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bertLargeReport, decoderReport, GPTJ_6B, LLAMA2_70B, resnet50Report } from './referenceModels';
import { detectDecoder } from './llm';
import { estimateModel, kvCacheBytes } from './modelEstimate';
import { makeDevice } from './testUtil';

const within = (a: number, b: number, rel: number) => assert.ok(Math.abs(a - b) <= rel * b, `${a} not within ${rel * 100}% of ${b}`);

test('analytic ResNet-50 v1.5: 4.09 GMACs and 25.5 M parameters per 224×224 image', () => {
  const r = resnet50Report(1, 'float');
  within(Number(r.totals.macs), 4.09e9, 0.01);
  within(Number(r.totals.params), 25.5e6, 0.01);
});

test('analytic BERT-large: 302 M encoder parameters, 2 × params MACs per token + attention', () => {
  const r = bertLargeReport(1, 384, 'float');
  within(Number(r.totals.params), 302.3e6, 0.01);
  // 24 layers × (384 × 12.58M linear + 2 × 384² × 1024 attention) MACs
  within(Number(r.totals.macs), 24 * (384 * 12582912 + 2 * 384 * 384 * 1024), 0.01);
});

test('analytic decoders: GPT-J 6.05 B and Llama-2-70B 69 B parameters, KV cache from the past inputs', () => {
  within(Number(decoderReport(GPTJ_6B, 1, 1, 0, 'float16').totals.params), 6.05e9, 0.01);
  within(Number(decoderReport(LLAMA2_70B, 1, 1, 0, 'float16').totals.params), 68.98e9, 0.01);
  const d = decoderReport(LLAMA2_70B, 2, 1, 1000, 'float8e4m3fn');
  // 80 layers × 2 (K, V) × 8 kv heads × 128 × 1000 past × 2 sequences × 1 byte
  assert.equal(kvCacheBytes(d).bytes, 80 * 2 * 8 * 128 * 1001 * 2); // present outputs hold past + 1
  const info = detectDecoder(d);
  assert.ok(info);
  assert.equal(info.layers, 80);
  assert.equal(info.kvHeads, 8);
});

test('Llama-2-70B: fp8 weights (69 GB) fit one 80 GB device; fp16 (138 GB) need two, tensor-parallel', () => {
  const h100 = makeDevice({ id: 'h100-like', peaks: { fp32: 67e12, fp16: 989e12, fp8: 1979e12 }, memoryBytes: 80e9, bandwidthBytesPerSecond: 3.35e12, interconnectBytesPerSecond: 900e9 });
  assert.equal(estimateModel(decoderReport(LLAMA2_70B, 1, 1, 100, 'float8e4m3fn'), [h100])[0].fits, true);
  const [e] = estimateModel(decoderReport(LLAMA2_70B, 1, 1, 100, 'float16'), [h100]);
  assert.equal(e.fits, false);
  assert.equal(e.chipsNeeded, 2);
  assert.ok(e.interconnectSeconds > 0);
});
