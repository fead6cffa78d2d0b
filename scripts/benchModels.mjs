// Writes the bench's models into bench-output/ (gitignored). Run alone or imported by scripts/bench.mjs:
//   node scripts/benchModels.mjs [--dir bench-output]
//
// - diffusion-<N>k.onnx: a large exported diffusion-transformer-like graph of at least N thousand nodes, the
//   way torch.onnx.export writes one: symbolic `batch`, `height`, `width` and text `sequence` dims; every
//   head reshape computes its target through Shape → Gather → Unsqueeze → Concat; GroupNorm as
//   Reshape/InstanceNormalization/Reshape; stride-2 convs make floor() dims; GELU decomposed through Erf;
//   value_info for every intermediate. Large weights are external and absent (a graph-only export); small
//   ones (norms, biases) are embedded.
// - decoder-650mb.onnx / decoder-1600mb.onnx: GPT-like decoders whose FP32 weights are embedded in the file.
// - resnet50-embedded.onnx: test/fixtures/cnn/resnet50.onnx with its (absent) weights embedded as zeros:
//   the size of a real ResNet-50 export (about 102 MB).
//
// Everything is written with onnx-proto's encoder, message by message, and weight payloads are streamed
// zeros, so writing a 1.6 GB model never holds it in memory.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const FLOAT = 1;
const INT64 = 7;
const ELEMENT_BYTES = { [FLOAT]: 4, [INT64]: 8 };
/** Weights up to this many bytes are embedded in graph-only models (norms, biases), as exporters keep them. */
const SMALL_WEIGHT_BYTES = 64 * 1024;

/** A protobuf varint. */
function varint(value) {
  const bytes = [];
  let x = BigInt(value);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    bytes.push(b);
  } while (x > 0n);
  return bytes;
}

/** Key and length prefix of a length-delimited field. */
export function fieldHeader(field, length) {
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(length)]);
}

/** Attributes in onnx-proto's shape, from plain values. */
function attributes(attrs) {
  return Object.entries(attrs).map(([name, v]) => {
    if (Array.isArray(v)) return { name, type: 7, ints: v };
    if (typeof v === 'number' && Number.isInteger(v)) return { name, type: 2, i: v };
    if (typeof v === 'number') return { name, type: 1, f: v };
    if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
    return { name, type: 4, t: v }; // a TensorProto
  });
}

function valueInfo(name, elemType, shape) {
  const dim = shape?.map((d) => (typeof d === 'string' ? { dimParam: d } : d === null ? {} : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: dim ? { dim } : undefined } } };
}

/**
 * Accumulates a graph as encoded fields, weights as headers plus payload lengths, and writes the model
 * with payloads streamed. Names follow torch's exporter: `/scope/Op` for nodes, `/scope/Op_output_0`.
 */
class GraphWriter {
  constructor({ embedAll, externalFile }) {
    this.embedAll = embedAll;
    this.externalFile = externalFile;
    this.fields = []; // encoded GraphProto fields other than initializers: [fieldNumber, bytes]
    this.weights = []; // { header, payloadBytes }
    this.externalOffset = 0;
    this.nodeCount = 0;
    this.nameCounts = new Map();
    this.scope = '';
  }

  /** Adds a node; returns its output names. `shapes[i]` adds value_info for output i ([dim|null] or undefined). */
  node(opType, inputs, { attrs = {}, outputs = 1, shapes = [], dtype = FLOAT, domain } = {}) {
    const base = `${this.scope}/${opType}`;
    const n = this.nameCounts.get(base) ?? 0;
    this.nameCounts.set(base, n + 1);
    const name = n === 0 ? base : `${base}_${n}`;
    const outs = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    const encoded = onnx.NodeProto.encode({ input: inputs, output: outs, name, opType, domain, attribute: attributes(attrs) }).finish();
    this.fields.push([1, encoded]);
    this.nodeCount++;
    outs.forEach((o, i) => {
      if (shapes[i] !== undefined) this.fields.push([13, onnx.ValueInfoProto.encode(valueInfo(o, dtype, shapes[i])).finish()]);
    });
    return outputs === 1 ? outs[0] : outs;
  }

  /** A Constant node holding an int64 vector (or scalar when `scalar`). */
  ints(values, scalar = false) {
    return this.node('Constant', [], { attrs: { value: { dims: scalar ? [] : [values.length], dataType: INT64, int64Data: values } } });
  }

  floatScalar(value) {
    const raw = new Uint8Array(new Float32Array([value]).buffer);
    return this.node('Constant', [], { attrs: { value: { dims: [], dataType: FLOAT, rawData: raw } } });
  }

