import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NodeSpec, runNode } from './testUtil';

const f32 = (shape: (number | string)[]) => ({ dtype: 'float', shape });
const ints = (value: number[]) => ({ dtype: 'int64', shape: [value.length], value });

interface ShapeCase {
  readonly name: string;
  readonly node: NodeSpec;
  /** dtype and shape per output; a string dim is a symbol, '?' any symbol. */
  readonly expected: readonly { dtype: string; shape: readonly (number | string)[] }[];
}

const shapeCases: readonly ShapeCase[] = [
  { name: 'ReduceSum-13 axes input, no keepdims', node: { opType: 'ReduceSum', opset: 13, inputs: [f32([3, 2, 2]), ints([1])], attrs: { keepdims: 0 } }, expected: [{ dtype: 'float', shape: [3, 2] }] },
  { name: 'ReduceSum-13 no axes: all', node: { opType: 'ReduceSum', opset: 13, inputs: [f32([3, 2, 2])] }, expected: [{ dtype: 'float', shape: [1, 1, 1] }] },
  { name: 'ReduceSum-13 empty axes, noop', node: { opType: 'ReduceSum', opset: 13, inputs: [f32([3, 2, 2]), { dtype: 'int64', shape: [0] }], attrs: { noop_with_empty_axes: 1 } }, expected: [{ dtype: 'float', shape: [3, 2, 2] }] },
  { name: 'ReduceSum-11 axes attribute', node: { opType: 'ReduceSum', opset: 11, inputs: [f32(['batch', 5, 7])], attrs: { axes: [-1] } }, expected: [{ dtype: 'float', shape: ['batch', 5, 1] }] },
  { name: 'ReduceMean-13 axes attribute', node: { opType: 'ReduceMean', opset: 13, inputs: [f32([2, 3, 4])], attrs: { axes: [0, 2], keepdims: 0 } }, expected: [{ dtype: 'float', shape: [3] }] },
  { name: 'ReduceMax-18 unknown axes of known count', node: { opType: 'ReduceMax', opset: 18, inputs: [f32([2, 3, 4]), { dtype: 'int64', shape: [2] }], attrs: { keepdims: 0 } }, expected: [{ dtype: 'float', shape: ['?'] }] },
  { name: 'ReduceMax-18 unknown axes, keepdims keeps 1s', node: { opType: 'ReduceMax', opset: 18, inputs: [f32([1, 3]), { dtype: 'int64', shape: [1] }] }, expected: [{ dtype: 'float', shape: [1, '?'] }] },
  { name: 'ArgMax select_last_index', node: { opType: 'ArgMax', opset: 13, inputs: [f32([2, 5])], attrs: { axis: -1, keepdims: 0, select_last_index: 1 } }, expected: [{ dtype: 'int64', shape: [2] }] },
  { name: 'ArgMin default axis keepdims', node: { opType: 'ArgMin', opset: 13, inputs: [f32([2, 5])] }, expected: [{ dtype: 'int64', shape: [1, 5] }] },
  { name: 'Softmax-11 keeps shape', node: { opType: 'Softmax', opset: 11, inputs: [f32(['n', 3, 4])] }, expected: [{ dtype: 'float', shape: ['n', 3, 4] }] },
  { name: 'TopK-11 k input', node: { opType: 'TopK', opset: 11, inputs: [f32([3, 4]), ints([2])], attrs: { axis: -1 } }, expected: [{ dtype: 'float', shape: [3, 2] }, { dtype: 'int64', shape: [3, 2] }] },
  { name: 'TopK-1 k attribute', node: { opType: 'TopK', opset: 1, inputs: [f32([3, 4])], attrs: { k: 3, axis: 0 } }, expected: [{ dtype: 'float', shape: [3, 4] }, { dtype: 'int64', shape: [3, 4] }] },
  { name: 'TopK-11 unknown k', node: { opType: 'TopK', opset: 11, inputs: [f32([3, 4]), { dtype: 'int64', shape: [1] }] }, expected: [{ dtype: 'float', shape: [3, '?'] }, { dtype: 'int64', shape: [3, '?'] }] },
  { name: 'CumSum', node: { opType: 'CumSum', opset: 14, inputs: [f32([5, 2]), ints([0])] }, expected: [{ dtype: 'float', shape: [5, 2] }] },
  {
    name: 'SoftmaxCrossEntropyLoss none with log_prob',
    node: { opType: 'SoftmaxCrossEntropyLoss', opset: 13, inputs: [f32([3, 5, 2]), { dtype: 'int64', shape: [3, 2] }], attrs: { reduction: 'none' } },
    expected: [{ dtype: 'float', shape: [3, 2] }, { dtype: 'float', shape: [3, 5, 2] }],
  },
  {
    name: 'SoftmaxCrossEntropyLoss mean (default)',
    node: { opType: 'SoftmaxCrossEntropyLoss', opset: 13, inputs: [f32([3, 5]), { dtype: 'int64', shape: [3] }], outputCount: 1 },
    expected: [{ dtype: 'float', shape: [] }],
  },
  {
    name: 'NegativeLogLikelihoodLoss sum, weighted',
    node: { opType: 'NegativeLogLikelihoodLoss', opset: 13, inputs: [f32(['N', 5]), { dtype: 'int64', shape: ['N'] }, f32([5])], attrs: { reduction: 'sum' } },
    expected: [{ dtype: 'float', shape: [] }],
  },
];

