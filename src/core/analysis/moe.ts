/**
 * Mixture-of-experts layers in a profiled graph, and the report's `moe` section.
 *
 *  - Fused: ONNX Runtime's com.microsoft MoE, QMoE and ShardedMoE nodes. Experts and top-k come from the
 *    node's cost note (`top-K of E experts`), else from the router_probs input's last dim.
 *  - Decomposed, as exporters write them: a router (a weighted MatMul/Gemm, then Softmax/Sigmoid and TopK in
 *    either order, or ArgMax) whose outputs gate N parallel FFN units (ffn.ts). A unit is an expert of the
 *    router when its input is gathered with router-derived indices (sparse dispatch: NonZero/Where → Gather →
 *    FFN → Scatter/index_add) or when its output is multiplied by a router-derived weight (dense dispatch:
 *    every expert computes every token, then is masked/weighted and summed).
 *  - Shared experts: FFN units on the router's own input that no router output gates (DeepSeek, Qwen-MoE).
 *    A dense FFN of another layer (DeepSeek's first layers) reads another tensor, so it is not one.
 *
 * "Router-derived" tensors are computed from the router's TopK/Softmax outputs and constants only (no data
 * tensor enters), so a later layer's FFN, which reads data, is never mistaken for a gated expert.
 * Pure: works on the report alone; the report builder attaches `moeSection` and the hints use `detectMoe`.
 */
import { bigCount, countToNumber, type MoeLayerReport, type MoeReport, type NodeReport, type ProfileReport } from '../report/reportTypes';
import { findFfnUnits, flopsPerToken, type FfnUnit } from './ffn';
import { GraphIndex, isWeightedMac, TRANSPARENT_OPS } from './graphIndex';

export interface MoeExpert {
  readonly nodes: readonly number[];
  readonly params: number;
  /** The Mul that weights this expert's output with its gate, when there is one. */
  readonly gateNode?: number;
}

export interface MoeLayer {
  readonly kind: 'fused' | 'sparse' | 'dense';
  /** Router nodes (MatMul, Softmax, TopK) or, for fused layers, the router MatMul chain and the fused node last. */
  readonly routerNodes: readonly number[];
  /** The weighted MatMul/Gemm computing the router logits, when the graph has one. */
  readonly routerMac: number | undefined;
  readonly name: string;
  readonly experts: number;
  /** Experts whose weights the graph holds: all of them, or one rank's share (ShardedMoE). */
  readonly expertsHeld: number;
  readonly topK: number;
  /** Rows routed per call (tokens); undefined when unknown. */
  readonly tokens: number | undefined;
  /** Expert FFNs found in the graph (empty for fused layers: the experts are inside the node). */
  readonly expertUnits: readonly MoeExpert[];
  readonly paramsPerExpert: number;
  /** Weight bytes of one routed expert as stored (packed 4-bit experts: half a byte per value, plus scales). */
  readonly weightBytesPerExpert: number;
  readonly routerParams: number;
  readonly sharedExperts: readonly MoeExpert[];
  /** Expert FLOPs the graph executes per call as exported (dense: every expert on every token). */
  readonly expertFlopsAsExported: number;
  /** Expert FLOPs under sparse top-k dispatch: tokens × k × FLOPs per token of one expert. */
  readonly expertFlopsSparse: number;
  /** Expert FLOPs the report counted (sparse exports count data-dependent token counts as 1). */
  readonly expertFlopsReported: number;
}

export interface MoeSummary {
  readonly layers: readonly MoeLayer[];
  readonly totalParams: number;
  /** Parameters one token touches: all but the (E − k) unused experts of each layer. */
  readonly activeParamsPerToken: number;
}

/** ONNX Runtime's fused MoE operators (docs/ContribOperators.md; ShardedMoE in collective_defs.cc). */
export const FUSED_MOE_OPS: ReadonlySet<string> = new Set(['MoE', 'QMoE', 'ShardedMoE']);
const NORMALISERS: ReadonlySet<string> = new Set(['Softmax', 'Sigmoid', 'LogSoftmax']);
/** Element-wise ops a router may apply with a constant (DeepSeek's score-correction bias, a scaling factor). */
const ROUTER_AFFINE_OPS: ReadonlySet<string> = new Set(['Add', 'Sub', 'Mul', 'Div']);
const GATHER_OPS: ReadonlySet<string> = new Set(['Gather', 'GatherND', 'GatherElements', 'Compress']);
const MAX_ROUTER_EXPERTS = 1024;
const TOP_K_NOTE = /top-(\d+) of (\d+) experts(?: \((\d+) on this shard\))?/;
const ROUTER_CHAIN_STEPS = 6;

interface Router {
  readonly id: number;
  readonly mac: NodeReport;
  readonly nodes: readonly NodeReport[];
  readonly experts: number;
  readonly topK: number;
  /** The router MAC's data input, traced up through transparent ops. */
  readonly input: string;
}

