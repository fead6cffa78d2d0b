/**
 * Matrix products: MatMul, Gemm, their integer and quantized forms, Einsum, and the com.microsoft
 * fused and low-bit variants (FusedMatMul, MatMulNBits, MatMulBnb4, MatMulFpQ4, MatMulIntegerToFloat,
 * DynamicQuantizeMatMul, QGemm, GemmFastGelu, GemmFloat8, SparseToDenseMatMul).
 *
 * Cost convention (docs/cost-conventions.md):
 *  - MACs = batch × M × K × N (broadcast batch dims), FLOPs = 2 × MACs.
 *  - A bias (Gemm's C, a contrib op's bias input) adds one FLOP per output element; alpha/beta scaling
 *    is folded into the epilogue and not counted. A fused activation adds its elementwise FLOPs
 *    (GemmFastGelu: FastGelu at 14 per element, as Gelu in elementwise.ts).
 *  - Quantized forms count the same MACs; dequantisation of n-bit weights is not counted (it is
 *    folded into the kernel's inner loop). Weight bytes are the stored (packed) bytes plus scales and
 *    zero points; params of a packed weight (MatMulNBits, MatMulBnb4) are its K × N logical values, and
 *    scales and zero points are no params (QUANTIZATION_INPUTS in quantization.ts).
 *  - SparseToDenseMatMul (a sparse A times a dense B): its non-zeros are data, so it is counted as the dense
 *    M × K × N product, an upper bound (noted).
 *  - Einsum: MACs = (operands − 1) × the product of every distinct index size (each point of the
 *    full index space multiplies the operands once and accumulates); a one-operand Einsum (trace,
 *    sum, transpose) counts one FLOP per point of its index space and no MACs.
 */
import { DataType } from '../../onnx/dataType';
import { Expr, product } from '../../shapes/expr';
import { broadcastShapes, knownConstantInts, numel, outputElements, requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, Shape, TensorInfo } from '../../shapes/tensorInfo';
import { FLOPS_PER_ELEMENT } from './elementwise';
import { type NodeContext, type OpCost, type OpHandler, ShapeError } from '../opHandler';

/** The dims of one matrix product, after MatMul's 1-D promotion and batch broadcasting. */
export interface MatmulDims {
  readonly output: Shape;
  readonly batch: Shape;
  readonly m: Expr;
  readonly k: Expr;
  readonly n: Expr;
}

/** Two contraction dims that must agree: the known one wins over a symbol; two known ones must match. */
export function unifyDims(a: Expr, b: Expr, what: string): Expr {
  const ac = a.constantValue;
  const bc = b.constantValue;
  if (ac !== undefined && bc !== undefined && ac !== bc) throw new ShapeError(`${what}: ${ac} does not match ${bc}`);
  return ac !== undefined ? a : b;
}

/** numpy matmul shapes: a 1-D left operand is a row, a 1-D right operand a column, both dropped after. */
export function matmulDims(a: Shape, b: Shape): MatmulDims {
  if (a.length === 0 || b.length === 0) throw new ShapeError('MatMul inputs must have rank ≥ 1');
  const left = a.length === 1 ? [Expr.constant(1), a[0]] : a;
  const right = b.length === 1 ? [b[0], Expr.constant(1)] : b;
  const m = left[left.length - 2];
  const k = unifyDims(left[left.length - 1], right[right.length - 2], 'MatMul inner dims');
  const n = right[right.length - 1];
  const batch = broadcastShapes([left.slice(0, -2), right.slice(0, -2)]);
  const output = batch.concat(a.length === 1 ? [] : [m], b.length === 1 ? [] : [n]); // concat: no room to spare
  return { output, batch, m, k, n };
}

function matmulMacs(d: MatmulDims): Expr {
  return product(d.batch).mul(d.m).mul(d.k).mul(d.n);
}

