import type { ByteSource, FileSystem } from '../io/byteSource';
import { DataType, isKnownDataType } from './dataType';
import { OnnxLoadError } from './errors';
import { type ResolvedLocation, resolveExternalLocation } from './externalData';
import { detectOtherFormat } from './formatDetection';
import {
  type Attribute,
  AttributeType,
  INLINE_PAYLOAD_BYTES,
  type Graph,
  type LoadWarning,
  normalizeDomain,
  type OnnxFunction,
  type OnnxModel,
  type OnnxNode,
  type PayloadField,
  type StoredDim,
  type TensorPayload,
  type TensorRef,
  type ValueInfo,
  type ValueType,
} from './model';
import { decodeUtf8, NameTable, ProtoCursor, WireType } from './protoCursor';

/** Shared by every node without attributes, and every empty repeated attribute field. */
const NO_ATTRIBUTES: ReadonlyMap<string, Attribute> = new Map();
const NONE: readonly never[] = Object.freeze([]);
/** Small payloads are copied into arenas of this size (see keepBytes). */
const ARENA_BYTES = 64 * 1024;

function orNone<T>(values: readonly T[] | undefined): readonly T[] {
  return values?.length ? values : NONE;
}

/** IR versions this loader understands: 3 (ONNX 1.0 with opsets) to 13 (ONNX 1.20). */
export const MIN_IR_VERSION = 3;
export const MAX_IR_VERSION = 13;

/** Structural limits: past these a file is treated as hostile rather than as a model. */
export const LOAD_LIMITS = {
  graphNestingDepth: 64,
  nodes: 5_000_000,
  tensorRank: 64,
  stringBytes: 16 * 1024 * 1024,
  repeatedValues: 1_000_000,
  messageBytes: 64 * 1024 * 1024,
};

export interface LoadOptions {
  /** Path of the model file; external data resolves against its folder. */
  readonly path: string;
  readonly fileSystem?: FileSystem;
}

/**
 * Decodes a ModelProto's structure from `source` without reading tensor payloads: each tensor keeps
 * its dtype, dims and where its bytes are (offset and length, or its external file).
 */
export function loadModel(source: ByteSource, options: LoadOptions): OnnxModel {
  if (source.byteLength === 0) throw new OnnxLoadError('empty-file', 'the file is empty (0 bytes)');
  const head = source.read(0, Math.min(64, source.byteLength));
  const other = detectOtherFormat(head, options.path);
  if (other) throw new OnnxLoadError('other-format', `not an ONNX model: the file looks like ${other}`);
  return new ModelDecoder(source, options).decode();
}

/** Decodes a standalone TensorProto (an ONNX test's input_0.pb), payload recorded, not read. */
export function loadTensor(source: ByteSource, path: string): TensorRef {
  return new ModelDecoder(source, { path }, 'TensorProto').standaloneTensor();
}

class ModelDecoder {
  private readonly cursor: ProtoCursor;
  private readonly warnings: LoadWarning[] = [];
  /** Absent external-data files → tensors that point into them (one diagnostic per file, not per tensor). */
  private readonly absentWeightFiles = new Map<string, number>();
  private readonly modelDir: string;
  private graphDepth = 0;
  private nodeCount = 0;
  private readonly resolvedLocations = new Map<string, ResolvedLocation>();
  private arena = new Uint8Array(0);
  private arenaUsed = 0;
  private readonly inputIdStack: number[] = [];
  private readonly dimStack: StoredDim[] = [];
  private readonly outputIdStack: number[] = [];
  /** Names read so far, numbered (see NameTable). */
  private readonly names = new NameTable();

  constructor(source: ByteSource, private readonly options: LoadOptions, rootName = 'ModelProto') {
    this.cursor = new ProtoCursor(source, 0, source.byteLength, rootName);
    this.modelDir = dirname(options.path);
  }

