/**
 * Serving lengths from a benchmark's per-sample token counts: the mean prompt, the mean output, and the mean context
 * a decode step sees under in-flight batching.
 *
 * A runtime with in-flight batching refills a finished sequence's slot at once, so every slot stays busy and a
 * sample with P prompt and L output tokens holds its slot for L decode steps, at past lengths P, P+1, ... P+L-1.
 * Over all steps the mean past length is then Σ L·(P + (L-1)/2) / Σ L: a long output counts once per token, so when
 * output lengths spread the mean step sees more context than mean P + mean L / 2 (by Var(L)/2E[L], and by how
 * long the prompts of long answers are). Pure: the caller reads the samples.
 */

export interface SampleLengths {
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface WorkloadLengths {
  readonly samples: number;
  readonly meanPromptTokens: number;
  readonly meanOutputTokens: number;
  /** Mean past length of a decode step with every slot refilled at once: Σ L·(P + (L-1)/2) / Σ L. */
  readonly decodeContextTokens: number;
}

export function workloadLengths(samples: readonly SampleLengths[]): WorkloadLengths {
  if (samples.length === 0) throw new Error('no samples');
  let prompt = 0;
  let output = 0;
  let outputWeightedPast = 0;
  for (const s of samples) {
    prompt += s.promptTokens;
    output += s.outputTokens;
    outputWeightedPast += s.outputTokens * (s.promptTokens + (s.outputTokens - 1) / 2);
  }
  return {
    samples: samples.length,
    meanPromptTokens: prompt / samples.length,
    meanOutputTokens: output / samples.length,
    decodeContextTokens: output > 0 ? outputWeightedPast / output : prompt / samples.length,
  };
}

/** What re-counting one benchmark's prompts in another's tokenizer needs: the two templates and the one published count. */
export interface Retokenization {
  /** Template (and special) tokens of each counted prompt, not part of the text. */
  readonly fromTemplateTokens: number;
  /** Template tokens of the other benchmark's prompt. */
  readonly toTemplateTokens: number;
  /** The other benchmark's truncation length, in its tokens. */
  readonly truncationTokens: number;
  /** How many of its prompts exceed the truncation length, as counted in its tokenizer. */
  readonly promptsOverTruncation: number;
}

export interface RetokenizedPrompts {
  /** The other tokenizer's tokens per counted token of text. */
  readonly tokenRatio: number;
  readonly meanPromptTokens: number;
}

/**
 * The same texts in another model's tokenizer and template, from one count made in it. Where a dataset's prompts are
 * counted per sample in one tokenizer, and another benchmark over the same texts publishes only how many of its
 * prompts exceed its truncation length, the ratio of the two tokenizers' counts is the one that puts exactly that many
 * prompts over the limit: the boundary lies between the k-th and (k+1)-th longest texts, and their midpoint is taken.
 * Each prompt is then its text scaled by that ratio in the other template, cut at the limit as that runtime cuts it.
 */
export function retokenizedPrompts(samples: readonly SampleLengths[], spec: Retokenization): RetokenizedPrompts {
  const k = spec.promptsOverTruncation;
  if (!Number.isInteger(k) || k < 1 || k >= samples.length) {
    throw new Error(`prompts over the truncation length must be a count from 1 to ${samples.length - 1}, not ${k}`);
  }
  const longestFirst = samples.map((s) => s.promptTokens).sort((a, b) => b - a);
  const boundaryText = (longestFirst[k - 1] + longestFirst[k]) / 2 - spec.fromTemplateTokens;
  const tokenRatio = (spec.truncationTokens - spec.toTemplateTokens) / boundaryText;
  let total = 0;
  for (const s of samples) {
    total += Math.min((s.promptTokens - spec.fromTemplateTokens) * tokenRatio + spec.toTemplateTokens, spec.truncationTokens);
  }
  return { tokenRatio, meanPromptTokens: total / samples.length };
}

/** Rows of `input_length,output_length` (a header line first; CRLF or LF line ends). */
export function parseLengthsCsv(text: string): SampleLengths[] {
  const [header, ...rows] = text.split(/\r?\n/).filter((line) => line !== '');
  if (header !== 'input_length,output_length') throw new Error(`unexpected header '${header}'`);
  return rows.map((row, i) => {
    const match = /^(\d+),(\d+)$/.exec(row);
    if (!match) throw new Error(`row ${i + 2}: '${row}' is not two token counts`);
    return { promptTokens: Number(match[1]), outputTokens: Number(match[2]) };
  });
}
