import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeReport, t } from '../estimate/testUtil';
import { Expr } from '../shapes/expr';
import { jsonChunks } from './reportJson';

const joined = (value: unknown) => [...jsonChunks(value)].join('');

test('the pieces join to exactly what JSON.stringify(value, null, 2) writes', () => {
  const nodes = Array.from({ length: 40 }, (_, i) => ({ opType: i % 3 ? 'MatMul' : 'Add', flops: i * 1000, outputs: [t(`y${i}`, 'float', ['batch', i, 'seq + 1'])] }));
  const report = makeReport(nodes, {});
  assert.equal(joined(report), JSON.stringify(report, null, 2));
});

test('undefined, functions, toJSON, empty containers, nested arrays and escaped newlines print as JSON.stringify does', () => {
  const cases: unknown[] = [
    { a: undefined, b: () => 1, c: [undefined, () => 2, null], d: [], e: {}, f: [[]], g: [{}], h: 'line\nbreak "quoted"' },
    { dims: [Expr.constant(3), Expr.symbol('batch').mul(2)], nested: { deeper: { list: [1, [2, [3]]] } } },
    [],
    {},
    [1, 'two', { three: [3] }],
    'text',
    42,
    null,
    { toJSON: () => ({ replaced: [1, 2] }) },
  ];
  for (const value of cases) assert.equal(joined(value), JSON.stringify(value, null, 2));
});

test('a large array comes in several pieces, none the whole text', () => {
  const big = { nodes: Array.from({ length: 20_000 }, (_, i) => ({ index: i, name: `/model/layers.${i}/MatMul`, outputs: [{ shape: [1, 2, 3] }] })) };
  const chunks = [...jsonChunks(big)];
  assert.ok(chunks.length > 1);
  assert.equal(chunks.join(''), JSON.stringify(big, null, 2));
});
