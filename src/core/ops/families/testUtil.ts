/**
 * Test helpers for op families: run one handler on described inputs, or profile a small in-memory
 * graph through the real engine. Counts come back as plain numbers (or strings when symbolic) so
 * tests can compare them with hand-computed figures.
 */
import { inferModel, type GraphProfile } from '../../analysis/graphInference';
import { DataType, isFloatType } from '../../onnx/dataType';
import { type Attribute, AttributeType, type Graph, type OnnxModel, type OnnxNode, type TensorRef, type ValueInfo } from '../../onnx/model';
import { TensorValueReader } from '../../onnx/tensorValues';
import { Expr } from '../../shapes/expr';
import type { KnownValue, TensorInfo } from '../../shapes/tensorInfo';
import { Attributes } from '../attributes';
import { builtinRegistry } from '../builtinOps';
import { type NodeContext, type OpCost } from '../opHandler';
import type { OpRegistry } from '../opRegistry';
import { reportOf } from '../../profile';
import type { ConvGroups, ProfileReport } from '../../report/reportTypes';

/** A dim: a number, or a symbol name. */
export type DimSpec = number | string;

/** An input: its dtype (enum or name like 'float'), its shape (undefined: rank unknown), optional known value. */
export interface InputSpec {
  readonly dtype: DataType | string;
  readonly shape?: readonly DimSpec[];
  /** Known contents, row-major; ints for integer dtypes, floats otherwise. */
  readonly value?: readonly number[];
  readonly isWeight?: boolean;
}

/**
 * An attribute: an integer → INT, a non-integer number → FLOAT, a string → STRING, an array of numbers →
 * INTS (FLOATS when any is fractional), an array of strings → STRINGS; `{ float }` / `{ floats }` force floats.
 */
export type AttrSpec =
  | number
  | string
  | readonly number[]
  | readonly string[]
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  /** A subgraph attribute (If branches, Loop body, a generation op's decoder). */
  | { readonly graph: GraphSpec }
  /** A tensor attribute (Constant's value, ConstantOfShape's fill), its contents readable by the handler. */
  | { readonly tensor: TensorSpec };

export interface TensorSpec {
  readonly dtype: DataType | string;
  readonly dims: readonly number[];
  /** Row-major contents; absent: the handler's readTensor finds none. */
  readonly values?: readonly number[];
}

/** Contents of the tensor attributes built from TensorSpecs, for NodeContext.readTensor. */
const tensorAttributeValues = new WeakMap<TensorRef, KnownValue>();

export interface NodeSpec {
  readonly opType: string;
  readonly domain?: string;
  readonly opset?: number;
  /** undefined entries are omitted optional inputs (''). */
  readonly inputs: readonly (InputSpec | undefined)[];
  readonly attrs?: Readonly<Record<string, AttrSpec>>;
  /** Number of outputs the node declares (default 1); the result holds every inferred output when absent. */
  readonly outputCount?: number;
}

export interface OutputResult {
  readonly dtype: string;
  readonly shape: (number | string)[] | undefined;
  readonly value?: (number | string)[];
}

export interface CostResult {
  readonly flops: number | string;
  readonly macs: number | string;
  readonly weightBytesRead?: number | string;
  readonly activationBytesRead?: number | string;
  readonly bytesWritten?: number | string;
  readonly notes: readonly string[];
  readonly convGroups?: ConvGroups;
}

export interface NodeResult {
  readonly outputs: OutputResult[];
  readonly cost: CostResult;
}

const DEFAULT_OPSET: Readonly<Record<string, number>> = { '': 21, 'com.microsoft': 1 };

/**
 * Runs the registry's handler for one node on the described inputs. Throws what the handler throws.
 * `registry` serves handlers not (yet) in the built-in registry.
 */
