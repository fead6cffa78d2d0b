/**
 * Precision hints for the routed experts of an MoE model, which hold most of its weights (97% of
 * DeepSeek-V3's): what the deployments of these models do to them, priced by the estimator before and after
 * (whatIf.ts), at the batch the analysis runs at. A hint is offered only where the experts are wider than its
 * format, so none where they already are in it (Kimi K2's INT4 experts get no INT4 or FP4 hint):
 *
 *  - moe.experts-fp8: FP8 (E4M3) expert weights and activations, as DeepSeek-V3 ships its experts, on targets
 *    with FP8 units; their weight stream halves from 16 bits whether the step is weight- or compute-bound;
 *  - moe.experts-fp4: NVFP4 expert weights and activations (W4A4) on targets with FP4 units (Blackwell, MI355X),
 *    as NVIDIA's DeepSeek-R1 FP4 checkpoint does;
 *  - moe.experts-int4: weight-only INT4 experts (groups of 128 with 16-bit scales, arithmetic unchanged), as Kimi
 *    K2 Thinking ships them, when the experts are memory-bound on some target (decode).
 * The experts are the fused MoE/QMoE nodes, or the weighted MatMuls of a decomposed export's expert FFNs.
 */
import type { MoeSummary } from '../analysis/moe';
import type { GraphIndex } from '../analysis/graphIndex';
import { dtypeBytesPerElement, INT4_WEIGHT_BYTES, NVFP4_BYTES } from '../estimate/precision';
import type { NodeEstimate } from '../estimate/roofline';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import { countToNumber, type NodeReport, type ProfileReport } from '../report/reportTypes';
import type { Hint, HintCode, NodePrecision, WhatIfChange } from './hintTypes';
import { effectivePrecision, hasNative } from './precision';
import type { Applicability } from './whatIf';
import { formatPercent } from '../report/units';

type Pricer = (code: HintCode, nodes: readonly number[], message: string, explanation: string, change: WhatIfChange, applies?: Applicability) => Hint;

interface ExpertFormat {
  readonly code: HintCode;
  readonly label: string;
  /** Offered only for experts stored wider than this many bits per weight. */
  readonly widerThanBits: number;
  /** Offered only when the experts are memory-bound on some target. */
  readonly memoryBoundOnly: boolean;
  readonly toNode: (n: NodeReport) => NodePrecision;
  readonly applies: Applicability;
  readonly why: string;
}

const FORMATS: readonly ExpertFormat[] = [
  {
    code: 'moe.experts-fp8',
    label: 'FP8 (E4M3) weights and activations',
    widerThanBits: 8,
    memoryBoundOnly: false,
    toNode: (n) => ({ index: n.index, computeDtype: 'float8e4m3fn', weightBytesPerElement: 1, activationBytesPerElement: 1 }),
    applies: (t) => (hasNative(t, 'fp8') ? undefined : `${t.id} has no fp8 units`),
    why: 'DeepSeek-V3 and R1 ship their experts in FP8 with 128 × 128 block scales; vLLM, SGLang and TensorRT-LLM serve them so on Hopper, Blackwell and MI300. A decode step streams the experts its tokens touch, so halving their bytes halves most of its weight traffic; a prefill runs them at twice the 16-bit matrix rate.',
  },
  {
    code: 'moe.experts-fp4',
    label: 'NVFP4 weights and activations (W4A4)',
    widerThanBits: 4,
    memoryBoundOnly: false,
    toNode: (n) => ({ index: n.index, computeDtype: 'float4e2m1', weightBytesPerElement: NVFP4_BYTES, activationBytesPerElement: NVFP4_BYTES }),
    applies: (t) => (hasNative(t, 'fp4') ? undefined : `${t.id} has no FP4 matrix units`),
    why: "NVIDIA's DeepSeek-R1 FP4 checkpoint quantises the routed experts to NVFP4 (E2M1 values with an E4M3 scale per 16: 4.5 bits) for Blackwell's FP4 units, which run at twice the FP8 rate; the experts' bytes drop to 28% of BF16.",
  },
  {
    code: 'moe.experts-int4',
    label: 'weight-only INT4 (groups of 128)',
    widerThanBits: 4,
    memoryBoundOnly: true,
    toNode: (n) => ({ index: n.index, computeDtype: n.computeDtype, weightBytesPerElement: INT4_WEIGHT_BYTES, activationBytesPerElement: dtypeBytesPerElement(n.computeDtype) }),
    applies: () => undefined,
    why: 'Kimi K2 Thinking ships INT4 experts (quantisation-aware training, weight-only): a memory-bound decode step streams 4.125-bit weights dequantised in registers, about a quarter of the 16-bit bytes, with the arithmetic unchanged. Any target can run it.',
  },
];

