import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphProfile, NodeProfile } from '../../analysis/graphInference';
import { ZERO_EXPR } from '../../shapes/expr';
import { type GraphNodeSpec, type GraphSpec, plain, profileGraph } from './testUtil';

function node(profile: GraphProfile, opType: string, graphPath = ''): NodeProfile {
  const n = profile.nodes.find((x) => x.opType === opType && x.graphPath === graphPath);
  assert.ok(n, `no ${opType} at '${graphPath}'`);
  return n;
}

function shapeOf(profile: GraphProfile, name: string): (number | string)[] | undefined {
  return profile.values.get(name)?.shape?.map(plain);
}

/** Totals as the report sums them: main-graph nodes only. */
function mainFlops(profile: GraphProfile): number | string {
  return plain(profile.nodes.filter((n) => n.graphPath === '').reduce((acc, n) => acc.add(n.flops), ZERO_EXPR));
}

type AttrGraph = { graph: GraphSpec };

const constInt = (output: string, value: number): GraphNodeSpec => ({ opType: 'Constant', inputs: [], outputs: [output], attrs: { value_int: value } });

/** Loop body: y ← y + x (x from the outer scope, [4, 8]); scan output y. 32 FLOPs per iteration. */
const accumulateBody: GraphSpec = {
  inputs: { i: { dtype: 'int64', shape: [] }, c: { dtype: 'bool', shape: [] }, y_in: { dtype: 'float', shape: [4, 8] } },
  nodes: [
    { opType: 'Identity', inputs: ['c'], outputs: ['c_out'] },
    { opType: 'Add', inputs: ['y_in', 'x'], outputs: ['y_out'] },
    { opType: 'Identity', inputs: ['y_out'], outputs: ['scan'] },
  ],
  outputs: ['c_out', 'y_out', 'scan'],
};

function loopModel(tripCount: GraphNodeSpec[], tripName: string): GraphSpec {
  return {
    inputs: { x: { dtype: 'float', shape: [4, 8] }, y0: { dtype: 'float', shape: [4, 8] } },
    nodes: [...tripCount, constInt('cond', 1), { opType: 'Loop', inputs: [tripName, 'cond', 'y0'], outputs: ['y', 'ys'], attrs: { body: { graph: accumulateBody } } }],
    outputs: ['y', 'ys'],
  };
}

test('Loop with a known trip count multiplies the body cost and stacks scan outputs', () => {
  const profile = profileGraph(loopModel([constInt('M', 10)], 'M'));
  const loop = node(profile, 'Loop');
  assert.equal(plain(loop.flops), 10 * 32);
  assert.deepEqual(loop.notes, []);
  assert.deepEqual(shapeOf(profile, 'y'), [4, 8]);
  assert.deepEqual(shapeOf(profile, 'ys'), [10, 4, 8]);
  // The body's nodes are listed under the loop, but totals count the loop only.
  assert.equal(node(profile, 'Add', `${loop.name}/body/`).graphPath, `${loop.name}/body/`);
  assert.equal(mainFlops(profile), 320);
  // Bytes scale too: the Add reads two [4, 8] floats and writes one per iteration.
  assert.equal(plain(loop.activationBytesRead), 10 * 2 * 128);
});

test('Loop with an unknown trip count counts the body once and says so', () => {
  const profile = profileGraph({ ...loopModel([], 'M'), inputs: { ...loopModel([], 'M').inputs, M: { dtype: 'int64', shape: [] } } });
  const loop = node(profile, 'Loop');
  assert.equal(plain(loop.flops), 32);
  assert.ok(loop.notes.includes('trip count unknown: counted once'), loop.notes.join('; '));
  const ys = shapeOf(profile, 'ys');
  assert.equal(ys?.length, 3);
  assert.equal(typeof ys?.[0], 'string', 'the stacked dim is a fresh symbol');
  assert.deepEqual(ys?.slice(1), [4, 8]);
});

test('Loop whose condition may end it early counts M iterations as an upper bound', () => {
  const body: GraphSpec = {
    ...accumulateBody,
    nodes: [{ opType: 'Less', inputs: ['i', 'limit'], outputs: ['c_out'] }, ...accumulateBody.nodes.slice(1)],
  };
  const profile = profileGraph({
    inputs: { x: { dtype: 'float', shape: [4, 8] }, y0: { dtype: 'float', shape: [4, 8] }, limit: { dtype: 'int64', shape: [] } },
    nodes: [constInt('M', 5), constInt('cond', 1), { opType: 'Loop', inputs: ['M', 'cond', 'y0'], outputs: ['y', 'ys'], attrs: { body: { graph: body } } }],
    outputs: ['y', 'ys'],
  });
  const loop = node(profile, 'Loop');
  assert.equal(plain(loop.flops), 5 * (32 + 1));
  assert.ok(loop.notes.some((n) => n.includes('upper bound')));
  assert.equal(typeof shapeOf(profile, 'ys')?.[0], 'string');
});

test('Loop-carried value that grows: the final shape keeps the stable dims only', () => {
  const body: GraphSpec = {
    inputs: { i: { dtype: 'int64', shape: [] }, c: { dtype: 'bool', shape: [] }, acc: { dtype: 'float', shape: [1, 8] } },
    nodes: [
      { opType: 'Identity', inputs: ['c'], outputs: ['c_out'] },
      { opType: 'Concat', inputs: ['acc', 'row'], outputs: ['acc_out'], attrs: { axis: 0 } },
    ],
    outputs: ['c_out', 'acc_out'],
  };
  const profile = profileGraph({
    inputs: { row: { dtype: 'float', shape: [1, 8] } },
    nodes: [constInt('M', 3), constInt('cond', 1), { opType: 'Loop', inputs: ['M', 'cond', 'row'], outputs: ['acc'], attrs: { body: { graph: body } } }],
    outputs: ['acc'],
  });
  const acc = shapeOf(profile, 'acc');
  assert.equal(typeof acc?.[0], 'string');
  assert.equal(acc?.[1], 8);
  assert.ok(node(profile, 'Loop').notes.some((n) => n.includes('changes shape')));
});

