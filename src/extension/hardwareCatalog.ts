/**
 * The targets a user can compare in VS Code: the core's catalog plus `onnxProfiler.customHardware`, under
 * the core's clash rule (src/core/pipeline/targets.ts), as the pickers list them.
 */
import { notEstimableReason } from '../core/estimate/modelEstimate';
import type { HardwareEntry } from '../core/hardware/hardwareTypes';
import { targetCatalog, type TargetCatalog } from '../core/pipeline/targets';
import type { HardwareTargetInfo } from '../protocol/payloads';

export function settingsCatalog(custom: readonly HardwareEntry[]): { catalog: TargetCatalog; available: HardwareTargetInfo[] } {
  const catalog = targetCatalog(custom);
  const available = catalog.entries.map((e): HardwareTargetInfo => {
    const notEstimated = notEstimableReason(e);
    return { id: e.id, name: e.name, vendor: e.vendor, deviceClass: e.deviceClass, custom: catalog.customIds.has(e.id), ...(notEstimated ? { notEstimated } : {}) };
  });
  return { catalog, available };
}
