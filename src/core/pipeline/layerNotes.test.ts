import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerNotes, notesByNode } from './layerNotes';

const layer = (index: number, bound: 'compute' | 'memory' | 'none', notes: string[]) => ({ index, bound, notes });

test('layer notes: each text once, one pair per note, layers that take no time left out, read back by node', () => {
  const table = layerNotes([
    layer(0, 'compute', ['fp32 runs as bf16', '64 output channels over 147 inputs: 29% of each bf16 matrix instruction does work']),
    layer(1, 'none', ["dtype 'int64' is not arithmetic"]),
    layer(2, 'memory', []),
    layer(3, 'memory', ['fp32 runs as bf16']),
  ]);
  assert.deepEqual(table, {
    texts: ['fp32 runs as bf16', '64 output channels over 147 inputs: 29% of each bf16 matrix instruction does work'],
    nodeIndex: [0, 0, 3],
    text: [0, 1, 0],
  });
  const byNode = notesByNode(table);
  assert.deepEqual(byNode.get(0), table!.texts);
  assert.deepEqual(byNode.get(3), ['fp32 runs as bf16']);
  assert.equal(byNode.has(1), false);
});

test('layer notes: none at all is no table, and no table reads as no notes', () => {
  assert.equal(layerNotes([layer(0, 'compute', []), layer(1, 'none', ['ignored'])]), undefined);
  assert.equal(notesByNode(undefined).size, 0);
});
