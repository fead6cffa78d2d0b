import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NodeSpec, runNode } from './testUtil';

const f32 = (shape: (number | string)[]) => ({ dtype: 'float', shape });
const MS = 'com.microsoft';

interface Case {
  readonly name: string;
  readonly node: NodeSpec;
  readonly expected: readonly { dtype: string; shape: readonly (number | string)[] }[];
  /** Hand-computed from contribActivations.ts (Gelu 14, Tanh 10, Sigmoid 10, Softplus 17). */
  readonly flops: number | string;
}

const cases: readonly Case[] = [
  { name: 'Gelu', node: { opType: 'Gelu', domain: MS, inputs: [f32(['b', 8])] }, expected: [{ dtype: 'float', shape: ['b', 8] }], flops: '112 * b' },
  // Tanh 10 + 7 + bias 1
  { name: 'FastGelu with bias', node: { opType: 'FastGelu', domain: MS, inputs: [f32([2, 4, 8]), f32([8])] }, expected: [{ dtype: 'float', shape: [2, 4, 8] }], flops: 64 * 18 },
  { name: 'onnxruntime-extensions FastGelu', node: { opType: 'FastGelu', domain: 'ai.onnx.contrib', inputs: [f32([2, 4, 8])] }, expected: [{ dtype: 'float', shape: [2, 4, 8] }], flops: 64 * 17 },
  { name: 'BiasGelu', node: { opType: 'BiasGelu', domain: MS, inputs: [f32([2, 8]), f32([8])] }, expected: [{ dtype: 'float', shape: [2, 8] }], flops: 16 * 15 },
  { name: 'QuickGelu', node: { opType: 'QuickGelu', domain: MS, inputs: [f32([3, 4])], attrs: { alpha: 1.702 } }, expected: [{ dtype: 'float', shape: [3, 4] }], flops: 12 * 12 },
  // SwiGLU (opset 28): Swish(A) = A · Sigmoid(alpha · A) (Sigmoid 10 + 2), times B: 13 per element.
  { name: 'SwiGLU (opset 28)', node: { opType: 'SwiGLU', opset: 28, inputs: [f32([2, 'S', 16]), f32([2, 'S', 16])], attrs: { alpha: 1.0 } }, expected: [{ dtype: 'float', shape: [2, 'S', 16] }], flops: '416 * S' },
  { name: 'BiasAdd', node: { opType: 'BiasAdd', domain: MS, inputs: [f32([2, 16, 4]), f32([4]), f32([2, 16, 4])] }, expected: [{ dtype: 'float', shape: [2, 16, 4] }], flops: 256 },
  // 2·4·8 input elements for the bias, then 32 outputs × (Gelu 14 + 1)
  { name: 'BiasSplitGelu halves the hidden size', node: { opType: 'BiasSplitGelu', domain: MS, inputs: [f32([2, 4, 8]), f32([8])] }, expected: [{ dtype: 'float', shape: [2, 4, 4] }], flops: 64 + 32 * 15 },
  {
    name: 'BiasDropout with residual and mask',
    node: { opType: 'BiasDropout', domain: MS, inputs: [f32([2, 8]), f32([8]), f32([2, 8])] },
    expected: [{ dtype: 'float', shape: [2, 8] }, { dtype: 'bool', shape: [2, 8] }],
    flops: 48,
  },
  {
    name: 'BitmaskBiasDropout packs the mask',
    node: { opType: 'BitmaskBiasDropout', domain: MS, inputs: [f32([2, 40]), f32([40])] },
    expected: [{ dtype: 'float', shape: [2, 40] }, { dtype: 'uint32', shape: [3] }],
    flops: 160,
  },
  // 2 matrices × 2 · 3³
  { name: 'Inverse', node: { opType: 'Inverse', domain: MS, inputs: [f32([2, 3, 3])] }, expected: [{ dtype: 'float', shape: [2, 3, 3] }], flops: 108 },
  { name: 'Swish-24', node: { opType: 'Swish', opset: 24, inputs: [f32([5])] }, expected: [{ dtype: 'float', shape: [5] }], flops: 60 },
  { name: 'ScaledTanh', node: { opType: 'ScaledTanh', opset: 9, inputs: [f32([5])], attrs: { alpha: 2.0, beta: 0.5 } }, expected: [{ dtype: 'float', shape: [5] }], flops: 60 },
  { name: 'ParametricSoftplus', node: { opType: 'ParametricSoftplus', opset: 9, inputs: [f32([5])] }, expected: [{ dtype: 'float', shape: [5] }], flops: 95 },
  { name: 'ImageScaler', node: { opType: 'ImageScaler', opset: 9, inputs: [f32([1, 3, 2, 2])], attrs: { scale: 2.0, bias: [1, 2, 3] } }, expected: [{ dtype: 'float', shape: [1, 3, 2, 2] }], flops: 24 },
  { name: 'Crop by border', node: { opType: 'Crop', opset: 9, inputs: [f32([1, 3, 10, 12])], attrs: { border: [1, 2, 3, 4] } }, expected: [{ dtype: 'float', shape: [1, 3, 4, 8] }], flops: 0 },
  { name: 'Crop by scale', node: { opType: 'Crop', domain: MS, inputs: [f32([1, 3, 10, 12])], attrs: { border: [1, 2, 3, 4], scale: [5, 6] } }, expected: [{ dtype: 'float', shape: [1, 3, 5, 6] }], flops: 0 },
];

for (const c of cases) {
  test(`contrib activations: ${c.name}`, () => {
    const { outputs, cost } = runNode(c.node);
    assert.deepEqual(outputs.map((o) => ({ dtype: o.dtype, shape: o.shape })), c.expected);
    assert.equal(cost.flops, c.flops);
  });
}

test('contrib activations: Crop reads only the kept window', () => {
  const { cost } = runNode({ opType: 'Crop', opset: 9, inputs: [f32([1, 3, 10, 12])], attrs: { border: [1, 2, 3, 4] } });
  assert.equal(cost.activationBytesRead, 1 * 3 * 4 * 8 * 4);
});

test('contrib activations: inverting a non-square matrix is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'Inverse', domain: MS, inputs: [f32([2, 3])] }), { name: 'ShapeError' });
});

test('SwiGLU: gate and value of different shapes are a ShapeError (no broadcasting); no rule before opset 28', () => {
  assert.throws(() => runNode({ opType: 'SwiGLU', opset: 28, inputs: [f32([2, 4]), f32([2, 5])] }), /identical shapes/);
  assert.throws(() => runNode({ opType: 'SwiGLU', opset: 27, inputs: [f32([2, 4]), f32([2, 4])] }), /no handler/);
});
