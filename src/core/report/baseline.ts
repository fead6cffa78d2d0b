/**
 * A report against a baseline: the same figures before and after a change to the model (a re-export, a
 * quantization, a pruned head), per model and per hardware target, and limits on how much worse each may get,
 * so that CI can fail a change that makes the model costlier. Pure: the CLI reads the baseline (a saved JSON
 * report, or a model it profiles with the same options) and prints what this returns.
 */
import { countToNumber, REPORT_SCHEMA_VERSION, type BigCount } from './reportTypes';

/** What a comparison reads of a report: the fields a saved `--format json` report of any 1.x schema has. */
export interface ComparableReport {
  readonly schemaVersion: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly model: { readonly path: string };
  readonly bindings: Readonly<Record<string, number>>;
  readonly totals: {
    readonly flops: BigCount;
    readonly macs: BigCount;
    readonly params: BigCount;
    readonly weightBytes: BigCount;
    readonly bytesRead: BigCount;
    readonly bytesWritten: BigCount;
    readonly peakActivationBytes: BigCount;
  };
  readonly coverage: { readonly percent: number };
  readonly opTypes: readonly { readonly opType: string; readonly domain: string; readonly count: number; readonly flops: BigCount }[];
  /** The nodes, where the report has them (every report this tool writes): matched by name to say which layers changed. */
  readonly nodes?: readonly ComparableNode[];
  /** Each layer's time per target (schema 1.6, with targets): the layers that changed say how their time moved. */
  readonly layerTimes?: Readonly<Record<string, { readonly nodeIndex: readonly number[]; readonly seconds: readonly number[] }>>;
  readonly estimates?: readonly ComparableEstimate[];
  readonly llm?: { readonly estimates: readonly ComparableLlmEstimate[] };
}

/** What a comparison reads of a node. */
export interface ComparableNode {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** '' for the main graph; a subgraph's nodes are counted in their parent and not compared on their own. */
  readonly graphPath: string;
  readonly flops: BigCount;
  readonly bytesRead: BigCount;
  readonly bytesWritten: BigCount;
  readonly outputs: readonly { readonly shape: readonly (number | string)[] | null }[];
}

export interface ComparableEstimate {
  readonly target: string;
  readonly batch: number;
  readonly chips: number;
  readonly execution?: string;
  readonly precision?: string;
  // The figures are null in a saved report where they were not finite (JSON has no Infinity).
  readonly latencySeconds: number | null;
  readonly throughputPerChipPerSecond: number | null;
  readonly costPerMillionUsd: number | null;
  readonly joulesPerInference: number | null;
  readonly memoryNeededBytesPerChip: number | null;
}

export interface ComparableLlmEstimate {
  readonly target: string;
  readonly batch: number;
  readonly chips: number;
  readonly tokensPerSecondPerChip: number | null;
  readonly timeToFirstTokenSeconds: number | null;
  readonly timePerOutputTokenSeconds: number | null;
  readonly costPerMillionTokensUsd: number | null;
}

/** One figure before and after. */
export interface MetricChange {
  /** The metric's id, as `--max-regression` names it. */
  readonly metric: string;
  /** The hardware target, for per-target figures. */
  readonly target?: string;
  /** Unit of `before` and `after`. */
  readonly unit: string;
  readonly before: number | null;
  readonly after: number | null;
  /** after / before − 1; 0 when both are 0; null when either is missing or only `before` is 0. */
  readonly change: number | null;
  /** True when the figure moved the costly way (more FLOPs or latency, less throughput or coverage). */
  readonly worse: boolean;
}

/** An op type whose node count or FLOPs differ. */
export interface OpTypeChange {
  readonly opType: string;
  readonly domain: string;
  readonly countBefore: number;
  readonly countAfter: number;
  readonly flopsBefore: number;
  readonly flopsAfter: number;
}

