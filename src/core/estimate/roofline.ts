/**
 * Per-node roofline time on one device:
 *
 *   computeSeconds = flops / (peak[precision] × computeEfficiency(kind, flops))
 *   memorySeconds  = bytes / (bandwidth × memoryEfficiency)
 *   seconds        = (computeSeconds^p + memorySeconds^p)^(1/p) + perKernelOverheadSeconds
 *                    (p = 2 for matrix kernels, a smooth max; the plain max for streaming ones)
 *
 * MAC ops (macs > 0: Conv, MatMul, Gemm, attention) use the matrix (tensor-core) peak of the precision they
 * run in (see precision.ts), with an efficiency that ramps with size and saturates for large GEMMs. Every
 * other op runs on the vector units (the fp32 non-tensor rate) and is usually memory-bound anyway.
 * Bytes and kernels come from the execution model (executionPlan.ts): by default the graph runs as an
 * optimising runtime runs it (QDQ fusion, views, epilogue and element-wise fusion, LayerNorm and attention
 * fusion, in-place KV cache); a fused node launches no kernel and its on-chip tensors are not counted.
 *
 * Efficiencies come from the device's published micro-benchmarks where the catalog has them (`achieved`),
 * otherwise from a default per device class; both, and why, are in docs/estimator.md. Pure: no I/O.
 */
import { findHardware, HARDWARE_CATALOG } from '../hardware/catalog';
import type { DeviceClass, HardwareEntry, Precision } from '../hardware/hardwareTypes';
import { countToNumber, type ConvGroups, type NodeReport, type ProfileReport } from '../report/reportTypes';
import { formatSeconds } from '../report/units';
import { asExported, type ExecutedNode, graphOutputSources, isFreeRelabel, planExecution } from './executionPlan';
import type { ExecutionMode, FusionRuleId } from './executionRules';
import { moeServing } from './moeServing';
import { opKind, type OpKind } from './opKinds';
import { evenSplit, type NodeShare, type ParallelPlan } from './parallelLayout';
import { dtypeBytesPerElement, type KvCacheDtype, precisionBytesPerElement, resolvePrecision, type PrecisionOptions, type ResolvedPrecision } from './precision';
import { l2Resident, type RunScale } from './l2Residency';
import { isPastKeyValueName, isPresentKeyValueName } from './kvCacheNames';
import { tensorSummaryBytes } from './tensorSize';
import { runsAsMatrixVector } from './decodeAttention';
import { describeGroups, instructionFill, matrixInstructionOf, type InstructionFill } from './matrixTiles';
import { curveRelative, sizeCurve, type SizeCurvePoint } from './gemmSizeCurve';

export { opKind, type OpKind } from './opKinds';
export { evalDim, tensorSummaryBytes } from './tensorSize';
export { planExecution, type ExecutedNode, type ExecutionPlan } from './executionPlan';
export { EXECUTION_MODES, FUSION_RULES, type ExecutionMode, type FusionRuleId } from './executionRules';

/** The tunable efficiency model of one device (or device class). All fractions are 0..1. */
export interface EfficiencyFactors {
  /** Achieved / peak matrix-unit rate of a LARGE GEMM or conv (the saturation level). */
  readonly matrixEfficiency: number;
  /**
   * Size ramp: a MAC op whose ideal time at saturated efficiency is `matrixRampSeconds` reaches half of
   * `matrixEfficiency`. Equivalently every MAC op pays this many extra seconds of compute time (tile
   * quantisation, pipeline fill, partial waves). 0 disables the ramp.
   */
  readonly matrixRampSeconds: number;
  /** Achieved / peak rate of the vector units for non-MAC ops. */
  readonly vectorEfficiency: number;
  /** Vector rate as a fraction of the narrowest matrix peak, used only when the device lists no fp32 figure. */
  readonly vectorPeakFraction: number;
  /** Achieved / peak DRAM (HBM, GDDR, LPDDR) bandwidth of a streaming kernel. */
  readonly memoryEfficiency: number;
  /** Fixed cost of each kernel a node launches (launch + tail), seconds. Fused epilogues pay none. */
  readonly perKernelOverheadSeconds: number;
  /** Achieved / peak chip-to-chip bandwidth of a large all-reduce. */
  readonly interconnectEfficiency: number;
  /** Fixed latency of one all-reduce, seconds. */
  readonly allReduceLatencySeconds: number;
  /**
   * How a matrix kernel's compute and memory time combine: seconds = (compute^p + memory^p)^(1/p). A tiled GEMM or
   * convolution does not overlap its loads, its math and its stores perfectly (prologue, epilogue, the output store
   * after the last k-step), so near the ridge it takes longer than the larger of the two; p = ∞ is the plain
   * roofline max, which streaming (element-wise, normalisation) kernels keep.
   */
  readonly overlapExponent: number;
}

/**
 * The efficiency model of one device: the factors, plus the saturated matrix efficiency measured per precision
 * where the catalog has a GEMM micro-benchmark for it. A precision without its own figure uses `matrixEfficiency`.
 */
export interface DeviceEfficiency extends EfficiencyFactors {
  readonly matrixEfficiencyByPrecision?: Readonly<Partial<Record<Precision, number>>>;
  /**
   * Per precision, how the matrix rate grows with a GEMM's size, from a published size sweep (gemmSizeCurve.ts);
   * it caps the class ramp (`matrixRampSeconds`) for that precision.
   */
  readonly matrixSizeCurves?: Readonly<Partial<Record<Precision, readonly SizeCurvePoint[]>>>;
}

/** Partial factors keyed by device id (`h100-sxm`) or device class (`gpu`); id wins over class. */
export type EfficiencyOverrides = Readonly<Record<string, Partial<DeviceEfficiency>>>;

