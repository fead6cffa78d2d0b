/**
 * Reductions and row-wise ops: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare, ArgMax/ArgMin,
 * Softmax/LogSoftmax/Hardmax, TopK, CumSum, and the two losses SoftmaxCrossEntropyLoss and
 * NegativeLogLikelihoodLoss.
 *
 * Cost convention (docs/cost-conventions.md), FLOPs:
 *  - ReduceX: per input element the op's accumulate cost (Sum/Max/Min/Prod 1, Mean 1, L1 2 = abs + add,
 *    L2 and SumSquare 2 = multiply + add, LogSum 1, LogSumExp 1 + Exp), plus per output element its
 *    finishing cost (Mean 1 division, L2 Sqrt, LogSum and LogSumExp Log). A reduction that is the identity
 *    (noop_with_empty_axes with no axes) is a copy: 0 FLOPs.
 *  - ArgMax/ArgMin: 1 comparison per input element.
 *  - Softmax: per element max 1 + subtract 1 + Exp + sum 1 + divide 1; LogSoftmax the same with a final
 *    subtract instead of the divide, plus one Log per row; Hardmax 1 comparison per element.
 *  - TopK: per input element ⌈log2(k + 1)⌉ comparisons (a k-heap); 1 when k is not a known constant (a
 *    lower bound, noted).
 *  - CumSum: 1 add per element.
 *  - NegativeLogLikelihoodLoss: per target element 1 (negate) + 1 when weighted; a sum (or mean) reduction
 *    adds 1 per target element (+ 1 division, and the weight sum when weighted). It reads one score per
 *    target element, not the whole input.
 *  - SoftmaxCrossEntropyLoss: LogSoftmax over the class axis, then NegativeLogLikelihoodLoss.
 * Transcendental costs come from FLOPS_PER_ELEMENT (elementwise.ts).
 */
