import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BaselineReportError, checkLimits, compareWithBaseline, type ComparableEstimate, type ComparableNode, type ComparableReport, LimitSyntaxError, NODE_CHANGES_KEPT, parseRegressionLimit, readComparableReport } from './baseline';

function estimate(target: string, over: Partial<ComparableEstimate> = {}): ComparableEstimate {
  return { target, batch: 8, chips: 1, execution: 'fused', latencySeconds: 0.002, throughputPerChipPerSecond: 4000, costPerMillionUsd: 0.5, joulesPerInference: 0.1, memoryNeededBytesPerChip: 1e9, ...over };
}

function report(over: Partial<ComparableReport> = {}, totals: Partial<ComparableReport['totals']> = {}): ComparableReport {
  return {
    schemaVersion: '1.3.0',
    tool: { name: 'onnx-hardware-profiler', version: '0.1.0' },
    model: { path: 'm.onnx' },
    bindings: { batch: 8 },
    totals: { flops: 2e9, macs: 1e9, params: 5e6, weightBytes: 2e7, bytesRead: 3e8, bytesWritten: 1e8, peakActivationBytes: 5e7, ...totals },
    coverage: { percent: 100 },
    opTypes: [
      { opType: 'Conv', domain: '', count: 10, flops: 1.8e9 },
      { opType: 'Relu', domain: '', count: 10, flops: 1e7 },
    ],
    estimates: [estimate('h100-sxm'), estimate('l4', { latencySeconds: 0.01, throughputPerChipPerSecond: 800 })],
    ...over,
  };
}

const change = (c: ReturnType<typeof compareWithBaseline>, metric: string, target?: string) => {
  const found = c.changes.find((x) => x.metric === metric && x.target === target);
  assert.ok(found, `${metric}${target ? `@${target}` : ''} compared`);
  return found;
};

test('baseline: every model total and every shared target figure, with the relative change and its direction', () => {
  const after = report({ estimates: [estimate('h100-sxm', { latencySeconds: 0.003, throughputPerChipPerSecond: 2000 }), estimate('l4', { latencySeconds: 0.01, throughputPerChipPerSecond: 800 })] }, { flops: 1e9, params: 5e6, bytesRead: '300000000' });
  const c = compareWithBaseline(report(), after, 'base.json');
  assert.deepEqual(
    c.changes.filter((x) => x.target === undefined).map((x) => x.metric),
    ['flops', 'macs', 'params', 'weight-bytes', 'bytes-moved', 'peak-activations', 'coverage'],
  );
  const flops = change(c, 'flops');
  assert.deepEqual([flops.before, flops.after, flops.change, flops.worse, flops.unit], [2e9, 1e9, -0.5, false, 'flops']);
  assert.equal(change(c, 'bytes-moved').change, 0, 'a count written as a digit string reads as the same number');
  const latency = change(c, 'latency', 'h100-sxm');
  assert.ok(Math.abs(latency.change! - 0.5) < 1e-12);
  assert.equal(latency.worse, true);
  const throughput = change(c, 'throughput', 'h100-sxm');
  assert.equal(throughput.change, -0.5);
  assert.equal(throughput.worse, true, 'less throughput is worse');
  assert.equal(change(c, 'latency', 'l4').change, 0);
  assert.equal(c.changes.filter((x) => x.target === 'l4').length, 6);
});

test('baseline: zero and missing figures give no ratio; a figure up from 0 is worse', () => {
  const c = compareWithBaseline(
    report({ estimates: [estimate('h100-sxm', { costPerMillionUsd: null })] }, { weightBytes: 0, peakActivationBytes: 0 }),
    report({ estimates: [estimate('h100-sxm', { costPerMillionUsd: null })] }, { weightBytes: 10, peakActivationBytes: 0 }),
    'b',
  );
  assert.deepEqual([change(c, 'weight-bytes').change, change(c, 'weight-bytes').worse], [null, true]);
  assert.equal(change(c, 'peak-activations').change, 0);
  assert.deepEqual([change(c, 'cost', 'h100-sxm').before, change(c, 'cost', 'h100-sxm').change], [null, null]);
});

