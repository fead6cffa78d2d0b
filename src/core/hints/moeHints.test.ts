/**
 * MoE hints (dense dispatch, MoE opportunity) on the fixtures of scripts/makeMoeFixtures.py (16 tokens, hidden
 * 64, intermediate 128). Detection itself is tested in src/core/analysis/moe.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { profileModelFile } from '../../node/profileFile';
import { estimateNodeTimes, estimateOnTarget, type ModelEstimateOptions } from '../estimate/modelEstimate';
import { makeDevice } from '../estimate/testUtil';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import { analyzeHints, buildHints } from './buildHints';
import type { Hint } from './hintTypes';
import { detectMoe } from '../analysis/moe';
import { applyWhatIf } from './whatIf';

/** Compiled to out/src/core/hints/: the fixtures are at the repository root (or the working directory). */
const FIXTURES = [join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'moe'), join(process.cwd(), 'test', 'fixtures', 'moe')].find(existsSync);
const TARGETS: HardwareEntry[] = ['h100-sxm', 'a100-80gb', 'l4', 'tpu-v5e'].map((id) => findHardware(id)!);

function load(name: string): ProfileReport {
  assert.ok(FIXTURES, 'test/fixtures/moe not found: run /usr/bin/python3 scripts/makeMoeFixtures.py');
  return profileModelFile(join(FIXTURES, `${name}.onnx`));
}

/** Every MoE fixture and the kind of its layers: the dense-dispatch hint is for dense exports only. */
const KINDS: Readonly<Record<string, 'fused' | 'sparse' | 'dense'>> = {
  fused_mixtral: 'fused',
  fused_switch_shared: 'fused',
  fused_qmoe_shared: 'fused',
  sharded_mixtral: 'fused',
  mixed_deepseek: 'fused',
  sparse_mixtral: 'sparse',
  sparse_switch: 'sparse',
  sparse_qwen_shared: 'sparse',
  dense_mixtral: 'dense',
  dense_mixtral_shared: 'dense',
  dense_switch: 'dense',
};

test('no MoE in a dense FFN stack or in CNNs', () => {
  assert.equal(detectMoe(load('dense_ffn')).layers.length, 0);
  const cnn = join(FIXTURES ?? '', '..', 'cnn', 'resnet50.onnx');
  if (existsSync(cnn)) {
    const hints = buildHints(profileModelFile(cnn), TARGETS);
    assert.deepEqual(hints.filter((h) => h.code.startsWith('moe.')), []);
  }
});

/** Every priced hint's saving equals estimator(before) − estimator(applyWhatIf(after)) on each target. */
function assertSavingsFromEstimator(report: ProfileReport, hints: readonly Hint[], targets: readonly HardwareEntry[], options: ModelEstimateOptions = {}): void {
  for (const h of hints) {
    if (!h.change) continue;
    const after = applyWhatIf(report, h.change);
    for (const s of h.savings) {
      if (s.reason?.includes('has no')) continue; // not applicable on this target: no estimate
      const t = targets.find((x) => x.id === s.target)!;
      const expected = estimateOnTarget(report, t, options).latencySeconds - estimateOnTarget(after, t, options).latencySeconds;
      assert.ok(Math.abs(s.seconds - expected) <= 1e-15 + 1e-12 * Math.abs(expected), `${h.code} on ${t.id}: ${s.seconds} vs ${expected}`);
      const bytes = estimateOnTarget(report, t, options).memoryNeededBytes - estimateOnTarget(after, t, options).memoryNeededBytes;
      assert.equal(s.bytes, bytes);
    }
  }
}

