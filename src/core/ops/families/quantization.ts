/**
 * Quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear (ONNX and com.microsoft), the
 * onnxruntime QLinear* elementwise, concat and softmax ops, and GatherBlockQuantized.
 * (QLinearConv, QLinearMatMul, MatMulInteger and QGemm belong to the matmul and convolution families,
 * QLinearAveragePool and QLinearGlobalAveragePool to pooling.)
 *
 * Cost convention (docs/cost-conventions.md), FLOPs per element:
 *  - quantize: divide by the scale 1, round 1, add the zero point 1, saturate 2 → 5;
 *  - dequantize: subtract the zero point 1, multiply by the scale 1 → 2;
 *  - DynamicQuantizeLinear: a min and a max over the input (2) then quantize (5) → 7, + a few per tensor;
 *  - QLinear elementwise ops: dequantize each input (2 each), the float op (FLOPS_PER_ELEMENT), quantize (5),
 *    per output element — the arithmetic they stand for, even where a kernel uses a lookup table;
 *  - GatherBlockQuantized: dequantize (2) per output element; it reads only the gathered rows of the
 *    packed table and their scales (weightBytesRead).
 *
 * Parameters of quantized graphs (QUANTIZATION_INPUTS, applied to every op that takes quantization inputs):
 * scales and zero points are not parameters (their bytes are weight bytes); a quantized int32 bias (QDQ's
 * DequantizeLinear of an int32 initializer, QLinearConv's B, QGemm's C) is one parameter per element, as the
 * float bias it replaces; packed tables (GatherBlockQuantized's uint8 data with `bits` 4) hold 8/bits values
 * per byte.
 */
