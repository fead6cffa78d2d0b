import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dtypeBytesPerElement, dtypeToPrecision, fallbackPrecision, INT4_WEIGHT_BYTES, INT8_WEIGHT_ONLY_BYTES, NVFP4_BYTES, precisionChoiceNote, resolvePrecision } from './precision';
import { makeDevice } from './testUtil';

// A100-like: no fp8; fp32 19.5 TFLOPS on CUDA cores, tf32 on tensor cores.
const a100 = makeDevice({
  id: 'a100-like',
  peaks: { fp32: 19.5e12, tf32: 156e12, fp16: 312e12, bf16: 312e12, int8: 624e12 },
  memoryBytes: 80e9,
  bandwidthBytesPerSecond: 2e12,
});
// T4-like: no bf16.
const t4 = makeDevice({ id: 't4-like', peaks: { fp32: 8.1e12, fp16: 65e12, int8: 130e12 }, memoryBytes: 16e9, bandwidthBytesPerSecond: 320e9 });
// Accelerator with only bf16 and int8 matrix units.
const tpu = makeDevice({ id: 'tpu-like', deviceClass: 'accelerator', peaks: { bf16: 200e12, int8: 400e12 }, memoryBytes: 16e9, bandwidthBytesPerSecond: 800e9 });
const fp16only = makeDevice({ id: 'fp16-only', peaks: { fp32: 10e12, fp16: 100e12 }, memoryBytes: 8e9, bandwidthBytesPerSecond: 500e9 });

const node = (computeDtype: string, opType = 'MatMul', extra: Record<string, unknown> = {}) => ({ opType, domain: '', computeDtype, ...extra });

test('dtype names map to precisions and element sizes', () => {
  assert.equal(dtypeToPrecision('float8e4m3fn'), 'fp8');
  assert.equal(dtypeToPrecision('bfloat16'), 'bf16');
  assert.equal(dtypeToPrecision('uint8'), 'int8');
  assert.equal(dtypeToPrecision('bool'), null);
  assert.equal(dtypeBytesPerElement('int4'), 0.5);
  assert.equal(dtypeBytesPerElement('float16'), 2);
});

test('fp8 on an A100-like device (no fp8) runs as fp16', () => {
  const r = resolvePrecision(node('float8e4m3fn'), a100);
  assert.equal(r.requested, 'fp8');
  assert.equal(r.compute, 'fp16');
  assert.equal(r.fallback, true);
  assert.equal(r.peakScale, 1);
  assert.equal(r.activationBytesPerElement, 1);
});

test('float32 uses the fp32 peak by default and tf32 only when allowed', () => {
  assert.equal(resolvePrecision(node('float'), a100).compute, 'fp32');
  assert.equal(resolvePrecision(node('float'), a100, { allowTf32: true }).compute, 'tf32');
  // allowTf32 on a device without tf32 keeps fp32
  assert.equal(resolvePrecision(node('float'), t4, { allowTf32: true }).compute, 'fp32');
});

test('bf16 on a T4-like device (no bf16) runs as fp16', () => {
  const r = resolvePrecision(node('bfloat16'), t4);
  assert.equal(r.compute, 'fp16');
  assert.equal(r.fallback, true);
});

test('int8 on a device without int8 falls back to fp16', () => {
  assert.equal(resolvePrecision(node('int8'), fp16only).compute, 'fp16');
  assert.equal(resolvePrecision(node('float', 'QLinearConv'), fp16only).requested, 'int8');
});

test('fp32 on a bf16-only accelerator is emulated at one third of the bf16 peak', () => {
  const r = resolvePrecision(node('float'), tpu);
  assert.equal(r.compute, 'bf16');
  assert.equal(r.peakScale, 1 / 3);
});

test('int4 weight-only (MatMulNBits): 4-bit weight traffic, 16-bit compute', () => {
  const params = 4096 * 4096;
  const r = resolvePrecision(node('float16', 'MatMulNBits', { domain: 'com.microsoft', params, weightBytes: params / 2 }), a100);
  assert.equal(r.weightOnlyQuantized, true);
  assert.equal(r.compute, 'fp16');
  assert.equal(r.weightBytesPerElement, 0.5);
  assert.equal(r.activationBytesPerElement, 2);
  // without weight figures in the report the default is 4 bits
  assert.equal(resolvePrecision(node('float16', 'MatMulNBits'), a100).weightBytesPerElement, 0.5);
  // float32 activations: fp32 compute
  assert.equal(resolvePrecision(node('float', 'MatMulNBits'), a100).compute, 'fp32');
});

