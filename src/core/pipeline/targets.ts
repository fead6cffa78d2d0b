/**
 * The one target resolution for the CLI (`--target`, `--hardware-file`) and the extension (settings'
 * `onnxProfiler.targets` and `onnxProfiler.customHardware`).
 *
 * Clash rule: a user's own entry may not reuse a catalog id (nor another own entry's id). Such an entry is
 * refused with a message naming it; the CLI exits 2 with that message, the extension shows it and keeps the
 * catalog's entry. An id therefore always means the same device in both.
 */
import { HARDWARE_CATALOG } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';

export interface TargetCatalog {
  /** The catalog's entries, then the accepted own entries. */
  readonly entries: readonly HardwareEntry[];
  /** Ids of the accepted own entries. */
  readonly customIds: ReadonlySet<string>;
  /** One line per refused own entry. */
  readonly problems: readonly string[];
}

/**
 * Names the CLI's `--target` takes beside ids: every device, or every device of a class, so that a comparison of
 * general-purpose GPUs against specialised accelerators needs one flag, not fifty.
 */
export const TARGET_GROUPS: ReadonlyMap<string, { readonly description: string; readonly includes: (e: HardwareEntry) => boolean }> = new Map([
  ['all', { description: 'every device', includes: () => true }],
  ['gpus', { description: 'every GPU', includes: (e: HardwareEntry) => e.deviceClass === 'gpu' }],
  ['accelerators', { description: 'every specialised accelerator (TPU, Trainium, Gaudi, Groq...)', includes: (e: HardwareEntry) => e.deviceClass === 'accelerator' }],
  ['edge', { description: 'every edge device', includes: (e: HardwareEntry) => e.deviceClass === 'edge' }],
]);

/** The built-in catalog plus the user's entries, under the clash rule. */
export function targetCatalog(custom: readonly HardwareEntry[] = [], builtin: readonly HardwareEntry[] = HARDWARE_CATALOG): TargetCatalog {
  const byId = new Map(builtin.map((e) => [e.id, e]));
  const customIds = new Set<string>();
  const problems: string[] = [];
  const entries = [...builtin];
  for (const e of custom) {
    if (TARGET_GROUPS.has(e.id)) {
      problems.push(`custom hardware id '${e.id}' names a target group (${[...TARGET_GROUPS.keys()].join(', ')}); pick another id`);
      continue;
    }
    const clash = byId.get(e.id);
    if (clash) {
      problems.push(customIds.has(e.id) ? `custom hardware id '${e.id}' is used twice; ids must be unique` : `custom hardware id '${e.id}' is already the catalog's ${clash.name}; pick another id`);
      continue;
    }
    byId.set(e.id, e);
    customIds.add(e.id);
    entries.push(e);
  }
  return { entries, customIds, problems };
}

/** The ids a user typed, normalised as both front ends accept them (trimmed, lower case). */
function normaliseTargetId(id: string): string {
  return id.trim().toLowerCase();
}

/** Entries for `ids` in the order given (duplicates once), and the ids that name no entry. */
export function resolveTargets(ids: readonly string[], catalog: TargetCatalog): { entries: HardwareEntry[]; unknown: string[] } {
  const byId = new Map(catalog.entries.map((e) => [e.id, e]));
  const entries: HardwareEntry[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const e = byId.get(normaliseTargetId(id));
    if (!e) unknown.push(id);
    else if (!entries.includes(e)) entries.push(e);
  }
  return { entries, unknown };
}

/** `ids` with each target group name (`accelerators`) replaced by the ids of its devices, in catalog order. */
export function expandTargetGroups(ids: readonly string[], catalog: TargetCatalog): string[] {
  return ids.flatMap((id) => {
    const group = TARGET_GROUPS.get(normaliseTargetId(id));
    return group ? catalog.entries.filter(group.includes).map((e) => e.id) : [id];
  });
}
