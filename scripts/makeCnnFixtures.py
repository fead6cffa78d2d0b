#!/usr/bin/python3
"""Builds graph-only ONNX models of standard torchvision CNNs for the MAC reference test.

Each model takes a 1x3x224x224 input. Its initializers carry dims and data type but no data: they point
at an external file 'weights.bin' that does not exist, so each fixture is a few tens of KB while the
profiler still sees every weight shape. BatchNorm is folded into the conv biases, as in exported
inference graphs; it carries no MACs. ONNX shape inference fills value_info.

torchvision's published GFLOPS (pytorch.org/vision model pages) count conv, linear and matmul MACs:
src/core/ops/families/cnnReference.test.ts compares our totals with them.

Run with Debian's python (onnx 1.12, numpy):  /usr/bin/python3 scripts/makeCnnFixtures.py
"""
import os
import sys

import onnx
from onnx import TensorProto, helper

from fixture_graph import FixtureGraph

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'cnn')
OPSET = 13


class Graph(FixtureGraph):
    """The CNN builder: convs, pools and linears over FixtureGraph's weightless weights."""

    def node(self, op, inputs, outputs=1, **attrs):
        names = [self.fresh(op.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=self.fresh(op), **attrs))
        return names[0] if outputs == 1 else names

    def conv(self, x, c_in, c_out, k, stride=1, pad=None, group=1, dilation=1):
        pad = (k - 1) // 2 * dilation if pad is None else pad
        w = self.weight('conv_w', [c_out, c_in // group, k, k])
        b = self.weight('conv_b', [c_out])
        return self.node('Conv', [x, w, b], kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group,
                         dilations=[dilation, dilation])

    def conv_relu(self, x, c_in, c_out, k, stride=1, pad=None, group=1):
        return self.node('Relu', [self.conv(x, c_in, c_out, k, stride, pad, group)])

    def max_pool(self, x, k, stride, pad=0, ceil=0):
        return self.node('MaxPool', [x], kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, ceil_mode=ceil)

    def avg_pool(self, x, k, stride):
        return self.node('AveragePool', [x], kernel_shape=[k, k], strides=[stride, stride])

    def linear(self, x, c_in, c_out):
        w = self.weight('fc_w', [c_out, c_in])
        b = self.weight('fc_b', [c_out])
        return self.node('Gemm', [x, w, b], transB=1)

    def classifier(self, x, channels, classes=1000):
        pooled = self.node('GlobalAveragePool', [x])
        flat = self.node('Flatten', [pooled], axis=1)
        return self.linear(flat, channels, classes)

    def save(self, output):
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, 3, 224, 224])],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
            self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='makeCnnFixtures')
        model.ir_version = 7
        model = onnx.shape_inference.infer_shapes(model)
        path = os.path.join(OUT_DIR, f'{self.name}.onnx')
        with open(path, 'wb') as f:
            f.write(model.SerializeToString())
        return path


def resnet(name, block, layers):
    g = Graph(name)
    x = g.conv_relu('input', 3, 64, 7, stride=2, pad=3)
    x = g.max_pool(x, 3, 2, pad=1)
    c_in = 64
    expansion = 4 if block == 'bottleneck' else 1
    for stage, (width, count) in enumerate(zip([64, 128, 256, 512], layers)):
        for i in range(count):
            stride = 2 if stage > 0 and i == 0 else 1
            c_out = width * expansion
            if block == 'basic':
                y = g.conv_relu(x, c_in, width, 3, stride)
                y = g.conv(y, width, width, 3)
            else:
                y = g.conv_relu(x, c_in, width, 1)
                y = g.conv_relu(y, width, width, 3, stride)  # torchvision (v1.5): the stride is on the 3x3
                y = g.conv(y, width, c_out, 1)
            shortcut = g.conv(x, c_in, c_out, 1, stride, pad=0) if stride != 1 or c_in != c_out else x
            x = g.node('Relu', [g.node('Add', [y, shortcut])])
            c_in = c_out
    return g.save(g.classifier(x, c_in))


