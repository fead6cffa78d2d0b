/**
 * The published report schema (schemas/report.schema.json) against what `onnx-profile --format json` prints,
 * over every section the CLI can add: estimates and hints, what-if, sweep, LLM serving with the serving
 * search, MoE, quantized nodes, calibration and a baseline comparison. Checked strictly: every object the
 * schema describes must list every field the report has (the schema itself stays open, so that consumers
 * survive fields added in a minor version), and every field it requires must be there.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import schema from '../../schemas/report.schema.json';
import { runCliCaptured } from './cliRun';
import { calibrationModel } from './onnxBuilder';

const ROOT = [path.join(__dirname, '..', '..', '..'), process.cwd()].find((p) => fs.existsSync(path.join(p, 'schemas', 'report.schema.json')))!;
const at = (...parts: string[]) => path.join(ROOT, ...parts);

/** A copy of `s` in which every object that lists its properties allows no others. */
function closed(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(closed);
  if (s === null || typeof s !== 'object') return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, x]) => [p, closed(x)])) : closed(v);
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

const validate = new Ajv({ allErrors: true, strict: false }).compile(closed(schema) as object);

function reportOf(args: string[]): unknown {
  const { code, stdout, stderr } = runCliCaptured([...args, '--format', 'json']);
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout);
}

function assertMatchesSchema(report: unknown, label: string): void {
  const ok = validate(report);
  const problems = (validate.errors ?? []).slice(0, 12).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` '${e.params.additionalProperty}'` : ''}`);
  assert.ok(ok, `${label}:\n  ${problems.join('\n  ')}`);
}

function calibrationModelFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-schema-')), 'calib.onnx');
  fs.writeFileSync(file, calibrationModel());
  return file;
}

const SAMPLE = at('samples', 'resnet50-graph-only.onnx');
const CASES: readonly { label: string; args: () => string[]; sections: readonly string[] }[] = [
  { label: 'profile only, QDQ nodes', args: () => [at('test', 'fixtures', 'quant', 'resnet50_qdq.onnx')], sections: ['nodes'] },
  { label: 'estimates and hints', args: () => [SAMPLE, '--batch', '32', '--target', 'h100-sxm', '--target', 'l4', '--target', 'tpu-v5e'], sections: ['estimates', 'hints'] },
  { label: 'what-if', args: () => [SAMPLE, '--batch', '32', '--target', 'h100-sxm', '--apply', 'precision.int8'], sections: ['whatIf'] },
  { label: 'sweep', args: () => [SAMPLE, '--target', 'h100-sxm', '--sweep', 'batch=1,8'], sections: ['sweep'] },
  { label: 'LLM with the serving search', args: () => [at('test', 'fixtures', 'quant', 'decoder_fp16.onnx'), '--target', 'h100-sxm', '--target', 'b200', '--batch', 'max', '--precision', 'fp8', '--kv-cache', 'int8'], sections: ['llm', 'estimates'] },
  { label: 'MoE on a fixed node', args: () => [at('test', 'fixtures', 'moe', 'mixtral_8x7b.onnx'), '--target', 'h100-sxm', '--target', 'mi300x', '--batch', '8', '--chips', '8'], sections: ['moe', 'llm'] },
  { label: 'baseline with limits', args: () => [at('test', 'fixtures', 'quant', 'resnet50_qdq.onnx'), '--batch', '8', '--target', 'h100-sxm', '--baseline', SAMPLE, '--max-regression', 'latency=5%'], sections: ['baseline'] },
  { label: 'calibration', args: () => [calibrationModelFile(), '--target', 'h100-sxm', '--calibrate', at('test', 'fixtures', 'calibration', 'ort-profile.json')], sections: ['calibration'] },
];

for (const c of CASES) {
  test(`report schema: ${c.label} matches schemas/report.schema.json, every field described`, () => {
    const report = reportOf(c.args()) as Record<string, unknown>;
    for (const s of c.sections) assert.ok(report[s] !== undefined, `the case has no '${s}' to check`);
    assertMatchesSchema(report, c.label);
  });
}

test('report schema: the strict check fails on a field the schema does not describe, and on a missing required one', () => {
  const report = reportOf([SAMPLE, '--batch', '32', '--target', 'h100-sxm']) as { estimates: Record<string, unknown>[] };
  assert.equal(validate({ ...report, estimates: [{ ...report.estimates[0], undocumented: 1 }] }), false);
  const { latencySeconds: _dropped, ...withoutLatency } = report.estimates[0];
  assert.equal(validate({ ...report, estimates: [withoutLatency] }), false);
});
