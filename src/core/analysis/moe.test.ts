/**
 * MoE detection and the report's `moe` section, on the fixtures of scripts/makeMoeFixtures.py.
 *
 * Small forms: 16 tokens, hidden 64, intermediate 128. A SwiGLU expert holds 3 × 64 × 128 = 24,576 weights, a
 * plain (Switch) one 2 × 64 × 128 = 16,384; a router 64 × E, plus E for DeepSeek's score-correction bias.
 * Active params per token = total − (E − k) × params per expert in each MoE layer.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openModelFile, profileModelFile } from '../../node/profileFile';
import { detectDecoder } from '../estimate/llm';
import { REPORT_SCHEMA_VERSION, type MoeReport, type ProfileReport } from '../report/reportTypes';
import { detectMoe } from './moe';

/** Compiled to out/src/core/analysis/: the fixtures are at the repository root (or the working directory). */
const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((p) => existsSync(join(p, 'test', 'fixtures', 'moe')));

function fixture(dir: string, name: string): string {
  assert.ok(ROOT, 'test/fixtures/moe not found: run /usr/bin/python3 scripts/makeMoeFixtures.py');
  return join(ROOT, 'test', 'fixtures', dir, `${name}.onnx`);
}

function load(name: string, bindings: Readonly<Record<string, number>> = {}): ProfileReport {
  if (Object.keys(bindings).length === 0) return profileModelFile(fixture('moe', name));
  const opened = openModelFile(fixture('moe', name));
  try {
    return opened.model.profile({ bindings: new Map(Object.entries(bindings)) });
  } finally {
    opened.close();
  }
}

function moeOf(report: ProfileReport): MoeReport {
  assert.ok(report.moe, `${report.model.path}: no moe section`);
  return report.moe;
}

const SWIGLU = 3 * 64 * 128;
const PLAIN = 2 * 64 * 128;

interface Expected {
  readonly kind: 'fused' | 'sparse' | 'dense';
  readonly layers: number;
  readonly experts: number;
  readonly topK: number;
  readonly paramsPerExpert: number;
  readonly shared: number;
  readonly sharedParams: number;
  readonly totalParams: number;
  readonly activeParams: number;
  /** Experts the graph holds, when a shard holds fewer than all. */
  readonly held?: number;
}

/**
 * QMoE here has 8-bit experts (one value per byte, so stored = logical) with one float scale per block of 32
 * inputs: 128 × 2 (fc1) + 64 × 4 (fc2) + 128 × 2 (fc3) = 768 scales per expert, which are weight bytes, not
 * params (QUANTIZATION_INPUTS): 24,576 params per expert.
 */
const QMOE_EXPERT = SWIGLU;

const CASES: Readonly<Record<string, Expected>> = {
  // router 512
  fused_mixtral: { kind: 'fused', layers: 1, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 0, sharedParams: 0, totalParams: 8 * SWIGLU + 512, activeParams: 2 * SWIGLU + 512 },
  fused_switch_shared: { kind: 'fused', layers: 1, experts: 8, topK: 1, paramsPerExpert: PLAIN, shared: 1, sharedParams: PLAIN, totalParams: 9 * PLAIN + 512, activeParams: 2 * PLAIN + 512 },
  // router 512 + bias 8; 227,848 = 8 × 25,344 + 24,576 + 520; active = 227,848 − 6 × 25,344
  fused_qmoe_shared: { kind: 'fused', layers: 1, experts: 8, topK: 2, paramsPerExpert: QMOE_EXPERT, shared: 1, sharedParams: SWIGLU, totalParams: 8 * QMOE_EXPERT + SWIGLU + 520, activeParams: 2 * QMOE_EXPERT + SWIGLU + 520 },
  // rank 0 of 2 holds experts 0-3: 4 × 24,576 + 512; a token uses k × 4 / 8 = 1 of them on average
  sharded_mixtral: { kind: 'fused', layers: 1, experts: 8, held: 4, topK: 2, paramsPerExpert: SWIGLU, shared: 0, sharedParams: 0, totalParams: 4 * SWIGLU + 512, activeParams: SWIGLU + 512 },
  // a dense SwiGLU layer, then two MoE layers of 8 × 24,576 + shared 24,576 + router 520: 467,984
  mixed_deepseek: { kind: 'fused', layers: 2, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 1, sharedParams: SWIGLU, totalParams: SWIGLU + 2 * (9 * SWIGLU + 520), activeParams: SWIGLU + 2 * (3 * SWIGLU + 520) },
  sparse_mixtral: { kind: 'sparse', layers: 2, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 0, sharedParams: 0, totalParams: 2 * (8 * SWIGLU + 512), activeParams: 2 * (2 * SWIGLU + 512) },
  sparse_switch: { kind: 'sparse', layers: 1, experts: 8, topK: 1, paramsPerExpert: PLAIN, shared: 0, sharedParams: 0, totalParams: 8 * PLAIN + 512, activeParams: PLAIN + 512 },
  // Qwen's shared expert has its own sigmoid gate (64 × 1), outside the expert: 221,760 total
  sparse_qwen_shared: { kind: 'sparse', layers: 1, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 1, sharedParams: SWIGLU, totalParams: 9 * SWIGLU + 512 + 64, activeParams: 3 * SWIGLU + 512 + 64 },
  dense_mixtral: { kind: 'dense', layers: 1, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 0, sharedParams: 0, totalParams: 8 * SWIGLU + 512, activeParams: 2 * SWIGLU + 512 },
  dense_mixtral_shared: { kind: 'dense', layers: 1, experts: 8, topK: 2, paramsPerExpert: SWIGLU, shared: 1, sharedParams: SWIGLU, totalParams: 9 * SWIGLU + 512, activeParams: 3 * SWIGLU + 512 },
  dense_switch: { kind: 'dense', layers: 1, experts: 4, topK: 1, paramsPerExpert: PLAIN, shared: 0, sharedParams: 0, totalParams: 4 * PLAIN + 256, activeParams: PLAIN + 256 },
};

