/**
 * Hostile and broken input: each error class gets its exact one-line message, and nothing outside the
 * model's folder is opened (checked with a spy on the file layer).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { FileSystem } from '../../src/core/io/byteSource';
import { inMemoryByteSource } from '../../src/core/io/byteSource';
import { OnnxLoadError } from '../../src/core/onnx/errors';
import { LoadedModel } from '../../src/core/profile';
import { nodeFileSystem } from '../../src/node/nodeFileSystem';
import { profileModelFile } from '../../src/node/profileFile';
import { encodeModel, externalDataModel, FLOAT, matmulModel, tensorValueInfo } from './onnxBuilder';

const SHARED_TESTDATA = path.resolve(__dirname, '../../../../shared/models/gh/onnxruntime__onnxruntime-qnn/onnxruntime/test/testdata');

function loadError(bytes: Uint8Array, file = '/models/m.onnx', fileSystem?: FileSystem): OnnxLoadError {
  try {
    LoadedModel.load({ path: file, source: inMemoryByteSource(bytes), fileSystem });
  } catch (e) {
    if (e instanceof OnnxLoadError) return e;
    throw e;
  }
  assert.fail('expected the model to be refused');
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-profiler-test-'));
}

/** A FileSystem that records every call, to prove what was (not) touched. */
function spyFileSystem(): { fs: FileSystem; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fs: {
      open: (p) => (calls.push(`open ${p}`), nodeFileSystem.open(p)),
      sizeOf: (p) => (calls.push(`sizeOf ${p}`), nodeFileSystem.sizeOf(p)),
      realPath: (p) => (calls.push(`realPath ${p}`), nodeFileSystem.realPath(p)),
    },
  };
}

const ascii = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

test('files that are not ONNX are named for what they are', () => {
  const cases: [string, Uint8Array, string][] = [
    ['m.gguf', ascii('GGUF\x03\x00\x00\x00'), 'not an ONNX model: the file looks like a GGUF model (llama.cpp)'],
    ['m.tflite', ascii('\x1c\x00\x00\x00TFL3\x00\x00'), 'not an ONNX model: the file looks like a TensorFlow Lite model (FlatBuffer)'],
    ['m.pt', ascii('PK\x03\x04\x00\x00'), 'not an ONNX model: the file looks like a PyTorch checkpoint (zip archive)'],
    ['m.pkl', ascii('\x80\x04\x95\x00'), 'not an ONNX model: the file looks like a Python pickle (a PyTorch checkpoint or similar)'],
    ['m.safetensors', new Uint8Array([0x10, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22]), 'not an ONNX model: the file looks like a safetensors weights file'],
    ['m.pb', new Uint8Array([0x0a, 0x0c, 0x0a, 0x01, 0x78, 0x12, 0x07, 0x50, 0x6c, 0x61, 0x63, 0x65]), 'not an ONNX model: the file looks like a TensorFlow GraphDef (a frozen .pb graph)'],
    ['m.h5', ascii('\x89HDF\r\n\x1a\n'), 'not an ONNX model: the file looks like an HDF5 file (a Keras model)'],
    ['m.onnx', ascii('hello, this is text'), 'not an ONNX model: its first bytes are not a protobuf ModelProto'],
  ];
  for (const [name, bytes, message] of cases) {
    const e = loadError(bytes, `/models/${name}`);
    assert.equal(e.message, message, name);
  }
});

test('an empty file and a protobuf with no graph', () => {
  assert.equal(loadError(new Uint8Array()).message, 'the file is empty (0 bytes)');
  assert.equal(loadError(new Uint8Array([0x08, 0x07])).message, 'not an ONNX model: it has no graph');
});

test('truncation names the byte offset and the field being read', () => {
  const model = matmulModel();
  assert.equal(
    loadError(model.subarray(0, 30)).message,
    'truncated at byte 9 in ModelProto (field 7): length 139 runs past the end of the file (19 bytes remain)',
  );
  assert.equal(loadError(model.subarray(0, 3)).message, 'truncated at byte 3 in ModelProto (field 2): unterminated varint');
  assert.equal(loadError(model.subarray(0, 30)).code, 'truncated');
});

test('a bad wire type names the byte offset and the field path', () => {
  const model = matmulModel().slice();
  model[11] = 0x0f; // graph.node's key with wire type 7
  const e = loadError(model);
  assert.equal(e.message, 'bad data at byte 11 in ModelProto.graph (field 1): invalid field key 15 (field 1, wire type 7)');
  assert.equal(e.code, 'malformed');
});

