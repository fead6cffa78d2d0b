/**
 * Control flow: If, Loop and Scan. Their subgraphs are inferred by the engine (ctx.inferSubgraph);
 * the nodes inside are listed in the profile under the parent's graphPath, and the parent's cost
 * holds theirs, multiplied by how often the subgraph runs (see subgraphCost.ts).
 *
 * Cost convention (docs/cost-conventions.md):
 *  - If: the branch taken when the condition is known; otherwise the costlier branch (more FLOPs;
 *    its MACs and bytes come with it), noted, an upper bound of what runs.
 *  - Loop: body × trip count when the trip count M is known and the condition cannot end the loop
 *    early; body × M (an upper bound, noted) when the condition may end it early; body × 1, noted
 *    "trip count unknown: counted once", when M is absent or unknown.
 *  - Scan: body × sequence length (× batch for Scan-8).
 * Outputs: If merges its branches (same dims kept, others fresh); a Loop-carried value is the merge
 * of its initial value and the body's output; scan outputs get the trip count (or sequence length)
 * as a new dim, a fresh symbol when it is not known.
 */
import { DataType } from '../../onnx/dataType';
import type { Graph } from '../../onnx/model';
import { Expr, ONE_EXPR, ZERO_EXPR } from '../../shapes/expr';
import { knownInts, normalizeAxis } from '../../shapes/shapeOps';
import { scalarInt } from '../../shapes/valueOps';
import type { InferredOutput, Shape, TensorInfo } from '../../shapes/tensorInfo';
import { type NodeContext, type OpHandler, ShapeError, type SubgraphCost } from '../opHandler';
import { mergeInfos } from './sequences';
import { recallSubgraphCost, rememberSubgraphCost, repeatedCost } from './subgraphCost';

/** A trip count above this is a "run until the condition says stop" sentinel (exporters use INT64_MAX). */
const MAX_PLAUSIBLE_TRIP_COUNT = 2n ** 31n;

function requireGraph(ctx: NodeContext, name: string): Graph {
  const g = ctx.attrs.graph(name);
  if (!g) throw new ShapeError(`${ctx.node.opType} needs the ${name} attribute`);
  return g;
}

/** A subgraph output as the parent's output: no longer a weight, its name given by the engine. */
function asOutput(t: TensorInfo | undefined): InferredOutput {
  if (!t) return { dtype: undefined, shape: undefined };
  return { kind: t.kind, dtype: t.dtype, shape: t.shape, value: t.value, element: t.element, length: t.length };
}

/** The truth of a known scalar condition, or undefined. */
function knownTruth(t: TensorInfo | undefined): boolean | undefined {
  const v = t?.value;
  if (!v || v.data.length !== 1) return undefined;
  if (v.kind === 'floats') return v.data[0] !== 0;
  const c = v.data[0].constantValue;
  return c === undefined ? undefined : c !== 0n;
}

/** Whether branch `a` costs more FLOPs than `b` (symbols counted as 1 when the difference is symbolic). */
function costsMore(a: SubgraphCost, b: SubgraphCost): boolean {
  const diff = a.flops.sub(b.flops);
  const exact = diff.constantValue;
  return exact !== undefined ? exact > 0n : diff.evaluate(new Map(), 1n) > 0n;
}

const ifOp: OpHandler = {
  opType: 'If',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const thenBranch = requireGraph(ctx, 'then_branch');
    const elseBranch = requireGraph(ctx, 'else_branch');
    const condition = knownTruth(ctx.inputs[0]);
    if (condition !== undefined) {
      const label = condition ? 'then_branch' : 'else_branch';
      const taken = ctx.inferSubgraph(condition ? thenBranch : elseBranch, [], label);
      rememberSubgraphCost(ctx, repeatedCost(taken.cost, ONE_EXPR, [`condition known: only ${label} runs`]));
      return taken.outputs.map(asOutput);
    }
    const thenResult = ctx.inferSubgraph(thenBranch, [], 'then_branch');
    const elseResult = ctx.inferSubgraph(elseBranch, [], 'else_branch');
    const thenCostlier = costsMore(thenResult.cost, elseResult.cost);
    const costlier = thenCostlier ? thenResult.cost : elseResult.cost;
    const note = `condition unknown: the costlier branch (${thenCostlier ? 'then_branch' : 'else_branch'}) is counted`;
    rememberSubgraphCost(ctx, repeatedCost(costlier, ONE_EXPR, [note]));
    const count = Math.max(thenResult.outputs.length, elseResult.outputs.length);
    const branchOutput = (outputs: readonly (TensorInfo | undefined)[], i: number) => (outputs[i] ? asOutput(outputs[i]) : undefined);
    return Array.from({ length: count }, (_, i) => mergeInfos(branchOutput(thenResult.outputs, i), branchOutput(elseResult.outputs, i), ctx.fresh));
  },
  cost: (ctx) => recallSubgraphCost(ctx),
};

