/**
 * Data movement: ops that rearrange, select, replicate or pad elements (Transpose, Concat, Split,
 * Slice, Gather*, Scatter*, Tile, Pad, Resize/Upsample, DepthToSpace/SpaceToDepth, Compress, Trilu,
 * OneHot, ReverseSequence, Unique, CenterCropPad, Col2Im), and ONNX Runtime's packed-mode RemovePadding and
 * RestorePadding (com.microsoft: a BERT-like encoder run on its real tokens only).
 *
 * Known integer values flow through Concat, Split, Slice, Gather, Transpose and Tile, so that shape
 * vectors computed in the graph (Shape → Gather → Concat → Reshape) stay exact.
 *
 * Cost convention (docs/cost-conventions.md):
 * - 0 FLOPs for moving data, with these exceptions:
 *   - Resize/Upsample interpolate: an output element of linear mode blends 2^k input elements and
 *     one of cubic mode 4^k, k being the number of resized axes; each tap is a multiply-add, 2 FLOPs.
 *     Nearest mode is 0 FLOPs.
 *   - Scatter with a reduction (add, mul, max, min) counts 1 FLOP per update element.
 *   - Col2Im sums overlapping patches: 1 FLOP (an add) per input element.
 * - Bytes are what moves: Slice, Gather, GatherElements and GatherND read from their data input only
 *   the elements they output (bytes of the output, counted as weight bytes when the data is a weight
 *   such as an embedding table), plus their small index inputs; every other op reads its inputs and
 *   writes its output (Expand and Tile write the replicated output, Transpose reads and writes all).
 *   RemovePadding reads the real tokens it packs (its output's bytes), not the padded input; its token count
 *   is data, a fresh dim to bind. RestorePadding writes the whole padded output (padding filled with zeros).
 */
import { DataType, isIntegerType } from '../../onnx/dataType';
import { Expr, ONE_EXPR, sum, ZERO_EXPR } from '../../shapes/expr';
import { freshDims, knownConstantInts, knownFloats, knownInts, normalizeAxis, numel, requireShape, sameTypeAndShape } from '../../shapes/shapeOps';
import { type InferredOutput, type KnownValue, MAX_KNOWN_VALUE_ELEMENTS, type Shape, type TensorInfo } from '../../shapes/tensorInfo';
import { intsValue } from '../../shapes/valueOps';
import { tensorBytes } from '../../analysis/graphInference';
import { partialReads } from '../partialReads';
import { type NodeContext, type OpCost, type OpHandler, onnxRule, ShapeError, UnknownShapeError } from '../opHandler';
import { clampAtZero, gatherElements, isNonNegative, staticCount, staticDims, stridesOf, vectorLength } from './shapeOps';

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** The shape with the dims at `axes` replaced by fresh symbols (a size known only at run time). */
function withFreshAxes(ctx: NodeContext, shape: Shape, axes: readonly number[], hint: string): Expr[] {
  const out = [...shape];
  for (const a of axes) out[a] = ctx.fresh(hint);
  return out;
}

function allAxes(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

function assertValidDims(shape: Shape, op: string): void {
  for (const d of shape) {
    const c = d.constantValue;
    if (c !== undefined && c < 0n) throw new ShapeError(`${op}: negative output dim ${c}`);
  }
}

/** A scalar (or one-element) integer input as a number, if known (a float one truncated). */
function knownIntegerScalar(t: TensorInfo | undefined): number | undefined {
  const ints = knownConstantInts(t);
  if (ints?.length === 1) return ints[0];
  const floats = t?.value?.kind === 'floats' ? t.value.data : undefined;
  return floats?.length === 1 && Number.isFinite(floats[0]) ? Math.trunc(floats[0]) : undefined;
}

/** Reads of a selecting op: as many data bytes as it outputs. */
function selectionCost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost {
  const bytes = tensorBytes(outputs[0]);
  if (!bytes) throw new UnknownShapeError('output shape unknown');
  return { flops: ZERO_EXPR, ...partialReads(ctx, new Map([[0, bytes]])) };
}

const movementCost = (): OpCost => ({ flops: ZERO_EXPR });

// ---------------------------------------------------------------------------------------------
// Transpose

function transposeOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Transpose input');
  const rank = shape.length;
  const perm = ctx.attrs.ints('perm') ?? allAxes(rank).reverse();
  if (perm.length !== rank || new Set(perm.map((p) => normalizeAxis(p, rank, 'perm entry'))).size !== rank) {
    throw new ShapeError(`Transpose: perm [${perm.join(', ')}] is not a permutation of rank ${rank}`);
  }
  const axes = perm.map((p) => normalizeAxis(p, rank));
  const out = axes.map((p) => shape[p]);
  return { dtype: input?.dtype, shape: out, value: input?.value && transposedValue(input.value, axes) };
}

function transposedValue(v: KnownValue, perm: readonly number[]): KnownValue | undefined {
  const strides = stridesOf(v.dims);
  return gatherElements(v, perm.map((p) => v.dims[p]), (coords) => coords.reduce((index, c, i) => index + c * strides[perm[i]], 0));
}

// ---------------------------------------------------------------------------------------------
// Concat

export function concatOutput(ctx: NodeContext): InferredOutput {
  const inputs = ctx.inputs.filter((t): t is TensorInfo => t !== undefined);
  if (inputs.length === 0) throw new ShapeError('Concat has no inputs');
  const shapes = inputs.map((t, i) => requireShape(t, `Concat input ${i}`));
  const rank = shapes[0].length;
  const axisAttr = ctx.attrs.int('axis') ?? (ctx.opset < 4 ? 1 : undefined);
  if (axisAttr === undefined) throw new ShapeError('Concat needs the axis attribute');
  const axis = normalizeAxis(axisAttr, rank, 'Concat axis');
  if (shapes.some((s) => s.length !== rank)) throw new ShapeError('Concat inputs differ in rank');
  const out = shapes[0].map((_, i) => (i === axis ? sum(shapes.map((s) => s[axis])) : agreedDim(shapes.map((s) => s[i]), i)));
  const dtype = inputs.find((t) => t.dtype !== undefined)?.dtype;
  const values = rank === 1 && dtype !== undefined && isIntegerType(dtype) ? inputs.map((t) => t.value ?? unknownEntries(ctx, t)) : inputs.map((t) => t.value);
  const value = values.every((v): v is KnownValue => v !== undefined) ? concatValues(values, axis) : undefined;
  return { dtype, shape: out, value };
}

