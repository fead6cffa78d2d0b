import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError, UnknownShapeError } from '../opHandler';
import { plain, profileGraph, runNode, type GraphSpec, type NodeSpec, type OutputResult } from './testUtil';

const f32 = (shape: (number | string)[], value?: number[]) => ({ dtype: 'float', shape, value });
const i64 = (shape: (number | string)[], value?: number[]) => ({ dtype: 'int64', shape, value });

interface Case {
  readonly name: string;
  readonly node: NodeSpec;
  /** Expected outputs: dtype, shape and (when given) value; a shape entry '?' is a fresh symbol. */
  readonly expect: readonly Partial<OutputResult>[];
}

/** runNode names fresh dims `hint_N`. */
function freshAsQuestionMark(d: number | string): number | string {
  return typeof d === 'string' && /^[a-z]+_\d+$/.test(d) ? '?' : d;
}

function check(c: Case): void {
  const { outputs } = runNode(c.node);
  c.expect.forEach((want, i) => {
    const got = outputs[i];
    if (want.dtype !== undefined) assert.equal(got.dtype, want.dtype, `${c.name}: dtype of output ${i}`);
    if (want.shape !== undefined) assert.deepEqual(got.shape?.map(freshAsQuestionMark), want.shape, `${c.name}: shape of output ${i}`);
    if ('value' in want) assert.deepEqual(got.value, want.value, `${c.name}: value of output ${i}`);
  });
}

