/**
 * The built-in hardware catalog (catalog.json) and the validator that every entry, built-in or
 * user-supplied, must pass. Pure: no fs, no vscode, no DOM. Callers that read a user's device file
 * parse the JSON themselves and hand the value to `validateHardwareEntry` / `validateCatalog`.
 *
 * The rules mirror schemas/hardware.schema.json, plus the checks a JSON Schema cannot express:
 * a peak figure whose source note mentions sparsity must say it was halved / converted to dense.
 */
import type { DeviceClass, HardwareEntry, Precision } from './hardwareTypes';
import catalogJson from './catalog.json';

export const DEVICE_CLASSES: readonly DeviceClass[] = ['gpu', 'accelerator', 'edge'];
export const PRECISIONS: readonly Precision[] = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'];

/** Numeric fields given as {value, source}. `required` ones must be present. */
const SOURCED_FIELDS: readonly { readonly key: string; readonly required: boolean }[] = [
  { key: 'memoryBytes', required: true },
  { key: 'memoryBandwidthBytesPerSecond', required: true },
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
]);

const ID_PATTERN = /^[a-z0-9][a-z0-9.-]*$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const URL_PATTERN = /^https?:\/\/\S+$/;
const SPARSE_WORDS = /\bspars(e|ity)\b/i;
const DENSE_WORDS = /\bdense\b|\bhalved\b|\bconverted\b/i;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

/** Problems with a whole list of entries: each entry's problems plus duplicate ids. */
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
  return problems;
}

/** The built-in devices, in catalog order. Every entry passes `validateHardwareEntry` (checked by tests). */
export const HARDWARE_CATALOG: readonly HardwareEntry[] = Object.freeze(catalogJson as unknown as HardwareEntry[]);

const BY_ID: ReadonlyMap<string, HardwareEntry> = new Map(HARDWARE_CATALOG.map((e) => [e.id, e]));

/** The built-in entry with this id (case-insensitive), or undefined. */
export function findHardware(id: string): HardwareEntry | undefined {
  return BY_ID.get(id.trim().toLowerCase());
}
