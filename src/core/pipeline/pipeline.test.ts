/**
 * The analysis pipeline: one target resolution with its clash rule, one batch rule, hint ids and what-if
 * selection, a cached re-analysis that does not re-profile, per-target what-if, and the roofline's roofs.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openModelFile } from '../../node/profileFile';
import { makeDevice } from '../estimate/testUtil';
import { findHardware, HARDWARE_CATALOG } from '../hardware/catalog';
import type { Hint } from '../hints/hintTypes';
import type { OnnxModel } from '../onnx/model';
import { analyzeModel, bestEstimate } from './analyze';
import { batchSymbol } from './batch';
import { ProfileCache, type ProfileSource } from './profileCache';
import { resolveTargets, targetCatalog } from './targets';
import { identifyHints, selectHints } from './whatIfSelection';

const ROOT = [join(__dirname, '..', '..', '..', '..'), process.cwd()].find((p) => existsSync(join(p, 'test', 'fixtures', 'mlperf')))!;
const H100 = findHardware('h100-sxm')!;
const A100 = findHardware('a100-80gb')!;

/** A LoadedModel of a fixture, counting its profiles. */
function counted(file: string): { source: ProfileSource; profiles: () => number; close(): void } {
  const opened = openModelFile(join(ROOT, file));
  let profiles = 0;
  const source: ProfileSource = {
    model: opened.model.model,
    profile: (o) => (profiles++, opened.model.profile(o)),
    weightSampler: () => opened.model.weightSampler(),
  };
  return { source, profiles: () => profiles, close: opened.close };
}

/** `run` on a counted source of `file`, closed afterwards whatever happens. */
function withCounted(file: string, run: (m: ReturnType<typeof counted>) => void): void {
  const m = counted(file);
  try {
    run(m);
  } finally {
    m.close();
  }
}

test('custom targets: a custom id that reuses a catalog id (or another custom id) is refused with one line; ids resolve in order', () => {
  const device = (id: string, name: string) => ({ ...makeDevice({ id, peaks: { fp16: 1e14 }, memoryBytes: 16e9, bandwidthBytesPerSecond: 1e12 }), name });
  const mine = device('my-npu', 'My NPU');
  const clash = device('h100-sxm', 'Not an H100');
  const catalog = targetCatalog([mine, clash, mine]);
  assert.deepEqual(catalog.problems, [
    "custom hardware id 'h100-sxm' is already the catalog's NVIDIA H100 SXM5 80GB; pick another id",
    "custom hardware id 'my-npu' is used twice; ids must be unique",
  ]);
  assert.equal(catalog.entries.length, HARDWARE_CATALOG.length + 1);
  assert.deepEqual([...catalog.customIds], ['my-npu']);
  const r = resolveTargets(['my-npu', ' H100-SXM ', 'nope', 'my-npu'], catalog);
  assert.deepEqual(r.entries.map((e) => [e.id, e.name]), [['my-npu', 'My NPU'], ['h100-sxm', 'NVIDIA H100 SXM5 80GB']]);
  assert.deepEqual(r.unknown, ['nope']);
});

test('the batch is the inputs\' leading symbolic dim, preferring a name that says batch', () => {
  const model = (inputs: [string, (string | number)[]][], initializers: string[] = []) =>
    ({ graph: { initializers: initializers.map((name) => ({ name })), inputs: inputs.map(([name, shape]) => ({ name, type: { kind: 'tensor', shape } })) } }) as unknown as OnnxModel;
  assert.equal(batchSymbol(model([['x', ['N', 3, 224, 224]]])), 'N');
  assert.equal(batchSymbol(model([['ids', ['seq', 'batch_size']], ['mask', ['s', 8]], ['pos', ['batch_size', 'seq']]])), 'batch_size');
  assert.equal(batchSymbol(model([['a', ['d0', 4]], ['b', ['d1', 4]], ['c', ['d1', 4]]])), 'd1');
  assert.equal(batchSymbol(model([['x', [1, 3]]])), undefined);
  assert.equal(batchSymbol(model([['w', ['batch', 4]]], ['w'])), undefined, 'initializers are not inputs');
});

