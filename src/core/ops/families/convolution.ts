/**
 * Convolutions: Conv, ConvTranspose, ConvInteger, QLinearConv, DeformConv, and the com.microsoft
 * FusedConv, NhwcConv, NhwcFusedConv, QLinearConv (channels_last) and ConvTransposeWithDynamicPads.
 * Also exports the sliding-window output-size rule and the channels_last switch shared with pooling.ts.
 *
 * Cost convention (docs/cost-conventions.md):
 *  - Conv MACs = N × C_out × prod(output spatial) × (C_in / group) × prod(kernel)
 *    = output elements × (weight elements / C_out); FLOPs = 2 × MACs.
 *  - ConvTranspose MACs = input elements × (C_out / group) × prod(kernel): every input element is
 *    scattered through one kernel slice.
 *  - A bias adds one FLOP per output element; FusedConv's residual Z adds one more and its activation
 *    its elementwise count (FLOPS_PER_ELEMENT in elementwise.ts).
 *  - DeformConv adds bilinear sampling: 7 FLOPs (4 multiplies, 3 adds) per sampled value
 *    (N × C_in × prod(output spatial) × prod(kernel)), plus one multiply per sample for the mask.
 */
import { DataType } from '../../onnx/dataType';
import { Expr, product } from '../../shapes/expr';
import { numel, requireShape } from '../../shapes/shapeOps';
import type { ConvGroups } from '../../report/reportTypes';
import type { Shape } from '../../shapes/tensorInfo';
import { FLOPS_PER_ELEMENT } from './elementwise';
import { type NodeContext, type OpCost, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';

/** The sliding-window attributes of Conv and the pools, with spec defaults filled in. */
export interface WindowAttributes {
  readonly kernel: readonly Expr[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
  readonly pads: readonly number[];
  readonly autoPad: string;
  readonly ceilMode: boolean;
}

/** Reads strides, dilations, pads, auto_pad and ceil_mode for a window of the given kernel. */
export function readWindowAttributes(ctx: NodeContext, kernel: readonly Expr[]): WindowAttributes {
  const rank = kernel.length;
  const listOr = (name: string, fallback: number, length: number): number[] => {
    const values = ctx.attrs.ints(name);
    if (values === undefined || values.length === 0) return new Array<number>(length).fill(fallback);
    if (values.length !== length) throw new ShapeError(`${name} has ${values.length} values, expected ${length}`);
    return [...values];
  };
  const strides = listOr('strides', 1, rank);
  const dilations = listOr('dilations', 1, rank);
  if ([...strides, ...dilations].some((v) => v < 1)) throw new ShapeError('strides and dilations must be ≥ 1');
  return {
    kernel,
    strides,
    dilations,
    pads: listOr('pads', 0, 2 * rank),
    autoPad: ctx.attrs.string('auto_pad', 'NOTSET'),
    ceilMode: ctx.attrs.int('ceil_mode', 0) === 1,
  };
}

/**
 * Output spatial dims of a sliding window (ONNX conv/pool shape rule):
 *  NOTSET: floor-or-ceil((in + pad_begin + pad_end − effective_kernel) / stride) + 1, where in ceil mode
 *          a last window that would start inside the end padding is dropped (when the dims are known);
 *  VALID:  floor((in − effective_kernel) / stride) + 1;
 *  SAME_*: ceil(in / stride).
 */
export function windowOutputDims(input: Shape, w: WindowAttributes): Shape {
  if (input.length !== w.kernel.length) throw new ShapeError(`the window has ${w.kernel.length} dims, the input ${input.length} spatial dims`);
  return input.map((size, i) => {
    const stride = w.strides[i];
    const effectiveKernel = w.kernel[i].sub(1).mul(w.dilations[i]).add(1);
    switch (w.autoPad) {
      case 'SAME_UPPER':
      case 'SAME_LOWER':
        return size.ceilDiv(stride);
      case 'VALID':
        return size.sub(effectiveKernel).floorDiv(stride).add(1);
      case 'NOTSET':
      case '': {
        const padBegin = w.pads[i];
        const span = size.add(padBegin + w.pads[i + input.length]).sub(effectiveKernel);
        if (!w.ceilMode) return span.floorDiv(stride).add(1);
        const out = span.ceilDiv(stride).add(1);
        const lastStart = out.sub(1).mul(stride).sub(size.add(padBegin)).constantValue;
        return lastStart !== undefined && lastStart >= 0n ? out.sub(1) : out;
      }
      default:
        throw new ShapeError(`unknown auto_pad '${w.autoPad}'`);
    }
  });
}

/** Where the channel dim sits: NCHW (1) or NHWC (last). */
export type Layout = 'channelsFirst' | 'channelsLast';

function spatialOf(x: Shape, layout: Layout): Shape {
  return layout === 'channelsFirst' ? x.slice(2) : x.slice(1, -1);
}

function channelsOf(x: Shape, layout: Layout): Expr {
  return layout === 'channelsFirst' ? x[1] : x[x.length - 1];
}

function withSpatial(batch: Expr, channels: Expr, spatial: Shape, layout: Layout): Shape {
  return layout === 'channelsFirst' ? [batch, channels, ...spatial] : [batch, ...spatial, channels];
}

/** Where a conv's operands are among its inputs, and how its data and filter are laid out. */
interface ConvOperands {
  readonly x: number;
  readonly w: number;
  readonly layout: Layout;
}

interface ConvGeometry {
  readonly output: Shape;
  readonly kernel: readonly Expr[];
  /** Weight elements per output channel: (C_in / group) × prod(kernel). */
  readonly macsPerOutput: Expr;
  /** The per-group matrix product, when every dim it needs is a known number. */
  readonly convGroups?: ConvGroups;
}

/** The kernel's spatial dims and the filter's input channels per group. */
interface Filter {
  readonly kernel: Expr[];
  readonly channelsPerGroup: Expr;
}

/**
 * Reads the filter: [M, C/group, k...], or for a channels-last filter [M, k..., C/group] (NhwcConv's
 * CUDA layout, told apart by which dim matches the input's channels). kernel_shape overrides the dims.
 */
function filterOf(ctx: NodeContext, w: Shape, x: Shape, layout: Layout): Filter {
  const attr = ctx.attrs.ints('kernel_shape');
  const group = ctx.attrs.int('group', 1);
  if (group < 1) throw new ShapeError(`group must be at least 1, got ${group}`);
  const perGroup = channelsOf(x, layout).floorDiv(group);
  const filterChannelsLast = layout === 'channelsLast' && !w[1].equals(perGroup) && w[w.length - 1].equals(perGroup);
  const kernel = attr && attr.length > 0 ? attr.map((k) => Expr.constant(k)) : filterChannelsLast ? w.slice(1, -1) : w.slice(2);
  return { kernel, channelsPerGroup: filterChannelsLast ? w[w.length - 1] : w[1] };
}

function convGeometry(ctx: NodeContext, ops: ConvOperands): ConvGeometry {
  const x = requireShape(ctx.inputs[ops.x], 'X');
  const w = requireShape(ctx.inputs[ops.w], 'W');
  if (x.length < 3) throw new ShapeError(`conv input must have rank ≥ 3, got ${x.length}`);
  if (w.length !== x.length) throw new ShapeError(`filter rank ${w.length} differs from input rank ${x.length}`);
  const group = ctx.attrs.int('group', 1);
  const { kernel, channelsPerGroup: perGroup } = filterOf(ctx, w, x, ops.layout);
  const outChannels = w[0];
  const channels = channelsOf(x, ops.layout).constantValue;
  const perGroupKnown = perGroup.constantValue;
  if (channels !== undefined && perGroupKnown !== undefined && channels !== perGroupKnown * BigInt(group)) {
    throw new ShapeError(`input has ${channels} channels; the filter expects ${perGroupKnown} × group ${group}`);
  }
  const spatial = windowOutputDims(spatialOf(x, ops.layout), { ...readWindowAttributes(ctx, kernel), ceilMode: false });
  const convGroups = knownConvGroups(group, perGroupOf(outChannels.constantValue, group), perGroup.constantValue, kernel);
  return { output: withSpatial(x[0], outChannels, spatial, ops.layout), kernel, macsPerOutput: perGroup.mul(product(kernel)), ...(convGroups ? { convGroups } : {}) };
}

/** `group` products of `outputs` columns over `inputs` × prod(kernel) values, per group; undefined when one is unknown. */
function knownConvGroups(group: number, outputs: bigint | undefined, inputs: bigint | undefined, kernel: readonly Expr[]): ConvGroups | undefined {
  const taps = product(kernel).constantValue;
  if (outputs === undefined || inputs === undefined || taps === undefined) return undefined;
  return { groups: group, outputChannelsPerGroup: Number(outputs), inputChannelsPerGroup: Number(inputs), taps: Number(taps) };
}

/** A layer's known channel count split over its groups; undefined when unknown or not a multiple of them. */
function perGroupOf(channels: bigint | undefined, group: number): bigint | undefined {
  return channels !== undefined && channels % BigInt(group) === 0n ? channels / BigInt(group) : undefined;
}

/** FLOPs added per output element by a bias, a residual input and an activation. */
function epilogueFlops(ctx: NodeContext, biasInput: number | undefined, residualInput: number | undefined): number {
  let perOutput = 0;
  if (biasInput !== undefined && ctx.inputs[biasInput]) perOutput++;
  if (residualInput !== undefined && ctx.inputs[residualInput]) perOutput++;
  const activation = ctx.attrs.string('activation');
  if (activation) perOutput += FLOPS_PER_ELEMENT[activation] ?? 1;
  return perOutput;
}

function convHandler(
  opType: string,
  domain: string,
  ops: ConvOperands,
  outputDtype: (ctx: NodeContext) => DataType | undefined,
  bias?: number,
  residual?: number,
): OpHandler {
  return {
    opType,
    domain,
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: outputDtype(ctx), shape: convGeometry(ctx, ops).output }],
    cost: (ctx) => {
      const g = convGeometry(ctx, ops);
      const outputs = numel(g.output);
      const macs = outputs.mul(g.macsPerOutput);
      return { flops: macs.mul(2).add(outputs.mul(epilogueFlops(ctx, bias, residual))), macs, ...(g.convGroups ? { convGroups: g.convGroups } : {}) };
    },
  };
}