/** If: then = MatMul [2,16]×[16,16] (2·2·16·16 = 1024 FLOPs), else = Relu (32 FLOPs). */
function ifModel(condNodes: GraphNodeSpec[], condInputs: GraphSpec['inputs']): GraphSpec {
  return {
    inputs: { x: { dtype: 'float', shape: [2, 16] }, ...condInputs },
    weights: { w: { dtype: 'float', dims: [16, 16] } },
    nodes: [
      ...condNodes,
      {
        opType: 'If',
        inputs: ['cond'],
        outputs: ['out'],
        attrs: {
          then_branch: { graph: { inputs: {}, nodes: [{ opType: 'MatMul', inputs: ['x', 'w'], outputs: ['t'] }], outputs: ['t'] } },
          else_branch: { graph: { inputs: {}, nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['e'] }], outputs: ['e'] } },
        },
      },
    ],
    outputs: ['out'],
  };
}

test('If with an unknown condition takes the costlier branch and merges the outputs', () => {
  const profile = profileGraph(ifModel([], { cond: { dtype: 'bool', shape: [] } }));
  const ifNode = node(profile, 'If');
  assert.equal(plain(ifNode.flops), 1024);
  assert.equal(plain(ifNode.macs), 512);
  assert.ok(ifNode.notes.some((n) => n.includes('costlier branch (then_branch)')));
  assert.deepEqual(shapeOf(profile, 'out'), [2, 16]);
  assert.equal(mainFlops(profile), 1024);
});

test('If with a known condition counts the branch taken only', () => {
  const profile = profileGraph(ifModel([constInt('cond', 0)], {}));
  const ifNode = node(profile, 'If');
  assert.equal(plain(ifNode.flops), 32);
  assert.equal(profile.nodes.filter((n) => n.opType === 'MatMul').length, 0, 'the other branch is not walked');
});

test('If branches of different shapes: differing dims become fresh, rank mismatch unknown', () => {
  const branch = (shape: number[]): AttrGraph => ({
    graph: { inputs: {}, nodes: [{ opType: 'Constant', inputs: [], outputs: ['k'], attrs: { value_ints: shape } }, { opType: 'ConstantOfShape', inputs: ['k'], outputs: ['o'] }], outputs: ['o'] },
  });
  const model = (a: number[], b: number[]): GraphSpec => ({
    inputs: { cond: { dtype: 'bool', shape: [] } },
    nodes: [{ opType: 'If', inputs: ['cond'], outputs: ['out'], attrs: { then_branch: branch(a), else_branch: branch(b) } }],
    outputs: ['out'],
  });
  const differ = shapeOf(profileGraph(model([3, 4], [5, 4])), 'out');
  assert.equal(typeof differ?.[0], 'string');
  assert.equal(differ?.[1], 4);
  assert.equal(shapeOf(profileGraph(model([3, 4], [3, 4, 1])), 'out'), undefined);
});

test('Scan (opset 9+) runs the body once per item along the scan axis', () => {
  const body: GraphSpec = {
    inputs: { s: { dtype: 'float', shape: [8] }, item: { dtype: 'float', shape: [8] } },
    nodes: [
      { opType: 'Add', inputs: ['s', 'item'], outputs: ['s_out'] },
      { opType: 'Identity', inputs: ['s_out'], outputs: ['scan_out'] },
    ],
    outputs: ['s_out', 'scan_out'],
  };
  const profile = profileGraph({
    inputs: { init: { dtype: 'float', shape: [8] }, xs: { dtype: 'float', shape: [8, 'T'] } },
    nodes: [{ opType: 'Scan', inputs: ['init', 'xs'], outputs: ['final', 'all'], attrs: { body: { graph: body }, num_scan_inputs: 1, scan_input_axes: [1], scan_output_axes: [-1] } }],
    outputs: ['final', 'all'],
  });
  assert.deepEqual(shapeOf(profile, 'final'), [8]);
  assert.deepEqual(shapeOf(profile, 'all'), [8, 'T']);
  assert.equal(plain(node(profile, 'Scan').flops), '8 * T');
});

test('Scan-8 has a batch dim and multiplies by batch × sequence length', () => {
  const body: GraphSpec = {
    inputs: { s: { dtype: 'float', shape: [2] }, item: { dtype: 'float', shape: [2] } },
    nodes: [{ opType: 'Add', inputs: ['s', 'item'], outputs: ['s_out'] }, { opType: 'Identity', inputs: ['s_out'], outputs: ['scan_out'] }],
    outputs: ['s_out', 'scan_out'],
  };
  const profile = profileGraph({
    inputs: { init: { dtype: 'float', shape: [3, 2] }, xs: { dtype: 'float', shape: [3, 5, 2] } },
    nodes: [{ opType: 'Scan', inputs: ['', 'init', 'xs'], outputs: ['final', 'all'], attrs: { body: { graph: body }, num_scan_inputs: 1 } }],
    outputs: ['final', 'all'],
    opsets: { '': 8 },
  });
  assert.deepEqual(shapeOf(profile, 'final'), [3, 2]);
  assert.deepEqual(shapeOf(profile, 'all'), [3, 5, 2]);
  assert.equal(plain(node(profile, 'Scan').flops), 3 * 5 * 2);
});