import { bitsOf, bytesFor, DataType } from '../../onnx/dataType';
import { Expr, ZERO_EXPR } from '../../shapes/expr';
import { broadcastShapes, normalizeAxis, numel, requireShape } from '../../shapes/shapeOps';
import type { Shape, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';
import { FLOPS_PER_ELEMENT } from './elementwise';

const QUANTIZE = 5;
const DEQUANTIZE = 2;

function perElement(flops: number) {
  return (_ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost => {
    const shape = outputs[0]?.shape;
    if (!shape) throw new UnknownShapeError('output shape unknown');
    return { flops: numel(shape).mul(flops) };
  };
}

/** output_dtype (opset 21+) when set, else the zero point's type, else uint8. */
function quantizedType(ctx: NodeContext): DataType | undefined {
  const requested = ctx.attrs.int('output_dtype', 0);
  if (requested !== 0) return requested as DataType;
  return ctx.inputs[2] ? ctx.inputs[2].dtype : DataType.UINT8;
}

/** output_dtype (opset 23+) when set, else the scale's type (always float before 19). */
function dequantizedType(ctx: NodeContext): DataType | undefined {
  const requested = ctx.attrs.int('output_dtype', 0);
  if (requested !== 0) return requested as DataType;
  return ctx.inputs[1]?.dtype ?? DataType.FLOAT;
}

/** Per-axis and blocked scales must fit the input along `axis`. */
function checkScaleShape(ctx: NodeContext, x: Shape): void {
  const scale = ctx.inputs[1]?.shape;
  if (!scale || x.length === 0 || numel(scale).constantValue === 1n) return; // per tensor
  const axis = normalizeAxis(ctx.attrs.int('axis', 1), x.length);
  const blockSize = ctx.attrs.int('block_size', 0);
  if (scale.length === 1 && blockSize === 0) {
    const [s] = scale;
    const d = x[axis];
    if (s.constantValue !== undefined && d.constantValue !== undefined && s.constantValue !== 1n && s.constantValue !== d.constantValue) {
      throw new ShapeError(`the scale has ${s} entries, axis ${axis} of the input has ${d}`);
    }
  } else if (blockSize > 0 && scale.length !== x.length) {
    throw new ShapeError(`blocked quantization needs a scale of rank ${x.length}, got ${scale.length}`);
  }
}

function linearQuantizer(opType: 'QuantizeLinear' | 'DequantizeLinear', domain: string): OpHandler {
  const quantize = opType === 'QuantizeLinear';
  return {
    opType,
    domain,
    sinceVersion: 1,
    infer: (ctx) => {
      const shape = requireShape(ctx.inputs[0], 'x');
      checkScaleShape(ctx, shape);
      return [{ dtype: quantize ? quantizedType(ctx) : dequantizedType(ctx), shape }];
    },
    cost: perElement(quantize ? QUANTIZE : DEQUANTIZE),
  };
}

const dynamicQuantizeLinear: OpHandler = {
  opType: 'DynamicQuantizeLinear',
  domain: '',
  sinceVersion: 11,
  infer: (ctx) => [
    { dtype: DataType.UINT8, shape: requireShape(ctx.inputs[0], 'x') },
    { dtype: DataType.FLOAT, shape: [] },
    { dtype: DataType.UINT8, shape: [] },
  ],
  // min and max (2) and quantize (5) per element; the scale and zero point from min and max: ~10 once.
  cost: (ctx) => ({ flops: numel(requireShape(ctx.inputs[0], 'x')).mul(2 + QUANTIZE).add(10) }),
};

// ---------------------------------------------------------------- QLinear elementwise

const SOFTMAX = 1 + 1 + FLOPS_PER_ELEMENT.Exp + 1 + 1;

/**
 * The QLinear ops' arithmetic per output element: each input dequantized, the float op, the result
 * quantized. `floatOp` is what remains when a runtime fuses the op into an int8 kernel's epilogue, where the
 * dequantize and quantize steps fold into the one rescale that kernel applies anyway.
 */
export const QLINEAR_POINTWISE: Readonly<Record<string, { readonly inputs: number; readonly floatOp: number }>> = {
  QLinearAdd: { inputs: 2, floatOp: 1 },
  QLinearMul: { inputs: 2, floatOp: 1 },
  QLinearSigmoid: { inputs: 1, floatOp: FLOPS_PER_ELEMENT.Sigmoid },
  QLinearLeakyRelu: { inputs: 1, floatOp: FLOPS_PER_ELEMENT.LeakyRelu },
  QLinearSoftmax: { inputs: 1, floatOp: SOFTMAX },
  QLinearWhere: { inputs: 1, floatOp: 1 },
};

function qlinearFlopsPerElement(opType: string): number {
  const op = QLINEAR_POINTWISE[opType];
  return op.inputs * DEQUANTIZE + op.floatOp + QUANTIZE;
}

/** Share of a QLinear element-wise op's FLOPs that remains inside a fused int8 kernel; undefined for other ops. */
export function fusedQlinearFlopShare(opType: string): number | undefined {
  const op = QLINEAR_POINTWISE[opType];
  return op && op.floatOp / qlinearFlopsPerElement(opType);
}

/** Binary QLinear ops: A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point. */
function qlinearBinary(opType: string): OpHandler {
  return {
    opType,
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      const a = requireShape(ctx.inputs[0], 'A');
      const b = requireShape(ctx.inputs[3], 'B');
      return [{ dtype: ctx.inputs[0]!.dtype, shape: broadcastShapes([a, b]) }];
    },
    cost: perElement(qlinearFlopsPerElement(opType)),
  };
}

/** Unary QLinear ops: X, X_scale, X_zero_point, Y_scale, Y_zero_point. */
function qlinearUnary(opType: string): OpHandler {
  return {
    opType,
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: requireShape(ctx.inputs[0], 'X') }],
    cost: perElement(qlinearFlopsPerElement(opType)),
  };
}

const qlinearWhere: OpHandler = {
  opType: 'QLinearWhere',
  domain: 'com.microsoft',
  sinceVersion: 1,
  infer: (ctx) => {
    const shapes = [0, 1, 4].map((i) => requireShape(ctx.inputs[i], ctx.node.inputs[i]));
    return [{ dtype: ctx.inputs[1]!.dtype, shape: broadcastShapes(shapes) }];
  },
  cost: perElement(qlinearFlopsPerElement('QLinearWhere')),
};

/** QLinearConcat: Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per tensor. */
const qlinearConcat: OpHandler = {
  opType: 'QLinearConcat',
  domain: 'com.microsoft',
  sinceVersion: 1,
  infer: (ctx) => {
    const tensors: TensorInfo[] = [];
    for (let i = 2; i < ctx.inputs.length; i += 3) {
      const t = ctx.inputs[i];
      if (!t) throw new ShapeError(`QLinearConcat input ${i} is missing`);
      tensors.push(t);
    }
    if (tensors.length === 0) throw new ShapeError('QLinearConcat has no tensors to concatenate');
    const shapes = tensors.map((t, i) => requireShape(t, `tensor ${i}`));
    const rank = shapes[0].length;
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), rank);
    if (shapes.some((s) => s.length !== rank)) throw new ShapeError('QLinearConcat inputs differ in rank');
    const out = shapes[0].map((d, i) => (i === axis ? shapes.reduce((acc, s) => acc.add(s[axis]), Expr.constant(0)) : d));
    return [{ dtype: tensors[0].dtype, shape: out }];
  },
  cost: perElement(DEQUANTIZE + QUANTIZE),
};

