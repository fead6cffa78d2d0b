import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../opHandler';
import { plain, profileGraph, runNode, type NodeSpec } from './testUtil';

const f32 = (shape: (number | string)[]) => ({ dtype: 'float', shape });

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  readonly shape: (number | string)[];
  readonly macs: number | string;
  readonly flops: number | string;
  readonly dtype?: string;
}

const cases: Case[] = [
  // Batch dims [2, 1] and [5] broadcast to [2, 5]; 2·5 matrices of 3×4 · 4×6.
  { name: 'MatMul batched broadcasting', spec: { opType: 'MatMul', inputs: [f32([2, 1, 3, 4]), f32([5, 4, 6])] }, shape: [2, 5, 3, 6], macs: 2 * 5 * 3 * 4 * 6, flops: 2 * 720 },
  { name: 'MatMul 1-D left operand', spec: { opType: 'MatMul', inputs: [f32([4]), f32([4, 6])] }, shape: [6], macs: 24, flops: 48 },
  { name: 'MatMul 1-D right operand', spec: { opType: 'MatMul', inputs: [f32([2, 3, 4]), f32([4])] }, shape: [2, 3], macs: 24, flops: 48 },
  // Sparse A [6, 4] transposed (transA): 4 × 6 · 6 × 3, counted dense.
  { name: 'SparseToDenseMatMul transA', spec: { opType: 'SparseToDenseMatMul', domain: 'com.microsoft', inputs: [f32([6, 4]), f32([6, 3])], attrs: { transA: 1 } }, shape: [4, 3], macs: 72, flops: 144 },
  { name: 'MatMul dot product', spec: { opType: 'MatMul', inputs: [f32([4]), f32([4])] }, shape: [], macs: 4, flops: 8 },
  { name: 'MatMul symbolic batch', spec: { opType: 'MatMul', inputs: [f32(['batch', 'seq', 64]), f32([64, 128])] }, shape: ['batch', 'seq', 128], macs: '8192 * batch * seq', flops: '16384 * batch * seq' },
  // A [4, 3] transposed is 3×4; B [5, 4] transposed is 4×5: 3·4·5 MACs, + 3·5 bias adds.
  { name: 'Gemm transA transB with C', spec: { opType: 'Gemm', inputs: [f32([4, 3]), f32([5, 4]), f32([5])], attrs: { transA: 1, transB: 1 } }, shape: [3, 5], macs: 60, flops: 135 },
  { name: 'Gemm without C (opset 11+)', spec: { opType: 'Gemm', opset: 11, inputs: [f32([3, 4]), f32([4, 5])] }, shape: [3, 5], macs: 60, flops: 120 },
  { name: 'Gemm opset 6', spec: { opType: 'Gemm', opset: 6, inputs: [f32([3, 4]), f32([4, 5]), f32([1])], attrs: { broadcast: 1 } }, shape: [3, 5], macs: 60, flops: 135 },
  { name: 'MatMulInteger', spec: { opType: 'MatMulInteger', inputs: [{ dtype: 'uint8', shape: [3, 4] }, { dtype: 'uint8', shape: [4, 2] }] }, shape: [3, 2], macs: 24, flops: 48, dtype: 'int32' },
  {
    name: 'QLinearMatMul',
    spec: { opType: 'QLinearMatMul', inputs: [{ dtype: 'int8', shape: [2, 3, 4] }, f32([]), { dtype: 'int8', shape: [] }, { dtype: 'int8', shape: [4, 5] }, f32([]), { dtype: 'int8', shape: [] }, f32([]), { dtype: 'uint8', shape: [] }] },
    shape: [2, 3, 5], macs: 120, flops: 240, dtype: 'uint8',
  },
  // Index space b=2, i=3, j=4, k=5: 120 points, one multiply-accumulate each.
  { name: 'Einsum batched matmul', spec: { opType: 'Einsum', inputs: [f32([2, 3, 4]), f32([2, 4, 5])], attrs: { equation: 'bij,bjk->bik' } }, shape: [2, 3, 5], macs: 120, flops: 240 },
  { name: 'Einsum implicit output', spec: { opType: 'Einsum', inputs: [f32([3, 4]), f32([4, 5])], attrs: { equation: 'ij,jk' } }, shape: [3, 5], macs: 60, flops: 120 },
  { name: 'Einsum ellipsis', spec: { opType: 'Einsum', inputs: [f32([7, 2, 3, 4]), f32([2, 4, 5])], attrs: { equation: '...ij,...jk->...ik' } }, shape: [7, 2, 3, 5], macs: 7 * 2 * 3 * 4 * 5, flops: 2 * 840 },
  { name: 'Einsum one-operand sum', spec: { opType: 'Einsum', inputs: [f32([3, 4])], attrs: { equation: 'ij->i' } }, shape: [3], macs: 0, flops: 12 },
  { name: 'Einsum transpose', spec: { opType: 'Einsum', inputs: [f32([3, 4, 5])], attrs: { equation: 'ijk->kji' } }, shape: [5, 4, 3], macs: 0, flops: 60 },
  // transA makes A [2, 3, 4] into [2, 4, 3]; alpha is an epilogue scale.
  { name: 'FusedMatMul transA', spec: { opType: 'FusedMatMul', domain: 'com.microsoft', inputs: [f32([2, 3, 4]), f32([3, 6])], attrs: { transA: 1, alpha: 0.5 } }, shape: [2, 4, 6], macs: 2 * 4 * 3 * 6, flops: 288 },
  // transBatchA: A stored [M=3, B=2, K=4] is read as [2, 3, 4].
  { name: 'FusedMatMul transBatchA', spec: { opType: 'FusedMatMul', domain: 'com.microsoft', inputs: [f32([3, 2, 4]), f32([2, 4, 5])], attrs: { transBatchA: 1 } }, shape: [2, 3, 5], macs: 120, flops: 240 },
  // 7 rows × K 4096 × N 11008, plus N bias adds per row.
  {
    name: 'MatMulNBits with bias',
    spec: {
      opType: 'MatMulNBits', domain: 'com.microsoft',
      inputs: [{ dtype: 'float16', shape: [1, 7, 4096] }, { dtype: 'uint8', shape: [11008, 128, 16] }, { dtype: 'float16', shape: [11008 * 128] }, undefined, undefined, { dtype: 'float16', shape: [11008] }],
      attrs: { K: 4096, N: 11008, bits: 4, block_size: 32 },
    },
    shape: [1, 7, 11008], macs: 7 * 4096 * 11008, flops: 2 * 7 * 4096 * 11008 + 7 * 11008, dtype: 'float16',
  },
  { name: 'MatMulIntegerToFloat', spec: { opType: 'MatMulIntegerToFloat', domain: 'com.microsoft', inputs: [{ dtype: 'uint8', shape: [3, 4] }, { dtype: 'int8', shape: [4, 5] }, f32([]), f32([])] }, shape: [3, 5], macs: 60, flops: 120, dtype: 'float' },
  { name: 'DynamicQuantizeMatMul with bias', spec: { opType: 'DynamicQuantizeMatMul', domain: 'com.microsoft', inputs: [f32([3, 4]), { dtype: 'int8', shape: [4, 5] }, f32([]), undefined, f32([5])] }, shape: [3, 5], macs: 60, flops: 135 },
  { name: 'MatMulFpQ4 with known B_shape', spec: { opType: 'MatMulFpQ4', domain: 'com.microsoft', inputs: [f32([3, 64]), { dtype: 'uint8', shape: [1024] }, { dtype: 'int64', shape: [2], value: [64, 32] }] }, shape: [3, 32], macs: 3 * 64 * 32, flops: 2 * 3 * 64 * 32 },
  // FastGelu adds 14 FLOPs per output element, the bias one more.
  { name: 'GemmFastGelu', spec: { opType: 'GemmFastGelu', domain: 'com.microsoft', inputs: [f32([2, 8]), f32([8, 4]), f32([4])] }, shape: [2, 4], macs: 64, flops: 128 + 8 + 8 * 14 },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode(c.spec);
    assert.deepEqual(r.outputs[0].shape, c.shape);
    assert.equal(r.cost.macs, c.macs);
    assert.equal(r.cost.flops, c.flops);
    if (c.dtype) assert.equal(r.outputs[0].dtype, c.dtype);
  });
}

