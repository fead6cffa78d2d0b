/**
 * The MoE serving model: which routed experts one call's tokens touch, what those experts cost to read and
 * to run, and how much of an expert layer the busiest chip carries when the experts are spread over chips.
 * docs/estimator.md, "Mixture-of-experts serving".
 *
 * Routing. A token picks k of a layer's E experts; expert i is among a token's k with probability q_i
 * (Σ q_i = k). Tokens route independently, so over the T tokens of a call expert i is touched with
 * probability P_i = 1 − (1 − q_i)^T, and the expected number of distinct experts touched is Σ P_i — under
 * uniform routing (q_i = k/E) E · (1 − (1 − k/E)^T): k at T = 1, all E once T·k ≫ E. `skew` s ≥ 0 makes
 * expert popularity a Zipf law, q_i ∝ (i + 1)^−s (capped at 1, the excess spread over the others), which
 * touches fewer distinct experts for the same T; s = 0 is the uniform routing the models are trained toward.
 *
 * What a call reads and runs, per routed-expert node:
 *  - a fused MoE/QMoE node reads the experts it touches: its stored expert weights × Σ P_i / E;
 *  - a sparse (top-k) export's expert i runs T · q_i rows (the report counts its data-dependent rows as 1)
 *    and reads its weights with probability P_i;
 *  - a dense-dispatch export runs every expert on every token as written; the fused execution model runs it
 *    as a top-k dispatch would (rule `moe-dispatch`): expert i's nodes and its gate on T · q_i rows, its
 *    weights read with probability P_i. Executed as exported it stays as written.
 * Pure: works on the report alone.
 */
import { detectMoe, FUSED_MOE_OPS, type MoeLayer } from '../analysis/moe';
import { GraphIndex } from '../analysis/graphIndex';
import { countToNumber, type NodeReport, type ProfileReport, type TensorSummary } from '../report/reportTypes';
import type { ExecutedNode } from './executionPlan';
import type { ExecutionMode } from './executionRules';
import { DEFAULT_MOE_SKEW } from './layouts';

export { DEFAULT_MOE_SKEW, MAX_MOE_SKEW } from './layouts';

/**
 * Per expert (most popular first), the probability that a token routes to it: a Zipf law of exponent `skew`
 * scaled so that the probabilities sum to `topK`, each at most 1 (a token picks an expert at most once).
 */
export function expertInclusion(experts: number, topK: number, skew: number = DEFAULT_MOE_SKEW): number[] {
  const e = Math.max(1, Math.floor(experts));
  const k = Math.min(e, Math.max(0, topK));
  const weights = Array.from({ length: e }, (_, i) => Math.pow(i + 1, -Math.max(0, skew)));
  const q = new Array<number>(e).fill(0);
  // Water-filling: the most popular experts saturate at 1, the rest share what is left in proportion.
  let capped = 0;
  for (;;) {
    const rest = weights.slice(capped).reduce((a, b) => a + b, 0);
    const scale = rest > 0 ? (k - capped) / rest : 0;
    if (capped < e && weights[capped] * scale > 1) {
      q[capped] = 1;
      capped++;
      continue;
    }
    for (let i = capped; i < e; i++) q[i] = weights[i] * scale;
    return q;
  }
}

/** Probability that each expert is touched by at least one of `tokens` tokens. */
export function touchedProbabilities(inclusion: readonly number[], tokens: number): number[] {
  const t = Math.max(0, tokens);
  return inclusion.map((q) => 1 - Math.pow(1 - Math.min(1, q), t));
}

/** Expected distinct experts that `tokens` tokens touch: E · (1 − (1 − k/E)^T) under uniform routing. */
export function expectedExpertsTouched(experts: number, topK: number, tokens: number, skew: number = DEFAULT_MOE_SKEW): number {
  return touchedProbabilities(expertInclusion(experts, topK, skew), tokens).reduce((a, b) => a + b, 0);
}

/**
 * Expected number of touched experts on the busiest of `chips` chips, experts striped over them (expert i on
 * chip i mod chips), each expert touched independently with its probability: E[max over chips] from each
 * chip's Poisson-binomial distribution. At T = 1 and k spread over many chips this is about 1, not k / chips:
 * a step waits for its slowest chip.
 */