test('precisionOverride runs float nodes in the asked precision with its element size', () => {
  const r = resolvePrecision(node('float', 'Conv', { params: 100, weightBytes: 400 }), a100, { precisionOverride: 'int8' });
  assert.equal(r.compute, 'int8');
  assert.equal(r.weightBytesPerElement, 1);
  assert.equal(r.activationBytesPerElement, 1);
});

const h100 = makeDevice({ id: 'h100-like', peaks: { fp32: 67e12, bf16: 989e12, fp16: 989e12, fp8: 1979e12, int8: 1979e12 }, memoryBytes: 80e9, bandwidthBytesPerSecond: 3.35e12 });
const b200 = makeDevice({ id: 'b200-like', peaks: { fp32: 80e12, bf16: 2250e12, fp16: 2250e12, fp8: 4500e12, fp4: 9000e12 }, memoryBytes: 180e9, bandwidthBytesPerSecond: 8e12 });
const weightedMac = (computeDtype: string) => node(computeDtype, 'MatMul', { params: 4096 * 4096, weightBytes: 4 * 4096 * 4096, macs: 4096 * 4096 });

test('precisionOverride int4 is weight-only (W4A16): 4.125-bit weights of weighted MAC layers, 16-bit activations and arithmetic', () => {
  const r = resolvePrecision(weightedMac('float'), a100, { precisionOverride: 'int4' });
  assert.equal(r.compute, 'fp16');
  assert.equal(r.weightOnlyQuantized, true);
  assert.equal(r.weightBytesPerElement, INT4_WEIGHT_BYTES);
  assert.equal(r.activationBytesPerElement, 2);
  const norm = resolvePrecision(node('float', 'LayerNormalization', { params: 4096, weightBytes: 4 * 4096 }), a100, { precisionOverride: 'int4' });
  assert.equal(norm.weightOnlyQuantized, false);
  assert.equal(norm.weightBytesPerElement, 2);
});

test('precisionOverride int8-weight-only (W8A16): 8-bit weights of weighted MAC layers, 16-bit activations and arithmetic', () => {
  const cases = [
    { device: h100, compute: 'fp16' },
    { device: tpu, compute: 'bf16' }, // no fp16 units: the 16-bit arithmetic runs as bf16, as JetStream's int8 does
  ];
  for (const { device, compute } of cases) {
    const r = resolvePrecision(weightedMac('float'), device, { precisionOverride: 'int8-weight-only' });
    assert.equal(r.compute, compute, device.id);
    assert.equal(r.weightOnlyQuantized, true);
    assert.equal(r.weightBytesPerElement, INT8_WEIGHT_ONLY_BYTES);
    assert.equal(r.activationBytesPerElement, 2);
    assert.match(r.note ?? '', /int8 weight-only: 8-bit weights/);
    assert.equal(precisionChoiceNote('int8-weight-only', device), undefined, 'no model-level note: nothing falls back');
  }
  // Not int8 arithmetic: W8A8 int8 uses the int8 peak and 1-byte activations.
  const w8a8 = resolvePrecision(weightedMac('float'), h100, { precisionOverride: 'int8' });
  assert.deepEqual([w8a8.compute, w8a8.activationBytesPerElement, w8a8.weightOnlyQuantized], ['int8', 1, false]);
  // Weights that no MAC layer multiplies (a norm's scale) stay 16-bit.
  const norm = resolvePrecision(node('float', 'LayerNormalization', { params: 4096, weightBytes: 4 * 4096 }), h100, { precisionOverride: 'int8-weight-only' });
  assert.equal(norm.weightOnlyQuantized, false);
  assert.equal(norm.weightBytesPerElement, 2);
});

