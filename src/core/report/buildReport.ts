import type { GraphProfile, NodeProfile } from '../analysis/graphInference';
import { moeSection } from '../analysis/moe';
import { namedDims, staticTensorBytes, tensorBytes, UNKNOWN_DIM_PREFIX } from '../analysis/graphInference';
import { dataTypeName } from '../onnx/dataType';
import type { NameIds, OnnxModel } from '../onnx/model';
import { Expr, sum as sumExprs } from '../shapes/expr';
import type { TensorInfo } from '../shapes/tensorInfo';
import { ExactSum } from '../shapes/exactSum';
import { whyNoCostRule } from './opaqueOps';
import { shortName } from './units';
import {
  type BigCount,
  bigCount,
  type ModuleNode,
  type NodeReport,
  type OpTypeSummary,
  type ProfileReport,
  REPORT_SCHEMA_VERSION,
  type TensorSummary,
} from './reportTypes';

export const TOOL_NAME = 'onnx-hardware-profiler';
export const TOOL_VERSION = '0.1.0';

interface Evaluator {
  value(e: Expr): bigint;
  /** value(a.add(b)), without building the sum when both are constants (most nodes). */
  sum(a: Expr, b: Expr): bigint;
  readonly unbound: Set<string>;
}

/** Evaluates counts with unbound symbols as 1, remembering every symbol it met and every result. */
function makeEvaluator(): Evaluator {
  const unbound = new Set<string>();
  const ones = new Map<string, Expr>();
  const memo = new Map<string, Expr>(); // derived atoms under `ones`; valid while `ones` only grows
  const results = new Map<string, bigint>();
  const resultsByExpr = new Map<Expr, bigint>(); // equal expressions are mostly one (interned) object
  const evaluator: Evaluator = {
    unbound,
    sum(a: Expr, b: Expr): bigint {
      const x = a.constantValue;
      const y = b.constantValue;
      return x !== undefined && y !== undefined ? x + y : evaluator.value(a.add(b));
    },
    value(e: Expr): bigint {
      const c = e.constantValue;
      if (c !== undefined) return c;
      const known = resultsByExpr.get(e);
      if (known !== undefined) return known;
      const key = e.toString();
      const cached = results.get(key);
      if (cached !== undefined) {
        resultsByExpr.set(e, cached);
        return cached;
      }
      for (const s of e.symbols()) {
        unbound.add(s);
        if (!ones.has(s)) ones.set(s, Expr.constant(1));
      }
      const v = e.substitute(ones, memo).constantValue ?? 0n;
      const clamped = v < 0n ? 0n : v;
      results.set(key, clamped);
      resultsByExpr.set(e, clamped);
      return clamped;
    },
  };
  return evaluator;
}

/** Fresh symbols the engine makes for dims it cannot infer; users cannot bind them. The file's own names can be bound. */
function isInferenceUnknown(symbol: string, fileDims: ReadonlySet<string>): boolean {
  return symbol.startsWith(UNKNOWN_DIM_PREFIX) && !fileDims.has(symbol);
}

/** Nodes an unknown dim first appears at (up to three): where to look, since the nodes after only pass it on. */
const MAX_ORIGINS_NAMED = 3;
function unknownOrigins(nodes: readonly NodeReport[], unknown: readonly string[]): string {
  const pending = new Map(unknown.map((s) => [s, new RegExp(`\\b${s}\\b`)]));
  const origins: string[] = [];
  for (const n of nodes) {
    const dims = n.outputs.flatMap((o) => o.shape ?? []).filter((d): d is string => typeof d === 'string');
    const found = [...pending].filter(([, pattern]) => dims.some((d) => pattern.test(d)));
    if (found.length === 0) continue;
    for (const [s] of found) pending.delete(s);
    origins.push(`'${shortName(n.name)}' (${n.opType})`);
    if (origins.length === MAX_ORIGINS_NAMED || pending.size === 0) break;
  }
  if (origins.length === 0) return '';
  return `; ${unknown.length === 1 ? 'it first appears' : 'they first appear'} at ${origins.join(', ')}${pending.size ? ' and elsewhere' : ''}`;
}

/** Module scope of a node name as exporters write it: `/model/layers.3/mlp/MatMul` → `/model/layers.3/mlp`. */
export function scopeOf(nodeName: string): string {
  if (!nodeName.startsWith('/')) return '';
  const cut = nodeName.lastIndexOf('/');
  return cut <= 0 ? '' : nodeName.slice(0, cut);
}

