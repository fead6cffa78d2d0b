// Benchmark: prints figures, it is not a test. `npm run bench [-- options]`.
//
// 1. Whole-process wall time and peak RSS, side by side in one run, for the models of benchModels.mjs
//    (a 92,000- and a 100,000-node diffusion-transformer graph, ResNet-50 with its weights, 650 MB and
//    1.6 GB decoders with embedded weights): `onnx-profile MODEL --format json` (the built CLI, output to
//    /dev/null), a bare protobufjs decode of the same file (onnx-proto's ModelProto.decode on the whole
//    file) and `node -e 0`, their runs interleaved. With `--baseline REF` the CLI of another git revision
//    is built in a temporary worktree and timed in the same rounds, so before/after figures come from the
//    same machine and moment.
//    Then the same CLI with one target and with four (the estimates and the hints they price), on the
//    100,000-node graph, ResNet-50 and GPT-2 with its KV cache (from ../shared, when it is there).
// 2. Where the time goes: a `--cpu-prof` profile of the CLI (the unbundled build in out/, so functions
//    keep their source modules) on the 100,000-node graph, summarised by function and by module.
// 3. The extension host while the worker profiles the 100,000-node graph: event-loop stalls on this thread,
//    the report message's size and its structured-clone deserialisation cost.
// 4. Profile time and peak memory against weight bytes (a chain of FP32 MatMuls, embedded and external),
//    against a full protobufjs decode: weights are never read.
//
// Peak RSS comes from /usr/bin/time (GNU time's %M) when present, else from the child itself at exit
// (/proc/self/status VmHWM, or process.resourceUsage().maxRSS, through a --require hook). Each figure is
// the median of --runs runs.
//
// Options: --dir bench-output  --runs 5  --baseline REF  --max-gb 2  --skip-large (no 650 MB / 1.6 GB)
//          --no-profile  --no-host  --no-weights-table  --no-targets
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { benchModels, fieldHeader, writeZeros } from './benchModels.mjs';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const argValue = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const dir = resolve(argValue('--dir', join(root, 'bench-output')));
const runs = Number(argValue('--runs', '5'));
const baselineRef = argValue('--baseline', undefined);
const maxGb = Number(argValue('--max-gb', '2'));
mkdirSync(dir, { recursive: true });

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
/**
 * A child's own peak RSS in bytes. Linux's VmHWM where there is one: getrusage's ru_maxrss of a process
 * started from this (large) one also counts the memory it shared with this process before exec.
 */
const PEAK_RSS_SOURCE = `function peakRssBytes() {
  try {
    const m = /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
}`;
/**
 * The main thread's CPU seconds (Linux: /proc/self/task/PID/stat), undefined elsewhere. On a machine shared
 * with other jobs the wall time grows with their load; the main thread's CPU time hardly does, and on an
 * idle machine it is about the wall time less start-up waits (the GC helper threads run beside it).
 */
const MAIN_THREAD_CPU_SOURCE = `function mainThreadCpuSeconds() {
  try {
    const fields = require('fs').readFileSync('/proc/self/task/' + process.pid + '/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}`;
/** Loaded into every measured child: at exit it writes its peak RSS (KB) and main-thread CPU seconds. */
const MEASURE_HOOK = join(dir, 'measure-hook.cjs');
writeFileSync(
  MEASURE_HOOK,
  `${PEAK_RSS_SOURCE}\n${MAIN_THREAD_CPU_SOURCE}\nprocess.on('exit', () => require('fs').writeFileSync(process.env.BENCH_MEASURE_FILE, JSON.stringify({ peakRssKb: peakRssBytes() / 1024, mainCpuSeconds: mainThreadCpuSeconds() })));\n`,
);

// ---------------------------------------------------------------------------------------------
// Whole-process measurement

/**
 * Runs `node ...nodeArgs` once: wall seconds (spawn to exit), peak RSS bytes (GNU time's when present, else
 * the child's own) and the child's main-thread CPU seconds. stdout goes to /dev/null.
 */
