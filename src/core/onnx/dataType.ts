/**
 * ONNX TensorProto.DataType, as of ONNX 1.20 (IR version 13).
 * onnx-proto's enum stops at BFLOAT16 (ONNX 1.10), so the newer codes are listed here from onnx.proto.
 */
export enum DataType {
  UNDEFINED = 0,
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
  COMPLEX64 = 14,
  COMPLEX128 = 15,
  BFLOAT16 = 16,
  FLOAT8E4M3FN = 17,
  FLOAT8E4M3FNUZ = 18,
  FLOAT8E5M2 = 19,
  FLOAT8E5M2FNUZ = 20,
  UINT4 = 21,
  INT4 = 22,
  FLOAT4E2M1 = 23,
  FLOAT8E8M0 = 24,
  UINT2 = 25,
  INT2 = 26,
}

/** Storage bits per element; strings have no fixed size (counted as pointers: 64 bits). */
const BITS: Record<DataType, number> = {
  [DataType.UNDEFINED]: 0,
  [DataType.FLOAT]: 32,
  [DataType.UINT8]: 8,
  [DataType.INT8]: 8,
  [DataType.UINT16]: 16,
  [DataType.INT16]: 16,
  [DataType.INT32]: 32,
  [DataType.INT64]: 64,
  [DataType.STRING]: 64,
  [DataType.BOOL]: 8,
  [DataType.FLOAT16]: 16,
  [DataType.DOUBLE]: 64,
  [DataType.UINT32]: 32,
  [DataType.UINT64]: 64,
  [DataType.COMPLEX64]: 64,
  [DataType.COMPLEX128]: 128,
  [DataType.BFLOAT16]: 16,
  [DataType.FLOAT8E4M3FN]: 8,
  [DataType.FLOAT8E4M3FNUZ]: 8,
  [DataType.FLOAT8E5M2]: 8,
  [DataType.FLOAT8E5M2FNUZ]: 8,
  [DataType.UINT4]: 4,
  [DataType.INT4]: 4,
  [DataType.FLOAT4E2M1]: 4,
  [DataType.FLOAT8E8M0]: 8,
  [DataType.UINT2]: 2,
  [DataType.INT2]: 2,
};

export function isKnownDataType(code: number): code is DataType {
  return Number.isInteger(code) && code >= 0 && code <= DataType.INT2;
}

export function bitsOf(dtype: DataType): number {
  return BITS[dtype] ?? 0;
}

/** Bytes for `elements` values, rounding sub-byte packings up as ONNX does (two INT4 per byte). */
export function bytesFor(dtype: DataType, elements: bigint): bigint {
  const bits = BigInt(bitsOf(dtype));
  return (elements * bits + 7n) / 8n;
}

/** Name as the ONNX spec writes it in type strings: `float`, `int64`, `float8e4m3fn`. */
export function dataTypeName(dtype: DataType | undefined): string {
  if (dtype === undefined) return 'unknown';
  const known = DATA_TYPE_NAMES.get(dtype);
  if (known !== undefined) return known;
  const name = DataType[dtype];
  return name === undefined ? `dtype(${dtype as number})` : name.toLowerCase();
}

/** dataTypeName of each enum value, made once (it is asked for every tensor of a report). */
const DATA_TYPE_NAMES = new Map<DataType, string>(
  Object.values(DataType).filter((v): v is DataType => typeof v === 'number').map((v) => [v, DataType[v].toLowerCase()]),
);

export function isFloatType(dtype: DataType): boolean {
  return (
    dtype === DataType.FLOAT || dtype === DataType.DOUBLE || dtype === DataType.FLOAT16 || dtype === DataType.BFLOAT16 ||
    (dtype >= DataType.FLOAT8E4M3FN && dtype <= DataType.FLOAT8E5M2FNUZ) || dtype === DataType.FLOAT4E2M1 ||
    dtype === DataType.FLOAT8E8M0
  );
}

export function isIntegerType(dtype: DataType): boolean {
  return (
    (dtype >= DataType.UINT8 && dtype <= DataType.INT64) || dtype === DataType.UINT32 || dtype === DataType.UINT64 ||
    dtype === DataType.UINT4 || dtype === DataType.INT4 || dtype === DataType.UINT2 || dtype === DataType.INT2
  );
}

/**
 * Whether a constant of this type is a learned parameter: floats, and the narrow integers that
 * quantized weights use. int32/int64/bool/string constants are shapes, indices and masks: they are
 * read like any input but are not counted as params or weight bytes.
 */
export function isParameterType(dtype: DataType | undefined): boolean {
  if (dtype === undefined) return false;
  if (isFloatType(dtype)) return true;
  return dtype === DataType.INT8 || dtype === DataType.UINT8 || dtype === DataType.INT16 || dtype === DataType.UINT16 ||
    dtype === DataType.INT4 || dtype === DataType.UINT4 || dtype === DataType.INT2 || dtype === DataType.UINT2;
}