def vgg16():
    g = Graph('vgg16')
    x = 'input'
    c_in = 3
    for v in [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']:
        if v == 'M':
            x = g.max_pool(x, 2, 2)
        else:
            x = g.conv_relu(x, c_in, v, 3)
            c_in = v
    x = g.node('Flatten', [x], axis=1)
    x = g.node('Relu', [g.linear(x, 512 * 7 * 7, 4096)])
    x = g.node('Relu', [g.linear(x, 4096, 4096)])
    return g.save(g.linear(x, 4096, 1000))


def alexnet():
    g = Graph('alexnet')
    x = g.conv_relu('input', 3, 64, 11, stride=4, pad=2)
    x = g.max_pool(x, 3, 2)
    x = g.conv_relu(x, 64, 192, 5, pad=2)
    x = g.max_pool(x, 3, 2)
    x = g.conv_relu(x, 192, 384, 3)
    x = g.conv_relu(x, 384, 256, 3)
    x = g.conv_relu(x, 256, 256, 3)
    x = g.max_pool(x, 3, 2)  # 6x6: the adaptive 6x6 average pool that follows is the identity
    x = g.node('Flatten', [x], axis=1)
    x = g.node('Relu', [g.linear(x, 256 * 6 * 6, 4096)])
    x = g.node('Relu', [g.linear(x, 4096, 4096)])
    return g.save(g.linear(x, 4096, 1000))


def relu6(g, x):
    return g.node('Clip', [x, g.weight('clip_min', []), g.weight('clip_max', [])])


def mobilenet_v2():
    g = Graph('mobilenet_v2')
    x = relu6(g, g.conv('input', 3, 32, 3, stride=2))
    c_in = 32
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = c_in * t
            y = x if t == 1 else relu6(g, g.conv(x, c_in, hidden, 1))
            y = relu6(g, g.conv(y, hidden, hidden, 3, stride, group=hidden))
            y = g.conv(y, hidden, c, 1)
            x = g.node('Add', [x, y]) if stride == 1 and c_in == c else y
            c_in = c
    x = relu6(g, g.conv(x, c_in, 1280, 1))
    return g.save(g.classifier(x, 1280))


def squeezenet1_1():
    g = Graph('squeezenet1_1')
    x = g.conv_relu('input', 3, 64, 3, stride=2, pad=0)
    x = g.max_pool(x, 3, 2, ceil=1)
    c_in = 64

    def fire(x, c_in, squeeze, expand):
        s = g.conv_relu(x, c_in, squeeze, 1)
        return g.node('Concat', [g.conv_relu(s, squeeze, expand, 1), g.conv_relu(s, squeeze, expand, 3)], axis=1)

    for squeeze, expand, pool_after in [(16, 64, False), (16, 64, True), (32, 128, False), (32, 128, True),
                                        (48, 192, False), (48, 192, False), (64, 256, False), (64, 256, False)]:
        x = fire(x, c_in, squeeze, expand)
        c_in = 2 * expand
        if pool_after:
            x = g.max_pool(x, 3, 2, ceil=1)
    x = g.conv_relu(x, 512, 1000, 1)
    pooled = g.node('GlobalAveragePool', [x])
    return g.save(g.node('Flatten', [pooled], axis=1))


def densenet121():
    g = Graph('densenet121')
    x = g.conv_relu('input', 3, 64, 7, stride=2, pad=3)
    x = g.max_pool(x, 3, 2, pad=1)
    channels = 64
    for block, layers in enumerate([6, 12, 24, 16]):
        features = [x]
        for _ in range(layers):
            joined = features[0] if len(features) == 1 else g.node('Concat', features, axis=1)
            y = g.conv_relu(g.node('Relu', [joined]), channels, 128, 1)
            features.append(g.conv(y, 128, 32, 3))
            channels += 32
        x = g.node('Concat', features, axis=1)
        if block < 3:
            x = g.conv(g.node('Relu', [x]), channels, channels // 2, 1)
            x = g.avg_pool(x, 2, 2)
            channels //= 2
    return g.save(g.classifier(g.node('Relu', [x]), channels))


def googlenet():
    g = Graph('googlenet')
    x = g.conv_relu('input', 3, 64, 7, stride=2, pad=3)
    x = g.max_pool(x, 3, 2, ceil=1)
    x = g.conv_relu(x, 64, 64, 1)
    x = g.conv_relu(x, 64, 192, 3)
    x = g.max_pool(x, 3, 2, ceil=1)

    def inception(x, c_in, ch1, ch3r, ch3, ch5r, ch5, pool_proj):
        b1 = g.conv_relu(x, c_in, ch1, 1)
        b2 = g.conv_relu(g.conv_relu(x, c_in, ch3r, 1), ch3r, ch3, 3)
        b3 = g.conv_relu(g.conv_relu(x, c_in, ch5r, 1), ch5r, ch5, 3)  # torchvision uses 3x3 here
        pooled = g.node('MaxPool', [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], ceil_mode=1)
        b4 = g.conv_relu(pooled, c_in, pool_proj, 1)
        return g.node('Concat', [b1, b2, b3, b4], axis=1), ch1 + ch3 + ch5 + pool_proj

    c = 192
    for spec in [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64)]:
        x, c = inception(x, c, *spec)
    x = g.max_pool(x, 3, 2, ceil=1)
    for spec in [(192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
                 (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128)]:
        x, c = inception(x, c, *spec)
    x = g.node('MaxPool', [x], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)
    for spec in [(256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)]:
        x, c = inception(x, c, *spec)
    return g.save(g.classifier(x, c))


MODELS = {
    'resnet18': lambda: resnet('resnet18', 'basic', [2, 2, 2, 2]),
    'resnet50': lambda: resnet('resnet50', 'bottleneck', [3, 4, 6, 3]),
    'vgg16': vgg16,
    'alexnet': alexnet,
    'mobilenet_v2': mobilenet_v2,
    'squeezenet1_1': squeezenet1_1,
    'densenet121': densenet121,
    'googlenet': googlenet,
}

if __name__ == '__main__':
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in sys.argv[1:] or MODELS:
        path = MODELS[name]()
        print(f'{os.path.relpath(path)}: {os.path.getsize(path)} bytes')
