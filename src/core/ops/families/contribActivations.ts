/**
 * Activations and small fusions outside elementwise.ts: the com.microsoft Gelu family (Gelu, FastGelu,
 * BiasGelu, QuickGelu, BiasSplitGelu) and onnxruntime-extensions' FastGelu (ai.onnx.contrib), BiasAdd, BiasDropout, BitmaskBiasDropout, BiasSoftmax, Inverse,
 * ThresholdedRelu; ONNX's Swish (opset 24) and SwiGLU (opset 28); and the experimental ONNX ops that
 * onnxruntime still runs (Affine, ParametricSoftplus, ScaledTanh, ImageScaler, Scale, Crop).
 *
 * Cost convention (docs/cost-conventions.md): FLOPs per output element, transcendentals as in
 * FLOPS_PER_ELEMENT (elementwise.ts): Gelu 14; FastGelu (tanh form) Tanh + 7 (x³, the polynomial, the
 * 0.5·x·(1 + t) product); QuickGelu and Swish Sigmoid + 2; SwiGLU Swish(A) · B Sigmoid + 3; a bias or
 * residual add 1 each; dropout 1
 * (the mask multiply); ScaledTanh Tanh + 2; ParametricSoftplus Softplus + 2; Affine and ImageScaler 2.
 * BiasSplitGelu: 1 per input element (bias) + Gelu + 1 (the product) per output element.
 * Inverse: 2·M³ per M×M matrix (Gauss-Jordan). Crop copies: 0 FLOPs, reads only the kept window.
 */
import { elementsBytes } from '../../analysis/graphInference';
import { DataType } from '../../onnx/dataType';
import { Expr, product } from '../../shapes/expr';
import { broadcastInputs, numel, outputElements, requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';
import { FLOPS_PER_ELEMENT } from './elementwise';

const F = FLOPS_PER_ELEMENT;
const MS = 'com.microsoft';

/** Broadcast of the present inputs among `indices` (bias and residual broadcast against the data). */
function broadcastOf(ctx: NodeContext, indices: readonly number[]): InferredOutput {
  const present = indices.map((i) => ctx.inputs[i]).filter((t): t is TensorInfo => t !== undefined);
  if (present.length === 0) throw new ShapeError('the data input is missing');
  const shape = broadcastInputs(present);
  if (!shape) throw new UnknownShapeError('an input rank is unknown');
  return { dtype: present[0].dtype, shape };
}

/** An activation over the broadcast of `indices`, costing `perElement(ctx)` per output element. */
function activation(opType: string, domain: string, indices: readonly number[], perElement: (ctx: NodeContext) => number, sinceVersion = 1): OpHandler {
  return {
    opType,
    domain,
    sinceVersion,
    infer: (ctx) => [broadcastOf(ctx, indices)],
    cost: (ctx, outputs) => ({ flops: outputElements(outputs).mul(perElement(ctx)) }),
  };
}

const FAST_GELU = F.Tanh + 7;
const SIGMOID_GATE = F.Sigmoid + 2; // x · sigmoid(alpha · x)

const biasSplitGelu: OpHandler = {
  opType: 'BiasSplitGelu',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'X');
    if (shape.length !== 3) throw new ShapeError(`X must be [N, S, D], got rank ${shape.length}`);
    const d = shape[2].asNumber;
    if (d !== undefined && d % 2 !== 0) throw new ShapeError(`the hidden size ${d} is odd`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [shape[0], shape[1], shape[2].floorDiv(2)] }];
  },
  cost: (ctx, outputs) => ({ flops: numel(requireShape(ctx.inputs[0], 'X')).add(outputElements(outputs).mul(F.Gelu + 1)) }),
};

/** SwiGLU (opset 28): Y = Swish_alpha(A) · B, A and B of identical shapes (no broadcasting). */
const swiglu: OpHandler = {
  opType: 'SwiGLU',
  domain: '',
  sinceVersion: 28,
  infer: (ctx) => {
    const a = requireShape(ctx.inputs[0], 'A');
    const b = requireShape(ctx.inputs[1], 'B');
    const differs = a.length !== b.length || a.some((d, i) => d.constantValue !== undefined && b[i].constantValue !== undefined && d.constantValue !== b[i].constantValue);
    if (differs) throw new ShapeError(`A and B must have identical shapes, got [${a.join(', ')}] and [${b.join(', ')}]`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: a }];
  },
  cost: (_ctx, outputs) => ({ flops: outputElements(outputs).mul(SIGMOID_GATE + 1) }),
};

