#!/usr/bin/env node
// The README's MoE walkthrough: the graph-only DeepSeek-V3-like and Kimi-K2-like decoders of
// test/fixtures/moe (scripts/makeMoeFixtures.py) served on eight targets, at batch 1 and at a serving batch:
// time per output token, output tokens/s, chips and layout, $ per million output tokens.
//
//   npx tsc -p tsconfig.test.json && node scripts/moeWalkthrough.mjs [--batch N] [--write | --check] [--compiled DIR]
//
// Each row is what `onnx-profile MODEL --target ID --batch B [--precision fp8]` prints in its LLM serving
// table (the same analysis pipeline, the CLI's default request of 512 prompt and 128 generated tokens);
// --write puts the table into README.md between its moe-walkthrough markers; --check fails when the table there
// differs from what the code computes (the test suite runs it).
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const compiled = resolve(option('--compiled') ?? join(root, 'out'));
if (!existsSync(join(compiled, 'src', 'core', 'pipeline', 'analyze.js'))) {
  console.error(`compile first: npx tsc -p tsconfig.test.json (looked in ${compiled})`);
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { analyzeModel } = require(join(compiled, 'src', 'core', 'pipeline', 'analyze.js'));
const { findHardware } = require(join(compiled, 'src', 'core', 'hardware', 'catalog.js'));
const { openModelFile } = require(join(compiled, 'src', 'node', 'profileFile.js'));

export const TARGETS = ['h100-sxm', 'h200', 'b200', 'mi300x', 'tpu-v5p', 'trainium2', 'gaudi3', 'groq-lpu'];
/** DeepSeek-V3 ships FP8 weights (run with --precision fp8); Kimi K2 Thinking INT4 experts in the graph and BF16 elsewhere. */
export const MODELS = [
  { name: 'DeepSeek-V3-like', file: 'test/fixtures/moe/deepseek_v3.onnx', precision: 'fp8' },
  { name: 'Kimi-K2-like', file: 'test/fixtures/moe/kimi_k2.onnx', precision: undefined },
];
const servingBatch = Number(option('--batch') ?? 256);
const BATCHES = [1, servingBatch];

const seconds = (s) => (s >= 1 ? `${s.toFixed(2)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(1)} ms` : `${(s * 1e6).toFixed(0)} µs`);
const rate = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));
const usd = (x) => (x === null ? 'no price' : x >= 100 ? `$${Math.round(x).toLocaleString('en-US')}` : `$${x.toFixed(2)}`);
const layout = (e) => (e.chips <= 1 ? '1' : `${e.chips} (${e.layout === 'expert-parallel' ? 'EP' : 'TP'})`);

function rows() {
  const targets = TARGETS.map((id) => findHardware(id));
  const out = [];
  for (const m of MODELS) {
    const opened = openModelFile(join(root, m.file));
    try {
      for (const batch of BATCHES) {
        const t0 = Date.now();
        const { report } = analyzeModel(opened.model, { targets, batch, ...(m.precision ? { precision: m.precision } : {}) });
        console.error(`${m.name} at batch ${batch}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        const experts = report.moe ? `${report.moe.experts} experts top-${report.moe.topK}` : '';
        for (const e of report.llm.estimates) {
          const step = e.decode.moe?.expertsTouchedPerLayer;
          out.push([
            m.name,
            String(batch),
            e.target,
            layout(e),
            seconds(e.timePerOutputTokenSeconds),
            rate(e.tokensPerSecond),
            rate(e.tokensPerSecondPerChip),
            usd(e.costPerMillionTokensUsd),
            step === undefined ? '' : `${Number(step.toPrecision(3))} of ${experts.split(' ')[0]}`,
          ]);
        }
      }
    } finally {
      opened.close();
    }
  }
  return out;
}

const HEADERS = ['model', 'batch', 'target', 'chips (layout)', 'time per output token', 'output tokens/s', 'tokens/s per chip', '$ per 1M output tokens', 'experts a decode step reads per layer'];
const RIGHT = new Set([1, 3, 4, 5, 6, 7, 8]);

function markdown(table) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(HEADERS), `|${HEADERS.map((_, i) => (RIGHT.has(i) ? '--:' : '---')).join('|')}|`, ...table.map(line)].join('\n');
}

const table = markdown(rows());
const README = join(root, 'README.md');
const BEGIN = '<!-- moe-walkthrough: begin (node scripts/moeWalkthrough.mjs --write) -->';
const END = '<!-- moe-walkthrough: end -->';

/** README.md split around its walkthrough table. */
function readmeParts() {
  const text = readFileSync(README, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    console.error('README.md has no moe-walkthrough markers');
    process.exit(2);
  }
  return { before: text.slice(0, a + BEGIN.length), current: text.slice(a + BEGIN.length, b).trim(), after: text.slice(b) };
}

if (args.includes('--check')) {
  // The test suite runs this, so a change of the estimator cannot leave the README's figures behind.
  const { current } = readmeParts();
  if (current !== table) {
    const stale = current.split('\n').filter((l) => !table.split('\n').includes(l));
    console.error(`README.md's walkthrough table is stale (${stale.length} rows differ, first: ${stale[0] ?? '?'}); run: npx tsc -p tsconfig.test.json && node scripts/moeWalkthrough.mjs --write`);
    process.exit(1);
  }
  console.error('README.md walkthrough table is up to date');
} else {
  console.log(table);
  if (args.includes('--write')) {
    const { before, after } = readmeParts();
    writeFileSync(README, `${before}\n${table}\n${after}`);
    console.error('wrote README.md');
  }
}
