import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findHardware, validateHardwareEntry } from '../hardware/catalog';
import type { GemmSizeSweep, HardwareEntry } from '../hardware/hardwareTypes';
import { curveRelative, sizeCurve } from './gemmSizeCurve';
import { efficiencyFor, estimateNodes, matrixEfficiency } from './roofline';
import { makeReport, t } from './testUtil';

function device(id: string): HardwareEntry {
  const d = findHardware(id);
  assert.ok(d, `catalog lacks ${id}`);
  return d;
}

const SRC = { url: 'https://example.com/sweep', retrieved: '2026-12-06' };
const sweep = (points: [number, number, number, number][]): GemmSizeSweep => ({ points: points.map(([m, n, k, tflops]) => ({ m, n, k, flopsPerSecond: tflops * 1e12 })), source: SRC });

test('size curve: compute rates relative to the largest GEMM, capped by every larger one, memory-heavy shapes left out', () => {
  const curve = sizeCurve(
    sweep([
      [1024, 1024, 1024, 100],
      [2048, 2048, 2048, 900], // faster than the next one: capped to it
      [4096, 4096, 4096, 800],
      [8192, 8192, 8192, 1000],
      [802816, 192, 768, 600], // memory time over half the kernel's: left out
    ]),
    'fp8',
    { bandwidthBytesPerSecond: 3e12 },
  )!;
  assert.deepEqual(curve.map((p) => p.flops), [2 * 1024 ** 3, 2 * 2048 ** 3, 2 * 4096 ** 3, 2 * 8192 ** 3]);
  assert.equal(curve[curve.length - 1].relative, 1);
  assert.equal(curve[1].relative, curve[2].relative, 'a smaller GEMM is never faster per FLOP than a larger one');
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i].relative >= curve[i - 1].relative);
  // Between points: linear in log FLOPs; outside, the end points.
  const mid = Math.sqrt(curve[0].flops * curve[1].flops);
  assert.ok(Math.abs(curveRelative(curve, mid) - (curve[0].relative + curve[1].relative) / 2) < 1e-12);
  assert.equal(curveRelative(curve, 1), curve[0].relative);
  assert.equal(curveRelative(curve, 1e18), 1);
});

test('a sweep with fewer than two compute-bound points gives no curve', () => {
  assert.equal(sizeCurve(sweep([[802816, 192, 768, 600], [1024, 1024, 1024, 100]]), 'fp8', { bandwidthBytesPerSecond: 3e12 }), undefined);
});

test('H100 FP8 GEMMs follow the published cuBLASLt sweep: each compute-bound point within 4% (the ceiling is the catalog\'s best rate, above the sweep\'s), where the ramp alone was over 5% fast', () => {
  const h100 = device('h100-sxm');
  const points = h100.achieved!.gemmSizeSweep!.fp8!.points;
  const time = (m: number, n: number, k: number, efficiency?: object) => {
    const node = { name: 'mm', opType: 'MatMul', computeDtype: 'float8e4m3fn', flops: 2 * m * n * k, macs: m * n * k, bytesRead: m * k + k * n, bytesWritten: 2 * m * n, inputs: ['a', 'b'], outputs: [t('y', 'float16', [m, n])] };
    return estimateNodes(makeReport([node]), h100, efficiency ? { efficiency: { 'h100-sxm': efficiency } } : {})[0].seconds;
  };
  const launch = efficiencyFor(h100).perKernelOverheadSeconds;
  let worstRamp = 0;
  for (const { m, n, k, flopsPerSecond } of points.filter((p) => p.m * p.n * p.k >= 2048 ** 3 && p.n >= 1024)) {
    const measured = (2 * m * n * k) / flopsPerSecond;
    // The sweep times kernels back to back (launches hidden): compare without the estimator's launch cost.
    const estimated = time(m, n, k) - launch;
    assert.ok(Math.abs(estimated / measured - 1) < 0.04, `${m}×${n}×${k}: ${estimated} s against ${measured} s`);
    worstRamp = Math.min(worstRamp, (time(m, n, k, { matrixRampSeconds: 3e-6 }) - launch) / measured - 1);
  }
  assert.ok(worstRamp < -0.05, `the ramp alone was ${(worstRamp * 100).toFixed(1)}% fast at worst`);
});