const cases: Case[] = [
  // Constant: every value attribute
  { name: 'Constant value_ints', node: { opType: 'Constant', inputs: [], attrs: { value_ints: [1, -1, 768] } }, expect: [{ dtype: 'int64', shape: [3], value: [1, -1, 768] }] },
  { name: 'Constant value_int', node: { opType: 'Constant', inputs: [], attrs: { value_int: 7 } }, expect: [{ dtype: 'int64', shape: [], value: [7] }] },
  { name: 'Constant value_float', node: { opType: 'Constant', inputs: [], attrs: { value_float: { float: 2 } } }, expect: [{ dtype: 'float', shape: [], value: [2] }] },
  { name: 'Constant value_floats', node: { opType: 'Constant', inputs: [], attrs: { value_floats: { floats: [1, 2.5] } } }, expect: [{ dtype: 'float', shape: [2], value: [1, 2.5] }] },
  { name: 'Constant value_strings', node: { opType: 'Constant', inputs: [], attrs: { value_strings: ['a', 'b'] } }, expect: [{ dtype: 'string', shape: [2] }] },
  { name: 'Constant value tensor', node: { opType: 'Constant', inputs: [], attrs: { value: { tensor: { dtype: 'int64', dims: [2], values: [4, 5] } } } }, expect: [{ dtype: 'int64', shape: [2], value: [4, 5] }] },
  { name: 'Constant large tensor (no value)', node: { opType: 'Constant', inputs: [], attrs: { value: { tensor: { dtype: 'float16', dims: [64, 64] } } } }, expect: [{ dtype: 'float16', shape: [64, 64], value: undefined }] },
  // ConstantOfShape
  { name: 'ConstantOfShape default fill', node: { opType: 'ConstantOfShape', inputs: [i64([2], [2, 3])] }, expect: [{ dtype: 'float', shape: [2, 3], value: [0, 0, 0, 0, 0, 0] }] },
  { name: 'ConstantOfShape int fill', node: { opType: 'ConstantOfShape', inputs: [i64([1], [3])], attrs: { value: { tensor: { dtype: 'int64', dims: [1], values: [1] } } } }, expect: [{ dtype: 'int64', shape: [3], value: [1, 1, 1] }] },
  { name: 'ConstantOfShape unknown shape', node: { opType: 'ConstantOfShape', inputs: [i64([2])] }, expect: [{ dtype: 'float', shape: ['?', '?'] }] },
  // Shape and Size
  { name: 'Shape', node: { opType: 'Shape', inputs: [f32(['batch', 'seq', 768])] }, expect: [{ dtype: 'int64', shape: [3], value: ['batch', 'seq', 768] }] },
  { name: 'Shape start', node: { opType: 'Shape', inputs: [f32(['batch', 'seq', 768])], attrs: { start: 1 } }, expect: [{ shape: [2], value: ['seq', 768] }] },
  { name: 'Shape end -1', node: { opType: 'Shape', inputs: [f32(['batch', 'seq', 768])], attrs: { end: -1 } }, expect: [{ shape: [2], value: ['batch', 'seq'] }] },
  { name: 'Shape clipped start', node: { opType: 'Shape', inputs: [f32([2, 3])], attrs: { start: -10, end: 10 } }, expect: [{ shape: [2], value: [2, 3] }] },
  { name: 'Shape-13 ignores start', node: { opType: 'Shape', opset: 13, inputs: [f32([2, 3])], attrs: { start: 1 } }, expect: [{ shape: [2], value: [2, 3] }] },
  { name: 'Size', node: { opType: 'Size', inputs: [f32(['batch', 3])] }, expect: [{ dtype: 'int64', shape: [], value: ['3 * batch'] }] },
  // Reshape
  { name: 'Reshape 0 copies', node: { opType: 'Reshape', inputs: [f32(['batch', 'seq', 768]), i64([4], [0, 0, 12, 64])] }, expect: [{ shape: ['batch', 'seq', 12, 64] }] },
  { name: 'Reshape -1 symbolic product', node: { opType: 'Reshape', inputs: [f32(['batch', 'seq', 768]), i64([2], [-1, 768])] }, expect: [{ shape: ['batch * seq', 768] }] },
  { name: 'Reshape -1 symbolic quotient', node: { opType: 'Reshape', inputs: [f32(['batch', 'seq', 768]), i64([3], [0, -1, 64])] }, expect: [{ shape: ['batch', '12 * seq', 64] }] },
  { name: 'Reshape -1 undoes a flattening', node: { opType: 'Reshape', inputs: [f32(['batch * seq', 768]), i64([3], [0, -1, 768])] }, expect: [{ shape: ['batch * seq', 1, 768] }] },
  { name: 'Reshape -1 static', node: { opType: 'Reshape', inputs: [f32([2, 3, 4]), i64([2], [4, -1])] }, expect: [{ shape: [4, 6] }] },
  { name: 'Reshape allowzero keeps 0', node: { opType: 'Reshape', inputs: [f32([0, 3]), i64([2], [3, 0])], attrs: { allowzero: 1 } }, expect: [{ shape: [3, 0] }] },
  { name: 'Reshape unknown target', node: { opType: 'Reshape', inputs: [f32([2, 3]), i64([3])] }, expect: [{ shape: ['?', '?', '?'] }] },
  { name: 'Reshape-1 attribute', node: { opType: 'Reshape', opset: 4, inputs: [f32([2, 3])], attrs: { shape: [3, 2] } }, expect: [{ shape: [3, 2] }] },
  { name: 'Reshape keeps the value', node: { opType: 'Reshape', inputs: [i64([4], [1, 2, 3, 4]), i64([2], [2, 2])] }, expect: [{ shape: [2, 2], value: [1, 2, 3, 4] }] },
  // Flatten
  { name: 'Flatten axis 2', node: { opType: 'Flatten', inputs: [f32([2, 3, 4, 5])], attrs: { axis: 2 } }, expect: [{ shape: [6, 20] }] },
  { name: 'Flatten axis 0', node: { opType: 'Flatten', inputs: [f32([2, 3, 4, 5])], attrs: { axis: 0 } }, expect: [{ shape: [1, 120] }] },
  { name: 'Flatten axis = rank', node: { opType: 'Flatten', inputs: [f32([2, 3, 4, 5])], attrs: { axis: 4 } }, expect: [{ shape: [120, 1] }] },
  { name: 'Flatten negative axis', node: { opType: 'Flatten', inputs: [f32([2, 3, 4, 5])], attrs: { axis: -1 } }, expect: [{ shape: [24, 5] }] },
  { name: 'Flatten symbolic', node: { opType: 'Flatten', inputs: [f32(['batch', 3, 4])] }, expect: [{ shape: ['batch', 12] }] },
  // Squeeze and Unsqueeze: attribute before 13, input from 13
  { name: 'Squeeze-11 axes attribute', node: { opType: 'Squeeze', opset: 11, inputs: [f32([1, 3, 1, 5])], attrs: { axes: [0] } }, expect: [{ shape: [3, 1, 5] }] },
  { name: 'Squeeze-13 axes input', node: { opType: 'Squeeze', inputs: [f32([1, 3, 1, 5]), i64([1], [-2])] }, expect: [{ shape: [1, 3, 5] }] },
  { name: 'Squeeze all ones', node: { opType: 'Squeeze', inputs: [f32([1, 3, 1, 5])] }, expect: [{ shape: [3, 5] }] },
  { name: 'Squeeze symbolic with axes', node: { opType: 'Squeeze', inputs: [f32(['batch', 1, 'seq']), i64([1], [1])] }, expect: [{ shape: ['batch', 'seq'] }] },
  { name: 'Squeeze keeps the value', node: { opType: 'Squeeze', inputs: [i64([1], [7]), i64([1], [0])] }, expect: [{ shape: [], value: [7] }] },
  { name: 'Unsqueeze-11 axes attribute', node: { opType: 'Unsqueeze', opset: 11, inputs: [f32([3, 4])], attrs: { axes: [0, 3] } }, expect: [{ shape: [1, 3, 4, 1] }] },
  { name: 'Unsqueeze-13 negative axis', node: { opType: 'Unsqueeze', inputs: [f32([3, 4]), i64([1], [-1])] }, expect: [{ shape: [3, 4, 1] }] },
  { name: 'Unsqueeze unsorted axes', node: { opType: 'Unsqueeze', inputs: [f32([3, 4, 5]), i64([2], [4, 3])] }, expect: [{ shape: [3, 4, 5, 1, 1] }] },
  { name: 'Unsqueeze scalar value', node: { opType: 'Unsqueeze', inputs: [i64([], [9]), i64([1], [0])] }, expect: [{ shape: [1], value: [9] }] },
  // Expand
  { name: 'Expand broadcast', node: { opType: 'Expand', inputs: [f32([3, 1]), i64([3], [2, 1, 6])] }, expect: [{ shape: [2, 3, 6] }] },
  { name: 'Expand symbolic input', node: { opType: 'Expand', inputs: [f32(['batch', 1]), i64([2], [1, 4])] }, expect: [{ shape: ['batch', 4] }] },
  { name: 'Expand unknown target', node: { opType: 'Expand', inputs: [f32([3, 1]), i64([3])] }, expect: [{ shape: ['?', 3, '?'] }] },
  { name: 'Expand value', node: { opType: 'Expand', inputs: [i64([1], [5]), i64([1], [3])] }, expect: [{ shape: [3], value: [5, 5, 5] }] },
  // Cast
  { name: 'Cast float → int64 truncates', node: { opType: 'Cast', inputs: [f32([2], [1.7, -2.5])], attrs: { to: 7 } }, expect: [{ dtype: 'int64', shape: [2], value: [1, -2] }] },
  { name: 'Cast int64 → float', node: { opType: 'Cast', inputs: [i64([2], [3, 4])], attrs: { to: 1 } }, expect: [{ dtype: 'float', value: [3, 4] }] },
  { name: 'Cast to bool', node: { opType: 'Cast', inputs: [i64([3], [0, 2, -1])], attrs: { to: 9 } }, expect: [{ dtype: 'bool', value: [0, 1, 1] }] },
  { name: 'Cast int64 → int32 wraps', node: { opType: 'Cast', inputs: [i64([1], [2 ** 32 + 5])], attrs: { to: 6 } }, expect: [{ dtype: 'int32', value: [5] }] },
  { name: 'Cast-1 string target', node: { opType: 'Cast', opset: 1, inputs: [f32([2])], attrs: { to: 'FLOAT16' } }, expect: [{ dtype: 'float16', shape: [2] }] },
  { name: 'Cast-19 saturate', node: { opType: 'Cast', opset: 19, inputs: [f32([2])], attrs: { to: 17, saturate: 0 } }, expect: [{ dtype: 'float8e4m3fn', shape: [2] }] },
  { name: 'CastLike', node: { opType: 'CastLike', inputs: [f32(['n'], undefined), { dtype: 'float16', shape: [] }] }, expect: [{ dtype: 'float16', shape: ['n'] }] },
  // Range
  { name: 'Range int', node: { opType: 'Range', inputs: [i64([], [0]), i64([], [10]), i64([], [3])] }, expect: [{ dtype: 'int64', shape: [4], value: [0, 3, 6, 9] }] },
  { name: 'Range negative delta', node: { opType: 'Range', inputs: [i64([], [10]), i64([], [4]), i64([], [-3])] }, expect: [{ shape: [2], value: [10, 7] }] },
  { name: 'Range empty', node: { opType: 'Range', inputs: [i64([], [5]), i64([], [1]), i64([], [2])] }, expect: [{ shape: [0], value: [] }] },
  { name: 'Range float', node: { opType: 'Range', inputs: [f32([], [1]), f32([], [5]), f32([], [1.5])] }, expect: [{ dtype: 'float', shape: [3], value: [1, 2.5, 4] }] },
  { name: 'Range unknown', node: { opType: 'Range', inputs: [i64([]), i64([], [5]), i64([], [1])] }, expect: [{ shape: ['?'] }] },
  // EyeLike, NonZero
  { name: 'EyeLike dtype attribute', node: { opType: 'EyeLike', inputs: [f32([3, 4])], attrs: { dtype: 7 } }, expect: [{ dtype: 'int64', shape: [3, 4] }] },
  { name: 'EyeLike input dtype', node: { opType: 'EyeLike', inputs: [f32(['n', 'n'])] }, expect: [{ dtype: 'float', shape: ['n', 'n'] }] },
  { name: 'NonZero known input', node: { opType: 'NonZero', inputs: [i64([2, 2], [1, 0, 1, 1])] }, expect: [{ dtype: 'int64', shape: [2, 3], value: [0, 1, 1, 0, 0, 1] }] },
  { name: 'NonZero unknown count', node: { opType: 'NonZero', inputs: [f32(['a', 4])] }, expect: [{ dtype: 'int64', shape: [2, '?'] }] },
  // Dropout: mask is T before 10, bool from 10
  { name: 'Dropout-7 mask type', node: { opType: 'Dropout', opset: 7, inputs: [f32([2, 3])], outputCount: 2 }, expect: [{ dtype: 'float', shape: [2, 3] }, { dtype: 'float', shape: [2, 3] }] },
  { name: 'Dropout-10 mask bool', node: { opType: 'Dropout', opset: 10, inputs: [f32([2, 3])], outputCount: 2 }, expect: [{ dtype: 'float' }, { dtype: 'bool', shape: [2, 3] }] },
  { name: 'Dropout-13 inputs', node: { opType: 'Dropout', inputs: [f32(['b', 3]), f32([], [0.1]), { dtype: 'bool', shape: [], value: [1] }], outputCount: 2 }, expect: [{ shape: ['b', 3] }, { dtype: 'bool', shape: ['b', 3] }] },
  // Random generators
  { name: 'RandomNormal', node: { opType: 'RandomNormal', inputs: [], attrs: { shape: [2, 5] } }, expect: [{ dtype: 'float', shape: [2, 5] }] },
  { name: 'RandomUniform dtype', node: { opType: 'RandomUniform', inputs: [], attrs: { shape: [3], dtype: 11 } }, expect: [{ dtype: 'double', shape: [3] }] },
  { name: 'RandomNormalLike', node: { opType: 'RandomNormalLike', inputs: [f32(['b', 4])] }, expect: [{ dtype: 'float', shape: ['b', 4] }] },
  { name: 'RandomUniformLike dtype', node: { opType: 'RandomUniformLike', inputs: [f32([4])], attrs: { dtype: 10 } }, expect: [{ dtype: 'float16', shape: [4] }] },
  { name: 'Multinomial', node: { opType: 'Multinomial', inputs: [f32(['b', 10])], attrs: { sample_size: 5 } }, expect: [{ dtype: 'int32', shape: ['b', 5] }] },
  { name: 'Bernoulli', node: { opType: 'Bernoulli', inputs: [{ dtype: 'double', shape: [2, 2] }] }, expect: [{ dtype: 'double', shape: [2, 2] }] },
  // Identity keeps everything
  { name: 'Identity', node: { opType: 'Identity', inputs: [i64([2], [3, 4])] }, expect: [{ dtype: 'int64', shape: [2], value: [3, 4] }] },
];

for (const c of cases) test(c.name, () => check(c));

test('inputs that contradict the spec throw ShapeError; unknown ones UnknownShapeError', () => {
  assert.throws(() => runNode({ opType: 'Reshape', inputs: [f32([2, 3]), i64([2], [4, 2])] }), ShapeError);
  assert.throws(() => runNode({ opType: 'Reshape', inputs: [f32([2, 3]), i64([2], [-1, -1])] }), ShapeError);
  assert.throws(() => runNode({ opType: 'Squeeze', inputs: [f32([2, 3]), i64([1], [0])] }), ShapeError);
  assert.throws(() => runNode({ opType: 'Unsqueeze', inputs: [f32([2]), i64([2], [0, 0])] }), ShapeError);
  assert.throws(() => runNode({ opType: 'Squeeze', inputs: [f32(['a', 1])] }), UnknownShapeError);
  assert.throws(() => runNode({ opType: 'Reshape', inputs: [{ dtype: 'float' }, i64([2], [0, 3])] }), UnknownShapeError);
});

test('a fully known Reshape target needs no input shape', () => {
  const { outputs } = runNode({ opType: 'Reshape', inputs: [{ dtype: 'float' }, i64([2], [3, 4])] });
  assert.deepEqual(outputs[0].shape, [3, 4]);
});

