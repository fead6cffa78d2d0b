import { bitsOf, bytesFor, DataType, isParameterType } from '../onnx/dataType';
import type { Graph, NameIds, OnnxFunction, OnnxModel, OnnxNode, StoredDim, TensorRef, ValueInfo, ValueType } from '../onnx/model';
import type { TensorValueReader } from '../onnx/tensorValues';
import { Attributes } from '../ops/attributes';
import { type NodeContext, type OpCost, type SubgraphCost, type SubgraphResult, UnknownShapeError } from '../ops/opHandler';
import type { OpRegistry } from '../ops/opRegistry';
import { ExactSum } from '../shapes/exactSum';
import type { ConvGroups } from '../report/reportTypes';
import { shortName } from '../report/units';
import { isDimName, parseDimParam } from '../shapes/dimParam';
import { Expr, product, ZERO_EXPR } from '../shapes/expr';
import type { InferredOutput, KnownValue, Shape, TensorInfo } from '../shapes/tensorInfo';

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: string;
  readonly message: string;
  readonly node?: string;
}

/** One node's result: its outputs and cost, with every count an exact expression. */
export interface NodeProfile {
  /** Position in the profile's node list (parents before their subgraph nodes). */
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** '' for the main graph; `If_3/then_branch` and so on for nodes of subgraphs. */
  readonly graphPath: string;
  readonly inputs: readonly (TensorInfo | undefined)[];
  /** The node's input names as written ('' for an omitted optional input), dangling ones included. */
  readonly inputNames: readonly string[];
  /** Ids of the input and output names (the model's nameIds), when the model has them. */
  readonly inputIds?: readonly number[];
  readonly outputIds?: readonly number[];
  readonly outputs: readonly TensorInfo[];
  /** False when no rule covers this op: its flops are then unknown, not 0. */
  readonly hasRule: boolean;
  /** False when the rule could not count it (input shapes unknown); flops are then unknown, not 0. */
  readonly isCostKnown: boolean;
  readonly flops: Expr;
  readonly macs: Expr;
  /** Elements of the weights this node is the first to use (each weight counted once). */
  readonly params: Expr;
  readonly weightBytes: Expr;
  /** Bytes of the weights it reads (shared weights count at each use). */
  readonly weightBytesRead: Expr;
  readonly activationBytesRead: Expr;
  readonly bytesWritten: Expr;
  /** Dominant dtype of its compute: the widest float among its inputs, or of its outputs. */
  readonly computeDtype: DataType | undefined;
  readonly notes: readonly string[];
  /** For control flow: the cost of nested graphs is already inside flops/macs/bytes. */
  readonly containsSubgraphs: boolean;
  /** The count of weight dims taken from the node's weight inputs, for hints. */
  readonly weightInputs: readonly string[];
  /** A convolution's per-group matrix product (OpCost.convGroups). */
  readonly convGroups?: ConvGroups;
}

export interface ProfileOptions {
  /** Symbolic dim values: `batch` → 1. */
  readonly bindings?: ReadonlyMap<string, number>;
  /** Known input tensors (used by the conformance harness and for shape-tensor inputs). */
  readonly inputValues?: ReadonlyMap<string, KnownValue>;
  /**
   * Whether an op with no rule may take its output types from the file's value_info (default true,
   * noted on the node). The conformance harness turns it off to measure inference alone.
   */
  readonly useStoredShapes?: boolean;
}

export interface GraphProfile {
  readonly nodes: readonly NodeProfile[];
  readonly values: ReadonlyMap<string, TensorInfo>;
  readonly graphInputs: readonly TensorInfo[];
  readonly graphOutputs: readonly (TensorInfo | undefined)[];
  readonly diagnostics: readonly Diagnostic[];
  /** Elements and bytes of every weight (initializers, sparse initializers, Constant outputs), each once. */
  readonly weights: ReadonlyMap<string, { elements: Expr; bytes: Expr; dtype: DataType | undefined }>;
  /** Topological order of main-graph node indices, for liveness. */
  readonly mainGraphOrder: readonly number[];
  /** The model's numbering of names, when it has one (see NodeProfile.inputIds). */
  readonly nameIds?: NameIds;
}

/** Symbols inference makes for dims it cannot know: `unk__3`. */
export const UNKNOWN_DIM_PREFIX = 'unk__';

const namedDimsOf = new WeakMap<Graph, ReadonlySet<string>>();

/**
 * The dims a graph's inputs, outputs and value infos name on their own: the names a user can bind. An exporter
 * may use the inference tools' own pattern for them (tf2onnx names a free dim `unk__314`).
 */
export function namedDims(graph: Graph): ReadonlySet<string> {
  // Once per graph: every report of a model reads it, and a large graph has 100,000 value infos.
  let names = namedDimsOf.get(graph);
  if (!names) {
    const named = [...graph.inputs, ...graph.outputs, ...graph.valueInfo].flatMap((v) => (v.type?.kind === 'tensor' || v.type?.kind === 'sparse_tensor' ? (v.type.shape ?? []) : []));
    namedDimsOf.set(graph, (names = new Set(named.filter((d): d is string => typeof d === 'string' && isDimName(d)))));
  }
  return names;
}

const CONTROL_FLOW_DEPTH_LIMIT = 64;
/** Dims an unused-binding warning lists. */
const MAX_DIMS_NAMED = 8;
const MAX_TENSOR_ELEMENTS = 2n ** 63n - 1n;

/**
 * Walks a model in topological order, asking each node's rule for its outputs and cost. Unknown ops
 * keep going with unknown outputs (from value_info when the file has it) and are counted as uncovered.
 */
export function inferModel(model: OnnxModel, registry: OpRegistry, values: TensorValueReader, options: ProfileOptions = {}): GraphProfile {
  // Exported graphs are nearly always in topological order: walk the main graph as it is, and only when a
  // node turns out to read a value that a later node makes, start over in sorted order.
  return new GraphInference(model, registry, values, options, true).run() ?? new GraphInference(model, registry, values, options, false).run()!;
}

interface Scope {
  readonly parent: Scope | undefined;
  readonly values: ValueTable;
}

