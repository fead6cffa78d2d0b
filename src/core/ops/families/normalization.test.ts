import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type NodeSpec, profileGraph, runNode } from './testUtil';

const t = (dtype: string, shape: (number | string)[], isWeight = false) => ({ dtype, shape, isWeight });
const f32 = (shape: (number | string)[]) => t('float', shape);

interface ShapeCase {
  readonly name: string;
  readonly node: NodeSpec;
  readonly expected: readonly { dtype: string; shape: readonly (number | string)[] | undefined }[];
}

const shapeCases: readonly ShapeCase[] = [
  {
    name: 'LayerNormalization-17 axis 1, float16 with float statistics',
    node: { opType: 'LayerNormalization', opset: 17, inputs: [t('float16', ['b', 3, 4]), t('float16', [3, 4]), t('float16', [3, 4])], attrs: { axis: 1 } },
    expected: [{ dtype: 'float16', shape: ['b', 3, 4] }, { dtype: 'float', shape: ['b', 1, 1] }, { dtype: 'float', shape: ['b', 1, 1] }],
  },
  {
    name: 'BatchNormalization-15 training outputs take the mean shape',
    node: { opType: 'BatchNormalization', opset: 15, inputs: [f32([2, 3, 4, 5]), f32([3]), f32([3]), f32([3]), f32([3])], attrs: { training_mode: 1 }, outputCount: 3 },
    expected: [{ dtype: 'float', shape: [2, 3, 4, 5] }, { dtype: 'float', shape: [3] }, { dtype: 'float', shape: [3] }],
  },
  {
    name: 'BatchNormalization-6 spatial=0 statistics are per element',
    node: { opType: 'BatchNormalization', opset: 6, inputs: [f32([2, 3, 4]), f32([3, 4]), f32([3, 4]), f32([3, 4]), f32([3, 4])], attrs: { spatial: 0 }, outputCount: 5 },
    expected: [{ dtype: 'float', shape: [2, 3, 4] }, ...Array.from({ length: 4 }, () => ({ dtype: 'float', shape: [3, 4] }))],
  },
  { name: 'InstanceNormalization', node: { opType: 'InstanceNormalization', opset: 6, inputs: [f32([1, 2, 1, 3]), f32([2]), f32([2])] }, expected: [{ dtype: 'float', shape: [1, 2, 1, 3] }] },
  { name: 'GroupNormalization-21', node: { opType: 'GroupNormalization', opset: 21, inputs: [f32([2, 4, 3]), f32([4]), f32([4])], attrs: { num_groups: 2 } }, expected: [{ dtype: 'float', shape: [2, 4, 3] }] },
  { name: 'RMSNormalization-23', node: { opType: 'RMSNormalization', opset: 23, inputs: [f32(['b', 's', 8]), f32([8])] }, expected: [{ dtype: 'float', shape: ['b', 's', 8] }] },
  { name: 'LpNormalization', node: { opType: 'LpNormalization', opset: 1, inputs: [f32([2, 3])], attrs: { axis: 0 } }, expected: [{ dtype: 'float', shape: [2, 3] }] },
  { name: 'MeanVarianceNormalization', node: { opType: 'MeanVarianceNormalization', opset: 13, inputs: [f32([3, 3, 3, 1])] }, expected: [{ dtype: 'float', shape: [3, 3, 3, 1] }] },
  { name: 'LRN', node: { opType: 'LRN', opset: 13, inputs: [f32([5, 5, 5, 5])], attrs: { size: 3 } }, expected: [{ dtype: 'float', shape: [5, 5, 5, 5] }] },
  {
    name: 'SimplifiedLayerNormalization with inv_std_var',
    node: { opType: 'SimplifiedLayerNormalization', opset: 1, inputs: [t('float16', ['b', 's', 8]), t('float16', [8])] },
    expected: [{ dtype: 'float16', shape: ['b', 's', 8] }, { dtype: 'float', shape: ['b', 's', 1] }],
  },
  {
    name: 'SkipLayerNormalization: output, mean, inv_std_var, input_skip_bias_sum',
    node: { opType: 'SkipLayerNormalization', domain: 'com.microsoft', inputs: [f32(['b', 's', 8]), f32(['b', 's', 8]), f32([8]), f32([8]), f32([8])] },
    expected: [
      { dtype: 'float', shape: ['b', 's', 8] },
      { dtype: 'float', shape: ['b', 's', 1] },
      { dtype: 'float', shape: ['b', 's', 1] },
      { dtype: 'float', shape: ['b', 's', 8] },
    ],
  },
  {
    name: 'EmbedLayerNormalization: output, mask_index, embedding_sum',
    node: {
      opType: 'EmbedLayerNormalization',
      domain: 'com.microsoft',
      inputs: [t('int32', ['b', 's']), t('int32', ['b', 's']), f32([100, 16]), f32([64, 16]), f32([2, 16]), f32([16]), f32([16]), t('int32', ['b', 's'])],
    },
    expected: [{ dtype: 'float', shape: ['b', 's', 16] }, { dtype: 'int32', shape: ['b'] }, { dtype: 'float', shape: ['b', 's', 16] }],
  },
  {
    name: 'QEmbedLayerNormalization: float output and mask_index from int8 tables',
    node: {
      opType: 'QEmbedLayerNormalization',
      domain: 'com.microsoft',
      inputs: [t('int32', ['b', 's']), undefined, t('int8', [100, 16]), t('int8', [64, 16]), undefined, t('int8', [16]), t('int8', [16]), undefined, f32([]), f32([]), undefined, f32([]), f32([]), t('int8', []), t('int8', []), undefined, t('int8', []), t('int8', [])],
    },
    expected: [{ dtype: 'float', shape: ['b', 's', 16] }, { dtype: 'int32', shape: ['b'] }],
  },
];

