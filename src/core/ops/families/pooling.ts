/**
 * Pooling: MaxPool (with its int64 Indices output), AveragePool, LpPool, the Global pools, MaxUnpool,
 * and com.microsoft NhwcMaxPool, MaxpoolWithMask, QLinearAveragePool and QLinearGlobalAveragePool.
 *
 * Cost convention (docs/cost-conventions.md):
 *  - Windowed pools: output elements × kernel size FLOPs (one compare or add per window element; the
 *    average's division is not counted separately). LpPool counts 2 per window element (the power and
 *    the add).
 *  - Global pools: one FLOP per input element (2 for GlobalLpPool).
 *  - MaxUnpool is a scatter: 0 FLOPs, bytes only.
 */
import { DataType } from '../../onnx/dataType';
import { Expr, product } from '../../shapes/expr';
import { knownConstantInts, numel, requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, Shape, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';
import { channelsLastAware, type Layout, readWindowAttributes, windowOutputDims } from './convolution';

function requiredKernel(ctx: NodeContext): Expr[] {
  const kernel = ctx.attrs.ints('kernel_shape');
  if (!kernel || kernel.length === 0) throw new ShapeError('kernel_shape is required');
  return kernel.map((k) => Expr.constant(k));
}

function pooledShape(ctx: NodeContext, layout: Layout): Shape {
  const x = requireShape(ctx.inputs[0], 'X');
  const kernel = requiredKernel(ctx);
  if (x.length !== kernel.length + 2) throw new ShapeError(`input rank ${x.length} does not fit a ${kernel.length}-D kernel`);
  const window = readWindowAttributes(ctx, kernel);
  if (layout === 'channelsFirst') return [x[0], x[1], ...windowOutputDims(x.slice(2), window)];
  return [x[0], ...windowOutputDims(x.slice(1, -1), window), x[x.length - 1]];
}

function windowCost(flopsPerWindowElement: number) {
  return (ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost => {
    const shape = outputs[0]?.shape;
    if (!shape) throw new UnknownShapeError('output shape unknown');
    return { flops: numel(shape).mul(product(requiredKernel(ctx))).mul(flopsPerWindowElement) };
  };
}

function windowPool(opType: string, domain: string, flopsPerWindowElement: number, layout: Layout = 'channelsFirst'): OpHandler {
  return {
    opType,
    domain,
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: pooledShape(ctx, layout) }],
    cost: windowCost(flopsPerWindowElement),
  };
}

/** MaxPool: Y and, from opset 8, the optional int64 Indices of the same shape. */
const maxPool: OpHandler = {
  opType: 'MaxPool',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const shape = pooledShape(ctx, 'channelsFirst');
    const outputs: InferredOutput[] = [{ dtype: ctx.inputs[0]?.dtype, shape }];
    if (ctx.node.outputs.length > 1) outputs.push({ dtype: DataType.INT64, shape });
    return outputs;
  },
  cost: windowCost(1),
};

/** Global pools keep N and C and make every spatial dim 1. */
function globalPool(opType: string, domain: string, flopsPerInputElement: number, layout: Layout = 'channelsFirst'): OpHandler {
  return {
    opType,
    domain,
    sinceVersion: 1,
    infer: (ctx) => {
      const x = requireShape(ctx.inputs[0], 'X');
      if (x.length < 2) throw new ShapeError(`${opType} input must have rank ≥ 2, got ${x.length}`);
      const one = Expr.constant(1);
      const shape = layout === 'channelsFirst' ? [x[0], x[1], ...x.slice(2).map(() => one)] : [x[0], ...x.slice(1, -1).map(() => one), x[x.length - 1]];
      return [{ dtype: ctx.inputs[0]?.dtype, shape }];
    },
    cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[0], 'X')).mul(flopsPerInputElement) }),
  };
}

/**
 * MaxUnpool: the output_shape input when its value is known; else, per spatial dim,
 * (in − 1) × stride + kernel − pad_begin − pad_end. A given but unknown output_shape leaves the
 * spatial dims symbolic.
 */
const maxUnpool: OpHandler = {
  opType: 'MaxUnpool',
  domain: '',
  sinceVersion: 9,
  infer: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    const given = ctx.inputs[2];
    if (given) {
      const dims = knownConstantInts(given);
      if (dims) return [{ dtype: ctx.inputs[0]?.dtype, shape: dims.map((d) => Expr.constant(d)) }];
      return [{ dtype: ctx.inputs[0]?.dtype, shape: x.map((_, i) => ctx.fresh(`unpool_dim${i}`)) }];
    }
    const kernel = requiredKernel(ctx);
    const window = readWindowAttributes(ctx, kernel);
    const spatial = x.slice(2);
    if (spatial.length !== kernel.length) throw new ShapeError(`input rank ${x.length} does not fit a ${kernel.length}-D kernel`);
    const out = spatial.map((d, i) => d.sub(1).mul(window.strides[i]).add(kernel[i]).sub(window.pads[i] + window.pads[i + spatial.length]));
    return [{ dtype: ctx.inputs[0]?.dtype, shape: [x[0], x[1], ...out] }];
  },
  cost: () => ({ flops: Expr.constant(0), notes: ['a scatter: no arithmetic'] }),
};

export const poolingOps: readonly OpHandler[] = [
  maxPool,
  windowPool('AveragePool', '', 1),
  windowPool('LpPool', '', 2),
  globalPool('GlobalAveragePool', '', 1),
  globalPool('GlobalMaxPool', '', 1),
  globalPool('GlobalLpPool', '', 2),
  maxUnpool,
  windowPool('NhwcMaxPool', 'com.microsoft', 1, 'channelsLast'),
  // MaxpoolWithMask (contrib_defs.cc): MaxPool's window over X, which a mask M (X's spatial size) can cut short.
  windowPool('MaxpoolWithMask', 'com.microsoft', 1),
  channelsLastAware((layout) => windowPool('QLinearAveragePool', 'com.microsoft', 1, layout)),
  channelsLastAware((layout) => globalPool('QLinearGlobalAveragePool', 'com.microsoft', 1, layout)),
];
