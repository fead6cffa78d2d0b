/**
 * The analysis pipeline, one function for the CLI and the extension's worker:
 *
 *   profile (at the batch) → hints priced on it → the chosen what-if changes applied per target →
 *   estimates (and per-node times) → LLM prefill/decode for a decoder → sweep → calibration.
 *
 * Pure apart from the model's already-open byte source (through `ProfileSource`). Re-analysing a
 * `ProfileCache` under other targets, precision or what-if reuses its profiles and their priced hints.
 */
import { calibrate, TraceFormatError } from '../estimate/calibration';
import { combineLlm, type DecoderInfo, detectDecoder, llmPhaseBindings, type LlmEstimate } from '../estimate/llm';
import { DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS } from '../estimate/llmDefaults';
import { estimateNodeTimes, estimateOnTarget, notEstimableReason, type ModelEstimate, type ModelEstimateOptions } from '../estimate/modelEstimate';
import { precisionChoice } from '../estimate/precision';
import { efficiencyFor, type NodeEstimate } from '../estimate/roofline';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import { buildHints } from '../hints/buildHints';
import type { OnnxModel, ValueInfo } from '../onnx/model';
import type { ProfileReport, ReportDiagnostic, TensorSummary } from '../report/reportTypes';
import { layerNotes } from './layerNotes';
import type { Analysis, AnalysisHint, AnalysisOptions, AnalysisReport, LayerTimes, LlmAnalysis, SweepPoint, TargetRoof } from './analysisTypes';
import { batchSymbol, bindBatch, profiledBatch } from './batch';
import { ServingSearch } from './serving';
import type { ProfileSource } from './profileCache';
import { identifyHints, selectHints, whatIfAnalysis, WhatIfReports } from './whatIfSelection';

/** An option the analysis cannot use (a calibration trace it cannot read); `option` names it. */
export class AnalysisInputError extends Error {
  constructor(
    readonly option: keyof AnalysisOptions,
    message: string,
  ) {
    super(message);
  }
}

/** The estimator's options for an analysis at `batch`: the one mapping from pipeline options to the estimator. */
export function estimatorOptions(options: AnalysisOptions, batch: number): ModelEstimateOptions {
  return {
    batch,
    ...(options.chips ? { chips: options.chips } : {}),
    ...(options.efficiency ? { efficiency: options.efficiency } : {}),
    ...(options.execution ? { execution: options.execution } : {}),
    ...(options.moeSkew ? { moeSkew: options.moeSkew } : {}),
    ...precisionChoice(options.precision),
    ...(options.kvCache ? { kvCacheDtype: options.kvCache } : {}),
  };
}