/** A node whose FLOPs or bytes moved differ, in both reports (matched by name or by position), or in one only. */
export interface NodeChange {
  /** The node's name in this model (in the baseline for a removed node); an unnamed node is `(unnamed OP #index)`. */
  readonly name: string;
  /** Its name in the baseline, where it was paired under another name. */
  readonly baselineName?: string;
  readonly opType: string;
  /** 'changed': in both reports with other FLOPs or bytes; 'added': in this model only; 'removed': in the baseline only. */
  readonly kind: 'changed' | 'added' | 'removed';
  /** The node's index in this model's report, for a view to reveal it; absent for a removed node. */
  readonly index?: number;
  readonly flopsBefore: number;
  readonly flopsAfter: number;
  /** Bytes read and written. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** Its time on `NodeChanges.timedOn` in each report, where both reports time their layers there and it has one. */
  readonly secondsBefore?: number;
  readonly secondsAfter?: number;
}

/** The layers that changed: the main graphs' nodes paired by name, shape and position (`pairNodes`). */
export interface NodeChanges {
  /** Pairs with the same name and op type. */
  readonly matchedByName: number;
  /** Pairs under different names with the same op type, output shapes and FLOPs. */
  readonly matchedByShape: number;
  /** Pairs of the op type's remaining nodes in graph order, where both reports had as many left. */
  readonly matchedByPosition: number;
  /** Matched nodes whose FLOPs or bytes moved differ. */
  readonly changed: number;
  /** Nodes in this model that match none in the baseline. */
  readonly added: number;
  /** Nodes in the baseline that match none in this model. */
  readonly removed: number;
  /** The target whose layer times both reports carry (this report's first such), when any: a layer's time counts too. */
  readonly timedOn?: string;
  /** The largest changes first (by their share of the model's FLOPs plus their share of its bytes moved), at most `NODE_CHANGES_KEPT`. */
  readonly largest: readonly NodeChange[];
}

/** How many node changes a comparison keeps: enough to find a regression, bounded for a model that renamed every node. */
export const NODE_CHANGES_KEPT = 50;

/** The outcome of one `--max-regression` limit on one figure. */
export interface LimitResult {
  /** The limit as written (`latency@h100-sxm=5%`). */
  readonly limit: string;
  readonly metric: string;
  readonly target?: string;
  /** How much worse the figure may get, as a fraction (0.05 for 5%). */
  readonly allowed: number;
  /** How much worse it got, as a fraction (negative: better); null when the baseline figure is 0 and this one is not. */
  readonly worsened: number | null;
  readonly passed: boolean;
}

/** The `baseline` section of the report. */
export interface BaselineComparison {
  /** The baseline as given on the command line. */
  readonly path: string;
  /** The model the baseline report profiled. */
  readonly model: string;
  /** The tool and schema that wrote the baseline. */
  readonly tool: string;
  readonly schemaVersion: string;
  readonly changes: readonly MetricChange[];
  /** Op types whose count or FLOPs differ, the largest FLOP change first. */
  readonly opTypes: readonly OpTypeChange[];
  /** The nodes that changed; absent when a report has no nodes. */
  readonly nodes?: NodeChanges;
  /** Settings that differ between the two runs, which a reader must know to read the changes (bindings, batch...). */
  readonly settings: readonly string[];
  readonly limits?: readonly LimitResult[];
}

type Worse = 'higher' | 'lower';

interface MetricRule<R> {
  readonly id: string;
  readonly unit: string;
  readonly worseWhen: Worse;
  readonly read: (r: R) => number | null;
}

const MODEL_METRICS: readonly MetricRule<ComparableReport>[] = [
  { id: 'flops', unit: 'flops', worseWhen: 'higher', read: (r) => countToNumber(r.totals.flops) },
  { id: 'macs', unit: 'macs', worseWhen: 'higher', read: (r) => countToNumber(r.totals.macs) },
  { id: 'params', unit: 'params', worseWhen: 'higher', read: (r) => countToNumber(r.totals.params) },
  { id: 'weight-bytes', unit: 'bytes', worseWhen: 'higher', read: (r) => countToNumber(r.totals.weightBytes) },
  { id: 'bytes-moved', unit: 'bytes', worseWhen: 'higher', read: (r) => countToNumber(r.totals.bytesRead) + countToNumber(r.totals.bytesWritten) },
  { id: 'peak-activations', unit: 'bytes', worseWhen: 'higher', read: (r) => countToNumber(r.totals.peakActivationBytes) },
  { id: 'coverage', unit: 'percent', worseWhen: 'lower', read: (r) => r.coverage.percent },
];

