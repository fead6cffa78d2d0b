import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../opHandler';
import { runNode, type NodeSpec } from './testUtil';

const f32 = (shape: (number | string)[]) => ({ dtype: 'float', shape });

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  readonly shapes: (number | string)[][];
  readonly macs: number | string;
  readonly flops: number | string;
}

const cases: Case[] = [
  // 5 steps × 2 rows × 20 units = 200; MACs = 200 × 4 gates × (10 + 20) = 24,000.
  // Gate arithmetic per unit: 4×3 adds + 3 sigmoids·10 + tanh 10 + cell 3 + tanh(c) 10 + 1 = 66.
  {
    name: 'LSTM forward',
    spec: { opType: 'LSTM', inputs: [f32([5, 2, 10]), f32([1, 80, 10]), f32([1, 80, 20]), f32([1, 160])], attrs: { hidden_size: 20 } },
    shapes: [[5, 1, 2, 20], [1, 2, 20], [1, 2, 20]], macs: 24000, flops: 48000 + 200 * 66,
  },
  // Both directions double the units (400); peepholes add 6 per unit.
  {
    name: 'LSTM bidirectional with peepholes',
    spec: {
      opType: 'LSTM',
      inputs: [f32([5, 2, 10]), f32([2, 80, 10]), f32([2, 80, 20]), f32([2, 160]), undefined, undefined, undefined, f32([2, 60])],
      attrs: { hidden_size: 20, direction: 'bidirectional' },
    },
    shapes: [[5, 2, 2, 20], [2, 2, 20], [2, 2, 20]], macs: 48000, flops: 96000 + 400 * 72,
  },
  // layout 1 (batch first); hidden size read from R. 200 units × 3 gates × 30 = 18,000 MACs;
  // per unit 3×3 adds + 2 sigmoids + tanh + 5 for the update = 44.
  {
    name: 'GRU batch-first, hidden size from R',
    spec: { opType: 'GRU', opset: 14, inputs: [f32([2, 5, 10]), f32([1, 60, 10]), f32([1, 60, 20])], attrs: { layout: 1 } },
    shapes: [[2, 5, 1, 20], [2, 1, 20]], macs: 18000, flops: 36000 + 200 * 44,
  },
  // 7 × 3 × 8 = 168 units × (4 + 8) = 2,016 MACs; per unit 3 adds + tanh 10.
  { name: 'RNN', spec: { opType: 'RNN', inputs: [f32([7, 3, 4]), f32([1, 8, 4]), f32([1, 8, 8])], attrs: { hidden_size: 8 } }, shapes: [[7, 1, 3, 8], [1, 3, 8]], macs: 2016, flops: 4032 + 168 * 13 },
  { name: 'RNN with Relu', spec: { opType: 'RNN', inputs: [f32([7, 3, 4]), f32([1, 8, 4]), f32([1, 8, 8])], attrs: { hidden_size: 8, activations: ['Relu'] } }, shapes: [[7, 1, 3, 8], [1, 3, 8]], macs: 2016, flops: 4032 + 168 * 4 },
  { name: 'RNN symbolic sequence', spec: { opType: 'RNN', inputs: [f32(['seq', 1, 4]), f32([1, 8, 4]), f32([1, 8, 8])], attrs: { hidden_size: 8 } }, shapes: [['seq', 1, 1, 8], [1, 1, 8]], macs: '96 * seq', flops: '296 * seq' },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode(c.spec);
    assert.deepEqual(r.outputs.map((o) => o.shape), c.shapes);
    assert.equal(r.cost.macs, c.macs);
    assert.equal(r.cost.flops, c.flops);
  });
}

test('LSTM whose hidden_size contradicts R is a ShapeError', () => {
  assert.throws(() => runNode({ opType: 'LSTM', inputs: [f32([5, 2, 10]), f32([1, 80, 10]), f32([1, 80, 20])], attrs: { hidden_size: 16 } }), ShapeError);
});
