import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findHardware } from '../hardware/catalog';
import { type KernelData, type KernelPoint, estimateKernel, validateKernels } from './kernelValidation';

/** Compiled to out/src/core/estimate/: the repository root is four levels up (or the working directory). */
const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((d) => existsSync(join(d, 'test', 'fixtures', 'kernels')));

const gemm = (m: number, n: number, k: number, groups = 1): KernelPoint => ({ id: `g${groups}x${m}x${n}x${k}`, source: 's', layout: groups > 1 ? 'masked' : 'dense', groups, m, n, k, precision: 'fp8', tflops: 1 });

test('a large FP8 GEMM on the H100 runs at its measured rate; a decode-sized one is memory-bound at its measured bandwidth', () => {
  const h100 = findHardware('h100-sxm')!;
  const large = estimateKernel(gemm(16384, 16384, 16384), 'h100-sxm');
  const measured = h100.achieved!.matrixFlopsPerSecond!.fp8!.value / 1e12;
  assert.equal(large.bound, 'compute');
  assert.ok(large.tflops > 0.9 * measured && large.tflops <= measured * 1.05, `${large.tflops} against MAMF ${measured}`);
  const decode = estimateKernel(gemm(16, 8192, 8192), 'h100-sxm');
  assert.equal(decode.bound, 'memory');
  // 64 MiB of FP8 weights cannot stream faster than the measured bandwidth allows.
  const floorSeconds = (8192 * 8192) / h100.achieved!.memoryBandwidthBytesPerSecond!.value;
  assert.ok(decode.tflops <= (2 * 16 * 8192 * 8192) / floorSeconds / 1e12 + 1e-9);
});

test('a grouped GEMM is the groups\' work in one kernel: more groups of the same shape fill the device at least as well', () => {
  const one = estimateKernel(gemm(256, 4096, 7168, 1), 'h100-sxm');
  const four = estimateKernel(gemm(256, 4096, 7168, 4), 'h100-sxm');
  assert.ok(four.tflops >= one.tflops, `${four.tflops} < ${one.tflops}`);
});

test('points name their source; a point whose source is not listed is refused', () => {
  const data: KernelData = { sources: { s: { catalog_id: 'h100-sxm', device: 'H100', kernel: 'k', url: 'u', note: 'n' } }, results: [gemm(1024, 1024, 1024)] };
  const { rows } = validateKernels(data);
  assert.equal(rows[0].device, 'h100-sxm');
  assert.equal(rows[0].shape, '1024 × 1024 × 1024');
  assert.ok(Number.isFinite(rows[0].error));
  assert.throws(() => validateKernels({ ...data, results: [{ ...gemm(8, 8, 8), source: 'nowhere' }] }), /unknown source 'nowhere'/);
  assert.throws(() => validateKernels({ sources: { s: { ...data.sources.s, catalog_id: 'no-such-gpu' } }, results: [gemm(8, 8, 8)] }), /no catalog device 'no-such-gpu'/);
});

test('the published DeepGEMM kernels: every row estimated, on the device its source names', () => {
  assert.ok(ROOT, 'test/fixtures/kernels not found');
  const data = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'kernels', 'gemm-benchmarks.json'), 'utf8')) as KernelData;
  const { rows, medianAbsoluteError } = validateKernels(data);
  assert.equal(rows.length, data.results.length);
  for (const r of rows) assert.ok(Number.isFinite(r.estimatedTflops) && r.estimatedTflops > 0, r.id);
  assert.ok(Number.isFinite(medianAbsoluteError));
});
