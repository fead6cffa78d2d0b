/**
 * Shape ops: the small graph pieces through which exported models compute their own shapes
 * (Shape → Gather → Concat → Reshape), constants and constant generators, casts, views and random
 * generators.
 *
 * Known values are the point of this family: Shape's output holds the input's dims as expressions,
 * and every op here that can carries known integer values on (Reshape, Squeeze, Unsqueeze, Flatten,
 * Expand, Cast, Range, ConstantOfShape, Identity), so that a Reshape whose target shape was computed
 * in the graph still gets an exact, symbolic output shape.
 *
 * Cost convention (docs/cost-conventions.md):
 * - 0 FLOPs for everything here: moving, converting (Cast) or generating data (constants, Range,
 *   random generators) is not arithmetic of the model. Dropout in training mode counts 2 FLOPs per
 *   element (draw a comparison, scale the kept element).
 * - Views (Reshape, Flatten, Squeeze, Unsqueeze, Identity) move no bytes: every runtime aliases their
 *   output to the input buffer.
 * - Shape and Size read only metadata: no bytes read, their small output written.
 * - Constant moves nothing at run time: its tensor is a weight of the model, counted as params and
 *   read by the nodes that consume it.
 * - Everything else reads its inputs and writes its outputs (the engine's default).
 */
import { tensorBytes } from '../../analysis/graphInference';
import { DataType, isFloatType, isIntegerType, isKnownDataType } from '../../onnx/dataType';
import type { TensorRef } from '../../onnx/model';
import { Expr, ONE_EXPR, product, ZERO_EXPR } from '../../shapes/expr';
import { broadcastShapes, freshDims, knownConstantInts, knownInts, normalizeAxis, numel, requireShape } from '../../shapes/shapeOps';
import { type InferredOutput, type KnownValue, MAX_KNOWN_VALUE_ELEMENTS, type Shape, type TensorInfo } from '../../shapes/tensorInfo';
import { intsValue, scalarInt } from '../../shapes/valueOps';
import { type NodeContext, type OpCost, type OpHandler, onnxRule, ShapeError, UnknownShapeError } from '../opHandler';

// ---------------------------------------------------------------------------------------------
// Known-value helpers (the exported ones are shared with dataMovement.ts)

/** Element count of static dims. */
export function staticCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The dims as numbers when all are constant and safe, else undefined. */
export function staticDims(shape: Shape): number[] | undefined {
  const out: number[] = [];
  for (const d of shape) {
    const n = d.asNumber;
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

/** Row-major strides of static dims. */
export function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= dims[i];
  }
  return strides;
}

/** The same elements under new dims (Reshape, Squeeze, Unsqueeze, Flatten). */
function withDims(v: KnownValue, dims: readonly number[]): KnownValue {
  return v.kind === 'ints' ? { kind: 'ints', dims, data: v.data } : { kind: 'floats', dims, data: v.data };
}

/**
 * A value of `outDims` whose element at each output coordinate is the source's element at
 * `sourceIndex(coordinates)`. Undefined when the result would be too large to keep.
 */
export function gatherElements(source: KnownValue, outDims: readonly number[], sourceIndex: (coords: number[]) => number): KnownValue | undefined {
  const n = staticCount(outDims);
  if (n > MAX_KNOWN_VALUE_ELEMENTS) return undefined;
  const coords = new Array<number>(outDims.length).fill(0);
  const picks: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rest = flat;
    for (let i = outDims.length - 1; i >= 0; i--) {
      coords[i] = rest % outDims[i];
      rest = Math.floor(rest / outDims[i]);
    }
    picks.push(sourceIndex(coords));
  }
  return source.kind === 'ints'
    ? { kind: 'ints', dims: outDims, data: picks.map((i) => source.data[i]) }
    : { kind: 'floats', dims: outDims, data: picks.map((i) => source.data[i]) };
}