/**
 * scopeOf for nodes in graph order, where neighbours mostly share a scope: the same string object is
 * returned while the scope stays the same, so grouping by scope compares strings by identity.
 */
function scopeReader(): (nodeName: string) => string {
  let last = '';
  return (name) => {
    const cut = name.startsWith('/') ? name.lastIndexOf('/') : -1;
    if (cut > 0 && cut === last.length && name.startsWith(last)) return last;
    return (last = scopeOf(name));
  };
}

/**
 * Turns a symbolic profile into the JSON report: counts evaluated (unbound dims as 1, and listed),
 * totals, per-op-type sums, the module tree and peak activation memory.
 */
export function buildReport(model: OnnxModel, profile: GraphProfile, bindings: ReadonlyMap<string, number>): ProfileReport {
  const ev = makeEvaluator();
  const scopes = scopeReader();
  const nodes = profile.nodes.map((n) => nodeReport(n, ev, scopes(n.name)));
  // Nodes of the main graph (all of them, and no copy, when the model has no subgraphs).
  const hasSubgraphNodes = profile.nodes.some((n) => n.graphPath !== '');
  const main = hasSubgraphNodes ? profile.nodes.filter((n) => n.graphPath === '') : profile.nodes;
  const sum = (pick: (n: NodeProfile) => Expr) => sumExprs(main.map(pick));
  const totalFlopsExpr = sum((n) => n.flops);
  const bytesRead: Expr[] = [];
  for (let i = 0; i < main.length; i++) bytesRead.push(main[i].activationBytesRead, main[i].weightBytesRead);

  let params = 0n;
  let weightBytes = 0n;
  const weightBytesByDtype: Record<string, bigint> = {};
  for (const w of profile.weights.values()) {
    const elements = ev.value(w.elements);
    const bytes = ev.value(w.bytes);
    params += elements;
    weightBytes += bytes;
    const key = dataTypeName(w.dtype);
    weightBytesByDtype[key] = (weightBytesByDtype[key] ?? 0n) + bytes;
  }

  // Coverage counts every node, those inside subgraphs too: an If whose branches hold uncovered ops is
  // not fully costed.
  const all = profile.nodes;
  let costed = 0;
  let withRule = 0;
  const uncoveredTypes = new Map<string, { opType: string; domain: string; count: number }>();
  // Index loops over the nodes: each runs once, much of it before the optimizing compiler takes over, and a
  // for-of allocates an iterator result per element until then.
  for (let i = 0; i < all.length; i++) {
    const n = all[i];
    if (n.isCostKnown) costed++;
    if (n.hasRule) {
      withRule++;
      continue;
    }
    const key = `${n.domain}::${n.opType}`;
    const entry = uncoveredTypes.get(key) ?? { opType: n.opType, domain: n.domain, count: 0 };
    entry.count++;
    uncoveredTypes.set(key, entry);
  }

  const mainReports = hasSubgraphNodes ? nodes.filter((n) => n.graphPath === '') : nodes;
  const report: ProfileReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    model: {
      path: model.path,
      fileBytes: model.fileBytes,
      irVersion: model.irVersion,
      producer: model.producerName,
      producerVersion: model.producerVersion,
      opsets: Object.fromEntries([...model.opsets].map(([d, v]) => [d === '' ? 'ai.onnx' : d, v])),
      metadata: Object.fromEntries(model.metadata),
    },
    bindings: Object.fromEntries(bindings),
    unboundSymbols: [],
    totals: {
      flops: bigCount(ev.value(totalFlopsExpr)),
      macs: bigCount(ev.value(sum((n) => n.macs))),
      params: bigCount(params),
      weightBytes: bigCount(weightBytes),
      weightBytesByDtype: Object.fromEntries(Object.entries(weightBytesByDtype).map(([k, v]) => [k, bigCount(v)])),
      bytesRead: bigCount(ev.value(sumExprs(bytesRead))),
      bytesWritten: bigCount(ev.value(sum((n) => n.bytesWritten))),
      peakActivationBytes: bigCount(peakActivationBytes(profile, ev)),
      ...(totalFlopsExpr.isConstant ? {} : { flopsExpression: totalFlopsExpr.toString() }),
    },
    coverage: {
      nodes: all.length,
      costedNodes: costed,
      unknownCostNodes: withRule - costed,
      uncoveredNodes: all.length - withRule,
      percent: all.length === 0 ? 100 : Math.round((costed / all.length) * 1000) / 10,
      uncoveredOpTypes: [...uncoveredTypes.values()].sort((a, b) => b.count - a.count || a.opType.localeCompare(b.opType)),
    },
    graphInputs: profile.graphInputs.map(tensorSummary),
    graphOutputs: profile.graphOutputs.map((t, i) => (t ? tensorSummary(t) : { name: model.graph.outputs[i].name, dtype: 'unknown', shape: null })),
    nodes,
    opTypes: opTypeSummaries(mainReports),
    modules: moduleTree(mainReports),
    diagnostics: [
      ...model.warnings.map((w) => ({ severity: w.severity ?? ('warning' as const), code: w.code, message: w.message })),
      ...[...uncoveredTypes.values()].map((u) => ({
        severity: 'warning' as const,
        code: 'uncovered-op',
        message: `no cost rule for ${u.domain ? `${u.domain}.` : ''}${u.opType} (${u.count} node${u.count === 1 ? '' : 's'}): ${withReason(whyNoCostRule(u.domain, u.opType))}its cost is unknown, not 0, and its outputs come from value_info where the file has it`,
      })),
      ...profile.diagnostics,
    ],
  };
  const symbols = [...ev.unbound].filter((s) => !s.includes('(') && !s.includes('#'));
  const fileDims = namedDims(model.graph);
  const unknownSymbols = symbols.filter((s) => isInferenceUnknown(s, fileDims));
  const unbound = symbols.filter((s) => !isInferenceUnknown(s, fileDims)).sort();
  const unknown = unknownSymbols.length;
  const notes = [
    ...(unbound.length ? [{ severity: 'info' as const, code: 'unbound-dims', message: `dims not bound, counted as 1 in totals: ${unbound.map((d) => shortName(d)).join(', ')} (bind with --bind name=value)` }] : []),
    ...(unknown ? [{ severity: 'info' as const, code: 'unknown-dims', message: `${unknown === 1 ? '1 dim' : `${unknown} dims`} could not be inferred (shown as unk__N) and ${unknown === 1 ? 'counts' : 'count'} as 1 in totals${unknownOrigins(nodes, unknownSymbols)}` }] : []),
  ];
  const noted = notes.length ? { ...report, unboundSymbols: unbound, diagnostics: [...notes, ...report.diagnostics] } : report;
  const moe = moeSection(noted);
  return moe ? { ...noted, moe } : noted;
}

