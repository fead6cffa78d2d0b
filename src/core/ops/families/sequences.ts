/**
 * Sequence and optional ops: SequenceConstruct/Empty/At/Insert/Erase/Length, SplitToSequence,
 * ConcatFromSequence, SequenceMap, Optional, OptionalHasElement, OptionalGetElement.
 *
 * A sequence is described by one `element` (what every item is: dims on which all items agree are
 * kept, others are fresh symbols) and its `length` when known. An empty sequence (length 0) puts no
 * constraint on the shape of items inserted later.
 *
 * Cost convention (docs/cost-conventions.md): these ops move data and compute nothing: 0 FLOPs.
 * Bytes are those of the tensors copied in or out (SequenceAt reads and writes one item,
 * ConcatFromSequence reads the items and writes the result, SplitToSequence writes the pieces).
 * SequenceMap runs its body once per item: FLOPs = body × length (once, noted, when the length is
 * unknown).
 */
import { tensorBytes } from '../../analysis/graphInference';
import { DataType } from '../../onnx/dataType';
import type { ValueType } from '../../onnx/model';
import { Expr, ONE_EXPR, ZERO_EXPR } from '../../shapes/expr';
import { knownConstantInts, knownInts, normalizeAxis, requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, KnownValue, Shape, TensorInfo } from '../../shapes/tensorInfo';
import { scalarInt } from '../../shapes/valueOps';
import { type NodeContext, type OpCost, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';
import { recallSubgraphCost, rememberSubgraphCost, repeatedCost } from './subgraphCost';

type Fresh = (hint: string) => Expr;

/** Dims equal in both shapes are kept, others become fresh; a rank mismatch leaves the shape unknown. */
export function mergeShapes(a: Shape | undefined, b: Shape | undefined, fresh: Fresh): Shape | undefined {
  if (!a || !b || a.length !== b.length) return undefined;
  return a.map((d, i) => (d.equals(b[i]) ? d : fresh('merged')));
}

function sameValue(a: KnownValue | undefined, b: KnownValue | undefined): boolean {
  if (!a || !b || a.kind !== b.kind || a.dims.join() !== b.dims.join()) return false;
  if (a.kind === 'ints') return a.data.every((x, i) => x.equals((b.data as readonly Expr[])[i]));
  return a.data.every((x, i) => Object.is(x, (b.data as readonly number[])[i]));
}

function isEmptySequence(t: InferredOutput): boolean {
  return t.kind === 'sequence' && t.length?.constantValue === 0n;
}

/**
 * What is known of a value that is either `a` or `b` (If's branches, a loop-carried value before and
 * after an iteration, the items of a sequence).
 */
export function mergeInfos(a: InferredOutput | undefined, b: InferredOutput | undefined, fresh: Fresh): InferredOutput {
  if (!a || !b) return { kind: (a ?? b)?.kind, dtype: (a ?? b)?.dtype, shape: undefined };
  const kind = a.kind ?? 'tensor';
  if (kind !== (b.kind ?? 'tensor')) return mergeWithOptional(a, b, fresh) ?? { dtype: undefined, shape: undefined };
  if (kind === 'tensor') {
    return { dtype: a.dtype ?? b.dtype, shape: mergeShapes(a.shape, b.shape, fresh), ...(sameValue(a.value, b.value) && { value: a.value }) };
  }
  if (kind === 'sequence' && isEmptySequence(a) !== isEmptySequence(b)) {
    const items = isEmptySequence(a) ? b : a;
    return { kind, dtype: undefined, shape: undefined, element: mergeElements(items.element, (isEmptySequence(a) ? a : b).element, true, fresh) };
  }
  const length = a.length && b.length && a.length.equals(b.length) ? a.length : undefined;
  return { kind, dtype: undefined, shape: undefined, element: mergeElements(a.element, b.element, false, fresh), length };
}

/** An optional and a value of its element's kind (a loop-carried optional that the body fills): an optional. */
function mergeWithOptional(a: InferredOutput, b: InferredOutput, fresh: Fresh): InferredOutput | undefined {
  const [opt, other] = a.kind === 'optional' ? [a, b] : b.kind === 'optional' ? [b, a] : [undefined, undefined];
  if (!opt?.element || (opt.element.kind ?? 'tensor') !== (other.kind ?? 'tensor')) return undefined;
  return { kind: 'optional', dtype: undefined, shape: undefined, element: { name: '', ...mergeInfos(opt.element, other, fresh) } };
}

/** Items of two containers; when the second holds no items, only its dtype counts. */
function mergeElements(a: TensorInfo | undefined, b: TensorInfo | undefined, secondIsEmpty: boolean, fresh: Fresh): TensorInfo | undefined {
  if (secondIsEmpty) return a ? { ...a, dtype: a.dtype ?? b?.dtype } : b && { ...b, shape: undefined };
  if (!a || !b) {
    const known = a ?? b;
    return known && { name: '', kind: known.kind, dtype: known.dtype, shape: undefined };
  }
  return { name: '', ...mergeInfos(a, b, fresh) };
}

/** A sequence whose items are all like `element`. */
export function sequenceOf(element: InferredOutput | undefined, length?: Expr): InferredOutput {
  return {
    kind: 'sequence',
    dtype: undefined,
    shape: undefined,
    element: element && { name: '', ...itemOf(element) },
    ...(length && { length }),
  };
}

/** An item as stored in a container: not a weight, its value not tracked. */
function itemOf(t: InferredOutput): InferredOutput {
  return { kind: t.kind, dtype: t.dtype, shape: t.shape, element: t.element, length: t.length };
}

function requireSequence(t: TensorInfo | undefined, what: string): TensorInfo {
  if (!t) throw new ShapeError(`${what} is missing`);
  if (t.kind !== 'sequence') throw new ShapeError(`${what} is not a sequence`);
  return t;
}

/** What SequenceAt/ConcatFromSequence read: the item description, unknown shape when not known. */
function itemInfo(seq: TensorInfo): InferredOutput {
  const e = seq.element;
  return { kind: e?.kind, dtype: e?.dtype, shape: e?.shape, element: e?.element, length: e?.length };
}

/** Positions run over [-n, n - 1]; SequenceInsert also accepts n (`pastEnd`). */
function checkPosition(seq: TensorInfo, position: TensorInfo | undefined, pastEnd: boolean): void {
  const p = knownConstantInts(position)?.[0];
  const n = seq.length?.asNumber;
  if (p === undefined || n === undefined) return;
  if (p < -n || p > (pastEnd ? n : n - 1)) throw new ShapeError(`position ${p} is out of range for a sequence of ${n}`);
}

const moveOnly = (bytes: (ctx: NodeContext, outputs: readonly TensorInfo[]) => Expr | undefined) => (ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost => {
  const moved = bytes(ctx, outputs);
  return moved ? { flops: ZERO_EXPR, activationBytesRead: moved, bytesWritten: moved } : { flops: ZERO_EXPR };
};

const sequenceConstruct: OpHandler = {
  opType: 'SequenceConstruct',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => {
    const items = ctx.inputs.filter((t): t is TensorInfo => t !== undefined);
    if (items.length === 0) throw new ShapeError('SequenceConstruct needs at least one input');
    const element = items.slice(1).reduce<InferredOutput>((acc, t) => mergeInfos(acc, t, ctx.fresh), itemOf(items[0]));
    return [sequenceOf(element, Expr.constant(items.length))];
  },
  cost: (ctx) => ({ flops: ZERO_EXPR, bytesWritten: ctx.inputs.reduce((acc, t) => acc.add(tensorBytes(t) ?? ZERO_EXPR), ZERO_EXPR) }),
};

const sequenceEmpty: OpHandler = {
  opType: 'SequenceEmpty',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => [sequenceOf({ dtype: ctx.attrs.int('dtype', DataType.FLOAT), shape: undefined }, ZERO_EXPR)],
  cost: () => ({ flops: ZERO_EXPR }),
};

const sequenceAt: OpHandler = {
  opType: 'SequenceAt',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => {
    const seq = requireSequence(ctx.inputs[0], 'input_sequence');
    checkPosition(seq, ctx.inputs[1], false);
    return [itemInfo(seq)];
  },
  cost: moveOnly((_, outputs) => tensorBytes(outputs[0])),
};

const sequenceInsert: OpHandler = {
  opType: 'SequenceInsert',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => {
    const seq = requireSequence(ctx.inputs[0], 'input_sequence');
    const tensor = ctx.inputs[1];
    if (!tensor) throw new ShapeError('tensor is missing');
    checkPosition(seq, ctx.inputs[2], true);
    const items = sequenceOf(itemInfo(seq), seq.length);
    const merged = mergeInfos(items, sequenceOf(itemOf(tensor), ONE_EXPR), ctx.fresh);
    return [{ ...merged, ...(seq.length && { length: seq.length.add(1) }) }];
  },
  cost: (ctx) => ({ flops: ZERO_EXPR, bytesWritten: tensorBytes(ctx.inputs[1]) ?? ZERO_EXPR }),
};

const sequenceErase: OpHandler = {
  opType: 'SequenceErase',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => {
    const seq = requireSequence(ctx.inputs[0], 'input_sequence');
    if (seq.length?.constantValue === 0n) throw new ShapeError('cannot erase from an empty sequence');
    checkPosition(seq, ctx.inputs[1], false);
    return [sequenceOf(itemInfo(seq), seq.length?.sub(1))];
  },
  cost: () => ({ flops: ZERO_EXPR, bytesWritten: ZERO_EXPR }),
};

const sequenceLength: OpHandler = {
  opType: 'SequenceLength',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => {
    const seq = requireSequence(ctx.inputs[0], 'input_sequence');
    return [{ dtype: DataType.INT64, shape: [], ...(seq.length && { value: scalarInt(seq.length) }) }];
  },
  cost: () => ({ flops: ZERO_EXPR }),
};

/** SplitToSequence's pieces: their count and what one piece is along the split axis. */
function splitPieces(ctx: NodeContext, dim: Expr): { count: Expr; pieceDim: Expr | undefined } {
  const split = ctx.inputs[1];
  if (!split) return { count: dim, pieceDim: undefined };
  const splitShape = requireShape(split, 'split');
  const sizes = knownInts(split);
  if (splitShape.length === 0) {
    const size = sizes?.[0];
    if (!size) return { count: ctx.fresh('pieces'), pieceDim: ctx.fresh('piece') };
    const value = size.constantValue;
    if (value !== undefined && value <= 0n) throw new ShapeError(`SplitToSequence split must be positive, got ${value}`);
    const even = dim.mod(size).constantValue === 0n;
    return { count: dim.ceilDiv(size), pieceDim: even ? size : ctx.fresh('piece') };
  }
  const count = splitShape[0];
  if (!sizes || sizes.length === 0) return { count, pieceDim: ctx.fresh('piece') };
  const first = sizes[0];
  return { count, pieceDim: sizes.every((s) => s.equals(first)) ? first : ctx.fresh('piece') };
}

const splitToSequence: OpHandler = {
  opType: 'SplitToSequence',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => {
    const input = ctx.inputs[0];
    const shape = requireShape(input, 'input');
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), shape.length);
    const { count, pieceDim } = splitPieces(ctx, shape[axis]);
    const keepDims = ctx.inputs[1] !== undefined || ctx.attrs.int('keepdims', 1) !== 0;
    const pieceShape = keepDims ? shape.map((d, i) => (i === axis ? (pieceDim ?? ONE_EXPR) : d)) : shape.filter((_, i) => i !== axis);
    return [sequenceOf({ dtype: input!.dtype, shape: pieceShape }, count)];
  },
  cost: (ctx) => ({ flops: ZERO_EXPR, bytesWritten: tensorBytes(ctx.inputs[0]) ?? ZERO_EXPR }),
};

