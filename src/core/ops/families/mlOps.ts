/**
 * The ai.onnx.ml domain (scikit-learn style models): linear models, SVMs, tree ensembles and the
 * feature-processing ops around them.
 *
 * Inputs are [N, F] (a 1-D input counts as N = 1). CastMap, DictVectorizer and ZipMap handle maps.
 *
 * Cost convention (docs/cost-conventions.md):
 *  - Linear models: MACs = N × C × F (C classes or targets), FLOPs = 2·MACs.
 *  - SVMs with support vectors: MACs = N × V × F for the kernel rows (V support vectors) plus
 *    N × V × (C − 1) for the dual coefficients (N × V for a regressor); a non-linear kernel adds
 *    8 FLOPs per kernel value. Linear SVMs count as linear models.
 *  - Trees: one comparison per node visited, each tree walked to its deepest leaf:
 *    FLOPs = N × Σ over trees of (depth + outputs accumulated at the leaf).
 *  - Normalizer 3, Scaler 2, Binarizer and Imputer 1 FLOP per element; encoders, mappers and
 *    extractors are lookups and copies: 0 FLOPs, their bytes counted.
 */
import { DataType } from '../../onnx/dataType';
import { Expr, ONE_EXPR, ZERO_EXPR } from '../../shapes/expr';
import { numel, requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, Shape, TensorInfo } from '../../shapes/tensorInfo';
import { forEachOp, type NodeContext, type OpCost, type OpHandler, ShapeError } from '../opHandler';
import { sequenceOf } from './sequences';

const ML = 'ai.onnx.ml';

/** Batch and feature dims of a model input ([F] is one sample). */
function batchAndFeatures(t: TensorInfo | undefined): { n: Expr; f: Expr } {
  const shape = requireShape(t, 'X');
  if (shape.length === 1) return { n: ONE_EXPR, f: shape[0] };
  if (shape.length === 0) throw new ShapeError('X must be [N, F] or [F]');
  return { n: shape[0], f: numel(shape.slice(1)) };
}

function classLabels(ctx: NodeContext): { count: number; strings: boolean } {
  const strings = ctx.attrs.strings('classlabels_strings') ?? [];
  // Linear models and SVMs name the integer labels classlabels_ints; tree ensembles, classlabels_int64s.
  const ints = ctx.attrs.ints('classlabels_ints') ?? ctx.attrs.ints('classlabels_int64s') ?? [];
  return { count: strings.length > 0 ? strings.length : ints.length, strings: strings.length > 0 };
}

function labelOutput(ctx: NodeContext, n: Expr): InferredOutput {
  return { dtype: classLabels(ctx).strings ? DataType.STRING : DataType.INT64, shape: [n] };
}

function linearCost(n: Expr, c: Expr | number, f: Expr): OpCost {
  const macs = n.mul(c).mul(f);
  return { flops: macs.mul(2), macs };
}

/** A linear classifier's score rows: one per intercept, else one per class label. */
function linearTargets(ctx: NodeContext): number {
  return (ctx.attrs.floats('intercepts') ?? []).length || classLabels(ctx).count;
}

const linearClassifier: OpHandler = {
  opType: 'LinearClassifier',
  domain: ML,
  sinceVersion: 1,
  infer: (ctx) => {
    const { n } = batchAndFeatures(ctx.inputs[0]);
    const targets = linearTargets(ctx);
    // One score column for two labels: ONNX Runtime adds the complementary column.
    const columns = targets === 1 && classLabels(ctx).count === 2 ? 2 : targets;
    return [labelOutput(ctx, n), { dtype: DataType.FLOAT, shape: [n, Expr.constant(columns)] }];
  },
  cost: (ctx) => {
    const { n, f } = batchAndFeatures(ctx.inputs[0]);
    return linearCost(n, linearTargets(ctx), f);
  },
};

const linearRegressor: OpHandler = {
  opType: 'LinearRegressor',
  domain: ML,
  sinceVersion: 1,
  infer: (ctx) => [{ dtype: DataType.FLOAT, shape: [batchAndFeatures(ctx.inputs[0]).n, Expr.constant(ctx.attrs.int('targets', 1))] }],
  cost: (ctx) => {
    const { n, f } = batchAndFeatures(ctx.inputs[0]);
    return linearCost(n, ctx.attrs.int('targets', 1), f);
  },
};

