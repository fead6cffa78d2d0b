import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../opHandler';
import { type GraphSpec, plain, profileGraph, reportGraph, runNode, type InputSpec, type NodeSpec } from './testUtil';

const f32 = (shape: (number | string)[]): InputSpec => ({ dtype: 'float', shape });
const ms = 'com.microsoft';

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  readonly shapes: (number | string)[][];
  readonly macs: number | string;
  readonly flops: number | string;
}

// Per attention score: 1 (scale) + 5 (softmax), + 1 with a mask.
const cases: Case[] = [
  // B 2, S 8, hidden 64, 4 heads of 16. Projection 2·8·64·192 = 196,608 MACs;
  // scores 2·4·8·8 = 512, each 16 (QKᵀ) + 16 (·V) MACs = 16,384. FLOPs add 512·6 and the bias 2·8·192.
  {
    name: 'Attention (com.microsoft) with projection and bias',
    spec: { opType: 'Attention', domain: ms, inputs: [f32([2, 8, 64]), f32([64, 192]), f32([192])], attrs: { num_heads: 4 }, outputCount: 2 },
    shapes: [[2, 8, 64], [2, 2, 4, 8, 16]], macs: 196608 + 16384, flops: 2 * 212992 + 512 * 6 + 3072,
  },
  // past of 6: T = 14; scores 2·4·8·14 = 896 × 32 MACs; a mask makes 7 FLOPs per score.
  {
    name: 'Attention (com.microsoft) with past and mask',
    spec: {
      opType: 'Attention', domain: ms,
      inputs: [f32([2, 8, 64]), f32([64, 192]), undefined, { dtype: 'int32', shape: [2, 14] }, f32([2, 2, 4, 6, 16])],
      attrs: { num_heads: 4, unidirectional: 1 }, outputCount: 2,
    },
    shapes: [[2, 8, 64], [2, 2, 4, 14, 16]], macs: 196608 + 896 * 32, flops: 2 * (196608 + 28672) + 896 * 7,
  },
  // qkv_hidden_sizes 64/64/32: H 16, Hv 8; scores 512 × (16 + 8).
  {
    name: 'Attention (com.microsoft) qkv_hidden_sizes',
    spec: { opType: 'Attention', domain: ms, inputs: [f32([2, 8, 64]), f32([64, 160])], attrs: { num_heads: 4, qkv_hidden_sizes: [64, 64, 32] } },
    shapes: [[2, 8, 32], [2, 2, 4, 8, 16]], macs: 2 * 8 * 64 * 160 + 512 * 24, flops: 2 * (163840 + 12288) + 512 * 6,
  },
  // Cross attention S 10, L 20, 4 heads: H 16, Hv 8; scores 1·4·10·20 = 800 × 24 MACs.
  {
    name: 'MultiHeadAttention cross attention',
    spec: { opType: 'MultiHeadAttention', domain: ms, inputs: [f32([1, 10, 64]), f32([1, 20, 64]), f32([1, 20, 32])], attrs: { num_heads: 4 }, outputCount: 3 },
    shapes: [[1, 10, 32], [1, 4, 20, 16], [1, 4, 20, 8]], macs: 19200, flops: 38400 + 800 * 6,
  },
  // Decoding one token with a past of 5: T 6; 4·1·6 = 24 scores × 24 MACs.
  {
    name: 'MultiHeadAttention with past_key/past_value',
    spec: {
      opType: 'MultiHeadAttention', domain: ms,
      inputs: [f32([1, 1, 64]), f32([1, 1, 64]), f32([1, 1, 32]), undefined, undefined, undefined, f32([1, 4, 5, 16]), f32([1, 4, 5, 8])],
      attrs: { num_heads: 4 }, outputCount: 3,
    },
    shapes: [[1, 1, 32], [1, 4, 6, 16], [1, 4, 6, 8]], macs: 576, flops: 1152 + 24 * 6,
  },
  // Packed QKV [B 2, S 7, N 4, 3, H 16]: 2·4·7·7 = 392 scores × 32 MACs.
  { name: 'MultiHeadAttention packed QKV', spec: { opType: 'MultiHeadAttention', domain: ms, inputs: [f32([2, 7, 4, 3, 16])], attrs: { num_heads: 4 } }, shapes: [[2, 7, 64]], macs: 12544, flops: 25088 + 392 * 6 },
  // PackedMultiHeadAttention, separate Q/K/V of 11 real tokens; token_offset [3, 4] pads them to 3 sequences of 4:
  // 3·4·4·4 = 192 scores × (16 + 8) MACs; the bias adds 11·(64 + 64 + 32); an attention bias makes 7 FLOPs per score.
  {
    name: 'PackedMultiHeadAttention separate Q, K, V with bias and attention bias',
    spec: {
      opType: 'PackedMultiHeadAttention', domain: ms,
      inputs: [f32([11, 64]), f32([11, 64]), f32([11, 32]), f32([160]), { dtype: 'int32', shape: [3, 4] }, { dtype: 'int32', shape: [4] }, f32([1, 4, 4, 4])],
      attrs: { num_heads: 4 },
    },
    shapes: [[11, 32]], macs: 192 * 24, flops: 2 * 192 * 24 + 192 * 7 + 11 * 160,
  },
  // Packed QKV [tokens, N 4, 3, H 16] over a symbolic token count; 2·4·8·8 = 512 scores × 32 MACs.
  {
    name: 'PackedMultiHeadAttention packed QKV',
    spec: { opType: 'PackedMultiHeadAttention', domain: ms, inputs: [f32(['tokens', 4, 3, 16]), undefined, undefined, undefined, { dtype: 'int32', shape: [2, 8] }, { dtype: 'int32', shape: [3] }], attrs: { num_heads: 4 } },
    shapes: [['tokens', 64]], macs: 512 * 32, flops: 2 * 512 * 32 + 512 * 6,
  },
  // DecoderMaskedSelfAttention: one token, past of 5 (T 6): 2·4·1·6 = 48 scores × 32 MACs; projection 2·64·192; bias 2·192.
  {
    name: 'DecoderMaskedSelfAttention one token with past',
    spec: { opType: 'DecoderMaskedSelfAttention', domain: ms, inputs: [f32([2, 1, 64]), f32([64, 192]), f32([192]), undefined, f32([2, 2, 4, 5, 16])], attrs: { num_heads: 4 }, outputCount: 2 },
    shapes: [[2, 1, 64], [2, 2, 4, 6, 16]], macs: 24576 + 1536, flops: 2 * (24576 + 1536) + 48 * 6 + 384,
  },
  // SparseAttention, 4 query / 2 KV heads of 16, T 8 (total_sequence_length); one layout of 4 key blocks keeping 6 of
  // the 16-block square (row pointers 0,1,3,4,6): dense 1·4·8·8 = 256 scores × 32 MACs, and 7 FLOPs per score, × 0.375.
  {
    name: 'SparseAttention with a known block layout',
    spec: {
      opType: 'SparseAttention', domain: ms,
      inputs: [
        f32([1, 8, 64]), f32([1, 8, 32]), f32([1, 8, 32]), f32([1, 2, 16, 16]), f32([1, 2, 16, 16]),
        { dtype: 'int32', shape: [1, 5], value: [0, 1, 3, 4, 6] }, { dtype: 'int32', shape: [1, 6], value: [0, 0, 1, 2, 1, 3] },
        { dtype: 'int32', shape: [], value: [8] }, { dtype: 'int32', shape: [1] },
      ],
      attrs: { num_heads: 4, kv_num_heads: 2, sparse_block_size: 4 }, outputCount: 3,
    },
    shapes: [[1, 8, 64], [1, 2, 16, 16], [1, 2, 16, 16]], macs: (256 * 32 * 3) / 8, flops: ((2 * 256 * 32 + 256 * 7) * 3) / 8,
  },
  // PagedAttention: 10 packed tokens, 4 query / 2 KV heads of 16, a table of 4 blocks of 16 per sequence: each token's
  // 4 rows against 64 keys (the capacity): 2,560 scores × 32 MACs, 7 FLOPs per score.
  {
    name: 'PagedAttention counted at the block table capacity',
    spec: {
      opType: 'PagedAttention', domain: ms,
      inputs: [f32([10, 64]), f32([10, 32]), f32([10, 32]), f32([8, 16, 2, 16]), f32([8, 16, 2, 16]), { dtype: 'int32', shape: [3] }, { dtype: 'int32', shape: [2] }, { dtype: 'int32', shape: [2, 4] }],
      attrs: { num_heads: 4, kv_num_heads: 2 }, outputCount: 3,
    },
    shapes: [[10, 64], [8, 16, 2, 16], [8, 16, 2, 16]], macs: 2560 * 32, flops: 2 * 2560 * 32 + 2560 * 7,
  },
  // LongformerAttention: window 2 → 5 keys per token: 1·4·16·5 = 320 scores × 32 MACs; two projections 2·16·64·192
  // and their biases 2·16·192.
  {
    name: 'LongformerAttention local window',
    spec: {
      opType: 'LongformerAttention', domain: ms,
      inputs: [f32([1, 16, 64]), f32([64, 192]), f32([192]), f32([1, 16]), f32([64, 192]), f32([192]), { dtype: 'int32', shape: [1, 16] }],
      attrs: { num_heads: 4, window: 2 },
    },
    shapes: [[1, 16, 64]], macs: 393216 + 10240, flops: 2 * (393216 + 10240) + 320 * 7 + 6144,
  },
  // T5 RelativePositionBias: 10 × 10 position pairs, 12 FLOPs each to bucket; the 8 heads' values are lookups.
  {
    name: 'RelativePositionBias with known lengths',
    spec: { opType: 'RelativePositionBias', domain: ms, inputs: [f32([32, 8]), { dtype: 'int64', shape: [], value: [10] }, { dtype: 'int64', shape: [], value: [10] }], attrs: { max_distance: 128, is_bidirectional: 1 } },
    shapes: [[1, 8, 10, 10]], macs: 0, flops: 1200,
  },
  // GatedRelativePositionBias (WavLM): 2·5 tokens × 4 heads, gate [16, 8]: 40 · 16 · 8 MACs; per (token, head)
  // 16 + 2·8 + 23 FLOPs; one multiply per output element (2·4·5·5).
  {
    name: 'GatedRelativePositionBias',
    spec: { opType: 'GatedRelativePositionBias', domain: ms, inputs: [f32([2, 5, 64]), f32([64]), f32([1, 4, 5, 5]), f32([16, 8]), f32([8]), f32([1, 4, 1, 1])], attrs: { num_heads: 4 } },
    shapes: [[2, 4, 5, 5]], macs: 5120, flops: 10240 + 40 * 55 + 200,
  },
  // Packed: 7 real tokens of a [2, 5] padded batch.
  {
    name: 'GatedRelativePositionBias packed with token_offset',
    spec: { opType: 'GatedRelativePositionBias', domain: ms, inputs: [f32([7, 64]), f32([64]), f32([1, 4, 5, 5]), f32([16, 8]), f32([8]), f32([1, 4, 1, 1]), { dtype: 'int32', shape: [2, 5] }], attrs: { num_heads: 4 } },
    shapes: [[2, 4, 5, 5]], macs: 3584, flops: 7168 + 28 * 55 + 200,
  },
  // Key already in [B, N, L, H] (a complete cache): no concatenation with past.
  {
    name: 'MultiHeadAttention BNSH key and value',
    spec: { opType: 'MultiHeadAttention', domain: ms, inputs: [f32([1, 3, 64]), f32([1, 4, 9, 16]), f32([1, 4, 9, 16])], attrs: { num_heads: 4 } },
    shapes: [[1, 3, 64]], macs: 4 * 3 * 9 * 32, flops: 2 * 3456 + 108 * 6,
  },
  // 32 query heads of 64, 8 KV heads; past of symbolic length: T = past + 1.
  // MACs = 32 · 1 · (past + 1) · (64 + 64); FLOPs = 2·MACs + 32·(past + 1)·6.
  {
    name: 'GroupQueryAttention decoding with a growing cache',
    spec: {
      opType: 'GroupQueryAttention', domain: ms,
      inputs: [{ dtype: 'float16', shape: [1, 1, 2048] }, { dtype: 'float16', shape: [1, 1, 512] }, { dtype: 'float16', shape: [1, 1, 512] }, { dtype: 'float16', shape: [1, 8, 'past', 64] }, { dtype: 'float16', shape: [1, 8, 'past', 64] }, { dtype: 'int32', shape: [1] }, { dtype: 'int32', shape: [] }],
      attrs: { num_heads: 32, kv_num_heads: 8 },
    },
    shapes: [[1, 1, 2048], [1, 8, 'past + 1', 64], [1, 8, 'past + 1', 64]], macs: '4096 * past + 4096', flops: '8384 * past + 8384',
  },
  // Shared buffer of 4096 with total_sequence_length 100 known: present stays 4096, attention spans 100.
  {
    name: 'GroupQueryAttention shared buffer with known total length',
    spec: {
      opType: 'GroupQueryAttention', domain: ms,
      inputs: [f32([1, 1, 2048]), f32([1, 1, 512]), f32([1, 1, 512]), f32([1, 8, 4096, 64]), f32([1, 8, 4096, 64]), { dtype: 'int32', shape: [1] }, { dtype: 'int32', shape: [], value: [100] }],
      attrs: { num_heads: 32, kv_num_heads: 8 },
    },
    shapes: [[1, 1, 2048], [1, 8, 4096, 64], [1, 8, 4096, 64]], macs: 32 * 100 * 128, flops: 2 * 409600 + 3200 * 6,
  },
  // Packed QKV of (32 + 2·8)·64 = 3072; do_rotary adds 3 FLOPs × S·(32 + 8)·64.
  {
    name: 'GroupQueryAttention packed QKV with rotary, no past',
    spec: { opType: 'GroupQueryAttention', domain: ms, inputs: [f32([1, 4, 3072]), undefined, undefined, undefined, undefined, { dtype: 'int32', shape: [1] }, { dtype: 'int32', shape: [] }], attrs: { num_heads: 32, kv_num_heads: 8, do_rotary: 1 } },
    shapes: [[1, 4, 2048], [1, 8, 4, 64], [1, 8, 4, 64]], macs: 32 * 4 * 4 * 128, flops: 2 * 65536 + 512 * 6 + 4 * 40 * 64 * 3,
  },
  // ONNX Attention, 4-D: 8 query heads over 2 KV heads; scores 2·8·10·12 = 1920 × (32 + 16).
  {
    name: 'Attention (opset 23) 4-D with GQA',
    spec: { opType: 'Attention', opset: 23, inputs: [f32([2, 8, 10, 32]), f32([2, 2, 12, 32]), f32([2, 2, 12, 16])] },
    shapes: [[2, 8, 10, 16], [2, 2, 12, 32], [2, 2, 12, 16], [2, 8, 10, 12]], macs: 92160, flops: 184320 + 1920 * 6,
  },
  {
    name: 'Attention (opset 23) 3-D with past and mask',
    spec: {
      opType: 'Attention', opset: 23,
      inputs: [f32([2, 10, 256]), f32([2, 12, 64]), f32([2, 12, 32]), f32([10, 16]), f32([2, 2, 4, 32]), f32([2, 2, 4, 16])],
      attrs: { q_num_heads: 8, kv_num_heads: 2 },
    },
    shapes: [[2, 10, 128], [2, 2, 16, 32], [2, 2, 16, 16], [2, 8, 10, 16]], macs: 2 * 8 * 10 * 16 * 48, flops: 2 * 122880 + 2560 * 7,
  },
  { name: 'RotaryEmbedding (com.microsoft)', spec: { opType: 'RotaryEmbedding', domain: ms, inputs: [f32([1, 8, 512]), { dtype: 'int64', shape: [1, 8] }, f32([64, 32]), f32([64, 32])] }, shapes: [[1, 8, 512]], macs: 0, flops: 4096 * 3 },
  // Only rotary_embedding_dim 32 of each 64-wide head rotates: 2048 / 64 · 32 · 3.
  { name: 'RotaryEmbedding (opset 23) partial', spec: { opType: 'RotaryEmbedding', opset: 23, inputs: [f32([1, 4, 8, 64]), f32([8, 16]), f32([8, 16])], attrs: { rotary_embedding_dim: 32 } }, shapes: [[1, 4, 8, 64]], macs: 0, flops: 3072 },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode(c.spec);
    assert.deepEqual(r.outputs.slice(0, c.shapes.length).map((o) => o.shape), c.shapes);
    assert.equal(r.cost.macs, c.macs);
    assert.equal(r.cost.flops, c.flops);
  });
}

