/**
 * The profiling worker (worker_threads): runs the analysis pipeline off the extension host's main thread.
 * One worker serves one model and keeps its profiles (ProfileCache), so a change of targets, precision,
 * LLM request or what-if re-estimates without re-profiling. The host cancels a job by terminating the
 * worker. Only reports and estimates go back, never model bytes; errors come back as one line
 * (OnnxLoadError.message), never a stack.
 */
import { parentPort } from 'node:worker_threads';
import { OnnxLoadError } from '../core/onnx/errors';
import { analyzeModel } from '../core/pipeline/analyze';
import { ProfileCache } from '../core/pipeline/profileCache';
import type { NodeReport } from '../core/report/reportTypes';
import { openModelFile } from '../node/profileFile';
import { printGraphText } from './graphText';
import { estimatesPayload, hintsPayload } from './payload';
import { type AnalyzeJob, encodeResult, type WorkerResult } from './workerProtocol';

let opened: { path: string; cache: ProfileCache; close(): void } | undefined;
/** Nodes sent with each recent result, by result id: when the host holds them, they are not sent again. */
const sentNodes = new Map<number, readonly NodeReport[]>();

function cacheFor(path: string): ProfileCache {
  if (opened?.path !== path) {
    opened?.close();
    opened = undefined;
    sentNodes.clear();
    const o = openModelFile(path);
    opened = { path, cache: new ProfileCache(o.model), close: o.close };
  }
  return opened.cache;
}

function run(job: AnalyzeJob): WorkerResult {
  const t0 = Date.now();
  const cache = cacheFor(job.path);
  const analysis = analyzeModel(cache, { ...job.options, nodeEstimates: true });
  const { nodes, ...rest } = analysis.report;
  const held = job.nodesFrom === undefined ? undefined : sentNodes.get(job.nodesFrom);
  const report = held === nodes ? rest : analysis.report;
  sentNodes.clear();
  if (held !== undefined) sentNodes.set(job.nodesFrom!, held);
  sentNodes.set(job.id, nodes);
  return {
    id: job.id,
    ok: true,
    report,
    ...(job.options.targets.length ? { estimates: estimatesPayload(analysis, job.options.whatIf ?? []), hints: hintsPayload(analysis.report.hints ?? []) } : {}),
    ...(job.graphText ? { graphText: printGraphText(cache.model, nodes) } : {}),
    millis: Date.now() - t0,
  };
}

parentPort?.on('message', (job: AnalyzeJob) => {
  let result: WorkerResult;
  try {
    result = run(job);
  } catch (e) {
    if (e instanceof OnnxLoadError) result = { id: job.id, ok: false, code: e.code, message: e.message };
    else result = { id: job.id, ok: false, code: 'internal', message: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
  const { message, transfer } = encodeResult(result);
  parentPort?.postMessage(message, transfer);
});