export function analyzeModel(source: ProfileSource, asked: AnalysisOptions): Analysis {
  const { options, excluded } = estimableTargets(asked);
  const { targets } = options;
  const symbol = batchSymbol(source.model);
  const userBindings = options.bindings ?? new Map<string, number>();
  const searching = options.batch === 'max';
  // A target that cannot be estimated still asks for a batch: the profile is at the batch the user compares at.
  const askedBatch = searching ? 1 : (options.batch ?? (asked.targets.length > 0 ? 1 : undefined));
  const batchBound = askedBatch === undefined ? new Map(userBindings) : bindBatch(symbol, userBindings, askedBatch);
  const { bindings, profiled, derived } = withDecoderTotal(source, batchBound);
  const batch = profiledBatch(symbol, bindings, profiled);
  const searchDim = searching && symbol !== undefined && !userBindings.has(symbol) ? symbol : undefined;
  const notes = [
    ...(derived ? [derived.note] : []),
    ...(searching ? searchNotes(searchDim, symbol, batch) : batchNotes(options.batch as number | undefined, batch, symbol, userBindings)),
    ...kvCacheNotes(options, profiled),
    ...excluded,
  ];
  if (targets.length === 0) {
    const selection = selectHints(options.whatIf ?? [], []);
    return { report: { ...profiled, ...(derived ? { derivedBindings: derived.dims } : {}), diagnostics: [...notes, ...profiled.diagnostics] }, batch, ...(symbol !== undefined ? { batchDim: symbol } : {}), whatIf: whatIfAnalysis(selection, []) };
  }

  const estimate = estimatorOptions(options, batch);
  // Layers timed on the profile as it is before the hints, which start from the same times (and the model estimate
  // they cache): timing them costs the pipeline no second pass over the graph.
  const profiledTimes = options.nodeEstimates ? new Map(targets.map((t) => [t.id, estimateNodeTimes(profiled, t, estimate)])) : undefined;
  const priced = pricedHints(profiled, targets, estimate, source, profiledTimes);
  const selection = selectHints(options.whatIf ?? [], priced.hints);
  const reports = new WhatIfReports(profiled, selection.chosen);
  const serving =
    searchDim === undefined
      ? undefined
      : new ServingSearch({
          source,
          userBindings,
          batchDim: searchDim,
          changed: (report, target) => whatIfOn(report, reports, targets, estimate, source).forTarget(target),
          estimate,
          ...(options.chips ? { chips: options.chips } : {}),
        });
  const llm = llmAnalysis(source, profiled, bindings, batch, estimate, options, reports, serving);
  const estimates = targets.map((t, i) => llm?.served?.[i] ?? serving?.offline(t) ?? estimateOnTarget(reports.forTarget(t), t, estimate));
  const nodeEstimates = profiledTimes && new Map(targets.map((t) => [t.id, reports.forTarget(t) === profiled ? profiledTimes.get(t.id)! : estimateNodeTimes(reports.forTarget(t), t, estimate)]));
  const applied = reports.applied(targets);
  const report: AnalysisReport = {
    ...reports.all,
    ...(derived ? { derivedBindings: derived.dims } : {}),
    diagnostics: [...notes, ...(llm ? phaseDimNotes(llm.analysis, userBindings) : []), ...priced.diagnostics, ...profiled.diagnostics],
    estimates,
    hints: priced.hints,
    ...(applied.length ? { whatIf: { applied } } : {}),
    ...(llm ? { llm: llm.analysis } : {}),
    ...(options.sweep ? { sweep: sweepDim(source, batchBound, symbol, estimate, options, reports) } : {}),
    ...(options.calibrationTrace !== undefined ? { calibration: calibration(reports, targets[0], options.calibrationTrace, estimate) } : {}),
    ...(nodeEstimates ? { layerTimes: layerTimesOf(nodeEstimates) } : {}),
  };
  return {
    report,
    batch,
    ...(symbol !== undefined ? { batchDim: symbol } : {}),
    bestTarget: bestEstimate(estimates)?.target,
    whatIf: whatIfAnalysis(selection, applied),
    ...(nodeEstimates ? { nodeEstimates, roofs: new Map(targets.map((t) => [t.id, roofOf(nodeEstimates.get(t.id)!, t, options)])) } : {}),
  };
}

/** Each target's timed layers as columns (the report's `layerTimes`). */
function layerTimesOf(nodeEstimates: ReadonlyMap<string, readonly NodeEstimate[]>): Record<string, LayerTimes> {
  return Object.fromEntries([...nodeEstimates].map(([target, nodes]) => [target, layerTimes(nodes)]));
}

/** One target's timed layers (those with an estimate) as columns: the report's and the views' per-layer times. */
export function layerTimes(nodes: readonly NodeEstimate[]): LayerTimes {
  const timed = nodes.filter((n) => n.estimated);
  const notes = layerNotes(timed);
  return { nodeIndex: timed.map((n) => n.index), seconds: timed.map((n) => n.seconds), bound: timed.map((n) => n.bound), ...(notes ? { notes } : {}) };
}

/**
 * The profile at `bindings`, and for a decoder whose past and sequence lengths are bound and whose total length
 * is not, at total = past + sequence: exporters name the attention mask [batch, total_sequence_length] and the
 * present cache [batch, heads, total_sequence_length, head] (onnxruntime-genai's builder, Optimum), so the mask
 * spans the cache and the new tokens. Left unbound, total counted as 1 and the mask and the cache disagreed
 * (Llama-3.1-8B at batch 8 over a 2,048-token cache: 120.1 GFLOP instead of 128.8). `derived` says so.
 */
