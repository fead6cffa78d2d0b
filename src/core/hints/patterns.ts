/**
 * Graph patterns a runtime or a re-export would handle better:
 *  - fusion.conv-bn: Conv whose only consumer is BatchNormalization (fold BN into the conv weights);
 *  - fusion.layernorm: ReduceMean → Sub → Pow → ReduceMean → Add → Sqrt → Div (→ Mul → Add), and the RMSNorm
 *    form Pow → ReduceMean → Add → Sqrt → Div/Reciprocal·Mul, that one LayerNormalization kernel replaces;
 *  - fusion.gelu: Div → Erf → Add → Mul → Mul, or the tanh form (Pow/Mul → Add → Mul → Tanh → Add → Mul → Mul);
 *  - fusion.attention: MatMul(Q, Kᵀ) → (Div|Mul) → (Add mask) → Softmax → MatMul(·, V) that a fused
 *    (flash) attention kernel replaces: the score matrix never reaches memory;
 *  - cast.redundant: Cast to the type it already has, and Cast → Cast round trips back to the first type;
 *  - sparsity.2-4: large weighted MatMul/Conv layers, candidates for 2:4 structured sparsity;
 *  - static-graph.dynamic-shape: NonZero, Loop, Unique, NonMaxSuppression, data-dependent Reshape...
 *  - portability.tensorrt-plugin: TensorRT plugin nodes (EfficientNMS_TRT...), which only TensorRT runs;
 * Each finding carries the node indices; the hint builder prices it with a what-if change.
 */
import { countToNumber, type NodeReport } from '../report/reportTypes';
import { type GraphIndex, isWeightedMac, TRANSPARENT_OPS } from '../analysis/graphIndex';

export interface PatternMatch {
  /** Main-graph node indices, in graph order. */
  readonly nodes: readonly number[];
  readonly label: string;
}

const sorted = (nodes: readonly NodeReport[]) => [...new Set(nodes.map((n) => n.index))].sort((a, b) => a - b);

/** The single consumer of a node's first output that has one of `ops`. */
function next(n: NodeReport | undefined, index: GraphIndex, ops: ReadonlySet<string> | string): NodeReport | undefined {
  const out = n?.outputs[0]?.name;
  if (!out) return undefined;
  const c = index.soleConsumer(out);
  const match = typeof ops === 'string' ? c?.opType === ops : c !== undefined && ops.has(c.opType);
  return match ? c : undefined;
}

/** All consumers of a node's first output with the given op. */
function consumersWithOp(n: NodeReport, index: GraphIndex, op: string): NodeReport[] {
  const out = n.outputs[0]?.name;
  return out ? index.consumers(out).filter((c) => c.opType === op) : [];
}

function producerOf(tensor: string | undefined, index: GraphIndex): NodeReport | undefined {
  return tensor ? index.producer(tensor) : undefined;
}

// ---------------------------------------------------------------------------------------------------

export function findConvBn(index: GraphIndex): PatternMatch[] {
  const matches: PatternMatch[] = [];
  for (const n of index.nodes) {
    if (n.opType !== 'Conv' && n.opType !== 'ConvTranspose') continue;
    const bn = next(n, index, 'BatchNormalization');
    if (bn) matches.push({ nodes: [n.index, bn.index], label: `${n.name} + ${bn.name}` });
  }
  return matches;
}

export function findDecomposedLayerNorms(index: GraphIndex): PatternMatch[] {
  const matches: PatternMatch[] = [];
  for (const mean of index.nodes) {
    if (mean.opType !== 'ReduceMean') continue;
    const x = mean.inputs[0];
    // LayerNorm: x − mean(x) feeds both the variance and the division.
    const sub = consumersWithOp(mean, index, 'Sub').find((s) => s.inputs[0] === x);
    if (sub) {
      const tail = varianceTail(sub, index);
      if (tail) matches.push({ nodes: sorted([mean, sub, ...tail]), label: `LayerNorm at ${mean.name}` });
      continue;
    }
    // RMSNorm: mean(x²) → + eps → sqrt → x / (or × 1/) it.
    const square = producerOf(x, index);
    if (square && (square.opType === 'Pow' || (square.opType === 'Mul' && square.inputs[0] === square.inputs[1]))) {
      const tail = rootTail(mean, square.inputs[0], index);
      if (tail) matches.push({ nodes: sorted([square, mean, ...tail]), label: `RMSNorm at ${mean.name}` });
    }
  }
  return matches;
}