  decode(): OnnxModel {
    const c = this.cursor;
    let irVersion: number | undefined;
    let producerName = '';
    let producerVersion = '';
    let domain = '';
    let modelVersion = 0;
    let docString = '';
    const opsets = new Map<string, number>();
    const metadata = new Map<string, string>();
    const functions: OnnxFunction[] = [];
    let graph: Graph | undefined;
    let isFirstField = true;
    while (c.hasMore()) {
      const at = c.offset;
      let key: { field: number; wireType: number };
      try {
        key = c.tag();
      } catch (e) {
        if (isFirstField && !(e instanceof OnnxLoadError && e.code === 'io-error')) throw notOnnx();
        throw e;
      }
      if (isFirstField && !isPlausibleModelField(key.field, key.wireType)) throw notOnnx();
      isFirstField = false;
      switch (key.field) {
        case 1: c.expectWireType(key.wireType, WireType.Varint); irVersion = c.int64Number(); break;
        case 2: producerName = this.shortString(key.wireType); break;
        case 3: producerVersion = this.shortString(key.wireType); break;
        case 4: domain = this.shortString(key.wireType); break;
        case 5: c.expectWireType(key.wireType, WireType.Varint); modelVersion = c.int64Number(); break;
        case 6: docString = this.shortString(key.wireType); break;
        case 7:
          c.expectWireType(key.wireType, WireType.LengthDelimited);
          graph = c.within(c.length(), 'graph', () => this.graph());
          break;
        case 8: {
          const { domain: d, version } = this.opsetImport(key.wireType, 'opset_import');
          opsets.set(d, version);
          break;
        }
        case 14: {
          const [k, v] = this.stringEntry(key.wireType, 'metadata_props');
          metadata.set(k, v);
          break;
        }
        case 25:
          c.expectWireType(key.wireType, WireType.LengthDelimited);
          functions.push(c.within(c.length(), 'functions', () => this.function(), functions.length));
          break;
        default:
          if (at === 0 && key.wireType !== WireType.Varint) throw notOnnx();
          c.skip(key.wireType);
      }
    }
    if (!graph) {
      const savedModel = /saved_model\.pb$/i.test(this.options.path) ? ' (the file name suggests a TensorFlow SavedModel)' : '';
      throw notOnnx(`it has no graph${savedModel}`);
    }
    if (irVersion === undefined || irVersion === 0) {
      // 0 is proto3's unset. The checker rejects this, but the graph itself is readable: profile it and say so.
      this.warn('missing-ir-version', `the model has no ir_version; read as IR ${MAX_IR_VERSION}`);
      irVersion = MAX_IR_VERSION;
    }
    if (irVersion < MIN_IR_VERSION || irVersion > MAX_IR_VERSION) {
      throw new OnnxLoadError('unsupported-ir-version', `unsupported IR version ${irVersion} (supported: ${MIN_IR_VERSION} to ${MAX_IR_VERSION})`);
    }
    if (!opsets.has('')) {
      // IR 3 models without an opset_import for the default domain are read as opset 1, as onnx does.
      opsets.set('', 1);
      this.warn('missing-opset', 'the model imports no opset for the default domain; opset 1 assumed');
    }
    return {
      path: this.options.path,
      fileBytes: c.offset,
      irVersion,
      producerName,
      producerVersion,
      domain,
      modelVersion,
      docString,
      opsets,
      metadata,
      graph,
      functions,
      warnings: [...this.warnings, ...absentWeightsWarnings(this.absentWeightFiles)],
      nameIds: this.names,
    };
  }

  standaloneTensor(): TensorRef {
    return this.tensor();
  }

