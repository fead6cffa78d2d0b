/**
 * Elementwise ops: unary math and activations, binary arithmetic with broadcasting, comparisons,
 * logic, variadic Sum/Mean/Max/Min, Where and Clip.
 *
 * Cost convention (docs/cost-conventions.md): FLOPs = output elements × FLOPs per element, where a
 * plain arithmetic op or comparison is 1 and a transcendental is counted by its usual expansion
 * (listed in FLOPS_PER_ELEMENT). Known integer values (shape arithmetic) are propagated, through float
 * tensors too where the arithmetic is integer-exact (a dim cast to float, clamped with Min, cast back).
 */
import { DataType, isFloatType } from '../../onnx/dataType';
import { Expr } from '../../shapes/expr';
import { broadcastInputs, numel } from '../../shapes/shapeOps';
import type { InferredOutput, KnownValue, TensorInfo } from '../../shapes/tensorInfo';
import { combineValues } from '../../shapes/valueOps';
import { forEachOp, type NodeContext, type OpCost, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';

/**
 * FLOPs per output element. 1 for arithmetic, comparisons and cheap activations; transcendentals
 * count their common polynomial-plus-range-reduction cost as a small constant so that a model full
 * of them is not shown as free. These are conventions, documented, not measurements.
 */
export const FLOPS_PER_ELEMENT: Readonly<Record<string, number>> = {
  // arithmetic, 1 each
  Add: 1, Sub: 1, Mul: 1, Div: 1, Mod: 1, Neg: 1, Abs: 1, Sign: 1, Reciprocal: 1, Floor: 1, Ceil: 1, Round: 1,
  Max: 1, Min: 1, Sum: 1, Mean: 1, Relu: 1, LeakyRelu: 2, PRelu: 2, ThresholdedRelu: 1, Clip: 2,
  Equal: 1, Less: 1, LessOrEqual: 1, Greater: 1, GreaterOrEqual: 1, Not: 1, And: 1, Or: 1, Xor: 1,
  BitShift: 1, BitwiseAnd: 1, BitwiseOr: 1, BitwiseXor: 1, BitwiseNot: 1, IsNaN: 1, IsInf: 1, Where: 1,
  Shrink: 2, HardSigmoid: 3, HardSwish: 4, Celu: 4, Elu: 4, Selu: 4,
  // square root and powers
  Sqrt: 4, Pow: 8,
  // transcendentals: exp/log ≈ 8, composed functions add their arithmetic
  Exp: 8, Log: 8, Sigmoid: 10, Tanh: 10, Softplus: 17, Softsign: 3, Mish: 30, Erf: 10,
  Gelu: 14, Sin: 8, Cos: 8, Tan: 10, Asin: 10, Acos: 10, Atan: 10, Sinh: 10, Cosh: 10, Asinh: 14, Acosh: 14, Atanh: 14,
};

const UNARY_FLOAT_OPS = [
  'Abs', 'Neg', 'Sign', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sqrt', 'Exp', 'Log', 'Relu', 'LeakyRelu', 'ThresholdedRelu',
  'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softplus', 'Softsign', 'Elu', 'Selu', 'Celu', 'Mish', 'Erf', 'Gelu',
  'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Shrink', 'BitwiseNot',
];
const BINARY_ARITHMETIC_OPS = ['Add', 'Sub', 'Mul', 'Div', 'Mod', 'Pow', 'PRelu', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor'];
const COMPARISON_OPS = ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor'];
const VARIADIC_OPS = ['Sum', 'Mean', 'Max', 'Min'];

/** Propagation of known integer values (shape arithmetic in exported graphs). */
const INT_VALUE_RULES: Readonly<Record<string, (a: Expr[]) => Expr | undefined>> = {
  Add: ([a, b]) => a.add(b),
  Sub: ([a, b]) => a.sub(b),
  Mul: ([a, b]) => a.mul(b),
  Div: ([a, b]) => (b.constantValue === 0n ? undefined : truncDiv(a, b)),
  Mod: ([a, b]) => (b.constantValue === 0n ? undefined : a.mod(b)),
  Neg: ([a]) => a.neg(),
  Abs: ([a]) => (a.constantValue !== undefined ? Expr.constant(a.constantValue < 0n ? -a.constantValue : a.constantValue) : a),
  Max: (args) => args.reduce((x, y) => x.max(y)),
  Min: (args) => args.reduce((x, y) => x.min(y)),
  Sum: (args) => args.reduce((x, y) => x.add(y)),
  Equal: ([a, b]) => (a.equals(b) ? Expr.constant(1) : a.sub(b).isConstant ? Expr.constant(0) : undefined),
  Less: ([a, b]) => compare(a, b, (d) => d < 0n),
  LessOrEqual: ([a, b]) => compare(a, b, (d) => d <= 0n),
  Greater: ([a, b]) => compare(a, b, (d) => d > 0n),
  GreaterOrEqual: ([a, b]) => compare(a, b, (d) => d >= 0n),
  Not: ([a]) => (a.constantValue === undefined ? undefined : Expr.constant(a.constantValue === 0n ? 1 : 0)),
  And: ([a, b]) => bothConstant(a, b, (x, y) => (x !== 0n && y !== 0n ? 1 : 0)),
  Or: ([a, b]) => bothConstant(a, b, (x, y) => (x !== 0n || y !== 0n ? 1 : 0)),
  Where: ([c, x, y]) => (c.constantValue === undefined ? undefined : c.constantValue !== 0n ? x : y),
  Relu: ([a]) => (a.constantValue === undefined ? undefined : a.constantValue > 0n ? a : Expr.constant(0)),
  // Integers held in a float tensor (a dim cast to float): rounding keeps them.
  Floor: ([a]) => a,
  Ceil: ([a]) => a,
  Round: ([a]) => a,
};

const FLOAT_VALUE_RULES: Readonly<Record<string, (a: number[]) => number>> = {
  Add: ([a, b]) => a + b, Sub: ([a, b]) => a - b, Mul: ([a, b]) => a * b, Div: ([a, b]) => a / b,
  Neg: ([a]) => -a, Abs: ([a]) => Math.abs(a), Sqrt: ([a]) => Math.sqrt(a), Floor: ([a]) => Math.floor(a), Ceil: ([a]) => Math.ceil(a),
  Max: (a) => Math.max(...a), Min: (a) => Math.min(...a), Reciprocal: ([a]) => 1 / a, Pow: ([a, b]) => a ** b,
  Where: ([c, x, y]) => (c !== 0 ? x : y),
  Relu: ([a]) => Math.max(a, 0),
};

function truncDiv(a: Expr, b: Expr): Expr {
  const ac = a.constantValue;
  const bc = b.constantValue;
  if (ac !== undefined && bc !== undefined) return Expr.constant(ac / bc); // bigint division truncates, as ONNX integer Div
  return a.floorDiv(b); // dims are non-negative, where truncation and floor agree
}

function compare(a: Expr, b: Expr, test: (d: bigint) => boolean): Expr | undefined {
  const d = a.sub(b).constantValue;
  return d === undefined ? undefined : Expr.constant(test(d) ? 1 : 0);
}

function bothConstant(a: Expr, b: Expr, f: (x: bigint, y: bigint) => number): Expr | undefined {
  return a.constantValue === undefined || b.constantValue === undefined ? undefined : Expr.constant(f(a.constantValue, b.constantValue));
}

/**
 * Ops whose result on integers held in a float tensor is the integer rule's (no division or powers; rounding
 * an integer keeps it): a dim cast to float and clamped (`Cast(Shape) → Min → Cast`) stays the dim.
 */
const INTEGER_EXACT_FLOAT_OPS = new Set(['Add', 'Sub', 'Mul', 'Neg', 'Abs', 'Max', 'Min', 'Sum', 'Relu', 'Floor', 'Ceil', 'Round', 'Where', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual']);

function propagateValue(opType: string, inputs: readonly (TensorInfo | undefined)[]): KnownValue | undefined {
  // A weight's contents are read on first use: give up on an activation without a value before reading any.
  if (inputs.some((t) => t !== undefined && !t.isWeight && t.value === undefined)) return undefined;
  const values = inputs.map((t) => t?.value);
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
  const known = values as KnownValue[];
  if (!known.some(hasSymbolicEntry)) return combineValues(known, INT_VALUE_RULES[opType], FLOAT_VALUE_RULES[opType]);
  if (inputs.every((t) => t === undefined || t.dtype === undefined || !isFloatType(t.dtype))) return combineValues(known, INT_VALUE_RULES[opType], undefined);
  // Symbolic integers in a float tensor: exact only under integer-exact ops, with every other operand integral.
  const asIntegers = INTEGER_EXACT_FLOAT_OPS.has(opType) ? known.map(integralAsInts) : [];
  if (asIntegers.length === 0 || asIntegers.some((v) => v === undefined)) return undefined;
  const result = combineValues(asIntegers as KnownValue[], INT_VALUE_RULES[opType], undefined);
  return result && !COMPARISON_OPS.includes(opType) ? floatsWhenConstant(result) : result;
}

/** Integers in a float tensor go back to numbers once none is symbolic, so later float rules (Div) apply. */
function floatsWhenConstant(v: KnownValue): KnownValue {
  return v.kind === 'ints' && !hasSymbolicEntry(v) ? { kind: 'floats', dims: v.dims, data: v.data.map((e) => Number(e.constantValue)) } : v;
}

function hasSymbolicEntry(v: KnownValue): boolean {
  return v.kind === 'ints' && v.data.some((e) => !e.isConstant);
}

/** A float value whose entries are all safe integers, as integer expressions; undefined otherwise. */
function integralAsInts(v: KnownValue): KnownValue | undefined {
  if (v.kind === 'ints') return v;
  if (!v.data.every(Number.isSafeInteger)) return undefined;
  return { kind: 'ints', dims: v.dims, data: v.data.map((x) => Expr.constant(x)) };
}

/** Inputs an op takes, where the count is fixed (the variadic ops take one or more; Clip has its own rule). */
const ARITY: ReadonlyMap<string, number> = new Map([
  ...[...UNARY_FLOAT_OPS, 'IsNaN', 'IsInf', 'Not'].map((op) => [op, 1] as const),
  ...[...BINARY_ARITHMETIC_OPS, ...COMPARISON_OPS].map((op) => [op, 2] as const),
  ['Where', 3],
]);

function elementwiseOutput(ctx: NodeContext, dtype: DataType | undefined): InferredOutput {
  // Count the inputs the node names: one it names but the graph does not produce is reported where it dangles.
  const named = ctx.node.inputs.filter((name) => name !== '').length;
  const arity = ARITY.get(ctx.node.opType);
  if (arity !== undefined && named !== arity) throw new ShapeError(`${ctx.node.opType} takes ${arity} input${arity > 1 ? 's' : ''}, got ${named}`);
  if (named === 0) throw new ShapeError(`${ctx.node.opType} has no inputs`);
  const present = ctx.inputs.filter((t): t is TensorInfo => t !== undefined);
  if (present.length < named) throw new UnknownShapeError('an input is not known');
  const shape = broadcastInputs(present);
  return { dtype, shape, value: propagateValue(ctx.node.opType, ctx.inputs) };
}

/** FLOPs = output elements × the op's per-element count. */
export function elementwiseCost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost {
  const shape = outputs[0]?.shape;
  if (!shape) throw new UnknownShapeError('output shape unknown');
  const perElement = FLOPS_PER_ELEMENT[ctx.node.opType] ?? 1;
  const arity = Math.max(1, ctx.inputs.filter(Boolean).length - 1);
  // Variadic ops combine n inputs with n − 1 operations per element (Mean adds one division).
  const ops = VARIADIC_OPS.includes(ctx.node.opType) ? arity + (ctx.node.opType === 'Mean' ? 1 : 0) : perElement;
  return { flops: numel(shape).mul(ops) };
}

const sameTypeAsFirst = (ctx: NodeContext) => ctx.inputs.find(Boolean)?.dtype;

export const elementwiseOps: readonly OpHandler[] = [
  ...forEachOp([...UNARY_FLOAT_OPS, ...BINARY_ARITHMETIC_OPS, ...VARIADIC_OPS], {
    domain: '',
    sinceVersion: 1,
    infer: (ctx) => [elementwiseOutput(ctx, sameTypeAsFirst(ctx))],
    cost: elementwiseCost,
  }),
  ...forEachOp(['IsNaN', 'IsInf', 'Not', ...COMPARISON_OPS], {
    domain: '',
    sinceVersion: 1,
    infer: (ctx) => [elementwiseOutput(ctx, DataType.BOOL)],
    cost: elementwiseCost,
  }),
  {
    opType: 'Where',
    domain: '',
    sinceVersion: 9,
    infer: (ctx) => [elementwiseOutput(ctx, ctx.inputs[1]?.dtype ?? ctx.inputs[2]?.dtype)],
    cost: elementwiseCost,
  },
  {
    opType: 'Clip',
    domain: '',
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: ctx.inputs[0]?.shape }],
    cost: elementwiseCost,
  },
];
