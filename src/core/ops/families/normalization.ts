/**
 * Normalizations: BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization,
 * RMSNormalization, LpNormalization, MeanVarianceNormalization, LRN, and the onnxruntime fusions
 * (SimplifiedLayerNormalization, SkipLayerNormalization, SkipSimplifiedLayerNormalization,
 * EmbedLayerNormalization, QEmbedLayerNormalization, GroupNorm, SkipGroupNorm).
 *
 * Cost convention (docs/cost-conventions.md). A normalization computes statistics over groups of
 * elements ("rows": the trailing axes of LayerNorm, a channel of InstanceNorm, a group of GroupNorm), then
 * normalizes each element. FLOPs = elements × per-element + rows × per-row, where
 *  - mean and variance cost 4 per element (sum 1, subtract the mean 1, square and accumulate 2); a
 *    root-mean-square costs 2 (square and accumulate);
 *  - normalizing costs 1 (× the inverse deviation), a scale 1 and a bias 1 more;
 *  - per row: 1 division per statistic, the epsilon add 1, Sqrt and a reciprocal (LayerNorm 8, RMSNorm 7).
 * So LayerNorm with scale and bias is 7 per element + 8 per row; RMSNorm 4 per element + 7 per row.
 * BatchNormalization in inference folds scale, bias, mean and variance into y = x·a + b: 2 per element
 * plus 8 per channel to fold (add epsilon, Sqrt, divide, multiply, subtract); in training mode it is a
 * LayerNorm-like pass over each channel plus the running-statistics update (3 per statistic per channel).
 * Skip variants add 1 per element for the skip add and 1 for the bias (SkipGroupNorm: the skip and the bias, whose
 * sum it may also output). EmbedLayerNormalization reads
 * only the embedding rows its ids select (weightBytesRead), adds them (1 or 2 per element) and applies a
 * LayerNorm; QEmbedLayerNormalization adds 2 per element per table to dequantize. LRN: 2·size (sum of squares in the window) + 11 (scale, bias, Pow, divide) per element.
 */
import { elementsBytes } from '../../analysis/graphInference';
import { DataType } from '../../onnx/dataType';
import { Expr, ONE_EXPR, product } from '../../shapes/expr';
import { normalizeAxis, numel, requireShape, sameTypeAndShape } from '../../shapes/shapeOps';
import type { InferredOutput, Shape, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError } from '../opHandler';
import { FLOPS_PER_ELEMENT } from './elementwise';

const MEAN_AND_VARIANCE_PER_ELEMENT = 4;
const MEAN_SQUARE_PER_ELEMENT = 2;
const NORMALIZE_PER_ELEMENT = 1;
const SQRT = FLOPS_PER_ELEMENT.Sqrt;

/** Per row: one division per statistic, the epsilon add, then Sqrt and a reciprocal. */
function perRowFlops(statistics: number): number {
  return statistics + 1 + SQRT + 1;
}
const LAYER_NORM_ROW = perRowFlops(2);
const RMS_NORM_ROW = perRowFlops(1);

/** elements × perElement + rows × perRow. */
function normalizationFlops(elements: Expr, perElement: number, rows: Expr, perRow: number): Expr {
  return elements.mul(perElement).add(rows.mul(perRow));
}

/** Elements and rows of a normalization over the axes from `axis` to the end. */
function trailingRows(shape: Shape, axis: number): { elements: Expr; rows: Expr } {
  return { elements: numel(shape), rows: product(shape.slice(0, axis)) };
}

/** Mean and InvStdDev of LayerNormalization: the input's shape with the normalized axes set to 1. */
function statisticsShape(shape: Shape, axis: number): Shape {
  return shape.map((d, i) => (i < axis ? d : ONE_EXPR));
}

function stashType(ctx: NodeContext): DataType {
  return ctx.attrs.int('stash_type', DataType.FLOAT) as DataType;
}

const sameAsFirst = (ctx: NodeContext): InferredOutput => sameTypeAndShape(ctx.inputs[0], 'X');

// ---------------------------------------------------------------- BatchNormalization