const concatFromSequence: OpHandler = {
  opType: 'ConcatFromSequence',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => {
    const seq = requireSequence(ctx.inputs[0], 'input_sequence');
    const item = seq.element;
    if (!item?.shape) return [{ dtype: item?.dtype, shape: undefined }];
    const newAxis = ctx.attrs.int('new_axis', 0) !== 0;
    const rank = item.shape.length + (newAxis ? 1 : 0);
    const axisAttr = ctx.attrs.int('axis');
    if (axisAttr === undefined) throw new ShapeError('ConcatFromSequence needs the axis attribute');
    const axis = normalizeAxis(axisAttr, rank);
    const count = seq.length ?? ctx.fresh('items');
    if (newAxis) return [{ dtype: item.dtype, shape: [...item.shape.slice(0, axis), count, ...item.shape.slice(axis)] }];
    // Only a constant item dim is shared by every item; a symbolic one may differ from item to item.
    const along = item.shape[axis];
    const total = along.isConstant && seq.length ? seq.length.mul(along) : ctx.fresh('concat');
    return [{ dtype: item.dtype, shape: item.shape.map((d, i) => (i === axis ? total : d)) }];
  },
  cost: moveOnly((_, outputs) => tensorBytes(outputs[0])),
};

const sequenceMap: OpHandler = {
  opType: 'SequenceMap',
  domain: '',
  sinceVersion: 17,
  infer: (ctx) => {
    const body = ctx.attrs.graph('body');
    if (!body) throw new ShapeError('SequenceMap needs a body');
    const first = requireSequence(ctx.inputs[0], 'input_sequence');
    const bodyInputs = ctx.inputs.map((t, i) => {
      if (!t) throw new ShapeError(`input ${i} is missing`);
      return t.kind === 'sequence' ? { name: t.name, ...itemInfo(t) } : t;
    });
    const result = ctx.inferSubgraph(body, bodyInputs, 'body');
    const length = first.length;
    const notes = length ? [] : ['sequence length unknown: body counted once'];
    rememberSubgraphCost(ctx, repeatedCost(result.cost, length ?? ONE_EXPR, notes));
    return result.outputs.map((o) => sequenceOf(o, length));
  },
  cost: (ctx) => recallSubgraphCost(ctx),
};