/** BiasDropout: output = Dropout(data + bias) + residual, and the boolean mask. */
const biasDropout: OpHandler = {
  opType: 'BiasDropout',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const out = broadcastOf(ctx, [0, 1, 2]);
    return [out, { dtype: DataType.BOOL, shape: out.shape }];
  },
  cost: (ctx, outputs) => ({ flops: outputElements(outputs).mul(2 + (ctx.inputs[2] ? 1 : 0)) }),
};

/** BitmaskBiasDropout: as BiasDropout, with the mask packed 32 elements to a uint32. */
const bitmaskBiasDropout: OpHandler = {
  opType: 'BitmaskBiasDropout',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const out = broadcastOf(ctx, [0, 1, 2]);
    return [out, { dtype: DataType.UINT32, shape: [numel(out.shape!).ceilDiv(32)] }];
  },
  cost: (ctx, outputs) => ({ flops: outputElements(outputs).mul(2 + (ctx.inputs[2] ? 1 : 0)) }),
};

const biasSoftmax: OpHandler = {
  opType: 'BiasSoftmax',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => [broadcastOf(ctx, [0, 1])],
  // bias add 1, then softmax: max 1, subtract 1, Exp, sum 1, divide 1.
  cost: (_ctx, outputs) => ({ flops: outputElements(outputs).mul(1 + 4 + F.Exp) }),
};

const inverse: OpHandler = {
  opType: 'Inverse',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'X');
    if (shape.length < 2) throw new ShapeError(`X needs rank >= 2, got ${shape.length}`);
    const [m, n] = shape.slice(-2).map((d) => d.constantValue);
    if (m !== undefined && n !== undefined && m !== n) throw new ShapeError(`cannot invert a ${m}×${n} matrix`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape }];
  },
  cost: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'X');
    const m = shape[shape.length - 1];
    return { flops: product(shape.slice(0, -2)).mul(m).mul(m).mul(m).mul(2) };
  },
};

/** Crop: border [left, top, right, bottom], optional scale [height, width] of the kept window. */
const crop = (domain: string): OpHandler => ({
  opType: 'Crop',
  domain,
  sinceVersion: 1,
  infer: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'input');
    if (shape.length !== 4) throw new ShapeError(`Crop needs an [N, C, H, W] input, got rank ${shape.length}`);
    const border = ctx.attrs.ints('border');
    if (!border || border.length !== 4) throw new ShapeError('Crop needs border = [left, top, right, bottom]');
    const scale = ctx.attrs.ints('scale');
    const [left, top, right, bottom] = border;
    const [n, c, h, w] = shape;
    const kept = scale && scale.length === 2
      ? [Expr.constant(scale[0]), Expr.constant(scale[1])]
      : [h.sub(top + bottom), w.sub(left + right)];
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [n, c, ...kept] }];
  },
  cost: (ctx, outputs): OpCost => {
    const dtype = ctx.inputs[0]?.dtype;
    if (dtype === undefined) throw new UnknownShapeError('the input type is unknown');
    return { flops: Expr.constant(0), activationBytesRead: elementsBytes(dtype, outputElements(outputs)) };
  },
});

/** Experimental ONNX ops (removed from ONNX at opset 10) that onnxruntime still registers. */
const experimental = (domain: string): OpHandler[] => [
  activation('Affine', domain, [0], () => 2),
  activation('ParametricSoftplus', domain, [0], () => F.Softplus + 2),
  activation('ScaledTanh', domain, [0], () => F.Tanh + 2),
  activation('ImageScaler', domain, [0], () => 2),
  activation('Scale', domain, [0], () => 1),
  crop(domain),
];

export const contribActivationOps: readonly OpHandler[] = [
  activation('Gelu', MS, [0], () => F.Gelu),
  activation('FastGelu', MS, [0, 1], (ctx) => FAST_GELU + (ctx.inputs[1] ? 1 : 0)),
  // onnxruntime-extensions' FastGelu (ai.onnx.contrib): the same tanh form, X and an optional bias.
  activation('FastGelu', 'ai.onnx.contrib', [0, 1], (ctx) => FAST_GELU + (ctx.inputs[1] ? 1 : 0)),
  activation('BiasGelu', MS, [0, 1], () => 1 + F.Gelu),
  activation('QuickGelu', MS, [0], () => SIGMOID_GATE),
  activation('BiasAdd', MS, [0, 1, 2], () => 2),
  activation('ThresholdedRelu', MS, [0], () => F.ThresholdedRelu),
  activation('Swish', '', [0], () => SIGMOID_GATE, 24),
  swiglu,
  biasSplitGelu,
  biasDropout,
  bitmaskBiasDropout,
  biasSoftmax,
  inverse,
  ...experimental(''),
  ...experimental(MS),
];