const TARGET_METRICS: readonly MetricRule<ComparableEstimate>[] = [
  { id: 'latency', unit: 'seconds', worseWhen: 'higher', read: (e) => e.latencySeconds },
  { id: 'throughput', unit: 'samplesPerSecondPerChip', worseWhen: 'lower', read: (e) => e.throughputPerChipPerSecond },
  { id: 'cost', unit: 'usdPerMillionSamples', worseWhen: 'higher', read: (e) => e.costPerMillionUsd },
  { id: 'energy', unit: 'joulesPerSample', worseWhen: 'higher', read: (e) => e.joulesPerInference },
  { id: 'memory', unit: 'bytesPerChip', worseWhen: 'higher', read: (e) => e.memoryNeededBytesPerChip },
  { id: 'chips', unit: 'chips', worseWhen: 'higher', read: (e) => e.chips },
];

const LLM_METRICS: readonly MetricRule<ComparableLlmEstimate>[] = [
  { id: 'tokens-per-second', unit: 'outputTokensPerSecondPerChip', worseWhen: 'lower', read: (e) => e.tokensPerSecondPerChip },
  { id: 'time-to-first-token', unit: 'seconds', worseWhen: 'higher', read: (e) => e.timeToFirstTokenSeconds },
  { id: 'time-per-output-token', unit: 'seconds', worseWhen: 'higher', read: (e) => e.timePerOutputTokenSeconds },
  { id: 'cost-per-token', unit: 'usdPerMillionOutputTokens', worseWhen: 'higher', read: (e) => e.costPerMillionTokensUsd },
];

const WORSE_WHEN = new Map<string, Worse>([...MODEL_METRICS, ...TARGET_METRICS, ...LLM_METRICS].map((m) => [m.id, m.worseWhen]));
const PER_TARGET = new Set([...TARGET_METRICS, ...LLM_METRICS].map((m) => m.id));

/** Every metric id a limit may name, model-wide ones first. */
export const METRIC_IDS: readonly string[] = [...WORSE_WHEN.keys()];

/** The metric ids by what they describe, for help texts. */
export const METRIC_GROUPS: readonly { readonly of: string; readonly ids: readonly string[] }[] = [
  { of: 'the model', ids: MODEL_METRICS.map((m) => m.id) },
  { of: 'each target', ids: TARGET_METRICS.map((m) => m.id) },
  { of: 'each target, decoders with a KV cache', ids: LLM_METRICS.map((m) => m.id) },
];

export class BaselineReportError extends Error {}

/**
 * A saved report checked for what a comparison reads, with the path of the first field that is missing or of the
 * wrong type; a report of another major schema version is refused (its fields may mean something else).
 */
