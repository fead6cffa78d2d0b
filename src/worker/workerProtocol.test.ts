import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeReport, t } from '../core/estimate/testUtil';
import { decodeResult, encodeResult, type WorkerResult } from './workerProtocol';

test('a result crosses with its report nodes as transferred JSON buffers and decodes to the same result', async () => {
  const report = makeReport(Array.from({ length: 5000 }, (_, i) => ({ opType: 'MatMul', flops: i * 1e15, outputs: [t(`y${i}`, 'float', ['batch', i])] })));
  const result: WorkerResult = { id: 7, ok: true, report, millis: 12 };
  const { message, transfer } = encodeResult(result);
  assert.ok(message.ok && message.report.nodesJson && !('nodes' in message.report));
  assert.equal(transfer.length, 3, '5,000 nodes in buffers of 2,048');
  // What the host receives: a structured clone with the buffers transferred.
  const received = structuredClone(message, { transfer });
  assert.ok(transfer.every((b) => b.byteLength === 0), 'the buffers moved rather than being copied');
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const decoded = await decodeResult(received);
  clearInterval(ticker);
  assert.deepEqual(decoded, result);
  assert.ok(turns >= 1, 'the event loop turned while the nodes were parsed');
});

test('results without nodes and failures cross unchanged', async () => {
  const report = makeReport([{ opType: 'Relu' }]);
  const { nodes: _nodes, ...withoutNodes } = report;
  const held: WorkerResult = { id: 8, ok: true, report: withoutNodes, millis: 1 };
  const failed: WorkerResult = { id: 9, ok: false, code: 'not-onnx', message: 'not an ONNX model' };
  for (const r of [held, failed]) {
    const { message, transfer } = encodeResult(r);
    assert.deepEqual(transfer, []);
    assert.deepEqual(await decodeResult(message), r);
  }
});
