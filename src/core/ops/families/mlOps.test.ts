import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpRegistry } from '../opRegistry';
import { mlOps } from './mlOps';
import { type NodeSpec, runNode } from './testUtil';

const ML = 'ai.onnx.ml';
const registry = new OpRegistry(mlOps);
const f32 = (shape: (number | string)[]) => ({ dtype: 'float', shape });

interface Case {
  readonly name: string;
  readonly spec: Omit<NodeSpec, 'domain'>;
  /** [dtype, shape] per output. */
  readonly outputs: [string, (number | string)[] | undefined][];
  readonly flops: number | string;
  readonly macs?: number | string;
}

/**
 * Two trees: tree 0 splits twice on its left branch (depth 2), tree 1 once (depth 1).
 *   tree 0: 0 → (1 → (3 leaf, 4 leaf), 2 leaf);  tree 1: 0 → (1 leaf, 2 leaf)
 */
const twoTrees = {
  nodes_treeids: [0, 0, 0, 0, 0, 1, 1, 1],
  nodes_nodeids: [0, 1, 2, 3, 4, 0, 1, 2],
  nodes_modes: ['BRANCH_LEQ', 'BRANCH_LEQ', 'LEAF', 'LEAF', 'LEAF', 'BRANCH_LT', 'LEAF', 'LEAF'],
  nodes_truenodeids: [1, 3, 0, 0, 0, 1, 0, 0],
  nodes_falsenodeids: [2, 4, 0, 0, 0, 2, 0, 0],
  nodes_featureids: [0, 1, 0, 0, 0, 2, 0, 0],
};

const cases: Case[] = [
  // 3 classes × 4 features per sample.
  { name: 'LinearClassifier', spec: { opType: 'LinearClassifier', inputs: [f32(['N', 4])], attrs: { classlabels_ints: [0, 1, 2], coefficients: { floats: new Array(12).fill(0.5) }, intercepts: { floats: [0, 0, 0] } } }, outputs: [['int64', ['N']], ['float', ['N', 3]]], flops: '24 * N', macs: '12 * N' },
  { name: 'LinearClassifier binary adds the complementary column', spec: { opType: 'LinearClassifier', inputs: [f32([5, 4])], attrs: { classlabels_strings: ['no', 'yes'], coefficients: { floats: [1, 2, 3, 4] }, intercepts: { floats: [0.5] } } }, outputs: [['string', [5]], ['float', [5, 2]]], flops: 40, macs: 20 },
  { name: 'LinearRegressor 1-D input', spec: { opType: 'LinearRegressor', inputs: [f32([6])], attrs: { targets: 2 } }, outputs: [['float', [1, 2]]], flops: 24, macs: 12 },
  // 10 support vectors over 3 classes (pairwise scores), RBF: 8 FLOPs per kernel value.
  { name: 'SVMClassifier RBF', spec: { opType: 'SVMClassifier', inputs: [f32([2, 5])], attrs: { classlabels_ints: [0, 1, 2], vectors_per_class: [4, 3, 3], kernel_type: 'RBF' } }, outputs: [['int64', [2]], ['float', [2, 3]]], flops: 2 * (2 * 10 * 5 + 2 * 10 * 2) + 2 * 10 * 8, macs: 2 * 10 * 5 + 2 * 10 * 2 },
  { name: 'SVMRegressor linear kernel', spec: { opType: 'SVMRegressor', inputs: [f32([2, 5])], attrs: { n_supports: 4 } }, outputs: [['float', [2, 1]]], flops: 2 * (2 * 4 * 5 + 2 * 4), macs: 2 * 4 * 5 + 2 * 4 },
  // Depths 2 + 1, plus one leaf accumulation per tree: 5 per sample.
  { name: 'TreeEnsembleRegressor', spec: { opType: 'TreeEnsembleRegressor', inputs: [f32(['N', 3])], attrs: { ...twoTrees, n_targets: 1 } }, outputs: [['float', ['N', 1]]], flops: '5 * N' },
  { name: 'TreeEnsembleClassifier', spec: { opType: 'TreeEnsembleClassifier', inputs: [f32([4, 3])], attrs: { ...twoTrees, classlabels_int64s: [0, 1] } }, outputs: [['int64', [4]], ['float', [4, 2]]], flops: 20 },
  // ml-5: one tree, root 0 splits into node 1 (which splits into two leaves) and a leaf: depth 2.
  { name: 'TreeEnsemble (ml 5)', spec: { opType: 'TreeEnsemble', opset: 5, inputs: [{ dtype: 'double', shape: [7, 3] }], attrs: { n_targets: 2, tree_roots: [0], nodes_truenodeids: [1, 0], nodes_trueleafs: [0, 1], nodes_falsenodeids: [0, 1], nodes_falseleafs: [1, 1] } }, outputs: [['double', [7, 2]]], flops: 7 * 3 },
  { name: 'Normalizer', spec: { opType: 'Normalizer', inputs: [{ dtype: 'int64', shape: [2, 3] }], attrs: { norm: 'L2' } }, outputs: [['float', [2, 3]]], flops: 18 },
  { name: 'Scaler', spec: { opType: 'Scaler', inputs: [f32([2, 3])] }, outputs: [['float', [2, 3]]], flops: 12 },
  { name: 'Binarizer', spec: { opType: 'Binarizer', inputs: [f32([2, 3])] }, outputs: [['float', [2, 3]]], flops: 6 },
  { name: 'OneHotEncoder', spec: { opType: 'OneHotEncoder', inputs: [{ dtype: 'int64', shape: [4, 1] }], attrs: { cats_int64s: [1, 2, 3] } }, outputs: [['float', [4, 1, 3]]], flops: 0 },
  { name: 'LabelEncoder-2 to strings', spec: { opType: 'LabelEncoder', opset: 2, inputs: [{ dtype: 'int64', shape: [3] }], attrs: { keys_int64s: [1, 2], values_strings: ['a', 'b'] } }, outputs: [['string', [3]]], flops: 0 },
  { name: 'CategoryMapper', spec: { opType: 'CategoryMapper', inputs: [{ dtype: 'string', shape: ['N'] }] }, outputs: [['int64', ['N']]], flops: 0 },
  { name: 'ArrayFeatureExtractor', spec: { opType: 'ArrayFeatureExtractor', inputs: [f32([3, 10]), { dtype: 'int64', shape: [4] }] }, outputs: [['float', [3, 4]]], flops: 0 },
  { name: 'CastMap sparse', spec: { opType: 'CastMap', inputs: [{ dtype: 'float', shape: undefined }], attrs: { cast_to: 'TO_INT64', map_form: 'SPARSE', max_map: 5 } }, outputs: [['int64', [1, 5]]], flops: 0 },
  { name: 'FeatureVectorizer', spec: { opType: 'FeatureVectorizer', inputs: [f32(['N', 2]), f32(['N', 3])], attrs: { inputdimensions: [2, 3] } }, outputs: [['float', ['N', 5]]], flops: 0 },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode({ ...c.spec, domain: ML, opset: c.spec.opset ?? 3, outputCount: c.outputs.length }, registry);
    assert.deepEqual(r.outputs.map((o) => [o.dtype, o.shape]), c.outputs);
    assert.equal(r.cost.flops, c.flops);
    if (c.macs !== undefined) assert.equal(r.cost.macs, c.macs);
  });
}