  /** An FP32 initializer: embedded when small or when the model embeds all, else external and absent. */
  weight(name, dims) {
    const fullName = `${this.scope.replace(/^\//, '').replaceAll('/', '.')}.${name}`;
    const bytes = dims.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[FLOAT];
    const header = { name: fullName, dims, dataType: FLOAT };
    const embedded = this.embedAll || bytes <= SMALL_WEIGHT_BYTES;
    if (!embedded) {
      header.dataLocation = 1;
      header.externalData = [
        { key: 'location', value: this.externalFile },
        { key: 'offset', value: String(this.externalOffset) },
        { key: 'length', value: String(bytes) },
      ];
      this.externalOffset += bytes;
    }
    this.weights.push({ header: onnx.TensorProto.encode(header).finish(), payloadBytes: embedded ? bytes : 0 });
    return fullName;
  }

  input(name, elemType, shape) {
    this.fields.push([11, onnx.ValueInfoProto.encode(valueInfo(name, elemType, shape)).finish()]);
    return name;
  }

  output(name, elemType, shape) {
    this.fields.push([12, onnx.ValueInfoProto.encode(valueInfo(name, elemType, shape)).finish()]);
  }

  within(scope, body) {
    const outer = this.scope;
    this.scope = `${outer}/${scope}`;
    try {
      return body();
    } finally {
      this.scope = outer;
    }
  }

  /** Writes the ModelProto; weight payloads are streamed zeros. Written to a temporary name, then renamed. */
  save(path, producer) {
    const weightFields = this.weights.map(({ header, payloadBytes }) => {
      const raw = payloadBytes ? fieldHeader(9, payloadBytes) : new Uint8Array();
      const tensorLength = header.length + raw.length + payloadBytes;
      return { prefix: fieldHeader(5, tensorLength), header, raw, payloadBytes };
    });
    const name = onnx.GraphProto.encode({ name: 'main_graph' }).finish();
    const fieldBytes = this.fields.map(([field, bytes]) => [fieldHeader(field, bytes.length), bytes]);
    const graphLength =
      name.length +
      fieldBytes.reduce((a, [h, b]) => a + h.length + b.length, 0) +
      weightFields.reduce((a, f) => a + f.prefix.length + f.header.length + f.raw.length + f.payloadBytes, 0);
    const head = onnx.ModelProto.encode({ irVersion: 8, producerName: producer, producerVersion: '2.1.0', opsetImport: [{ domain: '', version: 17 }] }).finish();
    const partial = `${path}.partial`;
    const fd = openSync(partial, 'w');
    const out = new BufferedWriter(fd);
    out.write(head);
    out.write(fieldHeader(7, graphLength));
    out.write(name);
    for (const [h, b] of fieldBytes) {
      out.write(h);
      out.write(b);
    }
    for (const f of weightFields) {
      out.write(f.prefix);
      out.write(f.header);
      if (f.payloadBytes) {
        out.write(f.raw);
        out.zeros(f.payloadBytes);
      }
    }
    out.flush();
    closeSync(fd);
    renameSync(partial, path);
  }
}

/** Coalesces many small writes into 4 MiB ones. */
class BufferedWriter {
  constructor(fd) {
    this.fd = fd;
    this.buffer = Buffer.alloc(4 * 1024 * 1024);
    this.used = 0;
  }

  write(bytes) {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) writeSync(this.fd, bytes);
    else {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
    }
  }

  zeros(count) {
    this.flush();
    writeZeros(this.fd, count);
  }

  flush() {
    if (this.used) writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }
}