// ---------------------------------------------------------------- GatherBlockQuantized

/** Bits per logical element of the packed table: uint8 packs `bits` (default 4) per element. */
function packedBits(ctx: NodeContext, data: TensorInfo): number {
  if (data.dtype === DataType.UINT8) return ctx.attrs.int('bits', 4);
  return data.dtype === undefined ? 8 : bitsOf(data.dtype);
}

/** The table's logical shape: uint8 data with bits < 8 packs 8/bits values along the last axis. */
function logicalShape(ctx: NodeContext, data: TensorInfo): Shape {
  const shape = requireShape(data, 'data');
  if (data.dtype !== DataType.UINT8) return shape;
  const perByte = 8 / packedBits(ctx, data);
  return shape.map((d, i) => (i === shape.length - 1 ? d.mul(perByte) : d));
}

const gatherBlockQuantized: OpHandler = {
  opType: 'GatherBlockQuantized',
  domain: 'com.microsoft',
  sinceVersion: 1,
  infer: (ctx) => {
    const data = ctx.inputs[0];
    const table = logicalShape(ctx, data!);
    const indices = requireShape(ctx.inputs[1], 'indices');
    const axis = normalizeAxis(ctx.attrs.int('gather_axis', 0), table.length, 'gather_axis');
    normalizeAxis(ctx.attrs.int('quantize_axis', 1), table.length, 'quantize_axis');
    return [{ dtype: ctx.inputs[2]?.dtype, shape: [...table.slice(0, axis), ...indices, ...table.slice(axis + 1)] }];
  },
  cost: (ctx, outputs) => {
    const out = outputs[0]?.shape;
    if (!out) throw new UnknownShapeError('output shape unknown');
    const data = ctx.inputs[0]!;
    const elements = numel(out);
    const table = logicalShape(ctx, data);
    const quantizeAxis = normalizeAxis(ctx.attrs.int('quantize_axis', 1), table.length, 'quantize_axis');
    const blockSize = ctx.attrs.int('block_size', 128);
    if (blockSize < 0) throw new ShapeError(`block_size must not be negative, got ${blockSize}`);
    // block_size 0: one scale per row of the quantize axis (an empty axis has no blocks).
    const blocks = blockSize > 0 ? elements.ceilDiv(blockSize) : table[quantizeAxis].constantValue === 0n ? Expr.constant(0) : elements.ceilDiv(table[quantizeAxis]);
    const scaleBytes = ctx.inputs[2]?.dtype === undefined ? 0n : bytesFor(ctx.inputs[2].dtype, 1n);
    const zeroPointBits = ctx.inputs[3] ? packedBits(ctx, data) : 0;
    const tableBytes = elements.mul(packedBits(ctx, data)).add(blocks.mul(zeroPointBits)).ceilDiv(8).add(blocks.mul(scaleBytes));
    const indices = ctx.inputs[1]!;
    const indexBytes = indices.dtype === undefined ? Expr.constant(0) : numel(requireShape(indices, 'indices')).mul(bytesFor(indices.dtype, 1n));
    const tableElements = numel(table);
    return { flops: elements.mul(DEQUANTIZE), weightBytesRead: tableBytes, activationBytesRead: indexBytes, logicalWeightElements: [tableElements] };
  },
};

export const quantizationOps: readonly OpHandler[] = [
  linearQuantizer('QuantizeLinear', ''),
  linearQuantizer('DequantizeLinear', ''),
  linearQuantizer('QuantizeLinear', 'com.microsoft'),
  linearQuantizer('DequantizeLinear', 'com.microsoft'),
  dynamicQuantizeLinear,
  qlinearBinary('QLinearAdd'),
  qlinearBinary('QLinearMul'),
  qlinearUnary('QLinearSigmoid'),
  qlinearUnary('QLinearLeakyRelu'),
  qlinearUnary('QLinearSoftmax'),
  qlinearWhere,
  qlinearConcat,
  gatherBlockQuantized,
];

// ---------------------------------------------------------------- parameters of quantized ops

/**
 * The inputs of an op that hold quantization parameters (scales, zero points, global scales: never
 * parameters) and the integer inputs that ARE parameters although int32 (quantized biases), by
 * `domain::opType` ('' for the default domain). Indices follow the ONNX and ONNX Runtime contrib specs.
 */
interface QuantizationInputs {
  readonly scales: (inputCount: number) => readonly number[];
  readonly int32Parameters?: readonly number[];
}

