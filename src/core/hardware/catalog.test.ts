import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHITECTURE_IDS, ARCHITECTURES } from './architectures';
import { DEVICE_CLASSES, HARDWARE_CATALOG, PRECISIONS, findHardware, validateCatalog, validateHardwareEntry } from './catalog';
import type { HardwareEntry, Precision } from './hardwareTypes';
import schema from '../../../schemas/hardware.schema.json';
import before from '../../../test/fixtures/hardware/catalog-before-issue-11.json';

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
    // issue 11: the devices MLPerf and the clouds list, and the accelerators serving DeepSeek and Llama
    'h100-nvl', 'h200-nvl', 'gb200', 'gb300', 'b300', 'rtx-pro-6000-server', 'l40', 'a10g', 'a30', 'a40', 'rtx-6000-ada', 'ascend-910c',
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

test('spot checks: H100 SXM dense BF16 ~989 TFLOPS, 3.35 TB/s, 80 GiB, 700 W', () => {
  const h = findHardware('h100-sxm');
  assert.ok(h);
  assert.ok(withinPercent(h.peakFlopsPerSecond.bf16?.value, 989e12, 1), `bf16 ${h.peakFlopsPerSecond.bf16?.value}`);
  assert.ok(withinPercent(h.peakFlopsPerSecond.fp8?.value, 1979e12, 1), 'fp8 must be the dense 1979, not the sparse 3958');
  assert.equal(h.memoryBandwidthBytesPerSecond.value, 3.35e12);
  assert.equal(h.memoryBytes.value, 80 * 2 ** 30, '80 GB of HBM is 80 GiB (nvidia-smi: 81,559 MiB)');
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
  assert.equal(v5e.memoryBytes.value, 16 * 2 ** 30);
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
  assert.deepEqual([...entry.properties.architecture.enum].sort(), [...ARCHITECTURE_IDS].sort());
  assert.deepEqual(Object.keys(schema.definitions.achievedRates.properties.matrixFlopsPerSecond.properties).sort(), [...PRECISIONS].sort());
});

// ---- Consistency (issue 11): architectures, devices sharing their compute, measured rates.

/** An old entry under the architecture (and compute twin) the catalog now gives it. */
function underTodaysRules(old: Record<string, unknown>): Record<string, unknown> {
  const current = findHardware(String(old.id));
  assert.ok(current, `catalog lacks ${String(old.id)}`);
  return { ...old, architecture: current.architecture, ...(current.sameComputeAs ? { sameComputeAs: current.sameComputeAs } : {}) };
}