// ---------------------------------------------------------------- ConvTranspose

interface TransposeGeometry {
  readonly output: Shape;
  readonly macs: Expr;
  /** As the data-gradient GEMM runtimes run it: C_out / group columns over C_in / group × prod(kernel). */
  readonly convGroups?: ConvGroups;
}

/** Explicit pads of ConvTranspose: the attribute, or (ConvTransposeWithDynamicPads) the known Pads input. */
function transposePads(ctx: NodeContext, rank: number, padsInput: number | undefined): number[] {
  if (padsInput !== undefined && ctx.inputs[padsInput]) {
    const value = ctx.inputs[padsInput]?.value;
    const known = value?.kind === 'ints' ? value.data.map((e) => e.asNumber) : undefined;
    if (!known || known.some((v) => v === undefined)) throw new UnknownShapeError('the Pads input is not known');
    return checkedPads(known as number[], rank);
  }
  const pads = ctx.attrs.ints('pads');
  return pads && pads.length > 0 ? checkedPads([...pads], rank) : new Array<number>(2 * rank).fill(0);
}

/** Pads hold a begin and an end per spatial dim. */
function checkedPads(pads: number[], rank: number): number[] {
  if (pads.length !== 2 * rank) throw new ShapeError(`pads has ${pads.length} values for ${rank} spatial dims (2 per dim)`);
  return pads;
}

