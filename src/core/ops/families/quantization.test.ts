import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NodeSpec, plain, profileGraph, runNode } from './testUtil';

const t = (dtype: string, shape: (number | string)[], isWeight = false) => ({ dtype, shape, isWeight });

interface Case {
  readonly name: string;
  readonly node: NodeSpec;
  readonly expected: readonly { dtype: string; shape: readonly (number | string)[] }[];
  /** Hand-computed: quantize 5, dequantize 2 per element (quantization.ts). */
  readonly flops?: number | string;
}

const cases: readonly Case[] = [
  { name: 'QuantizeLinear-10 without zero point: uint8', node: { opType: 'QuantizeLinear', opset: 10, inputs: [t('float', ['n', 6]), t('float', [])] }, expected: [{ dtype: 'uint8', shape: ['n', 6] }], flops: '30 * n' },
  { name: 'QuantizeLinear-13 per axis, int8 zero point', node: { opType: 'QuantizeLinear', opset: 13, inputs: [t('float', [1, 3, 3, 2]), t('float', [3]), t('int8', [3])] }, expected: [{ dtype: 'int8', shape: [1, 3, 3, 2] }], flops: 90 },
  { name: 'QuantizeLinear-21 output_dtype int4, blocked', node: { opType: 'QuantizeLinear', opset: 21, inputs: [t('float', [4, 64]), t('float', [4, 2])], attrs: { axis: 1, block_size: 32, output_dtype: 22 } }, expected: [{ dtype: 'int4', shape: [4, 64] }] },
  { name: 'QuantizeLinear-19 float8 zero point', node: { opType: 'QuantizeLinear', opset: 19, inputs: [t('float', [5]), t('float', []), t('float8e4m3fn', [])] }, expected: [{ dtype: 'float8e4m3fn', shape: [5] }] },
  { name: 'DequantizeLinear-13', node: { opType: 'DequantizeLinear', opset: 13, inputs: [t('uint8', [4]), t('float', []), t('uint8', [])] }, expected: [{ dtype: 'float', shape: [4] }], flops: 8 },
  { name: 'DequantizeLinear-21 float16 scale, int4 input', node: { opType: 'DequantizeLinear', opset: 21, inputs: [t('int4', [8, 64]), t('float16', [8, 2])], attrs: { axis: 1, block_size: 32 } }, expected: [{ dtype: 'float16', shape: [8, 64] }] },
  { name: 'com.microsoft DequantizeLinear', node: { opType: 'DequantizeLinear', domain: 'com.microsoft', inputs: [t('int8', [2, 3]), t('float', [3]), t('int8', [3])], attrs: { axis: 1 } }, expected: [{ dtype: 'float', shape: [2, 3] }] },
  {
    name: 'DynamicQuantizeLinear',
    node: { opType: 'DynamicQuantizeLinear', opset: 11, inputs: [t('float', [6])] },
    expected: [{ dtype: 'uint8', shape: [6] }, { dtype: 'float', shape: [] }, { dtype: 'uint8', shape: [] }],
    flops: 6 * 7 + 10,
  },
  {
    name: 'QLinearAdd broadcasts',
    node: { opType: 'QLinearAdd', domain: 'com.microsoft', inputs: [t('uint8', ['n', 4]), t('float', []), t('uint8', []), t('uint8', [4]), t('float', []), t('uint8', []), t('float', []), t('uint8', [])] },
    expected: [{ dtype: 'uint8', shape: ['n', 4] }],
    flops: '40 * n', // 2 + 2 (dequantize both) + 1 + 5
  },
  {
    name: 'QLinearSigmoid',
    node: { opType: 'QLinearSigmoid', domain: 'com.microsoft', inputs: [t('int8', [2, 5]), t('float', []), t('int8', []), t('float', []), t('int8', [])] },
    expected: [{ dtype: 'int8', shape: [2, 5] }],
    flops: 170, // 2 + Sigmoid 10 + 5
  },
  {
    name: 'QLinearConcat axis 1',
    node: { opType: 'QLinearConcat', domain: 'com.microsoft', inputs: [t('float', []), t('uint8', []), t('uint8', [2, 3]), t('float', []), t('uint8', []), t('uint8', [2, 5]), t('float', []), t('uint8', [])], attrs: { axis: 1 } },
    expected: [{ dtype: 'uint8', shape: [2, 8] }],
    flops: 112,
  },
  {
    name: 'QLinearSoftmax',
    node: { opType: 'QLinearSoftmax', domain: 'com.microsoft', inputs: [t('uint8', [1, 10]), t('float', []), t('uint8', []), t('float', []), t('uint8', [])], attrs: { axis: -1, opset: 13 } },
    expected: [{ dtype: 'uint8', shape: [1, 10] }],
  },
  {
    name: 'GatherBlockQuantized uint8 packs two 4-bit values per byte',
    node: { opType: 'GatherBlockQuantized', domain: 'com.microsoft', inputs: [t('uint8', [32, 8], true), t('int64', ['b', 3]), t('float16', [32, 1], true)], attrs: { gather_axis: 0, quantize_axis: 1, block_size: 16, bits: 4 } },
    expected: [{ dtype: 'float16', shape: ['b', 3, 16] }],
    flops: '96 * b',
  },
  {
    name: 'GatherBlockQuantized int4 gathers on axis 1',
    node: { opType: 'GatherBlockQuantized', domain: 'com.microsoft', inputs: [t('int4', [4, 32], true), t('int32', [2]), t('float', [1, 32], true)], attrs: { gather_axis: 1, quantize_axis: 0, block_size: 16 } },
    expected: [{ dtype: 'float', shape: [4, 2] }],
  },
];