/** Writes `count` zero bytes (weight payloads: their values do not matter to a profiler). */
export function writeZeros(fd, count) {
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (let left = count; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
}

/** Torch's `x.shape[i]` as a 1-element vector: Shape → Gather(i) → Unsqueeze(0). */
function dimOf(g, x, i) {
  const shape = g.node('Shape', [x], { dtype: INT64, shapes: [[null]] });
  const picked = g.node('Gather', [shape, g.ints([i], true)], { attrs: { axis: 0 }, dtype: INT64, shapes: [[]] });
  return g.node('Unsqueeze', [picked, g.ints([0])], { dtype: INT64, shapes: [[1]] });
}

/** `x.view(batch, -1, heads, headDim).transpose(1, 2)`, the target computed from x's shape. */
function splitHeads(g, x, heads, headDim) {
  const target = g.node('Concat', [dimOf(g, x, 0), g.ints([-1]), g.ints([heads]), g.ints([headDim])], { attrs: { axis: 0 }, dtype: INT64, shapes: [[4]] });
  const viewed = g.node('Reshape', [x, target], { shapes: [['batch', null, heads, headDim]] });
  return g.node('Transpose', [viewed], { attrs: { perm: [0, 2, 1, 3] }, shapes: [['batch', heads, null, headDim]] });
}

function linear(g, x, scope, inFeatures, outFeatures, bias, shapeOut) {
  return g.within(scope, () => {
    const y = g.node('MatMul', [x, g.weight('weight', [inFeatures, outFeatures])], { shapes: [shapeOut] });
    return bias ? g.node('Add', [y, g.weight('bias', [outFeatures])], { shapes: [shapeOut] }) : y;
  });
}

/** Multi-head attention of torch's exporter: projections, head reshapes, scaled scores, softmax, merge. */
function attention(g, x, context, scope, channels, contextChannels, heads) {
  return g.within(scope, () => {
    const headDim = channels / heads;
    const seqShape = ['batch', null, channels];
    const q = splitHeads(g, linear(g, x, 'to_q', channels, channels, false, seqShape), heads, headDim);
    const k = splitHeads(g, linear(g, context, 'to_k', contextChannels, channels, false, seqShape), heads, headDim);
    const v = splitHeads(g, linear(g, context, 'to_v', contextChannels, channels, false, seqShape), heads, headDim);
    const kT = g.node('Transpose', [k], { attrs: { perm: [0, 1, 3, 2] }, shapes: [['batch', heads, headDim, null]] });
    let scores = g.node('MatMul', [q, kT], { shapes: [['batch', heads, null, null]] });
    scores = g.node('Mul', [scores, g.floatScalar(1 / Math.sqrt(headDim))], { shapes: [['batch', heads, null, null]] });
    const probs = g.node('Softmax', [scores], { attrs: { axis: -1 }, shapes: [['batch', heads, null, null]] });
    const merged = g.node('Transpose', [g.node('MatMul', [probs, v], { shapes: [['batch', heads, null, headDim]] })], { attrs: { perm: [0, 2, 1, 3] }, shapes: [['batch', null, heads, headDim]] });
    const target = g.node('Concat', [dimOf(g, merged, 0), g.ints([-1]), g.ints([channels])], { attrs: { axis: 0 }, dtype: INT64, shapes: [[3]] });
    const flat = g.node('Reshape', [merged, target], { shapes: [seqShape] });
    return linear(g, flat, 'to_out.0', channels, channels, true, seqShape);
  });
}

function layerNorm(g, x, scope, channels, shape) {
  return g.within(scope, () => g.node('LayerNormalization', [x, g.weight('weight', [channels]), g.weight('bias', [channels])], { attrs: { axis: -1, epsilon: 1e-5 }, shapes: [shape] }));
}

/** GELU as torch exports it without the fused op: x * 0.5 * (1 + erf(x / sqrt 2)). */
function gelu(g, x, shape) {
  const scaled = g.node('Div', [x, g.floatScalar(Math.SQRT2)], { shapes: [shape] });
  const erf = g.node('Erf', [scaled], { shapes: [shape] });
  const plusOne = g.node('Add', [erf, g.floatScalar(1)], { shapes: [shape] });
  const times = g.node('Mul', [x, plusOne], { shapes: [shape] });
  return g.node('Mul', [times, g.floatScalar(0.5)], { shapes: [shape] });
}

/** A diffusion transformer block: self-attention, cross-attention on the text, GEGLU feed-forward. */
function transformerBlock(g, x, text, scope, channels, textChannels, heads) {
  return g.within(scope, () => {
    const shape = ['batch', null, channels];
    const selfIn = layerNorm(g, x, 'norm1', channels, shape);
    let h = g.node('Add', [attention(g, selfIn, selfIn, 'attn1', channels, channels, heads), x], { shapes: [shape] });
    const crossIn = layerNorm(g, h, 'norm2', channels, shape);
    h = g.node('Add', [attention(g, crossIn, text, 'attn2', channels, textChannels, heads), h], { shapes: [shape] });
    return g.within('ff', () => {
      const normed = layerNorm(g, h, 'norm3', channels, shape);
      const projected = linear(g, normed, 'net.0.proj', channels, channels * 8, true, ['batch', null, channels * 8]);
      const [hidden, gate] = g.node('Split', [projected, g.ints([channels * 4, channels * 4])], { attrs: { axis: -1 }, outputs: 2, shapes: [['batch', null, channels * 4], ['batch', null, channels * 4]] });
      const geglu = g.node('Mul', [hidden, gelu(g, gate, ['batch', null, channels * 4])], { shapes: [['batch', null, channels * 4]] });
      const out = linear(g, geglu, 'net.2', channels * 4, channels, true, shape);
      return g.node('Add', [out, h], { shapes: [shape] });
    });
  });
}

/** GroupNorm(32) as torch exports it at opset 17: Reshape to groups, InstanceNormalization, Reshape back, affine. */
function groupNorm(g, x, scope, channels) {
  return g.within(scope, () => {
    const grouped = g.node('Reshape', [x, g.ints([0, 32, -1])], { shapes: [['batch', 32, null]] });
    const normed = g.node('InstanceNormalization', [grouped, g.weight('group_scale', [32]), g.weight('group_bias', [32])], { attrs: { epsilon: 1e-5 }, shapes: [['batch', 32, null]] });
    const back = g.node('Reshape', [normed, g.node('Shape', [x], { dtype: INT64, shapes: [[4]] })], { shapes: [['batch', channels, null, null]] });
    const scaled = g.node('Mul', [back, g.weight('weight', [channels, 1, 1])], { shapes: [['batch', channels, null, null]] });
    return g.node('Add', [scaled, g.weight('bias', [channels, 1, 1])], { shapes: [['batch', channels, null, null]] });
  });
}

function silu(g, x, shape) {
  return g.node('Mul', [x, g.node('Sigmoid', [x], { shapes: [shape] })], { shapes: [shape] });
}

function conv(g, x, scope, cIn, cOut, k, stride = 1) {
  return g.within(scope, () =>
    g.node('Conv', [x, g.weight('weight', [cOut, cIn, k, k]), g.weight('bias', [cOut])], {
      attrs: { kernel_shape: [k, k], strides: [stride, stride], pads: Array(4).fill((k - 1) >> 1), dilations: [1, 1], group: 1 },
      shapes: [['batch', cOut, null, null]],
    }),
  );
}

function resBlock(g, x, scope, channels) {
  return g.within(scope, () => {
    const image = ['batch', channels, null, null];
    let h = conv(g, silu(g, groupNorm(g, x, 'norm1', channels), image), 'conv1', channels, channels, 3);
    h = conv(g, silu(g, groupNorm(g, h, 'norm2', channels), image), 'conv2', channels, channels, 3);
    return g.node('Add', [x, h], { shapes: [image] });
  });
}

/** Image [batch, C, h, w] → tokens [batch, h·w, C] → transformer blocks → image, with 1×1 projections. */
function spatialTransformer(g, x, text, scope, channels, textChannels, heads, depth) {
  return g.within(scope, () => {
    const normed = groupNorm(g, x, 'norm', channels);
    const projected = conv(g, normed, 'proj_in', channels, channels, 1);
    const batch = dimOf(g, projected, 0);
    const height = dimOf(g, projected, 2);
    const width = dimOf(g, projected, 3);
    const tokens = g.node('Mul', [height, width], { dtype: INT64, shapes: [[1]] });
    const target = g.node('Concat', [batch, tokens, g.ints([channels])], { attrs: { axis: 0 }, dtype: INT64, shapes: [[3]] });
    const nhwc = g.node('Transpose', [projected], { attrs: { perm: [0, 2, 3, 1] }, shapes: [['batch', null, null, channels]] });
    let h = g.node('Reshape', [nhwc, target], { shapes: [['batch', null, channels]] });
    for (let i = 0; i < depth; i++) h = transformerBlock(g, h, text, `transformer_blocks.${i}`, channels, textChannels, heads);
    const back = g.node('Concat', [batch, height, width, g.ints([channels])], { attrs: { axis: 0 }, dtype: INT64, shapes: [[4]] });
    const image = g.node('Transpose', [g.node('Reshape', [h, back], { shapes: [['batch', null, null, channels]] })], { attrs: { perm: [0, 3, 1, 2] }, shapes: [['batch', channels, null, null]] });
    return g.node('Add', [conv(g, image, 'proj_out', channels, channels, 1), x], { shapes: [['batch', channels, null, null]] });
  });
}

/**
 * A diffusion-transformer-like denoiser of at least `minNodes` nodes: stages of a ResBlock and a spatial
 * transformer of 8 blocks; stages 2, 5 and 8 downsample by a stride-2 conv (so dims become floor()s).
 */
export function writeDiffusionGraph(path, minNodes) {
  const g = new GraphWriter({ embedAll: false, externalFile: 'weights.bin' });
  const channels = 320;
  const textChannels = 768;
  let x = g.input('sample', FLOAT, ['batch', 4, 'height', 'width']);
  const text = g.input('encoder_hidden_states', FLOAT, ['batch', 'sequence', textChannels]);
  x = conv(g, x, 'conv_in', 4, channels, 3);
  for (let stage = 0; g.nodeCount < minNodes; stage++) {
    x = g.within(`blocks.${stage}`, () => {
      let h = resBlock(g, x, 'resnets.0', channels);
      h = spatialTransformer(g, h, text, 'attentions.0', channels, textChannels, 8, 8);
      return [2, 5, 8].includes(stage) ? conv(g, h, 'downsamplers.0', channels, channels, 3, 2) : h;
    });
  }
  const out = conv(g, silu(g, groupNorm(g, x, 'conv_norm_out', channels), ['batch', channels, null, null]), 'conv_out', channels, 4, 3);
  g.output(out, FLOAT, ['batch', 4, null, null]);
  g.save(path, 'pytorch');
  return g.nodeCount;
}

/** A GPT-like decoder with every FP32 weight embedded: token embedding, `layers` blocks, LM head. */
export function writeDecoder(path, { layers, hidden, vocab }) {
  const g = new GraphWriter({ embedAll: true });
  const heads = hidden / 64;
  const ids = g.input('input_ids', INT64, ['batch', 'sequence']);
  const shape = ['batch', 'sequence', hidden];
  let h = g.within('embed_tokens', () => g.node('Gather', [g.weight('weight', [vocab, hidden]), ids], { shapes: [shape] }));
  for (let i = 0; i < layers; i++) {
    h = g.within(`layers.${i}`, () => {
      const normed = layerNorm(g, h, 'input_layernorm', hidden, shape);
      const attn = attention(g, normed, normed, 'self_attn', hidden, hidden, heads);
      const mid = g.node('Add', [attn, h], { shapes: [shape] });
      const ff = g.within('mlp', () => {
        const up = linear(g, layerNorm(g, mid, 'post_attention_layernorm', hidden, shape), 'fc1', hidden, hidden * 4, true, ['batch', 'sequence', hidden * 4]);
        return linear(g, gelu(g, up, ['batch', 'sequence', hidden * 4]), 'fc2', hidden * 4, hidden, true, shape);
      });
      return g.node('Add', [ff, mid], { shapes: [shape] });
    });
  }
  const logits = linear(g, layerNorm(g, h, 'norm', hidden, shape), 'lm_head', hidden, vocab, false, ['batch', 'sequence', vocab]);
  g.output(logits, FLOAT, ['batch', 'sequence', vocab]);
  g.save(path, 'pytorch');
  return g.nodeCount;
}

/** A graph-only model with every external initializer embedded as zeros (its payload's stated length). */
export function embedWeights(source, path) {
  const model = onnx.ModelProto.decode(readFileSync(source));
  for (const t of model.graph.initializer) {
    const length = Number(t.externalData.find((e) => e.key === 'length')?.value ?? 0);
    t.externalData = [];
    t.dataLocation = 0;
    t.rawData = new Uint8Array(length);
  }
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  writeSync(fd, onnx.ModelProto.encode(model).finish());
  closeSync(fd);
  renameSync(partial, path);
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The bench's models: written once into `dir`, then reused. Returns their paths by role. */
export function benchModels(dir, { log = () => {} } = {}) {
  mkdirSync(dir, { recursive: true });
  const make = (name, write) => {
    const path = join(dir, name);
    if (!existsSync(path)) {
      log(`writing ${name}…`);
      write(path);
    }
    return path;
  };
  return {
    diffusion92k: make('diffusion-92k.onnx', (p) => writeDiffusionGraph(p, 92_000)),
    diffusion100k: make('diffusion-100k.onnx', (p) => writeDiffusionGraph(p, 100_000)),
    resnet50: make('resnet50-embedded.onnx', (p) => embedWeights(join(repoRoot, 'test/fixtures/cnn/resnet50.onnx'), p)),
    decoder650mb: make('decoder-650mb.onnx', (p) => writeDecoder(p, { layers: 8, hidden: 1024, vocab: 32000 })),
    decoder1600mb: make('decoder-1600mb.onnx', (p) => writeDecoder(p, { layers: 5, hidden: 2048, vocab: 40000 })),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--dir');
  const dir = resolve(i >= 0 ? process.argv[i + 1] : join(repoRoot, 'bench-output'));
  console.log(benchModels(dir, { log: console.log }));
}
