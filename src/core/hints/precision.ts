/**
 * Precision of every layer as the graph runs it today, and what a lower precision would save.
 *
 * Effective precision is the report's (analysis/effectivePrecision.ts): `computeDtype` as the layer runs once
 * its quantization is honoured, and `quantization` saying how (QDQ, a quantized operator, weight-only).
 * A candidate is offered only where it is lower than that: a layer already in INT8 gets no INT8 or FP8 hint,
 * a 4-bit weight gets no weight-only hint.
 *
 * Candidates (each priced by the estimator before/after, whatIf.ts):
 *  - precision.bf16: every fp32 node except the sensitive ones → bf16 (fp16 on targets without bf16);
 *  - precision.fp8: float weighted GEMMs/convs compute-bound on some selected target → fp8, on targets with fp8;
 *  - precision.int8: float weighted convs/GEMMs → int8 weights and activations (W8A8), on targets with int8;
 *  - precision.fp4: weighted GEMMs/convs wider than 4 bits (float, FP8 or INT8 layers) compute-bound on a target
 *    with FP4 matrix units → NVFP4 weights and activations (W4A4), on targets with FP4 units;
 *  - precision.weight-only-int8 / -int4 / -fp4: weighted MatMul/Gemm memory-bound on some target (LLM
 *    decode) whose weights are wider → weights stored in 8 bits, 4 bits (groups of 128) or NVFP4, arithmetic
 *    unchanged; FP4 on targets with FP4 units (elsewhere INT4 is the 4-bit format).
 * Sensitive layers stay in high precision, with the reason: softmax, normalisations and their decomposed
 * parts, transcendental reductions, MoE routers; for the ≤ 8-bit candidates also the first and last weighted
 * layers and layers too small (< 2^20 MACs) to repay quantize/dequantize.
 */
import { dtypeBytesPerElement, dtypeToPrecision, fallbackPrecision, INT4_WEIGHT_BYTES, NVFP4_BYTES, precisionBytesPerElement } from '../estimate/precision';
import { estimateNodeTimes, type ModelEstimateOptions } from '../estimate/modelEstimate';
import type { NodeEstimate } from '../estimate/roofline';
import type { HardwareEntry, Precision } from '../hardware/hardwareTypes';
import { countToNumber, type NodeReport, type ProfileReport } from '../report/reportTypes';
import { type GraphIndex, isWeightedMac } from '../analysis/graphIndex';
import { FUSED_MOE_OPS } from '../analysis/moe';
import type { EffectivePrecision, HintCode, NodePrecision, WhatIfChange } from './hintTypes';
import { applyWhatIf, type Applicability } from './whatIf';
import { type WeightSampler, type WeightStats, weightStats } from './weightStats';

const QUANTIZE_OPS: ReadonlySet<string> = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear']);
const SOFTMAX_OPS: ReadonlySet<string> = new Set(['Softmax', 'LogSoftmax']);
const NORM_OPS: ReadonlySet<string> = new Set([
  'LayerNormalization', 'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization',
  'RMSNormalization', 'GroupNormalization', 'InstanceNormalization', 'LpNormalization', 'BatchNormalization',
  'EmbedLayerNormalization', 'MeanVarianceNormalization',
]);
const RANGE_SENSITIVE_OPS: ReadonlySet<string> = new Set(['Exp', 'Log', 'Pow', 'Sqrt', 'Reciprocal', 'ReduceMean', 'ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp', 'CumSum']);
const FP32_DTYPES: ReadonlySet<string> = new Set(['float', 'float32']);
const FLOAT_DTYPES: ReadonlySet<string> = new Set(['float', 'float32', 'float16', 'bfloat16']);
/** Weighted linear layers: MatMul/Gemm, and the fused MoE nodes whose experts are such layers. */
const LINEAR_OPS: ReadonlySet<string> = new Set(['MatMul', 'Gemm', 'FusedMatMul', ...FUSED_MOE_OPS]);
const EPILOGUE_OPS: ReadonlySet<string> = new Set([
  'Relu', 'Clip', 'LeakyRelu', 'PRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Gelu', 'FastGelu', 'Tanh', 'Add', 'Mul',
  'BatchNormalization', 'Elu', 'Selu', 'Mish', 'Softplus',
]);
const CONV_OPS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose']);
/** Below this many MACs per call a layer cannot repay the quantize/dequantize around it. */
export const MIN_QUANTIZED_MACS = 2 ** 20;

