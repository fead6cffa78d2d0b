import { ShapeError, UnknownShapeError } from '../ops/opHandler';
import { Expr, ONE_EXPR, product } from './expr';
import type { InferredOutput, Shape, TensorInfo } from './tensorInfo';

/** Element count of a shape. */
export function numel(shape: Shape): Expr {
  return product(shape);
}

/** Normalises a possibly negative axis against a rank; throws ShapeError when out of range. */
export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * Multidirectional (numpy) broadcasting. A dim of 1 stretches; equal dims match; a known dim against a
 * symbolic one takes the known one when it isn't 1 (the symbol must equal it at run time).
 */
export function broadcastShapes(shapes: readonly Shape[]): Shape {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  // Array.from makes an array as long as the shape (one grown by push keeps room for 16 dims, and a graph's
  // element-wise outputs keep theirs).
  return Array.from({ length: rank }, (_, i) => {
    let dim: Expr | undefined;
    for (const s of shapes) {
      const d = s[s.length - rank + i];
      if (d === undefined) continue;
      dim = dim === undefined ? d : broadcastDim(dim, d);
    }
    return dim ?? ONE_EXPR;
  });
}

function broadcastDim(a: Expr, b: Expr): Expr {
  if (a.equals(b)) return a;
  const ac = a.constantValue;
  const bc = b.constantValue;
  if (ac === 1n) return b;
  if (bc === 1n) return a;
  if (ac !== undefined && bc !== undefined) throw new ShapeError(`dims ${ac} and ${bc} do not broadcast`);
  if (ac !== undefined) return a; // symbolic b must be 1 or equal a
  if (bc !== undefined) return b;
  // A dim inference could not know (unk__N) must be 1 or the named one: keep the name.
  if (isUnknownDim(b)) return a;
  if (isUnknownDim(a)) return b;
  return a.max(b); // both symbolic: one of them is 1 at run time, or they are equal
}

/** A fresh symbol made for a dim inference could not know (`unk__3`). */
export function isUnknownDim(e: Expr): boolean {
  return e.terms.size === 1 && e.toString().startsWith('unk__') && !e.toString().includes(' ');
}

/** Broadcast shape of the given inputs, or undefined when any rank is unknown. */
export function broadcastInputs(inputs: readonly (TensorInfo | undefined)[]): Shape | undefined {
  const shapes: Shape[] = [];
  for (const t of inputs) {
    if (!t) continue;
    if (!t.shape) return undefined;
    shapes.push(t.shape);
  }
  return broadcastShapes(shapes);
}

/** Reads a known integer vector (Reshape's shape, Slice's starts) from an input, if its value is known. */
export function knownInts(t: TensorInfo | undefined): readonly Expr[] | undefined {
  return t?.value?.kind === 'ints' ? t.value.data : undefined;
}

/** A scalar (or one-element) integer input's known value as an expression (a length computed from shapes, say). */
export function knownScalar(t: TensorInfo | undefined): Expr | undefined {
  const v = knownInts(t);
  return v && v.length === 1 ? v[0] : undefined;
}

/** Element count of the first output: UnknownShapeError while its shape is unknown. */
export function outputElements(outputs: readonly TensorInfo[]): Expr {
  const shape = outputs[0]?.shape;
  if (!shape) throw new UnknownShapeError('output shape unknown');
  return numel(shape);
}

/** `rank` fresh dims: the shape of an output whose sizes are known only at run time. */
export function freshDims(ctx: { fresh(hint: string): Expr }, rank: number, hint: string): Expr[] {
  return Array.from({ length: rank }, () => ctx.fresh(hint));
}

/** Reads a known integer vector whose entries are all constants, as numbers. */
export function knownConstantInts(t: TensorInfo | undefined): number[] | undefined {
  const ints = knownInts(t);
  if (!ints) return undefined;
  const out: number[] = [];
  for (const e of ints) {
    const c = e.constantValue;
    if (c === undefined) return undefined;
    out.push(Number(c));
  }
  return out;
}

/** Reads a known float vector (Resize's scales), converting ints if needed. */
export function knownFloats(t: TensorInfo | undefined): number[] | undefined {
  if (!t?.value) return undefined;
  if (t.value.kind === 'floats') return [...t.value.data];
  return knownConstantInts(t);
}

/** Requires a known shape: UnknownShapeError when it isn't known, ShapeError when the input is absent. */
export function requireShape(t: TensorInfo | undefined, what: string): Shape {
  if (!t) throw new ShapeError(`${what} is missing`);
  if (!t.shape) throw new UnknownShapeError(`the rank of ${what} is unknown`);
  return t.shape;
}

/** An output with input `t`'s type and shape (element-wise, normalization and gradient ops); `what` names `t` in errors. */
export function sameTypeAndShape(t: TensorInfo | undefined, what: string): InferredOutput {
  return { dtype: t?.dtype, shape: requireShape(t, what) };
}