class GraphInference {
  private readonly nodes: NodeProfile[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly weights = new Map<string, { elements: Expr; bytes: Expr; dtype: DataType | undefined }>();
  /** Weights whose params a node has counted (the first to use each). */
  private readonly claimedWeights: NameSet;
  private readonly bindings: Map<string, Expr>;
  private readonly functions = new Map<string, OnnxFunction>();
  private freshCounter = 0;
  private depth = 0;
  /** Names read before any node made them, while the main graph is walked in file order (else undefined). */
  private readonly unresolved: string[] | undefined;
  /** Shared by every node's context (rules pass `ctx.fresh` around unbound). */
  readonly freshDim = (hint: string): Expr => this.fresh(hint);
  readonly readTensorValue = (t: TensorRef): KnownValue | undefined => this.tensorValues.read(t);

  constructor(
    private readonly model: OnnxModel,
    private readonly registry: OpRegistry,
    private readonly tensorValues: TensorValueReader,
    private readonly options: ProfileOptions,
    assumeSorted: boolean,
  ) {
    this.unresolved = assumeSorted ? [] : undefined;
    this.claimedWeights = new NameSet(model.nameIds);
    this.bindings = new Map([...(options.bindings ?? new Map())].map(([k, v]) => [k, Expr.constant(v)]));
    for (const f of model.functions) this.functions.set(`${f.domain}::${f.name}`, f);
  }

  /** The profile; undefined when the main graph, walked in file order (assumeSorted), was not in topological order. */
  run(): GraphProfile | undefined {
    const scope: Scope = { parent: undefined, values: new ValueTable(this.model.nameIds) };
    const graph = this.model.graph;
    const graphInputs = this.declareGraph(graph, scope, true);
    let order: number[];
    if (this.unresolved) {
      order = graph.nodes.map((node) => this.profileNode(node, scope, '', this.model.opsets));
      // A name no node had made when it was read, but one made later: the file's order is not topological.
      if (this.unresolved.some((name) => scope.values.get(name))) return undefined;
    } else {
      order = this.walkNodes(graph.nodes, scope, '', this.model.opsets);
    }
    const graphOutputs = graph.outputs.map((o) => this.lookup(scope, o.name, o.nameId));
    if (graph.outputs.length === 0) this.diag('warning', 'no-outputs', 'the graph declares no outputs');
    graph.outputs.forEach((o, i) => {
      if (!graphOutputs[i]) this.diag('error', 'dangling-output', `graph output '${o.name}' is produced by no node, input or initializer`);
    });
    this.reportUnusedBindings();
    return {
      nodes: this.nodes,
      values: scope.values.asMap(),
      graphInputs,
      graphOutputs,
      diagnostics: this.diagnostics,
      weights: this.weights,
      mainGraphOrder: order,
      nameIds: this.model.nameIds,
    };
  }

  /** Puts a graph's initializers and inputs into scope; returns the non-initializer inputs. */
  private declareGraph(graph: Graph, scope: Scope, isMain: boolean): TensorInfo[] {
    for (const t of [...graph.initializers, ...graph.sparseInitializers]) {
      const info = this.weightInfo(t);
      scope.values.set(t.name, t.nameId, info);
    }
    const inputs: TensorInfo[] = [];
    for (const vi of graph.inputs) {
      if (scope.values.get(vi.name, vi.nameId)) continue; // IR < 4: initializers are listed among the inputs too
      const known = isMain ? this.options.inputValues?.get(vi.name) : undefined;
      const info = this.fromValueInfo(vi, known, isMain);
      scope.values.set(vi.name, vi.nameId, info);
      inputs.push(info);
    }
    return inputs;
  }

  private weightInfo(t: TensorRef): TensorInfo {
    const shape = t.dims.map((d) => Expr.constant(d));
    const elements = t.sparseValueCount !== undefined ? Expr.constant(t.sparseValueCount) : product(shape);
    if (t.dims.some((d) => d < 0n)) this.diag('error', 'bad-dims', `initializer '${t.name}' has a negative dim [${t.dims.join(', ')}]`);
    if (!this.weights.has(t.name) && isParameterType(t.dtype)) {
      const bytes = t.dtype === undefined || elements.constantValue === undefined ? ZERO_EXPR : Expr.constant(bytesFor(t.dtype, elements.constantValue));
      this.weights.set(t.name, { elements, bytes, dtype: t.dtype });
    }
    return lazyWeight(t, shape, this.tensorValues);
  }

  /**
   * A value as the file declares it. `isModelInput`: an unnamed dim of a model input becomes a named,
   * bindable symbol (`input_dim0`), since the user knows its size; elsewhere it is a fresh unknown.
   */
  private fromValueInfo(vi: ValueInfo, known: KnownValue | undefined, isModelInput = false): TensorInfo {
    const t = vi.type;
    if (known) {
      const dtype = t.kind === 'tensor' ? t.dtype : undefined;
      return { name: vi.name, dtype, shape: known.dims.map((d) => Expr.constant(d)), value: known };
    }
    return { name: vi.name, ...this.typeToInfo(t, vi.name, isModelInput) };
  }

  private typeToInfo(t: ValueType, name: string, nameUnknownDims = false): Omit<TensorInfo, 'name'> {
    switch (t.kind) {
      case 'tensor':
      case 'sparse_tensor':
        return { dtype: t.dtype, shape: t.shape?.map((d, i) => this.storedDim(d === undefined && nameUnknownDims ? `${name}_dim${i}` : d, `${name}_dim${i}`)) };
      case 'sequence':
      case 'optional':
        return { kind: t.kind, dtype: undefined, shape: undefined, element: t.element ? { name, ...this.typeToInfo(t.element, name) } : undefined };
      case 'map':
        return { kind: 'map', dtype: undefined, shape: undefined };
      default:
        return { dtype: undefined, shape: undefined };
    }
  }

  private storedDim(d: StoredDim, hint: string): Expr {
    if (typeof d === 'number') {
      if (d < 0 || !Number.isSafeInteger(d)) {
        this.diag('warning', 'bad-dims', `dim ${d} of '${hint.replace(/_dim\d+$/, '')}' is not a valid size; treated as unknown`);
        return this.fresh(hint);
      }
      return Expr.constant(d);
    }
    if (typeof d === 'string') return this.boundDim(d) ?? parseDimParam(d, this.isModelDim, this.dimSymbol) ?? Expr.symbol(d);
    return this.fresh(hint);
  }

  /** Bound names some dim used: a binding no dim uses changes nothing, which the profile says. */
  private readonly usedBindings = new Set<string>();

  private boundDim(name: string): Expr | undefined {
    const value = this.bindings.get(name);
    if (value) this.usedBindings.add(name);
    return value;
  }

  private reportUnusedBindings(): void {
    const unused = [...this.bindings.keys()].filter((name) => !this.usedBindings.has(name)).sort();
    if (unused.length === 0) return;
    // The inputs' dims are the ones to bind (not those written as arithmetic over others); the names inference
    // tools give intermediate dims (unk__N) would be noise.
    const inputDims = new Set(
      this.model.graph.inputs
        .flatMap((v) => (v.type?.kind === 'tensor' ? (v.type.shape ?? []) : []))
        .filter((d): d is string => typeof d === 'string' && parseDimParam(d, this.isModelDim, Expr.symbol) === undefined),
    );
    const dims = [...inputDims].sort().map((d) => shortName(d));
    const shown = dims.length > MAX_DIMS_NAMED ? `${dims.slice(0, MAX_DIMS_NAMED).join(', ')} and ${dims.length - MAX_DIMS_NAMED} more` : dims.join(', ');
    const names = unused.map((n) => `'${shortName(n)}'`).join(', ');
    this.diag(
      'warning',
      'unused-binding',
      `${unused.length === 1 ? 'binding' : 'bindings'} ${names} ${unused.length === 1 ? 'matches' : 'match'} no dim of the model, so ${unused.length === 1 ? 'it changes' : 'they change'} nothing (${dims.length ? `its inputs' dims: ${shown}` : 'its inputs have no named dims'})`,
    );
  }

  /** A dim the main graph names on its own (what arithmetic dim_params may use), or one the user binds. */
  private readonly isModelDim = (name: string): boolean => namedDims(this.model.graph).has(name) || this.bindings.has(name);
  private readonly dimSymbol = (name: string): Expr => this.boundDim(name) ?? Expr.symbol(name);

  private readonly reportedDomains = new Set<string>();

  /** A node whose domain the model does not import is read at version 1, and reported once per domain. */
  private unimportedDomainOpset(domain: string, label: string): number {
    if (!this.reportedDomains.has(domain) && !this.model.functions.some((f) => f.domain === domain)) {
      this.reportedDomains.add(domain);
      this.diag('warning', 'unknown-domain', `node '${label}' uses domain '${domain || 'ai.onnx'}', which the model does not import; read as version 1`, label);
    }
    return 1;
  }

  private readonly reportedOpsetMismatches = new Set<string>();

  /**
   * An op type the registry knows at other opsets of its domain than the model's: the op is not defined (or is
   * defined differently) at that opset, which is a more precise reason than "no cost rule". Once per op type.
   */
  private reportOpsetMismatch(node: OnnxNode, opset: number, label: string): void {
    const versions = this.registry.versions(node.opType, node.domain);
    const key = `${node.domain}::${node.opType}`;
    if (versions.length === 0 || this.reportedOpsetMismatches.has(key)) return;
    this.reportedOpsetMismatches.add(key);
    const ranges = versions.map((v) => (v.until === undefined ? `${v.since} and later` : v.since === v.until ? `${v.since}` : `${v.since} to ${v.until}`)).join(', ');
    const domain = node.domain || 'ai.onnx';
    this.diag('warning', 'op-not-in-opset', `${node.opType} has cost rules for ${domain} opsets ${ranges}, not for the model's opset ${opset} (the op may not exist at that opset, or the opset import may be wrong)`, label);
  }

  /** A new symbol for a dim inference cannot know; never a name the file gives a dim (tf2onnx writes `unk__314`). */
  private fresh(_hint: string): Expr {
    let name: string;
    do name = `${UNKNOWN_DIM_PREFIX}${this.freshCounter++}`;
    while (namedDims(this.model.graph).has(name));
    return Expr.symbol(name);
  }

  /** The value a name refers to in `scope` or the scopes around it; `id`, the name's id when known. */
  private lookup(scope: Scope | undefined, name: string, id?: number): TensorInfo | undefined {
    for (let s = scope; s; s = s.parent) {
      const v = s.values.get(name, id);
      if (v) return v;
    }
    return undefined;
  }

  /** Runs the nodes of one graph in topological order; returns the indices of the nodes profiled. */
  private walkNodes(nodes: readonly OnnxNode[], scope: Scope, graphPath: string, opsets: ReadonlyMap<string, number>): number[] {
    const profiled: number[] = [];
    for (const node of topologicalOrder(nodes, (n) => this.lookup(scope, n) !== undefined, (msg) => this.diag('error', 'cycle', msg))) {
      const index = this.profileNode(node, scope, graphPath, opsets);
      profiled.push(index);
    }
    return profiled;
  }

  private profileNode(node: OnnxNode, scope: Scope, graphPath: string, opsets: ReadonlyMap<string, number>): number {
    const label = node.name || `${node.opType}_${this.nodes.length}`;
    const inputs = new Array<TensorInfo | undefined>(node.inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const name = node.inputs[i];
      const v = name === '' ? undefined : this.lookup(scope, name, node.inputIds?.[i]);
      if (!v && name !== '') {
        this.unresolved?.push(name);
        this.diag('error', 'dangling-input', `input '${name}' of node '${label}' is produced by no node, input or initializer`, label);
      }
      inputs[i] = v;
    }
    const opset = opsets.get(node.domain) ?? this.unimportedDomainOpset(node.domain, label);
    const notes: string[] = [];
    const index = this.nodes.length;
    // Reserve the slot so parents precede their subgraph nodes.
    this.nodes.push(undefined as unknown as NodeProfile);
    const ctx = new EngineNodeContext(this, node, opset, inputs, scope, label, graphPath, notes);

    const fn = this.functions.size === 0 ? undefined : this.functions.get(`${node.domain}::${node.opType}`);
    const handler = fn ? undefined : this.registry.resolve(node.opType, node.domain, opset);
    if (!fn && !handler) this.reportOpsetMismatch(node, opset, label);
    let outputs: TensorInfo[];
    let cost: OpCost | undefined;
    let containsSubgraphs = false;
    try {
      if (fn) {
        const result = this.expandFunction(fn, node, inputs, `${graphPath}${label}/`);
        outputs = node.outputs.map((name, i) => ({ ...(result.outputs[i] ?? unknownOutput()), name }));
        cost = result.cost;
        containsSubgraphs = true;
      } else if (handler) {
        const inferred = handler.infer(ctx);
        outputs = node.outputs.map((name, i) => named(inferred[i], name));
        containsSubgraphs = hasSubgraphs(node);
        this.checkAgainstValueInfo(outputs, node.outputIds, label);
      } else {
        outputs = node.outputs.map((name, i) => this.storedValueInfo(name, node.outputIds?.[i]) ?? { name, ...unknownOutput() });
      }
    } catch (e) {
      if (!(e instanceof UnknownShapeError)) {
        this.diag('warning', 'shape-inference', `${node.opType} node '${label}': ${failureMessage(e)}`, label);
      }
      outputs = node.outputs.map((name, i) => this.storedValueInfo(name, node.outputIds?.[i]) ?? { name, ...unknownOutput() });
    }
    if (handler) {
      try {
        cost = handler.cost(ctx, outputs);
      } catch (e) {
        if (!(e instanceof UnknownShapeError)) this.diag('warning', 'cost', `${node.opType} node '${label}': ${failureMessage(e)}`, label);
        notes.push(`cost unknown: ${failureMessage(e)}`);
      }
    }
    this.checkAbsurdSize(outputs, label);
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i];
      if (o.name === '') continue;
      if (!scope.values.set(o.name, node.outputIds?.[i], o)) {
        this.diag('warning', 'duplicate-output', `'${o.name}' is produced twice: node '${label}' redefines an earlier value; the later one is used`, label);
      }
    }
    if (node.opType === 'Constant' && node.domain === '') this.registerConstantWeight(outputs[0]);

