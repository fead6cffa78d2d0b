/**
 * Ops of the newest opsets (24–28) kept in other families' files: TensorScatter (24), BitCast and CumProd (26),
 * Range's float16 revision (27). LinearAttention and CausalConvWithState (27) are tested in linearAttention.test.ts,
 * SwiGLU (28) in contribActivations.test.ts, ai.onnx.preview's FlexAttention in attention.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from './testUtil';

test('TensorScatter keeps the cache shape and moves only the update', () => {
  const r = runNode({
    opType: 'TensorScatter',
    opset: 24,
    inputs: [{ dtype: 'float16', shape: ['batch', 8, 4096, 128] }, { dtype: 'float16', shape: ['batch', 8, 1, 128] }, { dtype: 'int64', shape: ['batch'] }],
    attrs: { axis: 2 },
  });
  assert.deepEqual(r.outputs[0].shape, ['batch', 8, 4096, 128]);
  assert.equal(r.cost.flops, 0);
  assert.equal(r.cost.bytesWritten, '2048 * batch', 'one token of 8 heads × 128 dims × 2 bytes per batch row');
  assert.equal(r.cost.activationBytesRead, '2056 * batch', 'the update and the write indices');
  assert.throws(() => runNode({ opType: 'TensorScatter', opset: 24, inputs: [{ dtype: 'float', shape: [2, 4, 8] }, { dtype: 'float', shape: [2, 4] }] }), /update has rank 2/);
});

test('BitCast keeps the shape and takes the `to` type; CumProd counts one multiply per element', () => {
  const cast = runNode({ opType: 'BitCast', opset: 26, inputs: [{ dtype: 'float', shape: [3, 'n'] }], attrs: { to: 6 } });
  assert.deepEqual(cast.outputs[0], { dtype: 'int32', shape: [3, 'n'] });
  assert.equal(cast.cost.flops, 0);
  const cumprod = runNode({ opType: 'CumProd', opset: 26, inputs: [{ dtype: 'float', shape: [4, 5] }, { dtype: 'int64', shape: [], value: [1] }] });
  assert.deepEqual(cumprod.outputs[0].shape, [4, 5]);
  assert.equal(cumprod.cost.flops, 20);
});

test('Range (opset 27) counts float16 and bfloat16 ranges from their values', () => {
  const h = (v: number) => ({ dtype: 'float16', shape: [], value: [v] });
  const r = runNode({ opType: 'Range', opset: 27, inputs: [h(0), h(1), h(0.25)] });
  assert.deepEqual(r.outputs[0].shape, [4]);
  assert.equal(r.outputs[0].dtype, 'float16');
});
