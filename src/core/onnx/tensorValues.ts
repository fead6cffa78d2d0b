import type { ByteSource, FileSystem } from '../io/byteSource';
import { Expr } from '../shapes/expr';
import { type KnownValue, MAX_KNOWN_VALUE_ELEMENTS } from '../shapes/tensorInfo';
import { DataType, isFloatType } from './dataType';
import { elementCount, type TensorRef } from './model';
import { ProtoCursor } from './protoCursor';

/**
 * Reads the contents of small tensors (shape vectors, axes, scales) that shape inference needs.
 * Tensors over MAX_KNOWN_VALUE_ELEMENTS elements are never read: a profiler needs their shape only.
 */
export class TensorValueReader {
  constructor(
    private readonly modelSource: ByteSource | undefined,
    private readonly fileSystem: FileSystem | undefined,
  ) {}

  read(tensor: TensorRef): KnownValue | undefined {
    const { dtype, payload } = tensor;
    if (dtype === undefined || tensor.sparseValueCount !== undefined) return undefined;
    const count = elementCount(tensor.dims);
    if (count > BigInt(MAX_KNOWN_VALUE_ELEMENTS) || tensor.dims.some((d) => d < 0n)) return undefined;
    const n = Number(count);
    const dims = tensor.dims.map(Number);
    if (payload.kind === 'none') return n === 0 ? emptyValue(dtype, dims) : undefined;
    try {
      if (payload.kind === 'external') return this.readExternal(tensor, n, dims);
      if (!this.modelSource) return undefined;
      if (payload.field === 'raw_data') return decodeRaw(dtype, dims, n, this.modelSource.read(payload.offset, payload.length));
      return decodeTyped(dtype, dims, n, payload.field, new ProtoCursor(this.modelSource, payload.offset, payload.offset + payload.length));
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
    case DataType.INT64: return ints((i) => view.getBigInt64(i * 8, true));
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

function decodeTyped(dtype: DataType, dims: number[], n: number, field: string, cursor: ProtoCursor): KnownValue | undefined {
  if (field === 'int64_data' || field === 'int32_data' || field === 'uint64_data') {
    const values: bigint[] = [];
    while (cursor.hasMore() && values.length < n) values.push(cursor.int64());
    if (values.length < n) return undefined;
    if (dtype === DataType.FLOAT16) return { kind: 'floats', dims, data: values.map((v) => halfToFloat(Number(v))) };
    if (dtype === DataType.BFLOAT16) return { kind: 'floats', dims, data: values.map((v) => bfloatToFloat(Number(v))) };
    if (isFloatType(dtype)) return undefined;
    const data = field === 'uint64_data' ? values.map((v) => BigInt.asUintN(64, v)) : field === 'int32_data' ? values.map((v) => BigInt.asIntN(32, v)) : values;
    return { kind: 'ints', dims, data: data.map((v) => Expr.constant(v)) };
  }
  if (field === 'float_data') {
    const data: number[] = [];
    while (cursor.hasMore() && data.length < n) data.push(cursor.float32());
    return data.length < n ? undefined : { kind: 'floats', dims, data };
  }
  if (field === 'double_data') {
    const bytes = cursor.bytes(n * 8);
    return decodeRaw(DataType.DOUBLE, dims, n, bytes);
  }
  return undefined;
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