/** A value of a TypeProto (Optional's `type`), each unnamed dim fresh. */
function infoFromType(t: ValueType, fresh: Fresh): InferredOutput {
  switch (t.kind) {
    case 'tensor':
    case 'sparse_tensor':
      return { dtype: t.dtype, shape: t.shape?.map((d) => (typeof d === 'number' ? Expr.constant(d) : typeof d === 'string' ? Expr.symbol(d) : fresh('dim'))) };
    case 'sequence':
    case 'optional':
      return { kind: t.kind, dtype: undefined, shape: undefined, element: t.element && { name: '', ...infoFromType(t.element, fresh) } };
    case 'map':
      return { kind: 'map', dtype: undefined, shape: undefined };
    default:
      return { dtype: undefined, shape: undefined };
  }
}

function typeAttribute(ctx: NodeContext): ValueType | undefined {
  return ctx.node.attributes.get('type')?.tp;
}

const optional: OpHandler = {
  opType: 'Optional',
  domain: '',
  sinceVersion: 15,
  infer: (ctx) => {
    const input = ctx.inputs[0];
    if (input) return [{ kind: 'optional', dtype: undefined, shape: undefined, element: { ...input, isWeight: undefined } }];
    const type = typeAttribute(ctx);
    if (!type) throw new ShapeError('an empty Optional needs the type attribute');
    return [{ kind: 'optional', dtype: undefined, shape: undefined, element: { name: '', ...infoFromType(type, ctx.fresh) } }];
  },
  cost: () => ({ flops: ZERO_EXPR }),
};

