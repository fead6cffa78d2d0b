/**
 * The estimator's per-kernel model against published GEMM kernel benchmarks (test/fixtures/kernels): each
 * measured GEMM, grouped or not, is estimated as one MatMul node on the catalog device at the benchmark's
 * precision, and its kernel time (the node's time less the launch cost, which a kernel timer does not see) gives
 * the rate compared with the published one. The benchmarks are never an input to an efficiency: they check the
 * measured large-GEMM rate, the size curve and the near-ridge overlap (docs/estimator.md, section 2) at shapes
 * the catalog's measurements did not cover. Pure: the caller reads the file.
 */
import { findHardware } from '../hardware/catalog';
import type { Precision } from '../hardware/hardwareTypes';
import { medianAbsoluteError } from './mlperfValidation';
import { estimateNodes } from './roofline';
import { makeReport, t } from './testUtil';

/** One published kernel measurement: groups × (m × k) @ (k × n), as the source lists it. */
export interface KernelPoint {
  readonly id: string;
  readonly source: string;
  /** dense: one GEMM; contiguous / masked: an MoE grouped GEMM of `groups` experts with m rows each. */
  readonly layout: 'dense' | 'contiguous' | 'masked';
  readonly groups: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly precision: Precision;
  readonly tflops: number;
}

export interface KernelSource {
  readonly catalog_id: string;
  readonly device: string;
  readonly kernel: string;
  readonly url: string;
  readonly note: string;
}

export interface KernelData {
  readonly sources: Readonly<Record<string, KernelSource>>;
  readonly results: readonly KernelPoint[];
}

export interface KernelRow {
  readonly id: string;
  readonly device: string;
  readonly layout: KernelPoint['layout'];
  readonly shape: string;
  readonly measuredTflops: number;
  readonly estimatedTflops: number;
  readonly error: number;
  readonly bound: 'compute' | 'memory' | 'none';
}

export interface KernelValidation {
  readonly rows: readonly KernelRow[];
  readonly medianAbsoluteError: number;
}

/** The GEMM as one node: weights (k × n per group) and activations stored as 16-bit, as an exported graph holds them. */
function gemmReport(p: KernelPoint) {
  const macs = p.groups * p.m * p.n * p.k;
  const weightBytes = p.groups * p.k * p.n * 2;
  return makeReport([
    {
      name: p.id,
      opType: 'MatMul',
      computeDtype: 'float16',
      flops: 2 * macs,
      macs,
      params: p.groups * p.k * p.n,
      weightBytes,
      bytesRead: p.groups * p.m * p.k * 2 + weightBytes,
      bytesWritten: p.groups * p.m * p.n * 2,
      inputs: ['a', 'b'],
      outputs: [t('y', 'float16', [p.groups * p.m, p.n])],
    },
  ]);
}

export function estimateKernel(p: KernelPoint, deviceId: string): { tflops: number; bound: KernelRow['bound'] } {
  const device = findHardware(deviceId);
  if (!device) throw new Error(`${p.id}: no catalog device '${deviceId}'`);
  const [node] = estimateNodes(gemmReport(p), device, { precisionOverride: p.precision });
  const kernelSeconds = node.seconds - node.overheadSeconds;
  return { tflops: node.flops / kernelSeconds / 1e12, bound: node.bound };
}

export function validateKernels(data: KernelData): KernelValidation {
  const rows = data.results.map((p): KernelRow => {
    const source = data.sources[p.source];
    if (!source) throw new Error(`${p.id}: unknown source '${p.source}'`);
    const { tflops, bound } = estimateKernel(p, source.catalog_id);
    return {
      id: p.id,
      device: source.catalog_id,
      layout: p.layout,
      shape: `${p.groups > 1 ? `${p.groups} × ` : ''}${p.m} × ${p.n} × ${p.k}`,
      measuredTflops: p.tflops,
      estimatedTflops: tflops,
      error: (tflops - p.tflops) / p.tflops,
      bound,
    };
  });
  return { rows, medianAbsoluteError: medianAbsoluteError(rows) };
}
