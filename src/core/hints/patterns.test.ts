/**
 * Fusion, Cast, 2:4 sparsity and static-graph hints; the what-if transforms they are priced with; and the
 * bounded weight sampler behind the quantisation-risk rating.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { profileModelFile } from '../../node/profileFile';
import { makeReport, t } from '../estimate/testUtil';
import { reportGraph } from '../ops/families/testUtil';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import { inMemoryByteSource, type ByteSource } from '../io/byteSource';
import { loadModel } from '../onnx/loader';
import { buildHints } from './buildHints';
import { GraphIndex } from '../analysis/graphIndex';
import { findDecomposedAttention, findDecomposedGelus, findDecomposedLayerNorms, findRedundantCasts } from './patterns';
import { applyWhatIf } from './whatIf';
import { makeWeightSampler, weightStats } from './weightStats';

const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((p) => existsSync(join(p, 'test', 'fixtures', 'moe')));
const TESTDATA = join(ROOT ?? '', '..', 'shared', 'models', 'gh', 'onnxruntime__onnxruntime-qnn', 'onnxruntime', 'test');
const GPT2 = join(TESTDATA, 'python', 'transformers', 'test_data', 'models', 'gpt2_past.onnx');
const GPU: HardwareEntry[] = ['h100-sxm', 't4'].map((id) => findHardware(id)!);

test('GPT-2 export: 25 LayerNorms, 12 tanh GELUs and 12 attention blocks are fusable', (t) => {
  if (!existsSync(GPT2)) return t.skip('shared models not present');
  const report = profileModelFile(GPT2);
  const index = new GraphIndex(report);
  assert.equal(findDecomposedLayerNorms(index).length, 25);
  assert.equal(findDecomposedGelus(index).length, 12);
  assert.equal(findDecomposedAttention(index).length, 12);
  // Run as exported, each decomposed LayerNorm launches 10 kernels; fused, one: 9 kernel overheads saved per block at least.
  const hints = buildHints(report, GPU, { execution: 'as-exported' });
  const layerNorm = hints.find((h) => h.code === 'fusion.layernorm')!;
  assert.ok(layerNorm.savings.every((s) => s.seconds >= 25 * 9 * 2e-6 - 1e-12), JSON.stringify(layerNorm.savings));
  // The default execution model fuses them already: no fusion hint claims that saving again.
  assert.deepEqual(buildHints(report, GPU).filter((h) => h.code.startsWith('fusion.')), []);
});

test('fuse: one kernel reads the tensors entering the group and writes those leaving it', () => {
  const report = makeReport([
    { opType: 'Div', flops: 100, bytesRead: 400, bytesWritten: 400, inputs: ['x', 'c'], outputs: [t('a', 'float', [100])] },
    { opType: 'Erf', flops: 100, bytesRead: 400, bytesWritten: 400, inputs: ['a'], outputs: [t('b', 'float', [100])] },
    { opType: 'Mul', flops: 100, bytesRead: 800, bytesWritten: 400, inputs: ['x', 'b'], outputs: [t('y', 'float', [100])] },
  ], { graphInputs: [t('x', 'float', [100])], graphOutputs: [t('y', 'float', [100])] });
  const after = applyWhatIf(report, { kind: 'fuse', nodes: [0, 1, 2], opType: 'Gelu' });
  assert.equal(after.nodes[0].opType, 'Gelu');
  assert.equal(after.nodes[0].flops, 300);
  assert.equal(after.nodes[0].bytesRead, 400);
  assert.equal(after.nodes[0].bytesWritten, 400);
  assert.equal(after.nodes[1].bytesRead, 0);
  assert.equal(Number(after.totals.bytesRead), 400);
  assert.equal(report.nodes[0].opType, 'Div', 'the input report is not modified');
});

test('needless Casts: same type, and a round trip through float16', () => {
  const report = makeReport([
    { opType: 'Relu', flops: 1e6, bytesRead: 4e6, bytesWritten: 4e6, inputs: ['x'], outputs: [t('a', 'float', [1e6])] },
    { opType: 'Cast', bytesRead: 4e6, bytesWritten: 4e6, inputs: ['a'], outputs: [t('b', 'float', [1e6])] },
    { opType: 'Cast', bytesRead: 4e6, bytesWritten: 2e6, inputs: ['b'], outputs: [t('c', 'float16', [1e6])] },
    { opType: 'Cast', bytesRead: 2e6, bytesWritten: 4e6, inputs: ['c'], outputs: [t('d', 'float', [1e6])] },
    { opType: 'Relu', flops: 1e6, bytesRead: 4e6, bytesWritten: 4e6, inputs: ['d'], outputs: [t('y', 'float', [1e6])] },
  ], { graphInputs: [t('x', 'float', [1e6])], graphOutputs: [t('y', 'float', [1e6])] });
  const matches = findRedundantCasts(new GraphIndex(report));
  assert.deepEqual(matches.map((m) => m.nodes), [[1], [2, 3]]);
  const hint = buildHints(report, GPU, { execution: 'as-exported' }).find((h) => h.code === 'cast.redundant')!;
  assert.deepEqual(hint.nodes, [1, 2, 3]);
  assert.ok(hint.savings.every((s) => s.verdict === 'gain' && s.seconds > 0));
  // Fused, the Relu → Cast → Cast → Cast → Relu chain is one element-wise kernel: the Casts cost nothing to remove.
  assert.equal(buildHints(report, GPU).some((h) => h.code === 'cast.redundant'), false);
});

test('2:4 sparsity: priced on Ampere and later, NONE on T4', (t) => {
  const cnn = join(ROOT ?? '', 'test', 'fixtures', 'cnn', 'vgg16.onnx');
  if (!existsSync(cnn)) return t.skip('cnn fixtures not present');
  const hint = buildHints(profileModelFile(cnn), GPU).find((h) => h.code === 'sparsity.2-4')!;
  assert.ok(hint.nodes.length > 0);
  assert.equal(hint.savings.find((s) => s.target === 'h100-sxm')!.verdict, 'gain');
  const t4 = hint.savings.find((s) => s.target === 't4')!;
  assert.equal(t4.verdict, 'none');
  assert.match(t4.reason ?? '', /no 2:4 sparse tensor cores/);
});

test('data-dependent shapes are flagged only when a static-graph target is selected', () => {
  assert.ok(ROOT, 'test/fixtures/moe not found');
  const report = profileModelFile(join(ROOT, 'test', 'fixtures', 'moe', 'sparse_switch.onnx'));
  assert.equal(buildHints(report, GPU).some((h) => h.code === 'static-graph.dynamic-shape'), false);
  const hint = buildHints(report, [...GPU, findHardware('tpu-v5e')!, findHardware('inferentia2')!]).find((h) => h.code === 'static-graph.dynamic-shape')!;
  assert.equal(hint.severity, 'high');
  assert.equal(hint.nodes.length, 8); // one NonZero per expert
  assert.match(hint.message, /tpu-v5e, inferentia2 compile/);
});

test('TensorRT plugin nodes are flagged only when a target without TensorRT is selected', () => {
  // A YOLO end2end tail: sigmoid scores into EfficientNMS_TRT, as torch.onnx writes it (TRT domain).
  const report = reportGraph({
    inputs: { boxes: { dtype: 'float', shape: [1, 8400, 4] }, scores: { dtype: 'float', shape: [1, 8400, 80] } },
    nodes: [
      { opType: 'Sigmoid', inputs: ['scores'], outputs: ['probs'] },
      { opType: 'EfficientNMS_TRT', domain: 'TRT', inputs: ['boxes', 'probs'], outputs: ['num', 'det_boxes', 'det_scores', 'det_classes'], attrs: { max_output_boxes: 100 } },
    ],
    outputs: ['num', 'det_boxes', 'det_scores', 'det_classes'],
    opsets: { TRT: 1 },
  });
  assert.equal(report.coverage.percent, 100);
  assert.equal(buildHints(report, GPU).some((h) => h.code === 'portability.tensorrt-plugin'), false);
  const hint = buildHints(report, [...GPU, findHardware('tpu-v5e')!, findHardware('mi300x')!]).find((h) => h.code === 'portability.tensorrt-plugin')!;
  assert.deepEqual(hint.nodes, [1]);
  assert.equal(hint.severity, 'high');
  assert.match(hint.message, /1 TensorRT plugin node, .*tpu-v5e, mi300x need it replaced/);
  assert.match(hint.savings.find((s) => s.target === 'tpu-v5e')!.reason ?? '', /has no TensorRT/);
  assert.match(hint.savings.find((s) => s.target === 'h100-sxm')!.reason ?? '', /runs TensorRT/);
});

/** A model with one embedded fp32 weight [rows, cols]: w[r][c] = (r − rows/2)/rows × scale[c], one big outlier. */
function weightModel(rows: number, cols: number): Uint8Array {
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = ((r - rows / 2) / rows) * (c % 2 === 0 ? 1 : 50);
  data[7 * cols + 3] = 1e4;
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
      initializer: [{ name: 'w', dims: [rows, cols], dataType: 1, rawData: new Uint8Array(data.buffer) }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: rows }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: cols }] } } } }],
    },
  }).finish();
}