for (const c of shapeCases) {
  test(`normalization shapes: ${c.name}`, () => {
    const { outputs } = runNode(c.node);
    assert.deepEqual(outputs.map((o) => ({ dtype: o.dtype, shape: o.shape })), c.expected);
  });
}

interface CostCase {
  readonly name: string;
  readonly node: NodeSpec;
  readonly flops: number | string;
}

// Hand-computed from normalization.ts's convention: LayerNorm 4 (mean, variance) + 1 (normalize) + 1 (scale)
// + 1 (bias) per element and 8 per row (2 divisions, epsilon, Sqrt 4, reciprocal); RMSNorm 2 + 1 + 1 per
// element and 7 per row.
const costCases: readonly CostCase[] = [
  // 24 elements × 7 + 6 rows × 8
  { name: 'LayerNormalization [2, 3, 4] axis -1 with bias', node: { opType: 'LayerNormalization', opset: 17, inputs: [f32([2, 3, 4]), f32([4]), f32([4])] }, flops: 216 },
  // 24 × 6 + 6 × 8
  { name: 'LayerNormalization without bias', node: { opType: 'LayerNormalization', opset: 17, inputs: [f32([2, 3, 4]), f32([4])] }, flops: 192 },
  // 24 × 7 + 2 rows × 8
  { name: 'LayerNormalization axis 1', node: { opType: 'LayerNormalization', opset: 17, inputs: [f32([2, 3, 4]), f32([3, 4]), f32([3, 4])], attrs: { axis: 1 } }, flops: 184 },
  // batch × seq × 768 × 7 + batch × seq × 8
  { name: 'LayerNormalization symbolic', node: { opType: 'LayerNormalization', opset: 17, inputs: [f32(['batch', 'seq', 768]), f32([768]), f32([768])] }, flops: '5384 * batch * seq' },
  // 120 × 2 + 3 channels × 8
  { name: 'BatchNormalization inference', node: { opType: 'BatchNormalization', opset: 15, inputs: [f32([2, 3, 4, 5]), f32([3]), f32([3]), f32([3]), f32([3])] }, flops: 264 },
  // 120 × 7 + 3 × (8 + 6)
  { name: 'BatchNormalization training', node: { opType: 'BatchNormalization', opset: 15, inputs: [f32([2, 3, 4, 5]), f32([3]), f32([3]), f32([3]), f32([3])], attrs: { training_mode: 1 } }, flops: 882 },
  // 6 × 7 + N·C = 2 rows × 8
  { name: 'InstanceNormalization', node: { opType: 'InstanceNormalization', opset: 6, inputs: [f32([1, 2, 1, 3]), f32([2]), f32([2])] }, flops: 58 },
  // 16 × 7 + N·groups = 2 × 8
  { name: 'GroupNormalization', node: { opType: 'GroupNormalization', opset: 21, inputs: [f32([1, 4, 2, 2]), f32([4]), f32([4])], attrs: { num_groups: 2 } }, flops: 128 },
  // NHWC [1, 2, 2, 4], 2 groups: GroupNorm 16 × 7 + 2 × 8, SiLU 16 × 11, skip and bias adds 16 × 2.
  {
    name: 'SkipGroupNorm with bias and SiLU',
    node: { opType: 'SkipGroupNorm', domain: 'com.microsoft', inputs: [f32([1, 2, 2, 4]), f32([4]), f32([4]), f32([1, 1, 1, 4]), f32([4])], attrs: { groups: 2, activation: 1 } },
    flops: 128 + 176 + 32,
  },
  { name: 'SkipGroupNorm without bias', node: { opType: 'SkipGroupNorm', domain: 'com.microsoft', inputs: [f32([1, 2, 2, 4]), f32([4]), f32([4]), f32([1, 2, 2, 4])], attrs: { groups: 2, activation: 0 } }, flops: 128 + 16 },
  // 2 tokens × 16: two tables (1 add, 2 × 2 to dequantize) + LayerNorm 7 per element; 2 rows × 8.
  {
    name: 'QEmbedLayerNormalization',
    node: { opType: 'QEmbedLayerNormalization', domain: 'com.microsoft', inputs: [t('int32', [1, 2]), undefined, t('int8', [100, 16]), t('int8', [64, 16]), undefined, t('int8', [16]), t('int8', [16])] },
    flops: 32 * (1 + 4 + 7) + 2 * 8,
  },
  // 16 × 4 + 2 × 7
  { name: 'RMSNormalization', node: { opType: 'RMSNormalization', opset: 23, inputs: [f32([2, 8]), f32([8])] }, flops: 78 },
  { name: 'SimplifiedLayerNormalization', node: { opType: 'SimplifiedLayerNormalization', opset: 1, inputs: [f32([2, 8]), f32([8])] }, flops: 78 },
  // 16 × (skip 1 + bias 1 + 7) + 2 × 8
  { name: 'SkipLayerNormalization with beta and bias', node: { opType: 'SkipLayerNormalization', domain: 'com.microsoft', inputs: [f32([2, 8]), f32([2, 8]), f32([8]), f32([8]), f32([8])] }, flops: 160 },
  // 16 × (skip 1 + 4) + 2 × 7
  { name: 'SkipSimplifiedLayerNormalization', node: { opType: 'SkipSimplifiedLayerNormalization', domain: 'com.microsoft', inputs: [f32([2, 8]), f32([2, 8]), f32([8])] }, flops: 94 },
  // 6 × (4 + 1) + 2 rows (over C, H) × 8
  { name: 'MeanVarianceNormalization axes [1, 2]', node: { opType: 'MeanVarianceNormalization', opset: 13, inputs: [f32([2, 3, 1])], attrs: { axes: [1, 2] } }, flops: 46 },
  // 6 × 3 + 2 rows × Sqrt 4
  { name: 'LpNormalization p=2', node: { opType: 'LpNormalization', opset: 1, inputs: [f32([2, 3])] }, flops: 26 },
  // 4 elements × (2·3 + 2 + Pow 8 + 1)
  { name: 'LRN size 3', node: { opType: 'LRN', opset: 13, inputs: [f32([1, 4, 1, 1])], attrs: { size: 3 } }, flops: 68 },
];

