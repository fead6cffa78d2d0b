#!/usr/bin/python3
"""Builds graph-only mixture-of-experts ONNX models for the MoE tests (src/core/analysis/moe.test.ts,
src/core/hints/moeHints.test.ts), written to test/fixtures/moe/.

Weights carry dims and dtype but no data: they point at an external 'weights.bin' that does not exist, so
each file holds only the graph while the profiler still sees every weight shape.

Small forms (16 tokens, hidden 64, intermediate 128; a few KB each). Shapes are static except the
per-expert token count of sparse dispatch, which NonZero makes data-dependent. Layouts, as exporters write them:
  fused    com.microsoft MoE (router MatMul -> Softmax -> MoE with experts stacked [E, ...]); QMoE with 8-bit
           block-quantized experts and DeepSeek's routing (Sigmoid scores + a selection bias, the unbiased
           scores as router_weights); ShardedMoE holding 4 of the 8 experts (one rank of expert parallelism)
  sparse   HF Mixtral-style: TopK -> OneHot mask -> per expert NonZero -> Gather tokens -> FFN ->
           Mul(routing weight) -> ScatterElements(reduction=add) back into the output
  dense    every expert runs on every token; a [tokens, experts] gate matrix (zero outside the top-k)
           weights each expert's output, and the outputs are summed
  mixed    DeepSeek's stack: a dense FFN layer, then MoE layers with a shared expert
Expert FFN: Mixtral SwiGLU (w2(silu(w1 x) * w3 x)) or Switch plain FFN (w2(relu(w1 x))). A shared expert is
an FFN on the same input, added to the MoE output without a router gate (Qwen-MoE scales it by its own
sigmoid gate).

Decoders from the published configs, with a KV cache as onnxruntime-genai's model builder names it
(input_ids, attention_mask, past_key_values.N.key[/value] -> logits, present.N.key[/value]; symbolic
batch_size, sequence_length, past_sequence_length, total_sequence_length), bf16 weights:
  mixtral_8x7b   32 layers, hidden 4096, GQA 32/8 heads of 128 (GroupQueryAttention), 8 experts top-2 of
                 intermediate 14336 (com.microsoft MoE), vocab 32000
  deepseek_v3    61 layers, hidden 7168, MLA (q_lora 1536, kv_lora 512, qk_nope 128, qk_rope 64, v_head 128,
                 128 heads), 3 dense layers of intermediate 18432, then 256 experts top-8 of 2048 + 1 shared
                 (MoE), vocab 129280
  kimi_k2        DeepSeek-V3's architecture with 64 heads, 1 dense layer, 384 experts top-8 + 1 shared as QMoE
                 with INT4 experts (expert_weight_bits 4, block_size 32), vocab 163840
MLA is written in its absorbed form (W_UK folded into the query, W_UV after the attention), so the cache is
the compressed latent: one past_key_values.N.key of [batch_size, 1, past_sequence_length, 512 + 64] per layer,
not per-head keys and values. Routing: DeepSeek's sigmoid scores plus the score-correction bias select the
experts (the fused op's internal softmax keeps that order); group-limited routing (n_group) is left out, and
so is the causal triangle of the prefill mask (the attention mask is added as a padding bias). Neither changes
a count.

Run with Debian's python (onnx 1.12, numpy):  /usr/bin/python3 scripts/makeMoeFixtures.py [name ...]
"""
import os
import sys
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper

from fixture_graph import FixtureGraph, GraphBuilder

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'moe')
OPSET = 17
TOKENS = 16
HIDDEN = 64
INTER = 128
MS = 'com.microsoft'


