import type { ByteSource, FileSystem } from '../io/byteSource';
import { Expr } from '../shapes/expr';
import { type KnownValue, MAX_KNOWN_VALUE_ELEMENTS } from '../shapes/tensorInfo';
import { DataType, isFloatType } from './dataType';
import { elementCount, type TensorRef } from './model';

/**
 * Reads the contents of small tensors (shape vectors, axes, scales) that shape inference needs.
 * Tensors over MAX_KNOWN_VALUE_ELEMENTS elements are never read: a profiler needs their shape only.
 */
export class TensorValueReader {
  /** Values already read (null: unreadable), so a model profiled again reads nothing twice. */
  private readonly known = new Map<TensorRef, KnownValue | null>();

  constructor(
    private readonly modelSource: ByteSource | undefined,
    private readonly fileSystem: FileSystem | undefined,
  ) {}

  read(tensor: TensorRef): KnownValue | undefined {
    const known = this.known.get(tensor);
    if (known !== undefined) return known ?? undefined;
    const value = this.decode(tensor);
    this.known.set(tensor, value ?? null);
    return value;
  }

  private decode(tensor: TensorRef): KnownValue | undefined {
    const { dtype, payload } = tensor;
    if (dtype === undefined || tensor.sparseValueCount !== undefined) return undefined;
    const n = knownElementCount(tensor.dims);
    if (n === undefined) return undefined;
    const dims = tensor.dims.map(Number);
    if (payload.kind === 'none') return n === 0 ? emptyValue(dtype, dims) : undefined;
    try {
      if (payload.kind === 'external') return this.readExternal(tensor, n, dims);
      const bytes = payload.bytes ?? this.modelSource?.read(payload.offset, payload.length);
      if (!bytes) return undefined;
      if (payload.field === 'raw_data') return decodeRaw(dtype, dims, n, bytes);
      return decodeTyped(dtype, dims, n, payload.field, bytes);
    } catch {
      return undefined; // a payload that doesn't decode leaves the shape known and the value unknown
    }
  }

  private readExternal(tensor: TensorRef, n: number, dims: number[]): KnownValue | undefined {
    const p = tensor.payload;
    if (p.kind !== 'external' || p.problem || !p.resolvedPath || !this.fileSystem || tensor.dtype === undefined) return undefined;
    const file = this.fileSystem.open(p.resolvedPath);
    try {
      const length = p.length ?? Math.ceil((n * bytesPerElement(tensor.dtype)));
      return decodeRaw(tensor.dtype, dims, n, file.read(p.offset, length));
    } finally {
      file.close();
    }
  }
}

/**
 * The element count of a tensor small enough to keep its values (at most MAX_KNOWN_VALUE_ELEMENTS), else
 * undefined (too large, or a negative dim). Counted in numbers: a model has tens of thousands of such
 * constants (shape vectors, axes), and a bigint product allocates per dim.
 */
function knownElementCount(dims: readonly bigint[]): number | undefined {
  let empty = false;
  for (const d of dims) {
    if (d < 0n) return undefined;
    if (d === 0n) empty = true;
  }
  if (empty) return 0;
  let count = 1;
  for (const d of dims) {
    if (d > MAX_KNOWN) return undefined; // every dim is at least 1 here, so the count only grows
    count *= Number(d);
    if (count > MAX_KNOWN_VALUE_ELEMENTS) return undefined;
  }
  return count;
}

const MAX_KNOWN = BigInt(MAX_KNOWN_VALUE_ELEMENTS);

function bytesPerElement(dtype: DataType): number {
  switch (dtype) {
    case DataType.INT64: case DataType.UINT64: case DataType.DOUBLE: return 8;
    case DataType.INT32: case DataType.UINT32: case DataType.FLOAT: return 4;
    case DataType.INT16: case DataType.UINT16: case DataType.FLOAT16: case DataType.BFLOAT16: return 2;
    default: return 1;
  }
}

