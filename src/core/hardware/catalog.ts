/**
 * The built-in hardware catalog (catalog.json) and the validator that every entry, built-in or
 * user-supplied, must pass. Pure: no fs, no vscode, no DOM. Callers that read a user's device file
 * parse the JSON themselves and hand the value to `validateHardwareEntry` / `validateCatalog`.
 *
 * The rules mirror schemas/hardware.schema.json, plus the checks a JSON Schema cannot express:
 * a peak figure whose source note mentions sparsity must say it was halved / converted to dense; the peaks
 * must be complete and consistent for the device's architecture (architectures.ts); devices declared to share
 * their compute (`sameComputeAs`) must agree on every peak; measured (`achieved`) rates must stay near the peaks.
 */
import { isRecord } from '../collections';
import { checkArchitecture } from './architectures';
import type { DeviceClass, HardwareEntry, Precision } from './hardwareTypes';
import catalogJson from './catalog.json';

export const DEVICE_CLASSES: readonly DeviceClass[] = ['gpu', 'accelerator', 'edge'];
export const PRECISIONS: readonly Precision[] = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'];

/** Numeric fields given as {value, source}. `required` ones must be present. */
const SOURCED_FIELDS: readonly { readonly key: string; readonly required: boolean }[] = [
  { key: 'memoryBytes', required: true },
  { key: 'memoryBandwidthBytesPerSecond', required: true },
  { key: 'lastLevelCacheBytes', required: false },
  { key: 'onChipSramBytes', required: false },
  { key: 'onChipSramBandwidthBytesPerSecond', required: false },
  { key: 'powerWatts', required: false },
  { key: 'interconnectBytesPerSecond', required: false },
];

const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([
  'id',
  'name',
  'vendor',
  'deviceClass',
  'peakFlopsPerSecond',
  ...SOURCED_FIELDS.map((f) => f.key),
  'price',
  'notes',
  'architecture',
  'sameComputeAs',
  'achieved',
]);

const ACHIEVED_KEYS: ReadonlySet<string> = new Set(['matrixFlopsPerSecond', 'memoryBandwidthBytesPerSecond', 'kernelLaunchSeconds', 'allReduceBusBytesPerSecond', 'gemmSizeSweep']);
/** A size curve needs at least this many measured GEMMs. */
const MIN_SWEEP_POINTS = 3;
/**
 * A measured rate may exceed the datasheet peak a little (GeForce and PCIe cards boost past the clock the peak is
 * quoted at); one far above it is a sparse figure, a different precision or a unit slip.
 */
const MAX_ACHIEVED_OVER_PEAK = 1.25;
/** Kernel launches cost microseconds; a figure of a millisecond or more is a unit slip. */
const MAX_KERNEL_LAUNCH_SECONDS = 1e-3;
/** Devices sharing their compute must agree on every peak within this fraction (datasheet rounding). */
const SAME_COMPUTE_TOLERANCE = 0.01;

const ID_PATTERN = /^[a-z0-9][a-z0-9.-]*$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const URL_PATTERN = /^https?:\/\/\S+$/;
const SPARSE_WORDS = /\bspars(e|ity)\b/i;
const DENSE_WORDS = /\bdense\b|\bhalved\b|\bconverted\b/i;

