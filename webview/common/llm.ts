/** The LLM serving figures of 'report/show'.estimates.llm (validated by the protocol), and the token fields' parsing. */
import { isTokenCount, LLM_MAX_TOKENS, type LlmEstimatePayload, type LlmPayload } from '../../src/protocol/messages';

export type { LlmEstimatePayload, LlmPayload };

/** A token count typed by the user: the number, or the reason it is refused. */
export function parseTokenCount(text: string, what: string): { ok: true; value: number } | { ok: false; reason: string } {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  return isTokenCount(n) ? { ok: true, value: n } : { ok: false, reason: `${what} must be an integer from 1 to ${LLM_MAX_TOKENS}` };
}

/** " The KV cache is stored in FP8." for a chosen KV-cache dtype; '' when the cache is as the activations. */
export function kvCacheSentence(kvCache: string | undefined): string {
  return kvCache ? ` The KV cache is stored in ${kvCache.toUpperCase()}.` : '';
}

/** " LLM serving runs each phase at its own lengths (...)." when the user bound those dims for the profile; else ''. */
export function phaseDimsSentence(report: { readonly diagnostics: readonly { readonly code: string; readonly message: string }[] }): string {
  const note = report.diagnostics.find((d) => d.code === 'llm-phase-dims');
  return note ? ` ${note.message}.` : '';
}