    let weightInputs: string[] | undefined;
    let params = ZERO_EXPR;
    let weightBytes = ZERO_EXPR;
    // The bytes each input reads, summed only where the rule's cost does not say (most rules say).
    const activationRead = cost?.activationBytesRead === undefined ? new ByteSum() : undefined;
    const weightRead = cost?.weightBytesRead === undefined ? new ByteSum() : undefined;
    for (let i = 0; i < inputs.length; i++) {
      const v = inputs[i];
      if (!v) continue;
      if (!v.isWeight) {
        activationRead?.add(v);
        continue;
      }
      (weightInputs ??= []).push(v.name);
      weightRead?.add(v);
      if (!this.claimedWeights.add(v.name, node.inputIds?.[i])) continue;
      // A packed weight (MatMulNBits' 4-bit B) counts the values it holds, not its stored elements; a scale
      // counts none; an int32 quantized bias, not a parameter type by itself, counts as the op declares.
      const logical = cost?.logicalWeightElements?.[i];
      const info = this.weights.get(v.name) ?? (logical && !logical.equals(ZERO_EXPR) ? this.registerDeclaredWeight(v) : undefined);
      if (!info) continue;
      if (logical) this.weights.set(v.name, { ...info, elements: logical });
      params = params.add(logical ?? info.elements);
      weightBytes = weightBytes.add(info.bytes);
    }
    this.nodes[index] = {
      index,
      name: label,
      opType: node.opType,
      domain: node.domain,
      graphPath,
      inputs,
      inputNames: node.inputs,
      inputIds: node.inputIds,
      outputIds: node.outputIds,
      outputs,
      hasRule: handler !== undefined || fn !== undefined,
      isCostKnown: cost !== undefined,
      flops: cost?.flops ?? ZERO_EXPR,
      macs: cost?.macs ?? ZERO_EXPR,
      params,
      weightBytes,
      weightBytesRead: cost?.weightBytesRead ?? weightRead!.total(),
      activationBytesRead: cost?.activationBytesRead ?? activationRead!.total(),
      bytesWritten: cost?.bytesWritten ?? sumBytes(outputs),
      computeDtype: computeDtypeOf(inputs, outputs),
      notes: cost?.notes?.length ? [...notes, ...cost.notes] : notes.length ? notes : NO_STRINGS,
      containsSubgraphs,
      weightInputs: weightInputs ?? NO_STRINGS,
      convGroups: cost?.convGroups,
    };
    return index;
  }

  /** For EngineNodeContext: a warning attached to a node. */
  warnOnNode(node: OnnxNode, label: string, notes: string[], message: string): void {
    notes.push(message);
    this.diag('warning', 'node', `${node.opType} node '${label}': ${message}`, label);
  }

  inferSubgraph(graph: Graph, inputs: readonly TensorInfo[], parent: Scope, graphPath: string): SubgraphResult {
    if (++this.depth > CONTROL_FLOW_DEPTH_LIMIT) {
      this.depth--;
      throw new Error(`subgraphs nest deeper than ${CONTROL_FLOW_DEPTH_LIMIT}`);
    }
    try {
      const scope: Scope = { parent, values: new ValueTable(undefined) };
      for (const t of [...graph.initializers, ...graph.sparseInitializers]) scope.values.set(t.name, undefined, this.weightInfo(t));
      const formal = graph.inputs.filter((vi) => !scope.values.get(vi.name));
      formal.forEach((vi, i) => {
        const given = inputs[i];
        const declared = this.fromValueInfo(vi, undefined);
        // The body's own declaration is more specific than a loop-carried value of unknown shape.
        const chosen = given && (given.shape || !declared.shape) ? { ...given, name: vi.name } : { ...declared, dtype: declared.dtype ?? given?.dtype };
        scope.values.set(vi.name, undefined, chosen);
      });
      const first = this.nodes.length;
      this.walkNodes(graph.nodes, scope, graphPath, this.model.opsets);
      const outputs = graph.outputs.map((o) => this.lookup(scope, o.name));
      return { outputs, cost: this.sumCost(first, this.nodes.length) };
    } finally {
      this.depth--;
    }
  }

  private expandFunction(fn: OnnxFunction, node: OnnxNode, inputs: readonly (TensorInfo | undefined)[], graphPath: string): SubgraphResult {
    if (++this.depth > CONTROL_FLOW_DEPTH_LIMIT) {
      this.depth--;
      throw new Error(`function calls nest deeper than ${CONTROL_FLOW_DEPTH_LIMIT}`);
    }
    try {
      const scope: Scope = { parent: undefined, values: new ValueTable(undefined) };
      fn.inputs.forEach((name, i) => {
        const v = inputs[i];
        if (v) scope.values.set(name, undefined, { ...v, name });
      });
      const body = fn.nodes.map((n) => bindFunctionAttributes(n, node, fn));
      const first = this.nodes.length;
      const opsets = new Map([...this.model.opsets, ...fn.opsets]);
      this.walkNodes(body, scope, graphPath, opsets);
      return { outputs: fn.outputs.map((o) => this.lookup(scope, o)), cost: this.sumCost(first, this.nodes.length) };
    } finally {
      this.depth--;
    }
  }

  /** Sums the cost of nodes [from, to) that are not themselves inside an already-summed parent. */
  private sumCost(from: number, to: number): SubgraphCost {
    let flops = ZERO_EXPR;
    let macs = ZERO_EXPR;
    let bytesRead = ZERO_EXPR;
    let bytesWritten = ZERO_EXPR;
    let uncoveredNodes = 0;
    let skipUntil = -1;
    for (let i = from; i < to; i++) {
      const n = this.nodes[i];
      if (i < skipUntil) continue;
      flops = flops.add(n.flops);
      macs = macs.add(n.macs);
      bytesRead = bytesRead.add(n.activationBytesRead).add(n.weightBytesRead);
      bytesWritten = bytesWritten.add(n.bytesWritten);
      if (!n.isCostKnown) uncoveredNodes++;
      if (n.containsSubgraphs) skipUntil = this.subtreeEnd(i, to);
    }
    return { flops, macs, bytesRead, bytesWritten, uncoveredNodes };
  }

  /** Nodes of a parent's subgraphs follow it with a deeper graphPath. */
  private subtreeEnd(parent: number, limit: number): number {
    const p = this.nodes[parent];
    const prefix = `${p.graphPath}${p.name}/`;
    let i = parent + 1;
    while (i < limit && this.nodes[i].graphPath.startsWith(prefix)) i++;
    return i;
  }

  /** A weight of a non-parameter type that an op declares as parameters (an int32 quantized bias). */
  private registerDeclaredWeight(t: TensorInfo): { elements: Expr; bytes: Expr; dtype: DataType | undefined } | undefined {
    const elements = t.shape ? product(t.shape) : undefined;
    const count = elements?.constantValue;
    if (!elements || count === undefined || t.dtype === undefined) return undefined;
    const info = { elements, bytes: Expr.constant(bytesFor(t.dtype, count)), dtype: t.dtype };
    this.weights.set(t.name, info);
    return info;
  }

  private registerConstantWeight(out: TensorInfo | undefined): void {
    if (!out || !out.shape || out.dtype === undefined || !isParameterType(out.dtype)) return;
    const elements = product(out.shape);
    const count = elements.constantValue;
    this.weights.set(out.name, { elements, bytes: count === undefined ? ZERO_EXPR : Expr.constant(bytesFor(out.dtype, count)), dtype: out.dtype });
  }

  private storedValueInfo(name: string, id: number | undefined): TensorInfo | undefined {
    if (this.options.useStoredShapes === false) return undefined;
    const vi = this.findValueInfo(name, id);
    return vi ? { name, ...this.typeToInfo(vi.type, name) } : undefined;
  }

  /** The main graph's value_info and outputs with a known type, by name (by name id when the model has them). */
  private valueInfoIndex: Map<string, ValueInfo> | ValueInfo[] | undefined;

  private findValueInfo(name: string, id?: number): ValueInfo | undefined {
    if (!this.valueInfoIndex) this.valueInfoIndex = valueInfoIndexOf(this.model);
    if (!Array.isArray(this.valueInfoIndex)) return this.valueInfoIndex.get(name);
    const i = id ?? this.model.nameIds!.idOf(name);
    return i === undefined ? undefined : this.valueInfoIndex[i];
  }

  /** A tensor past 2^63 elements cannot exist in any runtime (int64 sizes): say so; counts stay exact. */
  private checkAbsurdSize(outputs: readonly TensorInfo[], label: string): void {
    for (const o of outputs) {
      if (!o.shape || !mayBeHuge(o.shape)) continue;
      const count = staticElements(o.shape);
      if (count !== undefined && count > MAX_TENSOR_ELEMENTS) {
        this.diag('warning', 'absurd-dims', `'${o.name}' of node '${label}' would hold ${count} elements, past 2^63 − 1: its dims are not plausible`, label);
      }
    }
  }

  /** Compares inferred shapes with those the exporter stored; a disagreement is reported, ours kept. */
  private checkAgainstValueInfo(outputs: readonly TensorInfo[], ids: readonly number[] | undefined, label: string): void {
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i];
      const vi = this.findValueInfo(o.name, ids?.[i]);
      if (!vi || vi.type.kind !== 'tensor' || !vi.type.shape || !o.shape) continue;
      const stored = vi.type.shape;
      let mismatch = stored.length !== o.shape.length;
      for (let i = 0; i < stored.length && !mismatch; i++) {
        const d = stored[i];
        if (typeof d !== 'number') continue;
        // As numbers when the inferred dim is a safe integer (stored dims are integers): no bigint per dim.
        const inferred = o.shape[i].asNumber ?? o.shape[i].constantValue;
        mismatch = inferred !== undefined && (typeof inferred === 'number' ? inferred !== d : inferred !== BigInt(d));
      }
      if (mismatch) {
        this.diag('warning', 'value-info-mismatch', `'${o.name}' of node '${label}': the file's value_info says [${stored.map((d) => d ?? '?').join(', ')}], inference gives [${o.shape.join(', ')}]; the inferred shape is used`, label);
      }
    }
  }

  private diag(severity: Severity, code: string, message: string, node?: string): void {
    if (this.diagnostics.length < 10_000) this.diagnostics.push({ severity, code, message, node });
  }
}

