import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_CLASSES, HARDWARE_CATALOG, PRECISIONS, findHardware, validateCatalog, validateHardwareEntry } from './catalog';
import type { HardwareEntry } from './hardwareTypes';
import schema from '../../../schemas/hardware.schema.json';

const GPU_VENDORS = new Set(['NVIDIA', 'AMD', 'Intel']);

/** A general-purpose GPU: gpu class, or an edge part from a GPU vendor whose compute is a GPU (Jetson). */
function isGpu(e: HardwareEntry): boolean {
  return e.deviceClass === 'gpu' || (e.deviceClass === 'edge' && GPU_VENDORS.has(e.vendor) && /jetson/i.test(e.name));
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function withinPercent(actual: number | undefined, expected: number, pct: number): boolean {
  return actual !== undefined && Math.abs(actual - expected) <= (Math.abs(expected) * pct) / 100;
}

const GOOD: unknown = {
  id: 'my-npu',
  name: 'My NPU',
  vendor: 'Example',
  deviceClass: 'accelerator',
  peakFlopsPerSecond: {
    bf16: { value: 100e12, source: { url: 'https://example.com/npu', retrieved: '2026-11-29', note: 'vendor sheet: 200 TFLOPS with sparsity, halved to dense 100' } },
  },
  memoryBytes: { value: 32e9, source: { url: 'https://example.com/npu', retrieved: '2026-11-29' } },
  memoryBandwidthBytesPerSecond: { value: 1e12, source: { url: 'https://example.com/npu', retrieved: '2026-11-29' } },
};

test('every catalog entry validates', () => {
  for (const e of HARDWARE_CATALOG) {
    assert.deepEqual(validateHardwareEntry(e), [], `problems in ${e.id}`);
  }
  assert.deepEqual(validateCatalog(HARDWARE_CATALOG), []);
});

test('catalog ids are unique and lower-case', () => {
  const ids = HARDWARE_CATALOG.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9][a-z0-9.-]*$/);
});

test('required ids exist and findHardware resolves them', () => {
  const required = [
    't4', 'a10', 'a100-40gb', 'a100-80gb', 'l4', 'l40s', 'h100-sxm', 'h100-pcie', 'h200', 'b200', 'rtx-4090', 'rtx-5090',
    'jetson-agx-orin', 'mi250x', 'mi300x', 'mi325x', 'tpu-v4', 'tpu-v5e', 'tpu-v5p', 'tpu-v6e', 'tpu-v7', 'inferentia2',
    'trainium1', 'trainium2', 'gaudi2', 'gaudi3', 'groq-lpu', 'cerebras-wse3', 'ascend-910b', 'tt-wormhole-n300',
    'tt-blackhole-p150', 'sambanova-sn40l', 'qualcomm-cloud-ai100', 'coral-edge-tpu',
  ];
  for (const id of required) assert.ok(findHardware(id), `missing ${id}`);
  assert.equal(findHardware('H100-SXM')?.id, 'h100-sxm');
  assert.equal(findHardware('no-such-device'), undefined);
});

test('at least 20 GPUs and 15 non-GPU accelerators/edge devices', () => {
  const gpus = HARDWARE_CATALOG.filter(isGpu);
  const others = HARDWARE_CATALOG.filter((e) => !isGpu(e));
  assert.ok(gpus.length >= 20, `only ${gpus.length} GPUs`);
  assert.ok(others.length >= 15, `only ${others.length} non-GPU entries`);
  for (const e of others) assert.ok(e.deviceClass === 'accelerator' || e.deviceClass === 'edge', `${e.id} is ${e.deviceClass}`);
});

