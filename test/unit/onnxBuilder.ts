/** Builds small ONNX models in memory for tests, through onnx-proto's encoder. */
import { onnx } from 'onnx-proto';

export type DimSpec = number | string;

export function tensorValueInfo(name: string, elemType: number, dims: readonly DimSpec[] | undefined): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: dims === undefined ? undefined : { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export const FLOAT = 1;
export const INT64 = 7;

export function encodeModel(graph: onnx.IGraphProto, options: { irVersion?: number; opset?: number; extraOpsets?: onnx.IOperatorSetIdProto[]; functions?: onnx.IFunctionProto[] } = {}): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: options.irVersion ?? 8,
    producerName: 'test',
    opsetImport: [{ domain: '', version: options.opset ?? 17 }, ...(options.extraOpsets ?? [])],
    graph,
    functions: options.functions,
  }).finish();
}

/** y = MatMul(x, w) with w an FP32 initializer stored in the file. */
export function matmulModel(batch: DimSpec = 'batch', k = 4, n = 3): Uint8Array {
  return encodeModel({
    name: 'g',
    node: [{ opType: 'MatMul', name: 'mm', input: ['x', 'w'], output: ['y'] }],
    initializer: [{ name: 'w', dims: [k, n], dataType: FLOAT, rawData: new Uint8Array(k * n * 4) }],
    input: [tensorValueInfo('x', FLOAT, [batch, k])],
    output: [tensorValueInfo('y', FLOAT, [batch, n])],
  });
}

/** A model whose one initializer lives at `location` in external data. */
export function externalDataModel(location: string, extra: { key: string; value: string }[] = []): Uint8Array {
  return encodeModel({
    name: 'g',
    node: [{ opType: 'MatMul', name: 'mm', input: ['x', 'w'], output: ['y'] }],
    initializer: [{ name: 'w', dims: [4, 3], dataType: FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: location }, ...extra] }],
    input: [tensorValueInfo('x', FLOAT, [1, 4])],
    output: [tensorValueInfo('y', FLOAT, [1, 3])],
  });
}

/** The graph the calibration fixtures (test/fixtures/calibration) describe: gemm (1024³ fp16), relu, and a 1M-element add. */
export function calibrationModel(): Uint8Array {
  const FLOAT16 = 10;
  return encodeModel({
    name: 'g',
    node: [
      { opType: 'MatMul', name: 'gemm', input: ['a', 'b'], output: ['y'] },
      { opType: 'Relu', name: 'relu', input: ['y'], output: ['r'] },
      { opType: 'Add', name: 'add', input: ['p', 'q'], output: ['s'] },
    ],
    input: [tensorValueInfo('a', FLOAT16, [1024, 1024]), tensorValueInfo('b', FLOAT16, [1024, 1024]), tensorValueInfo('p', FLOAT16, [1000000]), tensorValueInfo('q', FLOAT16, [1000000])],
    output: [tensorValueInfo('r', FLOAT16, [1024, 1024]), tensorValueInfo('s', FLOAT16, [1000000])],
  });
}