test('MatMul with mismatched inner dims is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'MatMul', inputs: [f32([3, 4]), f32([5, 6])] }), ShapeError);
});

test('Gemm needs 2-D operands', () => {
  assert.throws(() => runNode({ opType: 'Gemm', inputs: [f32([2, 3, 4]), f32([4, 5])] }), ShapeError);
});

test('Einsum with a rank that contradicts the equation is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'Einsum', inputs: [f32([3, 4, 5])], attrs: { equation: 'ij->i' } }), ShapeError);
});

test('MatMulNBits params count the logical N×K weights (scales and zero points none); weight bytes the packed storage', () => {
  const profile = profileGraph({
    inputs: { a: { dtype: 'float16', shape: [1, 7, 4096] } },
    weights: {
      b: { dtype: 'uint8', dims: [11008, 128, 16] },
      scales: { dtype: 'float16', dims: [11008 * 128] },
      zeros: { dtype: 'uint8', dims: [11008 * 64] },
      bias: { dtype: 'float16', dims: [11008] },
    },
    nodes: [{ opType: 'MatMulNBits', domain: 'com.microsoft', inputs: ['a', 'b', 'scales', 'zeros', '', 'bias'], outputs: ['y'], attrs: { K: 4096, N: 11008, bits: 4, block_size: 32 } }],
    outputs: ['y'],
  });
  const node = profile.nodes[0];
  assert.equal(plain(node.params), 4096 * 11008 + 11008);
  assert.equal(plain(node.weightBytes), 11008 * 128 * 16 + 11008 * 128 * 2 + 11008 * 64 + 11008 * 2);
  assert.equal(plain(node.macs), 7 * 4096 * 11008);
  assert.equal(plain(profile.weights.get('b')!.elements), 4096 * 11008);
});