import { elementsBytes } from '../../analysis/graphInference';
import { DataType } from '../../onnx/dataType';
import { Expr, ONE_EXPR, product } from '../../shapes/expr';
import { knownConstantInts, normalizeAxis, numel, requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, KnownValue, Shape, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';
import { FLOPS_PER_ELEMENT } from './elementwise';

const EXP = FLOPS_PER_ELEMENT.Exp;
const LOG = FLOPS_PER_ELEMENT.Log;
const SQRT = FLOPS_PER_ELEMENT.Sqrt;

/** FLOPs per input element (accumulate) and per output element (finish) of each ReduceX. */
const REDUCE_FLOPS: Readonly<Record<string, { perInput: number; perOutput: number }>> = {
  ReduceSum: { perInput: 1, perOutput: 0 },
  ReduceMax: { perInput: 1, perOutput: 0 },
  ReduceMin: { perInput: 1, perOutput: 0 },
  ReduceProd: { perInput: 1, perOutput: 0 },
  ReduceMean: { perInput: 1, perOutput: 1 },
  ReduceL1: { perInput: 2, perOutput: 0 },
  ReduceL2: { perInput: 2, perOutput: SQRT },
  ReduceSumSquare: { perInput: 2, perOutput: 0 },
  ReduceLogSum: { perInput: 1, perOutput: LOG },
  ReduceLogSumExp: { perInput: 1 + EXP, perOutput: LOG },
};

/** The opset at which each ReduceX took its axes as an input instead of an attribute. */
const AXES_INPUT_SINCE: Readonly<Record<string, number>> = {
  ReduceSum: 13, ReduceMax: 18, ReduceMin: 18, ReduceProd: 18, ReduceMean: 18,
  ReduceL1: 18, ReduceL2: 18, ReduceSumSquare: 18, ReduceLogSum: 18, ReduceLogSumExp: 18,
};

/** Which axes a reduction runs over, as far as it is known. */
type AxesSpec =
  | { readonly kind: 'all' }
  | { readonly kind: 'identity' }
  | { readonly kind: 'axes'; readonly axes: readonly number[] }
  /** The axes input's values are unknown; `count` is its length when that is known. */
  | { readonly kind: 'unknown'; readonly count: number | undefined };

function axesFromAttribute(ctx: NodeContext): AxesSpec {
  const axes = ctx.attrs.ints('axes');
  return axes === undefined || axes.length === 0 ? { kind: 'all' } : { kind: 'axes', axes };
}

function axesFromInput(ctx: NodeContext): AxesSpec {
  const noopWhenEmpty = ctx.attrs.int('noop_with_empty_axes', 0) !== 0;
  const empty: AxesSpec = noopWhenEmpty ? { kind: 'identity' } : { kind: 'all' };
  const input = ctx.inputs[1];
  if (!input) return empty;
  const values = knownConstantInts(input);
  if (values) return values.length === 0 ? empty : { kind: 'axes', axes: values };
  const count = input.shape?.length === 1 ? input.shape[0].asNumber : undefined;
  if (count === 0) return empty;
  return { kind: 'unknown', count };
}

/** The reduced shape. Unknown axes keep what can be known: the rank with keepdims, dims of 1. */
function reducedShape(ctx: NodeContext, shape: Shape, spec: AxesSpec, keepdims: boolean): Shape {
  switch (spec.kind) {
    case 'identity':
      return shape;
    case 'all':
      return keepdims ? shape.map(() => ONE_EXPR) : [];
    case 'axes': {
      const reduced = new Set(spec.axes.map((a) => normalizeAxis(a, shape.length, 'reduction axis')));
      if (keepdims) return shape.map((d, i) => (reduced.has(i) ? ONE_EXPR : d));
      return shape.filter((_, i) => !reduced.has(i));
    }
    case 'unknown':
      if (keepdims) return shape.map((d) => (d.constantValue === 1n ? d : ctx.fresh('reduced')));
      if (spec.count === undefined) throw new UnknownShapeError('the reduction axes and their count are unknown');
      if (spec.count > shape.length) throw new ShapeError(`${spec.count} reduction axes for rank ${shape.length}`);
      return Array.from({ length: shape.length - spec.count }, () => ctx.fresh('reduced'));
  }
}

/** Folds a known integer vector (ReduceProd of a Shape output, say) when every element is reduced. */
function foldKnownValue(opType: string, input: TensorInfo, spec: AxesSpec, outputShape: Shape): KnownValue | undefined {
  const v = input.value;
  if (v?.kind !== 'ints' || v.dims.length > 1 || spec.kind === 'unknown' || spec.kind === 'identity') return undefined;
  if (v.data.length === 0) return undefined;
  const fold: Record<string, (a: Expr, b: Expr) => Expr> = {
    ReduceSum: (a, b) => a.add(b),
    ReduceProd: (a, b) => a.mul(b),
    ReduceMax: (a, b) => a.max(b),
    ReduceMin: (a, b) => a.min(b),
  };
  const f = fold[opType];
  if (!f) return undefined;
  const dims = outputShape.map((d) => d.asNumber ?? 1);
  return { kind: 'ints', dims, data: [v.data.reduce(f)] };
}

function inferReduce(ctx: NodeContext, spec: AxesSpec): InferredOutput[] {
  const data = ctx.inputs[0];
  const shape = requireShape(data, 'data');
  const keepdims = ctx.attrs.int('keepdims', 1) !== 0;
  const out = reducedShape(ctx, shape, spec, keepdims);
  return [{ dtype: data!.dtype, shape: out, value: foldKnownValue(ctx.node.opType, data!, spec, out) }];
}

function reduceCost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost {
  const input = requireShape(ctx.inputs[0], 'data');
  const output = outputs[0]?.shape;
  if (!output) throw new UnknownShapeError('output shape unknown');
  if (isIdentityReduction(ctx)) {
    return { flops: Expr.constant(0), notes: ['no axes with noop_with_empty_axes: the input is passed through'] };
  }
  const { perInput, perOutput } = REDUCE_FLOPS[ctx.node.opType];
  return { flops: numel(input).mul(perInput).add(numel(output).mul(perOutput)) };
}

function isIdentityReduction(ctx: NodeContext): boolean {
  return ctx.opset >= AXES_INPUT_SINCE[ctx.node.opType] && axesFromInput(ctx).kind === 'identity';
}

function reduceHandlers(opType: string): OpHandler[] {
  const since = AXES_INPUT_SINCE[opType];
  return [
    { opType, domain: '', sinceVersion: 1, untilVersion: since - 1, infer: (ctx) => inferReduce(ctx, axesFromAttribute(ctx)), cost: reduceCost },
    { opType, domain: '', sinceVersion: since, infer: (ctx) => inferReduce(ctx, axesFromInput(ctx)), cost: reduceCost },
  ];
}

const argReduce = (opType: string): OpHandler => ({
  opType,
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'data');
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), shape.length);
    const keepdims = ctx.attrs.int('keepdims', 1) !== 0;
    return [{ dtype: DataType.INT64, shape: reducedShape(ctx, shape, { kind: 'axes', axes: [axis] }, keepdims) }];
  },
  cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[0], 'data')) }),
});

