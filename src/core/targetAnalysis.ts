/**
 * The whole "what would it cost" pass for a loaded model on chosen targets: profile at the batch,
 * estimate, price the hints, and, where asked or where the graph is a decoder with a KV cache, sweep a
 * dim or estimate LLM prefill and decode separately. Used by the CLI; pure apart from the model's
 * already-open byte source.
 */
import { combineLlm, detectDecoder, llmPhaseBindings, type DecoderInfo, type LlmEstimate } from './estimate/llm';
import { estimateModel, type ModelEstimate, type ModelEstimateOptions } from './estimate/modelEstimate';
import { DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS } from './estimate/llmDefaults';
import type { ExecutionMode } from './estimate/executionRules';
import { precisionChoice } from './estimate/precision';
import type { HardwareEntry, Precision } from './hardware/hardwareTypes';
import { buildHints } from './hints/buildHints';
import { batchSymbol, bindBatch, profiledBatch, type LoadedModel } from './profile';
import type { ProfileReport, ReportDiagnostic } from './report/reportTypes';

export interface TargetAnalysisOptions {
  readonly bindings: ReadonlyMap<string, number>;
  readonly targets: readonly HardwareEntry[];
  /** Samples per call; binds the inputs' leading symbolic dim. */
  readonly batch?: number;
  /** Run float layers as this precision ('tf32' lets fp32 use the tf32 peak). */
  readonly precision?: Precision;
  /** How the graph runs: 'fused' (default, as optimising runtimes run it) or 'as-exported'. */
  readonly execution?: ExecutionMode;
  /** Prompt and generated tokens for the LLM estimate of a decoder graph. */
  readonly promptTokens?: number;
  readonly outputTokens?: number;
  /** Re-profile and re-estimate for each value of one dim (`batch` = the batch symbol). */
  readonly sweep?: { readonly dim: string; readonly values: readonly number[] };
}

export interface LlmAnalysis {
  readonly decoder: DecoderInfo;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly bindings: { readonly prefill: Readonly<Record<string, number>>; readonly decode: Readonly<Record<string, number>> };
  readonly estimates: readonly LlmEstimate[];
}

export interface SweepPoint {
  readonly dim: string;
  readonly value: number;
  readonly estimates: readonly ModelEstimate[];
}

export interface TargetAnalysis {
  readonly report: ProfileReport;
  readonly llm?: LlmAnalysis;
  readonly sweep?: readonly SweepPoint[];
}


export function analyzeTargets(model: LoadedModel, options: TargetAnalysisOptions): TargetAnalysis {
  const symbol = batchSymbol(model.model);
  const bindings = bindBatch(symbol, options.bindings, options.batch ?? 1);
  const report = model.profile({ bindings });
  const batch = profiledBatch(symbol, bindings, report);
  const estimateOptions: ModelEstimateOptions = {
    batch,
    ...precisionChoice(options.precision),
    ...(options.execution ? { execution: options.execution } : {}),
  };
  const estimates = estimateModel(report, options.targets, estimateOptions);
  const hints = buildHints(report, options.targets, { ...estimateOptions, sampler: model.weightSampler() });
  const notes: ReportDiagnostic[] =
    options.batch !== undefined && options.batch !== batch
      ? [{ severity: 'warning', code: 'static-batch', message: `batch ${options.batch} ignored: the model's inputs have a static batch of ${batch}` }]
      : [];
  return {
    report: { ...report, estimates, hints, diagnostics: [...notes, ...report.diagnostics] },
    llm: llmAnalysis(model, report, bindings, batch, estimateOptions, options),
    sweep: options.sweep && sweepDim(model, bindings, symbol, estimateOptions, options),
  };
}

/** Prefill and decode profiled apart when the graph is a decoder with past key/value inputs. */
function llmAnalysis(
  model: LoadedModel,
  report: ProfileReport,
  bindings: ReadonlyMap<string, number>,
  batch: number,
  estimateOptions: ModelEstimateOptions,
  options: TargetAnalysisOptions,
): LlmAnalysis | undefined {
  const decoder = detectDecoder(report);
  if (!decoder) return undefined;
  const promptTokens = options.promptTokens ?? DEFAULT_PROMPT_TOKENS;
  const outputTokens = options.outputTokens ?? DEFAULT_OUTPUT_TOKENS;
  const phase = llmPhaseBindings(decoder, batch, promptTokens, outputTokens, bindings);
  const prefill = model.profile({ bindings: phase.prefill });
  const decode = model.profile({ bindings: phase.decode });
  return {
    decoder,
    promptTokens,
    outputTokens,
    bindings: phase.phases,
    estimates: combineLlm(prefill, decode, options.targets, { ...estimateOptions, batch, promptTokens, outputTokens }),
  };
}

function sweepDim(
  model: LoadedModel,
  bindings: ReadonlyMap<string, number>,
  batchDim: string | undefined,
  estimateOptions: ModelEstimateOptions,
  options: TargetAnalysisOptions,
): SweepPoint[] {
  const sweep = options.sweep!;
  const dim = sweep.dim === 'batch' && batchDim !== undefined ? batchDim : sweep.dim;
  return sweep.values.map((value) => {
    const report = model.profile({ bindings: new Map([...bindings, [dim, value]]) });
    const batch = dim === batchDim ? value : estimateOptions.batch;
    return { dim, value, estimates: estimateModel(report, options.targets, { ...estimateOptions, batch }) };
  });
}
