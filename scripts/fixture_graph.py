"""The part every fixture generator shares: a graph builder whose weights carry dims and a data type but
no data. Each initializer points at an external 'weights.bin' that does not exist, so a fixture holds only
the graph's structure, and the profiler (which needs shapes, not values) still sees every weight.
GraphBuilder adds what the model generators share: inline constants, scoped nodes, linear layers, saving.

Used by makeCnnFixtures.py, makeMoeFixtures.py, makeMlperfModels.py and makeQuantFixtures.py (Debian's
/usr/bin/python3 has onnx).
"""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

# Storage bits per element, by TensorProto data type number (written as numbers: onnx 1.12 predates the 4-bit,
# FP8 and FP4 types). 17-20 FLOAT8*, 21 UINT4, 22 INT4, 23 FLOAT4E2M1, 24 FLOAT8E8M0.
ELEMENT_BITS = {
    TensorProto.FLOAT: 32, TensorProto.INT64: 64, TensorProto.INT32: 32, TensorProto.FLOAT16: 16, TensorProto.BFLOAT16: 16,
    TensorProto.UINT8: 8, TensorProto.INT8: 8, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4, 24: 8,
}


class FixtureGraph:
    """Accumulates nodes and weightless initializers; names are unique by counter (after `scope`)."""

    def __init__(self, name):
        self.name = name
        self.nodes = []
        self.initializers = []
        self.counter = 0
        self.external_offset = 0
        self.scope = ''

    def fresh(self, prefix):
        self.counter += 1
        return f'{self.scope}{prefix}_{self.counter}'

    def weight(self, prefix, dims, dtype=TensorProto.FLOAT):
        """An initializer whose data lives in the absent external file, laid out one after another."""
        t = TensorProto()
        t.name = self.fresh(prefix)
        t.data_type = dtype
        t.dims.extend(dims)
        t.data_location = TensorProto.EXTERNAL
        count = 1
        for d in dims:
            count *= d
        length = (count * ELEMENT_BITS[dtype] + 7) // 8
        for key, value in (('location', 'weights.bin'), ('offset', str(self.external_offset)), ('length', str(length))):
            entry = t.external_data.add()
            entry.key = key
            entry.value = value
        self.external_offset += length
        self.initializers.append(t)
        return t.name


class GraphBuilder(FixtureGraph):
    """FixtureGraph plus inline constants, nodes named after the current scope, and an opset."""

    def __init__(self, name, opset):
        super().__init__(name)
        self.opset = opset
        self.constants = {}

    def const(self, values, dtype=np.int64, scalar=False):
        """A small inline initializer (shape vectors, axes, scalars), shared by value."""
        array = np.array(values, dtype=dtype).reshape(() if scalar else (-1,))
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self.constants:
            name = f'const_{len(self.constants)}'
            self.initializers.append(numpy_helper.from_array(array, name))
            self.constants[key] = name
        return self.constants[key]

    def node(self, op, inputs, outputs=1, domain='', **attrs):
        names = [self.fresh(op.lower()) for _ in range(outputs)] if isinstance(outputs, int) else list(outputs)
        self.nodes.append(helper.make_node(op, inputs, names, name=self.fresh(op), domain=domain or None, **attrs))
        return names[0] if len(names) == 1 else names

    def linear(self, x, c_in, c_out, bias=True, dtype=TensorProto.FLOAT):
        y = self.node('MatMul', [x, self.weight('weight', [c_in, c_out], dtype)])
        return self.node('Add', [y, self.weight('bias', [c_out], dtype)]) if bias else y

    def save(self, out_dir, inputs, outputs, extra_opsets=(), producer='makeMlperfModels', ir_version=8):
        graph = helper.make_graph(self.nodes, self.name, inputs, outputs, self.initializers)
        opsets = [helper.make_opsetid('', self.opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
        model = helper.make_model(graph, opset_imports=opsets, producer_name=producer)
        model.ir_version = ir_version
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, f'{self.name}.onnx')
        with open(path, 'wb') as f:
            f.write(model.SerializeToString())
        return path
