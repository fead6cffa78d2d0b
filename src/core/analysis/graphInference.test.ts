import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataType } from '../onnx/dataType';
import { type GraphSpec, profileGraph, reportGraph } from '../ops/families/testUtil';
import { renderReport } from '../render';
import { Expr, product } from '../shapes/expr';
import type { TensorInfo } from '../shapes/tensorInfo';
import { elementsBytes, staticTensorBytes, tensorBytes } from './graphInference';

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

test('an op the rules know only at other opsets is reported once with the opsets they cover, not as a plain missing rule', () => {
  // GatherElements entered ONNX at opset 11; a model importing opset 9 cannot use it.
  const gather = (out: string): GraphSpec['nodes'][number] => ({ opType: 'GatherElements', inputs: ['x', 'i'], outputs: [out] });
  const spec: GraphSpec = {
    inputs: { x: { dtype: 'float', shape: [4, 8] }, i: { dtype: 'int64', shape: [4, 2] } },
    nodes: [gather('a'), gather('b')],
    outputs: ['a', 'b'],
  };
  const old = profileGraph({ ...spec, opsets: { '': 9 } });
  const mismatch = old.diagnostics.filter((d) => d.code === 'op-not-in-opset');
  assert.equal(mismatch.length, 1);
  assert.equal(mismatch[0].message, "GatherElements has cost rules for ai.onnx opsets 11 and later, not for the model's opset 9 (the op may not exist at that opset, or the opset import may be wrong)");
  assert.ok(old.mainGraphOrder.every((i) => !old.nodes[i].isCostKnown));
  const current = profileGraph({ ...spec, opsets: { '': 13 } });
  assert.deepEqual(current.diagnostics.filter((d) => d.code === 'op-not-in-opset'), []);
  assert.ok(current.mainGraphOrder.every((i) => current.nodes[i].isCostKnown));
  // An op no rule knows at any opset is the plain uncovered case: no opset diagnostic.
  const unknown = profileGraph({ ...spec, nodes: [{ opType: 'NoSuchOp', inputs: ['x'], outputs: ['a'] }, gather('b')], opsets: { '': 13 } });
  assert.deepEqual(unknown.diagnostics.filter((d) => d.code === 'op-not-in-opset'), []);
});

test('static tensor bytes as numbers equal the exact expression, sub-byte types and huge counts included', () => {
  const cases: [DataType, readonly (number | bigint)[]][] = [
    [DataType.FLOAT, [2, 3, 4]],
    [DataType.FLOAT, []],
    [DataType.INT4, [3, 5]], // 15 nibbles: 8 bytes, rounded up once
    [DataType.UINT2, [7]],
    [DataType.BOOL, [0, 9]],
    [DataType.FLOAT16, [-3, 5]], // a bad dim: the same (negative) count either way
    [DataType.DOUBLE, [2 ** 26, 2 ** 26]], // 2^55 bytes: past 2^53, left to the exact path
    [DataType.FLOAT, [2n ** 62n, 4n]],
  ];
  for (const [dtype, dims] of cases) {
    const t: TensorInfo = { name: 't', dtype, shape: dims.map((d) => Expr.constant(d)) };
    const exact = elementsBytes(dtype, product(t.shape!)).constantValue!;
    const fast = staticTensorBytes(t);
    if (fast === undefined) assert.ok(exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < -BigInt(Number.MAX_SAFE_INTEGER), `${dims}`);
    else assert.equal(BigInt(fast), exact, `${DataType[dtype]} [${dims}]`);
    assert.equal(tensorBytes(t)!.constantValue, exact);
  }
  assert.equal(staticTensorBytes({ name: 's', dtype: DataType.FLOAT, shape: [Expr.symbol('batch')] }), undefined);
});

