import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactSum } from './exactSum';

const MAX = Number.MAX_SAFE_INTEGER;

/** The sum as bigint arithmetic gives it, term by term. */
function reference(terms: readonly (number | bigint)[]): bigint {
  return terms.reduce<bigint>((a, t) => a + BigInt(t), 0n);
}

test('sums are exact on both sides of 2^53, in doubles while they fit', () => {
  const cases: (number | bigint)[][] = [
    [],
    [1, 2, 3],
    [MAX, 1], // 2^53: past what a double holds exactly as a running safe sum
    [MAX, MAX, MAX],
    [MAX, 1, -1, -MAX],
    [-MAX, -1],
    [2n ** 80n, 1, -(2n ** 80n)],
    [MAX - 1, 1, 1, 1],
    [2 ** 52, 2 ** 52, 1, 1],
  ];
  for (const terms of cases) {
    const sum = new ExactSum();
    for (const t of terms) sum.add(t);
    const expected = reference(terms);
    assert.equal(sum.value, expected, `sum of ${terms.join(', ')}`);
    const current = sum.current;
    assert.equal(BigInt(current), expected);
    if (typeof current === 'number') assert.ok(Number.isSafeInteger(current));
  }
});

test('a sum that never leaves the safe range stays a number', () => {
  const sum = new ExactSum();
  for (let i = 0; i < 1000; i++) sum.add(i * 1_000_003);
  assert.equal(typeof sum.current, 'number');
  assert.equal(sum.value, reference(Array.from({ length: 1000 }, (_, i) => i * 1_000_003)));
});
