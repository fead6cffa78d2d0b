import * as fs from 'node:fs';
import { EXECUTION_MODES, type ExecutionMode } from '../core/estimate/executionRules';
import { isMoeSkew, MAX_MOE_SKEW } from '../core/estimate/layouts';
import { validateCatalog } from '../core/hardware/catalog';
import { isKvCacheDtype, isPrecisionChoice, KV_CACHE_DTYPES, type KvCacheDtype, PRECISION_CHOICES, type PrecisionChoice } from '../core/estimate/precision';
import type { HardwareEntry } from '../core/hardware/hardwareTypes';
import { OnnxLoadError } from '../core/onnx/errors';
import { AnalysisInputError, analyzeModel, type AnalysisReport, type WhatIfAnalysis } from '../core/pipeline';
import { expandTargetGroups, resolveTargets, TARGET_GROUPS, targetCatalog } from '../core/pipeline/targets';
import { renderHardware, renderReport, type OutputFormat } from '../core/render';
import { BaselineReportError, checkLimits, compareWithBaseline, type ComparableReport, LimitSyntaxError, METRIC_GROUPS, parseRegressionLimit, type RegressionLimit } from '../core/report/baseline';
import { limitDepth } from '../core/report/buildReport';
import { jsonChunks } from '../core/report/reportJson';
import { readBaselineFile } from '../node/baselineFile';
import { openModelFile } from '../node/profileFile';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_UNUSABLE_INPUT = 2;
/** A `--max-regression` limit was exceeded: the model got costlier than the baseline allows. */
export const EXIT_REGRESSION = 3;

const USAGE = `usage: onnx-profile MODEL [--bind name=value]... [--target ID]... [--batch N|max] [--chips N] [--precision P] [--kv-cache D] [--execution fused|as-exported] [--apply HINT]...
                    [--baseline REPORT.json|MODEL] [--max-regression METRIC[@TARGET]=N%]... [--format table|json|csv|md] [--depth N] [--top N]
       onnx-profile hardware [--format table|json]

Profiles an ONNX model layer by layer: FLOPs, MACs, params, bytes moved and output shapes,
and estimates latency, throughput, cost, energy and fit on hardware targets.
  --bind name=value  bind a symbolic dim (repeatable), e.g. --bind batch=1 --bind sequence=512
  --target ID        estimate on a hardware target (repeatable); ids from 'onnx-profile hardware', or a group:
${[...TARGET_GROUPS].map(([name, g]) => `                       ${name}: ${g.description}`).join('\n')}
  --batch N          samples per call: binds the inputs' leading symbolic dim (default 1)
  --batch max        per target, the batch and chip layout that maximise throughput per chip within
                     memory (weights, activations, the KV cache at prompt + generated tokens), as an
                     offline deployment runs; the chosen batch and layout are reported per target
  --chips N          the deployment's chip count (an 8-GPU node, a 16-chip instance): one copy of the
                     model over N chips; with --batch max, the copies that fit N chips
  --precision P      estimate float layers as if run in P (fp32, tf32, bf16, fp16, fp8, int8,
                     int8-weight-only, int4, fp4); int8 is W8A8 on int8 units; int8-weight-only and int4
                     are weight-only (8- or 4-bit weights, 16-bit arithmetic); fp4 is NVFP4 weights and
                     activations on FP4 matrix units, weight-only FP4 elsewhere (noted);
                     default: the graph's own dtypes (quantized layers as quantized), with each device's fallback
  --kv-cache D       decoders: store the KV cache in D (bf16, fp16, fp8, int8) whatever the layers run in, as
                     vLLM's --kv-cache-dtype does: its memory and the bytes decode attention reads;
                     default: as the precision stores activations (the graph's own dtype without --precision)
  --execution M      fused (default): as an optimising runtime runs the graph (QDQ fusion, epilogue and
                     element-wise fusion, LayerNorm and flash-attention fusion, in-place KV cache);
                     as-exported: one kernel per node, as written, in the graph's own dtypes
  --apply HINT       what-if: estimate as if a hint's change were made (repeatable). HINT is the id the
                     hints list shows: its code (precision.fp8, fusion.attention...), or code@N
                     (N: the hint's first node) when several hints share the code. Applied on the targets the hint's saving covers;
                     hints stay priced on the model before the change. Needs --target.
  --sweep dim=a,b,c  re-profile and estimate for each value of a dim ('batch' is the batch dim)
  --moe-skew S       MoE models: routing skew, the Zipf exponent of expert popularity (0 = uniform routing,
                     the default; up to ${MAX_MOE_SKEW}); sets how many distinct experts a call's tokens touch
  --prompt N         for decoders with a KV cache: prompt tokens of the LLM estimate (default 512)
  --generate N       for decoders with a KV cache: generated tokens of the LLM estimate (default 128)
  --hardware-file F  add devices from a JSON file {"devices": [...]} (schemas/hardware.schema.json)
  --baseline B       compare with a baseline: a report saved with --format json, or a model profiled with the
                     same options; every total, and per target latency, throughput, cost, energy, memory and
                     chips (LLM: tokens/s, time to first token, time per output token), before and after,
                     and the layers that changed
  --max-regression L fail (exit 3) when a figure got worse than the baseline by more than a limit (repeatable):
                     METRIC[@TARGET]=N%, e.g. latency@h100-sxm=5%, flops=0%. METRIC, of
${METRIC_GROUPS.map((g) => `                       ${g.of}: ${g.ids.join(', ')}`).join('\n')}
                     a target's metric without @TARGET applies to every target compared
  --calibrate T      compare per-layer estimates on the one --target with a measured ONNX Runtime
                     profile or trtexec --exportProfile JSON, and fit the device's efficiency factors
  --format F         table (default), json (the report, schema in README), csv (one row per node), md
  --depth N          module-tree depth shown (default 3)
  --top N            nodes shown in the table, by FLOPs (default 20)`;

