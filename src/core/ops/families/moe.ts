/**
 * Mixture of experts (com.microsoft MoE, QMoE and ShardedMoE): each token is routed to its top-k experts, each
 * expert an FFN of two or three matrices (fc1, fc2, and fc3 for a separately gated SwiGLU).
 * ShardedMoE (one rank of expert parallelism) holds L of the E experts: under uniform routing it computes
 * tokens × k × L / E of the (token, expert) pairs, so that share replaces tokens × k below.
 *
 * Cost convention (docs/cost-conventions.md): only the ACTIVE experts count.
 *  - MACs = tokens × k × (hidden × fc1 outputs + inter × hidden [+ hidden × inter for fc3]); the
 *    per-expert term is each expert matrix's element count (unpacked for QMoE), so it holds for every
 *    weight layout the op has had. FLOPs = 2 × MACs
 *  - + the activation per active (token, expert) over inter elements (relu 1, gelu Gelu, silu
 *    Sigmoid + 1, swiglu Sigmoid + 6 with its clamps), 1 per gate product when fc3 is present, the bias adds;
 *  - + combining: 2 per (token, expert, hidden element) (weight and accumulate);
 *  - + routing: top-k selection over the experts, ⌈log2(k + 1)⌉ comparisons per (token, expert), and
 *    2 per selected expert when normalize_routing_weights is set.
 * Params are all experts' weights, counted as the values they hold: a QMoE uint8 weight with
 * expert_weight_bits 4 (or an FP4 quant_type) packs two per byte, so its params are twice its stored bytes;
 * scales and zero points are weight bytes, not params. Weight bytes read are those of the experts a batch can
 * touch: min(experts, tokens × k) of them.
 * Activation bytes: besides its inputs and output, the op moves what passes between its kernels, each written once
 * and read once at the input's width: the tokens gathered into expert order (active × hidden), fc1's activated
 * output that fc2 reads (active × inter), and fc2's per-expert rows before their weighted sum (active × hidden).
 * Every MoE runtime runs the experts as two grouped GEMMs between a gather and a weighted scatter (ONNX Runtime's
 * and TensorRT-LLM's CutlassMoeFCRunner, vLLM's fused_moe with its intermediate caches).
 * A note on the node gives `top-K of E experts` and the share of expert MACs that is active, for hints.
 */
import { elementsBytes, tensorBytes } from '../../analysis/graphInference';
import { bitsOf, DataType } from '../../onnx/dataType';
import { Expr, ONE_EXPR, sum } from '../../shapes/expr';
import { numel, requireShape } from '../../shapes/shapeOps';
import type { Shape, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError } from '../opHandler';
import { FLOPS_PER_ELEMENT } from './elementwise';

/** Where the expert tensors sit among the inputs of each op. */
interface ExpertInputs {
  readonly weights: readonly number[];
  readonly biases: readonly number[];
  /** ShardedMoE: the weights hold this rank's experts only (their leading dim), router_probs all of them. */
  readonly sharded?: boolean;
}

const MOE_INPUTS: ExpertInputs = { weights: [2, 4, 6], biases: [3, 5, 7] };
const SHARDED_MOE_INPUTS: ExpertInputs = { ...MOE_INPUTS, sharded: true };
// QMoE: input, router_probs, then (weights, scales, bias) for fc1, fc2, fc3, then zero points and extras.
const QMOE_INPUTS: ExpertInputs = { weights: [2, 5, 8], biases: [4, 7, 10] };

const ACTIVATION_FLOPS: Readonly<Record<string, number>> = {
  relu: FLOPS_PER_ELEMENT.Relu,
  gelu: FLOPS_PER_ELEMENT.Gelu,
  silu: FLOPS_PER_ELEMENT.Sigmoid + 1,
  swiglu: FLOPS_PER_ELEMENT.Sigmoid + 6, // G·sigmoid(αG)·(L + β) with two clamps
  identity: 0,
};