/** Numpy-style broadcast of a known value to larger static dims (Expand). */
function broadcastValue(v: KnownValue, outDims: readonly number[]): KnownValue | undefined {
  const offset = outDims.length - v.dims.length;
  const strides = stridesOf(v.dims);
  return gatherElements(v, outDims, (coords) =>
    v.dims.reduce((index, d, i) => index + (d === 1 ? 0 : coords[offset + i]) * strides[i], 0),
  );
}

/** A symbol stands for a size, so a sum of products of them with positive coefficients is ≥ 0. */
export function isNonNegative(e: Expr): boolean {
  for (const c of e.terms.values()) if (c < 0n) return false;
  return true;
}

/** max(e, 0), dropping the max where e cannot be negative. */
export function clampAtZero(e: Expr): Expr {
  return isNonNegative(e) ? e : e.max(ZERO_EXPR);
}

/** Bytes of a tensor, or UnknownShapeError when its shape or type is unknown. */
function requireBytes(t: TensorInfo | undefined, what: string): Expr {
  const bytes = tensorBytes(t);
  if (!bytes) throw new UnknownShapeError(`the size of ${what} is unknown`);
  return bytes;
}

/** Length of a 1-D shape-like input when only its shape is known. */
export function vectorLength(t: TensorInfo | undefined, what: string): number {
  const shape = requireShape(t, what);
  if (shape.length !== 1) throw new ShapeError(`${what} must be 1-D, got rank ${shape.length}`);
  const n = shape[0].asNumber;
  if (n === undefined) throw new UnknownShapeError(`the length of ${what} is unknown`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Costs

const NO_FLOPS: OpCost = { flops: ZERO_EXPR };

/** Views alias their input and Constant's tensor is part of the model: nothing is read or written. */
const nothingMoves = (): OpCost => ({ flops: ZERO_EXPR, weightBytesRead: ZERO_EXPR, activationBytesRead: ZERO_EXPR, bytesWritten: ZERO_EXPR });

/** Reads only metadata, writes its (small) outputs. */
const metadataCost = (): OpCost => ({ flops: ZERO_EXPR, weightBytesRead: ZERO_EXPR, activationBytesRead: ZERO_EXPR });

const movementCost = (): OpCost => NO_FLOPS;

// ---------------------------------------------------------------------------------------------
// Constant

function constantOutput(ctx: NodeContext): InferredOutput {
  const tensor = ctx.attrs.tensor('value') ?? ctx.attrs.tensor('sparse_value');
  if (tensor) return tensorConstant(ctx, tensor);
  const a = ctx.attrs;
  if (a.has('value_int')) return { dtype: DataType.INT64, shape: [], value: scalarInt(a.int('value_int', 0)), isWeight: true };
  if (a.has('value_ints')) {
    const ints = a.ints('value_ints') ?? [];
    return { dtype: DataType.INT64, shape: [Expr.constant(ints.length)], value: intsValue(ints.map((i) => Expr.constant(i))), isWeight: true };
  }
  if (a.has('value_float')) return { dtype: DataType.FLOAT, shape: [], value: { kind: 'floats', dims: [], data: [a.float('value_float', 0)] }, isWeight: true };
  if (a.has('value_floats')) {
    const floats = a.floats('value_floats') ?? [];
    return { dtype: DataType.FLOAT, shape: [Expr.constant(floats.length)], value: { kind: 'floats', dims: [floats.length], data: [...floats] }, isWeight: true };
  }
  if (a.has('value_string')) return { dtype: DataType.STRING, shape: [], isWeight: true };
  if (a.has('value_strings')) return { dtype: DataType.STRING, shape: [Expr.constant((a.strings('value_strings') ?? []).length)], isWeight: true };
  throw new ShapeError('Constant has none of the value attributes');
}

function tensorConstant(ctx: NodeContext, tensor: TensorRef): InferredOutput {
  return { dtype: tensor.dtype, shape: tensor.dims.map((d) => Expr.constant(d)), value: ctx.readTensor(tensor), isWeight: true };
}

// ---------------------------------------------------------------------------------------------
// ConstantOfShape

function constantOfShapeOutput(ctx: NodeContext): InferredOutput {
  const fill = ctx.attrs.tensor('value');
  const dtype = fill?.dtype ?? DataType.FLOAT;
  const target = knownInts(ctx.inputs[0]);
  const shape = target ?? freshDims(ctx, vectorLength(ctx.inputs[0], 'ConstantOfShape input'), 'constant');
  shape.forEach((d) => assertValidDim(d, 'ConstantOfShape'));
  const fillValue: KnownValue | undefined = fill ? ctx.readTensor(fill) : { kind: 'floats', dims: [1], data: [0] };
  const dims = staticDims(shape);
  const value = fillValue && dims && fillValue.data.length === 1 ? broadcastValue(fillValue, dims) : undefined;
  return { dtype, shape, value };
}

function assertValidDim(d: Expr, op: string): void {
  const c = d.constantValue;
  if (c !== undefined && c < 0n) throw new ShapeError(`${op}: negative dim ${c}`);
}

// ---------------------------------------------------------------------------------------------
// Shape and Size

function shapeOutput(ctx: NodeContext, withBounds: boolean): InferredOutput {
  const shape = requireShape(ctx.inputs[0], 'Shape input');
  const rank = shape.length;
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
  const start = withBounds ? clamp(ctx.attrs.int('start', 0)) : 0;
  const end = withBounds ? clamp(ctx.attrs.int('end', rank)) : rank;
  const dims = shape.slice(start, Math.max(start, end));
  return { dtype: DataType.INT64, shape: [Expr.constant(dims.length)], value: intsValue(dims) };
}

function sizeOutput(ctx: NodeContext): InferredOutput {
  const shape = requireShape(ctx.inputs[0], 'Size input');
  return { dtype: DataType.INT64, shape: [], value: scalarInt(numel(shape)) };
}

// ---------------------------------------------------------------------------------------------
// Reshape

/**
 * Reshape's output dims: 0 copies the input dim (unless allowzero), -1 takes what is left of the
 * element count. With symbolic dims the -1 is the exact quotient (batch·seq·768 / (batch·12·64) = seq).
 */
function reshapeDims(input: TensorInfo | undefined, target: readonly Expr[], allowZero: boolean): Shape {
  let inferredAt = -1;
  const out: (Expr | undefined)[] = target.map((t, i) => {
    const c = t.constantValue;
    if (c === -1n) {
      if (inferredAt >= 0) throw new ShapeError('Reshape: more than one -1 in the target shape');
      inferredAt = i;
      return undefined;
    }
    if (c === 0n && !allowZero) {
      const shape = requireShape(input, 'Reshape data');
      if (i >= shape.length) throw new ShapeError(`Reshape: target dim ${i} is 0 (copy) but the input has rank ${shape.length}`);
      return shape[i];
    }
    if (c !== undefined && c < 0n) throw new ShapeError(`Reshape: invalid target dim ${c}`);
    return t;
  });
  const known = out.filter((d): d is Expr => d !== undefined);
  if (inferredAt >= 0) {
    const shape = requireShape(input, 'Reshape data');
    out[inferredAt] = quotientOfProducts(shape, known);
  } else {
    checkSameCount(input, known);
  }
  return out as Expr[];
}

function checkSameCount(input: TensorInfo | undefined, out: Shape): void {
  const inCount = input?.shape ? product(input.shape).constantValue : undefined;
  const outCount = product(out).constantValue;
  if (inCount !== undefined && outCount !== undefined && inCount !== outCount) {
    throw new ShapeError(`Reshape: cannot reshape ${inCount} elements into ${outCount}`);
  }
}

/** product(numerator) / product(denominator), cancelling equal dims first so symbolic quotients stay exact. */
function quotientOfProducts(numerator: Shape, denominator: Shape): Expr {
  const rest = [...denominator];
  const left: Expr[] = [];
  for (const d of numerator) {
    const i = rest.findIndex((r) => r.equals(d));
    if (i >= 0) rest.splice(i, 1);
    else left.push(d);
  }
  const n = product(left);
  const d = product(rest);
  const dc = d.constantValue;
  if (dc === 0n) throw new ShapeError('Reshape: cannot infer -1 next to a zero-size dim');
  const nc = n.constantValue;
  if (nc !== undefined && dc !== undefined && nc % dc !== 0n) throw new ShapeError(`Reshape: ${nc} elements do not divide into ${dc}`);
  return divideByMonomial(n, d) ?? n.floorDiv(d);
}

/**
 * Exact quotient of a polynomial by a single-term divisor, when every term divides. Reads the
 * expression's monomial keys, whose atoms expr.ts joins with '\u0001'.
 */
function divideByMonomial(n: Expr, d: Expr): Expr | undefined {
  if (d.terms.size !== 1) return undefined;
  const [[divisorKey, divisorCoeff]] = [...d.terms];
  const divisorAtoms = atomsOf(divisorKey);
  let quotient = ZERO_EXPR;
  for (const [key, coeff] of n.terms) {
    if (coeff % divisorCoeff !== 0n) return undefined;
    const atoms = atomsOf(key);
    for (const a of divisorAtoms) {
      const i = atoms.indexOf(a);
      if (i < 0) return undefined;
      atoms.splice(i, 1);
    }
    quotient = quotient.add(atoms.reduce((term, a) => term.mul(Expr.symbol(a)), Expr.constant(coeff / divisorCoeff)));
  }
  return quotient;
}

function atomsOf(monomialKey: string): string[] {
  return monomialKey === '' ? [] : monomialKey.split('\u0001');
}

function reshapeOutput(ctx: NodeContext, target: readonly Expr[] | undefined, allowZero: boolean): InferredOutput {
  const input = ctx.inputs[0];
  const shape = target ? reshapeDims(input, target, allowZero) : freshDims(ctx, vectorLength(ctx.inputs[1], 'Reshape shape'), 'reshape');
  return { dtype: input?.dtype, shape, value: reshapedValue(input, shape) };
}

/** The input's known value under the output's dims, when those are static. */
function reshapedValue(input: TensorInfo | undefined, shape: Shape): KnownValue | undefined {
  const dims = staticDims(shape);
  if (!input?.value || !dims || staticCount(dims) !== input.value.data.length) return undefined;
  return withDims(input.value, dims);
}

// ---------------------------------------------------------------------------------------------
// Flatten, Squeeze, Unsqueeze

function flattenOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Flatten input');
  const axisAttr = ctx.attrs.int('axis', 1);
  const axis = axisAttr < 0 ? axisAttr + shape.length : axisAttr;
  if (axis < 0 || axis > shape.length) throw new ShapeError(`Flatten: axis ${axisAttr} is out of range for rank ${shape.length}`);
  const out = [product(shape.slice(0, axis)), product(shape.slice(axis))];
  return { dtype: input?.dtype, shape: out, value: reshapedValue(input, out) };
}

/** Axes from the attribute (before `inputSince`) or from input 1 (from then on); null when absent. */
function axesOf(ctx: NodeContext, inputSince: number): readonly number[] | null {
  if (ctx.opset < inputSince) return ctx.attrs.ints('axes') ?? null;
  const t = ctx.inputs[1];
  if (!t) return null;
  const axes = knownConstantInts(t);
  if (!axes) throw new UnknownShapeError('the axes input is not known');
  return axes;
}

function squeezeOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Squeeze input');
  const axes = axesOf(ctx, 13);
  let out: Expr[];
  if (axes === null || axes.length === 0) {
    if (shape.some((d) => !d.isConstant)) throw new UnknownShapeError('Squeeze without axes on symbolic dims: which dims are 1 is not known');
    out = shape.filter((d) => d.constantValue !== 1n);
  } else {
    const drop = new Set(axes.map((a) => normalizeAxis(a, shape.length, 'Squeeze axis')));
    for (const a of drop) {
      const c = shape[a].constantValue;
      if (c !== undefined && c !== 1n) throw new ShapeError(`Squeeze: dim ${a} is ${c}, not 1`);
    }
    out = shape.filter((_, i) => !drop.has(i));
  }
  return { dtype: input?.dtype, shape: out, value: reshapedValue(input, out) };
}

function unsqueezeOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Unsqueeze input');
  const axes = axesOf(ctx, 13);
  if (!axes) throw new ShapeError('Unsqueeze needs axes');
  const rank = shape.length + axes.length;
  const inserted = new Set<number>();
  for (const a of axes) {
    const n = normalizeAxis(a, rank, 'Unsqueeze axis');
    if (inserted.has(n)) throw new ShapeError(`Unsqueeze: axis ${a} repeated`);
    inserted.add(n);
  }
  let next = 0;
  const out = Array.from({ length: rank }, (_, i) => (inserted.has(i) ? ONE_EXPR : shape[next++])); // as long as the shape
  return { dtype: input?.dtype, shape: out, value: reshapedValue(input, out) };
}

// ---------------------------------------------------------------------------------------------
// Expand

function expandOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Expand input');
  const target = knownInts(ctx.inputs[1]);
  const out = target ? broadcastShapes([shape, target]) : expandWithUnknownTarget(ctx, shape);
  out.forEach((d) => assertValidDim(d, 'Expand'));
  const dims = staticDims(out);
  const value = input?.value && dims ? broadcastValue(input.value, dims) : undefined;
  return { dtype: input?.dtype, shape: out, value };
}

/** Only the target's length is known: a non-1 input dim survives, every other dim is unknown. */
function expandWithUnknownTarget(ctx: NodeContext, shape: Shape): Shape {
  const length = vectorLength(ctx.inputs[1], 'Expand shape');
  const rank = Math.max(length, shape.length);
  return Array.from({ length: rank }, (_, i) => {
    const d = shape[i - (rank - shape.length)];
    const c = d?.constantValue;
    return d !== undefined && c !== undefined && c !== 1n ? d : ctx.fresh('expand');
  });
}

