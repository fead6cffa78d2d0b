/**
 * The analysis in the shape the views read (src/protocol/payloads.ts): per-node times as columns, LLM
 * figures with non-finite values as null, hints without their what-if change (the worker applies it).
 */
import type { LlmEstimate } from '../core/estimate/llm';
import { notEstimatedLines } from '../core/render/text';
import type { Analysis, AnalysisHint, LlmAnalysis } from '../core/pipeline/analysisTypes';
import { layerTimes } from '../core/pipeline/analyze';
import type { NodeEstimate } from '../core/estimate/roofline';
import type { HintPayload, LlmEstimatePayload, LlmPayload, NodeTimesPayload } from '../protocol/payloads';
import type { WorkerEstimates } from './workerProtocol';

export function estimatesPayload(analysis: Analysis, requestedWhatIf: readonly string[]): WorkerEstimates {
  const r = analysis.report;
  const names = new Map((r.estimates ?? []).map((e) => [e.target, e.targetName]));
  const notEstimated = notEstimatedLines(r);
  return {
    batch: analysis.batch,
    targets: r.estimates ?? [],
    bestTarget: analysis.bestTarget ?? null,
    nodeTimes: Object.fromEntries([...(analysis.nodeEstimates ?? [])].map(([target, nodes]) => [target, nodeTimes(nodes)])),
    roofs: Object.fromEntries(analysis.roofs ?? []),
    notEstimated,
    ...(r.estimates?.length ? {} : { note: notEstimated.length ? 'none of the chosen targets can be estimated' : 'no targets chosen' }),
    ...(r.llm ? { llm: llmPayload(r.llm, names) } : {}),
    whatIf: { applied: analysis.whatIf.applied, dropped: requestedWhatIf.filter((id) => !analysis.whatIf.applied.some((a) => a.id === id)) },
  };
}

/** The report's per-layer columns (`layerTimes`), with what the views' roofline and kernel grouping read too. */
function nodeTimes(nodes: readonly NodeEstimate[]): NodeTimesPayload {
  const timed = nodes.filter((n) => n.estimated);
  return {
    ...layerTimes(nodes),
    flops: timed.map((n) => n.flops),
    memoryBytes: timed.map((n) => n.memoryBytes),
    kernel: timed.map((n) => n.kernel ?? n.index),
  };
}

export function hintsPayload(hints: readonly AnalysisHint[]): HintPayload[] {
  return hints.map(({ change, ...rest }) => ({ ...rest, whatIf: change !== undefined }));
}

const finite = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

function llmPayload(llm: LlmAnalysis, names: ReadonlyMap<string, string>): LlmPayload {
  const estimates = llm.estimates.map((e) => llmEstimatePayload(e, names.get(e.target) ?? e.target));
  const best = estimates.reduce<LlmEstimatePayload | undefined>((a, b) => (b.tokensPerSecond !== null && (a === undefined || b.tokensPerSecond > a.tokensPerSecond!) ? b : a), undefined);
  return {
    promptTokens: llm.promptTokens,
    outputTokens: llm.outputTokens,
    batch: llm.estimates[0]?.batch ?? 1,
    layers: llm.decoder.layers,
    estimates,
    bestTarget: best?.target ?? null,
  };
}

function llmEstimatePayload(e: LlmEstimate, targetName: string): LlmEstimatePayload {
  return {
    target: e.target,
    targetName,
    batch: e.batch,
    chips: e.chips,
    chipsNeeded: e.chipsNeeded,
    fits: e.fits,
    layout: e.layout,
    decodeExpertsTouchedPerLayer: e.decode.moe ? e.decode.moe.expertsTouchedPerLayer : null,
    prefillSeconds: finite(e.prefillSeconds),
    decodeStepSeconds: finite(e.decodeStepSeconds),
    timeToFirstTokenSeconds: finite(e.timeToFirstTokenSeconds),
    timePerOutputTokenSeconds: finite(e.timePerOutputTokenSeconds),
    requestSeconds: finite(e.requestSeconds),
    tokensPerSecond: finite(e.tokensPerSecond),
    tokensPerSecondPerChip: finite(e.tokensPerSecondPerChip),
    totalTokensPerSecond: finite(e.totalTokensPerSecond),
    requestsPerSecond: finite(e.requestsPerSecond),
    costPerMillionTokensUsd: finite(e.costPerMillionTokensUsd),
    costPerMillionTotalTokensUsd: finite(e.costPerMillionTotalTokensUsd),
    joulesPerOutputToken: finite(e.joulesPerOutputToken),
    prefillComputeBoundFraction: finite(e.prefillComputeBoundFraction),
    decodeComputeBoundFraction: finite(e.decodeComputeBoundFraction),
    ...(e.serving ? { serving: e.serving } : {}),
    notes: [...e.notes],
  };
}