function emptyValue(dtype: DataType, dims: number[]): KnownValue {
  return isFloatType(dtype) ? { kind: 'floats', dims, data: [] } : { kind: 'ints', dims, data: [] };
}

function decodeRaw(dtype: DataType, dims: number[], n: number, bytes: Uint8Array): KnownValue | undefined {
  if (bytes.length < n * bytesPerElement(dtype)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ints = (read: (i: number) => bigint | number): KnownValue => ({
    kind: 'ints', dims, data: Array.from({ length: n }, (_, i) => Expr.constant(read(i))),
  });
  const floats = (read: (i: number) => number): KnownValue => ({ kind: 'floats', dims, data: Array.from({ length: n }, (_, i) => read(i)) });
  switch (dtype) {
    case DataType.INT64: return ints((i) => int64At(view, i * 8));
    case DataType.UINT64: return ints((i) => view.getBigUint64(i * 8, true));
    case DataType.INT32: return ints((i) => view.getInt32(i * 4, true));
    case DataType.UINT32: return ints((i) => view.getUint32(i * 4, true));
    case DataType.INT16: return ints((i) => view.getInt16(i * 2, true));
    case DataType.UINT16: return ints((i) => view.getUint16(i * 2, true));
    case DataType.INT8: return ints((i) => view.getInt8(i));
    case DataType.UINT8: case DataType.BOOL: return ints((i) => view.getUint8(i));
    case DataType.FLOAT: return floats((i) => view.getFloat32(i * 4, true));
    case DataType.DOUBLE: return floats((i) => view.getFloat64(i * 8, true));
    case DataType.FLOAT16: return floats((i) => halfToFloat(view.getUint16(i * 2, true)));
    case DataType.BFLOAT16: return floats((i) => bfloatToFloat(view.getUint16(i * 2, true)));
    default: return undefined;
  }
}

/** A little-endian int64, as a number when it is a safe integer (shape values are), so that no bigint is made. */
function int64At(view: DataView, offset: number): number | bigint {
  const high = view.getInt32(offset + 4, true);
  if (high >= -0x200000 && high < 0x200000) return high * 0x1_0000_0000 + view.getUint32(offset, true);
  return view.getBigInt64(offset, true);
}

/** A typed repeated field (int64_data, float_data...): packed, or the one value of an unpacked repeat. */
function decodeTyped(dtype: DataType, dims: number[], n: number, field: string, bytes: Uint8Array): KnownValue | undefined {
  if (field === 'int64_data' || field === 'int32_data' || field === 'uint64_data') {
    const values = varints(bytes, n);
    if (!values || values.length < n) return undefined;
    if (dtype === DataType.FLOAT16) return { kind: 'floats', dims, data: values.map((v) => halfToFloat(Number(v))) };
    if (dtype === DataType.BFLOAT16) return { kind: 'floats', dims, data: values.map((v) => bfloatToFloat(Number(v))) };
    if (isFloatType(dtype)) return undefined;
    const data = field === 'uint64_data' ? values.map((v) => BigInt.asUintN(64, v)) : field === 'int32_data' ? values.map((v) => BigInt.asIntN(32, v)) : values;
    return { kind: 'ints', dims, data: data.map((v) => Expr.constant(v)) };
  }
  if (field === 'float_data') {
    if (bytes.length < n * 4) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { kind: 'floats', dims, data: Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true)) };
  }
  if (field === 'double_data') return decodeRaw(DataType.DOUBLE, dims, n, bytes);
  return undefined;
}