/** The nodes that hold routed experts: fused MoE/QMoE nodes, and the weighted matmuls of decomposed expert FFNs. */
export function routedExpertNodes(moe: MoeSummary, index: GraphIndex): NodeReport[] {
  const nodes = new Map<number, NodeReport>();
  for (const l of moe.layers) {
    const ids = l.kind === 'fused' ? [l.routerNodes[l.routerNodes.length - 1]] : l.expertUnits.flatMap((u) => u.nodes);
    for (const i of ids) {
      const n = index.node(i);
      if (n && n.status === 'costed' && countToNumber(n.params) > 0 && countToNumber(n.macs) > 0) nodes.set(i, n);
    }
  }
  return [...nodes.values()].sort((a, b) => a.index - b.index);
}

export interface ExpertHintContext {
  readonly report: ProfileReport;
  readonly index: GraphIndex;
  readonly moe: MoeSummary;
  readonly targets: readonly HardwareEntry[];
  /** The estimator's per-node figures on each target before any change (for the compute/memory bound). */
  readonly baseline: ReadonlyMap<string, ReadonlyMap<number, NodeEstimate>>;
  readonly price: Pricer;
}

/** Precision hints for the routed experts; none for a model without them. */
export function expertPrecisionHints(ctx: ExpertHintContext): Hint[] {
  const experts = routedExpertNodes(ctx.moe, ctx.index);
  if (experts.length === 0) return [];
  const bits = (n: NodeReport) => effectivePrecision(n).weightBits ?? 8 * dtypeBytesPerElement(n.computeDtype);
  const bound = (t: HardwareEntry, nodes: readonly NodeReport[]) => {
    let compute = 0;
    let memory = 0;
    for (const n of nodes) {
      const e = ctx.baseline.get(t.id)?.get(n.index);
      if (e?.bound === 'compute') compute += e.seconds;
      else if (e?.bound === 'memory') memory += e.seconds;
    }
    return compute >= memory ? 'compute' : 'memory';
  };
  const hints: Hint[] = [];
  const total = countToNumber(ctx.report.totals.params);
  for (const format of FORMATS) {
    const chosen = experts.filter((n) => bits(n) > format.widerThanBits);
    if (chosen.length === 0) continue;
    const bounds = ctx.targets.map((t) => ({ target: t.id, bound: bound(t, chosen) }));
    if (format.memoryBoundOnly && !bounds.some((b) => b.bound === 'memory')) continue;
    const params = chosen.reduce((s, n) => s + countToNumber(n.params), 0);
    const layers = ctx.moe.layers.filter((l) => chosen.some((n) => n.index === l.routerNodes[l.routerNodes.length - 1] || l.expertUnits.some((u) => u.nodes.includes(n.index))));
    const widest = layers.reduce((a, b) => (b.experts > a.experts ? b : a), layers[0]);
    const from = [...new Set(chosen.map((n) => `${bits(n)}-bit`))].join('/');
    const on = (b: 'compute' | 'memory') => bounds.filter((x) => x.bound === b).map((x) => x.target);
    const boundText = [on('compute'), on('memory')].map((ids, i) => (ids.length ? `${i === 0 ? 'compute' : 'memory'}-bound on ${ids.join(', ')}` : '')).filter((s) => s).join('; ');
    hints.push(
      ctx.price(
        format.code,
        chosen.map((n) => n.index),
        `Routed experts (${layers.length} MoE layer${layers.length > 1 ? 's' : ''} × ${widest?.experts ?? 0} experts, ${formatPercent(total > 0 ? params / total : 0)}% of the weights, ${from}): ${format.label}` +
          (boundText ? ` (${boundText})` : ''),
        `${format.why} Saving: the estimator with the expert nodes' compute dtype and bytes per element changed (whatIf 'precision'), at this analysis's batch: ` +
          'a decode step reads the experts its tokens touch (docs/estimator.md, "Mixture-of-experts serving"), and the chips the model needs are re-counted.',
        { kind: 'precision', nodes: chosen.map(format.toNode) },
        format.applies,
      ),
    );
  }
  return hints;
}