/** A loop-carried value as the body sees it: its value changes from one iteration to the next. */
function carriedIntoBody(t: TensorInfo): TensorInfo {
  return { name: t.name, kind: t.kind, dtype: t.dtype, shape: t.shape, element: t.element };
}

/** Whether the body passes its condition input through unchanged (a `for` loop exported with a cond). */
function bodyKeepsCondition(body: Graph, condOut: TensorInfo | undefined): boolean {
  if (knownTruth(condOut) === true) return true;
  const condIn = body.inputs[1]?.name;
  let name = body.outputs[0]?.name;
  for (let hops = 0; name !== undefined && hops < 8; hops++) {
    if (name === condIn) return true;
    const producer = body.nodes.find((n) => n.outputs.includes(name!));
    if (!producer || producer.opType !== 'Identity' || producer.domain !== '') return false;
    name = producer.inputs[0];
  }
  return false;
}

interface TripCount {
  /** The dim of scan outputs: the exact count, or a fresh symbol. */
  readonly dim: Expr;
  /** How many times the body's cost is counted. */
  readonly times: Expr;
  readonly notes: string[];
}

function loopTripCount(ctx: NodeContext, body: Graph, condOut: TensorInfo | undefined): TripCount {
  const maxTrips = ctx.inputs[0] ? knownInts(ctx.inputs[0])?.[0] : undefined;
  const initialCondition = ctx.inputs[1] ? knownTruth(ctx.inputs[1]) : true;
  if (initialCondition === false) return { dim: ZERO_EXPR, times: ZERO_EXPR, notes: ['condition false on entry: the body never runs'] };
  const plausible = maxTrips !== undefined && !(maxTrips.constantValue !== undefined && maxTrips.constantValue >= MAX_PLAUSIBLE_TRIP_COUNT);
  const runsToEnd = initialCondition === true && bodyKeepsCondition(body, condOut);
  if (plausible && runsToEnd) return { dim: maxTrips!, times: maxTrips!, notes: [] };
  if (plausible) return { dim: ctx.fresh('trips'), times: maxTrips!, notes: ['the condition may end the loop early: counted as M iterations (upper bound)'] };
  return { dim: ctx.fresh('trips'), times: ONE_EXPR, notes: ['trip count unknown: counted once'] };
}

const loop: OpHandler = {
  opType: 'Loop',
  domain: '',
  sinceVersion: 1,
  infer: (ctx) => {
    const body = requireGraph(ctx, 'body');
    const carried = ctx.inputs.slice(2).map((t, i) => {
      if (!t) throw new ShapeError(`loop-carried input ${i} is missing`);
      return t;
    });
    const bodyInputs: TensorInfo[] = [
      // The iteration number differs per iteration: a symbol, so that slices like x[i : i + 1] keep their size.
      { name: 'iteration_num', dtype: DataType.INT64, shape: [], value: scalarInt(ctx.fresh('iteration')) },
      { name: 'cond', dtype: DataType.BOOL, shape: [] },
      ...carried.map(carriedIntoBody),
    ];
    const result = ctx.inferSubgraph(body, bodyInputs, 'body');
    const trips = loopTripCount(ctx, body, result.outputs[0]);
    const notes = [...trips.notes];
    const finals = carried.map((initial, i) => {
      if (trips.times.constantValue === 0n) return asOutput(initial);
      const after = result.outputs[1 + i];
      const merged = mergeInfos(asOutput(initial), asOutput(after), ctx.fresh);
      if (after?.shape && !sameShape(after.shape, initial.shape)) notes.push(`'${initial.name}' changes shape across iterations: the body is counted at its first iteration's shapes`);
      return merged;
    });
    const scans = result.outputs.slice(1 + carried.length).map((o) => ({ dtype: o?.dtype, shape: o?.shape && [trips.dim, ...o.shape] }));
    rememberSubgraphCost(ctx, repeatedCost(result.cost, trips.times, notes));
    return [...finals, ...scans];
  },
  cost: (ctx) => recallSubgraphCost(ctx),
};

function sameShape(a: Shape | undefined, b: Shape | undefined): boolean {
  if (!a || !b) return a === b;
  return a.length === b.length && a.every((d, i) => d.equals(b[i]));
}

