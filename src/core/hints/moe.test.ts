/**
 * MoE detection and MoE hints on the fixtures of scripts/makeMoeFixtures.py (16 tokens, hidden 64,
 * intermediate 128; SwiGLU experts hold 3 × 64 × 128 = 24576 weights, plain ones 2 × 64 × 128 = 16384;
 * a router holds 64 × E).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { profileModelFile } from '../../node/profileFile';
import { estimateOnTarget } from '../estimate/modelEstimate';
import { makeDevice } from '../estimate/testUtil';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import { analyzeHints, buildHints } from './buildHints';
import type { Hint } from './hintTypes';
import { detectMoe } from './moe';
import { applyWhatIf } from './whatIf';

/** Compiled to out/src/core/hints/: the fixtures are at the repository root (or the working directory). */
const FIXTURES = [join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'moe'), join(process.cwd(), 'test', 'fixtures', 'moe')].find(existsSync);
const TARGETS: HardwareEntry[] = ['h100-sxm', 'a100-80gb', 'l4', 'tpu-v5e'].map((id) => findHardware(id)!);

function load(name: string): ProfileReport {
  assert.ok(FIXTURES, 'test/fixtures/moe not found: run /usr/bin/python3 scripts/makeMoeFixtures.py');
  return profileModelFile(join(FIXTURES, `${name}.onnx`));
}

interface Expected {
  readonly kind: 'fused' | 'sparse' | 'dense';
  readonly layers: number;
  readonly experts: number;
  readonly topK: number;
  readonly paramsPerExpert: number;
  readonly shared: number;
  readonly totalParams: number;
  readonly activeParams: number;
}

const SWIGLU = 3 * 64 * 128;
const PLAIN = 2 * 64 * 128;

const CASES: Readonly<Record<string, Expected>> = {
  fused_mixtral: { kind: 'fused', layers: 1, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 0, totalParams: 8 * SWIGLU + 512, activeParams: 2 * SWIGLU + 512 },
  fused_switch_shared: { kind: 'fused', layers: 1, experts: 8, topK: 1, paramsPerExpert: PLAIN, shared: 1, totalParams: 9 * PLAIN + 512, activeParams: 2 * PLAIN + 512 },
  sparse_mixtral: { kind: 'sparse', layers: 2, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 0, totalParams: 2 * (8 * SWIGLU + 512), activeParams: 2 * (2 * SWIGLU + 512) },
  sparse_switch: { kind: 'sparse', layers: 1, experts: 8, topK: 1, paramsPerExpert: PLAIN, shared: 0, totalParams: 8 * PLAIN + 512, activeParams: PLAIN + 512 },
  dense_mixtral: { kind: 'dense', layers: 1, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 0, totalParams: 8 * SWIGLU + 512, activeParams: 2 * SWIGLU + 512 },
  dense_mixtral_shared: { kind: 'dense', layers: 1, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 1, totalParams: 9 * SWIGLU + 512, activeParams: 3 * SWIGLU + 512 },
  dense_switch: { kind: 'dense', layers: 1, experts: 4, topK: 1, paramsPerExpert: PLAIN, shared: 0, totalParams: 4 * PLAIN + 256, activeParams: PLAIN + 256 },
};

for (const [name, e] of Object.entries(CASES)) {
  test(`${name}: ${e.layers} ${e.kind} MoE layer(s), ${e.experts} experts, top-${e.topK}`, () => {
    const report = load(name);
    const moe = detectMoe(report);
    assert.equal(moe.layers.length, e.layers);
    for (const layer of moe.layers) {
      assert.equal(layer.kind, e.kind);
      assert.equal(layer.experts, e.experts);
      assert.equal(layer.topK, e.topK);
      assert.equal(layer.tokens, 16);
      assert.equal(layer.paramsPerExpert, e.paramsPerExpert);
      assert.equal(layer.routerParams, 64 * e.experts);
      assert.equal(layer.sharedExperts.length, e.shared);
      if (e.kind !== 'fused') assert.equal(layer.expertUnits.length, e.experts);
      // FLOPs as exported vs under sparse top-k: E/k for dense exports, 1 for sparse and fused ones.
      const ratio = layer.expertFlopsAsExported / layer.expertFlopsSparse;
      assert.ok(Math.abs(ratio - (e.kind === 'dense' ? e.experts / e.topK : 1)) < 1e-9, `ratio ${ratio}`);
    }
    assert.equal(moe.totalParams, e.totalParams);
    assert.equal(moe.activeParamsPerToken, e.activeParams);
  });
}

test('dense Mixtral export: model FLOPs as exported vs sparse top-2 dispatch', () => {
  const report = load('dense_mixtral');
  const moe = detectMoe(report);
  const layer = moe.layers[0];
  assert.equal(moe.graphFlops, Number(report.totals.flops));
  assert.equal(moe.sparseFlops, Number(report.totals.flops) - layer.expertFlopsAsExported * (1 - 2 / 8));
  const ratio = moe.graphFlops / moe.sparseFlops;
  assert.ok(ratio > 3.9 && ratio < 4, `model FLOPs ratio ${ratio}`);
});

test('sparse export: expert FLOPs counted at tokens × k, not at the data-dependent count the report binds to 1', () => {
  const report = load('sparse_mixtral');
  const layer = detectMoe(report).layers[0];
  assert.equal(layer.expertFlopsAsExported, 16 * 2 * (layer.expertFlopsReported / 8));
});

test('no MoE in a dense FFN stack or in CNNs', () => {
  assert.equal(detectMoe(load('dense_ffn')).layers.length, 0);
  const cnn = join(FIXTURES ?? '', '..', 'cnn', 'resnet50.onnx');
  if (existsSync(cnn)) {
    const hints = buildHints(profileModelFile(cnn), TARGETS);
    assert.deepEqual(hints.filter((h) => h.code.startsWith('moe.')), []);
  }
});

/** Every priced hint's saving equals estimator(before) − estimator(applyWhatIf(after)) on each target. */
function assertSavingsFromEstimator(report: ProfileReport, hints: readonly Hint[], targets: readonly HardwareEntry[]): void {
  for (const h of hints) {
    if (!h.change) continue;
    const after = applyWhatIf(report, h.change);
    for (const s of h.savings) {
      if (s.reason?.includes('has no')) continue; // not applicable on this target: no estimate
      const t = targets.find((x) => x.id === s.target)!;
      const expected = estimateOnTarget(report, t).latencySeconds - estimateOnTarget(after, t).latencySeconds;
      assert.ok(Math.abs(s.seconds - expected) <= 1e-15 + 1e-12 * Math.abs(expected), `${h.code} on ${t.id}: ${s.seconds} vs ${expected}`);
      const bytes = estimateOnTarget(report, t).memoryNeededBytes - estimateOnTarget(after, t).memoryNeededBytes;
      assert.equal(s.bytes, bytes);
    }
  }
}

test('moe.dense-dispatch fires on dense exports only, and its saving is the estimator difference', () => {
  for (const name of Object.keys(CASES)) {
    const report = load(name);
    const hints = buildHints(report, TARGETS);
    const dense = hints.find((h) => h.code === 'moe.dense-dispatch');
    assert.equal(dense !== undefined, CASES[name].kind === 'dense', name);
    assert.equal(hints.some((h) => h.code === 'moe.opportunity'), false, `${name}: experts are not a dense FFN`);
    if (dense) {
      assert.match(dense.message, /4\.0× the expert FLOPs/);
      assert.ok(dense.savings.every((s) => s.verdict === 'gain' && s.seconds > 0));
    }
    assertSavingsFromEstimator(report, hints, TARGETS);
  }
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
