import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findHardware } from '../hardware/catalog';
import { efficiencyFor, estimateNodes, evalDim, kernelSeconds, matrixEfficiency, DEFAULT_EFFICIENCY, OVERLAP_EXPONENT } from './roofline';
import { makeDevice, makeReport, t } from './testUtil';

// Made-up device with round numbers: 100 TFLOP/s fp16 matrix, 10 TFLOP/s fp32 vector, 1 TB/s.
const dev = makeDevice({ id: 'round', peaks: { fp16: 100e12, fp32: 10e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12 });
const eff = { round: { matrixEfficiency: 0.5, matrixRampSeconds: 0, vectorEfficiency: 0.5, memoryEfficiency: 0.5, perKernelOverheadSeconds: 1e-6 } };
const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);

const N = 1024;
const gemm = {
  name: 'gemm',
  opType: 'MatMul',
  computeDtype: 'float16',
  flops: 2 * N ** 3,
  macs: N ** 3,
  bytesRead: 2 * N * N * 2,
  bytesWritten: N * N * 2,
  inputs: ['a', 'b'],
  outputs: [t('y', 'float16', [N, N])],
};
const add = {
  name: 'add',
  opType: 'Add',
  computeDtype: 'float16',
  flops: 1e6,
  bytesRead: 4e6,
  bytesWritten: 2e6,
  inputs: ['p', 'q'],
  outputs: [t('s', 'float16', [1e6])],
};

test('compute-bound GEMM: flops / (peak × efficiency), combined with its memory time, + overhead', () => {
  const [e] = estimateNodes(makeReport([gemm]), dev, { efficiency: eff });
  // 2·1024³ = 2,147,483,648 FLOP / (100e12 × 0.5) = 42.94967296 µs
  close(e.computeSeconds, 2147483648 / 50e12);
  // 6,291,456 B / (1e12 × 0.5) = 12.582912 µs
  close(e.memorySeconds, 6291456 / 0.5e12);
  // √(42.95² + 12.58²) = 44.75 µs: the loads and stores do not hide entirely behind the math
  close(e.seconds, Math.hypot(2147483648 / 50e12, 6291456 / 0.5e12) + 1e-6);
  assert.equal(e.bound, 'compute');
  assert.equal(e.precision, 'fp16');
  assert.equal(e.kind, 'matrix');
});

test('memory-bound element-wise op: bytes / (bandwidth × efficiency) on the vector rate', () => {
  const [e] = estimateNodes(makeReport([add]), dev, { efficiency: eff });
  close(e.memorySeconds, 12e-6); // 6e6 B / 0.5e12 B/s
  close(e.computeSeconds, 0.2e-6); // 1e6 FLOP / (10e12 × 0.5): vector (fp32) rate, not the matrix peak
  close(e.seconds, 13e-6); // a streaming kernel hides its arithmetic behind its memory time: the plain max
  assert.equal(e.bound, 'memory');
  assert.equal(e.precision, null);
});

test('a kernel takes the p-norm of its compute and memory time: the max far from the ridge, more near it', () => {
  assert.equal(OVERLAP_EXPONENT, 2);
  close(kernelSeconds(3, 4, 2), 5);
  assert.equal(kernelSeconds(3, 0, 2), 3);
  assert.equal(kernelSeconds(0, 4, 2), 4);
  assert.equal(kernelSeconds(3, 4, Infinity), 4, 'p = ∞ is the plain roofline max');
  close(kernelSeconds(1, 1, 2), Math.SQRT2);
  assert.ok(kernelSeconds(1, 0.01, 2) < 1.0001, 'a memory time 1% of the compute time adds 0.005%');
});

test('a BF16 GEMM near the ridge on an H100: within 10% of XLA\'s published time, where the plain max is 28% fast', () => {
  // XLA's H100 GEMM table (matmul_interpolator_data.h): m = n = 4096, k = 256, BF16 → 392.16 TFLOP/s, 21.9 µs.
  const m = 4096, n = 4096, k = 256;
  const node = { name: 'mm', opType: 'MatMul', computeDtype: 'bfloat16', flops: 2 * m * n * k, macs: m * n * k, bytesRead: 2 * (m * k + k * n), bytesWritten: 2 * m * n, inputs: ['a', 'b'], outputs: [t('y', 'bfloat16', [m, n])] };
  const h100 = findHardware('h100-sxm')!;
  const measured = (2 * m * n * k) / 392.16e12;
  const [e] = estimateNodes(makeReport([node]), h100);
  assert.ok(Math.abs(e.seconds / measured - 1) < 0.1, `${e.seconds} vs ${measured}`);
  const [max] = estimateNodes(makeReport([node]), h100, { efficiency: { gpu: { overlapExponent: Infinity } } });
  assert.ok(max.seconds / measured < 0.75, `plain max ${max.seconds} vs ${measured}`);
});