/**
 * The exponent that combines a kernel's compute and memory time (`kernelSeconds`): fitted to XLA's published
 * H100 GEMM table (61 BF16 GEMMs of 10 µs or more, third_party/xla/xla/service/gpu/model/matmul_interpolator_data.h),
 * where it brings the rms log error of this roofline from 0.22 (the plain max, 15% fast on average) to 0.13 (1% fast).
 * docs/estimator.md ("Compute and memory overlap").
 */
export const OVERLAP_EXPONENT = 2;

/**
 * A kernel's time from its compute and memory times: their p-norm, (c^p + m^p)^(1/p) with p = `overlapExponent`
 * (the plain max when p is infinite or one side is zero).
 */
export function kernelSeconds(computeSeconds: number, memorySeconds: number, overlapExponent: number): number {
  const larger = Math.max(computeSeconds, memorySeconds);
  if (!(larger > 0) || !Number.isFinite(larger) || !Number.isFinite(overlapExponent)) return larger;
  const smaller = Math.min(computeSeconds, memorySeconds);
  if (smaller <= 0) return larger;
  return larger * Math.pow(1 + Math.pow(smaller / larger, overlapExponent), 1 / overlapExponent);
}

/**
 * Defaults per device class, used for every factor a device has no published measurement of. WHY each number is
 * what it is: docs/estimator.md ("Default efficiencies"). They were set once from published micro-benchmarks and
 * checked against MLPerf (docs/validation.md); they are class-wide, never per benchmark.
 */
export const DEFAULT_EFFICIENCY: Readonly<Record<DeviceClass, EfficiencyFactors>> = {
  gpu: {
    matrixEfficiency: 0.7,
    matrixRampSeconds: 3e-6,
    vectorEfficiency: 0.5,
    vectorPeakFraction: 0.05,
    memoryEfficiency: 0.85,
    perKernelOverheadSeconds: 2e-6,
    interconnectEfficiency: 0.75,
    allReduceLatencySeconds: 10e-6,
    overlapExponent: OVERLAP_EXPONENT,
  },
  accelerator: {
    matrixEfficiency: 0.6,
    matrixRampSeconds: 5e-6,
    vectorEfficiency: 0.4,
    vectorPeakFraction: 0.05,
    memoryEfficiency: 0.8,
    perKernelOverheadSeconds: 1e-6,
    interconnectEfficiency: 0.7,
    allReduceLatencySeconds: 15e-6,
    overlapExponent: OVERLAP_EXPONENT,
  },
  edge: {
    matrixEfficiency: 0.45,
    matrixRampSeconds: 20e-6,
    vectorEfficiency: 0.35,
    vectorPeakFraction: 0.1,
    memoryEfficiency: 0.7,
    perKernelOverheadSeconds: 10e-6,
    interconnectEfficiency: 0.6,
    allReduceLatencySeconds: 50e-6,
    overlapExponent: OVERLAP_EXPONENT,
  },
};

/**
 * The factors a device's published micro-benchmarks (catalog `achieved`) determine: achieved / peak GEMM rate per
 * precision (capped at 1: boost clocks can beat the datasheet), the same fraction for an unmeasured precision with
 * the same peak (one datapath), then its compute twin's (`sameComputeAs`) measured fraction for a precision still
 * unmeasured, their mean as the matrix efficiency of the other precisions not measured, achieved / peak DRAM
 * bandwidth, the measured kernel launch cost, and all-reduce bus bandwidth / the per-direction link rate (capped at
 * 1: NVLink SHARP reduces in the switch). Empty for an unmeasured device without a measured twin.
 */
export function measuredEfficiency(device: HardwareEntry): Partial<DeviceEfficiency> {
  const achieved = device.achieved;
  const out: { -readonly [K in keyof DeviceEfficiency]?: DeviceEfficiency[K] } = {};
  const own = gemmFractions(device, sameSilicon(device));
  // A precision the device did not measure takes its compute twin's (`sameComputeAs`: the same die at the same peaks,
  // the same library) measured fraction, scaled by how the two compare on the precisions both measured (the board's
  // power and clocks): an MI325X's FP8 GEMMs run at the MI300X's FP8 fraction × (MI325X BF16 / MI300X BF16).
  const twin = device.sameComputeAs ? findHardware(device.sameComputeAs) : undefined;
  const inherited = twin ? gemmFractions(twin, sameSilicon(twin)) : undefined;
  const byPrecision: Partial<Record<Precision, number>> = {};
  if (inherited) {
    const common = (Object.keys(inherited.measured) as Precision[]).filter((p) => own?.measured[p] !== undefined);
    const scale = common.length > 0 ? common.reduce((s, p) => s + own!.measured[p]! / inherited.measured[p]!, 0) / common.length : 1;
    for (const [p, f] of Object.entries(inherited.byPrecision) as [Precision, number][]) byPrecision[p] = Math.min(1, f * scale);
  }
  Object.assign(byPrecision, own?.byPrecision ?? {});
  const mean = own?.mean ?? inherited?.mean;
  if (mean !== undefined) {
    out.matrixEfficiencyByPrecision = byPrecision;
    out.matrixEfficiency = mean;
  }
  const curves = sizeCurves(device);
  if (Object.keys(curves).length > 0) out.matrixSizeCurves = curves;
  if (!achieved) return out;
  const bandwidth = achieved.memoryBandwidthBytesPerSecond?.value;
  if (bandwidth && bandwidth > 0) out.memoryEfficiency = Math.min(1, bandwidth / device.memoryBandwidthBytesPerSecond.value);
  const launch = achieved.kernelLaunchSeconds?.value;
  if (launch && launch > 0) out.perKernelOverheadSeconds = launch;
  // busbw is per direction; the all-reduce term in modelEstimate runs at (link / 2) x interconnectEfficiency.
  const busbw = achieved.allReduceBusBytesPerSecond?.value;
  const link = device.interconnectBytesPerSecond?.value;
  if (busbw && busbw > 0 && link && link > 0) out.interconnectEfficiency = Math.min(1, busbw / (link / 2));
  return out;
}