test('architecture rules are well-formed: known precisions, positive ratios, a dated source', () => {
  for (const [id, a] of Object.entries(ARCHITECTURES)) {
    for (const p of [...a.required, ...a.absent, ...a.ratios.flatMap((r) => [r.precision, r.of])]) assert.ok((PRECISIONS as readonly string[]).includes(p), `${id}: ${p}`);
    for (const p of a.required) assert.ok(!a.absent.includes(p), `${id}: ${p} both required and absent`);
    for (const r of a.ratios) assert.ok(r.ratio > 0 && r.precision !== r.of, `${id}: ${JSON.stringify(r)}`);
    assert.match(a.source.url, /^https:\/\//, id);
    assert.match(a.source.retrieved, /^\d{4}-\d{2}-\d{2}$/, id);
  }
});

test('every built-in entry names a known architecture and satisfies it', () => {
  for (const e of HARDWARE_CATALOG) {
    assert.ok(e.architecture && ARCHITECTURES[e.architecture], `${e.id} names no known architecture`);
    for (const p of ARCHITECTURES[e.architecture].required) assert.ok(e.peakFlopsPerSecond[p], `${e.id} lacks ${p}`);
  }
});

test('the validator rejects the gaps of the pre-issue-11 catalog', () => {
  const problemsOf = (id: string) => {
    const old = (before.entries as Record<string, unknown>[]).find((e) => e.id === id);
    assert.ok(old, `fixture lacks ${id}`);
    return validateCatalog([underTodaysRules(old)]).join('\n');
  };
  const h200 = problemsOf('h200');
  for (const p of ['fp32', 'tf32', 'fp64']) assert.match(h200, new RegExp(`Hopper \\(GH100\\) computes ${p} natively`), h200);
  assert.match(h200, /shares its compute with h100-sxm, but only h100-sxm lists a fp32 peak/);
  assert.match(problemsOf('l40s'), /computes int8 natively but the entry lists no int8 peak/);
  const mi300x = problemsOf('mi300x');
  assert.match(mi300x, /CDNA 3 .* computes int8 natively/);
  assert.match(mi300x, /CDNA 3 .* computes fp64 natively/);
  assert.match(problemsOf('a10'), /computes tf32 natively/);
});

test('H100 SXM and H200 share the GH100 compute: identical FP32/FP16/FP8/INT8 (and every other) peak', () => {
  const h100 = findHardware('h100-sxm');
  const h200 = findHardware('h200');
  assert.ok(h100 && h200);
  assert.equal(h200.sameComputeAs, 'h100-sxm');
  for (const p of PRECISIONS) {
    const a: number | undefined = h100.peakFlopsPerSecond[p]?.value;
    const b: number | undefined = h200.peakFlopsPerSecond[p]?.value;
    assert.equal(a === undefined, b === undefined, `${p} listed on one only`);
    if (a !== undefined && b !== undefined) assert.ok(Math.abs(a / b - 1) < 0.01, `${p}: ${a} vs ${b}`);
  }
  for (const p of ['fp32', 'fp16', 'fp8', 'int8'] as const) assert.ok(h200.peakFlopsPerSecond[p], `h200 lacks ${p}`);
});

test('architecture rules: a sparse figure, a precision the hardware lacks, an unknown architecture', () => {
  const h100 = JSON.parse(JSON.stringify(findHardware('h100-sxm'))) as Record<string, any>;
  h100.id = 'my-h100';
  delete h100.sameComputeAs;
  assert.deepEqual(validateHardwareEntry(h100), []);
  const sparse = JSON.parse(JSON.stringify(h100));
  sparse.peakFlopsPerSecond.fp8.value = 3958e12;
  assert.ok(validateHardwareEntry(sparse).some((p) => /fp8 peak is 4 x the fp16 peak; NVIDIA Hopper \(GH100\) runs fp8 at 2 x fp16/.test(p)));
  const fp4 = JSON.parse(JSON.stringify(h100));
  fp4.peakFlopsPerSecond.fp4 = fp4.peakFlopsPerSecond.fp8;
  assert.ok(validateHardwareEntry(fp4).some((p) => /has no fp4 hardware/.test(p)));
  const a100 = JSON.parse(JSON.stringify(findHardware('a100-80gb'))) as Record<string, any>;
  a100.peakFlopsPerSecond.fp8 = a100.peakFlopsPerSecond.int8;
  assert.ok(validateHardwareEntry(a100).some((p) => /Ampere \(GA100\) has no fp8 hardware/.test(p)));
  assert.ok(validateHardwareEntry({ ...(GOOD as object), architecture: 'nvidia-rubin' }).some((p) => /unknown architecture "nvidia-rubin"/.test(p)));
  // An entry without an architecture (a user's custom device) is not held to any rule.
  assert.deepEqual(validateHardwareEntry(GOOD), []);
});

test('within a tolerance of datasheet rounding, the ratio check passes (HGX B200 TF32 1.1 vs 2.25 / 2)', () => {
  const b200 = findHardware('b200');
  assert.ok(b200);
  assert.equal(b200.peakFlopsPerSecond.tf32?.value, 1.1e15);
  assert.deepEqual(validateHardwareEntry(b200), []);
});

test('sameComputeAs: the twin must exist, share the architecture and agree on every peak; user files may name built-ins', () => {
  const twin = JSON.parse(JSON.stringify(findHardware('h200'))) as Record<string, any>;
  twin.id = 'my-h200';
  assert.deepEqual(validateCatalog([twin]), [], 'a user entry may name a built-in twin');
  const slower = JSON.parse(JSON.stringify(twin));
  slower.peakFlopsPerSecond.bf16.value = 900e12;
  slower.peakFlopsPerSecond.fp16.value = 900e12;
  assert.ok(validateCatalog([slower]).some((p) => /bf16 peak 900000000000000 differs from h100-sxm/.test(p)));
  assert.ok(validateCatalog([{ ...twin, sameComputeAs: 'nope' }]).some((p) => /sameComputeAs "nope" is not a known device/.test(p)));
  assert.ok(validateCatalog([{ ...twin, sameComputeAs: 'my-h200' }]).some((p) => /names the device itself/.test(p)));
  assert.ok(validateCatalog([{ ...twin, sameComputeAs: 'mi300x' }]).some((p) => /names architecture "nvidia-hopper", not "amd-cdna3"/.test(p)));
});

test('measured (achieved) rates: sourced, near the peak they are measured against, in known units', () => {
  const src = { url: 'https://example.com/bench', retrieved: '2026-12-06' };
  const ok = { ...(GOOD as object), achieved: { matrixFlopsPerSecond: { bf16: { value: 80e12, source: src } }, memoryBandwidthBytesPerSecond: { value: 0.9e12, source: src }, kernelLaunchSeconds: { value: 3e-6, source: src } } };
  assert.deepEqual(validateHardwareEntry(ok), []);
  const cases: [unknown, RegExp][] = [
    [{ matrixFlopsPerSecond: { bf16: { value: 400e12, source: src } } }, /4\.00 x the bf16 peak/],
    [{ matrixFlopsPerSecond: { fp8: { value: 10e12, source: src } } }, /measured against no fp8 peak/],
    [{ matrixFlopsPerSecond: { bf16: { value: 80e12 } } }, /missing source/],
    [{ memoryBandwidthBytesPerSecond: { value: 5e12, source: src } }, /x the memory bandwidth/],
    [{ kernelLaunchSeconds: { value: 3, source: src } }, /is not a kernel launch/],
    [{ allReduceBusBytesPerSecond: { value: 100e9, source: src } }, /measured against no per-direction interconnect bandwidth/],
    [{ flops: 1 }, /unknown key "flops"/],
  ];
  for (const [achieved, expected] of cases) {
    const problems = validateHardwareEntry({ ...(GOOD as object), achieved });
    assert.ok(problems.some((p) => expected.test(p)), `${JSON.stringify(achieved)}: ${problems.join('; ')}`);
  }
});

test('every measured rate in the catalog cites its benchmark and matches a listed peak', () => {
  let measured = 0;
  for (const e of HARDWARE_CATALOG) {
    for (const [p, v] of Object.entries(e.achieved?.matrixFlopsPerSecond ?? {})) {
      measured++;
      assert.ok(e.peakFlopsPerSecond[p as Precision], `${e.id}.${p}`);
      assert.match(v!.source.url, /^https:\/\//);
    }
  }
  assert.ok(measured >= 20, `only ${measured} measured GEMM rates`);
});