export function runNode(spec: NodeSpec, registry: OpRegistry = builtinRegistry()): NodeResult {
  const domain = spec.domain ?? '';
  const opset = spec.opset ?? DEFAULT_OPSET[domain] ?? 1;
  const handler = registry.resolve(spec.opType, domain, opset);
  if (!handler) throw new Error(`no handler for ${domain || 'ai.onnx'}::${spec.opType} at opset ${opset}`);
  const inputs = spec.inputs.map((s, i) => (s ? toTensorInfo(s, `input${i}`) : undefined));
  const outputNames = Array.from({ length: spec.outputCount ?? 1 }, (_, i) => `output${i}`);
  const node = makeNode(spec.opType, domain, spec.inputs.map((s, i) => (s ? `input${i}` : '')), outputNames, spec.attrs ?? {});
  let freshCount = 0;
  const ctx: NodeContext = {
    node,
    opset,
    inputs,
    attrs: new Attributes(node.attributes),
    fresh: (hint) => Expr.symbol(`${hint}_${freshCount++}`),
    warn: () => undefined,
    inferSubgraph: () => {
      throw new Error('runNode does not run subgraphs; use profileGraph');
    },
    readTensor: (t) => tensorAttributeValues.get(t),
  };
  const inferred = handler.infer(ctx);
  const count = spec.outputCount ?? inferred.length;
  const outputs: TensorInfo[] = inferred.slice(0, count).map((o, i) => ({ ...o, name: `output${i}` }));
  return { outputs: outputs.map(describeOutput), cost: describeCost(handler.cost(ctx, outputs)) };
}

/** A node of a test graph: named inputs and outputs ('' for an omitted input). */
export interface GraphNodeSpec {
  readonly opType: string;
  readonly domain?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Readonly<Record<string, AttrSpec>>;
}

export interface GraphSpec {
  /** Graph inputs (activations) by name. */
  readonly inputs: Readonly<Record<string, { dtype: DataType | string; shape: readonly DimSpec[] }>>;
  /** Initializers by name: dims only, contents absent. */
  readonly weights?: Readonly<Record<string, { dtype: DataType | string; dims: readonly number[] }>>;
  readonly nodes: readonly GraphNodeSpec[];
  readonly outputs: readonly string[];
  /**
   * Stored shapes (the file's value_info). When given, an op without a rule takes its outputs from
   * here, as the engine does for real models; otherwise inference alone is measured.
   */
  readonly valueInfo?: Readonly<Record<string, { dtype: DataType | string; shape: readonly DimSpec[] }>>;
  /** Opset per domain; default ai.onnx 21, com.microsoft 1. */
  readonly opsets?: Readonly<Record<string, number>>;
}

/** Profiles a small graph through the real inference engine. */
export function profileGraph(spec: GraphSpec): GraphProfile {
  const model = graphModel(spec);
  return inferModel(model, builtinRegistry(), new TensorValueReader(undefined, undefined), { useStoredShapes: spec.valueInfo !== undefined });
}

/** The JSON report of a small graph, as the CLI and the extension get it (effective precision included). */
export function reportGraph(spec: GraphSpec, bindings: ReadonlyMap<string, number> = new Map()): ProfileReport {
  const model = graphModel(spec);
  const profile = inferModel(model, builtinRegistry(), new TensorValueReader(undefined, undefined), { bindings, useStoredShapes: spec.valueInfo !== undefined });
  return reportOf(model, profile, bindings);
}

function graphModel(spec: GraphSpec): OnnxModel {
  return {
    path: 'test.onnx',
    fileBytes: 0,
    irVersion: 8,
    producerName: 'testUtil',
    producerVersion: '',
    domain: '',
    modelVersion: 1,
    docString: '',
    opsets: new Map(Object.entries({ ...DEFAULT_OPSET, ...(spec.opsets ?? {}) })),
    metadata: new Map(),
    graph: buildGraph(spec, 'test'),
    functions: [],
    warnings: [],
  };
}

/** The Graph of a spec (the main graph, or a subgraph attribute: its inputs are then its formal inputs). */
function buildGraph(spec: GraphSpec, name: string): Graph {
  const valueInfo = (name: string, dtype: DataType | string, shape: readonly DimSpec[] | undefined): ValueInfo => ({
    name,
    type: { kind: 'tensor', dtype: parseDtype(dtype), shape },
  });
  const initializers: TensorRef[] = Object.entries(spec.weights ?? {}).map(([name, w]) => ({
    name,
    dtype: parseDtype(w.dtype),
    dims: w.dims.map(BigInt),
    payload: { kind: 'none' },
  }));
  return {
    name,
    nodes: spec.nodes.map((n) => makeNode(n.opType, n.domain ?? '', n.inputs, n.outputs, n.attrs ?? {})),
    initializers,
    sparseInitializers: [],
    inputs: Object.entries(spec.inputs).map(([name, t]) => valueInfo(name, t.dtype, t.shape)),
    outputs: spec.outputs.map((name) => ({ name, type: { kind: 'unknown' } })),
    valueInfo: Object.entries(spec.valueInfo ?? {}).map(([name, t]) => valueInfo(name, t.dtype, t.shape)),
  };
}