function nodeReport(n: NodeProfile, ev: Evaluator, scope: string): NodeReport {
  const flopsValue = ev.value(n.flops);
  const read = ev.sum(n.activationBytesRead, n.weightBytesRead);
  const written = ev.value(n.bytesWritten);
  const moved = read + written;
  const { index, name, opType, domain, graphPath } = n;
  const status = !n.hasRule ? 'uncovered' : n.isCostKnown ? 'costed' : 'unknown-cost';
  const flops = bigCount(flopsValue);
  const macs = bigCount(ev.value(n.macs));
  const params = bigCount(ev.value(n.params));
  const weightBytes = bigCount(ev.value(n.weightBytes));
  const bytesRead = bigCount(read);
  const bytesWritten = bigCount(written);
  const arithmeticIntensity = moved === 0n ? null : Math.round((Number(flopsValue) / Number(moved)) * 1000) / 1000;
  const computeDtype = dataTypeName(n.computeDtype);
  const inputs = n.inputNames;
  const outputs = n.outputs.map(tensorSummary);
  const notes = n.notes;
  // Two literals rather than one with `...(symbolic ? { flopsExpression } : {})`: a spread in the middle of a
  // literal builds the object property by property, about 1 µs a node (0.1 s on 100,000 nodes).
  const report: NodeReport = n.flops.isConstant
    ? { index, name, opType, domain, graphPath, scope, status, flops, macs, params, weightBytes, bytesRead, bytesWritten, arithmeticIntensity, computeDtype, inputs, outputs, notes }
    : { index, name, opType, domain, graphPath, scope, status, flops, macs, flopsExpression: n.flops.toString(), params, weightBytes, bytesRead, bytesWritten, arithmeticIntensity, computeDtype, inputs, outputs, notes };
  return n.convGroups ? { ...report, convGroups: n.convGroups } : report;
}

export function tensorSummary(t: TensorInfo): TensorSummary {
  const dtype = t.kind && t.kind !== 'tensor' ? `${t.kind}(${dataTypeName(t.element?.dtype)})` : dataTypeName(t.dtype);
  return { name: t.name, dtype, shape: t.shape ? t.shape.map((d) => d.toJSON()) : null };
}