export function busiestChipExpertsTouched(touched: readonly number[], chips: number): number {
  const n = Math.max(1, Math.floor(chips));
  const perChip: number[][] = Array.from({ length: Math.min(n, touched.length) }, () => []);
  touched.forEach((p, i) => perChip[i % n]?.push(p));
  // Cumulative distribution of touched experts per chip.
  const cdfs = perChip.map((ps) => {
    let dist = [1];
    for (const p of ps) {
      const next = new Array<number>(dist.length + 1).fill(0);
      dist.forEach((v, x) => {
        next[x] += v * (1 - p);
        next[x + 1] += v * p;
      });
      dist = next;
    }
    let acc = 0;
    return dist.map((v) => (acc += v));
  });
  const most = Math.max(0, ...perChip.map((ps) => ps.length));
  let expected = 0;
  for (let x = 1; x <= most; x++) {
    const allBelow = cdfs.reduce((prod, cdf) => prod * (cdf[Math.min(x - 1, cdf.length - 1)] ?? 1), 1);
    expected += 1 - allBelow;
  }
  return expected;
}

/** The routing of one MoE layer for one call under a skew. */
export interface LayerRouting {
  /** Tokens the layer routes per call (batch × sequence). */
  readonly tokens: number;
  /** Per expert the graph holds: probability that a token routes to it. */
  readonly inclusion: readonly number[];
  /** Per expert the graph holds: probability that the call touches it. */
  readonly touched: readonly number[];
  /** Expected distinct experts the call touches (of those the graph holds). */
  readonly expertsTouched: number;
}

/** One MoE layer as the serving model sees it: the detected layer and the nodes that run its routed experts. */
export interface ServedMoeLayer {
  readonly layer: MoeLayer;
  /** Width of one routed token's activation (the layer's input), elements; undefined when unknown. */
  readonly hidden: number | undefined;
  /** Dtype of that activation in the graph. */
  readonly activationDtype: string;
  /** Routed-expert nodes → the expert they belong to (undefined: a fused node holding all of them). */
  readonly expertOf: ReadonlyMap<number, number | undefined>;
  /** Dense-dispatch gate Mul nodes → their expert. */
  readonly gateOf: ReadonlyMap<number, number>;
  /** Expert weight bytes the graph stores for this layer (all experts it holds, as stored). */
  readonly storedExpertBytes: number;
}

/** The MoE layers of a report with their routed-expert nodes; built once per report object. */
export class MoeServing {
  readonly layers: readonly ServedMoeLayer[];
  /** Routed-expert node (fused node, expert unit node or dense gate) → its layer. */
  private readonly layerOfNode = new Map<number, ServedMoeLayer>();
  private readonly routings = new Map<string, LayerRouting>();

  constructor(
    private readonly index: GraphIndex,
    layers: readonly MoeLayer[],
  ) {
    this.layers = layers.map((l) => this.serve(l));
    for (const s of this.layers) for (const i of [...s.expertOf.keys(), ...s.gateOf.keys()]) this.layerOfNode.set(i, s);
  }

  private serve(layer: MoeLayer): ServedMoeLayer {
    const expertOf = new Map<number, number | undefined>();
    const gateOf = new Map<number, number>();
    let input: string | undefined;
    if (layer.kind === 'fused') {
      const node = this.index.node(layer.routerNodes[layer.routerNodes.length - 1]);
      if (node) {
        expertOf.set(node.index, undefined);
        input = node.inputs[0];
      }
    } else {
      layer.expertUnits.forEach((u, e) => {
        for (const i of u.nodes) expertOf.set(i, e);
        if (u.gateNode !== undefined && layer.kind === 'dense') gateOf.set(u.gateNode, e);
      });
      const router = layer.routerMac !== undefined ? this.index.node(layer.routerMac) : undefined;
      input = router ? this.index.dataInputs(router)[0] : undefined;
    }
    const tensor = input ? this.index.tensor(input) : undefined;
    const last = tensor?.shape?.[tensor.shape.length - 1];
    const storedExpertBytes = [...expertOf.keys()].reduce((s, i) => s + countToNumber(this.index.node(i)?.weightBytes ?? 0), 0);
    return {
      layer,
      hidden: typeof last === 'number' ? last : undefined,
      activationDtype: tensor?.dtype ?? 'float',
      expertOf,
      gateOf,
      storedExpertBytes,
    };
  }

  /** The MoE layer whose routed experts a node runs (or gates), if any. */
  layerOf(nodeIndex: number): ServedMoeLayer | undefined {
    return this.layerOfNode.get(nodeIndex);
  }