/** Swaps the last two dims (a matrix transpose of a batch of matrices). */
function transposeLast2(s: Shape): Shape {
  if (s.length < 2) return s;
  return [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
}

function productCost(macs: Expr, extraFlops: Expr = Expr.constant(0)): OpCost {
  return { flops: macs.mul(2).add(extraFlops), macs };
}

/** The `index`-th input's shape; a present input is needed. */
function inputShape(ctx: NodeContext, index: number, what: string): Shape {
  return requireShape(ctx.inputs[index], what);
}

/** A MatMul-shaped op: output dtype chosen by the caller, MACs from the two operand shapes. */
function matmulLike(
  opType: string,
  domain: string,
  sinceVersion: number,
  operands: readonly [number, number],
  outputDtype: (ctx: NodeContext) => DataType | undefined,
  biasInput?: number,
): OpHandler {
  const dims = (ctx: NodeContext) => matmulDims(inputShape(ctx, operands[0], 'A'), inputShape(ctx, operands[1], 'B'));
  return {
    opType,
    domain,
    sinceVersion,
    infer: (ctx) => [{ dtype: outputDtype(ctx), shape: dims(ctx).output }],
    cost: (ctx, outputs) => {
      const bias = biasInput !== undefined && ctx.inputs[biasInput] ? outputElements(outputs) : undefined;
      return productCost(matmulMacs(dims(ctx)), bias);
    },
  };
}

const dtypeOf = (index: number) => (ctx: NodeContext) => ctx.inputs[index]?.dtype;

// ---------------------------------------------------------------- Gemm

interface GemmDims {
  readonly m: Expr;
  readonly k: Expr;
  readonly n: Expr;
}

function gemmDims(ctx: NodeContext, aIndex: number, bIndex: number): GemmDims {
  const a = inputShape(ctx, aIndex, 'A');
  const b = inputShape(ctx, bIndex, 'B');
  if (a.length !== 2 || b.length !== 2) throw new ShapeError(`Gemm needs 2-D A and B, got ranks ${a.length} and ${b.length}`);
  const [m, ka] = ctx.attrs.int('transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = ctx.attrs.int('transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  return { m, k: unifyDims(ka, kb, 'Gemm inner dims'), n };
}

function gemmHandler(opType: string, domain: string, a: number, b: number, c: number, outputDtype: (ctx: NodeContext) => DataType | undefined, activationFlops = 0): OpHandler {
  return {
    opType,
    domain,
    sinceVersion: 1,
    infer: (ctx) => {
      const { m, n } = gemmDims(ctx, a, b);
      return [{ dtype: outputDtype(ctx), shape: [m, n] }];
    },
    cost: (ctx) => {
      const { m, k, n } = gemmDims(ctx, a, b);
      const outputs = m.mul(n);
      const bias = ctx.inputs[c] ? outputs : Expr.constant(0);
      return productCost(m.mul(k).mul(n), bias.add(outputs.mul(activationFlops)));
    },
  };
}

// ---------------------------------------------------------------- Einsum

interface EinsumTerm {
  /** Letters in order; '.' stands for the ellipsis' dims as one entry. */
  readonly letters: string[];
}

interface ParsedEinsum {
  readonly inputs: EinsumTerm[];
  readonly output: EinsumTerm;
}

function parseTerm(text: string): EinsumTerm {
  const body = text.trim();
  const letters: string[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body.startsWith('...', i)) {
      if (letters.includes('.')) throw new ShapeError(`Einsum term '${body}' has two ellipses`);
      letters.push('.');
      i += 2;
    } else if (/[A-Za-z]/.test(body[i])) letters.push(body[i]);
    else if (body[i] !== ' ') throw new ShapeError(`Einsum term '${body}' has an invalid character '${body[i]}'`);
  }
  return { letters };
}

/** Parses `ij,jk->ik`; without `->`, the output is every letter used once, sorted, after the ellipsis. */
export function parseEinsum(equation: string): ParsedEinsum {
  const [lhs, rhs] = equation.split('->');
  const inputs = lhs.split(',').map(parseTerm);
  if (rhs !== undefined) return { inputs, output: parseTerm(rhs) };
  const counts = new Map<string, number>();
  for (const t of inputs) for (const l of t.letters) if (l !== '.') counts.set(l, (counts.get(l) ?? 0) + 1);
  const once = [...counts].filter(([, c]) => c === 1).map(([l]) => l).sort();
  const hasEllipsis = inputs.some((t) => t.letters.includes('.'));
  return { inputs, output: { letters: [...(hasEllipsis ? ['.'] : []), ...once] } };
}

interface EinsumSizes {
  readonly letters: Map<string, Expr>;
  readonly ellipsis: Shape;
}

function einsumSizes(parsed: ParsedEinsum, shapes: readonly Shape[]): EinsumSizes {
  if (parsed.inputs.length !== shapes.length) throw new ShapeError(`Einsum equation has ${parsed.inputs.length} operands, got ${shapes.length} inputs`);
  const letters = new Map<string, Expr>();
  const ellipses: Shape[] = [];
  parsed.inputs.forEach((term, i) => {
    const shape = shapes[i];
    const named = term.letters.filter((l) => l !== '.').length;
    const hasEllipsis = term.letters.includes('.');
    if (hasEllipsis ? shape.length < named : shape.length !== named) {
      throw new ShapeError(`Einsum operand ${i} has rank ${shape.length}, the equation gives it ${named} letters`);
    }
    const ellipsisRank = shape.length - named;
    let axis = 0;
    for (const l of term.letters) {
      if (l === '.') {
        ellipses.push(shape.slice(axis, axis + ellipsisRank));
        axis += ellipsisRank;
        continue;
      }
      const d = shape[axis++];
      const seen = letters.get(l);
      letters.set(l, seen === undefined ? d : broadcastShapes([[seen], [d]])[0]);
    }
  });
  return { letters, ellipsis: broadcastShapes(ellipses) };
}

function einsumParts(ctx: NodeContext): { parsed: ParsedEinsum; sizes: EinsumSizes } {
  const equation = ctx.attrs.string('equation');
  if (equation === undefined) throw new ShapeError('Einsum needs an equation');
  const parsed = parseEinsum(equation.replace(/\s+/g, ''));
  const shapes = ctx.inputs.map((t, i) => requireShape(t, `operand ${i}`));
  return { parsed, sizes: einsumSizes(parsed, shapes) };
}

function einsumOutputShape(parsed: ParsedEinsum, sizes: EinsumSizes): Shape {
  return parsed.output.letters.flatMap((l) => {
    if (l === '.') return [...sizes.ellipsis];
    const d = sizes.letters.get(l);
    if (!d) throw new ShapeError(`Einsum output letter '${l}' is in no input`);
    return [d];
  });
}

function einsumCost(ctx: NodeContext): OpCost {
  const { parsed, sizes } = einsumParts(ctx);
  const space = product([...sizes.letters.values(), ...sizes.ellipsis]);
  const operands = parsed.inputs.length;
  if (operands === 1) return { flops: space, notes: ['one-operand Einsum: one FLOP per point of its index space'] };
  return productCost(space.mul(operands - 1));
}

// ---------------------------------------------------------------- com.microsoft contrib matmuls

/** FusedMatMul's operand after transBatch (dim 0 moved just before the matrix dims) and trans. */
function fusedOperand(shape: Shape, transBatch: boolean, trans: boolean): Shape {
  let s = shape;
  if (transBatch && s.length >= 3) s = [...s.slice(1, -1), s[0], s[s.length - 1]];
  return trans ? transposeLast2(s) : s;
}

function fusedMatmulDims(ctx: NodeContext): MatmulDims {
  const a = fusedOperand(inputShape(ctx, 0, 'A'), ctx.attrs.int('transBatchA', 0) === 1, ctx.attrs.int('transA', 0) === 1);
  const b = fusedOperand(inputShape(ctx, 1, 'B'), ctx.attrs.int('transBatchB', 0) === 1, ctx.attrs.int('transB', 0) === 1);
  return matmulDims(a, b);
}

/** Ops whose weight is packed and described by attributes K and N: A [..., K] × W [K, N] → [..., N]. */
function packedWeightMatmul(opType: string, bias: number | undefined): OpHandler {
  const dims = (ctx: NodeContext) => {
    const a = inputShape(ctx, 0, 'A');
    const k = ctx.attrs.int('K');
    const n = ctx.attrs.int('N');
    if (k === undefined || n === undefined) throw new ShapeError(`${opType} needs attributes K and N`);
    if (a.length === 0) throw new ShapeError(`${opType} input A must have rank ≥ 1`);
    unifyDims(a[a.length - 1], Expr.constant(k), `${opType} A's last dim against K`);
    return { rows: numel(a.slice(0, -1)), k: Expr.constant(k), n: Expr.constant(n), output: [...a.slice(0, -1), Expr.constant(n)] };
  };
  return {
    opType,
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: dims(ctx).output }],
    cost: (ctx) => {
      const d = dims(ctx);
      const biasFlops = bias !== undefined && ctx.inputs[bias] ? d.rows.mul(d.n) : undefined;
      return { ...productCost(d.rows.mul(d.k).mul(d.n), biasFlops), logicalWeightElements: [undefined, d.k.mul(d.n)] };
    },
  };
}

