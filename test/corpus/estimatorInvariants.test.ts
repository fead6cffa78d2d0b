/**
 * Physical invariants of the estimator on every corpus model (../shared/models), the checks that found this
 * stop's rule fixes kept as a test: no figure is non-finite, no call beats its weight bytes over the chips'
 * bandwidth, utilisation stays in [0, 1]; a narrower precision choice is not slower than a wider one (fp32 → bf16 →
 * fp8 / int8) by more than 5%; and a hint that gains on a target does not raise its energy by more than 1%.
 * Prints the counts it checked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateOnTarget, notEstimableReason } from '../../src/core/estimate/modelEstimate';
import type { PrecisionChoice } from '../../src/core/estimate/precision';
import { findHardware, HARDWARE_CATALOG } from '../../src/core/hardware/catalog';
import { analyzeHints } from '../../src/core/hints/buildHints';
import { applyWhatIf } from '../../src/core/hints/whatIf';
import type { ProfileReport } from '../../src/core/report/reportTypes';
import { profileModelFile } from '../../src/node/profileFile';
import { CORPUS_DIR, listCorpus } from './corpusSweep';

/** Models large enough to take seconds per estimate are left to the bench. */
const MAX_NODES = 4000;
const PRECISION_TARGETS = ['h100-sxm', 'b200', 'l4', 'mi300x', 'tpu-v5e', 'gaudi3'];
const HINT_TARGETS = ['h100-sxm', 'l4', 'tpu-v5e', 'gaudi3', 'mi300x'];
/** Narrower choice after wider one: the narrower may not be slower by more than 5%. */
const PRECISION_STEPS: readonly [PrecisionChoice, PrecisionChoice][] = [['fp32', 'bf16'], ['bf16', 'fp8'], ['bf16', 'int8']];

function corpusReports(): { file: string; report: ProfileReport }[] {
  const out: { file: string; report: ProfileReport }[] = [];
  for (const file of listCorpus()) {
    let report: ProfileReport;
    try {
      report = profileModelFile(file);
    } catch {
      continue; // refused with a typed error: the corpus sweep checks those
    }
    if (report.nodes.length <= MAX_NODES) out.push({ file: file.slice(CORPUS_DIR.length + 1), report });
  }
  return out;
}

test('estimator invariants on every corpus model: finite figures, bandwidth and precision order, hints that gain do not cost energy', { timeout: 10 * 60 * 1000 }, (t) => {
  const reports = corpusReports();
  if (reports.length === 0) {
    t.skip('../shared/models is not present');
    return;
  }
  const devices = HARDWARE_CATALOG.filter((d) => !notEstimableReason(d));
  const problems: string[] = [];
  let estimates = 0;
  for (const { file, report } of reports) {
    for (const d of devices) {
      const e = estimateOnTarget(report, d);
      estimates++;
      for (const [name, v] of Object.entries({ latencySeconds: e.latencySeconds, memoryNeededBytes: e.memoryNeededBytes, weightBytesRead: e.weightBytesRead, utilisation: e.utilisation })) {
        if (!Number.isFinite(v)) problems.push(`${file} on ${d.id}: ${name} is ${v}`);
      }
      if (e.joulesPerInference !== null && !(e.joulesPerInference >= 0)) problems.push(`${file} on ${d.id}: energy ${e.joulesPerInference}`);
      if (e.utilisation < 0 || e.utilisation > 1 + 1e-9) problems.push(`${file} on ${d.id}: utilisation ${e.utilisation}`);
      const floor = e.weightBytesRead / (d.memoryBandwidthBytesPerSecond.value * e.chips);
      if (e.latencySeconds < floor * (1 - 1e-9)) problems.push(`${file} on ${d.id}: ${e.latencySeconds} s, under its weight bytes over bandwidth (${floor} s)`);
    }
  }
  let precisionPairs = 0;
  for (const { file, report } of reports) {
    if (Number(report.totals.flops) < 1e6) continue;
    for (const id of PRECISION_TARGETS) {
      const d = findHardware(id)!;
      for (const [wide, narrow] of PRECISION_STEPS) {
        const a = estimateOnTarget(report, d, { precisionOverride: wide });
        const b = estimateOnTarget(report, d, { precisionOverride: narrow });
        precisionPairs++;
        if (a.chips === b.chips && b.latencySeconds > a.latencySeconds * 1.05) problems.push(`${file} on ${id}: ${narrow} ${b.latencySeconds} s, over 5% slower than ${wide} ${a.latencySeconds} s`);
      }
    }
  }
  const hintTargets = HINT_TARGETS.map((id) => findHardware(id)!);
  let hintChecks = 0;
  for (const { file, report } of reports) {
    for (const h of analyzeHints(report, hintTargets).hints) {
      if (!h.change) continue;
      const changed = applyWhatIf(report, h.change);
      for (const s of h.savings) {
        if (s.verdict !== 'gain') continue;
        const d = hintTargets.find((x) => x.id === s.target)!;
        const before = estimateOnTarget(report, d).joulesPerInference;
        const after = estimateOnTarget(changed, d).joulesPerInference;
        hintChecks++;
        if (before !== null && after !== null && after > before * 1.01) problems.push(`${file}: hint ${h.code} gains on ${d.id} but its energy rises ${before} → ${after} J`);
      }
    }
  }
  console.log(`invariants: ${reports.length} models, ${estimates} estimates on ${devices.length} devices, ${precisionPairs} precision pairs, ${hintChecks} gaining hint savings; ${problems.length} problems`);
  assert.deepEqual(problems.slice(0, 20), []);
});
