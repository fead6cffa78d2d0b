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
  /** A saved JSON report or a model (absolute path) to compare with: the report gets its `baseline` section. */
  readonly baselinePath?: string;
}

/** The estimates as the worker builds them; the host adds what it alone knows (the pickable targets, settings problems). */
export type WorkerEstimates = Omit<EstimatesPayload, 'available' | 'unknownTargets' | 'problems'>;

export type WorkerResult =
  | {
      readonly id: number;
      readonly ok: true;
      /** The analysed report; `nodes` is left out when they are those of result `job.nodesFrom`, which the host holds. */
      readonly report: Omit<AnalysisReport, 'nodes'> & { readonly nodes?: readonly NodeReport[] };
      /** The symbolic dim the batch binds; absent when the export fixes the batch. */
      readonly batchDim?: string;
      /** Present when the analysis had targets. */
      readonly estimates?: WorkerEstimates;
      readonly hints?: readonly HintPayload[];
      readonly graphText?: GraphText;
      /** Why the baseline could not be compared (unreadable, not a report, a bad model); the report has no `baseline` then. */
      readonly baselineProblem?: string;
      readonly millis: number;
    }
  /** `code` is the OnnxLoadError code, or 'internal' for a bug (then `message` has no stack either). */
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

/**
 * A result as it crosses postMessage. The report's nodes (100,000 of them for a large graph) travel as
 * JSON in transferred buffers, a few thousand nodes each: the host parses them one buffer per turn of its
 * event loop, so receiving a large report never stalls it for long (deserialising the same objects from a
 * structured clone would take one stall of over a second, and parsing one JSON text about half that).
 */
export type WorkerResultMessage =
  | (Omit<Extract<WorkerResult, { ok: true }>, 'report'> & { readonly report: Omit<AnalysisReport, 'nodes'> & { readonly nodesJson?: readonly Uint8Array[] } })
  | Extract<WorkerResult, { ok: false }>;

/** Nodes per JSON buffer: a few milliseconds of parsing each. */
const NODES_PER_BUFFER = 2048;

/** The message for a result and the buffers to transfer with it. */
export function encodeResult(result: WorkerResult): { message: WorkerResultMessage; transfer: ArrayBuffer[] } {
  if (!result.ok || result.report.nodes === undefined) return { message: result as WorkerResultMessage, transfer: [] };
  const { nodes, ...rest } = result.report;
  const encoder = new TextEncoder();
  const nodesJson: Uint8Array[] = [];
  for (let start = 0; start < nodes.length; start += NODES_PER_BUFFER) nodesJson.push(encoder.encode(JSON.stringify(nodes.slice(start, start + NODES_PER_BUFFER))));
  return { message: { ...result, report: { ...rest, nodesJson } }, transfer: nodesJson.map((b) => b.buffer as ArrayBuffer) };
}

/** The result a message carries; its nodes are parsed a buffer per turn of the event loop. */
export async function decodeResult(message: WorkerResultMessage): Promise<WorkerResult> {
  if (!message.ok || message.report.nodesJson === undefined) return message as WorkerResult;
  const { nodesJson, ...rest } = message.report;
  const decoder = new TextDecoder();
  const nodes: NodeReport[] = [];
  for (const buffer of nodesJson) {
    for (const n of JSON.parse(decoder.decode(buffer)) as NodeReport[]) nodes.push(n);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { ...message, report: { ...rest, nodes } };
}