test('hint ids: the code, or code@N (its first node) when a code repeats; a request picks by id or by an unambiguous code', () => {
  const hint = (code: Hint['code'], nodes: number[], change = true): Hint => ({
    code, severity: 'low', nodes, nodeNames: [], message: `${code} ${nodes}`, explanation: '', savings: [],
    ...(change ? { change: { kind: 'remove' as const, nodes } } : {}),
  });
  const hints = identifyHints([hint('cast.redundant', [9]), hint('fusion.gelu', [7, 8]), hint('fusion.gelu', [4, 3]), hint('static-graph.dynamic-shape', [1], false)]);
  assert.deepEqual(hints.map((h) => h.id), ['cast.redundant', 'fusion.gelu@7', 'fusion.gelu@3', 'static-graph.dynamic-shape']);
  const s = selectHints(['fusion.gelu@3', 'cast.redundant', 'fusion.gelu', 'static-graph.dynamic-shape', 'nope', 'cast.redundant'], hints);
  assert.deepEqual(s.chosen.map((h) => h.id), ['fusion.gelu@3', 'cast.redundant']);
  assert.deepEqual(s.ambiguous, ['fusion.gelu']);
  assert.deepEqual(s.unknown, ['static-graph.dynamic-shape', 'nope'], 'a warning without a change cannot be applied');
  assert.deepEqual(s.available, ['cast.redundant', 'fusion.gelu@7', 'fusion.gelu@3']);
  // A third hint of the code, earlier in the graph, leaves the others' ids as they were (a saved what-if stays right).
  const more = identifyHints([hint('fusion.gelu', [7, 8]), hint('fusion.gelu', [4, 3]), hint('fusion.gelu', [1])]);
  assert.deepEqual(more.map((h) => h.id), ['fusion.gelu@7', 'fusion.gelu@3', 'fusion.gelu@1']);
  // Two hints of one code that start at the same node: numbered by message; a hint about no node is anchored to the model.
  const same = identifyHints([hint('fusion.gelu', [5, 9]), hint('fusion.gelu', [5, 6]), hint('cast.redundant', []), hint('cast.redundant', [2])]);
  assert.deepEqual(same.map((h) => h.id), ['fusion.gelu@5.2', 'fusion.gelu@5.1', 'cast.redundant@model', 'cast.redundant@2']);
});

test('re-analysing a ProfileCache under other targets, precision or what-if does not re-profile; a new batch does', () => {
  withCounted('test/fixtures/mlperf/bert_large.onnx', (m) => {
    const cache = new ProfileCache(m.source);
    const first = analyzeModel(cache, { targets: [H100], batch: 2 });
    assert.equal(m.profiles(), 1);
    const id = first.whatIf.available[0];
    assert.ok(id, 'the model has a hint to apply');
    const again = analyzeModel(cache, { targets: [H100], batch: 2, whatIf: [id], nodeEstimates: true });
    analyzeModel(cache, { targets: [H100, A100], batch: 2, precision: 'bf16' });
    assert.equal(m.profiles(), 1, 'targets, precision and what-if reuse the profile');
    assert.deepEqual(again.whatIf.applied.map((a) => a.id), [id]);
    assert.equal(first.report.bindings[batchSymbol(cache.model)!], 2);
    analyzeModel(cache, { targets: [H100], batch: 4 });
    assert.equal(m.profiles(), 2, 'another batch binds another value');
    analyzeModel(cache, { targets: [H100], batch: 2 });
    assert.equal(m.profiles(), 2, 'and the first is still cached');
  });
});

test('a what-if applies only on the targets that can run it: elsewhere the estimate is the baseline', () => {
  withCounted('samples/resnet50-graph-only.onnx', (m) => {
    const base = analyzeModel(m.source, { targets: [H100, A100], batch: 8 });
    const fp8 = base.report.hints!.find((h) => h.code === 'precision.fp8')!;
    assert.equal(fp8.savings.find((s) => s.target === 'a100-80gb')?.notApplicable, true, 'an A100 has no FP8');
    const after = analyzeModel(m.source, { targets: [H100, A100], batch: 8, whatIf: [fp8.id] });
    assert.deepEqual(after.whatIf.applied, [{ id: fp8.id, code: fp8.code, message: fp8.message, targets: ['h100-sxm'] }]);
    const [h100Before, a100Before] = base.report.estimates!;
    const [h100After, a100After] = after.report.estimates!;
    assert.equal(a100After.latencySeconds, a100Before.latencySeconds);
    assert.ok(Math.abs(h100Before.latencySeconds - h100After.latencySeconds - fp8.savings[0].seconds) < 1e-15);
    assert.ok(after.report.nodes.some((n) => n.computeDtype.startsWith('float8')), 'the shown report carries the change');
    assert.equal(bestEstimate(after.report.estimates!)?.target, after.bestTarget);
  });
});

