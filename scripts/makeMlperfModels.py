#!/usr/bin/python3
"""Builds graph-only ONNX models of the MLPerf Inference architectures, for validating the estimator.

Written to test/fixtures/mlperf/. Weights carry dims and data type but no data: they point at an external
'weights.bin' that does not exist, so each file holds only the graph structure (tens to hundreds of KB)
while the profiler still sees every weight shape. Small integer constants (Reshape targets, axes) are
stored inline, as exporters store them, so shapes computed in the graph stay known.

  resnet50.onnx     ResNet-50 v1.5 (stride on the 3x3 conv), batch x 3 x 224 x 224, BatchNorm folded into
                    the conv biases, as torch.onnx / tf2onnx export it for inference.
  retinanet.onnx    MLPerf RetinaNet: torchvision's ResNeXt50-32x4d + FPN (P3-P7) backbone at 800 x 800,
                    classification and box heads (4 x conv3x3-256 + ReLU, 9 anchors, 264 OpenImages
                    classes), outputs reshaped and concatenated over the levels as torchvision exports them.
                    Anchor decoding and NMS are left out (MLPerf's runtimes do them in a plugin/postprocess).
  timm_resnet50.onnx, timm_resnext50_32x4d.onnx, timm_mobilenetv2_100.onnx
                    The grouped-convolution check (docs/validation.md): timm's resnet50, resnext50_32x4d and
                    mobilenetv2_100 as PyTorch runs them in eval mode, BatchNormalization unfolded after every conv
                    (eager PyTorch runs it as its own kernel), ReLU6 as Clip, batch x 3 x 224 x 224.
  bert_large.onnx   BERT-large for SQuAD (24 layers, hidden 1024, 16 heads, FFN 4096, qa_outputs head, no
                    pooler) as torch.onnx exports it at opset 20: embeddings Gather, LayerNormalization,
                    MatMul + bias Add, Reshape/Transpose into heads, MatMul-Div-Add(mask)-Softmax-MatMul
                    attention, Gelu. Symbolic batch and sequence.
  gptj_6b.onnx      GPT-J 6B decoder (28 layers, d 4096, 16 heads of 256, rotary on 64 dims, FFN 16384,
  llama2_7b.onnx    vocab 50400), Llama-2-7B (32 layers, d 4096, 32 heads, no GQA, SwiGLU 11008, vocab 32000),
  llama2_70b.onnx   Llama-2-70B (80 layers, d 8192, 64 query / 8 KV heads, SwiGLU 28672,
  llama3_1_8b.onnx  vocab 32000), Llama-3.1-8B (32 layers, d 4096, 32 query / 8 KV heads, SwiGLU 14336, vocab
  llama3_1_70b.onnx 128256) and Llama-3.1-70B (Llama-2-70B's shape with the 128256 vocabulary; rotary caches
                    for 131072 positions), written the way onnxruntime-genai's model builder writes decoders: MatMul
                    projections, com.microsoft GroupQueryAttention (rotary inside, past_key_values.N.key/value
                    inputs [batch, kv_heads, past_sequence_length, head], present.N.key/value outputs),
                    LayerNormalization (GPT-J) or SimplifiedLayerNormalization (Llama's RMSNorm), FastGelu or
                    Sigmoid*Mul (SiLU). Symbolic batch, sequence_length, past_sequence_length and
                    total_sequence_length (the attention mask's length), so one file gives both the prefill and
                    the decode profile.

Run with Debian's python (onnx 1.12, numpy):  /usr/bin/python3 scripts/makeMlperfModels.py [name ...]
No ONNX shape inference is run: opset 20 and com.microsoft ops are beyond onnx 1.12; the profiler infers.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

from fixture_graph import GraphBuilder

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'mlperf')
MS = 'com.microsoft'


class Graph(GraphBuilder):
    """The MLPerf builder: GraphBuilder plus convolutions."""

    batch_norm = False  # True: Conv without bias, then BatchNormalization (an eval-mode module, not folded)

    def conv(self, x, c_in, c_out, k, stride=1, group=1):
        w = self.weight('conv_w', [c_out, c_in // group, k, k])
        pad = (k - 1) // 2
        attrs = dict(kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group)
        if self.batch_norm:
            y = self.node('Conv', [x, w], **attrs)
            return self.node('BatchNormalization', [y] + [self.weight('bn', [c_out]) for _ in range(4)])
        return self.node('Conv', [x, w, self.weight('conv_b', [c_out])], **attrs)

    def relu(self, x):
        return self.node('Relu', [x])

    def save(self, inputs, outputs, extra_opsets=()):
        return super().save(OUT_DIR, inputs, outputs, extra_opsets)


def value(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


# ------------------------------------------------------------------------------------------------ CNNs

def bottleneck_stages(g, x, c_in, widths, outs, blocks, groups):
    """torchvision ResNet/ResNeXt bottlenecks; v1.5: the stride is on the 3x3 conv. Returns every stage's output."""
    taps = []
    for stage, (width, c_out, count) in enumerate(zip(widths, outs, blocks)):
        for i in range(count):
            stride = 2 if stage > 0 and i == 0 else 1
            y = g.relu(g.conv(x, c_in, width, 1))
            y = g.relu(g.conv(y, width, width, 3, stride, groups))
            y = g.conv(y, width, c_out, 1)
            shortcut = g.conv(x, c_in, c_out, 1, stride) if i == 0 else x
            x = g.relu(g.node('Add', [y, shortcut]))
            c_in = c_out
        taps.append(x)
    return taps