class Graph(FixtureGraph):
    """The MoE builder: constants, scoped nodes and saving over FixtureGraph's weightless weights."""

    def const(self, prefix, values, dtype=TensorProto.INT64, dims=None):
        name = self.fresh(prefix)
        self.initializers.append(helper.make_tensor(name, dtype, [len(values)] if dims is None else dims, values))
        return name

    def scalar(self, prefix, value, dtype=TensorProto.FLOAT):
        name = self.fresh(prefix)
        self.initializers.append(helper.make_tensor(name, dtype, [], [value]))
        return name

    def node(self, op, inputs, outputs=1, scope='', domain=None, **attrs):
        names = [self.fresh(op.lower()) for _ in range(outputs)]
        node_name = f'{scope}/{self.fresh(op)}' if scope else self.fresh(op)
        kwargs = {'domain': domain} if domain else {}
        self.nodes.append(helper.make_node(op, inputs, names, name=node_name, **kwargs, **attrs))
        return names[0] if outputs == 1 else names

    def save(self, output, custom=False):
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info('hidden', TensorProto.FLOAT, [TOKENS, HIDDEN])],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
            self.initializers)
        opsets = [helper.make_opsetid('', OPSET)] + ([helper.make_opsetid('com.microsoft', 1)] if custom else [])
        model = helper.make_model(graph, opset_imports=opsets, producer_name='makeMoeFixtures')
        model.ir_version = 8
        if not custom:
            model = onnx.shape_inference.infer_shapes(model)
        os.makedirs(OUT_DIR, exist_ok=True)
        path = os.path.join(OUT_DIR, f'{self.name}.onnx')
        with open(path, 'wb') as f:
            f.write(model.SerializeToString())
        return path


def ffn(g, x, style, scope):
    """One expert (or dense) FFN on x [n, HIDDEN] -> [n, HIDDEN]."""
    if style == 'swiglu':
        gate = g.node('MatMul', [x, g.weight('w1', [HIDDEN, INTER])], scope=scope)
        silu = g.node('Mul', [gate, g.node('Sigmoid', [gate], scope=scope)], scope=scope)
        up = g.node('MatMul', [x, g.weight('w3', [HIDDEN, INTER])], scope=scope)
        inner = g.node('Mul', [silu, up], scope=scope)
    else:
        inner = g.node('Relu', [g.node('MatMul', [x, g.weight('wi', [HIDDEN, INTER])], scope=scope)], scope=scope)
    return g.node('MatMul', [inner, g.weight('w2', [INTER, HIDDEN])], scope=scope)


def router(g, x, experts, k, scope):
    """Softmax over router logits, then top-k: (routing weights [T, k] renormalised, expert indices [T, k])."""
    logits = g.node('MatMul', [x, g.weight('router', [HIDDEN, experts])], scope=f'{scope}/gate')
    probs = g.node('Softmax', [logits], scope=f'{scope}/gate', axis=-1)
    values, indices = g.node('TopK', [probs, g.const('k', [k])], outputs=2, scope=f'{scope}/gate', axis=-1)
    if k > 1:
        total = g.node('ReduceSum', [values, g.const('axes', [-1])], scope=f'{scope}/gate', keepdims=1)
        values = g.node('Div', [values, total], scope=f'{scope}/gate')
    return values, indices


def sparse_layer(g, x, experts, k, style, scope):
    weights, indices = router(g, x, experts, k, scope)
    mask = g.node('OneHot', [indices, g.const('depth', [experts]), g.const('onoff', [0, 1])], scope=scope, axis=-1)  # [T, k, E]
    mask = g.node('Transpose', [mask], scope=scope, perm=[2, 1, 0])  # [E, k, T]
    flat_weights = g.node('Reshape', [weights, g.const('flat', [-1])], scope=scope)
    out = g.node('ConstantOfShape', [g.node('Shape', [x], scope=scope)], scope=scope,
                 value=helper.make_tensor('zero', TensorProto.FLOAT, [1], [0.0]))
    for e in range(experts):
        es = f'{scope}/experts.{e}'
        chosen = g.node('NonZero', [g.node('Gather', [mask, g.const('e', [e], dims=[])], scope=es, axis=0)], scope=es)  # [2, N]
        slot, token = g.node('Split', [chosen, g.const('split', [1, 1])], outputs=2, scope=es, axis=0)
        slot = g.node('Squeeze', [slot, g.const('axes', [0])], scope=es)
        token = g.node('Squeeze', [token, g.const('axes', [0])], scope=es)
        state = g.node('Gather', [x, token], scope=es, axis=0)  # [N, HIDDEN]
        y = ffn(g, state, style, es)
        position = g.node('Add', [g.node('Mul', [token, g.const('kk', [k], dims=[])], scope=es), slot], scope=es)
        gate = g.node('Unsqueeze', [g.node('Gather', [flat_weights, position], scope=es, axis=0), g.const('axes', [1])], scope=es)
        y = g.node('Mul', [y, gate], scope=es)
        target = g.node('Expand', [g.node('Unsqueeze', [token, g.const('axes', [1])], scope=es), g.node('Shape', [y], scope=es)], scope=es)
        out = g.node('ScatterElements', [out, target, y], scope=es, axis=0, reduction='add')
    return out


