/**
 * Fused attention: ONNX Attention (opset 23+) and RotaryEmbedding (opset 23), ai.onnx.preview's
 * FlexAttention, and com.microsoft Attention, QAttention, PackedAttention, PackedMultiHeadAttention,
 * MultiHeadAttention, DecoderMaskedMultiHeadAttention, DecoderMaskedSelfAttention, GroupQueryAttention,
 * SparseAttention, PagedAttention, LongformerAttention and RotaryEmbedding, and the attention-bias producers
 * RelativePositionBias (T5) and GatedRelativePositionBias (WavLM).
 *
 * Cost convention (docs/cost-conventions.md), with B batch, N query heads, S query length, T the
 * attended (key) length, H the query/key head size and Hv the value head size:
 *  - MACs = B×N×S×T×H (Q·Kᵀ) + B×N×S×T×Hv (softmax(·)·V), plus the input projection when the op
 *    holds the QKV weights (Attention, QAttention, PackedAttention: tokens × input_hidden × (q+k+v)).
 *    FLOPs = 2 × MACs + per-score work + bias adds.
 *  - Per attention score: 1 FLOP for the scale, SOFTMAX_FLOPS (5: max, subtract, exp, sum, divide) for
 *    the softmax, 1 more when a mask or attention bias is added.
 *  - Causal (unidirectional) attention is counted over the full S × T scores, as dense kernels compute it.
 *  - The packed ops (PackedAttention, PackedMultiHeadAttention: tokens without padding) count attention over
 *    the padded batch their token_offset [B, S] describes, S × S scores per sequence: an upper bound (noted),
 *    since the real lengths are data.
 *  - SparseAttention (block-sparse GQA) counts the dense S × T scores times the layout's density, the mean over
 *    layouts of its non-zero key blocks over max_blocks² (from block_row_indices when it is a known constant;
 *    dense, an upper bound, otherwise). PagedAttention counts each token against its block table's capacity,
 *    max_blocks_per_sequence × block_size keys (an upper bound). LongformerAttention counts 2·window + 1 keys per
 *    token and both QKV projections; its global tokens are data and not counted (noted).
 *  - RelativePositionBias: T5_BUCKET_FLOPS (12: a difference, its sign and magnitude, a log, a divide, a scale and
 *    a clamp) per (query, key) position pair; each head's value is then a table lookup (bytes, no FLOPs).
 *    GatedRelativePositionBias: per (token, head) the query bias (H), the gate projection (H × D MACs and D bias
 *    adds), the pairwise sum (D), two sigmoids and the gate (3); per output element one multiply.
 *  - Where the key/value cache is a shared fixed-size buffer and the used length is only known at run
 *    time, T is the buffer length (an upper bound, noted on the node).
 *  - Rotary embedding: 3 FLOPs (2 multiplies, 1 add) per rotated element. Its cos/sin caches
 *    ([positions, rotary_dim / 2], in RotaryEmbedding or GroupQueryAttention with do_rotary) are read one
 *    row per token, as the kernels index them by position id, not whole.
 *  - FlexAttention adds the cost of its score_mod and prob_mod subgraphs, each run once on the whole
 *    [B, N, S, T] score tensor (their FLOPs; their bytes are not counted, as flex-attention kernels fuse them).
 */
import { DataType } from '../../onnx/dataType';
import { Expr, ONE_EXPR, ZERO_EXPR } from '../../shapes/expr';
import { knownConstantInts, knownScalar, numel, requireShape } from '../../shapes/shapeOps';
import type { Shape } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError, type SubgraphCost } from '../opHandler';
import { partialReads, tableRowReads } from '../partialReads';
import { FLOPS_PER_ELEMENT } from './elementwise';
import { recallSubgraphCost, rememberSubgraphCost, repeatedCost } from './subgraphCost';

export const SOFTMAX_FLOPS = 5;
const ROTARY_FLOPS = 3;

/** A fused attention op's rotary embedding (`do_rotary`): 3 FLOPs per rotated element of Q and K, `tokens` rows each. */
function fusedRotaryFlops(ctx: NodeContext, tokens: Expr, heads: number, kvHeads: number, headSize: Expr): Expr {
  return ctx.attrs.int('do_rotary', 0) === 1 ? tokens.mul(heads + kvHeads).mul(headSize).mul(ROTARY_FLOPS) : ZERO_EXPR;
}

/** The scaled-dot-product part common to every fused attention op. */
interface AttentionCore {
  readonly batch: Expr;
  readonly heads: Expr;
  readonly queryLength: Expr;
  readonly keyLength: Expr;
  readonly headSize: Expr;
  readonly valueHeadSize: Expr;
  readonly masked: boolean;
}

function coreCost(c: AttentionCore): { macs: Expr; flops: Expr } {
  const scores = c.batch.mul(c.heads).mul(c.queryLength).mul(c.keyLength);
  const macs = scores.mul(c.headSize.add(c.valueHeadSize));
  const perScore = 1 + SOFTMAX_FLOPS + (c.masked ? 1 : 0);
  return { macs, flops: macs.mul(2).add(scores.mul(perScore)) };
}

export function requiredHeads(ctx: NodeContext, name = 'num_heads'): number {
  const n = ctx.attrs.int(name);
  if (n === undefined || n <= 0) throw new ShapeError(`${name} must be a positive integer`);
  return n;
}