/**
 * ConvTranspose output: output_shape when given; SAME_* gives in × stride; otherwise
 * stride × (in − 1) + output_padding + effective_kernel − pad_begin − pad_end.
 */
function transposeGeometry(ctx: NodeContext, padsInput?: number): TransposeGeometry {
  const x = requireShape(ctx.inputs[0], 'X');
  const w = requireShape(ctx.inputs[1], 'W');
  if (x.length < 3 || w.length !== x.length) throw new ShapeError(`ConvTranspose needs X and W of the same rank ≥ 3, got ${x.length} and ${w.length}`);
  const group = ctx.attrs.int('group', 1);
  if (group < 1) throw new ShapeError(`group must be at least 1, got ${group}`);
  const attrKernel = ctx.attrs.ints('kernel_shape');
  const kernel = attrKernel && attrKernel.length > 0 ? attrKernel.map((k) => Expr.constant(k)) : w.slice(2);
  const input = x.slice(2);
  const rank = input.length;
  if (kernel.length !== rank) throw new ShapeError(`kernel_shape has ${kernel.length} values for ${rank} spatial dims`);
  const channels = x[1].constantValue;
  const filterChannels = w[0].constantValue;
  if (channels !== undefined && filterChannels !== undefined && channels !== filterChannels) {
    throw new ShapeError(`input has ${channels} channels; the filter expects ${filterChannels}`);
  }
  const window = readWindowAttributes(ctx, kernel);
  const outputPadding = ctx.attrs.ints('output_padding');
  const outputShape = ctx.attrs.ints('output_shape');
  let spatial: Shape;
  if (outputShape && outputShape.length > 0) {
    const dims = outputShape.length === rank + 2 ? outputShape.slice(2) : outputShape;
    if (dims.length !== rank) throw new ShapeError(`output_shape has ${outputShape.length} values for ${rank} spatial dims`);
    spatial = dims.map((d) => Expr.constant(d));
  } else if (window.autoPad === 'SAME_UPPER' || window.autoPad === 'SAME_LOWER') {
    spatial = input.map((d, i) => d.mul(window.strides[i]));
  } else {
    const pads = window.autoPad === 'VALID' ? new Array<number>(2 * rank).fill(0) : transposePads(ctx, rank, padsInput);
    spatial = input.map((d, i) => {
      const effectiveKernel = kernel[i].sub(1).mul(window.dilations[i]).add(1);
      return d.sub(1).mul(window.strides[i]).add(outputPadding?.[i] ?? 0).add(effectiveKernel).sub(pads[i] + pads[i + rank]);
    });
  }
  const output = [x[0], w[1].mul(group), ...spatial];
  const convGroups = knownConvGroups(group, w[1].constantValue, perGroupOf(channels, group), kernel);
  return { output, macs: numel(x).mul(w[1]).mul(product(kernel)), ...(convGroups ? { convGroups } : {}) };
}

