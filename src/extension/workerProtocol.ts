/** Messages between the extension host and the profiling worker (dist/profileWorker.js). */
import type { EfficiencyOverrides, ExecutionMode } from '../core/estimate/roofline';
import type { HardwareEntry } from '../core/hardware/hardwareTypes';
import type { ProfileReport } from '../core/report/reportTypes';
import type { EstimatesPayload } from '../protocol/messages';
import type { GraphText } from './graphText';
import type { Hint } from '../core/hints/hintTypes';

export interface EstimateRequest {
  /** The compared targets, resolved to entries, in order. */
  readonly targets: readonly HardwareEntry[];
  readonly available: EstimatesPayload['available'];
  readonly unknownTargets: readonly string[];
  readonly batch: number;
  readonly efficiency: EfficiencyOverrides;
  /** Precision override ('fp16', 'int8'…); absent = the model's own dtypes. */
  readonly precision?: string;
  /** The execution model (setting onnxProfiler.execution); absent = 'fused'. */
  readonly execution?: ExecutionMode;
  /** Prompt and generated tokens for the LLM estimate of a decoder with a KV cache. */
  readonly llm?: { readonly promptTokens: number; readonly outputTokens: number };
}

export interface ProfileJob {
  readonly id: number;
  readonly type: 'profile';
  /** Absolute path of the model file. */
  readonly path: string;
  readonly bindings: Readonly<Record<string, number>>;
  readonly estimate?: EstimateRequest;
  /** Also print the graph in ONNX's textual syntax. */
  readonly graphText: boolean;
}

/** Estimates only, from a report already computed (after a change of targets or batch). */
export interface EstimateJob {
  readonly id: number;
  readonly type: 'estimate';
  readonly report: ProfileReport;
  readonly estimate: EstimateRequest;
  /**
   * The model file and the bindings `report` was profiled with: the LLM estimate of a decoder profiles
   * prefill and decode apart (the worker keeps the model open). Absent = no LLM estimate.
   */
  readonly path?: string;
  readonly bindings?: Readonly<Record<string, number>>;
}

export type WorkerJob = ProfileJob | EstimateJob;

export type WorkerResult =
  | { readonly id: number; readonly ok: true; readonly report?: ProfileReport; readonly estimates?: EstimatesPayload; readonly hints?: readonly Hint[]; readonly graphText?: GraphText; readonly millis: number }
  /** `code` is the OnnxLoadError code, or 'internal' for a bug (then `message` has no stack either). */
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };
