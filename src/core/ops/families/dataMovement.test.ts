import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Expr } from '../../shapes/expr';
import { ShapeError } from '../opHandler';
import { sliceLength } from './dataMovement';
import { plain, profileGraph, runNode, type NodeSpec, type OutputResult } from './testUtil';

const f32 = (shape: (number | string)[], value?: number[]) => ({ dtype: 'float', shape, value });
const i64 = (shape: (number | string)[], value?: number[]) => ({ dtype: 'int64', shape, value });
const INT_MAX = 2 ** 31 - 1;
const INT64_MAX = Number.MAX_SAFE_INTEGER; // as large as a test can state exactly; clamps the same way

interface Case {
  readonly name: string;
  readonly node: NodeSpec;
  /** Expected outputs; a shape entry '?' is a fresh symbol. */
  readonly expect: readonly Partial<OutputResult>[];
}

/** runNode names fresh dims `hint_N`. */
function freshAsQuestionMark(d: number | string): number | string {
  return typeof d === 'string' && /^[a-z0-9]+_\d+$/.test(d) ? '?' : d;
}

function check(c: Case): void {
  const { outputs } = runNode(c.node);
  assert.equal(outputs.length >= c.expect.length, true, `${c.name}: output count`);
  c.expect.forEach((want, i) => {
    const got = outputs[i];
    if (want.dtype !== undefined) assert.equal(got.dtype, want.dtype, `${c.name}: dtype of output ${i}`);
    if (want.shape !== undefined) assert.deepEqual(got.shape?.map(freshAsQuestionMark), want.shape, `${c.name}: shape of output ${i}`);
    if ('value' in want) assert.deepEqual(got.value, want.value, `${c.name}: value of output ${i}`);
  });
}

