/**
 * Precision hints: effective precision of quantised and half-precision graphs (no false hints), the FP32
 * CNN candidates with their sensitive layers, NONE on targets without the dtype, weight-only INT4 for a
 * memory-bound decode MatMul, and savings that equal the estimator's before/after difference.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { profileModelFile } from '../../node/profileFile';
import { estimateOnTarget, estimateNodeTimes } from '../estimate/modelEstimate';
import { makeDevice, makeReport, t } from '../estimate/testUtil';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import { analyzeHints, buildHints, hintsForReport } from './buildHints';
import { GraphIndex } from '../analysis/graphIndex';
import type { Hint } from './hintTypes';
import { effectivePrecision } from './precision';
import { applyWhatIf } from './whatIf';

const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((p) => existsSync(join(p, 'test', 'fixtures', 'cnn')));
const TARGETS: HardwareEntry[] = ['h100-sxm', 'a100-80gb', 'l4', 'tpu-v5e'].map((id) => findHardware(id)!);
const QNN = join(ROOT ?? '', '..', 'shared', 'models', 'gh', 'onnxruntime__onnxruntime-qnn', 'onnxruntime', 'test', 'testdata');
const GENAI = join(ROOT ?? '', '..', 'shared', 'models', 'gh', 'microsoft__onnxruntime-genai', 'test', 'models', 'hf-internal-testing');

function cnn(name: string): ProfileReport {
  assert.ok(ROOT, 'test/fixtures/cnn not found');
  return profileModelFile(join(ROOT, 'test', 'fixtures', 'cnn', `${name}.onnx`));
}

function assertSavingsFromEstimator(report: ProfileReport, targets: readonly HardwareEntry[], hints: readonly Hint[]): void {
  for (const h of hints) {
    if (!h.change) continue;
    // Copies, so that the estimator runs afresh rather than returning the runs the hints were priced with.
    const before = structuredClone(report);
    const after = structuredClone(applyWhatIf(report, h.change));
    for (const s of h.savings) {
      const target = targets.find((x) => x.id === s.target)!;
      if (s.reason?.includes('has no')) {
        assert.equal(s.seconds, 0);
        continue;
      }
      const expected = estimateOnTarget(before, target).latencySeconds - estimateOnTarget(after, target).latencySeconds;
      assert.ok(Math.abs(s.seconds - expected) <= 1e-15 + 1e-12 * Math.abs(expected), `${h.code} on ${target.id}`);
    }
  }
}

test('FP32 ResNet-18: BF16, INT8 and FP8 candidates; first and last layers stay high precision', () => {
  const report = cnn('resnet18');
  const { hints, precision } = analyzeHints(report, TARGETS);
  const codes = hints.map((h) => h.code);
  for (const code of ['precision.bf16', 'precision.int8', 'precision.fp8'] as const) assert.ok(codes.includes(code), `missing ${code}`);
  assert.deepEqual(codes.filter((c) => c.startsWith('moe.')), []);
  const fp8 = hints.find((h) => h.code === 'precision.fp8')!;
  const a100 = fp8.savings.find((s) => s.target === 'a100-80gb')!;
  assert.equal(a100.verdict, 'none');
  assert.match(a100.reason ?? '', /no fp8/);
  assert.equal(fp8.savings.find((s) => s.target === 'h100-sxm')!.verdict, 'gain');
  const convs = precision.layers.filter((l) => l.opType === 'Conv' || l.opType === 'Gemm');
  const first = convs[0];
  const last = convs[convs.length - 1];
  for (const layer of [first, last]) {
    assert.ok(layer.keptHighPrecision.some((k) => k.code === 'precision.int8' && /first or last/.test(k.reason)), layer.name);
    assert.ok(layer.candidates.some((c) => c.code === 'precision.bf16'), `${layer.name} still gets bf16`);
  }
  const middle = convs[5];
  const int8 = middle.candidates.find((c) => c.code === 'precision.int8')!;
  assert.equal(int8.weightBytesSaved, Number(report.nodes.find((n) => n.index === middle.index)!.params) * 3);
  assert.ok(int8.perTarget.every((p) => p.verdict === 'gain' && (p.speedup ?? 0) > 1), 'INT8 speeds up a 3x3 conv everywhere');
  assertSavingsFromEstimator(report, TARGETS, hints);
});

test('per-layer speed-up comes from the same node estimator as the hint', () => {
  const report = cnn('resnet18');
  const { hints, precision } = analyzeHints(report, TARGETS);
  const bf16 = hints.find((h) => h.code === 'precision.bf16')!;
  const after = structuredClone(applyWhatIf(report, bf16.change!));
  const h100 = TARGETS[0];
  const before = new Map(estimateNodeTimes(structuredClone(report), h100).map((e) => [e.index, e.seconds]));
  const now = new Map(estimateNodeTimes(after, h100).map((e) => [e.index, e.seconds]));
  const layer = precision.layers.find((l) => l.opType === 'Conv' && l.candidates.length > 0)!;
  const result = layer.candidates.find((c) => c.code === 'precision.bf16')!.perTarget.find((p) => p.target === 'h100-sxm')!;
  assert.equal(result.secondsSaved, before.get(layer.index)! - now.get(layer.index)!);
});

test('a change is applied once per report: its per-layer table and its hint price share the changed report', () => {
  const report = cnn('resnet18');
  const { hints } = analyzeHints(report, TARGETS);
  const bf16 = hints.find((h) => h.code === 'precision.bf16')!;
  const changed = applyWhatIf(report, bf16.change!);
  assert.equal(applyWhatIf(report, bf16.change!), changed);
  // An equal change built anew is applied afresh, to the same result; the report itself is left as it was.
  const copy = structuredClone(bf16.change!);
  assert.notEqual(applyWhatIf(report, copy), changed);
  assert.deepEqual(applyWhatIf(report, copy), changed);
  assert.deepEqual(report, cnn('resnet18'));
});

test('a node left out of a precision change reads the tensors it narrowed at their new width', () => {
  // x (fp32, 1000×1000) → MatMul → y → Softmax (kept in fp32) → p; z, another fp32 tensor, feeds Add with y.
  const report = makeReport([
    { opType: 'MatMul', computeDtype: 'float', flops: 2e9, macs: 1e9, params: 1e6, weightBytes: 4e6, bytesRead: 8e6, bytesWritten: 4e6, inputs: ['x', 'w'], outputs: [t('y', 'float', [1000, 1000])] },
    { opType: 'Softmax', computeDtype: 'float', flops: 5e6, bytesRead: 4e6, bytesWritten: 4e6, inputs: ['y'], outputs: [t('p', 'float', [1000, 1000])] },
    { opType: 'Add', computeDtype: 'float', flops: 1e6, bytesRead: 8e6, bytesWritten: 4e6, inputs: ['y', 'z'], outputs: [t('s', 'float', [1000, 1000])] },
  ], { graphInputs: [t('x', 'float', [1000, 1000]), t('z', 'float', [1000, 1000])] });
  const cases: { dtype: string; bytes: number; softmaxRead: number; addRead: number }[] = [
    { dtype: 'bfloat16', bytes: 2, softmaxRead: 2e6, addRead: 6e6 },
    { dtype: 'float8e4m3fn', bytes: 1, softmaxRead: 1e6, addRead: 5e6 },
  ];
  for (const c of cases) {
    const changed = applyWhatIf(report, { kind: 'precision', nodes: [{ index: 0, computeDtype: c.dtype, weightBytesPerElement: c.bytes, activationBytesPerElement: c.bytes }] });
    const [matmul, softmax, add] = changed.nodes;
    assert.equal(matmul.outputs[0].dtype, c.dtype);
    assert.equal(Number(matmul.bytesWritten), 1e6 * c.bytes);
    // The readers keep their compute dtype and their writes; only the narrowed input is read narrower.
    assert.equal(softmax.computeDtype, 'float');
    assert.equal(Number(softmax.bytesRead), c.softmaxRead, c.dtype);
    assert.equal(Number(softmax.bytesWritten), 4e6);
    assert.equal(Number(add.bytesRead), c.addRead, c.dtype);
    // The MatMul reads x and its weights at the new width: 2 × 1e6 × bytes.
    assert.equal(Number(changed.totals.bytesRead), 2e6 * c.bytes + c.softmaxRead + c.addRead);
  }
  // A node in the change keeps its own rescaling only (not narrowed twice).
  const both = applyWhatIf(report, { kind: 'precision', nodes: [0, 1].map((index) => ({ index, computeDtype: 'bfloat16', weightBytesPerElement: 2, activationBytesPerElement: 2 })) });
  assert.equal(Number(both.nodes[1].bytesRead), 2e6);
  assert.equal(Number(both.nodes[2].bytesRead), 6e6);
});

test('softmax, normalisations and the MoE router stay high precision', () => {
  const report = makeReport([
    { opType: 'MatMul', flops: 2e9, macs: 1e9, params: 1e6, weightBytes: 4e6, bytesRead: 8e6, bytesWritten: 4e6, inputs: ['x', 'w'], outputs: [t('y', 'float', [1000, 1000])] },
    { opType: 'Softmax', flops: 5e6, bytesRead: 4e6, bytesWritten: 4e6, inputs: ['y'], outputs: [t('p', 'float', [1000, 1000])] },
    { opType: 'LayerNormalization', flops: 8e6, bytesRead: 4e6, bytesWritten: 4e6, inputs: ['p'], outputs: [t('z', 'float', [1000, 1000])] },
  ], { graphInputs: [t('x', 'float', [1000, 1000])] });
  const { precision } = analyzeHints(report, TARGETS, { minRelativeSaving: 0 });
  const reasons = new Map(precision.layers.map((l) => [l.opType, l.keptHighPrecision.map((k) => k.reason).join(' ')]));
  assert.match(reasons.get('Softmax')!, /softmax/);
  assert.match(reasons.get('LayerNormalization')!, /normalisation/);
});

test('memory-bound decode MatMul: weight-only INT4 saves time and all but 4.125 of the 32 bits of each FP32 weight', () => {
  const k = 4096;
  const report = makeReport([
    { name: 'in', opType: 'Relu', flops: k, bytesRead: 4 * k, bytesWritten: 4 * k, inputs: ['x'], outputs: [t('a', 'float', [1, k])] },
    { name: 'q', opType: 'MatMul', flops: 2 * k * k, macs: k * k, params: k * k, weightBytes: 4 * k * k, bytesRead: 4 * k * k + 4 * k, bytesWritten: 4 * k, inputs: ['a', 'wq'], outputs: [t('b', 'float', [1, k])] },
    { name: 'proj', opType: 'MatMul', flops: 2 * k * k, macs: k * k, params: k * k, weightBytes: 4 * k * k, bytesRead: 4 * k * k + 4 * k, bytesWritten: 4 * k, inputs: ['b', 'wp'], outputs: [t('c', 'float', [1, k])] },
    { name: 'out', opType: 'MatMul', flops: 2 * k * k, macs: k * k, params: k * k, weightBytes: 4 * k * k, bytesRead: 4 * k * k + 4 * k, bytesWritten: 4 * k, inputs: ['c', 'wo'], outputs: [t('y', 'float', [1, k])] },
  ], { graphInputs: [t('x', 'float', [1, k])], graphOutputs: [t('y', 'float', [1, k])] });
  const hints = hintsForReport(report, ['h100-sxm', 'a100-80gb']);
  const int4 = hints.find((h) => h.code === 'precision.weight-only-int4');
  assert.ok(int4, `no weight-only int4 hint in ${hints.map((h) => h.code)}`);
  assert.deepEqual(int4.nodeNames, ['proj']); // first and last weighted layers excluded
  for (const s of int4.savings) {
    assert.equal(s.verdict, 'gain');
    assert.equal(s.bytes, k * k * (4 - 4.125 / 8));
  }
  assertSavingsFromEstimator(report, TARGETS.slice(0, 2), hints);
});

test('QDQ and integer-op graphs: effective INT8, and no precision or MoE hints', (t) => {
  const models = ['qdq_with_multi_consumer_dq_nodes.onnx', 'conv_qdq_s8s8_perchannel.onnx', 'conv.int4_weights.qdq.onnx', 'layout_transform_reshape.qdq.onnx'].map((m) => join(QNN, m));
  if (!models.every(existsSync)) return t.skip('shared models not present');
  for (const model of models) {
    const report = profileModelFile(model);
    const hints = buildHints(report, TARGETS);
    assert.deepEqual(hints.filter((h) => h.code.startsWith('precision.') || h.code.startsWith('moe.')).map((h) => h.code), [], model);
    const index = new GraphIndex(report);
    for (const conv of index.nodes.filter((n) => n.opType === 'Conv')) {
      const e = effectivePrecision(conv, index);
      assert.equal(e.via, 'qdq', `${model}: ${conv.name}`);
      assert.equal(e.compute, 'int8');
    }
  }
  const int4 = profileModelFile(models[2]);
  const index = new GraphIndex(int4);
  const conv = index.nodes.find((n) => n.opType === 'Conv')!;
  assert.equal(effectivePrecision(conv, index).weightBits, 4);
});

test('integer operators run as INT8', (t) => {
  const model = join(QNN, 'matmul_integer_to_float_int8.onnx');
  if (!existsSync(model)) return t.skip('shared models not present');
  const report = profileModelFile(model);
  const index = new GraphIndex(report);
  const op = index.nodes.find((n) => n.opType === 'MatMulIntegerToFloat' || n.opType === 'MatMulInteger')!;
  assert.deepEqual(effectivePrecision(op, index).compute, 'int8');
  assert.deepEqual(buildHints(report, TARGETS).filter((h) => h.code.startsWith('precision.')), []);
});

test('FP16 graphs get no BF16 hint', (t) => {
  const models = [join(GENAI, 'tiny-random-gpt2-fp16-cuda', 'past.onnx'), join(QNN, 'attention_no_mask_fp16.onnx'), join(QNN, 'packed_attention_fp16.onnx')];
  if (!models.every(existsSync)) return t.skip('shared models not present');
  for (const model of models) {
    const codes = buildHints(profileModelFile(model), TARGETS).map((h) => h.code);
    assert.ok(!codes.includes('precision.bf16'), `${model}: ${codes}`);
    assert.deepEqual(codes.filter((c) => c.startsWith('moe.dense')), []);
  }
});

test('a device without bf16/fp16 gets NONE for BF16', () => {
  const report = cnn('resnet18');
  const int8Only = makeDevice({ id: 'int8-only', deviceClass: 'edge', peaks: { int8: 4e12 }, memoryBytes: 8e9, bandwidthBytesPerSecond: 2e10 });
  const bf16 = buildHints(report, [TARGETS[0], int8Only]).find((h) => h.code === 'precision.bf16')!;
  const none = bf16.savings.find((s) => s.target === 'int8-only')!;
  assert.equal(none.verdict, 'none');
  assert.match(none.reason ?? '', /no bf16\/fp16/);
});