test('a device without a sweep takes its architecture\'s curve under its own ceiling; one without either keeps the ramp', () => {
  const b200 = efficiencyFor(device('b200'));
  const gb200 = efficiencyFor(device('gb200'));
  assert.deepEqual(b200.matrixSizeCurves?.fp4, gb200.matrixSizeCurves?.fp4);
  assert.deepEqual(efficiencyFor(device('h200-nvl')).matrixSizeCurves?.fp8, efficiencyFor(device('h100-nvl')).matrixSizeCurves?.fp8);
  assert.equal(efficiencyFor(device('l40s')).matrixSizeCurves, undefined);
  // Hopper's INT8 runs on FP8's datapath at FP8's peak: the same curve.
  const h100 = efficiencyFor(device('h100-sxm'));
  assert.deepEqual(h100.matrixSizeCurves?.int8, h100.matrixSizeCurves?.fp8);
  // The A100 swept FP16; BF16 has the same peak, its 40 GB twin the same die.
  const a100 = efficiencyFor(device('a100-80gb'));
  assert.ok(a100.matrixSizeCurves?.fp16);
  assert.deepEqual(a100.matrixSizeCurves?.bf16, a100.matrixSizeCurves?.fp16);
  assert.deepEqual(efficiencyFor(device('a100-40gb')).matrixSizeCurves?.fp16, a100.matrixSizeCurves?.fp16);
  assert.equal(a100.matrixSizeCurves?.int8, undefined, 'INT8 is twice the FP16 peak on Ampere: another datapath width, no curve');
  // Measured: FP4 on Blackwell fills later than FP8 (GB200: 1677.7 against 2243.6 TFLOPS at 2048³).
  const flops = 2 * 2048 ** 3;
  const gb = device('gb200');
  assert.ok(matrixEfficiency(flops, gb.peakFlopsPerSecond.fp4!.value, gb200, 'fp4') * gb.peakFlopsPerSecond.fp4!.value < matrixEfficiency(flops, gb.peakFlopsPerSecond.fp8!.value, gb200, 'fp8') * gb.peakFlopsPerSecond.fp8!.value);
});

test('the curve caps the ramp and never lifts it; a ramp set by the user replaces the curve', () => {
  const h100 = device('h100-sxm');
  const f = efficiencyFor(h100);
  const peak = h100.peakFlopsPerSecond.fp8!.value;
  const rampOnly = { ...f, matrixSizeCurves: undefined };
  for (const flops of [1e6, 1e9, 1e11, 1e13, 1e15]) assert.ok(matrixEfficiency(flops, peak, f, 'fp8') <= matrixEfficiency(flops, peak, rampOnly, 'fp8'));
  const user = efficiencyFor(h100, { 'h100-sxm': { matrixRampSeconds: 1e-6 } });
  assert.equal(user.matrixSizeCurves, undefined);
});

test('the validator rejects a malformed sweep', () => {
  const h100 = device('h100-sxm');
  const bad = (gemmSizeSweep: unknown) => validateHardwareEntry({ ...h100, achieved: { ...h100.achieved, gemmSizeSweep } }).join('\n');
  assert.match(bad({ fp8: { points: [{ m: 1024, n: 1024, k: 1024, flopsPerSecond: 1e15 }], source: SRC } }), /1 points; a size curve needs at least 3/);
  assert.match(bad({ fp8: { points: [{ m: 1.5, n: 1024, k: 1024, flopsPerSecond: 1e15 }, { m: 2, n: 2, k: 2, flopsPerSecond: 1e15 }, { m: 3, n: 3, k: 3, flopsPerSecond: 1e15 }], source: SRC } }), /points\[0\]\.m: must be a positive integer/);
  assert.match(bad({ fp8: { points: [{ m: 1, n: 1, k: 1, flopsPerSecond: 9e15 }, { m: 2, n: 2, k: 2, flopsPerSecond: 1e15 }, { m: 3, n: 3, k: 3, flopsPerSecond: 1e15 }], source: SRC } }), /x the fp8 peak/);
  assert.match(bad({ fp4: { points: [], source: SRC } }), /measured against no fp4 peak/);
  assert.match(bad({ fp8: { points: [], source: { url: 'ftp://x', retrieved: '2026-12-06' } } }), /not an http\(s\) address/);
  assert.match(bad({ fp9: { points: [], source: SRC } }), /unknown precision "fp9"/);
  assert.equal(validateHardwareEntry(h100).length, 0);
});
