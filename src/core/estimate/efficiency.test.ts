import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import { DEFAULT_EFFICIENCY, efficiencyFor, estimateNodes, matrixEfficiency, measuredEfficiency } from './roofline';
import { makeDevice, makeReport, t } from './testUtil';

const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);

function device(id: string): HardwareEntry {
  const d = findHardware(id);
  assert.ok(d, `catalog lacks ${id}`);
  return d;
}

const SRC = { url: 'https://example.com/bench', retrieved: '2026-12-06' };
/** 100 TFLOP/s bf16 and fp8 200, 1 TB/s; measured bf16 80, fp8 120, 0.9 TB/s, 4 µs launches. */
const measured: HardwareEntry = {
  ...makeDevice({ id: 'measured', peaks: { fp32: 10e12, bf16: 100e12, fp16: 100e12, fp8: 200e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12 }),
  achieved: {
    matrixFlopsPerSecond: { bf16: { value: 80e12, source: SRC }, fp8: { value: 120e12, source: SRC } },
    memoryBandwidthBytesPerSecond: { value: 0.9e12, source: SRC },
    kernelLaunchSeconds: { value: 4e-6, source: SRC },
  },
};

const N = 8192;
const gemm = (dtype: string) => ({
  name: 'gemm',
  opType: 'MatMul',
  computeDtype: dtype,
  flops: 2 * N ** 3,
  macs: N ** 3,
  bytesRead: 2 * N * N * 2,
  bytesWritten: N * N * 2,
  inputs: ['a', 'b'],
  outputs: [t('y', dtype, [N, N])],
});

test('measured factors are achieved / peak, per precision, with their mean for unmeasured precisions', () => {
  const m = measuredEfficiency(measured);
  assert.deepEqual(m.matrixEfficiencyByPrecision, { bf16: 0.8, fp8: 0.6 });
  close(m.matrixEfficiency!, 0.7);
  close(m.memoryEfficiency!, 0.9);
  assert.equal(m.perKernelOverheadSeconds, 4e-6);
  assert.deepEqual(measuredEfficiency(makeDevice({ id: 'bare', peaks: { fp16: 1e12 }, memoryBytes: 1e9, bandwidthBytesPerSecond: 1e11 })), {});
});

test('efficiencyFor: class default < measured < class override < id override', () => {
  const f = efficiencyFor(measured);
  close(f.memoryEfficiency, 0.9);
  assert.equal(f.vectorEfficiency, DEFAULT_EFFICIENCY.gpu.vectorEfficiency, 'no measurement: class default');
  assert.equal(f.matrixRampSeconds, DEFAULT_EFFICIENCY.gpu.matrixRampSeconds);
  assert.equal(efficiencyFor(measured, { gpu: { memoryEfficiency: 0.5 } }).memoryEfficiency, 0.5);
  assert.equal(efficiencyFor(measured, { gpu: { memoryEfficiency: 0.5 }, measured: { memoryEfficiency: 0.6 } }).memoryEfficiency, 0.6);
  // A user's matrix efficiency applies to every precision, replacing the per-precision measurements.
  const o = efficiencyFor(measured, { measured: { matrixEfficiency: 0.5 } });
  assert.equal(o.matrixEfficiencyByPrecision, undefined);
  assert.equal(matrixEfficiency(1e21, 100e12, o, 'bf16') > 0.4999 && matrixEfficiency(1e21, 100e12, o, 'bf16') <= 0.5, true);
});

test('a GEMM runs at the measured efficiency of its precision; an unmeasured precision at the mean', () => {
  const noRamp = { gpu: { matrixRampSeconds: 0, perKernelOverheadSeconds: 0 } };
  const [bf16] = estimateNodes(makeReport([gemm('bfloat16')]), measured, { efficiency: noRamp });
  close(bf16.computeEfficiency, 0.8);
  close(bf16.computeSeconds, (2 * N ** 3) / 80e12);
  const [fp8] = estimateNodes(makeReport([gemm('float8e4m3fn')]), measured, { efficiency: noRamp });
  close(fp8.computeEfficiency, 0.6);
  const [fp16] = estimateNodes(makeReport([gemm('float16')]), measured, { efficiency: noRamp });
  close(fp16.computeEfficiency, 0.7);
});

test('catalog devices: H100 SXM efficiencies come from its published GEMM benchmarks, not the class default', () => {
  const h100 = device('h100-sxm');
  const f = efficiencyFor(h100);
  close(f.matrixEfficiencyByPrecision!.bf16!, 794.5e12 / h100.peakFlopsPerSecond.bf16!.value);
  close(f.matrixEfficiencyByPrecision!.fp8!, 1402.6e12 / h100.peakFlopsPerSecond.fp8!.value);
  assert.notEqual(f.matrixEfficiency, DEFAULT_EFFICIENCY.gpu.matrixEfficiency);
  close(f.memoryEfficiency, 2.97e12 / h100.memoryBandwidthBytesPerSecond.value);
  close(efficiencyFor(device('a100-80gb')).memoryEfficiency, 1.7e12 / 2.039e12);
  assert.equal(efficiencyFor(device('b200')).memoryEfficiency, DEFAULT_EFFICIENCY.gpu.memoryEfficiency, 'no bandwidth measurement: class default');
});

test('all-reduce bus bandwidth sets the interconnect efficiency against the per-direction link rate', () => {
  const linked: HardwareEntry = {
    ...makeDevice({ id: 'linked', peaks: { bf16: 100e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12, interconnectBytesPerSecond: 600e9 }),
    achieved: { allReduceBusBytesPerSecond: { value: 240e9, source: SRC } },
  };
  close(efficiencyFor(linked).interconnectEfficiency, 0.8);
  assert.equal(measuredEfficiency({ ...linked, interconnectBytesPerSecond: undefined }).interconnectEfficiency, undefined, 'no link: nothing to measure against');
  close(efficiencyFor(device('a100-80gb')).interconnectEfficiency, 231.58e9 / 300e9);
  close(efficiencyFor(device('mi300x')).interconnectEfficiency, 316.82e9 / 448e9);
  assert.equal(efficiencyFor(device('h100-sxm')).interconnectEfficiency, 1, 'NVLink SHARP beats the ring bound: capped at 1');
  assert.equal(efficiencyFor(device('l4')).interconnectEfficiency, DEFAULT_EFFICIENCY.gpu.interconnectEfficiency);
});

test('catalog devices: measured AMD GEMM efficiency sits below NVIDIA\'s, as the micro-benchmarks show', () => {
  const mi300x = efficiencyFor(device('mi300x')).matrixEfficiencyByPrecision!.bf16!;
  const h100 = efficiencyFor(device('h100-sxm')).matrixEfficiencyByPrecision!.bf16!;
  assert.ok(mi300x < 0.55 && h100 > 0.78, `${mi300x} vs ${h100}`);
});

test('measured rates above the datasheet (boost clocks) cap the efficiency at 1', () => {
  const rtx = efficiencyFor(device('rtx-5090'));
  assert.equal(rtx.matrixEfficiencyByPrecision!.bf16, 1);
  assert.ok(rtx.matrixEfficiencyByPrecision!.fp8! < 1);
});
