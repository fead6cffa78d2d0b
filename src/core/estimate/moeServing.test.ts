/**
 * The MoE serving model (moeServing.ts, parallelLayout.ts) on its own and on the graph-only decoders of
 * scripts/makeMoeFixtures.py: Mixtral-8x7B (32 layers, 8 experts top-2), DeepSeek-V3 (MLA, 256 experts top-8
 * + 1 shared) and Kimi K2 (384 INT4 experts). Worked example by hand: docs/estimator.md.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openModelFile } from '../../node/profileFile';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import { buildHints } from '../hints/buildHints';
import { applyWhatIf } from '../hints/whatIf';
import type { ProfileReport } from '../report/reportTypes';
import { detectDecoder, llmBindings } from './llm';
import { estimateOnTarget, kvCacheBytes, layoutChoices, type ModelEstimateOptions } from './modelEstimate';
import { busiestChipExpertsTouched, expectedExpertsTouched, expertInclusion, touchedProbabilities } from './moeServing';
import { chipsNeededFor, memoryPerChip, type LayoutMemory } from './parallelLayout';
import { precisionChoice } from './precision';

const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((p) => existsSync(join(p, 'test', 'fixtures', 'moe')));
const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);

const profiles = new Map<string, ProfileReport>();

/** One decode step (sequence 1) at `batch` with a 1,024-token context, or the prefill of `prompt` tokens. */
function decoder(name: string, batch: number, phase: 'decode' | 'prefill' = 'decode', prompt = 1024): ProfileReport {
  const key = `${name}:${batch}:${phase}:${prompt}`;
  let report = profiles.get(key);
  if (report) return report;
  assert.ok(ROOT, 'test/fixtures/moe not found: run /usr/bin/python3 scripts/makeMoeFixtures.py');
  const opened = openModelFile(join(ROOT, 'test', 'fixtures', 'moe', `${name}.onnx`));
  try {
    const probe = opened.model.profile({ bindings: new Map() });
    const bindings = llmBindings(detectDecoder(probe)!, batch, prompt, 0, prompt - 1)[phase];
    report = opened.model.profile({ bindings: new Map(Object.entries(bindings)) });
  } finally {
    opened.close();
  }
  profiles.set(key, report);
  return report;
}

const hw = (id: string): HardwareEntry => findHardware(id)!;
const FP8: ModelEstimateOptions = precisionChoice('fp8');

// ---------------------------------------------------------------------------------------------------
// Routing

test('uniform routing: E · (1 − (1 − k/E)^T) distinct experts touched by T tokens', () => {
  assert.deepEqual(expertInclusion(8, 2), new Array(8).fill(0.25));
  close(expectedExpertsTouched(8, 2, 1), 2);
  close(expectedExpertsTouched(256, 8, 1), 8);
  // DeepSeek-V3 at 64 tokens: 256 × (1 − (31/32)^64) = 222.44 experts of 256.
  close(expectedExpertsTouched(256, 8, 64), 256 * (1 - Math.pow(1 - 8 / 256, 64)));
  close(expectedExpertsTouched(256, 8, 64), 222.4425, 1e-6);
  // Mixtral at 256 tokens: every expert (8 × (1 − 0.75^256)).
  assert.ok(8 - expectedExpertsTouched(8, 2, 256) < 1e-30);
});

test('skew: a Zipf law of expert popularity, capped at one pick per token; fewer distinct experts for the same tokens', () => {
  for (const skew of [0.5, 1, 2]) {
    const q = expertInclusion(256, 8, skew);
    close(q.reduce((a, b) => a + b, 0), 8);
    assert.ok(q.every((x, i) => x <= 1 && (i === 0 || x <= q[i - 1] + 1e-15)), 'non-increasing, at most 1');
    // One token picks k experts whatever the skew; 64 tokens touch fewer distinct ones the more skewed.
    close(expectedExpertsTouched(256, 8, 1, skew), 8);
    assert.ok(expectedExpertsTouched(256, 8, 64, skew) < expectedExpertsTouched(256, 8, 64, skew / 2));
  }
  // Extreme skew: the most popular expert is in every token's top-k (capped at 1), the others share the rest.
  const q = expertInclusion(16, 2, 4);
  assert.equal(q[0], 1);
  close(q.reduce((a, b) => a + b, 0), 2);
  assert.ok(expectedExpertsTouched(16, 2, 1000, 4) < expectedExpertsTouched(16, 2, 1000, 0));
});