function withDecoderTotal(source: ProfileSource, bindings: ReadonlyMap<string, number>): { bindings: ReadonlyMap<string, number>; profiled: ProfileReport; derived?: DerivedBinding } {
  // Read from the declared inputs before profiling, so a decoder is profiled once either way.
  const decoder = declaredDecoder(source.model, { bindings: Object.fromEntries(bindings), unboundSymbols: [] });
  const [total, past, sequence] = [decoder?.totalSequenceDim, decoder?.pastSequenceDim, decoder?.sequenceDim];
  const [pastLength, newTokens] = [past === undefined ? undefined : bindings.get(past), sequence === undefined ? undefined : bindings.get(sequence)];
  if (total === undefined || bindings.has(total) || pastLength === undefined || newTokens === undefined) return { bindings, profiled: source.profile({ bindings }) };
  const value = pastLength + newTokens;
  const withTotal = new Map(bindings).set(total, value);
  const message = `${total} bound to ${past} + ${sequence} = ${value} (the attention mask spans the cache and the new tokens); --bind ${total}=N overrides`;
  return { bindings: withTotal, profiled: source.profile({ bindings: withTotal }), derived: { dims: { [total]: value }, note: { severity: 'info', code: 'derived-binding', message } } };
}

/**
 * The decoder the model's declared inputs and outputs describe. A profile's own shapes hold numbers where the
 * user bound a dim, and the LLM phases need the dims' names (a bound attention mask would leave the total length
 * out of the phases, so a decode step would keep the user's total while its past changed).
 */
function declaredDecoder(model: OnnxModel, report: Pick<ProfileReport, 'bindings' | 'unboundSymbols'>): DecoderInfo | null {
  const declared = (values: readonly ValueInfo[]): TensorSummary[] =>
    values.map((v) => ({ name: v.name, dtype: 'unknown', shape: v.type.kind === 'tensor' && v.type.shape ? v.type.shape.map((d) => d ?? '?') : null }));
  return detectDecoder({ bindings: report.bindings, unboundSymbols: report.unboundSymbols, graphInputs: declared(model.graph.inputs), graphOutputs: declared(model.graph.outputs) });
}

interface DerivedBinding {
  readonly dims: Readonly<Record<string, number>>;
  readonly note: ReportDiagnostic;
}

/** The options with only the targets the estimator can cost, and a warning naming each one left out and why. */
function estimableTargets(options: AnalysisOptions): { options: AnalysisOptions; excluded: ReportDiagnostic[] } {
  const excluded: ReportDiagnostic[] = [];
  const targets = options.targets.filter((t) => {
    const message = notEstimableReason(t);
    if (message !== undefined) excluded.push({ severity: 'warning', code: 'target-not-estimated', message });
    return message === undefined;
  });
  return { options: excluded.length ? { ...options, targets } : options, excluded };
}

/** Why `batch: 'max'` cannot vary the batch (the user bound the batch dim, or the export fixes it); else what it does. */
function searchNotes(searchDim: string | undefined, symbol: string | undefined, batch: number): ReportDiagnostic[] {
  if (searchDim !== undefined) {
    return [{ severity: 'info', code: 'batch-max', message: `batch max: each target's estimate is at the batch and chip layout that maximise its throughput per chip (serving); the profile, hints and per-layer times are at batch ${batch}` }];
  }
  if (symbol !== undefined) return [{ severity: 'info', code: 'batch-bound', message: `batch max not applied: the batch dim '${symbol}' is bound to ${batch}` }];
  return [{ severity: 'warning', code: 'static-batch', message: `batch max ignored: the model's inputs have a static batch of ${batch}` }];
}

/** Why the asked batch is not the batch profiled: the export fixes it, or the user bound the batch dim. */
function batchNotes(asked: number | undefined, batch: number, symbol: string | undefined, userBindings: ReadonlyMap<string, number>): ReportDiagnostic[] {
  if (asked === undefined || asked === batch) return [];
  if (symbol !== undefined && userBindings.has(symbol)) {
    return [{ severity: 'info', code: 'batch-bound', message: `batch ${asked} not applied: the batch dim '${symbol}' is bound to ${batch}` }];
  }
  return [{ severity: 'warning', code: 'static-batch', message: `batch ${asked} ignored: the model's inputs have a static batch of ${batch}` }];
}