export function readComparableReport(json: unknown): ComparableReport {
  const r = json as Record<string, unknown>;
  if (!isObject(json)) throw new BaselineReportError('not a report: the JSON is not an object (save one with --format json)');
  const version = r.schemaVersion;
  if (typeof version !== 'string') throw new BaselineReportError('not a report of this tool: it has no schemaVersion (save one with --format json)');
  if (version.split('.')[0] !== REPORT_SCHEMA_VERSION.split('.')[0]) throw new BaselineReportError(`report schema ${version}: this tool reads ${REPORT_SCHEMA_VERSION.split('.')[0]}.x reports`);
  expectObject(r.tool, 'tool');
  expectObject(r.model, 'model');
  expectType((r.model as Record<string, unknown>).path, 'string', 'model.path');
  expectObject(r.bindings, 'bindings');
  expectObject(r.totals, 'totals');
  for (const k of ['flops', 'macs', 'params', 'weightBytes', 'bytesRead', 'bytesWritten', 'peakActivationBytes']) expectCount((r.totals as Record<string, unknown>)[k], `totals.${k}`);
  expectObject(r.coverage, 'coverage');
  expectType((r.coverage as Record<string, unknown>).percent, 'number', 'coverage.percent');
  expectArray(r.opTypes, 'opTypes').forEach((o, i) => {
    expectType(o.opType, 'string', `opTypes[${i}].opType`);
    expectType(o.domain, 'string', `opTypes[${i}].domain`);
    expectType(o.count, 'number', `opTypes[${i}].count`);
    expectCount(o.flops, `opTypes[${i}].flops`);
  });
  if (r.estimates !== undefined) {
    expectArray(r.estimates, 'estimates').forEach((e, i) => {
      expectType(e.target, 'string', `estimates[${i}].target`);
      for (const k of ['batch', 'chips']) expectType(e[k], 'number', `estimates[${i}].${k}`);
      for (const k of ['latencySeconds', 'throughputPerChipPerSecond', 'memoryNeededBytesPerChip', 'costPerMillionUsd', 'joulesPerInference']) expectFigure(e[k], `estimates[${i}].${k}`);
    });
  }
  if (r.llm !== undefined) {
    expectObject(r.llm, 'llm');
    expectArray((r.llm as Record<string, unknown>).estimates, 'llm.estimates').forEach((e, i) => {
      expectType(e.target, 'string', `llm.estimates[${i}].target`);
      for (const k of ['batch', 'chips']) expectType(e[k], 'number', `llm.estimates[${i}].${k}`);
      for (const k of ['tokensPerSecondPerChip', 'timeToFirstTokenSeconds', 'timePerOutputTokenSeconds', 'costPerMillionTokensUsd']) expectFigure(e[k], `llm.estimates[${i}].${k}`);
    });
  }
  const nodes = r.nodes === undefined ? undefined : comparableNodes(expectArray(r.nodes, 'nodes'));
  const layerTimes = r.layerTimes === undefined ? undefined : comparableLayerTimes(r.layerTimes);
  // Only what a comparison reads: of a saved report's nodes (100 MB of JSON for 100,000 of them), a few fields each.
  const { schemaVersion, tool, model, bindings, totals, coverage, opTypes, estimates, llm } = json as unknown as ComparableReport;
  return { schemaVersion, tool, model, bindings, totals, coverage, opTypes, ...(nodes ? { nodes } : {}), ...(layerTimes ? { layerTimes } : {}), ...(estimates ? { estimates } : {}), ...(llm ? { llm } : {}) };
}

/** A saved report's per-target layer times, checked: as many indices as times, each a number. */
function comparableLayerTimes(v: unknown): NonNullable<ComparableReport['layerTimes']> {
  expectObject(v, 'layerTimes');
  const out: Record<string, { nodeIndex: number[]; seconds: number[] }> = {};
  for (const [target, t] of Object.entries(v as Record<string, unknown>)) {
    expectObject(t, `layerTimes.${target}`);
    const { nodeIndex, seconds } = t as Record<string, unknown>;
    const numbers = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!numbers(nodeIndex) || !numbers(seconds) || (nodeIndex as number[]).length !== (seconds as number[]).length) {
      throw new BaselineReportError(`layerTimes.${target} needs nodeIndex and seconds, lists of numbers of one length`);
    }
    out[target] = { nodeIndex: nodeIndex as number[], seconds: seconds as number[] };
  }
  return out;
}

/** The main-graph nodes of a saved report, checked and cut down to what a comparison reads. */
function comparableNodes(nodes: readonly Record<string, unknown>[]): ComparableNode[] {
  const out: ComparableNode[] = [];
  nodes.forEach((n, i) => {
    for (const k of ['name', 'opType', 'domain', 'graphPath']) expectType(n[k], 'string', `nodes[${i}].${k}`);
    expectType(n.index, 'number', `nodes[${i}].index`);
    for (const k of ['flops', 'bytesRead', 'bytesWritten']) expectCount(n[k], `nodes[${i}].${k}`);
    const outputs = expectArray(n.outputs, `nodes[${i}].outputs`).map((o, j) => {
      if (o.shape !== null && !(Array.isArray(o.shape) && o.shape.every((d) => typeof d === 'number' || typeof d === 'string'))) throw new BaselineReportError(`nodes[${i}].outputs[${j}].shape is not a list of dims or null`);
      return { shape: o.shape as ComparableNode['outputs'][number]['shape'] };
    });
    if (n.graphPath !== '') return;
    const { index, name, opType, domain, graphPath, flops, bytesRead, bytesWritten } = n as unknown as ComparableNode;
    out.push({ index, name, opType, domain, graphPath, flops, bytesRead, bytesWritten, outputs });
  });
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectObject(v: unknown, path: string): void {
  if (!isObject(v)) throw new BaselineReportError(`${path} is ${v === undefined ? 'missing' : 'not an object'}`);
}

function expectArray(v: unknown, path: string): Record<string, unknown>[] {
  if (!Array.isArray(v)) throw new BaselineReportError(`${path} is ${v === undefined ? 'missing' : 'not an array'}`);
  v.forEach((x, i) => expectObject(x, `${path}[${i}]`));
  return v as Record<string, unknown>[];
}

function expectType(v: unknown, type: 'string' | 'number', path: string): void {
  if (v === undefined) throw new BaselineReportError(`${path} is missing`);
  if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) throw new BaselineReportError(`${path} is not a ${type === 'number' ? 'finite number' : type}`);
}