export interface CliOptions {
  /** A model path, or undefined for the `hardware` listing. */
  readonly model: string | undefined;
  readonly bindings: Map<string, number>;
  /** Target ids as given; resolved against the catalog plus --hardware-file in runCli. */
  readonly targetIds: readonly string[];
  readonly hardwareFile: string | undefined;
  readonly calibrationTrace: string | undefined;
  readonly batch: number | 'max' | undefined;
  readonly chips: number | undefined;
  readonly precision: PrecisionChoice | undefined;
  readonly kvCache: KvCacheDtype | undefined;
  readonly execution: ExecutionMode | undefined;
  /** MoE routing skew (`--moe-skew`). */
  readonly moeSkew: number | undefined;
  readonly sweep: { readonly dim: string; readonly values: readonly number[] } | undefined;
  readonly promptTokens: number | undefined;
  readonly outputTokens: number | undefined;
  /** Hint ids or codes whose what-if change to apply (`--apply`). */
  readonly apply: readonly string[];
  /** A saved JSON report or a model to compare with (`--baseline`). */
  readonly baseline: string | undefined;
  /** How much worse than the baseline each figure may get (`--max-regression`). */
  readonly maxRegression: readonly RegressionLimit[];
  readonly format: OutputFormat;
  readonly depth: number;
  readonly top: number;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): CliOptions {
  const bindings = new Map<string, number>();
  let model: string | undefined;
  let format: OutputFormat = 'table';
  let depth = 3;
  let top = 20;
  let batch: number | 'max' | undefined;
  let chips: number | undefined;
  let precision: PrecisionChoice | undefined;
  let kvCache: KvCacheDtype | undefined;
  let execution: ExecutionMode | undefined;
  let moeSkew: number | undefined;
  let sweep: CliOptions['sweep'];
  let promptTokens: number | undefined;
  let outputTokens: number | undefined;
  const targetIds: string[] = [];
  const apply: string[] = [];
  let hardwareFile: string | undefined;
  let calibrationTrace: string | undefined;
  let baseline: string | undefined;
  const maxRegression: RegressionLimit[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg, '=') : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--bind':
      case '-b': {
        const [name, raw] = splitOnce(value(), '=');
        const n = Number(raw);
        if (!name || raw === undefined || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`--bind expects name=non-negative-integer, got '${name}=${raw ?? ''}'`);
        bindings.set(name, n);
        break;
      }
      case '--format':
      case '-f': {
        const f = value();
        if (!['table', 'json', 'csv', 'md'].includes(f)) throw new UsageError(`--format must be table, json, csv or md, got '${f}'`);
        format = f as OutputFormat;
        break;
      }
      case '--depth':
        depth = nonNegativeInt(flag, value());
        break;
      case '--target':
      case '-t':
        targetIds.push(value());
        break;
      case '--apply':
        apply.push(value());
        break;
      case '--hardware-file':
        hardwareFile = value();
        break;
      case '--calibrate':
        calibrationTrace = value();
        break;
      case '--baseline':
        baseline = value();
        break;
      case '--max-regression':
        maxRegression.push(regressionLimit(value()));
        break;
      case '--precision': {
        const p = value();
        if (!isPrecisionChoice(p)) throw new UsageError(`--precision must be one of ${PRECISION_CHOICES.join(', ')}, got '${p}'`);
        precision = p;
        break;
      }
      case '--kv-cache': {
        const d = value();
        if (!isKvCacheDtype(d)) throw new UsageError(`--kv-cache must be one of ${KV_CACHE_DTYPES.join(', ')}, got '${d}'`);
        kvCache = d;
        break;
      }
      case '--execution': {
        const m = value();
        if (!EXECUTION_MODES.includes(m as ExecutionMode)) throw new UsageError(`--execution must be ${EXECUTION_MODES.join(' or ')}, got '${m}'`);
        execution = m as ExecutionMode;
        break;
      }
      case '--sweep': {
        const [dim, list] = splitOnce(value(), '=');
        const values = (list ?? '').split(',').map(Number);
        if (!dim || values.length === 0 || values.some((v) => !Number.isSafeInteger(v) || v < 1)) {
          throw new UsageError(`--sweep expects dim=v1,v2,... with positive integers, got '${dim}=${list ?? ''}'`);
        }
        sweep = { dim, values };
        break;
      }
      case '--moe-skew': {
        const raw = value();
        const skew = Number(raw);
        if (raw.trim() === '' || !isMoeSkew(skew)) throw new UsageError(`--moe-skew expects a number from 0 to ${MAX_MOE_SKEW}, got '${raw}'`);
        moeSkew = skew;
        break;
      }
      case '--prompt':
        promptTokens = nonNegativeInt(flag, value());
        break;
      case '--generate':
        outputTokens = nonNegativeInt(flag, value());
        break;
      case '--batch': {
        const raw = value();
        const n = Number(raw);
        if (raw !== 'max' && (!Number.isSafeInteger(n) || n < 1)) throw new UsageError(`--batch expects a positive integer or 'max', got '${raw}'`);
        batch = raw === 'max' ? 'max' : n;
        break;
      }
      case '--chips':
        chips = nonNegativeInt(flag, value());
        if (chips === 0) throw new UsageError('--chips must be at least 1');
        break;
      case '--top':
        top = nonNegativeInt(flag, value());
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
        if (model !== undefined) throw new UsageError(`one model at a time (got '${model}' and '${arg}')`);
        model = arg;
    }
  }
  if (model === undefined) throw new UsageError('no model given');
  if (sweep && targetIds.length === 0) throw new UsageError('--sweep needs at least one --target');
  if (apply.length && targetIds.length === 0) throw new UsageError("--apply needs at least one --target (a hint's change is priced on targets)");
  if (batch === 'max' && targetIds.length === 0) throw new UsageError('--batch max needs at least one --target (the batch is chosen per target)');
  if (chips !== undefined && targetIds.length === 0) throw new UsageError('--chips needs at least one --target');
  if (calibrationTrace && targetIds.length !== 1) throw new UsageError('--calibrate needs exactly one --target: the device the profile was measured on');
  if (maxRegression.length && baseline === undefined) throw new UsageError('--max-regression needs --baseline (the report or model the figures are compared with)');
  if (baseline !== undefined && (sweep || calibrationTrace)) throw new UsageError(`--baseline compares one run of the model; not with ${sweep ? '--sweep' : '--calibrate'}`);
  const strayTarget = maxRegression.find((l) => l.target !== undefined && !targetIds.includes(l.target));
  if (strayTarget) throw new UsageError(`--max-regression ${strayTarget.text}: '${strayTarget.target}' is not a --target of this run`);
  return { model: model === 'hardware' ? undefined : model, bindings, targetIds, hardwareFile, calibrationTrace, batch, chips, precision, kvCache, execution, moeSkew, sweep, promptTokens, outputTokens, apply, baseline, maxRegression, format, depth, top };
}