/** Up to `n` varints, each as a signed 64-bit integer; undefined when one is cut off or over 10 bytes. */
function varints(bytes: Uint8Array, n: number): bigint[] | undefined {
  const values: bigint[] = [];
  let p = 0;
  while (p < bytes.length && values.length < n) {
    // Up to 7 bytes (below 2^49) as a number; longer ones, negative values among them, as a bigint.
    const start = p;
    let small = 0;
    let scale = 1;
    let ended = false;
    for (let i = 0; i < 7 && p < bytes.length; i++) {
      const b = bytes[p++];
      small += (b & 0x7f) * scale;
      if (b < 0x80) {
        ended = true;
        break;
      }
      scale *= 128;
    }
    if (ended) {
      values.push(BigInt(small));
      continue;
    }
    p = start;
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10 && p < bytes.length; i++) {
      const b = bytes[p++];
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        ended = true;
        break;
      }
      shift += 7n;
    }
    if (!ended) return undefined;
    values.push(BigInt.asIntN(64, value));
  }
  return values;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function bfloatToFloat(b: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, b << 16);
  return view.getFloat32(0);
}

/** A bounded, evenly strided sample of a weight tensor's elements, for quantisation-risk statistics. */
export interface TensorSample {
  readonly dims: readonly number[];
  readonly totalElements: number;
  /** Flat (row-major) element index of each sampled value. */
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

/**
 * Reads at most `maxElements` elements of `tensor`, evenly strided over the whole tensor, reading only their
 * bytes (one small read each) from the model or its external data file. The stride is odd so that the
 * samples spread over the columns of power-of-two-wide matrices instead of landing in one column.
 * undefined for dtypes other than float32/16, bfloat16, double, int8, uint8, for sparse tensors, packed
 * varint payloads, or data that is missing.
 */
export function sampleTensor(
  tensor: TensorRef,
  maxElements: number,
  modelSource: ByteSource | undefined,
  fileSystem: FileSystem | undefined,
): TensorSample | undefined {
  const width = tensor.dtype === undefined ? undefined : SAMPLE_WIDTH[tensor.dtype];
  if (width === undefined || tensor.dtype === undefined || tensor.sparseValueCount !== undefined) return undefined;
  const total = Number(elementCount(tensor.dims));
  if (!Number.isSafeInteger(total) || total <= 0 || maxElements <= 0) return undefined;
  const p = tensor.payload;
  let source: ByteSource | undefined;
  let base: number;
  let close = () => {};
  if (p.kind === 'embedded' && (p.field === 'raw_data' || (p.field === 'float_data' && width === 4) || (p.field === 'double_data' && width === 8))) {
    source = modelSource;
    base = p.offset;
  } else if (p.kind === 'external' && !p.problem && p.resolvedPath && fileSystem) {
    try {
      const file = fileSystem.open(p.resolvedPath);
      source = file;
      close = () => file.close();
    } catch {
      return undefined;
    }
    base = p.offset;
  } else {
    return undefined;
  }
  if (!source) return undefined;
  try {
    const count = Math.min(total, Math.floor(maxElements));
    let stride = Math.max(1, Math.floor(total / count));
    if (stride > 1 && stride % 2 === 0) stride -= 1;
    const indices: number[] = [];
    const values: number[] = [];
    for (let i = 0, flat = 0; i < count && flat < total; i++, flat += stride) {
      const bytes = source.read(base + flat * width, width);
      if (bytes.length < width) return undefined;
      indices.push(flat);
      values.push(decodeSampleElement(tensor.dtype, new DataView(bytes.buffer, bytes.byteOffset, width)));
    }
    return { dims: tensor.dims.map(Number), totalElements: total, indices, values };
  } finally {
    close();
  }
}

const SAMPLE_WIDTH: Partial<Record<DataType, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.FLOAT16]: 2,
  [DataType.BFLOAT16]: 2,
  [DataType.INT8]: 1,
  [DataType.UINT8]: 1,
};

function decodeSampleElement(dtype: DataType, view: DataView): number {
  switch (dtype) {
    case DataType.FLOAT: return view.getFloat32(0, true);
    case DataType.DOUBLE: return view.getFloat64(0, true);
    case DataType.FLOAT16: return halfToFloat(view.getUint16(0, true));
    case DataType.BFLOAT16: return bfloatToFloat(view.getUint16(0, true));
    case DataType.INT8: return view.getInt8(0);
    default: return view.getUint8(0);
  }
}