/**
 * The values of one scope by name. For a loaded model (which numbers its names, model.nameIds) the main
 * graph keeps them in an array indexed by name id: a walk over 100,000 nodes then reads and writes them
 * without hashing a name. Other scopes, and models built by hand, use a Map. The ids given alongside names
 * must be the model's ids of those names.
 */
class ValueTable {
  private readonly map: Map<string, TensorInfo> | undefined;
  private readonly byId: (TensorInfo | undefined)[] | undefined;
  /** Ids in order of first definition, as a Map would iterate them. */
  private readonly order: number[] = [];
  /** Names the model's table does not know (none from a loaded file). */
  private readonly unnumbered = new Map<string, TensorInfo>();

  constructor(private readonly ids: NameIds | undefined) {
    if (ids) this.byId = new Array<TensorInfo | undefined>(ids.count).fill(undefined);
    else this.map = new Map();
  }

  get(name: string, id?: number): TensorInfo | undefined {
    if (this.map) return this.map.get(name);
    const i = id ?? this.ids!.idOf(name);
    return i === undefined ? this.unnumbered.get(name) : this.byId![i];
  }

  /** Defines a value; false when the name already had one (it is replaced). */
  set(name: string, id: number | undefined, value: TensorInfo): boolean {
    const map = this.map ?? (id === undefined && this.ids!.idOf(name) === undefined ? this.unnumbered : undefined);
    if (map) {
      const known = map.size;
      map.set(name, value);
      return map.size !== known;
    }
    const i = id ?? this.ids!.idOf(name)!;
    const isNew = this.byId![i] === undefined;
    if (isNew) this.order.push(i);
    this.byId![i] = value;
    return isNew;
  }