/**
 * Per precision of the device, the size curve of a published GEMM sweep: its own sweep of that precision, or of
 * another precision with the same dense peak (one datapath), else the same from its compute twin or another device
 * of its architecture (the same matrix units and library fill the same way; the device's own ceiling still applies).
 * Each curve is derived on the device that measured it.
 */
function sizeCurves(device: HardwareEntry): Partial<Record<Precision, readonly SizeCurvePoint[]>> {
  const twin = device.sameComputeAs ? findHardware(device.sameComputeAs) : undefined;
  const candidates = [device, ...(twin ? [twin] : []), ...HARDWARE_CATALOG.filter((d) => d.id !== device.id && d.id !== twin?.id && d.architecture === device.architecture)];
  const curves: Partial<Record<Precision, readonly SizeCurvePoint[]>> = {};
  for (const [p, peak] of Object.entries(device.peakFlopsPerSecond) as [Precision, { value: number } | undefined][]) {
    if (!peak || peak.value <= 0) continue;
    for (const measurer of candidates) {
      const curve = measuredCurve(measurer, p, (q) => device.peakFlopsPerSecond[q]?.value === peak.value);
      if (curve) {
        curves[p] = curve;
        break;
      }
    }
  }
  return curves;
}

/** `measurer`'s size curve for `precision`, or for a precision `samePeak` accepts; undefined when it swept neither. */
function measuredCurve(measurer: HardwareEntry, precision: Precision, samePeak: (q: Precision) => boolean): SizeCurvePoint[] | undefined {
  const sweeps = measurer.achieved?.gemmSizeSweep;
  if (!sweeps) return undefined;
  const swept = sweeps[precision] ? precision : (Object.keys(sweeps) as Precision[]).find((q) => samePeak(q) && measurer.peakFlopsPerSecond[q]?.value === measurer.peakFlopsPerSecond[precision]?.value);
  const sweep = swept ? sweeps[swept] : undefined;
  if (!swept || !sweep) return undefined;
  const base = DEFAULT_EFFICIENCY[measurer.deviceClass] ?? DEFAULT_EFFICIENCY.gpu;
  const bandwidth = measurer.achieved?.memoryBandwidthBytesPerSecond?.value ?? measurer.memoryBandwidthBytesPerSecond.value * base.memoryEfficiency;
  return sizeCurve(sweep, swept, { bandwidthBytesPerSecond: bandwidth });
}

/**
 * The devices that are one accelerator for GEMMs with `device`: the same compute die (`sameComputeAs`, either way) at
 * the same board power, so the same sustained clocks. Their GEMM measurements are samples of one quantity: an H100
 * SXM and an H200 (both 700 W) take the mean of their two MAMF runs per precision, as ml-engineering's MAMF table
 * lists them as one accelerator (docs/estimator.md).
 */
function sameSilicon(device: HardwareEntry): HardwareEntry[] {
  const root = device.sameComputeAs ?? device.id;
  const watts = device.powerWatts?.value;
  const group = HARDWARE_CATALOG.filter((d) => d.id !== device.id && (d.sameComputeAs ?? d.id) === root && watts !== undefined && d.powerWatts?.value === watts);
  return [device, ...group];
}

/**
 * A device's measured GEMM fractions (achieved / dense peak, capped at 1; the mean over `silicon`, the devices that
 * are one accelerator with it: `measured`), with each unmeasured precision of the same dense peak as a measured one
 * taking that one's fraction (`byPrecision`), and the mean of the measured ones; undefined when none measured any.
 */
function gemmFractions(device: HardwareEntry, silicon: readonly HardwareEntry[] = [device]): { measured: Partial<Record<Precision, number>>; byPrecision: Partial<Record<Precision, number>>; mean: number } | undefined {
  const byPrecision: Partial<Record<Precision, number>> = {};
  const samples = new Map<Precision, number[]>();
  for (const d of silicon) {
    for (const [p, measured] of Object.entries(d.achieved?.matrixFlopsPerSecond ?? {}) as [Precision, { value: number } | undefined][]) {
      const peak = d.peakFlopsPerSecond[p]?.value;
      if (peak && peak > 0 && measured && measured.value > 0) samples.set(p, [...(samples.get(p) ?? []), Math.min(1, measured.value / peak)]);
    }
  }
  for (const [p, list] of samples) byPrecision[p] = list.reduce((a, b) => a + b, 0) / list.length;
  const fractions = Object.values(byPrecision);
  if (fractions.length === 0) return undefined;
  // An unmeasured precision with the same dense peak as a measured one runs on the same datapath at the same
  // width (Hopper's INT8 and FP8 are both 32-wide K in one wgmma): it takes that precision's fraction.
  const measured = { ...byPrecision };
  for (const [p, peak] of Object.entries(device.peakFlopsPerSecond) as [Precision, { value: number } | undefined][]) {
    if (byPrecision[p] !== undefined || !peak || peak.value <= 0) continue;
    const twin = (Object.keys(measured) as Precision[]).find((m) => device.peakFlopsPerSecond[m]?.value === peak.value);
    if (twin) byPrecision[p] = byPrecision[twin];
  }
  return { measured, byPrecision, mean: fractions.reduce((a, b) => a + b, 0) / fractions.length };
}

/**
 * Class defaults, then the device's measured factors, then the class override, then the device-id override.
 * An override that sets `matrixEfficiency` without its own per-precision figures applies to every precision.
 */