test('unsupported IR versions are refused; a missing ir_version is read as the newest with a warning', () => {
  const graph = { name: 'g', node: [], output: [tensorValueInfo('x', FLOAT, [1])], input: [tensorValueInfo('x', FLOAT, [1])] };
  assert.equal(loadError(encodeModel(graph, { irVersion: 2 })).message, 'unsupported IR version 2 (supported: 3 to 13)');
  assert.equal(loadError(encodeModel(graph, { irVersion: 14 })).message, 'unsupported IR version 14 (supported: 3 to 13)');
  const noIr = LoadedModel.load({ path: '/m.onnx', source: inMemoryByteSource(encodeModel(graph, { irVersion: 0 })) });
  assert.equal(noIr.model.irVersion, 13);
  assert.deepEqual(noIr.model.warnings.map((w) => w.code), ['missing-ir-version']);
});

test('external data that escapes the model folder is refused, naming the path, before any file is touched', () => {
  const cases: [string, string][] = [
    ['../secret.bin', "external data of tensor 'w' points outside the model's folder: '../secret.bin' climbs out with .."],
    ['a/../../secret.bin', "external data of tensor 'w' points outside the model's folder: 'a/../../secret.bin' climbs out with .."],
    ['/etc/passwd', "external data of tensor 'w' points outside the model's folder: '/etc/passwd' is an absolute path"],
    ['C:\\Windows\\win.ini', "external data of tensor 'w' points outside the model's folder: 'C:\\Windows\\win.ini' is an absolute path"],
    ['\\\\server\\share\\w.bin', "external data of tensor 'w' points outside the model's folder: '\\\\server\\share\\w.bin' is an absolute path"],
    ['https://example.com/w.bin', "external data of tensor 'w' points outside the model's folder: 'https://example.com/w.bin' is a URL"],
    ['file:///etc/passwd', "external data of tensor 'w' points outside the model's folder: 'file:///etc/passwd' is a URL"],
    ['*/_ORT_MEM_ADDR_/*', "external data of tensor 'w' points outside the model's folder: '*/_ORT_MEM_ADDR_/*' is a pseudo path, not a file"],
  ];
  for (const [location, message] of cases) {
    const spy = spyFileSystem();
    const e = loadError(externalDataModel(location), '/models/m.onnx', spy.fs);
    assert.equal(e.message, message);
    assert.equal(e.code, 'external-data-escape');
    assert.deepEqual(spy.calls, [], `no file touched for ${location}`);
  }
});

test('a symbolic link out of the model folder is refused and never opened', () => {
  const dir = tempDir();
  const outside = tempDir();
  fs.writeFileSync(path.join(outside, 'secret.bin'), 'secret');
  fs.symlinkSync(path.join(outside, 'secret.bin'), path.join(dir, 'w.bin'));
  const spy = spyFileSystem();
  const e = loadError(externalDataModel('w.bin'), path.join(dir, 'm.onnx'), spy.fs);
  assert.equal(e.message, `external data of tensor 'w' points outside the model's folder: 'w.bin' is a link to '${fs.realpathSync(path.join(outside, 'secret.bin'))}'`);
  assert.ok(!spy.calls.some((c) => c.startsWith('open')), spy.calls.join('\n'));
});

test('a missing side file is one note (a graph-only model), a range past its end a warning; the model still profiles', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'missing.onnx'), externalDataModel('absent.bin'));
  const missing = profileModelFile(path.join(dir, 'missing.onnx'));
  assert.deepEqual(
    missing.diagnostics.filter((d) => d.code === 'weights-absent' || d.code === 'external-data'),
    [{ severity: 'info', code: 'weights-absent', message: "weights are not present: 1 tensor in 'absent.bin'; profiled from shapes and types" }],
  );
  assert.equal(missing.totals.flops, 24); // 1×4×3 MACs, known without the weights

  fs.writeFileSync(path.join(dir, 'short.bin'), new Uint8Array(8));
  fs.writeFileSync(path.join(dir, 'short.onnx'), externalDataModel('short.bin', [{ key: 'offset', value: '4' }, { key: 'length', value: '48' }]));
  const short = profileModelFile(path.join(dir, 'short.onnx'));
  assert.ok(short.diagnostics.some((d) => d.message === "external data of tensor 'w' (offset 4, length 48) runs past the end of 'short.bin' (8 bytes)"));
});

test("ONNX Runtime's two security models are refused with the escaping path named, and nothing outside is opened", (t) => {
  const cases: [string, string][] = [
    ['test_arbitrary_external_file.onnx', "external data of tensor 'evil_weights' points outside the model's folder: '../../../../../../../etc/passwd' climbs out with .."],
    ['test_evil_weights.onnx', "external data of tensor 'evil_weights' points outside the model's folder: '*/_ORT_MEM_ADDR_/*' is a pseudo path, not a file"],
  ];
  for (const [name, message] of cases) {
    const file = path.join(SHARED_TESTDATA, name);
    if (!fs.existsSync(file)) {
      t.skip(`${file} is not present`);
      return;
    }
    const spy = spyFileSystem();
    assert.throws(() => profileModelFile(file, {}, spy.fs), (e: unknown) => e instanceof OnnxLoadError && e.message === message);
    assert.deepEqual(spy.calls, [`open ${file}`], 'only the model itself is opened');
  }
});