/**
 * A 1-D integer piece of unknown contents but known length, as fresh symbols: a shape vector built
 * by Concat keeps the entries that are known (Reshape to [batch, seq, ?, ?] keeps batch and seq).
 */
function unknownEntries(ctx: NodeContext, t: TensorInfo): KnownValue | undefined {
  const n = t.shape?.[0]?.asNumber;
  return n === undefined || n > MAX_KNOWN_VALUE_ELEMENTS ? undefined : intsValue(freshDims(ctx, n, 'concat'));
}

/** The dim all inputs share off the concat axis: a constant when any input states one. */
function agreedDim(dims: readonly Expr[], axis: number): Expr {
  const constants = dims.filter((d) => d.isConstant);
  if (constants.some((c) => !c.equals(constants[0]))) throw new ShapeError(`Concat inputs differ on axis ${axis}: ${dims.join(' vs ')}`);
  return constants[0] ?? dims[0];
}

function concatValues(values: readonly KnownValue[], axis: number): KnownValue | undefined {
  const kind = values[0].kind;
  if (values.some((v) => v.kind !== kind)) return undefined;
  const dims = [...values[0].dims];
  dims[axis] = values.reduce((n, v) => n + v.dims[axis], 0);
  if (staticCount(dims) > MAX_KNOWN_VALUE_ELEMENTS) return undefined;
  const outer = staticCount(dims.slice(0, axis));
  const data: (Expr | number)[] = [];
  for (let o = 0; o < outer; o++) {
    for (const v of values) {
      const chunk = staticCount(v.dims.slice(axis));
      data.push(...(v.data as readonly (Expr | number)[]).slice(o * chunk, (o + 1) * chunk));
    }
  }
  return kind === 'ints' ? { kind, dims, data: data as Expr[] } : { kind, dims, data: data as number[] };
}

// ---------------------------------------------------------------------------------------------
// Split

/** Where Split reads its sizes: an attribute (opset 2–12), either (opset 1) or an input (13+). */
function splitSizes(ctx: NodeContext, dim: Expr, outputs: number): readonly Expr[] | undefined {
  const fromAttr = ctx.opset < 13 ? ctx.attrs.ints('split')?.map((s) => Expr.constant(s)) : undefined;
  const input = ctx.opset === 1 || ctx.opset >= 13 ? ctx.inputs[1] : undefined;
  if (fromAttr) return fromAttr;
  if (input) return knownInts(input);
  const numOutputs = ctx.opset >= 18 ? ctx.attrs.int('num_outputs') : undefined;
  if (numOutputs !== undefined) return unevenChunks(dim, numOutputs);
  return evenChunks(dim, outputs);
}

/** Split-18's num_outputs: chunks of ceil(dim / n), the last one smaller. */
function unevenChunks(dim: Expr, n: number): Expr[] {
  if (n < 1) throw new ShapeError(`Split: num_outputs ${n} must be positive`);
  const chunk = dim.ceilDiv(n);
  const last = dim.sub(chunk.mul(n - 1));
  if (last.constantValue !== undefined && last.constantValue < 0n) throw new ShapeError(`Split: ${dim} cannot be split into ${n} chunks`);
  return [...Array.from({ length: n - 1 }, () => chunk), last];
}

function evenChunks(dim: Expr, n: number): Expr[] {
  const c = dim.constantValue;
  if (c !== undefined && c % BigInt(n) !== 0n) throw new ShapeError(`Split: dim ${c} does not split evenly into ${n} outputs`);
  return Array.from({ length: n }, () => dim.floorDiv(n));
}

function splitOutputs(ctx: NodeContext): InferredOutput[] {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Split input');
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), shape.length, 'Split axis');
  const count = ctx.node.outputs.length;
  const sizes = splitSizes(ctx, shape[axis], count);
  if (!sizes) return Array.from({ length: count }, () => ({ dtype: input?.dtype, shape: withFreshAxes(ctx, shape, [axis], 'split') }));
  if (sizes.length !== count) throw new ShapeError(`Split: ${sizes.length} sizes for ${count} outputs`);
  const total = sum(sizes);
  if (total.isConstant && shape[axis].isConstant && !total.equals(shape[axis])) throw new ShapeError(`Split: sizes sum to ${total}, the axis has ${shape[axis]}`);
  let offset = 0;
  return sizes.map((size) => {
    const out = [...shape];
    out[axis] = size;
    const n = size.asNumber;
    const value = input?.value && n !== undefined ? sliceValue(input.value, [{ axis, start: offset, step: 1, length: n }]) : undefined;
    offset += n ?? 0;
    return { dtype: input?.dtype, shape: out, value };
  });
}

// ---------------------------------------------------------------------------------------------
// Slice

/** A slice bound beyond any symbolic dim: exporters write INT_MAX (or INT64_MAX) for "to the end". */
const BEYOND_ANY_DIM = 2n ** 31n - 1n;

/**
 * Where a slice bound lands on an axis of length `dim`, in a half-open interval [lo, hi):
 * `start` anchors count from the front, min(offset, dim); `end` anchors count back from the end,
 * max(dim − offset, 0), or max(dim − offset, min(1, dim)) when `keepsFirst` (a backward slice's start
 * clamps to the first element of a non-empty axis).
 */
type Anchor =
  | { readonly from: 'start'; readonly offset: Expr }
  | { readonly from: 'end'; readonly offset: bigint; readonly keepsFirst: boolean };

const atStart = (offset: Expr | bigint): Anchor => ({ from: 'start', offset: offset instanceof Expr ? offset : Expr.constant(offset) });
const atEnd = (offset: bigint, keepsFirst = false): Anchor => ({ from: 'end', offset, keepsFirst });

