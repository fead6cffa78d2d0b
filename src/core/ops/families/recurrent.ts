/**
 * Recurrent layers: RNN, GRU, LSTM, and com.microsoft DynamicQuantizeLSTM.
 *
 * Cost convention (docs/cost-conventions.md):
 *  - MACs = seq × batch × directions × gates × hidden × (input + hidden): the input and recurrent
 *    projections of every gate at every step; FLOPs = 2 × MACs + the gate arithmetic below.
 *  - Gate arithmetic per step, batch row, direction and hidden unit: for each gate, 3 adds (the two
 *    projections and the two biases combined) and its activation (FLOPS_PER_ELEMENT: Sigmoid 10,
 *    Tanh 10, as the `activations` attribute names them); then the state update —
 *    RNN: nothing more; GRU: 1 multiply for r ⊙ (R·h) and 4 for h = (1 − z) ⊙ h̃ + z ⊙ h;
 *    LSTM: 3 for c = f ⊙ c + i ⊙ g, the h activation of c plus 1 multiply, and 6 for peepholes
 *    when P is given.
 */
import { Expr } from '../../shapes/expr';
import { requireShape } from '../../shapes/shapeOps';
import type { InferredOutput, Shape } from '../../shapes/tensorInfo';
import { FLOPS_PER_ELEMENT } from './elementwise';
import { type NodeContext, type OpCost, type OpHandler, ShapeError } from '../opHandler';
import { unifyDims } from './matmul';

interface CellKind {
  readonly gates: number;
  /** Activations in the order of the `activations` attribute, one direction's worth. */
  readonly defaultActivations: readonly string[];
  /** State-update FLOPs per hidden unit beyond the gates, given the activation costs. */
  readonly updateFlops: (activationFlops: readonly number[], hasPeepholes: boolean) => number;
  /** Index of the recurrence weight R, and of the peephole input P when the cell has one. */
  readonly recurrenceInput: number;
  readonly peepholeInput?: number;
  /** Whether W and R are stored [dirs, in, gates × hidden] (the quantized LSTM) rather than [dirs, gates × hidden, in]. */
  readonly transposedWeights?: boolean;
  readonly stateOutputs: number;
}

const RNN: CellKind = {
  gates: 1,
  defaultActivations: ['Tanh'],
  updateFlops: () => 0,
  recurrenceInput: 2,
  stateOutputs: 1,
};

const GRU: CellKind = {
  gates: 3,
  defaultActivations: ['Sigmoid', 'Tanh'],
  updateFlops: () => 1 + 4,
  recurrenceInput: 2,
  stateOutputs: 1,
};

const LSTM: CellKind = {
  gates: 4,
  defaultActivations: ['Sigmoid', 'Tanh', 'Tanh'],
  updateFlops: (activation, hasPeepholes) => 3 + activation[2] + 1 + (hasPeepholes ? 6 : 0),
  recurrenceInput: 2,
  peepholeInput: 7,
  stateOutputs: 2,
};

const QUANTIZED_LSTM: CellKind = { ...LSTM, transposedWeights: true };

interface RecurrentDims {
  readonly seq: Expr;
  readonly batch: Expr;
  readonly input: Expr;
  readonly hidden: Expr;
  readonly directions: number;
  readonly batchFirst: boolean;
}

function directionCount(ctx: NodeContext): number {
  const direction = ctx.attrs.string('direction', 'forward');
  if (direction === 'bidirectional') return 2;
  if (direction === 'forward' || direction === 'reverse') return 1;
  throw new ShapeError(`unknown direction '${direction}'`);
}

function recurrentDims(ctx: NodeContext, cell: CellKind): RecurrentDims {
  const x = requireShape(ctx.inputs[0], 'X');
  if (x.length !== 3) throw new ShapeError(`X must be 3-D, got rank ${x.length}`);
  const batchFirst = ctx.attrs.int('layout', 0) === 1;
  const [seq, batch] = batchFirst ? [x[1], x[0]] : [x[0], x[1]];
  const directions = directionCount(ctx);
  const attrHidden = ctx.attrs.int('hidden_size');
  const r = ctx.inputs[cell.recurrenceInput]?.shape;
  // R is [dirs, gates × hidden, hidden] (or [dirs, hidden, gates × hidden] when transposed).
  const fromR = r?.length === 3 ? (cell.transposedWeights ? r[1] : r[2]) : undefined;
  const hidden = attrHidden !== undefined ? Expr.constant(attrHidden) : fromR;
  if (!hidden) throw new ShapeError('hidden_size is neither given nor readable from R');
  if (fromR) unifyDims(hidden, fromR, 'hidden_size against R');
  const w = requireShape(ctx.inputs[1], 'W');
  if (w.length === 3) unifyDims(x[2], cell.transposedWeights ? w[1] : w[2], 'X input size against W');
  return { seq, batch, input: x[2], hidden, directions, batchFirst };
}

function recurrentOutputs(ctx: NodeContext, cell: CellKind): InferredOutput[] {
  const d = recurrentDims(ctx, cell);
  const dirs = Expr.constant(d.directions);
  const dtype = ctx.inputs[0]?.dtype;
  const y: Shape = d.batchFirst ? [d.batch, d.seq, dirs, d.hidden] : [d.seq, dirs, d.batch, d.hidden];
  const state: Shape = d.batchFirst ? [d.batch, dirs, d.hidden] : [dirs, d.batch, d.hidden];
  return [{ dtype, shape: y }, ...new Array<InferredOutput>(cell.stateOutputs).fill({ dtype, shape: state })];
}

function activationFlops(ctx: NodeContext, cell: CellKind): number[] {
  const names = ctx.attrs.strings('activations');
  const chosen = names && names.length >= cell.defaultActivations.length ? names.slice(0, cell.defaultActivations.length) : cell.defaultActivations;
  return chosen.map((name) => FLOPS_PER_ELEMENT[name] ?? 2);
}

function recurrentCost(ctx: NodeContext, cell: CellKind): OpCost {
  const d = recurrentDims(ctx, cell);
  const units = d.seq.mul(d.batch).mul(d.directions).mul(d.hidden);
  const macs = units.mul(cell.gates).mul(d.input.add(d.hidden));
  const activation = activationFlops(ctx, cell);
  // Gate activations: every gate uses the first activation except the candidate (last gate), which uses the second.
  const gateActivations = cell.gates === 1 ? activation[0] : (cell.gates - 1) * activation[0] + activation[1];
  const hasPeepholes = cell.peepholeInput !== undefined && ctx.inputs[cell.peepholeInput] !== undefined;
  const perUnit = cell.gates * 3 + gateActivations + cell.updateFlops(activation, hasPeepholes);
  return { flops: macs.mul(2).add(units.mul(perUnit)), macs };
}

function recurrentHandler(opType: string, domain: string, cell: CellKind): OpHandler {
  return {
    opType,
    domain,
    sinceVersion: 1,
    infer: (ctx) => recurrentOutputs(ctx, cell),
    cost: (ctx) => recurrentCost(ctx, cell),
  };
}

export const recurrentOps: readonly OpHandler[] = [
  recurrentHandler('RNN', '', RNN),
  recurrentHandler('GRU', '', GRU),
  recurrentHandler('LSTM', '', LSTM),
  recurrentHandler('DynamicQuantizeLSTM', 'com.microsoft', QUANTIZED_LSTM),
];