/** Sub → Pow → ReduceMean → Add → Sqrt → Div(sub, ·) [→ Mul → Add]. */
function varianceTail(sub: NodeReport, index: GraphIndex): NodeReport[] | undefined {
  const out = sub.outputs[0]?.name;
  if (!out) return undefined;
  const isSquare = (c: NodeReport) => c.opType === 'Pow' || (c.opType === 'Mul' && c.inputs[0] === c.inputs[1]);
  const consumers = index.consumers(out);
  // Exporters sometimes put a Cast (to the same or a wider type) before the square.
  const cast = consumers.find((c) => c.opType === 'Cast');
  const castSquare = cast ? next(cast, index, new Set(['Pow', 'Mul'])) : undefined;
  const pow = consumers.find(isSquare) ?? (castSquare && isSquare(castSquare) ? castSquare : undefined);
  const variance = next(pow, index, 'ReduceMean');
  if (!pow || !variance) return undefined;
  const tail = rootTail(variance, out, index);
  return tail ? [...(pow === castSquare && cast ? [cast] : []), pow, variance, ...tail] : undefined;
}

/** ReduceMean → Add(eps) → Sqrt → Div(numerator, ·) or Reciprocal → Mul, then the optional affine Mul → Add. */
function rootTail(reduce: NodeReport, numerator: string | undefined, index: GraphIndex): NodeReport[] | undefined {
  const eps = next(reduce, index, 'Add');
  const sqrt = next(eps, index, 'Sqrt');
  if (!eps || !sqrt) return undefined;
  const sqrtOut = sqrt.outputs[0]?.name;
  let scaled: NodeReport | undefined;
  const nodes = [eps, sqrt];
  const div = sqrtOut ? index.consumers(sqrtOut).find((c) => c.opType === 'Div' && c.inputs[0] === numerator) : undefined;
  if (div) scaled = div;
  else {
    const reciprocal = next(sqrt, index, 'Reciprocal');
    const mul = reciprocal ? consumersWithOp(reciprocal, index, 'Mul').find((m) => m.inputs.includes(numerator ?? '')) : undefined;
    if (!reciprocal || !mul) return undefined;
    nodes.push(reciprocal);
    scaled = mul;
  }
  nodes.push(scaled);
  const gamma = next(scaled, index, 'Mul');
  if (gamma && gamma.inputs.some((i) => index.isConstLike(i))) {
    nodes.push(gamma);
    const beta = next(gamma, index, 'Add');
    if (beta && beta.inputs.some((i) => index.isConstLike(i))) nodes.push(beta);
  }
  return nodes;
}

const GELU_CORE_UP: ReadonlySet<string> = new Set(['Div', 'Mul', 'Add', 'Pow']);
const GELU_TAIL: ReadonlySet<string> = new Set(['Add', 'Mul']);

export function findDecomposedGelus(index: GraphIndex): PatternMatch[] {
  const matches: PatternMatch[] = [];
  for (const core of index.nodes) {
    if (core.opType !== 'Erf' && core.opType !== 'Tanh') continue;
    // Upstream: the element-wise prelude back to the input x (x/√2, or √(2/π)(x + 0.044715x³)).
    const prelude: NodeReport[] = [];
    const roots = new Set<string>();
    const pending = [core.inputs[0]];
    while (pending.length > 0 && prelude.length <= 6) {
      const tensor = pending.pop();
      if (!tensor) continue;
      const p = index.producer(tensor);
      if (!p || !GELU_CORE_UP.has(p.opType) || index.consumers(tensor).length !== 1) {
        roots.add(tensor);
        continue;
      }
      prelude.push(p);
      for (const i of index.dataInputs(p)) pending.push(i);
    }
    if (roots.size !== 1 || prelude.length === 0) continue;
    const x = [...roots][0];
    // Downstream: + 1, then the products with x and 0.5, in any order.
    const tail: NodeReport[] = [];
    let current: NodeReport = core;
    let usesX = false;
    for (let step = 0; step < 3; step++) {
      const n = next(current, index, GELU_TAIL);
      if (!n) break;
      tail.push(n);
      usesX ||= n.inputs.includes(x) || n.inputs.some((i) => halfOf(i, x, index) !== undefined);
      current = n;
    }
    const half = tail.flatMap((t) => t.inputs.map((i) => halfOf(i, x, index))).filter((h): h is NodeReport => h !== undefined);
    if (tail.length < 2 || !usesX) continue;
    matches.push({ nodes: sorted([...prelude, core, ...tail, ...half]), label: `${core.opType === 'Erf' ? 'GELU (erf)' : 'GELU (tanh)'} at ${core.name}` });
  }
  return matches;
}

/** The Mul(x, 0.5) that produced `tensor`, when it reads x. */
function halfOf(tensor: string, x: string, index: GraphIndex): NodeReport | undefined {
  const p = index.producer(tensor);
  return p?.opType === 'Mul' && p.inputs.includes(x) && p.inputs.some((i) => index.isConstLike(i)) ? p : undefined;
}

const SCALE_OPS: ReadonlySet<string> = new Set(['Div', 'Mul', 'Add', 'Where', 'Cast']);

