import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnknownShapeError } from '../opHandler';
import { type NodeSpec, runNode } from './testUtil';

const f32 = (shape: (number | string)[], value?: number[]) => ({ dtype: 'float', shape, value });
const i64 = (shape: (number | string)[], value?: number[]) => ({ dtype: 'int64', shape, value });

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  readonly shape: (number | string)[];
  readonly dtype?: string;
  readonly flops: number | string;
  readonly macs?: number;
}

const cases: Case[] = [
  // 10 transforms of length 10 along axis 1, real input: ⌈log2 10⌉ = 4 → 5·10·4 / 2 = 100 each.
  { name: 'DFT-17 real input', spec: { opType: 'DFT', opset: 17, inputs: [f32([1, 10, 10, 1])], attrs: { axis: 1 } }, shape: [1, 10, 10, 2], flops: 10 * 100 },
  // onesided: ⌊16/2⌋ + 1 = 9 bins; 3·4 transforms of length 16 complex: 5·16·4 = 320.
  { name: 'DFT-17 onesided complex', spec: { opType: 'DFT', opset: 17, inputs: [f32([3, 16, 4, 2])], attrs: { axis: 1, onesided: 1 } }, shape: [3, 9, 4, 2], flops: 12 * 320 },
  // Opset 20: axis is an input (default −2) and dft_length pads to 32.
  { name: 'DFT-20 dft_length and default axis', spec: { opType: 'DFT', opset: 20, inputs: [f32([2, 20, 2]), i64([], [32])] }, shape: [2, 32, 2], flops: 2 * 5 * 32 * 5 },
  // (128 − 16) / 8 + 1 = 15 frames, 9 bins; FFT 16 real = 160, window 16.
  { name: 'STFT with window', spec: { opType: 'STFT', inputs: [f32([1, 128, 1]), i64([], [8]), f32([16])] }, shape: [1, 15, 9, 2], flops: 15 * (160 + 16) },
  { name: 'STFT frame step unknown', spec: { opType: 'STFT', inputs: [f32([1, 128, 1]), i64([]), undefined, i64([], [16])] }, shape: [1, 'frames_0', 9, 2], flops: '160 * frames_0' },
  { name: 'MelWeightMatrix', spec: { opType: 'MelWeightMatrix', inputs: [i64([], [8]), i64([], [16]), i64([], [8192]), f32([], [0]), f32([], [4096])] }, shape: [9, 8], flops: 72 * 4 },
  { name: 'HannWindow', spec: { opType: 'HannWindow', inputs: [{ dtype: 'int32', shape: [], value: [10] }] }, shape: [10], flops: 100 },
  { name: 'BlackmanWindow unknown size', spec: { opType: 'BlackmanWindow', inputs: [{ dtype: 'int32', shape: [] }] }, shape: ['window_0'], flops: '20 * window_0' },
  // 2 batches × 1 class; 6 boxes: 15 pairs × 12 FLOPs per (batch, class).
  { name: 'NonMaxSuppression unknown boxes', spec: { opType: 'NonMaxSuppression', inputs: [f32([2, 6, 4]), f32([2, 1, 6]), i64([1], [3])] }, shape: ['selected_0', 3], dtype: 'int64', flops: 2 * 15 * 12 },
  { name: 'NonMaxSuppression without max boxes selects none', spec: { opType: 'NonMaxSuppression', inputs: [f32([1, 6, 4]), f32([1, 1, 6])] }, shape: [0, 3], dtype: 'int64', flops: 15 * 12 },
  // 3 ROIs × 1 channel × 5×5 bins × (2·2 samples × 8 + 1).
  { name: 'RoiAlign', spec: { opType: 'RoiAlign', inputs: [f32([1, 1, 10, 10]), f32([3, 4]), i64([3])], attrs: { output_height: 5, output_width: 5, sampling_ratio: 2 } }, shape: [3, 1, 5, 5], flops: 75 * 33 },
  { name: 'MaxRoiPool', spec: { opType: 'MaxRoiPool', inputs: [f32([1, 4, 8, 8]), f32(['R', 5])], attrs: { pooled_shape: [2, 2] } }, shape: ['R', 4, 2, 2], flops: '256 * R' },
  // Bilinear in 2-D: 4 taps × 2 per output element.
  { name: 'GridSample bilinear', spec: { opType: 'GridSample', opset: 16, inputs: [f32([1, 3, 8, 8]), f32([1, 4, 5, 2])] }, shape: [1, 3, 4, 5], flops: 60 * 8 },
  { name: 'GridSample-20 3-D cubic', spec: { opType: 'GridSample', opset: 20, inputs: [f32([1, 1, 4, 4, 4]), f32([1, 2, 2, 2, 3])], attrs: { mode: 'cubic' } }, shape: [1, 1, 2, 2, 2], flops: 8 * 2 * 64 },
  { name: 'com.microsoft GridSample', spec: { opType: 'GridSample', domain: 'com.microsoft', inputs: [f32(['N', 3, 8, 8]), f32(['N', 4, 4, 2])], attrs: { mode: 'nearest' } }, shape: ['N', 3, 4, 4], flops: '96 * N' },
  // 2 × 4 × 5 points, each a 3→2 affine map: 6 MACs.
  { name: 'AffineGrid 2-D', spec: { opType: 'AffineGrid', opset: 20, inputs: [f32([2, 2, 3]), i64([4], [2, 3, 4, 5])] }, shape: [2, 4, 5, 2], flops: 40 * 12, macs: 40 * 6 },
  { name: 'Det batched', spec: { opType: 'Det', inputs: [f32([3, 4, 4])] }, shape: [3], flops: 3 * 42 },
  { name: 'StringNormalizer with stopwords', spec: { opType: 'StringNormalizer', inputs: [{ dtype: 'string', shape: [1, 6] }], attrs: { stopwords: ['monday'] } }, shape: [1, 'words_0'], dtype: 'string', flops: 0 },
  { name: 'StringNormalizer without stopwords', spec: { opType: 'StringNormalizer', inputs: [{ dtype: 'string', shape: [4] }] }, shape: [4], dtype: 'string', flops: 0 },
  { name: 'StringSplit', spec: { opType: 'StringSplit', inputs: [{ dtype: 'string', shape: [2, 3] }] }, shape: [2, 3, 'substrings_0'], dtype: 'string', flops: 0 },
  { name: 'RegexFullMatch', spec: { opType: 'RegexFullMatch', inputs: [{ dtype: 'string', shape: [5] }], attrs: { pattern: 'a+' } }, shape: [5], dtype: 'bool', flops: 0 },
  { name: 'TfIdfVectorizer batch', spec: { opType: 'TfIdfVectorizer', inputs: [{ dtype: 'int32', shape: [2, 6] }], attrs: { max_gram_length: 2, min_gram_length: 1, max_skip_count: 0, mode: 'TF', ngram_counts: [0, 4], ngram_indexes: [0, 1, 2, 3, 4, 5, 6] } }, shape: [2, 7], flops: 12 * 2 },
  // Rfft over the last dim: 3 signals of 16 real points, 5·16·4 / 2 = 160 each; 9 bins of (re, im).
  { name: 'com.microsoft Rfft', spec: { opType: 'Rfft', domain: 'com.microsoft', inputs: [f32([3, 16])] }, shape: [3, 9, 2], flops: 3 * 160 },
  // Two signal dims: one 4 × 8 signal per batch, N = 32: 5·32·5 / 2 = 400.
  { name: 'com.microsoft Rfft signal_ndim 2', spec: { opType: 'Rfft', domain: 'com.microsoft', inputs: [f32([2, 4, 8])], attrs: { signal_ndim: 2 } }, shape: [2, 4, 5, 2], flops: 2 * 400 },
  { name: 'com.microsoft Irfft', spec: { opType: 'Irfft', domain: 'com.microsoft', inputs: [f32([3, 9, 2])], attrs: { signal_ndim: 1 } }, shape: [3, 16], flops: 3 * 160 },
  // 5 ROIs × 3 channels × 7 × 7 bilinear samples: 9 FLOPs each.
  { name: 'com.microsoft CropAndResize', spec: { opType: 'CropAndResize', domain: 'com.microsoft', inputs: [f32([2, 3, 32, 32]), f32([5, 4]), { dtype: 'int32', shape: [5] }, { dtype: 'int32', shape: [2], value: [7, 7] }] }, shape: [5, 3, 7, 7], flops: 735 * 9 },
  { name: 'com.microsoft CropAndResize nearest, unknown crop', spec: { opType: 'CropAndResize', domain: 'com.microsoft', inputs: [f32([2, 3, 32, 32]), f32(['R', 4]), { dtype: 'int32', shape: ['R'] }, { dtype: 'int32', shape: [2] }], attrs: { mode: 'nearest' } }, shape: ['R', 3, 'crop_height_0', 'crop_width_1'], flops: 0 },
  { name: 'com.microsoft Range without delta', spec: { opType: 'Range', domain: 'com.microsoft', inputs: [i64([], [2]), i64([], [7])] }, shape: [5], dtype: 'int64', flops: 5 },
  { name: 'com.microsoft Unique', spec: { opType: 'Unique', domain: 'com.microsoft', inputs: [f32([9])], outputCount: 1 }, shape: ['unique_0'], flops: 9 },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode(c.spec);
    assert.deepEqual(r.outputs[0].shape, c.shape);
    assert.equal(r.outputs[0].dtype, c.dtype ?? 'float');
    assert.equal(r.cost.flops, c.flops);
    if (c.macs !== undefined) assert.equal(r.cost.macs, c.macs);
  });
}

