/**
 * Text generation loops (com.microsoft BeamSearch, WhisperBeamSearch, GreedySearch, Sampling): the op
 * runs its `encoder` and `init_decoder` subgraphs once and its `decoder` subgraph once per generated
 * token. Their nodes are inferred by the engine (ctx.inferSubgraph, with each subgraph's own declared
 * inputs) and listed under the parent.
 *
 * Cost convention (docs/cost-conventions.md): encoder + init_decoder once + decoder × max_length, an
 * upper bound (generation may stop at the end-of-sequence token, and the prompt's length is part of
 * max_length), noted. max_length is the input's value when known, else a symbol. The subgraphs'
 * reads are reported as the parent's activation reads (see subgraphCost.ts).
 *
 * Outputs: sequences [batch, num_return_sequences, max_length] (beam search) or [batch, max_length]
 * (greedy, sampling), int32; beam scores [batch, num_return_sequences] and per-step scores
 * [max_length − sequence_length, batch, num_beams, vocab]; Sampling's filtered_logits [batch, vocab];
 * Whisper's cross_qk (dims not knowable from the inputs: symbols) and non_speech_probs [batch].
 */
import { DataType } from '../../onnx/dataType';
import type { Graph } from '../../onnx/model';
import { Expr } from '../../shapes/expr';
import { knownScalar, requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, type OpCost, type OpHandler, ShapeError, type SubgraphResult } from '../opHandler';
import { recallSubgraphCost, rememberSubgraphCost, repeatedCost } from './subgraphCost';

/** Input positions shared by the generation ops. */
const INPUT_IDS = 0;
const MAX_LENGTH = 1;
const NUM_BEAMS = 3;
const NUM_RETURN_SEQUENCES = 4;

/** A scalar (or 1-element) int input's value, or a fresh symbol named after it. */
function scalarInput(ctx: NodeContext, index: number, hint: string): Expr {
  return knownScalar(ctx.inputs[index]) ?? ctx.fresh(hint);
}

interface GenerationRun {
  readonly decoder: SubgraphResult;
  readonly maxLength: Expr;
}

/** Infers encoder and init_decoder (once) and decoder (per token); keeps the summed cost for cost(). */
function runSubgraphs(ctx: NodeContext): GenerationRun {
  const decoderGraph = ctx.attrs.graph('decoder');
  if (!decoderGraph) throw new ShapeError(`${ctx.node.opType} needs the decoder attribute`);
  const maxLength = scalarInput(ctx, MAX_LENGTH, 'max_length');
  const once = ['encoder', 'init_decoder']
    .map((name) => [name, ctx.attrs.graph(name)] as const)
    .filter((entry): entry is readonly [string, Graph] => entry[1] !== undefined)
    .map(([name, graph]) => repeatedCost(ctx.inferSubgraph(graph, [], name).cost, Expr.constant(1)));
  const decoder = ctx.inferSubgraph(decoderGraph, [], 'decoder');
  const perToken = repeatedCost(decoder.cost, maxLength, [
    `decoder counted ${maxLength} times (max_length): an upper bound, generation may stop early`,
  ]);
  rememberSubgraphCost(ctx, [...once, perToken].reduce(addCosts));
  return { decoder, maxLength };
}

function addCosts(a: OpCost, b: OpCost): OpCost {
  const add = (x: Expr | undefined, y: Expr | undefined) => (x ?? Expr.constant(0)).add(y ?? Expr.constant(0));
  return {
    flops: a.flops.add(b.flops),
    macs: add(a.macs, b.macs),
    weightBytesRead: add(a.weightBytesRead, b.weightBytesRead),
    activationBytesRead: add(a.activationBytesRead, b.activationBytesRead),
    bytesWritten: add(a.bytesWritten, b.bytesWritten),
    notes: [...(a.notes ?? []), ...(b.notes ?? [])],
  };
}

/** The vocabulary size: the attribute, else the last dim of the decoder's logits, else a symbol. */
function vocabSize(ctx: NodeContext, logits: TensorInfo | undefined): Expr {
  const attr = ctx.attrs.int('vocab_size', -1);
  if (attr > 0) return Expr.constant(attr);
  const last = logits?.shape?.[logits.shape.length - 1];
  return last ?? ctx.fresh('vocab_size');
}

function promptShape(ctx: NodeContext): { batch: Expr; sequence: Expr } {
  const ids = requireShape(ctx.inputs[INPUT_IDS], 'input_ids');
  if (ids.length < 2) throw new ShapeError(`input_ids must be [batch, sequence, ...], got rank ${ids.length}`);
  return { batch: ids[0], sequence: ids[1] };
}

function beamSearchOutputs(ctx: NodeContext, whisper: boolean): InferredOutput[] {
  const { decoder, maxLength } = runSubgraphs(ctx);
  const { batch, sequence } = promptShape(ctx);
  const logits = decoder.outputs[0];
  const scoreType = logits?.dtype ?? DataType.FLOAT;
  const returned = scalarInput(ctx, NUM_RETURN_SEQUENCES, 'num_return_sequences');
  const beams = scalarInput(ctx, NUM_BEAMS, 'num_beams');
  const outputs: InferredOutput[] = [
    { dtype: DataType.INT32, shape: [batch, returned, maxLength] },
    { dtype: scoreType, shape: [batch, returned] },
    { dtype: scoreType, shape: [maxLength.sub(sequence), batch, beams, vocabSize(ctx, logits)] },
  ];
  if (whisper) {
    const crossQk = [batch, returned, ctx.fresh('cross_qk_heads'), ctx.fresh('decoded_length'), ctx.fresh('frames')];
    outputs.push({ dtype: DataType.FLOAT, shape: crossQk }, { dtype: scoreType, shape: [batch] });
  }
  return outputs;
}

function generationHandler(opType: string, infer: (ctx: NodeContext) => InferredOutput[]): OpHandler {
  return { opType, domain: 'com.microsoft', sinceVersion: 1, infer, cost: (ctx) => recallSubgraphCost(ctx) };
}

export const generationOps: readonly OpHandler[] = [
  generationHandler('BeamSearch', (ctx) => beamSearchOutputs(ctx, false)),
  generationHandler('WhisperBeamSearch', (ctx) => beamSearchOutputs(ctx, true)),
  generationHandler('GreedySearch', (ctx) => {
    const { maxLength } = runSubgraphs(ctx);
    const { batch } = promptShape(ctx);
    return [{ dtype: DataType.INT32, shape: [batch, maxLength] }];
  }),
  generationHandler('Sampling', (ctx) => {
    const { decoder, maxLength } = runSubgraphs(ctx);
    const { batch } = promptShape(ctx);
    const logits = decoder.outputs[0];
    return [
      { dtype: DataType.INT32, shape: [batch, maxLength] },
      { dtype: logits?.dtype ?? DataType.FLOAT, shape: [batch, vocabSize(ctx, logits)] },
    ];
  }),
];
