/**
 * Effective precision of every main-graph node: the precision it computes in once a runtime has done
 * what the graph's quantization asks for, which the tensors' own dtypes do not say. A pass over the
 * profiled report, run after graph inference (profile.ts); it rewrites `computeDtype`, records how in
 * `quantization`, and says why in `notes`. Rules, after ONNX's QuantizeLinear/DequantizeLinear (opsets 10
 * to 25) and ONNX Runtime's QDQ transformer (qdq_selector_action_transformer.cc):
 *
 *  - QDQ: a Conv, ConvTranspose, MatMul, Gemm, Einsum or Attention whose activation and weight operands both come
 *    from DequantizeLinear computes in the quantized type (int8 for 8-bit integers, FP8 for float8, 4-bit
 *    where both are 4-bit); the runtime fuses DQ → op → Q into one quantized kernel. Per-tensor, per-axis
 *    and blocked (opset 21+) scales, int4/uint4, FP8 E4M3/E5M2 and FP4 E2M1 with block scales (MXFP4:
 *    E8M0 scales per 32; NVFP4: E4M3 scales per 16) are told apart in the note.
 *  - Weight-only: DequantizeLinear on the weight only (a float activation): the weights stream in their
 *    stored width, the arithmetic stays at the activation's precision (ONNX Runtime turns int4 blocked
 *    DQ → MatMul into MatMulNBits).
 *  - Between a DequantizeLinear and QuantizeLinear, any other op (Relu, Add, MaxPool, Reshape, Concat...)
 *    runs on the quantized tensors: every consumer of its output is a QuantizeLinear and its inputs are
 *    dequantized (or come from such a node).
 *  - Quantized operators (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger, QGemm, QAttention,
 *    DynamicQuantizeMatMul, MatMulIntegerToFloat, the QLinear element-wise ops, GemmFloat8) compute in
 *    their quantized input type.
 *  - Weight-only operators (MatMulNBits, MatMulBnb4, MatMulFpQ4, GatherBlockQuantized, QMoE) stream
 *    n-bit weights and compute at the activation's precision; the bits come from the stored shapes.
 * Pure: works on the report and the dtypes of its tensors.
 */
import { countToNumber, type NodeQuantization, type NodeReport, type ProfileReport, type ReportDim, type TensorSummary } from '../report/reportTypes';

/** Dtype and shape of any main-graph tensor by name (initializers included). */
export type TensorLookup = (name: string) => TensorSummary | undefined;