function svmCost(ctx: NodeContext, supportVectors: number, dualRows: number, classes: number): OpCost {
  const { n, f } = batchAndFeatures(ctx.inputs[0]);
  if (supportVectors === 0) return linearCost(n, classes, f);
  const macs = n.mul(supportVectors).mul(f).add(n.mul(supportVectors).mul(dualRows));
  const kernel = ctx.attrs.string('kernel_type', 'LINEAR') === 'LINEAR' ? ZERO_EXPR : n.mul(supportVectors).mul(8);
  return { flops: macs.mul(2).add(kernel), macs };
}

function supportVectorCount(ctx: NodeContext): number {
  return (ctx.attrs.ints('vectors_per_class') ?? []).reduce((a, b) => a + b, 0);
}

const svmClassifier: OpHandler = {
  opType: 'SVMClassifier',
  domain: ML,
  sinceVersion: 1,
  infer: (ctx) => {
    const { n } = batchAndFeatures(ctx.inputs[0]);
    const classes = classLabels(ctx).count;
    const withProbabilities = (ctx.attrs.floats('prob_a') ?? []).length > 0;
    // As ONNX Runtime: without probabilities an SVC scores each pair of classes (2 columns when binary).
    const columns = supportVectorCount(ctx) > 0 && !withProbabilities ? (classes > 2 ? (classes * (classes - 1)) / 2 : 2) : classes;
    return [labelOutput(ctx, n), { dtype: DataType.FLOAT, shape: [n, Expr.constant(columns)] }];
  },
  cost: (ctx) => {
    const classes = classLabels(ctx).count;
    return svmCost(ctx, supportVectorCount(ctx), Math.max(classes - 1, 1), classes);
  },
};

const svmRegressor: OpHandler = {
  opType: 'SVMRegressor',
  domain: ML,
  sinceVersion: 1,
  infer: (ctx) => [{ dtype: DataType.FLOAT, shape: [batchAndFeatures(ctx.inputs[0]).n, ONE_EXPR] }],
  cost: (ctx) => svmCost(ctx, ctx.attrs.int('n_supports', 0), 1, 1),
};

/** Deeper than any real tree ensemble: past it a tree is malformed (a cycle), and the walk stops. */
const MAX_TREE_DEPTH = 1024;

/** Deepest comparison chain of each tree, given each node's children (undefined for a leaf). */
function treeDepths(roots: readonly number[], children: (node: number) => readonly (number | undefined)[] | undefined): number[] {
  const memo = new Map<number, number>();
  const depth = (node: number, guard: number): number => {
    const known = memo.get(node);
    if (known !== undefined) return known;
    const kids = children(node);
    if (!kids || guard > MAX_TREE_DEPTH) return 0;
    const d = 1 + Math.max(...kids.map((k) => (k === undefined ? 0 : depth(k, guard + 1))));
    memo.set(node, d);
    return d;
  };
  return roots.map((r) => depth(r, 0));
}

/** Depths for the ml-1/3 encoding: nodes keyed by (tree id, node id), leaves marked 'LEAF'. */
function legacyTreeDepths(ctx: NodeContext): number[] {
  const trees = ctx.attrs.ints('nodes_treeids') ?? [];
  const ids = ctx.attrs.ints('nodes_nodeids') ?? [];
  const modes = ctx.attrs.strings('nodes_modes') ?? [];
  const trueIds = ctx.attrs.ints('nodes_truenodeids') ?? [];
  const falseIds = ctx.attrs.ints('nodes_falsenodeids') ?? [];
  const index = new Map<string, number>();
  trees.forEach((t, i) => index.set(`${t}:${ids[i]}`, i));
  const isChild = new Set<number>();
  const children = (i: number) => {
    if (modes[i] === 'LEAF') return undefined;
    return [index.get(`${trees[i]}:${trueIds[i]}`), index.get(`${trees[i]}:${falseIds[i]}`)];
  };
  trees.forEach((_, i) => children(i)?.forEach((k) => k !== undefined && isChild.add(k)));
  const roots = trees.map((_, i) => i).filter((i) => !isChild.has(i));
  return treeDepths(roots, children);
}