test('rotary caches are read one row per token, not whole', () => {
  // 2 sequences × 3 new tokens at decode read 6 of 4,096 cached rows of 32 fp16 values (64 B) from each of
  // cos and sin: 2 · 6 · 64 = 768 weight bytes; the whole tables would be 2 · 4096 · 64 = 524,288.
  const cache = { dtype: 'float16', shape: [4096, 32], isWeight: true } as const;
  const ms = runNode({ opType: 'RotaryEmbedding', domain: 'com.microsoft', inputs: [{ dtype: 'float16', shape: [2, 3, 512] }, { dtype: 'int64', shape: [2, 3] }, cache, cache] }).cost;
  assert.equal(ms.weightBytesRead, 768);
  assert.equal(ms.activationBytesRead, 2 * 3 * 512 * 2 + 2 * 3 * 8);
  // A prompt longer than the table reads each row once at most: the whole 8-row table.
  const onnx = runNode({ opType: 'RotaryEmbedding', opset: 23, inputs: [f32([1, 4, 16, 64]), { dtype: 'float', shape: [8, 32], isWeight: true }, { dtype: 'float', shape: [8, 32], isWeight: true }, { dtype: 'int64', shape: [1, 16] }] }).cost;
  assert.equal(onnx.weightBytesRead, 2 * 8 * 32 * 4);
  // GroupQueryAttention with do_rotary: the same for its cos_cache and sin_cache inputs (7 and 8).
  const gqa = runNode({
    opType: 'GroupQueryAttention',
    domain: 'com.microsoft',
    attrs: { num_heads: 8, kv_num_heads: 2, do_rotary: 1 },
    inputs: [{ dtype: 'float16', shape: [4, 1, 512] }, { dtype: 'float16', shape: [4, 1, 128] }, { dtype: 'float16', shape: [4, 1, 128] }, { dtype: 'float16', shape: [4, 2, 100, 64] }, { dtype: 'float16', shape: [4, 2, 100, 64] }, { dtype: 'int32', shape: [4, 1] }, { dtype: 'int32', shape: [1], value: [101] }, cache, cache],
    outputCount: 3,
  }).cost;
  assert.equal(gqa.weightBytesRead, 2 * 4 * 64);
});

