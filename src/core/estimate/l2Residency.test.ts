import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openModelFile } from '../../node/profileFile';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import { estimateNodes, lastLevelCacheBytes } from './roofline';
import { makeDevice, makeReport, t } from './testUtil';

const SRC = { url: 'https://example.com/l2', retrieved: '2026-12-07' };
const withCache = (bytes: number): HardwareEntry => ({
  ...makeDevice({ id: 'cached', peaks: { fp16: 100e12, fp32: 10e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12 }),
  lastLevelCacheBytes: { value: bytes, source: SRC },
});

// a → mm1 → t1 (1 MB) → mm2 → t2 (1 MB) → mm3 → y (graph output, 1 MB); `w` (a graph input) is each one's other operand.
const MB = 1 << 20;
const elements = MB / 2; // float16
const mm = (name: string, input: string, output: string) => ({
  name,
  opType: 'MatMul',
  computeDtype: 'float16',
  flops: 2e9,
  macs: 1e9,
  bytesRead: 2 * MB,
  bytesWritten: MB,
  inputs: [input, 'w'],
  outputs: [t(output, 'float16', [elements])],
});
const chain = makeReport([mm('mm1', 'a', 't1'), mm('mm2', 't1', 't2'), mm('mm3', 't2', 'y')], {
  graphInputs: [t('a', 'float16', [elements]), t('w', 'float16', [elements])],
  graphOutputs: [t('y', 'float16', [elements])],
});
const bytes = (device: HardwareEntry) => estimateNodes(chain, device).map((e) => e.memoryBytes);

test('a tensor passed between kernels stays in the L2 when the window from its write to its last read fits', () => {
  const none = bytes(makeDevice({ id: 'bare', peaks: { fp16: 100e12, fp32: 10e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12 }));
  assert.deepEqual(none, [3 * MB, 3 * MB, 3 * MB], 'no cache listed: every tensor goes to DRAM');
  // 10 MB: t1's window is mm1's and mm2's writes (2 MB), t2's mm2's and mm3's (2 MB): both stay.
  const cached = estimateNodes(chain, withCache(10 * MB));
  assert.deepEqual(cached.map((e) => e.memoryBytes), [2 * MB, MB, 2 * MB], 'mm1 skips writing t1, mm2 reading t1 and writing t2, mm3 reading t2');
  assert.ok(cached[1].fusion?.rules.includes('l2-resident'));
  // 1.5 MB: neither window fits.
  assert.deepEqual(bytes(withCache(1.5 * MB)), none);
});

test('graph outputs always reach DRAM, and a long-lived tensor needs room for everything written until its last read', () => {
  // t1 is read by mm2 and again by mm3 (a residual): its window spans all three kernels' writes (3 MB).
  const residual = makeReport([mm('mm1', 'a', 't1'), mm('mm2', 't1', 't2'), { ...mm('mm3', 't2', 'y'), inputs: ['t2', 't1'], bytesRead: 2 * MB }], {
    graphInputs: [t('a', 'float16', [elements]), t('w', 'float16', [elements])],
    graphOutputs: [t('y', 'float16', [elements])],
  });
  const at = (cache: number) => estimateNodes(residual, withCache(cache)).map((e) => e.memoryBytes);
  assert.deepEqual(at(2.5 * MB), [3 * MB, 2 * MB, 2 * MB], '2.5 MB: t2 (window 2 MB) stays, t1 (3 MB) does not');
  assert.deepEqual(at(3 * MB), [2 * MB, MB, MB], '3 MB: both stay; y is written either way');
});

test('catalog: the L2 comes from the device or its compute twin; a CNN at a small batch keeps its activations on an L4', () => {
  assert.equal(lastLevelCacheBytes(findHardware('h100-sxm')!), 50 * 2 ** 20, "the driver's bytes, not the marketed 50 MB");
  // The H200 enables all six memory stacks of GH100, and its whole 60 MiB L2 with them (its own entry).
  assert.equal(lastLevelCacheBytes(findHardware('h200')!), 60 * 2 ** 20);
  assert.equal(lastLevelCacheBytes(findHardware('gh200')!), 50 * 2 ** 20, "no own figure: the compute twin's");
  assert.equal(lastLevelCacheBytes(findHardware('tpu-v5e')!), 0);
  const root = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((p) => existsSync(join(p, 'test', 'fixtures', 'mlperf')))!;
  const opened = openModelFile(join(root, 'test', 'fixtures', 'mlperf', 'resnet50.onnx'));
  try {
    const perImage = (batch: number) => {
      const report = opened.model.profile({ bindings: new Map([['batch', batch]]) });
      return estimateNodes(report, findHardware('l4')!, { precisionOverride: 'int8' }).reduce((s, e) => s + e.memoryBytes, 0) / batch;
    };
    // int8 ResNet-50 moves ~28 MB per image through DRAM at a large batch; at batch 4 the activations fit the L4's 48 MiB.
    assert.ok(perImage(1024) > 25e6, `${perImage(1024)}`);
    assert.ok(perImage(4) < 0.3 * perImage(1024), `${perImage(4)} vs ${perImage(1024)}`);
  } finally {
    opened.close();
  }
});
