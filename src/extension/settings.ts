/**
 * Typed reader for the `onnxProfiler.*` settings (declared in package.json `contributes.configuration`).
 * Everything read here is validated: a malformed value falls back to the default instead of throwing.
 */
import * as vscode from 'vscode';
import { isRecord } from '../core/collections';
import { DEFAULT_MOE_SKEW, isMoeSkew } from '../core/estimate/layouts';
import type { EfficiencyOverrides, ExecutionMode } from '../core/estimate/roofline';
import type { DeviceClass, HardwareEntry, SourcedValue } from '../core/hardware/hardwareTypes';

export const SECTION = 'onnxProfiler';

export interface ProfilerSettings {
  /** Hardware ids compared by default, in order. */
  readonly targets: readonly string[];
  /** Symbolic dims bound by default (`batch`: 1). */
  readonly bindings: Readonly<Record<string, number>>;
  /** Samples per call, or 'max': per target, the batch and chip layout with the most throughput per chip. */
  readonly batch: number | 'max';
  /** The deployment's chip count (an 8-GPU node); 0: the chips the model needs. */
  readonly chips: number;
  readonly efficiencyOverrides: EfficiencyOverrides;
  /** How estimates run the graph: as an optimising runtime does ('fused'), or node by node as exported. */
  readonly execution: ExecutionMode;
  /** MoE routing skew the estimates assume unless a view sets another (0 = uniform routing). */
  readonly moeSkew: number;
  /** User hardware entries, normalised to the catalog's shape. */
  readonly customHardware: readonly HardwareEntry[];
  /** Problems found in `customHardware` (shown once as a warning). */
  readonly customHardwareProblems: readonly string[];
  readonly computeUnit: 'flops' | 'macs';
  readonly memoryUnit: 'decimal' | 'binary';
  /** Show FLOPs CodeLens in the graph text view. */
  readonly codeLens: boolean;
}

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const USER_SOURCE = { url: 'settings.json (onnxProfiler.customHardware)', retrieved: '' };

function sourced(v: unknown): SourcedValue | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return { value: v, source: USER_SOURCE };
  if (isRecord(v) && typeof v.value === 'number' && Number.isFinite(v.value) && v.value >= 0) {
    return { value: v.value, source: isRecord(v.source) && typeof v.source.url === 'string' ? (v.source as unknown as SourcedValue['source']) : USER_SOURCE };
  }
  return undefined;
}

/** Normalises one user hardware entry; numbers may be given bare (`"memoryBytes": 8e10`). */
export function normaliseHardwareEntry(raw: unknown): { entry?: HardwareEntry; problem?: string } {
  if (!isRecord(raw)) return { problem: 'an entry is not an object' };
  const id = raw.id;
  if (typeof id !== 'string' || !ID.test(id)) return { problem: `entry id '${String(id)}' must match ${ID.source}` };
  const peaks: Record<string, SourcedValue> = {};
  if (isRecord(raw.peakFlopsPerSecond)) {
    for (const [k, v] of Object.entries(raw.peakFlopsPerSecond)) {
      const s = sourced(v);
      if (s) peaks[k] = s;
    }
  }
  if (Object.keys(peaks).length === 0) return { problem: `'${id}': peakFlopsPerSecond needs at least one precision (fp16, fp32, int8...)` };
  const memoryBytes = sourced(raw.memoryBytes);
  const bandwidth = sourced(raw.memoryBandwidthBytesPerSecond);
  if (!memoryBytes || !bandwidth) return { problem: `'${id}': memoryBytes and memoryBandwidthBytesPerSecond are required` };
  const deviceClass: DeviceClass = raw.deviceClass === 'accelerator' || raw.deviceClass === 'edge' ? raw.deviceClass : 'gpu';
  const price = isRecord(raw.price) && typeof raw.price.usdPerHour === 'number'
    ? { usdPerHour: raw.price.usdPerHour, provider: typeof raw.price.provider === 'string' ? raw.price.provider : 'user', source: USER_SOURCE }
    : undefined;
  const entry: HardwareEntry = {
    id,
    name: typeof raw.name === 'string' ? raw.name : id,
    vendor: typeof raw.vendor === 'string' ? raw.vendor : 'custom',
    deviceClass,
    peakFlopsPerSecond: peaks,
    memoryBytes,
    memoryBandwidthBytesPerSecond: bandwidth,
    powerWatts: sourced(raw.powerWatts) ?? { value: 0, source: USER_SOURCE },
    ...(sourced(raw.interconnectBytesPerSecond) ? { interconnectBytesPerSecond: sourced(raw.interconnectBytesPerSecond) } : {}),
    ...(sourced(raw.lastLevelCacheBytes) ? { lastLevelCacheBytes: sourced(raw.lastLevelCacheBytes) } : {}),
    ...(sourced(raw.onChipSramBytes) ? { onChipSramBytes: sourced(raw.onChipSramBytes) } : {}),
    ...(sourced(raw.onChipSramBandwidthBytesPerSecond) ? { onChipSramBandwidthBytesPerSecond: sourced(raw.onChipSramBandwidthBytesPerSecond) } : {}),
    ...(price ? { price } : {}),
  };
  return { entry };
}

export function readSettings(scope?: vscode.Uri): ProfilerSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const targets = c.get<unknown>('targets');
  const bindingsRaw = c.get<unknown>('bindings');
  const bindings: Record<string, number> = {};
  if (isRecord(bindingsRaw)) {
    for (const [k, v] of Object.entries(bindingsRaw)) if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) bindings[k] = v;
  }
  const batchRaw = c.get<unknown>('batch');
  const chipsRaw = c.get<unknown>('chips');
  const effRaw = c.get<unknown>('efficiencyOverrides');
  const efficiency: Record<string, Record<string, number>> = {};
  if (isRecord(effRaw)) {
    for (const [k, v] of Object.entries(effRaw)) {
      if (!isRecord(v)) continue;
      const factors: Record<string, number> = {};
      for (const [f, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x) && x >= 0) factors[f] = x;
      efficiency[k] = factors;
    }
  }
  const customHardware: HardwareEntry[] = [];
  const problems: string[] = [];
  const hwRaw = c.get<unknown>('customHardware');
  if (Array.isArray(hwRaw)) {
    for (const raw of hwRaw) {
      const { entry, problem } = normaliseHardwareEntry(raw);
      if (entry) customHardware.push(entry);
      if (problem) problems.push(problem);
    }
  }
  return {
    targets: Array.isArray(targets) ? targets.filter((t): t is string => typeof t === 'string' && ID.test(t)) : [],
    bindings,
    batch: batchRaw === 'max' ? 'max' : typeof batchRaw === 'number' && Number.isSafeInteger(batchRaw) && batchRaw >= 1 ? batchRaw : 1,
    chips: typeof chipsRaw === 'number' && Number.isSafeInteger(chipsRaw) && chipsRaw >= 0 && chipsRaw <= 4096 ? chipsRaw : 0,
    efficiencyOverrides: efficiency as EfficiencyOverrides,
    execution: c.get<string>('execution') === 'as-exported' ? 'as-exported' : 'fused',
    moeSkew: isMoeSkew(c.get<unknown>('moeSkew')) ? c.get<number>('moeSkew')! : DEFAULT_MOE_SKEW,
    customHardware,
    customHardwareProblems: problems,
    computeUnit: c.get<string>('units.compute') === 'MACs' ? 'macs' : 'flops',
    memoryUnit: c.get<string>('units.memory') === 'GiB' ? 'binary' : 'decimal',
    codeLens: c.get<boolean>('codeLens.enabled') !== false,
  };
}
