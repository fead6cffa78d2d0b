/**
 * The token mixers of hybrid decoders (Qwen3.5's Gated DeltaNet, Mamba, RWKV, RetNet): ONNX LinearAttention
 * and CausalConvWithState (opset 27), and ONNX Runtime's com.microsoft versions of both (the same signatures,
 * plus LinearAttention's state_window and inverse GQA).
 *
 * Cost convention (docs/cost-conventions.md). LinearAttention, with B batch, T tokens, Hq query heads, Hkv
 * key/value heads (each holding a d_k × d_v state S), Hout = max(Hq, Hkv) output heads, counted in the
 * recurrent form the spec defines, per token:
 *  - readout o = scale · qᵀS: Hout × d_k × d_v MACs, plus Hout × d_v for the scale;
 *  - state update: linear and gated S += k ⊗ v: Hkv × d_k × d_v MACs; delta and gated_delta compute Sᵀk first
 *    (another Hkv × d_k × d_v MACs) and β(v − Sᵀk) (2 × Hkv × d_v) before the outer product;
 *  - gated and gated_delta decay the state, exp(g) · S: Hkv × d_k × d_v, plus Exp per decay element
 *    (per head, or per key dimension for GLA-style decay).
 *  FLOPs = 2 × MACs + the rest, × B × T. Chunk-parallel prefill kernels do extra intra-chunk work that the
 *  recurrence does not need (about T × chunk_size × (d_k + d_v) MACs per head); it is not counted.
 * CausalConvWithState (depthwise, causal, with a k − 1 carry state): MACs = output elements × kernel size,
 * FLOPs = 2 × MACs + the bias add + SiLU (Sigmoid + 1) per output element when activation is silu/swish.
 * Both read their past state and write their present state in full.
 */
import { Expr, product, ZERO_EXPR } from '../../shapes/expr';
import { numel, requireShape } from '../../shapes/shapeOps';
import type { Shape } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError } from '../opHandler';
import { perHead, requiredHeads } from './attention';
import { FLOPS_PER_ELEMENT } from './elementwise';

const MS = 'com.microsoft';

/** What each update rule adds to plain linear attention. */
const UPDATE_RULES: Readonly<Record<string, { readonly gated: boolean; readonly delta: boolean }>> = {
  linear: { gated: false, delta: false },
  gated: { gated: true, delta: false },
  delta: { gated: false, delta: true },
  gated_delta: { gated: true, delta: true },
};

interface LinearAttentionDims {
  readonly batch: Expr;
  readonly tokens: Expr;
  readonly queryHeads: Expr;
  readonly kvHeads: Expr;
  readonly keySize: Expr;
  readonly valueSize: Expr;
  readonly rule: { readonly gated: boolean; readonly delta: boolean };
  /** Decay values per token: per KV head, or per key dimension of each KV head. */
  readonly decayPerToken: Expr;
  /** state_window (com.microsoft): the states keep W trailing per-token slots. */
  readonly window: number;
}

function packed(ctx: NodeContext, index: number, what: string): Shape {
  const s = requireShape(ctx.inputs[index], what);
  if (s.length !== 3) throw new ShapeError(`${what} must be [batch, tokens, heads × size], got rank ${s.length}`);
  return s;
}

function linearAttentionDims(ctx: NodeContext): LinearAttentionDims {
  const query = packed(ctx, 0, 'query');
  packed(ctx, 1, 'key');
  const value = packed(ctx, 2, 'value');
  const q = requiredHeads(ctx, 'q_num_heads');
  const kv = requiredHeads(ctx, 'kv_num_heads');
  const ruleName = ctx.attrs.string('update_rule', 'gated_delta');
  const rule = UPDATE_RULES[ruleName];
  if (!rule) throw new ShapeError(`update_rule must be one of ${Object.keys(UPDATE_RULES).join(', ')}, got '${ruleName}'`);
  if (rule.gated && !ctx.inputs[4]) throw new ShapeError(`update_rule '${ruleName}' needs the decay input`);
  if (rule.delta && !ctx.inputs[5]) throw new ShapeError(`update_rule '${ruleName}' needs the beta input`);
  const keySize = perHead(query[2], q, 'the query width');
  const decay = rule.gated ? packed(ctx, 4, 'decay')[2] : ZERO_EXPR;
  return {
    batch: query[0],
    tokens: query[1],
    queryHeads: Expr.constant(q),
    kvHeads: Expr.constant(kv),
    keySize,
    valueSize: perHead(value[2], kv, 'the value width'),
    rule,
    decayPerToken: decay,
    window: ctx.attrs.int('state_window', 0),
  };
}