const fixed = (indices: readonly number[]) => () => indices;
/** QLinearConcat: Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per tensor. */
const concatScales = (count: number) => [0, 1, ...Array.from({ length: count }, (_, i) => i).filter((i) => i >= 2 && (i - 2) % 3 !== 0)];
const BINARY_QLINEAR = fixed([1, 2, 4, 5, 6, 7]);
const UNARY_QLINEAR = fixed([1, 2, 3, 4]);

export const QUANTIZATION_INPUTS: Readonly<Record<string, QuantizationInputs>> = {
  '::QuantizeLinear': { scales: fixed([1, 2]) },
  '::DequantizeLinear': { scales: fixed([1, 2]), int32Parameters: [0] },
  'com.microsoft::QuantizeLinear': { scales: fixed([1, 2]) },
  'com.microsoft::DequantizeLinear': { scales: fixed([1, 2]), int32Parameters: [0] },
  // x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B (int32)
  '::QLinearConv': { scales: BINARY_QLINEAR, int32Parameters: [8] },
  'com.microsoft::QLinearConv': { scales: BINARY_QLINEAR, int32Parameters: [8] },
  '::QLinearMatMul': { scales: BINARY_QLINEAR },
  '::MatMulInteger': { scales: fixed([2, 3]) },
  '::ConvInteger': { scales: fixed([2, 3]) },
  // A, a_scale, a_zero_point, B, b_scale, b_zero_point, C (int32), y_scale, y_zero_point
  'com.microsoft::QGemm': { scales: fixed([1, 2, 4, 5, 7, 8]), int32Parameters: [6] },
  // input, weight, bias, input_scale, weight_scale, mask_index, input_zero_point, weight_zero_point, past
  'com.microsoft::QAttention': { scales: fixed([3, 4, 6, 7]) },
  'com.microsoft::DynamicQuantizeMatMul': { scales: fixed([2, 3]) },
  'com.microsoft::MatMulIntegerToFloat': { scales: fixed([2, 3, 4, 5]) },
  // A, B, scales, zero_points, g_idx, bias
  'com.microsoft::MatMulNBits': { scales: fixed([2, 3]) },
  'com.microsoft::MatMulBnb4': { scales: fixed([2]) },
  'com.microsoft::GatherBlockQuantized': { scales: fixed([2, 3]) },
  // fc{1,2,3}_scales, fc{1,2,3}_zero_points, fc{1,2,3}_global_scale
  'com.microsoft::QMoE': { scales: fixed([3, 6, 9, 11, 12, 13, 15, 16, 17]) },
  'com.microsoft::GemmFloat8': { scales: fixed([3, 4, 5]) },
  'com.microsoft::QLinearAdd': { scales: BINARY_QLINEAR },
  'com.microsoft::QLinearMul': { scales: BINARY_QLINEAR },
  'com.microsoft::QLinearSigmoid': { scales: UNARY_QLINEAR },
  'com.microsoft::QLinearLeakyRelu': { scales: UNARY_QLINEAR },
  'com.microsoft::QLinearSoftmax': { scales: UNARY_QLINEAR },
  'com.microsoft::QLinearAveragePool': { scales: UNARY_QLINEAR },
  'com.microsoft::QLinearGlobalAveragePool': { scales: UNARY_QLINEAR },
  'com.microsoft::QLinearConcat': { scales: concatScales },
  // condition, X, x_scale, x_zero_point, Y, y_scale, y_zero_point, z_scale, z_zero_point
  'com.microsoft::QLinearWhere': { scales: fixed([2, 3, 5, 6, 7, 8]) },
};

/**
 * The handler with its quantization inputs declared (OpCost.logicalWeightElements): 0 parameters for each
 * scale and zero point, every element for an int32 parameter; the handler's own declarations win.
 */
export function withQuantizationInputs(handler: OpHandler): OpHandler {
  const spec = QUANTIZATION_INPUTS[`${handler.domain}::${handler.opType}`];
  if (!spec) return handler;
  return {
    ...handler,
    cost: (ctx, outputs) => {
      const cost = handler.cost(ctx, outputs);
      const logical: (Expr | undefined)[] = ctx.inputs.map((_, i) => cost.logicalWeightElements?.[i]);
      for (const i of spec.scales(ctx.inputs.length)) if (i < logical.length) logical[i] ??= ZERO_EXPR;
      for (const i of spec.int32Parameters ?? []) {
        const t = ctx.inputs[i];
        if (t?.shape && logical[i] === undefined) logical[i] = numel(t.shape);
      }
      return { ...cost, logicalWeightElements: logical };
    },
  };
}
