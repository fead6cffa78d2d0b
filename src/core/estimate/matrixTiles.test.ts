import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHITECTURES } from '../hardware/architectures';
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry, Precision } from '../hardware/hardwareTypes';
import type { ConvGroups, ProfileReport } from '../report/reportTypes';
import { instructionFill, matrixInstructionOf } from './matrixTiles';
import { estimateNodes } from './roofline';
import { makeReport, t } from './testUtil';

const device = (id: string): HardwareEntry => {
  const d = findHardware(id);
  assert.ok(d, id);
  return d;
};
const groups = (count: number, inputs: number, outputs: number, taps: number): ConvGroups => ({ groups: count, inputChannelsPerGroup: inputs, outputChannelsPerGroup: outputs, taps });

const fills: { readonly name: string; readonly device: string; readonly precision: Precision; readonly groups: ConvGroups; readonly fraction: number | undefined }[] = [
  // 4 of 8 columns; one tap's 4 channels in a reduction of 32 INT8 values (CUTLASS walks the filter tap by tap).
  { name: 'ResNeXt stage 1 on Hopper, int8', device: 'h100-sxm', precision: 'int8', groups: groups(32, 4, 4, 9), fraction: (4 / 8) * (4 / 32) },
  { name: 'ResNeXt stage 1 on Hopper, fp16', device: 'h100-sxm', precision: 'fp16', groups: groups(32, 4, 4, 9), fraction: (4 / 8) * (4 / 16) },
  { name: 'ResNeXt stage 3 on Hopper, fp16: full', device: 'h100-sxm', precision: 'fp16', groups: groups(32, 16, 16, 9), fraction: 1 },
  { name: 'ResNeXt stage 3 on Hopper, int8', device: 'h100-sxm', precision: 'int8', groups: groups(32, 16, 16, 9), fraction: 16 / 32 },
  { name: 'depth-wise on Ampere, fp16', device: 'a100-80gb', precision: 'fp16', groups: groups(32, 1, 1, 9), fraction: (1 / 8) * (1 / 16) },
  // A dense RGB stem packs its taps: 3 × 49 = 147 values in 160 (the fixed-channels iterators).
  { name: 'dense RGB stem on Hopper, fp16', device: 'h100-sxm', precision: 'fp16', groups: groups(1, 3, 64, 49), fraction: 147 / 160 },
  { name: 'dense 1×1, 64 channels: full', device: 'h100-sxm', precision: 'int8', groups: groups(1, 64, 256, 1), fraction: 1 },
  // Where the walk is not documented (AMD, the systolic arrays) the taps count as packed: 4 × 9 = 36 values in 64.
  { name: 'CDNA 3: 16 columns, taps packed', device: 'mi300x', precision: 'int8', groups: groups(32, 4, 4, 9), fraction: (4 / 16) * (36 / 64) },
  { name: 'CDNA 4: a 32-value FP16 reduction', device: 'mi355x', precision: 'fp16', groups: groups(32, 8, 8, 9), fraction: (8 / 16) * (72 / 96) },
  { name: 'TPU v5e: a 128 × 128 MXU', device: 'tpu-v5e', precision: 'int8', groups: groups(32, 4, 4, 9), fraction: (4 / 128) * (36 / 128) },
  { name: 'TPU v6e: 256 × 256, a dense RGB stem', device: 'tpu-v6e', precision: 'bf16', groups: groups(1, 3, 64, 49), fraction: (64 / 256) * (147 / 256) },
  { name: 'TPU v6e: a dense 3×3 of 256 channels fills it', device: 'tpu-v6e', precision: 'bf16', groups: groups(1, 256, 256, 9), fraction: 1 },
  { name: 'Trainium2: FP8 on 256 rows', device: 'trainium2', precision: 'fp8', groups: groups(1, 64, 128, 1), fraction: 64 / 256 },
  { name: 'Turing int8: m8n8k16', device: 't4', precision: 'int8', groups: groups(32, 8, 8, 9), fraction: 8 / 16 },
  // FP32 on a GPU runs on the CUDA cores: no instruction to pad to.
  { name: 'fp32 on Hopper: no tensor-core shape', device: 'h100-sxm', precision: 'fp32', groups: groups(32, 4, 4, 9), fraction: undefined },
];