function isBatchNormTraining(ctx: NodeContext): boolean {
  if (ctx.opset >= 14) return ctx.attrs.int('training_mode', 0) !== 0;
  // Before 14 the extra outputs (running and saved statistics) exist only in training; is_test (until 7) forbids them.
  return ctx.attrs.int('is_test', 0) === 0 && ctx.node.outputs.filter((o) => o !== '').length > 1;
}

const batchNormalization: OpHandler = {
  opType: 'BatchNormalization',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const x = ctx.inputs[0];
    const shape = requireShape(x, 'X');
    if (shape.length < 2 && ctx.opset >= 9) throw new ShapeError(`X needs rank >= 2 ([N, C, ...]), got rank ${shape.length}`);
    // Running and saved statistics all take the shape of the input mean ([C], or X's shape without N when spatial = 0).
    const mean = ctx.inputs[3];
    const statistic = { dtype: mean?.dtype ?? x!.dtype, shape: mean?.shape };
    return [{ dtype: x!.dtype, shape }, statistic, statistic, statistic, statistic];
  },
  cost: (ctx) => {
    const elements = numel(requireShape(ctx.inputs[0], 'X'));
    const channels = numel(requireShape(ctx.inputs[3] ?? ctx.inputs[1], 'mean'));
    if (!isBatchNormTraining(ctx)) return { flops: normalizationFlops(elements, 2, channels, 8) };
    const perElement = MEAN_AND_VARIANCE_PER_ELEMENT + NORMALIZE_PER_ELEMENT + 2;
    const runningUpdate = 2 * 3; // r = r·momentum + x·(1 − momentum), for mean and variance
    return { flops: normalizationFlops(elements, perElement, channels, LAYER_NORM_ROW + runningUpdate) };
  },
};

// ---------------------------------------------------------------- Instance, Layer, Group, RMS

const instanceNormalization: OpHandler = {
  opType: 'InstanceNormalization',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => [sameAsFirst(ctx)],
  cost: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'input');
    if (shape.length < 2) throw new ShapeError(`input needs rank >= 2, got ${shape.length}`);
    const perElement = MEAN_AND_VARIANCE_PER_ELEMENT + NORMALIZE_PER_ELEMENT + 2;
    return { flops: normalizationFlops(numel(shape), perElement, shape[0].mul(shape[1]), LAYER_NORM_ROW) };
  },
};

/** LayerNormalization (ONNX 17, and onnxruntime's earlier one in the default and com.microsoft domains). */
function layerNormalization(domain: string, sinceVersion: number): OpHandler {
  return {
    opType: 'LayerNormalization',
    domain,
    sinceVersion,
    infer: (ctx) => {
      const x = ctx.inputs[0];
      const shape = requireShape(x, 'X');
      const axis = normalizeAxis(ctx.attrs.int('axis', -1), shape.length);
      const stats = { dtype: stashType(ctx), shape: statisticsShape(shape, axis) };
      return [{ dtype: x!.dtype, shape }, stats, stats];
    },
    cost: (ctx) => {
      const shape = requireShape(ctx.inputs[0], 'X');
      const { elements, rows } = trailingRows(shape, normalizeAxis(ctx.attrs.int('axis', -1), shape.length));
      const perElement = MEAN_AND_VARIANCE_PER_ELEMENT + NORMALIZE_PER_ELEMENT + 1 + (ctx.inputs[2] ? 1 : 0);
      return { flops: normalizationFlops(elements, perElement, rows, LAYER_NORM_ROW) };
    },
  };
}

/** SimplifiedLayerNormalization (RMSNorm as onnxruntime fuses it): Y and an optional inv_std_var. */
function simplifiedLayerNormalization(domain: string): OpHandler {
  return {
    opType: 'SimplifiedLayerNormalization',
    domain,
    sinceVersion: 1,
    infer: (ctx) => {
      const x = ctx.inputs[0];
      const shape = requireShape(x, 'X');
      const axis = normalizeAxis(ctx.attrs.int('axis', -1), shape.length);
      return [{ dtype: x!.dtype, shape }, { dtype: stashType(ctx), shape: statisticsShape(shape, axis) }];
    },
    cost: rmsCost,
  };
}

