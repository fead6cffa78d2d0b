/**
 * Ops outside the big families: signal processing (DFT, STFT, MelWeightMatrix, window functions),
 * detection and sampling (NonMaxSuppression, RoiAlign, MaxRoiPool, GridSample, AffineGrid), strings
 * (StringNormalizer, StringConcat, StringSplit, RegexFullMatch, TfIdfVectorizer), ImageDecoder, Det,
 * and the com.microsoft GridSample, Range, Trilu, Unique, Rfft, Irfft and CropAndResize.
 *
 * Cost convention (docs/cost-conventions.md):
 *  - DFT/STFT: a length-n FFT is 5·n·⌈log2 n⌉ FLOPs for complex input, half that for real input
 *    (radix-2 Cooley–Tukey count, used for every n); STFT adds the window product (n per frame). A
 *    symbolic length leaves the cost unknown. com.microsoft Rfft and Irfft (one-sided, over the last
 *    `signal_ndim` dims) count a real transform of all N = ∏ n_i signal points: 5·N·⌈log2 N⌉ / 2 per signal.
 *  - Windows: 10 FLOPs per sample (a cosine and the scaling), Blackman 20 (two cosines);
 *    MelWeightMatrix 4 per weight (one triangle evaluation).
 *  - NonMaxSuppression: the worst case, every pair of boxes of a (batch, class) compared once:
 *    batches × classes × n(n−1)/2 IoUs at 12 FLOPs each.
 *  - CropAndResize: per output element one bilinear sample (4 taps, 8 FLOPs) + 1, or 0 in nearest mode.
 *  - RoiAlign: per output element, samples × 8 FLOPs (bilinear: 4 weighted taps) + 1; an adaptive
 *    sampling_ratio (0) counts 2×2 samples per bin, noted. MaxRoiPool: one comparison per element of
 *    the feature map per ROI (each ROI taken as the whole map: an upper bound, noted).
 *  - GridSample: per output element 2 FLOPs per tap (1 nearest, 2^r linear, 4^r cubic);
 *    AffineGrid: a (r+1)→r affine map per output point, counted as MACs.
 *  - Det: LU factorisation, ⌊2m³/3⌋ FLOPs per m×m matrix.
 *  - Strings and ImageDecoder: no arithmetic is counted (0 FLOPs, noted; decoding leaves the cost
 *    unknown), except TfIdfVectorizer: 1 FLOP per n-gram lookup.
 *  - com.microsoft Range: 1 FLOP per element; Trilu: data movement (0 FLOPs); Unique: 1 FLOP per
 *    input element (hashing).
 */