export function efficiencyFor(device: HardwareEntry, overrides?: EfficiencyOverrides): DeviceEfficiency {
  const base = DEFAULT_EFFICIENCY[device.deviceClass] ?? DEFAULT_EFFICIENCY.gpu;
  const byClass = overrides?.[device.deviceClass] ?? {};
  const byId = overrides?.[device.id] ?? {};
  const merged: { -readonly [K in keyof DeviceEfficiency]: DeviceEfficiency[K] } = { ...base, ...measuredEfficiency(device), ...byClass, ...byId };
  const userMatrix = byClass.matrixEfficiency !== undefined || byId.matrixEfficiency !== undefined;
  if (userMatrix && byClass.matrixEfficiencyByPrecision === undefined && byId.matrixEfficiencyByPrecision === undefined) delete merged.matrixEfficiencyByPrecision;
  // A ramp set by the user is the size behaviour they asked for: it replaces the measured curves.
  const userRamp = byClass.matrixRampSeconds !== undefined || byId.matrixRampSeconds !== undefined;
  if (userRamp && byClass.matrixSizeCurves === undefined && byId.matrixSizeCurves === undefined) delete merged.matrixSizeCurves;
  return merged;
}

export interface NodeEstimateOptions extends PrecisionOptions {
  readonly efficiency?: EfficiencyOverrides;
  /**
   * How the graph runs: 'fused' (default) as an optimising runtime runs it (executionRules.ts: QDQ, views,
   * epilogue, element-wise chains, LayerNorm, attention, in-place KV cache); 'as-exported' one kernel per
   * node with the graph's own dtypes.
   */
  readonly execution?: ExecutionMode;
  /** How each node splits over chips (parallelLayout.ts: tensor- or expert-parallel). Default: one chip. */
  readonly parallel?: ParallelPlan;
  /**
   * Routing skew of the MoE serving model (moeServing.ts): a Zipf exponent of expert popularity, 0 (the
   * default) for uniform routing. Sets how many distinct experts a call's tokens touch.
   */
  readonly moeSkew?: number;
  /**
   * Share of the past key/value graph inputs' bytes a node reads from DRAM (default 1). Beam search sets it: the
   * beams of a request read its shared prompt blocks once (serving.ts).
   */
  readonly kvCacheReadFraction?: number;
  /**
   * Share of the rows of the node writing the `logits` graph output that run (default 1): a served prefill projects
   * only each prompt's last position onto the vocabulary (serving.ts sets 1 / prompt tokens).
   */
  readonly logitsRowFraction?: number;
}

export interface NodeEstimate {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly kind: OpKind;
  /** False when the node's cost is unknown (status != 'costed'); its time is 0 and it is counted apart. */
  readonly estimated: boolean;
  readonly status: NodeReport['status'];
  /** Precision whose peak was used; null for non-MAC ops (vector rate) or unknown. */
  readonly precision: Precision | null;
  readonly precisionFallback: boolean;
  readonly flops: number;
  /** Bytes moved after fusion and precision rescaling (on the busiest chip when split over chips). */
  readonly memoryBytes: number;
  /**
   * Weight bytes the node reads per call at its run precision, all chips together (an MoE layer: the experts
   * its tokens touch). A lower bound on what must stream from memory.
   */
  readonly weightBytesRead: number;
  /** Rate used for the compute side, FLOP/s, after efficiency. 0 when unknown. */
  readonly effectiveFlopsPerSecond: number;
  readonly computeEfficiency: number;
  readonly computeSeconds: number;
  readonly memorySeconds: number;
  readonly overheadSeconds: number;
  /** max(compute, memory) + overhead. */
  readonly seconds: number;
  readonly bound: 'compute' | 'memory' | 'none';
  /** Name of the node whose kernel this node runs in (or that a folded DequantizeLinear feeds), if any. */
  readonly fusedInto?: string;
  /**
   * Index of the first node of the kernel this node runs in (its own when it launches one; absent when folded
   * away). A kernel's nodes share its time, so a roofline plots the kernel: their summed FLOPs, bytes and seconds.
   */
  readonly kernel?: number;
  /** What the execution model changed (fused mode, when a rule applied), and what that saved. */
  readonly fusion?: NodeFusion;
  readonly notes: readonly string[];
}

/** The execution model's effect on one node: its rules and the bytes and seconds saved against running as exported. */
export interface NodeFusion {
  readonly rules: readonly FusionRuleId[];
  readonly fusedInto?: string;
  /** Bytes it no longer moves (on the busiest chip when split over chips). */
  readonly bytesSaved: number;
  /** This node's seconds as exported minus its seconds fused, on the device. */
  readonly secondsSaved: number;
}

/** Saturated matrix efficiency in `precision`: the device's measured figure for it, else `matrixEfficiency`. */
export function saturatedMatrixEfficiency(f: EfficiencyFactors | DeviceEfficiency, precision?: Precision | null): number {
  const measured = precision && 'matrixEfficiencyByPrecision' in f ? f.matrixEfficiencyByPrecision?.[precision] : undefined;
  return measured ?? f.matrixEfficiency;
}

/** Matrix-unit efficiency for a MAC op of `flops` in `precision` on a peak of `peakFlopsPerSecond`. */
export function matrixEfficiency(flops: number, peakFlopsPerSecond: number, f: EfficiencyFactors | DeviceEfficiency, precision?: Precision | null): number {
  const saturated = saturatedMatrixEfficiency(f, precision);
  if (flops <= 0 || peakFlopsPerSecond <= 0) return saturated;
  const idealSeconds = flops / (peakFlopsPerSecond * saturated);
  const ramp = (saturated * idealSeconds) / (idealSeconds + f.matrixRampSeconds);
  // A measured size curve caps the ramp: where the sweep shows the units filling more slowly, it rules; a GEMM
  // smaller than the sweep's smallest keeps at most that one's rate and pays the ramp's fixed cost.
  const curve = precision && 'matrixSizeCurves' in f ? f.matrixSizeCurves?.[precision] : undefined;
  return curve ? Math.min(ramp, saturated * curveRelative(curve, flops)) : ramp;
}

