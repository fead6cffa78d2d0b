import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPercent, formatSeconds } from './units';

test('formatPercent: whole percents from 10 %, one decimal below, "<0.1" for what rounds away; no sign', () => {
  const cases: [number, string][] = [
    [0.35, '35'], [-0.35, '35'], [0.0995, '10'], [0.0994, '9.9'], [0.0037, '0.4'], [0.0005, '0.1'], [0.0004, '<0.1'], [0, '0'], [1.5, '150'], [NaN, '?'],
  ];
  for (const [fraction, text] of cases) assert.equal(formatPercent(fraction), text, String(fraction));
});

test('formatSeconds: s, ms, µs, ns', () => {
  const cases: [number, string][] = [[2.5, '2.50 s'], [0.0123, '12.30 ms'], [3.4305e-4, '343.05 µs'], [4e-9, '4 ns'], [Infinity, '—']];
  for (const [seconds, text] of cases) assert.equal(formatSeconds(seconds), text, String(seconds));
});