function regressionLimit(text: string): RegressionLimit {
  try {
    return parseRegressionLimit(text);
  } catch (e) {
    if (e instanceof LimitSyntaxError) throw new UsageError(e.message);
    throw e;
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function nonNegativeInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} expects a non-negative integer, got '${raw}'`);
  return n;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs the CLI; returns the exit code. Never throws for bad input: it prints one line and returns 2. */
export function runCli(argv: readonly string[], io: CliIo): number {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(e.message ? `onnx-profile: ${e.message}\n${USAGE}\n` : `${USAGE}\n`);
      return e.message ? EXIT_UNUSABLE_INPUT : EXIT_OK;
    }
    throw e;
  }
  let catalog: readonly HardwareEntry[];
  let targets: HardwareEntry[];
  try {
    const custom = options.hardwareFile ? readHardwareFile(options.hardwareFile) : [];
    const available = targetCatalog(custom);
    if (available.problems.length) throw new UsageError(`--hardware-file ${options.hardwareFile}: ${available.problems.join('; ')}`);
    catalog = available.entries;
    const resolved = resolveTargets(expandTargetGroups(options.targetIds, available), available);
    if (resolved.unknown.length) throw new UsageError(`unknown target '${resolved.unknown[0]}' (see 'onnx-profile hardware' for ids)`);
    targets = resolved.entries;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`onnx-profile: ${e.message}\n`);
    return EXIT_UNUSABLE_INPUT;
  }
  if (options.model === undefined) {
    if (options.format === 'csv' || options.format === 'md') {
      io.stderr('onnx-profile: hardware lists as table or json\n');
      return EXIT_UNUSABLE_INPUT;
    }
    io.stdout(renderHardware(catalog, options.format));
    return EXIT_OK;
  }
  let report: AnalysisReport;
  try {
    report = analyze(options, targets);
    if (options.baseline !== undefined) report = { ...report, baseline: againstBaseline(options, options.baseline, targets, report) };
  } catch (e) {
    if (e instanceof OnnxLoadError) {
      io.stderr(`onnx-profile: ${options.model}: ${e.message}\n`);
      return EXIT_UNUSABLE_INPUT;
    }
    if (e instanceof UsageError) {
      io.stderr(`onnx-profile: ${e.message}\n`);
      return EXIT_UNUSABLE_INPUT;
    }
    io.stderr(`onnx-profile: ${options.model}: internal error: ${(e as Error).message}\n`);
    return EXIT_FAILED;
  }
  const shown = { ...report, modules: limitDepth(report.modules, options.depth) };
  if (options.format === 'json') {
    // In pieces: a 100,000-node report is about 100 MB of JSON, never held as one string.
    for (const chunk of jsonChunks(shown)) io.stdout(chunk);
    io.stdout('\n');
  } else {
    io.stdout(renderReport(shown, options.format, { top: options.top }));
  }
  if (options.format === 'csv' && report.baseline) {
    // CSV is one row per node; the comparison (by figure and op type) has no row there: say where it is.
    io.stderr(`onnx-profile: note: CSV holds one row per node, so the comparison with the baseline (${report.baseline.changes.length} figures) is not in it; --format table, md or json shows it${report.baseline.limits?.length ? ' (the limits are checked all the same)' : ''}\n`);
  }
  const exceeded = (report.baseline?.limits ?? []).filter((l) => !l.passed);
  for (const l of exceeded) {
    const by = l.worsened === null ? 'from 0' : `${(l.worsened * 100).toFixed(1)}% worse`;
    io.stderr(`onnx-profile: regression: ${l.metric}${l.target ? ` on ${l.target}` : ''} ${by} than the baseline; ${l.limit} allows ${(l.allowed * 100).toFixed(1)}%\n`);
  }
  return exceeded.length ? EXIT_REGRESSION : EXIT_OK;
}

/** The run's figures against the baseline's, with the limits checked; a limit that matches no figure is a usage error. */
function againstBaseline(options: CliOptions, baselinePath: string, targets: readonly HardwareEntry[], report: AnalysisReport): NonNullable<AnalysisReport['baseline']> {
  const comparison = compareWithBaseline(readBaseline(options, baselinePath, targets), report, baselinePath);
  if (options.maxRegression.length === 0) return comparison;
  const { results, problems } = checkLimits(comparison, options.maxRegression);
  if (problems.length) throw new UsageError(problems.join('; '));
  return { ...comparison, limits: results };
}

/**
 * The baseline: a report saved with --format json, or a model profiled with this run's options (without its
 * what-if changes, so that `--apply` compares the change with the model as it is).
 */
function readBaseline(options: CliOptions, file: string, targets: readonly HardwareEntry[]): ComparableReport {
  try {
    return readBaselineFile(file, (model) => analyze({ ...options, model, apply: [] }, targets, false));
  } catch (e) {
    if (e instanceof BaselineReportError || e instanceof OnnxLoadError) throw new UsageError(`--baseline ${file}: ${e.message}`);
    throw e;
  }
}

/** A user's device file: `{ "devices": [HardwareEntry...] }`, validated like the built-in catalog. */
function readHardwareFile(file: string): HardwareEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--hardware-file ${file}: ${(e as Error).message}`);
  }
  const devices = (json as { devices?: unknown } | null)?.devices;
  const problems = validateCatalog(devices);
  if (problems.length) throw new UsageError(`--hardware-file ${file}: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`);
  return devices as HardwareEntry[];
}

