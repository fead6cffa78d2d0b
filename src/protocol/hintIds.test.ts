import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hint } from '../core/hints/hintTypes';
import { identifyHints } from '../core/pipeline/whatIfSelection';
import { parseFromWebview } from './messages';
import { HINT_ID } from './payloads';

const hint = (code: Hint['code'], nodes: number[]): Hint => ({
  code, severity: 'low', nodes, nodeNames: [], message: `${code} ${nodes}`, explanation: '', savings: [], change: { kind: 'remove', nodes },
});

test('every id the pipeline gives a hint passes the protocol, so the views can toggle it', () => {
  const ids = identifyHints([
    hint('fusion.gelu', [7]), hint('fusion.gelu', [3]), hint('fusion.gelu', [3, 9]),
    hint('kv-cache.in-place', []), hint('kv-cache.in-place', [123456789]), hint('moe.experts-fp8', [12]),
  ]).map((h) => h.id);
  assert.deepEqual(ids, ['fusion.gelu@7', 'fusion.gelu@3.1', 'fusion.gelu@3.2', 'kv-cache.in-place@model', 'kv-cache.in-place@123456789', 'moe.experts-fp8']);
  for (const id of ids) assert.ok(HINT_ID.test(id), id);
});

test('a what-if toggle posts hint ids; anything else is refused on receipt', () => {
  const compare = (whatIf: unknown) => parseFromWebview({ type: 'hardware/compare', targets: ['h100-sxm'], batch: 1, whatIf });
  assert.equal(compare(['precision.fp8', 'fusion.gelu@3', 'fusion.gelu@3.2', 'cast.redundant@model']).ok, true);
  for (const bad of [['fusion.gelu@'], ['fusion.gelu@x'], ['a b'], ['<img src=x>'], ['fusion.gelu#2'], [7], 'precision.fp8']) {
    assert.equal(compare(bad).ok, false, JSON.stringify(bad));
  }
});

test('a precision choice posts one of the estimator\'s choices (the webview picker\'s values); anything else is refused', () => {
  const compare = (precision: unknown) => parseFromWebview({ type: 'hardware/compare', targets: ['h100-sxm'], batch: 1, precision });
  for (const ok of ['fp8', 'int8', 'int8-weight-only', 'int4', 'fp4']) assert.equal(compare(ok).ok, true, ok);
  for (const bad of ['w8a16', 'INT8', 'fp6', 8, '']) assert.equal(compare(bad).ok, false, JSON.stringify(bad));
});

test('a KV-cache choice posts one of the estimator\'s KV-cache dtypes; anything else is refused', () => {
  const compare = (kvCache: unknown) => parseFromWebview({ type: 'hardware/compare', targets: ['h100-sxm'], batch: 1, kvCache });
  for (const ok of ['bf16', 'fp16', 'fp8', 'int8']) {
    const r = compare(ok);
    assert.ok(r.ok && r.message.type === 'hardware/compare' && r.message.kvCache === ok, ok);
  }
  for (const bad of ['fp4', 'FP8', 'int8-weight-only', 1, '']) assert.equal(compare(bad).ok, false, JSON.stringify(bad));
});
