/**
 * Analytic, graph-only ProfileReports of the standard MLPerf architectures, for validating the estimator
 * (scripts/validation.mjs, docs/validation.md). Each builder lists the layers the way an inference-optimised
 * ONNX export has them (BatchNorm folded into Conv, bias/activation as separate element-wise nodes that the
 * estimator may fuse, attention as one fused MultiHeadAttention/GroupQueryAttention node as ORT's transformer
 * optimiser and TensorRT emit it) and counts FLOPs/bytes the same way the profiler does: flops = 2 × MACs,
 * bytesRead = inputs + weights, bytesWritten = outputs. Pure: no I/O.
 */
import type { NodeReport, ProfileReport, TensorSummary } from '../report/reportTypes';
import { dtypeBytesPerElement } from './precision';
import { makeNode, makeReport, t } from './testUtil';

class GraphBuilder {
  readonly nodes: NodeReport[] = [];
  private counter = 0;
  peakActivationBytes = 0;
  constructor(readonly dtype: string) {}

  get bpe(): number {
    return dtypeBytesPerElement(this.dtype);
  }
  tensor(shape: readonly number[], dtype = this.dtype): TensorSummary {
    return t(`t${this.counter++}`, dtype, shape);
  }
  bytes(x: TensorSummary): number {
    return (x.shape as number[]).reduce((a, b) => a * b, 1) * dtypeBytesPerElement(x.dtype);
  }
  private push(spec: Parameters<typeof makeNode>[0]): void {
    const n = makeNode({ computeDtype: this.dtype, ...spec }, this.nodes.length);
    this.nodes.push(n);
    const live = n.outputs.reduce((s, o) => s + this.bytes(o), 0) + Number(n.bytesRead) - Number(n.weightBytes);
    this.peakActivationBytes = Math.max(this.peakActivationBytes, live);
  }

