/**
 * All hints for a profiled model on the selected hardware targets, sorted by saving. Each hint's saving
 * comes from `evaluateChange` (the estimator before/after its what-if change); see docs/hints.md.
 */
import { findHardware } from '../hardware/catalog';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import { detectDecoder } from '../estimate/llm';
import { kvCacheBytes, type ModelEstimateOptions } from '../estimate/modelEstimate';
import type { NodeEstimate } from '../estimate/roofline';
import { countToNumber, type ProfileReport } from '../report/reportTypes';
import { findFfnUnits, type FfnUnit } from '../analysis/ffn';
import { dtypeBytesPerElement } from '../estimate/precision';
import { expectedExpertsTouched } from '../estimate/moeServing';
import { GraphIndex } from '../analysis/graphIndex';
import type { Hint, HintCode, HintSeverity, NodeScale, TargetSaving, WhatIfChange } from './hintTypes';
import { findKvCacheCopies, kvCacheTensors } from './kvCache';
import { detectMoe, type MoeLayer, type MoeSummary } from '../analysis/moe';
import {
  findConvBn,
  findDecomposedAttention,
  findDecomposedGelus,
  findDecomposedLayerNorms,
  findDynamicShapes,
  findRedundantCasts,
  findSparsityCandidates,
  findTensorRtPlugins,
  type PatternMatch,
} from './patterns';
import { expertPrecisionHints } from './expertHints';
import { analyzePrecision, hasNative, type PrecisionAnalysis, type PrecisionPlan } from './precision';
import { type Applicability, evaluateChange } from './whatIf';
import type { WeightSampler } from './weightStats';
import { formatPercent } from '../report/units';

export interface MoeOpportunityOptions {
  /** Experts each dense FFN would be split into. Default 8. */
  readonly experts?: number;
  /** Experts each token is routed to. Default 2. */
  readonly topK?: number;
  /** Size of one expert relative to the dense FFN (intermediate width ratio). Default 0.25. */
  readonly expertFraction?: number;
  /** Fire only when dense FFNs hold at least this share of the model's FLOPs. Default 0.2. */
  readonly minFlopsShare?: number;
}

export interface HintOptions extends ModelEstimateOptions {
  /** Reads bounded weight samples for quantisation risk (makeWeightSampler); absent: no risk rating. */
  readonly sampler?: WeightSampler;
  readonly moeOpportunity?: MoeOpportunityOptions;
  /** Weighted layers with at least this many weights are 2:4 sparsity candidates. Default 2^20. */
  readonly sparsityMinParams?: number;
  /** Drop priced hints that save less than this share of latency on every target. Default 0.001 (0.1%). */
  readonly minRelativeSaving?: number;
  /**
   * The report's node times per target at these options, when the caller has them (the pipeline times every layer
   * for the views and `layerTimes`): the precision analysis starts from them instead of timing the graph again.
   */
  readonly nodeTimes?: ReadonlyMap<string, readonly NodeEstimate[]>;
}

export interface ModelHints {
  readonly hints: readonly Hint[];
  readonly moe: MoeSummary;
  readonly precision: PrecisionAnalysis;
}