test('graphs with cycles, duplicate outputs, dangling inputs or no outputs profile with a diagnostic for each', () => {
  const x = tensorValueInfo('x', FLOAT, [2]);
  const report = (graph: Parameters<typeof encodeModel>[0]) =>
    LoadedModel.load({ path: '/m.onnx', source: inMemoryByteSource(encodeModel(graph)) }).profile();
  const cyclic = report({
    name: 'g',
    node: [
      { opType: 'Relu', name: 'a', input: ['b_out'], output: ['a_out'] },
      { opType: 'Relu', name: 'b', input: ['a_out'], output: ['b_out'] },
    ],
    input: [x],
    output: [tensorValueInfo('b_out', FLOAT, [2])],
  });
  assert.ok(cyclic.diagnostics.some((d) => d.code === 'cycle' && d.message.includes("'a', 'b'")), JSON.stringify(cyclic.diagnostics));

  const duplicate = report({
    name: 'g',
    node: [
      { opType: 'Relu', name: 'a', input: ['x'], output: ['y'] },
      { opType: 'Neg', name: 'b', input: ['x'], output: ['y'] },
    ],
    input: [x],
    output: [tensorValueInfo('y', FLOAT, [2])],
  });
  assert.ok(duplicate.diagnostics.some((d) => d.message === "'y' is produced twice: node 'b' redefines an earlier value; the later one is used"));

  const dangling = report({ name: 'g', node: [{ opType: 'Relu', name: 'a', input: ['nowhere'], output: ['y'] }], input: [x], output: [tensorValueInfo('y', FLOAT, [2])] });
  assert.ok(dangling.diagnostics.some((d) => d.message === "input 'nowhere' of node 'a' is produced by no node, input or initializer"));

  const noOutputs = report({ name: 'g', node: [{ opType: 'Relu', name: 'a', input: ['x'], output: ['y'] }], input: [x], output: [] });
  assert.ok(noOutputs.diagnostics.some((d) => d.message === 'the graph declares no outputs'));
});

test('absurd dims: negative dims in a declared input are reported, products past 2^63 stay exact', () => {
  const model = encodeModel({
    name: 'g',
    node: [{ opType: 'Relu', name: 'r', input: ['x'], output: ['y'] }],
    input: [tensorValueInfo('x', FLOAT, [-5, 2 ** 40, 2 ** 40])],
    output: [tensorValueInfo('y', FLOAT, [])],
  });
  const report = LoadedModel.load({ path: '/m.onnx', source: inMemoryByteSource(model) }).profile();
  assert.ok(report.diagnostics.some((d) => d.message === "dim -5 of 'x' is not a valid size; treated as unknown"));
  const big = LoadedModel.load({
    path: '/m.onnx',
    source: inMemoryByteSource(
      encodeModel({ name: 'g', node: [{ opType: 'Relu', name: 'r', input: ['x'], output: ['y'] }], input: [tensorValueInfo('x', FLOAT, [2 ** 40, 2 ** 40])], output: [tensorValueInfo('y', FLOAT, [])] }),
    ),
  }).profile();
  assert.equal(big.totals.flops, (2n ** 80n).toString()); // exact, as a digit string past 2^53
  assert.ok(big.diagnostics.some((d) => d.message === `'y' of node 'r' would hold ${2n ** 80n} elements, past 2^63 − 1: its dims are not plausible`));
});

test('unknown ops and unimported domains are named in diagnostics and counted as uncovered, never as 0', () => {
  const model = encodeModel({
    name: 'g',
    node: [
      { opType: 'Relu', name: 'r', input: ['x'], output: ['a'] },
      { opType: 'FrobnicateV2', name: 'f', domain: 'com.example', input: ['a'], output: ['y'] },
    ],
    input: [tensorValueInfo('x', FLOAT, [2, 3])],
    output: [tensorValueInfo('y', FLOAT, [2, 3])],
  });
  const report = LoadedModel.load({ path: '/m.onnx', source: inMemoryByteSource(model) }).profile();
  const messages = report.diagnostics.map((d) => d.message);
  assert.ok(messages.includes("no cost rule for com.example.FrobnicateV2 (1 node): its cost is unknown, not 0, and its outputs come from value_info where the file has it"), messages.join('\n'));
  assert.ok(messages.includes("node 'f' uses domain 'com.example', which the model does not import; read as version 1"), messages.join('\n'));
  assert.deepEqual(report.coverage.uncoveredOpTypes, [{ opType: 'FrobnicateV2', domain: 'com.example', count: 1 }]);
  assert.equal(report.coverage.percent, 50);
  assert.equal(report.nodes[1].status, 'uncovered');
  assert.deepEqual(report.graphOutputs[0].shape, [2, 3], 'the uncovered op takes the declared output type');
});
