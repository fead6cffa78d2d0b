/**
 * Quantisation risk of a weight tensor from a bounded sample of its elements (sampleTensor: at most a few
 * thousand evenly strided values, never the whole tensor).
 *
 *  - outlier ratio: share of sampled values more than 6 σ from the mean. Outliers stretch a per-tensor scale
 *    so that the bulk of the weights lands in a handful of int8 (or int4) levels (LLM.int8, SmoothQuant).
 *  - per-channel spread: max / min over output channels of the channel's largest |w|. A large spread
 *    wastes levels on the small channels under per-tensor scales; per-channel scales fix it for int8.
 * Ratings: int8 high when outliers > 0.1% or spread > 100, medium when any outlier or spread > 10;
 * int4 (16 levels) high when outliers > 0.01% or spread > 20, otherwise medium (it always needs group-wise
 * scales). Pure.
 */
import type { OnnxModel, TensorRef } from '../onnx/model';
import { sampleTensor, type TensorSample } from '../onnx/tensorValues';
import type { ByteSource, FileSystem } from '../io/byteSource';

export const DEFAULT_SAMPLE_ELEMENTS = 4096;
const OUTLIER_SIGMAS = 6;

export type RiskLevel = 'low' | 'medium' | 'high';

export interface WeightStats {
  readonly tensor: string;
  readonly sampled: number;
  readonly totalElements: number;
  readonly min: number;
  readonly max: number;
  readonly std: number;
  /** Share of sampled values with |x − mean| > 6σ. */
  readonly outlierRatio: number;
  /** Max / min of per-output-channel absmax over sampled channels; 1 when one channel was sampled. */
  readonly channelSpread: number;
  readonly int8Risk: RiskLevel;
  readonly int4Risk: RiskLevel;
}

/** Reads a bounded sample of a named weight tensor; undefined when its data is not available. */
export type WeightSampler = (tensorName: string) => TensorSample | undefined;

/**
 * A sampler over a loaded model's initializers (main graph), reading through the model's ByteSource and
 * the file system for external data. The caller keeps `source` open while hints are built.
 */
export function makeWeightSampler(model: OnnxModel, source: ByteSource, fileSystem?: FileSystem, maxElements = DEFAULT_SAMPLE_ELEMENTS): WeightSampler {
  const byName = new Map<string, TensorRef>(model.graph.initializers.map((t) => [t.name, t]));
  return (name) => {
    const ref = byName.get(name);
    return ref ? sampleTensor(ref, maxElements, source, fileSystem) : undefined;
  };
}

/** Statistics of a sample; `channelAxis` is the output-channel axis (0 for Conv/Gemm[N,K], last for MatMul[K,N]). */
export function weightStats(tensor: string, sample: TensorSample, channelAxis: 'first' | 'last'): WeightStats | undefined {
  const n = sample.values.length;
  if (n === 0) return undefined;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of sample.values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let variance = 0;
  for (const v of sample.values) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / n);
  const outliers = std > 0 ? sample.values.filter((v) => Math.abs(v - mean) > OUTLIER_SIGMAS * std).length : 0;
  const outlierRatio = outliers / n;
  const channelSpread = spreadOverChannels(sample, channelAxis);
  return {
    tensor,
    sampled: n,
    totalElements: sample.totalElements,
    min,
    max,
    std,
    outlierRatio,
    channelSpread,
    int8Risk: outlierRatio > 1e-3 || channelSpread > 100 ? 'high' : outlierRatio > 0 || channelSpread > 10 ? 'medium' : 'low',
    int4Risk: outlierRatio > 1e-4 || channelSpread > 20 ? 'high' : 'medium',
  };
}

function spreadOverChannels(sample: TensorSample, axis: 'first' | 'last'): number {
  const dims = sample.dims;
  if (dims.length < 2) return 1;
  const inner = sample.totalElements / dims[0];
  const lastDim = dims[dims.length - 1];
  const absmax = new Map<number, number>();
  sample.indices.forEach((flat, i) => {
    const channel = axis === 'first' ? Math.floor(flat / inner) : flat % lastDim;
    absmax.set(channel, Math.max(absmax.get(channel) ?? 0, Math.abs(sample.values[i])));
  });
  const values = [...absmax.values()].filter((v) => v > 0);
  if (values.length < 2) return 1;
  return Math.max(...values) / Math.min(...values);
}