test('weight sampling reads only the sampled elements and rates outliers and channel spread', () => {
  const bytes = weightModel(512, 64);
  const model = loadModel(inMemoryByteSource(bytes), { path: 'w.onnx' });
  let bytesRead = 0;
  const counting: ByteSource = {
    byteLength: bytes.length,
    read: (offset, length) => {
      bytesRead += length;
      return bytes.subarray(offset, offset + length);
    },
  };
  const sample = makeWeightSampler(model, counting, undefined, 4096)('w')!;
  assert.equal(sample.values.length, 4096);
  assert.equal(bytesRead, 4096 * 4);
  const columns = new Set(sample.indices.map((i) => i % 64));
  assert.equal(columns.size, 64, 'an odd stride spreads the samples over every column');
  const all = makeWeightSampler(model, inMemoryByteSource(bytes), undefined, 1e6)('w')!;
  const stats = weightStats('w', all, 'last')!;
  assert.equal(stats.max, 1e4);
  assert.ok(stats.outlierRatio > 0 && stats.outlierRatio < 1e-3);
  assert.ok(stats.channelSpread > 40);
  assert.equal(stats.int8Risk, 'high'); // the outlier's column dwarfs the small ones: per-tensor int8 would flatten them
  assert.equal(stats.int4Risk, 'high');
});