function measureOnce(nodeArgs) {
  const rssFile = join(dir, `rss-${process.pid}.txt`);
  const measureFile = join(dir, `measure-${process.pid}.json`);
  rmSync(rssFile, { force: true });
  rmSync(measureFile, { force: true });
  const devNull = openSync('/dev/null', 'w');
  const nodeCommand = [process.execPath, '--require', MEASURE_HOOK, ...nodeArgs];
  const [command, ...commandArgs] = hasGnuTime ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...nodeCommand] : nodeCommand;
  const started = process.hrtime.bigint();
  const r = spawnSync(command, commandArgs, { stdio: ['ignore', devNull, 'pipe'], env: { ...process.env, BENCH_MEASURE_FILE: measureFile }, maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  closeSync(devNull);
  if (r.status !== 0) return { error: (r.stderr?.toString() ?? '').split('\n').find((l) => l.trim()) ?? `exit ${r.status}` };
  const own = JSON.parse(readFileSync(measureFile, 'utf8'));
  const kb = hasGnuTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : own.peakRssKb;
  rmSync(rssFile, { force: true });
  rmSync(measureFile, { force: true });
  return { seconds, rssBytes: kb * 1024, mainCpuSeconds: own.mainCpuSeconds };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs each command `n` times, interleaved (round by round, so that a busy moment of the machine falls on
 * all of them alike), after one unmeasured warm-up run each (the file cache). Median wall time and peak RSS.
 */
function measureInterleaved(commands, n = runs) {
  const samples = commands.map((args) => {
    const warm = measureOnce(args);
    return warm.error ? [warm] : [];
  });
  for (let round = 0; round < n; round++) {
    commands.forEach((args, i) => {
      if (!samples[i][0]?.error) samples[i].push(measureOnce(args));
    });
  }
  return samples.map(
    (s) =>
      s.find((x) => x.error) ?? {
        seconds: median(s.map((x) => x.seconds)),
        rssBytes: median(s.map((x) => x.rssBytes)),
        mainCpuSeconds: s[0].mainCpuSeconds === undefined ? undefined : median(s.map((x) => x.mainCpuSeconds)),
      },
  );
}

const DECODE_SCRIPT = join(dir, 'protobufjs-decode.cjs');
writeFileSync(DECODE_SCRIPT, `// A bare decode: the whole file read and decoded by onnx-proto (protobufjs), nothing else.
const { onnx } = require(${JSON.stringify(require.resolve('onnx-proto'))});
onnx.ModelProto.decode(require('fs').readFileSync(process.argv[2]));
`);

/** A built CLI of git revision `ref`, in a temporary worktree sharing this checkout's node_modules. */
function buildBaseline(ref) {
  const worktree = mkdtempSync(join(tmpdir(), 'onnx-profiler-baseline-'));
  execFileSync('git', ['worktree', 'add', '--detach', worktree, ref], { cwd: root, stdio: 'ignore' });
  symlinkSync(join(root, 'node_modules'), join(worktree, 'node_modules'));
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: worktree, stdio: 'inherit' });
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: worktree, encoding: 'utf8' }).trim();
  return { label: `${ref} (${sha})`, bin: join(worktree, 'bin/onnx-profile.js'), remove: () => execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: root, stdio: 'ignore' }) };
}

const mb = (b) => (b === undefined ? 'n/a' : (b / 1e6).toFixed(0));
const sec = (m) => (m.error ? `error: ${m.error}` : m.seconds.toFixed(2));
const rss = (m) => (m.error ? '' : mb(m.rssBytes));
const cpu = (m) => (m.error || m.mainCpuSeconds === undefined ? 'n/a' : m.mainCpuSeconds.toFixed(2));

