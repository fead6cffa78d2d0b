import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineLlm, detectDecoder, llmBindings } from './llm';
import { makeDevice, makeReport, t } from './testUtil';

const dev = makeDevice({ id: 'round', peaks: { fp16: 100e12, fp32: 10e12 }, memoryBytes: 10e9, bandwidthBytesPerSecond: 1e12, powerWatts: 400, usdPerHour: 3.6 });
const eff = { round: { memoryEfficiency: 0.5, perKernelOverheadSeconds: 0 } };
const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);

const decoderInputs = [
  t('input_ids', 'int64', ['batch_size', 'sequence_length']),
  t('attention_mask', 'int64', ['batch_size', 'total_sequence_length']),
  t('past_key_values.0.key', 'float16', ['batch_size', 8, 'past_sequence_length', 64]),
  t('past_key_values.0.value', 'float16', ['batch_size', 8, 'past_sequence_length', 64]),
  t('past_key_values.1.key', 'float16', ['batch_size', 8, 'past_sequence_length', 64]),
  t('past_key_values.1.value', 'float16', ['batch_size', 8, 'past_sequence_length', 64]),
];
const decoderOutputs = [t('logits', 'float16', ['batch_size', 'sequence_length', 32000]), t('present.0.key', 'float16', ['batch_size', 8, 'total_sequence_length', 64])];

test('detectDecoder finds the past key/value inputs and the dim names', () => {
  const info = detectDecoder(makeReport([], { graphInputs: decoderInputs, graphOutputs: decoderOutputs }));
  assert.ok(info);
  assert.equal(info.pastInputs.length, 4);
  assert.equal(info.layers, 2);
  assert.equal(info.batchDim, 'batch_size');
  assert.equal(info.sequenceDim, 'sequence_length');
  assert.equal(info.pastSequenceDim, 'past_sequence_length');
  assert.equal(info.totalSequenceDim, 'total_sequence_length');
  assert.equal(info.kvHeads, 8);
  assert.equal(info.headDim, 64);
  assert.deepEqual(info.presentOutputs, ['present.0.key']);
  const b = llmBindings(info, 4, 100, 20);
  assert.deepEqual(b.prefill, { batch_size: 4, sequence_length: 100, past_sequence_length: 0, total_sequence_length: 100 });
  assert.deepEqual(b.decode, { batch_size: 4, sequence_length: 1, past_sequence_length: 110, total_sequence_length: 111 });
});

test('detectDecoder counts layers by pairing key and value names: MLA caches one latent per layer', () => {
  const latent = (i: number) => t(`past_key_values.${i}.key`, 'bfloat16', ['batch_size', 1, 'past_sequence_length', 576]);
  // Two MLA layers (one latent each) are two layers, not one pair.
  assert.equal(detectDecoder(makeReport([], { graphInputs: [latent(0), latent(1)] }))?.layers, 2);
  assert.equal(detectDecoder(makeReport([], { graphInputs: [latent(0), latent(1), latent(2)] }))?.layers, 3);
  // Other schemes: past_key_N / past_value_N, past.N.k / past.N.v.
  const names = (xs: string[]) => xs.map((n) => t(n, 'float16', [1, 8, 'past', 64]));
  assert.equal(detectDecoder(makeReport([], { graphInputs: names(['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1']) }))?.layers, 2);
  assert.equal(detectDecoder(makeReport([], { graphInputs: names(['past.0.k', 'past.0.v', 'past.1.k', 'past.1.v', 'past.2.k', 'past.2.v']) }))?.layers, 3);
});

test('detectDecoder: other naming schemes, and null for an encoder', () => {
  assert.ok(detectDecoder(makeReport([], { graphInputs: [t('past.0.key', 'float', [1, 2, 'past', 4])] })));
  assert.ok(detectDecoder(makeReport([], { graphInputs: [t('cache.3.value', 'float', [1, 2, 'past', 4])] })));
  assert.equal(detectDecoder(makeReport([], { graphInputs: [t('input_ids', 'int64', ['batch', 'sequence'])] })), null);
});

test('combineLlm: tokens/s and $ per million output tokens', () => {
  // prefill 5e8 B → 1 ms; decode step 5e7 B → 0.1 ms (memory-bound at 0.5 TB/s effective)
  const prefill = makeReport([{ name: 'p', opType: 'Add', computeDtype: 'float16', bytesRead: 5e8 }]);
  const decode = makeReport([{ name: 'd', opType: 'Add', computeDtype: 'float16', bytesRead: 5e7 }]);
  const [e] = combineLlm(prefill, decode, [dev], { batch: 2, promptTokens: 100, outputTokens: 10, efficiency: eff });
  close(e.prefillSeconds, 1e-3);
  close(e.decodeStepSeconds, 1e-4);
  close(e.requestSeconds, 2e-3); // 1 ms + 10 × 0.1 ms
  close(e.tokensPerSecond, 10000); // 2 × 10 tokens / 2 ms
  close(e.totalTokensPerSecond, 110000);
  // $3.6/h × 2 ms / 3600 = $2e-6 for 20 tokens → $0.10 per million
  close(e.costPerMillionTokensUsd!, 0.1);
  close(e.timeToFirstTokenSeconds, 1e-3);
  assert.equal(e.fits, true);
});