// ---------------------------------------------------------------------------------------------
// Cast

function castTarget(ctx: NodeContext): DataType {
  if (ctx.opset < 6) {
    const name = ctx.attrs.string('to');
    const code = name === undefined ? undefined : (DataType as unknown as Record<string, number>)[name.toUpperCase()];
    if (code === undefined) throw new ShapeError(`Cast: unknown target type '${name}'`);
    return code;
  }
  const to = ctx.attrs.int('to');
  if (to === undefined) throw new ShapeError(`${ctx.node.opType} needs the \`to\` attribute`);
  if (!isKnownDataType(to)) throw new ShapeError(`${ctx.node.opType}: \`to\` = ${to} is not an ONNX data type`);
  return to;
}

function castOutput(ctx: NodeContext, to: DataType | undefined): InferredOutput {
  const input = ctx.inputs[0];
  return { dtype: to, shape: requireShape(input, 'Cast input'), value: input?.value && to !== undefined ? castValue(input.value, to) : undefined };
}

const INTEGER_BITS: Partial<Record<DataType, { bits: number; signed: boolean }>> = {
  [DataType.INT8]: { bits: 8, signed: true }, [DataType.INT16]: { bits: 16, signed: true }, [DataType.INT32]: { bits: 32, signed: true },
  [DataType.INT64]: { bits: 64, signed: true }, [DataType.UINT8]: { bits: 8, signed: false }, [DataType.UINT16]: { bits: 16, signed: false },
  [DataType.UINT32]: { bits: 32, signed: false }, [DataType.UINT64]: { bits: 64, signed: false },
};

