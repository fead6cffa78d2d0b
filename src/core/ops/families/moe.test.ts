import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileGraph, runNode } from './testUtil';

const MS = 'com.microsoft';
const EXPERTS = 8;
const TOP_K = 2;
const HIDDEN = 64;
const INTER = 256;

/** One com.microsoft MoE node: 8 experts, top-2, hidden 64, inter 256, relu, current weight layout. */
function moeFixture(tokens: number) {
  return profileGraph({
    inputs: { x: { dtype: 'float', shape: [tokens, HIDDEN] }, router: { dtype: 'float', shape: [tokens, EXPERTS] } },
    weights: {
      fc1: { dtype: 'float', dims: [EXPERTS, INTER, HIDDEN] },
      fc2: { dtype: 'float', dims: [EXPERTS, HIDDEN, INTER] },
    },
    nodes: [{ opType: 'MoE', domain: MS, inputs: ['x', 'router', 'fc1', '', 'fc2'], outputs: ['y'], attrs: { k: TOP_K, activation_type: 'relu' } }],
    outputs: ['y'],
  }).nodes[0];
}

test('MoE fixture: MACs count the top-2 active experts, params all 8', () => {
  const node = moeFixture(16);
  const perExpert = HIDDEN * INTER * 2; // fc1 and fc2
  const activeMacs = 16 * TOP_K * perExpert;
  const totalMacs = 16 * EXPERTS * perExpert;
  assert.equal(node.macs.asNumber, activeMacs);
  assert.equal(node.macs.asNumber! * (EXPERTS / TOP_K), totalMacs);
  assert.equal(node.params.asNumber, EXPERTS * perExpert);
  // 2·MACs + per active (token, expert): relu over inter (256) + combine 2 × hidden (128); top-2 selection
  // ⌈log2 3⌉ = 2 comparisons per (token, expert).
  assert.equal(node.flops.asNumber, 2 * activeMacs + 32 * (INTER + 2 * HIDDEN) + 16 * EXPERTS * 2);
  assert.deepEqual(node.outputs[0].shape?.map((d) => d.asNumber), [16, HIDDEN]);
  const note = node.notes.find((n) => n.startsWith('MoE:'));
  assert.ok(note, 'the node carries an MoE note');
  assert.match(note, /top-2 of 8 experts/);
  assert.match(note, new RegExp(String(totalMacs)));
});

test('MoE fixture: a single decoded token reads only the weights of the 2 experts it can touch', () => {
  const node = moeFixture(1);
  const allExpertBytes = EXPERTS * HIDDEN * INTER * 2 * 4;
  assert.equal(node.weightBytesRead.asNumber, (allExpertBytes / EXPERTS) * TOP_K);
  assert.equal(moeFixture(64).weightBytesRead.asNumber, allExpertBytes);
});

test('MoE fixture: activation bytes are its input, router and output plus the three intermediates between its kernels', () => {
  const tokens = 16;
  const node = moeFixture(tokens);
  const active = tokens * TOP_K;
  // Gathered tokens (active × hidden), fc1's activated output (active × inter), fc2's rows (active × hidden), fp32.
  const intermediates = active * (2 * HIDDEN + INTER) * 4;
  assert.equal(node.activationBytesRead.asNumber, tokens * HIDDEN * 4 + tokens * EXPERTS * 4 + intermediates);
  assert.equal(node.bytesWritten.asNumber, tokens * HIDDEN * 4 + intermediates);
});

test('MoE: fused SwiGLU fc1 has 2 × inter outputs; 3-D input keeps its shape', () => {
  const { outputs, cost } = runNode({
    opType: 'MoE',
    domain: MS,
    inputs: [
      { dtype: 'float16', shape: ['b', 's', HIDDEN] },
      { dtype: 'float16', shape: ['tokens', EXPERTS] },
      { dtype: 'float16', shape: [EXPERTS, 2 * INTER, HIDDEN] },
      undefined,
      { dtype: 'float16', shape: [EXPERTS, HIDDEN, INTER] },
    ],
    attrs: { k: TOP_K, activation_type: 'swiglu', swiglu_fusion: 1 },
  });
  assert.deepEqual(outputs[0], { dtype: 'float16', shape: ['b', 's', HIDDEN] });
  assert.equal(cost.macs, `${TOP_K * (2 * INTER * HIDDEN + HIDDEN * INTER)} * b * s`);
});

test('MoE: a separate fc3 gate adds its matrix and the gate product', () => {
  const { cost } = runNode({
    opType: 'MoE',
    domain: MS,
    inputs: [
      { dtype: 'float', shape: [4, HIDDEN] },
      { dtype: 'float', shape: [4, EXPERTS] },
      { dtype: 'float', shape: [EXPERTS, INTER, HIDDEN] },
      undefined,
      { dtype: 'float', shape: [EXPERTS, HIDDEN, INTER] },
      undefined,
      { dtype: 'float', shape: [EXPERTS, INTER, HIDDEN] },
    ],
    attrs: { k: 1, activation_type: 'silu' },
  });
  const macs = 4 * 3 * HIDDEN * INTER;
  assert.equal(cost.macs, macs);
  // silu Sigmoid 10 + 1, gate product 1, combine 2 × hidden; top-1 selection 1 per (token, expert)
  assert.equal(cost.flops, 2 * macs + 4 * (INTER * 12 + 2 * HIDDEN) + 4 * EXPERTS);
});