/** Hints, MoE layers and per-layer precision of a report on `targets`. */
export function analyzeHints(report: ProfileReport, targets: readonly HardwareEntry[], options: HintOptions = {}): ModelHints {
  const { sampler, moeOpportunity, sparsityMinParams, minRelativeSaving, nodeTimes, ...estimateOptions } = options;
  const index = GraphIndex.of(report);
  const price = (code: HintCode, nodes: readonly number[], message: string, explanation: string, change: WhatIfChange, applies?: Applicability): Hint =>
    makeHint(code, nodes, index, message, explanation, change, evaluateChange(report, change, targets, estimateOptions, applies));

  const moe = detectMoe(report, index);
  const hints: Hint[] = [];
  // The default execution model runs a dense-dispatch export as a top-k dispatch already (rule moe-dispatch).
  const asExported = estimateOptions.execution === 'as-exported';
  const dense = asExported ? denseDispatchHint(moe, price, estimateOptions.moeSkew) : undefined;
  if (dense) hints.push(dense);
  const opportunity = moeOpportunityHint(report, moe, index, moeOpportunity ?? {}, price);
  if (opportunity) hints.push(opportunity);

  const layerNorms = findDecomposedLayerNorms(index);
  const precision = analyzePrecision({
    report,
    index,
    targets,
    options: estimateOptions,
    routerNodes: new Set(moe.layers.flatMap((l) => (l.kind === 'fused' ? l.routerNodes.slice(0, -1) : l.routerNodes))),
    normNodes: new Set(layerNorms.flatMap((m) => m.nodes)),
    ...(sampler ? { sampler } : {}),
    ...(nodeTimes ? { baselineTimes: nodeTimes } : {}),
  });
  for (const plan of precision.plans) hints.push(precisionHint(plan, report, index, price));
  hints.push(...expertPrecisionHints({ report, index, moe, targets, baseline: precision.baseline, price }));

  // The default execution model already fuses these patterns and updates the KV cache in place, as optimising
  // runtimes do: they are savings only for a graph run as exported.
  if (asExported) hints.push(...fusionHints(index, layerNorms, price));
  if (detectDecoder(report) !== null) hints.push(...kvCacheHints(report, index, targets, price, asExported));
  const casts = findRedundantCasts(index);
  if (casts.length > 0) {
    hints.push(
      price(
        'cast.redundant',
        casts.flatMap((m) => m.nodes),
        `${casts.length} needless Cast${casts.length > 1 ? 's' : ''}: ${summarise(casts)}`,
        'A Cast to the type a tensor already has, or a Cast followed by a Cast back to the original type, moves the tensor twice for nothing (a round trip through a narrower type also loses precision). Saving: the estimator with those Cast nodes removed.',
        { kind: 'remove', nodes: casts.flatMap((m) => m.nodes) },
      ),
    );
  }
  const sparse = findSparsityCandidates(index, sparsityMinParams ?? 2 ** 20);
  if (sparse.length > 0) hints.push(sparsityHint(sparse, index, price));
  const staticGraph = staticGraphHint(findDynamicShapes(index), index, targets);
  if (staticGraph) hints.push(staticGraph);
  const plugins = tensorRtPluginHint(findTensorRtPlugins(index), index, targets);
  if (plugins) hints.push(plugins);
  const minimum = minRelativeSaving ?? 0.001;
  const worthIt = hints.filter((h) => h.change === undefined || h.savings.some((s) => s.verdict === 'gain' && relativeSaving(s) >= minimum));
  return { hints: sortBySaving(worthIt), moe, precision };
}

/** Hints sorted by saving (largest share of latency saved on any target first). */
export function buildHints(report: ProfileReport, targets: readonly HardwareEntry[], options: HintOptions = {}): Hint[] {
  return [...analyzeHints(report, targets, options).hints];
}

/** Hints for catalog target ids (`h100-sxm`, `tpu-v5e`...). Throws on an unknown id. */
export function hintsForReport(report: ProfileReport, targetIds: readonly string[], options: HintOptions = {}): Hint[] {
  const targets = targetIds.map((id) => {
    const t = findHardware(id);
    if (!t) throw new Error(`unknown hardware id '${id}'`);
    return t;
  });
  return buildHints(report, targets, options);
}

type Pricer = (code: HintCode, nodes: readonly number[], message: string, explanation: string, change: WhatIfChange, applies?: Applicability) => Hint;

function makeHint(code: HintCode, nodes: readonly number[], index: GraphIndex, message: string, explanation: string, change: WhatIfChange | undefined, savings: readonly TargetSaving[], severity?: HintSeverity): Hint {
  return {
    code,
    severity: severity ?? severityOf(savings),
    nodes,
    nodeNames: nodes.map((i) => index.node(i)?.name ?? `#${i}`),
    message,
    explanation,
    ...(change ? { change } : {}),
    savings,
  };
}

/**
 * The larger of the latency saved and the chip-seconds saved (what the price scales with), as a share of the
 * baseline: a change that frees enough memory to drop chips saves cost even when its step is no faster.
 */
function relativeSaving(s: TargetSaving): number {
  if (s.baselineSeconds <= 0) return 0;
  const latency = s.seconds / s.baselineSeconds;
  const chipSeconds = s.chipsBefore > 0 ? 1 - (s.chipsAfter * (s.baselineSeconds - s.seconds)) / (s.chipsBefore * s.baselineSeconds) : latency;
  return Math.max(latency, chipSeconds);
}

function severityOf(savings: readonly TargetSaving[]): HintSeverity {
  const best = Math.max(0, ...savings.map(relativeSaving));
  return best >= 0.1 ? 'high' : best >= 0.02 ? 'medium' : 'low';
}

