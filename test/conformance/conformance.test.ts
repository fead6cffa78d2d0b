import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listNodeTests, NODE_TESTS_DIR, runConformanceTest } from './conformance';

const REQUIRED_AGREEMENT = 0.99;

test(`inferred output shapes and dtypes agree with ONNX's node tests (≥ ${REQUIRED_AGREEMENT * 100}%), and no static shape is wrong without binding`, (t) => {
  const dirs = listNodeTests();
  if (dirs.length === 0) {
    t.skip(`${NODE_TESTS_DIR} is missing: apt-get install libonnx-testdata`);
    return;
  }
  const results = dirs.map(runConformanceTest);
  const failed = results.filter((r) => !r.passed);
  const wrongStatic = results.filter((r) => r.wrongStaticWithoutBinding);
  for (const r of failed) console.log(`conformance: disagrees: ${r.test}: ${r.reason}`);
  for (const r of wrongStatic) console.log(`conformance: WRONG STATIC SHAPE without binding: ${r.test}: ${r.wrongStaticWithoutBinding}`);
  const agreed = results.length - failed.length;
  console.log(`conformance: ${agreed} of ${results.length} node tests agree (${((agreed / results.length) * 100).toFixed(1)}%); ${wrongStatic.length} wrong static shapes without binding`);
  assert.equal(wrongStatic.length, 0);
  assert.ok(agreed / results.length >= REQUIRED_AGREEMENT, `${agreed}/${results.length} agree`);
});
