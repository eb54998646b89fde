#!/usr/bin/env python3
"""Gives a graph exported without weights its weights back, as initializers (random float32 values
in `raw_data`), to check that the importer reads a large model in bounded memory (issue 16):

    python scripts/onnx/with_weights.py crates/imc-zoo/tests/onnx/torchvision/vgg16.onnx /tmp/vgg16-weights.onnx
    /usr/bin/time -v target/release/imcdse workloads import /tmp/vgg16-weights.onnx --out /tmp/vgg16.toml

Every graph input but the first (the data) becomes an initializer of its declared shape. Needs
`pip install onnx==1.20.0 numpy`; the output (553 MB for VGG16) is not committed.
"""

import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main():
    src, dst = sys.argv[1], sys.argv[2]
    m = onnx.load(src)
    g = m.graph
    data, params = g.input[0], list(g.input[1:])
    rng = np.random.default_rng(0)
    total = 0
    for v in params:
        shape = [d.dim_value for d in v.type.tensor_type.shape.dim]
        a = rng.standard_normal(shape, dtype=np.float32)
        total += a.nbytes
        g.initializer.append(numpy_helper.from_array(a, v.name))
    del g.input[:]
    g.input.append(data)
    # Serialized by hand: onnx.save refuses models over 2 GB and checks nothing we need.
    with open(dst, "wb") as f:
        f.write(m.SerializeToString())
    print(f"{dst}: {len(params)} initializers, {total / 1e6:.1f} MB of weights")


if __name__ == "__main__":
    main()
