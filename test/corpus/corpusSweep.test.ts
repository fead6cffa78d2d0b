import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSweep, listCorpus, MAX_SECONDS_PER_MODEL, sweepCorpus } from './corpusSweep';

test('every corpus model profiles or is refused with a typed error, none crashes or takes over 2 s', { timeout: 15 * 60 * 1000 }, async (t) => {
  const files = listCorpus();
  if (files.length === 0) {
    t.skip('../shared/models is not present');
    return;
  }
  const result = await sweepCorpus(files);
  console.log(formatSweep(result));
  assert.equal(result.crashes.length, 0, `crashes: ${result.crashes.map((c) => c.file).join(', ')}`);
  assert.equal(result.slow.length, 0, `over ${MAX_SECONDS_PER_MODEL} s: ${result.slow.map((c) => c.file).join(', ')}`);
  assert.equal(result.profiled + result.refused.length, files.length);
});