test('size ramp adds matrixRampSeconds to a MAC op and halves efficiency at that size', () => {
  const ramp = { round: { ...eff.round, matrixRampSeconds: 10e-6 } };
  const [e] = estimateNodes(makeReport([gemm]), dev, { efficiency: ramp });
  close(e.computeSeconds, 2147483648 / 50e12 + 10e-6);
  const f = { ...DEFAULT_EFFICIENCY.gpu, matrixEfficiency: 0.5, matrixRampSeconds: 10e-6 };
  // a GEMM whose ideal time is exactly the ramp reaches half the saturated efficiency
  close(matrixEfficiency(100e12 * 0.5 * 10e-6, 100e12, f), 0.25);
  // and a huge one approaches it
  assert.ok(matrixEfficiency(1e18, 100e12, f) > 0.4999);
});

test('fp8 GEMM on an A100-like device uses the fp16 peak', () => {
  const a100 = makeDevice({ id: 'a100-like', peaks: { fp32: 19.5e12, tf32: 156e12, fp16: 312e12, bf16: 312e12, int8: 624e12 }, memoryBytes: 80e9, bandwidthBytesPerSecond: 2e12 });
  const fp8 = { ...gemm, computeDtype: 'float8e4m3fn', bytesRead: 2 * N * N, bytesWritten: N * N };
  const [e] = estimateNodes(makeReport([fp8]), a100, { efficiency: { gpu: { matrixEfficiency: 1, matrixRampSeconds: 0, perKernelOverheadSeconds: 0 } } });
  assert.equal(e.precision, 'fp16');
  assert.equal(e.precisionFallback, true);
  close(e.computeSeconds, 2147483648 / 312e12);
});

test('int4 weight-only MatMulNBits streams 4-bit weights', () => {
  const K = 4096;
  const params = K * K;
  // decode step: 1 token × 4096 → 4096; weights dominate the bytes.
  const nbits = {
    name: 'q',
    opType: 'MatMulNBits',
    domain: 'com.microsoft',
    computeDtype: 'float16',
    flops: 2 * params,
    macs: params,
    params,
    weightBytes: params / 2,
    bytesRead: params / 2 + K * 2,
    bytesWritten: K * 2,
  };
  const [e] = estimateNodes(makeReport([nbits]), dev, { efficiency: eff });
  close(e.memoryBytes, params / 2 + 4 * K);
  close(e.memorySeconds, (params / 2 + 4 * K) / 0.5e12);
  assert.equal(e.bound, 'memory');
  assert.equal(e.precision, 'fp16');
});

test('an element-wise op consuming a MAC op’s only output is fused into its epilogue', () => {
  const conv = {
    name: 'conv',
    opType: 'Conv',
    computeDtype: 'float',
    flops: 2e9,
    macs: 1e9,
    params: 1000,
    weightBytes: 4000,
    bytesRead: 4000 + 802816,
    bytesWritten: 802816,
    inputs: ['x', 'w'],
    outputs: [t('c', 'float', [1, 64, 56, 56])],
  };
  const relu = { name: 'relu', opType: 'Relu', computeDtype: 'float', flops: 200704, bytesRead: 802816, bytesWritten: 802816, inputs: ['c'], outputs: [t('r', 'float', [1, 64, 56, 56])] };
  const [c, r] = estimateNodes(makeReport([conv, relu], { graphOutputs: [t('r', 'float', [1, 64, 56, 56])] }), dev, { efficiency: eff });
  close(c.memoryBytes, 4000 + 802816); // conv no longer writes c
  close(r.memoryBytes, 802816); // relu no longer reads c
  assert.equal(r.fusedInto, 'conv');
  assert.equal(r.overheadSeconds, 0);
  assert.deepEqual(r.fusion?.rules, ['epilogue']);
  close(r.fusion!.bytesSaved, 802816);
  assert.deepEqual(c.fusion?.rules, ['epilogue']);
  // not fused when c also feeds an op that is not element-wise
  const other = { name: 'other', opType: 'MaxPool', computeDtype: 'float', flops: 1, bytesRead: 802816, bytesWritten: 802816, inputs: ['c'] };
  const unfused = estimateNodes(makeReport([conv, relu, other]), dev, { efficiency: eff });
  assert.equal(unfused[1].fusedInto, undefined);
  // two element-wise readers (x · sigmoid(x)) both fuse: c never reaches memory
  const gate = { name: 'gate', opType: 'Sigmoid', computeDtype: 'float', flops: 1, bytesRead: 802816, bytesWritten: 802816, inputs: ['c'], outputs: [t('g', 'float', [1, 64, 56, 56])] };
  const silu = { name: 'silu', opType: 'Mul', computeDtype: 'float', flops: 1, bytesRead: 2 * 802816, bytesWritten: 802816, inputs: ['c', 'g'], outputs: [t('s', 'float', [1, 64, 56, 56])] };
  const swish = estimateNodes(makeReport([conv, gate, silu], { graphOutputs: [t('s', 'float', [1, 64, 56, 56])] }), dev, { efficiency: eff });
  assert.deepEqual(swish.map((e) => e.fusedInto), [undefined, 'conv', 'conv']);
  close(swish[0].memoryBytes, 4000 + 802816); // reads x and its weights, writes nothing
  close(swish[2].memoryBytes, 802816);
  // and never as exported
  assert.equal(estimateNodes(makeReport([conv, relu]), dev, { efficiency: eff, execution: 'as-exported' })[1].fusedInto, undefined);
});