def dense_layer(g, x, experts, k, style, scope):
    weights, indices = router(g, x, experts, k, scope)
    zeros = g.node('ConstantOfShape', [g.const('gshape', [TOKENS, experts])], scope=scope,
                   value=helper.make_tensor('zero', TensorProto.FLOAT, [1], [0.0]))
    gates = g.node('ScatterElements', [zeros, indices, weights], scope=scope, axis=1)  # [T, E], zero outside top-k
    out = None
    for e in range(experts):
        es = f'{scope}/experts.{e}'
        y = ffn(g, x, style, es)
        gate = g.node('Gather', [gates, g.const('e', [e])], scope=es, axis=1)  # [T, 1]
        y = g.node('Mul', [y, gate], scope=es)
        out = y if out is None else g.node('Add', [out, y], scope=scope)
    return out


def fused_layer(g, x, experts, k, style, scope):
    logits = g.node('MatMul', [x, g.weight('router', [HIDDEN, experts])], scope=f'{scope}/gate')
    probs = g.node('Softmax', [logits], scope=f'{scope}/gate', axis=-1)
    fc1 = g.weight('fc1', [experts, HIDDEN, INTER])
    fc2 = g.weight('fc2', [experts, INTER, HIDDEN])
    inputs = [x, probs, fc1, '', fc2, '']
    if style == 'swiglu':
        inputs += [g.weight('fc3', [experts, HIDDEN, INTER]), '']
    activation = 'silu' if style == 'swiglu' else 'relu'
    return g.node('MoE', inputs, scope=scope, domain='com.microsoft', k=k, activation_type=activation,
                  normalize_routing_weights=1 if k > 1 else 0)


def swiglu_weights(g, experts, prefix, dtype=TensorProto.FLOAT):
    """Stacked expert matrices in ONNX Runtime's layout: fc1 and fc3 [E, inter, hidden], fc2 [E, hidden, inter]."""
    return (g.weight(f'{prefix}fc1', [experts, INTER, HIDDEN], dtype), g.weight(f'{prefix}fc2', [experts, HIDDEN, INTER], dtype),
            g.weight(f'{prefix}fc3', [experts, INTER, HIDDEN], dtype))


def deepseek_router(g, x, experts, scope):
    """Sigmoid scores; the score-correction bias shifts the selection only: (selection scores, mixing scores)."""
    logits = g.node('MatMul', [x, g.weight('router', [HIDDEN, experts])], scope=f'{scope}/gate')
    scores = g.node('Sigmoid', [logits], scope=f'{scope}/gate')
    return g.node('Add', [scores, g.weight('bias', [experts])], scope=f'{scope}/gate'), scores


def fused_deepseek_layer(g, x, experts, k, style, scope):
    selection, _ = deepseek_router(g, x, experts, scope)
    fc1, fc2, fc3 = swiglu_weights(g, experts, '')
    return g.node('MoE', [x, selection, fc1, '', fc2, '', fc3], scope=scope, domain=MS, k=k, activation_type='silu',
                  normalize_routing_weights=1)