export interface PrecisionTargetResult {
  readonly target: string;
  readonly verdict: 'gain' | 'none';
  readonly reason?: string;
  /** Node time before / after on this target; null when the candidate does not apply there. */
  readonly speedup: number | null;
  readonly secondsSaved: number;
}

export interface PrecisionCandidate {
  readonly code: HintCode;
  /** Stored weight bytes saved by this layer. */
  readonly weightBytesSaved: number;
  readonly perTarget: readonly PrecisionTargetResult[];
}

export interface LayerPrecision {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly effective: EffectivePrecision;
  /** Candidates the layer is excluded from, with the reason it stays in higher precision. */
  readonly keptHighPrecision: readonly { readonly code: HintCode; readonly reason: string }[];
  readonly candidates: readonly PrecisionCandidate[];
  readonly weightRisk?: WeightStats;
}

export interface PrecisionPlan {
  readonly code: HintCode;
  readonly change: Extract<WhatIfChange, { kind: 'precision' }>;
  readonly applies: Applicability;
  readonly skipped: readonly { readonly index: number; readonly reason: string }[];
  /** Per selected target, whether the chosen layers are compute- or memory-bound there (by their time). */
  readonly boundOn: readonly { readonly target: string; readonly bound: 'compute' | 'memory' }[];
}

export interface PrecisionAnalysis {
  readonly layers: readonly LayerPrecision[];
  readonly plans: readonly PrecisionPlan[];
  /** Per target id, the estimator's per-node figures before any change (what the plans' bounds come from). */
  readonly baseline: ReadonlyMap<string, ReadonlyMap<number, NodeEstimate>>;
}

/** The precision a node runs in, from the report's effective precision. */
export function effectivePrecision(n: NodeReport, _index?: GraphIndex): EffectivePrecision {
  const params = countToNumber(n.params);
  const bitsPerWeight = params > 0 ? Math.round((8 * countToNumber(n.weightBytes)) / params) : undefined;
  const compute = dtypeToPrecision(n.computeDtype);
  const q = n.quantization;
  if (q) {
    const weightBits = q.weightBits ?? bitsPerWeight;
    return { compute: q.via === 'weight-only' ? (compute !== null && isFloatPrecision(compute) ? compute : 'fp16') : compute, ...(weightBits !== undefined ? { weightBits } : {}), via: q.via };
  }
  if (QUANTIZE_OPS.has(n.opType)) return { compute: 'int8', via: 'qdq' };
  if (bitsPerWeight !== undefined && compute !== null && bitsPerWeight < 8 * dtypeBytesPerElement(n.computeDtype)) {
    return { compute, weightBits: bitsPerWeight, via: 'weight-only' };
  }
  return { compute, ...(bitsPerWeight !== undefined ? { weightBits: bitsPerWeight } : {}), via: 'dtype' };
}

function isFloatPrecision(p: Precision): boolean {
  return p === 'fp32' || p === 'tf32' || p === 'bf16' || p === 'fp16' || p === 'fp64';
}

/** Bits a layer's weights are stored in: its quantization's, else its dtype's. */
function weightBitsOf(e: EffectivePrecision, n: NodeReport): number {
  return e.weightBits ?? 8 * dtypeBytesPerElement(n.computeDtype);
}

/** Why a node must stay in high precision for every candidate, or undefined. */
function alwaysSensitive(n: NodeReport, routerNodes: ReadonlySet<number>, normNodes: ReadonlySet<number>): string | undefined {
  if (SOFTMAX_OPS.has(n.opType)) return 'softmax: exponentials overflow and small probabilities vanish in low precision';
  if (NORM_OPS.has(n.opType) || normNodes.has(n.index)) return 'normalisation: mean and variance must accumulate in high precision';
  if (RANGE_SENSITIVE_OPS.has(n.opType)) return `${n.opType}: needs the range of fp32`;
  if (routerNodes.has(n.index)) return 'MoE router: small errors flip the top-k expert choice';
  return undefined;
}

