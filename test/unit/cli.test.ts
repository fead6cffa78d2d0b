import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mock, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { parseArgs } from '../../src/cli/main';
import type { FileSystem } from '../../src/core/io/byteSource';
import { nodeFileSystem } from '../../src/node/nodeFileSystem';
import { openModelFile } from '../../src/node/profileFile';
import { runCliCaptured as run } from './cliRun';
import { calibrationModel, encodeModel, matmulModel, tensorValueInfo } from './onnxBuilder';

const SAMPLE = path.resolve(__dirname, '../../../samples/resnet50-graph-only.onnx');

/** A device of the user's own, as a `--hardware-file` holds it. */
function ownDevice() {
  const source = { url: 'https://example.com/my-npu-datasheet', retrieved: '2026-11-01' };
  return {
    id: 'my-npu', name: 'My NPU', vendor: 'Me', deviceClass: 'accelerator',
    peakFlopsPerSecond: { int8: { value: 100e12, source } },
    memoryBytes: { value: 16e9, source }, memoryBandwidthBytesPerSecond: { value: 200e9, source }, powerWatts: { value: 30, source },
  };
}

function writeModel(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cli-'));
  const file = path.join(dir, 'mm.onnx');
  fs.writeFileSync(file, matmulModel('batch', 4, 3));
  return file;
}

test('options parse, with = and space forms', () => {
  const o = parseArgs(['m.onnx', '--bind', 'batch=2', '--bind=sequence=512', '--format=json', '--depth', '2', '--top', '5']);
  assert.deepEqual([...o.bindings], [['batch', 2], ['sequence', 512]]);
  assert.equal(o.format, 'json');
  assert.equal(o.depth, 2);
  assert.equal(o.top, 5);
});

test('--precision takes the estimator\'s choices, int8 weight-only among them; anything else is a usage error naming them', () => {
  assert.equal(parseArgs(['m.onnx', '--precision', 'int8-weight-only']).precision, 'int8-weight-only');
  assert.throws(() => parseArgs(['m.onnx', '--precision', 'w8a16']), /--precision must be one of fp32, tf32, bf16, fp16, fp8, int8, int8-weight-only, int4, fp4, got 'w8a16'/);
});

test('json output is the report, and bindings recompute it', () => {
  const file = writeModel();
  const unbound = JSON.parse(run([file, '--format', 'json']).stdout);
  assert.equal(unbound.schemaVersion, '1.7.0');
  assert.deepEqual(unbound.unboundSymbols, ['batch']);
  assert.equal(unbound.totals.flopsExpression, '24 * batch');
  assert.deepEqual(unbound.graphOutputs, [{ name: 'y', dtype: 'float', shape: ['batch', 3] }]);
  const bound = JSON.parse(run([file, '--bind', 'batch=8', '--format', 'json']).stdout);
  assert.equal(bound.totals.flops, 8 * 24);
  assert.equal(bound.totals.macs, 8 * 12);
  assert.equal(bound.totals.params, 12);
  assert.deepEqual(bound.nodes[0].outputs[0].shape, [8, 3]);
});

