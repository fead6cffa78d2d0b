/**
 * Feed-forward units in a profiled graph: a weighted MatMul/Gemm ("down") whose data input is computed
 * element-wise (an activation, a SwiGLU gate product, bias adds) from one or more weighted MatMul/Gemm
 * ("up", "gate") that all read the same tensor. That covers plain FFNs (MatMul → Relu/Gelu → MatMul) and
 * gated ones (MatMul → SiLU, × MatMul → MatMul), however the activation is decomposed.
 */
import { countToNumber, type NodeReport } from '../report/reportTypes';
import { type GraphIndex, isWeightedMac } from './graphIndex';

/** Element-wise ops an FFN's activation may be written with. */
const ACTIVATION_PATH_OPS: ReadonlySet<string> = new Set([
  'Mul', 'Div', 'Add', 'Sub', 'Pow', 'Sigmoid', 'Relu', 'Gelu', 'Erf', 'Tanh', 'Softplus', 'FastGelu', 'QuickGelu',
  'BiasGelu', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Clip', 'Elu', 'Selu', 'Mish', 'Cast', 'Identity',
]);
const NONLINEAR_OPS: ReadonlySet<string> = new Set([
  'Sigmoid', 'Relu', 'Gelu', 'Erf', 'Tanh', 'Softplus', 'FastGelu', 'QuickGelu', 'BiasGelu', 'HardSigmoid', 'HardSwish',
  'LeakyRelu', 'Clip', 'Elu', 'Selu', 'Mish',
]);
const LINEAR_OPS: ReadonlySet<string> = new Set(['MatMul', 'Gemm', 'FusedMatMul']);
const MAX_ACTIVATION_NODES = 24;

export interface FfnUnit {
  /** The projections that read the unit's input (one for plain FFNs, two for gated ones). */
  readonly ups: readonly NodeReport[];
  readonly activation: readonly NodeReport[];
  readonly down: NodeReport;
  /** The tensor the ups read, traced up through transparent ops. */
  readonly input: string;
  /** Every node of the unit: ups, activation, down. */
  readonly nodes: readonly NodeReport[];
  readonly params: number;
  readonly flops: number;
}

export function findFfnUnits(index: GraphIndex): FfnUnit[] {
  const units: FfnUnit[] = [];
  for (const down of index.nodes) {
    if (!LINEAR_OPS.has(down.opType) || !isWeightedMac(down, index)) continue;
    const unit = unitEndingAt(down, index);
    if (unit) units.push(unit);
  }
  return units;
}

function unitEndingAt(down: NodeReport, index: GraphIndex): FfnUnit | undefined {
  const start = index.dataInputs(down)[0];
  if (start === undefined) return undefined;
  const ups = new Map<number, NodeReport>();
  const activation = new Map<number, NodeReport>();
  const pending = [start];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const tensor = pending.pop()!;
    if (seen.has(tensor)) continue;
    seen.add(tensor);
    const p = index.producer(tensor);
    if (!p) return undefined; // a graph input inside the activation: not an FFN
    if (LINEAR_OPS.has(p.opType) && isWeightedMac(p, index)) {
      ups.set(p.index, p);
      continue;
    }
    if (!ACTIVATION_PATH_OPS.has(p.opType) || activation.size >= MAX_ACTIVATION_NODES) return undefined;
    activation.set(p.index, p);
    pending.push(...index.dataInputs(p));
  }
  if (ups.size === 0 || ![...activation.values()].some((n) => NONLINEAR_OPS.has(n.opType))) return undefined;
  const upList = [...ups.values()];
  const inputs = new Set(upList.map((u) => index.throughTransparentUp(index.dataInputs(u)[0] ?? '')));
  if (inputs.size !== 1) return undefined; // projections of different tensors: a residual path, not one FFN
  const nodes = [...upList, ...activation.values(), down].sort((a, b) => a.index - b.index);
  return {
    ups: upList,
    activation: [...activation.values()],
    down,
    input: [...inputs][0],
    nodes,
    params: nodes.reduce((s, n) => s + countToNumber(n.params), 0),
    flops: nodes.reduce((s, n) => s + countToNumber(n.flops), 0),
  };
}

/** FLOPs per routed row of a unit: each node's FLOPs over its output rows (unbound dims as 1, as the report counts). */
export function flopsPerToken(nodes: readonly NodeReport[], index: GraphIndex): number {
  let total = 0;
  for (const n of nodes) {
    const rows = index.rows(n);
    total += countToNumber(n.flops) / (rows && rows > 0 ? rows : 1);
  }
  return total;
}