for (const [name, e] of Object.entries(CASES)) {
  test(`${name}: ${e.layers} ${e.kind} MoE layer(s), ${e.experts} experts, top-${e.topK}, ${e.shared} shared`, () => {
    const report = load(name);
    const moe = moeOf(report);
    assert.equal(moe.layers.length, e.layers);
    assert.equal(moe.experts, e.experts);
    assert.equal(moe.topK, e.topK);
    assert.equal(moe.sharedExperts, e.shared);
    assert.equal(moe.totalParams, e.totalParams);
    assert.equal(moe.totalParams, report.totals.params);
    assert.equal(moe.activeParamsPerToken, e.activeParams);
    assert.equal(moe.expertParams, e.layers * (e.held ?? e.experts) * e.paramsPerExpert);
    for (const layer of moe.layers) {
      assert.equal(layer.kind, e.kind);
      assert.equal(layer.experts, e.experts);
      assert.equal(layer.expertsHeld, e.held);
      assert.equal(layer.topK, e.topK);
      assert.equal(layer.sharedExperts, e.shared);
      assert.equal(layer.sharedExpertParams, e.sharedParams);
      assert.equal(layer.paramsPerExpert, e.paramsPerExpert);
      assert.equal(layer.tokens, 16);
      assert.match(layer.name, /^\/model\/layers\.\d+\/moe$/);
      const router = report.nodes[layer.routerNode ?? -1];
      assert.equal(router?.opType, 'MatMul', 'the router is the logits MatMul');
      assert.ok(layer.nodes.includes(router.index));
      // Expert FLOPs as executed vs under top-k dispatch: E/k for dense exports, 1 for sparse and fused ones.
      const ratio = Number(layer.expertFlopsExecuted) / Number(layer.expertFlopsSparse);
      assert.ok(Math.abs(ratio - (e.kind === 'dense' ? e.experts / e.topK : 1)) < 1e-9, `ratio ${ratio}`);
    }
  });
}

test('fused layers: the node, its router chain and its shared expert are the layer; the node carries the experts', () => {
  const report = load('fused_qmoe_shared');
  const [layer] = moeOf(report).layers;
  const ops = layer.nodes.map((i) => report.nodes[i].opType);
  // router MatMul → Sigmoid → Add(bias) → QMoE, and the shared SwiGLU: gate and up MatMul, Sigmoid, 2 Mul, down MatMul
  assert.deepEqual([...ops].sort(), ['Add', 'MatMul', 'MatMul', 'MatMul', 'MatMul', 'Mul', 'Mul', 'QMoE', 'Sigmoid', 'Sigmoid']);
  // 8-bit values + fp32 scales: 24,576 bytes + 768 × 4
  assert.equal(layer.weightBytesPerExpert, SWIGLU + 768 * 4);
});