test('table, csv and md formats render', () => {
  const file = writeModel();
  assert.match(run([file, '--bind', 'batch=1']).stdout, /coverage\s+100% \(1 of 1 nodes costed\)/);
  const csv = run([file, '--format', 'csv']).stdout.split('\n');
  assert.equal(csv[0], 'index,name,opType,domain,graphPath,status,flops,macs,params,weightBytes,bytesRead,bytesWritten,arithmeticIntensity,computeDtype,outputShapes');
  assert.match(csv[1], /^0,mm,MatMul,,,costed,24,12,12,48,/);
  assert.match(run([file, '--format', 'md']).stdout, /^# Profile of/);
});

test("with targets every layer gets its time and bound on each: JSON columns that sum to the latency, CSV columns, the table's top nodes", () => {
  const args = [SAMPLE, '--target', 'h100-sxm', '--target', 'tpu-v5e', '--batch', '8'];
  const report = JSON.parse(run([...args, '--format', 'json']).stdout);
  assert.deepEqual(Object.keys(report.layerTimes), ['h100-sxm', 'tpu-v5e']);
  for (const e of report.estimates) {
    const t = report.layerTimes[e.target];
    assert.equal(t.nodeIndex.length, report.nodes.filter((n: { graphPath: string }) => n.graphPath === '').length, 'every layer of the sample is timed');
    assert.ok(t.bound.every((b: string) => ['compute', 'memory', 'none'].includes(b)));
    const sum = t.seconds.reduce((a: number, b: number) => a + b, 0);
    assert.ok(Math.abs(sum - (e.latencySeconds - e.interconnectSeconds)) <= 1e-9 * e.latencySeconds, `${e.target}: layers ${sum} s, latency ${e.latencySeconds} s`);
  }
  // The estimator's notes: none on the H100 (fp32 on its CUDA cores); on the TPU v5e the fp32 graph runs as bf16 and
  // its 128 × 128 MXU is half empty for the stem's 64 output channels.
  assert.equal(report.layerTimes['h100-sxm'].notes, undefined);
  const tpuNotes = report.layerTimes['tpu-v5e'].notes;
  const stemNotes = tpuNotes.nodeIndex.flatMap((index: number, i: number) => (index === 0 ? [tpuNotes.texts[tpuNotes.text[i]]] : []));
  assert.deepEqual(stemNotes, ['fp32 runs as bf16 on tpu-v5e', '64 output channels over 147 inputs: 29% (128 columns × 128) of each bf16 matrix instruction does work']);
  const csv = run([...args, '--format', 'csv']).stdout.trim().split('\n');
  assert.ok(csv[0].endsWith(',outputShapes,seconds@h100-sxm,bound@h100-sxm,notes@h100-sxm,seconds@tpu-v5e,bound@tpu-v5e,notes@tpu-v5e'), csv[0]);
  const conv = csv.find((l) => l.startsWith('0,'))!.split(',');
  assert.equal(Number(conv.at(-6)), report.layerTimes['h100-sxm'].seconds[0]);
  assert.equal(conv.at(-5), report.layerTimes['h100-sxm'].bound[0]);
  assert.equal(conv.at(-4), '');
  assert.equal(conv.at(-1), stemNotes.join('; '));
  const table = run([...args, '--top', '3']).stdout;
  assert.match(table, /^node\s+op\s+FLOPs\s+params\s+bytes\s+FLOP\/B\s+time on h100-sxm\s+bound\s+output shapes$/m);
  assert.match(table, /^Conv_4\s+Conv\s+.*\s\d+\.\d+ µs\s+(compute|memory)\s+\[8, 64, 112, 112\]$/m);
  assert.equal(JSON.parse(run([SAMPLE, '--format', 'json']).stdout).layerTimes, undefined, 'no targets, no times');
});

test('unusable input exits 2 with one line naming the problem, no stack trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cli-'));
  const bad = path.join(dir, 'bad.onnx');
  fs.writeFileSync(bad, 'not a model at all');
  const r = run([bad]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `onnx-profile: ${bad}: not an ONNX model: its first bytes are not a protobuf ModelProto\n`);
  const missing = run([path.join(dir, 'nope.onnx')]);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, `onnx-profile: ${path.join(dir, 'nope.onnx')}: cannot open '${path.join(dir, 'nope.onnx')}': no such file\n`);
  assert.equal(run(['--format', 'xml', 'm.onnx']).code, 2);
});

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');

