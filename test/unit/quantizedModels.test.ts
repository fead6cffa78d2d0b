/**
 * Quantized graphs as ONNX Runtime's quantizers write them (test/fixtures/quant, scripts/makeQuantFixtures.py),
 * against the float model of the same architecture estimated with `--precision` of the same type.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCliCaptured as run } from './cliRun';
import { estimateModel, estimateOnTarget } from '../../src/core/estimate/modelEstimate';
import type { PrecisionChoice } from '../../src/core/estimate/precision';
import { estimateNodes } from '../../src/core/estimate/roofline';
import { findHardware } from '../../src/core/hardware/catalog';
import type { HardwareEntry } from '../../src/core/hardware/hardwareTypes';
import { buildHints } from '../../src/core/hints/buildHints';
import type { AnalysisReport } from '../../src/core/pipeline/analysisTypes';
import { countToNumber, type ProfileReport } from '../../src/core/report/reportTypes';
import { openModelFile } from '../../src/node/profileFile';

const FIXTURES = [join(__dirname, '..', '..', '..', 'test', 'fixtures', 'quant'), join(process.cwd(), 'test', 'fixtures', 'quant')].find(existsSync);
const TARGETS: readonly HardwareEntry[] = ['h100-sxm', 'a100-80gb', 'l4'].map((id) => findHardware(id)!);

const cache = new Map<string, ProfileReport>();
function profile(model: string, bindings: Record<string, number>): ProfileReport {
  const key = `${model}:${JSON.stringify(bindings)}`;
  let report = cache.get(key);
  if (!report) {
    assert.ok(FIXTURES, 'test/fixtures/quant not found');
    const opened = openModelFile(join(FIXTURES, `${model}.onnx`));
    try {
      report = opened.model.profile({ bindings: new Map(Object.entries(bindings)) });
    } finally {
      opened.close();
    }
    cache.set(key, report);
  }
  return report;
}

const CNN = { batch: 32 };
/** One decode step at a 256-token context: where weight-only and dynamic int8 deployments run. */
const DECODE = { batch: 1, sequence: 1, past_sequence: 256 };
/** Eight 512-token prompts: compute-bound, where weight-only (16-bit arithmetic) and int8 arithmetic part ways. */
const PREFILL = { batch: 8, sequence: 512, past_sequence: 0 };

const PAIRS: readonly { quantized: string; float: string; precision: PrecisionChoice; bindings: Record<string, number> }[] = [
  { quantized: 'resnet50_qdq', float: 'resnet50_fp32', precision: 'int8', bindings: CNN },
  { quantized: 'resnet50_qdq_per_channel', float: 'resnet50_fp32', precision: 'int8', bindings: CNN },
  { quantized: 'resnet50_qoperator', float: 'resnet50_fp32', precision: 'int8', bindings: CNN },
  { quantized: 'decoder_dynamic_int8', float: 'decoder_fp32', precision: 'int8', bindings: DECODE },
  { quantized: 'decoder_matmulnbits', float: 'decoder_fp16', precision: 'int4', bindings: DECODE },
  { quantized: 'decoder_int4_qdq', float: 'decoder_fp16', precision: 'int4', bindings: DECODE },
  { quantized: 'moe_decoder_qmoe4', float: 'moe_decoder_fp16', precision: 'int4', bindings: DECODE },
  { quantized: 'decoder_matmulnbits8', float: 'decoder_fp16', precision: 'int8-weight-only', bindings: DECODE },
  { quantized: 'decoder_int8_weight_qdq', float: 'decoder_fp16', precision: 'int8-weight-only', bindings: DECODE },
  { quantized: 'decoder_matmulnbits8', float: 'decoder_fp16', precision: 'int8-weight-only', bindings: PREFILL },
  { quantized: 'decoder_int8_weight_qdq', float: 'decoder_fp16', precision: 'int8-weight-only', bindings: PREFILL },
];

for (const p of PAIRS) {
  const phase = p.bindings === PREFILL ? ' (prefill)' : '';
  test(`${p.quantized}${phase}: within 10% of ${p.float} with --precision ${p.precision} on H100, A100 and L4; the same params`, () => {
    const quantized = profile(p.quantized, p.bindings);
    const float = profile(p.float, p.bindings);
    assert.equal(quantized.coverage.percent, 100, JSON.stringify(quantized.coverage.uncoveredOpTypes));
    assert.equal(quantized.totals.params, float.totals.params);
    const q = estimateModel(quantized, TARGETS, { batch: p.bindings.batch });
    const f = estimateModel(float, TARGETS, { batch: p.bindings.batch, precisionOverride: p.precision });
    TARGETS.forEach((t, i) => {
      const ratio = q[i].latencySeconds / f[i].latencySeconds;
      assert.ok(Math.abs(ratio - 1) <= 0.1, `${t.id}: ${(q[i].latencySeconds * 1e3).toFixed(3)} ms vs ${(f[i].latencySeconds * 1e3).toFixed(3)} ms`);
    });
  });
}

