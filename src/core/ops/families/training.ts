/**
 * Optimizer steps of the ai.onnx.preview.training domain: Adagrad, Adam and Momentum. Each updates n
 * tensors at once: inputs R (learning rate), T (step), then the n tensors X, their gradients G and their
 * accumulators; outputs the new X and the new accumulators, each the shape of the tensor it replaces.
 *
 * Cost convention (docs/cost-conventions.md), FLOPs per updated element, as the spec's reference
 * formulas write them (transcendentals per FLOPS_PER_ELEMENT: Sqrt 4):
 *  - Adagrad: decayed rate (per tensor, not counted), gradient + norm penalty 2, accumulate the squared
 *    gradient 2, Sqrt + epsilon + divide 6, step 2 → 12;
 *  - Adam: gradient + penalty 2, the two moments 3 + 3, bias corrections (per tensor), Sqrt + epsilon +
 *    divide 6, step 2, and the post-update penalty 2 → 18;
 *  - Momentum: gradient + penalty 2, the velocity 3, step 2 (Nesterov adds 2) → 7 or 9.
 * Gradient (the autodiff op) has no rule: its outputs' shapes are those of tensors named in attributes.
 */
import { numel } from '../../shapes/shapeOps';
import type { InferredOutput } from '../../shapes/tensorInfo';
import { type NodeContext, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';
import { ZERO_EXPR } from '../../shapes/expr';

const DOMAIN = 'ai.onnx.preview.training';

interface OptimizerRule {
  readonly opType: string;
  /** Groups of n inputs after R and T: X, G, then the accumulators (each output once per group after X). */
  readonly inputGroups: number;
  /** FLOPs per element of X. */
  readonly flopsPerElement: (ctx: NodeContext) => number;
}

/** n, the number of tensors updated: (inputs − 2) / groups. */
function tensorCount(ctx: NodeContext, rule: OptimizerRule): number {
  const n = (ctx.inputs.length - 2) / rule.inputGroups;
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`${rule.opType} expects 2 + ${rule.inputGroups}·n inputs, got ${ctx.inputs.length}`);
  return n;
}

/** Outputs: new X (group 0), then new accumulators (groups 2…): each has the shape of its input. */
function optimizerOutputs(ctx: NodeContext, rule: OptimizerRule): InferredOutput[] {
  const n = tensorCount(ctx, rule);
  const outputs: InferredOutput[] = [];
  for (const group of [0, ...Array.from({ length: rule.inputGroups - 2 }, (_, i) => i + 2)]) {
    for (let i = 0; i < n; i++) {
      const source = ctx.inputs[2 + group * n + i];
      outputs.push({ dtype: source?.dtype, shape: source?.shape });
    }
  }
  return outputs;
}

function optimizer(rule: OptimizerRule): OpHandler {
  return {
    opType: rule.opType,
    domain: DOMAIN,
    sinceVersion: 1,
    infer: (ctx) => optimizerOutputs(ctx, rule),
    cost: (ctx) => {
      const n = tensorCount(ctx, rule);
      let elements = ZERO_EXPR;
      for (let i = 0; i < n; i++) {
        const x = ctx.inputs[2 + i];
        if (!x?.shape) throw new UnknownShapeError(`the shape of X${i + 1} is unknown`);
        elements = elements.add(numel(x.shape));
      }
      return { flops: elements.mul(rule.flopsPerElement(ctx)) };
    },
  };
}

export const trainingOps: readonly OpHandler[] = [
  optimizer({ opType: 'Adagrad', inputGroups: 3, flopsPerElement: () => 12 }),
  optimizer({ opType: 'Adam', inputGroups: 4, flopsPerElement: () => 18 }),
  optimizer({ opType: 'Momentum', inputGroups: 3, flopsPerElement: (ctx) => (ctx.attrs.string('mode', 'standard') === 'nesterov' ? 9 : 7) }),
];