  /** The values as a ReadonlyMap by name, in order of definition (a Map is built only to iterate). */
  asMap(): ReadonlyMap<string, TensorInfo> {
    return this.map ?? new ValuesByName(this);
  }

  /** Every value in order of definition. */
  entries(): [string, TensorInfo][] {
    const out: [string, TensorInfo][] = this.order.map((i) => [this.byId![i]!.name, this.byId![i]!]);
    return [...out, ...this.unnumbered];
  }
}

/** A ValueTable seen as a ReadonlyMap: lookups go to the table; iterating builds the Map once. */
class ValuesByName implements ReadonlyMap<string, TensorInfo> {
  private built: Map<string, TensorInfo> | undefined;

  constructor(private readonly table: ValueTable) {}

  private get map(): Map<string, TensorInfo> {
    return (this.built ??= new Map(this.table.entries()));
  }

  get size(): number {
    return this.map.size;
  }

  get(name: string): TensorInfo | undefined {
    return this.table.get(name);
  }

  has(name: string): boolean {
    return this.table.get(name) !== undefined;
  }

  forEach(callback: (value: TensorInfo, key: string, map: ReadonlyMap<string, TensorInfo>) => void, thisArg?: unknown): void {
    this.map.forEach((v, k) => callback.call(thisArg, v, k, this));
  }