test('the busiest chip under expert parallelism: about one expert at one token, ⌈E / n⌉ once every expert is touched', () => {
  const oneToken = touchedProbabilities(expertInclusion(256, 8), 1);
  const busiest = busiestChipExpertsTouched(oneToken, 32);
  // 8 experts over 32 chips of 8: mostly one per chip, sometimes two on one (birthday collisions).
  assert.ok(busiest > 1 && busiest < 1.6, `${busiest}`);
  close(busiestChipExpertsTouched(new Array(256).fill(1), 32), 8);
  close(busiestChipExpertsTouched(new Array(256).fill(1), 37), 7);
});

// ---------------------------------------------------------------------------------------------------
// Layout memory

test('memory per chip: tensor-parallel splits the KV cache by its heads; expert-parallel replicates all but the experts', () => {
  const m: LayoutMemory = { weightBytes: 100e9, expertLayers: [{ experts: 64, bytes: 90e9 }], activationBytes: 2e9, kvCacheBytes: 8e9, kvHeads: 1, batch: 16 };
  // TP over 4: (100 + 2) / 4 + 8 / 1 (one latent head: every chip holds it all)
  close(memoryPerChip('tensor-parallel', m, 4), 25.5e9 + 8e9);
  // EP over 4: 10 non-expert + 90 / 4 experts + (2 + 8) × 4/16 sequences
  close(memoryPerChip('expert-parallel', m, 4), 10e9 + 22.5e9 + 2.5e9);
  assert.equal(chipsNeededFor('tensor-parallel', m, 40e9), 4);
  // TP can never put less than the whole 8 GB latent on a chip.
  assert.equal(chipsNeededFor('tensor-parallel', m, 7e9), Infinity);
  assert.equal(chipsNeededFor('expert-parallel', m, 40e9), 4);
  // 9 GB per chip: EP needs 90 / n + 10 + 10 × ⌈16/n⌉/16 ≤ 9 — never (10 GB of non-expert weights on each chip).
  assert.equal(chipsNeededFor('expert-parallel', m, 9e9), Infinity);
});

// ---------------------------------------------------------------------------------------------------
// Mixtral-8x7B

test('Mixtral-8x7B FP8 on one H100: the batch-1 decode step is 1.0-2.0× active weight bytes / bandwidth', () => {
  const report = decoder('mixtral_8x7b', 1);
  const h100 = hw('h100-sxm');
  const e = estimateOnTarget(report, h100, { ...FP8, batch: 1 });
  assert.equal(e.chips, 1);
  assert.equal(e.layout, 'single');
  // Active parameters per token at one byte each (FP8): 12.88 GB; at 3.35 TB/s that is 3.85 ms.
  const active = Number(report.moe!.activeParamsPerToken);
  const floor = active / h100.memoryBandwidthBytesPerSecond.value;
  const ratio = e.latencySeconds / floor;
  assert.ok(ratio >= 1 && ratio <= 2, `decode step ${(e.latencySeconds * 1e3).toFixed(2)} ms = ${ratio.toFixed(2)}× ${(floor * 1e3).toFixed(2)} ms`);
  // It reads the two experts of each layer its token picks, not all eight.
  assert.equal(e.moe?.expertsTouchedPerLayer, 2);
  close(e.moe!.expertWeightBytesRead, 32 * 2 * 176_160_768);
  close(e.weightBytesRead, active, 1e-3);
});