function sortBySaving(hints: readonly Hint[]): Hint[] {
  const key = (h: Hint) => (h.change === undefined ? Infinity : Math.max(-Infinity, ...h.savings.map(relativeSaving)));
  return [...hints].sort((a, b) => key(b) - key(a) || a.code.localeCompare(b.code));
}

function summarise(matches: readonly PatternMatch[], shown = 3): string {
  const labels = matches.slice(0, shown).map((m) => m.label);
  return matches.length > shown ? `${labels.join('; ')}; and ${matches.length - shown} more` : labels.join('; ');
}

// ---------------------------------------------------------------------------------------------------
// MoE

function denseDispatchHint(moe: MoeSummary, price: Pricer, skew?: number): Hint | undefined {
  const dense = moe.layers.filter((l) => l.kind === 'dense' && l.experts > l.topK);
  if (dense.length === 0) return undefined;
  const scales: NodeScale[] = dense.flatMap((l) => {
    const share = l.topK / l.experts;
    const touched = expectedExpertsTouched(l.experts, l.topK, l.tokens ?? 1, skew) / l.experts;
    return l.expertUnits.flatMap((u) => [...u.nodes, ...(u.gateNode !== undefined ? [u.gateNode] : [])]).map((i) => ({ index: i, compute: share, activationBytes: share, weightBytesRead: touched, params: 1 }));
  });
  const asExported = dense.reduce((s, l) => s + l.expertFlopsAsExported, 0);
  const needed = dense.reduce((s, l) => s + l.expertFlopsSparse, 0);
  const first = dense[0];
  return price(
    'moe.dense-dispatch',
    scales.map((s) => s.index),
    `${dense.length} MoE layer${dense.length > 1 ? 's' : ''} compute every expert for every token (${first.experts} experts, top-${first.topK}): ` +
      `${(asExported / needed).toFixed(1)}× the expert FLOPs sparse dispatch needs (${fmt(asExported)} vs ${fmt(needed)} FLOPs per call)`,
    'The export runs all experts densely and then masks or weights their outputs, so (E − k)/E of the expert work is thrown away. Export with sparse dispatch (gather the routed tokens per expert, or a fused MoE kernel such as com.microsoft MoE). ' +
      'Saving: the estimator with each expert node scaled to k/E of its FLOPs and activation bytes, and its weight reads to the experts a call touches (E · (1 − (1 − k/E)^tokens) of E under uniform routing). ' +
      'Offered for graphs estimated as exported: the default execution model runs such an export as a top-k dispatch already (rule moe-dispatch).',
    { kind: 'scale', nodes: scales },
  );
}

function moeOpportunityHint(report: ProfileReport, moe: MoeSummary, index: GraphIndex, o: MoeOpportunityOptions, price: Pricer): Hint | undefined {
  const experts = o.experts ?? 8;
  const topK = o.topK ?? 2;
  const fraction = o.expertFraction ?? 0.25;
  const inMoe = new Set(moe.layers.flatMap((l: MoeLayer) => [...l.expertUnits, ...l.sharedExperts].flatMap((u) => u.nodes)));
  const seen = new Set<number>();
  const units = findFfnUnits(index).filter((u: FfnUnit) => {
    if (u.nodes.some((n) => inMoe.has(n.index) || seen.has(n.index))) return false;
    for (const n of u.nodes) seen.add(n.index);
    return true;
  });
  const total = countToNumber(report.totals.flops);
  const ffnFlops = units.reduce((s, u) => s + u.flops, 0);
  if (units.length === 0 || total <= 0 || ffnFlops / total < (o.minFlopsShare ?? 0.2)) return undefined;
  const active = topK * fraction;
  const scales: NodeScale[] = units.flatMap((u) => {
    const tokens = index.rows(u.ups[0]) ?? 1;
    const touched = Math.min(experts, tokens * topK) * fraction;
    return u.nodes.map((n) => ({ index: n.index, compute: active, activationBytes: active, weightBytesRead: touched, params: experts * fraction }));
  });
  const ffnParams = units.reduce((s, u) => s + u.params, 0);
  return price(
    'moe.opportunity',
    scales.map((s) => s.index),
    `${units.length} dense FFN block${units.length > 1 ? 's' : ''} hold ${formatPercent(ffnFlops / total)}% of the FLOPs: split into ${experts} experts (each ${formatPercent(fraction)}% of the FFN) with top-${topK} routing, ` +
      `active FLOPs per token fall by ${formatPercent(ffnFlops * (1 - active) / total)}% of the model and params grow by ${fmt(ffnParams * (experts * fraction - 1))} (${(experts * fraction).toFixed(1)}× the FFN weights)`,
    `A mixture of experts keeps more parameters but runs only top-k of them per token. Each FFN becomes ${experts} experts of ${formatPercent(fraction)}% of its width; a token runs ${topK} of them (${formatPercent(active)}% of the dense FFN FLOPs). ` +
      'Saving: the estimator with the FFN nodes scaled to that share of FLOPs and activation bytes, weight reads to the experts a call touches, and the stored weights ×E×fraction, so memory fit (chips needed) is re-checked on every target. The router (hidden × E MACs per token) is not counted. Quality needs retraining or upcycling.',
    { kind: 'scale', nodes: scales },
  );
}