function insertDim(shape: Shape, axis: number, dim: Expr): Shape {
  return [...shape.slice(0, axis), dim, ...shape.slice(axis)];
}

/** Scan-8: inputs and outputs carry a leading batch dim; scan inputs are [batch, sequence, ...]. */
const scanWithBatch: OpHandler = {
  opType: 'Scan',
  domain: '',
  sinceVersion: 8,
  untilVersion: 8,
  infer: (ctx) => {
    const body = requireGraph(ctx, 'body');
    const scanCount = ctx.attrs.int('num_scan_inputs');
    if (scanCount === undefined) throw new ShapeError('Scan needs num_scan_inputs');
    const rest = ctx.inputs.slice(1);
    const states = rest.slice(0, rest.length - scanCount);
    const scanned = rest.slice(rest.length - scanCount);
    const firstScan = scanned[0]?.shape;
    const batch = firstScan?.[0] ?? ctx.fresh('batch');
    const length = firstScan?.[1] ?? ctx.fresh('sequence');
    const bodyInputs: TensorInfo[] = [
      ...states.map((t, i) => ({ name: `state${i}`, dtype: t?.dtype, shape: t?.shape?.slice(1) })),
      ...scanned.map((t, i) => ({ name: `scan${i}`, dtype: t?.dtype, shape: t?.shape?.slice(2) })),
    ];
    const result = ctx.inferSubgraph(body, bodyInputs, 'body');
    const notes = firstScan ? [] : ['sequence length unknown: body counted once'];
    rememberSubgraphCost(ctx, repeatedCost(result.cost, firstScan ? batch.mul(length) : ONE_EXPR, notes));
    return result.outputs.map((o, i) => {
      if (i < states.length) return mergeInfos(asOutput(states[i]), { dtype: o?.dtype, shape: o?.shape && [batch, ...o.shape] }, ctx.fresh);
      return { dtype: o?.dtype, shape: o?.shape && [batch, length, ...o.shape] };
    });
  },
  cost: (ctx) => recallSubgraphCost(ctx),
};

/** Scan-9+: no batch dim; each scan input and output has its own axis. */
const scan: OpHandler = {
  opType: 'Scan',
  domain: '',
  sinceVersion: 9,
  infer: (ctx) => {
    const body = requireGraph(ctx, 'body');
    const scanCount = ctx.attrs.int('num_scan_inputs');
    if (scanCount === undefined) throw new ShapeError('Scan needs num_scan_inputs');
    const states = ctx.inputs.slice(0, ctx.inputs.length - scanCount);
    const scanned = ctx.inputs.slice(ctx.inputs.length - scanCount);
    const inputAxes = ctx.attrs.ints('scan_input_axes') ?? scanned.map(() => 0);
    const slices = scanned.map((t, i) => {
      if (!t?.shape) return { shape: undefined, length: undefined };
      const axis = normalizeAxis(inputAxes[i] ?? 0, t.shape.length, 'scan_input_axes');
      return { shape: t.shape.filter((_, k) => k !== axis), length: t.shape[axis] };
    });
    const length = slices.find((s) => s.length)?.length;
    const dim = length ?? ctx.fresh('sequence');
    const bodyInputs: TensorInfo[] = [
      ...states.map((t, i) => ({ name: `state${i}`, kind: t?.kind, dtype: t?.dtype, shape: t?.shape })),
      ...scanned.map((t, i) => ({ name: `scan${i}`, dtype: t?.dtype, shape: slices[i].shape })),
    ];
    const result = ctx.inferSubgraph(body, bodyInputs, 'body');
    const notes = length ? [] : ['sequence length unknown: body counted once'];
    rememberSubgraphCost(ctx, repeatedCost(result.cost, length ?? ONE_EXPR, notes));
    const outputAxes = ctx.attrs.ints('scan_output_axes') ?? [];
    return result.outputs.map((o, i) => {
      if (i < states.length) return mergeInfos(asOutput(states[i]), asOutput(o), ctx.fresh);
      if (!o?.shape) return { dtype: o?.dtype, shape: undefined };
      const axis = normalizeAxis(outputAxes[i - states.length] ?? 0, o.shape.length + 1, 'scan_output_axes');
      return { dtype: o.dtype, shape: insertDim(o.shape, axis, dim) };
    });
  },
  cost: (ctx) => recallSubgraphCost(ctx),
};

export const controlFlowOps: readonly OpHandler[] = [ifOp, loop, scanWithBatch, scan];