test('NonMaxSuppression with known boxes selects as ONNX Runtime does', () => {
  // ONNX's suppress_by_IOU example: boxes 0–2 overlap (IoU > 0.5), 3–5 are apart; 3 kept at most.
  const boxes = [0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, -0.1, 1, 0.9, 0, 10, 1, 11, 0, 10.1, 1, 11.1, 0, 100, 1, 101];
  const scores = [0.9, 0.75, 0.6, 0.95, 0.5, 0.3];
  const run = (maxBoxes: number, scoreThreshold: number) =>
    runNode({ opType: 'NonMaxSuppression', inputs: [f32([1, 6, 4], boxes), f32([1, 1, 6], scores), i64([1], [maxBoxes]), f32([1], [0.5]), f32([1], [scoreThreshold])] });
  assert.deepEqual(run(3, 0).outputs[0].shape, [3, 3]);
  assert.deepEqual(run(10, 0).outputs[0].shape, [3, 3], 'boxes 1, 2 and 4 are suppressed');
  assert.deepEqual(run(3, 0.4).outputs[0].shape, [2, 3], 'box 5 and the suppressed ones drop out');
});

test('Irfft without signal_ndim (no default) and Rfft over more dims than it has are ShapeErrors', () => {
  assert.throws(() => runNode({ opType: 'Irfft', domain: 'com.microsoft', inputs: [f32([3, 9, 2])] }), /Irfft has no default/);
  assert.throws(() => runNode({ opType: 'Rfft', domain: 'com.microsoft', inputs: [f32([3, 16])], attrs: { signal_ndim: 3 } }), /signal_ndim must be between 1 and/);
});

test('DFT with a symbolic length has an unknown cost, not 0', () => {
  assert.throws(() => runNode({ opType: 'DFT', opset: 17, inputs: [f32([1, 'T', 1])] }), UnknownShapeError);
});

test('ImageDecoder: fresh height and width, cost not modelled', () => {
  assert.throws(() => runNode({ opType: 'ImageDecoder', inputs: [{ dtype: 'uint8', shape: ['bytes'] }], attrs: { pixel_format: 'Grayscale' } }), UnknownShapeError);
});