/** Running sums of the counts a group of nodes shares (an op type, a module). */
interface CostSums {
  count: number;
  readonly flops: ExactSum;
  readonly macs: ExactSum;
  readonly params: ExactSum;
  readonly read: ExactSum;
  readonly written: ExactSum;
}

function emptySums(): CostSums {
  return { count: 0, flops: new ExactSum(), macs: new ExactSum(), params: new ExactSum(), read: new ExactSum(), written: new ExactSum() };
}

function addSums(sums: CostSums, more: CostSums): void {
  sums.count += more.count;
  sums.flops.add(more.flops.current);
  sums.macs.add(more.macs.current);
  sums.params.add(more.params.current);
  sums.read.add(more.read.current);
  sums.written.add(more.written.current);
}

function addNode(sums: CostSums, n: NodeReport): void {
  sums.count++;
  sums.flops.add(countTerm(n.flops));
  sums.macs.add(countTerm(n.macs));
  sums.params.add(countTerm(n.params));
  sums.read.add(countTerm(n.bytesRead));
  sums.written.add(countTerm(n.bytesWritten));
}

/** A report count as a term of an ExactSum (numbers in a report are safe integers). */
function countTerm(c: BigCount): number | bigint {
  return typeof c === 'number' ? c : BigInt(c);
}

function sumsToCounts(s: CostSums) {
  return { flops: bigCount(s.flops.value), macs: bigCount(s.macs.value), params: bigCount(s.params.value), bytesRead: bigCount(s.read.value), bytesWritten: bigCount(s.written.value) };
}

function opTypeSummaries(nodes: readonly NodeReport[]): OpTypeSummary[] {
  type Group = { opType: string; domain: string; sums: CostSums };
  const groups: Group[] = []; // in order of first appearance (the sort below is stable)
  const byDomain = new Map<string, Map<string, Group>>();
  const total = emptySums();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    let byOpType = byDomain.get(n.domain);
    if (!byOpType) byDomain.set(n.domain, (byOpType = new Map()));
    let g = byOpType.get(n.opType);
    if (!g) {
      g = { opType: n.opType, domain: n.domain, sums: emptySums() };
      byOpType.set(n.opType, g);
      groups.push(g);
    }
    addNode(g.sums, n);
  }
  for (const g of groups) addSums(total, g.sums);
  const totalFlops = total.flops.value;
  // `current` is a number or a bigint; < and > compare the two exactly.
  return groups
    .sort((a, b) => (b.sums.flops.current > a.sums.flops.current ? 1 : b.sums.flops.current < a.sums.flops.current ? -1 : b.sums.count - a.sums.count))
    .map((g) => ({
      opType: g.opType,
      domain: g.domain,
      count: g.sums.count,
      ...sumsToCounts(g.sums),
      flopsShare: totalFlops === 0n ? 0 : Number((g.sums.flops.value * 1_000_000n) / totalFlops) / 1_000_000,
    }));
}

interface MutableModule {
  name: string;
  path: string;
  sums: CostSums;
  children: Map<string, MutableModule>;
}

/** The module tree from node-name scopes (`/model/layers.3/mlp/...`), full depth; front ends cut it. */
function moduleTree(nodes: readonly NodeReport[]): ModuleNode {
  // Nodes sum into their scope first, then each scope into its ancestors once. Scopes keep the order of
  // their first node, so children are created in the same order as walking node by node would.
  const byScope = new Map<string, CostSums>();
  let lastScope: string | undefined;
  let sums = emptySums();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.scope !== lastScope) {
      lastScope = n.scope;
      const known = byScope.get(n.scope);
      if (known) sums = known;
      else byScope.set(n.scope, (sums = emptySums()));
    }
    addNode(sums, n);
  }
  const root = newModule('', '');
  for (const [scope, sums] of byScope) {
    let m = root;
    addSums(m.sums, sums);
    for (const part of scope.split('/')) {
      if (part === '') continue;
      let child = m.children.get(part);
      if (!child) {
        child = newModule(part, `${m.path}/${part}`);
        m.children.set(part, child);
      }
      m = child;
      addSums(m.sums, sums);
    }
  }
  return freezeModule(root);
}

function newModule(name: string, path: string): MutableModule {
  return { name, path, sums: emptySums(), children: new Map() };
}