/**
 * The largest integer a float type holds exactly with every integer below it: a symbolic dim cast to it stays
 * the dim. Exporters compute on shapes in float where an opset lacks the integer kernel
 * (`Cast(Shape) → Min → Cast`, ONNX Min/Max took integers only from opset 12); dims past 2^24 are not a case.
 */
const EXACT_INTEGER_LIMIT: Partial<Record<DataType, bigint>> = { [DataType.FLOAT]: 2n ** 24n, [DataType.DOUBLE]: 2n ** 53n };

/**
 * A known value converted to `to`; symbolic entries survive integer-to-integer casts, and casts to FLOAT or
 * DOUBLE (as integers a float tensor holds exactly, read back by a later cast to an integer type).
 */
function castValue(v: KnownValue, to: DataType): KnownValue | undefined {
  if (to === DataType.BOOL) {
    const truth = v.kind === 'ints' ? v.data.map((e) => e.constantValue) : v.data.map((x) => (Number.isNaN(x) ? undefined : BigInt(x !== 0)));
    if (truth.some((c) => c === undefined)) return undefined;
    return { kind: 'ints', dims: v.dims, data: truth.map((c) => Expr.constant(c === 0n ? 0 : 1)) };
  }
  if (isIntegerType(to)) {
    const width = INTEGER_BITS[to];
    const wrap = (c: bigint) => (width ? (width.signed ? BigInt.asIntN(width.bits, c) : BigInt.asUintN(width.bits, c)) : c);
    if (v.kind === 'ints') return { kind: 'ints', dims: v.dims, data: v.data.map((e) => (e.constantValue === undefined ? e : Expr.constant(wrap(e.constantValue)))) };
    if (v.data.some((x) => !Number.isFinite(x))) return undefined;
    return { kind: 'ints', dims: v.dims, data: v.data.map((x) => Expr.constant(wrap(BigInt(Math.trunc(x))))) };
  }
  if (isFloatType(to)) {
    const round = to === DataType.FLOAT ? Math.fround : (x: number) => x;
    if (v.kind === 'floats') return { kind: 'floats', dims: v.dims, data: v.data.map(round) };
    const numbers = v.data.map((e) => e.asNumber);
    if (numbers.some((x) => x === undefined)) return exactIntegersInFloat(v, to);
    return { kind: 'floats', dims: v.dims, data: (numbers as number[]).map(round) };
  }
  return undefined;
}