/** Depths for TreeEnsemble (ml 5): tree_roots index the nodes; a child flagged as a leaf ends the walk. */
function treeEnsembleDepths(ctx: NodeContext): number[] {
  const roots = ctx.attrs.ints('tree_roots') ?? [];
  const trueIds = ctx.attrs.ints('nodes_truenodeids') ?? [];
  const falseIds = ctx.attrs.ints('nodes_falsenodeids') ?? [];
  const trueLeafs = ctx.attrs.ints('nodes_trueleafs') ?? [];
  const falseLeafs = ctx.attrs.ints('nodes_falseleafs') ?? [];
  return treeDepths(roots, (i) => [trueLeafs[i] ? undefined : trueIds[i], falseLeafs[i] ? undefined : falseIds[i]]);
}

function treeCost(ctx: NodeContext, depths: readonly number[], outputsPerLeaf: number): OpCost {
  const { n } = batchAndFeatures(ctx.inputs[0]);
  const perSample = depths.reduce((a, d) => a + d + outputsPerLeaf, 0);
  return { flops: n.mul(perSample) };
}

const treeEnsembleClassifier: OpHandler = {
  opType: 'TreeEnsembleClassifier',
  domain: ML,
  sinceVersion: 1,
  infer: (ctx) => {
    const { n } = batchAndFeatures(ctx.inputs[0]);
    return [labelOutput(ctx, n), { dtype: DataType.FLOAT, shape: [n, Expr.constant(classLabels(ctx).count)] }];
  },
  cost: (ctx) => treeCost(ctx, legacyTreeDepths(ctx), 1),
};

const treeEnsembleRegressor: OpHandler = {
  opType: 'TreeEnsembleRegressor',
  domain: ML,
  sinceVersion: 1,
  infer: (ctx) => [{ dtype: DataType.FLOAT, shape: [batchAndFeatures(ctx.inputs[0]).n, Expr.constant(ctx.attrs.int('n_targets', 1))] }],
  cost: (ctx) => treeCost(ctx, legacyTreeDepths(ctx), 1),
};

const treeEnsemble: OpHandler = {
  opType: 'TreeEnsemble',
  domain: ML,
  sinceVersion: 5,
  infer: (ctx) => {
    const nTargets = ctx.attrs.int('n_targets');
    if (nTargets === undefined) throw new ShapeError('TreeEnsemble needs n_targets');
    return [{ dtype: ctx.inputs[0]?.dtype, shape: [batchAndFeatures(ctx.inputs[0]).n, Expr.constant(nTargets)] }];
  },
  cost: (ctx) => treeCost(ctx, treeEnsembleDepths(ctx), 1),
};

function perElement(flops: number) {
  return (ctx: NodeContext): OpCost => ({ flops: numel(requireShape(ctx.inputs[0], 'X')).mul(flops) });
}

/** Encoders, mappers and extractors: lookups and copies, 0 FLOPs (the engine counts their bytes). */
function lookupOp(opType: string, infer: OpHandler['infer']): OpHandler {
  return { opType, domain: ML, sinceVersion: 1, infer, cost: () => ({ flops: ZERO_EXPR }) };
}

const sameShapeFloat = (ctx: NodeContext): InferredOutput[] => [{ dtype: DataType.FLOAT, shape: requireShape(ctx.inputs[0], 'X') }];
const sameShapeSameType = (ctx: NodeContext): InferredOutput[] => [{ dtype: ctx.inputs[0]?.dtype, shape: requireShape(ctx.inputs[0], 'X') }];

/** LabelEncoder's output type: ml 1 maps strings ↔ int64; ml 2+ says it by the values attribute used. */
function labelEncoderType(ctx: NodeContext): DataType | undefined {
  if (ctx.opset < 2) return ctx.inputs[0]?.dtype === DataType.STRING ? DataType.INT64 : DataType.STRING;
  const valuesTensor = ctx.attrs.tensor('values_tensor');
  if (valuesTensor) return valuesTensor.dtype;
  if ((ctx.attrs.strings('values_strings') ?? []).length > 0) return DataType.STRING;
  if ((ctx.attrs.ints('values_int64s') ?? []).length > 0) return DataType.INT64;
  if ((ctx.attrs.floats('values_floats') ?? []).length > 0) return DataType.FLOAT;
  return ctx.attrs.has('default_string') ? DataType.STRING : ctx.attrs.has('default_int64') ? DataType.INT64 : ctx.attrs.has('default_float') ? DataType.FLOAT : undefined;
}