export interface PrecisionContext {
  readonly report: ProfileReport;
  readonly index: GraphIndex;
  readonly targets: readonly HardwareEntry[];
  readonly options: ModelEstimateOptions;
  /** Nodes of MoE routers and of decomposed normalisations (found by the other detectors). */
  readonly routerNodes: ReadonlySet<number>;
  readonly normNodes: ReadonlySet<number>;
  readonly sampler?: WeightSampler;
  /** The report's node times per target at `options`, where the caller has them already. */
  readonly baselineTimes?: ReadonlyMap<string, readonly NodeEstimate[]>;
}

interface CandidateSpec {
  readonly code: HintCode;
  readonly eligible: (n: NodeReport) => boolean;
  readonly lowBit: boolean;
  readonly toNode: (n: NodeReport) => NodePrecision;
  readonly applies: Applicability;
}

export function analyzePrecision(ctx: PrecisionContext): PrecisionAnalysis {
  const { index, targets, options, report } = ctx;
  const nodes = index.nodes.filter((n) => n.status === 'costed');
  const effective = new Map(nodes.map((n) => [n.index, effectivePrecision(n, index)]));
  const baseline = new Map(targets.map((t) => [t.id, byIndex(ctx.baselineTimes?.get(t.id) ?? estimateNodeTimes(report, t, options))]));
  const weighted = nodes.filter((n) => isWeightedMac(n, index));
  const edgeLayers = new Set([weighted[0]?.index, weighted[weighted.length - 1]?.index].filter((i): i is number => i !== undefined));
  const isFloatLayer = (n: NodeReport, dtypes: ReadonlySet<string>) => effective.get(n.index)?.via === 'dtype' && dtypes.has(n.computeDtype);
  const boundSomewhere = (n: NodeReport, bound: 'compute' | 'memory') =>
    targets.some((t) => baseline.get(t.id)?.get(n.index)?.bound === bound);
  const risk = new Map<number, WeightStats>();
  if (ctx.sampler) for (const n of weighted) {
    const stats = sampleRisk(n, index, ctx.sampler);
    if (stats) risk.set(n.index, stats);
  }
  const keep = (n: NodeReport, lowBit: boolean): string | undefined => {
    const always = alwaysSensitive(n, ctx.routerNodes, ctx.normNodes);
    if (always || !lowBit) return always;
    if (edgeLayers.has(n.index)) return 'first or last weighted layer: its quantisation error is not averaged out by later layers';
    if (countToNumber(n.macs) < MIN_QUANTIZED_MACS) return `too small (${countToNumber(n.macs)} MACs) to repay quantize/dequantize`;
    return undefined;
  };

  const wider = (n: NodeReport, bits: number) => weightBitsOf(effective.get(n.index)!, n) > bits;
  const computeWiderThan4 = (n: NodeReport) => {
    const c = effective.get(n.index)?.compute;
    return c !== null && c !== undefined && c !== 'fp4' && c !== 'int4';
  };
  const boundOnFp4 = (n: NodeReport) => targets.some((t) => hasNative(t, 'fp4') && baseline.get(t.id)?.get(n.index)?.bound === 'compute');
  const ownWeights = (n: NodeReport) => countToNumber(n.params) > 0;
  const weightOnly = (code: HintCode, bits: number, bytes: number, applies: Applicability, extra: (n: NodeReport) => boolean = () => true): CandidateSpec => ({
    code,
    lowBit: true,
    eligible: (n) =>
      (isFloatLayer(n, FLOAT_DTYPES) || effective.get(n.index)?.via === 'weight-only') && ownWeights(n) && wider(n, bits) &&
      isWeightedMac(n, index) && LINEAR_OPS.has(n.opType) && boundSomewhere(n, 'memory') && extra(n),
    toNode: (n) => ({ index: n.index, computeDtype: n.computeDtype, weightBytesPerElement: bytes, activationBytesPerElement: dtypeBytesPerElement(n.computeDtype) }),
    applies,
  });
  const notInt4Risky = (n: NodeReport) => risk.get(n.index)?.int4Risk !== 'high';

  const specs: CandidateSpec[] = [
    {
      code: 'precision.bf16',
      lowBit: false,
      eligible: (n) => isFloatLayer(n, FP32_DTYPES) && (countToNumber(n.flops) > 0 || countToNumber(n.bytesRead) > 0),
      toNode: (n) => ({ index: n.index, computeDtype: 'bfloat16', weightBytesPerElement: 2, activationBytesPerElement: 2 }),
      applies: (t) => (hasNative(t, 'bf16') || hasNative(t, 'fp16') ? undefined : `${t.id} has no bf16/fp16 peak`),
    },
    {
      code: 'precision.fp8',
      lowBit: true,
      eligible: (n) => isFloatLayer(n, FLOAT_DTYPES) && isWeightedMac(n, index) && boundSomewhere(n, 'compute'),
      toNode: (n) => ({ index: n.index, computeDtype: 'float8e4m3fn', weightBytesPerElement: 1, activationBytesPerElement: 1 }),
      applies: (t) => (hasNative(t, 'fp8') ? undefined : `${t.id} has no fp8 units`),
    },
    {
      code: 'precision.int8',
      lowBit: true,
      eligible: (n) => isFloatLayer(n, FLOAT_DTYPES) && isWeightedMac(n, index) && (LINEAR_OPS.has(n.opType) || CONV_OPS.has(n.opType)),
      toNode: (n) => ({ index: n.index, computeDtype: 'int8', weightBytesPerElement: 1, activationBytesPerElement: 1 }),
      applies: (t) => (hasNative(t, 'int8') ? undefined : `${t.id} has no int8 units`),
    },
    {
      code: 'precision.fp4',
      lowBit: true,
      eligible: (n) =>
        (isFloatLayer(n, FLOAT_DTYPES) || effective.get(n.index)?.via === 'qdq' || effective.get(n.index)?.via === 'quantized-op') &&
        computeWiderThan4(n) && isWeightedMac(n, index) && (LINEAR_OPS.has(n.opType) || CONV_OPS.has(n.opType)) && boundOnFp4(n),
      toNode: (n) => ({ index: n.index, computeDtype: 'float4e2m1', weightBytesPerElement: NVFP4_BYTES, activationBytesPerElement: NVFP4_BYTES }),
      applies: (t) => (hasNative(t, 'fp4') ? undefined : `${t.id} has no FP4 matrix units`),
    },
    weightOnly('precision.weight-only-int8', 8, precisionBytesPerElement('int8'), () => undefined),
    weightOnly('precision.weight-only-int4', 4, INT4_WEIGHT_BYTES, () => undefined, notInt4Risky),
    weightOnly('precision.weight-only-fp4', 4, NVFP4_BYTES, (t) => (hasNative(t, 'fp4') ? undefined : `${t.id} has no FP4 units (weight-only INT4 is its 4-bit format)`), notInt4Risky),
  ];

  const plans: PrecisionPlan[] = [];
  const perLayer = new Map<number, PrecisionCandidate[]>();
  const kept = new Map<number, { code: HintCode; reason: string }[]>();
  for (const spec of specs) {
    const chosen: NodePrecision[] = [];
    const skipped: { index: number; reason: string }[] = [];
    for (const n of nodes) {
      if (!spec.eligible(n)) continue;
      const reason = keep(n, spec.lowBit);
      if (reason) {
        skipped.push({ index: n.index, reason });
        kept.set(n.index, [...(kept.get(n.index) ?? []), { code: spec.code, reason }]);
      } else chosen.push(spec.toNode(n));
    }
    if (chosen.length === 0) continue;
    if (spec.lowBit) chosen.push(...epilogues(chosen, index, spec));
    const change = { kind: 'precision' as const, nodes: chosen };
    plans.push({ code: spec.code, change, applies: spec.applies, skipped, boundOn: boundOn(chosen, targets, baseline) });
    recordPerLayer(ctx, spec, change, baseline, perLayer);
  }
  const layers = nodes.map((n): LayerPrecision => {
    const stats = risk.get(n.index);
    return {
      index: n.index,
      name: n.name,
      opType: n.opType,
      effective: effective.get(n.index)!,
      keptHighPrecision: kept.get(n.index) ?? [],
      candidates: perLayer.get(n.index) ?? [],
      ...(stats ? { weightRisk: stats } : {}),
    };
  });
  return { layers, plans, baseline };
}