test('costs: views move nothing, Shape reads metadata only, Constant is a weight', () => {
  const view = runNode({ opType: 'Reshape', inputs: [f32(['b', 768]), i64([3], [0, 12, 64])] }).cost;
  assert.deepEqual([view.flops, view.activationBytesRead, view.bytesWritten], [0, 0, 0]);
  const shape = runNode({ opType: 'Shape', inputs: [f32(['b', 768])] }).cost;
  assert.equal(shape.activationBytesRead, 0);
  const constant = runNode({ opType: 'Constant', inputs: [], attrs: { value_ints: [1, 2] } });
  assert.equal(constant.cost.bytesWritten, 0);
  const castLike = runNode({ opType: 'CastLike', inputs: [f32(['n']), { dtype: 'float16', shape: [1000] }] }).cost;
  assert.equal(castLike.activationBytesRead, '4 * n');
  const cast = runNode({ opType: 'Cast', inputs: [f32(['n'])], attrs: { to: 10 } }).cost;
  assert.deepEqual([cast.flops, cast.macs], [0, 0]);
});

test('Dropout counts FLOPs only in training mode', () => {
  const inference = runNode({ opType: 'Dropout', inputs: [f32([4, 8])] }).cost;
  assert.equal(inference.flops, 0);
  const training = runNode({ opType: 'Dropout', inputs: [f32([4, 8]), f32([], [0.5]), { dtype: 'bool', shape: [], value: [1] }] }).cost;
  assert.equal(training.flops, 64);
});