test('baseline: op types that changed, largest FLOP change first; new and removed op types count from 0', () => {
  const after = report({
    opTypes: [
      { opType: 'Conv', domain: '', count: 10, flops: 0.5e9 },
      { opType: 'QLinearConv', domain: '', count: 10, flops: 1e9 },
      { opType: 'Relu', domain: '', count: 10, flops: 1e7 },
    ],
  });
  const c = compareWithBaseline(report(), after, 'b');
  assert.deepEqual(c.opTypes, [
    { opType: 'Conv', domain: '', countBefore: 10, countAfter: 10, flopsBefore: 1.8e9, flopsAfter: 0.5e9 },
    { opType: 'QLinearConv', domain: '', countBefore: 0, countAfter: 10, flopsBefore: 0, flopsAfter: 1e9 },
  ]);
  assert.deepEqual(compareWithBaseline(report(), report(), 'b').opTypes, []);
});

test('baseline: settings that differ between the runs are named, each once', () => {
  const after = report({ bindings: { batch: 1 }, estimates: [estimate('h100-sxm', { batch: 1, chips: 2, execution: 'as-exported', precision: 'fp8' }), estimate('tpu-v5e')] });
  assert.deepEqual(compareWithBaseline(report(), after, 'b').settings, [
    'bound dims: batch=8 in the baseline, batch=1 here',
    'h100-sxm: batch 8 in the baseline, 1 here',
    'h100-sxm: 1 chips in the baseline, 2 here',
    'h100-sxm: execution fused in the baseline, as-exported here',
    'h100-sxm: precision as in the model in the baseline, fp8 here',
    'targets only in the baseline (not compared): l4',
    'targets without a baseline estimate (not compared): tpu-v5e',
  ]);
  assert.deepEqual(compareWithBaseline(report(), report(), 'b').settings, []);
});

