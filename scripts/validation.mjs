#!/usr/bin/env node
// Validates the hardware estimator against published MLPerf Inference (Offline) results and vendor figures.
//
//   npx tsc -p tsconfig.test.json && node scripts/validation.mjs [calibration.json] [--json] [--write | --check] [--compiled DIR]
//
// Every point is estimated on the graph-only model of its architecture (test/fixtures/mlperf, and the MoE
// decoders of test/fixtures/moe) with the default efficiencies, at the precision the submission used, on the
// system as published (its chip count fixed, batch and layout chosen by the serving search). Five tables:
// the calibration points (absolute), each device's speed-up over the H100 SXM against the measured one
// (test/fixtures/mlperf/relative-results.json), vendor-published accelerator figures, and published GEMM kernel
// benchmarks against the per-kernel model (test/fixtures/kernels, src/core/estimate/kernelValidation.ts), and timm's
// grouped and depth-wise CNNs on one GPU (src/core/estimate/convValidation.ts). The computation is
// src/core/estimate/mlperfValidation.ts; --write puts the tables into docs/validation.md, --check exits 1
// when the doc differs from what this run computes (the test suite runs it). Method: docs/validation.md.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const compiled = resolve(option('--compiled') ?? join(root, 'out'));
if (!existsSync(join(compiled, 'src', 'core', 'estimate', 'mlperfValidation.js'))) {
  console.error(`compile first: npx tsc -p tsconfig.test.json (looked in ${compiled})`);
  process.exit(2);
}
const require = createRequire(import.meta.url);
const validation = require(join(compiled, 'src', 'core', 'estimate', 'mlperfValidation.js'));
const { validateKernels } = require(join(compiled, 'src', 'core', 'estimate', 'kernelValidation.js'));
const { validateConvolutions } = require(join(compiled, 'src', 'core', 'estimate', 'convValidation.js'));
const { openModelFile } = require(join(compiled, 'src', 'node', 'profileFile.js'));

const fixtures = join(root, 'test', 'fixtures');
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--compiled');
const dataPath = positional[0] ?? join(fixtures, 'mlperf', 'mlperf-calibration.json');
const points = JSON.parse(readFileSync(dataPath, 'utf8')).results;
const relative = JSON.parse(readFileSync(join(fixtures, 'mlperf', 'relative-results.json'), 'utf8'));

const models = new Map();
const profile = validation.memoised((model, bindings) => {
  if (!models.has(model)) models.set(model, openModelFile(join(fixtures, validation.MODEL_FIXTURES[model])));
  return models.get(model).model.profile({ bindings: new Map(Object.entries(bindings)) });
});

const result = validation.validateAll(points, profile, relative);
const padded = points.filter((p) => p.benchmark === 'bert-99').map((p) => ({ ...validation.paddedBertCheck(p, profile), measured: p.result_per_accelerator }));
const sensitivity = validation.promptSensitivity(points, profile);
const kernelData = JSON.parse(readFileSync(join(fixtures, 'kernels', 'gemm-benchmarks.json'), 'utf8'));
const kernels = validateKernels(kernelData);
const convBenchmarks = JSON.parse(readFileSync(join(fixtures, 'mlperf', 'timm-benchmarks.json'), 'utf8'));
const convolutions = validateConvolutions(convBenchmarks, profile);
for (const m of models.values()) m.close();

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const within = (rows) => rows.filter((r) => Math.abs(r.error) <= 0.15).length;
const median = (x) => `${(x * 100).toFixed(1)}%`;

function absoluteTable() {
  const { rows, medianAbsoluteError } = result;
  return [
    '| Benchmark | Accelerator | Chips | Precision | Metric (per accelerator) | MLPerf | Estimate | Error | Serving plan and estimator detail |',
    '|---|---|--:|---|---|--:|--:|--:|---|',
    ...rows.map((r) => `| ${r.benchmark} | ${r.device} | ${r.chips} | ${r.precision} | ${r.metric} | ${fmt(r.measured)} | ${fmt(r.estimated)} | ${pct(r.error)} | ${r.detail} |`),
    '',
    `**Median absolute error: ${median(medianAbsoluteError)}** over ${rows.length} calibration points (target ≤ 15%); ${within(rows)} of ${rows.length} are within 15%.`,
  ];
}

function relativeTable() {
  const { relative: rows, relativeMedianAbsoluteError } = result;
  const sorted = [...rows].sort((a, b) => a.benchmark.localeCompare(b.benchmark) || a.device.localeCompare(b.device) || a.version.localeCompare(b.version));
  return [
    '| Benchmark | Device | Chips | Precision | Round, submitter | Reference | Measured speed-up | Predicted | Error | Serving plans (device vs reference) |',
    '|---|---|--:|---|---|---|--:|--:|--:|---|',
    ...sorted.map(
      (r) =>
        `| ${r.benchmark} | ${r.device} | ${r.chips} | ${r.precision} | ${r.version} ${r.submitter} | ${r.referenceDevice} ×${r.referenceChips}${r.sameRound ? '' : ' (other round)'} | ${r.measured.toFixed(3)} | ${r.predicted.toFixed(3)} | ${pct(r.error)} | ${r.detail} |`,
    ),
    '',
    `**Median absolute error of the predicted speed-up: ${median(relativeMedianAbsoluteError)}** over ${rows.length} published results (target ≤ 15%); ${within(rows)} of ${rows.length} are within 15%.`,
  ];
}