test('roofs: every kernel sits on or under its target\'s roof at its own (fused, precision-scaled) intensity', () => {
  withCounted('test/fixtures/mlperf/bert_large.onnx', (m) => {
    for (const execution of ['fused', 'as-exported'] as const) {
      for (const precision of [undefined, 'fp8'] as const) {
        const a = analyzeModel(m.source, { targets: [H100, A100, findHardware('l4')!, findHardware('tpu-v5e')!], batch: 4, execution, ...(precision ? { precision } : {}), nodeEstimates: true });
        let points = 0;
        for (const [target, nodes] of a.nodeEstimates!) {
          const roof = a.roofs!.get(target)!;
          assert.ok(roof.peakFlopsPerSecond > 0 && roof.bandwidthBytesPerSecond > 0);
          // The unit the roofline plots: a kernel (the nodes fused into it share its time).
          const kernels = new Map<number, { flops: number; bytes: number; seconds: number }>();
          for (const n of nodes) {
            if (!n.estimated) continue;
            const k = kernels.get(n.kernel ?? n.index) ?? { flops: 0, bytes: 0, seconds: 0 };
            k.flops += n.flops;
            k.bytes += n.memoryBytes;
            k.seconds += n.seconds;
            kernels.set(n.kernel ?? n.index, k);
          }
          for (const [kernel, k] of kernels) {
            if (k.seconds <= 0 || k.flops <= 0 || k.bytes <= 0) continue;
            const attainable = Math.min(roof.peakFlopsPerSecond, roof.bandwidthBytesPerSecond * (k.flops / k.bytes));
            assert.ok(k.flops / k.seconds <= attainable * (1 + 1e-9), `kernel of node ${kernel} on ${target} (${execution}): ${k.flops / k.seconds} FLOP/s above the roof ${attainable}`);
            points++;
          }
        }
        assert.ok(points > 50, `${points} kernels checked (${execution}, ${precision ?? 'as in the model'})`);
      }
    }
  });
});

test('an asked batch that cannot apply says why: a static export, or a batch dim the user bound', () => {
  withCounted('test/fixtures/mlperf/bert_large.onnx', (m) => {
    const symbol = batchSymbol(m.source.model)!;
    const bound = analyzeModel(m.source, { targets: [H100], batch: 8, bindings: new Map([[symbol, 2]]) });
    assert.equal(bound.batch, 2);
    assert.deepEqual(bound.report.diagnostics.filter((d) => d.code === 'batch-bound' || d.code === 'static-batch'), [{ severity: 'info', code: 'batch-bound', message: `batch 8 not applied: the batch dim '${symbol}' is bound to 2` }]);
  });
});

test('batch max: each target gets its own batch and layout (serving), the profile and hints stay at batch 1', () => {
  withCounted('test/fixtures/mlperf/resnet50.onnx', (m) => {
    const l4 = findHardware('l4')!;
    const a = analyzeModel(m.source, { targets: [H100, l4], batch: 'max', precision: 'int8', chips: 8 });
    assert.equal(a.batch, 1);
    assert.equal(a.report.bindings.batch, 1);
    const [h, l] = a.report.estimates!;
    assert.ok(h.serving && l.serving);
    assert.equal(h.batch, h.serving.batch);
    assert.deepEqual([h.serving.chips, h.serving.instances, h.serving.chipsPerInstance], [8, 8, 1]);
    assert.ok(h.serving.batch > l.serving.batch, `an H100 batches more than an L4 (${h.serving.batch} vs ${l.serving.batch})`);
    assert.ok(Math.abs(h.throughputPerChipPerSecond - h.serving.throughputPerChipPerSecond) < 1e-6 * h.throughputPerChipPerSecond);
    assert.ok(a.report.diagnostics.some((d) => d.code === 'batch-max'));
    // The fixed batch of the same analysis is slower per chip: the search found a better one.
    const fixed = analyzeModel(m.source, { targets: [H100], batch: 8, precision: 'int8' });
    assert.ok(h.throughputPerChipPerSecond > fixed.report.estimates![0].throughputPerChipPerSecond);
    // A bound batch dim cannot be searched: said, and the estimates are at it.
    const bound = analyzeModel(m.source, { targets: [H100], batch: 'max', bindings: new Map([['batch', 4]]) });
    assert.equal(bound.report.estimates![0].serving, undefined);
    assert.equal(bound.report.estimates![0].batch, 4);
    assert.deepEqual(bound.report.diagnostics.filter((d) => d.code === 'batch-bound').map((d) => d.message), ["batch max not applied: the batch dim 'batch' is bound to 4"]);
  });
});