for (const c of shapeCases) {
  test(`reduction shapes: ${c.name}`, () => {
    const { outputs } = runNode(c.node);
    assert.equal(outputs.length, c.expected.length);
    c.expected.forEach((e, i) => {
      assert.equal(outputs[i].dtype, e.dtype, `output ${i} dtype`);
      const shape = outputs[i].shape!;
      assert.equal(shape.length, e.shape.length, `output ${i} rank`);
      e.shape.forEach((d, j) => {
        if (d === '?') assert.equal(typeof shape[j], 'string', `output ${i} dim ${j} should be symbolic`);
        else assert.equal(shape[j], d, `output ${i} dim ${j}`);
      });
    });
  });
}

test('reduction: unknown axes count without keepdims leaves the rank unknown', () => {
  assert.throws(() => runNode({ opType: 'ReduceSum', opset: 13, inputs: [f32([2, 3]), { dtype: 'int64' }], attrs: { keepdims: 0 } }), { name: 'UnknownShapeError' });
});

test('reduction: a label rank that does not fit the scores is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'NegativeLogLikelihoodLoss', opset: 13, inputs: [f32([3, 5, 2]), { dtype: 'int64', shape: [3] }] }), { name: 'ShapeError' });
});

interface CostCase {
  readonly name: string;
  readonly node: NodeSpec;
  readonly flops: number | string;
}