test('targets add estimates and hints; a decoder gets prefill/decode LLM figures; --sweep re-estimates per value', () => {
  const model = path.join(FIXTURES, 'mlperf/gptj_6b.onnx');
  const r = run([model, '--target', 'h100-sxm', '--target', 'l4', '--batch', '4', '--prompt', '256', '--generate', '64', '--sweep', 'batch=1,8', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.estimates.map((e: { target: string }) => e.target), ['h100-sxm', 'l4']);
  assert.equal(report.estimates[0].batch, 4);
  assert.ok(Array.isArray(report.hints));
  assert.equal(report.llm.promptTokens, 256);
  assert.equal(report.llm.outputTokens, 64);
  const [h100, l4] = report.llm.estimates;
  assert.ok(h100.tokensPerSecond > l4.tokensPerSecond, 'an H100 decodes faster than an L4');
  assert.ok(h100.timeToFirstTokenSeconds > h100.timePerOutputTokenSeconds, 'prefill of 256 tokens takes longer than one decode step');
  assert.deepEqual(report.sweep.map((p: { value: number }) => p.value), [1, 8]);
  assert.ok(report.sweep[1].estimates[0].throughputPerSecond > report.sweep[0].estimates[0].throughputPerSecond, 'batching raises throughput');
  assert.match(run([model, '--target', 'h100-sxm', '--batch', '4']).stdout, /LLM serving \(decoder with a KV cache: 512 prompt \+ 128 generated tokens/);
});

test('--kv-cache stores a decoder\'s cache at its width: the LLM title says so, the JSON names it, decode steps read less', () => {
  const model = path.join(FIXTURES, 'mlperf/gptj_6b.onnx');
  const args = [model, '--target', 'h100-sxm', '--batch', '64', '--precision', 'bf16', '--prompt', '1024', '--generate', '128'];
  assert.match(run([...args, '--kv-cache', 'fp8']).stdout, /LLM serving \(decoder with a KV cache: 1024 prompt \+ 128 generated tokens per request, batch 64, KV cache in fp8\)/);
  const json = (extra: string[]) => JSON.parse(run([...args, ...extra, '--format', 'json']).stdout).llm;
  const [asActivations, fp8] = [json([]), json(['--kv-cache', 'fp8'])];
  assert.equal(asActivations.kvCacheDtype, undefined);
  assert.equal(fp8.kvCacheDtype, 'fp8');
  assert.ok(fp8.estimates[0].timePerOutputTokenSeconds < asActivations.estimates[0].timePerOutputTokenSeconds);
  // A model without a KV cache: the choice changes nothing, and the report says so once.
  const cnn = path.join(FIXTURES, 'mlperf/resnet50.onnx');
  const plain = JSON.parse(run([cnn, '--target', 'h100-sxm', '--kv-cache', 'fp8', '--format', 'json']).stdout);
  assert.deepEqual(plain.diagnostics.filter((d: { code: string }) => d.code === 'kv-cache-ignored').map((d: { message: string }) => d.message), ['KV cache fp8 ignored: the model has no KV cache (no past key/value inputs)']);
  const without = JSON.parse(run([cnn, '--target', 'h100-sxm', '--format', 'json']).stdout);
  assert.equal(plain.estimates[0].latencySeconds, without.estimates[0].latencySeconds);
  const refused = run([...args, '--kv-cache', 'fp4']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--kv-cache must be one of bf16, fp16, fp8, int8, got 'fp4'/);
});

test('a decoder whose past length is unbound: the estimates say the KV cache is left out, once; bound, it counts', () => {
  const model = path.join(FIXTURES, 'mlperf/gptj_6b.onnx');
  const note = /KV cache: its past length is unbound, so memory and fit leave it out/g;
  const table = run([model, '--target', 'h100-sxm', '--target', 'l4']).stdout;
  assert.equal(table.match(note)?.length, 1, table);
  assert.equal(run([model, '--target', 'h100-sxm', '--format', 'md']).stdout.match(note)?.length, 1);
  const unbound = JSON.parse(run([model, '--target', 'h100-sxm', '--format', 'json']).stdout).estimates[0];
  assert.deepEqual([unbound.kvCacheUnbound, unbound.kvCacheBytes], [true, 0]);
  const bound = ['--bind', 'past_sequence_length=1000', '--bind', 'total_sequence_length=1001', '--bind', 'sequence_length=1'];
  assert.doesNotMatch(run([model, '--target', 'h100-sxm', ...bound]).stdout, note);
  const e = JSON.parse(run([model, '--target', 'h100-sxm', ...bound, '--format', 'json']).stdout).estimates[0];
  // GPT-J's cache after the step: 28 layers × (key + value) × 16 heads × 1001 tokens × 256 × 4 bytes (fp32 as exported).
  assert.deepEqual([e.kvCacheUnbound, e.kvCacheBytes], [false, 28 * 2 * 16 * 1001 * 256 * 4]);
});

test('--batch max picks a batch and layout per target and reports them; --chips fixes the deployment\'s chips', () => {
  const model = path.join(FIXTURES, 'mlperf/resnet50.onnx');
  const r = run([model, '--target', 'h100-sxm', '--target', 'l4', '--batch', 'max', '--chips', '8', '--precision', 'int8', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const [h100, l4] = report.estimates;
  assert.equal(h100.serving.chips, 8);
  assert.equal(h100.serving.instances, 8);
  assert.equal(h100.batch, h100.serving.batch);
  assert.ok(['memory', 'batch-cap', 'saturated'].includes(l4.serving.limit));
  assert.ok(h100.serving.batch > 1 && l4.serving.batch > 1);
  const table = run([model, '--target', 'h100-sxm', '--batch', 'max', '--precision', 'int8']).stdout;
  assert.match(table, /Hardware estimates \(batch max: the batch and chips chosen per target, below\)/);
  assert.match(table, new RegExp(`h100-sxm: batch ${h100.serving.batch} on 1 chip, (a larger batch gains < 1%|memory holds \\d+|batch cap \\(memory holds \\d+\\)); [\\d.]+ K sample/s per chip`));
  const chips = JSON.parse(run([model, '--target', 'h100-sxm', '--batch', '8', '--chips', '2', '--format', 'json']).stdout);
  assert.equal(chips.estimates[0].chips, 2);
  assert.equal(chips.estimates[0].serving, undefined);
  assert.equal(run([model, '--batch', 'max']).code, 2, '--batch max needs a target');
  assert.match(run([model, '--batch', 'most', '--target', 'l4']).stderr, /--batch expects a positive integer or 'max', got 'most'/);
  assert.match(run([model, '--chips', '0', '--target', 'l4']).stderr, /--chips must be at least 1/);
  assert.match(run(['--help']).stderr, /--batch max .*\n.*\n.*\n\s+--chips N/);
});

test('--sweep without a target and an unknown target are usage errors', () => {
  assert.equal(run(['m.onnx', '--sweep', 'batch=1,2']).code, 2);
  const unknown = run(['m.onnx', '--target', 'h900']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown target 'h900'/);
});

test('--calibrate compares per-layer estimates with a measured ONNX Runtime profile and fits factors', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cli-')), 'calib.onnx');
  fs.writeFileSync(file, calibrationModel());
  const trace = path.join(FIXTURES, 'calibration/ort-profile.json');
  const r = run([file, '--target', 'h100-sxm', '--calibrate', trace, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const fit = JSON.parse(r.stdout).calibration;
  assert.deepEqual(fit.comparison.rows.map((x: { name: string }) => x.name).sort(), ['add', 'gemm']);
  assert.equal(fit.comparison.unmatched.length, 1, 'the Memcpy node matches no report node');
  assert.match(run([file, '--target', 'h100-sxm', '--calibrate', trace]).stdout, /Calibration: estimated .* measured over 2 matched layers/);
  assert.equal(run([file, '--target', 'h100-sxm', '--target', 'l4', '--calibrate', trace]).code, 2, 'one target only');
});

test('--hardware-file adds validated devices; an invalid file is refused with the problem named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cli-'));
  const device = ownDevice();
  const good = path.join(dir, 'good.json');
  fs.writeFileSync(good, JSON.stringify({ devices: [device] }));
  const listed = run(['hardware', '--hardware-file', good, '--format', 'json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(JSON.parse(listed.stdout).some((e: { id: string }) => e.id === 'my-npu'));
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ devices: [{ ...device, memoryBytes: 16e9 }] }));
  const refused = run(['hardware', '--hardware-file', bad]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^onnx-profile: --hardware-file .*bad\.json: .*memoryBytes/);
});

test('--target takes a group: every accelerator, own devices of that class included; an own device may not take a group name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cli-'));
  const device = ownDevice();
  const own = path.join(dir, 'own.json');
  fs.writeFileSync(own, JSON.stringify({ devices: [device] }));
  const catalog = JSON.parse(run(['hardware', '--hardware-file', own, '--format', 'json']).stdout) as { id: string; deviceClass: string }[];
  const r = run([SAMPLE, '--target', 'h100-sxm', '--target', 'ACCELERATORS', '--hardware-file', own, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const notEstimated = report.diagnostics.filter((d: { code: string }) => d.code === 'target-not-estimated').map((d: { message: string }) => d.message.split(' ')[0]);
  const estimated = [...report.estimates.map((e: { target: string }) => e.target), ...notEstimated];
  assert.deepEqual(estimated.sort(), ['h100-sxm', ...catalog.filter((e) => e.deviceClass === 'accelerator').map((e) => e.id)].sort());
  assert.ok(estimated.includes('my-npu') && estimated.includes('tpu-v5e') && !estimated.includes('l4'));
  const table = run([SAMPLE, '--target', 'edge']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^jetson-agx-orin\s+edge\s/m);
  assert.match(table.stdout, /^coral-edge-tpu\s+edge\s/m);
  fs.writeFileSync(own, JSON.stringify({ devices: [{ ...device, id: 'gpus' }] }));
  const refused = run([SAMPLE, '--target', 'gpus', '--hardware-file', own]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^onnx-profile: --hardware-file .*own\.json: custom hardware id 'gpus' names a target group \(all, gpus, accelerators, edge\); pick another id$/m);
});