function rmsCost(ctx: NodeContext): OpCost {
  const shape = requireShape(ctx.inputs[0], 'X');
  const { elements, rows } = trailingRows(shape, normalizeAxis(ctx.attrs.int('axis', -1), shape.length));
  const perElement = MEAN_SQUARE_PER_ELEMENT + NORMALIZE_PER_ELEMENT + 1;
  return { flops: normalizationFlops(elements, perElement, rows, RMS_NORM_ROW) };
}

const rmsNormalization: OpHandler = {
  opType: 'RMSNormalization',
  domain: '',
  sinceVersion: 23,
  infer: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'X');
    normalizeAxis(ctx.attrs.int('axis', -1), shape.length);
    return [sameAsFirst(ctx)];
  },
  cost: rmsCost,
};

/** GroupNormalization (18: scale and bias per group; 21: per channel) and onnxruntime's GroupNorm. */
function groupNormCost(shape: Shape, groups: number, channelsLast: boolean, activationFlops: number): OpCost {
  if (shape.length < 2) throw new ShapeError(`X needs rank >= 2, got ${shape.length}`);
  const channels = channelsLast ? shape[shape.length - 1] : shape[1];
  const c = channels.asNumber;
  if (c !== undefined && c % groups !== 0) throw new ShapeError(`${c} channels do not split into ${groups} groups`);
  const perElement = MEAN_AND_VARIANCE_PER_ELEMENT + NORMALIZE_PER_ELEMENT + 2 + activationFlops;
  return { flops: normalizationFlops(numel(shape), perElement, shape[0].mul(groups), LAYER_NORM_ROW) };
}

function requiredGroups(ctx: NodeContext, name: string): number {
  const groups = ctx.attrs.int(name);
  if (groups === undefined || groups <= 0) throw new ShapeError(`${name} must be a positive integer`);
  return groups;
}

const groupNormalization: OpHandler = {
  opType: 'GroupNormalization',
  domain: '',
  sinceVersion: 18,
  infer: (ctx) => [sameAsFirst(ctx)],
  cost: (ctx) => groupNormCost(requireShape(ctx.inputs[0], 'X'), requiredGroups(ctx, 'num_groups'), false, 0),
};

const contribGroupNorm: OpHandler = {
  opType: 'GroupNorm',
  domain: 'com.microsoft',
  sinceVersion: 1,
  infer: (ctx) => [sameAsFirst(ctx)],
  cost: (ctx) => {
    const silu = ctx.attrs.int('activation', 0) === 1 ? FLOPS_PER_ELEMENT.Sigmoid + 1 : 0;
    return groupNormCost(requireShape(ctx.inputs[0], 'X'), requiredGroups(ctx, 'groups'), ctx.attrs.int('channels_last', 1) !== 0, silu);
  },
};

/** SkipGroupNorm (diffusion_defs.cc): s = X + skip (+ bias), GroupNorm of s (SiLU optional); outputs Y and, optionally, s. */
const contribSkipGroupNorm: OpHandler = {
  opType: 'SkipGroupNorm',
  domain: 'com.microsoft',
  sinceVersion: 1,
  infer: (ctx) => [sameAsFirst(ctx), sameAsFirst(ctx)],
  cost: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'X');
    const silu = ctx.attrs.int('activation', 0) === 1 ? FLOPS_PER_ELEMENT.Sigmoid + 1 : 0;
    const adds = ctx.inputs[4] ? 2 : 1;
    const norm = groupNormCost(shape, requiredGroups(ctx, 'groups'), ctx.attrs.int('channels_last', 1) !== 0, silu);
    return { flops: norm.flops.add(numel(shape).mul(adds)) };
  },
};

// ---------------------------------------------------------------- Lp, MVN, LRN

