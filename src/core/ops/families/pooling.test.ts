import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../opHandler';
import { runNode, type NodeSpec } from './testUtil';

const f32 = (shape: (number | string)[]) => ({ dtype: 'float', shape });

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  readonly shape: (number | string)[];
  readonly flops: number | string;
}

const cases: Case[] = [
  // ResNet's stem pool: ⌊(112 + 2 − 3) / 2⌋ + 1 = 56; 64·56·56 outputs × 9 compares.
  { name: 'MaxPool 3×3 stride 2 pad 1', spec: { opType: 'MaxPool', inputs: [f32([1, 64, 112, 112])], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }, shape: [1, 64, 56, 56], flops: 64 * 56 * 56 * 9 },
  // ceil mode: ⌈(4 − 3) / 2⌉ + 1 = 2.
  { name: 'MaxPool ceil_mode', spec: { opType: 'MaxPool', inputs: [f32([1, 1, 4, 4])], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }, shape: [1, 1, 2, 2], flops: 36 },
  // ceil mode would give ⌈(5 + 1 − 2) / 2⌉ + 1 = 3, but the third window would start in the end padding: 2.
  { name: 'MaxPool ceil_mode drops a window starting in padding', spec: { opType: 'MaxPool', inputs: [f32([1, 1, 5, 5])], attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: 1 } }, shape: [1, 1, 3, 3], flops: 36 },
  // Dilation 2: effective kernel 3; ⌊(4 − 3) / 1⌋ + 1 = 2.
  { name: 'MaxPool dilations', spec: { opType: 'MaxPool', inputs: [f32([1, 1, 4, 4])], attrs: { kernel_shape: [2, 2], dilations: [2, 2] } }, shape: [1, 1, 2, 2], flops: 16 },
  { name: 'MaxPool SAME_UPPER', spec: { opType: 'MaxPool', inputs: [f32([1, 3, 7, 7])], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } }, shape: [1, 3, 4, 4], flops: 3 * 16 * 9 },
  { name: 'AveragePool count_include_pad', spec: { opType: 'AveragePool', inputs: [f32([1, 2, 6, 6])], attrs: { kernel_shape: [2, 2], strides: [2, 2], count_include_pad: 1 } }, shape: [1, 2, 3, 3], flops: 18 * 4 },
  { name: 'AveragePool 1-D', spec: { opType: 'AveragePool', inputs: [f32([1, 3, 32])], attrs: { kernel_shape: [2] } }, shape: [1, 3, 31], flops: 93 * 2 },
  { name: 'AveragePool 3-D', spec: { opType: 'AveragePool', inputs: [f32([1, 3, 32, 32, 32])], attrs: { kernel_shape: [2, 2, 2] } }, shape: [1, 3, 31, 31, 31], flops: 3 * 31 ** 3 * 8 },
  { name: 'LpPool (power and add per window element)', spec: { opType: 'LpPool', inputs: [f32([1, 3, 8, 8])], attrs: { kernel_shape: [2, 2], strides: [2, 2], p: 2 } }, shape: [1, 3, 4, 4], flops: 48 * 4 * 2 },
  { name: 'GlobalAveragePool', spec: { opType: 'GlobalAveragePool', inputs: [f32([2, 512, 7, 7])] }, shape: [2, 512, 1, 1], flops: 2 * 512 * 49 },
  { name: 'GlobalMaxPool symbolic', spec: { opType: 'GlobalMaxPool', inputs: [f32(['N', 8, 'H', 'W'])] }, shape: ['N', 8, 1, 1], flops: '8 * H * N * W' },
  { name: 'GlobalLpPool', spec: { opType: 'GlobalLpPool', inputs: [f32([1, 4, 5, 5])] }, shape: [1, 4, 1, 1], flops: 200 },
  // (2 − 1)·2 + 2 = 4.
  { name: 'MaxUnpool computed shape', spec: { opType: 'MaxUnpool', opset: 11, inputs: [f32([1, 1, 2, 2]), { dtype: 'int64', shape: [1, 1, 2, 2] }], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, shape: [1, 1, 4, 4], flops: 0 },
  {
    name: 'MaxUnpool given output_shape',
    spec: { opType: 'MaxUnpool', opset: 11, inputs: [f32([1, 1, 2, 2]), { dtype: 'int64', shape: [1, 1, 2, 2] }, { dtype: 'int64', shape: [4], value: [1, 1, 5, 5] }], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    shape: [1, 1, 5, 5], flops: 0,
  },
  // 16 outputs of [1, 1, 4, 4] pooled 2×2 from 8×8, one comparison per window element; the mask is X's spatial size.
  { name: 'MaxpoolWithMask', spec: { opType: 'MaxpoolWithMask', domain: 'com.microsoft', inputs: [{ dtype: 'float', shape: [1, 1, 8, 8] }, { dtype: 'int32', shape: [1, 1, 8, 8] }], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, shape: [1, 1, 4, 4], flops: 16 * 4 },
  { name: 'NhwcMaxPool', spec: { opType: 'NhwcMaxPool', domain: 'com.microsoft', inputs: [{ dtype: 'uint8', shape: [1, 8, 8, 16] }], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, shape: [1, 4, 4, 16], flops: 256 * 4 },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode(c.spec);
    assert.deepEqual(r.outputs[0].shape, c.shape);
    assert.equal(r.cost.flops, c.flops);
    assert.equal(r.cost.macs, 0);
  });
}

test('MaxPool with an Indices output gives int64 of the same shape', () => {
  const r = runNode({ opType: 'MaxPool', opset: 12, inputs: [f32([1, 1, 4, 4])], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, outputCount: 2 });
  assert.equal(r.outputs.length, 2);
  assert.deepEqual(r.outputs[1], { dtype: 'int64', shape: [1, 1, 2, 2] });
});

test('MaxPool without kernel_shape is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'MaxPool', inputs: [f32([1, 1, 4, 4])] }), ShapeError);
});