// ---------------------------------------------------------------------------------------------------
// Precision

const PRECISION_TEXT: Partial<Record<HintCode, { what: string; why: string }>> = {
  'precision.bf16': {
    what: 'run in FP32: BF16 (FP16 where the target has no BF16)',
    why: 'Tensor cores and matrix units run 16-bit types at many times their FP32 rate, and every tensor moves half the bytes. BF16 keeps the FP32 exponent range, so it rarely needs calibration.',
  },
  'precision.fp8': {
    what: 'are 16/32-bit GEMMs/convs: FP8 (E4M3)',
    why: 'FP8 doubles the matrix rate over BF16 on Hopper, Ada, Blackwell, MI300 and Gaudi and halves the bytes; it needs per-tensor scales (calibration or delayed scaling).',
  },
  'precision.int8': {
    what: 'are float convs/GEMMs: INT8 weights and activations (W8A8)',
    why: 'INT8 matrix units run at twice the 16-bit rate and tensors move a quarter of the FP32 bytes; needs calibrated activation scales (static QDQ or SmoothQuant for LLMs).',
  },
  'precision.fp4': {
    what: 'are GEMMs/convs wider than 4 bits: NVFP4 weights and activations (W4A4)',
    why: 'Blackwell (B200, RTX 5090) and MI355X run FP4 at twice their FP8 rate; NVFP4 keeps accuracy with an E4M3 scale per 16 values (4.5 bits per value) and a per-tensor scale. Needs calibration or quantization-aware fine-tuning.',
  },
  'precision.weight-only-int8': {
    what: 'are MatMuls with 16/32-bit weights: weight-only INT8',
    why: 'When a MatMul streams its weights (LLM decode, batch 1) the time is the weight bytes; 8-bit weights dequantised in registers halve them (from 16-bit) with no activation calibration.',
  },
  'precision.weight-only-int4': {
    what: 'are MatMuls with weights wider than 4 bits: weight-only INT4 (groups of 128, e.g. MatMulNBits/AWQ/GPTQ)',
    why: 'Memory-bound MatMuls run at the speed their weights stream; 4-bit group-quantised weights (4.125 bits with their fp16 scales) move about a quarter of the 16-bit bytes. Layers whose sampled weights show heavy outliers are left out.',
  },
  'precision.weight-only-fp4': {
    what: 'are MatMuls with weights wider than 4 bits: weight-only NVFP4',
    why: 'On targets with FP4 units the NVFP4 weight format (4.5 bits per weight with its block scales) is native; the arithmetic stays 16-bit. Elsewhere weight-only INT4 is the 4-bit format.',
  },
};

/** "compute-bound on h100-sxm, b200; memory-bound on l4", as the estimator finds the layers on each target. */
function boundText(plan: PrecisionPlan): string {
  const on = (bound: 'compute' | 'memory') => plan.boundOn.filter((b) => b.bound === bound).map((b) => b.target);
  return [on('compute'), on('memory')]
    .map((ids, i) => (ids.length > 0 ? `${i === 0 ? 'compute' : 'memory'}-bound on ${ids.join(', ')}` : ''))
    .filter((t) => t !== '')
    .join('; ');
}