function freezeModule(m: MutableModule): ModuleNode {
  return {
    name: m.name,
    path: m.path,
    nodeCount: m.sums.count,
    ...sumsToCounts(m.sums),
    children: [...m.children.values()].map(freezeModule),
  };
}

/** Cuts a module tree at a depth (the root is depth 0). */
export function limitDepth(m: ModuleNode, depth: number): ModuleNode {
  return { ...m, children: depth <= 0 ? [] : m.children.map((c) => limitDepth(c, depth - 1)) };
}

/**
 * Peak bytes of activations alive at once, walking the main graph in topological order: a tensor is
 * allocated when produced and freed after its last consumer; graph inputs live from the start and
 * graph outputs to the end. Weights are not activations.
 */
function peakActivationBytes(profile: GraphProfile, ev: Evaluator): bigint {
  // Per value name (a slot: its name id when the model numbers names): the step of its last consumer (-1:
  // none), its size once allocated, whether the graph outputs it.
  const slotOf = nameSlots(profile.nameIds);
  const capacity = profile.nameIds?.count ?? 0; // dense arrays: slots above it only for names numbered here
  const lastUse = new Array<number>(capacity).fill(-1);
  const isGraphOutput = new Array<boolean>(capacity).fill(false);
  const order = profile.mainGraphOrder;
  // Each activation input's slot, in walking order, so that the second pass finds them again in order.
  const consumed: number[] = [];
  for (let step = 0; step < order.length; step++) {
    const n = profile.nodes[order[step]];
    for (let i = 0; i < n.inputs.length; i++) {
      const t = n.inputs[i];
      if (!t || t.isWeight) continue;
      const slot = slotOf(t.name, n.inputIds?.[i]);
      lastUse[slot] = step;
      consumed.push(slot);
    }
  }
  for (const t of profile.graphOutputs) if (t) isGraphOutput[slotOf(t.name, undefined)] = true;
  // Sizes are numbers while they are safe integers: an ExactSum adds them without a bigint per step.
  const sizes = new Array<number | bigint | undefined>(capacity).fill(undefined);
  const live = new ExactSum();
  const allocate = (t: TensorInfo, slot: number) => {
    if (t.isWeight || sizes[slot] !== undefined) return;
    const size = activationBytes(t, ev);
    sizes[slot] = size;
    live.add(size);
  };
  const free = (slot: number) => {
    const size = sizes[slot];
    if (size !== undefined) live.add(-size);
    sizes[slot] = 0;
  };
  for (const t of profile.graphInputs) allocate(t, slotOf(t.name, undefined));
  let peak = live.current;
  let next = 0;
  const produced: number[] = [];
  for (let step = 0; step < order.length; step++) {
    const n = profile.nodes[order[step]];
    produced.length = 0;
    for (let i = 0; i < n.outputs.length; i++) {
      const slot = slotOf(n.outputs[i].name, n.outputIds?.[i]);
      produced.push(slot);
      allocate(n.outputs[i], slot);
    }
    const now = live.current;
    if (now > peak) peak = now;
    for (let i = 0; i < n.inputs.length; i++) {
      const t = n.inputs[i];
      if (!t || t.isWeight) continue;
      const slot = consumed[next++];
      if (!isGraphOutput[slot] && lastUse[slot] === step) free(slot);
    }
    for (let i = 0; i < produced.length; i++) {
      const slot = produced[i];
      if ((lastUse[slot] ?? -1) < 0 && !isGraphOutput[slot]) free(slot);
    }
  }
  return BigInt(peak);
}

/** A tensor's bytes as the evaluator counts them (0 when unknown), as a number when it is a safe integer. */
function activationBytes(t: TensorInfo, ev: Evaluator): number | bigint {
  const fixed = staticTensorBytes(t);
  if (fixed !== undefined) return fixed;
  const b = tensorBytes(t);
  return b ? ev.value(b) : 0;
}

/**
 * Small integers for value names: the model's name ids when it numbers its names (no name is hashed), else
 * numbered here in order of first sight. Equal names get equal slots.
 */
function nameSlots(ids: NameIds | undefined): (name: string, id: number | undefined) => number {
  const others = new Map<string, number>();
  let next = ids?.count ?? 0;
  return (name, id) => {
    const known = id ?? ids?.idOf(name) ?? others.get(name);
    if (known !== undefined) return known;
    others.set(name, next);
    return next++;
  };
}

/** "<reason>; " before the standard wording, or nothing. */
function withReason(reason: string | undefined): string {
  return reason ? `${reason}; ` : '';
}
