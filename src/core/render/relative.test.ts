import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ratioTo, referenceTarget, relativeLine, timesText } from './relative';

const row = (target: string, perChip: number | null, cost: number | null) => ({ target, perChip, cost });
const figures = { perChip: (r: ReturnType<typeof row>) => r.perChip, cost: (r: ReturnType<typeof row>) => r.cost };

test('the reference is the H100 SXM when compared, else the first target; none for a single target', () => {
  const cases: [string[], string | undefined][] = [
    [['l4', 'h100-sxm', 'b200'], 'h100-sxm'],
    [['l4', 'b200'], 'l4'],
    [['h100-sxm'], undefined],
    [[], undefined],
  ];
  for (const [targets, want] of cases) assert.equal(referenceTarget(targets.map((t) => row(t, 1, 1)))?.target, want, targets.join(','));
});

test('a ratio needs both values finite and a positive reference', () => {
  const cases: [number | null, number | null, number | null][] = [
    [2, 4, 0.5], [4, 2, 2], [null, 2, null], [2, null, null], [2, 0, null], [Infinity, 2, null], [2, Infinity, null], [0, 2, 0],
  ];
  for (const [v, ref, want] of cases) assert.equal(ratioTo(v, ref), want, `${v} / ${ref}`);
  assert.equal(timesText(2.2857), '2.29×');
  assert.equal(timesText(1), '1×');
  assert.equal(timesText(null), 'n/a');
});

test('the line names each other target against the reference: speed-up per chip, then the cost multiple', () => {
  const rows = [row('l4', 1000, 0.05), row('h100-sxm', 8000, 0.1), row('groq-lpu', 2000, null)];
  assert.equal(relativeLine(rows, figures), 'Against h100-sxm (throughput per chip, $ per 1M): l4 0.125×, 0.5×; groq-lpu 0.25×, n/a');
  assert.equal(relativeLine([row('h100-sxm', 1, 1)], figures), undefined);
});