test('chips N with a numeric batch: one copy over N chips; a decoder with batch max gets its LLM plan per target', () => {
  withCounted('test/fixtures/mlperf/llama3_1_8b.onnx', (m) => {
    const fixed = analyzeModel(m.source, { targets: [H100], batch: 4, chips: 2, precision: 'fp8', llm: { promptTokens: 128, outputTokens: 32 } });
    assert.equal(fixed.report.estimates![0].chips, 2);
    assert.equal(fixed.report.llm!.estimates[0].chips, 2);
    const max = analyzeModel(m.source, { targets: [H100], batch: 'max', chips: 8, precision: 'fp8', llm: { promptTokens: 128, outputTokens: 32 } });
    const llm = max.report.llm!.estimates[0];
    assert.ok(llm.serving);
    assert.equal(llm.batch, llm.serving.batch);
    assert.equal(llm.serving.chips, 8);
    assert.equal(max.report.estimates![0].serving?.batch, llm.serving.batch, 'the estimates row is the same deployment');
    assert.ok(llm.tokensPerSecondPerChip > fixed.report.llm!.estimates[0].tokensPerSecondPerChip * 10, 'the searched batch serves far more tokens per chip');
  });
});

test('a target with no compute peak is left out of every estimate with a warning naming it and why, never costed as 0 or NaN', () => {
  const peakless = { ...makeDevice({ id: 'my-peakless', peaks: {}, memoryBytes: 64e9, bandwidthBytesPerSecond: 1e13 }), name: 'Peakless' };
  const wse = findHardware('cerebras-wse3')!;
  withCounted('test/fixtures/mlperf/llama3_1_8b.onnx', (m) => {
    const both = analyzeModel(m.source, { targets: [wse, H100, peakless], batch: 1, llm: { promptTokens: 128, outputTokens: 16 } });
    assert.deepEqual(both.report.estimates?.map((e) => e.target), ['h100-sxm']);
    assert.deepEqual(both.report.llm?.estimates.map((e) => e.target), ['h100-sxm']);
    assert.equal(both.bestTarget, 'h100-sxm');
    const warned = both.report.diagnostics.filter((d) => d.code === 'target-not-estimated');
    assert.deepEqual(warned.map((d) => d.severity), ['warning', 'warning']);
    assert.match(warned[0].message, /^cerebras-wse3 \(Cerebras WSE-3 \(CS-3\)\) is not estimated: the catalog holds no compute peak for it in any precision.*125 PFLOPS peak AI/);
    assert.match(warned[1].message, /^my-peakless \(Peakless\) is not estimated/);
    for (const e of both.report.estimates ?? []) assert.ok(Number.isFinite(e.latencySeconds) && Number.isFinite(e.joulesPerInference ?? 0), e.target);
    const alone = analyzeModel(m.source, { targets: [wse], batch: 1 });
    assert.equal(alone.report.estimates, undefined);
    assert.equal(alone.batch, 1, 'the batch asked is still bound');
    assert.equal(alone.report.diagnostics.filter((d) => d.code === 'target-not-estimated').length, 1);
  });
});

test('every catalog target either gets finite figures or is left out with a reason: no NaN or Infinity reaches a report', () => {
  withCounted('samples/resnet50-graph-only.onnx', (m) => {
    const a = analyzeModel(m.source, { targets: HARDWARE_CATALOG, batch: 1 });
    const out = new Set(a.report.diagnostics.filter((d) => d.code === 'target-not-estimated').map((d) => d.message.split(' ')[0]));
    assert.equal((a.report.estimates?.length ?? 0) + out.size, HARDWARE_CATALOG.length);
    const bad: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (typeof v === 'number' && !Number.isFinite(v)) bad.push(`${at} = ${v}`);
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
    };
    walk(a.report.estimates, 'estimates');
    walk(a.report.hints, 'hints');
    assert.deepEqual(bad, []);
  });
});