  /** NCHW conv, BN folded (bias), `groups` groups. */
  conv(x: TensorSummary, outC: number, k: number, stride = 1, groups = 1, name?: string): TensorSummary {
    const [b, c, h, w] = x.shape as number[];
    const pad = Math.floor(k / 2);
    const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
    const wo = Math.floor((w + 2 * pad - k) / stride) + 1;
    const y = this.tensor([b, outC, ho, wo]);
    const macs = b * outC * ho * wo * (c / groups) * k * k;
    const params = outC * (c / groups) * k * k + outC;
    const weightBytes = params * this.bpe;
    this.push({ name: name ?? `Conv_${this.nodes.length}`, opType: 'Conv', flops: 2 * macs, macs, params, weightBytes, bytesRead: this.bytes(x) + weightBytes, bytesWritten: this.bytes(y), inputs: [x.name], outputs: [y] });
    return y;
  }
  /** Element-wise op over same-shaped inputs (the first input's shape), `flopsPerElement` each. */
  eltwise(opType: string, inputs: readonly TensorSummary[], flopsPerElement = 1): TensorSummary {
    const y = this.tensor(inputs[0].shape as number[], inputs[0].dtype);
    const elements = (y.shape as number[]).reduce((a, b) => a * b, 1);
    this.push({ name: `${opType}_${this.nodes.length}`, opType, flops: elements * flopsPerElement, bytesRead: inputs.reduce((s, i) => s + this.bytes(i), 0), bytesWritten: this.bytes(y), inputs: inputs.map((i) => i.name), outputs: [y] });
    return y;
  }
  pool(opType: string, x: TensorSummary, k: number, stride: number): TensorSummary {
    const [b, c, h, w] = x.shape as number[];
    const ho = opType === 'GlobalAveragePool' ? 1 : Math.floor((h + 2 * Math.floor(k / 2) - k) / stride) + 1;
    const wo = opType === 'GlobalAveragePool' ? 1 : Math.floor((w + 2 * Math.floor(k / 2) - k) / stride) + 1;
    const y = this.tensor([b, c, ho, wo]);
    const window = opType === 'GlobalAveragePool' ? h * w : k * k;
    this.push({ name: `${opType}_${this.nodes.length}`, opType, flops: b * c * ho * wo * window, bytesRead: this.bytes(x), bytesWritten: this.bytes(y), inputs: [x.name], outputs: [y] });
    return y;
  }
  /** Nearest 2× upsample (a Resize). */
  upsample(x: TensorSummary, to: readonly number[]): TensorSummary {
    const [b, c] = x.shape as number[];
    const y = this.tensor([b, c, to[0], to[1]]);
    this.push({ name: `Resize_${this.nodes.length}`, opType: 'Resize', bytesRead: this.bytes(x), bytesWritten: this.bytes(y), inputs: [x.name], outputs: [y] });
    return y;
  }
  /** [tokens, in] × [in, out] (+ bias as a separate Add when `bias`). */
  matmul(x: TensorSummary, out: number, name?: string, bias = false): TensorSummary {
    const shape = x.shape as number[];
    const inF = shape[shape.length - 1];
    const tokens = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const y = this.tensor([...shape.slice(0, -1), out]);
    const macs = tokens * inF * out;
    const params = inF * out;
    const weightBytes = params * this.bpe;
    this.push({ name: name ?? `MatMul_${this.nodes.length}`, opType: 'MatMul', flops: 2 * macs, macs, params, weightBytes, bytesRead: this.bytes(x) + weightBytes, bytesWritten: this.bytes(y), inputs: [x.name], outputs: [y] });
    if (!bias) return y;
    const yb = this.tensor(y.shape as number[]);
    this.push({ name: `BiasAdd_${this.nodes.length}`, opType: 'Add', flops: tokens * out, params: out, weightBytes: out * this.bpe, bytesRead: this.bytes(y) + out * this.bpe, bytesWritten: this.bytes(yb), inputs: [y.name], outputs: [yb] });
    return yb;
  }
  /** Row-wise normalisation / softmax: ~5 flops per element, one read, one write. */
  rowOp(opType: string, x: TensorSummary, extra: readonly TensorSummary[] = [], paramsPerRow = 0): TensorSummary {
    const y = this.tensor(x.shape as number[], x.dtype);
    const elements = (x.shape as number[]).reduce((a, b) => a * b, 1);
    this.push({ name: `${opType}_${this.nodes.length}`, opType, flops: 5 * elements, params: paramsPerRow, weightBytes: paramsPerRow * 2, bytesRead: this.bytes(x) + extra.reduce((s, e) => s + this.bytes(e), 0) + paramsPerRow * 2, bytesWritten: this.bytes(y), inputs: [x.name, ...extra.map((e) => e.name)], outputs: [y] });
    return y;
  }
  /**
   * Fused attention (flash-attention style: scores never reach memory). `q` is [tokens, heads·dh];
   * `kvBytes` the K and V read (the cache in decode); `causalFraction` 0.5 for causal prefill.
   */
  attention(q: TensorSummary, batch: number, querySeq: number, keySeq: number, heads: number, headDim: number, kvInBytes: number, kvOutBytes: number, causalFraction: number, opType = 'MultiHeadAttention'): TensorSummary {
    const out = this.tensor([batch * querySeq, heads * headDim]);
    const macs = 2 * batch * heads * querySeq * keySeq * headDim * causalFraction; // QKᵀ and PV
    this.push({ name: `${opType}_${this.nodes.length}`, opType, domain: 'com.microsoft', flops: 2 * macs, macs, bytesRead: this.bytes(q) + kvInBytes, bytesWritten: this.bytes(out) + kvOutBytes, inputs: [q.name], outputs: [out] });
    return out;
  }
  report(extras: Parameters<typeof makeReport>[1] = {}): ProfileReport {
    const last = this.nodes[this.nodes.length - 1];
    return makeReport(this.nodes, { graphOutputs: last ? last.outputs : [], peakActivationBytes: this.peakActivationBytes, weightBytesByDtype: {}, ...extras });
  }
}

/** ResNet-50 v1.5 (stride on the 3×3 conv), NCHW, BN folded, at `batch` × 3 × 224 × 224. */
export function resnet50Report(batch: number, dtype = 'int8'): ProfileReport {
  const g = new GraphBuilder(dtype);
  let x = g.tensor([batch, 3, 224, 224]);
  x = g.eltwise('Relu', [g.conv(x, 64, 7, 2, 1, 'conv1')]);
  x = g.pool('MaxPool', x, 3, 2);
  x = bottleneckStages(g, x, [3, 4, 6, 3], [64, 128, 256, 512], 1);
  x = g.pool('GlobalAveragePool', x, 1, 1);
  const flat = g.tensor([batch, 2048]);
  g.matmul(flat, 1000, 'fc', true);
  return g.report({ path: 'resnet50-v1.5 (analytic)' });
}