/** Vector (non-tensor) rate: the device's fp32 figure, else a fraction of its narrowest matrix peak. */
export function vectorFlopsPerSecond(device: HardwareEntry, f: EfficiencyFactors): number {
  const fp32 = device.peakFlopsPerSecond.fp32?.value;
  if (fp32 && fp32 > 0) return fp32;
  const candidates = (['bf16', 'fp16', 'fp8', 'int8'] as const).map((p) => device.peakFlopsPerSecond[p]?.value ?? 0).filter((v) => v > 0);
  if (candidates.length === 0) return 0;
  return Math.max(...candidates) * f.vectorPeakFraction;
}

/** Main-graph nodes of a report (nodes inside subgraphs are already counted in their parent). */
export function mainGraphNodes(report: ProfileReport): NodeReport[] {
  return report.nodes.filter((n) => n.graphPath === '');
}

/**
 * Time every main-graph node of `report` on `device`, as the execution model runs it (`execution`, default
 * 'fused': executionPlan.ts). The order follows the report. Nodes with a status other than 'costed' get
 * `estimated: false` and 0 seconds.
 */
export function estimateNodes(report: ProfileReport, device: HardwareEntry, options: NodeEstimateOptions = {}): NodeEstimate[] {
  const f = efficiencyFor(device, options.efficiency);
  const mode = options.execution ?? 'fused';
  const plan = planExecution(report, mode);
  const parallel = options.parallel ?? evenSplit(1);
  const rates: Rates = {
    bandwidth: device.memoryBandwidthBytesPerSecond.value * f.memoryEfficiency,
    vector: vectorFlopsPerSecond(device, f) * f.vectorEfficiency,
  };
  // The MoE serving model: routed-expert nodes read the experts their tokens touch and run their routed rows.
  const moe = moeServing(report);
  const served = (n: NodeReport, x: ExecutedNode, as: typeof mode) => (moe ? moe.serveNode(n, x, as, options.moeSkew) : x);
  const nodes = mainGraphNodes(report);
  const run = nodes.map((n) => served(n, plan.nodes.get(n.index) ?? asExported(n), mode));
  // Resolved once per node: the byte rules below, the L2 rule and the roofline need it (none of them changes a node's dtype).
  const onVectorUnits = nodes.map((n) => runsAsMatrixVector(n, report.bindings));
  const precisions = run.map((x, i) => {
    const asked = nodePrecision(nodes[i], x, device, options);
    return options.precisionOverride ? fasterKernel(nodes[i], x, asked, device, options, f, rates, parallel.share(nodes[i], x), onVectorUnits[i]) : asked;
  });
  const kvRead = cacheReads(report, options.kvCacheReadFraction, options.kvCacheDtype);
  const declared = declaredOutputWrites(report);
  const logits = logitsRows(report, options.logitsRowFraction);
  const atDeclaredWidth: boolean[] = [];
  const planned = run.map((x, i) => {
    const scale = scaleOf(x, precisions[i]).activation;
    const cached = kvRead(nodes[i], x, scale);
    const written = declared(nodes[i], cached, scale);
    atDeclaredWidth[i] = written !== cached;
    return logits(nodes[i], written);
  });
  const cache = lastLevelCacheBytes(device);
  const executed = mode === 'fused' && cache > 0 ? l2Resident(report, nodes, planned, cache * parallel.chips, (i) => scaleOf(planned[i], precisions[i])) : planned;
  const shares = nodes.map((n, i) => parallel.share(n, executed[i]));
  const estimates = timeKernels(nodes.map((n, i) => estimateOne(n, executed[i], precisions[i], device, f, rates, shares[i], onVectorUnits[i])), executed, f.overlapExponent).map(
    (e, i) => (atDeclaredWidth[i] ? { ...e, notes: [...e.notes, DECLARED_OUTPUT_NOTE] } : e),
  );
  if (mode !== 'fused') return estimates;
  return estimates.map((e, i) => {
    const x = executed[i];
    if (x.rules.length === 0 || !e.estimated) return e;
    const exported = served(nodes[i], asExported(nodes[i]), 'as-exported');
    const unfused = estimateOne(nodes[i], exported, nodePrecision(nodes[i], exported, device, options), device, f, rates, shares[i], onVectorUnits[i]);
    const fusion: NodeFusion = {
      rules: x.rules,
      ...(x.fusedInto !== undefined ? { fusedInto: x.fusedInto } : {}),
      bytesSaved: x.bytesSaved * shares[i].activation,
      secondsSaved: unfused.seconds - e.seconds,
    };
    return { ...e, fusion };
  });
}

/** Precisions narrower than 16 bits that a precision choice runs matrix ops in. */
const NARROW_MATRIX_PRECISIONS: ReadonlySet<Precision> = new Set(['fp8', 'int8', 'fp4']);

/**
 * Under a precision choice narrower than 16 bits (`--precision fp8`), a matrix op whose kernel at that precision
 * is slower on this device than at 16 bits, at its size, runs at 16 bits: a runtime free to pick per layer keeps
 * the faster kernel ("TensorRT will still choose a higher-precision kernel if it results in overall lower
 * runtime", TensorRT developer guide, weakly typed networks; docs/estimator.md). It happens where a device's
 * narrow GEMMs are measured slow at small sizes (hipBLASLt FP8 on the MI300X: 53 TFLOPS at 1024³, catalog). A
 * graph that sets its own precision (QDQ, a what-if) is kept as written, as TensorRT keeps explicit quantization.
 */
