#!/usr/bin/python3
"""Builds graph-only float models and their quantized forms, written the way ONNX Runtime's quantizers write
them, for the quantized-graph tests (test/unit/quantizedModels.test.ts). Written to test/fixtures/quant/.

Weights carry dims and data type but no data: they point at an external 'weights.bin' that does not exist, so
each file holds only the graph while the profiler sees every weight shape. Data types newer than onnx 1.12
(INT4 22, UINT4 21, FLOAT8E4M3FN 17, FLOAT4E2M1 23) are written by their TensorProto numbers.

ResNet-50 v1.5 (batch x 3 x 224 x 224; BatchNorm folded, as exported for inference):
  resnet50_fp32            the float model
  resnet50_qdq             quantize_static, QuantFormat.QDQ, defaults: uint8 asymmetric per-tensor activations,
                           int8 symmetric per-tensor weights, int32 biases through DequantizeLinear; a Relu after a
                           quantized op is removed (QDQRemovableActivation: the asymmetric range absorbs it);
                           Add, MaxPool, GlobalAveragePool, Flatten and Gemm quantized too
  resnet50_qdq_per_channel the same with per_channel=True and ActivationSymmetric (int8 activations), as for
                           TensorRT: weights int8 per output channel (axis 0), the Relus kept between DQ and Q
  resnet50_qoperator       quantize_static, QuantFormat.QOperator: QLinearConv, QLinearAdd, MaxPool on uint8,
                           QLinearGlobalAveragePool, QGemm, with QuantizeLinear/DequantizeLinear at the ends
A GPT-style decoder (4 layers, d 2048, 16 heads, FFN 8192, vocab 32000) as torch.onnx exports it with a KV cache:
LayerNormalization, MatMul + bias Add projections, Reshape/Transpose into heads, Concat(past, new) into present,
MatMul -> Div -> Softmax -> MatMul attention, erf GELU written out, untied LM head; batch, sequence and
past_sequence symbolic:
  decoder_fp32, decoder_fp16   the float models
  decoder_dynamic_int8     quantize_dynamic (QOperator) of decoder_fp32: DynamicQuantizeLinear once per activation,
                           MatMulInteger with int8 weights, Cast, Mul of the scales, Mul; the embedding Gather on a
                           uint8 table, then DequantizeLinear (ORT's GatherQuant)
  decoder_matmulnbits      MatMul4BitsQuantizer (QOperator, block_size 128, asymmetric) of decoder_fp16: MatMulNBits
  decoder_int4_qdq         MatMul4BitsQuantizer with quant_format QDQ: DequantizeLinear of uint4 weights with
                           blocked fp16 scales and uint4 zero points (axis 0, block_size 128, opset 21) -> MatMul
  decoder_matmulnbits8     the same quantizer at bits=8 (W8A16): MatMulNBits, bits 8, one uint8 per weight in
                           blocks of 128, a scale and a uint8 zero point per block
  decoder_int8_weight_qdq  int8 weight-only in QDQ form: DequantizeLinear of int8 weights with one fp16 scale per
                           output channel (axis 1, symmetric) -> MatMul, activations left in fp16
The same decoder with a mixture-of-experts FFN (8 experts, top-2, SwiGLU with fc3, inter 4096), fp16:
  moe_decoder_fp16         com.microsoft MoE
  moe_decoder_qmoe4        com.microsoft QMoE, expert_weight_bits 4: uint8 [E, rows, cols / 2], fp16 scales per row

Run with Debian's python (onnx 1.12, numpy):  /usr/bin/python3 scripts/makeQuantFixtures.py [name ...]
"""
import math
import os
import sys

import numpy as np
from onnx import TensorProto, helper

from fixture_graph import GraphBuilder

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'quant')
MS = 'com.microsoft'
UINT4, INT4 = 21, 22
F32, F16, U8, I8, I32 = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32


class Graph(GraphBuilder):
    """GraphBuilder with the float type of its model, saved at IR 10 from opset 21 (the 4-bit types) on."""

    def __init__(self, name, opset, float_type=F32):
        super().__init__(name, opset)
        self.float_type = float_type

    def save(self, inputs, outputs, extra_opsets=()):
        return super().save(OUT_DIR, inputs, outputs, extra_opsets, 'makeQuantFixtures', 10 if self.opset >= 21 else 8)


