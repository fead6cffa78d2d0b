/**
 * LLM serving figures for a decoder with a KV cache (runs in the worker). The same path as the CLI's
 * `analyzeTargets` (src/core/targetAnalysis.ts): the core's `detectDecoder`, `llmPhaseBindings` and
 * `combineLlm`, the batch bound as the CLI binds it, the user's bindings winning over the phase
 * defaults. It is not `analyzeTargets` itself because that also re-profiles the whole model and re-prices
 * the hints (already done here) and takes no efficiency overrides (the extension's estimates honour them).
 * The integration suite checks the figures against `onnx-profile --format json` (`llm.estimates`).
 */
import { combineLlm, detectDecoder, llmPhaseBindings, type LlmEstimate } from '../core/estimate/llm';
import type { LoadedModel } from '../core/profile';
import { batchSymbol, bindBatch, profiledBatch } from '../core/pipeline/batch';
import type { ProfileReport } from '../core/report/reportTypes';
import { LLM_DEFAULT_OUTPUT_TOKENS, LLM_DEFAULT_PROMPT_TOKENS, type LlmEstimatePayload, type LlmPayload } from '../protocol/messages';
import { estimateOptionsOf } from './estimates';
import type { EstimateRequest } from './workerProtocol';

/** The last prefill/decode pair profiled, so a change of targets or precision does not re-profile. */
let cached: { key: string; prefill: ProfileReport; decode: ProfileReport } | undefined;

/** undefined when the model is no decoder with a KV cache; else the payload (with a note on failure). */
export function computeLlm(
  model: LoadedModel,
  modelKey: string,
  report: ProfileReport,
  userBindings: Readonly<Record<string, number>>,
  req: EstimateRequest,
): LlmPayload | undefined {
  const decoder = detectDecoder(report);
  if (!decoder) return undefined;
  const promptTokens = req.llm?.promptTokens ?? LLM_DEFAULT_PROMPT_TOKENS;
  const outputTokens = req.llm?.outputTokens ?? LLM_DEFAULT_OUTPUT_TOKENS;
  // As analyzeTargets: the batch symbol bound to the chosen batch unless the user bound it.
  const symbol = batchSymbol(model.model);
  const bindings = bindBatch(symbol, new Map(Object.entries(userBindings)), req.batch);
  const batch = profiledBatch(symbol, bindings, report);
  const base = { promptTokens, outputTokens, batch, layers: decoder.layers };
  if (req.targets.length === 0) return { ...base, estimates: [], bestTarget: null, note: 'no targets chosen' };
  try {
    const phase = llmPhaseBindings(decoder, batch, promptTokens, outputTokens, bindings);
    const key = JSON.stringify([modelKey, [...phase.prefill], [...phase.decode]]);
    if (cached?.key !== key) {
      cached = undefined;
      cached = { key, prefill: model.profile({ bindings: phase.prefill }), decode: model.profile({ bindings: phase.decode }) };
    }
    const list = combineLlm(cached.prefill, cached.decode, req.targets, { ...estimateOptionsOf(req, batch), promptTokens, outputTokens });
    const names = new Map(req.targets.map((t) => [t.id, t.name]));
    const estimates = list.map((e) => toPayload(e, names.get(e.target) ?? e.target));
    return { ...base, estimates, bestTarget: bestLlm(estimates)?.target ?? null };
  } catch (e) {
    return { ...base, estimates: [], bestTarget: null, note: `LLM estimate failed: ${(e as Error).message}` };
  }
}

/** The most output tokens/s. */
export function bestLlm(list: readonly LlmEstimatePayload[]): LlmEstimatePayload | undefined {
  return list.reduce<LlmEstimatePayload | undefined>((a, b) => (b.tokensPerSecond !== null && (a === undefined || b.tokensPerSecond > a.tokensPerSecond!) ? b : a), undefined);
}

const fin = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

function toPayload(e: LlmEstimate, targetName: string): LlmEstimatePayload {
  return {
    target: e.target,
    targetName,
    batch: e.batch,
    chips: e.chips,
    chipsNeeded: e.chipsNeeded,
    fits: e.fits,
    prefillSeconds: fin(e.prefillSeconds),
    decodeStepSeconds: fin(e.decodeStepSeconds),
    timeToFirstTokenSeconds: fin(e.timeToFirstTokenSeconds),
    timePerOutputTokenSeconds: fin(e.timePerOutputTokenSeconds),
    requestSeconds: fin(e.requestSeconds),
    tokensPerSecond: fin(e.tokensPerSecond),
    tokensPerSecondPerChip: fin(e.tokensPerSecondPerChip),
    totalTokensPerSecond: fin(e.totalTokensPerSecond),
    requestsPerSecond: fin(e.requestsPerSecond),
    costPerMillionTokensUsd: fin(e.costPerMillionTokensUsd),
    costPerMillionTotalTokensUsd: fin(e.costPerMillionTotalTokensUsd),
    joulesPerOutputToken: fin(e.joulesPerOutputToken),
    prefillComputeBoundFraction: fin(e.prefillComputeBoundFraction),
    decodeComputeBoundFraction: fin(e.decodeComputeBoundFraction),
    notes: [...e.notes],
  };
}

