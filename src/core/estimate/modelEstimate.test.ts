import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateModel, estimateNodeTimes, kvCacheBytes, memoryNeed } from './modelEstimate';
import { makeDevice, makeReport, t } from './testUtil';

// 100 TFLOP/s fp16, 10 TFLOP/s fp32, 1 TB/s, 10 GB, 400 W, $3.60/h, 100 GB/s link (both directions).
const dev = makeDevice({
  id: 'round',
  peaks: { fp16: 100e12, fp32: 10e12 },
  memoryBytes: 10e9,
  bandwidthBytesPerSecond: 1e12,
  powerWatts: 400,
  usdPerHour: 3.6,
  interconnectBytesPerSecond: 100e9,
});
const eff = {
  round: {
    matrixEfficiency: 0.5,
    matrixRampSeconds: 0,
    vectorEfficiency: 0.5,
    memoryEfficiency: 0.5,
    perKernelOverheadSeconds: 0,
    interconnectEfficiency: 1,
    allReduceLatencySeconds: 0,
    // The plain roofline max (no compute/memory overlap penalty), so the arithmetic below is exact.
    overlapExponent: Infinity,
  },
};
const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);

// One memory-bound op moving 5e8 bytes: 5e8 / (1e12 × 0.5) = exactly 1 ms.
const oneMs = { name: 'copy', opType: 'Add', computeDtype: 'float16', flops: 1e3, bytesRead: 3e8, bytesWritten: 2e8 };

test('latency, throughput and $ per million inferences at a batch', () => {
  const [e] = estimateModel(makeReport([oneMs]), [dev], { batch: 4, efficiency: eff });
  close(e.latencySeconds, 1e-3);
  close(e.throughputPerSecond, 4000); // 4 samples / 1 ms
  // $3.6/h × 1 chip × (1 ms / 4 samples) / 3600 s/h × 1e6 = $0.25 per million samples
  close(e.costPerMillionUsd!, 0.25);
  assert.equal(e.target, 'round');
  assert.equal(e.fits, true);
  assert.equal(e.chipsNeeded, 1);
  assert.equal(e.computeBoundFraction, 0);
});

test('joules per inference: board power × (idle + (1 − idle) × utilisation) × latency / batch', () => {
  const [e] = estimateModel(makeReport([oneMs]), [dev], { batch: 4, efficiency: eff, idlePowerFraction: 0.3 });
  // the node moves 5e8 B in 1 ms on a 1 TB/s device: busy 0.5 ms → utilisation 0.5
  close(e.utilisation, 0.5);
  close(e.averagePowerWattsPerChip!, 400 * (0.3 + 0.7 * 0.5)); // 260 W
  close(e.joulesPerInference!, (260 * 1e-3) / 4); // 0.065 J
});

test('no price → null cost', () => {
  const noPrice = makeDevice({ id: 'free', peaks: { fp32: 1e12 }, memoryBytes: 1e9, bandwidthBytesPerSecond: 1e11 });
  assert.equal(estimateModel(makeReport([oneMs]), [noPrice])[0].costPerMillionUsd, null);
});

test('computeBoundFraction is the share of time in compute-bound nodes', () => {
  const gemm = { name: 'g', opType: 'MatMul', computeDtype: 'float16', flops: 5e10, macs: 2.5e10, bytesRead: 1e6, bytesWritten: 1e6 };
  // gemm: 5e10 / 5e13 = 1 ms compute-bound; copy: 1 ms memory-bound
  const [e] = estimateModel(makeReport([gemm, oneMs]), [dev], { efficiency: eff });
  close(e.latencySeconds, 2e-3);
  close(e.computeBoundFraction, 0.5);
});

test('memory fit with 10% headroom and the chip count when it does not fit', () => {
  const small = makeReport([oneMs], { weightBytes: 5e9, peakActivationBytes: 1e9 });
  const [fit] = estimateModel(small, [dev], { efficiency: eff });
  assert.equal(fit.fits, true);
  close(fit.memoryNeededBytes, 6e9);
  close(fit.memoryUsableBytesPerChip, 9e9);

  // 20 GB weights + 1 GB activations on 10 GB devices with 9 GB usable → ceil(21 / 9) = 3 chips
  const big = makeReport([oneMs], { weightBytes: 20e9, peakActivationBytes: 1e9 });
  const [e] = estimateModel(big, [dev], { efficiency: eff });
  assert.equal(e.fits, false);
  assert.equal(e.chipsNeeded, 3);
  assert.equal(e.chips, 3);
  // the node's bytes are split over 3 chips
  close(e.latencySeconds, 1e-3 / 3);
  // $ scales with chips: 3.6 × 3 × (1/3 ms) / 3600 × 1e6 = $1 per million
  close(e.costPerMillionUsd!, 1);
});

test('tensor-parallel all-reduce: 2(n−1)/n × row-parallel matmul output bytes over one link direction', () => {
  // column-parallel (1000 → 4000): no all-reduce; row-parallel (4000 → 1000): all-reduce of its 4e6-byte output
  const up = { name: 'up', opType: 'MatMul', computeDtype: 'float', flops: 2e3, macs: 1e3, params: 1000 * 4000, outputs: [t('h', 'float', [1000, 4000])] };
  const down = { name: 'down', opType: 'MatMul', computeDtype: 'float', flops: 2e3, macs: 1e3, params: 4000 * 1000, outputs: [t('y', 'float', [1000, 1000])] };
  const [e] = estimateModel(makeReport([up, down], { weightBytes: 20e9 }), [dev], { efficiency: eff });
  assert.equal(e.chips, 3);
  // 2 × (2/3) × 4e6 B = 5.3333e6 B per chip over 100e9 / 2 B/s (one direction), efficiency 1, no latency
  close(e.interconnectSeconds, (2 * (2 / 3) * 4e6) / 50e9);
  assert.ok(e.latencySeconds >= e.interconnectSeconds);
});

