/**
 * Shape-inference conformance against ONNX's node tests (Debian's libonnx-testdata): for each test,
 * the inferred dtype and shape of every graph output must equal those of test_data_set_0/output_*.pb.
 *
 * Two runs per test:
 *  - bound: the test's input tensors are given as known values (as a user binds dims), so shapes that
 *    depend on input values (Reshape's shape, TopK's k) can be computed;
 *  - unbound: no values given; no output may get a static shape that differs from the expected one
 *    (a shape that can't be known must stay symbolic).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inMemoryByteSource } from '../../src/core/io/byteSource';
import { dataTypeName } from '../../src/core/onnx/dataType';
import { OnnxLoadError } from '../../src/core/onnx/errors';
import { loadTensor } from '../../src/core/onnx/loader';
import { TensorValueReader } from '../../src/core/onnx/tensorValues';
import { LoadedModel } from '../../src/core/profile';
import type { ProfileReport, TensorSummary } from '../../src/core/report/reportTypes';
import type { KnownValue } from '../../src/core/shapes/tensorInfo';
import { nodeFileSystem } from '../../src/node/nodeFileSystem';

export const NODE_TESTS_DIR = '/usr/share/libonnx-testdata/data/node';

export interface ConformanceResult {
  readonly test: string;
  readonly passed: boolean;
  /** Why it failed, for the listing. */
  readonly reason?: string;
  /** A static dim that differs from the expected one without input values: never allowed. */
  readonly wrongStaticWithoutBinding?: string;
}

interface Expected {
  readonly dtype: string;
  readonly dims: readonly number[];
}

function readExpected(file: string): Expected | undefined {
  try {
    const bytes = fs.readFileSync(file);
    const t = loadTensor(inMemoryByteSource(bytes), file);
    if (t.dtype === undefined) return undefined;
    return { dtype: dataTypeName(t.dtype), dims: t.dims.map(Number) };
  } catch {
    return undefined; // a SequenceProto or OptionalProto: not a tensor
  }
}

function readInputValue(file: string): KnownValue | undefined {
  try {
    const bytes = fs.readFileSync(file);
    const source = inMemoryByteSource(bytes);
    const t = loadTensor(source, file);
    // Large inputs are not kept as values: the model's declared input shape serves.
    return new TensorValueReader(source, undefined).read(t);
  } catch {
    return undefined;
  }
}

/**
 * ONNX 1.12's test data writes bfloat16 outputs as uint16 tensors (the bit patterns), while the model
 * declares bfloat16. Agreeing with the model's declaration is right; say so rather than count it.
 */
function isBfloat16StoredAsUint16(actual: TensorSummary, expected: Expected, declared: string | undefined): boolean {
  return actual.dtype === 'bfloat16' && expected.dtype === 'uint16' && declared === 'bfloat16';
}

function compare(actual: TensorSummary | undefined, expected: Expected, declared: string | undefined): string | undefined {
  if (!actual) return 'no output';
  if (actual.dtype !== expected.dtype && !isBfloat16StoredAsUint16(actual, expected, declared)) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (actual.shape === null) return `shape unknown, expected [${expected.dims.join(', ')}]`;
  if (actual.shape.length !== expected.dims.length || actual.shape.some((d, i) => d !== expected.dims[i])) {
    return `shape [${actual.shape.join(', ')}], expected [${expected.dims.join(', ')}]`;
  }
  return undefined;
}

/** A static dim that contradicts the expected shape (symbolic dims and unknown ranks are fine). */
function wrongStatic(actual: TensorSummary | undefined, expected: Expected): string | undefined {
  if (!actual || actual.shape === null) return undefined;
  if (actual.shape.length !== expected.dims.length) {
    return `rank ${actual.shape.length} ([${actual.shape.join(', ')}]), expected [${expected.dims.join(', ')}]`;
  }
  const bad = actual.shape.findIndex((d, i) => typeof d === 'number' && d !== expected.dims[i]);
  return bad < 0 ? undefined : `shape [${actual.shape.join(', ')}], expected [${expected.dims.join(', ')}]`;
}

export function runConformanceTest(dir: string): ConformanceResult {
  const test = path.basename(dir);
  const modelPath = path.join(dir, 'model.onnx');
  const dataDir = path.join(dir, 'test_data_set_0');
  const source = nodeFileSystem.open(modelPath);
  try {
    const loaded = LoadedModel.load({ path: modelPath, source, fileSystem: nodeFileSystem });
    const inputNames = loaded.model.graph.inputs.map((i) => i.name).filter((n) => !loaded.model.graph.initializers.some((t) => t.name === n));
    const inputValues = new Map<string, KnownValue>();
    inputNames.forEach((name, i) => {
      const v = readInputValue(path.join(dataDir, `input_${i}.pb`));
      if (v) inputValues.set(name, v);
    });
    // A SequenceProto or OptionalProto file also decodes as a (meaningless) TensorProto: only tensor outputs are compared.
    const isContainer = (kind: string) => kind === 'sequence' || kind === 'optional' || kind === 'map';
    const expected = loaded.model.graph.outputs.map((o, i) => (isContainer(o.type.kind) ? undefined : readExpected(path.join(dataDir, `output_${i}.pb`))));
    const bound = loaded.profile({ inputValues, useStoredShapes: false });
    const unbound = loaded.profile({ useStoredShapes: false });
    const reasons: string[] = [];
    const wrong: string[] = [];
    expected.forEach((exp, i) => {
      const name = loaded.model.graph.outputs[i].name;
      if (!exp) {
        const out = bound.graphOutputs[i];
        if (!out || out.dtype === 'unknown') reasons.push(`${name}: non-tensor output not inferred`);
        return;
      }
      const declaredType = loaded.model.graph.outputs[i].type;
      const declared = declaredType.kind === 'tensor' ? dataTypeName(declaredType.dtype) : undefined;
      const r = compare(bound.graphOutputs[i], exp, declared);
      if (r) reasons.push(`${name}: ${r}`);
      const w = wrongStatic(unbound.graphOutputs[i], exp);
      if (w) wrong.push(`${name}: ${w}`);
    });
    const diag = firstProblem(bound);
    return {
      test,
      passed: reasons.length === 0,
      reason: reasons.length ? `${reasons.join('; ')}${diag ? ` (${diag})` : ''}` : undefined,
      wrongStaticWithoutBinding: wrong.length ? wrong.join('; ') : undefined,
    };
  } catch (e) {
    const message = e instanceof OnnxLoadError ? `load error: ${e.message}` : `crash: ${(e as Error).stack ?? e}`;
    return { test, passed: false, reason: message };
  } finally {
    source.close();
  }
}

function firstProblem(report: ProfileReport): string | undefined {
  const uncovered = report.coverage.uncoveredOpTypes.map((u) => `${u.domain ? `${u.domain}.` : ''}${u.opType}`);
  if (uncovered.length) return `no rule for ${uncovered.join(', ')}`;
  const d = report.diagnostics.find((x) => x.severity !== 'info');
  return d?.message;
}

export function listNodeTests(filter?: RegExp): string[] {
  if (!fs.existsSync(NODE_TESTS_DIR)) return [];
  return fs
    .readdirSync(NODE_TESTS_DIR)
    .filter((d) => !filter || filter.test(d))
    .map((d) => path.join(NODE_TESTS_DIR, d))
    .filter((d) => fs.existsSync(path.join(d, 'model.onnx')))
    .sort();
}

/** CLI: node out/test/conformance/conformance.js [regex] — prints failures and the pass rate. */
if (require.main === module) {
  const filter = process.argv[2] ? new RegExp(process.argv[2]) : undefined;
  const results = listNodeTests(filter).map(runConformanceTest);
  const failed = results.filter((r) => !r.passed);
  for (const r of failed) console.log(`FAIL ${r.test}: ${r.reason}`);
  for (const r of results.filter((x) => x.wrongStaticWithoutBinding)) console.log(`WRONG-STATIC ${r.test}: ${r.wrongStaticWithoutBinding}`);
  const passed = results.length - failed.length;
  console.log(`conformance: ${passed}/${results.length} agree (${((passed / Math.max(1, results.length)) * 100).toFixed(1)}%), ${results.filter((x) => x.wrongStaticWithoutBinding).length} wrong static shapes without binding`);
}