test('moe.dense-dispatch fires on dense exports estimated as exported, and its saving is the estimator difference', () => {
  const asExported = { execution: 'as-exported' as const };
  for (const [name, kind] of Object.entries(KINDS)) {
    const report = load(name);
    const hints = buildHints(report, TARGETS, asExported);
    const dense = hints.find((h) => h.code === 'moe.dense-dispatch');
    assert.equal(dense !== undefined, kind === 'dense', name);
    assert.equal(hints.some((h) => h.code === 'moe.opportunity'), false, `${name}: experts are not a dense FFN`);
    if (dense) {
      assert.match(dense.message, /4\.0× the expert FLOPs/);
      assert.ok(dense.savings.every((s) => s.verdict === 'gain' && s.seconds > 0));
    }
    assertSavingsFromEstimator(report, hints, TARGETS, asExported);
    // The default execution model already runs a dense export as a top-k dispatch (rule moe-dispatch): no hint.
    assert.equal(buildHints(report, TARGETS).some((h) => h.code === 'moe.dense-dispatch'), false, name);
  }
});

test('the fused execution model runs a dense-dispatch export as top-k dispatch; as exported it runs every expert', () => {
  const report = load('dense_mixtral');
  const h100 = TARGETS[0];
  const fused = estimateOnTarget(report, h100);
  const exported = estimateOnTarget(report, h100, { execution: 'as-exported' });
  const dispatch = fused.fusionSavings.find((f) => f.rule === 'moe-dispatch');
  assert.ok(dispatch && dispatch.nodes > 0 && dispatch.bytesSaved > 0, 'moe-dispatch saving per node');
  // The same export written with sparse dispatch costs what the fused estimate of the dense one costs, within the
  // dispatch ops' own cost (gathers and scatters the dense form does not have).
  assert.ok(fused.latencySeconds < exported.latencySeconds);
  assert.equal(exported.fusionSavings.length, 0);
  // FLOPs run: the dense export computes all 8 experts on 16 tokens; top-2 dispatch a quarter of that.
  const flops = (e: { index: number; flops: number }[]) => e.reduce((s, n) => s + n.flops, 0);
  const moe = report.moe!;
  const expertNodes = new Set(moe.layers.flatMap((l) => l.nodes).filter((i) => i !== moe.layers[0].routerNode));
  const run = (o: object) => flops(estimateNodeTimes(report, h100, o).filter((n) => expertNodes.has(n.index) && n.opType === 'MatMul'));
  assert.ok(Math.abs(run({}) / run({ execution: 'as-exported' }) - 2 / 8) < 1e-9);
});

test('moe.opportunity on a dense FFN stack: FLOPs halve, params double, and memory fit is re-checked', () => {
  const report = load('dense_ffn');
  const ffnFlops = 6 * 2 * 16 * 64 * 128 + 2 * (16 * 128 * 5 + 2 * 16 * 128); // matmuls + sigmoid/mul activation
  const need = estimateOnTarget(report, TARGETS[0]).memoryNeededBytes;
  // A device that holds the dense model but not 2× its FFN weights.
  const small = makeDevice({ id: 'small', peaks: { fp32: 1e13, bf16: 1e14 }, memoryBytes: (need * 1.3) / 0.9, bandwidthBytesPerSecond: 1e11, usdPerHour: 1 });
  const targets = [...TARGETS, small];
  const { hints } = analyzeHints(report, targets, { minRelativeSaving: 0 });
  const hint = hints.find((h) => h.code === 'moe.opportunity');
  assert.ok(hint, 'no moe.opportunity hint');
  assert.ok(Math.abs(ffnFlops / Number(report.totals.flops) - 0.97) < 0.03);
  assert.match(hint.message, /split into 8 experts .* top-2 routing/);
  const after = applyWhatIf(report, hint.change!);
  assert.equal(Number(after.totals.params), Number(report.totals.params) + 6 * 64 * 128); // FFN weights × 8 × 0.25
  const flopsOf = (r: ProfileReport) => hint.nodes.reduce((s, i) => s + Number(r.nodes.find((n) => n.index === i)!.flops), 0);
  assert.equal(flopsOf(after), flopsOf(report) * 0.5); // top-2 of experts a quarter wide
  const onSmall = hint.savings.find((s) => s.target === 'small')!;
  assert.equal(onSmall.chipsBefore, 1);
  assert.equal(onSmall.chipsAfter, 2);
  assert.ok(onSmall.bytes < 0, 'params grow: memory need grows');
  assertSavingsFromEstimator(report, hints, targets);
});