function positionOf(a: Anchor, dim: Expr): Expr {
  if (a.from === 'start') return a.offset.isConstant && a.offset.constantValue === 0n ? ZERO_EXPR : a.offset.min(dim);
  if (a.offset === 0n) return dim;
  return dim.sub(Expr.constant(a.offset)).max(a.keepsFirst ? ONE_EXPR.min(dim) : ZERO_EXPR);
}

/** A bound of a forward slice (step > 0): non-negative counts from the front, negative from the end. */
function forwardAnchor(bound: Expr): Anchor | undefined {
  const c = bound.constantValue;
  if (c === undefined) return isNonNegative(bound) ? atStart(bound) : undefined;
  if (c >= BEYOND_ANY_DIM) return atEnd(0n);
  if (c >= 0n) return atStart(c);
  if (c <= -BEYOND_ANY_DIM) return atStart(0n);
  return atEnd(-c);
}

/**
 * A backward slice (step < 0) visits start, start−1, …, down to just above end, with start clamped
 * to [0, dim−1] and end to [−1, dim−1]; shifted by one it is the forward interval (end+1, start+1].
 */
function backwardStartAnchor(bound: Expr): Anchor | undefined {
  const c = bound.constantValue;
  if (c === undefined) return isNonNegative(bound) ? atStart(bound.add(ONE_EXPR)) : undefined;
  if (c >= BEYOND_ANY_DIM - 1n) return atEnd(0n);
  if (c >= 0n) return atStart(c + 1n);
  if (c <= -BEYOND_ANY_DIM) return atStart(1n);
  return atEnd(-c - 1n, true);
}

function backwardEndAnchor(bound: Expr): Anchor | undefined {
  const c = bound.constantValue;
  if (c === undefined) return isNonNegative(bound) ? atStart(bound.add(ONE_EXPR)) : undefined;
  if (c >= BEYOND_ANY_DIM) return atEnd(0n);
  if (c >= 0n) return atStart(c + 1n);
  if (c <= -BEYOND_ANY_DIM) return atStart(0n);
  return atEnd(-c - 1n);
}

/** Length of [lo, hi) on an axis of length `dim`, simplified for the anchor pairs slices produce. */
function intervalLength(lo: Anchor, hi: Anchor, dim: Expr): Expr {
  if (lo.from === 'start' && hi.from === 'start') {
    const gap = hi.offset.sub(lo.offset).constantValue;
    if (gap !== undefined && gap <= 0n) return ZERO_EXPR;
    return lo.offset.constantValue === 0n ? positionOf(hi, dim) : clampAtZero(positionOf(hi, dim).sub(lo.offset));
  }
  if (lo.from === 'start' && hi.from === 'end') {
    return lo.offset.constantValue === 0n ? positionOf(hi, dim) : clampAtZero(dim.sub(Expr.constant(hi.offset)).sub(lo.offset));
  }
  if (lo.from === 'end' && hi.from === 'end' && hi.offset < lo.offset) {
    return Expr.constant(lo.offset - hi.offset).min(positionOf(hi, dim));
  }
  if (lo.from === 'end' && hi.from === 'end' && !hi.keepsFirst) return ZERO_EXPR;
  return clampAtZero(positionOf(hi, dim).sub(positionOf(lo, dim)));
}

/** The spec's clamping, on known numbers. An empty axis stays empty (the backward clamp range [0, −1] would not). */
function staticSliceRange(dim: bigint, start: bigint, end: bigint, step: bigint): { first: bigint; length: bigint } {
  if (dim === 0n) return { first: 0n, length: 0n };
  const clamp = (x: bigint, lo: bigint, hi: bigint) => (x < lo ? lo : x > hi ? hi : x);
  let s = start < 0n ? start + dim : start;
  let e = end < 0n ? end + dim : end;
  if (step > 0n) {
    s = clamp(s, 0n, dim);
    e = clamp(e, 0n, dim);
  } else {
    s = clamp(s, 0n, dim - 1n);
    e = clamp(e, -1n, dim - 1n);
  }
  const span = e - s;
  const length = span === 0n || (span > 0n) !== (step > 0n) ? 0n : (span + step - (step > 0n ? 1n : -1n)) / step;
  return { first: s, length };
}

/** Length of one sliced axis; undefined when a bound's sign is unknown. */
export function sliceLength(dim: Expr, start: Expr, end: Expr, step: bigint): Expr | undefined {
  if (step === 0n) throw new ShapeError('Slice: step is 0');
  const [d, s, e] = [dim.constantValue, start.constantValue, end.constantValue];
  if (d !== undefined && s !== undefined && e !== undefined) return Expr.constant(staticSliceRange(d, s, e, step).length);
  const lo = step > 0n ? forwardAnchor(start) : backwardEndAnchor(end);
  const hi = step > 0n ? forwardAnchor(end) : backwardStartAnchor(start);
  if (!lo || !hi) return undefined;
  const unitLength = intervalLength(lo, hi, dim);
  return unitLength.ceilDiv(step > 0n ? step : -step);
}

interface SliceParams {
  readonly starts: readonly Expr[] | undefined;
  readonly ends: readonly Expr[] | undefined;
  readonly axes: readonly number[] | undefined;
  readonly steps: readonly Expr[] | undefined;
  /** Whether the axes input is given but its value unknown. */
  readonly axesUnknown: boolean;
}

function sliceParams(ctx: NodeContext): SliceParams {
  if (ctx.opset < 10) {
    const ints = (name: string) => ctx.attrs.ints(name)?.map((i) => Expr.constant(i));
    return { starts: ints('starts'), ends: ints('ends'), axes: ctx.attrs.ints('axes'), steps: undefined, axesUnknown: false };
  }
  const axesInput = ctx.inputs[3];
  const stepsInput = ctx.inputs[4];
  return {
    starts: knownInts(ctx.inputs[1]),
    ends: knownInts(ctx.inputs[2]),
    axes: axesInput ? knownConstantInts(axesInput) : undefined,
    steps: stepsInput ? knownInts(stepsInput) ?? [] : undefined,
    axesUnknown: axesInput !== undefined && knownConstantInts(axesInput) === undefined,
  };
}