/** An estimated figure: a number, or null where it was not finite or has no basis (no price, no power figure). */
function expectFigure(v: unknown, path: string): void {
  if (v !== null) expectType(v, 'number', path);
}

/** A BigCount: a number, or a string of decimal digits. */
function expectCount(v: unknown, path: string): void {
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return;
  expectType(v, 'number', path);
}

/** The figures of `current` against those of `baseline`. */
export function compareWithBaseline(baseline: ComparableReport, current: ComparableReport, baselinePath: string): BaselineComparison {
  return {
    path: baselinePath,
    model: baseline.model.path,
    tool: `${baseline.tool.name} ${baseline.tool.version}`,
    schemaVersion: baseline.schemaVersion,
    changes: [
      ...MODEL_METRICS.map((m) => metricChange(m, baseline, current)),
      ...pairedByTarget(baseline.estimates, current.estimates).flatMap(([b, c]) => TARGET_METRICS.map((m) => metricChange(m, b, c, c.target))),
      ...pairedByTarget(baseline.llm?.estimates, current.llm?.estimates).flatMap(([b, c]) => LLM_METRICS.map((m) => metricChange(m, b, c, c.target))),
    ],
    opTypes: opTypeChanges(baseline.opTypes, current.opTypes),
    ...(baseline.nodes && current.nodes ? { nodes: nodeChanges(baseline.nodes, current.nodes, timesOnSharedTarget(baseline, current)) } : {}),
    settings: settingDifferences(baseline, current),
  };
}