import { DataType } from '../../onnx/dataType';
import { Expr, ONE_EXPR, ZERO_EXPR } from '../../shapes/expr';
import { broadcastInputs, knownConstantInts, knownFloats, knownInts, knownScalar, normalizeAxis, numel, requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, Shape, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, onnxRule, type OpCost, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';
import { shapeOps } from './shapeOps';

const MS = 'com.microsoft';

/** ⌈log2 n⌉ for a known n ≥ 1. */
export function ceilLog2(n: bigint): number {
  let bits = 0;
  while (1n << BigInt(bits) < n) bits++;
  return bits;
}

/** FLOPs of one length-n FFT: 5·n·⌈log2 n⌉ for complex input, half for real input. */
function fftFlops(n: Expr, realInput: boolean): Expr {
  const length = n.constantValue;
  if (length === undefined) throw new UnknownShapeError('the transform length is symbolic: an FFT count needs a known length');
  if (length <= 1n) return ZERO_EXPR;
  const complex = 5n * length * BigInt(ceilLog2(length));
  return Expr.constant(realInput ? complex / 2n : complex);
}

/** The value of a scalar input, a fresh dim when it is not known. */
function dimFromInput(ctx: NodeContext, t: TensorInfo | undefined, hint: string): Expr {
  return knownScalar(t) ?? ctx.fresh(hint);
}

// --- Signal ---------------------------------------------------------------------------------

interface DftPlan {
  readonly axis: number | undefined;
  readonly onesided: boolean;
  readonly length: Expr | undefined;
}

function dftPlan(ctx: NodeContext, rank: number): DftPlan {
  const onesided = ctx.attrs.int('onesided', 0) !== 0;
  let axis: number | undefined;
  if (ctx.opset >= 20) {
    const axisInput = ctx.inputs[2];
    const value = axisInput ? knownConstantInts(axisInput)?.[0] : -2;
    if (value !== undefined) axis = normalizeAxis(value, rank);
  } else {
    axis = normalizeAxis(ctx.attrs.int('axis', 1), rank);
  }
  if (axis === rank - 1) throw new ShapeError('the DFT axis cannot be the last (real/imaginary) dim');
  return { axis, onesided, length: ctx.inputs[1] ? knownScalar(ctx.inputs[1]) : undefined };
}

const dft: OpHandler = {
  opType: 'DFT',
  domain: '',
  sinceVersion: 17,
  infer: (ctx) => {
    const input = ctx.inputs[0];
    const shape = requireShape(input, 'input');
    if (shape.length < 3) throw new ShapeError('DFT input needs a batch dim, a signal dim and a complex dim');
    const plan = dftPlan(ctx, shape.length);
    const resized = ctx.inputs[1] !== undefined || plan.onesided;
    const out = shape.map((d, i) => {
      if (i === shape.length - 1) return Expr.constant(2);
      if (!resized || (plan.axis !== undefined && i !== plan.axis)) return d;
      if (plan.axis === undefined) return ctx.fresh('dft');
      const n = ctx.inputs[1] ? (plan.length ?? ctx.fresh('dft_length')) : d;
      return plan.onesided ? n.floorDiv(2).add(1) : n;
    });
    return [{ dtype: input!.dtype, shape: out }];
  },
  cost: (ctx) => {
    const shape = requireShape(ctx.inputs[0], 'input');
    const plan = dftPlan(ctx, shape.length);
    if (plan.axis === undefined) throw new UnknownShapeError('the DFT axis is not known');
    const n = ctx.inputs[1] ? plan.length : shape[plan.axis];
    if (!n) throw new UnknownShapeError('the DFT length is not known');
    // One transform per position off the axis and the (real, imaginary) dim.
    const transforms = numel(shape.filter((_, i) => i !== plan.axis && i !== shape.length - 1));
    return { flops: transforms.mul(fftFlops(n, shape[shape.length - 1].constantValue === 1n)) };
  },
};

function stftFrameLength(ctx: NodeContext): Expr {
  const frameLength = ctx.inputs[3];
  if (frameLength) return dimFromInput(ctx, frameLength, 'frame_length');
  const window = ctx.inputs[2];
  if (window) {
    const shape = requireShape(window, 'window');
    if (shape.length !== 1) throw new ShapeError(`STFT window must be 1-D, got rank ${shape.length}`);
    return shape[0];
  }
  throw new ShapeError('STFT needs a window or a frame_length');
}

const stft: OpHandler = {
  opType: 'STFT',
  domain: '',
  sinceVersion: 17,
  infer: (ctx) => {
    const signal = ctx.inputs[0];
    const shape = requireShape(signal, 'signal');
    if (shape.length !== 3) throw new ShapeError('STFT signal must be [batch, length, 1 or 2]');
    const frameLength = stftFrameLength(ctx);
    const step = knownScalar(ctx.inputs[1]);
    const stepValue = step?.constantValue;
    if (stepValue !== undefined && stepValue <= 0n) throw new ShapeError(`STFT frame_step must be positive, got ${stepValue}`);
    const frames = step ? shape[1].sub(frameLength).floorDiv(step).add(1) : ctx.fresh('frames');
    const bins = ctx.attrs.int('onesided', 1) !== 0 ? frameLength.floorDiv(2).add(1) : frameLength;
    return [{ dtype: signal!.dtype, shape: [shape[0], frames, bins, Expr.constant(2)] }];
  },
  cost: (ctx, outputs) => {
    const shape = requireShape(ctx.inputs[0], 'signal');
    const out = requireShape(outputs[0], 'output');
    const frameLength = stftFrameLength(ctx);
    const perFrame = fftFlops(frameLength, shape[2].constantValue === 1n).add(ctx.inputs[2] ? frameLength : ZERO_EXPR);
    return { flops: out[0].mul(out[1]).mul(perFrame) };
  },
};

const melWeightMatrix: OpHandler = {
  opType: 'MelWeightMatrix',
  domain: '',
  sinceVersion: 17,
  infer: (ctx) => {
    const bins = dimFromInput(ctx, ctx.inputs[0], 'mel_bins');
    const dftLength = knownScalar(ctx.inputs[1]);
    const rows = dftLength ? dftLength.floorDiv(2).add(1) : ctx.fresh('dft_bins');
    return [{ dtype: ctx.attrs.int('output_datatype', DataType.FLOAT), shape: [rows, bins] }];
  },
  cost: (_, outputs) => ({ flops: numel(requireShape(outputs[0], 'output')).mul(4) }),
};

const WINDOW_FLOPS: Readonly<Record<string, number>> = { HannWindow: 10, HammingWindow: 10, BlackmanWindow: 20 };

const windows: OpHandler[] = Object.entries(WINDOW_FLOPS).map(([opType, perSample]) => ({
  opType,
  domain: '',
  sinceVersion: 17,
  infer: (ctx) => [{ dtype: ctx.attrs.int('output_datatype', DataType.FLOAT), shape: [dimFromInput(ctx, ctx.inputs[0], 'window')] }],
  cost: (_, outputs) => ({ flops: numel(requireShape(outputs[0], 'output')).mul(perSample) }),
}));

// --- Detection and sampling -----------------------------------------------------------------

type Box = readonly [number, number, number, number];

/** Corners (y1, x1, y2, x2) with y1 ≤ y2, x1 ≤ x2. */
function corners(data: readonly number[], at: number, centerPoint: boolean): Box {
  const [a, b, c, d] = data.slice(at, at + 4);
  if (centerPoint) return [b - d / 2, a - c / 2, b + d / 2, a + c / 2];
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

function iou(p: Box, q: Box): number {
  const h = Math.min(p[2], q[2]) - Math.max(p[0], q[0]);
  const w = Math.min(p[3], q[3]) - Math.max(p[1], q[1]);
  if (h <= 0 || w <= 0) return 0;
  const inter = h * w;
  const union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter;
  return union <= 0 ? 0 : inter / union;
}

/** The number of boxes NonMaxSuppression keeps, when every input is known (as ONNX Runtime selects them). */
function selectedBoxCount(ctx: NodeContext, maxPerClass: number): number | undefined {
  const [boxes, scores, , iouInput, scoreInput] = ctx.inputs;
  const boxData = knownFloats(boxes);
  const scoreData = knownFloats(scores);
  const scoreDims = scores?.value?.dims;
  if (!boxData || !scoreData || !scoreDims || scoreDims.length !== 3) return undefined;
  const iouThreshold = iouInput ? knownFloats(iouInput)?.[0] : 0;
  const scoreThreshold = scoreInput ? knownFloats(scoreInput)?.[0] : -Infinity;
  if (iouThreshold === undefined || scoreThreshold === undefined) return undefined;
  const [batches, classes, count] = scoreDims;
  const centerPoint = ctx.attrs.int('center_point_box', 0) === 1;
  let total = 0;
  for (let b = 0; b < batches; b++) {
    const boxesOf = Array.from({ length: count }, (_, i) => corners(boxData, (b * count + i) * 4, centerPoint));
    for (let c = 0; c < classes; c++) {
      const base = (b * classes + c) * count;
      const candidates = Array.from({ length: count }, (_, i) => i)
        .filter((i) => scoreData[base + i] > scoreThreshold)
        .sort((i, j) => scoreData[base + j] - scoreData[base + i] || i - j);
      const kept: number[] = [];
      for (const i of candidates) {
        if (kept.length >= maxPerClass) break;
        if (kept.every((k) => iou(boxesOf[i], boxesOf[k]) <= iouThreshold)) kept.push(i);
      }
      total += kept.length;
    }
  }
  return total;
}

const nonMaxSuppression: OpHandler = {
  opType: 'NonMaxSuppression',
  domain: '',
  sinceVersion: 10,
  infer: (ctx) => {
    requireShape(ctx.inputs[0], 'boxes');
    requireShape(ctx.inputs[1], 'scores');
    const maxInput = ctx.inputs[2];
    const maxPerClass = maxInput ? knownConstantInts(maxInput)?.[0] : 0;
    const selected = maxPerClass === 0 ? 0 : maxPerClass !== undefined ? selectedBoxCount(ctx, maxPerClass) : undefined;
    return [{ dtype: DataType.INT64, shape: [selected !== undefined ? Expr.constant(selected) : ctx.fresh('selected'), Expr.constant(3)] }];
  },
  cost: (ctx) => {
    const scores = requireShape(ctx.inputs[1], 'scores');
    if (scores.length !== 3) throw new ShapeError('scores must be [batch, classes, boxes]');
    const [batches, classes, n] = scores;
    const pairs = n.mul(n.sub(1)).floorDiv(2);
    return { flops: batches.mul(classes).mul(pairs).mul(12) };
  },
};

const roiAlign: OpHandler = {
  opType: 'RoiAlign',
  domain: '',
  sinceVersion: 10,
  infer: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    const rois = requireShape(ctx.inputs[1], 'rois');
    if (x.length !== 4 || rois.length !== 2) throw new ShapeError('RoiAlign needs X [N, C, H, W] and rois [num_rois, 4]');
    const h = ctx.attrs.int('output_height', 1);
    const w = ctx.attrs.int('output_width', 1);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [rois[0], x[1], Expr.constant(h), Expr.constant(w)] }];
  },
  cost: (ctx, outputs) => {
    const ratio = ctx.attrs.int('sampling_ratio', 0);
    const samples = ratio > 0 ? ratio * ratio : 4;
    const notes = ratio > 0 ? [] : ['adaptive sampling_ratio: counted as 2×2 samples per bin'];
    return { flops: numel(requireShape(outputs[0], 'Y')).mul(samples * 8 + 1), notes };
  },
};