/** SparseToDenseMatMul (contrib_defs.cc): sparse A [M, K] (transA: [K, M]) × dense B [K, N] (transB: [N, K]) → [M, N]. */
function sparseToDenseDims(ctx: NodeContext): { m: Expr; k: Expr; n: Expr } {
  const a = inputShape(ctx, 0, 'A');
  const b = inputShape(ctx, 1, 'B');
  if (a.length !== 2 || b.length !== 2) throw new ShapeError(`SparseToDenseMatMul takes 2-D A and B, got ranks ${a.length} and ${b.length}`);
  const [m, k] = ctx.attrs.int('transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = ctx.attrs.int('transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  return { m, k: unifyDims(k, kb, 'SparseToDenseMatMul inner dims'), n };
}

/** MatMulFpQ4: B_shape (input 2) holds [K, N]; N stays symbolic when that value is not known. */
function matmulFpQ4Output(ctx: NodeContext): InferredOutput {
  const a = inputShape(ctx, 0, 'A');
  if (a.length === 0) throw new ShapeError('MatMulFpQ4 A must have rank ≥ 1 (its last dim is K), got a scalar');
  const bShape = knownConstantInts(ctx.inputs[2]);
  const n = bShape && bShape.length === 2 ? Expr.constant(bShape[1]) : ctx.fresh('N');
  return { dtype: ctx.inputs[0]?.dtype, shape: [...a.slice(0, -1), n] };
}

function matmulFpQ4Cost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost {
  const a = inputShape(ctx, 0, 'A');
  if (a.length === 0) throw new ShapeError('MatMulFpQ4 A must have rank ≥ 1 (its last dim is K), got a scalar');
  const k = a[a.length - 1];
  const biasFlops = ctx.inputs[3] ? outputElements(outputs) : undefined;
  return productCost(outputElements(outputs).mul(k), biasFlops);
}

const GELU_FLOPS = FLOPS_PER_ELEMENT.Gelu;

export const matmulOps: readonly OpHandler[] = [
  matmulLike('MatMul', '', 1, [0, 1], dtypeOf(0)),
  matmulLike('MatMulInteger', '', 10, [0, 1], () => DataType.INT32),
  // QLinearMatMul: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
  matmulLike('QLinearMatMul', '', 10, [0, 3], (ctx) => ctx.inputs[7]?.dtype ?? ctx.inputs[0]?.dtype),
  gemmHandler('Gemm', '', 0, 1, 2, dtypeOf(0)),
  {
    opType: 'Einsum',
    domain: '',
    sinceVersion: 12,
    infer: (ctx) => {
      const { parsed, sizes } = einsumParts(ctx);
      return [{ dtype: ctx.inputs[0]?.dtype, shape: einsumOutputShape(parsed, sizes) }];
    },
    cost: einsumCost,
  },
  {
    opType: 'FusedMatMul',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: fusedMatmulDims(ctx).output }],
    cost: (ctx) => productCost(matmulMacs(fusedMatmulDims(ctx))),
  },
  // A, B, a_scale, b_scale, a_zero_point, b_zero_point, bias → float of a_scale's type.
  matmulLike('MatMulIntegerToFloat', 'com.microsoft', 1, [0, 1], (ctx) => ctx.inputs[2]?.dtype ?? DataType.FLOAT, 6),
  // A (float), B (int8), b_scale, b_zero_point, bias.
  matmulLike('DynamicQuantizeMatMul', 'com.microsoft', 1, [0, 1], dtypeOf(0), 4),
  matmulLike('MatMulInteger16', 'com.microsoft', 1, [0, 1], () => DataType.INT32),
  // A, B (packed n-bit), scales, zero_points, g_idx, bias.
  packedWeightMatmul('MatMulNBits', 5),
  // A, B (packed 4-bit), absmax.
  packedWeightMatmul('MatMulBnb4', undefined),
  {
    opType: 'SparseToDenseMatMul',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      const d = sparseToDenseDims(ctx);
      return [{ dtype: ctx.inputs[1]?.dtype ?? ctx.inputs[0]?.dtype, shape: [d.m, d.n] }];
    },
    cost: (ctx) => {
      const d = sparseToDenseDims(ctx);
      return { ...productCost(d.m.mul(d.k).mul(d.n)), notes: ['sparse A: counted as the dense product, an upper bound (its non-zeros are data)'] };
    },
  },
  {
    opType: 'MatMulFpQ4',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => [matmulFpQ4Output(ctx)],
    cost: matmulFpQ4Cost,
  },
  // A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale, y_zero_point: float out without y_scale.
  gemmHandler('QGemm', 'com.microsoft', 0, 3, 6, (ctx) => (ctx.inputs[7] ? ctx.inputs[8]?.dtype ?? ctx.inputs[0]?.dtype : DataType.FLOAT)),
  // X, W, bias: FastGelu(X·W + bias).
  matmulGemmFastGelu(),
  // A, B, C, scaleA, scaleB, scaleY; attribute dtype is the output type.
  gemmHandler('GemmFloat8', 'com.microsoft', 0, 1, 2, (ctx) => ctx.attrs.int('dtype') ?? DataType.FLOAT),
];

function matmulGemmFastGelu(): OpHandler {
  const base = matmulLike('GemmFastGelu', 'com.microsoft', 1, [0, 1], dtypeOf(0), 2);
  return {
    ...base,
    cost: (ctx, outputs) => {
      const c = base.cost(ctx, outputs);
      return { ...c, flops: c.flops.add(outputElements(outputs).mul(GELU_FLOPS)) };
    },
  };
}