test('KV cache from past key/value graph inputs counts in the memory need', () => {
  const past = (i: number, kv: string) => t(`past_key_values.${i}.${kv}`, 'float16', ['batch', 8, 'past_sequence_length', 64]);
  const report = makeReport([oneMs], {
    graphInputs: [t('input_ids', 'int64', ['batch', 'sequence_length']), past(0, 'key'), past(0, 'value')],
    bindings: { batch: 2, past_sequence_length: 1000, sequence_length: 1 },
    weightBytes: 1e9,
  });
  // 2 tensors × 2 × 8 × 1000 × 64 × 2 B = 4,096,000 B
  assert.equal(kvCacheBytes(report).bytes, 4096000);
  close(memoryNeed(report).totalBytes, 1e9 + 4096000);
  close(estimateModel(report, [dev])[0].kvCacheBytes, 4096000);
  assert.equal(estimateModel(report, [dev])[0].kvCacheUnbound, false);
  // Without a past length the cache cannot be sized: 0 B, flagged (the views show "unbound"), and an
  // explicit size (the LLM estimate's) clears the flag.
  const unbound = makeReport([oneMs], { graphInputs: report.graphInputs, bindings: { batch: 2, sequence_length: 1 }, weightBytes: 1e9 });
  const e = estimateModel(unbound, [dev])[0];
  assert.deepEqual([e.kvCacheBytes, e.kvCacheUnbound], [0, true]);
  assert.ok(e.notes.some((n) => /KV-cache tensor\(s\) have unbound dims/.test(n)));
  assert.equal(estimateModel(unbound, [dev], { kvCacheBytes: 5e6 })[0].kvCacheUnbound, false);
});

test('not-costed nodes are counted and named', () => {
  const report = makeReport([oneMs, { name: 'x', opType: 'Weird', status: 'unknown-cost' }, { name: 'y', opType: 'Odd', status: 'uncovered' }]);
  const [e] = estimateModel(report, [dev], { efficiency: eff });
  assert.equal(e.notEstimatedNodes, 2);
  assert.deepEqual(e.notEstimatedOpTypes, ['Odd', 'Weird']);
  close(e.latencySeconds, 1e-3);
});

test('precision override rescales weight totals (fp32 → int8 quarters them; int4 is 4.125 bits for weighted MAC layers only)', () => {
  const layer = { name: 'fc', opType: 'MatMul', computeDtype: 'float', macs: 1e9, flops: 2e9, params: 1e9, weightBytes: 4e9, bytesRead: 4e9 };
  const table = { name: 'embed', opType: 'Gather', computeDtype: 'float', params: 1e8, weightBytes: 4e8, bytesRead: 4e5 };
  const report = makeReport([layer, table], { weightBytesByDtype: { float: 4.4e9 } });
  close(memoryNeed(report, { precisionOverride: 'int8' }).weightBytes, 1.1e9);
  close(memoryNeed(report, { precisionOverride: 'int4' }).weightBytes, 1e9 * (4.125 / 8) + 1e8 * 2);
});

test('per-node times for the UI match the model latency', () => {
  const report = makeReport([oneMs, { ...oneMs, name: 'copy2' }]);
  const nodes = estimateNodeTimes(report, dev, { efficiency: eff });
  const [e] = estimateModel(report, [dev], { efficiency: eff });
  close(nodes.reduce((s, n) => s + n.seconds, 0), e.latencySeconds);
});

test('one estimate per report, device figures and options: repeated estimates share it, and it cannot be altered', () => {
  const report = makeReport([oneMs]);
  const [first] = estimateModel(report, [dev], { efficiency: eff });
  // An equal device and equal options built anew find the same estimate.
  const [again] = estimateModel(report, [{ ...dev }], { efficiency: structuredClone(eff) });
  assert.equal(again, first);
  assert.throws(() => ((first as { latencySeconds: number }).latencySeconds = 0), TypeError);
  assert.throws(() => (first.notes as string[]).push('x'), TypeError);
  // Any difference in the options, the device or the report object is another run.
  const slower = { round: { ...eff.round, memoryEfficiency: 0.25 } };
  close(estimateModel(report, [dev], { efficiency: slower })[0].latencySeconds, 2e-3);
  close(estimateModel(report, [{ ...dev, memoryBandwidthBytesPerSecond: { ...dev.memoryBandwidthBytesPerSecond, value: 2e12 } }], { efficiency: eff })[0].latencySeconds, 0.5e-3);
  assert.equal(estimateModel(report, [dev], { efficiency: eff, batch: 2 })[0].batch, 2);
  assert.notEqual(estimateModel(makeReport([oneMs]), [dev], { efficiency: eff })[0], first);
  // Infinity and NaN are kept apart in the key (JSON writes both as null).
  const [infinite] = estimateModel(report, [dev], { efficiency: { round: { ...eff.round, memoryEfficiency: Infinity } } });
  const [notANumber] = estimateModel(report, [dev], { efficiency: { round: { ...eff.round, memoryEfficiency: NaN } } });
  assert.notEqual(infinite, notANumber);
});