function bottleneckStages(g: GraphBuilder, x: TensorSummary, blocks: readonly number[], widths: readonly number[], groups: number, outFactor = 4, taps?: TensorSummary[]): TensorSummary {
  for (let s = 0; s < blocks.length; s++) {
    for (let i = 0; i < blocks[s]; i++) {
      const stride = i === 0 && s > 0 ? 2 : 1;
      const w = widths[s];
      const out = groups > 1 ? w * 2 : w * outFactor;
      let y = g.eltwise('Relu', [g.conv(x, w, 1)]);
      y = g.eltwise('Relu', [g.conv(y, w, 3, stride, groups)]);
      y = g.conv(y, out, 1);
      const skip = i === 0 ? g.conv(x, out, 1, stride) : x;
      x = g.eltwise('Relu', [g.eltwise('Add', [y, skip])]);
    }
    taps?.push(x);
  }
  return x;
}

/**
 * BERT-large encoder (24 layers, hidden 1024, 16 heads, FFN 4096) on `batch` sequences of `seq` tokens,
 * packed without padding (TensorRT's variable-sequence-length path) so tokens = batch × seq.
 */
export function bertLargeReport(batch: number, seq: number, dtype = 'int8'): ProfileReport {
  const g = new GraphBuilder(dtype);
  const d = 1024;
  const tokens = batch * seq;
  let x = g.rowOp('EmbedLayerNormalization', g.tensor([tokens, d]), [], d);
  for (let l = 0; l < 24; l++) {
    const qkv = g.matmul(x, 3 * d, `l${l}.qkv`, true);
    const a = g.attention(qkv, batch, seq, seq, 16, 64, 0, 0, 1);
    const o = g.eltwise('Add', [g.matmul(a, d, `l${l}.out`, true), x]);
    x = g.rowOp('LayerNormalization', o, [], 2 * d);
    const h = g.eltwise('Gelu', [g.matmul(x, 4 * d, `l${l}.ffn1`, true)], 8);
    const f = g.eltwise('Add', [g.matmul(h, d, `l${l}.ffn2`, true), x]);
    x = g.rowOp('LayerNormalization', f, [], 2 * d);
  }
  g.matmul(x, 2, 'qa_outputs', true);
  return g.report({ path: `bert-large seq ${seq} (analytic)` });
}

export interface DecoderConfig {
  readonly name: string;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly ffn: number;
  readonly vocab: number;
  /** SwiGLU (gate and up projections) instead of a plain 2-matrix MLP. */
  readonly gatedMlp: boolean;
}

export const GPTJ_6B: DecoderConfig = { name: 'gpt-j-6b', layers: 28, hidden: 4096, heads: 16, kvHeads: 16, ffn: 16384, vocab: 50400, gatedMlp: false };
export const LLAMA2_70B: DecoderConfig = { name: 'llama-2-70b', layers: 80, hidden: 8192, heads: 64, kvHeads: 8, ffn: 28672, vocab: 32000, gatedMlp: true };

/**
 * One forward call of a decoder-only LLM on `batch` sequences: `seq` new tokens each on top of `past`
 * cached tokens (prefill: seq = prompt, past = 0; decode: seq = 1, past = context). The graph has
 * past_key_values.* inputs and present.* outputs, so detectDecoder and the KV-cache memory model apply.
 * Logits are computed for the last token of each sequence only (as serving runtimes do).
 */