export function findDecomposedAttention(index: GraphIndex): PatternMatch[] {
  const matches: PatternMatch[] = [];
  for (const softmax of index.nodes) {
    if (softmax.opType !== 'Softmax') continue;
    const between: NodeReport[] = [];
    let current = softmax.inputs[0];
    let scores: NodeReport | undefined;
    for (let step = 0; step < 4 && current; step++) {
      const p = index.producer(current);
      if (!p) break;
      if (isActivationMatMul(p, index)) {
        scores = p;
        break;
      }
      if (!SCALE_OPS.has(p.opType) && !TRANSPARENT_OPS.has(p.opType)) break;
      between.push(p);
      current = index.dataInputs(p).find((i) => index.producer(i) !== undefined) ?? p.inputs[0];
    }
    if (!scores) continue;
    let out: NodeReport | undefined = softmax;
    const after: NodeReport[] = [];
    for (let step = 0; step < 3 && out; step++) {
      const c: NodeReport | undefined = next(out, index, new Set(['MatMul', 'Cast', 'Dropout', 'Identity']));
      if (!c) {
        out = undefined;
        break;
      }
      if (c.opType === 'MatMul') {
        if (!isActivationMatMul(c, index)) out = undefined;
        else after.push(c);
        break;
      }
      after.push(c);
      out = c;
    }
    const context = after[after.length - 1];
    if (!out || context?.opType !== 'MatMul') continue;
    matches.push({ nodes: sorted([scores, ...between, softmax, ...after]), label: `attention at ${softmax.name}` });
  }
  return matches;
}

/** A MatMul of two activations (no weights): attention scores or context. */
function isActivationMatMul(n: NodeReport, index: GraphIndex): boolean {
  return n.opType === 'MatMul' && countToNumber(n.macs) > 0 && !isWeightedMac(n, index);
}

// ---------------------------------------------------------------------------------------------------

export function findRedundantCasts(index: GraphIndex): PatternMatch[] {
  const matches: PatternMatch[] = [];
  const used = new Set<number>();
  for (const cast of index.nodes) {
    if (cast.opType !== 'Cast' || used.has(cast.index)) continue;
    const input = cast.inputs[0] ? (index.tensor(cast.inputs[0])?.dtype ?? undefined) : undefined;
    const output = cast.outputs[0]?.dtype;
    if (!input || input === 'unknown' || !output) continue;
    if (input === output) {
      used.add(cast.index);
      matches.push({ nodes: [cast.index], label: `${cast.name}: Cast to ${output}, which it already is` });
      continue;
    }
    const back = next(cast, index, 'Cast');
    if (back && back.outputs[0]?.dtype === input) {
      used.add(cast.index).add(back.index);
      matches.push({ nodes: [cast.index, back.index], label: `${cast.name} → ${back.name}: ${input} → ${output} → ${input}` });
    }
  }
  return matches;
}

/** Weighted MatMul/Gemm/Conv layers with at least `minParams` weights: 2:4 sparsity candidates. */
export function findSparsityCandidates(index: GraphIndex, minParams: number): PatternMatch[] {
  return index.nodes
    .filter((n) => ['MatMul', 'Gemm', 'Conv'].includes(n.opType) && isWeightedMac(n, index) && countToNumber(n.params) >= minParams)
    .map((n) => ({ nodes: [n.index], label: `${n.name}: ${countToNumber(n.params)} weights` }));
}

const DATA_DEPENDENT_OPS: ReadonlySet<string> = new Set([
  'NonZero', 'Loop', 'Unique', 'NonMaxSuppression', 'Compress', 'If', 'Scan', 'StringSplit', 'RandomNormalLike',
]);
const SHAPE_INPUT: Readonly<Record<string, number>> = { Reshape: 1, Expand: 1, ConstantOfShape: 0, Tile: 1, Slice: 1, Range: 1, TopK: 1, Resize: 3, OneHot: 1 };

/** Ops whose output shapes depend on tensor VALUES (not only on input shapes). */
/** TensorRT plugin nodes: TensorRT's parser maps a `*_TRT` op type (any domain) or a `trt.plugins` node to a plugin. */
export function findTensorRtPlugins(index: GraphIndex): PatternMatch[] {
  return index.nodes.filter((n) => n.opType.endsWith('_TRT') || n.domain === 'trt.plugins').map((n) => ({ nodes: [n.index], label: `${n.name} (${n.opType})` }));
}

export function findDynamicShapes(index: GraphIndex): PatternMatch[] {
  const matches: PatternMatch[] = [];
  for (const n of index.nodes) {
    if (DATA_DEPENDENT_OPS.has(n.opType)) {
      matches.push({ nodes: [n.index], label: `${n.name} (${n.opType})` });
      continue;
    }
    const shapeInput = SHAPE_INPUT[n.opType];
    const tensor = shapeInput === undefined ? undefined : n.inputs[shapeInput];
    if (tensor && !index.isConstLike(tensor)) matches.push({ nodes: [n.index], label: `${n.name} (${n.opType} with a computed ${n.opType === 'TopK' ? 'k' : 'shape'})` });
  }
  return matches;
}