  private graph(): Graph {
    if (++this.graphDepth > LOAD_LIMITS.graphNestingDepth) {
      throw this.cursor.error('limit-exceeded', `subgraphs nested deeper than ${LOAD_LIMITS.graphNestingDepth}`, this.cursor.offset);
    }
    const c = this.cursor;
    let name = '';
    const nodes: OnnxNode[] = [];
    const initializers: TensorRef[] = [];
    const sparseInitializers: TensorRef[] = [];
    const inputs: ValueInfo[] = [];
    const outputs: ValueInfo[] = [];
    const valueInfo: ValueInfo[] = [];
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const wireType = key & 7;
      switch (field) {
        case 1:
          c.expectWireType(wireType, WireType.LengthDelimited);
          if (++this.nodeCount > LOAD_LIMITS.nodes) throw c.error('limit-exceeded', `more than ${LOAD_LIMITS.nodes} nodes`, c.offset);
          nodes.push(c.within(c.length(), 'node', () => this.node(), nodes.length));
          break;
        case 2: name = this.shortString(wireType); break;
        case 5:
          c.expectWireType(wireType, WireType.LengthDelimited);
          initializers.push(c.within(c.length(), 'initializer', () => this.tensor(), initializers.length));
          break;
        case 15:
          c.expectWireType(wireType, WireType.LengthDelimited);
          sparseInitializers.push(c.within(c.length(), 'sparse_initializer', () => this.sparseTensor(), sparseInitializers.length));
          break;
        case 11: inputs.push(this.valueInfo(wireType, 'input', inputs.length)); break;
        case 12: outputs.push(this.valueInfo(wireType, 'output', outputs.length)); break;
        case 13: valueInfo.push(this.valueInfo(wireType, 'value_info', valueInfo.length)); break;
        default: c.skip(wireType);
      }
    }
    this.graphDepth--;
    return { name, nodes, initializers, sparseInitializers, inputs, outputs, valueInfo };
  }

  private node(): OnnxNode {
    const c = this.cursor;
    // Ids go on shared stacks (a subgraph's nodes push above and pop back), then into exact copies.
    const inputIds = this.inputIdStack;
    const outputIds = this.outputIdStack;
    const inputsFrom = inputIds.length;
    const outputsFrom = outputIds.length;
    let name = '';
    let opType = '';
    let domain = '';
    let attributes: Map<string, Attribute> | undefined;
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const wireType = key & 7;
      switch (field) {
        case 1: inputIds.push(this.nameId(wireType)); break;
        case 2: outputIds.push(this.nameId(wireType)); break;
        case 3: name = this.shortString(wireType); break;
        case 4: opType = this.sharedString(wireType); break;
        case 7: domain = this.sharedString(wireType); break;
        case 5: {
          c.expectWireType(wireType, WireType.LengthDelimited);
          attributes ??= new Map();
          const attr = c.within(c.length(), 'attribute', () => this.attribute(), attributes.size);
          attributes.set(attr.name, attr);
          break;
        }
        default: c.skip(wireType);
      }
    }
    // Arrays exactly as long as their contents (a node without inputs, a Constant, shares the empty ones);
    // most nodes share the one empty attribute map.
    const ownInputs = this.idsFrom(inputIds, inputsFrom);
    const ownOutputs = this.idsFrom(outputIds, outputsFrom);
    return {
      name,
      opType,
      domain: normalizeDomain(domain),
      inputs: this.namesOf(ownInputs),
      outputs: this.namesOf(ownOutputs),
      inputIds: ownInputs,
      outputIds: ownOutputs,
      attributes: attributes ?? NO_ATTRIBUTES,
    };
  }

  /** The ids pushed on `stack` from `from` on, as an array of their own, popped off the stack. */
  private idsFrom(stack: number[], from: number): readonly number[] {
    const n = stack.length - from;
    if (n === 0) return NONE;
    const ids = new Array<number>(n);
    for (let i = 0; i < n; i++) ids[i] = stack[from + i];
    stack.length = from;
    return ids;
  }

  private namesOf(ids: readonly number[]): readonly string[] {
    if (ids.length === 0) return NONE;
    const names = this.names.names;
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = names[ids[i]];
    return out;
  }

  private attribute(): Attribute {
    const c = this.cursor;
    let name = '';
    let type = AttributeType.UNDEFINED;
    let refAttrName: string | undefined;
    let f: number | undefined;
    let i: number | undefined;
    let s: string | undefined;
    let t: TensorRef | undefined;
    let g: Graph | undefined;
    let tp: ValueType | undefined;
    // Repeated fields, made when the attribute has one (most have a single value, or one list).
    let floats: number[] | undefined;
    let intsBig: bigint[] | undefined;
    let strings: string[] | undefined;
    let tensors: TensorRef[] | undefined;
    let graphs: Graph[] | undefined;
    const max = LOAD_LIMITS.repeatedValues;
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const wireType = key & 7;
      switch (field) {
        case 1: name = this.sharedString(wireType); break;
        case 20: c.expectWireType(wireType, WireType.Varint); type = c.int64Number() as AttributeType; break;
        case 21: refAttrName = this.shortString(wireType); break;
        case 2: c.expectWireType(wireType, WireType.Fixed32); f = c.float32(); break;
        case 3: c.expectWireType(wireType, WireType.Varint); i = c.int64Number(); break;
        case 4: s = this.shortString(wireType); break;
        case 5:
          c.expectWireType(wireType, WireType.LengthDelimited);
          t = c.within(c.length(), 't', () => this.tensor());
          break;
        case 6:
          c.expectWireType(wireType, WireType.LengthDelimited);
          g = c.within(c.length(), 'g', () => this.graph());
          break;
        case 14: tp = this.typeProto(wireType, 0); break;
        case 7: c.float32s(wireType, (floats ??= []), max); break;
        case 8: c.int64s(wireType, (intsBig ??= []), max); break;
        case 9:
          strings ??= [];
          if (strings.length >= max) throw c.error('limit-exceeded', `more than ${max} strings`, c.offset);
          strings.push(this.shortString(wireType));
          break;
        case 10: {
          c.expectWireType(wireType, WireType.LengthDelimited);
          const list = (tensors ??= []);
          list.push(c.within(c.length(), 'tensors', () => this.tensor(), list.length));
          break;
        }
        case 11: {
          c.expectWireType(wireType, WireType.LengthDelimited);
          const list = (graphs ??= []);
          list.push(c.within(c.length(), 'graphs', () => this.graph(), list.length));
          break;
        }
        case 22:
          c.expectWireType(wireType, WireType.LengthDelimited);
          t = c.within(c.length(), 'sparse_tensor', () => this.sparseTensor());
          break;
        default: c.skip(wireType);
      }
    }
    const attribute = {
      name, type, refAttrName, f, i, s, t, g, tp,
      floats: orNone(floats), ints: intsBig?.length ? intsBig.map(Number) : NONE, strings: orNone(strings), tensors: orNone(tensors), graphs: orNone(graphs),
    };
    if (type === AttributeType.UNDEFINED) attribute.type = inferAttributeType(attribute);
    return attribute;
  }

  private tensor(): TensorRef {
    const c = this.cursor;
    const dims: bigint[] = [];
    let dtype: DataType | undefined;
    let nameId: number | undefined;
    let payload: TensorPayload = { kind: 'none' };
    let isExternal = false;
    let external: Map<string, string> | undefined;
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const wireType = key & 7;
      switch (field) {
        case 1: c.int64s(wireType, dims, LOAD_LIMITS.tensorRank); break;
        case 2: {
          c.expectWireType(wireType, WireType.Varint);
          const code = c.int64Number();
          dtype = isKnownDataType(code) ? code : undefined;
          if (dtype === undefined) this.warn('unknown-dtype', `tensor at byte ${c.offset} has unknown data_type ${code}`);
          break;
        }
        case 8: nameId = this.nameId(wireType); break;
        case 9: payload = this.payload(wireType, 'raw_data'); break;
        case 4: payload = this.payload(wireType, 'float_data'); break;
        case 5: payload = this.payload(wireType, 'int32_data'); break;
        case 6: payload = this.payload(wireType, 'string_data'); break;
        case 7: payload = this.payload(wireType, 'int64_data'); break;
        case 10: payload = this.payload(wireType, 'double_data'); break;
        case 11: payload = this.payload(wireType, 'uint64_data'); break;
        case 13: {
          const [k, v] = this.stringEntry(wireType, 'external_data');
          (external ??= new Map()).set(k, v);
          break;
        }
        case 14: c.expectWireType(wireType, WireType.Varint); isExternal = c.int64Number() === 1; break;
        default: c.skip(wireType);
      }
    }
    const name = nameId === undefined ? '' : this.names.names[nameId];
    if (isExternal) payload = this.externalPayload(name, external ?? new Map());
    return { name, nameId: nameId ?? this.names.idOfText(''), dtype, dims: dims.slice(), payload };
  }

  /** Records where a payload field is, then skips it. Non-packed repeats extend the recorded run. */
  private payload(wireType: number, field: PayloadField): TensorPayload {
    const c = this.cursor;
    if (wireType === WireType.LengthDelimited) {
      const length = c.length();
      const offset = c.offset;
      if (length <= INLINE_PAYLOAD_BYTES) return { kind: 'embedded', field, offset, length, bytes: this.keepBytes(c.bytes(length)) };
      c.skipBytes(length);
      return { kind: 'embedded', field, offset, length };
    }
    // An unpacked repeated scalar (proto2 style, rare): only the last element is recorded, so the value
    // decodes for one-element tensors and stays unknown (shape still known) for longer ones.
    const offset = c.offset;
    c.skip(wireType);
    return { kind: 'embedded', field, offset, length: c.offset - offset };
  }

  private externalPayload(tensorName: string, entries: Map<string, string>): TensorPayload {
    const location = entries.get('location') ?? '';
    const offset = Number(entries.get('offset') ?? '0');
    const lengthText = entries.get('length');
    const length = lengthText === undefined ? undefined : Number(lengthText);
    const resolved = this.resolveLocation(location, tensorName);
    let problem: string | undefined;
    if (!Number.isSafeInteger(offset) || offset < 0) problem = `external data of tensor '${tensorName}' has a bad offset '${entries.get('offset')}'`;
    else if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) problem = `external data of tensor '${tensorName}' has a bad length '${lengthText}'`;
    else if (resolved.size === undefined) {
      problem = `external data file '${location}' of tensor '${tensorName}' is missing`;
      this.absentWeightFiles.set(location, (this.absentWeightFiles.get(location) ?? 0) + 1);
    }
    else if (offset + (length ?? 0) > resolved.size) {
      problem = `external data of tensor '${tensorName}' (offset ${offset}, length ${length ?? 0}) runs past the end of '${location}' (${resolved.size} bytes)`;
    }
    if (problem && resolved.size !== undefined) this.warn('external-data', problem);
    return { kind: 'external', location, offset, length, resolvedPath: resolved.path, problem };
  }

  /** Resolves each external-data location once: exports point thousands of tensors at one file. */
  private resolveLocation(location: string, tensorName: string): ResolvedLocation {
    let resolved = this.resolvedLocations.get(location);
    if (!resolved) {
      resolved = resolveExternalLocation(location, this.modelDir, this.options.fileSystem, tensorName);
      this.resolvedLocations.set(location, resolved);
    }
    return resolved;
  }

  private sparseTensor(): TensorRef {
    const c = this.cursor;
    let values: TensorRef | undefined;
    const dims: bigint[] = [];
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const wireType = key & 7;
      switch (field) {
        case 1:
          c.expectWireType(wireType, WireType.LengthDelimited);
          values = c.within(c.length(), 'values', () => this.tensor());
          break;
        case 3: c.int64s(wireType, dims, LOAD_LIMITS.tensorRank); break;
        default: c.skip(wireType);
      }
    }
    const sparseValueCount = values ? values.dims.reduce((a, b) => a * b, 1n) : 0n;
    return { name: values?.name ?? '', dtype: values?.dtype, dims, payload: { kind: 'none' }, sparseValueCount };
  }

  private valueInfo(wireType: number, label: string, index: number): ValueInfo {
    const c = this.cursor;
    c.expectWireType(wireType, WireType.LengthDelimited);
    const length = c.length();
    if (length > LOAD_LIMITS.messageBytes) throw c.error('limit-exceeded', `${label}[${index}] is ${length} bytes`, c.offset);
    const outer = c.enter(length, label, index);
    let nameId: number | undefined;
    let type: ValueType = UNKNOWN_TYPE;
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const w = key & 7;
      if (field === 1 && w === WireType.LengthDelimited) nameId = this.nameId(w);
      else if (field === 2 && w === WireType.LengthDelimited) type = this.typeProto(w, 0);
      else c.skip(w);
    }
    c.leave(outer);
    nameId ??= this.names.idOfText('');
    return { name: this.names.names[nameId], type, nameId };
  }

  /**
   * A TypeProto (ONNX 1.10 onward: tensor 1, sequence 4, map 5, sparse tensor 8, optional 9). Read as
   * onnx and ONNX Runtime read it (C++ protobuf): a message field given twice keeps the last, and a field
   * whose wire type is not its own is an unknown field, skipped. A tensor type wins over the others.
   */
  private typeProto(wireType: number, depth: number): ValueType {
    const c = this.cursor;
    c.expectWireType(wireType, WireType.LengthDelimited);
    const length = c.length();
    if (depth > MAX_TYPE_DEPTH) {
      c.skipBytes(length);
      return UNKNOWN_TYPE;
    }
    const outer = c.enter(length, 'type');
    let tensor: ValueType | undefined;
    let sparse: ValueType | undefined;
    let sequence: ValueType | undefined;
    let optional: ValueType | undefined;
    let map: ValueType | undefined;
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const w = key & 7;
      if (w !== WireType.LengthDelimited) {
        c.skip(w);
        continue;
      }
      switch (field) {
        case 1: tensor = this.tensorType(w, 'tensor'); break;
        case 8: sparse = this.tensorType(w, 'sparse_tensor'); break;
        case 4: sequence = { kind: 'sequence', element: this.elementType(w, depth) }; break;
        case 9: optional = { kind: 'optional', element: this.elementType(w, depth) }; break;
        case 5: map = this.mapType(w, depth); break;
        default: c.skip(w);
      }
    }
    c.leave(outer);
    return tensor ?? sparse ?? sequence ?? optional ?? map ?? UNKNOWN_TYPE;
  }

  /** TypeProto.Tensor and SparseTensor: elem_type 1, shape 2 (TensorShapeProto: dim 1). */
  private tensorType(wireType: number, kind: 'tensor' | 'sparse_tensor'): ValueType {
    const c = this.cursor;
    c.expectWireType(wireType, WireType.LengthDelimited);
    const outer = c.enter(c.length(), kind === 'tensor' ? 'tensor_type' : 'sparse_tensor_type');
    let code = 0;
    let shape: StoredDim[] | undefined;
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const w = key & 7;
      if (field === 1 && w === WireType.Varint) code = c.int32();
      else if (field === 2 && w === WireType.LengthDelimited) shape = this.shapeDims(c.length());
      else c.skip(w);
    }
    c.leave(outer);
    return { kind, dtype: isKnownDataType(code) && code !== DataType.UNDEFINED ? code : undefined, shape };
  }

  /**
   * A TensorShapeProto of `length` bytes: its dims, in an array as long as they are (an array grown by push
   * keeps room for 16, and a model keeps a shape per value).
   */
  private shapeDims(length: number): StoredDim[] {
    const c = this.cursor;
    const outer = c.enter(length, 'shape');
    const dims = this.dimStack;
    const from = dims.length;
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const wireType = key & 7;
      if (field !== 1 || wireType !== WireType.LengthDelimited) {
        c.skip(wireType);
        continue;
      }
      if (dims.length - from >= LOAD_LIMITS.repeatedValues) throw c.error('limit-exceeded', `more than ${LOAD_LIMITS.repeatedValues} dims`, c.offset);
      dims.push(this.dimension(c.length(), dims.length - from));
    }
    c.leave(outer);
    const shape = dims.slice(from);
    dims.length = from;
    return shape;
  }

  /** A Dimension of `length` bytes: a non-empty dim_param (2) wins, then dim_value (1); neither is an unknown dim. */
  private dimension(length: number, index: number): StoredDim {
    const c = this.cursor;
    const outer = c.enter(length, 'dim', index);
    let value: number | undefined;
    let param = '';
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const wireType = key & 7;
      if (field === 1 && wireType === WireType.Varint) value = c.int64Number();
      else if (field === 2 && wireType === WireType.LengthDelimited) param = this.sharedString(wireType);
      else c.skip(wireType);
    }
    c.leave(outer);
    return param !== '' ? param : value;
  }

  /** TypeProto.Sequence and Optional: elem_type 1. */
  private elementType(wireType: number, depth: number): ValueType {
    const c = this.cursor;
    c.expectWireType(wireType, WireType.LengthDelimited);
    return c.within(c.length(), 'elem', () => {
      let element: ValueType = UNKNOWN_TYPE;
      while (c.hasMore()) {
        const key = c.key();
        const field = key >>> 3;
        const w = key & 7;
        if (field === 1 && w === WireType.LengthDelimited) element = this.typeProto(w, depth + 1);
        else c.skip(w);
      }
      return element;
    });
  }

  /** TypeProto.Map: key_type 1, value_type 2. */
  private mapType(wireType: number, depth: number): ValueType {
    const c = this.cursor;
    c.expectWireType(wireType, WireType.LengthDelimited);
    return c.within(c.length(), 'map_type', () => {
      let keyType = 0;
      let value: ValueType = UNKNOWN_TYPE;
      while (c.hasMore()) {
        const key = c.key();
        const field = key >>> 3;
        const w = key & 7;
        if (field === 1 && w === WireType.Varint) keyType = c.int32();
        else if (field === 2 && w === WireType.LengthDelimited) value = this.typeProto(w, depth + 1);
        else c.skip(w);
      }
      return { kind: 'map', keyType: isKnownDataType(keyType) ? (keyType as DataType) : undefined, value };
    });
  }

  private function(): OnnxFunction {
    const c = this.cursor;
    let name = '';
    let domain = '';
    let overload = '';
    const inputs: string[] = [];
    const outputs: string[] = [];
    const attributeNames: string[] = [];
    const attributeDefaults = new Map<string, Attribute>();
    const nodes: OnnxNode[] = [];
    const opsets = new Map<string, number>();
    while (c.hasMore()) {
      const key = c.key();
      const field = key >>> 3;
      const wireType = key & 7;
      switch (field) {
        case 1: name = this.shortString(wireType); break;
        case 4: inputs.push(this.shortString(wireType)); break;
        case 5: outputs.push(this.shortString(wireType)); break;
        case 6: attributeNames.push(this.shortString(wireType)); break;
        case 11: {
          c.expectWireType(wireType, WireType.LengthDelimited);
          const attr = c.within(c.length(), 'attribute_proto', () => this.attribute());
          attributeDefaults.set(attr.name, attr);
          attributeNames.push(attr.name);
          break;
        }
        case 7:
          c.expectWireType(wireType, WireType.LengthDelimited);
          nodes.push(c.within(c.length(), 'node', () => this.node(), nodes.length));
          break;
        case 9: {
          const { domain: d, version } = this.opsetImport(wireType, 'opset_import');
          opsets.set(d, version);
          break;
        }
        case 10: domain = this.shortString(wireType); break;
        case 13: overload = this.shortString(wireType); break;
        default: c.skip(wireType);
      }
    }
    return { name, domain: normalizeDomain(domain), overload, inputs, outputs, attributeNames, attributeDefaults, nodes, opsets };
  }

  private opsetImport(wireType: number, pathPart: string): { domain: string; version: number } {
    const c = this.cursor;
    c.expectWireType(wireType, WireType.LengthDelimited);
    return c.within(c.length(), pathPart, () => {
      let domain = '';
      let version = 0;
      while (c.hasMore()) {
        const key = c.tag();
        if (key.field === 1) domain = this.shortString(key.wireType);
        else if (key.field === 2) {
          c.expectWireType(key.wireType, WireType.Varint);
          version = c.int64Number();
        } else c.skip(key.wireType);
      }
      return { domain: normalizeDomain(domain), version };
    });
  }

  private stringEntry(wireType: number, pathPart: string): [string, string] {
    const c = this.cursor;
    c.expectWireType(wireType, WireType.LengthDelimited);
    return c.within(c.length(), pathPart, () => {
      let key = '';
      let value = '';
      while (c.hasMore()) {
        const k = c.tag();
        if (k.field === 1) key = this.shortString(k.wireType);
        else if (k.field === 2) value = this.shortString(k.wireType);
        else c.skip(k.wireType);
      }
      return [key, value];
    });
  }

  private shortString(wireType: number): string {
    return decodeUtf8(this.cursor.bytes(this.stringLength(wireType)));
  }

  /** The byte length of a string field, checked against LOAD_LIMITS.stringBytes. */
  private stringLength(wireType: number): number {
    const c = this.cursor;
    c.expectWireType(wireType, WireType.LengthDelimited);
    const at = c.offset;
    const n = c.length();
    if (n > LOAD_LIMITS.stringBytes) throw c.error('limit-exceeded', `a string of ${n} bytes (limit ${LOAD_LIMITS.stringBytes})`, at);
    return n;
  }

  /** A copy of a few bytes, in a shared arena rather than a buffer of its own. */
  private keepBytes(bytes: Uint8Array): Uint8Array {
    if (this.arenaUsed + bytes.length > this.arena.length) {
      this.arena = new Uint8Array(ARENA_BYTES);
      this.arenaUsed = 0;
    }
    const kept = this.arena.subarray(this.arenaUsed, this.arenaUsed + bytes.length);
    kept.set(bytes);
    this.arenaUsed += bytes.length;
    return kept;
  }

  /** A string that recurs (value names, op types): one copy is kept for all its occurrences. */
  private sharedString(wireType: number): string {
    return this.names.names[this.nameId(wireType)];
  }

  /** The id of a name (see NameTable). */
  private nameId(wireType: number): number {
    return this.cursor.textId(this.stringLength(wireType), this.names);
  }

  private warn(code: string, message: string): void {
    this.warnings.push({ code, message });
  }
}