/** hidden / heads, exact: a known hidden that heads doesn't divide is an error. */
export function perHead(hidden: Expr, heads: Expr | number, what: string): Expr {
  const h = typeof heads === 'number' ? Expr.constant(heads) : heads;
  const hc = hidden.constantValue;
  const nc = h.constantValue;
  if (hc !== undefined && nc !== undefined && hc % nc !== 0n) throw new ShapeError(`${what} ${hc} is not divisible by ${nc} heads`);
  return hidden.floorDiv(h);
}

function shapeOf(ctx: NodeContext, index: number, what: string, ranks: readonly number[]): Shape {
  const s = requireShape(ctx.inputs[index], what);
  if (!ranks.includes(s.length)) throw new ShapeError(`${what} must have rank ${ranks.join(' or ')}, got ${s.length}`);
  return s;
}

const presentDtype = (ctx: NodeContext, pastIndex: number) => ctx.inputs[pastIndex]?.dtype ?? ctx.inputs[0]?.dtype;

function costWithExtras(core: AttentionCore, extraMacs: Expr, extraFlops: Expr, notes: string[]): OpCost {
  const c = coreCost(core);
  const macs = c.macs.add(extraMacs);
  return { macs, flops: c.flops.add(extraMacs.mul(2)).add(extraFlops), ...(notes.length > 0 && { notes }) };
}

// ------------------------------------------------ com.microsoft Attention / QAttention (with projection)

/** input [B, S, input_hidden] × weights [input_hidden, q + k + v]; past/present [2, B, N, P, H]. */
interface ProjectedAttention {
  readonly core: AttentionCore;
  readonly output: Shape;
  readonly present: Shape;
  readonly projectionMacs: Expr;
  readonly projectedWidth: Expr;
  readonly tokens: Expr;
  readonly notes: string[];
}

function qkvSizes(ctx: NodeContext, weights: Shape): [Expr, Expr, Expr] {
  const sizes = ctx.attrs.ints('qkv_hidden_sizes');
  if (sizes && sizes.length > 0) {
    if (sizes.length !== 3) throw new ShapeError('qkv_hidden_sizes must have 3 values');
    return [Expr.constant(sizes[0]), Expr.constant(sizes[1]), Expr.constant(sizes[2])];
  }
  const each = perHead(weights[1], 3, 'the weights width');
  return [each, each, each];
}

function projectedAttention(ctx: NodeContext, ix: { past: number; mask: readonly number[]; pastLength?: number }): ProjectedAttention {
  const x = shapeOf(ctx, 0, 'input', [3]);
  const w = shapeOf(ctx, 1, 'weights', [2]);
  const heads = requiredHeads(ctx);
  const [batch, seq] = [x[0], x[1]];
  const [q, k, v] = qkvSizes(ctx, w);
  const headSize = perHead(q, heads, 'the query hidden size');
  const valueHeadSize = perHead(v, heads, 'the value hidden size');
  const notes: string[] = [];
  const past = ctx.inputs[ix.past] ? shapeOf(ctx, ix.past, 'past', [5]) : undefined;
  const shared = ctx.attrs.int('past_present_share_buffer', 0) === 1 || (ix.pastLength !== undefined && ctx.inputs[ix.pastLength] !== undefined);
  let keyLength = seq;
  let present: Shape = [Expr.constant(2), batch, Expr.constant(heads), seq, perHead(k, heads, 'the key hidden size')];
  if (past) {
    if (shared) {
      keyLength = past[3];
      present = past;
      notes.push('the key length is the shared cache buffer length (an upper bound)');
    } else {
      keyLength = past[3].add(seq);
      present = [past[0], past[1], past[2], keyLength, past[4]];
    }
  }
  const tokens = batch.mul(seq);
  const width = q.add(k).add(v);
  return {
    core: { batch, heads: Expr.constant(heads), queryLength: seq, keyLength, headSize, valueHeadSize, masked: ix.mask.some((i) => ctx.inputs[i] !== undefined) },
    output: [batch, seq, v],
    present,
    projectionMacs: tokens.mul(x[2]).mul(width),
    projectedWidth: width,
    tokens,
    notes,
  };
}

function projectedAttentionHandler(opType: string, outputDtype: (ctx: NodeContext) => DataType | undefined, ix: { past: number; bias: number; mask: readonly number[]; pastLength?: number }): OpHandler {
  return {
    opType,
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      const a = projectedAttention(ctx, ix);
      return [
        { dtype: outputDtype(ctx), shape: a.output },
        { dtype: ctx.inputs[ix.past]?.dtype ?? outputDtype(ctx), shape: a.present },
      ];
    },
    cost: (ctx) => {
      const a = projectedAttention(ctx, ix);
      const bias = ctx.inputs[ix.bias] ? a.tokens.mul(a.projectedWidth) : ZERO_EXPR;
      return costWithExtras(a.core, a.projectionMacs, bias, a.notes);
    },
  };
}

/**
 * PackedAttention: input [tokens, input_hidden] without padding; token_offset [B, S] gives the padded
 * batch, whose S × S scores per sequence bound the attention work.
 */
function packedAttention(ctx: NodeContext): { core: AttentionCore; output: Shape; projectionMacs: Expr; bias: Expr } {
  const x = shapeOf(ctx, 0, 'input', [2]);
  const w = shapeOf(ctx, 1, 'weights', [2]);
  const offsets = shapeOf(ctx, 3, 'token_offset', [2]);
  const heads = requiredHeads(ctx);
  const [q, k, v] = qkvSizes(ctx, w);
  const width = q.add(k).add(v);
  return {
    core: {
      batch: offsets[0],
      heads: Expr.constant(heads),
      queryLength: offsets[1],
      keyLength: offsets[1],
      headSize: perHead(q, heads, 'the query hidden size'),
      valueHeadSize: perHead(v, heads, 'the value hidden size'),
      masked: ctx.inputs[5] !== undefined,
    },
    output: [x[0], v],
    projectionMacs: x[0].mul(x[1]).mul(width),
    bias: ctx.inputs[2] ? x[0].mul(width) : ZERO_EXPR,
  };
}

