import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KV_CACHE_DTYPES, PRECISION_CHOICES } from '../core/estimate/precision';
import { readChoices, withDimBindings } from './sessionChoices';

const saved = {
  bindings: { batch: 4 }, targets: ['h100-sxm', 'tpu-v6e'], batch: 'max', chips: 8, precision: 'fp8', kvCache: 'fp8',
  promptTokens: 1024, outputTokens: 128, whatIf: ['precision.fp8'], moeSkew: 0.5, baseline: '/models/baseline.json',
};

test('saved choices read back as saved, with every precision and KV-cache dtype the pickers offer', () => {
  assert.deepEqual(readChoices(saved), saved);
  for (const precision of PRECISION_CHOICES) assert.equal(readChoices({ ...saved, precision })?.precision, precision);
  for (const kvCache of KV_CACHE_DTYPES) assert.equal(readChoices({ ...saved, kvCache })?.kvCache, kvCache);
  const { chips: _c, precision: _p, kvCache: _k, moeSkew: _m, baseline: _b, ...required } = saved;
  assert.deepEqual(readChoices(required), required, 'the optional fields may be absent');
});

test('an edited or older memento with any malformed field is ignored as a whole', () => {
  const broken: Record<string, unknown>[] = [
    { precision: 'fp6' }, { precision: 8 }, { kvCache: 'fp32' }, { kvCache: null },
    { batch: 0 }, { batch: 'min' }, { chips: -1 }, { chips: 1.5 }, { bindings: { batch: 'four' } }, { bindings: null },
    { targets: 'h100-sxm' }, { whatIf: [1] }, { promptTokens: 0 }, { outputTokens: 1e12 }, { moeSkew: -1 },
    { baseline: '' }, { baseline: 7 }, { baseline: 'x'.repeat(4097) },
  ];
  for (const change of broken) assert.equal(readChoices({ ...saved, ...change }), undefined, JSON.stringify(change));
  for (const raw of [undefined, null, 'fp8', 42, []]) assert.equal(readChoices(raw), undefined, String(raw));
});

test("the profile view's batch dim binding is the Batch field's choice, never a pinning binding", () => {
  const choices = readChoices({ ...saved, batch: 1, bindings: {} })!;
  // Changed in the view (profiled at 1): the batch choice becomes 4; the other dims stay bindings.
  assert.deepEqual(withDimBindings(choices, { batch: 4, seq: 128 }, 'batch', 1), { ...choices, batch: 4, bindings: { seq: 128 } });
  // Untouched (the view shows the profiled batch): no choice made, so 'max' stays 'max'.
  const max = { ...choices, batch: 'max' as const };
  assert.deepEqual(withDimBindings(max, { batch: 1, seq: 128 }, 'batch', 1), { ...max, bindings: { seq: 128 } });
  assert.deepEqual(withDimBindings(max, { batch: 16 }, 'batch', 1), { ...max, batch: 16, bindings: {} });
  // A model whose export fixes the batch, or a batch no Batch field takes (0): the bindings as written.
  assert.deepEqual(withDimBindings(choices, { batch: 4 }, undefined, undefined), { ...choices, bindings: { batch: 4 } });
  assert.deepEqual(withDimBindings(choices, { batch: 0 }, 'batch', 1), { ...choices, bindings: { batch: 0 } });
});