test('QMoE: 4-bit packed weights count their unpacked MACs', () => {
  const { outputs, cost } = runNode({
    opType: 'QMoE',
    domain: MS,
    inputs: [
      { dtype: 'float16', shape: [16, HIDDEN] },
      { dtype: 'float16', shape: [16, EXPERTS] },
      { dtype: 'uint8', shape: [EXPERTS, INTER, HIDDEN / 2] },
      { dtype: 'float16', shape: [EXPERTS, INTER] },
      undefined,
      { dtype: 'uint8', shape: [EXPERTS, HIDDEN, INTER / 2] },
      { dtype: 'float16', shape: [EXPERTS, HIDDEN] },
    ],
    attrs: { k: TOP_K, expert_weight_bits: 4 },
  });
  assert.deepEqual(outputs[0], { dtype: 'float16', shape: [16, HIDDEN] });
  assert.equal(cost.macs, 16 * TOP_K * HIDDEN * INTER * 2);
});

test('QMoE with 4-bit experts: params = 2 × the packed expert bytes; scales are weight bytes, not params', () => {
  const node = profileGraph({
    inputs: { x: { dtype: 'float16', shape: [16, HIDDEN] }, router: { dtype: 'float16', shape: [16, EXPERTS] } },
    weights: {
      fc1: { dtype: 'uint8', dims: [EXPERTS, INTER, HIDDEN / 2] },
      fc1_scales: { dtype: 'float16', dims: [EXPERTS, INTER] },
      fc1_bias: { dtype: 'float16', dims: [EXPERTS, INTER] },
      fc2: { dtype: 'uint8', dims: [EXPERTS, HIDDEN, INTER / 2] },
      fc2_scales: { dtype: 'float16', dims: [EXPERTS, HIDDEN] },
    },
    nodes: [{ opType: 'QMoE', domain: MS, inputs: ['x', 'router', 'fc1', 'fc1_scales', 'fc1_bias', 'fc2', 'fc2_scales'], outputs: ['y'], attrs: { k: TOP_K, expert_weight_bits: 4 } }],
    outputs: ['y'],
  }).nodes[0];
  const packedBytes = EXPERTS * INTER * (HIDDEN / 2) + EXPERTS * HIDDEN * (INTER / 2);
  assert.equal(node.params.asNumber, 2 * packedBytes + EXPERTS * INTER);
  assert.equal(node.weightBytes.asNumber, packedBytes + 2 * (EXPERTS * INTER + EXPERTS * HIDDEN) + 2 * EXPERTS * INTER);
});

test('MoE: router and weights that disagree on the expert count are a ShapeError', () => {
  assert.throws(
    () => runNode({
      opType: 'MoE',
      domain: MS,
      inputs: [
        { dtype: 'float', shape: [4, HIDDEN] },
        { dtype: 'float', shape: [4, 4] },
        { dtype: 'float', shape: [EXPERTS, INTER, HIDDEN] },
        undefined,
        { dtype: 'float', shape: [EXPERTS, HIDDEN, INTER] },
      ],
    }),
    { name: 'ShapeError' },
  );
});

test('MoE: a router, weights or bias with 0 experts is a ShapeError, not a division by zero', () => {
  const x = { dtype: 'float', shape: [4, HIDDEN] } as const;
  const fc1 = { dtype: 'float', shape: [EXPERTS, INTER, HIDDEN] } as const;
  const fc2 = { dtype: 'float', shape: [EXPERTS, HIDDEN, INTER] } as const;
  assert.throws(() => runNode({ opType: 'MoE', domain: MS, inputs: [x, { dtype: 'float', shape: [4, 0] }, fc1, undefined, fc2] }), /router_probs has 0 experts/);
  assert.throws(() => runNode({ opType: 'MoE', domain: MS, inputs: [x, { dtype: 'float', shape: [4, EXPERTS] }, fc1, { dtype: 'float', shape: [0, INTER] }, fc2] }), /an expert bias, holds 0 experts/);
  assert.throws(
    () => runNode({ opType: 'ShardedMoE', domain: MS, inputs: [x, { dtype: 'float', shape: [4, EXPERTS] }, { dtype: 'float', shape: [0, INTER, HIDDEN] }, undefined, { dtype: 'float', shape: [0, HIDDEN, INTER] }] }),
    /fc1_experts_weights holds 0 experts/,
  );
});

test('ShardedMoE: one rank holds 4 of the 8 experts and computes its share of the routed pairs', () => {
  const tokens = 16;
  const { cost } = runNode({
    opType: 'ShardedMoE',
    domain: MS,
    inputs: [
      { dtype: 'float16', shape: [tokens, HIDDEN] },
      { dtype: 'float16', shape: [tokens, EXPERTS] },
      { dtype: 'float16', shape: [4, HIDDEN, INTER], isWeight: true },
      undefined,
      { dtype: 'float16', shape: [4, INTER, HIDDEN], isWeight: true },
    ],
    attrs: { k: TOP_K, activation_type: 'relu', local_experts_start_index: 0 },
  });
  // 16 tokens × top-2 = 32 (token, expert) pairs; under uniform routing 4/8 of them land on this rank.
  const pairs = (tokens * TOP_K * 4) / EXPERTS;
  assert.equal(cost.macs, pairs * 2 * HIDDEN * INTER);
  assert.match(cost.notes[0], /top-2 of 8 experts \(4 on this shard\)/);
  // It reads at most the 4 experts it holds: 4 × 2 matrices × 64 × 256 × 2 bytes.
  assert.equal(cost.weightBytesRead, 4 * 2 * HIDDEN * INTER * 2);
});