for (const c of cases) {
  test(`quantization: ${c.name}`, () => {
    const { outputs, cost } = runNode(c.node);
    assert.deepEqual(outputs.map((o) => ({ dtype: o.dtype, shape: o.shape })), c.expected);
    if (c.flops !== undefined) assert.equal(cost.flops, c.flops);
  });
}

test('quantization: GatherBlockQuantized reads only the gathered rows and their scales', () => {
  const { cost } = runNode({
    opType: 'GatherBlockQuantized',
    domain: 'com.microsoft',
    inputs: [t('uint8', [1000, 8], true), t('int64', [2, 3]), t('float16', [1000, 1], true)],
    attrs: { gather_axis: 0, quantize_axis: 1, block_size: 16, bits: 4 },
  });
  // 6 rows × 16 values × 4 bits = 48 bytes, + 6 blocks × 2-byte scales
  assert.equal(cost.weightBytesRead, 60);
  assert.equal(cost.activationBytesRead, 48); // 6 int64 indices
});

test('quantization: a per-axis scale that does not fit the axis is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'QuantizeLinear', opset: 13, inputs: [t('float', [2, 3]), t('float', [4])], attrs: { axis: 1 } }), { name: 'ShapeError' });
});

test('quantization: a QDQ Conv counts its int8 weight and int32 bias as parameters, not the scales and zero points', () => {
  const profile = profileGraph({
    inputs: { x: { dtype: 'uint8', shape: [1, 8, 16, 16] } },
    weights: {
      x_scale: { dtype: 'float', dims: [] },
      x_zp: { dtype: 'uint8', dims: [] },
      w: { dtype: 'int8', dims: [32, 8, 3, 3] },
      w_scale: { dtype: 'float', dims: [32] },
      w_zp: { dtype: 'int8', dims: [32] },
      b: { dtype: 'int32', dims: [32] },
      b_scale: { dtype: 'float', dims: [32] },
    },
    nodes: [
      { opType: 'DequantizeLinear', inputs: ['x', 'x_scale', 'x_zp'], outputs: ['xf'] },
      { opType: 'DequantizeLinear', inputs: ['w', 'w_scale', 'w_zp'], outputs: ['wf'], attrs: { axis: 0 } },
      { opType: 'DequantizeLinear', inputs: ['b', 'b_scale'], outputs: ['bf'], attrs: { axis: 0 } },
      { opType: 'Conv', inputs: ['xf', 'wf', 'bf'], outputs: ['y'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    ],
    outputs: ['y'],
  });
  const params = profile.nodes.map((n) => plain(n.params));
  assert.deepEqual(params, [0, 32 * 8 * 9, 32, 0]);
  const weightBytes = profile.nodes.map((n) => plain(n.weightBytes));
  assert.deepEqual(weightBytes, [4 + 1, 32 * 8 * 9 + 32 * 4 + 32, 32 * 4 + 32 * 4, 0]);
  assert.equal(plain(profile.weights.get('b')!.elements), 32);
});

test('quantization: QLinearConv counts w and its int32 bias as parameters, not its six scales and zero points', () => {
  const profile = profileGraph({
    inputs: { x: { dtype: 'uint8', shape: [1, 8, 16, 16] } },
    weights: {
      xs: { dtype: 'float', dims: [] }, xz: { dtype: 'uint8', dims: [] },
      w: { dtype: 'int8', dims: [32, 8, 3, 3] }, ws: { dtype: 'float', dims: [32] }, wz: { dtype: 'int8', dims: [32] },
      ys: { dtype: 'float', dims: [] }, yz: { dtype: 'uint8', dims: [] }, b: { dtype: 'int32', dims: [32] },
    },
    nodes: [{ opType: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], outputs: ['y'], attrs: { kernel_shape: [3, 3] } }],
    outputs: ['y'],
  });
  assert.equal(plain(profile.nodes[0].params), 32 * 8 * 9 + 32);
});

test('quantization: GatherBlockQuantized with 4-bit uint8 data counts two parameters per byte', () => {
  const profile = profileGraph({
    inputs: { ids: { dtype: 'int64', shape: [1, 7] } },
    weights: { table: { dtype: 'uint8', dims: [1000, 64] }, scales: { dtype: 'float16', dims: [1000, 4] } },
    nodes: [{ opType: 'GatherBlockQuantized', domain: 'com.microsoft', inputs: ['table', 'ids', 'scales'], outputs: ['y'], attrs: { gather_axis: 0, quantize_axis: 1, block_size: 32, bits: 4 } }],
    outputs: ['y'],
  });
  assert.equal(plain(profile.nodes[0].params), 1000 * 128);
  assert.equal(plain(profile.nodes[0].weightBytes), 1000 * 64 + 1000 * 4 * 2);
});
