import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../opHandler';
import { type NodeSpec, runNode } from './testUtil';

const f32 = (shape: (number | string)[]) => ({ dtype: 'float', shape });
const ms = 'com.microsoft';

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  /** Each output as `dtype [dims]`. */
  readonly outputs: readonly string[];
  readonly flops: number | string;
}

const describe = (o: { dtype: string; shape: (number | string)[] | undefined }) => `${o.dtype} [${o.shape?.join(', ') ?? '?'}]`;

const cases: Case[] = [
  { name: 'ReluGrad', spec: { opType: 'ReluGrad', domain: ms, inputs: [f32([4, 8]), f32([4, 8])] }, outputs: ['float [4, 8]'], flops: 64 },
  { name: 'SigmoidGrad', spec: { opType: 'SigmoidGrad', domain: ms, inputs: [f32([4, 8]), f32([4, 8])] }, outputs: ['float [4, 8]'], flops: 96 },
  // 7 multiplies, 2 adds, Erf 10 and Exp 8 per element.
  { name: 'GeluGrad', spec: { opType: 'GeluGrad', domain: ms, inputs: [f32(['n', 8]), f32(['n', 8])] }, outputs: ['float [n, 8]'], flops: '216 * n' },
  // 15 + Tanh 10, and the bias add.
  { name: 'BiasFastGeluGrad_dX', spec: { opType: 'BiasFastGeluGrad_dX', domain: ms, inputs: [f32([2, 8]), f32([2, 8]), f32([8])] }, outputs: ['float [2, 8]'], flops: 16 * 26 },
  { name: 'DropoutGrad', spec: { opType: 'DropoutGrad', domain: ms, inputs: [f32([3, 5]), { dtype: 'bool', shape: [3, 5] }] }, outputs: ['float [3, 5]'], flops: 30 },
  { name: 'SoftmaxGrad_13', spec: { opType: 'SoftmaxGrad_13', domain: ms, inputs: [f32([2, 4, 6]), f32([2, 4, 6])], attrs: { axis: -1 } }, outputs: ['float [2, 4, 6]'], flops: 48 * 4 },
  { name: 'LogSoftmaxGrad_13', spec: { opType: 'LogSoftmaxGrad_13', domain: ms, inputs: [f32([2, 6]), f32([2, 6])] }, outputs: ['float [2, 6]'], flops: 12 * 11 },
  // X_grad like X, scale_grad and bias_grad like scale; 13 per element of X.
  {
    name: 'LayerNormalizationGrad',
    spec: { opType: 'LayerNormalizationGrad', domain: ms, inputs: [f32([2, 3, 16]), f32([2, 3, 16]), f32([16]), f32([2, 3, 1]), f32([2, 3, 1])], attrs: { axis: -1 } },
    outputs: ['float [2, 3, 16]', 'float [16]', 'float [16]'],
    flops: 96 * 13,
  },
  {
    name: 'SimplifiedLayerNormalizationGrad',
    spec: { opType: 'SimplifiedLayerNormalizationGrad', domain: ms, inputs: [f32([2, 16]), f32([2, 16]), f32([16]), f32([2, 1])] },
    outputs: ['float [2, 16]', 'float [16]'],
    flops: 32 * 9,
  },
  // 70 elements: 3 uint32 words of mask; inference mode is a copy.
  { name: 'BitmaskDropout inference', spec: { opType: 'BitmaskDropout', domain: ms, inputs: [f32([7, 10])] }, outputs: ['float [7, 10]', 'uint32 [3]'], flops: 0 },
  {
    name: 'BitmaskDropout training',
    spec: { opType: 'BitmaskDropout', domain: ms, inputs: [f32([7, 10]), f32([]), { dtype: 'bool', shape: [], value: [1] }] },
    outputs: ['float [7, 10]', 'uint32 [3]'],
    flops: 140,
  },
  { name: 'ConcatTraining', spec: { opType: 'ConcatTraining', domain: ms, inputs: [f32([2, 3]), f32([2, 'k'])], attrs: { axis: 1 } }, outputs: ['float [2, k + 3]', 'int64 [2]'], flops: 0 },
  { name: 'InPlaceAccumulatorV2', spec: { opType: 'InPlaceAccumulatorV2', domain: ms, inputs: [f32([64, 64]), f32([64, 64])] }, outputs: ['bool [1]', 'float [64, 64]'], flops: 4096 },
  // Inputs 0..2, input 1 not differentiable: outputs for inputs 0 and 2; only input 2 keeps its shape.
  {
    name: 'YieldOp',
    spec: { opType: 'YieldOp', domain: ms, inputs: [f32([4, 8]), f32([1]), f32([4, 2])], attrs: { non_differentiable_outputs: [1], full_shape_outputs: [2] } },
    outputs: ['float [grad0_dim0_0, grad0_dim1_1]', 'float [4, 2]'],
    flops: 0,
  },
  // LogSoftmax over [4, 10] (7 per score + a Log per row), then the mean NLL over 4 labels (1 + 1 each, + 1 division).
  {
    name: 'SoftmaxCrossEntropyLossInternal',
    spec: { opType: 'SoftmaxCrossEntropyLossInternal', domain: ms, inputs: [f32([4, 10]), { dtype: 'int64', shape: [4] }] },
    outputs: ['float []', 'float [4, 10]'],
    flops: 40 * 12 + 4 * 8 + 4 + 4 + 1,
  },
  {
    name: 'SoftmaxCrossEntropyLossInternalGrad',
    spec: { opType: 'SoftmaxCrossEntropyLossInternalGrad', domain: ms, inputs: [f32([]), f32([4, 10]), { dtype: 'int64', shape: [4] }] },
    outputs: ['float [4, 10]'],
    flops: 40 * 11,
  },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode(c.spec);
    assert.deepEqual(r.outputs.map(describe), c.outputs);
    assert.equal(r.cost.flops, c.flops);
  });
}

test('ConcatTraining without its required axis, YieldOp without full_shape_outputs: ShapeErrors', () => {
  assert.throws(() => runNode({ opType: 'ConcatTraining', domain: ms, inputs: [f32([2, 3]), f32([2, 3])] }), ShapeError);
  assert.throws(() => runNode({ opType: 'YieldOp', domain: ms, inputs: [f32([2])] }), ShapeError);
});

test('ConcatTraining reports each input length along the axis as a known value', () => {
  const r = runNode({ opType: 'ConcatTraining', domain: ms, inputs: [f32([2, 3]), f32([2, 5])], attrs: { axis: -1 }, outputCount: 2 });
  assert.deepEqual(r.outputs[1].value, [3, 5]);
});
