import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibrate, compareWithMeasurements, detectTraceFormat, fitEfficiency, parseOrtProfile, parseTrtProfile, trtLayerNodeNames } from './calibration';
import { efficiencyFor, estimateNodes } from './roofline';
import { makeDevice, makeReport, t } from './testUtil';

// compiled to out/src/core/estimate/: the fixtures are at the repository root
const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'calibration');
const load = (f: string): unknown => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'));
const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);

const dev = makeDevice({ id: 'round', peaks: { fp16: 100e12, fp32: 10e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12 });
// overlapExponent Infinity: the plain roofline max, so a refit reproduces the measured times exactly.
const eff = { round: { matrixEfficiency: 0.5, matrixRampSeconds: 0, vectorEfficiency: 0.5, memoryEfficiency: 0.5, perKernelOverheadSeconds: 0, overlapExponent: Infinity } };
const N = 1024;
const report = makeReport([
  { name: 'gemm', opType: 'MatMul', computeDtype: 'float16', flops: 2 * N ** 3, macs: N ** 3, bytesRead: 4 * N * N, bytesWritten: 2 * N * N, inputs: ['a', 'b'], outputs: [t('y', 'float16', [N, N])] },
  { name: 'relu', opType: 'Relu', computeDtype: 'float16', flops: N * N, bytesRead: 2 * N * N, bytesWritten: 2 * N * N, inputs: ['y'], outputs: [t('r', 'float16', [N, N])] },
  { name: 'add', opType: 'Add', computeDtype: 'float16', flops: 1e6, bytesRead: 4e6, bytesWritten: 2e6, inputs: ['p', 'q'], outputs: [t('s', 'float16', [1e6])] },
]);

test('ONNX Runtime profile: kernel-time events averaged per node, fences ignored', () => {
  const json = load('ort-profile.json');
  assert.equal(detectTraceFormat(json), 'onnxruntime');
  const m = parseOrtProfile(json);
  assert.deepEqual(m.map((x) => x.name), ['gemm', 'add', 'Memcpy_token_0']);
  close(m[0].seconds, ((100 + 80 + 96) / 3) * 1e-6);
  assert.equal(m[0].runs, 3);
  assert.equal(m[0].opType, 'MatMul');
  assert.equal(m[0].provider, 'CUDAExecutionProvider');
  close(m[1].seconds, 26e-6);
  // dropping the warm-up run
  close(parseOrtProfile(json, { skipFirstRuns: 1 })[0].seconds, 88e-6);
});

test('trtexec --exportProfile: medianMs preferred, fused names split', () => {
  const json = load('trtexec-profile.json');
  assert.equal(detectTraceFormat(json), 'tensorrt');
  const m = parseTrtProfile(json);
  assert.equal(m.length, 3);
  assert.deepEqual(m[0].nodeNames, ['gemm', 'relu']);
  close(m[0].seconds, 0.096e-3);
  assert.equal(m[0].runs, 4);
  // older TensorRT without medianMs: averageMs
  close(parseTrtProfile(load('trtexec-profile-legacy.json'))[0].seconds, 0.1e-3);
  assert.deepEqual(trtLayerNodeNames('PWN(a, b) + c'), ['a', 'b', 'c']);
});

test('estimate vs measurement per node, and refit of the efficiency factors', () => {
  const estimates = estimateNodes(report, dev, { efficiency: eff });
  // gemm: 2·1024³ / 5e13 = 42.95 µs compute-bound; add: 6e6 / 5e11 = 12 µs memory-bound
  const cmp = compareWithMeasurements(estimates, parseOrtProfile(load('ort-profile.json')));
  assert.equal(cmp.rows.length, 2);
  assert.equal(cmp.unmatched.length, 1);
  const g = cmp.rows[0];
  close(g.estimatedSeconds, 2147483648 / 5e13);
  close(g.ratio, (92e-6) / (2147483648 / 5e13));
  const fit = fitEfficiency(cmp, efficiencyFor(dev, eff));
  // matrix: 0.5 / (92 / 42.95) ≈ 0.2334; memory: 0.5 / (26 / 12) ≈ 0.2308
  close(fit.factors.matrixEfficiency, 0.5 / (92e-6 / (2147483648 / 5e13)));
  close(fit.factors.memoryEfficiency, 0.5 / (26 / 12));
  assert.deepEqual(fit.groups.map((x) => x.factor).sort(), ['matrixEfficiency', 'memoryEfficiency']);
  // re-estimating with the fitted factors reproduces the measurements
  const again = estimateNodes(report, dev, { efficiency: { round: fit.factors } });
  close(again[0].seconds, 92e-6, 1e-6);
  close(again[2].seconds, 26e-6, 1e-6);
});

test('TensorRT fused layer: estimate is the sum of its nodes', () => {
  const fit = calibrate(report, dev, load('trtexec-profile.json'), { efficiency: eff });
  const row = fit.comparison.rows.find((r) => r.name === 'gemm + relu')!;
  const es = estimateNodes(report, dev, { efficiency: eff });
  close(row.estimatedSeconds, es[0].seconds + es[1].seconds);
  assert.equal(fit.comparison.unmatched.length, 1);
  close(fit.comparison.unmatchedSeconds, 0.049e-3);
});

test('a non-profile is rejected', () => {
  assert.throws(() => detectTraceFormat({ not: 'an array' }));
  assert.throws(() => detectTraceFormat([{ foo: 1 }]));
});
