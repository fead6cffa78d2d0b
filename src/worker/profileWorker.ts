/**
 * The profiling worker (worker_threads): runs the analysis pipeline off the extension host's main thread.
 * One worker serves one model and keeps its profiles (ProfileCache), so a change of targets, precision,
 * LLM request or what-if re-estimates without re-profiling. The host cancels a job by terminating the
 * worker. A job may name a baseline (a saved report or another model, kept open too) to compare with. Only
 * reports and estimates go back, never model bytes; errors come back as one line (OnnxLoadError.message),
 * never a stack.
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { OnnxLoadError } from '../core/onnx/errors';
import type { AnalysisOptions, AnalysisReport } from '../core/pipeline/analysisTypes';
import { analyzeModel } from '../core/pipeline/analyze';
import { ProfileCache } from '../core/pipeline/profileCache';
import { type BaselineComparison, BaselineReportError, type ComparableReport, compareWithBaseline } from '../core/report/baseline';
import type { NodeReport } from '../core/report/reportTypes';
import { isSavedReport, readSavedReport } from '../node/baselineFile';
import { openModelFile } from '../node/profileFile';
import { printGraphText } from './graphText';
import { estimatesPayload, hintsPayload } from './payload';
import { type AnalyzeJob, encodeResult, type WorkerResult } from './workerProtocol';

/** One model kept open with its profiles; opening another closes it first. */
class OpenModel {
  private held: { readonly path: string; readonly cache: ProfileCache; close(): void } | undefined;

  get path(): string | undefined {
    return this.held?.path;
  }

  open(path: string): ProfileCache {
    if (this.held?.path === path) return this.held.cache;
    const old = this.held;
    this.held = undefined;
    old?.close();
    const o = openModelFile(path);
    this.held = { path, cache: new ProfileCache(o.model), close: o.close };
    return this.held.cache;
  }
}

const model = new OpenModel();
/** The baseline, when it is a model rather than a saved report: kept open like the model. */
const baselineModel = new OpenModel();
/** Nodes sent with each recent result, by result id: when the host holds them, they are not sent again. */
const sentNodes = new Map<number, readonly NodeReport[]>();

function cacheFor(path: string): ProfileCache {
  if (model.path !== path) sentNodes.clear();
  return model.open(path);
}

/** The last saved report read as a baseline, kept while its file is unchanged: every re-estimate compares with it. */
let savedBaseline: { readonly path: string; readonly stamp: string; readonly report: ComparableReport } | undefined;

/** The baseline at `path`: a saved report (re-read only when the file changed), or a model profiled with `options`. */
function baselineAt(path: string, options: AnalysisOptions): ComparableReport {
  if (!isSavedReport(path)) return analyzeModel(baselineModel.open(path), { ...options, whatIf: [] }).report;
  const st = fs.statSync(path, { throwIfNoEntry: false });
  if (!st) throw new BaselineReportError('cannot read it: no such file');
  const stamp = `${st.size}:${st.mtimeMs}`;
  if (savedBaseline?.path !== path || savedBaseline.stamp !== stamp) savedBaseline = { path, stamp, report: readSavedReport(path) };
  return savedBaseline.report;
}

/** The report against the job's baseline, profiled with the job's options less its what-if changes. */
function againstBaseline(job: AnalyzeJob, report: AnalysisReport): { baseline?: BaselineComparison; baselineProblem?: string } {
  if (job.baselinePath === undefined) return {};
  try {
    return { baseline: compareWithBaseline(baselineAt(job.baselinePath, job.options), report, job.baselinePath) };
  } catch (e) {
    if (e instanceof BaselineReportError || e instanceof OnnxLoadError) return { baselineProblem: `the baseline ${job.baselinePath} cannot be compared: ${e.message}` };
    throw e;
  }
}

function run(job: AnalyzeJob): WorkerResult {
  const t0 = Date.now();
  const cache = cacheFor(job.path);
  const analysis = analyzeModel(cache, { ...job.options, nodeEstimates: true });
  const { baseline, baselineProblem } = againstBaseline(job, analysis.report);
  const full = baseline ? { ...analysis.report, baseline } : analysis.report;
  const { nodes, ...rest } = full;
  const held = job.nodesFrom === undefined ? undefined : sentNodes.get(job.nodesFrom);
  const report = held === nodes ? rest : full;
  sentNodes.clear();
  if (held !== undefined) sentNodes.set(job.nodesFrom!, held);
  sentNodes.set(job.id, nodes);
  return {
    id: job.id,
    ok: true,
    report,
    ...(analysis.batchDim !== undefined ? { batchDim: analysis.batchDim } : {}),
    ...(job.options.targets.length ? { estimates: estimatesPayload(analysis, job.options.whatIf ?? []), hints: hintsPayload(analysis.report.hints ?? []) } : {}),
    ...(job.graphText ? { graphText: printGraphText(cache.model, nodes) } : {}),
    ...(baselineProblem ? { baselineProblem } : {}),
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