def qmoe_layer(g, x, experts, k, style, scope, block=32):
    """QMoE, 8-bit experts with one scale per block of 32 inputs, DeepSeek routing through router_weights."""
    selection, scores = deepseek_router(g, x, experts, scope)
    inputs = [x, selection]
    for rows, columns in ((INTER, HIDDEN), (HIDDEN, INTER), (INTER, HIDDEN)):  # fc1, fc2, fc3
        inputs += [g.weight('fc', [experts, rows, columns], TensorProto.UINT8), g.weight('scales', [experts, rows, columns // block]), '']
    inputs += ['', '', '', scores]  # no zero points; router_weights (input 14) mix the unbiased scores
    return g.node('QMoE', inputs, scope=scope, domain=MS, k=k, expert_weight_bits=8, block_size=block,
                  activation_type='silu', normalize_routing_weights=1)


def sharded_layer(g, x, experts, k, style, scope, held=4):
    """ShardedMoE on rank 0 of 2: experts 0-3 of 8, in the layout of its schema (fc1 [E, hidden, inter])."""
    logits = g.node('MatMul', [x, g.weight('router', [HIDDEN, experts])], scope=f'{scope}/gate')
    fc1 = g.weight('fc1', [held, HIDDEN, INTER])
    fc2 = g.weight('fc2', [held, INTER, HIDDEN])
    fc3 = g.weight('fc3', [held, HIDDEN, INTER])
    return g.node('ShardedMoE', [x, logits, fc1, '', fc2, '', fc3], scope=scope, domain=MS, k=k, activation_type='silu',
                  normalize_routing_weights=1, local_experts_start_index=0)


def gated_shared_expert(g, x, scope):
    """Qwen-MoE's shared expert: an FFN scaled by sigmoid(x · w), its own gate rather than the router's."""
    gate = g.node('Sigmoid', [g.node('MatMul', [x, g.weight('shared_gate', [HIDDEN, 1])], scope=scope)], scope=scope)
    return g.node('Mul', [ffn(g, x, 'swiglu', scope), gate], scope=scope)


LAYERS = {'sparse': sparse_layer, 'dense': dense_layer, 'fused': fused_layer, 'fused_deepseek': fused_deepseek_layer,
          'qmoe': qmoe_layer, 'sharded': sharded_layer}


def build(name, layout, experts, k, style, layers=1, shared=False, dense_layers=0):
    """`layers` MoE layers (after `dense_layers` dense FFN layers); `shared`: True, or 'gated' for Qwen's."""
    g = Graph(name)
    x = 'hidden'
    for layer in range(dense_layers + layers):
        if layer < dense_layers:
            y = ffn(g, x, style, f'/model/layers.{layer}/mlp')
        else:
            scope = f'/model/layers.{layer}/moe'
            y = LAYERS[layout](g, x, experts, k, style, scope)
            shared_scope = f'/model/layers.{layer}/shared_expert'
            if shared:
                s = gated_shared_expert(g, x, shared_scope) if shared == 'gated' else ffn(g, x, style, shared_scope)
                y = g.node('Add', [y, s], scope=scope)
        x = g.node('Add', [x, y], scope=f'/model/layers.{layer}')
    return g.save(x, custom=layout not in ('sparse', 'dense'))


def dense_ffn_model():
    """A dense two-layer FFN stack (no MoE): the MoE-opportunity hint's fixture."""
    g = Graph('dense_ffn')
    x = 'hidden'
    for layer in range(2):
        y = ffn(g, x, 'swiglu', f'/model/layers.{layer}/mlp')
        x = g.node('Add', [x, y], scope=f'/model/layers.{layer}')
    return g.save(x)


# ------------------------------------------------------------------------------------------------ decoders

BF16 = TensorProto.BFLOAT16


@dataclass(frozen=True)
class DecoderConfig:
    layers: int
    hidden: int
    heads: int
    vocab: int
    max_positions: int
    experts: int
    top_k: int
    moe_inter: int
    dense_inter: int = 0
    dense_layers: int = 0
    shared_experts: int = 0
    kv_heads: int = 0            # GQA (Mixtral); 0 for MLA
    head_dim: int = 128
    q_lora: int = 0              # MLA (DeepSeek, Kimi)
    kv_lora: int = 0
    qk_nope: int = 0
    qk_rope: int = 0
    v_head: int = 0
    int4_experts: bool = False   # QMoE with expert_weight_bits 4


MIXTRAL_8X7B = DecoderConfig(layers=32, hidden=4096, heads=32, kv_heads=8, vocab=32000, max_positions=32768,
                             experts=8, top_k=2, moe_inter=14336)
DEEPSEEK_V3 = DecoderConfig(layers=61, hidden=7168, heads=128, vocab=129280, max_positions=163840, experts=256, top_k=8,
                            moe_inter=2048, dense_inter=18432, dense_layers=3, shared_experts=1, q_lora=1536, kv_lora=512,
                            qk_nope=128, qk_rope=64, v_head=128)
KIMI_K2 = DecoderConfig(layers=61, hidden=7168, heads=64, vocab=163840, max_positions=262144, experts=384, top_k=8,
                        moe_inter=2048, dense_inter=18432, dense_layers=1, shared_experts=1, q_lora=1536, kv_lora=512,
                        qk_nope=128, qk_rope=64, v_head=128, int4_experts=True)  # K2 Thinking: INT4 experts, 256K context


class DecoderGraph(GraphBuilder):
    """A decoder in the model builder's layout; bf16 weights, symbolic batch and sequence dims."""

    def __init__(self, name, cfg):
        super().__init__(name, 17)
        self.cfg = cfg
        self.inputs = [value('input_ids', TensorProto.INT64, ['batch_size', 'sequence_length']),
                       value('attention_mask', TensorProto.INT64, ['batch_size', 'total_sequence_length'])]
        self.outputs = [value('logits', BF16, ['batch_size', 'sequence_length', cfg.vocab])]

    def fresh(self, prefix):
        """Tensor and weight names stay short and unscoped (the files hold thousands); node names carry the scope."""
        self.counter += 1
        return f'{prefix}{self.counter}'

    def node(self, op, inputs, outputs=1, domain='', **attrs):
        names = [self.fresh('t') for _ in range(outputs)] if isinstance(outputs, int) else list(outputs)
        self.nodes.append(helper.make_node(op, inputs, names, name=f'{self.scope}{op}_{self.counter}', domain=domain or None, **attrs))
        return names[0] if len(names) == 1 else names

    def w(self, dims, prefix='w'):
        return self.weight(prefix, dims, BF16)

    def proj(self, x, c_in, c_out):
        return self.node('MatMul', [x, self.w([c_in, c_out])])

    def scalar(self, v):
        """A bf16 scalar constant (numpy has no bfloat16, so it is written with make_tensor)."""
        name = self.fresh('scalar')
        self.initializers.append(helper.make_tensor(name, BF16, [], [v]))
        return name

    def rms_norm(self, x, width):
        return self.node('SimplifiedLayerNormalization', [x, self.w([width], 'norm')], axis=-1, epsilon=1e-6)

    def swiglu_mlp(self, x, inter):
        gate = self.proj(x, self.cfg.hidden, inter)
        act = self.node('Mul', [self.node('Mul', [gate, self.node('Sigmoid', [gate])]), self.proj(x, self.cfg.hidden, inter)])
        return self.proj(act, inter, self.cfg.hidden)

    def cache(self, layer, names, shape_past, shape_present):
        for n in names:
            self.inputs.append(value(f'past_key_values.{layer}.{n}', BF16, shape_past))
            self.outputs.append(value(f'present.{layer}.{n}', BF16, shape_present))
        return [f'past_key_values.{layer}.{n}' for n in names], [f'present.{layer}.{n}' for n in names]


def value(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def gqa_attention(g, x, layer, ctx):
    """Mixtral: q/k/v projections, GroupQueryAttention with rotary inside, o projection."""
    c = g.cfg
    d, kv = c.hidden, c.kv_heads * c.head_dim
    (past_k, past_v), (present_k, present_v) = g.cache(layer, ('key', 'value'), ['batch_size', c.kv_heads, 'past_sequence_length', c.head_dim],
                                                       ['batch_size', c.kv_heads, 'total_sequence_length', c.head_dim])
    attn = g.node('GroupQueryAttention', [g.proj(x, d, c.heads * c.head_dim), g.proj(x, d, kv), g.proj(x, d, kv), past_k, past_v,
                                          ctx['seqlens_k'], ctx['total_len'], ctx['cos'], ctx['sin']],
                  outputs=[g.fresh('attn'), present_k, present_v], domain=MS, num_heads=c.heads, kv_num_heads=c.kv_heads, do_rotary=1)[0]
    return g.proj(attn, c.heads * c.head_dim, d)


def mla_attention(g, x, layer, ctx):
    """DeepSeek's multi-head latent attention in its absorbed form: the cache holds the normalised latent (kv_lora)
    and the rotary key (qk_rope), shared by every head; W_UK is folded into the query and W_UV follows the attention."""
    c = g.cfg
    h, latent = c.heads, c.kv_lora + c.qk_rope
    q = g.proj(g.rms_norm(g.proj(x, c.hidden, c.q_lora), c.q_lora), c.q_lora, h * (c.qk_nope + c.qk_rope))
    q = g.node('Transpose', [g.node('Reshape', [q, g.const([0, 0, h, c.qk_nope + c.qk_rope])])], perm=[0, 2, 1, 3])
    q_nope, q_rope = g.node('Split', [q, g.const([c.qk_nope, c.qk_rope])], outputs=2, axis=-1)
    rotary = dict(domain=MS, interleaved=1)
    q_rope = g.node('RotaryEmbedding', [q_rope, 'position_ids', ctx['cos'], ctx['sin']], **rotary)
    q_latent = g.node('MatMul', [q_nope, g.w([h, c.qk_nope, c.kv_lora], 'uk')])  # [b, h, s, kv_lora]
    q = g.node('Concat', [q_latent, q_rope], axis=-1)
    kv = g.node('Unsqueeze', [g.proj(x, c.hidden, latent), g.const([1])])  # [b, 1, s, kv_lora + qk_rope]
    c_kv, k_rope = g.node('Split', [kv, g.const([c.kv_lora, c.qk_rope])], outputs=2, axis=-1)
    k_rope = g.node('RotaryEmbedding', [k_rope, 'position_ids', ctx['cos'], ctx['sin']], **rotary)
    (past,), (present,) = g.cache(layer, ('key',), ['batch_size', 1, 'past_sequence_length', latent],
                                  ['batch_size', 1, 'total_sequence_length', latent])
    g.node('Concat', [past, g.node('Concat', [g.rms_norm(c_kv, c.kv_lora), k_rope], axis=-1)], outputs=[present], axis=2)
    scores = g.node('MatMul', [q, g.node('Transpose', [present], perm=[0, 1, 3, 2])])  # [b, h, s, total]
    probs = g.node('Softmax', [g.node('Add', [g.node('Mul', [scores, ctx['scale']]), ctx['mask_bias']])], axis=-1)
    values = g.node('Slice', [present, g.const([0]), g.const([c.kv_lora]), g.const([3])])
    out = g.node('MatMul', [g.node('MatMul', [probs, values]), g.w([h, c.kv_lora, c.v_head], 'uv')])  # [b, h, s, v_head]
    out = g.node('Reshape', [g.node('Transpose', [out], perm=[0, 2, 1, 3]), g.const([0, 0, h * c.v_head])])
    return g.proj(out, h * c.v_head, c.hidden)


def moe_block(g, x):
    c = g.cfg
    logits = g.proj(x, c.hidden, c.experts)
    if c.shared_experts == 0:  # Mixtral: the op's softmax over the router logits
        selection, scores = logits, None
    else:  # DeepSeek: sigmoid scores, the score-correction bias shifts the selection only
        scores = g.node('Sigmoid', [logits])
        selection = g.node('Add', [scores, g.w([c.experts], 'bias')])
    d, inter = c.hidden, c.moe_inter
    attrs = dict(domain=MS, k=c.top_k, activation_type='silu', normalize_routing_weights=1)
    if c.int4_experts:
        block = 32
        inputs = [x, selection]
        for rows, columns in ((inter, d), (d, inter), (inter, d)):  # fc1, fc2, fc3: 4-bit, two per byte
            inputs += [g.weight('fc', [c.experts, rows, columns // 2], TensorProto.UINT8), g.w([c.experts, rows, columns // block], 'scales'), '']
        inputs += ['', '', '', scores]
        y = g.node('QMoE', inputs, expert_weight_bits=4, block_size=block, **attrs)
    else:
        y = g.node('MoE', [x, selection, g.w([c.experts, inter, d], 'fc1'), '', g.w([c.experts, d, inter], 'fc2'), '',
                           g.w([c.experts, inter, d], 'fc3')], **attrs)
    if c.shared_experts:
        y = g.node('Add', [y, g.swiglu_mlp(x, c.shared_experts * inter)])
    return y


def decoder(name, cfg):
    g = DecoderGraph(name, cfg)
    mla = cfg.kv_lora > 0
    rope = cfg.qk_rope if mla else cfg.head_dim
    ctx = {'cos': g.w([cfg.max_positions, rope // 2], 'cos_cache'), 'sin': g.w([cfg.max_positions, rope // 2], 'sin_cache')}
    if mla:
        g.inputs.append(value('position_ids', TensorProto.INT64, ['batch_size', 'sequence_length']))
        padding = g.node('Sub', [g.const(1.0, np.float32, scalar=True), g.node('Cast', ['attention_mask'], to=TensorProto.FLOAT)])
        bias = g.node('Cast', [g.node('Mul', [padding, g.const(-10000.0, np.float32, scalar=True)])], to=BF16)
        ctx['mask_bias'] = g.node('Unsqueeze', [bias, g.const([1, 2])])  # [batch, 1, 1, total]
        ctx['scale'] = g.scalar(float((cfg.qk_nope + cfg.qk_rope) ** -0.5))
    else:  # GroupQueryAttention's sequence bookkeeping, from the attention mask (as the model builder does it)
        ctx['seqlens_k'] = g.node('Cast', [g.node('Sub', [g.node('ReduceSum', ['attention_mask', g.const([1])], keepdims=0), g.const(1, scalar=True)])], to=TensorProto.INT32)
        ctx['total_len'] = g.node('Cast', [g.node('Gather', [g.node('Shape', ['attention_mask']), g.const(1, scalar=True)])], to=TensorProto.INT32)
    attention = mla_attention if mla else gqa_attention
    g.scope = '/model/embed_tokens/'
    x = g.node('Gather', [g.w([cfg.vocab, cfg.hidden], 'embed_tokens'), 'input_ids'])
    for layer in range(cfg.layers):
        g.scope = f'/model/layers.{layer}/attn/'
        x = g.node('Add', [x, attention(g, g.rms_norm(x, cfg.hidden), layer, ctx)])
        dense = layer < cfg.dense_layers
        g.scope = f'/model/layers.{layer}/{"mlp" if dense else "moe"}/'
        n = g.rms_norm(x, cfg.hidden)
        x = g.node('Add', [x, g.swiglu_mlp(n, cfg.dense_inter) if dense else moe_block(g, n)])
    g.scope = '/model/'
    g.node('MatMul', [g.rms_norm(x, cfg.hidden), g.w([cfg.hidden, cfg.vocab], 'lm_head')], outputs=['logits'])
    g.scope = ''
    return g.save(OUT_DIR, g.inputs, g.outputs, [(MS, 1)], producer='makeMoeFixtures')


SMALL = {
    'fused_mixtral': lambda: build('fused_mixtral', 'fused', 8, 2, 'swiglu'),
    'fused_switch_shared': lambda: build('fused_switch_shared', 'fused', 8, 1, 'plain', shared=True),
    'fused_qmoe_shared': lambda: build('fused_qmoe_shared', 'qmoe', 8, 2, 'swiglu', shared=True),
    'sharded_mixtral': lambda: build('sharded_mixtral', 'sharded', 8, 2, 'swiglu'),
    'mixed_deepseek': lambda: build('mixed_deepseek', 'fused_deepseek', 8, 2, 'swiglu', layers=2, shared=True, dense_layers=1),
    'sparse_mixtral': lambda: build('sparse_mixtral', 'sparse', 8, 2, 'swiglu', layers=2),
    'sparse_switch': lambda: build('sparse_switch', 'sparse', 8, 1, 'plain'),
    'sparse_qwen_shared': lambda: build('sparse_qwen_shared', 'sparse', 8, 2, 'swiglu', shared='gated'),
    'dense_mixtral': lambda: build('dense_mixtral', 'dense', 8, 2, 'swiglu'),
    'dense_mixtral_shared': lambda: build('dense_mixtral_shared', 'dense', 8, 2, 'swiglu', shared=True),
    'dense_switch': lambda: build('dense_switch', 'dense', 4, 1, 'plain'),
    'dense_ffn': dense_ffn_model,
}
DECODERS = {
    'mixtral_8x7b': lambda: decoder('mixtral_8x7b', MIXTRAL_8X7B),
    'deepseek_v3': lambda: decoder('deepseek_v3', DEEPSEEK_V3),
    'kimi_k2': lambda: decoder('kimi_k2', KIMI_K2),
}

if __name__ == '__main__':
    models = {**SMALL, **DECODERS}
    for model in sys.argv[1:] or models:
        path = models[model]()
        print(path, os.path.getsize(path))
