import type { Expr } from '../shapes/expr';
import type { Graph, OnnxNode, TensorRef } from '../onnx/model';
import type { InferredOutput, KnownValue, TensorInfo } from '../shapes/tensorInfo';
import type { ConvGroups } from '../report/reportTypes';
import type { Attributes } from './attributes';

/** What the engine gives a handler for one node. */
export interface NodeContext {
  readonly node: OnnxNode;
  /** The opset version of the node's domain imported by the model (or function). */
  readonly opset: number;
  /** Index-aligned with node.inputs; undefined for an omitted optional input (''). */
  readonly inputs: readonly (TensorInfo | undefined)[];
  readonly attrs: Attributes;
  /** A fresh symbolic dim for a size only known at run time (NonZero's count, say). */
  fresh(hint: string): Expr;
  /** A diagnostic attached to this node; inference goes on. */
  warn(message: string): void;
  /** Infers a subgraph (If branch, Loop body) with the given inputs; outer-scope names resolve. */
  inferSubgraph(graph: Graph, inputs: readonly TensorInfo[], label: string): SubgraphResult;
  /** The contents of a small tensor attribute (Constant's value), or undefined when too large or absent. */
  readTensor(tensor: TensorRef): KnownValue | undefined;
}

export interface SubgraphResult {
  readonly outputs: readonly (TensorInfo | undefined)[];
  /** Summed cost of the subgraph's nodes, once. */
  readonly cost: SubgraphCost;
}

export interface SubgraphCost {
  readonly flops: Expr;
  readonly macs: Expr;
  readonly bytesRead: Expr;
  readonly bytesWritten: Expr;
  readonly uncoveredNodes: number;
}

/** A node's cost. Bytes default to the engine's count (all inputs read, all outputs written). */
export interface OpCost {
  readonly flops: Expr;
  /** Multiply-accumulates, for conv-, matmul- and attention-like ops; 1 MAC = 2 FLOPs of `flops`. */
  readonly macs?: Expr;
  /** Overrides for ops that touch less than their whole inputs (Gather reads rows of its table). */
  readonly weightBytesRead?: Expr;
  readonly activationBytesRead?: Expr;
  readonly bytesWritten?: Expr;
  /**
   * Index-aligned with the inputs: the number of values a weight input holds when it packs several
   * per stored element (MatMulNBits' B: N × K 4-bit values in uint8), or 0 for a weight that holds no
   * parameters (a scale, a rotary cos/sin table). Params count these; bytes stay stored bytes.
   */
  readonly logicalWeightElements?: readonly (Expr | undefined)[];
  /** Why the count is approximate (a data-dependent trip count, say). */
  readonly notes?: readonly string[];
  /** A convolution's per-group matrix product, for the estimator's matrix-instruction padding. */
  readonly convGroups?: ConvGroups;
}

export interface OpHandler {
  readonly opType: string;
  /** '' is the default ONNX domain. */
  readonly domain: string;
  /** First opset version this rule applies to. */
  readonly sinceVersion: number;
  /** Last opset version it applies to (inclusive); open-ended when absent. */
  readonly untilVersion?: number;
  /** Output types and shapes. May throw ShapeError when the inputs are inconsistent. */
  infer(ctx: NodeContext): InferredOutput[];
  /** Cost given the inferred outputs. */
  cost(ctx: NodeContext, outputs: readonly TensorInfo[]): OpCost;
}

/** Inputs that contradict the op's definition; the engine turns it into a diagnostic. */
export class ShapeError extends Error {
  override readonly name: string = 'ShapeError';
}

/**
 * An input whose shape or value is not known (an uncovered op upstream, a data-dependent size).
 * Not a fault of the model: outputs stay unknown, and a cost that needs the shape is marked unknown.
 */
export class UnknownShapeError extends Error {
  override readonly name = 'UnknownShapeError';
}

/** Defines the same rule for several op types (one family of elementwise ops, say). */
export function forEachOp(
  opTypes: readonly string[],
  rule: Omit<OpHandler, 'opType'>,
): OpHandler[] {
  return opTypes.map((opType) => ({ ...rule, opType }));
}

/** A rule of the default ONNX domain, for the opset range [sinceVersion, untilVersion]. */
export function onnxRule(opType: string, sinceVersion: number, infer: OpHandler['infer'], cost: OpHandler['cost'], untilVersion?: number): OpHandler {
  return { opType, domain: '', sinceVersion, untilVersion, infer, cost };
}
