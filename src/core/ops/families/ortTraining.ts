/**
 * ONNX Runtime's training-graph ops (com.microsoft, orttraining/core/graph/training_op_defs.cc, and BitmaskDropout in
 * contrib_defs.cc): the gradients of the forward ops that ORT training artifacts and ORTModule graphs hold
 * (ReluGrad, SigmoidGrad, TanhGrad, GeluGrad, FastGeluGrad, BiasGeluGrad_dX, BiasFastGeluGrad_dX, DropoutGrad,
 * BitmaskDropoutGrad, SoftmaxGrad_13, LogSoftmaxGrad_13, LayerNormalizationGrad, SimplifiedLayerNormalizationGrad,
 * SoftmaxCrossEntropyLossInternalGrad), the forward ops they pair with (BitmaskDropout, SoftmaxCrossEntropyLossInternal,
 * ConcatTraining), the gradient accumulator InPlaceAccumulatorV2, and YieldOp, the hand-off to PyTorch.
 *
 * Cost convention (docs/cost-conventions.md), FLOPs per element of the gradient, counted from each schema's function
 * body (transcendentals per FLOPS_PER_ELEMENT):
 *  - ReluGrad 2 (compare, select); SigmoidGrad dY·Y·(1 − Y) 3; TanhGrad dY·(1 − Y²) 3;
 *  - GeluGrad 7 multiplies, 2 adds, an Erf and an Exp; FastGeluGrad 10 multiplies, 5 adds, a Tanh; the Bias… _dX
 *    forms add the bias first (1 more);
 *  - DropoutGrad and BitmaskDropoutGrad 2 (scale, select); BitmaskDropout as Dropout: a copy in inference, 2 per
 *    element (draw, scale) when training_mode is known true;
 *  - SoftmaxGrad_13 Y·(dY − Σ Y·dY) 4; LogSoftmaxGrad_13 dY − exp(Y)·Σ dY 3 + Exp;
 *  - LayerNormalizationGrad 13 (9 element-wise and 4 accumulations: the bias and scale gradients and the two means
 *    of the input gradient); SimplifiedLayerNormalizationGrad 9 (no mean terms);
 *  - SoftmaxCrossEntropyLossInternal as SoftmaxCrossEntropyLoss; its gradient exp(log_prob) − onehot, times dY:
 *    Exp + 3 per score (+ 1 with a bias);
 *  - InPlaceAccumulatorV2 1 add per element; ConcatTraining and YieldOp move data only (0 FLOPs).
 */
import { DataType } from '../../onnx/dataType';
import { Expr } from '../../shapes/expr';
import { knownConstantInts, normalizeAxis, numel, requireShape, sameTypeAndShape } from '../../shapes/shapeOps';
import type { InferredOutput, TensorInfo } from '../../shapes/tensorInfo';
import { intsValue } from '../../shapes/valueOps';
import { type OpCost, type OpHandler, ShapeError } from '../opHandler';
import { concatOutput } from './dataMovement';
import { FLOPS_PER_ELEMENT } from './elementwise';
import { lossOutputShape, nllFlops, SOFTMAX_PER_ELEMENT } from './reduction';

const MS = 'com.microsoft';
const { Erf: ERF, Exp: EXP, Log: LOG, Tanh: TANH } = FLOPS_PER_ELEMENT;
const GELU_GRAD = 7 + 2 + ERF + EXP;
const FAST_GELU_GRAD = 10 + 5 + TANH;

/** A gradient computed element by element over its first input, `flops` per element. */
function elementwiseGradient(opType: string, flops: number): OpHandler {
  return {
    opType,
    domain: MS,
    sinceVersion: 1,
    infer: (ctx) => [sameTypeAndShape(ctx.inputs[0], 'dY')],
    cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[0], 'dY')).mul(flops) }),
  };
}

/** SoftmaxGrad_13 / LogSoftmaxGrad_13: over one axis (default −1), checked against the rank. */
function softmaxGradient(opType: string, flops: number): OpHandler {
  return {
    opType,
    domain: MS,
    sinceVersion: 1,
    infer: (ctx) => {
      const out = sameTypeAndShape(ctx.inputs[0], 'dY');
      normalizeAxis(ctx.attrs.int('axis', -1), out.shape!.length);
      return [out];
    },
    cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[0], 'dY')).mul(flops) }),
  };
}

/** LayerNormalizationGrad (X_grad, scale_grad, bias_grad) and SimplifiedLayerNormalizationGrad (X_grad, scale_grad). */
function normalizationGradient(opType: string, outputs: number, flops: number): OpHandler {
  return {
    opType,
    domain: MS,
    sinceVersion: 1,
    infer: (ctx) => {
      const x = requireShape(ctx.inputs[1], 'X');
      const scale = requireShape(ctx.inputs[2], 'scale');
      normalizeAxis(ctx.attrs.int('axis', -1), x.length);
      const parameterGrad = { dtype: ctx.inputs[2]?.dtype, shape: scale };
      return [{ dtype: ctx.inputs[1]?.dtype, shape: x }, ...Array.from({ length: outputs - 1 }, () => parameterGrad)];
    },
    cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[1], 'X')).mul(flops) }),
  };
}

