/**
 * Optimisation hints: what the model could change, and what each change would save on each selected
 * hardware target. Every saving comes from `evaluateChange` (whatIf.ts): the same estimator run on the
 * report before and after the change. JSON-safe. Documented in docs/hints.md.
 */
import type { Precision } from '../hardware/hardwareTypes';

export type HintCode =
  | 'moe.dense-dispatch'
  | 'moe.opportunity'
  | 'moe.experts-fp8'
  | 'moe.experts-fp4'
  | 'moe.experts-int4'
  | 'precision.bf16'
  | 'precision.fp8'
  | 'precision.int8'
  | 'precision.weight-only-int8'
  | 'precision.weight-only-int4'
  | 'precision.fp4'
  | 'precision.weight-only-fp4'
  | 'fusion.conv-bn'
  | 'fusion.layernorm'
  | 'fusion.gelu'
  | 'fusion.attention'
  | 'cast.redundant'
  | 'sparsity.2-4'
  | 'static-graph.dynamic-shape'
  | 'portability.tensorrt-plugin'
  | 'kv-cache.in-place'
  | 'kv-cache.quantize';

/** high: ≥ 10% of latency on some target (or a static-graph blocker); medium: ≥ 2%; low: the rest. */
export type HintSeverity = 'high' | 'medium' | 'low';

/** One node's cost multipliers (what-if). Factors apply to the report's figures of that node. */
export interface NodeScale {
  readonly index: number;
  /** flops and macs. */
  readonly compute: number;
  /** activation bytes read and written (bytes that are not weights). */
  readonly activationBytes: number;
  /** bytes written, when writes change differently from reads (an in-place cache update); default `activationBytes`. */
  readonly bytesWritten?: number;
  /** weight bytes read per call. */
  readonly weightBytesRead: number;
  /** params and stored weight bytes (memory footprint). */
  readonly params: number;
}

/** Run a node in another precision: compute dtype and bytes per stored element. */
export interface NodePrecision {
  readonly index: number;
  /** ONNX dtype name the node computes in afterwards (`bfloat16`, `float8e4m3fn`, `int8`), or unchanged for weight-only. */
  readonly computeDtype: string;
  /** Bytes per weight element afterwards (0.5 for int4). */
  readonly weightBytesPerElement: number;
  /** Bytes per activation element afterwards. */
  readonly activationBytesPerElement: number;
}

/** A what-if change of the report. The same transform backs the hints and the UI's what-if toggles. */
export type WhatIfChange =
  | { readonly kind: 'precision'; readonly nodes: readonly NodePrecision[] }
  | { readonly kind: 'scale'; readonly nodes: readonly NodeScale[] }
  /** Nodes replaced by one kernel: intermediate tensors between them never reach memory. */
  | { readonly kind: 'fuse'; readonly nodes: readonly number[]; readonly opType: string }
  /** Nodes that do nothing useful (a Cast round trip): they cost nothing afterwards. */
  | { readonly kind: 'remove'; readonly nodes: readonly number[] }
  /**
   * Store `tensors` (main-graph tensors, graph inputs and outputs among them) in `dtype`, computing as before:
   * the KV cache in int8 or fp8. Nodes move fewer bytes of them; the memory need follows the graph inputs/outputs.
   */
  | { readonly kind: 'tensor-dtype'; readonly tensors: readonly string[]; readonly dtype: string }
  | { readonly kind: 'combined'; readonly changes: readonly WhatIfChange[] };

/** Saving on one target: before − after (positive is better). */
export interface TargetSaving {
  readonly target: string;
  /** 'gain': the estimator finds a saving; 'none': the target gains nothing or cannot run the change. */
  readonly verdict: 'gain' | 'none';
  /** Why there is no gain (the target lacks the dtype, no sparse tensor cores, time does not improve...). */
  readonly reason?: string;
  /** Set when the change cannot run on this target (it lacks the dtype...): a what-if leaves the target as it is. */
  readonly notApplicable?: true;
  /** Latency saved per inference call, seconds (negative: slower). 0 when the change does not apply. */
  readonly seconds: number;
  /** Latency before, seconds, for relative figures. */
  readonly baselineSeconds: number;
  /** US$ per million inferences saved; null when the target has no price. */
  readonly usdPerMillion: number | null;
  /** Memory need (weights + activations + KV cache) saved, bytes (negative: grows). */
  readonly bytes: number;
  /** Chips needed before and after (memory fit). */
  readonly chipsBefore: number;
  readonly chipsAfter: number;
}

export interface Hint {
  readonly code: HintCode;
  readonly severity: HintSeverity;
  /** Main-graph node indices the hint is about. */
  readonly nodes: readonly number[];
  readonly nodeNames: readonly string[];
  readonly message: string;
  /** Why the change helps, and how the saving was computed. */
  readonly explanation: string;
  /** The what-if change the savings come from; absent for warnings that no estimate can price. */
  readonly change?: WhatIfChange;
  readonly savings: readonly TargetSaving[];
}

/** Effective precision of one layer, as the graph runs it today. */
export interface EffectivePrecision {
  /** Precision of the arithmetic (int8 for integer ops and QDQ-wrapped layers). */
  readonly compute: Precision | null;
  /** Bits per stored weight, when the layer has weights. */
  readonly weightBits?: number;
  /** How it was determined: its dtype, or the report's quantization (NodeQuantization.via). */
  readonly via: 'dtype' | 'qdq' | 'quantized-op' | 'weight-only';
}