function fasterKernel(
  n: NodeReport,
  x: ExecutedNode,
  asked: ResolvedPrecision,
  device: HardwareEntry,
  options: NodeEstimateOptions,
  f: DeviceEfficiency,
  rates: Rates,
  share: NodeShare,
  matrixVector: boolean,
): ResolvedPrecision {
  if (matrixVector || asked.compute === null || !NARROW_MATRIX_PRECISIONS.has(asked.compute) || opKind(n) !== 'matrix') return asked;
  // 16 bits only: a deployment quantises a layer or leaves it as it was; it does not pick a third format for it.
  const wide = nodePrecision(n, x, device, { ...options, precisionOverride: 'bf16' });
  if (wide.compute === null || NARROW_MATRIX_PRECISIONS.has(wide.compute)) return asked;
  const narrowSeconds = estimateOne(n, x, asked, device, f, rates, share).seconds;
  const wideSeconds = estimateOne(n, x, wide, device, f, rates, share).seconds;
  if (!(wideSeconds < narrowSeconds)) return asked;
  return {
    ...wide,
    fallback: true,
    note: `ran in ${wide.compute}: faster than ${asked.compute} at this size on ${device.id} (${formatSeconds(wideSeconds)} against ${formatSeconds(narrowSeconds)}), as a runtime that picks the faster kernel per layer does`,
  };
}

/** A MAC op that ran on the matrix units (not a matrix-vector product, not a precision without a matrix peak). */
function onMatrixUnits(e: NodeEstimate): boolean {
  return e.kind === 'matrix' && e.precision !== null;
}

/** A node's time alone: the p-norm of its compute and memory time for a matrix op, their max for a streaming one. */
function nodeKernelSeconds(e: NodeEstimate, overlapExponent: number): number {
  return kernelSeconds(e.computeSeconds, e.memorySeconds, onMatrixUnits(e) ? overlapExponent : Infinity);
}

/**
 * One roofline per kernel: a kernel of several nodes takes its matrix ops' summed compute time combined with its
 * nodes' summed memory time (`kernelSeconds`), or all its nodes' summed compute time (matrix and vector units) when
 * that is longer, plus one launch; not the sum of each node's own time (its streaming overlaps its math). Each node
 * keeps its own compute and memory figures; the node that launches the kernel keeps its own time, and the rest of
 * the kernel's time goes to the others in proportion to theirs.
 */
function timeKernels(estimates: NodeEstimate[], executed: readonly ExecutedNode[], overlapExponent: number): NodeEstimate[] {
  const members = new Map<number, number[]>();
  executed.forEach((x, i) => {
    if (x.kernel === undefined || !estimates[i].estimated) return;
    const list = members.get(x.kernel) ?? [];
    list.push(i);
    members.set(x.kernel, list);
  });
  const out = [...estimates];
  for (const list of members.values()) {
    if (list.length < 2) continue;
    const sum = (pick: (e: NodeEstimate) => number) => list.reduce((s, i) => s + pick(estimates[i]), 0);
    const own = list.map((i) => nodeKernelSeconds(estimates[i], overlapExponent));
    const launcher = list.findIndex((i) => executed[i].runs === 'kernel');
    const kept = launcher >= 0 ? own[launcher] : 0;
    const others = own.reduce((s, w, k) => (k === launcher ? s : s + w), 0);
    // The matrix units and the memory system overlap imperfectly (kernelSeconds); the vector arithmetic of the
    // kernel's other nodes (an epilogue, a softmax) takes its turn on the same SMs, after the matrix work.
    const matrix = sum((e) => (onMatrixUnits(e) ? e.computeSeconds : 0));
    const compute = sum((e) => e.computeSeconds);
    const total = Math.max(kernelSeconds(matrix, sum((e) => e.memorySeconds), overlapExponent), compute);
    const rest = Math.max(0, total - kept);
    list.forEach((i, k) => {
      const share = k === launcher ? kept : others > 0 ? (rest * own[k]) / others : 0;
      out[i] = { ...estimates[i], seconds: share + estimates[i].overheadSeconds };
    });
  }
  return out;
}

/**
 * What a node reading the past key/value graph inputs moves of them. Beam search: the beams of a request share its
 * prompt's KV-cache blocks and the attention kernel runs them side by side, so DRAM serves the shared blocks once per
 * request and L2 the other beams: only `fraction` of the bytes come from DRAM (docs/estimator.md, "Serving search").
 * A KV-cache dtype (`kvCacheDtype`) stores the cache at its own width, whatever the node's activations are stored
 * in. The node's activation bytes are rescaled by `activationScale` afterwards (scaleOf), so the cache's share is
 * written here in those pre-scale units.
 */
function cacheReads(
  report: ProfileReport,
  fraction: number | undefined,
  kvCacheDtype: KvCacheDtype | undefined,
): (n: NodeReport, x: ExecutedNode, activationScale: number) => ExecutedNode {
  const shared = fraction !== undefined && fraction < 1 ? Math.max(0, fraction) : 1;
  if (shared === 1 && kvCacheDtype === undefined) return (_n, x) => x;
  const past = new Map<string, { bytes: number; elements: number }>();
  for (const t of report.graphInputs) {
    if (!isPastKeyValueName(t.name)) continue;
    const bytes = tensorSummaryBytes(t, report.bindings);
    if (bytes !== undefined) past.set(t.name, { bytes, elements: bytes / dtypeBytesPerElement(t.dtype) });
  }
  const kvBytesPerElement = kvCacheDtype === undefined ? undefined : precisionBytesPerElement(kvCacheDtype);
  return (n, x, activationScale) => {
    let bytes = 0;
    let elements = 0;
    for (const input of n.inputs) {
      const t = past.get(input);
      if (!t) continue;
      bytes += t.bytes;
      elements += t.elements;
    }
    if (bytes === 0) return x;
    const stored = kvBytesPerElement === undefined || activationScale <= 0 ? bytes : (elements * kvBytesPerElement) / activationScale;
    return { ...x, activationBytes: Math.max(0, x.activationBytes - bytes + shared * stored) };
  };
}

/**
 * What the model returns is written at the dtype its graph declares, whatever the layers run in: a precision choice
 * changes the arithmetic and the intermediates, not the interface the application reads (an ONNX Runtime session
 * binds the declared output types; a TensorRT engine's outputs are FP32 unless it is built otherwise). The KV
 * cache's present outputs are excluded: the runtime keeps the cache in place at its own width (`kvCacheDtype`).
 * Like cacheReads, the adjustment is in the node's pre-scale units: the stored bytes divided by `activationScale`.
 */
const DECLARED_OUTPUT_NOTE = 'writes a graph output at its declared width: a precision choice does not change what the application reads';

function declaredOutputWrites(report: ProfileReport): (n: NodeReport, x: ExecutedNode, activationScale: number) => ExecutedNode {
  const outputBytes = new Map<string, number>();
  for (const t of report.graphOutputs) {
    if (isPresentKeyValueName(t.name)) continue;
    const bytes = tensorSummaryBytes(t, report.bindings);
    if (bytes !== undefined && bytes > 0) outputBytes.set(t.name, bytes);
  }
  // A free relabel before an output (a final Flatten) writes nothing: the node producing its input writes the output.
  const sources = graphOutputSources(report);
  return (n, x, activationScale) => {
    if (activationScale <= 0 || activationScale === 1 || x.runs === 'folded' || isFreeRelabel(n)) return x;
    let bytes = 0;
    for (const o of n.outputs) {
      const output = sources.get(o.name);
      bytes += (output !== undefined ? outputBytes.get(output) : undefined) ?? 0;
    }
    if (bytes === 0) return x;
    return { ...x, activationBytes: Math.max(0, x.activationBytes - bytes) + bytes / activationScale };
  };
}

/**
 * A prefill served by a runtime computes the vocabulary projection for each prompt's last position only (it samples one
 * token per prompt): the node writing a `logits` graph output runs `fraction` of its rows (docs/estimator.md).
 */
function logitsRows(report: ProfileReport, fraction: number | undefined): (n: NodeReport, x: ExecutedNode) => ExecutedNode {
  if (fraction === undefined || !(fraction < 1)) return (_n, x) => x;
  // The projection and what lies between it and the output: relabels (Identity, Reshape, Cast...) and its bias or scale.
  const producer = new Map<string, NodeReport>();
  for (const n of mainGraphNodes(report)) for (const o of n.outputs) producer.set(o.name, n);
  const chain = new Set<number>();
  for (const out of report.graphOutputs.filter((t) => LOGITS_OUTPUT.test(t.name))) {
    let n = producer.get(out.name);
    for (let step = 0; n && step < 8; step++) {
      chain.add(n.index);
      if (countToNumber(n.macs) > 0 || !LOGITS_RELABELS.has(n.opType)) break;
      n = n.inputs.map((i) => producer.get(i)).find((p) => p !== undefined);
    }
  }
  const f = Math.max(0, fraction);
  return (n, x) => (chain.has(n.index) ? { ...x, flops: (x.flops ?? countToNumber(n.flops)) * f, activationBytes: x.activationBytes * f } : x);
}

const LOGITS_OUTPUT = /^logits$|(^|[._/])logits$/i;
const LOGITS_RELABELS: ReadonlySet<string> = new Set(['Identity', 'Reshape', 'Cast', 'Squeeze', 'Unsqueeze', 'Flatten', 'Add', 'Mul', 'Div']);

/** A node's activation bytes factor and weight bytes at the run precision. */
function scaleOf(x: ExecutedNode, res: ResolvedPrecision): RunScale {
  return {
    activation: res.activationBytesPerElement / dtypeBytesPerElement(x.computeDtype),
    weightBytes: x.params > 0 && x.weightBytes > 0 ? x.params * res.weightBytesPerElement : x.weightBytes,
  };
}

/** The precision a node runs in on the device, as the execution model runs it. */
function nodePrecision(n: NodeReport, x: ExecutedNode, device: HardwareEntry, options: NodeEstimateOptions): ResolvedPrecision {
  return resolvePrecision(
    { opType: n.opType, domain: n.domain, computeDtype: x.computeDtype, quantization: x.quantization, params: x.params, weightBytes: x.weightBytes, macs: n.macs },
    device,
    options,
  );
}

/** The device's last-level cache, or its compute twin's (`sameComputeAs`: the same die enabled the same way); 0 when neither lists one. */
export function lastLevelCacheBytes(device: HardwareEntry): number {
  const own = device.lastLevelCacheBytes?.value;
  if (own !== undefined) return own;
  const twin = device.sameComputeAs ? findHardware(device.sameComputeAs) : undefined;
  return twin?.lastLevelCacheBytes?.value ?? 0;
}

interface Rates {
  /** Achieved DRAM bandwidth, bytes/s. */
  readonly bandwidth: number;
  /** Achieved vector rate, FLOP/s. */
  readonly vector: number;
}

/** The fill of a convolution whose groups are narrower than the device's matrix instruction; undefined when full. */
function narrowGroupFill(n: NodeReport, device: HardwareEntry, precision: Precision): InstructionFill | undefined {
  if (!n.convGroups) return undefined;
  const instruction = matrixInstructionOf(device);
  const fill = instruction && instructionFill(n.convGroups, instruction, precision);
  return fill && fill.fraction < 1 ? fill : undefined;
}

/**
 * "32 groups of 4 → 4 channels: 6% (8 columns × 32) of each int8 matrix instruction does work": one string per
 * distinct group shape, fill and unit (a CNN repeats a few shapes over hundreds of layers, each estimated per target
 * and per what-if), so the notes share their text rather than build it per layer.
 */