function wholeProcessTable(models, baseline) {
  const cli = join(root, 'bin/onnx-profile.js');
  console.log(`\n## Whole process: wall s, main-thread CPU s and peak RSS MB, medians of ${runs} interleaved runs; load average ${loadavg()[0].toFixed(1)} at the start\n`);
  const head = ['model', 'file MB', 'nodes', 'onnx-profile s', 'CPU s', 'MB', ...(baseline ? [`${baseline.label} s`, 'CPU s', 'MB'] : []), 'protobufjs decode s', 'MB', 'node -e 0 s', 'MB', 'onnx-profile / node -e 0'];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`);
  const results = {};
  for (const [name, file] of Object.entries(models)) {
    const commands = [[cli, file, '--format', 'json'], [DECODE_SCRIPT, file], ['-e', '0'], ...(baseline ? [[baseline.bin, file, '--format', 'json']] : [])];
    const [profile, decode, bare, before] = measureInterleaved(commands);
    results[name] = { profile, before, decode, bare };
    const ratio = profile.error || bare.error ? 'n/a' : `${(profile.seconds / bare.seconds).toFixed(2)}×`;
    console.log(`| ${name} | ${mb(statSync(file).size)} | ${coverageOf(file)} | ${sec(profile)} | ${cpu(profile)} | ${rss(profile)} | ${before ? `${sec(before)} | ${cpu(before)} | ${rss(before)} | ` : ''}${sec(decode)} | ${rss(decode)} | ${sec(bare)} | ${rss(bare)} | ${ratio} |`);
  }
  return results;
}

const FOUR_TARGETS = ['h100-sxm', 'l4', 'tpu-v5e', 'gaudi3'];

/**
 * The estimates and the hints they price, on top of the profile: the same models with one target and with four
 * (and GPT-2 with its KV cache from ../shared, a decoder with the LLM estimate, when it is there).
 */
function withTargetsTable(models, baseline) {
  const gpt2 = resolve(root, '../shared/models/gh/onnxruntime__onnxruntime-qnn/onnxruntime/test/python/transformers/test_data/models/gpt2_past.onnx');
  const cases = { ...models, ...(existsSync(gpt2) ? { 'gpt2_past (KV cache)': gpt2 } : {}) };
  console.log(`\n## With targets: wall s and peak RSS MB of \`--target h100-sxm\` and of \`${FOUR_TARGETS.map((t) => `--target ${t}`).join(' ')}\`, medians of ${runs} interleaved runs\n`);
  const head = ['model', 'no target s', '1 target s', 'MB', '4 targets s', 'MB', ...(baseline ? [`${baseline.label}: 1 target s`, 'MB', '4 targets s', 'MB'] : [])];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`);
  const targetArgs = (ids) => ids.flatMap((t) => ['--target', t]);
  const cli = join(root, 'bin/onnx-profile.js');
  for (const [name, file] of Object.entries(cases)) {
    const commands = (bin) => [[bin, file, '--format', 'json', ...targetArgs(FOUR_TARGETS.slice(0, 1))], [bin, file, '--format', 'json', ...targetArgs(FOUR_TARGETS)]];
    const [none, one, four, oneBefore, fourBefore] = measureInterleaved([[cli, file, '--format', 'json'], ...commands(cli), ...(baseline ? commands(baseline.bin) : [])]);
    const cells = [sec(none), sec(one), rss(one), sec(four), rss(four), ...(baseline ? [sec(oneBefore), rss(oneBefore), sec(fourBefore), rss(fourBefore)] : [])];
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
}

/** The report's node count, and whether every node was costed (one more run, its JSON kept). */
function coverageOf(file) {
  const out = spawnSync(process.execPath, [join(root, 'bin/onnx-profile.js'), file, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (out.status !== 0) return 'n/a';
  const coverage = /"coverage": \{\s*"nodes": (\d+),\s*"costedNodes": (\d+)/.exec(out.stdout);
  return coverage ? (coverage[1] === coverage[2] ? `${coverage[1]} (all costed)` : `${coverage[1]} (${coverage[2]} costed)`) : 'n/a';
}

function acceptance(results) {
  const lines = [];
  const check = (ok, text) => lines.push(`- [${ok ? 'x' : ' '}] ${text}`);
  const big = results['diffusion-100k']?.profile;
  if (big && !big.error) {
    const cpuNote = big.mainCpuSeconds === undefined ? '' : ` (main-thread CPU ${big.mainCpuSeconds.toFixed(2)} s)`;
    check(big.seconds <= 2.0 && big.rssBytes < 400e6, `100,000-node graph: ${big.seconds.toFixed(2)} s${cpuNote} (≤ 2.0) and ${mb(big.rssBytes)} MB (< 400)`);
  }
  const resnet = results['resnet50'];
  if (resnet && !resnet.profile.error && !resnet.bare.error) {
    const ratio = resnet.profile.seconds / resnet.bare.seconds;
    check(ratio <= 1.6 && resnet.profile.rssBytes < 100e6, `ResNet-50: ${ratio.toFixed(2)}× node -e 0 (≤ 1.6) and ${mb(resnet.profile.rssBytes)} MB (< 100)`);
  }
  for (const name of ['decoder-650mb', 'decoder-1600mb']) {
    const r = results[name];
    if (r && r.before && !r.profile.error && !r.before.error) {
      check(r.profile.seconds <= r.before.seconds * 1.1 && r.profile.rssBytes <= r.before.rssBytes * 1.1, `${name}: ${r.profile.seconds.toFixed(2)} s and ${mb(r.profile.rssBytes)} MB against the baseline's ${r.before.seconds.toFixed(2)} s and ${mb(r.before.rssBytes)} MB (unchanged or better)`);
    }
  }
  console.log(`\n## Acceptance (issue 13)\n\n${lines.join('\n')}`);
}