/** Per-layer speed-up of one candidate on each target: node time before/after, from the same estimator. */
function recordPerLayer(
  ctx: PrecisionContext,
  spec: CandidateSpec,
  change: Extract<WhatIfChange, { kind: 'precision' }>,
  baseline: ReadonlyMap<string, ReadonlyMap<number, NodeEstimate>>,
  perLayer: Map<number, PrecisionCandidate[]>,
): void {
  const changed = applyWhatIf(ctx.report, change);
  const after = new Map(ctx.targets.map((t) => [t.id, spec.applies(t) === undefined ? byIndex(estimateNodeTimes(changed, t, ctx.options)) : undefined]));
  const changedNodes = new Map(changed.nodes.filter((n) => n.graphPath === '').map((n) => [n.index, n]));
  for (const p of change.nodes) {
    const original = ctx.index.node(p.index)!;
    const perTarget = ctx.targets.map((t): PrecisionTargetResult => {
      const reason = spec.applies(t);
      const before = baseline.get(t.id)?.get(p.index);
      const now = after.get(t.id)?.get(p.index);
      if (reason !== undefined || !before || !now) return { target: t.id, verdict: 'none', reason: reason ?? 'not estimated', speedup: null, secondsSaved: 0 };
      const saved = before.seconds - now.seconds;
      const gain = saved > before.seconds * 1e-6;
      return {
        target: t.id,
        verdict: gain ? 'gain' : 'none',
        ...(gain ? {} : { reason: `no faster on ${t.id}` }),
        speedup: now.seconds > 0 ? before.seconds / now.seconds : null,
        secondsSaved: saved,
      };
    });
    const list = perLayer.get(p.index) ?? [];
    list.push({ code: spec.code, weightBytesSaved: countToNumber(original.weightBytes) - countToNumber(changedNodes.get(p.index)?.weightBytes), perTarget });
    perLayer.set(p.index, list);
  }
}