test('an unnamed dim of a model input becomes a bindable symbol named after the input', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cli-'));
  const file = path.join(dir, 'unnamed.onnx');
  fs.writeFileSync(
    file,
    encodeModel({
      name: 'g',
      node: [{ opType: 'Relu', name: 'r', input: ['x'], output: ['y'] }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{}, { dimValue: 16 }] } } } }],
      output: [tensorValueInfo('y', 1, undefined)],
    }),
  );
  const unbound = JSON.parse(run([file, '--format', 'json']).stdout);
  assert.deepEqual(unbound.graphInputs[0].shape, ['x_dim0', 16]);
  assert.deepEqual(unbound.unboundSymbols, ['x_dim0']);
  const bound = JSON.parse(run([file, '--bind', 'x_dim0=4', '--format', 'json']).stdout);
  assert.equal(bound.totals.flops, 64);
});

test('--apply: every hint of a model lowers each target\'s latency by exactly the saving it states', () => {
  const model = path.join(FIXTURES, 'mlperf/bert_large.onnx');
  const args = [model, '--target', 'h100-sxm', '--target', 'l4', '--format', 'json'];
  const base = JSON.parse(run(args).stdout);
  const applicable = base.hints.filter((h: { change?: unknown }) => h.change !== undefined);
  assert.ok(applicable.length >= 5, `several hints to apply (got ${applicable.map((h: { id: string }) => h.id).join(', ')})`);
  for (const hint of applicable) {
    const r = run([...args, '--apply', hint.id]);
    assert.equal(r.code, 0, r.stderr);
    const after = JSON.parse(r.stdout);
    assert.deepEqual(after.whatIf.applied.map((a: { id: string }) => a.id), [hint.id]);
    assert.deepEqual(after.hints.map((h: { id: string }) => h.id), base.hints.map((h: { id: string }) => h.id), 'hints stay priced on the model before the change');
    for (const saving of hint.savings) {
      const before = base.estimates.find((e: { target: string }) => e.target === saving.target).latencySeconds;
      const now = after.estimates.find((e: { target: string }) => e.target === saving.target).latencySeconds;
      assert.ok(Math.abs(before - now - saving.seconds) <= 1e-12 * before, `${hint.id} on ${saving.target}: ${before} − ${now} = ${before - now}, the hint states ${saving.seconds}`);
    }
  }
  const [a, b] = applicable.map((h: { id: string }) => h.id);
  const two = JSON.parse(run([...args, '--apply', a, '--apply', b]).stdout);
  assert.deepEqual(two.whatIf.applied.map((x: { id: string }) => x.id), [a, b]);
  assert.ok(two.estimates[0].latencySeconds < base.estimates[0].latencySeconds);
  assert.match(run([...args.slice(0, -2), '--apply', a]).stdout, new RegExp(`What-if applied .*\\n {2}${a.replace(/\./g, '\\.')} on h100-sxm`));
});