function isValidDate(s: string): boolean {
  if (!DATE_PATTERN.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function checkSource(src: unknown, where: string, problems: string[]): void {
  if (!isRecord(src)) {
    problems.push(`${where}: missing source (needs {url, retrieved})`);
    return;
  }
  for (const k of Object.keys(src)) {
    if (k !== 'url' && k !== 'retrieved' && k !== 'note') problems.push(`${where}.source: unknown key "${k}"`);
  }
  if (typeof src.url !== 'string' || src.url.trim() === '') problems.push(`${where}.source: missing url`);
  else if (!URL_PATTERN.test(src.url)) problems.push(`${where}.source: url "${src.url}" is not an http(s) address`);
  if (typeof src.retrieved !== 'string' || src.retrieved.trim() === '') problems.push(`${where}.source: missing retrieved date`);
  else if (!isValidDate(src.retrieved)) problems.push(`${where}.source: retrieved "${src.retrieved}" is not a YYYY-MM-DD date`);
  if (src.note !== undefined && typeof src.note !== 'string') problems.push(`${where}.source: note must be a string`);
}

function checkPositive(value: unknown, where: string, problems: string[]): void {
  if (typeof value !== 'number') problems.push(`${where}: value must be a number`);
  else if (!Number.isFinite(value)) problems.push(`${where}: value ${String(value)} is not finite`);
  else if (value <= 0) problems.push(`${where}: value ${value} must be positive`);
}

/** A {value, source} figure. `isPeak` adds the sparse-stored-as-dense check. */
function checkSourcedValue(v: unknown, where: string, problems: string[], isPeak: boolean): void {
  if (typeof v === 'number') {
    problems.push(`${where}: bare number ${v} has no unit/source; write {"value": ${v}, "source": {"url": ..., "retrieved": ...}}`);
    return;
  }
  if (!isRecord(v)) {
    problems.push(`${where}: must be {value, source}`);
    return;
  }
  for (const k of Object.keys(v)) {
    if (k !== 'value' && k !== 'source') problems.push(`${where}: unknown key "${k}"`);
  }
  checkPositive(v.value, where, problems);
  checkSource(v.source, where, problems);
  if (isPeak && isRecord(v.source) && typeof v.source.note === 'string') {
    const note = v.source.note;
    if (SPARSE_WORDS.test(note) && !DENSE_WORDS.test(note)) {
      problems.push(`${where}: source note mentions sparsity but does not say the figure is dense or was halved/converted to dense`);
    }
  }
}

/** Problems with one entry (built-in or user-supplied); [] when it is valid. */
export function validateHardwareEntry(entry: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(entry)) return ['entry must be an object'];
  const label = typeof entry.id === 'string' && entry.id !== '' ? entry.id : '(no id)';

  for (const k of Object.keys(entry)) {
    if (!TOP_LEVEL_KEYS.has(k)) problems.push(`${label}: unknown key "${k}"`);
  }

  if (typeof entry.id !== 'string' || entry.id.trim() === '') problems.push(`${label}: missing id`);
  else if (!ID_PATTERN.test(entry.id)) problems.push(`${label}: id "${entry.id}" must be lower-case letters, digits, '.' and '-'`);
  if (typeof entry.name !== 'string' || entry.name.trim() === '') problems.push(`${label}: missing name`);
  if (typeof entry.vendor !== 'string' || entry.vendor.trim() === '') problems.push(`${label}: missing vendor`);
  if (entry.deviceClass === undefined) problems.push(`${label}: missing deviceClass`);
  else if (typeof entry.deviceClass !== 'string' || !(DEVICE_CLASSES as readonly string[]).includes(entry.deviceClass)) {
    problems.push(`${label}: unknown deviceClass "${String(entry.deviceClass)}" (expected one of ${DEVICE_CLASSES.join(', ')})`);
  }

  const peaks = entry.peakFlopsPerSecond;
  if (!isRecord(peaks)) problems.push(`${label}: missing peakFlopsPerSecond (use {} when no dense peak is published)`);
  else {
    for (const [p, v] of Object.entries(peaks)) {
      if (!(PRECISIONS as readonly string[]).includes(p)) {
        problems.push(`${label}.peakFlopsPerSecond: unknown precision "${p}" (expected one of ${PRECISIONS.join(', ')})`);
        continue;
      }
      checkSourcedValue(v, `${label}.peakFlopsPerSecond.${p}`, problems, true);
    }
  }

  if (entry.architecture !== undefined) {
    if (typeof entry.architecture !== 'string' || entry.architecture.trim() === '') problems.push(`${label}: architecture must be a non-empty string`);
    else if (isRecord(peaks)) problems.push(...checkArchitecture(label, entry.architecture, peaks as Record<string, { value?: unknown }>));
  }
  if (entry.sameComputeAs !== undefined && (typeof entry.sameComputeAs !== 'string' || entry.sameComputeAs.trim() === '')) {
    problems.push(`${label}: sameComputeAs must be the id of another device`);
  }
  if (entry.achieved !== undefined) checkAchieved(entry.achieved, entry, label, problems);

  for (const { key, required } of SOURCED_FIELDS) {
    const v = entry[key];
    if (v === undefined) {
      if (required) problems.push(`${label}: missing ${key}`);
      continue;
    }
    checkSourcedValue(v, `${label}.${key}`, problems, false);
  }

  if (entry.price !== undefined) {
    const price = entry.price;
    if (!isRecord(price)) problems.push(`${label}.price: must be {usdPerHour, provider, source}`);
    else {
      for (const k of Object.keys(price)) {
        if (k !== 'usdPerHour' && k !== 'provider' && k !== 'source') problems.push(`${label}.price: unknown key "${k}"`);
      }
      checkPositive(price.usdPerHour, `${label}.price.usdPerHour`, problems);
      if (typeof price.provider !== 'string' || price.provider.trim() === '') problems.push(`${label}.price: missing provider`);
      checkSource(price.source, `${label}.price`, problems);
    }
  }

  if (entry.notes !== undefined) {
    if (!Array.isArray(entry.notes) || !entry.notes.every((n) => typeof n === 'string')) {
      problems.push(`${label}: notes must be an array of strings`);
    }
  }
  return problems;
}

function peakValue(entry: Record<string, unknown>, p: string): number | undefined {
  const peaks = entry.peakFlopsPerSecond;
  const v = isRecord(peaks) && isRecord(peaks[p]) ? peaks[p].value : undefined;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** A measured figure: sourced, positive, and not far above the peak it is measured against. */
function checkMeasured(v: unknown, where: string, peak: number | undefined, peakName: string, problems: string[]): void {
  checkSourcedValue(v, where, problems, false);
  const value = isRecord(v) ? v.value : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return;
  if (peak === undefined) problems.push(`${where}: measured against no ${peakName} (the entry lists none)`);
  else if (value > peak * MAX_ACHIEVED_OVER_PEAK) {
    problems.push(`${where}: ${value} is ${(value / peak).toFixed(2)} x the ${peakName} (${peak}); a sparse figure, another precision or a unit slip?`);
  }
}

function checkAchieved(achieved: unknown, entry: Record<string, unknown>, label: string, problems: string[]): void {
  const where = `${label}.achieved`;
  if (!isRecord(achieved)) {
    problems.push(`${where}: must be {matrixFlopsPerSecond?, memoryBandwidthBytesPerSecond?, kernelLaunchSeconds?, allReduceBusBytesPerSecond?, gemmSizeSweep?}`);
    return;
  }
  for (const k of Object.keys(achieved)) if (!ACHIEVED_KEYS.has(k)) problems.push(`${where}: unknown key "${k}"`);
  const matrix = achieved.matrixFlopsPerSecond;
  if (matrix !== undefined) {
    if (!isRecord(matrix)) problems.push(`${where}.matrixFlopsPerSecond: must map precisions to {value, source}`);
    else {
      for (const [p, v] of Object.entries(matrix)) {
        if (!(PRECISIONS as readonly string[]).includes(p)) problems.push(`${where}.matrixFlopsPerSecond: unknown precision "${p}"`);
        else checkMeasured(v, `${where}.matrixFlopsPerSecond.${p}`, peakValue(entry, p), `${p} peak`, problems);
      }
    }
  }
  if (achieved.memoryBandwidthBytesPerSecond !== undefined) {
    const bw = entry.memoryBandwidthBytesPerSecond;
    const peak = isRecord(bw) && typeof bw.value === 'number' ? bw.value : undefined;
    checkMeasured(achieved.memoryBandwidthBytesPerSecond, `${where}.memoryBandwidthBytesPerSecond`, peak, 'memory bandwidth', problems);
  }
  if (achieved.kernelLaunchSeconds !== undefined) {
    checkSourcedValue(achieved.kernelLaunchSeconds, `${where}.kernelLaunchSeconds`, problems, false);
    const v = isRecord(achieved.kernelLaunchSeconds) ? achieved.kernelLaunchSeconds.value : undefined;
    if (typeof v === 'number' && v >= MAX_KERNEL_LAUNCH_SECONDS) problems.push(`${where}.kernelLaunchSeconds: ${v} s is not a kernel launch (seconds, e.g. 3e-6)`);
  }
  if (achieved.allReduceBusBytesPerSecond !== undefined) {
    // busbw is per direction; the catalog's link rate is both directions together.
    const link = entry.interconnectBytesPerSecond;
    const peak = isRecord(link) && typeof link.value === 'number' ? link.value / 2 : undefined;
    checkMeasured(achieved.allReduceBusBytesPerSecond, `${where}.allReduceBusBytesPerSecond`, peak, 'per-direction interconnect bandwidth', problems);
  }
  if (achieved.gemmSizeSweep !== undefined) checkGemmSweeps(achieved.gemmSizeSweep, entry, `${where}.gemmSizeSweep`, problems);
}

/** Per precision: {points: [{m, n, k, flopsPerSecond}...], source}, each rate positive and near the precision's peak. */
function checkGemmSweeps(sweeps: unknown, entry: Record<string, unknown>, where: string, problems: string[]): void {
  if (!isRecord(sweeps)) {
    problems.push(`${where}: must map precisions to {points, source}`);
    return;
  }
  for (const [p, sweep] of Object.entries(sweeps)) {
    const at = `${where}.${p}`;
    if (!(PRECISIONS as readonly string[]).includes(p)) {
      problems.push(`${where}: unknown precision "${p}"`);
      continue;
    }
    if (!isRecord(sweep) || !Array.isArray(sweep.points)) {
      problems.push(`${at}: must be {points: [{m, n, k, flopsPerSecond}...], source}`);
      continue;
    }
    for (const k of Object.keys(sweep)) if (k !== 'points' && k !== 'source') problems.push(`${at}: unknown key "${k}"`);
    checkSource(sweep.source, at, problems);
    if (sweep.points.length < MIN_SWEEP_POINTS) problems.push(`${at}: ${sweep.points.length} points; a size curve needs at least ${MIN_SWEEP_POINTS}`);
    const peak = peakValue(entry, p);
    if (peak === undefined) problems.push(`${at}: measured against no ${p} peak (the entry lists none)`);
    sweep.points.forEach((point, i) => {
      const pw = `${at}.points[${i}]`;
      if (!isRecord(point)) {
        problems.push(`${pw}: must be {m, n, k, flopsPerSecond}`);
        return;
      }
      for (const k of Object.keys(point)) if (!['m', 'n', 'k', 'flopsPerSecond'].includes(k)) problems.push(`${pw}: unknown key "${k}"`);
      for (const dim of ['m', 'n', 'k']) {
        const v = point[dim];
        if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) problems.push(`${pw}.${dim}: must be a positive integer`);
      }
      checkPositive(point.flopsPerSecond, `${pw}.flopsPerSecond`, problems);
      const rate = point.flopsPerSecond;
      if (peak !== undefined && typeof rate === 'number' && rate > peak * MAX_ACHIEVED_OVER_PEAK) {
        problems.push(`${pw}.flopsPerSecond: ${rate} is ${(rate / peak).toFixed(2)} x the ${p} peak (${peak}); a sparse figure, another precision or a unit slip?`);
      }
    });
  }
}

/**
 * Devices declared to share their compute (same die, unit count and clocks) must list the same precisions with
 * the same peaks. `byId` resolves the other device (the list being validated first, then the built-in catalog).
 */
function checkSameCompute(entry: Record<string, unknown>, byId: (id: string) => Record<string, unknown> | undefined): string[] {
  const label = String(entry.id);
  const otherId = entry.sameComputeAs;
  if (typeof otherId !== 'string' || otherId.trim() === '') return [];
  if (otherId === entry.id) return [`${label}: sameComputeAs names the device itself`];
  const other = byId(otherId);
  if (!other) return [`${label}: sameComputeAs "${otherId}" is not a known device`];
  const problems: string[] = [];
  if (entry.architecture !== other.architecture) {
    problems.push(`${label}: shares its compute with ${otherId} but names architecture "${String(entry.architecture)}", not "${String(other.architecture)}"`);
  }
  for (const p of PRECISIONS) {
    const a = peakValue(entry, p);
    const b = peakValue(other, p);
    if (a === undefined && b === undefined) continue;
    if (a === undefined || b === undefined) {
      problems.push(`${label}: shares its compute with ${otherId}, but only ${a === undefined ? otherId : label} lists a ${p} peak`);
    } else if (Math.abs(a / b - 1) > SAME_COMPUTE_TOLERANCE) {
      problems.push(`${label}: ${p} peak ${a} differs from ${otherId}'s ${b}, though the two share their compute`);
    }
  }
  return problems;
}

/**
 * Problems with a whole list of entries: each entry's problems, duplicate ids, and devices that share their
 * compute but disagree on a peak. `sameComputeAs` may name a device of the list or a built-in one.
 */
export function validateCatalog(entries: unknown): string[] {
  if (!Array.isArray(entries)) return ['catalog must be an array of entries'];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    for (const p of validateHardwareEntry(entry)) problems.push(`[${i}] ${p}`);
    if (isRecord(entry) && typeof entry.id === 'string') {
      const first = seen.get(entry.id);
      if (first !== undefined) problems.push(`[${i}] duplicate id "${entry.id}" (first at [${first}])`);
      else seen.set(entry.id, i);
    }
  });
  const byId = (id: string): Record<string, unknown> | undefined => {
    const i = seen.get(id);
    const listed = i === undefined ? undefined : (entries[i] as unknown);
    if (isRecord(listed)) return listed;
    const builtIn = BY_ID.get(id) as unknown;
    return isRecord(builtIn) ? builtIn : undefined;
  };
  entries.forEach((entry, i) => {
    if (isRecord(entry) && typeof entry.id === 'string') for (const p of checkSameCompute(entry, byId)) problems.push(`[${i}] ${p}`);
  });
  return problems;
}

/** The built-in devices, in catalog order. Every entry passes `validateHardwareEntry` (checked by tests). */
export const HARDWARE_CATALOG: readonly HardwareEntry[] = Object.freeze(catalogJson as unknown as HardwareEntry[]);

const BY_ID: ReadonlyMap<string, HardwareEntry> = new Map(HARDWARE_CATALOG.map((e) => [e.id, e]));

/** The built-in entry with this id (case-insensitive), or undefined. */
export function findHardware(id: string): HardwareEntry | undefined {
  return BY_ID.get(id.trim().toLowerCase());
}
