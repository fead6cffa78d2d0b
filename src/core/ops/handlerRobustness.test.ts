/**
 * Every op rule, on inputs and attributes it was not written for: it may infer and cost them, or refuse them with a
 * typed error (ShapeError: the inputs contradict the op; UnknownShapeError: a shape or value is not known), and
 * nothing else: no TypeError, RangeError or hang from a rule reading what is not there. Deterministic (the fuzz
 * harness's seeded generator), so a failure names its case.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_OP_FAMILIES } from './builtinOps';
import { ShapeError, UnknownShapeError, type OpHandler } from './opHandler';
import { type AttrSpec, type InputSpec, runNode } from './families/testUtil';
import { seededRandom } from '../../../test/fuzz/mutations';

const DIMS: readonly (number | string)[] = [1, 2, 3, 4, 8, 0, 'n', 's'];
const DTYPES = ['float', 'float16', 'int64', 'int32', 'int8', 'bool'];
const ATTRIBUTES: readonly (readonly [string, () => AttrSpec])[] = [
  ['axis', () => 1],
  ['axis', () => -1],
  ['num_heads', () => 2],
  ['kv_num_heads', () => 1],
  ['kernel_shape', () => [2, 2]],
  ['strides', () => [1, 1]],
  ['pads', () => [0, 0, 0, 0]],
  ['group', () => 2],
  ['groups', () => 2],
  ['k', () => 2],
  ['K', () => 4],
  ['N', () => 4],
  ['bits', () => 4],
  ['block_size', () => 16],
  ['perm', () => [1, 0]],
  ['axes', () => [0]],
  ['keepdims', () => 0],
  ['to', () => 1],
  ['max_output_boxes', () => 10],
  ['topK', () => 5],
  ['keepTopK', () => 3],
  ['window', () => 1],
  ['signal_ndim', () => 1],
  ['full_shape_outputs', () => [0]],
  ['mode', () => 'nearest'],
  ['activation', () => 1],
];
/** Values no valid model holds: zero, negative or out-of-range sizes, counts and axes, unknown type codes. */
const NASTY_ATTRIBUTES: readonly (readonly [string, () => AttrSpec])[] = [
  ['axis', () => 7],
  ['axis', () => -9],
  ['num_heads', () => 0],
  ['kv_num_heads', () => 3],
  ['kernel_shape', () => [0, 3]],
  ['strides', () => [0, 1]],
  ['pads', () => [-1, 0, 0, 0]],
  ['pads', () => [1]],
  ['dilations', () => [0, 1]],
  ['group', () => 0],
  ['groups', () => 0],
  ['k', () => -1],
  ['bits', () => 3],
  ['block_size', () => 0],
  ['perm', () => [0, 0]],
  ['axes', () => [5]],
  ['to', () => 99],
  ['topK', () => 0],
  ['window', () => 0],
  ['signal_ndim', () => 0],
  ['mode', () => 'bogus'],
  ['blocksize', () => 0],
  ['split', () => [0]],
];

function randomInput(random: () => number): InputSpec | undefined {
  if (random() < 0.15) return undefined;
  const dtype = DTYPES[Math.floor(random() * DTYPES.length)];
  if (random() < 0.1) return { dtype }; // rank unknown
  const rank = Math.floor(random() * 5);
  const shape = Array.from({ length: rank }, () => DIMS[Math.floor(random() * DIMS.length)]);
  const small = shape.every((d) => typeof d === 'number') && shape.reduce<number>((p, d) => p * (d as number), 1) <= 8;
  const value = small && random() < 0.5 ? Array.from({ length: shape.reduce<number>((p, d) => p * (d as number), 1) }, () => Math.floor(random() * 4)) : undefined;
  return { dtype, shape, ...(value ? { value } : {}) };
}

function randomAttributes(random: () => number, pool: readonly (readonly [string, () => AttrSpec])[]): Record<string, AttrSpec> {
  const attrs: Record<string, AttrSpec> = {};
  for (const [name, value] of pool) if (random() < 0.3) attrs[name] = value();
  return attrs;
}

const CASES_PER_RULE = 24;
const rules: readonly OpHandler[] = Object.values(BUILTIN_OP_FAMILIES).flat();

test(`every op rule (${rules.length}) infers and costs arbitrary inputs or refuses them with a typed error`, () => {
  const untyped: string[] = [];
  rules.forEach((rule, r) => {
    const random = seededRandom(20261206 + r);
    for (let c = 0; c < CASES_PER_RULE; c++) {
      const inputs = Array.from({ length: Math.floor(random() * 7) }, () => randomInput(random));
      const attrs = randomAttributes(random, c % 2 === 0 ? ATTRIBUTES : NASTY_ATTRIBUTES);
      const opset = Math.max(rule.sinceVersion, Math.min(rule.untilVersion ?? 23, rule.sinceVersion + Math.floor(random() * 3)));
      try {
        runNode({ opType: rule.opType, domain: rule.domain, opset, inputs, attrs, outputCount: 1 + Math.floor(random() * 3) });
      } catch (e) {
        if (e instanceof ShapeError || e instanceof UnknownShapeError) continue;
        untyped.push(`${rule.domain || 'ai.onnx'}.${rule.opType} (opset ${opset}, case ${c}): ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
  assert.deepEqual(untyped.slice(0, 20), [], `${untyped.length} untyped errors`);
});