/** BitmaskDropout: Dropout with its mask packed one bit per element into ⌈N / 32⌉ uint32 words. */
const bitmaskDropout: OpHandler = {
  opType: 'BitmaskDropout',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const out = sameTypeAndShape(ctx.inputs[0], 'data');
    return [out, { dtype: DataType.UINT32, shape: [numel(out.shape!).add(31).floorDiv(32)] }];
  },
  cost: (ctx): OpCost => {
    const training = knownConstantInts(ctx.inputs[2])?.[0];
    if (!training) return { flops: Expr.constant(0) };
    return { flops: numel(requireShape(ctx.inputs[0], 'data')).mul(2), notes: ['training mode: 2 FLOPs per element (draw, scale)'] };
  },
};

/** ConcatTraining: Concat (axis required) and, optionally, each input's length along the axis. */
const concatTraining: OpHandler = {
  opType: 'ConcatTraining',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    if (ctx.attrs.int('axis') === undefined) throw new ShapeError('ConcatTraining needs the axis attribute');
    const out = concatOutput(ctx);
    const inputs = ctx.inputs.filter((t): t is TensorInfo => t !== undefined);
    const axis = normalizeAxis(ctx.attrs.int('axis')!, out.shape!.length);
    const lengths = inputs.map((t) => t.shape![axis]);
    return [out, { dtype: DataType.INT64, shape: [Expr.constant(inputs.length)], value: intsValue(lengths) }];
  },
  cost: () => ({ flops: Expr.constant(0) }),
};

/** InPlaceAccumulatorV2: buffer += value (or = value when overwrite_flag): a flag [1] and, optionally, the buffer. */
const inPlaceAccumulator: OpHandler = {
  opType: 'InPlaceAccumulatorV2',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => [{ dtype: DataType.BOOL, shape: [Expr.constant(1)] }, sameTypeAndShape(ctx.inputs[0], 'accumulation_buffer')],
  cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[1], 'value')) }),
};

/**
 * YieldOp: hands the forward outputs to PyTorch and returns their gradients, one per differentiable input in order;
 * an output has its input's shape when `full_shape_outputs` names that input (else it is unknown, as ONNX Runtime's
 * inference leaves it).
 */
const yieldOp: OpHandler = {
  opType: 'YieldOp',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const full = ctx.attrs.ints('full_shape_outputs');
    if (!full) throw new ShapeError('YieldOp needs full_shape_outputs');
    const skipped = new Set(ctx.attrs.ints('non_differentiable_outputs') ?? []);
    const outputs: InferredOutput[] = [];
    ctx.inputs.forEach((t, i) => {
      if (skipped.has(i)) return;
      const shape = full.includes(i) ? requireShape(t, `module output ${i}`) : t?.shape?.map((_, d) => ctx.fresh(`grad${i}_dim${d}`));
      outputs.push({ dtype: t?.dtype, shape });
    });
    return outputs;
  },
  cost: () => ({ flops: Expr.constant(0) }),
};

/** SoftmaxCrossEntropyLossInternal: SoftmaxCrossEntropyLoss with ignore_index as an input and an output type. */
const softmaxCrossEntropyLossInternal: OpHandler = {
  opType: 'SoftmaxCrossEntropyLossInternal',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'scores');
    const dtype = ctx.attrs.int('output_type') ?? ctx.inputs[0]?.dtype;
    return [
      { dtype, shape: lossOutputShape(ctx, shape, requireShape(ctx.inputs[1], 'labels')) },
      { dtype, shape },
    ];
  },
  cost: (ctx) => {
    const labels = requireShape(ctx.inputs[1], 'labels');
    const logSoftmax = numel(requireShape(ctx.inputs[0], 'scores')).mul(SOFTMAX_PER_ELEMENT).add(numel(labels).mul(LOG));
    return { flops: logSoftmax.add(nllFlops(ctx, labels)) };
  },
};

/** Its gradient: d_logits = dY · (exp(log_prob) − onehot(label)) (+ bias), the shape of log_prob. */
const softmaxCrossEntropyLossInternalGrad: OpHandler = {
  opType: 'SoftmaxCrossEntropyLossInternalGrad',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => [{ dtype: ctx.attrs.int('output_type') ?? ctx.inputs[1]?.dtype, shape: requireShape(ctx.inputs[1], 'log_prob') }],
  cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[1], 'log_prob')).mul(EXP + 3 + (ctx.inputs[5] ? 1 : 0)) }),
};

export const ortTrainingOps: readonly OpHandler[] = [
  elementwiseGradient('ReluGrad', 2),
  elementwiseGradient('SigmoidGrad', 3),
  elementwiseGradient('TanhGrad', 3),
  elementwiseGradient('GeluGrad', GELU_GRAD),
  elementwiseGradient('FastGeluGrad', FAST_GELU_GRAD),
  elementwiseGradient('BiasGeluGrad_dX', GELU_GRAD + 1),
  elementwiseGradient('BiasFastGeluGrad_dX', FAST_GELU_GRAD + 1),
  elementwiseGradient('DropoutGrad', 2),
  elementwiseGradient('BitmaskDropoutGrad', 2),
  softmaxGradient('SoftmaxGrad_13', 4),
  softmaxGradient('LogSoftmaxGrad_13', 3 + EXP),
  normalizationGradient('LayerNormalizationGrad', 3, 13),
  normalizationGradient('SimplifiedLayerNormalizationGrad', 2, 9),
  bitmaskDropout,
  concatTraining,
  inPlaceAccumulator,
  yieldOp,
  softmaxCrossEntropyLossInternal,
  softmaxCrossEntropyLossInternalGrad,
];