// Hand-computed from the convention at the top of reduction.ts (Exp = Log = 8, Sqrt = 4).
const costCases: readonly CostCase[] = [
  // 10 elements × (max 1 + subtract 1 + exp 8 + sum 1 + divide 1 = 12)
  { name: 'Softmax [2, 5]', node: { opType: 'Softmax', opset: 13, inputs: [f32([2, 5])] }, flops: 120 },
  // 120 + 2 rows × Log 8
  { name: 'LogSoftmax [2, 5]', node: { opType: 'LogSoftmax', opset: 13, inputs: [f32([2, 5])] }, flops: 136 },
  // opset 11 axis 1 coerces [2, 3, 4] to [2, 12]: 2 rows; 24 × 12 + 2 × 8
  { name: 'LogSoftmax-11 [2, 3, 4]', node: { opType: 'LogSoftmax', opset: 11, inputs: [f32([2, 3, 4])] }, flops: 304 },
  { name: 'Softmax symbolic', node: { opType: 'Softmax', opset: 13, inputs: [f32(['batch', 4])] }, flops: '48 * batch' },
  { name: 'Hardmax [4, 4]', node: { opType: 'Hardmax', opset: 13, inputs: [f32([4, 4])] }, flops: 16 },
  // 12 adds + 3 divisions
  { name: 'ReduceMean [3, 4] axis 1', node: { opType: 'ReduceMean', opset: 13, inputs: [f32([3, 4])], attrs: { axes: [1] } }, flops: 15 },
  // 12 × 2 + 3 × Sqrt 4
  { name: 'ReduceL2 [3, 4] axis 1', node: { opType: 'ReduceL2', opset: 18, inputs: [f32([3, 4]), ints([1])] }, flops: 36 },
  // 12 × (1 + Exp 8) + 1 × Log 8
  { name: 'ReduceLogSumExp all', node: { opType: 'ReduceLogSumExp', opset: 13, inputs: [f32([3, 4])] }, flops: 116 },
  { name: 'ReduceSum noop', node: { opType: 'ReduceSum', opset: 13, inputs: [f32([3, 4]), { dtype: 'int64', shape: [0] }], attrs: { noop_with_empty_axes: 1 } }, flops: 0 },
  { name: 'ArgMax [2, 5]', node: { opType: 'ArgMax', opset: 13, inputs: [f32([2, 5])] }, flops: 10 },
  // 12 elements × ⌈log2(2 + 1)⌉ = 2
  { name: 'TopK [3, 4] k=2', node: { opType: 'TopK', opset: 11, inputs: [f32([3, 4]), ints([2])] }, flops: 24 },
  { name: 'CumSum [5, 2]', node: { opType: 'CumSum', opset: 14, inputs: [f32([5, 2]), ints([0])] }, flops: 10 },
  // log-softmax 15 × 12 + 3 rows × 8 = 204; NLL mean unweighted: 3 negate + 3 sum + 1 divide = 7
  { name: 'SoftmaxCrossEntropyLoss mean [3, 5]', node: { opType: 'SoftmaxCrossEntropyLoss', opset: 13, inputs: [f32([3, 5]), { dtype: 'int64', shape: [3] }] }, flops: 211 },
  // weighted mean: 3 × 2 + 3 (sum) + 3 + 1 (weight sum, divide)
  { name: 'NegativeLogLikelihoodLoss weighted mean [3, 5]', node: { opType: 'NegativeLogLikelihoodLoss', opset: 13, inputs: [f32([3, 5]), { dtype: 'int64', shape: [3] }, f32([5])] }, flops: 13 },
];

for (const c of costCases) {
  test(`reduction cost: ${c.name}`, () => {
    assert.equal(runNode(c.node).cost.flops, c.flops);
  });
}

test('reduction cost: NegativeLogLikelihoodLoss reads one score per target, not the whole input', () => {
  // scores: 3 × 4 bytes of the 3 × 1000 × 4; target 3 × 8; no weight.
  const { cost } = runNode({ opType: 'NegativeLogLikelihoodLoss', opset: 13, inputs: [f32([3, 1000]), { dtype: 'int64', shape: [3] }], attrs: { reduction: 'none' } });
  assert.equal(cost.activationBytesRead, 12 + 24);
});

test('reduction cost: TopK with an unknown k is a noted lower bound', () => {
  const { cost } = runNode({ opType: 'TopK', opset: 11, inputs: [f32([3, 4]), { dtype: 'int64', shape: [1] }] });
  assert.equal(cost.flops, 12);
  assert.match(cost.notes.join(' '), /lower bound/);
});

test('reduction: ReduceProd folds a known shape vector', () => {
  const { outputs } = runNode({ opType: 'ReduceProd', opset: 13, inputs: [{ dtype: 'int64', shape: [3], value: [2, 3, 4] }], attrs: { keepdims: 0 } });
  assert.deepEqual(outputs[0].value, [24]);
  assert.deepEqual(outputs[0].shape, []);
});