function vendorTable() {
  const { vendor: rows, vendorMedianAbsoluteError } = result;
  return [
    '| Figure | Device | Chips | Model | Precision | Request as modelled | Published (per chip) | Estimate | Error | Predicted speed-up over H100 SXM | Estimator detail | Source |',
    '|---|---|--:|---|---|---|--:|--:|--:|--:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.device} | ${r.chips} | ${r.model} | ${r.precision} | ${r.basis} | ${fmt(r.measured)} | ${fmt(r.estimated)} | ${pct(r.error)} | ${r.predictedSpeedupOverH100.toFixed(2)} | ${r.detail} | ${r.source} |`,
    ),
    '',
    `Median absolute error over the ${rows.length} vendor figures: ${median(vendorMedianAbsoluteError)} (${within(rows)} within 15%).`,
  ];
}

function paddedLines() {
  return [
    'BERT padded to 384 tokens (informational, not in the median):',
    '',
    ...padded.map((p) => `* ${p.device}: estimate ${fmt(p.estimated)} samples/s vs MLPerf ${fmt(p.measured)} (${pct(p.error)}); the dense int8 peak alone allows at most ${fmt(p.peakSamplesPerSecond)} samples/s at 384 tokens.`),
  ];
}

function sensitivityTable() {
  return [
    '| Benchmark | Accelerator | Prompt tokens | Basis | MLPerf | Estimate at ½ the prompt | at the prompt | at 2× the prompt |',
    '|---|---|--:|---|--:|--:|--:|--:|',
    ...sensitivity.map((r) => `| ${r.benchmark} | ${r.device} | ${r.promptTokens} | ${r.promptBasis} | ${fmt(r.measured)} | ${r.estimates.map((e) => `${fmt(e)} (${pct((e - r.measured) / r.measured)})`).join(' | ')} |`),
  ];
}

function kernelTable() {
  const { rows, medianAbsoluteError } = kernels;
  return [
    '| Kernel | Device | Layout | Shape (groups × m × n × k) | Published TFLOPS | Estimate | Error | Bound (estimate) |',
    '|---|---|---|---|--:|--:|--:|---|',
    ...rows.map((r) => `| ${r.id} | ${r.device} | ${r.layout} | ${r.shape} | ${fmt(r.measuredTflops)} | ${fmt(r.estimatedTflops)} | ${pct(r.error)} | ${r.bound} |`),
    '',
    `Median absolute error over the ${rows.length} kernels: ${median(medianAbsoluteError)} (${within(rows)} within 15%).`,
  ];
}

function convolutionTable() {
  const { device, precision, execution } = convBenchmarks;
  return [
    `| Model | Device | Batch | Precision, execution | Measured samples/s | Estimate | Error | Measured ratio to ResNet-50 | Predicted | Error | Convolutions |`,
    '|---|---|--:|---|--:|--:|--:|--:|--:|--:|---|',
    ...convolutions.map(
      (r) =>
        `| ${r.model} | ${device} | ${r.batch} | ${precision}, ${execution} | ${fmt(r.measured)} | ${fmt(r.estimated)} | ${pct(r.error)} | ${r.measuredRatio.toFixed(3)} | ${r.predictedRatio.toFixed(3)} | ${pct(r.ratioError)} | ${r.detail} |`,
    ),
  ];
}

const blocks = {
  calibration: [...absoluteTable(), '', ...paddedLines()].join('\n'),
  relative: relativeTable().join('\n'),
  vendor: vendorTable().join('\n'),
  sensitivity: sensitivityTable().join('\n'),
  kernels: kernelTable().join('\n'),
  convolutions: convolutionTable().join('\n'),
};

/** Replaces each `<!-- generated by scripts/validation.mjs: NAME -->` … `<!-- end NAME -->` block of the doc. */
function withBlocks(text) {
  let out = text;
  for (const [name, body] of Object.entries(blocks)) {
    const begin = `<!-- generated by scripts/validation.mjs: ${name} -->`;
    const end = `<!-- end ${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`docs/validation.md has no '${name}' block markers`);
    out = `${out.slice(0, i)}${begin}\n${body}\n${out.slice(j)}`;
  }
  return out;
}

if (args.includes('--json')) {
  console.log(JSON.stringify({ ...result, paddedBert: padded, promptSensitivity: sensitivity, kernels, convolutions }, null, 2));
} else {
  const doc = join(root, 'docs', 'validation.md');
  const text = readFileSync(doc, 'utf8');
  const fresh = withBlocks(text);
  if (args.includes('--check')) {
    if (fresh !== text) {
      console.error('docs/validation.md is stale: run `npx tsc -p tsconfig.test.json && node scripts/validation.mjs --write`');
      process.exit(1);
    }
    console.error(`docs/validation.md is up to date (calibration median ${median(result.medianAbsoluteError)}, relative ${median(result.relativeMedianAbsoluteError)})`);
  } else if (args.includes('--write')) {
    writeFileSync(doc, fresh);
    console.error(`wrote ${doc}`);
  } else {
    console.log(Object.values(blocks).join('\n\n'));
  }
}
