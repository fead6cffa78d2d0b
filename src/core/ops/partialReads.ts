/**
 * Bytes read by an op that touches only part of some inputs: Gather reads the rows it selects, a rotary
 * embedding the cos/sin rows of its positions. Every other input is read whole. Weight inputs count as
 * weight bytes, the rest as activation bytes, as the engine counts them for ops that read everything.
 */
import { elementsBytes, tensorBytes } from '../analysis/graphInference';
import { Expr, ZERO_EXPR } from '../shapes/expr';
import type { NodeContext, OpCost } from './opHandler';

export function partialReads(ctx: NodeContext, partial: ReadonlyMap<number, Expr>): Required<Pick<OpCost, 'weightBytesRead' | 'activationBytesRead'>> {
  let weight = ZERO_EXPR;
  let activation = ZERO_EXPR;
  ctx.inputs.forEach((t, i) => {
    if (!t) return;
    const bytes = partial.get(i) ?? tensorBytes(t) ?? ZERO_EXPR;
    if (t.isWeight) weight = weight.add(bytes);
    else activation = activation.add(bytes);
  });
  return { weightBytesRead: weight, activationBytesRead: activation };
}

/**
 * The rows of 2-D position tables ([positions, width]: rotary cos/sin caches) that `rows` tokens read: one
 * row each, never more than the table holds. Inputs that are absent or not 2-D are left out (read whole).
 */
export function tableRowReads(ctx: NodeContext, tableInputs: readonly number[], rows: Expr): Map<number, Expr> {
  const reads = new Map<number, Expr>();
  for (const i of tableInputs) {
    const table = ctx.inputs[i];
    if (!table?.shape || table.shape.length !== 2 || table.dtype === undefined) continue;
    const [positions, width] = table.shape;
    reads.set(i, elementsBytes(table.dtype, rows.min(positions).mul(width)));
  }
  return reads;
}
