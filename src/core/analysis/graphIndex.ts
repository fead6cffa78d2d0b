/**
 * A dataflow index over a ProfileReport's main-graph nodes: who produces and who consumes each tensor,
 * which tensors are constant-like (initializers, Constant outputs, values computed only from shapes and
 * constants), and small walking helpers the pattern detectors share. Pure: works on the report alone.
 */
import { countToNumber, type NodeReport, type ProfileReport, type TensorSummary } from '../report/reportTypes';
import { dtypeBytesPerElement } from '../estimate/precision';
import { evalDim, evalDimUnboundAsOne } from '../estimate/tensorSize';

/** Ops that only move or relabel data: detectors look through them. */
export const TRANSPARENT_OPS: ReadonlySet<string> = new Set([
  'Reshape', 'Squeeze', 'Unsqueeze', 'Cast', 'Identity', 'Transpose', 'Flatten', 'Dropout', 'Expand',
]);

/** Ops whose output values depend on the data, so their output shapes or control flow are data-dependent. */
const SHAPE_SOURCE_OPS: ReadonlySet<string> = new Set(['Shape', 'Size']);


export class GraphIndex {
  readonly nodes: readonly NodeReport[];
  private readonly producerOf = new Map<string, NodeReport>();
  private readonly consumersOf = new Map<string, NodeReport[]>();
  private readonly tensorOf = new Map<string, TensorSummary>();
  private readonly byIndex = new Map<number, NodeReport>();
  private readonly graphInputs: ReadonlySet<string>;
  readonly graphOutputs: ReadonlySet<string>;
  private readonly constLike = new Set<string>();

  private static readonly built = new WeakMap<ProfileReport, GraphIndex>();

  /** The index of `report`, built once per report (reports are not changed after they are built). */
  static of(report: ProfileReport): GraphIndex {
    let index = GraphIndex.built.get(report);
    if (!index) GraphIndex.built.set(report, (index = new GraphIndex(report)));
    return index;
  }

  constructor(readonly report: ProfileReport) {
    this.nodes = report.nodes.filter((n) => n.graphPath === '');
    this.graphInputs = new Set(report.graphInputs.map((t) => t.name));
    this.graphOutputs = new Set(report.graphOutputs.map((t) => t.name));
    for (const t of report.graphInputs) this.tensorOf.set(t.name, t);
    for (const n of this.nodes) {
      this.byIndex.set(n.index, n);
      for (const o of n.outputs) {
        this.producerOf.set(o.name, n);
        this.tensorOf.set(o.name, o);
      }
      for (const i of n.inputs) {
        if (!i) continue;
        const list = this.consumersOf.get(i);
        if (list) list.push(n);
        else this.consumersOf.set(i, [n]);
      }
    }
    this.markConstLike();
  }

  /** Tensors fixed before the data arrives: initializers, Constant outputs, Shape results and what only they feed. */
  private markConstLike(): void {
    for (const n of this.nodes) {
      const inputs = n.inputs.filter((i) => i !== '');
      const fixed =
        SHAPE_SOURCE_OPS.has(n.opType) || n.opType === 'Constant' || inputs.every((i) => this.isConstLike(i));
      if (fixed) for (const o of n.outputs) this.constLike.add(o.name);
    }
  }

  node(index: number): NodeReport | undefined {
    return this.byIndex.get(index);
  }

  producer(tensor: string): NodeReport | undefined {
    return this.producerOf.get(tensor);
  }

  consumers(tensor: string): readonly NodeReport[] {
    return this.consumersOf.get(tensor) ?? [];
  }

  tensor(name: string): TensorSummary | undefined {
    return this.tensorOf.get(name);
  }

  /** Not produced by any node and not a graph input: an initializer (or a subgraph's outer value). */
  isInitializer(tensor: string): boolean {
    return tensor !== '' && !this.producerOf.has(tensor) && !this.graphInputs.has(tensor);
  }

  isConstLike(tensor: string): boolean {
    return this.isInitializer(tensor) || this.constLike.has(tensor);
  }

  /** The single consumer of a tensor that is not a graph output, or undefined. */
  soleConsumer(tensor: string): NodeReport | undefined {
    const list = this.consumers(tensor);
    return list.length === 1 && !this.graphOutputs.has(tensor) ? list[0] : undefined;
  }

  /** The inputs of a node that carry data (not constant-like). */
  dataInputs(n: NodeReport): string[] {
    return n.inputs.filter((i) => i !== '' && !this.isConstLike(i));
  }

  /** Follow a tensor upstream through transparent ops; returns the first tensor a non-transparent op produced. */
  throughTransparentUp(tensor: string): string {
    let current = tensor;
    for (let guard = 0; guard < 16; guard++) {
      const p = this.producer(current);
      if (!p || !TRANSPARENT_OPS.has(p.opType) || !p.inputs[0]) return current;
      current = p.inputs[0];
    }
    return current;
  }

  /** Element count of a tensor under the report's bindings, unbound symbols counted as 1 (as the report does). */
  elements(t: TensorSummary): number | undefined {
    if (t.shape === null) return undefined;
    let count = 1;
    for (const d of t.shape) {
      const v = evalDimUnboundAsOne(d, this.report.bindings);
      if (v === undefined) return undefined;
      count *= v;
    }
    return count;
  }

  /** Bytes of a tensor under the report's bindings (elements × dtype width), unbound symbols as 1. */
  bytes(t: TensorSummary): number | undefined {
    const elements = this.elements(t);
    return elements === undefined ? undefined : elements * dtypeBytesPerElement(t.dtype);
  }

  /** Rows of a node's first output (all dims but the last), unbound symbols as 1. */
  rows(n: NodeReport): number | undefined {
    const out = n.outputs[0];
    if (!out || out.shape === null || out.shape.length === 0) return undefined;
    return this.elements({ ...out, shape: out.shape.slice(0, -1) });
  }

  /** The last dim of a node's output, when static or bound. */
  lastDim(n: NodeReport, output = 0): number | undefined {
    const shape = n.outputs[output]?.shape;
    if (!shape || shape.length === 0) return undefined;
    return evalDim(shape[shape.length - 1], this.report.bindings);
  }
}

/** A MAC op that carries weights: a layer (Conv, MatMul/Gemm with an initializer operand, fused MoE...). */
export function isWeightedMac(n: NodeReport, index: GraphIndex): boolean {
  if (countToNumber(n.macs) <= 0) return false;
  if (countToNumber(n.params) > 0) return true;
  // QDQ graphs: the weight arrives through a DequantizeLinear of an initializer.
  return n.inputs.some((i) => {
    const p = i ? index.producer(i) : undefined;
    return p?.opType === 'DequantizeLinear' && p.inputs[0] !== undefined && index.isInitializer(p.inputs[0]);
  });
}
