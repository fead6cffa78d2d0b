import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRowsPerKvHead, runsAsMatrixVector } from './decodeAttention';
import { estimateNodes } from './roofline';
import { makeDevice, makeReport, t } from './testUtil';

/** A GroupQueryAttention as onnxruntime-genai writes it: output [batch, sequence, heads × 64], present [batch, kvHeads, total, 64]. */
function gqa(heads: number, kvHeads: number, sequence: number | string) {
  return {
    opType: 'GroupQueryAttention',
    domain: 'com.microsoft',
    flops: 1e12,
    macs: 5e11,
    bytesRead: 1e8,
    computeDtype: 'float16',
    outputs: [
      t('attn_out', 'float16', ['batch', sequence, heads * 64]),
      t('present.0.key', 'float16', ['batch', kvHeads, 'total', 64]),
      t('present.0.value', 'float16', ['batch', kvHeads, 'total', 64]),
    ],
  };
}

test('query rows per KV head: tokens × query heads / KV heads, from the output and the present key', () => {
  const bindings = { batch: 8, total: 1000, sequence: 512 };
  const rows = (heads: number, kv: number, s: number | string) => queryRowsPerKvHead(makeReport([gqa(heads, kv, s)]).nodes[0], bindings);
  assert.equal(rows(16, 16, 1), 1); // GPT-J decode (MHA)
  assert.equal(rows(32, 8, 1), 4); // Llama 3 decode (GQA 4:1)
  assert.equal(rows(16, 16, 'sequence'), 512); // a prefill
  // The [batch, heads, sequence, head size] output form (ai.onnx Attention with 4-D inputs).
  const fourD = makeReport([{ opType: 'Attention', outputs: [t('y', 'float16', ['batch', 32, 1, 128]), t('present_key', 'float16', ['batch', 32, 'total', 128])] }]);
  assert.equal(queryRowsPerKvHead(fourD.nodes[0], bindings), 1);
  // Not an attention with a present key cache: no answer.
  assert.equal(queryRowsPerKvHead(makeReport([{ opType: 'MatMul', outputs: [t('y', 'float16', [8, 1, 4096])] }]).nodes[0], bindings), undefined);
  assert.equal(runsAsMatrixVector(makeReport([gqa(16, 16, 1)]).nodes[0], bindings), true);
  assert.equal(runsAsMatrixVector(makeReport([gqa(32, 8, 1)]).nodes[0], bindings), false);
});

test('an MHA decode attention runs on the vector units; a GQA decode and an MHA prefill on the matrix units', () => {
  const dev = makeDevice({ id: 'mv', peaks: { fp16: 1000e12, fp32: 60e12 }, memoryBytes: 80e9, bandwidthBytesPerSecond: 1e15, powerWatts: 700, usdPerHour: 1 });
  const efficiency = { mv: { matrixEfficiency: 0.7, vectorEfficiency: 0.5, memoryEfficiency: 1, perKernelOverheadSeconds: 0, matrixRampSeconds: 0 } };
  const time = (node: ReturnType<typeof gqa>, bindings: Record<string, number>) => estimateNodes(makeReport([node], { bindings }), dev, { efficiency })[0];
  const mha = time(gqa(16, 16, 1), { batch: 8, total: 1000 });
  assert.equal(mha.precision, null);
  assert.equal(mha.effectiveFlopsPerSecond, 60e12 * 0.5);
  assert.ok(mha.notes.some((n) => /vector units/.test(n)));
  // Compute-bound here: 1e12 FLOPs at 30 TFLOP/s, the plain max with the 0.1 ms memory time (a streaming kernel).
  assert.ok(Math.abs(mha.seconds - 1e12 / 30e12) < 1e-12);
  const gqaDecode = time(gqa(32, 8, 1), { batch: 8, total: 1000 });
  assert.equal(gqaDecode.precision, 'fp16');
  assert.ok(Math.abs(gqaDecode.effectiveFlopsPerSecond / (1000e12 * 0.7) - 1) < 1e-9);
  const prefill = time(gqa(16, 16, 'sequence'), { batch: 8, total: 1000, sequence: 512 });
  assert.equal(prefill.precision, 'fp16');
});
