import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../opHandler';
import { runNode, type AttrSpec, type InputSpec, type NodeSpec } from './testUtil';

const f32 = (shape: (number | string)[]): InputSpec => ({ dtype: 'float', shape });
const conv = (x: (number | string)[], w: number[], attrs: Record<string, AttrSpec> = {}, bias?: number): NodeSpec => ({
  opType: 'Conv',
  inputs: bias === undefined ? [f32(x), f32(w)] : [f32(x), f32(w), f32([bias])],
  attrs,
});

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  readonly shape: (number | string)[];
  readonly macs: number | string;
  readonly flops: number | string;
  readonly dtype?: string;
}

const cases: Case[] = [
  // Effective kernel (3 − 1)·2 + 1 = 5; out = ⌊(32 + 4 − 5) / 2⌋ + 1 = 16; C_in/group = 8/4 = 2.
  // MACs = 1·16·16·16 · 2 · 9 = 73,728; the bias adds 4,096.
  {
    name: 'Conv with groups, dilation, padding and stride',
    spec: conv([1, 8, 32, 32], [16, 2, 3, 3], { group: 4, strides: [2, 2], dilations: [2, 2], pads: [2, 2, 2, 2] }, 16),
    shape: [1, 16, 16, 16], macs: 73728, flops: 2 * 73728 + 4096,
  },
  // SAME_UPPER: ⌈33 / 2⌉ = 17; MACs = 8·17·17·27.
  { name: 'Conv SAME_UPPER stride 2', spec: conv([1, 3, 33, 33], [8, 3, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }), shape: [1, 8, 17, 17], macs: 62424, flops: 124848 },
  { name: 'Conv SAME_LOWER', spec: conv([1, 3, 10, 10], [4, 3, 3, 3], { auto_pad: 'SAME_LOWER' }), shape: [1, 4, 10, 10], macs: 10800, flops: 21600 },
  { name: 'Conv VALID', spec: conv([1, 3, 10, 10], [4, 3, 3, 3], { auto_pad: 'VALID' }), shape: [1, 4, 8, 8], macs: 6912, flops: 13824 },
  // H: ⌊(7 + 2 − 3) / 2⌋ + 1 = 4; W: ⌊(5 − 3) / 2⌋ + 1 = 2.
  { name: 'Conv asymmetric pads', spec: conv([1, 1, 7, 5], [1, 1, 3, 3], { strides: [2, 2], pads: [1, 0, 1, 0] }), shape: [1, 1, 4, 2], macs: 72, flops: 144 },
  { name: 'Conv 1-D', spec: conv([2, 4, 50], [6, 4, 5], { pads: [2, 2] }), shape: [2, 6, 50], macs: 2 * 6 * 50 * 4 * 5, flops: 24000 },
  { name: 'Conv 3-D', spec: conv([1, 2, 8, 8, 8], [4, 2, 3, 3, 3], { pads: [1, 1, 1, 1, 1, 1] }), shape: [1, 4, 8, 8, 8], macs: 4 * 512 * 2 * 27, flops: 221184 },
  { name: 'Conv depthwise', spec: conv([1, 32, 112, 112], [32, 1, 3, 3], { group: 32, pads: [1, 1, 1, 1] }), shape: [1, 32, 112, 112], macs: 32 * 112 * 112 * 9, flops: 2 * 3612672 },
  { name: 'Conv symbolic spatial', spec: conv(['N', 3, 'H', 'W'], [8, 3, 3, 3], { pads: [1, 1, 1, 1] }), shape: ['N', 8, 'H', 'W'], macs: '216 * H * N * W', flops: '432 * H * N * W' },
  // ConvTranspose: 2·(5 − 1) + 1 + 3 − 2 = 10; MACs = input elements 100 × C_out/group 3 × 9; bias 300.
  {
    name: 'ConvTranspose stride, pads, output_padding, bias',
    spec: { opType: 'ConvTranspose', inputs: [f32([1, 4, 5, 5]), f32([4, 3, 3, 3]), f32([3])], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } },
    shape: [1, 3, 10, 10], macs: 2700, flops: 5400 + 300,
  },
  { name: 'ConvTranspose grouped', spec: { opType: 'ConvTranspose', inputs: [f32([1, 4, 3, 3]), f32([4, 2, 3, 3])], attrs: { group: 2 } }, shape: [1, 4, 5, 5], macs: 36 * 2 * 9, flops: 1296 },
  { name: 'ConvTranspose output_shape', spec: { opType: 'ConvTranspose', inputs: [f32([1, 1, 3, 3]), f32([1, 2, 3, 3])], attrs: { strides: [3, 2], output_shape: [10, 8] } }, shape: [1, 2, 10, 8], macs: 162, flops: 324 },
  { name: 'ConvTranspose SAME_UPPER', spec: { opType: 'ConvTranspose', inputs: [f32([1, 1, 3, 3]), f32([1, 2, 3, 3])], attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' } }, shape: [1, 2, 6, 6], macs: 162, flops: 324 },
  { name: 'ConvTranspose dilations', spec: { opType: 'ConvTranspose', inputs: [f32([1, 1, 3, 3]), f32([1, 1, 2, 2])], attrs: { dilations: [2, 2] } }, shape: [1, 1, 5, 5], macs: 36, flops: 72 },
  { name: 'ConvInteger', spec: { opType: 'ConvInteger', inputs: [{ dtype: 'uint8', shape: [1, 1, 3, 3] }, { dtype: 'uint8', shape: [1, 1, 2, 2] }] }, shape: [1, 1, 2, 2], macs: 16, flops: 32, dtype: 'int32' },
  {
    name: 'QLinearConv with bias',
    spec: {
      opType: 'QLinearConv',
      inputs: [{ dtype: 'uint8', shape: [1, 3, 8, 8] }, f32([]), { dtype: 'uint8', shape: [] }, { dtype: 'int8', shape: [6, 3, 3, 3] }, f32([]), { dtype: 'int8', shape: [] }, f32([]), { dtype: 'uint8', shape: [] }, { dtype: 'int32', shape: [6] }],
      attrs: { pads: [1, 1, 1, 1] },
    },
    shape: [1, 6, 8, 8], macs: 10368, flops: 20736 + 384, dtype: 'uint8',
  },
  // Per output: bias 1 + residual Z 1 + Relu 1.
  {
    name: 'FusedConv with bias, residual and Relu',
    spec: { opType: 'FusedConv', domain: 'com.microsoft', inputs: [f32([1, 2, 4, 4]), f32([2, 2, 1, 1]), f32([2]), f32([1, 2, 4, 4])], attrs: { activation: 'Relu' } },
    shape: [1, 2, 4, 4], macs: 64, flops: 128 + 3 * 32,
  },
  { name: 'NhwcConv', spec: { opType: 'NhwcConv', domain: 'com.microsoft', inputs: [f32([1, 8, 8, 3]), f32([4, 3, 3, 3])], attrs: { pads: [1, 1, 1, 1] } }, shape: [1, 8, 8, 4], macs: 256 * 27, flops: 2 * 6912 },
  // 9 outputs × 3 channels × 2·9 MACs; sampling 2 channels × 9 positions × 9 taps × 7 FLOPs.
  {
    name: 'DeformConv',
    spec: { opType: 'DeformConv', opset: 19, inputs: [f32([1, 2, 5, 5]), f32([3, 2, 3, 3]), f32([1, 18, 3, 3])] },
    shape: [1, 3, 3, 3], macs: 486, flops: 972 + 162 * 7,
  },
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

test('Conv whose input channels contradict the filter is a ShapeError', () => {
  assert.throws(() => runNode(conv([1, 4, 8, 8], [8, 3, 3, 3])), ShapeError);
});

test('ConvTranspose whose kernel_shape misses a spatial dim, or with group 0, is a ShapeError', () => {
  const x = f32([1, 2, 4, 4]);
  const w = f32([2, 2, 3, 3]);
  assert.throws(() => runNode({ opType: 'ConvTranspose', inputs: [x, w], attrs: { kernel_shape: [3] } }), /kernel_shape has 1 values for 2 spatial dims/);
  assert.throws(() => runNode({ opType: 'ConvTranspose', inputs: [x, w], attrs: { group: 0 } }), /group must be at least 1/);
  assert.throws(() => runNode({ opType: 'ConvTransposeWithDynamicPads', domain: 'com.microsoft', inputs: [x, w], attrs: { kernel_shape: [3] } }), ShapeError);
});

test('Conv with an unknown input rank throws UnknownShapeError, not ShapeError', () => {
  assert.throws(() => runNode({ opType: 'Conv', inputs: [{ dtype: 'float' }, f32([8, 3, 3, 3])] }), { name: 'UnknownShapeError' });
});

// The per-group matrix product the estimator pads to its matrix instruction (estimate/matrixTiles.ts).
const groupCases: { readonly name: string; readonly spec: NodeSpec; readonly groups: unknown }[] = [
  {
    name: 'ResNeXt 3×3, 32 groups of 4',
    spec: conv([1, 128, 56, 56], [128, 4, 3, 3], { group: 32, pads: [1, 1, 1, 1] }),
    groups: { groups: 32, outputChannelsPerGroup: 4, inputChannelsPerGroup: 4, taps: 9 },
  },
  { name: 'depth-wise 3×3', spec: conv([1, 32, 112, 112], [32, 1, 3, 3], { group: 32, pads: [1, 1, 1, 1] }), groups: { groups: 32, outputChannelsPerGroup: 1, inputChannelsPerGroup: 1, taps: 9 } },
  { name: 'dense RGB stem 7×7', spec: conv([1, 3, 224, 224], [64, 3, 7, 7], { strides: [2, 2], pads: [3, 3, 3, 3] }), groups: { groups: 1, outputChannelsPerGroup: 64, inputChannelsPerGroup: 3, taps: 49 } },
  { name: 'Conv 1-D', spec: conv([2, 4, 50], [6, 4, 5], { pads: [2, 2] }), groups: { groups: 1, outputChannelsPerGroup: 6, inputChannelsPerGroup: 4, taps: 5 } },
  {
    name: 'NhwcConv (channels last)',
    spec: { opType: 'NhwcConv', domain: 'com.microsoft', inputs: [f32([1, 8, 8, 16]), f32([16, 3, 3, 8])], attrs: { group: 2, pads: [1, 1, 1, 1] } },
    groups: { groups: 2, outputChannelsPerGroup: 8, inputChannelsPerGroup: 8, taps: 9 },
  },
  { name: 'symbolic input channels: the filter says', spec: conv([1, 'C', 8, 8], [8, 4, 3, 3], { group: 2 }), groups: { groups: 2, outputChannelsPerGroup: 4, inputChannelsPerGroup: 4, taps: 9 } },
  // The data-gradient GEMM: C_out / group = 2 columns over C_in / group = 2 channels per tap.
  {
    name: 'ConvTranspose grouped',
    spec: { opType: 'ConvTranspose', inputs: [f32([1, 4, 3, 3]), f32([4, 2, 3, 3])], attrs: { group: 2 } },
    groups: { groups: 2, outputChannelsPerGroup: 2, inputChannelsPerGroup: 2, taps: 9 },
  },
  {
    name: 'symbolic filter: none',
    spec: { opType: 'Conv', inputs: [f32([1, 8, 8, 8]), f32(['M', 4, 3, 3])], attrs: { group: 2 } },
    groups: undefined,
  },
];

for (const c of groupCases) {
  test(`conv groups: ${c.name}`, () => {
    assert.deepEqual(runNode(c.spec).cost.convGroups, c.groups);
  });
}
