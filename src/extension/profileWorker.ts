/**
 * The profiling worker (worker_threads): loads and profiles models off the extension host's main thread.
 * One worker serves one model; the host cancels a job by terminating the worker. Only reports and
 * estimates go back, never model bytes. Errors come back as one line (OnnxLoadError.message), never a stack.
 */
import { parentPort } from 'node:worker_threads';
import { OnnxLoadError } from '../core/onnx/errors';
import { openModelFile } from '../node/profileFile';
import type { LoadedModel } from '../core/profile';
import { buildHints } from '../core/hints/buildHints';
import type { Hint } from '../core/hints/hintTypes';
import type { ProfileReport } from '../core/report/reportTypes';
import type { EstimatesPayload } from '../protocol/messages';
import { computeEstimates, estimateOptionsOf } from './estimates';
import { computeLlm } from './llmEstimates';
import type { EstimateRequest } from './workerProtocol';
import { printGraphText } from './graphText';
import type { WorkerJob, WorkerResult } from './workerProtocol';

let opened: { path: string; model: LoadedModel; close(): void } | undefined;

function modelFor(path: string): LoadedModel {
  if (opened?.path !== path) {
    opened?.close();
    opened = undefined;
    const o = openModelFile(path);
    opened = { path, ...o };
  }
  return opened.model;
}

/**
 * Optimisation hints priced on the compared targets, with the same estimator options as the estimates
 * and bounded weight samples for the quantisation-risk rating; none when that fails (hints are optional).
 */
function hintsFor(report: ProfileReport, req: EstimateRequest | undefined, model: LoadedModel | undefined): Hint[] | undefined {
  if (!req || req.targets.length === 0) return undefined;
  try {
    return buildHints(report, req.targets, { ...estimateOptionsOf(req), sampler: model?.weightSampler() });
  } catch {
    return undefined;
  }
}

/** The estimates, with the LLM figures added when the model is a decoder with a KV cache. */
function estimatesFor(path: string | undefined, bindings: Readonly<Record<string, number>>, report: ProfileReport, req: EstimateRequest): EstimatesPayload {
  const estimates = computeEstimates(report, req);
  if (path === undefined) return estimates;
  const llm = computeLlm(modelFor(path), path, report, bindings, req);
  return llm ? { ...estimates, llm } : estimates;
}

function run(job: WorkerJob): WorkerResult {
  const t0 = Date.now();
  if (job.type === 'estimate') {
    const estimates = estimatesFor(job.path, job.bindings ?? {}, job.report, job.estimate);
    return { id: job.id, ok: true, estimates, hints: hintsFor(job.report, job.estimate, job.path === undefined ? undefined : modelFor(job.path)), millis: Date.now() - t0 };
  }
  const model = modelFor(job.path);
  const report = model.profile({ bindings: new Map(Object.entries(job.bindings)) });
  const estimates = job.estimate ? estimatesFor(job.path, job.bindings, report, job.estimate) : undefined;
  const graphText = job.graphText ? printGraphText(model.model, report.nodes) : undefined;
  return { id: job.id, ok: true, report, estimates, hints: hintsFor(report, job.estimate, model), graphText, millis: Date.now() - t0 };
}

parentPort?.on('message', (job: WorkerJob) => {
  let result: WorkerResult;
  try {
    result = run(job);
  } catch (e) {
    if (e instanceof OnnxLoadError) result = { id: job.id, ok: false, code: e.code, message: e.message };
    else result = { id: job.id, ok: false, code: 'internal', message: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
  parentPort?.postMessage(result);
});
