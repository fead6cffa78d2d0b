/**
 * The execution model on small real graphs (profiled through the engine): each rule applies where its
 * pattern is, saves what it says, and 'as-exported' runs every node as written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GraphSpec, reportGraph } from '../ops/families/testUtil';
import { planExecution } from './executionPlan';
import { estimateModel } from './modelEstimate';
import { estimateNodes } from './roofline';
import { makeDevice, makeReport, t } from './testUtil';

const dev = makeDevice({ id: 'gpu', peaks: { fp32: 50e12, fp16: 500e12, int8: 1000e12 }, memoryBytes: 80e9, bandwidthBytesPerSecond: 2e12 });
const [S, H, D] = [512, 8, 64];

/** A decomposed attention as torch.onnx writes it: heads transposed, Q·Kᵀ, scale, Softmax, ·V, transposed back. */
function attention(): GraphSpec {
  return {
    inputs: { q: { dtype: 'float', shape: [1, S, H, D] }, k: { dtype: 'float', shape: [1, S, H, D] }, v: { dtype: 'float', shape: [1, S, H, D] } },
    weights: { scale: { dtype: 'float', dims: [] } },
    nodes: [
      { opType: 'Transpose', inputs: ['q'], outputs: ['qt'], attrs: { perm: [0, 2, 1, 3] } },
      { opType: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: { perm: [0, 2, 3, 1] } },
      { opType: 'Transpose', inputs: ['v'], outputs: ['vt'], attrs: { perm: [0, 2, 1, 3] } },
      { opType: 'MatMul', inputs: ['qt', 'kt'], outputs: ['scores'] },
      { opType: 'Div', inputs: ['scores', 'scale'], outputs: ['scaled'] },
      { opType: 'Softmax', inputs: ['scaled'], outputs: ['probs'], attrs: { axis: -1 } },
      { opType: 'MatMul', inputs: ['probs', 'vt'], outputs: ['ctx'] },
      { opType: 'Transpose', inputs: ['ctx'], outputs: ['out'], attrs: { perm: [0, 2, 1, 3] } },
    ],
    outputs: ['out'],
  };
}

test('flash attention: one kernel that never writes the score matrix, the head transposes folded into it', () => {
  const report = reportGraph(attention());
  const plan = planExecution(report);
  const executed = report.nodes.map((n) => plan.nodes.get(n.index)!);
  assert.equal(executed.filter((x) => x.runs === 'kernel').length, 1);
  assert.ok(executed.every((x) => x.rules.includes('flash-attention')));
  const moved = executed.reduce((s, x) => s + x.activationBytes, 0);
  // Q, K, V read once and the context written once, in fp32: nothing of the [8, 512, 512] scores.
  assert.equal(moved, 4 * S * H * D * 4);
  const exported = planExecution(report, 'as-exported');
  const scoreBytes = H * S * S * 4;
  assert.ok([...exported.nodes.values()].reduce((s, x) => s + x.activationBytes, 0) > 4 * scoreBytes);
  const fused = estimateNodes(report, dev);
  const softmax = fused.find((e) => e.opType === 'Softmax')!;
  assert.equal(softmax.fusion?.fusedInto, report.nodes[3].name);
  assert.ok(softmax.fusion!.bytesSaved >= 2 * scoreBytes);
});