const lpNormalization: OpHandler = {
  opType: 'LpNormalization',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'input');
    normalizeAxis(ctx.attrs.int('axis', -1), shape.length);
    return [sameAsFirst(ctx)];
  },
  cost: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'input');
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), shape.length);
    const p = ctx.attrs.int('p', 2);
    // |x| or x² (1), accumulate (1), divide (1); the 2-norm takes a Sqrt per row.
    // One norm per position off the axis (a product, not numel / the axis dim: an empty axis has none).
    return { flops: normalizationFlops(numel(shape), 3, numel(shape.filter((_, i) => i !== axis)), p === 2 ? SQRT : 0) };
  },
};

/** The axes MVN normalizes over: opset 1 by across_channels, then the axes attribute (default N, H, W). */
function mvnAxes(ctx: NodeContext, rank: number): number[] {
  if (ctx.opset < 9) return ctx.attrs.int('across_channels', 0) !== 0 ? [0, 1, 2, 3].slice(0, rank) : [0, 2, 3].filter((a) => a < rank);
  return [...(ctx.attrs.ints('axes') ?? [0, 2, 3])].map((a) => normalizeAxis(a, rank, 'MVN axis'));
}

const meanVarianceNormalization: OpHandler = {
  opType: 'MeanVarianceNormalization',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    mvnAxes(ctx, requireShape(ctx.inputs[0], 'X').length);
    return [sameAsFirst(ctx)];
  },
  cost: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'X');
    const axes = mvnAxes(ctx, shape.length);
    const rows = numel(shape.filter((_, i) => !axes.includes(i)));
    const varianceToo = ctx.opset >= 9 || ctx.attrs.int('normalize_variance', 1) !== 0;
    const perElement = varianceToo ? MEAN_AND_VARIANCE_PER_ELEMENT + NORMALIZE_PER_ELEMENT : 2;
    return { flops: normalizationFlops(numel(shape), perElement, rows, varianceToo ? LAYER_NORM_ROW : 1) };
  },
};

const lrn: OpHandler = {
  opType: 'LRN',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => [sameAsFirst(ctx)],
  cost: (ctx) => {
    const size = ctx.attrs.int('size');
    if (size === undefined || size <= 0) throw new ShapeError('LRN needs a positive size');
    const perElement = 2 * size + 2 + FLOPS_PER_ELEMENT.Pow + 1;
    return { flops: numel(requireShape(ctx.inputs[0], 'X')).mul(perElement) };
  },
};

// ---------------------------------------------------------------- onnxruntime fusions

/** Outputs of the skip variants: output, mean, inv_std_var, input_skip_bias_sum. */
function skipNormOutputs(x: TensorInfo, shape: Shape): InferredOutput[] {
  const stats = { dtype: DataType.FLOAT, shape: statisticsShape(shape, shape.length - 1) };
  return [{ dtype: x.dtype, shape }, stats, stats, { dtype: x.dtype, shape }];
}

/**
 * A skip variant over the last axis: the skip add, then the statistics, normalize and gamma; each of
 * `optionalInputs` present (beta, bias) adds 1 more per element.
 */
function skipNormalization(opType: string, statisticsPerElement: number, perRow: number, optionalInputs: readonly number[]): OpHandler {
  return {
    opType,
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => skipNormOutputs(ctx.inputs[0]!, requireShape(ctx.inputs[0], 'input')),
    cost: (ctx) => {
      const shape = requireShape(ctx.inputs[0], 'input');
      const { elements, rows } = trailingRows(shape, shape.length - 1);
      const optional = optionalInputs.filter((i) => ctx.inputs[i]).length;
      const perElement = 1 + statisticsPerElement + NORMALIZE_PER_ELEMENT + 1 + optional;
      return { flops: normalizationFlops(elements, perElement, rows, perRow) };
    },
  };
}

/** EmbedLayerNormalization input positions. */
const EMBED = { inputIds: 0, segmentIds: 1, word: 2, position: 3, segment: 4, gamma: 5, beta: 6, mask: 7 } as const;