  entries() {
    return this.map.entries();
  }

  keys() {
    return this.map.keys();
  }

  values() {
    return this.map.values();
  }

  [Symbol.iterator]() {
    return this.map.entries();
  }
}

/** A set of names, by name id for a loaded model. */
class NameSet {
  private readonly byId: Uint8Array | undefined;
  private readonly names = new Set<string>();

  constructor(private readonly ids: NameIds | undefined) {
    this.byId = ids ? new Uint8Array(ids.count) : undefined;
  }

  /** Adds a name; false when it was in the set already. */
  add(name: string, id: number | undefined): boolean {
    const i = this.byId ? id ?? this.ids!.idOf(name) : undefined;
    if (i === undefined) {
      if (this.names.has(name)) return false;
      this.names.add(name);
      return true;
    }
    if (this.byId![i]) return false;
    this.byId![i] = 1;
    return true;
  }
}

/** The main graph's value_info and outputs that have a type, by name: an array by name id when the model has ids. */
function valueInfoIndexOf(model: OnnxModel): Map<string, ValueInfo> | ValueInfo[] {
  const g = model.graph;
  const ids = model.nameIds;
  const index: Map<string, ValueInfo> | ValueInfo[] = ids ? new Array<ValueInfo>(ids.count) : new Map();
  for (const list of [g.valueInfo, g.outputs]) {
    for (const vi of list) {
      if (vi.type.kind === 'unknown') continue;
      const id = ids ? vi.nameId ?? ids.idOf(vi.name) : undefined;
      if (Array.isArray(index)) {
        if (id !== undefined) index[id] = vi;
      } else index.set(vi.name, vi);
    }
  }
  return index;
}

/** What a rule sees of its node; one object per node, its methods shared. */
class EngineNodeContext implements NodeContext {
  readonly attrs: Attributes;
  readonly fresh: (hint: string) => Expr;
  readonly readTensor: (tensor: TensorRef) => KnownValue | undefined;

  constructor(
    private readonly engine: GraphInference,
    readonly node: OnnxNode,
    readonly opset: number,
    readonly inputs: readonly (TensorInfo | undefined)[],
    private readonly scope: Scope,
    private readonly label: string,
    private readonly graphPath: string,
    private readonly notes: string[],
  ) {
    this.attrs = new Attributes(node.attributes);
    this.fresh = engine.freshDim;
    this.readTensor = engine.readTensorValue;
  }

  warn(message: string): void {
    this.engine.warnOnNode(this.node, this.label, this.notes, message);
  }

  inferSubgraph(graph: Graph, inputs: readonly TensorInfo[], label: string): SubgraphResult {
    return this.engine.inferSubgraph(graph, inputs, this.scope, `${this.graphPath}${this.label}/${label}/`);
  }
}

/** Where a weight's TensorInfo keeps what its `value` getter needs (not enumerable: spreads copy `value` only). */
const WEIGHT_SOURCE = Symbol('weightSource');

