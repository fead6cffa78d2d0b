/**
 * Messages between the extension host and the profiling worker (src/worker/profileWorker.ts, bundled as
 * dist/profileWorker.js). Both cross postMessage (structured clone: Maps and class-free objects only).
 */
import type { AnalysisOptions, AnalysisReport } from '../core/pipeline/analysisTypes';
import type { NodeReport } from '../core/report/reportTypes';
import type { EstimatesPayload, HintPayload } from '../protocol/payloads';
import type { GraphText } from './graphText';

/** Analyse the model at `path` (absolute) with the pipeline's options. */
export interface AnalyzeJob {
  readonly id: number;
  readonly path: string;
  readonly options: AnalysisOptions;
  /** Also print the graph in ONNX's textual syntax (the host asks once per model). */
  readonly graphText: boolean;
  /** Id of the result whose report nodes the host holds: a result with the same nodes leaves them out. */
  readonly nodesFrom?: number;
}

/** The estimates as the worker builds them; the host adds what it alone knows (the pickable targets, settings problems). */
export type WorkerEstimates = Omit<EstimatesPayload, 'available' | 'unknownTargets' | 'problems'>;

export type WorkerResult =
  | {
      readonly id: number;
      readonly ok: true;
      /** The analysed report; `nodes` is left out when they are those of result `job.nodesFrom`, which the host holds. */
      readonly report: Omit<AnalysisReport, 'nodes'> & { readonly nodes?: readonly NodeReport[] };
      /** Present when the analysis had targets. */
      readonly estimates?: WorkerEstimates;
      readonly hints?: readonly HintPayload[];
      readonly graphText?: GraphText;
      readonly millis: number;
    }
  /** `code` is the OnnxLoadError code, or 'internal' for a bug (then `message` has no stack either). */
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };
