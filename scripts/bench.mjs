// Benchmark: profile time and peak memory against weight size. Prints a table; it is not a test.
//
// Generates one-graph models (a chain of MatMuls over FP32 weights) with growing weight bytes, embedded
// in the .onnx and in an external-data file, written with onnx-proto's encoder (each tensor's header)
// and streamed zeros (the payloads), then, each in a fresh process, times:
//   - our profile (load + shape inference + costs + report), and
//   - a full protobufjs decode of the same file (onnx-proto's ModelProto.decode on the whole file),
// reporting wall time after start-up and peak RSS.
//
// usage: npm run bench [-- --max-gb 2 --dir bench-output]
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const args = process.argv.slice(2);
const argValue = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const dir = resolve(argValue('--dir', 'bench-output'));
const maxGb = Number(argValue('--max-gb', '2'));
mkdirSync(dir, { recursive: true });

const HIDDEN = 4096;
const MATRIX_BYTES = HIDDEN * HIDDEN * 4; // one FP32 [4096, 4096] weight: 64 MiB

/** Protobuf key and length prefix for a length-delimited field. */
function lengthDelimitedHeader(field, length) {
  const bytes = [];
  const varint = (v) => {
    let x = BigInt(v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      bytes.push(b);
    } while (x > 0n);
  };
  varint((field << 3) | 2);
  varint(length);
  return Uint8Array.from(bytes);
}

function writeZeros(fd, count) {
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  let left = count;
  while (left > 0) {
    const n = Math.min(left, chunk.length);
    writeSync(fd, chunk, 0, n);
    left -= n;
  }
}

/**
 * Writes a model of `layers` FP32 [HIDDEN, lastDim] weights. Embedded: raw_data inside the file.
 * External: data in `<name>.data`, the model only points at it.
 */
function writeModel(path, layers, lastDim, external) {
  const dims = (i) => [HIDDEN, i === layers - 1 ? lastDim : HIDDEN];
  const nodes = [];
  for (let i = 0; i < layers; i++) {
    nodes.push({ opType: 'MatMul', name: `/layers.${i}/MatMul`, input: [i === 0 ? 'x' : `h${i}`, `w${i}`], output: [i === layers - 1 ? 'y' : `h${i + 1}`] });
  }
  const valueInfo = (name, shape) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } });
  const dataPath = `${path}.data`;
  let dataOffset = 0;
  const tensorHeaders = [];
  for (let i = 0; i < layers; i++) {
    const [r, c] = dims(i);
    const bytes = r * c * 4;
    const header = { name: `w${i}`, dims: [r, c], dataType: 1 };
    if (external) {
      header.dataLocation = 1;
      header.externalData = [
        { key: 'location', value: dataPath.split('/').pop() },
        { key: 'offset', value: String(dataOffset) },
        { key: 'length', value: String(bytes) },
      ];
      dataOffset += bytes;
    }
    tensorHeaders.push({ encoded: onnx.TensorProto.encode(header).finish(), payloadBytes: external ? 0 : bytes });
  }
  const graphRest = onnx.GraphProto.encode({
    name: 'bench',
    node: nodes,
    input: [valueInfo('x', ['batch', HIDDEN])],
    output: [valueInfo('y', ['batch', lastDim])],
  }).finish();
  const initializerFields = tensorHeaders.map(({ encoded, payloadBytes }) => {
    const raw = payloadBytes ? lengthDelimitedHeader(9, payloadBytes) : new Uint8Array();
    const tensorLength = encoded.length + raw.length + payloadBytes;
    return { prefix: lengthDelimitedHeader(5, tensorLength), encoded, raw, payloadBytes };
  });
  const graphLength = graphRest.length + initializerFields.reduce((a, f) => a + f.prefix.length + f.encoded.length + f.raw.length + f.payloadBytes, 0);
  const modelHead = onnx.ModelProto.encode({ irVersion: 8, producerName: 'onnx-hardware-profiler bench', opsetImport: [{ domain: '', version: 17 }] }).finish();

  const fd = openSync(path, 'w');
  writeSync(fd, modelHead);
  writeSync(fd, lengthDelimitedHeader(7, graphLength));
  writeSync(fd, graphRest);
  for (const f of initializerFields) {
    writeSync(fd, f.prefix);
    writeSync(fd, f.encoded);
    if (f.payloadBytes) {
      writeSync(fd, f.raw);
      writeZeros(fd, f.payloadBytes);
    }
  }
  closeSync(fd);
  if (external) {
    const dfd = openSync(dataPath, 'w');
    writeZeros(dfd, dataOffset);
    closeSync(dfd);
  }
}

const PROFILE_CHILD = `
const { profileModelFile } = require(${JSON.stringify(resolve('out/src/node/profileFile.js'))});
const t0 = process.hrtime.bigint();
const report = profileModelFile(process.argv[1], { bindings: new Map([['batch', 1]]) });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, flops: report.totals.flops, params: report.totals.params }));
`;

const DECODE_CHILD = `
const fs = require('fs');
const { onnx } = require(${JSON.stringify(require.resolve('onnx-proto'))});
const t0 = process.hrtime.bigint();
const model = onnx.ModelProto.decode(fs.readFileSync(process.argv[1]));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, nodes: model.graph.node.length }));
`;

function runChild(code, file) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '-e', code, file], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || '').split('\n').find((l) => l.trim()) ?? `exit ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const cases = [
  { layers: 1, lastDim: 1024, external: false },
  { layers: 1, lastDim: HIDDEN, external: false },
  { layers: 6, lastDim: 1024, external: false }, // ≈ 352 MB
  { layers: 16, lastDim: HIDDEN, external: false }, // 1 GiB
  { layers: 32, lastDim: HIDDEN, external: true }, // 2 GiB external
].filter((c) => (c.layers * MATRIX_BYTES) / 2 ** 30 <= maxGb + 0.01);

const mb = (b) => (b / 1e6).toFixed(0);
console.log('| model | weight bytes | file bytes | profile s | profile peak RSS MB | full decode s | decode peak RSS MB | speed-up |');
console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
for (const c of cases) {
  const name = `matmul-${c.layers}x-${c.lastDim}-${c.external ? 'external' : 'embedded'}.onnx`;
  const file = join(dir, name);
  const weightBytes = ((c.layers - 1) * HIDDEN + c.lastDim) * HIDDEN * 4;
  if (!existsSync(file)) writeModel(file, c.layers, c.lastDim, c.external);
  const profile = runChild(PROFILE_CHILD, file);
  const decode = c.external ? { seconds: NaN, maxRssBytes: NaN } : runChild(DECODE_CHILD, file);
  const fmt = (x, d = 3) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
  const speedup = decode.seconds / profile.seconds;
  console.log(
    `| ${name} | ${mb(weightBytes)} MB | ${mb(statSync(file).size)} MB | ${profile.error ?? fmt(profile.seconds)} | ${mb(profile.maxRssBytes)} | ${decode.error ?? fmt(decode.seconds)} | ${c.external ? 'n/a' : mb(decode.maxRssBytes)} | ${Number.isFinite(speedup) ? `${speedup.toFixed(0)}×` : 'n/a'} |`,
  );
}