/** A count as a number when constant and safe, else its printed expression. */
export function plain(e: Expr): number | string {
  return e.asNumber ?? e.toString();
}

function parseDtype(dtype: DataType | string): DataType {
  if (typeof dtype === 'number') return dtype;
  const code = (DataType as unknown as Record<string, number>)[dtype.toUpperCase()];
  if (code === undefined) throw new Error(`unknown dtype '${dtype}'`);
  return code;
}

function toDim(d: DimSpec): Expr {
  return typeof d === 'number' ? Expr.constant(d) : Expr.symbol(d);
}

function toTensorInfo(spec: InputSpec, name: string): TensorInfo {
  const dtype = parseDtype(spec.dtype);
  const shape = spec.shape?.map(toDim);
  return { name, dtype, shape, value: spec.value && knownValue(dtype, spec.shape ?? [spec.value.length], spec.value), isWeight: spec.isWeight };
}

function knownValue(dtype: DataType, shape: readonly DimSpec[], data: readonly number[]): KnownValue {
  const dims = shape.map((d) => {
    if (typeof d !== 'number') throw new Error('a known value needs a static shape');
    return d;
  });
  return isFloatType(dtype) ? { kind: 'floats', dims, data: [...data] } : { kind: 'ints', dims, data: data.map((v) => Expr.constant(v)) };
}

function makeNode(opType: string, domain: string, inputs: readonly string[], outputs: readonly string[], attrs: Readonly<Record<string, AttrSpec>>): OnnxNode {
  const attributes = new Map<string, Attribute>();
  for (const [name, spec] of Object.entries(attrs)) attributes.set(name, toAttribute(name, spec));
  return { name: `${opType}_node`, opType, domain, inputs, outputs, attributes };
}

function toAttribute(name: string, spec: AttrSpec): Attribute {
  const empty = { name, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
  if (typeof spec === 'number') {
    return Number.isInteger(spec) ? { ...empty, type: AttributeType.INT, i: spec } : { ...empty, type: AttributeType.FLOAT, f: spec };
  }
  if (typeof spec === 'string') return { ...empty, type: AttributeType.STRING, s: spec };
  if ('graph' in spec) return { ...empty, type: AttributeType.GRAPH, g: buildGraph(spec.graph, name) };
  if ('float' in spec) return { ...empty, type: AttributeType.FLOAT, f: spec.float };
  if ('floats' in spec) return { ...empty, type: AttributeType.FLOATS, floats: [...spec.floats] };
  if ('tensor' in spec) return { ...empty, type: AttributeType.TENSOR, t: toTensorRef(name, spec.tensor) };
  const list = spec as readonly (number | string)[];
  if (list.every((v): v is string => typeof v === 'string') && list.length > 0) return { ...empty, type: AttributeType.STRINGS, strings: [...list] };
  const numbers = list as readonly number[];
  return numbers.every(Number.isInteger)
    ? { ...empty, type: AttributeType.INTS, ints: [...numbers] }
    : { ...empty, type: AttributeType.FLOATS, floats: [...numbers] };
}

function toTensorRef(name: string, spec: TensorSpec): TensorRef {
  const dtype = parseDtype(spec.dtype);
  const t: TensorRef = { name, dtype, dims: spec.dims.map(BigInt), payload: { kind: 'none' } };
  if (spec.values) tensorAttributeValues.set(t, knownValue(dtype, spec.dims, spec.values));
  return t;
}

function describeOutput(t: TensorInfo): OutputResult {
  const dtype = t.dtype === undefined ? 'unknown' : DataType[t.dtype].toLowerCase();
  const shape = t.shape?.map(plain);
  const value = t.value?.kind === 'ints' ? t.value.data.map(plain) : t.value?.data.slice();
  return value === undefined ? { dtype, shape } : { dtype, shape, value };
}

function describeCost(c: OpCost): CostResult {
  return {
    flops: plain(c.flops),
    macs: plain(c.macs ?? Expr.constant(0)),
    ...(c.weightBytesRead && { weightBytesRead: plain(c.weightBytesRead) }),
    ...(c.activationBytesRead && { activationBytesRead: plain(c.activationBytesRead) }),
    ...(c.bytesWritten && { bytesWritten: plain(c.bytesWritten) }),
    notes: c.notes ?? [],
    ...(c.convGroups && { convGroups: c.convGroups }),
  };
}