const LIMITS: readonly { text: string; metric?: string; target?: string; allowed?: number; error?: RegExp }[] = [
  { text: 'latency=5%', metric: 'latency', allowed: 0.05 },
  { text: 'latency@h100-sxm=2.5%', metric: 'latency', target: 'h100-sxm', allowed: 0.025 },
  { text: ' flops=0% ', metric: 'flops', allowed: 0 },
  { text: 'tokens-per-second@b200=10%', metric: 'tokens-per-second', target: 'b200', allowed: 0.1 },
  { text: 'latency=5', error: /expects METRIC\[@TARGET\]=N%/ },
  { text: 'latency<5%', error: /expects METRIC/ },
  { text: 'latency=-5%', error: /expects METRIC/ },
  { text: 'speed=5%', error: /unknown metric 'speed' \(one of flops, macs/ },
  { text: 'flops@h100-sxm=5%', error: /flops is a figure of the model, not of a target; drop '@h100-sxm'/ },
];

for (const l of LIMITS) {
  test(`regression limit '${l.text}' ${l.error ? 'is refused' : 'parses'}`, () => {
    if (l.error) {
      assert.throws(() => parseRegressionLimit(l.text), (e: Error) => e instanceof LimitSyntaxError && l.error!.test(e.message));
      return;
    }
    const parsed = parseRegressionLimit(l.text);
    assert.deepEqual([parsed.metric, parsed.target, parsed.allowed], [l.metric, l.target, l.allowed]);
  });
}

test('limits: pass within the allowance, fail beyond it, in the costly direction of each metric', () => {
  const after = report({ estimates: [estimate('h100-sxm', { latencySeconds: 0.0021, throughputPerChipPerSecond: 3000 }), estimate('l4', { latencySeconds: 0.012, throughputPerChipPerSecond: 800 })] }, { flops: 1e9, macs: 5e8 });
  const c = compareWithBaseline(report(), after, 'b');
  const { results, problems } = checkLimits(c, ['latency=10%', 'latency@l4=30%', 'throughput@h100-sxm=20%', 'flops=0%'].map(parseRegressionLimit));
  assert.deepEqual(problems, []);
  assert.deepEqual(
    results.map((r) => [r.limit, r.target, r.passed]),
    [
      ['latency=10%', 'h100-sxm', true],
      ['latency=10%', 'l4', false],
      ['latency@l4=30%', 'l4', true],
      ['throughput@h100-sxm=20%', 'h100-sxm', false],
      ['flops=0%', undefined, true],
    ],
  );
  assert.ok(Math.abs(results[3].worsened! - 0.25) < 1e-12, 'throughput 4000 → 3000 is 25% worse');
  assert.equal(results[4].worsened, 0.5 * -1, 'halving the FLOPs is 50% better');
});

test('limits: a figure up from 0 fails any limit; one that matches no figure is a problem, never a pass', () => {
  const c = compareWithBaseline(report({}, { weightBytes: 0 }), report({ estimates: [estimate('h100-sxm', { costPerMillionUsd: null })] }, { weightBytes: 5 }), 'b');
  const { results, problems } = checkLimits(c, ['weight-bytes=100%', 'latency@tpu-v5e=5%', 'cost@h100-sxm=5%', 'tokens-per-second=5%'].map(parseRegressionLimit));
  assert.deepEqual(results.map((r) => [r.limit, r.worsened, r.passed]), [['weight-bytes=100%', null, false]]);
  assert.equal(problems.length, 3);
  assert.match(problems[0], /latency@tpu-v5e=5%: no estimates for target 'tpu-v5e' in both reports/);
  assert.match(problems[1], /cost@h100-sxm=5%: the figure is missing on h100-sxm/);
  assert.match(problems[2], /tokens-per-second=5%: the two reports share no target with LLM estimates/);
});

const BAD_BASELINES: readonly { name: string; json: unknown; error: RegExp }[] = [
  { name: 'an array', json: [], error: /not a report: the JSON is not an object/ },
  { name: 'no schema version', json: { totals: {} }, error: /not a report of this tool: it has no schemaVersion/ },
  { name: 'another major version', json: { schemaVersion: '2.0.0' }, error: /report schema 2\.0\.0: this tool reads 1\.x reports/ },
  { name: 'no totals', json: { ...report(), totals: undefined }, error: /^totals is missing$/ },
  { name: 'a total that is not a count', json: { ...report(), totals: { ...report().totals, flops: '1e9' } }, error: /^totals\.flops is not a finite number$/ },
  { name: 'an op type without flops', json: { ...report(), opTypes: [{ opType: 'Conv', domain: '', count: 1 }] }, error: /^opTypes\[0\]\.flops is missing$/ },
  { name: 'an estimate without latency', json: { ...report(), estimates: [{ ...estimate('l4'), latencySeconds: undefined }] }, error: /^estimates\[0\]\.latencySeconds is missing$/ },
  { name: 'an LLM estimate with a string rate', json: { ...report(), llm: { estimates: [{ target: 'l4', batch: 1, chips: 1, tokensPerSecondPerChip: '5', timeToFirstTokenSeconds: 1, timePerOutputTokenSeconds: 1, costPerMillionTokensUsd: null }] } }, error: /^llm\.estimates\[0\]\.tokensPerSecondPerChip is not a finite number$/ },
];

for (const b of BAD_BASELINES) {
  test(`a baseline that is ${b.name} is refused, naming the field`, () => {
    assert.throws(() => readComparableReport(JSON.parse(JSON.stringify(b.json))), (e: Error) => e instanceof BaselineReportError && b.error.test(e.message));
  });
}

test('a saved report of an earlier 1.x schema reads as a baseline; a figure JSON wrote as null (not finite) compares as missing', () => {
  const saved = JSON.parse(JSON.stringify(report({ schemaVersion: '1.2.0', estimates: [estimate('h100-sxm', { latencySeconds: Infinity })] })));
  const read = readComparableReport(saved);
  assert.equal(read.totals.flops, 2e9);
  assert.equal(read.estimates![0].latencySeconds, null);
  const latency = change(compareWithBaseline(read, report(), 'b'), 'latency', 'h100-sxm');
  assert.deepEqual([latency.before, latency.change, latency.worse], [null, null, false]);
});

/** A main-graph node of a comparable report: `shape` is its one output's shape. */
function node(index: number, name: string, opType: string, flops: number, shape: readonly number[] = [1, 8], over: Partial<ComparableNode> = {}): ComparableNode {
  return { index, name, opType, domain: '', graphPath: '', flops, bytesRead: flops / 10, bytesWritten: 100, outputs: [{ shape }], ...over };
}

const NODE_CASES: readonly {
  name: string;
  before: readonly ComparableNode[];
  after: readonly ComparableNode[];
  counts: [byName: number, byShape: number, byPosition: number, changed: number, added: number, removed: number];
  rows: readonly [name: string, kind: string, baselineName?: string][];
}[] = [
  {
    name: 'a re-export that renumbers its nodes pairs them by shape: only what was added or removed is listed',
    before: [node(0, 'Conv_1', 'Conv', 1000), node(1, 'Relu_2', 'Relu', 8), node(2, 'Conv_3', 'Conv', 2000, [1, 16])],
    after: [node(0, 'Conv_10', 'Conv', 1000), node(1, 'QuantizeLinear_11', 'QuantizeLinear', 16), node(2, 'Conv_12', 'Conv', 2000, [1, 16])],
    counts: [0, 2, 0, 0, 1, 1],
    rows: [['QuantizeLinear_11', 'added'], ['Relu_2', 'removed']],
  },
  {
    name: 'a layer changed under its own name',
    before: [node(0, 'fc1', 'MatMul', 1000), node(1, 'act', 'Relu', 8)],
    after: [node(0, 'fc1', 'MatMul', 2000, [1, 16]), node(1, 'act', 'Relu', 8)],
    counts: [2, 0, 0, 1, 0, 0],
    rows: [['fc1', 'changed']],
  },
  {
    name: "a counter's name that now labels another layer: the shape decides, and the name's new layer is new",
    before: [node(0, 'Conv_42', 'Conv', 1000)],
    after: [node(0, 'Conv_17', 'Conv', 1000), node(1, 'Conv_42', 'Conv', 3000, [1, 32])],
    counts: [0, 1, 0, 0, 1, 0],
    rows: [['Conv_42', 'added']],
  },
  {
    name: 'renamed and changed: paired by position among the op type, where both have as many left',
    before: [node(0, 'a', 'MatMul', 1000), node(1, 'b', 'MatMul', 4000)],
    after: [node(0, 'x', 'MatMul', 1500, [1, 12]), node(1, 'y', 'MatMul', 5000, [1, 40])],
    counts: [0, 0, 2, 2, 0, 0],
    rows: [['y', 'changed', 'b'], ['x', 'changed', 'a']],
  },
  {
    name: 'no pairing by position when the counts differ',
    before: [node(0, 'a', 'MatMul', 1000), node(1, 'b', 'MatMul', 4000)],
    after: [node(0, 'x', 'MatMul', 1500, [1, 12])],
    counts: [0, 0, 0, 0, 1, 2],
    rows: [['b', 'removed'], ['x', 'added'], ['a', 'removed']],
  },
  {
    name: "a subgraph's nodes are left out (their cost is in the parent); unnamed nodes pair by shape too",
    before: [node(0, '', 'Add', 50), node(1, 'body_add', 'Add', 999, [1, 8], { graphPath: 'Loop_0/body/' })],
    after: [node(0, '', 'Add', 50)],
    counts: [0, 1, 0, 0, 0, 0],
    rows: [],
  },
];

for (const t of NODE_CASES) {
  test(`layers against the baseline: ${t.name}`, () => {
    const c = compareWithBaseline(report({ nodes: t.before }), report({ nodes: t.after }), 'b');
    const n = c.nodes!;
    assert.deepEqual([n.matchedByName, n.matchedByShape, n.matchedByPosition, n.changed, n.added, n.removed], t.counts);
    assert.deepEqual(
      n.largest.map((r) => [r.name, r.kind, ...(r.baselineName ? [r.baselineName] : [])]),
      t.rows,
    );
  });
}

test('layers against the baseline: ranked by share of FLOPs plus share of bytes; a removed node has no index; the list is capped', () => {
  const before = [node(0, 'big', 'MatMul', 1e6), node(1, 'narrow', 'MatMul', 10, [1, 8], { bytesRead: 5e5 })];
  const after = [node(0, 'big', 'MatMul', 1.1e6), node(1, 'narrow', 'MatMul', 10, [1, 8], { bytesRead: 1e5 })];
  const c = compareWithBaseline(report({ nodes: before }), report({ nodes: after }), 'b');
  // big: 0.1e6 of 1.1e6 FLOPs (9%) and 1e4 bytes; narrow: 4e5 of about 6e5 bytes (two thirds): narrow first.
  assert.deepEqual(c.nodes!.largest.map((r) => r.name), ['narrow', 'big']);
  assert.equal(c.nodes!.largest[0].index, 1);
  const many = Array.from({ length: NODE_CHANGES_KEPT + 10 }, (_, i) => node(i, `n${i}`, 'Add', 100 + i, [1, i]));
  const grown = compareWithBaseline(report({ nodes: [] }), report({ nodes: many }), 'b').nodes!;
  assert.equal(grown.added, NODE_CHANGES_KEPT + 10);
  assert.equal(grown.largest.length, NODE_CHANGES_KEPT);
  const removed = compareWithBaseline(report({ nodes: many }), report({ nodes: [] }), 'b').nodes!;
  assert.ok(removed.largest.every((r) => r.kind === 'removed' && r.index === undefined));
  assert.equal(compareWithBaseline(report(), report({ nodes: many }), 'b').nodes, undefined, 'a baseline without nodes compares no layers');
});

test("a saved report's nodes are read as far as a comparison needs: main graph only, a malformed node named by its path", () => {
  const saved = JSON.parse(JSON.stringify(report({ nodes: [node(0, 'a', 'Conv', 10), node(1, 'inner', 'Add', 5, [2], { graphPath: 'If_0/then/' })] })));
  saved.nodes[0].notes = ['kept out'];
  const read = readComparableReport(saved);
  assert.deepEqual(read.nodes, [node(0, 'a', 'Conv', 10)]);
  const broken = JSON.parse(JSON.stringify(saved));
  delete broken.nodes[1].outputs;
  assert.throws(() => readComparableReport(broken), (e: Error) => e instanceof BaselineReportError && e.message === 'nodes[1].outputs is missing');
  broken.nodes[1].outputs = [{ shape: 'batch' }];
  assert.throws(() => readComparableReport(broken), (e: Error) => e instanceof BaselineReportError && e.message === 'nodes[1].outputs[0].shape is not a list of dims or null');
});

test('layers against the baseline: with layer times on a shared target, a layer whose time alone moved is listed, with both times', () => {
  const nodes = [node(0, 'fc1', 'MatMul', 1000), node(1, 'act', 'Relu', 8)];
  const times = (fc1: number, act: number) => ({ 'h100-sxm': { nodeIndex: [0, 1], seconds: [fc1, act] }, l4: { nodeIndex: [0], seconds: [1] } });
  const c = compareWithBaseline(report({ nodes, layerTimes: times(2e-6, 1e-7) }), report({ nodes, layerTimes: times(1e-6, 1e-7) }), 'b');
  assert.equal(c.nodes!.timedOn, 'h100-sxm', "this report's first target both carry");
  assert.deepEqual(c.nodes!.largest.map((r) => [r.name, r.kind, r.secondsBefore, r.secondsAfter]), [['fc1', 'changed', 2e-6, 1e-6]]);
  assert.equal(c.nodes!.changed, 1, 'the Relu took the same time');
  assert.equal(compareWithBaseline(report({ nodes }), report({ nodes, layerTimes: times(1e-6, 1e-7) }), 'b').nodes!.timedOn, undefined, 'a baseline without times: none compared');
  const saved = JSON.parse(JSON.stringify(report({ nodes, layerTimes: { l4: { nodeIndex: [0, 1], seconds: [1] } } })));
  assert.throws(() => readComparableReport(saved), (e: Error) => e instanceof BaselineReportError && e.message === 'layerTimes.l4 needs nodeIndex and seconds, lists of numbers of one length');
});
