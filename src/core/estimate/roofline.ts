/**
 * Per-node roofline time on one device:
 *
 *   computeSeconds = flops / (peak[precision] × computeEfficiency(kind, flops))
 *   memorySeconds  = bytes / (bandwidth × memoryEfficiency)
 *   seconds        = max(computeSeconds, memorySeconds) + perKernelOverheadSeconds
 *
 * MAC ops (macs > 0: Conv, MatMul, Gemm, attention) use the matrix (tensor-core) peak of the precision they
 * run in (see precision.ts), with an efficiency that ramps with size and saturates for large GEMMs. Every
 * other op runs on the vector units (the fp32 non-tensor rate) and is usually memory-bound anyway.
 * Element-wise ops that directly consume a MAC op's only output are fused into its epilogue (as TensorRT,
 * ORT and XLA do): their intermediate tensor never goes to memory and they launch no kernel of their own.
 *
 * Efficiencies come from the device's published micro-benchmarks where the catalog has them (`achieved`),
 * otherwise from a default per device class; both, and why, are in docs/estimator.md. Pure: no I/O.
 */
import type { DeviceClass, HardwareEntry, Precision } from '../hardware/hardwareTypes';
import { countToNumber, type NodeReport, type ProfileReport, type ReportDim, type TensorSummary } from '../report/reportTypes';
import { dtypeBytesPerElement, resolvePrecision, type PrecisionOptions } from './precision';

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
}

/**
 * The efficiency model of one device: the factors, plus the saturated matrix efficiency measured per precision
 * where the catalog has a GEMM micro-benchmark for it. A precision without its own figure uses `matrixEfficiency`.
 */
export interface DeviceEfficiency extends EfficiencyFactors {
  readonly matrixEfficiencyByPrecision?: Readonly<Partial<Record<Precision, number>>>;
}

/** Partial factors keyed by device id (`h100-sxm`) or device class (`gpu`); id wins over class. */
export type EfficiencyOverrides = Readonly<Record<string, Partial<DeviceEfficiency>>>;

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
  },
};

/**
 * The factors a device's published micro-benchmarks (catalog `achieved`) determine: achieved / peak GEMM rate per
 * precision (capped at 1: boost clocks can beat the datasheet), their mean as the matrix efficiency of precisions
 * not measured, achieved / peak DRAM bandwidth, the measured kernel launch cost, and all-reduce bus bandwidth / the
 * per-direction link rate (capped at 1: NVLink SHARP reduces in the switch). Empty for an unmeasured device.
 */
export function measuredEfficiency(device: HardwareEntry): Partial<DeviceEfficiency> {
  const achieved = device.achieved;
  if (!achieved) return {};
  const out: { -readonly [K in keyof DeviceEfficiency]?: DeviceEfficiency[K] } = {};
  const byPrecision: Partial<Record<Precision, number>> = {};
  for (const [p, measured] of Object.entries(achieved.matrixFlopsPerSecond ?? {}) as [Precision, { value: number } | undefined][]) {
    const peak = device.peakFlopsPerSecond[p]?.value;
    if (peak && peak > 0 && measured && measured.value > 0) byPrecision[p] = Math.min(1, measured.value / peak);
  }
  const fractions = Object.values(byPrecision);
  if (fractions.length > 0) {
    out.matrixEfficiencyByPrecision = byPrecision;
    out.matrixEfficiency = fractions.reduce((a, b) => a + b, 0) / fractions.length;
  }
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
  return merged;
}

/** Coarse op kinds, used for calibration groups and the UI. */
export type OpKind = 'matrix' | 'elementwise' | 'normalization' | 'data-movement' | 'other';