def value(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


# ------------------------------------------------------------------------------------------------ ResNet-50

class CnnBuilder:
    """ResNet-50's layers; `mode` picks how each one is written: 'float', 'qdq', 'qdq_per_channel', 'qoperator'."""

    def __init__(self, name, mode):
        self.g = Graph(name, 13)
        self.mode = mode
        self.symmetric = mode == 'qdq_per_channel'
        self.act_type = I8 if self.symmetric else U8
        self.dq_of = {}  # QDQ: float tensor -> the DequantizeLinear output its consumers read
        self.q_params = {}  # QOperator: uint8 tensor -> (scale, zero point)

    # ---- quantization parameters and QDQ pairs, one per tensor (ORT shares a tensor's Q/DQ among its consumers)
    def params(self, shape=()):
        return self.g.weight('scale', list(shape)), self.g.weight('zero_point', list(shape), self.act_type)

    def dq(self, x):
        if self.mode == 'float':
            return x
        if x not in self.dq_of:
            scale, zp = self.params()
            q = self.g.node('QuantizeLinear', [x, scale, zp])
            self.dq_of[x] = self.g.node('DequantizeLinear', [q, scale, zp])
        return self.dq_of[x]

    def weight_dq(self, shape, axis=0):
        if self.mode == 'float':
            return self.g.weight('w', shape)
        per_channel = self.mode == 'qdq_per_channel'
        scale = self.g.weight('w_scale', [shape[axis]] if per_channel else [])
        zp = self.g.weight('w_zero_point', [shape[axis]] if per_channel else [], I8)
        return self.g.node('DequantizeLinear', [self.g.weight('w_quantized', shape, I8), scale, zp], axis=axis)

    def bias_dq(self, n):
        if self.mode == 'float':
            return self.g.weight('b', [n])
        scale = self.g.weight('b_scale', [n] if self.mode == 'qdq_per_channel' else [])
        return self.g.node('DequantizeLinear', [self.g.weight('b_quantized', [n], I32), scale], axis=0)

    # ---- QOperator: tensors are uint8 with their (scale, zero point)
    def qparams_of(self, x):
        if x not in self.q_params:
            self.q_params[x] = self.params()
        return self.q_params[x]

    def new_q(self, op, inputs, trailing=(), **attrs):
        """A QLinear op with a fresh output scale and zero point (a following Relu folds into that range)."""
        ys, yz = self.params()
        y = self.g.node(op, [*inputs, ys, yz, *trailing], **attrs)
        self.q_params[y] = (ys, yz)
        return y

    # ---- layers
    def conv(self, x, c_in, c_out, k, stride=1, relu=False):
        pad = (k - 1) // 2
        attrs = dict(kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)
        if self.mode == 'qoperator':
            xs, xz = self.qparams_of(x)
            ws, wz = self.g.weight('w_scale', []), self.g.weight('w_zero_point', [], I8)
            return self.new_q('QLinearConv', [x, xs, xz, self.g.weight('w_quantized', [c_out, c_in, k, k], I8), ws, wz],
                              trailing=[self.g.weight('b_quantized', [c_out], I32)], **attrs)
        y = self.g.node('Conv', [self.dq(x), self.weight_dq([c_out, c_in, k, k]), self.bias_dq(c_out)], **attrs)
        return self.relu(y) if relu else y

    def relu(self, x):
        if self.mode in ('qdq', 'qoperator'):
            return x  # removed: the asymmetric output range of the producer absorbs it
        return self.g.node('Relu', [self.dq(x)])

    def add(self, a, b):
        if self.mode == 'qoperator':
            (as_, az), (bs, bz) = self.qparams_of(a), self.qparams_of(b)
            return self.new_q('QLinearAdd', [a, as_, az, b, bs, bz], domain=MS)
        return self.g.node('Add', [self.dq(a), self.dq(b)])

    def max_pool(self, x):
        attrs = dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
        if self.mode == 'qoperator':
            y = self.g.node('MaxPool', [x], **attrs)  # runs on uint8 with its input's parameters
            self.q_params[y] = self.qparams_of(x)
            return y
        return self.g.node('MaxPool', [self.dq(x)], **attrs)

    def head(self, x, c):
        if self.mode == 'qoperator':
            xs, xz = self.qparams_of(x)
            pooled = self.new_q('QLinearGlobalAveragePool', [x, xs, xz], domain=MS)
            flat = self.g.node('Flatten', [pooled], axis=1)
            self.q_params[flat] = self.qparams_of(pooled)
            fs, fz = self.qparams_of(flat)
            ys, yz = self.params()
            y = self.g.node('QGemm', [flat, fs, fz, self.g.weight('w_quantized', [1000, c], I8), self.g.weight('w_scale', []),
                                      self.g.weight('w_zero_point', [], I8), self.g.weight('b_quantized', [1000], I32), ys, yz],
                            domain=MS, transB=1)
            return self.g.node('DequantizeLinear', [y, ys, yz], outputs=['logits'])
        pooled = self.g.node('GlobalAveragePool', [self.dq(x)])
        flat = self.g.node('Flatten', [self.dq(pooled)], axis=1)
        logits = self.g.node('Gemm', [self.dq(flat), self.weight_dq([1000, c]), self.bias_dq(1000)], transB=1)
        if self.mode == 'float':
            return self.g.node('Identity', [logits], outputs=['logits'])
        scale, zp = self.params()
        return self.g.node('DequantizeLinear', [self.g.node('QuantizeLinear', [logits, scale, zp]), scale, zp], outputs=['logits'])

    def input(self):
        if self.mode != 'qoperator':
            return 'input'
        scale, zp = self.params()
        x = self.g.node('QuantizeLinear', ['input', scale, zp])
        self.q_params[x] = (scale, zp)
        return x


def resnet50(name, mode):
    b = CnnBuilder(name, mode)
    x = b.max_pool(b.conv(b.input(), 3, 64, 7, stride=2, relu=True))
    c_in = 64
    for stage, (width, c_out, count) in enumerate(zip([64, 128, 256, 512], [256, 512, 1024, 2048], [3, 4, 6, 3])):
        for i in range(count):
            stride = 2 if stage > 0 and i == 0 else 1
            y = b.conv(x, c_in, width, 1, relu=True)
            y = b.conv(y, width, width, 3, stride, relu=True)
            y = b.conv(y, width, c_out, 1)
            shortcut = b.conv(x, c_in, c_out, 1, stride) if i == 0 else x
            x = b.relu(b.add(y, shortcut))
            c_in = c_out
    b.head(x, c_in)
    return b.g.save([value('input', F32, ['batch', 3, 224, 224])], [value('logits', F32, ['batch', 1000])], [(MS, 1)])


# ------------------------------------------------------------------------------------------------ decoders

LAYERS, D, HEADS, FFN, VOCAB = 4, 2048, 16, 8192, 32000
DH = D // HEADS
EXPERTS, TOP_K, EXPERT_INTER = 8, 2, 4096
BLOCK = 128


class DecoderBuilder:
    """The decoder's weighted MatMuls are written per `mode`: 'float', 'dynamic_int8', 'matmulnbits', 'int4_qdq',
    'matmulnbits8', 'int8_weight_qdq'."""

    def __init__(self, name, mode, float_type, opset=17):
        self.g = Graph(name, opset, float_type)
        self.mode = mode
        self.ft = float_type
        self.dynamic = {}  # dynamic int8: activation -> (uint8 tensor, scale, zero point)

    def w(self, prefix, shape):
        return self.g.weight(prefix, shape, self.ft)

    def scalar(self, v):
        return self.g.const(v, np.float16 if self.ft == F16 else np.float32, scalar=True)

    def matmul(self, x, k, n):
        """x [..., k] · W [k, n], as the quantizer of `mode` writes it."""
        if self.mode == 'float':
            return self.g.node('MatMul', [x, self.w('weight', [k, n])])
        if self.mode == 'dynamic_int8':
            if x not in self.dynamic:
                self.dynamic[x] = self.g.node('DynamicQuantizeLinear', [x], outputs=3)
            xq, xs, xz = self.dynamic[x]
            acc = self.g.node('MatMulInteger', [xq, self.g.weight('weight_quantized', [k, n], I8), xz, self.g.weight('weight_zero_point', [], I8)])
            scales = self.g.node('Mul', [xs, self.g.weight('weight_scale', [], F32)])
            return self.g.node('Mul', [self.g.node('Cast', [acc], to=F32), scales])
        blocks = math.ceil(k / BLOCK)
        if self.mode == 'matmulnbits8':
            packed = self.g.weight('weight_Q8', [n, blocks, BLOCK], U8)
            scales = self.g.weight('weight_scales', [n * blocks], self.ft)
            zeros = self.g.weight('weight_zero_points', [n * blocks], U8)
            return self.g.node('MatMulNBits', [x, packed, scales, zeros], domain=MS, K=k, N=n, bits=8, block_size=BLOCK, accuracy_level=0)
        if self.mode == 'int8_weight_qdq':
            wq = self.g.node('DequantizeLinear', [self.g.weight('weight_quantized', [k, n], I8), self.g.weight('weight_scale', [n], self.ft)], axis=1)
            return self.g.node('MatMul', [x, wq])
        if self.mode in ('matmulnbits', 'qmoe4'):
            packed = self.g.weight('weight_Q4', [n, blocks, BLOCK // 2], U8)
            scales = self.g.weight('weight_scales', [n * blocks], self.ft)
            zeros = self.g.weight('weight_zero_points', [n * math.ceil(blocks / 2)], U8)
            return self.g.node('MatMulNBits', [x, packed, scales, zeros], domain=MS, K=k, N=n, bits=4, block_size=BLOCK, accuracy_level=0)
        # int4 QDQ: DequantizeLinear(uint4 [k, n], scales [k / block, n], zero points [k / block, n]), blocked on axis 0
        wq = self.g.node('DequantizeLinear', [self.g.weight('weight_Q4', [k, n], UINT4), self.g.weight('weight_scales', [blocks, n], self.ft),
                                              self.g.weight('weight_zero_points', [blocks, n], UINT4)], axis=0, block_size=BLOCK)
        return self.g.node('MatMul', [x, wq])

    def linear(self, x, k, n, bias=True):
        y = self.matmul(x, k, n)
        return self.g.node('Add', [y, self.w('bias', [n])]) if bias else y

    def embed(self, ids):
        if self.mode == 'dynamic_int8':  # GatherQuant: the table in uint8, the gathered rows dequantized
            rows = self.g.node('Gather', [self.g.weight('embed_quantized', [VOCAB, D], U8), ids])
            return self.g.node('DequantizeLinear', [rows, self.g.weight('embed_scale', [], F32), self.g.weight('embed_zero_point', [], U8)])
        return self.g.node('Gather', [self.w('embed_tokens', [VOCAB, D]), ids])

    def norm(self, x):
        return self.g.node('LayerNormalization', [x, self.w('ln_w', [D]), self.w('ln_b', [D])], axis=-1, epsilon=1e-5)

    def gelu(self, h):  # erf GELU as torch.onnx writes it below opset 20
        erf = self.g.node('Erf', [self.g.node('Div', [h, self.scalar(math.sqrt(2.0))])])
        return self.g.node('Mul', [self.g.node('Mul', [h, self.g.node('Add', [erf, self.scalar(1.0)])]), self.scalar(0.5)])

    def moe(self, x):
        router = self.g.node('MatMul', [x, self.w('router', [D, EXPERTS])])
        attrs = dict(domain=MS, k=TOP_K, activation_type='silu', normalize_routing_weights=1)
        if self.mode == 'float':
            fc = [self.w('fc1', [EXPERTS, EXPERT_INTER, D]), self.w('fc2', [EXPERTS, D, EXPERT_INTER]), self.w('fc3', [EXPERTS, EXPERT_INTER, D])]
            return self.g.node('MoE', [x, router, fc[0], '', fc[1], '', fc[2]], **attrs)
        inputs = [x, router]
        for prefix, rows, cols in (('fc1', EXPERT_INTER, D), ('fc2', D, EXPERT_INTER), ('fc3', EXPERT_INTER, D)):
            inputs += [self.g.weight(f'{prefix}_weights', [EXPERTS, rows, cols // 2], U8), self.g.weight(f'{prefix}_scales', [EXPERTS, rows], self.ft), '']
        return self.g.node('QMoE', inputs[:-1], expert_weight_bits=4, **attrs)


def decoder(name, mode, float_type, moe=False):
    b = DecoderBuilder(name, mode, float_type, opset=21 if mode in ('int4_qdq', 'int8_weight_qdq') else 17)
    g = b.g
    kv = ['batch', HEADS, 'past_sequence', DH]
    inputs = [value('input_ids', TensorProto.INT64, ['batch', 'sequence'])]
    outputs = [value('logits', float_type, ['batch', 'sequence', VOCAB])]
    to_heads = g.const([0, 0, HEADS, DH])
    x = b.embed('input_ids')
    for layer in range(LAYERS):
        g.scope = f'/model/layers.{layer}/'
        n = b.norm(x)
        q = g.node('Transpose', [g.node('Reshape', [b.linear(n, D, D), to_heads])], perm=[0, 2, 1, 3])
        present = []
        for kind in ('key', 'value'):
            t = g.node('Transpose', [g.node('Reshape', [b.linear(n, D, D), to_heads])], perm=[0, 2, 1, 3])
            past, cur = f'past_key_values.{layer}.{kind}', f'present.{layer}.{kind}'
            inputs.append(value(past, float_type, kv))
            outputs.append(value(cur, float_type, ['batch', HEADS, 'past_sequence + sequence', DH]))
            present.append(g.node('Concat', [past, t], outputs=[cur], axis=2))
        k_t = g.node('Transpose', [present[0]], perm=[0, 1, 3, 2])
        probs = g.node('Softmax', [g.node('Div', [g.node('MatMul', [q, k_t]), b.scalar(math.sqrt(DH))])], axis=-1)
        ctx = g.node('Reshape', [g.node('Transpose', [g.node('MatMul', [probs, present[1]])], perm=[0, 2, 1, 3]), g.const([0, 0, D])])
        x = g.node('Add', [x, b.linear(ctx, D, D)])
        n2 = b.norm(x)
        ffn = b.moe(n2) if moe else b.linear(b.gelu(b.linear(n2, D, FFN)), FFN, D)
        x = g.node('Add', [x, ffn])
    g.scope = '/model/'
    logits = b.matmul(b.norm(x), D, VOCAB)
    g.scope = ''
    g.node('Identity', [logits], outputs=['logits'])
    return g.save(inputs, outputs, [(MS, 1)])


MODELS = {
    'resnet50_fp32': lambda: resnet50('resnet50_fp32', 'float'),
    'resnet50_qdq': lambda: resnet50('resnet50_qdq', 'qdq'),
    'resnet50_qdq_per_channel': lambda: resnet50('resnet50_qdq_per_channel', 'qdq_per_channel'),
    'resnet50_qoperator': lambda: resnet50('resnet50_qoperator', 'qoperator'),
    'decoder_fp32': lambda: decoder('decoder_fp32', 'float', F32),
    'decoder_dynamic_int8': lambda: decoder('decoder_dynamic_int8', 'dynamic_int8', F32),
    'decoder_fp16': lambda: decoder('decoder_fp16', 'float', F16),
    'decoder_matmulnbits': lambda: decoder('decoder_matmulnbits', 'matmulnbits', F16),
    'decoder_int4_qdq': lambda: decoder('decoder_int4_qdq', 'int4_qdq', F16),
    'decoder_matmulnbits8': lambda: decoder('decoder_matmulnbits8', 'matmulnbits8', F16),
    'decoder_int8_weight_qdq': lambda: decoder('decoder_int8_weight_qdq', 'int8_weight_qdq', F16),
    'moe_decoder_fp16': lambda: decoder('moe_decoder_fp16', 'float', F16, moe=True),
    'moe_decoder_qmoe4': lambda: decoder('moe_decoder_qmoe4', 'qmoe4', F16, moe=True),
}

if __name__ == '__main__':
    for model in sys.argv[1:] or MODELS:
        path = MODELS[model]()
        print(f'{os.path.relpath(path)}: {os.path.getsize(path)} bytes')