// ---------------------------------------------------------------------------------------------
// Where the time goes

/** Self time of a --cpu-prof profile, by function and by source module. */
function summariseCpuProfile(file) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const interval = (p.endTime - p.startTime) / p.samples.length / 1000; // ms per sample
  const byFunction = new Map();
  const byModule = new Map();
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const id of p.samples) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const module = moduleOf(url, functionName);
    add(byModule, module, interval);
    add(byFunction, `${functionName || '(anonymous)'} (${module}${url.startsWith('file:') ? `:${lineNumber + 1}` : ''})`, interval);
  }
  const total = p.samples.length * interval;
  const rows = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, ms]) => `| ${k} | ${ms.toFixed(0)} | ${((100 * ms) / total).toFixed(1)}% |`);
  return { total, modules: rows(byModule, 16), functions: rows(byFunction, 20) };
}

function moduleOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'; // (garbage collector), (program), (idle)
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  if (path.includes('/node_modules/')) return `node_modules/${path.split('/node_modules/').pop().split('/')[0]}`;
  return relative(join(root, 'out'), path).replace(/\.js$/, '');
}

function whereTheTimeGoes(model) {
  const profDir = mkdtempSync(join(tmpdir(), 'onnx-profiler-cpuprof-'));
  const devNull = openSync('/dev/null', 'w');
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, join(root, 'out/src/cli/index.js'), model, '--format', 'json'], { stdio: ['ignore', devNull, 'inherit'] });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  closeSync(devNull);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (r.status !== 0 || !file) {
    console.log(`\n(cpu profile failed: exit ${r.status})`);
    return;
  }
  const { total, modules, functions } = summariseCpuProfile(join(profDir, file));
  rmSync(profDir, { recursive: true, force: true });
  console.log(`\n## Where the time goes: node --cpu-prof out/src/cli/index.js ${relative(root, model)} --format json (${wall.toFixed(2)} s wall, ${total.toFixed(0)} ms sampled; self time)\n`);
  console.log('| module | ms | share |\n|---|--:|--:|');
  console.log(modules.join('\n'));
  console.log('\n| function | ms | share |\n|---|--:|--:|');
  console.log(functions.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// The extension host while the worker profiles

const HOST_CHILD = `
const { Worker } = require('node:worker_threads');
const v8 = require('node:v8');
const [workerPath, protocolPath, model] = process.argv.slice(1);
const { decodeResult } = require(protocolPath);
// A 2 ms ticker stands in for the host's other work: the longest gap between ticks is the longest stall.
let last = performance.now();
let longest = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
}, 2);
const worker = new Worker(workerPath);
const started = performance.now();
worker.postMessage({ id: 1, path: model, options: { targets: [] }, graphText: false });
worker.on('message', async (message) => {
  const received = performance.now() - started;
  let t = performance.now();
  const result = await decodeResult(message);
  const decode = performance.now() - t;
  worker.terminate();
  setTimeout(() => {
    clearInterval(ticker);
    const report = result.report;
    // What receiving the same report as a structured clone (the message before) would cost this thread.
    const clone = v8.serialize(report);
    t = performance.now();
    v8.deserialize(clone);
    const deserialize = performance.now() - t;
    const jsonBytes = (message.report.nodesJson ?? []).reduce((a, b) => a + b.byteLength, 0);
    console.log(JSON.stringify({ received, longest, decode, jsonBytes, cloneBytes: clone.length, deserialize, nodes: report.nodes.length, workerMillis: result.millis }));
  }, 50);
});
`;

/**
 * The extension host's side of a profile: the worker (dist/profileWorker.js) profiles the model while this
 * thread's event loop is watched (perf_hooks.monitorEventLoopDelay); the report arrives by structured clone.
 */
function hostResponsiveness(model) {
  const r = spawnSync(process.execPath, ['-e', HOST_CHILD, join(root, 'dist/profileWorker.js'), join(root, 'out/src/worker/workerProtocol.js'), resolve(model)], { encoding: 'utf8' });
  console.log(`\n## The extension host while the worker profiles ${relative(root, model)}\n`);
  if (r.status !== 0) {
    console.log(`(failed: ${(r.stderr || '').split('\n').find((l) => l.trim())})`);
    return;
  }
  const m = JSON.parse(r.stdout.trim().split('\n').pop());
  console.log(`- report received after ${(m.received / 1000).toFixed(2)} s (the worker's analysis: ${(m.workerMillis / 1000).toFixed(2)} s), ${m.nodes} nodes`);
  console.log(`- host event loop: longest stall ${m.longest.toFixed(0)} ms (a 2 ms timer's longest gap); the nodes parsed over ${m.decode.toFixed(0)} ms, a buffer per turn`);
  console.log(`- the nodes cross as ${mb(m.jsonBytes)} MB of JSON in transferred buffers; as one structured clone (${mb(m.cloneBytes)} MB) this thread would stall ${m.deserialize.toFixed(0)} ms to deserialise them`);
}

// ---------------------------------------------------------------------------------------------
// Time and memory against weight bytes (weights never read)

const HIDDEN = 4096;
const MATRIX_BYTES = HIDDEN * HIDDEN * 4; // one FP32 [4096, 4096] weight: 64 MiB

/**
 * Writes a model of `layers` FP32 [HIDDEN, lastDim] weights. Embedded: raw_data inside the file.
 * External: data in `<name>.data`, the model only points at it.
 */
function writeMatMulChain(path, layers, lastDim, external) {
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
    const raw = payloadBytes ? fieldHeader(9, payloadBytes) : new Uint8Array();
    const tensorLength = encoded.length + raw.length + payloadBytes;
    return { prefix: fieldHeader(5, tensorLength), encoded, raw, payloadBytes };
  });
  const graphLength = graphRest.length + initializerFields.reduce((a, f) => a + f.prefix.length + f.encoded.length + f.raw.length + f.payloadBytes, 0);
  const modelHead = onnx.ModelProto.encode({ irVersion: 8, producerName: 'onnx-hardware-profiler bench', opsetImport: [{ domain: '', version: 17 }] }).finish();

  const fd = openSync(path, 'w');
  writeSync(fd, modelHead);
  writeSync(fd, fieldHeader(7, graphLength));
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