test('dense export: experts executed vs top-k dispatch, and the summary the hints use', () => {
  const report = load('dense_mixtral');
  const moe = moeOf(report);
  assert.equal(Number(moe.expertFlopsExecuted) / Number(moe.expertFlopsSparse), 4);
  const layer = detectMoe(report).layers[0];
  assert.equal(layer.expertUnits.length, 8);
  assert.equal(layer.routerParams, 512);
  assert.equal(layer.expertFlopsAsExported, Number(moe.expertFlopsExecuted));
});

test('sparse export: expert FLOPs counted at tokens × k, not at the data-dependent count the report binds to 1', () => {
  const report = load('sparse_mixtral');
  const layer = detectMoe(report).layers[0];
  assert.equal(layer.expertFlopsAsExported, 16 * 2 * (layer.expertFlopsReported / 8));
});

test('no moe section for models without MoE: a dense FFN stack, ResNet-18, BERT-large', () => {
  for (const [dir, name] of [['moe', 'dense_ffn'], ['cnn', 'resnet18'], ['mlperf', 'bert_large']]) {
    const report = profileModelFile(fixture(dir, name));
    assert.equal(report.moe, undefined, name);
    assert.equal('moe' in JSON.parse(JSON.stringify(report)), false, name);
    assert.equal(report.schemaVersion, REPORT_SCHEMA_VERSION);
  }
  assert.equal(REPORT_SCHEMA_VERSION, '1.7.0');
});

// ---------------------------------------------------------------------------------------------------
// Decoders from the published configs (graph-only, bf16, KV cache), profiled for one decode step at 1,024 tokens

const DECODE = { batch_size: 1, sequence_length: 1, past_sequence_length: 1023, total_sequence_length: 1024 };

/** The file is graph only: small, its weights external and absent, yet every weight's size is known. */
function assertGraphOnly(report: ProfileReport, maxFileBytes: number): void {
  assert.ok(report.model.fileBytes < maxFileBytes, `${report.model.fileBytes} bytes`);
  assert.ok(report.diagnostics.some((d) => d.code === 'weights-absent' && /^weights are not present: \d+ tensors in 'weights\.bin'/.test(d.message)));
  assert.equal(report.coverage.percent, 100);
}

test('Mixtral-8x7B-like decoder: 46.7 B params, 12.9 B active per token, 8 experts top-2 in 32 layers', () => {
  const report = load('mixtral_8x7b', DECODE);
  assertGraphOnly(report, 150_000);
  const moe = moeOf(report);
  // Per layer: attention q 4096² + k, v 4096 × 1024 + o 4096² = 41,943,040; two RMSNorms 8,192; router 4096 × 8
  // = 32,768; experts 8 × 3 × 4096 × 14336 = 1,409,286,144 (176,160,768 each). 32 layers: 46,440,644,608.
  // Embedding and lm_head 2 × 32000 × 4096 = 262,144,000, final norm 4,096: 46,702,792,704 (published: 46.7 B).
  // The rotary caches the model builder stores (2 × 32768 × 64) are tables, not parameters.
  assert.equal(moe.totalParams, 46_702_792_704);
  // Active: minus 32 layers × 6 unused experts × 176,160,768 = 33,822,867,456 → 12,879,925,248 (published: 12.9 B).
  assert.equal(moe.activeParamsPerToken, 12_879_925_248);
  assert.deepEqual([moe.layers.length, moe.experts, moe.topK, moe.sharedExperts], [32, 8, 2, 0]);
  assert.ok(moe.layers.every((l) => l.kind === 'fused' && l.paramsPerExpert === 176_160_768 && l.tokens === 1));
  // One token's expert FLOPs per layer: 2 × 2 × 176,160,768 = 704,643,072 for the matrices, SiLU and gate product
  // 2 × 14336 × 12 = 344,064, combining 2 × 2 × 4096 = 16,384, top-2 selection 8 × 2 and renormalising 2 × 2.
  assert.equal(moe.layers[0].expertFlopsSparse, 704_643_072 + 344_064 + 16_384 + 16 + 4);
  assert.equal(moe.expertFlopsSparse, 32 * 705_003_540);
  const decoder = detectDecoder(report);
  assert.equal(decoder?.layers, 32);
  assert.equal(decoder?.kvHeads, 8);
});