const maxRoiPool: OpHandler = {
  opType: 'MaxRoiPool',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    const rois = requireShape(ctx.inputs[1], 'rois');
    const pooled = ctx.attrs.ints('pooled_shape');
    if (!pooled || pooled.length !== 2) throw new ShapeError('MaxRoiPool needs pooled_shape [height, width]');
    if (x.length !== 4 || rois.length !== 2) throw new ShapeError('MaxRoiPool needs X [N, C, H, W] and rois [num_rois, 5]');
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [rois[0], x[1], Expr.constant(pooled[0]), Expr.constant(pooled[1])] }];
  },
  cost: (ctx) => {
    const [, c, h, w] = requireShape(ctx.inputs[0], 'X');
    const rois = requireShape(ctx.inputs[1], 'rois')[0];
    return { flops: rois.mul(c).mul(h).mul(w), notes: ['each ROI counted as the whole feature map (upper bound)'] };
  },
};

/** Taps per output element of a sampling mode, in r spatial dims. */
function samplingTaps(mode: string, rank: number): number {
  if (mode === 'nearest') return 1;
  if (mode === 'bicubic' || mode === 'cubic') return 4 ** rank;
  return 2 ** rank;
}

function gridSampleOutput(ctx: NodeContext): InferredOutput {
  const x = requireShape(ctx.inputs[0], 'X');
  const grid = requireShape(ctx.inputs[1], 'grid');
  const spatial = x.length - 2;
  if (spatial < 1 || grid.length !== x.length) throw new ShapeError(`grid rank ${grid.length} does not fit X rank ${x.length}`);
  const last = grid[grid.length - 1].constantValue;
  if (last !== undefined && last !== BigInt(spatial)) throw new ShapeError(`the grid's last dim is ${last}, expected ${spatial}`);
  return { dtype: ctx.inputs[0]!.dtype, shape: [x[0], x[1], ...grid.slice(1, -1)] };
}