interface WeightSource {
  readonly tensor: TensorRef;
  readonly reader: TensorValueReader;
  /** null until read. */
  value: KnownValue | undefined | null;
}

/**
 * A weight as a TensorInfo whose `value` is read on first use: most weights are never asked for their contents
 * (a shape input, an axis is). `value` is an own enumerable getter, so a spread of the weight copies its value
 * as before; it is one shared function defined on each object, not a getter in an object literal, since such a
 * literal makes a slow dictionary-mode object (about 900 bytes, and a map of its own in every rule that reads it).
 */
function lazyWeight(tensor: TensorRef, shape: Shape, reader: TensorValueReader): TensorInfo {
  const info = { name: tensor.name, dtype: tensor.dtype, shape } as { -readonly [K in keyof TensorInfo]: TensorInfo[K] };
  Object.defineProperty(info, 'value', { get: readWeightValue, enumerable: true, configurable: true });
  info.isWeight = true;
  const source: WeightSource = { tensor, reader, value: null };
  Object.defineProperty(info, WEIGHT_SOURCE, { value: source });
  return info;
}

function readWeightValue(this: { [WEIGHT_SOURCE]: WeightSource }): KnownValue | undefined {
  const source = this[WEIGHT_SOURCE];
  if (source.value === null) source.value = source.reader.read(source.tensor);
  return source.value;
}

/** Shared by every node without notes or weight inputs (most of them): nothing writes to it. */
const NO_STRINGS: readonly string[] = Object.freeze([]);

/**
 * A sum of tensors' bytes (unknown shapes or dtypes count as 0): static sizes are added as numbers, and one
 * expression is built at the end, rather than one per tensor.
 */
class ByteSum {
  private readonly fixed = new ExactSum();
  private symbolic = ZERO_EXPR;

  add(t: TensorInfo | undefined): void {
    if (!t) return;
    const bytes = staticTensorBytes(t);
    if (bytes !== undefined) {
      this.fixed.add(bytes);
      return;
    }
    const b = tensorBytes(t);
    if (b) this.symbolic = this.symbolic.add(b);
  }

  total(): Expr {
    const fixed = this.fixed.current;
    return fixed === 0 ? this.symbolic : Expr.constant(fixed).add(this.symbolic);
  }
}

/**
 * A rule's output under its name. Written out field by field rather than spread, so that outputs share two
 * object layouts (a plain tensor's, and one with every field), which keeps the code reading them fast.
 */
function named(o: InferredOutput | undefined, name: string): TensorInfo {
  if (!o) return { name, dtype: undefined, shape: undefined, value: undefined };
  if (o.kind === undefined && o.isWeight === undefined && o.element === undefined && o.length === undefined) {
    return { name, dtype: o.dtype, shape: o.shape, value: o.value };
  }
  return { name, kind: o.kind, dtype: o.dtype, shape: o.shape, value: o.value, isWeight: o.isWeight, element: o.element, length: o.length };
}

function unknownOutput(): Omit<TensorInfo, 'name'> {
  return { dtype: undefined, shape: undefined };
}

/**
 * Why a rule failed on this node. A stack overflow (a malformed, cyclic attribute structure walked
 * recursively) is reported like any other failure of that node, and the rest of the graph goes on.
 */
function failureMessage(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'its attributes nest too deeply to evaluate (a cycle?)';
  return e instanceof Error ? e.message : String(e);
}

/** Bytes of the given tensors; unknown shapes or dtypes count as 0 (the node is flagged elsewhere). */
export function sumBytes(tensors: readonly (TensorInfo | undefined)[]): Expr {
  const sum = new ByteSum();
  for (let i = 0; i < tensors.length; i++) sum.add(tensors[i]);
  return sum.total();
}

export function tensorBytes(t: TensorInfo | undefined): Expr | undefined {
  if (!t || !t.shape || t.dtype === undefined) return undefined;
  const bytes = staticTensorBytes(t);
  if (bytes !== undefined) return Expr.constant(bytes);
  const count = staticElements(t.shape);
  return elementsBytes(t.dtype, count === undefined ? product(t.shape) : Expr.constant(count));
}

/**
 * tensorBytes of a tensor whose dims are all static, as a number, when it is a safe integer; undefined
 * otherwise (symbolic or unknown dims, a dtype unknown, a count past 2^53). The common case, without a
 * bigint or an expression per dim.
 */
export function staticTensorBytes(t: TensorInfo): number | undefined {
  const shape = t.shape;
  if (!shape || t.dtype === undefined) return undefined;
  let count = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i].asNumber;
    if (d === undefined) return undefined;
    count *= d;
  }
  // Products of safe integers are exact while the result is safe (and past it, the result is too).
  const bits = count * bitsOf(t.dtype);
  if (!(bits <= Number.MAX_SAFE_INTEGER && bits >= -Number.MAX_SAFE_INTEGER)) return undefined;
  return Math.ceil(bits / 8) + 0; // as elementsBytes rounds (to +0, never -0)
}

/** Elements of a shape whose dims are all static, without building expressions; undefined otherwise. */
function staticElements(shape: Shape): bigint | undefined {
  let count = 1n;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i].constantValue;
    if (d === undefined) return undefined;
    count *= d;
  }
  return count;
}

/**
 * Whether a shape's static dims could multiply past 2^62 elements: their product in doubles is within a
 * few units in the last place of the exact one, so below that it cannot be near 2^63. Symbolic dims count
 * as 1 here (checkAbsurdSize looks at static shapes only).
 */
function mayBeHuge(shape: Shape): boolean {
  let approx = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i].constantValue;
    if (d !== undefined) approx *= Number(d);
  }
  return !(Math.abs(approx) < 2 ** 62);
}

/**
 * Bytes of `elements` values of `dtype`, exact for sub-byte types (two INT4 values per byte);
 * 0 when the dtype is unknown (the node is flagged elsewhere).
 */
export function elementsBytes(dtype: DataType | undefined, elements: Expr): Expr {
  if (dtype === undefined) return ZERO_EXPR;
  const bits = bytesFor(dtype, 8n); // the bytes of 8 elements: no rounding up per element
  const count = elements.constantValue;
  if (count === undefined) return elements.mul(bits).ceilDiv(8);
  const total = count * bits;
  return Expr.constant(total >= 0n ? (total + 7n) / 8n : -(-total / 8n)); // ceil(total / 8), as ceilDiv
}