test('DeepSeek-V3-like decoder: 671 B params, 37.6 B active, 3 dense layers then 256 experts top-8 + 1 shared', () => {
  const report = load('deepseek_v3', DECODE);
  assertGraphOnly(report, 400_000);
  const moe = moeOf(report);
  // Attention per layer (MLA): q_a 7168 × 1536 = 11,010,048, its norm 1,536, q_b 1536 × 128 × 192 = 37,748,736,
  // W_UK 128 × 128 × 512 = 8,388,608, kv_a 7168 × 576 = 4,128,768, its norm 512, W_UV 128 × 512 × 128 = 8,388,608,
  // o 128 × 128 × 7168 = 117,440,512: 187,107,328, plus two RMSNorms 14,336 → 61 × 187,121,664 = 11,414,421,504.
  // Dense FFN (layers 0-2): 3 × 7168 × 18432 = 396,361,728 each → 1,189,085,184.
  // MoE layer: router 7168 × 256 = 1,835,008 + bias 256, experts 256 × 3 × 7168 × 2048 (44,040,192 each) =
  // 11,274,289,152, shared expert 44,040,192: 11,320,164,608 → 58 layers: 656,569,547,264.
  // Embedding and lm_head 2 × 129280 × 7168 = 1,853,358,080, final norm 7,168, three scalar constants (attention
  // scale, mask 1 and −10000; the rotary caches are tables, not parameters): 671,026,419,203 (published: 671 B).
  assert.equal(moe.totalParams, 671_026_419_203);
  // Active: minus 58 × (256 − 8) × 44,040,192 = 633,474,121,728 → 37,552,297,475 (published: 37 B).
  assert.equal(moe.activeParamsPerToken, 37_552_297_475);
  assert.deepEqual([moe.layers.length, moe.experts, moe.topK, moe.sharedExperts], [58, 256, 8, 1]);
  assert.equal(moe.layers[0].name, '/model/layers.3/moe', 'layers 0-2 are dense: no MoE there');
  assert.ok(moe.layers.every((l) => l.paramsPerExpert === 44_040_192 && l.sharedExpertParams === 44_040_192));
  // The cache is MLA's compressed latent: one [batch, 1, past, 512 + 64] tensor per layer, not per-head K and V.
  const past = report.graphInputs.filter((t) => t.name.startsWith('past_key_values.'));
  assert.equal(past.length, 61);
  assert.deepEqual(past[0].shape, [1, 1, 1023, 576], 'batch, one latent head, past tokens, 512 + 64');
  assert.equal(detectDecoder(report)?.layers, 61);
});

test('Kimi-K2-like decoder: 384 INT4 experts top-8 + 1 shared in QMoE, after one dense layer', () => {
  const report = load('kimi_k2', DECODE);
  assertGraphOnly(report, 400_000);
  const moe = moeOf(report);
  assert.deepEqual([moe.layers.length, moe.experts, moe.topK, moe.sharedExperts], [60, 384, 8, 1]);
  assert.equal(moe.layers[0].name, '/model/layers.1/moe');
  assert.ok(moe.layers.every((l) => l.kind === 'fused' && report.nodes[l.nodes.find((i) => report.nodes[i].opType === 'QMoE')!] !== undefined));
  // Logical params (issue 9 counts packed 4-bit values, not bytes, and no scales): attention 64 heads 101,124,096
  // + norms 14,336 per layer × 61 = 6,169,444,352; one dense FFN 396,361,728; 60 MoE layers of router 2,752,512
  // + bias 384 + 384 experts × 44,040,192 + shared 44,040,192 = 1,017,493,608,960; embedding and lm_head
  // 2 × 163840 × 7168 = 2,348,810,240; final norm 7,168; 3 scalars (rotary caches are not parameters):
  // 1,026,408,232,451 total (published: 1.04 T) and 1,026,408,232,451 − 60 × 376 × 44,040,192 = 32,861,500,931
  // active (published: 32 B). Until packed 4-bit params land, the total reads about half; only the structure
  // and the FLOPs, which count unpacked values already, are asserted here.
  // Per layer at one token: 2 × 8 × 44,040,192 = 704,643,072 for the matrices, SiLU and gate product
  // 8 × 2048 × 12 = 196,608, combining 8 × 2 × 7168 = 114,688, top-8 selection 384 × 4 and renormalising 8 × 2.
  assert.equal(moe.layers[0].expertFlopsSparse, 704_643_072 + 196_608 + 114_688 + 1_536 + 16);
  assert.equal(detectDecoder(report)?.layers, 61);
});