/** True when the graph holds an op that can start an MoE layer; a cheap test before building the index. */
function mayHoldMoe(report: ProfileReport): boolean {
  return report.nodes.some((n) => n.graphPath === '' && (FUSED_MOE_OPS.has(n.opType) || n.opType === 'TopK' || n.opType === 'ArgMax'));
}

export function detectMoe(report: ProfileReport, index?: GraphIndex): MoeSummary {
  const totalParams = countToNumber(report.totals.params);
  if (!index && !mayHoldMoe(report)) return { layers: [], totalParams, activeParamsPerToken: totalParams };
  const graph = index ?? new GraphIndex(report);
  const units = findFfnUnits(graph);
  const layers: MoeLayer[] = [...fusedLayers(graph, units), ...decomposedLayers(graph, units)];
  const inactive = layers.reduce((s, l) => s + inactiveParams(l), 0);
  return { layers, totalParams, activeParamsPerToken: totalParams - inactive };
}

/**
 * Parameters of the experts a token does not use: E − k of them, or on a rank holding L of the E experts the
 * L · (E − k) / E it skips on average (uniform routing).
 */
function inactiveParams(l: MoeLayer): number {
  return (Math.max(0, l.experts - l.topK) * l.expertsHeld * l.paramsPerExpert) / l.experts;
}

// ---------------------------------------------------------------------------------------------------
// The report's section

/**
 * The report's `moe` section: per layer and model-wide experts, top-k, shared experts, total and active
 * parameters, and expert FLOPs as executed and under top-k dispatch. Undefined for a model without MoE.
 */
export function moeSection(report: ProfileReport): MoeReport | undefined {
  const summary = detectMoe(report);
  if (summary.layers.length === 0) return undefined;
  const layers = [...summary.layers].sort((a, b) => firstNode(a) - firstNode(b)).map(layerReport);
  const widest = summary.layers.reduce((a, b) => (b.experts > a.experts ? b : a));
  const sum = (pick: (l: MoeLayer) => number) => count(summary.layers.reduce((s, l) => s + pick(l), 0));
  return {
    layers,
    experts: widest.experts,
    topK: widest.topK,
    sharedExperts: Math.max(...summary.layers.map((l) => l.sharedExperts.length)),
    totalParams: count(summary.totalParams),
    activeParamsPerToken: count(summary.activeParamsPerToken),
    expertParams: sum((l) => l.expertsHeld * l.paramsPerExpert),
    expertFlopsExecuted: sum((l) => l.expertFlopsAsExported),
    expertFlopsSparse: sum((l) => l.expertFlopsSparse),
  };
}

function layerReport(l: MoeLayer): MoeLayerReport {
  const nodes = new Set<number>([...l.routerNodes, ...[...l.expertUnits, ...l.sharedExperts].flatMap((u) => [...u.nodes, ...(u.gateNode !== undefined ? [u.gateNode] : [])])]);
  return {
    name: l.name,
    nodes: [...nodes].sort((a, b) => a - b),
    kind: l.kind,
    experts: l.experts,
    ...(l.expertsHeld !== l.experts ? { expertsHeld: l.expertsHeld } : {}),
    topK: l.topK,
    sharedExperts: l.sharedExperts.length,
    paramsPerExpert: count(l.paramsPerExpert),
    weightBytesPerExpert: count(l.weightBytesPerExpert),
    sharedExpertParams: count(l.sharedExperts.reduce((s, u) => s + u.params, 0)),
    routerNode: l.routerMac ?? null,
    tokens: l.tokens ?? null,
    expertFlopsExecuted: count(l.expertFlopsAsExported),
    expertFlopsSparse: count(l.expertFlopsSparse),
  };
}

function firstNode(l: MoeLayer): number {
  return Math.min(...l.routerNodes, ...l.expertUnits.flatMap((u) => u.nodes));
}

/** A float tally (exact below 2^53) as a report count. */
function count(x: number): ReturnType<typeof bigCount> {
  return bigCount(BigInt(Math.max(0, Math.round(x))));
}

// ---------------------------------------------------------------------------------------------------
// Fused MoE nodes