test("a decoder's total length follows past + sequence when those are bound and it is not; a binding of it wins", () => {
  // onnxruntime-genai's builder layout: attention_mask [batch, total_sequence_length], present [.., total_sequence_length, ..].
  withCounted('test/fixtures/mlperf/llama2_7b.onnx', (m) => {
    const step = new Map([['sequence_length', 1], ['past_sequence_length', 2048]]);
    const derived = analyzeModel(m.source, { targets: [H100], batch: 8, bindings: step });
    const explicit = analyzeModel(m.source, { targets: [H100], batch: 8, bindings: new Map([...step, ['total_sequence_length', 2049]]) });
    assert.deepEqual(derived.report.derivedBindings, { total_sequence_length: 2049 });
    assert.equal(derived.report.bindings.total_sequence_length, 2049);
    assert.deepEqual(derived.report.unboundSymbols, []);
    assert.deepEqual(derived.report.totals, explicit.report.totals, 'the same figures as binding it');
    assert.deepEqual(derived.report.estimates, explicit.report.estimates);
    assert.deepEqual(derived.report.diagnostics.filter((d) => d.code === 'derived-binding').map((d) => d.message), [
      'total_sequence_length bound to past_sequence_length + sequence_length = 2049 (the attention mask spans the cache and the new tokens); --bind total_sequence_length=N overrides',
    ]);
    // Left to itself, total counted as 1: the mask disagreed with the cache and the figures were off.
    const unbound = m.source.profile({ bindings: new Map([...step, ['batch', 8]]) });
    assert.notEqual(String(unbound.totals.flops), String(derived.report.totals.flops));
    // The user's own total wins (a fixed-size mask, say), and nothing is derived.
    const own = analyzeModel(m.source, { targets: [H100], batch: 8, bindings: new Map([...step, ['total_sequence_length', 4096]]) });
    assert.equal(own.report.derivedBindings, undefined);
    assert.equal(own.report.bindings.total_sequence_length, 4096);
    // Only one of past and sequence bound: nothing to derive from.
    assert.equal(analyzeModel(m.source, { targets: [H100], bindings: new Map([['past_sequence_length', 2048]]) }).report.derivedBindings, undefined);
  });
  // The total is read from the declared inputs before profiling: a bound decoder is profiled once, not twice.
  withCounted('test/fixtures/mlperf/llama2_7b.onnx', (once) => {
    analyzeModel(once.source, { targets: [], bindings: new Map([['sequence_length', 1], ['past_sequence_length', 2048]]) });
    assert.equal(once.profiles(), 1);
  });
});

test("LLM serving runs each phase at its own lengths, whatever the user bound for the profile; it says so", () => {
  withCounted('test/fixtures/mlperf/llama2_7b.onnx', (m) => {
    // The user looks at one decode step over a 2,048-token cache; the serving estimate is for a 512 + 128 request.
    const step = new Map([['sequence_length', 1], ['past_sequence_length', 2048]]);
    const a = analyzeModel(m.source, { targets: [H100], batch: 8, bindings: step, llm: { promptTokens: 512, outputTokens: 128 } });
    const llm = a.report.llm!;
    assert.deepEqual(llm.bindings.decode, { batch: 8, sequence_length: 1, past_sequence_length: 576, total_sequence_length: 577 });
    assert.deepEqual(llm.bindings.prefill, { batch: 8, sequence_length: 512, past_sequence_length: 0, total_sequence_length: 512 });
    const e = llm.estimates[0];
    assert.ok(e.timeToFirstTokenSeconds > 10 * e.timePerOutputTokenSeconds, `a 512-token prefill, not a one-token step: ${e.timeToFirstTokenSeconds} vs ${e.timePerOutputTokenSeconds}`);
    // The same request with nothing bound gives the same serving figures.
    const plain = analyzeModel(m.source, { targets: [H100], batch: 8, llm: { promptTokens: 512, outputTokens: 128 } });
    assert.deepEqual(plain.report.llm!.estimates, llm.estimates);
    assert.deepEqual(a.report.diagnostics.filter((d) => d.code === 'llm-phase-dims').map((d) => d.message), [
      'LLM serving runs each phase at its own lengths (prefill sequence_length=512, past_sequence_length=0; decode sequence_length=1, past_sequence_length=576); sequence_length=1, past_sequence_length=2048 hold for the profile and the hardware estimates',
    ]);
    assert.equal(plain.report.diagnostics.some((d) => d.code === 'llm-phase-dims'), false);
  });
});

test('a sweep of the past length derives each point\'s total, as separate runs would', () => {
  withCounted('test/fixtures/mlperf/llama2_7b.onnx', (m) => {
    const step = (past: number) => new Map([['sequence_length', 1], ['past_sequence_length', past]]);
    const swept = analyzeModel(m.source, { targets: [H100], batch: 8, bindings: step(512), sweep: { dim: 'past_sequence_length', values: [512, 4096] } });
    for (const point of swept.report.sweep!) {
      const alone = analyzeModel(m.source, { targets: [H100], batch: 8, bindings: step(point.value) });
      assert.equal(point.estimates[0].latencySeconds, alone.report.estimates![0].latencySeconds, `past ${point.value}`);
    }
  });
});
