/** Names exporters give the KV cache's graph inputs (past) and outputs (present). Pure. */

const PAST_INPUT = /^(past_key_values|past|cache|past_key|past_value|pkv)([._\-/]|$)|(^|[._/])past[._]?(key|value)s?([._]|$)/i;
const PRESENT_OUTPUT = /^(present|present_key_values|cache_out|new_cache)([._\-/]|$)|(^|[._/])present[._]?(key|value)s?([._]|$)/i;

export function isPastKeyValueName(name: string): boolean {
  return PAST_INPUT.test(name);
}
export function isPresentKeyValueName(name: string): boolean {
  return PRESENT_OUTPUT.test(name);
}