test('rotary cos/sin tables take memory but hold no parameters; a weight beside them still counts', () => {
  // Llama-3.1-8B as the model builder writes it: 2 × 131072 × 64 table values would add 16.8 M to 8.03 B params.
  const report = reportGraph({
    inputs: { x: { dtype: 'float16', shape: [1, 4, 512] }, pos: { dtype: 'int64', shape: [1, 4] } },
    weights: { w: { dtype: 'float16', dims: [512, 512] }, cos: { dtype: 'float16', dims: [4096, 32] }, sin: { dtype: 'float16', dims: [4096, 32] } },
    nodes: [
      { opType: 'MatMul', inputs: ['x', 'w'], outputs: ['q'] },
      { opType: 'RotaryEmbedding', domain: 'com.microsoft', inputs: ['q', 'pos', 'cos', 'sin'], outputs: ['y'] },
    ],
    outputs: ['y'],
  });
  assert.equal(report.totals.params, 512 * 512);
  assert.equal(report.totals.weightBytes, (512 * 512 + 2 * 4096 * 32) * 2, 'the tables are stored and resident');
  assert.equal(report.nodes[1].params, 0);
});

test('FlexAttention (ai.onnx.preview): attention core plus its score_mod subgraph on every score', () => {
  // Q 8 heads over K/V 2 heads (GQA); scores 2·8·10·12 = 1,920, each 32 (QKᵀ) + 16 (·V) MACs: 92,160.
  // score_mod is a logit soft-cap (Tanh, 10 FLOPs per score): 19,200 more FLOPs than the plain core.
  const softcap: GraphSpec = {
    inputs: { s: { dtype: 'float', shape: [2, 8, 10, 12] } },
    nodes: [{ opType: 'Tanh', inputs: ['s'], outputs: ['capped'] }],
    outputs: ['capped'],
  };
  const spec = (attrs: NodeSpec['attrs']): GraphSpec => ({
    inputs: { q: { dtype: 'float16', shape: [2, 8, 10, 32] }, k: { dtype: 'float16', shape: [2, 2, 12, 32] }, v: { dtype: 'float16', shape: [2, 2, 12, 16] } },
    nodes: [{ opType: 'FlexAttention', domain: 'ai.onnx.preview', inputs: ['q', 'k', 'v'], outputs: ['y'], ...(attrs ? { attrs } : {}) }],
    outputs: ['y'],
    opsets: { 'ai.onnx.preview': 1 },
  });
  const plainNode = profileGraph(spec(undefined)).nodes[0];
  assert.deepEqual(plainNode.outputs[0].shape?.map(plain), [2, 8, 10, 16]);
  assert.equal(plain(plainNode.macs), 92160);
  assert.equal(plain(plainNode.flops), 2 * 92160 + 1920 * 6);
  const capped = profileGraph(spec({ score_mod: { graph: softcap } })).nodes.find((n) => n.opType === 'FlexAttention')!;
  assert.equal(plain(capped.flops), 2 * 92160 + 1920 * 6 + 1920 * 10);
  assert.throws(() => runNode({ opType: 'FlexAttention', domain: 'ai.onnx.preview', inputs: [f32([1, 3, 4, 8]), f32([1, 2, 4, 8]), f32([1, 2, 4, 8])] }), /not a multiple/);
  assert.throws(() => runNode({ opType: 'FlexAttention', domain: 'ai.onnx.preview', inputs: [f32([1, 2, 4, 8]), f32([1, 0, 4, 8]), f32([1, 0, 4, 8])] }), ShapeError, 'no heads to divide by');
});

