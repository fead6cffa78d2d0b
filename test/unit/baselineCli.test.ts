/**
 * `--baseline` and `--max-regression` as CI runs them: a saved report or another model as the baseline, the
 * comparison a reader sees, exit 3 on a limit exceeded with the report still printed, and exit 2 for a gate that
 * cannot be checked.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runCliCaptured as run } from './cliRun';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');
const RESNET_FP32 = path.join(FIXTURES, 'quant', 'resnet50_fp32.onnx');
const RESNET_QDQ = path.join(FIXTURES, 'quant', 'resnet50_qdq.onnx');
const DECODER = path.join(FIXTURES, 'quant', 'decoder_fp16.onnx');
const TARGETS = ['--target', 'h100-sxm', '--target', 'l4', '--batch', '8'];

/** The report of `args` saved as a CI job would keep it: `--format json` into a file. */
function savedReport(args: readonly string[]): string {
  const { code, stdout, stderr } = run([...args, '--format', 'json']);
  assert.equal(code, 0, stderr);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-baseline-')), 'baseline.json');
  fs.writeFileSync(file, stdout);
  return file;
}

test('baseline: a quantized model against the saved fp32 report passes its limits, and the table shows every figure', () => {
  const baseline = savedReport([RESNET_FP32, ...TARGETS]);
  const r = run([RESNET_QDQ, ...TARGETS, '--baseline', baseline, '--max-regression', 'latency=0%', '--max-regression', 'weight-bytes=0%', '--max-regression', 'coverage=0%']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, new RegExp(`Against baseline ${baseline.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.*resnet50_fp32\\.onnx; onnx-hardware-profiler`));
  assert.match(r.stdout, /^latency\s+h100-sxm\s+\S+ \S+\s+\S+ \S+\s+-\d+%$/m, 'latency on the H100 drops');
  assert.match(r.stdout, /^weight-bytes\s+\S+ MB\s+\S+ MB\s+-7\d%$/m, 'int8 weights: about a quarter of the bytes');
  assert.match(r.stdout, /op types that changed: .*QuantizeLinear ×0 → ×\d+/);
  assert.match(r.stdout, /limit latency=0%: latency on l4 \d+% better, allowed 0% worse: within/);
  // The QDQ export renumbers every node (Conv_4 is Conv_17 there): its 53 convolutions, pooling, adds and the
  // classifier pair by shape, with the same FLOPs and bytes; both reports time their layers on the H100, so the
  // convolutions' int8 kernels lead the list, each about five times faster.
  assert.match(r.stdout, /^layers that changed \(layers paired 73 by shape\): \d+ changed, 256 added, 50 removed; the 20 largest by share of FLOPs, bytes moved and time on h100-sxm:$/m);
  const conv = /^Conv_17 \(was Conv_4\)\s+Conv\s+changed\s+(\S+) GFLOP\s+(\S+) GFLOP\s+\S+ MB\s+\S+ MB\s+(\S+) µs\s+(\S+) µs$/m.exec(r.stdout);
  assert.ok(conv, 'the first convolution, renamed, with its times');
  assert.equal(conv[1], conv[2], 'the same FLOPs');
  assert.ok(Number(conv[4]) < Number(conv[3]) / 3, `int8 is faster: ${conv[3]} → ${conv[4]} µs`);
});

test('baseline: CSV (one row per node) says on stderr that the comparison is not in it, and still checks the limits', () => {
  const baseline = savedReport([RESNET_QDQ, ...TARGETS]);
  const r = run([RESNET_FP32, ...TARGETS, '--baseline', baseline, '--max-regression', 'latency@h100-sxm=5%', '--format', 'csv']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^index,name,opType,/);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^onnx-profile: note: CSV holds one row per node, so the comparison with the baseline \(\d+ figures\) is not in it; --format table, md or json shows it \(the limits are checked all the same\)$/);
  assert.match(lines[1], /^onnx-profile: regression: latency on h100-sxm /);
});

test('baseline: a limit exceeded exits 3, after the whole report, with one line per figure on stderr', () => {
  const baseline = savedReport([RESNET_QDQ, ...TARGETS]);
  const r = run([RESNET_FP32, ...TARGETS, '--baseline', baseline, '--max-regression', 'latency@h100-sxm=5%', '--max-regression', 'throughput=10%', '--max-regression', 'flops=0%']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^Top 20 nodes by FLOPs$/m, 'the report is printed before the verdict');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 3, r.stderr);
  assert.match(lines[0], /^onnx-profile: regression: latency on h100-sxm \d+\.\d% worse than the baseline; latency@h100-sxm=5% allows 5\.0%$/);
  assert.match(lines[1], /^onnx-profile: regression: throughput on h100-sxm /);
  assert.match(lines[2], /^onnx-profile: regression: throughput on l4 /);
});