function gridSampleCost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost {
  const out = requireShape(outputs[0], 'Y');
  const taps = samplingTaps(ctx.attrs.string('mode', 'bilinear'), out.length - 2);
  return { flops: numel(out).mul(2 * taps) };
}

const gridSamples: OpHandler[] = [
  { opType: 'GridSample', domain: '', sinceVersion: 16, infer: (ctx) => [gridSampleOutput(ctx)], cost: gridSampleCost },
  { opType: 'GridSample', domain: MS, sinceVersion: 1, infer: (ctx) => [gridSampleOutput(ctx)], cost: gridSampleCost },
];

const affineGrid: OpHandler = {
  opType: 'AffineGrid',
  domain: '',
  sinceVersion: 20,
  infer: (ctx) => {
    const theta = requireShape(ctx.inputs[0], 'theta');
    const sizeShape = requireShape(ctx.inputs[1], 'size');
    const sizeLength = sizeShape[0]?.asNumber;
    if (theta.length !== 3 || sizeLength === undefined || (sizeLength !== 4 && sizeLength !== 5)) {
      throw new ShapeError('AffineGrid needs theta [N, r, r+1] and size of length 4 or 5');
    }
    const spatial = sizeLength - 2;
    const size = knownInts(ctx.inputs[1]);
    const dims = Array.from({ length: spatial }, (_, i) => size?.[2 + i] ?? ctx.fresh('grid'));
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [theta[0], ...dims, Expr.constant(spatial)] }];
  },
  cost: (_, outputs) => {
    const out = requireShape(outputs[0], 'grid');
    const r = out.length - 2;
    const macs = numel(out.slice(0, -1)).mul(r * (r + 1));
    return { flops: macs.mul(2), macs };
  },
};