function metricChange<R>(rule: MetricRule<R>, baseline: R, current: R, target?: string): MetricChange {
  const before = finiteOrNull(rule.read(baseline));
  const after = finiteOrNull(rule.read(current));
  const change = relativeChange(before, after);
  const worse = before !== null && after !== null && (rule.worseWhen === 'higher' ? after > before : after < before);
  return { metric: rule.id, ...(target !== undefined ? { target } : {}), unit: rule.unit, before, after, change, worse };
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

function relativeChange(before: number | null, after: number | null): number | null {
  if (before === null || after === null) return null;
  if (before === 0) return after === 0 ? 0 : null;
  return after / before - 1;
}

/** Estimates of the targets both reports have, in the current report's order. */
function pairedByTarget<E extends { readonly target: string }>(baseline: readonly E[] | undefined, current: readonly E[] | undefined): [E, E][] {
  const before = new Map((baseline ?? []).map((e) => [e.target, e]));
  return (current ?? []).flatMap((c) => {
    const b = before.get(c.target);
    return b ? [[b, c] as [E, E]] : [];
  });
}

function opTypeChanges(baseline: ComparableReport['opTypes'], current: ComparableReport['opTypes']): OpTypeChange[] {
  const key = (o: { opType: string; domain: string }) => `${o.domain}::${o.opType}`;
  const rows = new Map<string, OpTypeChange>();
  const entry = (o: { opType: string; domain: string }) => rows.get(key(o)) ?? { opType: o.opType, domain: o.domain, countBefore: 0, countAfter: 0, flopsBefore: 0, flopsAfter: 0 };
  for (const o of baseline) rows.set(key(o), { ...entry(o), countBefore: o.count, flopsBefore: countToNumber(o.flops) });
  for (const o of current) rows.set(key(o), { ...entry(o), countAfter: o.count, flopsAfter: countToNumber(o.flops) });
  return [...rows.values()]
    .filter((r) => r.countBefore !== r.countAfter || r.flopsBefore !== r.flopsAfter)
    .sort((a, b) => Math.abs(b.flopsAfter - b.flopsBefore) - Math.abs(a.flopsAfter - a.flopsBefore) || Math.abs(b.countAfter - b.countBefore) - Math.abs(a.countAfter - a.countBefore));
}

type NodePair = readonly [ComparableNode, ComparableNode];

/** Nodes by key, each list in the order given; a node without a key (undefined) is in none. */
function groupBy(nodes: readonly ComparableNode[], key: (n: ComparableNode) => string | undefined): Map<string, ComparableNode[]> {
  const groups = new Map<string, ComparableNode[]>();
  for (const n of nodes) {
    const k = key(n);
    if (k === undefined) continue;
    const list = groups.get(k);
    if (list) list.push(n);
    else groups.set(k, [n]);
  }
  return groups;
}

/**
 * Pairs of nodes in the two reports, and the nodes found in one only, in four passes over the main graphs:
 * 1. the same name and shape (op type, output shapes and FLOPs; not params, which a QDQ export moves to the
 *    weight's DequantizeLinear);
 * 2. the same shape, in graph order: a re-export often renumbers every node (`Conv_4` becomes `Conv_17`), and a
 *    counter's name says nothing (`Conv_42` may now name another layer);
 * 3. the same name and op type: a layer that was changed;
 * 4. the same op type in graph order, where both reports have as many of that type left.
 * What is left was added or removed. A name written twice pairs in graph order.
 */
function pairNodes(baseline: readonly ComparableNode[], current: readonly ComparableNode[]) {
  const main = (nodes: readonly ComparableNode[]) => nodes.filter((n) => n.graphPath === '').sort((a, b) => a.index - b.index);
  let before = main(baseline);
  let after = main(current);
  const opType = (n: ComparableNode) => `${n.domain}::${n.opType}`;
  const shape = (n: ComparableNode) => `${opType(n)}|${countToNumber(n.flops)}|${JSON.stringify(n.outputs.map((o) => o.shape))}`;
  const pass = (key: (n: ComparableNode) => string | undefined, allOrNone: boolean): NodePair[] => {
    const queues = groupBy(before, key);
    const pairs: NodePair[] = [];
    for (const [k, cs] of groupBy(after, key)) {
      const bs = queues.get(k) ?? [];
      if (allOrNone && bs.length !== cs.length) continue;
      for (let i = 0; i < Math.min(bs.length, cs.length); i++) pairs.push([bs[i], cs[i]]);
    }
    const paired = new Set(pairs.flat());
    before = before.filter((n) => !paired.has(n));
    after = after.filter((n) => !paired.has(n));
    return pairs;
  };
  const named = (key: (n: ComparableNode) => string) => (n: ComparableNode) => (n.name === '' ? undefined : `${n.name}|${key(n)}`);
  const sameNameAndShape = pass(named(shape), false);
  const sameShape = pass(shape, false);
  const sameName = pass(named(opType), false);
  const byPosition = pass(opType, true);
  return { byName: [...sameNameAndShape, ...sameName], byShape: sameShape, byPosition, added: after, removed: before };
}

/** Layer times by node index, per report, on the first target of this report whose layers both reports timed. */
interface SharedLayerTimes {
  readonly target: string;
  readonly before: ReadonlyMap<number, number>;
  readonly after: ReadonlyMap<number, number>;
}

function timesOnSharedTarget(baseline: ComparableReport, current: ComparableReport): SharedLayerTimes | undefined {
  const target = Object.keys(current.layerTimes ?? {}).find((t) => baseline.layerTimes?.[t] !== undefined);
  if (target === undefined) return undefined;
  const byIndex = (t: { readonly nodeIndex: readonly number[]; readonly seconds: readonly number[] }) => new Map(t.nodeIndex.map((index, i) => [index, t.seconds[i]]));
  return { target, before: byIndex(baseline.layerTimes![target]), after: byIndex(current.layerTimes![target]) };
}

function nodeChanges(baseline: readonly ComparableNode[], current: readonly ComparableNode[], times?: SharedLayerTimes): NodeChanges {
  const { byName, byShape, byPosition, added, removed } = pairNodes(baseline, current);
  const bytes = (n: ComparableNode) => countToNumber(n.bytesRead) + countToNumber(n.bytesWritten);
  const label = (n: ComparableNode) => n.name || `(unnamed ${n.opType} #${n.index})`;
  const row = (b: ComparableNode | undefined, c: ComparableNode | undefined): NodeChange => {
    const shown = (c ?? b)!;
    return {
      name: label(shown),
      ...(b && c && b.name !== c.name ? { baselineName: label(b) } : {}),
      opType: shown.opType,
      kind: b && c ? 'changed' : c ? 'added' : 'removed',
      ...(c ? { index: c.index } : {}),
      flopsBefore: b ? countToNumber(b.flops) : 0,
      flopsAfter: c ? countToNumber(c.flops) : 0,
      bytesBefore: b ? bytes(b) : 0,
      bytesAfter: c ? bytes(c) : 0,
      ...(b && times?.before.has(b.index) ? { secondsBefore: times.before.get(b.index)! } : {}),
      ...(c && times?.after.has(c.index) ? { secondsAfter: times.after.get(c.index)! } : {}),
    };
  };
  // A layer whose time moved counts as changed (a precision or execution choice moves times, not FLOPs); a relative
  // move under 1e-9 is the same time computed twice.
  const timeMoved = (r: NodeChange) => Math.abs((r.secondsAfter ?? 0) - (r.secondsBefore ?? 0)) > 1e-9 * Math.max(r.secondsBefore ?? 0, r.secondsAfter ?? 0);
  const changed = [...byName, ...byShape, ...byPosition].map(([b, c]) => row(b, c)).filter((r) => r.flopsBefore !== r.flopsAfter || r.bytesBefore !== r.bytesAfter || timeMoved(r));
  const changes = [...changed, ...added.map((c) => row(undefined, c)), ...removed.map((b) => row(b, undefined))];
  // A node's weight in the change: its share of the model's FLOPs plus its share of the bytes moved (the larger
  // model's), and where both are timed its share of the time, so a layer that only moves narrower weights, or only
  // runs faster, ranks beside one that computes less.
  const sum = (nodes: readonly ComparableNode[], pick: (n: ComparableNode) => number) => nodes.reduce((s, n) => s + (n.graphPath === '' ? pick(n) : 0), 0);
  const flopsTotal = Math.max(1, sum(baseline, (n) => countToNumber(n.flops)), sum(current, (n) => countToNumber(n.flops)));
  const bytesTotal = Math.max(1, sum(baseline, bytes), sum(current, bytes));
  const secondsTotal = times ? Math.max(Number.MIN_VALUE, ...[times.before, times.after].map((m) => [...m.values()].reduce((s, v) => s + v, 0))) : 1;
  const weight = (c: NodeChange) =>
    Math.abs(c.flopsAfter - c.flopsBefore) / flopsTotal + Math.abs(c.bytesAfter - c.bytesBefore) / bytesTotal + Math.abs((c.secondsAfter ?? 0) - (c.secondsBefore ?? 0)) / secondsTotal;
  return {
    matchedByName: byName.length,
    matchedByShape: byShape.length,
    matchedByPosition: byPosition.length,
    changed: changed.length,
    added: added.length,
    removed: removed.length,
    ...(times ? { timedOn: times.target } : {}),
    largest: changes.sort((a, b) => weight(b) - weight(a) || (a.index ?? Infinity) - (b.index ?? Infinity)).slice(0, NODE_CHANGES_KEPT),
  };
}

/** What differs in how the two were run: a change there, not in the model, may explain a figure. */
function settingDifferences(baseline: ComparableReport, current: ComparableReport): string[] {
  const out: string[] = [];
  const bindings = (r: ComparableReport) => Object.entries(r.bindings).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  if (bindings(baseline) !== bindings(current)) out.push(`bound dims: ${bindings(baseline)} in the baseline, ${bindings(current)} here`);
  for (const [b, c] of pairedByTarget(baseline.estimates, current.estimates)) {
    if (b.batch !== c.batch) out.push(`${c.target}: batch ${b.batch} in the baseline, ${c.batch} here`);
    if (b.chips !== c.chips) out.push(`${c.target}: ${b.chips} chips in the baseline, ${c.chips} here`);
    if (b.execution !== c.execution) out.push(`${c.target}: execution ${b.execution ?? 'unstated'} in the baseline, ${c.execution ?? 'unstated'} here`);
    if (b.precision !== c.precision) out.push(`${c.target}: precision ${b.precision ?? 'as in the model'} in the baseline, ${c.precision ?? 'as in the model'} here`);
  }
  const targets = (r: ComparableReport) => new Set((r.estimates ?? []).map((e) => e.target));
  const onlyBaseline = [...targets(baseline)].filter((t) => !targets(current).has(t));
  const onlyHere = [...targets(current)].filter((t) => !targets(baseline).has(t));
  if (onlyBaseline.length) out.push(`targets only in the baseline (not compared): ${onlyBaseline.join(', ')}`);
  if (onlyHere.length) out.push(`targets without a baseline estimate (not compared): ${onlyHere.join(', ')}`);
  return out;
}

/** A `--max-regression` limit: how much worse one figure may get. */
export interface RegressionLimit {
  readonly text: string;
  readonly metric: string;
  readonly target?: string;
  /** As a fraction: 0.05 for 5%. */
  readonly allowed: number;
}

export class LimitSyntaxError extends Error {}

/** Reads `METRIC[@TARGET]=N%`: `latency@h100-sxm=5%`, `flops=0%`, `coverage=1%`. */
export function parseRegressionLimit(text: string): RegressionLimit {
  const m = /^([a-z-]+)(?:@([^=]+))?=(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (!m) throw new LimitSyntaxError(`--max-regression expects METRIC[@TARGET]=N% (for example latency@h100-sxm=5%), got '${text}'`);
  const [, metric, target, percent] = m;
  if (!WORSE_WHEN.has(metric)) throw new LimitSyntaxError(`--max-regression '${text}': unknown metric '${metric}' (one of ${METRIC_IDS.join(', ')})`);
  if (target !== undefined && !PER_TARGET.has(metric)) throw new LimitSyntaxError(`--max-regression '${text}': ${metric} is a figure of the model, not of a target; drop '@${target}'`);
  return { text: text.trim(), metric, ...(target !== undefined ? { target } : {}), allowed: Number(percent) / 100 };
}

/**
 * Each limit against the figures it names (a per-target metric without a target: every target compared).
 * `problems` names the limits that match no figure, which a CI run must not pass silently.
 */
export function checkLimits(comparison: BaselineComparison, limits: readonly RegressionLimit[]): { results: LimitResult[]; problems: string[] } {
  const results: LimitResult[] = [];
  const problems: string[] = [];
  for (const limit of limits) {
    const matched = comparison.changes.filter((c) => c.metric === limit.metric && (limit.target === undefined || c.target === limit.target));
    const comparable = matched.filter((c) => c.before !== null && c.after !== null);
    if (comparable.length === 0) {
      problems.push(`--max-regression ${limit.text}: ${unmatchedReason(limit, matched)}`);
      continue;
    }
    for (const c of comparable) {
      const worsened = worsenedBy(c);
      const passed = worsened !== null && worsened <= limit.allowed + 1e-12;
      results.push({ limit: limit.text, metric: c.metric, ...(c.target !== undefined ? { target: c.target } : {}), allowed: limit.allowed, worsened, passed });
    }
  }
  return { results, problems };
}

/** The change in the costly direction (positive: worse); null when the baseline figure is 0 and this one is worse. */
function worsenedBy(c: MetricChange): number | null {
  const sign = WORSE_WHEN.get(c.metric) === 'higher' ? 1 : -1;
  if (c.change !== null) return sign * c.change;
  return c.worse ? null : 0;
}

function unmatchedReason(limit: RegressionLimit, matched: readonly MetricChange[]): string {
  if (matched.length > 0) return `the figure is missing on ${matched.map((c) => c.target).join(', ')} (a target without a price or a power figure has no cost or energy)`;
  if (!PER_TARGET.has(limit.metric)) return 'the figure is missing from a report';
  const what = LLM_METRICS.some((m) => m.id === limit.metric) ? 'LLM estimates (a decoder with a KV cache)' : 'estimates';
  return limit.target === undefined ? `the two reports share no target with ${what}; add --target` : `no ${what} for target '${limit.target}' in both reports (give --target ${limit.target} and a baseline estimated on it)`;
}