/** A measured profile (ONNX Runtime trace or trtexec export), read for --calibrate. */
function readTrace(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--calibrate ${file}: ${(e as Error).message}`);
  }
}

/**
 * Runs the analysis pipeline on the model file with the command line's options; with targets, each layer's time
 * and bound on each (`layerTimes`) unless `layers` is false (a baseline model needs its totals only).
 */
function analyze(options: CliOptions, targets: readonly HardwareEntry[], layers = true): AnalysisReport {
  const calibrationTrace = options.calibrationTrace === undefined ? undefined : readTrace(options.calibrationTrace);
  const opened = openModelFile(options.model!);
  try {
    const analysis = analyzeModel(opened.model, {
      bindings: options.bindings,
      targets,
      ...(options.batch !== undefined ? { batch: options.batch } : {}),
      ...(options.chips !== undefined ? { chips: options.chips } : {}),
      ...(options.precision ? { precision: options.precision } : {}),
      ...(options.kvCache ? { kvCache: options.kvCache } : {}),
      ...(options.execution ? { execution: options.execution } : {}),
      ...(options.moeSkew !== undefined ? { moeSkew: options.moeSkew } : {}),
      ...(options.apply.length ? { whatIf: options.apply } : {}),
      llm: { promptTokens: options.promptTokens, outputTokens: options.outputTokens },
      ...(options.sweep ? { sweep: options.sweep } : {}),
      ...(calibrationTrace !== undefined ? { calibrationTrace } : {}),
      ...(layers && targets.length > 0 ? { nodeEstimates: true } : {}),
    });
    const refused = whatIfProblem(analysis.whatIf);
    if (refused) throw new UsageError(refused);
    return analysis.report;
  } catch (e) {
    if (e instanceof AnalysisInputError && e.option === 'calibrationTrace') throw new UsageError(`--calibrate ${options.calibrationTrace}: ${e.message}`);
    throw e;
  } finally {
    opened.close();
  }
}

/** One line naming the --apply values that match no hint (or several), with the ids that can be applied. */
function whatIfProblem(w: WhatIfAnalysis): string | undefined {
  if (w.unknown.length === 0 && w.ambiguous.length === 0) return undefined;
  const parts = [
    ...w.unknown.map((id) => `--apply '${id}': no such hint`),
    ...w.ambiguous.map((code) => `--apply '${code}': several hints have this code, name one`),
  ];
  const choices = w.available.length ? `hints that can be applied here: ${w.available.join(', ')}` : 'this model has no hint with a change on these targets';
  return `${parts.join('; ')} (${choices})`;
}