/**
 * PackedMultiHeadAttention: query [tokens, hidden] with key [tokens, hidden] and value [tokens, v_hidden], or packed
 * QKV [tokens, N, 3, H]; token_offset [B, S] gives the padded batch, as in PackedAttention (ONNX Runtime's
 * packed mode for BERT-like encoders). No projection: the bias (input 3) is added per token.
 */
function packedMultiHead(ctx: NodeContext): { core: AttentionCore; output: Shape; bias: Expr } {
  const q = shapeOf(ctx, 0, 'query', [2, 4]);
  const offsets = shapeOf(ctx, 4, 'token_offset', [2]);
  const heads = requiredHeads(ctx);
  let headSize: Expr;
  let valueHidden: Expr;
  let width: Expr;
  if (q.length === 4) {
    const h = q[1].constantValue;
    if (h !== undefined && h !== BigInt(heads)) throw new ShapeError(`packed QKV has ${h} heads, num_heads says ${heads}`);
    const three = q[2].constantValue;
    if (three !== undefined && three !== 3n) throw new ShapeError(`packed QKV must be [token_count, num_heads, 3, head_size], got ${three} in dim 2`);
    headSize = q[3];
    valueHidden = q[3].mul(heads);
    width = valueHidden.mul(3);
  } else {
    const v = shapeOf(ctx, 2, 'value', [2]);
    headSize = perHead(q[1], heads, 'the query hidden size');
    valueHidden = v[1];
    width = q[1].mul(2).add(v[1]);
  }
  return {
    core: {
      batch: offsets[0],
      heads: Expr.constant(heads),
      queryLength: offsets[1],
      keyLength: offsets[1],
      headSize,
      valueHeadSize: perHead(valueHidden, heads, 'the value hidden size'),
      masked: ctx.inputs[6] !== undefined,
    },
    output: [q[0], valueHidden],
    bias: ctx.inputs[3] ? q[0].mul(width) : ZERO_EXPR,
  };
}

// ------------------------------------------------ com.microsoft MultiHeadAttention / DecoderMaskedMultiHeadAttention

interface UnprojectedAttention {
  readonly core: AttentionCore;
  readonly output: Shape;
  readonly presentKey: Shape | undefined;
  readonly presentValue: Shape | undefined;
  readonly bias: Expr;
  readonly notes: string[];
}

interface MhaInputs {
  readonly bias: number;
  readonly masks: readonly number[];
  readonly pastKey: number;
  /** An input whose presence means past and present share one fixed-size buffer. */
  readonly sharedBufferInput?: number;
}

/**
 * Query [B, S, D] or packed QKV [B, S, N, 3, H]; key [B, L, D], [B, N, L, H] (a complete cache, no
 * past), or packed KV [B, L, N, 2, H]; value [B, L, Dv] or [B, N, L, Hv]; past [B, N, P, H].
 */
function unprojectedAttention(ctx: NodeContext, ix: MhaInputs): UnprojectedAttention {
  const query = shapeOf(ctx, 0, 'query', [3, 5]);
  const heads = Expr.constant(requiredHeads(ctx));
  const [batch, seq] = [query[0], query[1]];
  const notes: string[] = [];
  let headSize: Expr;
  let valueHeadSize: Expr;
  let kvLength: Expr;
  let keyIsCache = false;
  if (query.length === 5) {
    headSize = query[4];
    valueHeadSize = query[4];
    kvLength = seq;
  } else if (!ctx.inputs[1]) {
    // DecoderMaskedMultiHeadAttention's packed QKV: [B, S, 3 × D].
    headSize = perHead(query[2], heads.mul(3), 'the packed QKV width');
    valueHeadSize = headSize;
    kvLength = seq;
  } else {
    headSize = perHead(query[2], heads, 'the query hidden size');
    const key = shapeOf(ctx, 1, 'key', [3, 4, 5]);
    if (key.length === 5) {
      kvLength = key[1];
      valueHeadSize = key[4];
    } else {
      keyIsCache = key.length === 4;
      kvLength = keyIsCache ? key[2] : key[1];
      const value = shapeOf(ctx, 2, 'value', [3, 4]);
      valueHeadSize = value.length === 4 ? value[3] : perHead(value[2], heads, 'the value hidden size');
    }
  }
  const pastKey = ctx.inputs[ix.pastKey] && !keyIsCache ? shapeOf(ctx, ix.pastKey, 'past_key', [4]) : undefined;
  const pastValue = pastKey && ctx.inputs[ix.pastKey + 1] ? shapeOf(ctx, ix.pastKey + 1, 'past_value', [4]) : undefined;
  const shared = ctx.attrs.int('past_present_share_buffer', 0) === 1 || (ix.sharedBufferInput !== undefined && ctx.inputs[ix.sharedBufferInput] !== undefined);
  let keyLength = kvLength;
  let presentKey: Shape | undefined = [batch, heads, kvLength, headSize];
  let presentValue: Shape | undefined = [batch, heads, kvLength, valueHeadSize];
  if (pastKey) {
    if (shared) {
      keyLength = pastKey[2];
      presentKey = pastKey;
      presentValue = pastValue ?? [batch, heads, pastKey[2], valueHeadSize];
      notes.push('the key length is the shared cache buffer length (an upper bound)');
    } else {
      keyLength = pastKey[2].add(kvLength);
      presentKey = [pastKey[0], pastKey[1], keyLength, pastKey[3]];
      presentValue = [pastKey[0], pastKey[1], keyLength, pastValue?.[3] ?? valueHeadSize];
    }
  }
  const hidden = heads.mul(headSize);
  const valueHidden = heads.mul(valueHeadSize);
  const bias = ctx.inputs[ix.bias] ? batch.mul(seq.mul(hidden).add(kvLength.mul(hidden.add(valueHidden)))) : ZERO_EXPR;
  return {
    core: { batch, heads, queryLength: seq, keyLength, headSize, valueHeadSize, masked: ix.masks.some((i) => ctx.inputs[i] !== undefined) },
    output: [batch, seq, valueHidden],
    presentKey,
    presentValue,
    bias,
    notes,
  };
}