/** A KV-cache dtype chosen for a model that has no KV cache (no past key/value inputs) changes nothing: say so. */
function kvCacheNotes(options: AnalysisOptions, report: ProfileReport): ReportDiagnostic[] {
  if (!options.kvCache || detectDecoder(report)) return [];
  return [{ severity: 'warning', code: 'kv-cache-ignored', message: `KV cache ${options.kvCache} ignored: the model has no KV cache (no past key/value inputs)` }];
}

/** Lowest latency among the targets the model fits on; else lowest latency overall. */
export function bestEstimate(estimates: readonly ModelEstimate[]): ModelEstimate | undefined {
  const finite = estimates.filter((t) => Number.isFinite(t.latencySeconds));
  const pool = finite.some((t) => t.fits) ? finite.filter((t) => t.fits) : finite;
  return pool.reduce<ModelEstimate | undefined>((a, b) => (a === undefined || b.latencySeconds < a.latencySeconds ? b : a), undefined);
}

/**
 * The roof of a target's roofline chart, as the estimator sees the device: the matrix peak of the fastest
 * precision the nodes ran in at the large-GEMM efficiency (or the vector rate, when higher), and the
 * bandwidth after efficiency. Both are at least what any node got, so no node's achieved rate
 * (flops / seconds) can sit above the roof at its own intensity (flops / memoryBytes).
 */
function roofOf(nodes: readonly NodeEstimate[], device: HardwareEntry, options: AnalysisOptions): TargetRoof {
  const f = efficiencyFor(device, options.efficiency);
  let peak = 0;
  let bandwidth = device.memoryBandwidthBytesPerSecond.value * f.memoryEfficiency;
  for (const n of nodes) {
    if (!n.estimated) continue;
    const asymptote = n.kind === 'matrix' && n.computeEfficiency > 0 ? (n.effectiveFlopsPerSecond / n.computeEfficiency) * f.matrixEfficiency : 0;
    peak = Math.max(peak, n.effectiveFlopsPerSecond, asymptote);
    if (n.memorySeconds > 0) bandwidth = Math.max(bandwidth, n.memoryBytes / n.memorySeconds);
  }
  return { peakFlopsPerSecond: peak, bandwidthBytesPerSecond: bandwidth };
}

interface PricedHints {
  readonly hints: readonly AnalysisHint[];
  readonly diagnostics: readonly ReportDiagnostic[];
}

/** Priced hints per profile object and (targets, estimator options): a re-analysis that changes neither reuses them. */
const hintMemo = new WeakMap<ProfileReport, Map<string, PricedHints>>();

function pricedHints(report: ProfileReport, targets: readonly HardwareEntry[], estimate: ModelEstimateOptions, source: ProfileSource, nodeTimes?: ReadonlyMap<string, readonly NodeEstimate[]>): PricedHints {
  let memo = hintMemo.get(report);
  if (!memo) hintMemo.set(report, (memo = new Map()));
  const key = JSON.stringify([targets.map((t) => t.id), estimate]);
  let priced = memo.get(key);
  if (!priced) {
    try {
      priced = { hints: identifyHints(buildHints(report, targets, { ...estimate, sampler: source.weightSampler(), ...(nodeTimes ? { nodeTimes } : {}) })), diagnostics: [] };
    } catch (e) {
      // Hints are advice: a failure there must not cost the user the estimates.
      priced = { hints: [], diagnostics: [{ severity: 'warning', code: 'hints-failed', message: `hints could not be computed: ${(e as Error).message}` }] };
    }
    memo.set(key, priced);
  }
  return priced;
}

/** The same what-if, by hint id, on another profile of the model (an LLM phase, a sweep point). */
function whatIfOn(report: ProfileReport, base: WhatIfReports, targets: readonly HardwareEntry[], estimate: ModelEstimateOptions, source: ProfileSource): WhatIfReports {
  if (base.chosen.length === 0) return new WhatIfReports(report, []);
  const hints = pricedHints(report, targets, estimate, source).hints;
  return new WhatIfReports(report, selectHints(base.chosen.map((h) => h.id), hints).chosen);
}

/**
 * Prefill and decode profiled apart when the graph is a decoder with past key/value inputs. With the serving
 * search, each target's estimate is at its own batch and layout, and `served` holds each target's whole-graph
 * estimate at them.
 */
