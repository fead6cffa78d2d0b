import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLengthsCsv, workloadLengths } from './workloadLengths';

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
