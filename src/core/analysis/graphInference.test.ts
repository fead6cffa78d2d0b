import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GraphSpec, profileGraph } from '../ops/families/testUtil';

const chain: GraphSpec = {
  inputs: { x: { dtype: 'float', shape: ['batch', 8] } },
  weights: { w1: { dtype: 'float', dims: [8, 16] }, w2: { dtype: 'float', dims: [16, 4] } },
  nodes: [
    { opType: 'MatMul', inputs: ['x', 'w1'], outputs: ['h'] },
    { opType: 'Relu', inputs: ['h'], outputs: ['r'] },
    { opType: 'MatMul', inputs: ['r', 'w2'], outputs: ['y'] },
  ],
  outputs: ['y'],
};

test('a graph stored out of topological order profiles as its sorted form does, with no dangling input', () => {
  const sorted = profileGraph(chain);
  const shuffled = profileGraph({ ...chain, nodes: [chain.nodes[2], chain.nodes[0], chain.nodes[1]] });
  assert.deepEqual(shuffled.diagnostics, []);
  const summary = (p: ReturnType<typeof profileGraph>) => p.mainGraphOrder.map((i) => `${p.nodes[i].opType}:${p.nodes[i].flops}:${p.nodes[i].outputs[0].shape?.join('x')}`);
  assert.deepEqual(summary(shuffled), summary(sorted));
  assert.deepEqual(summary(sorted), ['MatMul:256 * batch:batchx16', 'Relu:16 * batch:batchx16', 'MatMul:128 * batch:batchx4']);
});

test('a dangling input is reported once, without starting over', () => {
  const dangling = profileGraph({ ...chain, nodes: [{ opType: 'Relu', inputs: ['nowhere'], outputs: ['n'] }, ...chain.nodes] });
  assert.deepEqual(dangling.diagnostics.map((d) => d.code), ['dangling-input']);
  assert.equal(dangling.mainGraphOrder.length, 4);
});
