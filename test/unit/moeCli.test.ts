/**
 * The CLI on mixture-of-experts models: the MoE summary line, the layout and experts touched per target in
 * the table and the Markdown export, and `--moe-skew`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCliCaptured as run } from './cliRun';

const FIXTURES = [path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'moe'), path.join(process.cwd(), 'test', 'fixtures', 'moe')].find(existsSync);

const fixture = (name: string) => {
  assert.ok(FIXTURES, 'test/fixtures/moe not found');
  return path.join(FIXTURES, `${name}.onnx`);
};

test('table and Markdown: the MoE summary line, the layout and the experts a call touches per target', () => {
  const table = run([fixture('fused_qmoe_shared'), '--target', 'h100-sxm']);
  assert.equal(table.code, 0, table.stderr);
  // 8 experts of 24,576 params, top-2, a shared expert of 24,576, router 512 + bias 8: 221,704 in all, 74,248 active.
  assert.match(table.stdout, /^MoE\s+8 experts, top-2 \+ 1 shared: 74\.2 K of 222 K params active per token \(1 MoE layer \(fused\); routed experts hold 89% of the params\)$/m);
  // 16 tokens touch 8 · (1 − (6/8)^16) = 7.92 of the 8 experts.
  assert.match(table.stdout, /MoE h100-sxm: 1 chip, 16 tokens touch 7\.9 of 8 experts per layer \(uniform routing\)/);
  const md = run([fixture('fused_qmoe_shared'), '--target', 'h100-sxm', '--format', 'md']);
  assert.match(md.stdout, /\| MoE \| 8 experts, top-2 \+ 1 shared: 74\.2 K of 222 K params active per token/);
  assert.match(md.stdout, /## Mixture of experts\n\n\| layer \| kind \| experts \| top-k \| shared \| params per expert \| tokens \|\n\|---\|---\|--:\|--:\|--:\|--:\|--:\|\n\| \/model\/layers\.0\/moe \| fused \| 8 \| 2 \| 1 \| 24\.6 K \| 16 \|/);
  assert.match(md.stdout, /- h100-sxm: 1 chip, 16 tokens touch 7\.9 of 8 experts per layer/);
  // No MoE, no MoE line.
  assert.doesNotMatch(run([fixture('dense_ffn')]).stdout, /^MoE/m);
});

test('--moe-skew: a skewed routing touches fewer experts; out-of-range values exit 2', () => {
  const json = (args: string[]) => JSON.parse(run([fixture('fused_mixtral'), '--target', 'h100-sxm', '--format', 'json', ...args]).stdout);
  const uniform = json([]).estimates[0].moe;
  const skewed = json(['--moe-skew', '2']).estimates[0].moe;
  assert.equal(uniform.skew, 0);
  assert.equal(skewed.skew, 2);
  assert.ok(Math.abs(uniform.expertsTouchedPerLayer - 8 * (1 - Math.pow(0.75, 16))) < 1e-9);
  assert.ok(skewed.expertsTouchedPerLayer < uniform.expertsTouchedPerLayer);
  assert.ok(skewed.expertWeightBytesRead < uniform.expertWeightBytesRead);
  for (const bad of ['-1', '5', 'x', '']) {
    const r = run([fixture('fused_mixtral'), '--moe-skew', bad]);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, /--moe-skew expects a number from 0 to 4/);
  }
});
