/**
 * The analysis pipeline's one options type and its output. The CLI and the extension's worker both call
 * `analyzeModel` (analyze.ts) with an `AnalysisOptions`; what they print or show is the `Analysis` it returns.
 *
 * Adding a setting: add an optional field to `AnalysisOptions`, and, when the estimator reads it, one line to
 * `estimatorOptions` (analyze.ts), the only place where the pipeline's options become the estimator's.
 * Everything downstream (estimates, hint savings, what-if, LLM phases, sweep, calibration) then sees it.
 */
import type { CalibrationFit } from '../estimate/calibration';
import type { DecoderInfo, LlmEstimate } from '../estimate/llm';
import type { ModelEstimate } from '../estimate/modelEstimate';
import type { ExecutionMode } from '../estimate/executionRules';
import type { EfficiencyOverrides, NodeEstimate } from '../estimate/roofline';
import type { KvCacheDtype, PrecisionChoice } from '../estimate/precision';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { Hint } from '../hints/hintTypes';
import type { BaselineComparison } from '../report/baseline';
import type { ProfileReport } from '../report/reportTypes';

export interface AnalysisOptions {
  /** Symbolic dims the user bound (`batch` → 8). Unbound dims count as 1. */
  readonly bindings?: ReadonlyMap<string, number>;
  /** Hardware targets, already resolved (`resolveTargets`). None: a profile only. */
  readonly targets: readonly HardwareEntry[];
  /**
   * Samples per call: binds the inputs' leading symbolic dim (`batchSymbol`) unless the user bound it.
   * Default: 1 when there are targets, else the dim stays as bound. `'max'`: per target, the batch (and
   * chip layout) that maximises throughput per chip within memory, as an offline deployment would run
   * (estimate/serving.ts); each estimate carries the plan in `serving`. The profile, hints and per-layer
   * times stay at batch 1.
   */
  readonly batch?: number | 'max';
  /**
   * The deployment's chip count, as published deployments fix it (8 GPUs in a node, a 16-chip Trainium
   * instance). With a numeric batch: one copy of the model over these chips (or more, when it needs more).
   * With `batch: 'max'`: the search's layouts are copies that fit these chips. Default: the chips the model needs.
   */
  readonly chips?: number;
  /** Run float layers as this precision ('tf32' lets fp32 layers use the tf32 peak). Default: the graph's dtypes. */
  readonly precision?: PrecisionChoice;
  /** Decoders: the KV cache stored in this dtype, whatever the layers run in. Default: as the activations. */
  readonly kvCache?: KvCacheDtype;
  /** Efficiency factors per device id or class (settings, or a calibration's fitted factors). */
  readonly efficiency?: EfficiencyOverrides;
  /** How the graph runs: 'fused' (default, as optimising runtimes run it) or 'as-exported' (one kernel per node). */
  readonly execution?: ExecutionMode;
  /**
   * MoE models: routing skew, the Zipf exponent of expert popularity (0, the default, is uniform routing): how
   * many distinct experts a call's tokens touch (docs/estimator.md, "Mixture-of-experts serving").
   */
  readonly moeSkew?: number;
  /**
   * What-if: hints whose change to apply, by id (`AnalysisHint.id`: the code, or `code@N` when a code occurs
   * k > 1 times) or by code when that is unambiguous. Each is applied on the targets its saving covers.
   */
  readonly whatIf?: readonly string[];
  /** For a decoder with a KV cache: the request the LLM estimate assumes (defaults: llmDefaults.ts). */
  readonly llm?: { readonly promptTokens?: number; readonly outputTokens?: number };
  /** Re-profile and re-estimate for each value of one dim (`batch` = the batch symbol). */
  readonly sweep?: { readonly dim: string; readonly values: readonly number[] };
  /** A measured per-layer profile (ONNX Runtime or trtexec JSON) of the first target, to compare and fit. */
  readonly calibrationTrace?: unknown;
  /** Also return every node's estimate per target (the views' time column and roofline). Default false. */
  readonly nodeEstimates?: boolean;
}

/** A hint with the id the what-if option and the views name it by. */
export interface AnalysisHint extends Hint {
  /** The code, or `code@N` (N: its first node's index) when the code occurs more than once. */
  readonly id: string;
}

/** A what-if change that was applied: which hint, and on which targets (those that can run it). */
export interface AppliedWhatIf {
  readonly id: string;
  readonly code: string;
  readonly message: string;
  /** Target ids the change was applied on; the others keep their estimate. */
  readonly targets: readonly string[];
}

