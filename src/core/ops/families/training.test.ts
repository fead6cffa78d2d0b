import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from './testUtil';

const scalar = { dtype: 'float', shape: [] };
const tensor = (shape: number[]) => ({ dtype: 'float', shape });

test('optimizer steps keep each updated tensor its shape and count per-element FLOPs', () => {
  const cases: { opType: string; inputs: number[][]; outputs: number[][]; flops: number; attrs?: Record<string, string> }[] = [
    // Adagrad: R, T, X, G, H for n = 1.
    { opType: 'Adagrad', inputs: [[3, 4], [3, 4], [3, 4]], outputs: [[3, 4], [3, 4]], flops: 12 * 12 },
    // Adam: R, T, X1, X2, G1, G2, V1, V2, H1, H2 for n = 2.
    { opType: 'Adam', inputs: [[2], [5], [2], [5], [2], [5], [2], [5]], outputs: [[2], [5], [2], [5], [2], [5]], flops: 18 * 7 },
    { opType: 'Momentum', inputs: [[8], [8], [8]], outputs: [[8], [8]], flops: 7 * 8 },
    { opType: 'Momentum', inputs: [[8], [8], [8]], outputs: [[8], [8]], flops: 9 * 8, attrs: { mode: 'nesterov' } },
  ];
  for (const c of cases) {
    const r = runNode({ opType: c.opType, domain: 'ai.onnx.preview.training', opset: 1, inputs: [scalar, { dtype: 'int64', shape: [] }, ...c.inputs.map(tensor)], attrs: c.attrs });
    assert.deepEqual(r.outputs.map((o) => o.shape), c.outputs, c.opType);
    assert.equal(r.cost.flops, c.flops, c.opType);
  }
});

test('an input count that is not 2 + groups × n is refused', () => {
  assert.throws(() => runNode({ opType: 'Adam', domain: 'ai.onnx.preview.training', opset: 1, inputs: [scalar, scalar, tensor([2]), tensor([2])] }), /expects 2 \+ 4·n inputs/);
});