test('flash attention reads a latent KV cache once: the keys transposed and the values sliced off it in place (MLA)', () => {
  // DeepSeek's absorbed MLA at decode: 16 heads of one query row attend over T cached latents of 512 + 64 values
  // that serve as the keys; the values are the first 512 of each. FlashMLA reads the cache once for both.
  const [T, L, V] = [1024, 576, 512];
  const ints = (output: string, value: number): GraphSpec['nodes'][number] => ({ opType: 'Constant', inputs: [], outputs: [output], attrs: { value_ints: [value] } });
  const report = reportGraph({
    inputs: { q: { dtype: 'float16', shape: [1, 16, 1, L] }, cache: { dtype: 'float16', shape: [1, 1, T, L] } },
    weights: { scale: { dtype: 'float16', dims: [] } },
    nodes: [
      ints('starts', 0), ints('ends', V), ints('axes', 3),
      { opType: 'Transpose', inputs: ['cache'], outputs: ['keys'], attrs: { perm: [0, 1, 3, 2] } },
      { opType: 'MatMul', inputs: ['q', 'keys'], outputs: ['scores'] },
      { opType: 'Mul', inputs: ['scores', 'scale'], outputs: ['scaled'] },
      { opType: 'Softmax', inputs: ['scaled'], outputs: ['probs'], attrs: { axis: -1 } },
      { opType: 'Slice', inputs: ['cache', 'starts', 'ends', 'axes'], outputs: ['values'] },
      { opType: 'MatMul', inputs: ['probs', 'values'], outputs: ['out'] },
    ],
    outputs: ['out'],
  });
  const attention = report.nodes.filter((n) => n.opType !== 'Constant');
  assert.deepEqual(attention.at(-1)!.outputs[0].shape, [1, 16, 1, V]);
  const plan = planExecution(report);
  const executed = attention.map((n) => plan.nodes.get(n.index)!);
  assert.equal(executed.filter((x) => x.runs === 'kernel').length, 1);
  assert.ok(executed.every((x) => x.rules.includes('flash-attention')), executed.map((x) => x.rules.join('+')).join(', '));
  // The query and the cache read once, the output written once (and the Slice's three int64 bounds read);
  // nothing sliced or transposed reaches memory.
  const moved = executed.reduce((s, x) => s + x.activationBytes, 0);
  assert.equal(moved, (16 * L + T * L + 16 * V) * 2 + 3 * 8);
  // As exported the Slice copies its part of the cache (read and written), which the MatMul reads again.
  const exported = attention.reduce((s, n) => s + planExecution(report, 'as-exported').nodes.get(n.index)!.activationBytes, 0);
  assert.ok(exported >= moved + 3 * T * V * 2, `${exported} vs ${moved}`);
});

test('per-node savings add up to the difference between running as exported and fused', () => {
  const report = reportGraph(attention());
  const [fused] = estimateModel(report, [dev]);
  const [exported] = estimateModel(report, [dev], { execution: 'as-exported' });
  const saved = estimateNodes(report, dev).reduce((s, e) => s + (e.fusion?.secondsSaved ?? 0), 0);
  assert.ok(Math.abs(exported.latencySeconds - fused.latencySeconds - saved) <= 1e-12, `${exported.latencySeconds} − ${fused.latencySeconds} ≠ ${saved}`);
  assert.ok(fused.latencySeconds < exported.latencySeconds);
  assert.deepEqual(fused.fusionSavings.map((s) => s.rule), ['flash-attention']);
});

test('a decomposed LayerNorm is one kernel; a Reshape is a view', () => {
  const report = reportGraph({
    inputs: { x: { dtype: 'float', shape: [4, 1024] } },
    weights: { eps: { dtype: 'float', dims: [] }, two: { dtype: 'float', dims: [] }, g: { dtype: 'float', dims: [1024] }, b: { dtype: 'float', dims: [1024] } },
    nodes: [
      { opType: 'ReduceMean', inputs: ['x'], outputs: ['mean'], attrs: { axes: [-1] } },
      { opType: 'Sub', inputs: ['x', 'mean'], outputs: ['d'] },
      { opType: 'Pow', inputs: ['d', 'two'], outputs: ['sq'] },
      { opType: 'ReduceMean', inputs: ['sq'], outputs: ['var'], attrs: { axes: [-1] } },
      { opType: 'Add', inputs: ['var', 'eps'], outputs: ['ve'] },
      { opType: 'Sqrt', inputs: ['ve'], outputs: ['std'] },
      { opType: 'Div', inputs: ['d', 'std'], outputs: ['n'] },
      { opType: 'Mul', inputs: ['n', 'g'], outputs: ['ng'] },
      { opType: 'Add', inputs: ['ng', 'b'], outputs: ['y'] },
      { opType: 'Flatten', inputs: ['y'], outputs: ['flat'], attrs: { axis: 0 } },
      { opType: 'Relu', inputs: ['flat'], outputs: ['r'] },
    ],
    outputs: ['r'],
    opsets: { '': 17 },
  });
  const plan = planExecution(report);
  const ln = report.nodes.slice(0, 9).map((n) => plan.nodes.get(n.index)!);
  assert.ok(ln.every((x) => x.rules.includes('layernorm')));
  assert.equal(ln.filter((x) => x.runs === 'kernel').length, 1);
  // x read once (16 KB) and y written once, plus gamma and beta.
  assert.equal(ln.reduce((s, x) => s + x.activationBytes + x.weightBytes, 0), 2 * 4 * 1024 * 4 + 2 * 1024 * 4 + 8);
  const flatten = plan.nodes.get(report.nodes[9].index)!;
  assert.deepEqual([flatten.runs, flatten.rules, flatten.activationBytes], ['folded', ['view'], 0]);
  // The Relu reads y through the view; as exported every node is a kernel of its own.
  assert.equal(plan.nodes.get(report.nodes[10].index)!.activationBytes, 2 * 4 * 1024 * 4);
  assert.ok([...planExecution(report, 'as-exported').nodes.values()].every((x) => x.runs === 'kernel' && x.rules.length === 0));
});