  /** The routing of a layer for one call of this report, under `skew`. */
  routing(s: ServedMoeLayer, skew: number = DEFAULT_MOE_SKEW): LayerRouting {
    const key = `${this.layers.indexOf(s)}:${skew}`;
    let r = this.routings.get(key);
    if (!r) {
      const { experts, expertsHeld, topK } = s.layer;
      const tokens = s.layer.tokens ?? 1;
      const all = expertInclusion(experts, topK, skew);
      // A shard (ShardedMoE) holds `expertsHeld` of the experts: the average ones, as far as routing goes.
      const inclusion = expertsHeld === experts ? all : Array.from({ length: expertsHeld }, () => topK / experts);
      const touched = touchedProbabilities(inclusion, tokens);
      r = { tokens, inclusion, touched, expertsTouched: touched.reduce((a, b) => a + b, 0) };
      this.routings.set(key, r);
    }
    return r;
  }

  /**
   * A routed-expert node as one call runs it: the weights of the experts it touches (at their stored width:
   * the estimator applies the run precision to `params`), its rows under top-k dispatch, and for a dense
   * export run fused the `moe-dispatch` rule. Other nodes are returned unchanged.
   */
  serveNode(n: NodeReport, x: ExecutedNode, mode: ExecutionMode, skew: number = DEFAULT_MOE_SKEW): ExecutedNode {
    const s = this.layerOf(n.index);
    if (!s || x.runs === 'folded' || n.status !== 'costed') return x;
    const r = this.routing(s, skew);
    if (s.layer.kind === 'fused') return this.fusedNode(n, x, s, r);
    const gate = s.gateOf.get(n.index);
    const expert = gate ?? s.expertOf.get(n.index);
    if (expert === undefined) return x;
    if (s.layer.kind === 'dense' && mode !== 'fused') return x; // as exported: every expert on every token
    const rows = this.index.rows(n);
    const rowsFactor = (r.tokens * (r.inclusion[expert] ?? 0)) / (rows && rows > 0 ? rows : 1);
    const weightFactor = gate !== undefined ? 1 : (r.touched[expert] ?? 0);
    const served: ExecutedNode = {
      ...x,
      flops: (x.flops ?? countToNumber(n.flops)) * rowsFactor,
      activationBytes: x.activationBytes * rowsFactor,
      weightBytes: x.weightBytes * weightFactor,
      params: x.params * weightFactor,
    };
    if (s.layer.kind !== 'dense') return served;
    const saved = x.activationBytes + x.weightBytes - served.activationBytes - served.weightBytes;
    return { ...served, rules: [...x.rules, 'moe-dispatch'], bytesSaved: x.bytesSaved + saved };
  }

  /**
   * A fused MoE/QMoE/ShardedMoE node: it reads the experts its tokens touch (its stored weights hold all the
   * experts it has, so `weightBytes` and `params` are scaled to the expected touched share), and moves its
   * input, router scores and output, counted from their shapes (the report's bytes read hold the cost rule's
   * upper bound on experts read, min(E, T·k), which the expected share replaces), and what passes between its
   * kernels: the cost rule's bytes written beyond the output (moe.ts), written once and read once.
   */
  private fusedNode(n: NodeReport, x: ExecutedNode, s: ServedMoeLayer, r: LayerRouting): ExecutedNode {
    const held = Math.max(1, s.layer.expertsHeld);
    const share = Math.min(1, r.expertsTouched / held);
    const bytesOf = (tensors: readonly (TensorSummary | undefined)[]) => tensors.reduce((sum, t) => sum + (t ? (this.index.bytes(t) ?? 0) : 0), 0);
    const inputs = [...new Set(n.inputs.filter((i) => i !== '' && !this.index.isInitializer(i)))].map((i) => this.index.tensor(i));
    const outputBytes = bytesOf(n.outputs);
    const between = Math.max(0, countToNumber(n.bytesWritten) - outputBytes);
    return { ...x, activationBytes: bytesOf(inputs) + outputBytes + 2 * between, weightBytes: x.weightBytes * share, params: x.params * share };
  }
}

const servingCache = new WeakMap<ProfileReport, MoeServing | null>();

/** The MoE serving view of a report; undefined for a model without routed experts. Cached per report object. */
export function moeServing(report: ProfileReport): MoeServing | undefined {
  let s = servingCache.get(report);
  if (s === undefined) {
    s = null;
    const mayHold = report.moe !== undefined || report.nodes.some((n) => n.graphPath === '' && (FUSED_MOE_OPS.has(n.opType) || n.opType === 'TopK' || n.opType === 'ArgMax'));
    if (mayHold) {
      const index = GraphIndex.of(report);
      const layers = detectMoe(report, index).layers;
      if (layers.length > 0) s = new MoeServing(index, layers);
    }
    servingCache.set(report, s);
  }
  return s ?? undefined;
}
