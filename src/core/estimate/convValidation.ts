/**
 * Grouped and depth-wise convolutions against a published benchmark (docs/validation.md). timm's benchmark
 * measures ResNet-50, ResNeXt-50 32x4d (32 groups per 3×3 convolution) and MobileNetV2 (depth-wise 3×3
 * convolutions) on one GPU with one software stack (test/fixtures/mlperf/timm-benchmarks.json); each is estimated
 * on its graph-only fixture at the published batch and precision, run as eager PyTorch runs it (every op its own
 * kernel: `as-exported`). The ratios to ResNet-50 cancel the stack's per-model constants and leave what the
 * grouping costs. None of these figures sets an efficiency. Pure: the caller supplies `profile`.
 */
import { findHardware } from '../hardware/catalog';
import type { Precision } from '../hardware/hardwareTypes';
import { countToNumber, type ProfileReport } from '../report/reportTypes';
import type { ExecutionMode } from './executionRules';
import { isDepthwise } from './matrixTiles';
import { estimateModel } from './modelEstimate';
import type { MlperfModel, ProfileFn } from './mlperfValidation';

export interface ConvBenchmarks {
  readonly device: string;
  readonly precision: Precision;
  readonly execution: ExecutionMode;
  /** The model the ratios are taken to. */
  readonly reference: MlperfModel;
  readonly results: readonly { readonly model: MlperfModel; readonly batch: number; readonly samplesPerSecond: number }[];
}

export interface ConvRow {
  readonly model: MlperfModel;
  readonly device: string;
  readonly batch: number;
  readonly measured: number;
  readonly estimated: number;
  /** (estimated − measured) / measured. */
  readonly error: number;
  /** Throughput over the reference model's, measured and estimated. */
  readonly measuredRatio: number;
  readonly predictedRatio: number;
  readonly ratioError: number;
  /** "16 grouped convolutions (5.5% of MACs)", "17 depth-wise convolutions (6.9% of MACs)". */
  readonly detail: string;
}

export function validateConvolutions(data: ConvBenchmarks, profile: ProfileFn): ConvRow[] {
  const device = findHardware(data.device);
  if (!device) throw new Error(`conv benchmarks: no catalog device ${data.device}`);
  const estimates = data.results.map((r) => {
    const report = profile(r.model, { batch: r.batch });
    const [e] = estimateModel(report, [device], { precisionOverride: data.precision, execution: data.execution, batch: r.batch });
    return { ...r, report, estimated: e.throughputPerSecond };
  });
  const reference = estimates.find((r) => r.model === data.reference);
  if (!reference) throw new Error(`conv benchmarks: no result for the reference ${data.reference}`);
  return estimates.map((r) => {
    const measuredRatio = r.samplesPerSecond / reference.samplesPerSecond;
    const predictedRatio = r.estimated / reference.estimated;
    return {
      model: r.model,
      device: device.id,
      batch: r.batch,
      measured: r.samplesPerSecond,
      estimated: r.estimated,
      error: (r.estimated - r.samplesPerSecond) / r.samplesPerSecond,
      measuredRatio,
      predictedRatio,
      ratioError: (predictedRatio - measuredRatio) / measuredRatio,
      detail: groupingDetail(r.report),
    };
  });
}

/** How many convolutions are grouped or depth-wise, and their share of the model's MACs. */
function groupingDetail(report: ProfileReport): string {
  const total = countToNumber(report.totals.macs);
  const kinds = { grouped: { count: 0, macs: 0 }, 'depth-wise': { count: 0, macs: 0 } };
  for (const n of report.nodes) {
    const g = n.convGroups;
    if (!g || g.groups === 1) continue;
    const kind = kinds[isDepthwise(g) ? 'depth-wise' : 'grouped'];
    kind.count++;
    kind.macs += countToNumber(n.macs);
  }
  const parts = Object.entries(kinds)
    .filter(([, k]) => k.count > 0)
    .map(([name, k]) => `${k.count} ${name} convolutions (${((100 * k.macs) / total).toFixed(1)}% of MACs)`);
  return parts.length > 0 ? parts.join(', ') : 'dense convolutions only';
}