test('Attention (opset 22 and earlier) has no default-domain rule', () => {
  assert.throws(() => runNode({ opType: 'Attention', opset: 22, inputs: [f32([1, 2, 3, 4]), f32([1, 2, 3, 4]), f32([1, 2, 3, 4])] }), /no handler/);
});

test('MultiHeadAttention whose hidden size is not divisible by num_heads is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'MultiHeadAttention', domain: ms, inputs: [f32([1, 10, 30]), f32([1, 10, 30]), f32([1, 10, 30])], attrs: { num_heads: 4 } }), ShapeError);
});

test('a decomposed MatMul–Softmax–MatMul graph has the MACs of the fused op', () => {
  // B 1, 4 heads, S = T = 8, head size 16: QKᵀ 4·8·8·16 = 4,096 MACs, and as many for ·V.
  const decomposed = profileGraph({
    inputs: { q: { dtype: 'float', shape: [1, 4, 8, 16] }, kt: { dtype: 'float', shape: [1, 4, 16, 8] }, v: { dtype: 'float', shape: [1, 4, 8, 16] } },
    nodes: [
      { opType: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
      { opType: 'Softmax', inputs: ['scores'], outputs: ['probs'], attrs: { axis: -1 } },
      { opType: 'MatMul', inputs: ['probs', 'v'], outputs: ['context'] },
    ],
    outputs: ['context'],
    valueInfo: { probs: { dtype: 'float', shape: [1, 4, 8, 8] } },
  });
  const [qk, softmax, pv] = decomposed.nodes;
  assert.deepEqual(pv.outputs[0].shape?.map(plain), [1, 4, 8, 16]);
  assert.equal(plain(qk.macs), 4096);
  assert.equal(plain(pv.macs), 4096);
  assert.equal(plain(qk.flops), 8192);
  assert.equal(plain(pv.flops), 8192);
  const totalMacs = decomposed.nodes.reduce((sum, n) => sum + Number(plain(n.macs)), 0);
  const totalFlops = decomposed.nodes.reduce((sum, n) => sum + Number(plain(n.flops)), 0);
  assert.equal(totalMacs, 8192);
  assert.equal(totalFlops, 16384 + Number(plain(softmax.flops)));

  const fused = runNode({ opType: 'MultiHeadAttention', domain: ms, inputs: [f32([1, 8, 64]), f32([1, 8, 64]), f32([1, 8, 64])], attrs: { num_heads: 4 } });
  assert.equal(fused.cost.macs, totalMacs);
  // The fused op adds the scale and softmax: 6 FLOPs per score over 4·8·8 scores.
  assert.equal(fused.cost.flops, 2 * totalMacs + 256 * 6);
});