/** 1 when the input surely holds a value, 0 when it surely doesn't, undefined when that depends on run time. */
function holdsElement(t: TensorInfo | undefined): number | undefined {
  if (!t) return 0;
  return t.kind === 'optional' ? undefined : 1;
}

const optionalHasElement: OpHandler = {
  opType: 'OptionalHasElement',
  domain: '',
  sinceVersion: 15,
  infer: (ctx) => {
    if (ctx.opset < 18 && !ctx.inputs[0]) throw new ShapeError('input is missing');
    const known = holdsElement(ctx.inputs[0]);
    return [{ dtype: DataType.BOOL, shape: [], ...(known !== undefined && { value: scalarInt(known) }) }];
  },
  cost: () => ({ flops: ZERO_EXPR }),
};

const optionalGetElement: OpHandler = {
  opType: 'OptionalGetElement',
  domain: '',
  sinceVersion: 15,
  infer: (ctx) => {
    const input = ctx.inputs[0];
    if (!input) throw new ShapeError('input is missing');
    if (input.kind !== 'optional') {
      if (ctx.opset < 18) throw new ShapeError('input is not an optional');
      return [input];
    }
    const e = input.element;
    if (!e) throw new UnknownShapeError('the optional element type is unknown');
    return [{ kind: e.kind, dtype: e.dtype, shape: e.shape, value: e.value, element: e.element, length: e.length }];
  },
  cost: () => ({ flops: ZERO_EXPR }),
};

export const sequenceOps: readonly OpHandler[] = [
  sequenceConstruct,
  sequenceEmpty,
  sequenceAt,
  sequenceInsert,
  sequenceErase,
  sequenceLength,
  splitToSequence,
  concatFromSequence,
  sequenceMap,
  optional,
  optionalHasElement,
  optionalGetElement,
];