interface AxisSlice {
  readonly axis: number;
  readonly start: number;
  readonly step: number;
  readonly length: number;
}

function sliceOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Slice data');
  const rank = shape.length;
  const p = sliceParams(ctx);
  const count = p.starts?.length ?? p.ends?.length ?? p.axes?.length;
  if (p.axesUnknown || count === undefined) return { dtype: input?.dtype, shape: freshDims(ctx, rank, 'slice') };
  const axes = (p.axes ?? allAxes(count)).map((a) => normalizeAxis(a, rank, 'Slice axis'));
  if (new Set(axes).size !== axes.length) throw new ShapeError('Slice: repeated axis');
  for (const list of [p.starts, p.ends, p.steps]) {
    if (list && list.length > 0 && list.length !== axes.length) throw new ShapeError('Slice: starts, ends, axes and steps differ in length');
  }
  const out = [...shape];
  const staticSlices: AxisSlice[] = [];
  axes.forEach((axis, i) => {
    const step = p.steps && p.steps.length > 0 ? p.steps[i].constantValue : 1n;
    const start = p.starts?.[i];
    const end = p.ends?.[i];
    const length = start && end && step !== undefined ? sliceLength(shape[axis], start, end, step) : undefined;
    out[axis] = length ?? ctx.fresh('slice');
    const d = shape[axis].constantValue;
    const [s, e] = [start?.constantValue, end?.constantValue];
    if (d !== undefined && s !== undefined && e !== undefined && step !== undefined) {
      const r = staticSliceRange(d, s, e, step);
      staticSlices.push({ axis, start: Number(r.first), step: Number(step), length: Number(r.length) });
    }
  });
  const value = input?.value && staticSlices.length === axes.length ? sliceValue(input.value, staticSlices) : undefined;
  return { dtype: input?.dtype, shape: out, value };
}

/** The elements of a known value selected by per-axis (start, step, length). */
function sliceValue(v: KnownValue, slices: readonly AxisSlice[]): KnownValue | undefined {
  const outDims = [...v.dims];
  const first = new Array<number>(v.dims.length).fill(0);
  const steps = new Array<number>(v.dims.length).fill(1);
  for (const s of slices) {
    outDims[s.axis] = s.length;
    first[s.axis] = s.start;
    steps[s.axis] = s.step;
  }
  const strides = stridesOf(v.dims);
  return gatherElements(v, outDims, (coords) => coords.reduce((index, c, i) => index + (first[i] + c * steps[i]) * strides[i], 0));
}

// ---------------------------------------------------------------------------------------------
// Gather family

function gatherOutput(ctx: NodeContext): InferredOutput {
  const data = ctx.inputs[0];
  const indices = ctx.inputs[1];
  const shape = requireShape(data, 'Gather data');
  const indexShape = requireShape(indices, 'Gather indices');
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), shape.length, 'Gather axis');
  const out = [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)];
  const index = knownConstantInts(indices);
  const value = data?.value && index && indices?.value ? gatheredValue(data.value, axis, index, indices.value.dims) : undefined;
  if (data?.value && index && !value) ctx.warn(`an index of [${index.join(', ')}] is out of range for a dim of ${shape[axis]}`);
  return { dtype: data?.dtype, shape: out, value };
}

/** Gather on a known value (a shape vector indexed by a scalar or a vector, typically); undefined when an index is out of range. */
function gatheredValue(v: KnownValue, axis: number, index: readonly number[], indexDims: readonly number[]): KnownValue | undefined {
  const dim = v.dims[axis];
  const positions = index.map((i) => (i < 0 ? i + dim : i));
  if (positions.some((p) => p < 0 || p >= dim)) return undefined;
  const outDims = [...v.dims.slice(0, axis), ...indexDims, ...v.dims.slice(axis + 1)];
  const strides = stridesOf(v.dims);
  const indexRank = indexDims.length;
  const indexStrides = stridesOf(indexDims);
  return gatherElements(v, outDims, (coords) => {
    let flatIndex = 0;
    for (let k = 0; k < indexRank; k++) flatIndex += coords[axis + k] * indexStrides[k];
    let source = positions[flatIndex] * strides[axis];
    for (let i = 0; i < axis; i++) source += coords[i] * strides[i];
    for (let i = axis + 1; i < v.dims.length; i++) source += coords[i + indexRank - 1] * strides[i];
    return source;
  });
}

function gatherElementsOutput(ctx: NodeContext): InferredOutput {
  const data = ctx.inputs[0];
  const shape = requireShape(data, 'GatherElements data');
  const indexShape = requireShape(ctx.inputs[1], 'GatherElements indices');
  normalizeAxis(ctx.attrs.int('axis', 0), shape.length, 'GatherElements axis');
  if (indexShape.length !== shape.length) throw new ShapeError('GatherElements: indices and data differ in rank');
  return { dtype: data?.dtype, shape: indexShape };
}

function gatherNDOutput(ctx: NodeContext): InferredOutput {
  const data = ctx.inputs[0];
  const shape = requireShape(data, 'GatherND data');
  const indexShape = requireShape(ctx.inputs[1], 'GatherND indices');
  const batchDims = ctx.attrs.int('batch_dims', 0);
  if (indexShape.length < 1) throw new ShapeError('GatherND: indices must have rank ≥ 1');
  const depth = indexShape[indexShape.length - 1].asNumber;
  if (depth === undefined) throw new UnknownShapeError('GatherND: the last dim of indices is not known, so neither is the output rank');
  if (batchDims + depth > shape.length) throw new ShapeError(`GatherND: batch_dims ${batchDims} + index depth ${depth} exceed the data rank ${shape.length}`);
  return { dtype: data?.dtype, shape: [...indexShape.slice(0, -1), ...shape.slice(batchDims + depth)] };
}

function scatterOutput(ctx: NodeContext): InferredOutput {
  const data = ctx.inputs[0];
  return { dtype: data?.dtype, shape: requireShape(data, `${ctx.node.opType} data`) };
}