test('--apply of an unknown hint, or without a target, exits 2 with one line listing the hints that can be applied', () => {
  const model = path.join(FIXTURES, 'mlperf/bert_large.onnx');
  const r = run([model, '--target', 'h100-sxm', '--apply', 'nope.hint']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1);
  const ids = JSON.parse(run([model, '--target', 'h100-sxm', '--format', 'json']).stdout).hints.filter((h: { change?: unknown }) => h.change).map((h: { id: string }) => h.id);
  assert.ok(ids.length >= 2);
  assert.equal(r.stderr, `onnx-profile: --apply 'nope.hint': no such hint (hints that can be applied here: ${ids.join(', ')})\n`);
  const noTarget = run([model, '--apply', ids[0]]);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /--apply needs at least one --target/);
});

test('a --hardware-file entry that reuses a catalog id is refused, naming the clash', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cli-'));
  const source = { url: 'https://example.com/x', retrieved: '2026-11-01' };
  const device = {
    id: 'h100-sxm', name: 'My H100', vendor: 'Me', deviceClass: 'gpu',
    peakFlopsPerSecond: { fp16: { value: 1e15, source } },
    memoryBytes: { value: 80e9, source }, memoryBandwidthBytesPerSecond: { value: 3e12, source }, powerWatts: { value: 700, source },
  };
  const file = path.join(dir, 'clash.json');
  fs.writeFileSync(file, JSON.stringify({ devices: [device] }));
  const r = run([writeModel(), '--hardware-file', file, '--target', 'h100-sxm']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `onnx-profile: --hardware-file ${file}: custom hardware id 'h100-sxm' is already the catalog's NVIDIA H100 SXM5 80GB; pick another id\n`);
});