test('QDQ ResNet-50: every Conv computes in int8; Q/DQ fold into the convs; as exported they are kernels of their own', () => {
  const report = profile('resnet50_qdq', CNN);
  const convs = report.nodes.filter((n) => n.opType === 'Conv');
  assert.equal(convs.length, 53);
  for (const c of convs) assert.equal(c.computeDtype, 'int8', c.name);
  const h100 = TARGETS[0];
  const fused = estimateNodes(report, h100);
  const dq = fused.filter((e) => e.opType === 'DequantizeLinear' && e.fusion?.rules.includes('qdq'));
  assert.ok(dq.length >= 180);
  assert.ok(dq.every((e) => e.seconds === 0 && e.memoryBytes === 0));
  for (const e of fused.filter((x) => x.opType === 'Conv')) assert.equal(e.precision, 'int8');
  const exported = estimateNodes(report, h100, { execution: 'as-exported' });
  for (const e of exported.filter((x) => x.opType === 'Conv')) assert.equal(e.precision, 'fp32');
  assert.ok(exported.filter((e) => e.opType === 'DequantizeLinear').every((e) => e.seconds > 0));
  const [f] = estimateModel(report, [h100]);
  const [x] = estimateModel(report, [h100], { execution: 'as-exported' });
  assert.ok(x.latencySeconds > 5 * f.latencySeconds, `${x.latencySeconds} vs ${f.latencySeconds}`);
  assert.equal(f.fusionSavings[0].rule, 'qdq');
});

test('QMoE with 4-bit experts: logical params = 2 × the packed bytes of the expert tensors', () => {
  const report = profile('moe_decoder_qmoe4', DECODE);
  const qmoe = report.nodes.filter((n) => n.opType === 'QMoE');
  assert.equal(qmoe.length, 4);
  // fc1 and fc3 [8, 4096, 2048 / 2], fc2 [8, 2048, 4096 / 2], uint8: two 4-bit values per byte
  const packedBytes = 3 * 8 * 4096 * 1024;
  for (const n of qmoe) {
    assert.equal(n.params, 2 * packedBytes);
    assert.equal(n.quantization?.weightBits, 4);
  }
  const float = profile('moe_decoder_fp16', DECODE).nodes.filter((n) => n.opType === 'MoE');
  assert.equal(float[0].params, qmoe[0].params);
});

test('physics: a quantized decode step cannot beat its weight bytes over the memory bandwidth', () => {
  for (const model of ['decoder_matmulnbits', 'decoder_int4_qdq', 'decoder_dynamic_int8', 'moe_decoder_qmoe4']) {
    const report = profile(model, DECODE);
    for (const t of [...TARGETS, findHardware('b200')!]) {
      const e = estimateOnTarget(report, t, { batch: 1 });
      // The MoE step reads the experts its token is routed to, the others all their weights.
      const moe = report.nodes.filter((n) => n.opType === 'QMoE').reduce((s, n) => s + countToNumber(n.weightBytes) * (1 - 2 / 8), 0);
      const floor = (countToNumber(report.totals.weightBytes) - moe) / t.memoryBandwidthBytesPerSecond.value;
      assert.ok(e.latencySeconds >= floor, `${model} on ${t.id}: ${e.latencySeconds} s < ${floor} s`);
    }
  }
});

test('precision hints start from the effective precision: no INT8 or BF16 hint on an int8 QDQ model', () => {
  const hints = buildHints(profile('resnet50_qdq', CNN), TARGETS, { batch: 32 });
  const codes = hints.map((h) => h.code);
  assert.ok(!codes.includes('precision.int8'), codes.join(', '));
  assert.ok(!codes.includes('precision.bf16'), codes.join(', '));
  const float = buildHints(profile('resnet50_fp32', CNN), TARGETS, { batch: 32 }).map((h) => h.code);
  assert.ok(float.includes('precision.int8'), float.join(', '));
});

test('FP4 advice follows the effective precision: W4A4 for the int8 layers on B200 only, bound as the estimator finds it', () => {
  const b200 = findHardware('b200')!;
  // At batch 32 the convolutions are too small for FP4 to pay (Blackwell's FP4 GEMMs beat FP8 only from about
  // 4096³ in the GB200 sweep): no FP4 hint. At batch 256 they are large enough.
  assert.ok(!buildHints(profile('resnet50_qdq', CNN), [TARGETS[0], b200], { batch: 32 }).some((h) => h.code === 'precision.fp4'));
  const hints = buildHints(profile('resnet50_qdq', { batch: 256 }), [TARGETS[0], b200], { batch: 256 });
  const fp4 = hints.find((h) => h.code === 'precision.fp4');
  assert.ok(fp4, hints.map((h) => h.code).join(', '));
  assert.equal(fp4.savings.find((s) => s.target === 'b200')!.verdict, 'gain');
  assert.match(fp4.savings.find((s) => s.target === 'h100-sxm')!.reason ?? '', /no FP4 matrix units/);
  assert.match(fp4.message, /\(compute-bound on h100-sxm, b200\)/);
  assert.ok(!hints.some((h) => h.code === 'precision.fp8' || h.code === 'precision.int8'));
  // A 4-bit weight-only model gets no weight-only hint: its weights are 4-bit already.
  const int4 = buildHints(profile('decoder_matmulnbits', DECODE), [TARGETS[0], b200], { batch: 1 }).map((h) => h.code);
  assert.ok(!int4.some((c) => c.startsWith('precision.weight-only')), int4.join(', '));
});