const det: OpHandler = {
  opType: 'Det',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    if (x.length < 2) throw new ShapeError('Det needs [..., M, M]');
    const [m, n] = x.slice(-2);
    if (m.isConstant && n.isConstant && !m.equals(n)) throw new ShapeError(`Det needs square matrices, got ${m}×${n}`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: x.slice(0, -2) }];
  },
  cost: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    const m = x[x.length - 1];
    return { flops: numel(x.slice(0, -2)).mul(m.mul(m).mul(m).mul(2).floorDiv(3)) };
  },
};

// --- Strings and images ---------------------------------------------------------------------

const STRING_NOTE = 'string op: no arithmetic counted';
const stringCost = (): OpCost => ({ flops: ZERO_EXPR, notes: [STRING_NOTE] });

const stringOps: OpHandler[] = [
  onnxRule('StringNormalizer', 10, (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    if (x.length !== 1 && x.length !== 2) throw new ShapeError('StringNormalizer input must be [C] or [1, C]');
    const removesWords = (ctx.attrs.strings('stopwords') ?? []).length > 0;
    const kept = removesWords ? ctx.fresh('words') : x[x.length - 1];
    return [{ dtype: DataType.STRING, shape: [...x.slice(0, -1), kept] }];
  }, stringCost),
  onnxRule('StringConcat', 20, (ctx) => [{ dtype: DataType.STRING, shape: broadcastInputs(ctx.inputs) }], stringCost),
  onnxRule('StringSplit', 20, (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    return [
      { dtype: DataType.STRING, shape: [...x, ctx.fresh('substrings')] },
      { dtype: DataType.INT64, shape: x },
    ];
  }, stringCost),
  onnxRule('RegexFullMatch', 20, (ctx) => [{ dtype: DataType.BOOL, shape: requireShape(ctx.inputs[0], 'X') }], stringCost),
];

