import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GraphSpec, reportGraph } from '../ops/families/testUtil';
import type { NodeReport, ProfileReport } from '../report/reportTypes';

const MS = 'com.microsoft';

function node(report: ProfileReport, opType: string): NodeReport {
  const n = report.nodes.find((x) => x.opType === opType);
  assert.ok(n, `no ${opType} node`);
  return n;
}

/** ONNX Runtime's static QDQ output for one Conv: uint8 activations, int8 per-channel weights, int32 bias. */
function qdqConv(extra: Partial<GraphSpec> = {}): GraphSpec {
  return {
    inputs: { x: { dtype: 'float', shape: [1, 8, 16, 16] } },
    weights: {
      s: { dtype: 'float', dims: [] }, z: { dtype: 'uint8', dims: [] },
      w: { dtype: 'int8', dims: [16, 8, 3, 3] }, ws: { dtype: 'float', dims: [16] }, wz: { dtype: 'int8', dims: [16] },
      b: { dtype: 'int32', dims: [16] }, bs: { dtype: 'float', dims: [16] },
      ys: { dtype: 'float', dims: [] }, yz: { dtype: 'uint8', dims: [] },
    },
    nodes: [
      { opType: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['xq'] },
      { opType: 'DequantizeLinear', inputs: ['xq', 's', 'z'], outputs: ['xd'] },
      { opType: 'DequantizeLinear', inputs: ['w', 'ws', 'wz'], outputs: ['wd'], attrs: { axis: 0 } },
      { opType: 'DequantizeLinear', inputs: ['b', 'bs'], outputs: ['bd'], attrs: { axis: 0 } },
      { opType: 'Conv', inputs: ['xd', 'wd', 'bd'], outputs: ['y'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { opType: 'Relu', inputs: ['y'], outputs: ['r'] },
      { opType: 'QuantizeLinear', inputs: ['r', 'ys', 'yz'], outputs: ['rq'] },
      { opType: 'DequantizeLinear', inputs: ['rq', 'ys', 'yz'], outputs: ['out'] },
    ],
    outputs: ['out'],
    ...extra,
  };
}

test('effective precision: a static QDQ Conv computes in int8; the Relu before its QuantizeLinear in uint8', () => {
  const report = reportGraph(qdqConv());
  const conv = node(report, 'Conv');
  assert.equal(conv.computeDtype, 'int8');
  assert.deepEqual(conv.quantization, { via: 'qdq', activationDtype: 'uint8', weightDtype: 'int8', weightBits: 8, weightScales: 'per-channel', graphComputeDtype: 'float', fromQdq: true });
  assert.match(conv.notes.join('\n'), /effective precision int8 \(QDQ\): uint8 activations and int8 weights \(per-channel\)/);
  const relu = node(report, 'Relu');
  assert.equal(relu.computeDtype, 'uint8');
  assert.equal(relu.quantization?.via, 'qdq');
  assert.equal(relu.quantization?.graphComputeDtype, 'float');
  // Q and DQ themselves keep their dtypes: the execution model folds them into their neighbours.
  assert.equal(report.nodes[0].quantization, undefined);
});

test('effective precision: DequantizeLinear on the weight alone (int4, blocked) is weight-only: float16 arithmetic', () => {
  const report = reportGraph({
    inputs: { a: { dtype: 'float16', shape: [1, 1, 256] } },
    weights: { w: { dtype: 'int4', dims: [256, 512] }, ws: { dtype: 'float16', dims: [8, 512] }, wz: { dtype: 'int4', dims: [8, 512] } },
    nodes: [
      { opType: 'DequantizeLinear', inputs: ['w', 'ws', 'wz'], outputs: ['wd'], attrs: { axis: 0, block_size: 32 } },
      { opType: 'MatMul', inputs: ['a', 'wd'], outputs: ['y'] },
    ],
    outputs: ['y'],
  });
  const mm = node(report, 'MatMul');
  assert.equal(mm.computeDtype, 'float16');
  assert.deepEqual(mm.quantization, { via: 'weight-only', weightDtype: 'int4', weightBits: 4, weightScales: 'block 32', graphComputeDtype: 'float16', fromQdq: true });
});

test('effective precision: FP8 E4M3 activations and weights compute in FP8', () => {
  const report = reportGraph({
    inputs: { a: { dtype: 'float8e4m3fn', shape: [4, 64] } },
    weights: { as: { dtype: 'float', dims: [] }, w: { dtype: 'float8e4m3fn', dims: [64, 32] }, ws: { dtype: 'float', dims: [] } },
    nodes: [
      { opType: 'DequantizeLinear', inputs: ['a', 'as'], outputs: ['ad'] },
      { opType: 'DequantizeLinear', inputs: ['w', 'ws'], outputs: ['wd'] },
      { opType: 'MatMul', inputs: ['ad', 'wd'], outputs: ['y'] },
    ],
    outputs: ['y'],
  });
  assert.equal(node(report, 'MatMul').computeDtype, 'float8e4m3fn');
  assert.equal(node(report, 'MatMul').quantization?.weightScales, 'per-tensor');
});

test('effective precision: NVFP4 (FP4 E2M1, E4M3 block scales per 16, themselves dequantized) and W4A4 compute in FP4', () => {
  const report = reportGraph({
    inputs: { a: { dtype: 'float4e2m1', shape: [4, 64] } },
    weights: {
      as: { dtype: 'float', dims: [4, 4] },
      w: { dtype: 'float4e2m1', dims: [64, 32] },
      wsq: { dtype: 'float8e4m3fn', dims: [4, 32] },
      global: { dtype: 'float', dims: [] },
    },
    nodes: [
      { opType: 'DequantizeLinear', inputs: ['a', 'as'], outputs: ['ad'], attrs: { axis: 1, block_size: 16 } },
      { opType: 'DequantizeLinear', inputs: ['wsq', 'global'], outputs: ['ws'] },
      { opType: 'DequantizeLinear', inputs: ['w', 'ws'], outputs: ['wd'], attrs: { axis: 0, block_size: 16 } },
      { opType: 'MatMul', inputs: ['ad', 'wd'], outputs: ['y'] },
    ],
    outputs: ['y'],
    opsets: { '': 23 },
  });
  const mm = node(report, 'MatMul');
  assert.equal(mm.computeDtype, 'float4e2m1');
  assert.equal(mm.quantization?.weightScales, 'block 16 (NVFP4)');
});

test('effective precision: QOperator and weight-only contrib ops', () => {
  const qlinear = reportGraph({
    inputs: { x: { dtype: 'uint8', shape: [1, 8, 16, 16] } },
    weights: {
      xs: { dtype: 'float', dims: [] }, xz: { dtype: 'uint8', dims: [] },
      w: { dtype: 'int8', dims: [16, 8, 3, 3] }, ws: { dtype: 'float', dims: [16] }, wz: { dtype: 'int8', dims: [16] },
      ys: { dtype: 'float', dims: [] }, yz: { dtype: 'uint8', dims: [] },
    },
    nodes: [{ opType: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], outputs: ['y'], attrs: { kernel_shape: [3, 3] } }],
    outputs: ['y'],
  });
  assert.equal(node(qlinear, 'QLinearConv').computeDtype, 'int8');
  assert.equal(node(qlinear, 'QLinearConv').quantization?.via, 'quantized-op');

  const nbits = reportGraph({
    inputs: { a: { dtype: 'float16', shape: [1, 1, 4096] } },
    weights: { b: { dtype: 'uint8', dims: [11008, 32, 64] }, scales: { dtype: 'float16', dims: [11008 * 32] } },
    nodes: [{ opType: 'MatMulNBits', domain: MS, inputs: ['a', 'b', 'scales'], outputs: ['y'], attrs: { K: 4096, N: 11008, bits: 4, block_size: 128 } }],
    outputs: ['y'],
  });
  assert.deepEqual(node(nbits, 'MatMulNBits').quantization, { via: 'weight-only', weightBits: 4, weightDtype: 'int4', graphComputeDtype: 'float16' });
  assert.equal(node(nbits, 'MatMulNBits').computeDtype, 'float16');

  const qmoe = reportGraph({
    inputs: { x: { dtype: 'float16', shape: [4, 64] }, r: { dtype: 'float16', shape: [4, 8] } },
    weights: { f1: { dtype: 'uint8', dims: [8, 128, 32] }, s1: { dtype: 'float16', dims: [8, 128] }, f2: { dtype: 'uint8', dims: [8, 64, 64] }, s2: { dtype: 'float16', dims: [8, 64] } },
    nodes: [{ opType: 'QMoE', domain: MS, inputs: ['x', 'r', 'f1', 's1', '', 'f2', 's2'], outputs: ['y'], attrs: { k: 2, expert_weight_bits: 4 } }],
    outputs: ['y'],
  });
  assert.equal(node(qmoe, 'QMoE').quantization?.weightBits, 4);
});

test('effective precision: a float graph is returned as it is', () => {
  const spec: GraphSpec = {
    inputs: { a: { dtype: 'float', shape: [2, 4] } },
    weights: { w: { dtype: 'float', dims: [4, 3] } },
    nodes: [{ opType: 'MatMul', inputs: ['a', 'w'], outputs: ['y'] }],
    outputs: ['y'],
  };
  const report = reportGraph(spec);
  assert.equal(report.nodes[0].computeDtype, 'float');
  assert.equal(report.nodes[0].quantization, undefined);
});