test('spot checks: H100 SXM dense BF16 ~989 TFLOPS, 3.35 TB/s, 80 GB, 700 W', () => {
  const h = findHardware('h100-sxm');
  assert.ok(h);
  assert.ok(withinPercent(h.peakFlopsPerSecond.bf16?.value, 989e12, 1), `bf16 ${h.peakFlopsPerSecond.bf16?.value}`);
  assert.ok(withinPercent(h.peakFlopsPerSecond.fp8?.value, 1979e12, 1), 'fp8 must be the dense 1979, not the sparse 3958');
  assert.equal(h.memoryBandwidthBytesPerSecond.value, 3.35e12);
  assert.equal(h.memoryBytes.value, 80e9);
  assert.equal(h.powerWatts?.value, 700);
  assert.equal(h.interconnectBytesPerSecond?.value, 900e9);
});

test('spot checks: unsupported precisions are absent', () => {
  assert.equal(findHardware('a100-80gb')?.peakFlopsPerSecond.fp8, undefined, 'A100 has no fp8');
  assert.equal(findHardware('t4')?.peakFlopsPerSecond.bf16, undefined, 'T4 has no bf16');
  assert.equal(findHardware('h100-sxm')?.peakFlopsPerSecond.fp4, undefined, 'Hopper has no fp4');
  assert.ok(findHardware('b200')?.peakFlopsPerSecond.fp4, 'Blackwell has fp4');
});

test('spot checks: TPU v5e and SRAM machines', () => {
  const v5e = findHardware('tpu-v5e');
  assert.ok(v5e);
  assert.equal(v5e.peakFlopsPerSecond.bf16?.value, 197e12);
  assert.equal(v5e.memoryBytes.value, 16e9);
  const groq = findHardware('groq-lpu');
  assert.equal(groq?.onChipSramBytes?.value, 230e6);
  assert.equal(groq?.onChipSramBandwidthBytesPerSecond?.value, 80e12);
  const wse = findHardware('cerebras-wse3');
  assert.equal(wse?.onChipSramBytes?.value, 44e9);
  assert.equal(wse?.onChipSramBandwidthBytesPerSecond?.value, 21e15);
});

test('no stored peak is a 2:4-sparse figure: where a note mentions sparsity it says dense/halved', () => {
  for (const e of HARDWARE_CATALOG) {
    for (const [p, v] of Object.entries(e.peakFlopsPerSecond)) {
      const note = v?.source.note ?? '';
      if (/spars(e|ity)/i.test(note)) assert.match(note, /dense|halved|converted/i, `${e.id}.${p}: ${note}`);
    }
  }
});

test('prices, where present, are positive with a provider and a dated source', () => {
  for (const e of HARDWARE_CATALOG) {
    if (!e.price) continue;
    assert.ok(e.price.usdPerHour > 0 && Number.isFinite(e.price.usdPerHour), e.id);
    assert.ok(e.price.provider.length > 0, e.id);
    assert.match(e.price.source.retrieved, /^\d{4}-\d{2}-\d{2}$/, e.id);
  }
});

test('validator accepts a well-formed user entry', () => {
  assert.deepEqual(validateHardwareEntry(GOOD), []);
});

test('validator rejects (a) a figure lacking a source', () => {
  const bad = clone(GOOD) as { memoryBytes: Record<string, unknown> };
  delete bad.memoryBytes.source;
  const problems = validateHardwareEntry(bad);
  assert.ok(problems.some((p) => /memoryBytes.*missing source/.test(p)), problems.join('; '));

  const noDate = clone(GOOD) as { memoryBytes: { source: Record<string, unknown> } };
  delete noDate.memoryBytes.source.retrieved;
  assert.ok(validateHardwareEntry(noDate).some((p) => /missing retrieved/.test(p)));

  const noUrl = clone(GOOD) as { memoryBytes: { source: Record<string, unknown> } };
  noUrl.memoryBytes.source.url = '';
  assert.ok(validateHardwareEntry(noUrl).some((p) => /missing url/.test(p)));
});

test('validator rejects (b) a sparse figure stored as dense', () => {
  const bad = clone(GOOD) as { peakFlopsPerSecond: { bf16: { value: number; source: { note: string } } } };
  bad.peakFlopsPerSecond.bf16.value = 200e12;
  bad.peakFlopsPerSecond.bf16.source.note = 'vendor sheet: 200 TFLOPS with sparsity';
  const problems = validateHardwareEntry(bad);
  assert.ok(problems.some((p) => /sparsity/.test(p)), problems.join('; '));
});