/** Logical values per stored element of QMoE's weights: uint8 packs 8/bits integers, or two FP4 values. */
function valuesPerElement(ctx: NodeContext, weight: TensorInfo): number {
  if (weight.dtype !== DataType.UINT8) return weight.dtype === undefined ? 1 : Math.max(1, 8 / bitsOf(weight.dtype));
  if (ctx.node.opType !== 'QMoE') return 1;
  const quantType = ctx.attrs.string('quant_type', 'int');
  if (quantType === 'fp4' || quantType === 'nvfp4' || quantType === 'wfp4afp8') return 2;
  return 8 / ctx.attrs.int('expert_weight_bits', 4);
}

interface MoeDims {
  readonly tokens: Expr;
  readonly hidden: Expr;
  readonly experts: Expr;
  /** Experts whose weights the node holds: all of them, or one shard's (ShardedMoE). */
  readonly held: Expr;
  readonly k: number;
  /** Per expert, the logical element count of each present expert matrix (fc1, fc2, fc3). */
  readonly matrixSizes: readonly Expr[];
  readonly inter: Expr;
  readonly hasFc3: boolean;
}

function moeDims(ctx: NodeContext, layout: ExpertInputs): MoeDims {
  const input = requireShape(ctx.inputs[0], 'input');
  if (input.length !== 2 && input.length !== 3) throw new ShapeError(`input must be [tokens, hidden] or [batch, sequence, hidden], got rank ${input.length}`);
  const hidden = input[input.length - 1];
  const tokens = numel(input.slice(0, -1));
  if (hidden.constantValue === 0n) throw new ShapeError('the hidden size is 0');
  const router = requireShape(ctx.inputs[1], 'router_probs');
  if (router.length === 0) throw new ShapeError('router_probs must end in its experts dim, got a scalar');
  const experts = router[router.length - 1];
  if (experts.constantValue === 0n) throw new ShapeError('router_probs has 0 experts');
  const held = layout.sharded ? (requireShape(ctx.inputs[layout.weights[0]], 'fc1_experts_weights')[0] ?? experts) : experts;
  if (held.constantValue === 0n) throw new ShapeError('fc1_experts_weights holds 0 experts');
  const matrixSizes: Expr[] = [];
  layout.weights.forEach((index, i) => {
    const w = ctx.inputs[index];
    if (!w) {
      if (i < 2) throw new ShapeError(`fc${i + 1}_experts_weights is missing`);
      return;
    }
    matrixSizes.push(perExpertElements(requireShape(w, `fc${i + 1}_experts_weights`), held, i).mul(valuesPerElement(ctx, w)));
  });
  const k = ctx.attrs.int('k', 1);
  if (k < 1) throw new ShapeError(`k must be at least 1, got ${k}`);
  const e = experts.asNumber;
  if (e !== undefined && k > e) throw new ShapeError(`top-${k} of only ${e} experts`);
  return { tokens, hidden, experts, held, k, matrixSizes, inter: matrixSizes[1].floorDiv(hidden), hasFc3: matrixSizes.length > 2 };
}

function perExpertElements(weight: Shape, experts: Expr, matrix: number): Expr {
  if (weight.length !== 3) throw new ShapeError(`fc${matrix + 1}_experts_weights must be [experts, rows, columns], got rank ${weight.length}`);
  const [e, rows, columns] = weight;
  if (e.constantValue !== undefined && experts.constantValue !== undefined && e.constantValue !== experts.constantValue) {
    throw new ShapeError(`fc${matrix + 1}_experts_weights has ${e} experts, router_probs ${experts}`);
  }
  return rows.mul(columns);
}