const ELEMENTWISE_OPS = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'Abs', 'Neg', 'Erf', 'Tanh', 'Sigmoid',
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'HardSigmoid',
  'HardSwish', 'Softplus', 'Softsign', 'Mish', 'Clip', 'Min', 'Max', 'Where', 'Equal', 'Less', 'Greater', 'Not',
  'And', 'Or', 'Cast', 'QuantizeLinear', 'DequantizeLinear', 'BiasAdd', 'Sin', 'Cos', 'Floor', 'Ceil', 'Round',
  'Sign', 'IsNaN', 'Mod', 'BitShift', 'ThresholdedRelu', 'Shrink', 'BatchNormalization',
]);
const NORMALIZATION_OPS = new Set([
  'LayerNormalization', 'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization',
  'RMSNormalization', 'GroupNormalization', 'InstanceNormalization', 'LpNormalization', 'Softmax', 'LogSoftmax',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL2', 'ReduceSumSquare', 'EmbedLayerNormalization',
]);
const DATA_MOVEMENT_OPS = new Set([
  'Reshape', 'Transpose', 'Gather', 'GatherElements', 'GatherND', 'Concat', 'Split', 'Slice', 'Squeeze', 'Unsqueeze',
  'Flatten', 'Identity', 'Expand', 'Tile', 'Pad', 'Shape', 'Size', 'Constant', 'ConstantOfShape', 'ScatterND',
  'ScatterElements', 'Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth', 'Range', 'NonZero', 'TopK',
]);
/** Element-wise ops a runtime folds into the epilogue of the MAC op that produces their input. */
const FUSABLE_EPILOGUE_OPS = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Gelu', 'FastGelu',
  'BiasGelu', 'QuickGelu', 'Clip', 'Add', 'Sub', 'Mul', 'Div', 'BatchNormalization', 'Softplus', 'Mish', 'Cast',
  'QuantizeLinear', 'DequantizeLinear', 'BiasAdd',
]);


export function opKind(node: Pick<NodeReport, 'opType' | 'macs'>): OpKind {
  if (countToNumber(node.macs) > 0) return 'matrix';
  if (ELEMENTWISE_OPS.has(node.opType)) return 'elementwise';
  if (NORMALIZATION_OPS.has(node.opType)) return 'normalization';
  if (DATA_MOVEMENT_OPS.has(node.opType)) return 'data-movement';
  return 'other';
}

export interface NodeEstimateOptions extends PrecisionOptions {
  readonly efficiency?: EfficiencyOverrides;
  /** Fold element-wise epilogues into their producing MAC op. Default true. */
  readonly fuseEpilogues?: boolean;
  /** Tensor-parallel degree: flops and bytes of every node split over this many chips. Default 1. */
  readonly tensorParallel?: number;
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
  /** Bytes moved after fusion and precision rescaling (per chip when tensor-parallel). */
  readonly memoryBytes: number;
  /** Rate used for the compute side, FLOP/s, after efficiency. 0 when unknown. */
  readonly effectiveFlopsPerSecond: number;
  readonly computeEfficiency: number;
  readonly computeSeconds: number;
  readonly memorySeconds: number;
  readonly overheadSeconds: number;
  /** max(compute, memory) + overhead. */
  readonly seconds: number;
  readonly bound: 'compute' | 'memory' | 'none';
  /** Name of the MAC node whose epilogue this node is fused into, if any. */
  readonly fusedInto?: string;
  readonly notes: readonly string[];
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
  return (saturated * idealSeconds) / (idealSeconds + f.matrixRampSeconds);
}

/** Vector (non-tensor) rate: the device's fp32 figure, else a fraction of its narrowest matrix peak. */
export function vectorFlopsPerSecond(device: HardwareEntry, f: EfficiencyFactors): number {
  const fp32 = device.peakFlopsPerSecond.fp32?.value;
  if (fp32 && fp32 > 0) return fp32;
  const candidates = (['bf16', 'fp16', 'fp8', 'int8'] as const).map((p) => device.peakFlopsPerSecond[p]?.value ?? 0).filter((v) => v > 0);
  if (candidates.length === 0) return 0;
  return Math.max(...candidates) * f.vectorPeakFraction;
}

// ---------------------------------------------------------------------------------------------------
// Tensor sizes (for fusion): dims are numbers or symbolic expressions; evaluate with the report's bindings.

