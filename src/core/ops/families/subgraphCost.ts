/**
 * Cost of nodes that run subgraphs (If, Loop, Scan, SequenceMap). The engine walks a subgraph when
 * the handler's infer() calls ctx.inferSubgraph, so the subgraph's cost is known there; it is kept
 * here and read back by the handler's cost(), which gets the same context object.
 *
 * The subgraph's nodes appear in the profile under the parent's graphPath, but totals count only
 * the parent, whose cost is the subgraph's cost times the number of times it runs. The subgraph's
 * reads (weights and activations alike: SubgraphCost does not split them) are reported as the
 * parent's activation reads.
 */
import { Expr, ZERO_EXPR } from '../../shapes/expr';
import { type NodeContext, type OpCost, type SubgraphCost, UnknownShapeError } from '../opHandler';

const costByNode = new WeakMap<NodeContext, OpCost>();

/** Keeps the cost computed while inferring, for the handler's cost(). */
export function rememberSubgraphCost(ctx: NodeContext, cost: OpCost): void {
  costByNode.set(ctx, cost);
}

/** The cost kept by infer(); unknown when infer() could not walk the subgraph. */
export function recallSubgraphCost(ctx: NodeContext): OpCost {
  const cost = costByNode.get(ctx);
  if (!cost) throw new UnknownShapeError('the subgraph was not inferred');
  return cost;
}

/** A subgraph's cost run `times` times, with notes saying what is approximate. */
export function repeatedCost(sub: SubgraphCost, times: Expr, notes: readonly string[] = []): OpCost {
  const uncovered = sub.uncoveredNodes > 0 ? [`${sub.uncoveredNodes} node(s) inside the subgraph have unknown cost: this total is a lower bound`] : [];
  return {
    flops: sub.flops.mul(times),
    macs: sub.macs.mul(times),
    weightBytesRead: ZERO_EXPR,
    activationBytesRead: sub.bytesRead.mul(times),
    bytesWritten: sub.bytesWritten.mul(times),
    notes: [...notes, ...uncovered],
  };
}
