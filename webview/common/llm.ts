/**
 * The LLM serving figures carried in 'report/show'.estimates.llm (EstimatesPayload.llm, present only for
 * a decoder with a KV cache). parseToWebview has already checked every field; this re-checks (the
 * estimates field is `unknown` in ReportMessage) and adds the view's helpers.
 */
import { isTokenCount, LLM_MAX_TOKENS, llmPayloadProblem, type LlmEstimatePayload, type LlmPayload } from '../../src/protocol/messages';

export type { LlmEstimatePayload, LlmPayload };

/** The LLM payload of an estimates object; null when absent or malformed (logged). */
export function readLlm(estimates: unknown): LlmPayload | null {
  if (typeof estimates !== 'object' || estimates === null || Array.isArray(estimates)) return null;
  const llm = (estimates as { llm?: unknown }).llm;
  if (llm === undefined) return null;
  const problem = llmPayloadProblem(llm);
  if (problem) {
    console.warn(`[llm] ignored: ${problem}`);
    return null;
  }
  return llm as LlmPayload;
}

/** A token count typed by the user: the number, or the reason it is refused. */
export function parseTokenCount(text: string, what: string): { ok: true; value: number } | { ok: false; reason: string } {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  return isTokenCount(n) ? { ok: true, value: n } : { ok: false, reason: `${what} must be an integer from 1 to ${LLM_MAX_TOKENS}` };
}