const tfIdfVectorizer: OpHandler = {
  opType: 'TfIdfVectorizer',
  domain: '',
  sinceVersion: 9,
  infer: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    const indexes = ctx.attrs.ints('ngram_indexes') ?? [];
    if (indexes.length === 0) throw new ShapeError('TfIdfVectorizer needs ngram_indexes');
    const width = Expr.constant(Math.max(...indexes) + 1);
    if (x.length === 1) return [{ dtype: DataType.FLOAT, shape: [width] }];
    if (x.length === 2) return [{ dtype: DataType.FLOAT, shape: [x[0], width] }];
    throw new ShapeError('TfIdfVectorizer input must be [C] or [N, C]');
  },
  cost: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    const grams = ctx.attrs.int('max_gram_length', 1) - ctx.attrs.int('min_gram_length', 1) + 1;
    const skips = ctx.attrs.int('max_skip_count', 0) + 1;
    return { flops: numel(x).mul(grams * skips) };
  },
};

const IMAGE_CHANNELS: Readonly<Record<string, number>> = { RGB: 3, BGR: 3, Grayscale: 1 };

const imageDecoder: OpHandler = {
  opType: 'ImageDecoder',
  domain: '',
  sinceVersion: 20,
  infer: (ctx) => {
    const format = ctx.attrs.string('pixel_format', 'RGB');
    const channels = IMAGE_CHANNELS[format];
    if (channels === undefined) throw new ShapeError(`unknown pixel_format '${format}'`);
    return [{ dtype: DataType.UINT8, shape: [ctx.fresh('height'), ctx.fresh('width'), Expr.constant(channels)] }];
  },
  cost: () => {
    throw new UnknownShapeError('image decoding cost is not modelled');
  },
};

// --- com.microsoft odds ---------------------------------------------------------------------

const onnxRange = shapeOps.find((h) => h.opType === 'Range' && h.domain === '');

/** com.microsoft Range: ONNX Range with an optional delta (default 1). */
const contribRange: OpHandler[] = onnxRange
  ? [
      {
        opType: 'Range',
        domain: MS,
        sinceVersion: 1,
        infer: (ctx) => onnxRange.infer(withDefaultDelta(ctx)),
        cost: (_, outputs) => ({ flops: numel(requireShape(outputs[0], 'output')) }),
      },
    ]
  : [];

function withDefaultDelta(ctx: NodeContext): NodeContext {
  if (ctx.inputs[2]) return ctx;
  const dtype = ctx.inputs[0]?.dtype;
  const one: TensorInfo =
    dtype === DataType.FLOAT || dtype === DataType.DOUBLE
      ? { name: 'delta', dtype, shape: [], value: { kind: 'floats', dims: [], data: [1] } }
      : { name: 'delta', dtype, shape: [], value: { kind: 'ints', dims: [], data: [ONE_EXPR] } };
  return { ...ctx, inputs: [ctx.inputs[0], ctx.inputs[1], one] };
}

const contribTrilu: OpHandler = {
  opType: 'Trilu',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: requireShape(ctx.inputs[0], 'X') }],
  cost: () => ({ flops: ZERO_EXPR }),
};

const contribUnique: OpHandler = {
  opType: 'Unique',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const x: Shape = requireShape(ctx.inputs[0], 'x');
    if (x.length !== 1) throw new ShapeError('com.microsoft Unique takes a 1-D input');
    const unique = ctx.fresh('unique');
    return [
      { dtype: ctx.inputs[0]!.dtype, shape: [unique] },
      { dtype: DataType.INT64, shape: x },
      { dtype: DataType.INT64, shape: [unique] },
    ];
  },
  cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[0], 'x')) }),
};