for (const c of costCases) {
  test(`normalization cost: ${c.name}`, () => {
    assert.equal(runNode(c.node).cost.flops, c.flops);
  });
}

test('normalization: empty tensors (a 0-length dim, legal in ONNX) are counted, not a division by zero', () => {
  assert.equal(runNode({ opType: 'LpNormalization', opset: 1, inputs: [f32([0, 4])] }).cost.flops, 0);
  // Three rows of nothing: three (empty) norms, a Sqrt each.
  assert.equal(runNode({ opType: 'LpNormalization', opset: 1, inputs: [f32([3, 0])] }).cost.flops, 12);
  // Two empty groups: no element work, each group's statistics still finished (2 × 8).
  assert.equal(runNode({ opType: 'MeanVarianceNormalization', opset: 13, inputs: [f32([2, 0, 3])], attrs: { axes: [1, 2] } }).cost.flops, 16);
});

test('normalization: GroupNormalization with channels not divisible by groups is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'GroupNormalization', opset: 21, inputs: [f32([1, 5, 2]), f32([5]), f32([5])], attrs: { num_groups: 2 } }), { name: 'ShapeError' });
});

test('normalization: EmbedLayerNormalization reads only the embedding rows its ids select', () => {
  const profile = profileGraph({
    inputs: { ids: { dtype: 'int32', shape: [2, 8] }, segments: { dtype: 'int32', shape: [2, 8] } },
    weights: {
      word: { dtype: 'float', dims: [30000, 16] },
      position: { dtype: 'float', dims: [512, 16] },
      segment: { dtype: 'float', dims: [2, 16] },
      gamma: { dtype: 'float', dims: [16] },
      beta: { dtype: 'float', dims: [16] },
    },
    nodes: [
      {
        opType: 'EmbedLayerNormalization',
        domain: 'com.microsoft',
        inputs: ['ids', 'segments', 'word', 'position', 'segment', 'gamma', 'beta'],
        outputs: ['hidden', 'mask_index'],
      },
    ],
    outputs: ['hidden'],
  });
  const node = profile.nodes[0];
  // 3 tables × 16 tokens × 16 floats × 4 bytes + gamma and beta 2 × 16 × 4
  assert.equal(node.weightBytesRead.asNumber, 3200);
  // ids and segments: 2 × 16 × 4 bytes
  assert.equal(node.activationBytesRead.asNumber, 128);
  // params: every table counts in full
  assert.equal(node.params.asNumber, (30000 + 512 + 2) * 16 + 32);
  // 256 elements × (2 adds + 7) + 16 tokens × 8
  assert.equal(node.flops.asNumber, 2432);
});