test('--precision fp4 runs at the FP4 peak on B200 and falls back, with a note, on H100', () => {
  assert.ok(FIXTURES);
  const { code, stdout } = run([join(FIXTURES, 'decoder_fp16.onnx'), '--bind', 'sequence=512', '--bind', 'past_sequence=0', '--precision', 'fp4', '--target', 'b200', '--target', 'h100-sxm', '--format', 'json']);
  assert.equal(code, 0);
  const report = JSON.parse(stdout) as AnalysisReport;
  const [b200, h100] = report.estimates!;
  assert.ok(!b200.notes.some((n) => n.includes('fp4')), b200.notes.join('; '));
  assert.match(h100.notes.join('\n'), /h100-sxm has no FP4 matrix units; weighted layers run weight-only/);
  const layers = estimateNodes(profile('decoder_fp16', { batch: 1, sequence: 512, past_sequence: 0 }), findHardware('b200')!, { precisionOverride: 'fp4' });
  assert.ok(layers.filter((e) => e.kind === 'matrix' && e.opType === 'MatMul').some((e) => e.precision === 'fp4'));
  // FP4 pays for large GEMMs only, as the GB200 cuBLASLt sweep measured (FP4 1677.7 TFLOPS against FP8 2243.6 at
  // 2048³, 7535.6 against 2876.6 at 8192³): slower than FP8 for a 512-token prompt, faster for a 4,096-token one.
  const onB200 = (sequence: number, precisionOverride: 'fp4' | 'fp8') =>
    estimateModel(profile('decoder_fp16', { batch: 1, sequence, past_sequence: 0 }), [findHardware('b200')!], { precisionOverride })[0].latencySeconds;
  assert.ok(Math.abs(onB200(512, 'fp4') / b200.latencySeconds - 1) < 1e-9, 'the CLI and the core agree');
  assert.ok(onB200(512, 'fp4') > onB200(512, 'fp8'), 'small GEMMs: FP4 slower than FP8 on B200');
  assert.ok(onB200(4096, 'fp4') < onB200(4096, 'fp8'), 'large GEMMs: FP4 faster than FP8 on B200');
});

test('--execution: fused by default, as-exported one option away, in the help; a bad value is refused', () => {
  assert.ok(FIXTURES);
  const model = join(FIXTURES, 'resnet50_qdq.onnx');
  const latency = (extra: string[]) => (JSON.parse(run([model, '--target', 'h100-sxm', '--format', 'json', ...extra]).stdout) as AnalysisReport).estimates![0];
  const fused = latency([]);
  const exported = latency(['--execution', 'as-exported']);
  assert.equal(fused.execution, 'fused');
  assert.equal(exported.execution, 'as-exported');
  assert.deepEqual(exported.fusionSavings, []);
  assert.ok(exported.latencySeconds > fused.latencySeconds);
  assert.match(run(['--help']).stderr, /--execution M\s+fused \(default\)/);
  const bad = run([model, '--execution', 'eager']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--execution must be fused or as-exported, got 'eager'/);
});

test("ONNX Runtime's own QDQ test models: int8 convs (int4 weights W4A8), folded Q/DQ, faster fused than as exported", (t) => {
  const testdata = [join(process.cwd(), '..', 'shared', 'models', 'gh', 'onnxruntime__onnxruntime-qnn', 'onnxruntime', 'test', 'testdata')].find(existsSync);
  if (!testdata) return t.skip('shared models not present');
  for (const [model, weightBits, scales] of [['conv_qdq_s8s8.onnx', 8, 'per-tensor'], ['conv_qdq_s8s8_perchannel.onnx', 8, 'per-channel'], ['conv.int4_weights.qdq.onnx', 4, 'per-channel']] as const) {
    const opened = openModelFile(join(testdata, model));
    let report: ProfileReport;
    try {
      report = opened.model.profile({});
    } finally {
      opened.close();
    }
    const conv = report.nodes.find((n) => n.opType === 'Conv')!;
    assert.equal(conv.computeDtype, 'int8', model);
    assert.equal(conv.quantization?.weightBits, weightBits, model);
    assert.equal(conv.quantization?.weightScales, scales, model);
    const [fused] = estimateModel(report, [TARGETS[0]]);
    const [exported] = estimateModel(report, [TARGETS[0]], { execution: 'as-exported' });
    assert.ok(fused.latencySeconds < exported.latencySeconds, model);
  }
});