def stem(g, x):
    x = g.relu(g.conv(x, 3, 64, 7, stride=2))
    return g.node('MaxPool', [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])


def resnet50():
    g = Graph('resnet50', 17)
    x = stem(g, 'input')
    [*_, x] = bottleneck_stages(g, x, 64, [64, 128, 256, 512], [256, 512, 1024, 2048], [3, 4, 6, 3], 1)
    flat = g.node('Flatten', [g.node('GlobalAveragePool', [x])], axis=1)
    logits = g.node('Gemm', [flat, g.weight('fc_w', [1000, 2048]), g.weight('fc_b', [1000])], outputs=['logits'], transB=1)
    return g.save([value('input', TensorProto.FLOAT, ['batch', 3, 224, 224])], [value(logits, TensorProto.FLOAT, ['batch', 1000])])


def retinanet():
    classes, anchors, size = 264, 9, 800
    g = Graph('retinanet', 17)
    x = stem(g, 'images')
    _, c3, c4, c5 = bottleneck_stages(g, x, 64, [128, 256, 512, 1024], [256, 512, 1024, 2048], [3, 4, 6, 3], 32)
    up = g.const([1.0, 1.0, 2.0, 2.0], np.float32)
    inner5 = g.conv(c5, 2048, 256, 1)
    inner4 = g.node('Add', [g.conv(c4, 1024, 256, 1), g.node('Resize', [inner5, '', up], mode='nearest')])
    inner3 = g.node('Add', [g.conv(c3, 512, 256, 1), g.node('Resize', [inner4, '', up], mode='nearest')])
    p3, p4, p5 = (g.conv(t, 256, 256, 3) for t in (inner3, inner4, inner5))
    p6 = g.conv(p5, 256, 256, 3, stride=2)
    p7 = g.conv(g.relu(p6), 256, 256, 3, stride=2)
    sides = [size // 8, size // 16, size // 32, 13, 7]  # P6/P7: 3x3 stride-2 convs with padding 1 on 25 and 13
    outputs = []
    for head, per_anchor in (('cls_logits', classes), ('bbox_regression', 4)):
        # one set of head weights shared across the levels, as in torchvision
        tower = [(g.weight(f'{head}_w', [256, 256, 3, 3]), g.weight(f'{head}_b', [256])) for _ in range(4)]
        last = (g.weight(f'{head}_out_w', [anchors * per_anchor, 256, 3, 3]), g.weight(f'{head}_out_b', [anchors * per_anchor]))
        per_level = []
        for p, side in zip((p3, p4, p5, p6, p7), sides):
            h = p
            for w, b in tower + [last]:
                h = g.node('Conv', [h, w, b], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
                if (w, b) != last:
                    h = g.relu(h)
            h = g.node('Reshape', [h, g.const([0, anchors, per_anchor, side, side])])
            h = g.node('Transpose', [h], perm=[0, 3, 4, 1, 2])
            per_level.append(g.node('Reshape', [h, g.const([0, -1, per_anchor])]))
        outputs.append(g.node('Concat', per_level, outputs=[head], axis=1))
    total = anchors * sum(s * s for s in sides)
    return g.save([value('images', TensorProto.FLOAT, ['batch', 3, size, size])],
                  [value('cls_logits', TensorProto.FLOAT, ['batch', total, classes]),
                   value('bbox_regression', TensorProto.FLOAT, ['batch', total, 4])])


def classifier_head(g, x, c_in):
    flat = g.node('Flatten', [g.node('GlobalAveragePool', [x])], axis=1)
    return g.node('Gemm', [flat, g.weight('fc_w', [1000, c_in]), g.weight('fc_b', [1000])], outputs=['logits'], transB=1)


def timm_model(name, body):
    g = Graph(name, 17)
    g.batch_norm = True
    logits = body(g, 'input')
    return g.save([value('input', TensorProto.FLOAT, ['batch', 3, 224, 224])], [value(logits, TensorProto.FLOAT, ['batch', 1000])])


def timm_resnet(groups, widths):
    def body(g, x):
        [*_, x] = bottleneck_stages(g, stem(g, x), 64, widths, [256, 512, 1024, 2048], [3, 4, 6, 3], groups)
        return classifier_head(g, x, 2048)
    return body


def mobilenet_v2_body(g, x):
    """timm mobilenetv2_100: inverted residuals (expand 1x1, depth-wise 3x3, project 1x1), ReLU6."""
    relu6 = lambda t: g.node('Clip', [t, g.const(0.0, np.float32, scalar=True), g.const(6.0, np.float32, scalar=True)])
    x = relu6(g.conv(x, 3, 32, 3, stride=2))
    c_in = 32
    for expand, c_out, count, first_stride in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(count):
            stride = first_stride if i == 0 else 1
            hidden = c_in * expand
            y = relu6(g.conv(x, c_in, hidden, 1)) if expand != 1 else x
            y = relu6(g.conv(y, hidden, hidden, 3, stride, hidden))
            y = g.conv(y, hidden, c_out, 1)
            x = g.node('Add', [y, x]) if stride == 1 and c_in == c_out else y
            c_in = c_out
    x = relu6(g.conv(x, c_in, 1280, 1))
    return classifier_head(g, x, 1280)


def timm_resnet50():
    return timm_model('timm_resnet50', timm_resnet(1, [64, 128, 256, 512]))


def timm_resnext50_32x4d():
    return timm_model('timm_resnext50_32x4d', timm_resnet(32, [128, 256, 512, 1024]))


def timm_mobilenetv2_100():
    return timm_model('timm_mobilenetv2_100', mobilenet_v2_body)


# ------------------------------------------------------------------------------------------------ BERT

def bert_large():
    layers, d, heads, ffn, vocab, max_pos = 24, 1024, 16, 4096, 30522, 512
    dh = d // heads
    g = Graph('bert_large', 20)
    seq = g.node('Unsqueeze', [g.node('Gather', [g.node('Shape', ['input_ids']), g.const(1, scalar=True)]), g.const([0])])
    position_ids = g.node('Slice', [g.weight('position_ids', [1, max_pos], TensorProto.INT64), g.const([0]), seq, g.const([1])])
    emb = g.node('Add', [g.node('Gather', [g.weight('word_embeddings', [vocab, d]), 'input_ids']),
                         g.node('Gather', [g.weight('token_type_embeddings', [2, d]), 'token_type_ids'])])
    emb = g.node('Add', [emb, g.node('Gather', [g.weight('position_embeddings', [max_pos, d]), position_ids])])
    x = g.node('LayerNormalization', [emb, g.weight('ln_w', [d]), g.weight('ln_b', [d])], axis=-1, epsilon=1e-12)
    mask = g.node('Cast', [g.node('Unsqueeze', ['attention_mask', g.const([1, 2])])], to=TensorProto.FLOAT)
    mask = g.node('Mul', [g.node('Sub', [g.const(1.0, np.float32, scalar=True), mask]), g.const(-10000.0, np.float32, scalar=True)])
    to_heads = g.const([0, 0, heads, dh])
    for layer in range(layers):
        g.scope = f'/bert/encoder/layer.{layer}/'
        q = g.node('Transpose', [g.node('Reshape', [g.linear(x, d, d), to_heads])], perm=[0, 2, 1, 3])
        k = g.node('Transpose', [g.node('Reshape', [g.linear(x, d, d), to_heads])], perm=[0, 2, 3, 1])
        v = g.node('Transpose', [g.node('Reshape', [g.linear(x, d, d), to_heads])], perm=[0, 2, 1, 3])
        scores = g.node('Div', [g.node('MatMul', [q, k]), g.const(float(np.sqrt(dh)), np.float32, scalar=True)])
        probs = g.node('Softmax', [g.node('Add', [scores, mask])], axis=-1)
        ctx = g.node('Transpose', [g.node('MatMul', [probs, v])], perm=[0, 2, 1, 3])
        ctx = g.node('Reshape', [ctx, g.const([0, 0, d])])
        x = g.node('LayerNormalization', [g.node('Add', [g.linear(ctx, d, d), x]), g.weight('ln_w', [d]), g.weight('ln_b', [d])], axis=-1, epsilon=1e-12)
        h = g.node('Gelu', [g.linear(x, d, ffn)])
        x = g.node('LayerNormalization', [g.node('Add', [g.linear(h, ffn, d), x]), g.weight('ln_w', [d]), g.weight('ln_b', [d])], axis=-1, epsilon=1e-12)
    g.scope = '/qa_outputs/'
    start, end = g.node('Split', [g.linear(x, d, 2), g.const([1, 1])], outputs=['start_logits_3d', 'end_logits_3d'], axis=-1)
    g.scope = ''
    g.node('Squeeze', [start, g.const([-1])], outputs=['start_logits'])
    g.node('Squeeze', [end, g.const([-1])], outputs=['end_logits'])
    ids = ['batch', 'sequence']
    return g.save([value(n, TensorProto.INT64, ids) for n in ('input_ids', 'attention_mask', 'token_type_ids')],
                  [value('start_logits', TensorProto.FLOAT, ids), value('end_logits', TensorProto.FLOAT, ids)])


# ------------------------------------------------------------------------------------------------ decoders

def decoder(name, layers, d, heads, kv_heads, ffn, vocab, max_pos, rotary_dim, llama):
    """onnxruntime-genai model-builder layout: one GroupQueryAttention per layer, past/present per layer."""
    dh = d // heads
    g = Graph(name, 17)
    kv = ['batch', kv_heads, 'past_sequence_length', dh]
    present = ['batch', kv_heads, 'total_sequence_length', dh]
    inputs = [value('input_ids', TensorProto.INT64, ['batch', 'sequence_length']),
              value('attention_mask', TensorProto.INT64, ['batch', 'total_sequence_length'])]
    outputs = [value('logits', TensorProto.FLOAT, ['batch', 'sequence_length', vocab])]
    # GroupQueryAttention's sequence bookkeeping, from the attention mask (as the model builder does it)
    seqlens_k = g.node('Cast', [g.node('Sub', [g.node('ReduceSum', ['attention_mask', g.const([1])], keepdims=0), g.const(1, scalar=True)])], to=TensorProto.INT32)
    total_len = g.node('Cast', [g.node('Gather', [g.node('Shape', ['attention_mask']), g.const(1, scalar=True)])], to=TensorProto.INT32)
    cos_cache = g.weight('cos_cache', [max_pos, rotary_dim // 2])
    sin_cache = g.weight('sin_cache', [max_pos, rotary_dim // 2])

    def norm(x):
        if llama:  # RMSNorm
            return g.node('SimplifiedLayerNormalization', [x, g.weight('norm_w', [d])], axis=-1, epsilon=1e-5)
        return g.node('LayerNormalization', [x, g.weight('ln_w', [d]), g.weight('ln_b', [d])], axis=-1, epsilon=1e-5)

    x = g.node('Gather', [g.weight('embed_tokens', [vocab, d]), 'input_ids'])
    for layer in range(layers):
        g.scope = f'/model/layers.{layer}/'
        n = norm(x)
        q = g.linear(n, d, heads * dh, bias=False)
        k = g.linear(n, d, kv_heads * dh, bias=False)
        v = g.linear(n, d, kv_heads * dh, bias=False)
        past_k, past_v = f'past_key_values.{layer}.key', f'past_key_values.{layer}.value'
        present_k, present_v = f'present.{layer}.key', f'present.{layer}.value'
        inputs += [value(past_k, TensorProto.FLOAT, kv), value(past_v, TensorProto.FLOAT, kv)]
        outputs += [value(present_k, TensorProto.FLOAT, present), value(present_v, TensorProto.FLOAT, present)]
        attn = g.node('GroupQueryAttention', [q, k, v, past_k, past_v, seqlens_k, total_len, cos_cache, sin_cache],
                      outputs=[g.fresh('attn'), present_k, present_v], domain=MS,
                      num_heads=heads, kv_num_heads=kv_heads, do_rotary=1, rotary_interleaved=0 if llama else 1)[0]
        o = g.linear(attn, heads * dh, d, bias=False)
        if llama:  # sequential residuals, SwiGLU MLP
            r = g.node('Add', [o, x])
            n2 = norm(r)
            gate = g.linear(n2, d, ffn, bias=False)
            up = g.linear(n2, d, ffn, bias=False)
            act = g.node('Mul', [g.node('Mul', [gate, g.node('Sigmoid', [gate])]), up])
            x = g.node('Add', [g.linear(act, ffn, d, bias=False), r])
        else:  # GPT-J: attention and MLP in parallel on the same normalised input
            h = g.node('FastGelu', [g.linear(n, d, ffn)], domain=MS)
            x = g.node('Add', [g.node('Add', [g.linear(h, ffn, d), o]), x])
    g.scope = '/model/'
    y = g.linear(norm(x), d, vocab, bias=not llama)
    g.scope = ''
    g.node('Identity', [y], outputs=['logits'])
    return g.save(inputs, outputs, [(MS, 1)])


def gptj_6b():
    return decoder('gptj_6b', 28, 4096, 16, 16, 16384, 50400, 2048, 64, llama=False)


def llama2_7b():
    return decoder('llama2_7b', 32, 4096, 32, 32, 11008, 32000, 4096, 128, llama=True)


def llama2_70b():
    return decoder('llama2_70b', 80, 8192, 64, 8, 28672, 32000, 4096, 128, llama=True)


def llama3_1_8b():
    return decoder('llama3_1_8b', 32, 4096, 32, 8, 14336, 128256, 131072, 128, llama=True)


def llama3_1_70b():
    return decoder('llama3_1_70b', 80, 8192, 64, 8, 28672, 128256, 131072, 128, llama=True)


MODELS = {'resnet50': resnet50, 'retinanet': retinanet, 'bert_large': bert_large, 'gptj_6b': gptj_6b, 'llama2_7b': llama2_7b,
          'llama2_70b': llama2_70b,
          'llama3_1_8b': llama3_1_8b, 'llama3_1_70b': llama3_1_70b,
          'timm_resnet50': timm_resnet50, 'timm_resnext50_32x4d': timm_resnext50_32x4d, 'timm_mobilenetv2_100': timm_mobilenetv2_100}

if __name__ == '__main__':
    os.makedirs(OUT_DIR, exist_ok=True)
    for model in sys.argv[1:] or MODELS:
        path = MODELS[model]()
        print(f'{path}: {os.path.getsize(path)} bytes')