test('Mixtral-8x7B FP8 at batch 256: the decode step reads every expert', () => {
  const report = decoder('mixtral_8x7b', 256);
  const e = estimateOnTarget(report, hw('h100-sxm'), { ...FP8, batch: 256 });
  close(e.moe!.expertsTouchedPerLayer, 8);
  // All 32 × 8 experts at one byte per weight.
  close(e.moe!.expertWeightBytesRead, 32 * 8 * 176_160_768, 1e-12);
  const batch1 = estimateOnTarget(decoder('mixtral_8x7b', 1), hw('h100-sxm'), { ...FP8, batch: 1 });
  assert.ok(e.latencySeconds > 2 * batch1.latencySeconds, 'reading four times the experts costs');
  // A skewed routing touches fewer experts at a middling batch, none fewer than one token's k at batch 1.
  const mid = decoder('mixtral_8x7b', 4);
  const uniform = estimateOnTarget(mid, hw('h100-sxm'), { ...FP8, batch: 4 });
  const skewed = estimateOnTarget(mid, hw('h100-sxm'), { ...FP8, batch: 4, moeSkew: 1.5 });
  assert.ok(skewed.moe!.expertsTouchedPerLayer < uniform.moe!.expertsTouchedPerLayer);
  assert.ok(skewed.latencySeconds < uniform.latencySeconds);
});

// ---------------------------------------------------------------------------------------------------
// DeepSeek-V3: MLA cache, layouts, the FP8 expert hint

test('DeepSeek-V3: the KV cache is the compressed latent the graph holds, and tensor parallelism replicates it', () => {
  const report = decoder('deepseek_v3', 64);
  // 61 layers × 64 sequences × 1 latent head × 1,024 tokens (the present cache) × (512 + 64) × 2 bytes (bf16)
  assert.equal(kvCacheBytes(report).bytes, 61 * 64 * 1024 * 576 * 2);
  assert.equal(detectDecoder(report)?.layers, 61);
  const b200 = hw('b200');
  const tp = estimateOnTarget(report, b200, { batch: 64, layout: 'tensor-parallel' });
  assert.equal(tp.layout, 'tensor-parallel');
  assert.ok(tp.memoryNeededBytesPerChip >= tp.kvCacheBytes, 'every chip holds the whole latent');
  assert.ok(tp.notes.some((n) => /KV cache has 1 head/.test(n)));
  const ep = estimateOnTarget(report, b200, { batch: 64, layout: 'expert-parallel' });
  assert.equal(ep.layout, 'expert-parallel');
  assert.ok(ep.moe!.allToAllSeconds > 0 && ep.interconnectSeconds === ep.moe!.allToAllSeconds);
  assert.ok(ep.moe!.expertsPerChip <= Math.ceil(256 / ep.chips));
});

test('DeepSeek-V3 layouts: tensor-parallel at batch 1, expert-parallel once the replicated latent caches outweigh the all-to-all', () => {
  const b200 = hw('b200');
  const one = estimateOnTarget(decoder('deepseek_v3', 1), b200, { batch: 1 });
  assert.equal(one.layout, 'tensor-parallel');
  assert.ok(one.chips > 1 && one.chipsNeeded === one.chips);
  // Under tensor parallelism every chip holds and reads MLA's whole latent cache (one KV head); expert parallelism
  // splits it by sequences at the price of an all-to-all per MoE layer. At batch 256 the cache of a 1,024-token
  // context is too small to pay for it (10 chips × 31.6 ms against 11 × 30.4 ms); at 4,096 tokens it is not.
  const short = estimateOnTarget(decoder('deepseek_v3', 256), b200, { batch: 256 });
  assert.equal(short.layout, 'tensor-parallel');
  const report = decoder('deepseek_v3', 256, 'decode', 4096);
  const serving = estimateOnTarget(report, b200, { batch: 256 });
  assert.equal(serving.layout, 'expert-parallel');
  // The pick is the cheaper in chip-seconds of the layouts that fit.
  for (const c of layoutChoices(report, b200, { batch: 256 })) {
    const other = estimateOnTarget(report, b200, { batch: 256, layout: c.layout });
    assert.ok(serving.chips * serving.latencySeconds <= other.chips * other.latencySeconds * (1 + 1e-9), c.layout);
  }
  // Fixed chips (a deployment's node): both layouts run on them, the cheaper is kept.
  const node = estimateOnTarget(decoder('deepseek_v3', 256), b200, { batch: 256, chips: 16 });
  assert.equal(node.chips, 16);
});