test('Constant output is a weight', () => {
  const g = profileGraph({
    inputs: {},
    nodes: [{ opType: 'Constant', inputs: [], outputs: ['c'], attrs: { value_floats: { floats: [1, 2, 3] } } }],
    outputs: ['c'],
  });
  assert.equal(g.values.get('c')?.isWeight, true);
  assert.equal(plain(g.weights.get('c')!.elements), 3);
});

/** Output shape of `name` in a profiled graph, dims printed. */
function shapeIn(spec: GraphSpec, name: string): (number | string)[] | undefined {
  return profileGraph(spec).values.get(name)?.shape?.map(plain);
}

test('exported shape arithmetic: Shape → Gather(0) → Unsqueeze → Concat([-1]) → Reshape gives [batch, 768]', () => {
  const spec: GraphSpec = {
    inputs: { x: { dtype: 'float', shape: ['batch', 12, 64] } },
    nodes: [
      { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
      { opType: 'Constant', inputs: [], outputs: ['zero'], attrs: { value_int: 0 } },
      { opType: 'Gather', inputs: ['s', 'zero'], outputs: ['b'], attrs: { axis: 0 } },
      { opType: 'Constant', inputs: [], outputs: ['axes'], attrs: { value_ints: [0] } },
      { opType: 'Unsqueeze', inputs: ['b', 'axes'], outputs: ['b1'] },
      { opType: 'Constant', inputs: [], outputs: ['rest'], attrs: { value_ints: [-1] } },
      { opType: 'Concat', inputs: ['b1', 'rest'], outputs: ['target'], attrs: { axis: 0 } },
      { opType: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
    ],
    outputs: ['y'],
  };
  assert.deepEqual(shapeIn(spec, 'y'), ['batch', 768]);
});

test('exported shape arithmetic: Concat(batch, [-1, 768]) → Reshape gives [batch, seq, 768]', () => {
  const spec: GraphSpec = {
    inputs: { x: { dtype: 'float', shape: ['batch', 'seq', 12, 64] } },
    nodes: [
      { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
      { opType: 'Constant', inputs: [], outputs: ['zero'], attrs: { value_int: 0 } },
      { opType: 'Gather', inputs: ['s', 'zero'], outputs: ['b'] },
      { opType: 'Constant', inputs: [], outputs: ['axes'], attrs: { value_ints: [0] } },
      { opType: 'Unsqueeze', inputs: ['b', 'axes'], outputs: ['b1'] },
      { opType: 'Constant', inputs: [], outputs: ['rest'], attrs: { value_ints: [-1, 768] } },
      { opType: 'Concat', inputs: ['b1', 'rest'], outputs: ['target'], attrs: { axis: 0 } },
      { opType: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
    ],
    outputs: ['y'],
  };
  assert.deepEqual(shapeIn(spec, 'y'), ['batch', 'seq', 768]);
});

test('Range over a symbolic length: Range(0, Shape(x)[1], 1) has length seq, Cast keeps it', () => {
  const spec: GraphSpec = {
    inputs: { x: { dtype: 'float', shape: ['batch', 'seq'] } },
    nodes: [
      { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
      { opType: 'Constant', inputs: [], outputs: ['one'], attrs: { value_int: 1 } },
      { opType: 'Constant', inputs: [], outputs: ['zero'], attrs: { value_int: 0 } },
      { opType: 'Gather', inputs: ['s', 'one'], outputs: ['len'] },
      { opType: 'Cast', inputs: ['len'], outputs: ['len32'], attrs: { to: 6 } },
      { opType: 'Range', inputs: ['zero', 'len', 'one'], outputs: ['positions'] },
      { opType: 'Unsqueeze', inputs: ['positions', 'zero'], outputs: ['row'] },
    ],
    outputs: ['row', 'len32'],
  };
  const g = profileGraph(spec);
  assert.deepEqual(g.values.get('positions')?.shape?.map(plain), ['seq']);
  assert.deepEqual(g.values.get('row')?.shape?.map(plain), [1, 'seq']);
  const len32 = g.values.get('len32')?.value;
  assert.equal(len32?.kind === 'ints' ? plain(len32.data[0]) : undefined, 'seq');
});

test('Expand to a shape computed with ConstantOfShape/Where, as HF exports do', () => {
  const spec: GraphSpec = {
    inputs: { mask: { dtype: 'float', shape: ['batch', 1, 1, 'seq'] }, x: { dtype: 'float', shape: ['batch', 'heads', 'seq', 'seq'] } },
    nodes: [
      { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
      { opType: 'Expand', inputs: ['mask', 's'], outputs: ['y'] },
    ],
    outputs: ['y'],
  };
  assert.deepEqual(shapeIn(spec, 'y'), ['batch', 'heads', 'seq', 'seq']);
});

/**
 * ONNX Runtime's BERT exports clamp the position ids to the input's shape in float (Min on integers came
 * with opset 12): Slice(positions, 0, Cast(Min(Cast(Shape(ids), float), [1, 512]), int64)). The dims survive
 * the float round trip, so the slice is [min(1, batch), min(512, seq)] and broadcasts back to [batch, seq].
 */
function clampedPositions(minuend: readonly number[], to: number): GraphSpec {
  return {
    inputs: { ids: { dtype: 'int64', shape: ['batch', 'seq'] }, embeddings: { dtype: 'float', shape: ['batch', 'seq', 32] } },
    weights: { positions: { dtype: 'float', dims: [1, 512, 32] } },
    nodes: [
      { opType: 'Shape', inputs: ['ids'], outputs: ['shape'] },
      { opType: 'Cast', inputs: ['shape'], outputs: ['shape_f'], attrs: { to } },
      { opType: 'Constant', inputs: [], outputs: ['limit'], attrs: { value_floats: { floats: [...minuend] } } },
      { opType: 'Min', inputs: ['shape_f', 'limit'], outputs: ['ends_f'] },
      { opType: 'Cast', inputs: ['ends_f'], outputs: ['ends'], attrs: { to: 7 } },
      { opType: 'Constant', inputs: [], outputs: ['starts'], attrs: { value_ints: [0, 0] } },
      { opType: 'Constant', inputs: [], outputs: ['axes'], attrs: { value_ints: [0, 1] } },
      { opType: 'Slice', inputs: ['positions', 'starts', 'ends', 'axes'], outputs: ['sliced'] },
      { opType: 'Add', inputs: ['embeddings', 'sliced'], outputs: ['sum'] },
    ],
    outputs: ['sum'],
  };
}

test('a dim cast to float and clamped with Min stays the dim (ORT BERT position slice)', () => {
  const g = profileGraph(clampedPositions([1, 512], 1));
  assert.deepEqual(g.values.get('sliced')?.shape?.map(plain), ['min(1, batch)', 'min(512, seq)', 32]);
  assert.deepEqual(g.values.get('sum')?.shape?.map(plain), ['batch', 'seq', 32]);
  // DOUBLE holds dims exactly too.
  assert.deepEqual(profileGraph(clampedPositions([1, 512], 11)).values.get('sum')?.shape?.map(plain), ['batch', 'seq', 32]);
});

test('a dim in a float tensor is kept only where the float arithmetic is exact', () => {
  // FLOAT16 holds integers exactly only to 2048: the dim is not kept, the slice is unknown.
  const half = profileGraph(clampedPositions([1, 512], 10)).values.get('sliced')?.shape?.map(plain);
  assert.deepEqual(half?.map((d) => String(d).replace(/^unk__\d+$/, 'unknown')), ['unknown', 'unknown', '32']);
  // A clamp that is not an integer: the result is not an integer of the dim.
  const fractional = profileGraph(clampedPositions([1.5, 512], 1)).values.get('ends_f')?.value;
  assert.equal(fractional, undefined);
  // Past 2^24 FLOAT rounds: a constant beside the dim that it cannot hold drops the value.
  const spec: GraphSpec = {
    inputs: { ids: { dtype: 'int64', shape: ['seq'] } },
    nodes: [
      { opType: 'Shape', inputs: ['ids'], outputs: ['shape'] },
      { opType: 'Constant', inputs: [], outputs: ['big'], attrs: { value_ints: [2 ** 24 + 1] } },
      { opType: 'Concat', inputs: ['shape', 'big'], outputs: ['both'], attrs: { axis: 0 } },
      { opType: 'Cast', inputs: ['both'], outputs: ['both_f'], attrs: { to: 1 } },
      { opType: 'Cast', inputs: ['shape'], outputs: ['seq_f'], attrs: { to: 1 } },
      { opType: 'Constant', inputs: [], outputs: ['two'], attrs: { value_float: { float: 2 } } },
      { opType: 'Div', inputs: ['seq_f', 'two'], outputs: ['half_f'] },
      { opType: 'Mul', inputs: ['seq_f', 'two'], outputs: ['double_f'] },
      { opType: 'Floor', inputs: ['double_f'], outputs: ['floored_f'] },
      { opType: 'Sub', inputs: ['seq_f', 'seq_f'], outputs: ['zero_f'] },
      { opType: 'Div', inputs: ['zero_f', 'two'], outputs: ['still_zero_f'] },
    ],
    outputs: ['both_f', 'half_f', 'floored_f', 'still_zero_f'],
  };
  const g = profileGraph(spec);
  assert.equal(g.values.get('both_f')?.value, undefined);
  // Division is not integer-exact: seq / 2 in float is not known (the integer rule would truncate).
  assert.equal(g.values.get('half_f')?.value, undefined);
  const floored = g.values.get('floored_f')?.value;
  assert.equal(floored?.kind === 'ints' ? plain(floored.data[0]) : undefined, '2 * seq');
  // Once no dim is left the value is numbers again, and float division divides.
  assert.deepEqual(g.values.get('zero_f')?.value, { kind: 'floats', dims: [1], data: [0] });
  assert.deepEqual(g.values.get('still_zero_f')?.value, { kind: 'floats', dims: [1], data: [0] });
});