/** Symbolic integers cast to a float type that holds them exactly: kept as integers; undefined otherwise. */
function exactIntegersInFloat(v: KnownValue & { kind: 'ints' }, to: DataType): KnownValue | undefined {
  const limit = EXACT_INTEGER_LIMIT[to];
  if (limit === undefined) return undefined;
  const exact = v.data.every((e) => {
    const c = e.constantValue;
    return c === undefined || (c <= limit && c >= -limit);
  });
  return exact ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// Range

function rangeOutput(ctx: NodeContext): InferredOutput {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.inputs[i]);
  ['start', 'limit', 'delta'].forEach((name, i) => {
    const t = ctx.inputs[i];
    if (!t) throw new ShapeError(`Range needs its ${name} input`);
    const elements = t.shape ? numel(t.shape).constantValue : undefined;
    if (elements !== undefined && elements !== 1n) throw new ShapeError(`Range ${name} must be a scalar, got ${elements} elements`);
  });
  const dtype = start?.dtype;
  if (start?.value?.kind === 'floats' || limit?.value?.kind === 'floats' || delta?.value?.kind === 'floats') {
    return floatRange(ctx, dtype, start?.value, limit?.value, delta?.value);
  }
  const [s, l, d] = [start, limit, delta].map((t) => scalarOf(knownInts(t)));
  const step = d?.constantValue;
  if (s === undefined || l === undefined || step === undefined) return { dtype, shape: [ctx.fresh('range')] };
  if (step === 0n) throw new ShapeError('Range: delta is 0');
  const length = clampAtZero(l.sub(s).ceilDiv(step));
  const n = length.asNumber;
  const value = n !== undefined && n <= MAX_KNOWN_VALUE_ELEMENTS ? intsValue(Array.from({ length: n }, (_, i) => s.add(Expr.constant(step * BigInt(i))))) : undefined;
  return { dtype, shape: [length], value };
}