function precisionHint(plan: PrecisionPlan, report: ProfileReport, index: GraphIndex, price: Pricer): Hint {
  const nodes = plan.change.nodes.map((p) => p.index);
  const flops = nodes.reduce((s, i) => s + countToNumber(index.node(i)?.flops), 0);
  const total = countToNumber(report.totals.flops);
  const text = PRECISION_TEXT[plan.code]!;
  const reasons = new Map<string, number>();
  for (const s of plan.skipped) {
    const key = s.reason.replace(/\(\d+ MACs\)/, '').replace(/^[A-Za-z]+: needs/, 'transcendental: needs');
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  const kept = [...reasons].map(([r, c]) => `${c} × ${r}`).join('; ');
  return price(
    plan.code,
    nodes,
    `${nodes.length} layer${nodes.length > 1 ? 's' : ''} (${formatPercent(total > 0 ? flops / total : 0)}% of FLOPs) ${text.what}${plan.boundOn.length > 0 ? ` (${boundText(plan)})` : ''}`,
    `${text.why} Saving: the estimator with these nodes' compute dtype and bytes per element changed (whatIf 'precision'); targets that lack the precision get NONE.` +
      (kept ? ` Kept in higher precision: ${kept}.` : ''),
    plan.change,
    plan.applies,
  );
}

// ---------------------------------------------------------------------------------------------------
// Fusion, sparsity, static graphs

function fusionHints(index: GraphIndex, layerNorms: readonly PatternMatch[], price: Pricer): Hint[] {
  const groups: { code: HintCode; matches: readonly PatternMatch[]; opType: string; why: string }[] = [
    {
      code: 'fusion.conv-bn',
      matches: findConvBn(index),
      opType: 'Conv',
      why: 'BatchNormalization after a Conv is an affine map per channel: fold it into the conv weights and bias at export (torch.onnx does with eval()+fusion; onnxruntime and TensorRT do at load).',
    },
    {
      code: 'fusion.layernorm',
      matches: layerNorms,
      opType: 'LayerNormalization',
      why: 'A decomposed LayerNorm/RMSNorm reads and writes the activation once per primitive; LayerNormalization (opset 17) or SimplifiedLayerNormalization does it in one pass. Export with opset ≥ 17 or run the ORT transformer optimiser.',
    },
    {
      code: 'fusion.gelu',
      matches: findDecomposedGelus(index),
      opType: 'Gelu',
      why: 'GELU written as Div/Erf/Add/Mul (or the tanh approximation) is five element-wise passes; Gelu (opset 20) or com.microsoft Gelu/FastGelu is one, and fuses into the preceding MatMul epilogue.',
    },
    {
      code: 'fusion.attention',
      matches: findDecomposedAttention(index),
      opType: 'Attention',
      why: 'MatMul → scale → mask → Softmax → MatMul writes the [sequence × sequence] score matrix to memory and reads it back three times; a fused (flash) attention kernel keeps it on chip (com.microsoft Attention/MultiHeadAttention, Attention opset 23, TensorRT MHA).',
    },
  ];
  return groups
    .filter((g) => g.matches.length > 0)
    .map((g) =>
      price(
        g.code,
        g.matches.flatMap((m) => m.nodes),
        `${g.matches.length} fusable pattern${g.matches.length > 1 ? 's' : ''}: ${summarise(g.matches)}`,
        `${g.why} Saving: the estimator with each group replaced by one kernel that reads the tensors entering the group once and writes those leaving it (whatIf 'fuse').`,
        { kind: 'combined', changes: g.matches.map((m) => ({ kind: 'fuse' as const, nodes: m.nodes, opType: g.opType })) },
      ),
    );
}

/** NVIDIA GPUs from Ampere on have sparse tensor cores; bf16 arrived with the same generation. */
function hasSparseTensorCores(t: HardwareEntry): boolean {
  return t.vendor === 'NVIDIA' && t.deviceClass !== 'accelerator' && (t.peakFlopsPerSecond.bf16?.value ?? 0) > 0;
}

function sparsityHint(matches: readonly PatternMatch[], index: GraphIndex, price: Pricer): Hint {
  const scales: NodeScale[] = matches.map((m) => {
    const n = index.node(m.nodes[0])!;
    const bits = countToNumber(n.params) > 0 ? (8 * countToNumber(n.weightBytes)) / countToNumber(n.params) : 32;
    const stored = 0.5 + 1 / bits; // half the values + 2 bits of position per kept value
    return { index: n.index, compute: 0.5, activationBytes: 1, weightBytesRead: stored, params: stored };
  });
  return price(
    'sparsity.2-4',
    scales.map((s) => s.index),
    `${matches.length} large weighted layer${matches.length > 1 ? 's' : ''} could use 2:4 structured sparsity: ${summarise(matches)}`,
    'Pruning two of every four weights (then fine-tuning) lets Ampere and later NVIDIA tensor cores skip half the multiplies, and stores half the values plus 2-bit indices. ' +
      'Saving: the estimator with those layers at half the FLOPs and (0.5 + 1/bits) of the weight bytes; NONE on targets without sparse tensor cores.',
    { kind: 'scale', nodes: scales },
    (t) => (hasSparseTensorCores(t) ? undefined : `${t.id} has no 2:4 sparse tensor cores`),
  );
}

// ---------------------------------------------------------------------------------------------------
// KV cache

const WIDE_CACHE_DTYPES: ReadonlySet<string> = new Set(['float', 'float32', 'double', 'float16', 'bfloat16']);

function kvCacheHints(report: ProfileReport, index: GraphIndex, targets: readonly HardwareEntry[], price: Pricer, asExported: boolean): Hint[] {
  const hints: Hint[] = [];
  const copies = asExported ? findKvCacheCopies(index) : [];
  if (copies.length > 0) {
    const copied = copies.reduce((s, c) => s + c.copiedBytes, 0);
    const ops = [...new Set(copies.map((c) => c.node.opType))].join('/');
    hints.push(
      price(
        'kv-cache.in-place',
        copies.map((c) => c.node.index),
        `${copies.length} ${ops} node${copies.length > 1 ? 's' : ''} copy the whole KV cache into a fresh present tensor every step (${fmt(copied)}B per call): write only the new tokens into a preallocated cache`,
        'With separate past and present buffers each step writes past + new tokens to a new present tensor, a copy of the whole cache per generated token (most of GPT-J decode\'s gap to MLPerf, docs/validation.md). ' +
          'A preallocated max-length cache updated in place writes only the new tokens: GroupQueryAttention/MultiHeadAttention with a shared past/present buffer (ONNX Runtime GenAI, past_present_share_buffer), or ONNX TensorScatter (opset 24) before Attention. ' +
          "Saving: the estimator with each node's bytes written less the past cache it copies (whatIf 'scale', bytesWritten); a Concat then reads only the new tokens too, while attention still reads the whole cache. Memory need is not re-estimated (the buffer holds the longest context).",
        { kind: 'scale', nodes: copies.map((c) => c.scale) },
      ),
    );
  }
  const cache = kvCacheTensors(index);
  if (cache.dtype !== undefined && WIDE_CACHE_DTYPES.has(cache.dtype) && cache.nodes.length > 0) {
    const storedAs = (t: HardwareEntry) => (hasNative(t, 'fp8') ? 'FP8' : hasNative(t, 'int8') ? 'INT8' : undefined);
    const fp8 = targets.filter((t) => storedAs(t) === 'FP8').map((t) => t.id);
    const int8 = targets.filter((t) => storedAs(t) === 'INT8').map((t) => t.id);
    // FP8 and INT8 are both one byte per element, so the estimator prices them alike.
    const dtype = int8.length === 0 ? 'float8e4m3fn' : 'int8';
    const where = [fp8.length > 0 ? `FP8 E4M3 on ${fp8.join(', ')}` : '', int8.length > 0 ? `INT8 on ${int8.join(', ')}` : ''].filter((s) => s !== '').join('; ');
    hints.push(
      price(
        'kv-cache.quantize',
        cache.nodes,
        `KV cache in ${cache.dtype} (${fmt(kvCacheBytes(report).bytes)}B at this binding): store it in 8 bits, ${(dtypeBytesPerElement(cache.dtype)).toFixed(0)}× smaller${where ? ` (${where})` : ''}`,
        'Attention reads the whole cache on every decode step, so memory-bound decode runs at the speed the cache streams; an 8-bit cache moves and holds 1/2 of fp16/bf16 (1/4 of fp32), which also fits more batch or context per chip. ' +
          'Rule: FP8 E4M3 with per-tensor scales on targets with FP8 units (native conversion on Hopper, Ada, Blackwell, MI300: vLLM kv_cache_dtype=fp8, TensorRT-LLM FP8 KV cache); INT8 with per-channel/per-token scales on targets with INT8 but no FP8 (TensorRT-LLM INT8 KV cache on Ampere); NONE on targets with neither. ' +
          "Saving: the estimator with the cache tensors stored in one byte per element (whatIf 'tensor-dtype'): attention moves fewer bytes and the KV-cache memory, hence chips needed, is re-checked.",
        { kind: 'tensor-dtype', tensors: cache.tensors, dtype },
        (t) => (storedAs(t) !== undefined ? undefined : `${t.id} has no fp8 or int8 support`),
      ),
    );
  }
  return hints;
}

const STATIC_GRAPH_TARGETS = /^(tpu-|inferentia|trainium|groq|cerebras|gaudi|sambanova|qualcomm-cloud|coral)/;

function staticGraphHint(matches: readonly PatternMatch[], index: GraphIndex, targets: readonly HardwareEntry[]): Hint | undefined {
  const affected = targets.filter((t) => STATIC_GRAPH_TARGETS.test(t.id));
  if (matches.length === 0 || affected.length === 0) return undefined;
  return blockerHint(
    'static-graph.dynamic-shape',
    matches,
    index,
    `${matches.length} op${matches.length > 1 ? 's' : ''} with data-dependent shapes or control flow, which ${affected.map((t) => t.id).join(', ')} compile${affected.length === 1 ? 's' : ''} as a static graph: ${summarise(matches)}`,
    'XLA (TPU), Neuron (Inferentia/Trainium), GroqFlow, Cerebras, SambaNova, Qualcomm AIC, the Edge TPU compiler and Gaudi graph mode need every shape known at compile time. NonZero, Unique, NonMaxSuppression, Loop/If and Reshapes of computed shapes force padding to a maximum size, host fallback or recompiles. Pad to fixed sizes, or replace the op (e.g. dense masking instead of NonZero). No saving is estimated: the cost depends on the workaround.',
    targets,
    (t) => (affected.includes(t) ? `${t.id} compiles a static graph: these ops need padding, host fallback or recompiles` : `${t.id} runs dynamic shapes`),
  );
}

/** TensorRT runs only on NVIDIA GPUs: its plugin nodes need replacing anywhere else. */
function tensorRtPluginHint(matches: readonly PatternMatch[], index: GraphIndex, targets: readonly HardwareEntry[]): Hint | undefined {
  const affected = targets.filter((t) => t.vendor !== 'NVIDIA');
  if (matches.length === 0 || affected.length === 0) return undefined;
  return blockerHint(
    'portability.tensorrt-plugin',
    matches,
    index,
    `${matches.length} TensorRT plugin node${matches.length > 1 ? 's' : ''}, which only TensorRT runs (NVIDIA GPUs): ${affected.map((t) => t.id).join(', ')} need${affected.length === 1 ? 's' : ''} ${matches.length > 1 ? 'them' : 'it'} replaced: ${summarise(matches)}`,
    "TensorRT's ONNX parser maps these nodes to its plugin library (EfficientNMS_TRT, BatchedNMS_TRT...); ONNX Runtime runs them only through its TensorRT execution provider, and XLA, Neuron, ROCm/MIGraphX and the other vendors' compilers do not know them. The estimate counts them by the plugins' published algorithms; elsewhere the model needs the equivalent in standard ONNX (NonMaxSuppression after TopK, which the static-graph compilers then pad) or the framework's own op. No saving is estimated: the cost depends on the replacement.",
    targets,
    (t) => (affected.includes(t) ? `${t.id} has no TensorRT: these nodes need a replacement` : `${t.id} runs TensorRT`),
  );
}

/** A warning with no what-if: what blocks some targets, each target's verdict `none` with its reason. */
function blockerHint(
  code: HintCode,
  matches: readonly PatternMatch[],
  index: GraphIndex,
  message: string,
  explanation: string,
  targets: readonly HardwareEntry[],
  reason: (t: HardwareEntry) => string,
): Hint {
  const savings: TargetSaving[] = targets.map((t) => ({
    target: t.id,
    verdict: 'none',
    reason: reason(t),
    seconds: 0,
    baselineSeconds: 0,
    usdPerMillion: null,
    bytes: 0,
    chipsBefore: 1,
    chipsAfter: 1,
  }));
  return makeHint(code, matches.flatMap((m) => m.nodes), index, message, explanation, undefined, savings, 'high');
}

function fmt(x: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [v, s] of units) if (Math.abs(x) >= v) return `${(x / v).toFixed(2)} ${s}`;
  return x.toFixed(0);
}