const arrayFeatureExtractor = lookupOp('ArrayFeatureExtractor', (ctx) => {
  const x = requireShape(ctx.inputs[0], 'X');
  const picked = numel(requireShape(ctx.inputs[1], 'Y'));
  const leading: Shape = x.length === 1 ? [ONE_EXPR] : x.slice(0, -1);
  return [{ dtype: ctx.inputs[0]!.dtype, shape: [...leading, picked] }];
});

const oneHotEncoder = lookupOp('OneHotEncoder', (ctx) => {
  const x = requireShape(ctx.inputs[0], 'X');
  const categories = (ctx.attrs.ints('cats_int64s') ?? []).length || (ctx.attrs.strings('cats_strings') ?? []).length;
  return [{ dtype: DataType.FLOAT, shape: [...x, Expr.constant(categories)] }];
});

const featureVectorizer = lookupOp('FeatureVectorizer', (ctx) => {
  const widths = ctx.attrs.ints('inputdimensions') ?? [];
  const n = requireShape(ctx.inputs[0], 'X')[0] ?? ONE_EXPR;
  return [{ dtype: DataType.FLOAT, shape: [n, Expr.constant(widths.reduce((a, b) => a + b, 0))] }];
});

const dictVectorizer = lookupOp('DictVectorizer', (ctx) => {
  const vocabulary = (ctx.attrs.strings('string_vocabulary') ?? []).length || (ctx.attrs.ints('int64_vocabulary') ?? []).length;
  return [{ dtype: ctx.inputs[0]?.element?.dtype, shape: [ONE_EXPR, Expr.constant(vocabulary)] }];
});

const zipMap = lookupOp('ZipMap', (ctx) => {
  const x = requireShape(ctx.inputs[0], 'X');
  return [sequenceOf({ kind: 'map', dtype: undefined, shape: undefined }, x.length === 1 ? ONE_EXPR : x[0])];
});

/** CastMap: one row of the map's values; SPARSE fills max_map slots, DENSE one per entry (count known at run time). */
const castMap = lookupOp('CastMap', (ctx) => {
  const target = ctx.attrs.string('cast_to', 'TO_FLOAT');
  const dtype = target === 'TO_STRING' ? DataType.STRING : target === 'TO_INT64' ? DataType.INT64 : DataType.FLOAT;
  const width = ctx.attrs.string('map_form', 'DENSE') === 'SPARSE' ? Expr.constant(ctx.attrs.int('max_map', 1)) : ctx.fresh('entries');
  return [{ dtype, shape: [ONE_EXPR, width] }];
});

export const mlOps: readonly OpHandler[] = [
  castMap,
  linearClassifier,
  linearRegressor,
  svmClassifier,
  svmRegressor,
  treeEnsembleClassifier,
  treeEnsembleRegressor,
  treeEnsemble,
  { opType: 'Normalizer', domain: ML, sinceVersion: 1, infer: sameShapeFloat, cost: perElement(3) },
  { opType: 'Scaler', domain: ML, sinceVersion: 1, infer: sameShapeFloat, cost: perElement(2) },
  ...forEachOp(['Binarizer', 'Imputer'], { domain: ML, sinceVersion: 1, infer: sameShapeSameType, cost: perElement(1) }),
  lookupOp('LabelEncoder', (ctx) => [{ dtype: labelEncoderType(ctx), shape: requireShape(ctx.inputs[0], 'X') }]),
  lookupOp('CategoryMapper', (ctx) => [{ dtype: ctx.inputs[0]?.dtype === DataType.STRING ? DataType.INT64 : DataType.STRING, shape: requireShape(ctx.inputs[0], 'X') }]),
  arrayFeatureExtractor,
  oneHotEncoder,
  featureVectorizer,
  dictVectorizer,
  zipMap,
];