/**
 * EmbedLayerNormalization, and QEmbedLayerNormalization (quantization_defs.cc: the same first eight inputs with int8
 * or uint8 tables, gamma and beta, then their scales and zero points; float output, no embedding-sum output), which
 * dequantizes each table value it reads (subtract the zero point, scale: 2 FLOPs).
 */
function embedLayerNormalization(opType: 'EmbedLayerNormalization' | 'QEmbedLayerNormalization'): OpHandler {
  const quantized = opType === 'QEmbedLayerNormalization';
  return {
    opType,
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      const ids = requireShape(ctx.inputs[EMBED.inputIds], 'input_ids');
      const word = requireShape(ctx.inputs[EMBED.word], 'word_embedding');
      if (ids.length !== 2) throw new ShapeError(`input_ids must be [batch, sequence], got rank ${ids.length}`);
      if (word.length !== 2) throw new ShapeError(`word_embedding must be [vocab, hidden], got rank ${word.length}`);
      const dtype = quantized ? DataType.FLOAT : ctx.inputs[EMBED.word]!.dtype;
      const hiddenStates = { dtype, shape: [ids[0], ids[1], word[1]] };
      const maskIndex = { dtype: DataType.INT32, shape: [ids[0]] };
      return quantized ? [hiddenStates, maskIndex] : [hiddenStates, maskIndex, hiddenStates];
    },
    cost: (ctx) => {
      const ids = requireShape(ctx.inputs[EMBED.inputIds], 'input_ids');
      const hidden = requireShape(ctx.inputs[EMBED.word], 'word_embedding')[1];
      const tokens = ids[0].mul(ids[1]);
      const tables = [EMBED.word, EMBED.position, EMBED.segment].map((i) => ctx.inputs[i]).filter((t): t is TensorInfo => t !== undefined);
      const rowElements = tokens.mul(hidden);
      // Each table contributes one row per token; gamma and beta are read whole; ids and mask are activations.
      let weightRead = Expr.constant(0);
      let activationRead = Expr.constant(0);
      const read = (t: TensorInfo, elements: Expr) => {
        if (t.isWeight) weightRead = weightRead.add(elementsBytes(t.dtype, elements));
        else activationRead = activationRead.add(elementsBytes(t.dtype, elements));
      };
      for (const t of tables) read(t, rowElements);
      for (const i of [EMBED.inputIds, EMBED.segmentIds, EMBED.mask, EMBED.gamma, EMBED.beta]) {
        const t = ctx.inputs[i];
        if (t) read(t, numel(requireShape(t, ctx.node.inputs[i])));
      }
      const dequantize = quantized ? 2 * tables.length : 0;
      const perElement = tables.length - 1 + dequantize + MEAN_AND_VARIANCE_PER_ELEMENT + NORMALIZE_PER_ELEMENT + 2;
      let flops = normalizationFlops(rowElements, perElement, tokens, LAYER_NORM_ROW);
      if (ctx.inputs[EMBED.mask]) flops = flops.add(tokens); // mask_index: one comparison per mask element
      return { flops, weightBytesRead: weightRead, activationBytesRead: activationRead };
    },
  };
}

export const normalizationOps: readonly OpHandler[] = [
  batchNormalization,
  instanceNormalization,
  layerNormalization('', 1),
  layerNormalization('com.microsoft', 1),
  simplifiedLayerNormalization(''),
  simplifiedLayerNormalization('com.microsoft'),
  rmsNormalization,
  groupNormalization,
  contribGroupNorm,
  contribSkipGroupNorm,
  lpNormalization,
  meanVarianceNormalization,
  lrn,
  // input, skip, gamma, beta, bias.
  skipNormalization('SkipLayerNormalization', MEAN_AND_VARIANCE_PER_ELEMENT, LAYER_NORM_ROW, [3, 4]),
  // input, skip, gamma, bias.
  skipNormalization('SkipSimplifiedLayerNormalization', MEAN_SQUARE_PER_ELEMENT, RMS_NORM_ROW, [3]),
  embedLayerNormalization('EmbedLayerNormalization'),
  embedLayerNormalization('QEmbedLayerNormalization'),
];