test('a precision choice narrows the intermediates, not the graph outputs the application reads', () => {
  const int8Dev = makeDevice({ id: 'round', peaks: { fp16: 100e12, fp32: 10e12, int8: 200e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12 });
  // An fp32 Transpose (a copy: reads and writes 1e6 elements) feeding a graph output, next to one writing the KV cache.
  const copy = { name: 'copy', opType: 'Transpose', computeDtype: 'float', bytesRead: 4e6, bytesWritten: 4e6, inputs: ['x'], outputs: [t('scores', 'float', [1000, 1000])] };
  const kv = { name: 'kv', opType: 'Transpose', computeDtype: 'float', bytesRead: 4e6, bytesWritten: 4e6, inputs: ['y'], outputs: [t('present.0.key', 'float', [1000, 1000])] };
  const hidden = { name: 'hidden', opType: 'Transpose', computeDtype: 'float', bytesRead: 4e6, bytesWritten: 4e6, inputs: ['z'], outputs: [t('h', 'float', [1000, 1000])] };
  const outputs = [t('scores', 'float', [1000, 1000]), t('present.0.key', 'float', [1000, 1000])];
  const report = makeReport([copy, kv, hidden], { graphOutputs: outputs });
  const [e, k, h] = estimateNodes(report, int8Dev, { efficiency: eff, precisionOverride: 'int8' });
  close(e.memoryBytes, 1e6 + 4e6); // reads its int8 input, writes the declared fp32 output
  close(k.memoryBytes, 2e6); // the KV cache keeps the run's width: 1 byte in, 1 byte out
  close(h.memoryBytes, 2e6); // an intermediate: 1 byte in, 1 byte out
  assert.ok(e.notes.some((n) => /declared width/.test(n)));
  assert.ok(!k.notes.some((n) => /declared width/.test(n)));
  // no precision choice: the graph's own widths throughout
  close(estimateNodes(report, int8Dev, { efficiency: eff })[0].memoryBytes, 8e6);
});

test('nodes not costed are flagged and take no time; subgraph nodes are skipped', () => {
  const report = makeReport([gemm, { name: 'mystery', opType: 'CustomOp', status: 'uncovered' }, { ...add, name: 'inner', graphPath: 'Loop_0/body/' }]);
  const es = estimateNodes(report, dev, { efficiency: eff });
  assert.equal(es.length, 2);
  assert.equal(es[1].estimated, false);
  assert.equal(es[1].seconds, 0);
});

test('efficiency overrides: id wins over class, class over defaults', () => {
  const f = efficiencyFor(dev, { gpu: { memoryEfficiency: 0.6, vectorEfficiency: 0.3 }, round: { memoryEfficiency: 0.7 } });
  assert.equal(f.memoryEfficiency, 0.7);
  assert.equal(f.vectorEfficiency, 0.3);
  assert.equal(f.matrixEfficiency, DEFAULT_EFFICIENCY.gpu.matrixEfficiency);
});

test('evalDim evaluates bound symbolic expressions', () => {
  assert.equal(evalDim('past + 1', { past: 7 }), 8);
  assert.equal(evalDim('2 * (a + b)', { a: 1, b: 2 }), 6);
  assert.equal(evalDim('batch', {}), undefined);
  assert.equal(evalDim(5, {}), 5);
  // Nesting is bounded: a crafted dim of 100,000 parentheses or minuses is not evaluated, and does not overflow the stack.
  assert.equal(evalDim(`${'('.repeat(64)}a + 1${')'.repeat(64)}`, { a: 1 }), 2);
  assert.equal(evalDim(`${'('.repeat(65)}a + 1${')'.repeat(65)}`, { a: 1 }), undefined);
  assert.equal(evalDim(`${'('.repeat(100_000)}a + 1${')'.repeat(100_000)}`, { a: 1 }), undefined);
  assert.equal(evalDim(`${'-'.repeat(100_000)}a`, { a: 1 }), undefined);
});

test('under a narrow precision choice a matrix op keeps the 16-bit kernel where that is faster; a graph\'s own precision is kept', () => {
  // 200 TFLOP/s fp8 and 100 bf16 at peak; fp8 kernels reaching `fp8Efficiency` of their peak, bf16 0.5.
  const device = makeDevice({ id: 'narrow', peaks: { fp8: 200e12, bf16: 100e12, fp16: 100e12, fp32: 10e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12 });
  const fp32Gemm = { ...gemm, computeDtype: 'float', bytesRead: 2 * N * N * 4, bytesWritten: N * N * 4, outputs: [t('y', 'float', [N, N])] };
  const graphFp8Gemm = { ...gemm, computeDtype: 'float8e4m3fn', bytesRead: 2 * N * N, bytesWritten: N * N, outputs: [t('y', 'float8e4m3fn', [N, N])] };
  const cases = [
    { name: 'fp8 kernels slow: bf16', node: fp32Gemm, fp8Efficiency: 0.05, override: 'fp8' as const, precision: 'bf16', note: /ran in bf16: faster than fp8 at this size on narrow/ },
    { name: 'fp8 kernels fast: fp8', node: fp32Gemm, fp8Efficiency: 0.4, override: 'fp8' as const, precision: 'fp8', note: undefined },
    { name: 'the graph computes in fp8: kept', node: graphFp8Gemm, fp8Efficiency: 0.05, override: undefined, precision: 'fp8', note: undefined },
  ];
  for (const c of cases) {
    const efficiency = { narrow: { ...eff.round, matrixEfficiencyByPrecision: { fp8: c.fp8Efficiency, bf16: 0.5, fp16: 0.5 } } };
    const [e] = estimateNodes(makeReport([c.node]), device, { efficiency, ...(c.override ? { precisionOverride: c.override } : {}) });
    assert.equal(e.precision, c.precision, c.name);
    assert.equal(e.precisionFallback, c.note !== undefined, c.name);
    if (c.note) assert.ok(e.notes.some((n) => c.note.test(n)), `${c.name}: ${e.notes.join('; ')}`);
    // The bytes follow the kernel's width: 2-byte elements in bf16, 1-byte in fp8.
    close(e.memoryBytes, 3 * N * N * (c.precision === 'bf16' ? 2 : 1));
  }
});

test('a free relabel before a graph output (a final Flatten): the node producing its input writes the output at its declared width, to DRAM', () => {
  // x (fp32, 256 × 256) → Relu → r → Flatten (moves nothing in the profile) → y, a graph output declared fp32.
  const elements = 256 * 256;
  const report = makeReport(
    [
      { name: 'relu', opType: 'Relu', computeDtype: 'float', flops: elements, bytesRead: 4 * elements, bytesWritten: 4 * elements, inputs: ['x'], outputs: [t('r', 'float', [256, 256])] },
      { name: 'flatten', opType: 'Flatten', computeDtype: 'float', inputs: ['r'], outputs: [t('y', 'float', [1, elements])] },
    ],
    { graphInputs: [t('x', 'float', [256, 256])], graphOutputs: [t('y', 'float', [1, elements])] },
  );
  const h100 = findHardware('h100-sxm')!; // its 50 MiB L2 would hold r between the two kernels
  const cases = [
    { precision: undefined, reluBytes: 8 * elements },
    { precision: 'bf16' as const, reluBytes: 2 * elements + 4 * elements },
    { precision: 'fp8' as const, reluBytes: 1 * elements + 4 * elements },
  ];
  for (const c of cases) {
    const [relu, flatten] = estimateNodes(report, h100, c.precision ? { precisionOverride: c.precision } : {});
    close(relu.memoryBytes, c.reluBytes);
    assert.ok(!relu.fusion?.rules.includes('l2-resident'), `${c.precision}: the output's data stays out of the L2 rule`);
    assert.equal(flatten.memoryBytes, 0);
  }
});