export function decoderReport(cfg: DecoderConfig, batch: number, seq: number, past: number, dtype: string, kvDtype = dtype): ProfileReport {
  const g = new GraphBuilder(dtype);
  const d = cfg.hidden;
  const dh = d / cfg.heads;
  const kvBpe = dtypeBytesPerElement(kvDtype);
  const tokens = batch * seq;
  const kvPerLayerPerToken = 2 * cfg.kvHeads * dh; // K and V elements
  let x = g.tensor([tokens, d]);
  // embedding gather: reads one row per token
  const emb = g.tensor([tokens, d]);
  g.nodes.push(makeNode({ name: 'embed', opType: 'Gather', computeDtype: dtype, params: cfg.vocab * d, weightBytes: 0, bytesRead: tokens * d * g.bpe, bytesWritten: g.bytes(emb), outputs: [emb] }, g.nodes.length));
  x = emb;
  for (let l = 0; l < cfg.layers; l++) {
    const n = g.rowOp('SimplifiedLayerNormalization', x, [], d);
    const qkv = g.matmul(n, (cfg.heads + 2 * cfg.kvHeads) * dh, `l${l}.qkv`);
    const kvIn = batch * past * kvPerLayerPerToken * kvBpe;
    const kvOut = batch * seq * kvPerLayerPerToken * kvBpe;
    const causal = seq > 1 && past === 0 ? 0.5 : 1;
    const a = g.attention(qkv, batch, seq, past + seq, cfg.heads, dh, kvIn, kvOut, causal, cfg.kvHeads === cfg.heads ? 'MultiHeadAttention' : 'GroupQueryAttention');
    const o = g.matmul(a, d, `l${l}.o_proj`);
    let h: TensorSummary;
    if (cfg.gatedMlp) {
      const r = g.eltwise('Add', [o, x]);
      const n2 = g.rowOp('SimplifiedLayerNormalization', r, [], d);
      const gu = g.matmul(n2, 2 * cfg.ffn, `l${l}.gate_up`);
      // SiLU(gate) · up: reads the fused gate_up output, writes half of it
      const s = g.tensor([tokens, cfg.ffn]);
      g.nodes.push(makeNode({ name: `l${l}.silu_mul`, opType: 'Mul', computeDtype: dtype, flops: tokens * cfg.ffn * 5, bytesRead: g.bytes(gu), bytesWritten: g.bytes(s), inputs: [gu.name], outputs: [s] }, g.nodes.length));
      h = g.eltwise('Add', [g.matmul(s, d, `l${l}.down`), r]);
    } else {
      // GPT-J: attention and MLP in parallel on the same normalised input
      const f = g.eltwise('Gelu', [g.matmul(n, cfg.ffn, `l${l}.fc_in`, true)], 8);
      const m = g.matmul(f, d, `l${l}.fc_out`, true);
      h = g.eltwise('Add', [g.eltwise('Add', [m, o]), x]);
    }
    x = h;
  }
  const last = g.tensor([batch, d]);
  const nf = g.rowOp('SimplifiedLayerNormalization', last, [], d);
  g.matmul(nf, cfg.vocab, 'lm_head');
  const kvShape = [batch, cfg.kvHeads, past, dh];
  const graphInputs = [t('input_ids', 'int64', [batch, seq])];
  const graphOutputs = [t('logits', dtype, [batch, cfg.vocab])];
  for (let l = 0; l < cfg.layers; l++) {
    graphInputs.push(t(`past_key_values.${l}.key`, kvDtype, kvShape), t(`past_key_values.${l}.value`, kvDtype, kvShape));
    graphOutputs.push(t(`present.${l}.key`, kvDtype, [batch, cfg.kvHeads, past + seq, dh]), t(`present.${l}.value`, kvDtype, [batch, cfg.kvHeads, past + seq, dh]));
  }
  const weightBytes = g.nodes.reduce((s, n) => s + Number(n.weightBytes), 0) + cfg.vocab * d * g.bpe;
  return g.report({ path: `${cfg.name} b${batch} seq${seq} past${past} (analytic)`, graphInputs, graphOutputs, weightBytes });
}

/**
 * RetinaNet (MLPerf: ResNeXt50-32x4d + FPN, 800×800, 264 OpenImages classes, 9 anchors): backbone, FPN
 * P3–P7, and the class/box subnets (4 × 3×3 conv 256 + a final conv, shared across levels). Box decoding and
 * NMS are left out (TensorRT runs them in a plugin; they are small).
 */
export function retinanetReport(batch: number, dtype = 'int8'): ProfileReport {
  const g = new GraphBuilder(dtype);
  let x = g.tensor([batch, 3, 800, 800]);
  x = g.eltwise('Relu', [g.conv(x, 64, 7, 2, 1, 'conv1')]);
  x = g.pool('MaxPool', x, 3, 2);
  const taps: TensorSummary[] = [];
  bottleneckStages(g, x, [3, 4, 6, 3], [128, 256, 512, 1024], 32, 2, taps);
  const [, c3, c4, c5] = taps;
  const l5 = g.conv(c5, 256, 1);
  const l4 = g.eltwise('Add', [g.conv(c4, 256, 1), g.upsample(l5, (c4.shape as number[]).slice(2))]);
  const l3 = g.eltwise('Add', [g.conv(c3, 256, 1), g.upsample(l4, (c3.shape as number[]).slice(2))]);
  const p3 = g.conv(l3, 256, 3);
  const p4 = g.conv(l4, 256, 3);
  const p5 = g.conv(l5, 256, 3);
  const p6 = g.conv(p5, 256, 3, 2);
  const p7 = g.conv(g.eltwise('Relu', [p6]), 256, 3, 2);
  for (const p of [p3, p4, p5, p6, p7]) {
    for (const [outC, tag] of [[9 * 264, 'cls'], [9 * 4, 'box']] as const) {
      let h = p;
      for (let i = 0; i < 4; i++) h = g.eltwise('Relu', [g.conv(h, 256, 3, 1, 1, `${tag}_subnet_${i}`)]);
      g.conv(h, outC, 3, 1, 1, `${tag}_logits`);
    }
  }
  return g.report({ path: 'retinanet-resnext50-fpn 800x800 (analytic)' });
}