function notOnnx(why = 'its first bytes are not a protobuf ModelProto'): OnnxLoadError {
  return new OnnxLoadError('not-onnx', `not an ONNX model: ${why}`);
}

/** ModelProto fields and their wire types; the first field of a real model is one of these. */
function isPlausibleModelField(field: number, wireType: number): boolean {
  const varintFields = [1, 5];
  const lengthFields = [2, 3, 4, 6, 7, 8, 14, 20, 25];
  return (varintFields.includes(field) && wireType === WireType.Varint) || (lengthFields.includes(field) && wireType === WireType.LengthDelimited);
}

function inferAttributeType(a: Attribute): AttributeType {
  if (a.f !== undefined) return AttributeType.FLOAT;
  if (a.i !== undefined) return AttributeType.INT;
  if (a.s !== undefined) return AttributeType.STRING;
  if (a.t) return AttributeType.TENSOR;
  if (a.g) return AttributeType.GRAPH;
  if (a.floats.length) return AttributeType.FLOATS;
  if (a.ints.length) return AttributeType.INTS;
  if (a.strings.length) return AttributeType.STRINGS;
  if (a.tensors.length) return AttributeType.TENSORS;
  if (a.graphs.length) return AttributeType.GRAPHS;
  return AttributeType.UNDEFINED;
}

/** TypeProtos nested deeper than this (sequences of sequences of …) are read as unknown. */
const MAX_TYPE_DEPTH = 32;
const UNKNOWN_TYPE: ValueType = { kind: 'unknown' };

export function dirname(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '.' : cut === 0 ? path.slice(0, 1) : path.slice(0, cut);
}

/**
 * A graph-only model (weights in a file that is not there, as users profile architectures) is a normal
 * case: one note per absent file, since shapes and dtypes are all the profile needs.
 */
function absentWeightsWarnings(files: ReadonlyMap<string, number>): LoadWarning[] {
  return [...files].map(([location, tensors]) => ({
    code: 'weights-absent',
    severity: 'info',
    message: `weights are not present: ${tensors} tensor${tensors === 1 ? '' : 's'} in '${location}'; profiled from shapes and types`,
  }));
}