test('a folder, a FIFO and a path through a file exit 2 with one line naming the problem', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cli-'));
  const folder = run([dir]);
  assert.equal(folder.code, 2);
  assert.equal(folder.stderr, `onnx-profile: ${dir}: cannot open '${dir}': it is a folder, not a model file\n`);
  const fifo = path.join(dir, 'pipe.onnx');
  execFileSync('mkfifo', [fifo]);
  const piped = run([fifo]); // would block forever if the FIFO were opened for reading
  assert.equal(piped.code, 2);
  assert.equal(piped.stderr, `onnx-profile: ${fifo}: cannot open '${fifo}': it is a FIFO (named pipe), not a regular file\n`);
  const model = writeModel();
  const through = path.join(model, 'inner.onnx');
  const notDir = run([through]);
  assert.equal(notDir.code, 2);
  assert.equal(notDir.stderr, `onnx-profile: ${through}: cannot open '${through}': a part of the path is a file, not a folder\n`);
});

test('an unreadable file and a failing read are one io-error line each, never an internal error', () => {
  const model = writeModel();
  const denied: FileSystem = { ...nodeFileSystem, open: () => { throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }); } };
  assert.throws(() => openModelFile(model, denied), { name: 'OnnxLoadError', code: 'io-error', message: `cannot open '${model}': permission denied` });
  // A read error after the open (a disk or a network file system failing): the file layer names it.
  const readSync = mock.method(require('node:fs') as typeof fs, 'readSync', () => {
    throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
  });
  try {
    const r = run([model]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `onnx-profile: ${model}: cannot read '${model}' at byte 0: input/output error\n`);
  } finally {
    readSync.mock.restore();
  }
});

test('a graph-only model (weights file absent) gets one note, not one per tensor', () => {
  const sample = path.resolve(FIXTURES, '../../samples/resnet50-graph-only.onnx');
  const report = JSON.parse(run([sample, '--format', 'json']).stdout);
  const notes = report.diagnostics.filter((d: { code: string }) => d.code === 'weights-absent' || d.code === 'external-data');
  assert.deepEqual(notes, [{ severity: 'info', code: 'weights-absent', message: "weights are not present: 108 tensors in 'weights.bin'; profiled from shapes and types" }]);
  // The same graph with value_info written at batch 1 under a symbolic input: every binding contradicts it.
  const stale = path.resolve(FIXTURES, 'diagnostics/resnet50-stale-value-info.onnx');
  const table = run([stale, '--batch', '8', '--target', 'h100-sxm']).stdout;
  const lines = table.slice(table.indexOf('Diagnostics (')).trimEnd().split('\n');
  assert.ok(lines.length <= 8, `the table folds repeated diagnostics (${lines.length} lines):\n${lines.join('\n')}`);
  assert.match(table, /more 'value-info-mismatch' diagnostics like the above/);
});

test('a target without a compute peak is named under the estimates with why, in every format and the catalog listing, and the JSON report stays valid', () => {
  const file = writeModel();
  const text = run([file, '--target', 'cerebras-wse3', '--target', 'h100-sxm']);
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(text.stdout, /NaN|Infinity/);
  assert.match(text.stdout, /\nh100-sxm .*\n(?:  .*\n)*  cerebras-wse3 \(Cerebras WSE-3 \(CS-3\)\) is not estimated: the catalog holds no compute peak/);
  const alone = run([file, '--target', 'cerebras-wse3']);
  assert.match(alone.stdout, /Hardware estimates: none\n  cerebras-wse3 .* is not estimated/);
  assert.match(run([file, '--target', 'cerebras-wse3', '--format', 'md']).stdout, /## Hardware estimates: none\n\n- cerebras-wse3 .* is not estimated/);
  assert.match(run(['hardware']).stdout, /\nnot estimated \(no compute peak in any precision; listed for reference\): cerebras-wse3\n$/);
  const json = JSON.parse(run([file, '--target', 'cerebras-wse3', '--target', 'h100-sxm', '--format', 'json']).stdout);
  assert.deepEqual(json.estimates.map((e: { target: string }) => e.target), ['h100-sxm']);
  assert.equal(json.diagnostics.filter((d: { code: string }) => d.code === 'target-not-estimated').length, 1);
});