for (const c of fills) {
  test(`instruction fill: ${c.name}`, () => {
    const instruction = matrixInstructionOf(device(c.device));
    assert.ok(instruction);
    const fill = instructionFill(c.groups, instruction, c.precision);
    if (c.fraction === undefined) assert.equal(fill, undefined);
    else assert.ok(fill && Math.abs(fill.fraction - c.fraction) < 1e-12, `${fill?.fraction} != ${c.fraction}`);
  });
}

test('architectures without a documented instruction shape pad nothing', () => {
  assert.equal(matrixInstructionOf(device('gaudi3')), undefined);
  assert.equal(matrixInstructionOf({ architecture: undefined }), undefined);
});

test('every instruction shape names precisions its architecture computes, with positive whole sizes and a source', () => {
  for (const [id, a] of Object.entries(ARCHITECTURES)) {
    const m = a.matrixInstruction;
    if (!m) continue;
    assert.ok(Number.isInteger(m.columns) && m.columns > 0, id);
    assert.ok(m.source.url.startsWith('https://'), id);
    for (const [precision, k] of Object.entries(m.reduction)) {
      assert.ok(!a.absent.includes(precision as Precision), `${id}: ${precision} is absent`);
      assert.ok(Number.isInteger(k) && k > 0, `${id}: ${precision}`);
    }
  }
});

// ResNeXt's stage-1 grouped 3×3 at batch 512: 512 × 56 × 56 × 128 outputs × 36 MACs each.
const BATCH = 512;
const MACS = BATCH * 56 * 56 * 128 * 36;
const conv = {
  name: 'grouped',
  opType: 'Conv',
  computeDtype: 'float16',
  flops: 2 * MACS,
  macs: MACS,
  bytesRead: 2 * BATCH * 128 * 56 * 56 * 2,
  bytesWritten: BATCH * 128 * 56 * 56 * 2,
  inputs: ['x', 'w'],
  outputs: [t('y', 'float16', [BATCH, 128, 56, 56])],
};
const withGroups = (g: ConvGroups | undefined): ProfileReport => {
  const r = makeReport([conv]);
  return g ? { ...r, nodes: r.nodes.map((n) => ({ ...n, convGroups: g })) } : r;
};

test('a grouped convolution computes its padded instructions: 16× the compute time at int8 on the H100', () => {
  const h100 = device('h100-sxm');
  const [dense] = estimateNodes(withGroups(undefined), h100, { precisionOverride: 'int8' });
  const [grouped] = estimateNodes(withGroups(groups(32, 4, 4, 9)), h100, { precisionOverride: 'int8' });
  assert.equal(grouped.precision, 'int8');
  assert.ok(Math.abs(grouped.computeSeconds / dense.computeSeconds - 16) < 1e-9, `${grouped.computeSeconds / dense.computeSeconds}`);
  assert.equal(grouped.memorySeconds, dense.memorySeconds);
  assert.ok(grouped.notes.some((n) => n.includes('32 groups of 4 → 4 channels: 6% (8 columns × 32) of each int8 matrix instruction does work')), grouped.notes.join('; '));
});

test('a depth-wise convolution runs on the vector units when its padded instructions would be slower', () => {
  const h100 = device('h100-sxm');
  const [e] = estimateNodes(withGroups(groups(128, 1, 1, 9)), h100, { precisionOverride: 'fp16' });
  assert.equal(e.precision, null);
  assert.equal(e.effectiveFlopsPerSecond, h100.peakFlopsPerSecond.fp32!.value * e.computeEfficiency);
  assert.ok(e.notes.some((n) => n.includes('depth-wise') && n.includes('ran on the vector units')), e.notes.join('; '));
});

test('a device without a documented instruction shape estimates the grouped convolution as before', () => {
  const gaudi = device('gaudi3');
  const [dense] = estimateNodes(withGroups(undefined), gaudi, { precisionOverride: 'bf16' });
  const [grouped] = estimateNodes(withGroups(groups(32, 4, 4, 9)), gaudi, { precisionOverride: 'bf16' });
  assert.equal(grouped.seconds, dense.seconds);
});