/** Evaluate a dim: a number, a bound symbol, or an expression of + - * / ( ) over them. undefined if not. */
export function evalDim(dim: ReportDim, bindings: Readonly<Record<string, number>>): number | undefined {
  if (typeof dim === 'number') return dim;
  const tokens = dim.match(/\s*([A-Za-z_][A-Za-z0-9_.:/-]*|\d+(?:\.\d+)?|[-+*/()])\s*/g);
  if (!tokens || tokens.join('').replace(/\s/g, '') !== dim.replace(/\s/g, '')) return undefined;
  const toks = tokens.map((t) => t.trim());
  let pos = 0;
  const expr = (): number | undefined => {
    let v = term();
    while (v !== undefined && (toks[pos] === '+' || toks[pos] === '-')) {
      const op = toks[pos++];
      const r = term();
      if (r === undefined) return undefined;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const term = (): number | undefined => {
    let v = factor();
    while (v !== undefined && (toks[pos] === '*' || toks[pos] === '/')) {
      const op = toks[pos++];
      const r = factor();
      if (r === undefined) return undefined;
      v = op === '*' ? v * r : Math.floor(v / r);
    }
    return v;
  };
  const factor = (): number | undefined => {
    const t = toks[pos++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const v = expr();
      if (toks[pos++] !== ')') return undefined;
      return v;
    }
    if (t === '-') {
      const v = factor();
      return v === undefined ? undefined : -v;
    }
    if (/^\d/.test(t)) return Number(t);
    return Object.prototype.hasOwnProperty.call(bindings, t) ? bindings[t] : undefined;
  };
  const v = expr();
  return pos === toks.length ? v : undefined;
}

/** Bytes of a tensor from its shape and dtype; undefined when a dim cannot be evaluated. */
export function tensorSummaryBytes(t: TensorSummary, bindings: Readonly<Record<string, number>>): number | undefined {
  if (t.shape === null) return undefined;
  let elements = 1;
  for (const d of t.shape) {
    const v = evalDim(d, bindings);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    elements *= v;
  }
  return elements * dtypeBytesPerElement(t.dtype);
}

interface FusionPlan {
  /** node index → producing MAC node's name */
  readonly fusedInto: Map<number, string>;
  /** node index → bytes removed from its reads / writes */
  readonly readSaved: Map<number, number>;
  readonly writeSaved: Map<number, number>;
}

/** Decide which element-wise nodes fold into their producer's epilogue (main graph only). */
export function planFusion(report: ProfileReport, mainNodes: readonly NodeReport[]): FusionPlan {
  const fusedInto = new Map<number, string>();
  const readSaved = new Map<number, number>();
  const writeSaved = new Map<number, number>();
  const consumers = new Map<string, number>();
  for (const n of mainNodes) for (const i of n.inputs) if (i) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const graphOutputs = new Set(report.graphOutputs.map((o) => o.name));
  const producer = new Map<string, { node: NodeReport; output: TensorSummary }>();
  for (const n of mainNodes) for (const o of n.outputs) producer.set(o.name, { node: n, output: o });
  // Group anchor: the MAC node at the head of each epilogue chain, by node index.
  const anchorOf = new Map<number, NodeReport>();
  for (const n of mainNodes) {
    if (n.status === 'costed' && countToNumber(n.macs) > 0) anchorOf.set(n.index, n);
  }
  for (const n of mainNodes) {
    if (!FUSABLE_EPILOGUE_OPS.has(n.opType) || n.status !== 'costed' || countToNumber(n.macs) > 0) continue;
    for (const input of n.inputs) {
      const p = producer.get(input);
      if (!p) continue;
      const anchor = anchorOf.get(p.node.index);
      if (!anchor) continue;
      if ((consumers.get(input) ?? 0) !== 1 || graphOutputs.has(input)) continue;
      const bytes = tensorSummaryBytes(p.output, report.bindings);
      if (bytes === undefined) continue;
      fusedInto.set(n.index, anchor.name);
      anchorOf.set(n.index, anchor);
      readSaved.set(n.index, (readSaved.get(n.index) ?? 0) + bytes);
      writeSaved.set(p.node.index, (writeSaved.get(p.node.index) ?? 0) + bytes);
      break;
    }
  }
  return { fusedInto, readSaved, writeSaved };
}

/** Main-graph nodes of a report (nodes inside subgraphs are already counted in their parent). */
export function mainGraphNodes(report: ProfileReport): NodeReport[] {
  return report.nodes.filter((n) => n.graphPath === '');
}

/**
 * Time every main-graph node of `report` on `device`. The order follows the report. Nodes with a status
 * other than 'costed' get `estimated: false` and 0 seconds.
 */
export function estimateNodes(report: ProfileReport, device: HardwareEntry, options: NodeEstimateOptions = {}): NodeEstimate[] {
  const f = efficiencyFor(device, options.efficiency);
  const nodes = mainGraphNodes(report);
  const plan = options.fuseEpilogues === false ? undefined : planFusion(report, nodes);
  const tp = Math.max(1, Math.floor(options.tensorParallel ?? 1));
  const bandwidth = device.memoryBandwidthBytesPerSecond.value * f.memoryEfficiency;
  const vectorRate = vectorFlopsPerSecond(device, f) * f.vectorEfficiency;
  return nodes.map((n) => estimateOne(n, device, f, options, plan, tp, bandwidth, vectorRate));
}

function estimateOne(
  n: NodeReport,
  device: HardwareEntry,
  f: EfficiencyFactors,
  options: NodeEstimateOptions,
  plan: FusionPlan | undefined,
  tp: number,
  bandwidth: number,
  vectorRate: number,
): NodeEstimate {
  const kind = opKind(n);
  const base = { index: n.index, name: n.name, opType: n.opType, kind, status: n.status };
  if (n.status !== 'costed') {
    return {
      ...base,
      estimated: false,
      precision: null,
      precisionFallback: false,
      flops: 0,
      memoryBytes: 0,
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
  const flops = countToNumber(n.flops) / tp;
  const macs = countToNumber(n.macs);
  const res = resolvePrecision(n, device, options);
  if (res.note) notes.push(res.note);

  // Bytes: weights and activations, each rescaled when the run precision stores them narrower/wider.
  const weightBytesRaw = countToNumber(n.weightBytes);
  const params = countToNumber(n.params);
  const totalRaw = countToNumber(n.bytesRead) + countToNumber(n.bytesWritten);
  const saved = (plan?.readSaved.get(n.index) ?? 0) + (plan?.writeSaved.get(n.index) ?? 0);
  const activationRaw = Math.max(0, totalRaw - weightBytesRaw - saved);
  const activationScale = res.activationBytesPerElement / dtypeBytesPerElement(n.computeDtype);
  const weightBytes = params > 0 && weightBytesRaw > 0 ? params * res.weightBytesPerElement : weightBytesRaw;
  const memoryBytes = (activationRaw * activationScale + weightBytes) / tp;

  let rate = 0;
  let eff = 0;
  let precision: Precision | null = null;
  if (macs > 0 && res.compute !== null) {
    const peak = (device.peakFlopsPerSecond[res.compute]?.value ?? 0) * res.peakScale;
    eff = matrixEfficiency(flops, peak, f, res.compute);
    rate = peak * eff;
    precision = res.compute;
  } else if (macs > 0) {
    notes.push('no matrix peak for this precision: ran on the vector units');
    rate = vectorRate;
    eff = f.vectorEfficiency;
  } else {
    rate = vectorRate;
    eff = f.vectorEfficiency;
  }
  const computeSeconds = flops > 0 ? (rate > 0 ? flops / rate : Infinity) : 0;
  const memorySeconds = memoryBytes > 0 ? memoryBytes / bandwidth : 0;
  const fusedInto = plan?.fusedInto.get(n.index);
  const doesWork = flops > 0 || memoryBytes > 0;
  const overheadSeconds = fusedInto !== undefined || !doesWork ? 0 : f.perKernelOverheadSeconds;
  const bound: NodeEstimate['bound'] = !doesWork ? 'none' : computeSeconds >= memorySeconds ? 'compute' : 'memory';
  if (fusedInto !== undefined) notes.push(`fused into the epilogue of ${fusedInto}`);
  return {
    ...base,
    estimated: true,
    precision,
    precisionFallback: res.fallback,
    flops,
    memoryBytes,
    effectiveFlopsPerSecond: rate,
    computeEfficiency: eff,
    computeSeconds,
    memorySeconds,
    overheadSeconds,
    seconds: Math.max(computeSeconds, memorySeconds) + overheadSeconds,
    bound,
    ...(fusedInto !== undefined ? { fusedInto } : {}),
    notes,
  };
}