/** Softmax-family handlers keep the input's shape; only the axis meaning (and so the row count) changed at 13. */
function softmaxRows(ctx: NodeContext, shape: Shape): Expr {
  if (shape.length === 0) return ONE_EXPR;
  if (ctx.opset < 13) {
    const axis = normalizeAxis(ctx.attrs.int('axis', 1), shape.length);
    return product(shape.slice(0, axis)); // coerced to 2-D: [prod(before axis), prod(from axis)]
  }
  const axis = normalizeAxis(ctx.attrs.int('axis', -1), shape.length);
  return numel(shape).floorDiv(shape[axis]);
}

export const SOFTMAX_PER_ELEMENT = 1 + 1 + EXP + 1 + 1; // max, subtract, exp, sum, divide (or subtract)

const softmaxFamily = (opType: string, cost: (elements: Expr, rows: Expr) => Expr): OpHandler => ({
  opType,
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const x = ctx.inputs[0];
    const shape = requireShape(x, 'input');
    if (shape.length > 0) softmaxRows(ctx, shape); // validates the axis
    return [{ dtype: x!.dtype, shape }];
  },
  cost: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'input');
    return { flops: cost(numel(shape), softmaxRows(ctx, shape)) };
  },
});

/** TopK's k: the attribute before opset 10, then a 1-element input. */
function topKCount(ctx: NodeContext): Expr | undefined {
  if (ctx.opset < 10) {
    const k = ctx.attrs.int('k');
    if (k === undefined) throw new ShapeError('TopK-1 needs the k attribute');
    return Expr.constant(k);
  }
  const v = ctx.inputs[1]?.value;
  return v?.kind === 'ints' && v.data.length === 1 ? v.data[0] : undefined;
}

const topK: OpHandler = {
  opType: 'TopK',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const x = ctx.inputs[0];
    const shape = requireShape(x, 'X');
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), shape.length);
    const k = topKCount(ctx) ?? ctx.fresh('k');
    const out = shape.map((d, i) => (i === axis ? k : d));
    return [{ dtype: x!.dtype, shape: out }, { dtype: DataType.INT64, shape: out }];
  },
  cost: (ctx) => {
    const elements = numel(requireShape(ctx.inputs[0], 'X'));
    const k = topKCount(ctx)?.asNumber;
    if (k === undefined) return { flops: elements, notes: ['k is not known: one comparison per element, a lower bound'] };
    return { flops: elements.mul(Math.max(1, Math.ceil(Math.log2(k + 1)))) };
  },
};

/** CumSum (11) and CumProd (26): one add or multiply per element along the axis. */
const cumulative = (opType: string, sinceVersion: number): OpHandler => ({
  opType,
  domain: '',
  sinceVersion,
  infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: requireShape(ctx.inputs[0], 'x') }],
  cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[0], 'x')) }),
});

