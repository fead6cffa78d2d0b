#!/usr/bin/python3
"""Builds small graph-only mixture-of-experts ONNX models for the hint tests (src/core/hints/*.test.ts).

Weights carry dims and dtype but no data: they point at an external 'weights.bin' that does not exist, so
each file is a few KB while the profiler still sees every weight shape. Shapes are static (16 tokens)
except the per-expert token count of sparse dispatch, which NonZero makes data-dependent.

Layouts, as exporters write them:
  fused   com.microsoft MoE (router MatMul -> Softmax -> MoE with experts stacked [E, ...])
  sparse  HF Mixtral-style: TopK -> OneHot mask -> per expert NonZero -> Gather tokens -> FFN ->
          Mul(routing weight) -> ScatterElements(reduction=add) back into the output
  dense   every expert runs on every token; a [tokens, experts] gate matrix (zero outside the top-k)
          weights each expert's output, and the outputs are summed
Expert FFN: Mixtral SwiGLU (w2(silu(w1 x) * w3 x)) or Switch plain FFN (w2(relu(w1 x))).
A shared expert is an FFN on the same input, added to the MoE output without a gate.

Run with Debian's python (onnx 1.12, numpy):  /usr/bin/python3 scripts/makeMoeFixtures.py
"""
import os

import onnx
from onnx import TensorProto, helper

from fixture_graph import FixtureGraph

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'moe')
OPSET = 17
TOKENS = 16
HIDDEN = 64
INTER = 128


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


LAYERS = {'sparse': sparse_layer, 'dense': dense_layer, 'fused': fused_layer}


def build(name, layout, experts, k, style, layers=1, shared=False):
    g = Graph(name)
    x = 'hidden'
    for layer in range(layers):
        scope = f'/model/layers.{layer}/moe'
        y = LAYERS[layout](g, x, experts, k, style, scope)
        if shared:
            y = g.node('Add', [y, ffn(g, x, style, f'/model/layers.{layer}/shared_expert')], scope=scope)
        x = g.node('Add', [x, y], scope=f'/model/layers.{layer}')
    return g.save(x, custom=layout == 'fused')


def dense_ffn_model():
    """A dense two-layer FFN stack (no MoE): the MoE-opportunity hint's fixture."""
    g = Graph('dense_ffn')
    x = 'hidden'
    for layer in range(2):
        y = ffn(g, x, 'swiglu', f'/model/layers.{layer}/mlp')
        x = g.node('Add', [x, y], scope=f'/model/layers.{layer}')
    return g.save(x)


if __name__ == '__main__':
    for path in (
        build('fused_mixtral', 'fused', 8, 2, 'swiglu'),
        build('fused_switch_shared', 'fused', 8, 1, 'plain', shared=True),
        build('sparse_mixtral', 'sparse', 8, 2, 'swiglu', layers=2),
        build('sparse_switch', 'sparse', 8, 1, 'plain'),
        build('dense_mixtral', 'dense', 8, 2, 'swiglu'),
        build('dense_mixtral_shared', 'dense', 8, 2, 'swiglu', shared=True),
        build('dense_switch', 'dense', 4, 1, 'plain'),
        dense_ffn_model(),
    ):
        print(path, os.path.getsize(path))