function fusedLayers(index: GraphIndex, units: readonly FfnUnit[]): MoeLayer[] {
  const layers: MoeLayer[] = [];
  for (const n of index.nodes) {
    if (!FUSED_MOE_OPS.has(n.opType)) continue;
    const note = n.notes.map((s) => TOP_K_NOTE.exec(s)).find((m) => m !== null);
    const probs = n.inputs[1] ? index.tensor(n.inputs[1]) : undefined;
    const probsLast = probs?.shape?.[probs.shape.length - 1];
    const experts = note ? Number(note[2]) : typeof probsLast === 'number' ? probsLast : undefined;
    const topK = note ? Number(note[1]) : undefined;
    if (experts === undefined || topK === undefined) continue;
    // ShardedMoE holds only this rank's experts; its params are theirs.
    const held = note?.[3] !== undefined ? Number(note[3]) : experts;
    const routerChain = n.inputs[1] ? routerChainAbove(n.inputs[1], index) : [];
    const routerMac = routerChain.find((r) => isWeightedMac(r, index));
    const input = index.throughTransparentUp(n.inputs[0] ?? '');
    const flops = countToNumber(n.flops);
    layers.push({
      kind: 'fused',
      routerNodes: [...routerChain.map((r) => r.index), n.index],
      routerMac: routerMac?.index,
      name: n.scope || n.name,
      experts,
      expertsHeld: held,
      topK,
      tokens: index.rows(n),
      expertUnits: [],
      paramsPerExpert: countToNumber(n.params) / held,
      weightBytesPerExpert: countToNumber(n.weightBytes) / held,
      routerParams: routerChain.reduce((s, r) => s + countToNumber(r.params), 0),
      sharedExperts: sharedUnits(units, input, new Set(), index),
      expertFlopsAsExported: flops,
      expertFlopsSparse: flops,
      expertFlopsReported: flops,
    });
  }
  return layers;
}

/**
 * The router above a probabilities (or logits) tensor: the weighted MAC computing the logits and the ops
 * between it and the tensor (Softmax/Sigmoid, reshapes, a constant bias or scale). Empty when the chain
 * does not end in a weighted MAC (router probabilities fed as a graph input).
 */
function routerChainAbove(tensor: string, index: GraphIndex): NodeReport[] {
  const chain: NodeReport[] = [];
  let current = tensor;
  for (let step = 0; step < ROUTER_CHAIN_STEPS; step++) {
    const p = index.producer(current);
    if (!p) return [];
    chain.push(p);
    if (isWeightedMac(p, index)) return chain.reverse();
    if (!isRouterStep(p, index)) return [];
    current = index.dataInputs(p)[0];
  }
  return [];
}

/** An op between router logits and the scores it routes by: a normaliser, a reshape, a constant bias or scale. */
function isRouterStep(n: NodeReport, index: GraphIndex): boolean {
  const data = index.dataInputs(n);
  return data.length === 1 && (NORMALISERS.has(n.opType) || TRANSPARENT_OPS.has(n.opType) || ROUTER_AFFINE_OPS.has(n.opType));
}

// ---------------------------------------------------------------------------------------------------
// Decomposed routers and experts

function findRouters(index: GraphIndex): Router[] {
  const routers: Router[] = [];
  for (const n of index.nodes) {
    if (n.opType !== 'TopK' && n.opType !== 'ArgMax') continue;
    const chain: NodeReport[] = [n];
    let normalised = false;
    let current = n.inputs[0] ?? '';
    let mac: NodeReport | undefined;
    for (let step = 0; step < ROUTER_CHAIN_STEPS && !mac; step++) {
      const p = index.producer(current);
      if (!p) break;
      if (isWeightedMac(p, index)) mac = p;
      else if (isRouterStep(p, index)) {
        normalised ||= NORMALISERS.has(p.opType);
        chain.push(p);
        current = index.dataInputs(p)[0] ?? '';
      } else break;
    }
    if (!mac) continue;
    if (!normalised) normalised = n.outputs[0] !== undefined && index.consumers(n.outputs[0].name).some((c) => NORMALISERS.has(c.opType));
    const experts = index.lastDim(mac);
    const topK = n.opType === 'ArgMax' ? 1 : index.lastDim(n, 0);
    if (!normalised || experts === undefined || topK === undefined || experts > MAX_ROUTER_EXPERTS || topK > experts) continue;
    const input = index.throughTransparentUp(index.dataInputs(mac)[0] ?? '');
    routers.push({ id: routers.length, mac, nodes: [mac, ...chain.reverse()], experts, topK, input });
  }
  return routers;
}

/** Tensor → router id, for tensors computed from one router's outputs and constants only. */
function routerDerived(index: GraphIndex, routers: readonly Router[]): Map<string, number> {
  const tag = new Map<string, number>();
  const routerNodes = new Set<number>();
  for (const r of routers) {
    for (const n of r.nodes) {
      routerNodes.add(n.index);
      if (n !== r.mac) for (const o of n.outputs) tag.set(o.name, r.id);
    }
  }
  for (const n of index.nodes) {
    if (routerNodes.has(n.index) || countToNumber(n.macs) > 0) continue;
    const inputs = n.inputs.filter((i) => i !== '');
    const tagged = inputs.map((i) => tag.get(i)).filter((t): t is number => t !== undefined);
    if (tagged.length === 0) continue;
    if (!inputs.every((i) => tag.has(i) || index.isConstLike(i))) continue;
    for (const o of n.outputs) tag.set(o.name, tagged[0]);
  }
  return tag;
}