function floatRange(ctx: NodeContext, dtype: DataType | undefined, ...values: (KnownValue | undefined)[]): InferredOutput {
  const numbers = values.map((v) => (v?.kind === 'floats' ? v.data[0] : v?.data[0].asNumber));
  const [s, l, d] = numbers;
  if (s === undefined || l === undefined || d === undefined) return { dtype, shape: [ctx.fresh('range')] };
  if (d === 0) throw new ShapeError('Range: delta is 0');
  const n = Math.max(Math.ceil((l - s) / d), 0);
  const value: KnownValue | undefined = n <= MAX_KNOWN_VALUE_ELEMENTS ? { kind: 'floats', dims: [n], data: Array.from({ length: n }, (_, i) => s + i * d) } : undefined;
  return { dtype, shape: [Expr.constant(n)], value };
}

function scalarOf(data: readonly Expr[] | undefined): Expr | undefined {
  return data?.length === 1 ? data[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// NonZero

function nonZeroOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'NonZero input');
  const hits = input?.value ? nonZeroCoordinates(input.value) : undefined;
  if (!hits) return { dtype: DataType.INT64, shape: [Expr.constant(shape.length), ctx.fresh('nonzero')] };
  const rank = input!.value!.dims.length;
  const data = Array.from({ length: rank }, (_, axis) => hits.map((coords) => Expr.constant(coords[axis]))).flat();
  const value = data.length <= MAX_KNOWN_VALUE_ELEMENTS ? intsValue(data, [rank, hits.length]) : undefined;
  return { dtype: DataType.INT64, shape: [Expr.constant(rank), Expr.constant(hits.length)], value };
}

/** Coordinates of the non-zero elements, or undefined when some element is symbolic. */
function nonZeroCoordinates(v: KnownValue): number[][] | undefined {
  const strides = stridesOf(v.dims);
  const hits: number[][] = [];
  for (let i = 0; i < v.data.length; i++) {
    const x = v.kind === 'ints' ? v.data[i].constantValue : v.data[i];
    if (x === undefined) return undefined;
    if (x === 0n || x === 0) continue;
    hits.push(strides.map((s, axis) => Math.floor(i / s) % v.dims[axis]));
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// Dropout and random generators

function dropoutOutputs(ctx: NodeContext, maskType: 'input' | 'bool'): InferredOutput[] {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'Dropout input');
  const mask = maskType === 'bool' ? DataType.BOOL : input?.dtype;
  return [{ dtype: input?.dtype, shape, value: input?.value }, { dtype: mask, shape }];
}

/** Inference Dropout is a copy; in training mode (input 2 known true) it draws and scales each element. */
function dropoutCost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost {
  const training = knownConstantInts(ctx.inputs[2])?.[0];
  if (!training) return NO_FLOPS;
  return { flops: numel(requireShape(outputs[0], 'Dropout output')).mul(2), notes: ['training mode: 2 FLOPs per element (draw, scale)'] };
}

function randomOutput(ctx: NodeContext): InferredOutput {
  const shape = ctx.attrs.ints('shape');
  if (!shape) throw new ShapeError(`${ctx.node.opType} needs the shape attribute`);
  return { dtype: ctx.attrs.int('dtype', DataType.FLOAT), shape: shape.map((d) => Expr.constant(d)) };
}

function randomLikeOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  return { dtype: ctx.attrs.int('dtype') ?? input?.dtype, shape: requireShape(input, `${ctx.node.opType} input`) };
}

function multinomialOutput(ctx: NodeContext): InferredOutput {
  const shape = requireShape(ctx.inputs[0], 'Multinomial input');
  if (shape.length !== 2) throw new ShapeError(`Multinomial input must be [batch, classes], got rank ${shape.length}`);
  return { dtype: ctx.attrs.int('dtype', DataType.INT32), shape: [shape[0], Expr.constant(ctx.attrs.int('sample_size', 1))] };
}

function eyeLikeOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  const shape = requireShape(input, 'EyeLike input');
  if (shape.length !== 2) throw new ShapeError(`EyeLike input must be 2-D, got rank ${shape.length}`);
  return { dtype: ctx.attrs.int('dtype') ?? input?.dtype, shape };
}

function identityOutput(ctx: NodeContext): InferredOutput {
  const input = ctx.inputs[0];
  if (!input) throw new ShapeError('Identity input is missing');
  const { name: _name, ...rest } = input;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Handlers

export const shapeOps: readonly OpHandler[] = [
  onnxRule('Constant', 1, (ctx) => [constantOutput(ctx)], nothingMoves),
  onnxRule('ConstantOfShape', 9, (ctx) => [constantOfShapeOutput(ctx)], metadataCost),
  onnxRule('Shape', 1, (ctx) => [shapeOutput(ctx, false)], metadataCost, 14),
  onnxRule('Shape', 15, (ctx) => [shapeOutput(ctx, true)], metadataCost),
  onnxRule('Size', 1, (ctx) => [sizeOutput(ctx)], metadataCost),
  onnxRule('Reshape', 1, (ctx) => [reshapeOutput(ctx, ctx.attrs.ints('shape')?.map((d) => Expr.constant(d)), false)], nothingMoves, 4),
  onnxRule('Reshape', 5, (ctx) => [reshapeOutput(ctx, knownInts(ctx.inputs[1]), ctx.attrs.int('allowzero', 0) !== 0)], nothingMoves),
  onnxRule('Flatten', 1, (ctx) => [flattenOutput(ctx)], nothingMoves),
  onnxRule('Squeeze', 1, (ctx) => [squeezeOutput(ctx)], nothingMoves),
  onnxRule('Unsqueeze', 1, (ctx) => [unsqueezeOutput(ctx)], nothingMoves),
  onnxRule('Identity', 1, (ctx) => [identityOutput(ctx)], nothingMoves),
  onnxRule('Expand', 8, (ctx) => [expandOutput(ctx)], movementCost),
  onnxRule('Cast', 1, (ctx) => [castOutput(ctx, castTarget(ctx))], movementCost),
  onnxRule('CastLike', 15, (ctx) => [castOutput(ctx, ctx.inputs[1]?.dtype)], (ctx) => ({ flops: ZERO_EXPR, activationBytesRead: requireBytes(ctx.inputs[0], 'CastLike input') })),
  // BitCast (26) reinterprets bits between types of one width: same shape, a view, no value kept.
  onnxRule('BitCast', 26, (ctx) => [{ dtype: castTarget(ctx), shape: requireShape(ctx.inputs[0], 'BitCast input') }], movementCost),
  onnxRule('Range', 11, (ctx) => [rangeOutput(ctx)], movementCost),
  onnxRule('EyeLike', 9, (ctx) => [eyeLikeOutput(ctx)], metadataCost),
  onnxRule('NonZero', 9, (ctx) => [nonZeroOutput(ctx)], movementCost),
  onnxRule('Dropout', 1, (ctx) => dropoutOutputs(ctx, 'input'), dropoutCost, 9),
  onnxRule('Dropout', 10, (ctx) => dropoutOutputs(ctx, 'bool'), dropoutCost),
  onnxRule('RandomNormal', 1, (ctx) => [randomOutput(ctx)], movementCost),
  onnxRule('RandomUniform', 1, (ctx) => [randomOutput(ctx)], movementCost),
  onnxRule('RandomNormalLike', 1, (ctx) => [randomLikeOutput(ctx)], metadataCost),
  onnxRule('RandomUniformLike', 1, (ctx) => [randomLikeOutput(ctx)], metadataCost),
  onnxRule('Bernoulli', 15, (ctx) => [randomLikeOutput(ctx)], movementCost),
  onnxRule('Multinomial', 7, (ctx) => [multinomialOutput(ctx)], movementCost),
];