export interface WhatIfAnalysis {
  readonly applied: readonly AppliedWhatIf[];
  /** Requested ids that name no applicable hint of this analysis (the CLI refuses them; views drop them). */
  readonly unknown: readonly string[];
  /** Requested codes that name several hints (`code@3`, `code@7`...): name one. */
  readonly ambiguous: readonly string[];
  /** Ids a what-if may name: the hints that carry a change. */
  readonly available: readonly string[];
}

export interface LlmAnalysis {
  readonly decoder: DecoderInfo;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** The KV-cache dtype chosen for the deployment (`kvCache`), when one was; else the cache is as the activations. */
  readonly kvCacheDtype?: KvCacheDtype;
  readonly bindings: { readonly prefill: Readonly<Record<string, number>>; readonly decode: Readonly<Record<string, number>> };
  readonly estimates: readonly LlmEstimate[];
}

export interface SweepPoint {
  readonly dim: string;
  readonly value: number;
  readonly estimates: readonly ModelEstimate[];
}

/**
 * The JSON report with an analysis: the profile (with the what-if changes applied, when asked) and, with
 * targets, the estimates and hints. `onnx-profile --format json` prints this; schemas/report.schema.json.
 */
export interface AnalysisReport extends ProfileReport {
  /** Per hardware target: see docs/estimator.md. */
  readonly estimates?: readonly ModelEstimate[];
  /** Optimisation hints priced on the model before any what-if, sorted by saving: see docs/hints.md. */
  readonly hints?: readonly AnalysisHint[];
  /** The what-if changes applied (`--apply`); the figures above are after them, the hints before. */
  readonly whatIf?: { readonly applied: readonly AppliedWhatIf[] };
  /** For a decoder with a KV cache and targets: prefill and decode estimated apart (tokens/s, $ per 1M tokens). */
  readonly llm?: LlmAnalysis;
  /** With a sweep: estimates per value of the dim. */
  readonly sweep?: readonly SweepPoint[];
  /** With a calibration trace: estimate against a measured profile per layer, and the fitted efficiency factors. */
  readonly calibration?: CalibrationFit;
  /** With a baseline report (`--baseline`): every figure before and after, and the limits checked. */
  readonly baseline?: BaselineComparison;
  /** With `nodeEstimates` (1.6): each layer's time and bound per target, as columns (`layerTimesOf`). */
  readonly layerTimes?: Readonly<Record<string, LayerTimes>>;
}

/**
 * One target's per-layer figures, as columns over the main-graph nodes it timed (a node without an estimate, of an
 * unknown cost or inside a subgraph, has no entry): the time the layer takes in the kernel it runs in, and whether
 * it is compute-bound or memory-bound there ('none': no time at all, a view or a folded node).
 */
export interface LayerTimes {
  readonly nodeIndex: readonly number[];
  readonly seconds: readonly number[];
  readonly bound: readonly ('compute' | 'memory' | 'none')[];
  /** 1.7: why a layer's time is what it is, where the estimator says (present when any layer has a note). */
  readonly notes?: LayerNotes;
}

/**
 * The estimator's notes on a target's layers ("ran on the vector units", "ran in bf16: faster than fp8 at this
 * size"), as a table: each distinct text once in `texts`, and one (`nodeIndex`, `text`) pair per note of a layer,
 * `text` indexing `texts`. A fallback precision notes thousands of layers with a few texts.
 */
export interface LayerNotes {
  readonly texts: readonly string[];
  readonly nodeIndex: readonly number[];
  readonly text: readonly number[];
}

/** The roof a target's roofline chart draws: the fastest rate and the bandwidth the estimator used, after efficiency. */
export interface TargetRoof {
  readonly peakFlopsPerSecond: number;
  readonly bandwidthBytesPerSecond: number;
}

export interface Analysis {
  readonly report: AnalysisReport;
  /** Samples per call the profile is at, and the estimates unless `batch: 'max'` chose one per target (`serving`). */
  readonly batch: number;
  /** The symbolic dim the batch binds (`batchSymbol`); undefined when the export fixes the batch. */
  readonly batchDim?: string;
  /** The target with the lowest latency among those the model fits on (else overall); undefined without targets. */
  readonly bestTarget?: string;
  readonly whatIf: WhatIfAnalysis;
  /** With `nodeEstimates`: per target id, every main-graph node's estimate, and the target's roof. */
  readonly nodeEstimates?: ReadonlyMap<string, readonly NodeEstimate[]>;
  readonly roofs?: ReadonlyMap<string, TargetRoof>;
}
