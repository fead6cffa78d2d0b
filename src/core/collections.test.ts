import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupBy } from './collections';

test('groupBy: groups in order of first appearance, items in their order; empty input, no groups', () => {
  const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);
  assert.deepEqual([...groups], [['b', ['b1', 'b2']], ['a', ['a1', 'a2']], ['c', ['c1']]]);
  assert.equal(groupBy([], (x: number) => x).size, 0);
  const one = groupBy([3, 1, 2], () => 'one').get('one')!;
  assert.deepEqual(one, [3, 1, 2]);
});