// --- com.microsoft Rfft / Irfft and CropAndResize (contrib_defs.cc; ONNX Runtime registers no shape inference) ----

/** How many trailing dims of a real signal of rank `rank` the transform runs over (`signal_ndim`, 1..rank). */
function signalDims(ctx: NodeContext, rank: number, fallback?: number): number {
  const k = ctx.attrs.int('signal_ndim', fallback ?? -1);
  if (!(k >= 1 && k <= rank)) throw new ShapeError(`signal_ndim must be between 1 and the signal's rank ${rank}${fallback === undefined ? ' (Irfft has no default)' : ''}, got ${k}`);
  return k;
}

/** 5·N·⌈log2 N⌉ / 2 per signal of N real points, times the signals. */
function realFftFlops(signals: Expr, points: Expr): Expr {
  return signals.mul(fftFlops(points, true));
}

/** Rfft: real X [..., n_1, …, n_k] → [..., n_1, …, n_k / 2 + 1, 2] (one-sided, real and imaginary last). */
const contribRfft: OpHandler = {
  opType: 'Rfft',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    signalDims(ctx, x.length, 1);
    const last = x[x.length - 1];
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [...x.slice(0, -1), last.floorDiv(2).add(1), Expr.constant(2)] }];
  },
  cost: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    const k = signalDims(ctx, x.length, 1);
    return { flops: realFftFlops(numel(x.slice(0, -k)), numel(x.slice(-k))) };
  },
};

/** Irfft: [..., n_1, …, m, 2] → real [..., n_1, …, 2·(m − 1)], the inverse of Rfft. */
const contribIrfft: OpHandler = {
  opType: 'Irfft',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    if (x.length < 2) throw new ShapeError('Irfft input must be [..., n / 2 + 1, 2]');
    signalDims(ctx, x.length - 1);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [...x.slice(0, -2), x[x.length - 2].sub(1).mul(2)] }];
  },
  cost: (ctx, outputs) => {
    const y = requireShape(outputs[0], 'Y');
    const k = signalDims(ctx, y.length);
    return { flops: realFftFlops(numel(y.slice(0, -k)), numel(y.slice(-k))) };
  },
};

/** CropAndResize: X [N, C, H, W], rois [R, 4], crop_size [crop_height, crop_width] → [R, C, crop_height, crop_width]. */
const contribCropAndResize: OpHandler = {
  opType: 'CropAndResize',
  domain: MS,
  sinceVersion: 1,
  infer: (ctx) => {
    const x = requireShape(ctx.inputs[0], 'X');
    const rois = requireShape(ctx.inputs[1], 'rois');
    if (x.length !== 4 || rois.length !== 2) throw new ShapeError('CropAndResize needs X [N, C, H, W] and rois [num_rois, 4]');
    const size = knownConstantInts(ctx.inputs[3]);
    if (size && (size.length !== 2 || size.some((v) => v <= 0))) throw new ShapeError(`crop_size must be two positive sizes, got [${size.join(', ')}]`);
    const [h, w] = size ? size.map((v) => Expr.constant(v)) : [ctx.fresh('crop_height'), ctx.fresh('crop_width')];
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [rois[0], x[1], h, w] }];
  },
  cost: (ctx, outputs) => {
    const bilinear = ctx.attrs.string('mode', 'bilinear') !== 'nearest';
    return { flops: bilinear ? numel(requireShape(outputs[0], 'Y')).mul(4 * 2 + 1) : ZERO_EXPR };
  },
};

export const miscOps: readonly OpHandler[] = [
  dft,
  stft,
  melWeightMatrix,
  ...windows,
  nonMaxSuppression,
  roiAlign,
  maxRoiPool,
  ...gridSamples,
  affineGrid,
  det,
  ...stringOps,
  tfIdfVectorizer,
  imageDecoder,
  ...contribRange,
  contribTrilu,
  contribUnique,
  contribRfft,
  contribIrfft,
  contribCropAndResize,
];