test('DeepSeek-V3 at batch 1 on H100s: the FP8 expert hint halves the chips and saves over a third of the decode step’s chip-seconds', () => {
  const report = decoder('deepseek_v3', 1);
  const h100 = hw('h100-sxm');
  const options = { batch: 1 };
  const hints = buildHints(report, [h100], options);
  const hint = hints.find((h) => h.code === 'moe.experts-fp8');
  assert.ok(hint, `no moe.experts-fp8 among ${hints.map((h) => h.code).join(', ')}`);
  assert.match(hint.message, /58 MoE layers × 256 experts, 97% of the weights, 16-bit/);
  assert.match(hint.message, /memory-bound on h100-sxm/);
  const [s] = hint.savings;
  assert.equal(s.verdict, 'gain');
  // 1,342 GB in BF16 does not fit on one H100 (80 GiB, 90% of it usable): 18 chips; FP8 experts (688 GB) need 9.
  assert.equal(s.chipsBefore, 18);
  assert.equal(s.chipsAfter, 9);
  const before = estimateOnTarget(report, h100, options);
  const after = estimateOnTarget(applyWhatIf(report, hint.change!), h100, options);
  close(s.seconds, before.latencySeconds - after.latencySeconds, 1e-9);
  const chipSeconds = (e: typeof before) => e.chips * e.latencySeconds;
  assert.ok(chipSeconds(after) <= (2 / 3) * chipSeconds(before), `${chipSeconds(after)} vs ${chipSeconds(before)}`);
  // On the same 18 chips the step itself gets faster (the experts it reads halve).
  const same = estimateOnTarget(applyWhatIf(report, hint.change!), h100, { ...options, chips: 18, layout: 'tensor-parallel' });
  assert.ok(same.latencySeconds < before.latencySeconds);
});

test('DeepSeek-V3 at batch 256 on H100s: the step reads every expert, and FP8 experts halve what it streams', () => {
  const report = decoder('deepseek_v3', 256);
  const h100 = hw('h100-sxm');
  const before = estimateOnTarget(report, h100, { batch: 256 });
  close(before.moe!.expertsTouchedPerLayer, 256, 1e-3);
  const hint = buildHints(report, [h100], { batch: 256 }).find((h) => h.code === 'moe.experts-fp8')!;
  assert.ok(hint);
  // On the same chips: experts are 97% of the weights, so the weight bytes read drop to about half.
  const after = estimateOnTarget(applyWhatIf(report, hint.change!), h100, { batch: 256, chips: before.chips, layout: before.layout });
  assert.ok(after.weightBytesRead <= 0.52 * before.weightBytesRead, `${after.weightBytesRead} vs ${before.weightBytesRead}`);
  assert.ok(after.latencySeconds < before.latencySeconds);
});

test('Kimi K2 ships INT4 experts: no INT4, FP4 or FP8 expert hint', () => {
  const report = decoder('kimi_k2', 1);
  const codes = buildHints(report, [hw('h100-sxm'), hw('b200')], { batch: 1 }).map((h) => h.code);
  assert.deepEqual(codes.filter((c) => c.startsWith('moe.experts-')), []);
});

// ---------------------------------------------------------------------------------------------------
// Physics

const TARGETS = ['h100-sxm', 'h200', 'b200', 'mi300x', 'tpu-v5p', 'trainium2', 'gaudi3', 'groq-lpu'];

test('physics: no decode step beats the weight bytes it reads over the aggregate bandwidth of its chips', () => {
  for (const name of ['mixtral_8x7b', 'deepseek_v3', 'kimi_k2']) {
    for (const batch of [1, 64]) {
      const report = decoder(name, batch);
      for (const id of TARGETS) {
        const device = hw(id);
        for (const options of [{ batch }, { ...FP8, batch }]) {
          const e = estimateOnTarget(report, device, options);
          const floor = e.weightBytesRead / (e.chips * device.memoryBandwidthBytesPerSecond.value);
          assert.ok(e.latencySeconds >= floor, `${name} b${batch} on ${id} (${e.layout} × ${e.chips}): ${e.latencySeconds} < ${floor}`);
          // And the weights read are at least the active parameters' (every token's non-expert weights and k experts).
          assert.ok(e.weightBytesRead > 0);
        }
      }
    }
  }
});