test('validator rejects (c) a bare number without unit/source', () => {
  const bad = clone(GOOD) as Record<string, unknown> & { peakFlopsPerSecond: Record<string, unknown> };
  bad.memoryBandwidthBytesPerSecond = 1e12;
  bad.peakFlopsPerSecond.fp16 = 100e12;
  const problems = validateHardwareEntry(bad);
  assert.ok(problems.some((p) => /memoryBandwidthBytesPerSecond: bare number/.test(p)), problems.join('; '));
  assert.ok(problems.some((p) => /peakFlopsPerSecond.fp16: bare number/.test(p)), problems.join('; '));
});

test('validator rejects missing identity, unknown class, unknown keys and precisions, non-positive values', () => {
  const cases: [string, (e: Record<string, any>) => void, RegExp][] = [
    ['missing id', (e) => delete e.id, /missing id/],
    ['missing name', (e) => delete e.name, /missing name/],
    ['missing class', (e) => delete e.deviceClass, /missing deviceClass/],
    ['unknown class', (e) => (e.deviceClass = 'fpga'), /unknown deviceClass/],
    ['unknown top-level key', (e) => (e.tdp = 300), /unknown key "tdp"/],
    ['unknown precision', (e) => (e.peakFlopsPerSecond.fp6 = e.peakFlopsPerSecond.bf16), /unknown precision "fp6"/],
    ['zero value', (e) => (e.memoryBytes.value = 0), /must be positive/],
    ['negative value', (e) => (e.memoryBytes.value = -1), /must be positive/],
    ['non-finite value', (e) => (e.memoryBytes.value = Infinity), /not finite/],
    ['bad date', (e) => (e.memoryBytes.source.retrieved = '2026-13-40'), /not a YYYY-MM-DD date/],
    ['missing memory', (e) => delete e.memoryBytes, /missing memoryBytes/],
    ['bad price', (e) => (e.price = { usdPerHour: -2, provider: '', source: { url: 'https://x.test', retrieved: '2026-11-29' } }), /usdPerHour/],
  ];
  for (const [label, mutate, expected] of cases) {
    const e = clone(GOOD) as Record<string, any>;
    mutate(e);
    const problems = validateHardwareEntry(e);
    assert.ok(problems.some((p) => expected.test(p)), `${label}: ${problems.join('; ')}`);
  }
  assert.deepEqual(validateHardwareEntry(42), ['entry must be an object']);
});

test('validateCatalog reports duplicate ids', () => {
  const problems = validateCatalog([GOOD, clone(GOOD)]);
  assert.ok(problems.some((p) => /duplicate id "my-npu"/.test(p)), problems.join('; '));
  assert.deepEqual(validateCatalog({}), ['catalog must be an array of entries']);
});

test('the published JSON schema lists the same classes, precisions and keys as the validator', () => {
  const entry = schema.definitions.hardwareEntry;
  assert.deepEqual([...entry.properties.deviceClass.enum].sort(), [...DEVICE_CLASSES].sort());
  assert.deepEqual(Object.keys(entry.properties.peakFlopsPerSecond.properties).sort(), [...PRECISIONS].sort());
  const keysInCatalog = new Set(HARDWARE_CATALOG.flatMap((e) => Object.keys(e)));
  for (const k of keysInCatalog) assert.ok(k in entry.properties, `schema lacks ${k}`);
  for (const k of Object.keys(entry.properties)) assert.equal(validateHardwareEntry({ ...(GOOD as object), [k]: undefined }).some((p) => p.includes(`unknown key "${k}"`)), false, `validator rejects schema key ${k}`);
  assert.ok(entry.required.every((k: string) => k in (GOOD as object)), 'the sample entry has every schema-required key');
});