test('baseline: the JSON report carries the comparison and each limit, and a model works as the baseline too', () => {
  const r = run([RESNET_QDQ, ...TARGETS, '--baseline', RESNET_FP32, '--max-regression', 'energy=0%', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const b = JSON.parse(r.stdout).baseline;
  assert.equal(b.path, RESNET_FP32);
  assert.equal(b.schemaVersion, '1.7.0');
  assert.deepEqual(b.settings, []);
  const flops = b.changes.find((c: { metric: string }) => c.metric === 'flops');
  assert.equal(flops.unit, 'flops');
  assert.equal(b.changes.filter((c: { target?: string }) => c.target === 'l4').length, 6);
  assert.deepEqual(b.limits.map((l: { target: string; passed: boolean }) => [l.target, l.passed]), [['h100-sxm', true], ['l4', true]]);
  assert.ok(b.opTypes.some((o: { opType: string; countBefore: number }) => o.opType === 'DequantizeLinear' && o.countBefore === 0));
});

test('baseline: a decoder compares its LLM figures per target, and says which settings differ', () => {
  const baseline = savedReport([DECODER, '--target', 'h100-sxm', '--prompt', '512']);
  const r = run([DECODER, '--target', 'h100-sxm', '--prompt', '512', '--precision', 'fp8', '--bind', 'batch=1', '--baseline', baseline, '--max-regression', 'time-per-output-token=0%', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const b = JSON.parse(r.stdout).baseline;
  const tpot = b.changes.find((c: { metric: string }) => c.metric === 'time-per-output-token');
  assert.equal(tpot.target, 'h100-sxm');
  assert.ok(tpot.change < -0.2, `fp8 weights halve the decode step's bytes: ${tpot.change}`);
  assert.deepEqual(b.limits.map((l: { passed: boolean }) => l.passed), [true]);
});

/** A named pipe with no writer: opening it for reading would block. */
function fifo(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-baseline-')), 'baseline.fifo');
  execFileSync('mkfifo', [file]);
  return file;
}

const UNUSABLE: readonly { name: string; args: () => string[]; stderr: RegExp }[] = [
  { name: 'a baseline file that does not exist', args: () => [RESNET_QDQ, '--baseline', '/nonexistent/base.json'], stderr: /^onnx-profile: --baseline \/nonexistent\/base\.json: cannot open '\/nonexistent\/base\.json': no such file/ },
  { name: 'a baseline that is a FIFO (nothing blocks on it)', args: () => [RESNET_QDQ, '--baseline', fifo()], stderr: /--baseline .*baseline\.fifo: cannot open '.*baseline\.fifo': it is a FIFO \(named pipe\), not a regular file/ },
  { name: 'a baseline that is not JSON nor ONNX', args: () => [RESNET_QDQ, '--baseline', path.join(FIXTURES, '..', '..', 'README.md')], stderr: /--baseline .*README\.md: not an ONNX model/ },
  {
    name: 'a limit on a target the baseline has no estimate for',
    args: () => [RESNET_QDQ, '--target', 'h100-sxm', '--target', 'tpu-v5e', '--baseline', savedReport([RESNET_FP32, '--target', 'h100-sxm']), '--max-regression', 'latency@tpu-v5e=5%'],
    stderr: /--max-regression latency@tpu-v5e=5%: no estimates for target 'tpu-v5e' in both reports/,
  },
  { name: 'a limit without a baseline', args: () => [RESNET_QDQ, '--max-regression', 'flops=0%'], stderr: /--max-regression needs --baseline/ },
  { name: 'a limit on a target that is not one of the run', args: () => [RESNET_QDQ, '--baseline', RESNET_FP32, '--max-regression', 'latency@l4=1%'], stderr: /'l4' is not a --target of this run/ },
  { name: 'a baseline with a sweep', args: () => [RESNET_QDQ, '--target', 'l4', '--sweep', 'batch=1,2', '--baseline', RESNET_FP32], stderr: /--baseline compares one run of the model; not with --sweep/ },
];

for (const u of UNUSABLE) {
  test(`baseline: ${u.name} exits 2 naming the problem`, () => {
    const r = run(u.args());
    assert.equal(r.code, 2, r.stdout.slice(0, 200));
    assert.match(r.stderr.split('\n')[0], u.stderr);
    assert.equal(r.stdout, '');
  });
}