interface GatedUnit {
  readonly unit: FfnUnit;
  readonly router: number;
  readonly sparse: boolean;
  readonly gateNode?: number;
}

function gateOf(unit: FfnUnit, index: GraphIndex, tag: ReadonlyMap<string, number>): GatedUnit | undefined {
  // Sparse dispatch: the unit reads rows gathered with router-derived indices.
  const gatherer = index.producer(unit.input);
  const dispatchRouter = gatherer && GATHER_OPS.has(gatherer.opType) ? gatherer.inputs.slice(1).map((i) => tag.get(i)).find((t) => t !== undefined) : undefined;
  // Gate: the unit's output (through reshapes) multiplied by a router-derived weight.
  let gateNode: NodeReport | undefined;
  let gateRouter: number | undefined;
  let current = unit.down.outputs[0]?.name;
  for (let step = 0; step < 4 && current !== undefined && gateNode === undefined; step++) {
    const next: NodeReport | undefined = index.soleConsumer(current);
    if (!next) break;
    if (next.opType === 'Mul') {
      gateRouter = next.inputs.filter((i) => i !== current).map((i) => tag.get(i)).find((t) => t !== undefined);
      if (gateRouter !== undefined) gateNode = next;
      break;
    }
    if (!TRANSPARENT_OPS.has(next.opType) && next.opType !== 'Add') break; // Add: a bias after the down projection
    current = next.outputs[0]?.name;
  }
  const router = dispatchRouter ?? gateRouter;
  if (router === undefined) return undefined;
  return { unit, router, sparse: dispatchRouter !== undefined, ...(gateNode ? { gateNode: gateNode.index } : {}) };
}

function decomposedLayers(index: GraphIndex, units: readonly FfnUnit[]): MoeLayer[] {
  const routers = findRouters(index);
  if (routers.length === 0) return [];
  const tag = routerDerived(index, routers);
  const gated = units.map((u) => gateOf(u, index, tag)).filter((g): g is GatedUnit => g !== undefined);
  const expertNodes = new Set(gated.flatMap((g) => g.unit.nodes.map((n) => n.index)));
  const layers: MoeLayer[] = [];
  for (const r of routers) {
    const mine = gated.filter((g) => g.router === r.id);
    if (mine.length < 2) continue; // one gated FFN is not a mixture
    const sparse = mine.every((g) => g.sparse);
    const tokens = index.rows(r.mac);
    const mean = (pick: (g: GatedUnit) => number) => mine.reduce((s, g) => s + pick(g), 0) / mine.length;
    const perToken = mean((g) => flopsPerToken(g.unit.nodes, index));
    const reported = mine.reduce((s, g) => s + g.unit.flops, 0);
    const expertFlopsSparse = (tokens ?? 1) * r.topK * perToken;
    layers.push({
      kind: sparse ? 'sparse' : 'dense',
      routerNodes: r.nodes.map((n) => n.index),
      routerMac: r.mac.index,
      name: commonScope(r.mac.scope, mine[0].unit.down.scope) || r.mac.name,
      experts: r.experts,
      expertsHeld: r.experts,
      topK: r.topK,
      tokens,
      expertUnits: mine.map((g) => ({
        nodes: g.unit.nodes.map((n) => n.index),
        params: g.unit.params,
        ...(g.gateNode !== undefined ? { gateNode: g.gateNode } : {}),
      })),
      paramsPerExpert: mean((g) => g.unit.params),
      weightBytesPerExpert: mean((g) => g.unit.nodes.reduce((s, n) => s + countToNumber(n.weightBytes), 0)),
      routerParams: countToNumber(r.mac.params),
      sharedExperts: sharedUnits(units, r.input, expertNodes, index),
      expertFlopsAsExported: sparse ? expertFlopsSparse : reported,
      expertFlopsSparse,
      expertFlopsReported: reported,
    });
  }
  return layers;
}

/** The deepest module scope two node scopes share: `/model/layers.0/moe` for its `gate` and `experts.3`. */
function commonScope(a: string, b: string): string {
  const x = a.split('/');
  const y = b.split('/');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join('/');
}

/** FFN units on the router's input that are not experts of any router. */
function sharedUnits(units: readonly FfnUnit[], routerInput: string, expertNodes: ReadonlySet<number>, index: GraphIndex): MoeExpert[] {
  return units
    .filter((u) => u.input === routerInput && !expertNodes.has(u.down.index))
    .filter((u) => !FUSED_MOE_OPS.has(index.node(u.down.index)?.opType ?? ''))
    .map((u) => ({ nodes: u.nodes.map((n) => n.index), params: u.params }));
}
