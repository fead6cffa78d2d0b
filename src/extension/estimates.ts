/** Builds the EstimatesPayload for a report (pure; runs in the worker). */
import { estimateModel, estimateNodeTimes, type ModelEstimate, type ModelEstimateOptions } from '../core/estimate/modelEstimate';
import type { ProfileReport } from '../core/report/reportTypes';
import type { EstimatesPayload, NodeTimePayload } from '../protocol/messages';
import type { Precision } from '../core/hardware/hardwareTypes';
import { precisionChoice } from '../core/estimate/precision';
import type { EstimateRequest } from './workerProtocol';

export function computeEstimates(report: ProfileReport, req: EstimateRequest): EstimatesPayload {
  const base = { batch: req.batch, available: req.available, unknownTargets: req.unknownTargets };
  if (req.targets.length === 0) {
    return { ...base, targets: [], bestTarget: null, nodeSeconds: [], nodeTimes: {}, note: req.available.length === 0 ? 'no hardware targets are defined (add some under onnxProfiler.customHardware)' : 'no targets chosen' };
  }
  const options = estimateOptionsOf(req);
  let targets: ModelEstimate[];
  try {
    targets = estimateModel(report, req.targets, options);
  } catch (e) {
    return { ...base, targets: [], bestTarget: null, nodeSeconds: [], nodeTimes: {}, note: `estimator failed: ${(e as Error).message}` };
  }
  const best = bestOf(targets);
  const nodeSeconds: (number | null)[] = new Array(report.nodes.length).fill(null);
  const nodeTimes: Record<string, NodeTimePayload[]> = {};
  for (const device of req.targets) {
    let times: NodeTimePayload[] = [];
    try {
      times = estimateNodeTimes(report, device, options)
        .filter((n) => n.estimated)
        .map((n) => ({ index: n.index, seconds: n.seconds, bound: n.bound, flops: n.flops, memoryBytes: n.memoryBytes, memorySeconds: n.memorySeconds, effectiveFlopsPerSecond: n.effectiveFlopsPerSecond }));
    } catch {
      // per-node times are optional
    }
    nodeTimes[device.id] = times;
    if (device.id === best?.target) for (const n of times) if (n.index < nodeSeconds.length) nodeSeconds[n.index] = n.seconds;
  }
  return { ...base, targets, bestTarget: best?.target ?? null, ...(best ? { selectedTarget: best.target } : {}), nodeSeconds, nodeTimes };
}

/** The estimator options a request stands for (shared by the per-target and the LLM estimates). */
export function estimateOptionsOf(req: EstimateRequest, batch: number = req.batch): ModelEstimateOptions & { batch: number } {
  return { batch, efficiency: req.efficiency, ...(req.execution ? { execution: req.execution } : {}), ...precisionChoice(req.precision as Precision | undefined) };
}

/** Lowest latency among the targets the model fits on; else lowest latency overall. */
export function bestOf(targets: readonly ModelEstimate[]): ModelEstimate | undefined {
  const finite = targets.filter((t) => Number.isFinite(t.latencySeconds));
  const pool = finite.some((t) => t.fits) ? finite.filter((t) => t.fits) : finite;
  return pool.reduce<ModelEstimate | undefined>((a, b) => (a === undefined || b.latencySeconds < a.latencySeconds ? b : a), undefined);
}
