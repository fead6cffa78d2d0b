import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphSpec } from './testUtil';
import { profileGraph } from './testUtil';

const MS = 'com.microsoft';

/** A toy decoder: hidden [rows, 1, 16] × W [16, 100] → logits [rows, 1, 100]. */
const decoder: GraphSpec = {
  inputs: { hidden: { dtype: 'float', shape: ['rows', 1, 16] } },
  weights: { w: { dtype: 'float', dims: [16, 100] } },
  nodes: [{ opType: 'MatMul', inputs: ['hidden', 'w'], outputs: ['logits'] }],
  outputs: ['logits'],
};

function generation(opType: string, extraInputs: Record<string, { dtype: string; shape: (number | string)[] }>, inputs: string[], outputs: string[]) {
  return profileGraph({
    inputs: { input_ids: { dtype: 'int32', shape: [2, 'seq'] }, max_length: { dtype: 'int32', shape: [1] }, ...extraInputs },
    nodes: [{ opType, domain: MS, inputs, outputs, attrs: { decoder: { graph: decoder }, eos_token_id: 2, pad_token_id: 0 } }],
    outputs,
  });
}

test('BeamSearch: outputs from the prompt, max_length and the decoder logits', () => {
  const profile = generation(
    'BeamSearch',
    { num_beams: { dtype: 'int32', shape: [1] }, num_return_sequences: { dtype: 'int32', shape: [1] } },
    ['input_ids', 'max_length', '', 'num_beams', 'num_return_sequences'],
    ['sequences', 'sequences_scores', 'scores'],
  );
  const parent = profile.nodes.find((n) => n.opType === 'BeamSearch')!;
  const [sequences, sequencesScores, scores] = parent.outputs;
  assert.equal(sequences.dtype, 6 /* int32 */);
  assert.equal(sequences.shape?.length, 3);
  assert.equal(sequences.shape![0].asNumber, 2);
  const maxLength = sequences.shape![2];
  assert.equal(maxLength.asNumber, undefined, 'an unknown max_length stays symbolic');
  assert.deepEqual(sequencesScores.shape?.map(String), [sequences.shape![0], sequences.shape![1]].map(String));
  assert.equal(scores.shape?.[0].toString(), maxLength.sub(profile.graphInputs[0].shape![1]).toString());
  assert.equal(scores.shape?.[3].asNumber, 100, 'vocab from the decoder logits');
});

test('GreedySearch: cost = decoder × max_length, noted as an upper bound', () => {
  const profile = generation('GreedySearch', {}, ['input_ids', 'max_length'], ['sequences']);
  const parent = profile.nodes.find((n) => n.opType === 'GreedySearch')!;
  const matmul = profile.nodes.find((n) => n.opType === 'MatMul')!;
  assert.equal(matmul.graphPath.startsWith(`${parent.name}/decoder/`), true);
  const maxLength = parent.outputs[0].shape![1];
  assert.equal(parent.outputs[0].shape![0].asNumber, 2);
  assert.equal(parent.flops.toString(), matmul.flops.mul(maxLength).toString());
  assert.equal(parent.macs.toString(), matmul.macs.mul(maxLength).toString());
  assert.match(parent.notes.join(' '), /upper bound/);
});

test('Sampling: filtered_logits are [batch, vocab]', () => {
  const profile = generation('Sampling', {}, ['input_ids', 'max_length'], ['sequences', 'filtered_logits']);
  const parent = profile.nodes.find((n) => n.opType === 'Sampling')!;
  assert.deepEqual(parent.outputs[1].shape?.map((d) => d.asNumber), [2, 100]);
});
