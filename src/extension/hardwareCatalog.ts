/** The targets a user can compare: the built-in catalog plus `onnxProfiler.customHardware` (custom wins on id clashes). */
import { HARDWARE_CATALOG } from '../core/hardware/catalog';
import type { HardwareEntry } from '../core/hardware/hardwareTypes';
import type { HardwareTargetInfo } from '../protocol/messages';

export function allTargets(custom: readonly HardwareEntry[]): HardwareEntry[] {
  const byId = new Map<string, HardwareEntry>();
  for (const e of HARDWARE_CATALOG) byId.set(e.id, e);
  for (const e of custom) byId.set(e.id, e);
  return [...byId.values()];
}

export function resolveTargets(ids: readonly string[], custom: readonly HardwareEntry[]): {
  entries: HardwareEntry[];
  available: HardwareTargetInfo[];
  unknown: string[];
} {
  const customIds = new Set(custom.map((e) => e.id));
  const all = allTargets(custom);
  const byId = new Map(all.map((e) => [e.id, e]));
  const entries: HardwareEntry[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const e = byId.get(id);
    if (e) {
      if (!entries.includes(e)) entries.push(e);
    } else unknown.push(id);
  }
  const available = all.map((e) => ({ id: e.id, name: e.name, vendor: e.vendor, deviceClass: e.deviceClass, custom: customIds.has(e.id) }));
  return { entries, available, unknown };
}