function unprojectedHandler(opType: string, ix: MhaInputs): OpHandler {
  return {
    opType,
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      const a = unprojectedAttention(ctx, ix);
      const dtype = ctx.inputs[0]?.dtype;
      const scores = [a.core.batch, a.core.heads, a.core.queryLength, a.core.keyLength];
      return [
        { dtype, shape: a.output },
        { dtype: presentDtype(ctx, ix.pastKey), shape: a.presentKey },
        { dtype: presentDtype(ctx, ix.pastKey + 1), shape: a.presentValue },
        { dtype, shape: scores },
      ];
    },
    cost: (ctx) => {
      const a = unprojectedAttention(ctx, ix);
      return costWithExtras(a.core, ZERO_EXPR, a.bias, a.notes);
    },
  };
}

// ------------------------------------------------ com.microsoft GroupQueryAttention

interface GroupQuery {
  readonly core: AttentionCore;
  readonly output: Shape;
  readonly present: Shape;
  readonly rotaryFlops: Expr;
  readonly notes: string[];
}

/**
 * query [B, S, N × H] (or packed [B, S, (N + 2 × kvN) × H] without key/value); past [B, kvN, P, H].
 * Present length: max(P, total) when both are known numbers; a known nonzero P otherwise (a shared
 * fixed-size buffer, as ONNX Runtime infers it); else total_sequence_length's value, else P + S.
 */
function groupQuery(ctx: NodeContext): GroupQuery {
  const query = shapeOf(ctx, 0, 'query', [3]);
  const heads = requiredHeads(ctx);
  const kvHeads = requiredHeads(ctx, 'kv_num_heads');
  const [batch, seq] = [query[0], query[1]];
  const packed = !ctx.inputs[1];
  const headSize = perHead(query[2], packed ? heads + 2 * kvHeads : heads, 'the query width');
  const kvLength = packed ? seq : shapeOf(ctx, 1, 'key', [3])[1];
  const total = knownScalar(ctx.inputs[6]);
  const past = ctx.inputs[3] ? shapeOf(ctx, 3, 'past_key', [4]) : undefined;
  const notes: string[] = [];
  let presentLength: Expr;
  const pastLength = past?.[2].constantValue;
  if (!past) presentLength = total ?? kvLength;
  else if (pastLength !== undefined && total?.constantValue !== undefined) presentLength = past[2].max(total);
  else if (pastLength !== undefined && pastLength > 0n) presentLength = past[2];
  else presentLength = total ?? past[2].add(kvLength);
  const keyLength = total ?? presentLength;
  if (!total && past && pastLength !== undefined && pastLength > 0n) notes.push('the key length is the shared cache buffer length (an upper bound)');
  const rotaryFlops = fusedRotaryFlops(ctx, batch.mul(seq), heads, kvHeads, headSize);
  return {
    core: { batch, heads: Expr.constant(heads), queryLength: seq, keyLength, headSize, valueHeadSize: headSize, masked: ctx.inputs[10] !== undefined },
    output: [batch, seq, headSize.mul(heads)],
    present: [batch, Expr.constant(kvHeads), presentLength, headSize],
    rotaryFlops,
    notes,
  };
}

// ------------------------------------------------ com.microsoft SparseAttention, PagedAttention, LongformerAttention

const PPM = 1_000_000;

/** The head size of a query [.., N·H], or of packed QKV [.., (N + 2·Nkv)·H] when no key input is given. */
function queryHeadSize(ctx: NodeContext, width: Expr, heads: number, kvHeads: number): Expr {
  return perHead(width, ctx.inputs[1] ? heads : heads + 2 * kvHeads, 'the query width');
}

/**
 * The mean share of the full key-block square a block-sparse layout keeps: nnz / max_blocks², from the CSR row
 * pointers block_row_indices [num_layout, max_blocks + 1] (their last entry is a layout's non-zero block count;
 * block_col_indices is padded with −1, so its length is not). Undefined while the pointers are not known.
 */
function layoutDensity(ctx: NodeContext): number | undefined {
  const rows = ctx.inputs[5]?.shape;
  const pointers = knownConstantInts(ctx.inputs[5]);
  if (!rows || rows.length !== 2 || !pointers) return undefined;
  const [layouts, width] = [Number(rows[0].constantValue ?? 0), Number(rows[1].constantValue ?? 0)];
  const maxBlocks = width - 1;
  if (layouts <= 0 || maxBlocks <= 0 || pointers.length !== layouts * width) return undefined;
  let nnz = 0;
  for (let l = 0; l < layouts; l++) nnz += pointers[(l + 1) * width - 1];
  const density = nnz / layouts / (maxBlocks * maxBlocks);
  if (!(density >= 0 && density <= 1)) throw new ShapeError(`block_row_indices counts ${nnz} non-zero blocks over ${layouts} layouts of ${maxBlocks}² blocks`);
  return density;
}