/** A reduction (add, mul, max, min) combines each update with the data: 1 FLOP per update element. */
function scatterCost(ctx: NodeContext): OpCost {
  const reduction = ctx.attrs.string('reduction', 'none');
  if (reduction === 'none') return movementCost();
  return { flops: numel(requireShape(ctx.inputs[2], `${ctx.node.opType} updates`)) };
}

// ---------------------------------------------------------------------------------------------
// Tile

function tileOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Tile input');
  const repeats = ctx.opset < 6 ? tile1Repeats(ctx, shape.length) : knownInts(ctx.inputs[1]);
  if (!repeats) return { dtype: input?.dtype, shape: shape.map((d) => (d.constantValue === 0n ? d : ctx.fresh('tile'))) };
  if (repeats.length !== shape.length) throw new ShapeError(`Tile: ${repeats.length} repeats for rank ${shape.length}`);
  const out = shape.map((d, i) => d.mul(repeats[i]));
  assertValidDims(out, 'Tile');
  const dims = staticDims(out);
  return { dtype: input?.dtype, shape: out, value: input?.value && dims ? tiledValue(input.value, dims) : undefined };
}

/** Tile-1 repeats one axis (input 2) a number of times (input 1). */
function tile1Repeats(ctx: NodeContext, rank: number): Expr[] | undefined {
  const tiles = knownInts(ctx.inputs[1])?.[0];
  const axis = knownIntegerScalar(ctx.inputs[2]);
  if (tiles === undefined || axis === undefined) return undefined;
  const a = normalizeAxis(axis, rank, 'Tile axis');
  return allAxes(rank).map((i) => (i === a ? tiles : ONE_EXPR));
}

function tiledValue(v: KnownValue, outDims: readonly number[]): KnownValue | undefined {
  const strides = stridesOf(v.dims);
  return gatherElements(v, outDims, (coords) => coords.reduce((index, c, i) => index + (c % v.dims[i]) * strides[i], 0));
}

// ---------------------------------------------------------------------------------------------
// Pad

function padOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Pad data');
  const rank = shape.length;
  const pads = ctx.opset < 11 ? (ctx.attrs.ints(ctx.opset < 2 ? 'paddings' : 'pads') ?? []).map((p) => Expr.constant(p)) : knownInts(ctx.inputs[1]);
  const axesInput = ctx.opset >= 18 ? ctx.inputs[3] : undefined;
  const axesValue = axesInput ? knownConstantInts(axesInput) : allAxes(rank);
  if (!axesValue) return { dtype: input?.dtype, shape: freshDims(ctx, rank, 'pad') };
  const axes = axesValue.map((a) => normalizeAxis(a, rank, 'Pad axis'));
  if (!pads) return { dtype: input?.dtype, shape: withFreshAxes(ctx, shape, axes, 'pad') };
  if (pads.length !== 2 * axes.length) throw new ShapeError(`Pad: ${pads.length} pads for ${axes.length} axes`);
  const out = [...shape];
  axes.forEach((a, i) => {
    out[a] = shape[a].add(pads[i]).add(pads[i + axes.length]);
  });
  assertValidDims(out, 'Pad');
  const dims = staticDims(out);
  const begins = allPadsOnAxes(pads, axes, rank);
  const value = input?.value && dims && begins && ctx.attrs.string('mode', 'constant') === 'constant' ? paddedValue(input.value, dims, begins, padFill(ctx)) : undefined;
  return { dtype: input?.dtype, shape: out, value };
}

/** The begin pad of every axis as a number (0 where not padded), when all are constant. */
function allPadsOnAxes(pads: readonly Expr[], axes: readonly number[], rank: number): number[] | undefined {
  const begins = new Array<number>(rank).fill(0);
  for (let i = 0; i < axes.length; i++) {
    const b = pads[i].asNumber;
    if (b === undefined) return undefined;
    begins[axes[i]] = b;
  }
  return begins;
}

/** The fill of constant-mode Pad: the value attribute (before opset 11) or input 2, 0 by default. */
function padFill(ctx: NodeContext): Expr | number | undefined {
  if (ctx.opset < 11) return ctx.attrs.float('value', 0);
  const fill = ctx.inputs[2]?.value;
  if (!ctx.inputs[2]) return 0;
  return fill?.data[0];
}

/** Constant-mode Pad of a known value: each output element is the input's, shifted by the begin pads, or the fill. */
function paddedValue(v: KnownValue, outDims: readonly number[], begins: readonly number[], fill: Expr | number | undefined): KnownValue | undefined {
  const n = staticCount(outDims);
  if (fill === undefined || n > MAX_KNOWN_VALUE_ELEMENTS) return undefined;
  const strides = stridesOf(v.dims);
  const sources: (number | undefined)[] = [];
  const coords = new Array<number>(outDims.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let rest = flat;
    for (let i = outDims.length - 1; i >= 0; i--) {
      coords[i] = (rest % outDims[i]) - begins[i];
      rest = Math.floor(rest / outDims[i]);
    }
    const inside = coords.every((c, i) => c >= 0 && c < v.dims[i]);
    sources.push(inside ? coords.reduce((index, c, i) => index + c * strides[i], 0) : undefined);
  }
  if (v.kind === 'ints') {
    const f = fill instanceof Expr ? fill : Number.isInteger(fill) ? Expr.constant(fill) : undefined;
    return f && { kind: 'ints', dims: outDims, data: sources.map((i) => (i === undefined ? f : v.data[i])) };
  }
  const f = fill instanceof Expr ? fill.asNumber : fill;
  return f === undefined ? undefined : { kind: 'floats', dims: outDims, data: sources.map((i) => (i === undefined ? f : v.data[i])) };
}

// ---------------------------------------------------------------------------------------------
// Resize and Upsample

/** floor(dim × scale), exactly: a finite float is m / 2^e, so the product is a rational. */
function scaledDim(dim: Expr, scale: number): Expr {
  if (!Number.isFinite(scale) || scale <= 0) throw new ShapeError(`scale ${scale} must be positive`);
  let numerator = scale;
  let denominator = 1n;
  while (!Number.isInteger(numerator)) {
    numerator *= 2;
    denominator *= 2n;
  }
  return dim.mul(BigInt(numerator)).floorDiv(denominator);
}

