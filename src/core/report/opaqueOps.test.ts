import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportGraph } from '../ops/families/testUtil';
import { whyNoCostRule } from './opaqueOps';

const cases: [domain: string, opType: string, reason: RegExp | undefined][] = [
  ['com.microsoft', 'EPContext', /precompiled engine/],
  ['com.microsoft.extensions', 'AzureTritonInvoker', /remote Triton endpoint/],
  ['com.microsoft.extensions', 'DecodeImage', /image codec/],
  ['ai.onnx.contrib', 'GPT2Tokenizer', /string processing/],
  ['ai.onnx.contrib', 'StringECMARegexReplace', /string processing/],
  ['ai.onnx.contrib', 'VectorToString', /string processing/],
  // An op that could have a rule gets no excuse.
  ['ai.onnx.contrib', 'FastGelu', undefined],
  ['', 'Foo', undefined],
];

for (const [domain, opType, reason] of cases) {
  test(`why ${domain}.${opType} has no cost rule`, () => {
    const why = whyNoCostRule(domain, opType);
    if (reason === undefined) assert.equal(why, undefined);
    else assert.match(why ?? '', reason);
  });
}

test("the uncovered-op diagnostic of an EPContext node says why, and still that its cost is unknown", () => {
  const report = reportGraph({
    inputs: { x: { dtype: 'float', shape: [1, 3, 224, 224] } },
    nodes: [{ opType: 'EPContext', domain: 'com.microsoft', inputs: ['x'], outputs: ['y'], attrs: { embed_mode: 1, source: 'QNN' } }],
    outputs: ['y'],
  });
  const d = report.diagnostics.find((x) => x.code === 'uncovered-op')!;
  assert.match(d.message, /no cost rule for com\.microsoft\.EPContext \(1 node\): an execution provider's precompiled engine .*; its cost is unknown, not 0/);
});