/**
 * SparseAttention (Phi-3-small's block-sparse GQA): query [B, S, ·], past/present key and value one shared buffer
 * [B, Nkv, max_cache, H], total_sequence_length (input 7) the attended length. The CUDA kernel computes only the
 * layout's non-zero key blocks: the dense S × T count is scaled by the layout's density when block_row_indices is
 * a known constant (head h uses layout h mod num_layout, so the layouts' mean).
 */
function sparseAttention(ctx: NodeContext): { core: AttentionCore; densityPpm?: number; output: Shape; present: Shape; rotaryFlops: Expr; notes: string[] } {
  const query = shapeOf(ctx, 0, 'query', [3]);
  const heads = requiredHeads(ctx);
  const kvHeads = requiredHeads(ctx, 'kv_num_heads');
  const [batch, seq] = [query[0], query[1]];
  const headSize = queryHeadSize(ctx, query[2], heads, kvHeads);
  const past = shapeOf(ctx, 3, 'past_key', [4]);
  const total = knownScalar(ctx.inputs[7]);
  const notes: string[] = [];
  if (!total) notes.push('the key length is the shared cache buffer length (an upper bound)');
  const density = layoutDensity(ctx);
  const keyLength = total ?? past[2];
  if (density === undefined) notes.push('block-sparse layout not known: counted dense over the key length (an upper bound)');
  else notes.push(`block-sparse: ${(density * 100).toFixed(1)}% of the key-block square computed (the layouts' non-zero blocks)`);
  const rotaryFlops = fusedRotaryFlops(ctx, batch.mul(seq), heads, kvHeads, headSize);
  return {
    core: { batch, heads: Expr.constant(heads), queryLength: seq, keyLength, headSize, valueHeadSize: headSize, masked: true },
    ...(density === undefined ? {} : { densityPpm: Math.round(density * PPM) }),
    output: [batch, seq, headSize.mul(heads)],
    present: past,
    rotaryFlops,
    notes,
  };
}

/**
 * PagedAttention (tokens packed without padding, a block-paged KV cache): query [tokens, ·]; key_cache
 * [num_blocks, block_size, Nkv, H]; block_table [B, max_blocks_per_sequence]. Each sequence's attended length is
 * data (past_seqlens); counted at the table's capacity, max_blocks_per_sequence × block_size (an upper bound).
 */
function pagedAttention(ctx: NodeContext): { core: AttentionCore; output: Shape; rotaryFlops: Expr; notes: string[] } {
  const query = shapeOf(ctx, 0, 'query', [2]);
  const heads = requiredHeads(ctx);
  const kvHeads = requiredHeads(ctx, 'kv_num_heads');
  const headSize = queryHeadSize(ctx, query[1], heads, kvHeads);
  const cache = shapeOf(ctx, 3, 'key_cache', [4]);
  const table = shapeOf(ctx, 7, 'block_table', [2]);
  const vHead = ctx.attrs.int('v_head_size', 0);
  const valueHeadSize = vHead > 0 ? Expr.constant(vHead) : headSize;
  const rotaryFlops = fusedRotaryFlops(ctx, query[0], heads, kvHeads, headSize);
  return {
    // One query row per token: tokens × N rows, each against the table's capacity of keys.
    core: { batch: query[0], heads: Expr.constant(heads), queryLength: ONE_EXPR, keyLength: table[1].mul(cache[1]), headSize, valueHeadSize, masked: true },
    output: [query[0], valueHeadSize.mul(heads)],
    rotaryFlops,
    notes: ['each sequence attended at the block table\'s capacity, max_blocks_per_sequence × block_size (an upper bound: the lengths are data)'],
  };
}

/**
 * LongformerAttention: input [B, S, D] projected twice (local and global weights [D, 3D]); each token attends the
 * `window` tokens either side of it (2W + 1 keys). The global tokens' extra rows and columns are data (`global`),
 * not counted (noted).
 */
function longformerAttention(ctx: NodeContext): { core: AttentionCore; projectionMacs: Expr; bias: Expr } {
  const x = shapeOf(ctx, 0, 'input', [3]);
  const heads = requiredHeads(ctx);
  const window = ctx.attrs.int('window', 0);
  if (!(window > 0)) throw new ShapeError('window must be a positive integer');
  const [batch, seq, hidden] = x;
  const headSize = perHead(hidden, heads, 'the hidden size');
  const tokens = batch.mul(seq);
  return {
    core: { batch, heads: Expr.constant(heads), queryLength: seq, keyLength: Expr.constant(2 * window + 1), headSize, valueHeadSize: headSize, masked: true },
    projectionMacs: tokens.mul(hidden).mul(hidden.mul(3)).mul(2),
    bias: tokens.mul(hidden.mul(3)).mul(2),
  };
}

// ------------------------------------------------ com.microsoft RelativePositionBias, GatedRelativePositionBias

const T5_BUCKET_FLOPS = 12;

/** A length input's known value, or a fresh dim. */
function lengthInput(ctx: NodeContext, index: number, hint: string): Expr {
  return knownScalar(ctx.inputs[index]) ?? ctx.fresh(hint);
}