/** An optional input that is absent, or present but empty (Resize-11 passes an empty scales with sizes). */
function isEmptyInput(t: TensorInfo | undefined): boolean {
  if (!t) return true;
  if (t.value) return t.value.data.length === 0;
  return t.shape !== undefined && t.shape.length === 1 && t.shape[0].constantValue === 0n;
}

interface ResizeInputs {
  readonly scales: number;
  readonly sizes: number | undefined;
}

function resizeOutput(ctx: NodeContext, where: ResizeInputs): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Resize X');
  const rank = shape.length;
  const axes = ctx.opset >= 18 ? (ctx.attrs.ints('axes') ?? allAxes(rank)).map((a) => normalizeAxis(a, rank, 'Resize axis')) : allAxes(rank);
  const scalesInput = ctx.inputs[where.scales];
  const sizesInput = where.sizes === undefined ? undefined : ctx.inputs[where.sizes];
  const out = [...shape];
  if (!isEmptyInput(sizesInput)) {
    const sizes = knownInts(sizesInput);
    const resized = sizes && resizeToSizes(ctx, shape, axes, sizes);
    if (!resized) return { dtype: input?.dtype, shape: withFreshAxes(ctx, shape, axes, 'resize') };
    axes.forEach((a, i) => (out[a] = resized[i]));
  } else if (!isEmptyInput(scalesInput)) {
    const scales = knownFloats(scalesInput);
    if (!scales) return { dtype: input?.dtype, shape: withFreshAxes(ctx, shape, axes, 'resize') };
    if (scales.length !== axes.length) throw new ShapeError(`Resize: ${scales.length} scales for ${axes.length} axes`);
    axes.forEach((a, i) => (out[a] = scaledDim(shape[a], scales[i])));
  } else {
    throw new ShapeError('Resize needs scales or sizes');
  }
  return { dtype: input?.dtype, shape: out };
}

/** Output dims of the resized axes from `sizes`, honouring keep_aspect_ratio_policy (opset 18+). */
function resizeToSizes(ctx: NodeContext, shape: Shape, axes: readonly number[], sizes: readonly Expr[]): readonly Expr[] | undefined {
  if (sizes.length !== axes.length) throw new ShapeError(`Resize: ${sizes.length} sizes for ${axes.length} axes`);
  const policy = ctx.opset >= 18 ? ctx.attrs.string('keep_aspect_ratio_policy', 'stretch') : 'stretch';
  if (policy === 'stretch') return sizes;
  if (policy !== 'not_larger' && policy !== 'not_smaller') throw new ShapeError(`Resize: unknown keep_aspect_ratio_policy '${policy}'`);
  const inDims = axes.map((a) => shape[a].asNumber);
  const wanted = sizes.map((s) => s.asNumber);
  if (inDims.some((d) => d === undefined) || wanted.some((s) => s === undefined)) return undefined;
  // As ONNX computes it: one float32 scale for all axes, then round(scale × dim) per axis.
  const ratios = wanted.map((s, i) => Math.fround(s! / inDims[i]!));
  const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  return inDims.map((d) => Expr.constant(Math.round(Math.fround(scale * d!))));
}

function upsampleOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Upsample X');
  const scales = upsampleScales(ctx, shape.length);
  if (!scales) return { dtype: input?.dtype, shape: freshDims(ctx, shape.length, 'upsample') };
  if (scales.length !== shape.length) throw new ShapeError(`Upsample: ${scales.length} scales for rank ${shape.length}`);
  return { dtype: input?.dtype, shape: shape.map((d, i) => scaledDim(d, scales[i])) };
}

/** Upsample-1 scales H and W of NCHW by attributes, Upsample-7 takes a scales attribute, 9+ an input. */
function upsampleScales(ctx: NodeContext, rank: number): number[] | undefined {
  if (ctx.opset < 7) {
    if (rank !== 4) throw new ShapeError('Upsample-1 needs a 4-D input');
    return [1, 1, ctx.attrs.float('height_scale', 1), ctx.attrs.float('width_scale', 1)];
  }
  if (ctx.opset < 9) return ctx.attrs.floats('scales') ? [...ctx.attrs.floats('scales')!] : undefined;
  return knownFloats(ctx.inputs[1]);
}

/** Interpolation taps per output element: 2^k for linear, 4^k for cubic over the k resized axes. */
function interpolationCost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost {
  const mode = ctx.attrs.string('mode', 'nearest');
  const inShape = requireShape(ctx.inputs[0], `${ctx.node.opType} X`);
  const outShape = requireShape(outputs[0], `${ctx.node.opType} output`);
  if (mode === 'nearest') return movementCost();
  const resizedAxes = outShape.filter((d, i) => !d.equals(inShape[i])).length;
  const tapsPerAxis = mode === 'cubic' ? 4 : 2;
  const taps = tapsPerAxis ** resizedAxes;
  return {
    flops: numel(outShape).mul(2 * taps),
    notes: [`${mode} interpolation over ${resizedAxes} axes: ${taps} multiply-adds per output element`],
  };
}

// ---------------------------------------------------------------------------------------------
// DepthToSpace, SpaceToDepth

function blockSize(ctx: NodeContext): number {
  const b = ctx.attrs.int('blocksize');
  if (b === undefined || b < 1) throw new ShapeError(`${ctx.node.opType} needs a positive blocksize`);
  return b;
}

function exactDiv(dim: Expr, divisor: number, what: string): Expr {
  if (!(divisor > 0)) throw new ShapeError(`${what}: the divisor must be positive, got ${divisor}`);
  const c = dim.constantValue;
  if (c !== undefined && c % BigInt(divisor) !== 0n) throw new ShapeError(`${what}: ${c} is not divisible by ${divisor}`);
  return dim.floorDiv(divisor);
}

function depthToSpaceOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'DepthToSpace input');
  if (shape.length !== 4) throw new ShapeError(`DepthToSpace needs a 4-D input, got rank ${shape.length}`);
  const b = blockSize(ctx);
  const [n, c, h, w] = shape;
  return { dtype: input?.dtype, shape: [n, exactDiv(c, b * b, 'DepthToSpace channels'), h.mul(b), w.mul(b)] };
}

function spaceToDepthOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'SpaceToDepth input');
  if (shape.length !== 4) throw new ShapeError(`SpaceToDepth needs a 4-D input, got rank ${shape.length}`);
  const b = blockSize(ctx);
  const [n, c, h, w] = shape;
  return { dtype: input?.dtype, shape: [n, c.mul(b * b), exactDiv(h, b, 'SpaceToDepth height'), exactDiv(w, b, 'SpaceToDepth width')] };
}

// ---------------------------------------------------------------------------------------------
// Compress, OneHot, Unique

/** How many entries of a known condition are true (only the first `limit` count), or undefined. */
function trueCount(condition: TensorInfo | undefined, limit: bigint | undefined): number | undefined {
  const v = condition?.value;
  if (!v) return undefined;
  const flags = v.kind === 'ints' ? v.data.map((e) => e.constantValue) : v.data.map((x) => BigInt(x !== 0));
  if (flags.some((f) => f === undefined)) return undefined;
  const considered = limit === undefined ? flags : flags.slice(0, Number(limit));
  return considered.filter((f) => f !== 0n).length;
}

function compressOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Compress input');
  const axisAttr = ctx.attrs.int('axis');
  if (axisAttr === undefined) {
    const count = trueCount(ctx.inputs[1], numel(shape).constantValue);
    return { dtype: input?.dtype, shape: [count === undefined ? ctx.fresh('compress') : Expr.constant(count)] };
  }
  const axis = normalizeAxis(axisAttr, shape.length, 'Compress axis');
  const count = trueCount(ctx.inputs[1], shape[axis].constantValue);
  const out = [...shape];
  out[axis] = count === undefined ? ctx.fresh('compress') : Expr.constant(count);
  return { dtype: input?.dtype, shape: out };
}

function oneHotOutput(ctx: NodeContext): InferredOutput {
  const indexShape = requireShape(ctx.inputs[0], 'OneHot indices');
  const rank = indexShape.length + 1;
  const axis = normalizeAxis(ctx.attrs.int('axis', -1), rank, 'OneHot axis');
  const depth = knownIntegerScalar(ctx.inputs[1]);
  if (depth !== undefined && depth < 1) throw new ShapeError(`OneHot: depth ${depth} must be positive`);
  const out = [...indexShape];
  out.splice(axis, 0, depth === undefined ? ctx.fresh('onehot') : Expr.constant(depth));
  return { dtype: ctx.inputs[2]?.dtype, shape: out };
}

function uniqueOutputs(ctx: NodeContext): InferredOutput[] {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Unique input');
  const axisAttr = ctx.attrs.int('axis');
  const axis = axisAttr === undefined ? undefined : normalizeAxis(axisAttr, shape.length, 'Unique axis');
  const known = input?.value ? distinctCount(input.value, axis) : undefined;
  const count = known === undefined ? ctx.fresh('unique') : Expr.constant(known);
  const y = axis === undefined ? [count] : shape.map((d, i) => (i === axis ? count : d));
  const inverse = axis === undefined ? numel(shape) : shape[axis];
  return [
    { dtype: input?.dtype, shape: y },
    { dtype: DataType.INT64, shape: [count] },
    { dtype: DataType.INT64, shape: [inverse] },
    { dtype: DataType.INT64, shape: [count] },
  ];
}

/** Distinct elements (no axis) or distinct slices along `axis` of a known value. */
function distinctCount(v: KnownValue, axis: number | undefined): number | undefined {
  const items = v.kind === 'ints' ? v.data.map((e) => e.constantValue?.toString()) : v.data.map((x) => String(x));
  if (items.some((s) => s === undefined)) return undefined;
  if (axis === undefined) return new Set(items).size;
  const strides = stridesOf(v.dims);
  const slices = new Map<number, string[]>();
  items.forEach((s, flat) => {
    const k = Math.floor(flat / strides[axis]) % v.dims[axis];
    const list = slices.get(k) ?? [];
    list.push(s!);
    slices.set(k, list);
  });
  return new Set([...slices.values()].map((l) => l.join('\u0000'))).size;
}

// ---------------------------------------------------------------------------------------------
// CenterCropPad, Col2Im

function centerCropPadOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'CenterCropPad input');
  const axes = (ctx.attrs.ints('axes') ?? allAxes(shape.length)).map((a) => normalizeAxis(a, shape.length, 'CenterCropPad axis'));
  const target = knownInts(ctx.inputs[1]);
  if (!target) return { dtype: input?.dtype, shape: withFreshAxes(ctx, shape, axes, 'crop') };
  if (target.length !== axes.length) throw new ShapeError(`CenterCropPad: ${target.length} sizes for ${axes.length} axes`);
  const out = [...shape];
  axes.forEach((a, i) => (out[a] = target[i]));
  assertValidDims(out, 'CenterCropPad');
  return { dtype: input?.dtype, shape: out };
}

function col2ImOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Col2Im input');
  if (shape.length !== 3) throw new ShapeError(`Col2Im needs a [N, C·∏block, L] input, got rank ${shape.length}`);
  const image = knownInts(ctx.inputs[1]);
  const block = knownConstantInts(ctx.inputs[2]);
  const spatial = image ?? freshDims(ctx, vectorLength(ctx.inputs[1], 'Col2Im image_shape'), 'col2im');
  const channels = block ? exactDiv(shape[1], block.reduce((a, b) => a * b, 1), 'Col2Im channels') : ctx.fresh('col2im');
  return { dtype: input?.dtype, shape: [shape[0], channels, ...spatial] };
}

/** Col2Im adds every input element into the image: 1 FLOP each. */
function col2ImCost(ctx: NodeContext): OpCost {
  return { flops: numel(requireShape(ctx.inputs[0], 'Col2Im input')) };
}

// ---------------------------------------------------------------------------------------------
// Handlers

function sameAsInput(ctx: NodeContext): InferredOutput {
  return sameTypeAndShape(ctx.inputs[0], `${ctx.node.opType} input`);
}