function transposeHandler(opType: string, domain: string, padsInput?: number): OpHandler {
  return {
    opType,
    domain,
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: transposeGeometry(ctx, padsInput).output }],
    cost: (ctx) => {
      const g = transposeGeometry(ctx, padsInput);
      const biasInput = padsInput === undefined ? 2 : 3;
      const bias = ctx.inputs[biasInput] ? numel(g.output) : Expr.constant(0);
      return { flops: g.macs.mul(2).add(bias), macs: g.macs, ...(g.convGroups ? { convGroups: g.convGroups } : {}) };
    },
  };
}

// ---------------------------------------------------------------- DeformConv

/** DeformConv (opset 19): X, W, offset, B, mask; no auto_pad. */
function deformCost(ctx: NodeContext): OpCost {
  const g = convGeometry(ctx, NCHW(0, 1));
  const out = numel(g.output);
  const macs = out.mul(g.macsPerOutput);
  const x = requireShape(ctx.inputs[0], 'X');
  const outputSpatial = product(g.output.slice(2));
  const samples = x[0].mul(x[1]).mul(outputSpatial).mul(product(g.kernel));
  const samplingFlops = samples.mul(ctx.inputs[4] ? 8 : 7);
  const bias = ctx.inputs[3] ? out : Expr.constant(0);
  return { flops: macs.mul(2).add(samplingFlops).add(bias), macs, notes: ['bilinear sampling counted as 7 FLOPs per sampled value'] };
}

const firstInputType = (ctx: NodeContext) => ctx.inputs[0]?.dtype;
const NCHW = (x: number, w: number): ConvOperands => ({ x, w, layout: 'channelsFirst' });

export const convolutionOps: readonly OpHandler[] = [
  convHandler('Conv', '', NCHW(0, 1), firstInputType, 2),
  transposeHandler('ConvTranspose', ''),
  // x, w, x_zero_point, w_zero_point → int32.
  { ...convHandler('ConvInteger', '', NCHW(0, 1), () => DataType.INT32), sinceVersion: 10 },
  // x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
  { ...convHandler('QLinearConv', '', NCHW(0, 3), (ctx) => ctx.inputs[7]?.dtype ?? ctx.inputs[0]?.dtype, 8), sinceVersion: 10 },
  {
    opType: 'DeformConv',
    domain: '',
    sinceVersion: 19,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: convGeometry(ctx, NCHW(0, 1)).output }],
    cost: deformCost,
  },
  // X, W, B, Z (residual); attribute activation.
  convHandler('FusedConv', 'com.microsoft', NCHW(0, 1), firstInputType, 2, 3),
  convHandler('NhwcConv', 'com.microsoft', { x: 0, w: 1, layout: 'channelsLast' }, firstInputType, 2),
  convHandler('NhwcFusedConv', 'com.microsoft', { x: 0, w: 1, layout: 'channelsLast' }, firstInputType, 2, 3),
  channelsLastAware((layout) => convHandler('QLinearConv', 'com.microsoft', { x: 0, w: 3, layout }, (ctx) => ctx.inputs[7]?.dtype ?? ctx.inputs[0]?.dtype, 8)),
  // X, W, Pads (input), B.
  transposeHandler('ConvTransposeWithDynamicPads', 'com.microsoft', 2),
];

/** A contrib op whose `channels_last` attribute picks NHWC or NCHW data. */
export function channelsLastAware(make: (layout: Layout) => OpHandler): OpHandler {
  const first = make('channelsFirst');
  const last = make('channelsLast');
  const pick = (ctx: NodeContext) => (ctx.attrs.int('channels_last', 0) === 1 ? last : first);
  return { ...first, infer: (ctx) => pick(ctx).infer(ctx), cost: (ctx, outputs) => pick(ctx).cost(ctx, outputs) };
}
