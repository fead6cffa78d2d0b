import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphProfile } from '../../analysis/graphInference';
import type { TensorInfo } from '../../shapes/tensorInfo';
import { type GraphSpec, plain, profileGraph } from './testUtil';

function info(profile: GraphProfile, name: string): TensorInfo {
  const t = profile.values.get(name);
  assert.ok(t, `no value '${name}'`);
  return t;
}

const dims = (t: TensorInfo | undefined) => t?.shape?.map(plain);

function graph(inputs: GraphSpec['inputs'], nodes: GraphSpec['nodes']): GraphProfile {
  return profileGraph({ inputs, nodes, outputs: nodes[nodes.length - 1].outputs.slice(0, 1) });
}

test('SequenceConstruct keeps the dims all items share and counts them', () => {
  const p = graph({ a: { dtype: 'float', shape: [2, 3] }, b: { dtype: 'float', shape: [2, 5] } }, [
    { opType: 'SequenceConstruct', inputs: ['a', 'b'], outputs: ['seq'] },
    { opType: 'SequenceLength', inputs: ['seq'], outputs: ['n'] },
    { opType: 'Constant', inputs: [], outputs: ['last'], attrs: { value_int: -1 } },
    { opType: 'SequenceAt', inputs: ['seq', 'last'], outputs: ['item'] },
    { opType: 'SequenceAt', inputs: ['seq', 'n'], outputs: ['pastEnd'] },
  ]);
  const seq = info(p, 'seq');
  assert.equal(seq.kind, 'sequence');
  assert.equal(plain(seq.length!), 2);
  const item = dims(seq.element);
  assert.equal(item?.[0], 2);
  assert.equal(typeof item?.[1], 'string', 'items differ in dim 1: a fresh symbol');
  assert.deepEqual(info(p, 'n').value?.data.map((e) => plain(e as never)), [2]);
  assert.equal(dims(info(p, 'item'))?.[0], 2);
  assert.equal(info(p, 'pastEnd').shape, undefined, 'position 2 of 2 items is out of range');
  assert.ok(p.diagnostics.some((d) => d.message.includes('out of range')));
});

test('SequenceEmpty then SequenceInsert: the inserted tensor defines the items', () => {
  const p = graph({ x: { dtype: 'float', shape: ['N', 4] } }, [
    { opType: 'SequenceEmpty', inputs: [], outputs: ['empty'] },
    { opType: 'SequenceInsert', inputs: ['empty', 'x'], outputs: ['one'] },
    { opType: 'SequenceInsert', inputs: ['one', 'x'], outputs: ['two'] },
    { opType: 'SequenceErase', inputs: ['two'], outputs: ['back'] },
  ]);
  assert.deepEqual(dims(info(p, 'two').element), ['N', 4]);
  assert.equal(plain(info(p, 'two').length!), 2);
  assert.equal(plain(info(p, 'back').length!), 1);
});

test('SplitToSequence and ConcatFromSequence round trip', () => {
  const p = graph({ x: { dtype: 'float', shape: [6, 'T'] } }, [
    { opType: 'SplitToSequence', inputs: ['x'], outputs: ['rows'], attrs: { axis: 0, keepdims: 0 } },
    { opType: 'ConcatFromSequence', inputs: ['rows'], outputs: ['stacked'], attrs: { axis: 0, new_axis: 1 } },
    { opType: 'SplitToSequence', inputs: ['x'], outputs: ['kept'], attrs: { axis: 0 } },
    { opType: 'ConcatFromSequence', inputs: ['kept'], outputs: ['joined'], attrs: { axis: 0 } },
  ]);
  assert.deepEqual(dims(info(p, 'rows').element), ['T']);
  assert.equal(plain(info(p, 'rows').length!), 6);
  assert.deepEqual(dims(info(p, 'stacked')), [6, 'T']);
  assert.deepEqual(dims(info(p, 'kept').element), [1, 'T']);
  assert.deepEqual(dims(info(p, 'joined')), [6, 'T']);
});

test('SplitToSequence with a scalar split that does not divide evenly: a fresh piece dim', () => {
  const p = graph({ x: { dtype: 'float', shape: [7, 2] } }, [
    { opType: 'Constant', inputs: [], outputs: ['k'], attrs: { value_int: 3 } },
    { opType: 'SplitToSequence', inputs: ['x', 'k'], outputs: ['pieces'], attrs: { axis: 0 } },
  ]);
  assert.equal(plain(info(p, 'pieces').length!), 3);
  const piece = dims(info(p, 'pieces').element);
  assert.equal(typeof piece?.[0], 'string');
  assert.equal(piece?.[1], 2);
});

test('ConcatFromSequence along a dim the items may not share is fresh', () => {
  const p = graph({ seqIn: { dtype: 'float', shape: [2, 'L'] } }, [
    { opType: 'SplitToSequence', inputs: ['seqIn'], outputs: ['s'], attrs: { axis: 0 } },
    { opType: 'ConcatFromSequence', inputs: ['s'], outputs: ['c'], attrs: { axis: 1 } },
  ]);
  const c = dims(info(p, 'c'));
  assert.equal(c?.[0], 1);
  assert.equal(typeof c?.[1], 'string');
});

test('SequenceMap runs its body once per item', () => {
  const p = graph({ x: { dtype: 'float', shape: [4, 8] }, bias: { dtype: 'float', shape: [8] } }, [
    { opType: 'SplitToSequence', inputs: ['x'], outputs: ['rows'], attrs: { axis: 0, keepdims: 0 } },
    {
      opType: 'SequenceMap',
      inputs: ['rows', 'bias'],
      outputs: ['shifted'],
      attrs: { body: { graph: { inputs: { r: { dtype: 'float', shape: [8] }, b: { dtype: 'float', shape: [8] } }, nodes: [{ opType: 'Add', inputs: ['r', 'b'], outputs: ['o'] }], outputs: ['o'] } } },
    },
  ]);
  assert.deepEqual(dims(info(p, 'shifted').element), [8]);
  const map = p.nodes.find((n) => n.opType === 'SequenceMap');
  assert.equal(plain(map!.flops), 4 * 8);
});

test('Optional wraps a value; OptionalGetElement unwraps it; OptionalHasElement is known for plain tensors', () => {
  const p = graph({ x: { dtype: 'int32', shape: [3] } }, [
    { opType: 'Optional', inputs: ['x'], outputs: ['opt'] },
    { opType: 'OptionalHasElement', inputs: ['opt'], outputs: ['has'] },
    { opType: 'OptionalHasElement', inputs: ['x'], outputs: ['hasPlain'] },
    { opType: 'OptionalGetElement', inputs: ['opt'], outputs: ['back'] },
  ]);
  assert.equal(info(p, 'opt').kind, 'optional');
  assert.equal(info(p, 'has').value, undefined);
  assert.deepEqual(info(p, 'hasPlain').value?.data.map((e) => plain(e as never)), [1]);
  assert.deepEqual(dims(info(p, 'back')), [3]);
});