/** RelativePositionBias (bert_defs.cc): bias_table [num_buckets, N] → [1, N, query_length, key_length]. */
const relativePositionBias: OpHandler = {
  opType: 'RelativePositionBias',
  domain: 'com.microsoft',
  sinceVersion: 1,
  infer: (ctx) => {
    const table = shapeOf(ctx, 0, 'bias_table', [2]);
    return [{ dtype: ctx.inputs[0]?.dtype, shape: [ONE_EXPR, table[1], lengthInput(ctx, 1, 'query_length'), lengthInput(ctx, 2, 'key_length')] }];
  },
  cost: (_ctx, outputs) => {
    const y = requireShape(outputs[0], 'output');
    return { flops: y[2].mul(y[3]).mul(T5_BUCKET_FLOPS) };
  },
};

/**
 * GatedRelativePositionBias (bert_defs.cc, WavLM): query_layer [B, S, N·H] (or [tokens, N·H] with token_offset
 * [B, S]), gate weight [H, D] → [B, N, S, S] = gate(query) · rel_pos.
 */
function gatedRelativePositionBias(ctx: NodeContext): { output: Shape; rows: Expr; heads: number; headSize: Expr; gate: Expr } {
  const q = shapeOf(ctx, 0, 'query_layer', [2, 3]);
  const w = shapeOf(ctx, 3, 'weight', [2]);
  const heads = requiredHeads(ctx);
  const offsets = ctx.inputs[6] ? shapeOf(ctx, 6, 'token_offset', [2]) : undefined;
  if (!offsets && q.length !== 3) throw new ShapeError('a packed query_layer [token_count, hidden] needs token_offset [batch, sequence]');
  const [batch, seq] = offsets ?? [q[0], q[1]];
  const headSize = perHead(q[q.length - 1], heads, 'the query hidden size');
  return {
    output: [batch, Expr.constant(heads), seq, seq],
    rows: q.length === 3 ? q[0].mul(q[1]) : q[0],
    heads,
    headSize,
    gate: w[1],
  };
}

const gatedRelativePositionBiasHandler: OpHandler = {
  opType: 'GatedRelativePositionBias',
  domain: 'com.microsoft',
  sinceVersion: 1,
  infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: gatedRelativePositionBias(ctx).output }],
  cost: (ctx) => {
    const g = gatedRelativePositionBias(ctx);
    const rowsByHead = g.rows.mul(g.heads);
    const macs = rowsByHead.mul(g.headSize).mul(g.gate);
    // per (token, head): query bias H, gate bias D, pairwise sum D, two sigmoids and the gate formula 3
    const perRow = g.headSize.add(g.gate.mul(2)).add(2 * FLOPS_PER_ELEMENT.Sigmoid + 3);
    return { macs, flops: macs.mul(2).add(rowsByHead.mul(perRow)).add(numel(g.output)) };
  },
};

// ------------------------------------------------ ONNX Attention (opset 23)

interface OnnxAttention {
  readonly core: AttentionCore;
  readonly output: Shape;
  readonly presentKey: Shape;
  readonly presentValue: Shape;
}

/** Q [B, qN, S, H] or [B, S, qN × H]; K [B, kvN, L, H] or [B, L, kvN × H]; V likewise with Hv; past [B, kvN, P, H]. */
function onnxAttention(ctx: NodeContext): OnnxAttention {
  const q = shapeOf(ctx, 0, 'Q', [3, 4]);
  const k = shapeOf(ctx, 1, 'K', [3, 4]);
  const v = shapeOf(ctx, 2, 'V', [3, 4]);
  if (k.length !== q.length || v.length !== q.length) throw new ShapeError(`Q, K and V must all be 3-D or all 4-D, got ranks ${q.length}, ${k.length}, ${v.length}`);
  const batch = q[0];
  let heads: Expr;
  let kvHeads: Expr;
  let seq: Expr;
  let headSize: Expr;
  let kvLength: Expr;
  let valueHeadSize: Expr;
  if (q.length === 4) {
    [heads, seq, headSize] = [q[1], q[2], q[3]];
    [kvHeads, kvLength, valueHeadSize] = [k[1], k[2], v[3]];
  } else {
    heads = Expr.constant(requiredHeads(ctx, 'q_num_heads'));
    kvHeads = Expr.constant(requiredHeads(ctx, 'kv_num_heads'));
    seq = q[1];
    headSize = perHead(q[2], heads, 'the query hidden size');
    kvLength = k[1];
    valueHeadSize = perHead(v[2], kvHeads, 'the value hidden size');
  }
  const past = ctx.inputs[4] ? shapeOf(ctx, 4, 'past_key', [4]) : undefined;
  const keyLength = past ? past[2].add(kvLength) : kvLength;
  const output = q.length === 4 ? [batch, heads, seq, valueHeadSize] : [batch, seq, heads.mul(valueHeadSize)];
  return {
    core: { batch, heads, queryLength: seq, keyLength, headSize, valueHeadSize, masked: ctx.inputs[3] !== undefined },
    output,
    presentKey: [batch, kvHeads, keyLength, headSize],
    presentValue: [batch, kvHeads, keyLength, valueHeadSize],
  };
}

// ------------------------------------------------ ai.onnx.preview FlexAttention

/** The customisation subgraphs, each taking and returning the [B, N, S, T] scores (mask_mod: early drafts). */
const FLEX_MODIFIERS = ['score_mod', 'mask_mod', 'prob_mod'] as const;