const fillNotes = new Map<string, string>();
function fillNote(groups: ConvGroups, fill: InstructionFill, precision: Precision, onVectorUnits: boolean): string {
  const key = `${groups.groups},${groups.outputChannelsPerGroup},${groups.inputChannelsPerGroup},${groups.taps},${fill.columns},${fill.reduction},${precision},${onVectorUnits}`;
  let note = fillNotes.get(key);
  if (note === undefined) {
    const share = `${describeGroups(groups)}: ${Math.round(fill.fraction * 100)}% (${fill.columns} columns × ${fill.reduction}) of each ${precision} matrix instruction`;
    note = onVectorUnits ? `${share} would do work; ran on the vector units` : `${share} does work`;
    fillNotes.set(key, note);
  }
  return note;
}

/**
 * One node's roofline. `matrixVector`: a MAC op whose products are matrix-vector products (decode attention with one
 * query row per KV head, decodeAttention.ts) runs on the vector units, as a streaming kernel.
 */
function estimateOne(n: NodeReport, x: ExecutedNode, res: ResolvedPrecision, device: HardwareEntry, f: DeviceEfficiency, rates: Rates, share: NodeShare, matrixVector = false): NodeEstimate {
  const kind = opKind(n);
  if (n.status !== 'costed') {
    return {
      index: n.index,
      name: n.name,
      opType: n.opType,
      kind,
      status: n.status,
      estimated: false,
      precision: null,
      precisionFallback: false,
      flops: 0,
      memoryBytes: 0,
      weightBytesRead: 0,
      effectiveFlopsPerSecond: 0,
      computeEfficiency: 0,
      computeSeconds: 0,
      memorySeconds: 0,
      overheadSeconds: 0,
      seconds: 0,
      bound: 'none',
      notes: [`not estimated: status '${n.status}'`],
    };
  }
  const notes: string[] = [];
  const { bandwidth } = rates;
  // A folded DequantizeLinear or a view does no work of its own: its consumer reads what it stood for.
  const flops = x.runs === 'folded' || x.outputConversion ? 0 : (x.flops ?? countToNumber(n.flops)) * share.flops;
  const macs = countToNumber(n.macs);
  if (res.note) notes.push(res.note);

  // Bytes: weights and activations, each rescaled when the run precision stores them narrower/wider.
  const { activation: activationScale, weightBytes } = scaleOf(x, res);
  const memoryBytes = x.activationBytes * activationScale * share.activation + weightBytes * share.weight;

  let rate = 0;
  let eff = 0;
  let saturatedRate = 0;
  let precision: Precision | null = null;
  if (macs > 0 && matrixVector) {
    notes.push('one query row per KV head: matrix-vector products on the vector units');
    rate = rates.vector;
    eff = f.vectorEfficiency;
  } else if (macs > 0 && res.compute !== null) {
    const peak = (device.peakFlopsPerSecond[res.compute]?.value ?? 0) * res.peakScale;
    const fill = narrowGroupFill(n, device, res.compute);
    const filled = fill?.fraction ?? 1;
    eff = matrixEfficiency(flops, peak, f, res.compute) * filled;
    rate = peak * eff;
    if (fill && rates.vector > rate) {
      // Padded to the instruction, the matrix units would be slower than the vector units at this size: runtimes run
      // such convolutions (depth-wise above all) as direct kernels on the vector units, the faster kernel per layer.
      notes.push(fillNote(n.convGroups!, fill, res.compute, true));
      rate = rates.vector;
      eff = f.vectorEfficiency;
    } else {
      if (fill) notes.push(fillNote(n.convGroups!, fill, res.compute, false));
      saturatedRate = peak * saturatedMatrixEfficiency(f, res.compute) * filled;
      precision = res.compute;
    }
  } else if (macs > 0) {
    notes.push('no matrix peak for this precision: ran on the vector units');
    rate = rates.vector;
    eff = f.vectorEfficiency;
  } else {
    rate = rates.vector;
    eff = f.vectorEfficiency;
  }
  const computeSeconds = flops > 0 ? (rate > 0 ? flops / rate : Infinity) : 0;
  const memorySeconds = memoryBytes > 0 ? memoryBytes / bandwidth : 0;
  const doesWork = flops > 0 || memoryBytes > 0;
  const overheadSeconds = x.runs !== 'kernel' || !doesWork ? 0 : f.perKernelOverheadSeconds;
  // The bound is the node's intensity against the ridge: arithmetic at the saturated rate against memory. The size
  // ramp is a latency of small GEMMs, not arithmetic, so a batch-1 decode GEMM whose ramp outlasts its weight
  // stream is memory-bound, not compute-bound.
  const arithmeticSeconds = saturatedRate > 0 ? flops / saturatedRate : computeSeconds;
  const bound: NodeEstimate['bound'] = !doesWork ? 'none' : arithmeticSeconds >= memorySeconds ? 'compute' : 'memory';
  // Built without spreads: this runs for every node of every estimate, the hints' what-ifs included.
  const e: { -readonly [K in keyof NodeEstimate]: NodeEstimate[K] } = {
    index: n.index,
    name: n.name,
    opType: n.opType,
    kind,
    status: n.status,
    estimated: true,
    precision,
    precisionFallback: res.fallback,
    flops,
    memoryBytes,
    weightBytesRead: weightBytes,
    effectiveFlopsPerSecond: rate,
    computeEfficiency: eff,
    computeSeconds,
    memorySeconds,
    overheadSeconds,
    seconds: kernelSeconds(computeSeconds, memorySeconds, kind === 'matrix' && precision !== null ? f.overlapExponent : Infinity) + overheadSeconds,
    bound,
    notes,
  };
  if (x.fusedInto !== undefined) e.fusedInto = x.fusedInto;
  if (x.kernel !== undefined) e.kernel = x.kernel;
  return e;
}