function linearAttentionCost(ctx: NodeContext): OpCost {
  const d = linearAttentionDims(ctx);
  const outHeads = d.queryHeads.max(d.kvHeads);
  const stateCells = d.kvHeads.mul(d.keySize).mul(d.valueSize);
  const perTokenMacs = outHeads.mul(d.keySize).mul(d.valueSize).add(stateCells.mul(d.rule.delta ? 2 : 1));
  let perTokenFlops = perTokenMacs.mul(2).add(outHeads.mul(d.valueSize));
  if (d.rule.gated) perTokenFlops = perTokenFlops.add(stateCells).add(d.decayPerToken.mul(FLOPS_PER_ELEMENT.Exp));
  if (d.rule.delta) perTokenFlops = perTokenFlops.add(d.kvHeads.mul(d.valueSize).mul(2));
  const tokens = d.batch.mul(d.tokens);
  return { macs: tokens.mul(perTokenMacs), flops: tokens.mul(perTokenFlops) };
}

function linearAttention(domain: string, sinceVersion: number): OpHandler {
  return {
    opType: 'LinearAttention',
    domain,
    sinceVersion,
    infer: (ctx) => {
      const d = linearAttentionDims(ctx);
      const state: Shape = [d.batch, d.kvHeads, d.keySize, d.valueSize];
      return [
        { dtype: ctx.inputs[0]?.dtype, shape: [d.batch, d.tokens, d.queryHeads.max(d.kvHeads).mul(d.valueSize)] },
        { dtype: ctx.inputs[3]?.dtype ?? ctx.inputs[0]?.dtype, shape: d.window > 0 ? [Expr.constant(d.window), ...state] : state },
      ];
    },
    cost: linearAttentionCost,
  };
}

// ------------------------------------------------ CausalConvWithState

/** input [B, C, L...], weight [C, 1, k...]: the output keeps the input's shape; the carry state is k − 1 long. */
function causalConvDims(ctx: NodeContext): { input: Shape; kernel: Shape } {
  const input = requireShape(ctx.inputs[0], 'input');
  const weight = requireShape(ctx.inputs[1], 'weight');
  if (input.length < 3) throw new ShapeError(`input must be [batch, channels, length], got rank ${input.length}`);
  if (weight.length !== input.length) throw new ShapeError(`weight must be [channels, 1, kernel] of rank ${input.length}, got rank ${weight.length}`);
  const [wc, group] = [weight[0].constantValue, weight[1].constantValue];
  const c = input[1].constantValue;
  if (group !== undefined && group !== 1n) throw new ShapeError(`weight must be depthwise ([channels, 1, kernel]), got ${group} inputs per channel`);
  if (wc !== undefined && c !== undefined && wc !== c) throw new ShapeError(`weight has ${wc} channels, input ${c}`);
  return { input, kernel: weight.slice(2) };
}

function causalConv(domain: string, sinceVersion: number): OpHandler {
  return {
    opType: 'CausalConvWithState',
    domain,
    sinceVersion,
    infer: (ctx) => {
      const { input, kernel } = causalConvDims(ctx);
      const dtype = ctx.inputs[0]?.dtype;
      // The carry state along the causal (first spatial) axis; its other dims are the spec's only for 1-D.
      const state = input.length === 3 ? [input[0], input[1], kernel[0].sub(Expr.constant(1))] : undefined;
      return [{ dtype, shape: input }, { dtype, shape: state }];
    },
    cost: (ctx) => {
      const { input, kernel } = causalConvDims(ctx);
      const outputs = numel(input);
      const macs = outputs.mul(product(kernel));
      const activation = ctx.attrs.string('activation', 'none');
      const perOutput = (ctx.inputs[2] ? 1 : 0) + (activation === 'silu' || activation === 'swish' ? FLOPS_PER_ELEMENT.Sigmoid + 1 : 0);
      return { macs, flops: macs.mul(2).add(outputs.mul(perOutput)) };
    },
  };
}

export const linearAttentionOps: readonly OpHandler[] = [
  linearAttention('', 27),
  linearAttention(MS, 1),
  causalConv('', 27),
  causalConv(MS, 1),
];