const FLOAT_RANK: Partial<Record<DataType, number>> = {
  [DataType.DOUBLE]: 6, [DataType.FLOAT]: 5, [DataType.FLOAT16]: 4, [DataType.BFLOAT16]: 4,
  [DataType.FLOAT8E4M3FN]: 3, [DataType.FLOAT8E4M3FNUZ]: 3, [DataType.FLOAT8E5M2]: 3, [DataType.FLOAT8E5M2FNUZ]: 3,
  [DataType.INT8]: 2, [DataType.UINT8]: 2, [DataType.INT4]: 1, [DataType.UINT4]: 1, [DataType.FLOAT4E2M1]: 1,
};

/** The dtype a node computes in: the widest numeric type among its activation inputs, else its outputs. */
function computeDtypeOf(inputs: readonly (TensorInfo | undefined)[], outputs: readonly TensorInfo[]): DataType | undefined {
  const fromOutputs = widestNumeric(outputs, undefined);
  // An op that outputs float but reads int8 weights (MatMulNBits, DequantizeLinear) computes in the output type.
  if (fromOutputs !== undefined && FLOAT_RANK[fromOutputs]! >= 4) return fromOutputs;
  return widestNumeric(inputs, fromOutputs);
}

/** The dtype of highest FLOAT_RANK among `tensors`, starting from `best` (the first of equal rank wins). */
function widestNumeric(tensors: readonly (TensorInfo | undefined)[], best: DataType | undefined): DataType | undefined {
  let bestRank = best === undefined ? -1 : FLOAT_RANK[best]!;
  for (let i = 0; i < tensors.length; i++) {
    const dtype = tensors[i]?.dtype;
    if (dtype === undefined) continue;
    const r = FLOAT_RANK[dtype];
    if (r !== undefined && r > bestRank) {
      best = dtype;
      bestRank = r;
    }
  }
  return best;
}

/**
 * Kahn's algorithm over the nodes' data edges. Nodes on a cycle are reported and then visited in
 * file order so that the rest of the graph still profiles.
 */
function topologicalOrder(
  nodes: readonly OnnxNode[],
  isAvailable: (name: string) => boolean,
  reportCycle: (message: string) => void,
): readonly OnnxNode[] {
  const producer = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) {
    for (const o of nodes[i].outputs) if (o !== '' && !producer.has(o)) producer.set(o, i);
  }
  // Fast path: already sorted (the common case): no input is produced by a later node.
  let sorted = true;
  for (let i = 0; i < nodes.length && sorted; i++) {
    const node = nodes[i];
    const inputs = hasSubgraphs(node) ? implicitAndExplicitInputs(node) : node.inputs;
    for (const input of inputs) {
      if (input === '') continue;
      const p = producer.get(input);
      if (p !== undefined && p > i && !isAvailable(input)) {
        sorted = false;
        break;
      }
    }
  }
  if (sorted) return nodes;
  const pending = new Array<number>(nodes.length).fill(0);
  const consumers = new Map<number, number[]>();
  nodes.forEach((n, i) => {
    for (const input of new Set(implicitAndExplicitInputs(n))) {
      const p = producer.get(input);
      if (p === undefined || p === i || isAvailable(input)) continue;
      pending[i]++;
      const list = consumers.get(p) ?? [];
      list.push(i);
      consumers.set(p, list);
    }
  });
  // A FIFO of ready nodes: linear time, and nodes keep their file order where the edges allow.
  const ready: number[] = [];
  pending.forEach((c, i) => c === 0 && ready.push(i));
  const order: number[] = [];
  const visited = new Uint8Array(nodes.length);
  for (let head = 0; head < ready.length; head++) {
    const i = ready[head];
    order.push(i);
    visited[i] = 1;
    for (const c of consumers.get(i) ?? []) if (--pending[c] === 0) ready.push(c);
  }
  if (order.length < nodes.length) {
    const stuck = nodes.map((_, i) => i).filter((i) => !visited[i]);
    reportCycle(`the graph has a cycle (or self-dependency) among ${stuck.length} node(s): ${stuck.slice(0, 5).map((i) => `'${nodes[i].name || nodes[i].opType}'`).join(', ')}${stuck.length > 5 ? ', …' : ''}; they are profiled in file order with unknown inputs`);
    order.push(...stuck);
  }
  return order.map((i) => nodes[i]);
}

function hasSubgraphs(node: OnnxNode): boolean {
  if (node.attributes.size === 0) return false;
  for (const a of node.attributes.values()) if (a.g || a.graphs.length) return true;
  return false;
}

/** A node's inputs, plus the outer-scope names its subgraphs use (they must be computed first). */
function implicitAndExplicitInputs(node: OnnxNode): string[] {
  const names = node.inputs.filter((n) => n !== '');
  for (const a of node.attributes.values()) {
    for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) collectOuterNames(g, names, 0);
  }
  return names;
}

function collectOuterNames(g: Graph, into: string[], depth: number): void {
  if (depth > 8) return;
  const local = new Set<string>([...g.initializers.map((t) => t.name), ...g.inputs.map((i) => i.name)]);
  for (const n of g.nodes) n.outputs.forEach((o) => local.add(o));
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i !== '' && !local.has(i)) into.push(i);
    for (const a of n.attributes.values()) for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) collectOuterNames(sub, into, depth + 1);
  }
}

/** Replaces attributes that refer to the caller's (ref_attr_name) inside a function body. */
function bindFunctionAttributes(bodyNode: OnnxNode, caller: OnnxNode, fn: OnnxFunction): OnnxNode {
  let changed = false;
  const attributes = new Map(bodyNode.attributes);
  for (const [name, a] of bodyNode.attributes) {
    if (!a.refAttrName) continue;
    changed = true;
    const actual = caller.attributes.get(a.refAttrName) ?? fn.attributeDefaults.get(a.refAttrName);
    if (actual) attributes.set(name, { ...actual, name });
    else attributes.delete(name);
  }
  return changed ? { ...bodyNode, attributes } : bodyNode;
}