/** Q [B, qN, S, H], K [B, kvN, T, H], V [B, kvN, T, Hv] → Y [B, qN, S, Hv]; qN a multiple of kvN (GQA). */
function flexAttentionCore(ctx: NodeContext): AttentionCore {
  const q = shapeOf(ctx, 0, 'Q', [4]);
  const k = shapeOf(ctx, 1, 'K', [4]);
  const v = shapeOf(ctx, 2, 'V', [4]);
  const known = (a: Expr, b: Expr) => a.constantValue !== undefined && b.constantValue !== undefined;
  if (known(q[3], k[3]) && q[3].constantValue !== k[3].constantValue) throw new ShapeError(`Q and K head sizes differ: ${q[3]} and ${k[3]}`);
  if (known(k[1], v[1]) && k[1].constantValue !== v[1].constantValue) throw new ShapeError(`K and V head counts differ: ${k[1]} and ${v[1]}`);
  if (k[1].constantValue === 0n) throw new ShapeError('K has 0 heads');
  if (known(q[1], k[1]) && q[1].constantValue! % k[1].constantValue! !== 0n) throw new ShapeError(`${q[1]} query heads are not a multiple of ${k[1]} key/value heads`);
  return { batch: q[0], heads: q[1], queryLength: q[2], keyLength: k[2], headSize: q[3], valueHeadSize: v[3], masked: false };
}

function addSubgraphCosts(a: SubgraphCost, b: SubgraphCost): SubgraphCost {
  return {
    flops: a.flops.add(b.flops),
    macs: a.macs.add(b.macs),
    bytesRead: a.bytesRead.add(b.bytesRead),
    bytesWritten: a.bytesWritten.add(b.bytesWritten),
    uncoveredNodes: a.uncoveredNodes + b.uncoveredNodes,
  };
}

const NO_SUBGRAPH: SubgraphCost = { flops: ZERO_EXPR, macs: ZERO_EXPR, bytesRead: ZERO_EXPR, bytesWritten: ZERO_EXPR, uncoveredNodes: 0 };

const flexAttention: OpHandler = {
  opType: 'FlexAttention',
  domain: 'ai.onnx.preview',
  sinceVersion: 1,
  infer: (ctx) => {
    const c = flexAttentionCore(ctx);
    const scores: Shape = [c.batch, c.heads, c.queryLength, c.keyLength];
    // The modifiers see scores in softmax_precision: float32 unless the inputs are double.
    const precision = ctx.attrs.int('softmax_precision') ?? (ctx.inputs[0]?.dtype === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT);
    let modifiers = NO_SUBGRAPH;
    for (const name of FLEX_MODIFIERS) {
      const g = ctx.attrs.graph(name);
      if (!g) continue;
      const run = ctx.inferSubgraph(g, [{ name: g.inputs[0]?.name ?? name, dtype: precision as DataType, shape: scores }], name);
      modifiers = addSubgraphCosts(modifiers, run.cost);
    }
    rememberSubgraphCost(ctx, repeatedCost(modifiers, ONE_EXPR));
    return [{ dtype: ctx.inputs[2]?.dtype, shape: [c.batch, c.heads, c.queryLength, c.valueHeadSize] }];
  },
  cost: (ctx) => {
    const core = coreCost(flexAttentionCore(ctx));
    const modifiers = recallSubgraphCost(ctx);
    return { macs: core.macs.add(modifiers.macs ?? ZERO_EXPR), flops: core.flops.add(modifiers.flops), ...(modifiers.notes?.length ? { notes: modifiers.notes } : {}) };
  },
};

// ------------------------------------------------ RotaryEmbedding

/** FLOPs of rotating `input`: rotary_embedding_dim of each head when given, else every element. */
function rotaryCost(ctx: NodeContext, input: Shape, heads: Expr | undefined): OpCost {
  const elements = numel(input);
  const rotaryDim = ctx.attrs.int('rotary_embedding_dim', 0);
  if (rotaryDim > 0) {
    const headSize = input.length === 4 ? input[3] : heads && perHead(input[input.length - 1], heads, 'the hidden size');
    if (headSize) return { flops: elements.floorDiv(headSize).mul(rotaryDim).mul(ROTARY_FLOPS) };
  }
  return { flops: elements.mul(ROTARY_FLOPS) };
}

/**
 * A rotation reads one cos and one sin row per token from its [positions, rotary_dim / 2] caches (the
 * kernel indexes them by position id), not the whole tables; caches already gathered per token are read whole.
 * The caches are tables computed from the position, not learned: they take memory but hold no parameters
 * (the framework's model keeps them as buffers, so published parameter counts leave them out).
 */
function rotaryCacheReads(ctx: NodeContext, cacheInputs: readonly number[], tokens: Expr): Partial<OpCost> {
  const rows = tableRowReads(ctx, cacheInputs, tokens);
  const logicalWeightElements: (Expr | undefined)[] = [];
  for (const i of cacheInputs) logicalWeightElements[i] = ZERO_EXPR;
  return { ...(rows.size > 0 ? partialReads(ctx, rows) : {}), logicalWeightElements };
}

/** `cacheInputs`: the cos_cache and sin_cache input indices (com.microsoft: 2, 3; ONNX: 1, 2). */
function rotaryHandler(domain: string, sinceVersion: number, cacheInputs: readonly number[]): OpHandler {
  return {
    opType: 'RotaryEmbedding',
    domain,
    sinceVersion,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: shapeOf(ctx, 0, 'input', [3, 4]) }],
    cost: (ctx) => {
      const heads = ctx.attrs.int('num_heads', 0);
      const input = shapeOf(ctx, 0, 'input', [3, 4]);
      const tokens = input.length === 4 ? input[0].mul(input[2]) : input[0].mul(input[1]);
      return { ...rotaryCost(ctx, input, heads > 0 ? Expr.constant(heads) : undefined), ...rotaryCacheReads(ctx, cacheInputs, tokens) };
    },
  };
}