test('an input dim written as arithmetic over the model\'s dims follows their bindings; a name that only looks like it stays a name; a binding no dim uses is reported', () => {
  // A decoder step as ONNX Runtime's tools export it: the mask spans the cache and the new tokens.
  const decoder: GraphSpec = {
    inputs: {
      ids: { dtype: 'int64', shape: ['batch', 'seq_len'] },
      past: { dtype: 'float', shape: ['batch', 'past_seq_len', 64] },
      mask: { dtype: 'float', shape: ['batch', 'past_seq_len+seq_len'] },
      other: { dtype: 'float', shape: ['batch', 'input-0_dim0'] },
    },
    nodes: [
      { opType: 'Relu', inputs: ['mask'], outputs: ['m'] },
      { opType: 'Relu', inputs: ['other'], outputs: ['o'] },
    ],
    outputs: ['m', 'o'],
  };
  const bound = reportGraph(decoder, new Map([['batch', 2], ['past_seq_len', 31], ['seq_len', 1]]));
  const [mask, other] = bound.nodes.map((n) => n.outputs[0].shape);
  assert.deepEqual(mask, [2, 32]);
  assert.deepEqual(other, [2, 'input-0_dim0']);
  // Unbound, it is the sum of the two dims, not a dim of its own to bind.
  const unbound = reportGraph(decoder);
  assert.deepEqual(unbound.nodes[0].outputs[0].shape, ['batch', 'past_seq_len + seq_len']);
  assert.ok(!unbound.diagnostics.some((d) => d.message.includes('past_seq_len+seq_len')));
  assert.ok(!bound.diagnostics.some((d) => d.code === 'unused-binding'));
  // A binding no dim uses (a typo) changes nothing, and the profile says so, naming the inputs' dims.
  const typo = reportGraph(decoder, new Map([['batch', 2], ['seqlen', 5]]));
  assert.deepEqual(
    typo.diagnostics.filter((d) => d.code === 'unused-binding').map((d) => d.message),
    ["binding 'seqlen' matches no dim of the model, so it changes nothing (its inputs' dims: batch, input-0_dim0, past_seq_len, seq_len)"],
  );
  // A crafted dim name of 20,000 characters is shown by its start.
  const long = 'd'.repeat(20_000);
  const crafted = reportGraph({ ...decoder, inputs: { ...decoder.inputs, other: { dtype: 'float', shape: ['batch', long] } } }, new Map([['seqlen', 5]]));
  const warning = crafted.diagnostics.find((d) => d.code === 'unused-binding')!.message;
  assert.ok(warning.length < 300 && warning.includes(`${'d'.repeat(47)}…`), warning.slice(0, 300));
  const unboundNote = crafted.diagnostics.find((d) => d.code === 'unbound-dims')!.message;
  assert.ok(unboundNote.length < 300 && unboundNote.includes(`${'d'.repeat(47)}…`), unboundNote.slice(0, 300));
  // The table too: its header and its output-shape column show the name's start (the JSON keeps it whole).
  const table = renderReport(crafted, 'table', { top: 20 });
  assert.ok(Math.max(...table.split('\n').map((l) => l.length)) < 400, 'no line carries the whole name');
  assert.ok(table.includes(`[batch, ${'d'.repeat(47)}…]`));
});

test("a file's own unk__N dim is the model's, bindable, and no fresh unknown takes its name (tf2onnx)", () => {
  // tf2onnx names a free input dim `unk__N`, the pattern inference uses for dims it cannot know.
  const spec: GraphSpec = {
    inputs: { x: { dtype: 'float', shape: ['unk__0', 8] } },
    nodes: [
      { opType: 'NonZero', inputs: ['x'], outputs: ['nz'] },
      { opType: 'Relu', inputs: ['x'], outputs: ['y'] },
    ],
    outputs: ['nz', 'y'],
  };
  const g = profileGraph(spec);
  const fresh = String(g.values.get('nz')?.shape?.[1]);
  assert.match(fresh, /^unk__\d+$/);
  assert.notEqual(fresh, 'unk__0', 'the fresh dim must not alias the input dim');
  const report = reportGraph(spec);
  assert.deepEqual(report.unboundSymbols, ['unk__0']);
  const notes = report.diagnostics.filter((d) => d.code === 'unbound-dims' || d.code === 'unknown-dims').map((d) => d.message);
  assert.deepEqual(notes, ['dims not bound, counted as 1 in totals: unk__0 (bind with --bind name=value)', `1 dim could not be inferred (shown as unk__N) and counts as 1 in totals; it first appears at 'NonZero_node' (NonZero)`]);
  // The table heads with both: the dims to bind, and the unknown one with the node it comes from.
  const table = renderReport(report, 'table', { top: 5 });
  assert.match(table, /^unbound dims +unk__0 \(counted as 1; bind with --bind\)$/m);
  assert.match(table, /^unknown dims +1 dim could not be inferred .* it first appears at 'NonZero_node' \(NonZero\)$/m);
  const bound = reportGraph(spec, new Map([['unk__0', 4]]));
  assert.deepEqual(bound.nodes.find((n) => n.name.includes('Relu') || n.opType === 'Relu')?.outputs?.[0]?.shape, [4, 8]);
});
