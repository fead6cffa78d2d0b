import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Expr, product } from './expr';

const s = (name: string) => Expr.symbol(name);
const c = (v: number | bigint) => Expr.constant(v);

test('arithmetic prints canonically', () => {
  const cases: [Expr, string][] = [
    [s('sequence').add(s('past_sequence')), 'past_sequence + sequence'],
    [s('batch').mul(8), '8 * batch'],
    [s('batch').mul(s('sequence')).mul(2).add(s('batch').mul(3)).add(1), '2 * batch * sequence + 3 * batch + 1'],
    [s('n').sub(s('n')), '0'],
    [s('n').add(1).sub(1), 'n'],
    [s('a').mul(s('a')), 'a * a'],
    [s('h').sub(3).neg(), '-h + 3'],
  ];
  for (const [e, text] of cases) assert.equal(e.toString(), text);
});

test('equal expressions compare equal regardless of construction order', () => {
  assert.ok(s('a').add(s('b')).mul(2).equals(s('b').mul(2).add(s('a').mul(2))));
  assert.ok(!s('a').equals(s('b')));
});

test('division: exact when coefficients divide, a derived atom otherwise, and evaluable once bound', () => {
  assert.equal(s('n').mul(4).add(8).floorDiv(4).toString(), 'n + 2');
  const conv = s('h').add(2).sub(3).floorDiv(2).add(1); // Conv output with pad 1, kernel 3, stride 2
  assert.equal(conv.toString(), 'floor((h - 1) / 2) + 1');
  assert.equal(conv.substitute(new Map([['h', c(224)]])).constantValue, 112n);
  assert.equal(c(-7).floorDiv(2).constantValue, -4n);
  assert.equal(c(7).ceilDiv(2).constantValue, 4n);
  assert.equal(c(-7).mod(3).constantValue, 2n);
});

test('min and max simplify when the difference is constant', () => {
  assert.ok(s('n').min(s('n').add(3)).equals(s('n')));
  assert.ok(s('n').max(s('n').add(3)).equals(s('n').add(3)));
  const m = s('a').max(s('b'));
  assert.equal(m.substitute(new Map([['a', c(3)], ['b', c(5)]])).constantValue, 5n);
});

test('nested min and max flatten and drop dominated operands', () => {
  const m = s('a').max(s('b'));
  assert.ok(m.max(s('a')).equals(m), 'max(max(a, b), a) = max(a, b)');
  assert.ok(m.max(s('b').add(2)).equals(s('a').max(s('b').add(2))), 'b is dominated by b + 2');
  assert.equal(s('c').max(m).toString(), s('a').max(s('b')).max(s('c')).toString(), 'order does not matter');
  assert.ok(c(8).min(s('seq')).max(s('seq')).equals(s('seq')), 'max(min(8, seq), seq) = seq');
  assert.ok(c(8).max(s('seq')).min(s('seq')).equals(s('seq')), 'min(max(8, seq), seq) = seq');
});

test('counts stay exact past 2^53 and 2^63', () => {
  const big = product([c(2n ** 40n), c(2n ** 40n), c(3)]);
  assert.equal(big.constantValue, 3n * 2n ** 80n);
  assert.equal(big.asNumber, undefined);
  assert.equal(big.toJSON(), (3n * 2n ** 80n).toString());
  assert.equal(c(1e15).mul(1000).constantValue, 10n ** 18n);
});

test('evaluate binds what it can and takes the fallback for the rest', () => {
  const e = s('batch').mul(s('sequence')).mul(768);
  assert.equal(e.evaluate(new Map([['batch', c(2)]]), 1n), 1536n);
  assert.deepEqual([...e.symbols()].sort(), ['batch', 'sequence']);
});
