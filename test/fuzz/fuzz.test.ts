import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listCorpus } from '../corpus/corpusSweep';
import { formatFuzz, runFuzz } from './fuzz';

const CI_CASES = 2000;
const CI_SEED = 20261129;

test(`fuzz sample: ${CI_CASES} mutated models each end in a report or a typed error, within the time and heap limits`, { timeout: 10 * 60 * 1000 }, async (t) => {
  if (listCorpus().length === 0) {
    t.skip('../shared/models is not present');
    return;
  }
  const summary = await runFuzz(CI_CASES, CI_SEED);
  console.log(formatFuzz(summary));
  assert.equal(summary.reports + summary.typedErrors + summary.crashes.length + summary.timeouts.length >= CI_CASES, true);
  assert.deepEqual(summary.crashes, []);
  assert.deepEqual(summary.timeouts, []);
});
