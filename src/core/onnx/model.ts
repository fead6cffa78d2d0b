import type { DataType } from './dataType';

/** A dim as stored in the file: a number, a named parameter, or nothing known. */
export type StoredDim = number | string | undefined;

export type ValueType =
  | { readonly kind: 'tensor' | 'sparse_tensor'; readonly dtype: DataType | undefined; readonly shape: readonly StoredDim[] | undefined }
  | { readonly kind: 'sequence' | 'optional'; readonly element: ValueType | undefined }
  | { readonly kind: 'map'; readonly keyType: DataType | undefined; readonly value: ValueType | undefined }
  | { readonly kind: 'unknown' };

export interface ValueInfo {
  readonly name: string;
  readonly type: ValueType;
  /** The name's id in the model's `nameIds` (set by the loader). */
  readonly nameId?: number;
}

/** Where a tensor's payload lives; the loader records it instead of reading it. */
export type TensorPayload =
  | { readonly kind: 'none' }
  /**
   * Embedded in the model file, in field `field` at `offset` (absolute) for `length` bytes. `bytes` holds a
   * copy of a payload of at most INLINE_PAYLOAD_BYTES (a shape vector, a scalar), taken while the loader
   * passed it, so reading its value needs no further read of the file.
   */
  | { readonly kind: 'embedded'; readonly field: PayloadField; readonly offset: number; readonly length: number; readonly bytes?: Uint8Array }
  | { readonly kind: 'external'; readonly location: string; readonly offset: number; readonly length: number | undefined; readonly resolvedPath: string | undefined; readonly problem: string | undefined };

/** Payloads up to this many bytes are copied by the loader (see TensorPayload). */
export const INLINE_PAYLOAD_BYTES = 128;

export type PayloadField = 'raw_data' | 'float_data' | 'int32_data' | 'int64_data' | 'double_data' | 'uint64_data' | 'string_data';

export interface TensorRef {
  readonly name: string;
  /** The name's id in the model's `nameIds` (set by the loader). */
  readonly nameId?: number;
  readonly dtype: DataType | undefined;
  readonly dims: readonly bigint[];
  readonly payload: TensorPayload;
  /** Set for sparse initializers: the count of stored non-zero values. */
  readonly sparseValueCount?: bigint;
}

export const enum AttributeType {
  UNDEFINED = 0, FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, GRAPH = 5, FLOATS = 6, INTS = 7, STRINGS = 8,
  TENSORS = 9, GRAPHS = 10, SPARSE_TENSOR = 11, SPARSE_TENSORS = 12, TYPE_PROTO = 13, TYPE_PROTOS = 14,
}

export interface Attribute {
  readonly name: string;
  readonly type: AttributeType;
  /** Set inside function bodies: the attribute takes the caller's attribute of this name. */
  readonly refAttrName?: string;
  readonly f?: number;
  readonly i?: number;
  readonly s?: string;
  readonly t?: TensorRef;
  readonly g?: Graph;
  readonly tp?: ValueType;
  readonly floats: readonly number[];
  readonly ints: readonly number[];
  readonly strings: readonly string[];
  readonly tensors: readonly TensorRef[];
  readonly graphs: readonly Graph[];
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  /** '' and 'ai.onnx' both mean the default domain; the loader normalises to ''. */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Ids of the input and output names in the model's `nameIds`, index-aligned (set by the loader). */
  readonly inputIds?: readonly number[];
  readonly outputIds?: readonly number[];
  readonly attributes: ReadonlyMap<string, Attribute>;
}

export interface Graph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly TensorRef[];
  readonly sparseInitializers: readonly TensorRef[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly valueInfo: readonly ValueInfo[];
}

export interface OnnxFunction {
  readonly name: string;
  readonly domain: string;
  readonly overload: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributeNames: readonly string[];
  readonly attributeDefaults: ReadonlyMap<string, Attribute>;
  readonly nodes: readonly OnnxNode[];
  readonly opsets: ReadonlyMap<string, number>;
}

export interface LoadWarning {
  readonly code: string;
  readonly message: string;
  /** Default 'warning'; 'info' for what is normal (a graph-only model's absent weights file). */
  readonly severity?: 'warning' | 'info';
}

/**
 * The loader's numbering of the model's names (values, nodes, op types): equal names have equal ids, from
 * 0 to count - 1, so a walk over a large graph can keep per-value state in arrays instead of hashing names.
 */
export interface NameIds {
  readonly count: number;
  idOf(name: string): number | undefined;
}

export interface OnnxModel {
  readonly path: string;
  readonly fileBytes: number;
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly domain: string;
  readonly modelVersion: number;
  readonly docString: string;
  /** Opset version per domain; the default domain is ''. */
  readonly opsets: ReadonlyMap<string, number>;
  readonly metadata: ReadonlyMap<string, string>;
  readonly graph: Graph;
  readonly functions: readonly OnnxFunction[];
  readonly warnings: readonly LoadWarning[];
  /** Set by the loader; models built otherwise (tests) have none. */
  readonly nameIds?: NameIds;
}

export function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

export function elementCount(dims: readonly bigint[]): bigint {
  let n = 1n;
  for (const d of dims) n *= d;
  return n;
}