const cases: Case[] = [
  // Transpose
  { name: 'Transpose default reverses', node: { opType: 'Transpose', inputs: [f32(['b', 3, 4])] }, expect: [{ shape: [4, 3, 'b'] }] },
  { name: 'Transpose perm', node: { opType: 'Transpose', inputs: [f32(['b', 's', 12, 64])], attrs: { perm: [0, 2, 1, 3] } }, expect: [{ shape: ['b', 12, 's', 64] }] },
  { name: 'Transpose value', node: { opType: 'Transpose', inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6])] }, expect: [{ shape: [3, 2], value: [1, 4, 2, 5, 3, 6] }] },
  // Concat
  { name: 'Concat axis 1', node: { opType: 'Concat', inputs: [f32([2, 3]), f32([2, 5])], attrs: { axis: 1 } }, expect: [{ shape: [2, 8] }] },
  { name: 'Concat negative axis', node: { opType: 'Concat', inputs: [f32([2, 3]), f32([4, 3])], attrs: { axis: -2 } }, expect: [{ shape: [6, 3] }] },
  { name: 'Concat ints value', node: { opType: 'Concat', inputs: [i64([1], [4]), i64([2], [-1, 768])], attrs: { axis: 0 } }, expect: [{ shape: [3], value: [4, -1, 768] }] },
  { name: 'Concat 2-D value', node: { opType: 'Concat', inputs: [i64([2, 1], [1, 2]), i64([2, 1], [3, 4])], attrs: { axis: 1 } }, expect: [{ shape: [2, 2], value: [1, 3, 2, 4] }] },
  { name: 'Concat keeps known entries', node: { opType: 'Concat', inputs: [i64([1], [4]), i64([1])], attrs: { axis: 0 } }, expect: [{ shape: [2], value: [4, 'concat_0'] }] },
  { name: 'Concat-1 default axis', node: { opType: 'Concat', opset: 1, inputs: [f32([2, 3]), f32([2, 1])] }, expect: [{ shape: [2, 4] }] },
  // Split: attribute before 13, input from 13, num_outputs from 18
  { name: 'Split even', node: { opType: 'Split', inputs: [f32([6, 4])], outputCount: 3 }, expect: [{ shape: [2, 4] }, { shape: [2, 4] }, { shape: [2, 4] }] },
  { name: 'Split-11 attribute', node: { opType: 'Split', opset: 11, inputs: [f32([2, 6])], attrs: { axis: 1, split: [2, 4] }, outputCount: 2 }, expect: [{ shape: [2, 2] }, { shape: [2, 4] }] },
  { name: 'Split-13 input', node: { opType: 'Split', opset: 13, inputs: [f32([2, 6]), i64([2], [1, 5])], attrs: { axis: -1 }, outputCount: 2 }, expect: [{ shape: [2, 1] }, { shape: [2, 5] }] },
  { name: 'Split-13 zero-size part', node: { opType: 'Split', opset: 13, inputs: [f32([3]), i64([2], [0, 3])], outputCount: 2 }, expect: [{ shape: [0] }, { shape: [3] }] },
  { name: 'Split-18 uneven num_outputs', node: { opType: 'Split', opset: 18, inputs: [f32([7])], attrs: { num_outputs: 3 }, outputCount: 3 }, expect: [{ shape: [3] }, { shape: [3] }, { shape: [1] }] },
  { name: 'Split symbolic even', node: { opType: 'Split', inputs: [f32(['b', 'h'])], attrs: { axis: 1 }, outputCount: 2 }, expect: [{ shape: ['b', 'floor((h) / 2)'] }, { shape: ['b', 'floor((h) / 2)'] }] },
  { name: 'Split-18 symbolic uneven', node: { opType: 'Split', opset: 18, inputs: [f32(['n'])], attrs: { num_outputs: 2 }, outputCount: 2 }, expect: [{ shape: ['ceil((n) / 2)'] }, { shape: ['-ceil((n) / 2) + n'] }] },
  { name: 'Split unknown sizes', node: { opType: 'Split', inputs: [f32([2, 6]), i64([2])], attrs: { axis: 1 }, outputCount: 2 }, expect: [{ shape: [2, '?'] }, { shape: [2, '?'] }] },
  { name: 'Split value', node: { opType: 'Split', inputs: [i64([3], [7, 8, 9]), i64([2], [1, 2])], outputCount: 2 }, expect: [{ value: [7] }, { value: [8, 9] }] },
  // Slice: attributes before 10, inputs from 10
  { name: 'Slice-1 attributes', node: { opType: 'Slice', opset: 1, inputs: [f32([20, 10, 5])], attrs: { starts: [0, 0], ends: [3, 10], axes: [0, 1] } }, expect: [{ shape: [3, 10, 5] }] },
  { name: 'Slice default axes', node: { opType: 'Slice', inputs: [f32([20, 10, 5]), i64([3], [0, 0, 3]), i64([3], [20, 10, 4])] }, expect: [{ shape: [20, 10, 1] }] },
  { name: 'Slice negative step', node: { opType: 'Slice', inputs: [f32([20, 10, 5]), i64([1], [20]), i64([1], [0]), i64([1], [1]), i64([1], [-1])] }, expect: [{ shape: [20, 9, 5] }] },
  { name: 'Slice end out of bounds', node: { opType: 'Slice', inputs: [f32([20, 10, 5]), i64([1], [1]), i64([1], [1000]), i64([1], [1])] }, expect: [{ shape: [20, 9, 5] }] },
  { name: 'Slice start out of bounds', node: { opType: 'Slice', inputs: [f32([20, 10, 5]), i64([1], [1000]), i64([1], [1000]), i64([1], [1])] }, expect: [{ shape: [20, 0, 5] }] },
  { name: 'Slice step 2', node: { opType: 'Slice', inputs: [f32([10]), i64([1], [1]), i64([1], [INT64_MAX]), i64([1], [0]), i64([1], [2])] }, expect: [{ shape: [5] }] },
  { name: 'Slice full reverse', node: { opType: 'Slice', inputs: [f32([5]), i64([1], [-1]), i64([1], [-INT64_MAX]), i64([1], [0]), i64([1], [-1])] }, expect: [{ shape: [5] }] },
  { name: 'Slice value of a shape vector', node: { opType: 'Slice', inputs: [i64([4], [2, 3, 5, 7]), i64([1], [-2]), i64([1], [INT_MAX])] }, expect: [{ shape: [2], value: [5, 7] }] },
  { name: 'Slice symbolic to the end', node: { opType: 'Slice', inputs: [f32(['b', 'seq', 64]), i64([1], [0]), i64([1], [INT_MAX]), i64([1], [1])] }, expect: [{ shape: ['b', 'seq', 64] }] },
  { name: 'Slice symbolic last element', node: { opType: 'Slice', inputs: [f32(['b', 'seq', 64]), i64([1], [-1]), i64([1], [INT_MAX]), i64([1], [1])] }, expect: [{ shape: ['b', 'min(1, seq)', 64] }] },
  { name: 'Slice symbolic drop last', node: { opType: 'Slice', inputs: [f32(['seq']), i64([1], [0]), i64([1], [-1])] }, expect: [{ shape: ['max(0, seq - 1)'] }] },
  { name: 'Slice symbolic prefix', node: { opType: 'Slice', inputs: [f32(['seq']), i64([1], [0]), i64([1], [8])] }, expect: [{ shape: ['min(8, seq)'] }] },
  { name: 'Slice symbolic reverse', node: { opType: 'Slice', inputs: [f32(['seq']), i64([1], [-1]), i64([1], [-INT64_MAX]), i64([1], [0]), i64([1], [-1])] }, expect: [{ shape: ['seq'] }] },
  { name: 'Slice unknown starts', node: { opType: 'Slice', inputs: [f32(['b', 10, 4]), i64([1]), i64([1], [5]), i64([1], [1])] }, expect: [{ shape: ['b', '?', 4] }] },
  { name: 'Slice unknown axes', node: { opType: 'Slice', inputs: [f32(['b', 10]), i64([1], [0]), i64([1], [5]), i64([1])] }, expect: [{ shape: ['?', '?'] }] },
  // Gather family
  { name: 'Gather axis 0', node: { opType: 'Gather', inputs: [f32([5, 4, 3]), i64(['b', 's'])] }, expect: [{ shape: ['b', 's', 4, 3] }] },
  { name: 'Gather axis 1', node: { opType: 'Gather', inputs: [f32([5, 4, 3]), i64([2])], attrs: { axis: 1 } }, expect: [{ shape: [5, 2, 3] }] },
  { name: 'Gather scalar index value', node: { opType: 'Gather', inputs: [i64([3], [2, 8, 768]), i64([], [-1])] }, expect: [{ shape: [], value: [768] }] },
  { name: 'Gather vector index value', node: { opType: 'Gather', inputs: [i64([3], [2, 8, 768]), i64([2], [0, 2])] }, expect: [{ shape: [2], value: [2, 768] }] },
  { name: 'Gather 2-D value axis 1', node: { opType: 'Gather', inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6]), i64([2], [2, 0])], attrs: { axis: 1 } }, expect: [{ shape: [2, 2], value: [3, 1, 6, 4] }] },
  { name: 'GatherElements', node: { opType: 'GatherElements', inputs: [f32([3, 3]), i64([2, 3])], attrs: { axis: 1 } }, expect: [{ shape: [2, 3] }] },
  { name: 'GatherND', node: { opType: 'GatherND', inputs: [f32([2, 2]), i64([2, 1])] }, expect: [{ shape: [2, 2] }] },
  { name: 'GatherND batch_dims', node: { opType: 'GatherND', inputs: [f32([2, 2, 2]), i64([2, 1])], attrs: { batch_dims: 1 } }, expect: [{ shape: [2, 2] }] },
  { name: 'ScatterND', node: { opType: 'ScatterND', inputs: [f32([4, 4, 4]), i64([2, 1]), f32([2, 4, 4])] }, expect: [{ dtype: 'float', shape: [4, 4, 4] }] },
  { name: 'ScatterElements', node: { opType: 'ScatterElements', inputs: [f32([3, 3]), i64([2, 3]), f32([2, 3])] }, expect: [{ shape: [3, 3] }] },
  { name: 'Scatter (opset 9)', node: { opType: 'Scatter', opset: 9, inputs: [f32([3, 3]), i64([2, 3]), f32([2, 3])] }, expect: [{ shape: [3, 3] }] },
  // Tile
  { name: 'Tile', node: { opType: 'Tile', inputs: [f32(['b', 3]), i64([2], [2, 2])] }, expect: [{ shape: ['2 * b', 6] }] },
  { name: 'Tile unknown repeats', node: { opType: 'Tile', inputs: [f32([0, 3]), i64([2])] }, expect: [{ shape: [0, '?'] }] },
  { name: 'Tile value', node: { opType: 'Tile', inputs: [i64([2], [1, 2]), i64([1], [2])] }, expect: [{ shape: [4], value: [1, 2, 1, 2] }] },
  // Pad: pads attribute before 11 (paddings at 1), input from 11, axes from 18
  { name: 'Pad-2 attribute', node: { opType: 'Pad', opset: 2, inputs: [f32([1, 3, 4, 5])], attrs: { pads: [0, 0, 1, 1, 0, 0, 1, 1] } }, expect: [{ shape: [1, 3, 6, 7] }] },
  { name: 'Pad-1 paddings', node: { opType: 'Pad', opset: 1, inputs: [f32([3, 4])], attrs: { paddings: [1, 0, 1, 0] } }, expect: [{ shape: [5, 4] }] },
  { name: 'Pad-11 input', node: { opType: 'Pad', opset: 11, inputs: [f32(['b', 'l']), i64([4], [0, 2, 0, 3])], attrs: { mode: 'reflect' } }, expect: [{ shape: ['b', 'l + 5'] }] },
  { name: 'Pad negative pads crop', node: { opType: 'Pad', inputs: [f32([3, 4]), i64([4], [-1, 0, 0, -2])] }, expect: [{ shape: [2, 2] }] },
  { name: 'Pad-18 axes', node: { opType: 'Pad', inputs: [f32([2, 3, 4]), i64([2], [1, 1]), undefined, i64([1], [-1])] }, expect: [{ shape: [2, 3, 6] }] },
  { name: 'Pad unknown pads', node: { opType: 'Pad', inputs: [f32([2, 3]), i64([4])] }, expect: [{ shape: ['?', '?'] }] },
  { name: 'Pad value of a shape vector', node: { opType: 'Pad', inputs: [i64([2], [4, 5]), i64([2], [1, 1]), i64([], [9])] }, expect: [{ shape: [4], value: [9, 4, 5, 9] }] },
  // Resize: scales (10), roi/scales/sizes (11, 13), axes and keep_aspect_ratio_policy (18)
  { name: 'Resize-10 scales', node: { opType: 'Resize', opset: 10, inputs: [f32([1, 3, 'h', 'w']), f32([4], [1, 1, 2, 2])] }, expect: [{ shape: [1, 3, '2 * h', '2 * w'] }] },
  { name: 'Resize downsample symbolic', node: { opType: 'Resize', inputs: [f32([1, 3, 'h', 8]), undefined, f32([4], [1, 1, 0.5, 0.6])] }, expect: [{ shape: [1, 3, 'floor((h) / 2)', 4] }] },
  { name: 'Resize-11 empty scales with sizes', node: { opType: 'Resize', opset: 11, inputs: [f32([1, 3, 4, 4]), f32([0], []), f32([0], []), i64([4], [1, 3, 8, 9])] }, expect: [{ shape: [1, 3, 8, 9] }] },
  { name: 'Resize-13 sizes', node: { opType: 'Resize', opset: 13, inputs: [f32([1, 1, 4, 4]), undefined, undefined, i64([4], [1, 1, 3, 2])] }, expect: [{ shape: [1, 1, 3, 2] }] },
  { name: 'Resize-18 axes', node: { opType: 'Resize', opset: 18, inputs: [f32([1, 1, 4, 4]), undefined, f32([2], [2, 3])], attrs: { axes: [2, 3] } }, expect: [{ shape: [1, 1, 8, 12] }] },
  { name: 'Resize-18 not_larger', node: { opType: 'Resize', opset: 18, inputs: [f32([1, 1, 2, 2]), undefined, undefined, i64([2], [7, 8])], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' } }, expect: [{ shape: [1, 1, 7, 7] }] },
  { name: 'Resize-18 not_smaller', node: { opType: 'Resize', opset: 18, inputs: [f32([1, 1, 2, 2]), undefined, undefined, i64([2], [7, 8])], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' } }, expect: [{ shape: [1, 1, 8, 8] }] },
  { name: 'Resize unknown scales', node: { opType: 'Resize', inputs: [f32([1, 3, 4, 4]), undefined, f32([4])] }, expect: [{ shape: ['?', '?', '?', '?'] }] },
  { name: 'Upsample-7 attribute', node: { opType: 'Upsample', opset: 7, inputs: [f32([1, 1, 2, 3])], attrs: { scales: { floats: [1, 1, 2, 3] } } }, expect: [{ shape: [1, 1, 4, 9] }] },
  { name: 'Upsample-9 input', node: { opType: 'Upsample', opset: 9, inputs: [f32([1, 1, 'h', 3]), f32([4], [1, 1, 2, 2])] }, expect: [{ shape: [1, 1, '2 * h', 6] }] },
  { name: 'Upsample-1 height/width', node: { opType: 'Upsample', opset: 1, inputs: [f32([1, 1, 2, 3])], attrs: { height_scale: { float: 2 }, width_scale: { float: 2 } } }, expect: [{ shape: [1, 1, 4, 6] }] },
  // DepthToSpace, SpaceToDepth
  { name: 'DepthToSpace', node: { opType: 'DepthToSpace', inputs: [f32(['n', 8, 2, 3])], attrs: { blocksize: 2, mode: 'CRD' } }, expect: [{ shape: ['n', 2, 4, 6] }] },
  { name: 'SpaceToDepth', node: { opType: 'SpaceToDepth', inputs: [f32([1, 2, 4, 6])], attrs: { blocksize: 2 } }, expect: [{ shape: [1, 8, 2, 3] }] },
  // Compress, Trilu, OneHot, ReverseSequence, Unique
  { name: 'Compress known condition', node: { opType: 'Compress', inputs: [f32([3, 2]), { dtype: 'bool', shape: [3], value: [0, 1, 1] }], attrs: { axis: 0 } }, expect: [{ shape: [2, 2] }] },
  { name: 'Compress short condition', node: { opType: 'Compress', inputs: [f32([3, 2]), { dtype: 'bool', shape: [2], value: [1, 1] }], attrs: { axis: -1 } }, expect: [{ shape: [3, 2] }] },
  { name: 'Compress without axis', node: { opType: 'Compress', inputs: [f32([3, 2]), { dtype: 'bool', shape: [6] }] }, expect: [{ shape: ['?'] }] },
  { name: 'Trilu', node: { opType: 'Trilu', inputs: [f32(['b', 4, 5]), i64([], [1])] }, expect: [{ shape: ['b', 4, 5] }] },
  { name: 'OneHot default axis', node: { opType: 'OneHot', inputs: [i64(['b', 3]), i64([], [10]), f32([2], [0, 1])] }, expect: [{ dtype: 'float', shape: ['b', 3, 10] }] },
  { name: 'OneHot axis 1 float depth', node: { opType: 'OneHot', inputs: [i64([2, 3]), f32([1], [10.6]), i64([2], [0, 1])], attrs: { axis: 1 } }, expect: [{ dtype: 'int64', shape: [2, 10, 3] }] },
  { name: 'OneHot unknown depth', node: { opType: 'OneHot', inputs: [i64([4]), i64([]), f32([2])], attrs: { axis: -2 } }, expect: [{ shape: ['?', 4] }] },
  { name: 'ReverseSequence', node: { opType: 'ReverseSequence', inputs: [f32(['t', 'b', 8]), i64(['b'])] }, expect: [{ shape: ['t', 'b', 8] }] },
  { name: 'Unique without axis', node: { opType: 'Unique', inputs: [f32([6], [2, 1, 1, 3, 4, 3])] }, expect: [{ shape: [4] }, { dtype: 'int64', shape: [4] }, { shape: [6] }, { shape: [4] }] },
  { name: 'Unique with axis', node: { opType: 'Unique', inputs: [f32([3, 2], [1, 1, 1, 1, 2, 2])], attrs: { axis: 0 } }, expect: [{ shape: [2, 2] }, { shape: [2] }, { shape: [3] }, { shape: [2] }] },
  { name: 'Unique unknown', node: { opType: 'Unique', inputs: [f32(['n', 2])] }, expect: [{ shape: ['?'] }, { shape: ['?'] }, { shape: ['2 * n'] }, { shape: ['?'] }] },
  // com.microsoft RemovePadding / RestorePadding (packed-mode encoders): the token count is data.
  {
    name: 'RemovePadding',
    node: { opType: 'RemovePadding', domain: 'com.microsoft', inputs: [f32([3, 'seq', 64]), { dtype: 'int32', shape: [3] }] },
    expect: [{ dtype: 'float', shape: ['?', 64] }, { dtype: 'int32', shape: [3, 'seq'] }, { dtype: 'int32', shape: [4] }, { dtype: 'int32', shape: [1] }],
  },
  { name: 'RestorePadding', node: { opType: 'RestorePadding', domain: 'com.microsoft', inputs: [f32(['tokens', 64]), { dtype: 'int32', shape: [3, 'seq'] }] }, expect: [{ shape: [3, 'seq', 64] }] },
  // CenterCropPad, Col2Im
  { name: 'CenterCropPad axes', node: { opType: 'CenterCropPad', inputs: [f32([20, 8, 3]), i64([2], [10, 9])], attrs: { axes: [0, 1] } }, expect: [{ shape: [10, 9, 3] }] },
  { name: 'Col2Im', node: { opType: 'Col2Im', inputs: [f32(['n', 18, 25]), i64([2], [5, 5]), i64([2], [3, 3])] }, expect: [{ shape: ['n', 2, 5, 5] }] },
];

for (const c of cases) test(c.name, () => check(c));

test('RemovePadding reads only the real tokens it packs', () => {
  const { cost } = runNode({ opType: 'RemovePadding', domain: 'com.microsoft', inputs: [f32([3, 128, 64]), { dtype: 'int32', shape: [3] }] });
  // tokens_N × 64 floats, plus the 3 int32 counts; not the 3 × 128 × 64 padded input.
  assert.equal(String(cost.activationBytesRead).replace(/tokens_\d+/, 'T'), '256 * T + 12');
  assert.equal(cost.flops, 0);
});

test('inputs that contradict the spec throw ShapeError', () => {
  const bad: NodeSpec[] = [
    { opType: 'Transpose', inputs: [f32([2, 3])], attrs: { perm: [0, 0] } },
    { opType: 'Concat', inputs: [f32([2, 3]), f32([3, 3])], attrs: { axis: 1 } },
    { opType: 'Split', inputs: [f32([7])], outputCount: 2 },
    { opType: 'Split', inputs: [f32([6]), i64([2], [2, 2])], outputCount: 2 },
    { opType: 'Slice', inputs: [f32([4]), i64([1], [0]), i64([1], [4]), i64([1], [0]), i64([1], [0])] },
    { opType: 'DepthToSpace', inputs: [f32([1, 6, 2, 2])], attrs: { blocksize: 2 } },
    { opType: 'Resize', inputs: [f32([1, 1, 2, 2]), undefined, f32([4], [1, 1, 0, 2])] },
    { opType: 'Pad', inputs: [f32([2]), i64([2], [-2, -1])] },
  ];
  for (const spec of bad) assert.throws(() => runNode(spec), ShapeError, spec.opType);
});

test('Slice lengths on a symbolic dim agree with the spec for every small dim', () => {
  const d = Expr.symbol('d');
  const bounds = [-INT64_MAX, -7, -3, -2, -1, 0, 1, 2, 3, 7, INT_MAX, INT64_MAX];
  for (const step of [1, 2, 3, -1, -2]) {
    for (const start of bounds) {
      for (const end of bounds) {
        const symbolic = sliceLength(d, Expr.constant(start), Expr.constant(end), BigInt(step))!;
        for (let dim = 0; dim <= 9; dim++) {
          const expected = sliceLength(Expr.constant(dim), Expr.constant(start), Expr.constant(end), BigInt(step))!;
          const got = symbolic.substitute(new Map([['d', Expr.constant(dim)]]));
          assert.equal(got.toString(), expected.toString(), `dim ${dim}, [${start}:${end}:${step}] gives ${symbolic}`);
        }
      }
    }
  }
});

test('Slice with symbolic bounds: a kv-cache window [past, past + seq)', () => {
  const length = sliceLength(Expr.symbol('max_len'), Expr.symbol('past'), Expr.symbol('past').add(Expr.symbol('seq')), 1n)!;
  const at = (maxLen: number, past: number, seq: number) =>
    length.substitute(new Map([['max_len', Expr.constant(maxLen)], ['past', Expr.constant(past)], ['seq', Expr.constant(seq)]])).toString();
  assert.equal(at(100, 10, 5), '5');
  assert.equal(at(12, 10, 5), '2');
  assert.equal(at(8, 10, 5), '0');
});

test('costs: Gather of an embedding table reads only the gathered rows, as weight bytes', () => {
  const cost = runNode({ opType: 'Gather', inputs: [{ dtype: 'float', shape: [50000, 768], isWeight: true }, i64(['b', 's'])] }).cost;
  assert.equal(cost.flops, 0);
  assert.equal(cost.weightBytesRead, '3072 * b * s');
  assert.equal(cost.activationBytesRead, '8 * b * s');
});

test('costs: Slice reads what it outputs; Transpose and Expand default to all in, all out', () => {
  const slice = runNode({ opType: 'Slice', inputs: [f32([100, 10]), i64([1], [0]), i64([1], [5])] }).cost;
  assert.equal(slice.activationBytesRead, 5 * 10 * 4 + 8 + 8);
  const transpose = runNode({ opType: 'Transpose', inputs: [f32([4, 8])] }).cost;
  assert.deepEqual([transpose.flops, transpose.activationBytesRead, transpose.bytesWritten], [0, undefined, undefined]);
});

test('costs: Resize counts interpolation taps, nearest is free', () => {
  const input = f32([1, 3, 4, 4]);
  const scales = f32([4], [1, 1, 2, 2]);
  const linear = runNode({ opType: 'Resize', inputs: [input, undefined, scales], attrs: { mode: 'linear' } }).cost;
  assert.equal(linear.flops, 3 * 8 * 8 * 4 * 2); // 4 taps (2 axes), a multiply-add each
  const cubic = runNode({ opType: 'Resize', inputs: [input, undefined, scales], attrs: { mode: 'cubic' } }).cost;
  assert.equal(cubic.flops, 3 * 8 * 8 * 16 * 2);
  const nearest = runNode({ opType: 'Resize', inputs: [input, undefined, scales] }).cost;
  assert.equal(nearest.flops, 0);
});

test('costs: ScatterND with a reduction adds once per update element; Col2Im once per input element', () => {
  const add = runNode({ opType: 'ScatterND', inputs: [f32([4, 4]), i64([3, 1]), f32([3, 4])], attrs: { reduction: 'add' } }).cost;
  assert.equal(add.flops, 12);
  const plainScatter = runNode({ opType: 'ScatterND', inputs: [f32([4, 4]), i64([3, 1]), f32([3, 4])] }).cost;
  assert.equal(plainScatter.flops, 0);
  const col2im = runNode({ opType: 'Col2Im', inputs: [f32([1, 18, 25]), i64([2], [5, 5]), i64([2], [3, 3])] }).cost;
  assert.equal(col2im.flops, 18 * 25);
});

test('a kv-cache Concat of two symbolic lengths gives past_sequence + sequence', () => {
  const g = profileGraph({
    inputs: {
      past: { dtype: 'float', shape: ['batch', 12, 'past_sequence', 64] },
      current: { dtype: 'float', shape: ['batch', 12, 'sequence', 64] },
    },
    nodes: [{ opType: 'Concat', inputs: ['past', 'current'], outputs: ['present'], attrs: { axis: 2 } }],
    outputs: ['present'],
  });
  const present = g.values.get('present')!.shape!;
  assert.ok(present[2].equals(Expr.symbol('sequence').add(Expr.symbol('past_sequence'))));
  assert.deepEqual(present.map(plain), ['batch', 12, 'past_sequence + sequence', 64]);
});

test('a shape vector assembled by Concat keeps its known entries through Reshape', () => {
  const g = profileGraph({
    inputs: { x: { dtype: 'float', shape: ['batch', 'seq', 768] }, heads: { dtype: 'int64', shape: [2] } },
    nodes: [
      { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
      { opType: 'Constant', inputs: [], outputs: ['starts'], attrs: { value_ints: [0] } },
      { opType: 'Constant', inputs: [], outputs: ['ends'], attrs: { value_ints: [2] } },
      { opType: 'Slice', inputs: ['s', 'starts', 'ends'], outputs: ['prefix'] },
      { opType: 'Concat', inputs: ['prefix', 'heads'], outputs: ['target'], attrs: { axis: 0 } },
      { opType: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
    ],
    outputs: ['y'],
  });
  const y = g.values.get('y')!.shape!.map(plain);
  assert.deepEqual(y.slice(0, 2), ['batch', 'seq']);
  assert.equal(y.length, 4);
});