export const attentionOps: readonly OpHandler[] = [
  flexAttention,
  // input, weights, bias, mask_index, past, attention_bias, past_sequence_length.
  projectedAttentionHandler('Attention', (ctx) => ctx.inputs[0]?.dtype, { past: 4, bias: 2, mask: [3, 5], pastLength: 6 }),
  // input, weight, bias, input_scale, weight_scale, mask_index, input_zero_point, weight_zero_point, past → float.
  projectedAttentionHandler('QAttention', (ctx) => ctx.inputs[3]?.dtype, { past: 8, bias: 2, mask: [5] }),
  {
    opType: 'PackedAttention',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: packedAttention(ctx).output }],
    cost: (ctx) => {
      const a = packedAttention(ctx);
      return costWithExtras(a.core, a.projectionMacs, a.bias, ['attention counted over the padded batch (token_offset), an upper bound']);
    },
  },
  {
    // query, key, value, bias, token_offset, cumulative_sequence_length, attention_bias.
    opType: 'PackedMultiHeadAttention',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: packedMultiHead(ctx).output }],
    cost: (ctx) => {
      const a = packedMultiHead(ctx);
      return costWithExtras(a.core, ZERO_EXPR, a.bias, ['attention counted over the padded batch (token_offset), an upper bound']);
    },
  },
  // query, key, value, bias, key_padding_mask, attention_bias, past_key, past_value, past_sequence_length.
  unprojectedHandler('MultiHeadAttention', { bias: 3, masks: [4, 5], pastKey: 6, sharedBufferInput: 8 }),
  // query, key, value, mask_index, attention_bias, past_key, past_value, past_sequence_length, beam_width, cache_indirection, bias.
  unprojectedHandler('DecoderMaskedMultiHeadAttention', { bias: 10, masks: [3, 4], pastKey: 5 }),
  {
    opType: 'GroupQueryAttention',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      const g = groupQuery(ctx);
      return [
        { dtype: ctx.inputs[0]?.dtype, shape: g.output },
        { dtype: presentDtype(ctx, 3), shape: g.present },
        { dtype: presentDtype(ctx, 4), shape: g.present },
      ];
    },
    cost: (ctx) => {
      const g = groupQuery(ctx);
      const rotary = ctx.attrs.int('do_rotary', 0) === 1 ? rotaryCacheReads(ctx, [7, 8], g.core.batch.mul(g.core.queryLength)) : {};
      return { ...costWithExtras(g.core, ZERO_EXPR, g.rotaryFlops, g.notes), ...rotary };
    },
  },
  // input, weights, bias, mask_index, past, attention_bias, past_sequence_length, beam_width, cache_indirection;
  // one token per step, the output typed as the bias.
  projectedAttentionHandler('DecoderMaskedSelfAttention', (ctx) => ctx.inputs[2]?.dtype, { past: 4, bias: 2, mask: [3, 5], pastLength: 6 }),
  {
    opType: 'SparseAttention',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      const a = sparseAttention(ctx);
      return [
        { dtype: ctx.inputs[0]?.dtype, shape: a.output },
        { dtype: ctx.inputs[3]?.dtype, shape: a.present },
        { dtype: ctx.inputs[4]?.dtype, shape: ctx.inputs[4]?.shape ?? a.present },
      ];
    },
    cost: (ctx) => {
      const a = sparseAttention(ctx);
      // The layout's density scales the dense count, rounded once at the end (parts per million).
      const c = coreCost(a.core);
      const kept = (e: Expr) => (a.densityPpm === undefined ? e : e.mul(a.densityPpm).floorDiv(PPM));
      return { macs: kept(c.macs), flops: kept(c.flops).add(a.rotaryFlops), notes: a.notes };
    },
  },
  {
    opType: 'PagedAttention',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => {
      const a = pagedAttention(ctx);
      return [
        { dtype: ctx.inputs[0]?.dtype, shape: a.output },
        { dtype: ctx.inputs[3]?.dtype, shape: ctx.inputs[3]?.shape },
        { dtype: ctx.inputs[4]?.dtype, shape: ctx.inputs[4]?.shape },
      ];
    },
    cost: (ctx) => {
      const a = pagedAttention(ctx);
      return costWithExtras(a.core, ZERO_EXPR, a.rotaryFlops, a.notes);
    },
  },
  {
    opType: 'LongformerAttention',
    domain: 'com.microsoft',
    sinceVersion: 1,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype, shape: shapeOf(ctx, 0, 'input', [3]) }],
    cost: (ctx) => {
      const a = longformerAttention(ctx);
      return costWithExtras(a.core, a.projectionMacs, a.bias, ['global tokens (the `global` input) not counted: which attend globally is data']);
    },
  },
  relativePositionBias,
  gatedRelativePositionBiasHandler,
  rotaryHandler('com.microsoft', 1, [2, 3]),
  rotaryHandler('', 23, [1, 2]),
  {
    opType: 'Attention',
    domain: '',
    sinceVersion: 23,
    infer: (ctx) => {
      const a = onnxAttention(ctx);
      const dtype = ctx.inputs[0]?.dtype;
      const scores = [a.core.batch, a.core.heads, a.core.queryLength, a.core.keyLength];
      return [
        { dtype, shape: a.output },
        { dtype: ctx.inputs[1]?.dtype, shape: a.presentKey },
        { dtype: ctx.inputs[2]?.dtype, shape: a.presentValue },
        { dtype, shape: scores },
      ];
    },
    cost: (ctx) => costWithExtras(onnxAttention(ctx).core, ZERO_EXPR, ZERO_EXPR, []),
  },
];