test('precisionOverride fp4: NVFP4 weights and activations on FP4 matrix units; weight-only FP4 with a note elsewhere', () => {
  const onB200 = resolvePrecision(weightedMac('float16'), b200, { precisionOverride: 'fp4' });
  assert.equal(onB200.compute, 'fp4');
  assert.equal(onB200.fallback, false);
  assert.equal(onB200.weightBytesPerElement, NVFP4_BYTES);
  assert.equal(onB200.activationBytesPerElement, NVFP4_BYTES);
  const onH100 = resolvePrecision(weightedMac('float16'), h100, { precisionOverride: 'fp4' });
  assert.equal(onH100.compute, 'fp16');
  assert.equal(onH100.weightOnlyQuantized, true);
  assert.equal(onH100.weightBytesPerElement, NVFP4_BYTES);
  assert.equal(onH100.activationBytesPerElement, 2);
  assert.match(onH100.note ?? '', /h100-like has no FP4 matrix units: NVFP4 weights dequantised to 16 bits/);
});

test('an FP4 layer of the graph runs at the FP4 peak where there is one, else dequantised to 16 bits (not FP8)', () => {
  assert.equal(resolvePrecision(node('float4e2m1'), b200).compute, 'fp4');
  assert.equal(resolvePrecision(node('float4e2m1'), h100).compute, 'fp16');
  // int4 values fit int8 exactly: int4 without int4 units runs on the int8 ones
  assert.equal(resolvePrecision(node('int4'), h100).compute, 'int8');
});

test('a node already quantized is not overridden by a precision choice', () => {
  const qdq = node('int8', 'Conv', { quantization: { via: 'qdq', graphComputeDtype: 'float', fromQdq: true } });
  assert.equal(resolvePrecision(qdq, h100, { precisionOverride: 'fp8' }).compute, 'int8');
  const dqWeightOnly = node('float16', 'MatMul', { params: 1024, weightBytes: 520, quantization: { via: 'weight-only', graphComputeDtype: 'float16', fromQdq: true } });
  const r = resolvePrecision(dqWeightOnly, h100, { precisionOverride: 'fp8' });
  assert.equal(r.compute, 'fp16');
  assert.equal(r.weightBytesPerElement, 520 / 1024);
});

test('a narrow format the device lacks, and the weight-only choices\' arithmetic, use the faster of its 16-bit floats', () => {
  const device = (peaks: Record<string, number>) => makeDevice({ id: 'd', peaks, memoryBytes: 1e9, bandwidthBytesPerSecond: 1e12 });
  const gaudi3Like = device({ bf16: 1835e12, fp16: 459e12, fp8: 1835e12, fp32: 28.7e12 });
  const even = device({ bf16: 100e12, fp16: 100e12, fp32: 10e12 });
  const fp16Only = device({ fp16: 65e12, fp32: 8e12 });
  const cases: [string, Parameters<typeof fallbackPrecision>[0], ReturnType<typeof device>, string | null][] = [
    ['int8 on a bf16-fast device: bf16', 'int8', gaudi3Like, 'bf16'],
    ['int4 on a bf16-fast device: bf16', 'int4', gaudi3Like, 'bf16'],
    ['fp4 on a bf16-fast device: bf16', 'fp4', gaudi3Like, 'bf16'],
    ['fp8 it has: fp8', 'fp8', gaudi3Like, 'fp8'],
    ['int8 with equal 16-bit rates: the chain order (fp16)', 'int8', even, 'fp16'],
    ['int8 with fp16 only: fp16', 'int8', fp16Only, 'fp16'],
    ['fp16 asked on a bf16-fast device: fp16 (not a narrow format)', 'fp16', gaudi3Like, 'fp16'],
  ];
  for (const [name, requested, d, compute] of cases) assert.equal(fallbackPrecision(requested, d).compute, compute, name);
  // The weight-only choices' 16-bit arithmetic is the faster 16-bit float too.
  const layer = { opType: 'MatMul', domain: '', computeDtype: 'float', params: 1e6, weightBytes: 4e6, macs: 1e9 };
  for (const choice of ['int4', 'int8-weight-only'] as const) {
    assert.equal(resolvePrecision(layer, gaudi3Like, { precisionOverride: choice }).compute, 'bf16', `${choice} on a bf16-fast device`);
    assert.equal(resolvePrecision(layer, fp16Only, { precisionOverride: choice }).compute, 'fp16', `${choice} on an fp16 device`);
  }
});
