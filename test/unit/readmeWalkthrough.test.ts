import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = [path.join(__dirname, '..', '..', '..'), process.cwd()].find((p) => existsSync(path.join(p, 'scripts', 'moeWalkthrough.mjs')));

test("README's MoE walkthrough table holds what the estimator computes now (scripts/moeWalkthrough.mjs --check)", () => {
  assert.ok(ROOT, 'repository root not found');
  const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'moeWalkthrough.mjs'), '--check', '--compiled', path.join(__dirname, '..', '..')], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stderr}${run.stdout}`);
});
