"""The part every fixture generator shares: a graph builder whose weights carry dims and a data type but
no data. Each initializer points at an external 'weights.bin' that does not exist, so a fixture holds only
the graph's structure, and the profiler (which needs shapes, not values) still sees every weight.

Used by makeCnnFixtures.py, makeMoeFixtures.py and makeMlperfModels.py (Debian's /usr/bin/python3 has onnx).
"""
from onnx import TensorProto

# Storage bits per element, by TensorProto data type number (written as numbers: onnx 1.12 predates the 4-bit,
# FP8 and FP4 types). 17-20 FLOAT8*, 21 UINT4, 22 INT4, 23 FLOAT4E2M1, 24 FLOAT8E8M0.
ELEMENT_BITS = {
    TensorProto.FLOAT: 32, TensorProto.INT64: 64, TensorProto.INT32: 32, TensorProto.FLOAT16: 16, TensorProto.INT8: 8,
    TensorProto.UINT8: 8, 17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4, 24: 8,
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