// ---------------------------------------------------------------------------------------------
// TensorScatter (opset 24): a functional in-place KV-cache update

/**
 * present_cache has past_cache's shape; `update` differs only on the sequence axis. The op models an
 * in-place write, so it moves the update (read, then written into the cache) and nothing else.
 */
function tensorScatterOutput(ctx: NodeContext): InferredOutput {
  const past = requireShape(ctx.inputs[0], 'past_cache');
  const update = requireShape(ctx.inputs[1], 'update');
  if (update.length !== past.length) throw new ShapeError(`update has rank ${update.length}, past_cache rank ${past.length}`);
  normalizeAxis(ctx.attrs.int('axis', -2), past.length);
  return { dtype: ctx.inputs[0]?.dtype, shape: past };
}

function tensorScatterCost(ctx: NodeContext): OpCost {
  const update = tensorBytes(ctx.inputs[1]);
  if (!update) throw new UnknownShapeError('the update shape is unknown');
  return { flops: ZERO_EXPR, activationBytesRead: update.add(tensorBytes(ctx.inputs[2]) ?? ZERO_EXPR), bytesWritten: update };
}

// ---------------------------------------------------------------------------------------------
// com.microsoft RemovePadding / RestorePadding (bert_defs.cc): input [B, S, H] ↔ [total_tokens, H]

const MS = 'com.microsoft';

function removePaddingOutputs(ctx: NodeContext): InferredOutput[] {
  const x = requireShape(ctx.inputs[0], 'RemovePadding input');
  if (x.length !== 3) throw new ShapeError(`RemovePadding input must be [batch_size, sequence_length, hidden_size], got rank ${x.length}`);
  const counts = ctx.inputs[1]?.dtype ?? DataType.INT32;
  return [
    { dtype: ctx.inputs[0]?.dtype, shape: [ctx.fresh('tokens'), x[2]] },
    { dtype: counts, shape: [x[0], x[1]] },
    { dtype: DataType.INT32, shape: [x[0].add(1)] },
    { dtype: DataType.INT32, shape: [ONE_EXPR] },
  ];
}

/** It reads only the real tokens it packs, as many bytes as its packed output holds, and the per-sequence counts. */
function removePaddingCost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost {
  const packed = tensorBytes(outputs[0]);
  if (!packed) throw new UnknownShapeError('the packed output shape is unknown');
  return { flops: ZERO_EXPR, activationBytesRead: packed.add(tensorBytes(ctx.inputs[1]) ?? ZERO_EXPR) };
}

function restorePaddingOutput(ctx: NodeContext): InferredOutput {
  const x = requireShape(ctx.inputs[0], 'RestorePadding input');
  const offsets = requireShape(ctx.inputs[1], 'token_offset');
  if (x.length !== 2) throw new ShapeError(`RestorePadding input must be [total_tokens, hidden_size], got rank ${x.length}`);
  if (offsets.length !== 2) throw new ShapeError(`token_offset must be [batch_size, sequence_length], got rank ${offsets.length}`);
  return { dtype: ctx.inputs[0]?.dtype, shape: [offsets[0], offsets[1], x[1]] };
}

export const dataMovementOps: readonly OpHandler[] = [
  { opType: 'RemovePadding', domain: MS, sinceVersion: 1, infer: removePaddingOutputs, cost: removePaddingCost },
  { opType: 'RestorePadding', domain: MS, sinceVersion: 1, infer: (ctx) => [restorePaddingOutput(ctx)], cost: movementCost },
  onnxRule('TensorScatter', 24, (ctx) => [tensorScatterOutput(ctx)], tensorScatterCost),
  onnxRule('Transpose', 1, (ctx) => [transposeOutput(ctx)], movementCost),
  onnxRule('Concat', 1, (ctx) => [concatOutput(ctx)], movementCost),
  onnxRule('Split', 1, splitOutputs, movementCost),
  onnxRule('Slice', 1, (ctx) => [sliceOutput(ctx)], selectionCost),
  onnxRule('Gather', 1, (ctx) => [gatherOutput(ctx)], selectionCost),
  onnxRule('GatherElements', 11, (ctx) => [gatherElementsOutput(ctx)], selectionCost),
  onnxRule('GatherND', 11, (ctx) => [gatherNDOutput(ctx)], selectionCost),
  onnxRule('ScatterND', 11, (ctx) => [scatterOutput(ctx)], scatterCost),
  onnxRule('ScatterElements', 11, (ctx) => [scatterOutput(ctx)], scatterCost),
  onnxRule('Scatter', 9, (ctx) => [scatterOutput(ctx)], scatterCost),
  onnxRule('Tile', 1, (ctx) => [tileOutput(ctx)], movementCost),
  onnxRule('Pad', 1, (ctx) => [padOutput(ctx)], movementCost),
  onnxRule('Resize', 10, (ctx) => [resizeOutput(ctx, { scales: 1, sizes: undefined })], interpolationCost, 10),
  onnxRule('Resize', 11, (ctx) => [resizeOutput(ctx, { scales: 2, sizes: 3 })], interpolationCost),
  onnxRule('Upsample', 1, (ctx) => [upsampleOutput(ctx)], interpolationCost),
  onnxRule('DepthToSpace', 1, (ctx) => [depthToSpaceOutput(ctx)], movementCost),
  onnxRule('SpaceToDepth', 1, (ctx) => [spaceToDepthOutput(ctx)], movementCost),
  onnxRule('Compress', 9, (ctx) => [compressOutput(ctx)], movementCost),
  onnxRule('Trilu', 14, (ctx) => [sameAsInput(ctx)], movementCost),
  onnxRule('OneHot', 9, (ctx) => [oneHotOutput(ctx)], movementCost),
  onnxRule('ReverseSequence', 10, (ctx) => [sameAsInput(ctx)], movementCost),
  onnxRule('Unique', 11, uniqueOutputs, movementCost),
  onnxRule('CenterCropPad', 18, (ctx) => [centerCropPadOutput(ctx)], movementCost),
  onnxRule('Col2Im', 18, (ctx) => [col2ImOutput(ctx)], col2ImCost),
];
