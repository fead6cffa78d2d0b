import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode, type InputSpec, type NodeSpec } from './testUtil';

const f32 = (shape: (number | string)[]): InputSpec => ({ dtype: 'float', shape });
const ms = 'com.microsoft';

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  readonly shapes: (number | string)[][];
  readonly macs: number | string;
  readonly flops: number | string;
}

const cases: Case[] = [
  // B 2, T 3; 4 query heads, 2 KV heads; d_k 16, d_v 32: a state is 16 × 32, 2 × 512 = 1,024 cells.
  // Per token: readout 4 × 512 = 2,048 MACs; delta rule Sᵀk + outer product 2 × 1,024 → 4,096 MACs.
  // FLOPs: 2 × 4,096 + scale 4 × 32 + decay 1,024 and Exp of 2 per-head gates (2 × 8) + β(v − Sᵀk) 2 × 2 × 32
  // = 9,488; × 6 tokens.
  {
    name: 'LinearAttention (opset 27) gated_delta with GQA and a past state',
    spec: {
      opType: 'LinearAttention', opset: 27,
      inputs: [f32([2, 3, 64]), f32([2, 3, 32]), f32([2, 3, 64]), f32([2, 2, 16, 32]), f32([2, 3, 2]), f32([2, 3, 2])],
      attrs: { q_num_heads: 4, kv_num_heads: 2 },
    },
    shapes: [[2, 3, 128], [2, 2, 16, 32]], macs: 6 * 4096, flops: 6 * 9488,
  },
  // Plain linear attention, 2 heads of 8 × 8, symbolic tokens: 2 × 64 readout + 2 × 64 update = 256 MACs and
  // 2 × 256 + scale 2 × 8 = 528 FLOPs per token.
  {
    name: 'LinearAttention (opset 27) linear, no past, symbolic tokens',
    spec: { opType: 'LinearAttention', opset: 27, inputs: [f32([1, 'T', 16]), f32([1, 'T', 16]), f32([1, 'T', 16])], attrs: { q_num_heads: 2, kv_num_heads: 2, update_rule: 'linear' } },
    shapes: [[1, 'T', 16], [1, 2, 8, 8]], macs: '256 * T', flops: '528 * T',
  },
  // com.microsoft, GLA-style decay per key dimension (2 heads × 4 = 8 Exp per token), state_window 4 keeps the
  // last 4 per-token states. Per token: 2 × 16 + 32 = 64 MACs; 128 + scale 8 + decay 32 + 8 × 8 = 232 FLOPs.
  {
    name: 'LinearAttention (com.microsoft) gated with per-dimension decay and a state window',
    spec: {
      opType: 'LinearAttention', domain: ms,
      inputs: [f32([1, 5, 8]), f32([1, 5, 8]), f32([1, 5, 8]), undefined, f32([1, 5, 8])],
      attrs: { q_num_heads: 2, kv_num_heads: 2, update_rule: 'gated', state_window: 4 },
    },
    shapes: [[1, 5, 8], [4, 1, 2, 4, 4]], macs: 5 * 64, flops: 5 * 232,
  },
  // Depthwise causal conv, 8 channels, kernel 4 over 10 steps: 2 × 8 × 10 × 4 = 640 MACs; bias 1 and SiLU 11
  // per output element (160). The carry state keeps the last k − 1 = 3 steps.
  {
    name: 'CausalConvWithState (opset 27) with bias, past state and SiLU',
    spec: { opType: 'CausalConvWithState', opset: 27, inputs: [f32([2, 8, 10]), f32([8, 1, 4]), f32([8]), f32([2, 8, 3])], attrs: { activation: 'silu' } },
    shapes: [[2, 8, 10], [2, 8, 3]], macs: 640, flops: 1280 + 160 * 12,
  },
  {
    name: 'CausalConvWithState (com.microsoft) without bias or activation, symbolic length',
    spec: { opType: 'CausalConvWithState', domain: ms, inputs: [f32([1, 4, 'L']), f32([4, 1, 3])] },
    shapes: [[1, 4, 'L'], [1, 4, 2]], macs: '12 * L', flops: '24 * L',
  },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode(c.spec);
    assert.deepEqual(r.outputs.map((o) => o.shape), c.shapes);
    assert.equal(r.cost.macs, c.macs);
    assert.equal(r.cost.flops, c.flops);
  });
}

test('LinearAttention and CausalConvWithState: inconsistent inputs are ShapeErrors', () => {
  const delta = { opType: 'LinearAttention', opset: 27, inputs: [f32([1, 2, 16]), f32([1, 2, 16]), f32([1, 2, 16])], attrs: { q_num_heads: 2, kv_num_heads: 2, update_rule: 'delta' } };
  assert.throws(() => runNode(delta), /needs the beta input/);
  assert.throws(() => runNode({ ...delta, attrs: { ...delta.attrs, update_rule: 'mamba' } }), /update_rule must be one of/);
  assert.throws(() => runNode({ ...delta, attrs: { q_num_heads: 3, kv_num_heads: 1, update_rule: 'linear' } }), /not divisible by 3 heads/);
  assert.throws(() => runNode({ opType: 'CausalConvWithState', opset: 27, inputs: [f32([1, 8, 4]), f32([8, 2, 3])] }), /depthwise/);
  // Before opset 27 the ONNX domain has no such op.
  assert.throws(() => runNode({ ...delta, opset: 26 }), /no handler for ai.onnx::LinearAttention at opset 26/);
});