/**
 * The element-wise ops fused into the epilogue of each quantised layer (its bias, activation, residual add)
 * run in the layer's output precision too, as in a quantised deployment: otherwise they would read a
 * narrow tensor at the width of the old one.
 */
function epilogues(chosen: readonly NodePrecision[], index: GraphIndex, spec: CandidateSpec): NodePrecision[] {
  const taken = new Set(chosen.map((p) => p.index));
  const extra: NodePrecision[] = [];
  for (const p of chosen) {
    if (p.activationBytesPerElement === dtypeBytesPerElement(index.node(p.index)!.computeDtype)) continue; // weight-only
    let current = index.node(p.index);
    for (let step = 0; step < 4 && current; step++) {
      const out = current.outputs[0]?.name;
      const next = out ? index.soleConsumer(out) : undefined;
      if (!next || taken.has(next.index) || !EPILOGUE_OPS.has(next.opType) || !FLOAT_DTYPES.has(next.computeDtype)) break;
      taken.add(next.index);
      extra.push({ ...spec.toNode(next), weightBytesPerElement: p.weightBytesPerElement });
      current = next;
    }
  }
  return extra;
}

/** Per target: whether the chosen layers spend more of their time compute-bound or memory-bound there. */
function boundOn(
  chosen: readonly NodePrecision[],
  targets: readonly HardwareEntry[],
  baseline: ReadonlyMap<string, ReadonlyMap<number, NodeEstimate>>,
): PrecisionPlan['boundOn'] {
  return targets.map((t) => {
    let compute = 0;
    let memory = 0;
    for (const p of chosen) {
      const e = baseline.get(t.id)?.get(p.index);
      if (e?.bound === 'compute') compute += e.seconds;
      else if (e?.bound === 'memory') memory += e.seconds;
    }
    return { target: t.id, bound: compute >= memory ? 'compute' : 'memory' };
  });
}

function byIndex(estimates: readonly NodeEstimate[]): Map<number, NodeEstimate> {
  return new Map(estimates.map((e) => [e.index, e]));
}

/** The device runs `p` natively (no fallback to a wider precision). */
/** The target runs `p` itself, not a fallback precision. */
export function hasNative(device: HardwareEntry, p: Precision): boolean {
  return fallbackPrecision(p, device).compute === p;
}

function sampleRisk(n: NodeReport, index: GraphIndex, sampler: WeightSampler): WeightStats | undefined {
  const weight = n.inputs.slice(1).find((i) => i !== '' && index.isInitializer(i));
  if (!weight) return undefined;
  const sample = sampler(weight);
  if (!sample || sample.dims.length < 2) return undefined;
  // MatMul weights are [K, N] (output channels last); Conv [O, I, kH, kW] and exported Gemm [N, K] lead with them.
  return weightStats(weight, sample, n.opType === 'MatMul' ? 'last' : 'first');
}