const DEQUANTIZE = new Set(['DequantizeLinear']);
const QUANTIZE = new Set(['QuantizeLinear']);
/** MAC ops whose first two inputs are the operands (the bias, when any, follows). */
const QDQ_MAC_OPS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Einsum', 'FusedMatMul', 'Attention']);
/** Ops that only relabel a constant weight on its way from its DequantizeLinear to a MAC op. */
const WEIGHT_VIEW_OPS = new Set(['Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

/** Quantized operators: the input holding the quantized activation, and the weight input when one. */
const QUANTIZED_OPS: Readonly<Record<string, { activation: number; weight?: number }>> = {
  QLinearConv: { activation: 0, weight: 3 },
  QLinearMatMul: { activation: 0, weight: 3 },
  ConvInteger: { activation: 0, weight: 1 },
  MatMulInteger: { activation: 0, weight: 1 },
  MatMulInteger16: { activation: 0, weight: 1 },
  QGemm: { activation: 0, weight: 3 },
  QAttention: { activation: 0, weight: 1 },
  // Quantizes A dynamically inside the kernel, against int8 weights.
  DynamicQuantizeMatMul: { activation: 0, weight: 1 },
  MatMulIntegerToFloat: { activation: 0, weight: 1 },
  GemmFloat8: { activation: 0, weight: 1 },
  QLinearAdd: { activation: 0 },
  QLinearMul: { activation: 0 },
  QLinearSigmoid: { activation: 0 },
  QLinearLeakyRelu: { activation: 0 },
  QLinearSoftmax: { activation: 0 },
  QLinearAveragePool: { activation: 0 },
  QLinearGlobalAveragePool: { activation: 0 },
  QLinearConcat: { activation: 2 },
  QLinearWhere: { activation: 1 },
};

/** Weight-only operators: the activation input and the packed weight input. */
const WEIGHT_ONLY_OPS: Readonly<Record<string, { activation: number; weight: number }>> = {
  MatMulNBits: { activation: 0, weight: 1 },
  MatMulBnb4: { activation: 0, weight: 1 },
  MatMulFpQ4: { activation: 0, weight: 1 },
  GatherBlockQuantized: { activation: 2, weight: 0 },
  QMoE: { activation: 0, weight: 2 },
};

const BITS: Readonly<Record<string, number>> = {
  int8: 8, uint8: 8, int16: 16, uint16: 16, int4: 4, uint4: 4, int2: 2, uint2: 2, int32: 32,
  float8e4m3fn: 8, float8e4m3fnuz: 8, float8e5m2: 8, float8e5m2fnuz: 8, float8e8m0: 8, float4e2m1: 4,
  float16: 16, bfloat16: 16, float: 32, double: 64,
};
const isFloat8 = (d: string) => d.startsWith('float8');
const isQuantizedDtype = (d: string) => BITS[d] !== undefined && BITS[d] <= 16 && d !== 'float16' && d !== 'bfloat16';

/** What a DequantizeLinear feeding an operand says about it. */
interface Dequantized {
  readonly dq: NodeReport;
  /** The stored (quantized) tensor and its dtype. */
  readonly source: string;
  readonly dtype: string;
  /** The source is a weight (an initializer or computed from initializers only). */
  readonly isWeight: boolean;
  /** 'per-tensor', 'per-channel', 'block 32'...; with the MX/NV format name for block-scaled FP4/FP8. */
  readonly scales: string;
}

class Dataflow {
  readonly nodes: readonly NodeReport[];
  private readonly producerOf = new Map<string, NodeReport>();
  private readonly consumersOf = new Map<string, NodeReport[]>();
  private readonly graphInputs: ReadonlyMap<string, TensorSummary>;
  readonly graphOutputs: ReadonlySet<string>;

  constructor(readonly report: ProfileReport, private readonly lookup: TensorLookup) {
    this.nodes = report.nodes.filter((n) => n.graphPath === '');
    this.graphInputs = new Map(report.graphInputs.map((t) => [t.name, t]));
    this.graphOutputs = new Set(report.graphOutputs.map((t) => t.name));
    for (const n of this.nodes) {
      const constant = n.opType === 'Constant' || (n.inputs.length > 0 && n.inputs.every((i) => i === '' || this.isConstant(i)));
      for (const o of n.outputs) {
        this.producerOf.set(o.name, n);
        if (constant) this.computedConstants.add(o.name);
      }
      for (const i of n.inputs) {
        if (!i) continue;
        const list = this.consumersOf.get(i);
        if (list) list.push(n);
        else this.consumersOf.set(i, [n]);
      }
    }
  }

  producer(name: string): NodeReport | undefined {
    return this.producerOf.get(name);
  }

  consumers(name: string): readonly NodeReport[] {
    return this.consumersOf.get(name) ?? [];
  }

  tensor(name: string): TensorSummary | undefined {
    const p = this.producerOf.get(name);
    return p?.outputs.find((o) => o.name === name) ?? this.graphInputs.get(name) ?? this.lookup(name);
  }

  dtype(name: string): string | undefined {
    const d = this.tensor(name)?.dtype;
    return d === undefined || d === 'unknown' ? undefined : d;
  }

  /** Node outputs computed from initializers and Constants only, found in graph (topological) order. */
  private readonly computedConstants = new Set<string>();

  /** An initializer, a Constant's output, or computed from those only. */
  isConstant(name: string): boolean {
    if (this.graphInputs.has(name)) return false;
    return !this.producerOf.has(name) || this.computedConstants.has(name);
  }

  /** The DequantizeLinear an operand comes from, looking through views of a constant weight. */
  dequantized(name: string): Dequantized | undefined {
    let current = name;
    for (let step = 0; step < 4; step++) {
      const p = this.producerOf.get(current);
      if (!p) return undefined;
      if (DEQUANTIZE.has(p.opType)) return this.describe(p);
      if (!WEIGHT_VIEW_OPS.has(p.opType) || !p.inputs[0] || !this.isConstant(p.inputs[0])) return undefined;
      current = p.inputs[0];
    }
    return undefined;
  }

  private describe(dq: NodeReport): Dequantized | undefined {
    const source = dq.inputs[0];
    const dtype = source ? this.dtype(source) : undefined;
    if (!source || !dtype || !isQuantizedDtype(dtype)) return undefined;
    return { dq, source, dtype, isWeight: this.isConstant(source), scales: this.scales(dq, source) };
  }

  /** Granularity of a DequantizeLinear's scale: per tensor, per axis, or blocked (opset 21+). */
  private scales(dq: NodeReport, source: string): string {
    const scale = dq.inputs[1] ? this.tensor(dq.inputs[1]) : undefined;
    const x = this.tensor(source);
    if (!scale || scale.shape === null) return 'scales';
    const dims = scale.shape;
    if (dims.every((d) => d === 1) || dims.length === 0) return 'per-tensor';
    if (dims.length === 1) return 'per-channel';
    const block = blockSize(x?.shape ?? null, dims);
    const scaleDtype = this.scaleSourceDtype(dq.inputs[1]);
    return block === undefined ? 'blocked' : `block ${block}${formatName(x?.dtype, scaleDtype, block)}`;
  }

  /** The stored dtype of a scale: its own, or the one it was dequantized from (NVFP4's two-level scales). */
  private scaleSourceDtype(name: string): string | undefined {
    const p = this.producerOf.get(name);
    if (p && DEQUANTIZE.has(p.opType) && p.inputs[0]) return this.dtype(p.inputs[0]);
    return this.dtype(name);
  }
}

/** Elements per scale along the one axis where a blocked scale is shorter than its tensor. */
function blockSize(x: readonly ReportDim[] | null, scale: readonly ReportDim[]): number | undefined {
  if (!x || x.length !== scale.length) return undefined;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = scale[i];
    if (typeof a === 'number' && typeof b === 'number' && a !== b && b > 0) return Math.ceil(a / b);
  }
  return undefined;
}

/** OCP microscaling and NVIDIA's FP4 formats, named from the element type, the scale type and the block. */
function formatName(element: string | undefined, scale: string | undefined, block: number): string {
  if (element === 'float4e2m1' && scale === 'float8e8m0' && block === 32) return ' (MXFP4)';
  if (element === 'float4e2m1' && scale === 'float8e4m3fn' && block === 16) return ' (NVFP4)';
  if (element !== undefined && isFloat8(element) && scale === 'float8e8m0' && block === 32) return ' (MXFP8)';
  if (element === 'int8' && scale === 'float8e8m0' && block === 32) return ' (MXINT8)';
  return '';
}

/**
 * The dtype a kernel computes in when its two operands arrive in `a` and `w`: 8-bit integers meet in int8,
 * float8 in float8 (E4M3 unless both are E5M2), 4-bit in 4-bit; a 4-bit weight against an 8-bit activation
 * computes in the activation's type (W4A8).
 */
function combined(a: string, w: string): string {
  if (isFloat8(a) || isFloat8(w) || a === 'float4e2m1' || w === 'float4e2m1') {
    if (a === 'float4e2m1' && w === 'float4e2m1') return 'float4e2m1';
    if (isFloat8(a) && isFloat8(w) && a === w) return a;
    return isFloat8(a) ? a : isFloat8(w) ? w : 'float8e4m3fn';
  }
  const bits = Math.max(BITS[a] ?? 8, BITS[w] ?? 8);
  return bits <= 4 ? 'int4' : bits <= 8 ? 'int8' : 'int16';
}

function describeWeights(d: Dequantized | undefined, name: string): string {
  return d ? `${d.dtype} ${name} (${d.scales})` : '';
}

/** The effective precision of one node, or undefined when its tensors' dtypes already say it. */
function classify(n: NodeReport, flow: Dataflow, quantized: ReadonlyMap<number, NodeQuantization>): { q: NodeQuantization; computeDtype: string; note: string } | undefined {
  const graphComputeDtype = n.computeDtype;
  const op = QUANTIZED_OPS[n.opType];
  if (op) {
    const activationDtype = n.opType === 'DynamicQuantizeMatMul' ? 'int8' : (n.inputs[op.activation] ? flow.dtype(n.inputs[op.activation]) : undefined);
    if (!activationDtype) return undefined;
    const weight = op.weight !== undefined && n.inputs[op.weight] && flow.isConstant(n.inputs[op.weight]) ? flow.dtype(n.inputs[op.weight]) : undefined;
    const computeDtype = weight ? combined(activationDtype, weight) : activationDtype;
    return {
      q: { via: 'quantized-op', activationDtype, ...(weight ? { weightDtype: weight, weightBits: BITS[weight] } : {}), graphComputeDtype },
      computeDtype,
      note: `effective precision ${computeDtype}: quantized operator (${activationDtype} activations${weight ? `, ${weight} weights` : ''})`,
    };
  }
  const weightOnly = WEIGHT_ONLY_OPS[n.opType];
  if (weightOnly && n.domain === 'com.microsoft') {
    const bits = packedBits(n, weightOnly.weight, flow);
    const activationDtype = n.inputs[weightOnly.activation] ? flow.dtype(n.inputs[weightOnly.activation]) : undefined;
    const computeDtype = activationDtype && !isQuantizedDtype(activationDtype) ? activationDtype : n.computeDtype;
    return {
      q: { via: 'weight-only', ...(bits !== undefined ? { weightBits: bits, weightDtype: bits === 8 ? 'int8' : bits === 4 ? 'int4' : `${bits}-bit` } : {}), graphComputeDtype },
      computeDtype,
      note: `weight-only quantization: ${bits ?? 'n'}-bit weights, ${computeDtype} arithmetic`,
    };
  }
  if (QDQ_MAC_OPS.has(n.opType) && n.inputs.length >= 2) {
    const operands = [n.inputs[0], n.inputs[1]].map((i) => (i ? { name: i, dq: flow.dequantized(i), constant: flow.isConstant(i) } : undefined));
    if (operands.some((o) => o === undefined)) return undefined;
    const weight = operands.find((o) => o!.constant);
    const activations = operands.filter((o) => !o!.constant);
    const weightDq = weight?.dq;
    if (activations.length > 0 && activations.every((o) => o!.dq) && (weight === undefined || weightDq)) {
      const actDtype = activations.map((o) => o!.dq!.dtype).reduce((a, b) => combined(a, b));
      const computeDtype = weightDq ? combined(actDtype, weightDq.dtype) : actDtype;
      return {
        q: {
          via: 'qdq',
          activationDtype: actDtype,
          ...(weightDq ? { weightDtype: weightDq.dtype, weightBits: BITS[weightDq.dtype], weightScales: weightDq.scales } : {}),
          graphComputeDtype,
          fromQdq: true,
        },
        computeDtype,
        note: `effective precision ${computeDtype} (QDQ): ${actDtype} activations${weightDq ? ` and ${describeWeights(weightDq, 'weights')}` : ''} through DequantizeLinear; a runtime that fuses DQ → ${n.opType} → Q runs one ${computeDtype} kernel`,
      };
    }
    if (weightDq && activations.every((o) => !o!.dq)) {
      return {
        q: { via: 'weight-only', weightDtype: weightDq.dtype, weightBits: BITS[weightDq.dtype], weightScales: weightDq.scales, graphComputeDtype, fromQdq: true },
        computeDtype: n.computeDtype,
        note: `weight-only quantization (QDQ): ${describeWeights(weightDq, 'weights')} dequantized on the fly, ${n.computeDtype} arithmetic`,
      };
    }
    return undefined;
  }
  return betweenQdq(n, flow, quantized, graphComputeDtype);
}

/**
 * An op whose inputs are dequantized (or results of such ops) and whose outputs are all re-quantized, or
 * leave the graph (the last residual Add of a QDQ model): it runs on the quantized tensors.
 */
function betweenQdq(n: NodeReport, flow: Dataflow, quantized: ReadonlyMap<number, NodeQuantization>, graphComputeDtype: string) {
  if (DEQUANTIZE.has(n.opType) || QUANTIZE.has(n.opType) || n.opType === 'DynamicQuantizeLinear' || n.outputs.length === 0) return undefined;
  const data = n.inputs.filter((i) => i !== '' && !flow.isConstant(i));
  if (data.length === 0) return undefined;
  const inputDtypes: string[] = [];
  for (const i of data) {
    const d = flow.dequantized(i);
    if (d) {
      inputDtypes.push(d.dtype);
      continue;
    }
    const p = flow.producer(i);
    const q = p ? quantized.get(p.index) : undefined;
    if (q?.via !== 'qdq' || !q.activationDtype) return undefined;
    inputDtypes.push(q.activationDtype);
  }
  const requantized: string[] = [];
  for (const o of n.outputs) {
    const consumers = flow.consumers(o.name);
    if (flow.graphOutputs.has(o.name) && consumers.length === 0) continue;
    if (consumers.length === 0 || !consumers.every((c) => QUANTIZE.has(c.opType))) return undefined;
    for (const c of consumers) {
      const d = c.outputs[0]?.dtype;
      if (d && isQuantizedDtype(d)) requantized.push(d);
    }
  }
  const dtypes = requantized.length > 0 ? requantized : inputDtypes;
  const computeDtype = dtypes.reduce((a, b) => (a === b ? a : combined(a, b)));
  return {
    q: { via: 'qdq' as const, activationDtype: dtypes[0], graphComputeDtype, fromQdq: true },
    computeDtype,
    note: `effective precision ${computeDtype} (QDQ): ${requantized.length > 0 ? 'between DequantizeLinear and QuantizeLinear, runs on the quantized tensors' : 'reads dequantized tensors only, in the kernel that produces them'}`,
  };
}

/** Bits per weight value of a packed weight-only operator, from its stored bytes and logical params. */
function packedBits(n: NodeReport, weightInput: number, flow: Dataflow): number | undefined {
  const name = n.inputs[weightInput];
  const t = name ? flow.tensor(name) : undefined;
  if (!t || t.shape === null) return undefined;
  const dtypeBits = BITS[t.dtype];
  if (dtypeBits !== undefined && t.dtype !== 'uint8') return dtypeBits;
  let stored = 1;
  for (const d of t.shape) {
    if (typeof d !== 'number') return undefined;
    stored *= d;
  }
  const logical = logicalWeights(n, flow);
  if (!logical || stored <= 0) return undefined;
  const bits = Math.round((8 * stored) / logical);
  return [2, 3, 4, 8].includes(bits) ? bits : undefined;
}

/** Values the weight holds: K × N of a matmul-like node (A's last dim × the output's), per expert for QMoE. */
function logicalWeights(n: NodeReport, flow: Dataflow): number | undefined {
  const a = n.inputs[0] ? flow.tensor(n.inputs[0]) : undefined;
  const k = a?.shape?.[a.shape.length - 1];
  const out = n.outputs[0]?.shape;
  const nDim = out?.[out.length - 1];
  if (n.opType === 'GatherBlockQuantized') return countToNumber(n.params) || undefined;
  if (n.opType === 'QMoE') {
    const w = n.inputs[2] ? flow.tensor(n.inputs[2]) : undefined;
    const [experts, rows] = w?.shape ?? [];
    return typeof k === 'number' && typeof experts === 'number' && typeof rows === 'number' ? experts * rows * k : undefined;
  }
  return typeof k === 'number' && typeof nDim === 'number' ? k * nDim : undefined;
}

/**
 * Whether any main-graph node can be classified: every rule starts from a DequantizeLinear, a quantized
 * operator or a weight-only one. Most graphs hold none, and skip building the dataflow of every node.
 */
function mayBeQuantized(report: ProfileReport): boolean {
  for (const n of report.nodes) {
    if (n.graphPath !== '') continue;
    if (DEQUANTIZE.has(n.opType) || QUANTIZED_OPS[n.opType] !== undefined || (WEIGHT_ONLY_OPS[n.opType] !== undefined && n.domain === 'com.microsoft')) return true;
  }
  return false;
}

/**
 * The report with every main-graph node's effective precision: `computeDtype` as the node runs once its
 * quantization is honoured, `quantization` saying how (and the graph's own dtype), and a note saying why.
 */
export function annotateEffectivePrecision(report: ProfileReport, lookup: TensorLookup): ProfileReport {
  if (!mayBeQuantized(report)) return report;
  const flow = new Dataflow(report, lookup);
  const found = new Map<number, NodeQuantization>();
  const changed = new Map<number, NodeReport>();
  for (const n of flow.nodes) {
    const c = classify(n, flow, found);
    if (!c) continue;
    found.set(n.index, c.q);
    changed.set(n.index, { ...n, computeDtype: c.computeDtype, quantization: c.q, notes: [...n.notes, c.note] });
  }
  if (changed.size === 0) return report;
  return { ...report, nodes: report.nodes.map((n) => (n.graphPath === '' ? (changed.get(n.index) ?? n) : n)) };
}