/** Scores [N, C, d1..dk] and target [N, d1..dk]: the loss shape and the per-target cost. */
export function lossOutputShape(ctx: NodeContext, scores: Shape, target: Shape): Shape {
  if (scores.length < 2) throw new ShapeError(`the scores need rank >= 2 ([N, C, ...]), got rank ${scores.length}`);
  if (target.length !== scores.length - 1) {
    throw new ShapeError(`the target has rank ${target.length}, expected ${scores.length - 1} for scores of rank ${scores.length}`);
  }
  return ctx.attrs.string('reduction', 'mean') === 'none' ? target : [];
}

/** The NLL part: gather one score per target element, weight it, reduce. */
export function nllFlops(ctx: NodeContext, target: Shape): Expr {
  const n = numel(target);
  const weighted = ctx.inputs[2] !== undefined;
  let flops = n.mul(weighted ? 2 : 1);
  const reduction = ctx.attrs.string('reduction', 'mean');
  if (reduction !== 'none') flops = flops.add(n); // the sum
  if (reduction === 'mean') flops = flops.add(weighted ? n.add(1) : ONE_EXPR); // weight sum, division
  return flops;
}

const negativeLogLikelihoodLoss: OpHandler = {
  opType: 'NegativeLogLikelihoodLoss',
  domain: '',
  sinceVersion: 12,
  infer: (ctx) => {
    const input = ctx.inputs[0];
    const out = lossOutputShape(ctx, requireShape(input, 'input'), requireShape(ctx.inputs[1], 'target'));
    return [{ dtype: input!.dtype, shape: out }];
  },
  cost: (ctx) => {
    const target = requireShape(ctx.inputs[1], 'target');
    const gathered = numel(target);
    // One score (and one weight) per target element; the target itself in full.
    let read = elementsBytes(ctx.inputs[0]?.dtype, gathered).add(elementsBytes(ctx.inputs[1]?.dtype, gathered));
    if (ctx.inputs[2]) read = read.add(elementsBytes(ctx.inputs[2]?.dtype, gathered));
    return { flops: nllFlops(ctx, target), activationBytesRead: read };
  },
};

const softmaxCrossEntropyLoss: OpHandler = {
  opType: 'SoftmaxCrossEntropyLoss',
  domain: '',
  sinceVersion: 12,
  infer: (ctx) => {
    const scores = ctx.inputs[0];
    const shape = requireShape(scores, 'scores');
    const out = lossOutputShape(ctx, shape, requireShape(ctx.inputs[1], 'labels'));
    return [{ dtype: scores!.dtype, shape: out }, { dtype: scores!.dtype, shape }];
  },
  cost: (ctx) => {
    const scores = requireShape(ctx.inputs[0], 'scores');
    const labels = requireShape(ctx.inputs[1], 'labels');
    const rows = numel(labels); // one softmax row per label position
    const logSoftmax = numel(scores).mul(SOFTMAX_PER_ELEMENT).add(rows.mul(LOG));
    return { flops: logSoftmax.add(nllFlops(ctx, labels)) };
  },
};

export const reductionOps: readonly OpHandler[] = [
  ...Object.keys(REDUCE_FLOPS).flatMap(reduceHandlers),
  argReduce('ArgMax'),
  argReduce('ArgMin'),
  softmaxFamily('Softmax', (elements) => elements.mul(SOFTMAX_PER_ELEMENT)),
  softmaxFamily('LogSoftmax', (elements, rows) => elements.mul(SOFTMAX_PER_ELEMENT).add(rows.mul(LOG))),
  softmaxFamily('Hardmax', (elements) => elements),
  topK,
  cumulative('CumSum', 11),
  cumulative('CumProd', 26),
  negativeLogLikelihoodLoss,
  softmaxCrossEntropyLoss,
];
