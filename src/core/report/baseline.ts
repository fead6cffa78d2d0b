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
  readonly estimates?: readonly ComparableEstimate[];
  readonly llm?: { readonly estimates: readonly ComparableLlmEstimate[] };
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
  // Only what a comparison reads: a saved report's nodes (100 MB of JSON for 100,000 of them) are not kept.
  const { schemaVersion, tool, model, bindings, totals, coverage, opTypes, estimates, llm } = json as unknown as ComparableReport;
  return { schemaVersion, tool, model, bindings, totals, coverage, opTypes, ...(estimates ? { estimates } : {}), ...(llm ? { llm } : {}) };
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
