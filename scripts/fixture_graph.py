"""The part every fixture generator shares: a graph builder whose weights carry dims and a data type but
no data. Each initializer points at an external 'weights.bin' that does not exist, so a fixture holds only
the graph's structure, and the profiler (which needs shapes, not values) still sees every weight.

Used by makeCnnFixtures.py, makeMoeFixtures.py and makeMlperfModels.py (Debian's /usr/bin/python3 has onnx).
"""
from onnx import TensorProto

ELEMENT_BYTES = {TensorProto.FLOAT: 4, TensorProto.INT64: 8, TensorProto.INT32: 4}


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
        length = count * ELEMENT_BYTES[dtype]
        for key, value in (('location', 'weights.bin'), ('offset', str(self.external_offset)), ('length', str(length))):
            entry = t.external_data.add()
            entry.key = key
            entry.value = value
        self.external_offset += length
        self.initializers.append(t)
        return t.name
