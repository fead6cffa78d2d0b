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
/** 100 TFLOP/s bf16 and fp16, fp8 200, int8 400; 1 TB/s; measured bf16 80, fp8 120, 0.9 TB/s, 4 µs launches. */
const measured: HardwareEntry = {
  ...makeDevice({ id: 'measured', peaks: { fp32: 10e12, bf16: 100e12, fp16: 100e12, fp8: 200e12, int8: 400e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12 }),
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

test('measured factors are achieved / peak, per precision; an unmeasured precision with a measured one\'s peak takes its fraction, others the mean', () => {
  const m = measuredEfficiency(measured);
  assert.deepEqual(m.matrixEfficiencyByPrecision, { bf16: 0.8, fp8: 0.6, fp16: 0.8 });
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

test('a GEMM runs at the measured efficiency of its precision (or of the measured precision with its peak); another unmeasured one at the mean', () => {
  const noRamp = { gpu: { matrixRampSeconds: 0, perKernelOverheadSeconds: 0 } };
  const [bf16] = estimateNodes(makeReport([gemm('bfloat16')]), measured, { efficiency: noRamp });
  close(bf16.computeEfficiency, 0.8);
  close(bf16.computeSeconds, (2 * N ** 3) / 80e12);
  const [fp8] = estimateNodes(makeReport([gemm('float8e4m3fn')]), measured, { efficiency: noRamp });
  close(fp8.computeEfficiency, 0.6);
  const [fp16] = estimateNodes(makeReport([gemm('float16')]), measured, { efficiency: noRamp });
  close(fp16.computeEfficiency, 0.8, 1e-9);
  const [int8] = estimateNodes(makeReport([{ ...gemm('int8') }]), measured, { efficiency: noRamp });
  close(int8.computeEfficiency, 0.7);
  // Hopper: INT8 has FP8's peak (one datapath), so it runs at FP8's measured fraction, not the mean.
  const h100 = efficiencyFor(device('h100-sxm'));
  close(h100.matrixEfficiencyByPrecision!.int8!, h100.matrixEfficiencyByPrecision!.fp8!);
});

test('catalog devices: H100 SXM efficiencies come from its published GEMM benchmarks, not the class default', () => {
  const h100 = device('h100-sxm');
  const f = efficiencyFor(h100);
  // The mean of its own MAMF runs and the H200's, the same silicon at the same 700 W (BF16 794.5 and 795, FP8 1402.6 and 1453.4).
  const h200 = device('h200');
  const pooled = (p: 'bf16' | 'fp8') => (h100.achieved!.matrixFlopsPerSecond![p]!.value / h100.peakFlopsPerSecond[p]!.value + h200.achieved!.matrixFlopsPerSecond![p]!.value / h200.peakFlopsPerSecond[p]!.value) / 2;
  close(f.matrixEfficiencyByPrecision!.bf16!, pooled('bf16'));
  close(pooled('bf16'), 794.5e12 / h100.peakFlopsPerSecond.bf16!.value, 1e-3);
  close(f.matrixEfficiencyByPrecision!.fp8!, pooled('fp8'));
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

test('one silicon at one board power is one accelerator: the H100 SXM and the H200 (700 W) take the mean of their GEMM runs', () => {
  const h100 = measuredEfficiency(device('h100-sxm')).matrixEfficiencyByPrecision!;
  const h200 = measuredEfficiency(device('h200')).matrixEfficiencyByPrecision!;
  close(h100.fp8!, (1402.6 + 1453.4) / 2 / 1978.9, 1e-3);
  assert.equal(h100.fp8, h200.fp8);
  assert.equal(h100.int8, h100.fp8, 'INT8 shares the FP8 datapath and peak');
  // The GH200 (1000 W) shares the die but not the power: it keeps its own, faster runs.
  assert.ok(measuredEfficiency(device('gh200-144gb')).matrixEfficiencyByPrecision!.fp8! > h100.fp8! + 0.03);
});

test('an unmeasured precision takes its compute twin\'s fraction, scaled by how the two compare where both measured', () => {
  const mi300x = measuredEfficiency(device('mi300x')).matrixEfficiencyByPrecision!;
  // An MI325X that had measured BF16 only (no power given, so it pools its runs with no catalog board); its twin,
  // the MI300X (750 W), measured BF16, FP16 and FP8.
  const catalogMi325x = device('mi325x');
  const bf16Only: HardwareEntry = { ...catalogMi325x, id: 'mi325x-bf16-only', powerWatts: undefined, achieved: { matrixFlopsPerSecond: { bf16: catalogMi325x.achieved!.matrixFlopsPerSecond!.bf16! } } };
  const mi325x = measuredEfficiency(bf16Only).matrixEfficiencyByPrecision!;
  close(mi325x.fp8!, mi300x.fp8! * (mi325x.bf16! / mi300x.bf16!));
  assert.ok(mi325x.fp8! > mi300x.fp8! && mi325x.fp8! < mi325x.bf16!);
  // Where the device measured that precision itself, its own figure stands.
  close(measuredEfficiency(catalogMi325x).matrixEfficiencyByPrecision!.fp8!, catalogMi325x.achieved!.matrixFlopsPerSecond!.fp8!.value / catalogMi325x.peakFlopsPerSecond.fp8!.value);
  // A twin without measurements adds nothing.
  assert.equal(device('a30').achieved, undefined);
  const twinless: HardwareEntry = { ...measured, id: 'twinned', sameComputeAs: 'a30' };
  assert.deepEqual(measuredEfficiency(twinless).matrixEfficiencyByPrecision, measuredEfficiency(measured).matrixEfficiencyByPrecision);
});