test('a Dropout is a view in inference mode only: in training mode it masks and scales, a kernel of its own', () => {
  // Relu → Dropout → Relu over 64 × 1024 floats; the Dropout's cost rule counts 2 FLOPs per element in training mode.
  const bytes = 64 * 1024 * 4;
  const cases = [
    { mode: 'inference', flops: 0, runs: 'folded', rules: ['view'], activationBytes: 0 },
    { mode: 'training', flops: 2 * 64 * 1024, runs: 'kernel', rules: [], activationBytes: 2 * bytes + 4 },
  ];
  for (const c of cases) {
    const report = makeReport([
      { opType: 'Relu', flops: 65536, bytesRead: bytes, bytesWritten: bytes, inputs: ['x'], outputs: [t('h', 'float', [64, 1024])] },
      { opType: 'Dropout', flops: c.flops, bytesRead: bytes + 4, bytesWritten: bytes, inputs: ['h', 'ratio', 'mode'], outputs: [t('d', 'float', [64, 1024])] },
      { opType: 'Relu', flops: 65536, bytesRead: bytes, bytesWritten: bytes, inputs: ['d'], outputs: [t('y', 'float', [64, 1024])] },
    ], { graphInputs: [t('x', 'float', [64, 1024])], graphOutputs: [t('y', 'float', [64, 1024])] });
    const plan = planExecution(report);
    const dropout = plan.nodes.get(report.nodes[1].index)!;
    assert.deepEqual([dropout.runs, dropout.rules], [c.runs, c.rules], c.mode);
    assert.equal(dropout.activationBytes, c.activationBytes, c.mode);
  }
});

test('a QLinearAdd in a QLinearConv epilogue keeps only its add: the (de)quantize steps are the kernel rescale', () => {
  // QOperator residual block: QLinearConv then QLinearAdd of the residual. Unfused, QLinearAdd counts 10 FLOPs per
  // element (2 dequantizations of 2, the add, a quantization of 5); in the conv's epilogue it keeps the add's 1.
  const scalar = (dtype: string) => ({ dtype, dims: [] });
  const report = reportGraph({
    inputs: { x: { dtype: 'uint8', shape: [1, 16, 8, 8] }, r: { dtype: 'uint8', shape: [1, 16, 8, 8] } },
    weights: {
      w: { dtype: 'uint8', dims: [16, 16, 3, 3] },
      xs: scalar('float'), xz: scalar('uint8'), ws: scalar('float'), wz: scalar('uint8'), ys: scalar('float'), yz: scalar('uint8'),
    },
    nodes: [
      { opType: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } },
      { opType: 'QLinearAdd', domain: 'com.microsoft', inputs: ['y', 'ys', 'yz', 'r', 'xs', 'xz', 'ys', 'yz'], outputs: ['out'] },
    ],
    outputs: ['out'],
  });
  const add = report.nodes.find((n) => n.opType === 'QLinearAdd')!;
  assert.equal(add.flops, 16 * 8 * 8 * 10);
  const fused = planExecution(report).nodes.get(add.index)!;
  assert.equal(fused.runs, 'fused');
  assert.equal(fused.flops, 16 * 8 * 8 * 1);
  const exported = planExecution(report, 'as-exported').nodes.get(add.index)!;
  assert.equal(exported.flops, undefined, 'as exported, the report FLOPs stand');
});
