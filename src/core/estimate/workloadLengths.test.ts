import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLengthsCsv, retokenizedPrompts, workloadLengths } from './workloadLengths';

test('equal outputs: the mean step sees the mean prompt plus (L-1)/2', () => {
  const w = workloadLengths([
    { promptTokens: 100, outputTokens: 10 },
    { promptTokens: 300, outputTokens: 10 },
  ]);
  assert.deepEqual(w, { samples: 2, meanPromptTokens: 200, meanOutputTokens: 10, decodeContextTokens: 204.5 });
});

test('spread outputs: a long answer counts once per token it generates', () => {
  // Two samples of 100 prompt tokens, 1 and 99 output tokens: 99 of the 100 steps belong to the long one, at past
  // lengths 100..198 (mean 149); the short one's single step is at 100. Mean P + mean L / 2 would say 125.
  const w = workloadLengths([
    { promptTokens: 100, outputTokens: 1 },
    { promptTokens: 100, outputTokens: 99 },
  ]);
  assert.equal(w.meanOutputTokens, 50);
  assert.equal(w.decodeContextTokens, (1 * 100 + 99 * 149) / 100);
});

test('no outputs: the context is the prompt', () => {
  assert.equal(workloadLengths([{ promptTokens: 7, outputTokens: 0 }]).decodeContextTokens, 7);
  assert.throws(() => workloadLengths([]), /no samples/);
});

test('the CSV: header, LF or CRLF rows, and a precise error for anything else', () => {
  assert.deepEqual(parseLengthsCsv('input_length,output_length\r\n5,6\r\n7,8\r\n'), [
    { promptTokens: 5, outputTokens: 6 },
    { promptTokens: 7, outputTokens: 8 },
  ]);
  assert.throws(() => parseLengthsCsv('prompt,output\n1,2\n'), /unexpected header 'prompt,output'/);
  assert.throws(() => parseLengthsCsv('input_length,output_length\n1,2\n3;4\n'), /row 3: '3;4' is not two token counts/);
});

const prompts = (...lengths: number[]) => lengths.map((promptTokens) => ({ promptTokens, outputTokens: 0 }));

test('another tokenizer: the ratio that puts the published count over the limit, prompts cut at the limit', () => {
  const cases = [
    {
      name: 'one prompt over: the boundary is midway between the longest two texts',
      // Texts of 90, 190, 290 and 390 tokens (10 of template each); the boundary text is (390 + 290) / 2 = 340, which
      // is 300 - 20 = 280 tokens in the other tokenizer: ratio 14/17, and only the longest prompt is cut.
      samples: prompts(100, 200, 300, 400),
      spec: { fromTemplateTokens: 10, toTemplateTokens: 20, truncationTokens: 300, promptsOverTruncation: 1 },
      ratio: 14 / 17,
      mean: ((90 + 190 + 290) * (14 / 17) + 3 * 20 + 300) / 4,
    },
    {
      name: 'the same tokenizer and template: every prompt keeps its length up to the limit',
      samples: prompts(10, 20, 30, 40),
      spec: { fromTemplateTokens: 0, toTemplateTokens: 0, truncationTokens: 25, promptsOverTruncation: 2 },
      ratio: 1,
      mean: (10 + 20 + 25 + 25) / 4,
    },
  ];
  for (const c of cases) {
    const r = retokenizedPrompts(c.samples, c.spec);
    assert.ok(Math.abs(r.tokenRatio - c.ratio) < 1e-12, `${c.name}: ratio ${r.tokenRatio}`);
    assert.ok(Math.abs(r.meanPromptTokens - c.mean) < 1e-9, `${c.name}: mean ${r.meanPromptTokens}`);
  }
});

test('another tokenizer: a count that cannot place the boundary is refused', () => {
  const spec = { fromTemplateTokens: 0, toTemplateTokens: 0, truncationTokens: 10 };
  assert.throws(() => retokenizedPrompts(prompts(1, 2), { ...spec, promptsOverTruncation: 2 }), /from 1 to 1, not 2/);
  assert.throws(() => retokenizedPrompts(prompts(1, 2), { ...spec, promptsOverTruncation: 0 }), /not 0/);
});