function llmAnalysis(
  source: ProfileSource,
  report: ProfileReport,
  bindings: ReadonlyMap<string, number>,
  batch: number,
  estimate: ModelEstimateOptions,
  options: AnalysisOptions,
  reports: WhatIfReports,
  serving: ServingSearch | undefined,
): { analysis: LlmAnalysis; served?: readonly ModelEstimate[] } | undefined {
  const decoder = declaredDecoder(source.model, report);
  if (!decoder) return undefined;
  const promptTokens = options.llm?.promptTokens ?? DEFAULT_PROMPT_TOKENS;
  const outputTokens = options.llm?.outputTokens ?? DEFAULT_OUTPUT_TOKENS;
  const phase = llmPhaseBindings(decoder, batch, promptTokens, outputTokens, bindings);
  const request = { decoder, promptTokens, outputTokens, ...(options.kvCache ? { kvCacheDtype: options.kvCache } : {}), bindings: phase.phases };
  if (serving) {
    const plans = options.targets.map((t) => serving.llm(t, decoder, promptTokens, outputTokens));
    return {
      analysis: { ...request, estimates: plans.map((p) => p.llm) },
      served: plans.map((p) => p.estimate),
    };
  }
  const prefill = whatIfOn(source.profile({ bindings: phase.prefill }), reports, options.targets, estimate, source);
  const decode = whatIfOn(source.profile({ bindings: phase.decode }), reports, options.targets, estimate, source);
  const llmOptions = { ...estimate, batch, promptTokens, outputTokens };
  const estimates: LlmEstimate[] = options.targets.map((t) => combineLlm(prefill.forTarget(t), decode.forTarget(t), [t], llmOptions)[0]);
  return { analysis: { ...request, estimates } };
}

/**
 * Which of the user's bindings the LLM serving estimate sets per phase instead (its sequence, past and total
 * lengths): they hold for the profile and the hardware estimates, not for the serving figures. Said once.
 */
function phaseDimNotes(llm: LlmAnalysis, userBindings: ReadonlyMap<string, number>): ReportDiagnostic[] {
  const d = llm.decoder;
  const dims = [d.sequenceDim, d.pastSequenceDim, d.totalSequenceDim].filter((x): x is string => x !== undefined && userBindings.has(x));
  if (dims.length === 0) return [];
  const phase = (b: Readonly<Record<string, number>>) => [d.sequenceDim, d.pastSequenceDim].filter((x): x is string => x !== undefined && b[x] !== undefined).map((x) => `${x}=${b[x]}`).join(', ');
  const bound = dims.map((x) => `${x}=${userBindings.get(x)}`).join(', ');
  return [{
    severity: 'info',
    code: 'llm-phase-dims',
    message: `LLM serving runs each phase at its own lengths (prefill ${phase(llm.bindings.prefill)}; decode ${phase(llm.bindings.decode)}); ${bound} hold for the profile and the hardware estimates`,
  }];
}

function sweepDim(
  source: ProfileSource,
  bindings: ReadonlyMap<string, number>,
  batchDim: string | undefined,
  estimate: ModelEstimateOptions,
  options: AnalysisOptions,
  reports: WhatIfReports,
): SweepPoint[] {
  const sweep = options.sweep!;
  const dim = sweep.dim === 'batch' && batchDim !== undefined ? batchDim : sweep.dim;
  return sweep.values.map((value) => {
    // Each point derives its own decoder total (sweeping the past length moves the mask with it).
    const { profiled: point } = withDecoderTotal(source, new Map([...bindings, [dim, value]]));
    const pointOptions = { ...estimate, batch: dim === batchDim ? value : estimate.batch };
    const changed = whatIfOn(point, reports, options.targets, pointOptions, source);
    return { dim, value, estimates: options.targets.map((t) => estimateOnTarget(changed.forTarget(t), t, pointOptions)) };
  });
}

function calibration(reports: WhatIfReports, device: HardwareEntry, trace: unknown, estimate: ModelEstimateOptions) {
  try {
    return calibrate(reports.forTarget(device), device, trace, estimate);
  } catch (e) {
    if (e instanceof TraceFormatError) throw new AnalysisInputError('calibrationTrace', e.message);
    throw e;
  }
}
