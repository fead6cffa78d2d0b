/**
 * Mixture-of-experts layers in foreign graphs.
 *
 *  - Fused: com.microsoft MoE / QMoE / SparseMoE nodes (top-k and expert count from the node's cost note
 *    or its router input).
 *  - Decomposed, as exporters write them: a router (a weighted MatMul/Gemm, then Softmax/Sigmoid and TopK in
 *    either order, or ArgMax) whose outputs gate N parallel FFN units (ffn.ts). A unit is an expert of the
 *    router when its input is gathered with router-derived indices (sparse dispatch: NonZero/Where → Gather →
 *    FFN → Scatter/index_add) or when its output is multiplied by a router-derived weight (dense dispatch:
 *    every expert computes every token, then is masked/weighted and summed).
 *  - Shared experts: FFN units on the router's own input that no router output gates.
 *
 * "Router-derived" tensors are computed from the router's TopK/Softmax outputs and constants only (no data
 * tensor enters), so a later layer's FFN, which reads data, is never mistaken for a gated expert.
 */
import { countToNumber, type NodeReport, type ProfileReport } from '../report/reportTypes';
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
  /** Router nodes (MatMul, Softmax, TopK) or the fused node. */
  readonly routerNodes: readonly number[];
  readonly name: string;
  readonly experts: number;
  readonly topK: number;
  /** Rows routed per call (tokens); undefined when unknown. */
  readonly tokens: number | undefined;
  /** Expert FFNs found in the graph (empty for fused layers: the experts are inside the node). */
  readonly expertUnits: readonly MoeExpert[];
  readonly paramsPerExpert: number;
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
  /** Model FLOPs per call as exported (sparse experts at their expected tokens × k). */
  readonly graphFlops: number;
  /** Model FLOPs per call if every MoE layer dispatched sparsely to its top-k experts. */
  readonly sparseFlops: number;
}

const FUSED_MOE_OPS: ReadonlySet<string> = new Set(['MoE', 'QMoE', 'SparseMoE', 'MoE4Bits']);
const NORMALISERS: ReadonlySet<string> = new Set(['Softmax', 'Sigmoid', 'LogSoftmax']);
const GATHER_OPS: ReadonlySet<string> = new Set(['Gather', 'GatherND', 'GatherElements', 'Compress']);
const MAX_ROUTER_EXPERTS = 1024;
const TOP_K_NOTE = /top-(\d+) of (\d+) experts/;

interface Router {
  readonly id: number;
  readonly mac: NodeReport;
  readonly nodes: readonly NodeReport[];
  readonly experts: number;
  readonly topK: number;
  /** The router MAC's data input, traced up through transparent ops. */
  readonly input: string;
}

export function detectMoe(report: ProfileReport, index = new GraphIndex(report)): MoeSummary {
  const units = findFfnUnits(index);
  const layers: MoeLayer[] = [...fusedLayers(index, units), ...decomposedLayers(index, units)];
  const totalParams = countToNumber(report.totals.params);
  let inactive = 0;
  let graphFlops = countToNumber(report.totals.flops);
  let sparseFlops = graphFlops;
  for (const l of layers) {
    inactive += Math.max(0, l.experts - l.topK) * l.paramsPerExpert;
    graphFlops += l.expertFlopsAsExported - l.expertFlopsReported;
    sparseFlops += l.expertFlopsSparse - l.expertFlopsReported;
  }
  return { layers, totalParams, activeParamsPerToken: totalParams - inactive, graphFlops, sparseFlops };
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
    const routerMac = n.inputs[1] ? routerMacAbove(n.inputs[1], index) : undefined;
    const input = index.throughTransparentUp(n.inputs[0] ?? '');
    const flops = countToNumber(n.flops);
    layers.push({
      kind: 'fused',
      routerNodes: [...(routerMac ? [routerMac.index] : []), n.index],
      name: n.name,
      experts,
      topK,
      tokens: index.rows(n),
      expertUnits: [],
      paramsPerExpert: countToNumber(n.params) / experts,
      routerParams: routerMac ? countToNumber(routerMac.params) : 0,
      sharedExperts: sharedUnits(units, input, new Set(), index),
      expertFlopsAsExported: flops,
      expertFlopsSparse: flops,
      expertFlopsReported: flops,
    });
  }
  return layers;
}

/** The weighted MAC that computes router logits above a probabilities tensor (through Softmax and reshapes). */
function routerMacAbove(tensor: string, index: GraphIndex): NodeReport | undefined {
  let current = tensor;
  for (let step = 0; step < 6; step++) {
    const p = index.producer(current);
    if (!p) return undefined;
    if (isWeightedMac(p, index)) return p;
    if (!NORMALISERS.has(p.opType) && !TRANSPARENT_OPS.has(p.opType)) return undefined;
    current = p.inputs[0] ?? '';
  }
  return undefined;
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
    for (let step = 0; step < 6 && !mac; step++) {
      const p = index.producer(current);
      if (!p) break;
      if (isWeightedMac(p, index)) mac = p;
      else if (NORMALISERS.has(p.opType) || TRANSPARENT_OPS.has(p.opType)) {
        normalised ||= NORMALISERS.has(p.opType);
        chain.push(p);
        current = p.inputs[0] ?? '';
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
    const perToken = mine.reduce((s, g) => s + flopsPerToken(g.unit.nodes, index), 0) / mine.length;
    const reported = mine.reduce((s, g) => s + g.unit.flops, 0);
    const expertFlopsSparse = (tokens ?? 1) * r.topK * perToken;
    layers.push({
      kind: sparse ? 'sparse' : 'dense',
      routerNodes: r.nodes.map((n) => n.index),
      name: r.mac.scope || r.mac.name,
      experts: r.experts,
      topK: r.topK,
      tokens,
      expertUnits: mine.map((g) => ({
        nodes: g.unit.nodes.map((n) => n.index),
        params: g.unit.params,
        ...(g.gateNode !== undefined ? { gateNode: g.gateNode } : {}),
      })),
      paramsPerExpert: mine.reduce((s, g) => s + g.unit.params, 0) / mine.length,
      routerParams: countToNumber(r.mac.params),
      sharedExperts: sharedUnits(units, r.input, expertNodes, index),
      expertFlopsAsExported: sparse ? expertFlopsSparse : reported,
      expertFlopsSparse,
      expertFlopsReported: reported,
    });
  }
  return layers;
}

/** FFN units on the router's input that are not experts of any router. */
function sharedUnits(units: readonly FfnUnit[], routerInput: string, expertNodes: ReadonlySet<number>, index: GraphIndex): MoeExpert[] {
  return units
    .filter((u) => u.input === routerInput && !expertNodes.has(u.down.index))
    .filter((u) => !FUSED_MOE_OPS.has(index.node(u.down.index)?.opType ?? ''))
    .map((u) => ({ nodes: u.nodes.map((n) => n.index), params: u.params }));
}