const PROFILE_CHILD = `${PEAK_RSS_SOURCE}
const { profileModelFile } = require(${JSON.stringify(join(root, 'out/src/node/profileFile.js'))});
const t0 = process.hrtime.bigint();
const report = profileModelFile(process.argv[1], { bindings: new Map([['batch', 1]]) });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ seconds, maxRssBytes: peakRssBytes(), flops: report.totals.flops, params: report.totals.params }));
`;

const DECODE_CHILD = `${PEAK_RSS_SOURCE}
const fs = require('fs');
const { onnx } = require(${JSON.stringify(require.resolve('onnx-proto'))});
const t0 = process.hrtime.bigint();
const model = onnx.ModelProto.decode(fs.readFileSync(process.argv[1]));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ seconds, maxRssBytes: peakRssBytes(), nodes: model.graph.node.length }));
`;

function runChild(code, file) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '-e', code, file], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || '').split('\n').find((l) => l.trim()) ?? `exit ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function weightsTable() {
  const cases = [
    { layers: 1, lastDim: 1024, external: false },
    { layers: 1, lastDim: HIDDEN, external: false },
    { layers: 6, lastDim: 1024, external: false }, // ≈ 352 MB
    { layers: 16, lastDim: HIDDEN, external: false }, // 1 GiB
    { layers: 32, lastDim: HIDDEN, external: true }, // 2 GiB external
  ].filter((c) => (c.layers * MATRIX_BYTES) / 2 ** 30 <= maxGb + 0.01);
  console.log('\n## Profile time (after start-up) against weight bytes: weights are never read\n');
  console.log('| model | weight bytes | file bytes | profile s | profile peak RSS MB | full decode s | decode peak RSS MB | speed-up |');
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const c of cases) {
    const name = `matmul-${c.layers}x-${c.lastDim}-${c.external ? 'external' : 'embedded'}.onnx`;
    const file = join(dir, name);
    const weightBytes = ((c.layers - 1) * HIDDEN + c.lastDim) * HIDDEN * 4;
    if (!existsSync(file)) writeMatMulChain(file, c.layers, c.lastDim, c.external);
    const profile = runChild(PROFILE_CHILD, file);
    const decode = c.external ? { seconds: NaN, maxRssBytes: NaN } : runChild(DECODE_CHILD, file);
    const fmt = (x, d = 3) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
    const speedup = decode.seconds / profile.seconds;
    console.log(
      `| ${name} | ${mb(weightBytes)} MB | ${mb(statSync(file).size)} MB | ${profile.error ?? fmt(profile.seconds)} | ${mb(profile.maxRssBytes)} | ${decode.error ?? fmt(decode.seconds)} | ${c.external ? 'n/a' : mb(decode.maxRssBytes)} | ${Number.isFinite(speedup) ? `${speedup.toFixed(0)}×` : 'n/a'} |`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

const paths = benchModels(dir, { log: (m) => console.error(m) });
const models = {
  'diffusion-92k': paths.diffusion92k,
  'diffusion-100k': paths.diffusion100k,
  resnet50: paths.resnet50,
  ...(args.includes('--skip-large') ? {} : { 'decoder-650mb': paths.decoder650mb, 'decoder-1600mb': paths.decoder1600mb }),
};
console.log(`# onnx-profile bench: node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores`);
console.log(`peak RSS from ${hasGnuTime ? 'GNU time (%M)' : 'process.resourceUsage().maxRSS at exit'}`);
const baseline = baselineRef ? buildBaseline(baselineRef) : undefined;
try {
  acceptance(wholeProcessTable(models, baseline));
  if (!args.includes('--no-targets')) withTargetsTable({ 'diffusion-100k': paths.diffusion100k, resnet50: paths.resnet50 }, baseline);
} finally {
  baseline?.remove();
}
if (!args.includes('--no-profile')) whereTheTimeGoes(paths.diffusion100k);
if (!args.includes('--no-host')) hostResponsiveness(paths.diffusion100k);
if (!args.includes('--no-weights-table')) weightsTable();