function moeCost(ctx: NodeContext, layout: ExpertInputs): OpCost {
  const d = moeDims(ctx, layout);
  const perTokenExpertMacs = sum(d.matrixSizes);
  // (token, expert) pairs this node computes: all of them, or under uniform routing the shard's share.
  const active = layout.sharded ? d.tokens.mul(d.k).mul(d.held).floorDiv(d.experts) : d.tokens.mul(d.k);
  const macs = active.mul(perTokenExpertMacs);

  const activationType = ctx.attrs.string('activation_type', 'relu');
  const activationFlops = ACTIVATION_FLOPS[activationType] ?? ACTIVATION_FLOPS.relu;
  const biasAdds = sum(
    layout.biases.map((index) => {
      const b = ctx.inputs[index];
      if (!b?.shape) return Expr.constant(0);
      const experts = b.shape[0] ?? d.held;
      if (experts.constantValue === 0n) throw new ShapeError(`input ${index}, an expert bias, holds 0 experts`);
      return numel(b.shape).floorDiv(experts);
    }),
  );
  const perActive = d.inter.mul(activationFlops + (d.hasFc3 ? 1 : 0)).add(biasAdds).add(d.hidden.mul(2));
  const selection = d.tokens.mul(d.experts).mul(Math.max(1, Math.ceil(Math.log2(d.k + 1))));
  const normalize = ctx.attrs.int('normalize_routing_weights', 0) !== 0 ? active.mul(2) : Expr.constant(0);
  const flops = macs.mul(2).add(active.mul(perActive)).add(selection).add(normalize);

  const touched = d.held.min(active);
  const weightBytesRead = sum(
    ctx.inputs.slice(2).filter((t): t is TensorInfo => t?.isWeight === true).map((t) => expertBytes(t, d.held, touched)),
  );
  const intermediateBytes = elementsBytes(ctx.inputs[0]!.dtype ?? DataType.FLOAT, active.mul(d.hidden.mul(2).add(d.inter)));
  const inputBytes = sum(ctx.inputs.filter((t): t is TensorInfo => t !== undefined && !t.isWeight).map((t) => tensorBytes(t) ?? Expr.constant(0)));
  // The output has the input's shape and dtype (the handler's infer).
  const outputBytes = tensorBytes(ctx.inputs[0]) ?? Expr.constant(0);
  const e = d.experts.asNumber;
  const shard = layout.sharded ? ` (${d.held.toString()} on this shard)` : '';
  const note = `MoE: top-${d.k} of ${e ?? d.experts.toString()} experts${shard} per token; MACs count the active experts only (${d.k}/${e ?? d.experts.toString()} of the expert MACs if every expert ran: ${d.tokens.mul(d.experts).mul(perTokenExpertMacs)})`;
  return {
    flops,
    macs,
    weightBytesRead,
    activationBytesRead: inputBytes.add(intermediateBytes),
    bytesWritten: outputBytes.add(intermediateBytes),
    notes: [note],
    logicalWeightElements: logicalExpertWeights(ctx, layout),
  };
}

/** Index-aligned with the inputs: the values each expert weight tensor holds (unpacked). */
function logicalExpertWeights(ctx: NodeContext, layout: ExpertInputs): (Expr | undefined)[] {
  const logical: (Expr | undefined)[] = [];
  for (const index of layout.weights) {
    const w = ctx.inputs[index];
    if (w?.shape) logical[index] = numel(w.shape).mul(valuesPerElement(ctx, w));
  }
  return logical;
}

/** Bytes of one expert tensor that the touched experts read: its per-expert slice × the experts touched. */
function expertBytes(t: TensorInfo, experts: Expr, touched: Expr): Expr {
  if (!t.shape || t.dtype === undefined) return Expr.constant(0);
  const elements = numel(t.shape);
  const leading = t.shape[0] ?? ONE_EXPR;
  const isPerExpert = leading.equals(experts);
  const bytes = elementsBytes(t.dtype, elements);
  return isPerExpert ? bytes.floorDiv(experts).mul(touched) : bytes;
}

function moeHandler(opType: string, layout: ExpertInputs): OpHandler {
  return {
    opType,
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      moeDims(ctx, layout);
      return [{ dtype: ctx.inputs[0]!.dtype, shape: requireShape(ctx.inputs[0], 'input') }];
    },
    cost: (ctx) => moeCost(ctx, layout),
  };
}

export const moeOps: readonly OpHandler[] = [
  moeHandler('MoE', MOE_INPUTS),
  moeHandler('QMoE', QMOE_INPUTS),
  moeHandler('ShardedMoE', SHARDED_MOE_INPUTS),
];
