#!/usr/bin/env python3
"""Small ONNX graphs for the ONNX importer's tests (issue 16), each exercising one operator or
edge case, with its totals worked out by hand in `expected.json` beside them.

    python scripts/onnx/make_fixtures.py [--out crates/imc-zoo/tests/onnx]

Needs the `onnx` package (`pip install onnx==1.20.0`); the files are committed, so the Rust
tests do not. Totals are for batch 1 unless a fixture says otherwise: `weights` (static weights
held in crossbars, no biases), `static_macs` (MACs of layers with a weight operand: Conv, Gemm,
MatMul with a weight), `dynamic_macs` (MatMul of two activations), `matrix_layers` (how many
layers map onto crossbars), `softmax_elements`. Bad files carry the word their error must name.

The valid graphs pass `onnx.checker` and `onnx.shape_inference` (strict), so what they declare
is what ONNX itself infers.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
OPSET = 17


def value(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def weight(name, shape, seed=0):
    """An initializer with values (the importer must not need them)."""
    rng = np.random.default_rng(seed)
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def model(nodes, inputs, outputs, initializers=(), name="g", opset=OPSET):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="imcdse-fixtures")
    m.ir_version = 8
    return m


def checked(m):
    onnx.checker.check_model(m, full_check=True)
    onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    return m


def conv(params_as_inputs=False, external=False):
    """Conv 3->8, 3x3, pad 1 on 16x16: 8*16*16 outputs, each 3*3*3 MACs."""
    w_shape = [8, 3, 3, 3]
    nodes = [helper.make_node("Conv", ["input", "w", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["y"], ["output"])]
    inputs = [value("input", [1, 3, 16, 16])]
    inits = []
    if params_as_inputs:
        inputs += [value("w", w_shape), value("b", [8])]
    else:
        w = weight("w", w_shape)
        if external:
            # Declared as stored in a file that is not there: shapes must come from the graph.
            w = helper.make_tensor("w", F, w_shape, vals=[])
            w.ClearField("float_data")
            w.data_location = TensorProto.EXTERNAL
            for k, v in (("location", "conv_external.weights.bin"), ("offset", "0"), ("length", str(4 * 216))):
                e = w.external_data.add()
                e.key, e.value = k, v
        inits = [w, weight("b", [8], 1)]
    m = model(nodes, inputs, [value("output", [1, 8, 16, 16])], inits)
    if not external:
        checked(m)
    return m


CONV_TOTALS = {"weights": 8 * 3 * 3 * 3, "static_macs": 8 * 16 * 16 * 3 * 3 * 3, "dynamic_macs": 0,
               "matrix_layers": 1}


def symbolic_batch():
    """The conv above on a `batch` x 3 x 16 x 16 input: MACs scale with the batch."""
    nodes = [helper.make_node("Conv", ["input", "w"], ["output"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    return checked(model(nodes, [value("input", ["batch", 3, 16, 16])], [value("output", ["batch", 8, 16, 16])],
                         [weight("w", [8, 3, 3, 3])]))


def symbolic_seq():
    """A linear layer 16 -> 32 on `batch` x `seq` tokens: `seq` has no default, batch defaults to 1."""
    nodes = [helper.make_node("MatMul", ["input", "w"], ["output"])]
    return checked(model(nodes, [value("input", ["batch", "seq", 16])], [value("output", ["batch", "seq", 32])],
                         [weight("w", [16, 32])]))


def activations():
    """Conv 4->8 3x3 pad 1 on 8x8; Clip(0, 6) (ReLU6); x * Sigmoid(x) (SiLU); Split into 4 + 4 channels;
    HardSwish on the first half; Concat; Pad 1 around; AveragePool 3x3 stride 2 with ceil_mode: 10 -> 5."""
    n = helper.make_node
    c = lambda name, x: numpy_helper.from_array(np.array(x, np.float32), name)  # noqa: E731
    nodes = [
        n("Conv", ["input", "w"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        n("Clip", ["c", "lo", "hi"], ["r"]),
        n("Sigmoid", ["r"], ["s"]),
        n("Mul", ["r", "s"], ["silu"]),
        n("Split", ["silu", "halves"], ["a", "b"], axis=1),
        n("HardSwish", ["a"], ["h"]),
        n("Concat", ["h", "b"], ["cat"], axis=1),
        n("Pad", ["cat", "pads"], ["p"]),
        n("AveragePool", ["p"], ["output"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
    ]
    inits = [weight("w", [8, 4, 3, 3]), c("lo", 0.0), c("hi", 6.0),
             numpy_helper.from_array(np.array([4, 4], np.int64), "halves"),
             numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads")]
    return checked(model(nodes, [value("input", [1, 4, 8, 8])], [value("output", [1, 8, 5, 5])], inits))


def unsupported():
    """A linear layer 4 -> 4, then two Tanh, a Div of two activations and a ReduceMean, which the
    importer does not map."""
    n = helper.make_node
    nodes = [n("MatMul", ["input", "w"], ["m"]), n("Tanh", ["m"], ["t1"]), n("Tanh", ["t1"], ["t2"]),
             n("Div", ["t2", "m"], ["d"]), n("ReduceMean", ["d"], ["output"], axes=[1], keepdims=1)]
    return checked(model(nodes, [value("input", [1, 4])], [value("output", [1, 1])], [weight("w", [4, 4])],
                         opset=13))


def densenet201():
    """DenseNet-201 as torchvision's eval-mode export writes it without weights (parameters as graph
    inputs): conv0 with its BatchNorm folded in, then pre-activation dense layers (Concat of all
    earlier features, BatchNorm, Relu, 1x1 Conv to 4 x 32, BatchNorm, Relu, 3x3 Conv to 32), whose
    BatchNorms precede their Conv and so stay; transitions (BatchNorm, Relu, 1x1 Conv halving the
    channels, AveragePool 2x2); BatchNorm, Relu, GlobalAveragePool, Flatten, Gemm 1920 -> 1000.
    About 700 nodes: the importer's speed fixture, and the zoo's densenet201 layer by layer."""
    n = helper.make_node
    nodes, inputs = [], [value("input", [1, 3, 224, 224])]

    def param(name, shape):
        inputs.append(value(name, shape))
        return name

    def bn(x, c, name):
        ps = [param(f"{name}.{k}", [c]) for k in ("weight", "bias", "running_mean", "running_var")]
        nodes.append(n("BatchNormalization", [x] + ps, [f"/{name}/out"], name=f"/{name}/BatchNormalization"))
        return f"/{name}/out"

    def relu(x, name):
        nodes.append(n("Relu", [x], [f"/{name}/out"], name=f"/{name}/Relu"))
        return f"/{name}/out"

    def conv(x, cin, cout, k, name, stride=1, pad=0, bias=False):
        ins = [x, param(f"{name}.weight", [cout, cin, k, k])] + ([param(f"{name}.bias", [cout])] if bias else [])
        nodes.append(n("Conv", ins, [f"/{name}/out"], name=f"/{name}/Conv", kernel_shape=[k, k],
                       strides=[stride, stride], pads=[pad] * 4))
        return f"/{name}/out"

    x = conv("input", 3, 64, 7, "features.conv0", stride=2, pad=3, bias=True)
    x = relu(x, "features.relu0")
    nodes.append(n("MaxPool", [x], ["/features.pool0/out"], name="/features.pool0/MaxPool", kernel_shape=[3, 3],
                   strides=[2, 2], pads=[1, 1, 1, 1]))
    x, c = "/features.pool0/out", 64
    for b, layers in enumerate([6, 12, 48, 32], start=1):
        feats = [x]
        for i in range(1, layers + 1):
            name = f"features.denseblock{b}.denselayer{i}"
            nodes.append(n("Concat", list(feats), [f"/{name}/cat"], name=f"/{name}/Concat", axis=1))
            h = relu(bn(f"/{name}/cat", c + 32 * (i - 1), f"{name}.norm1"), f"{name}.relu1")
            h = conv(h, c + 32 * (i - 1), 128, 1, f"{name}.conv1")
            h = relu(bn(h, 128, f"{name}.norm2"), f"{name}.relu2")
            feats.append(conv(h, 128, 32, 3, f"{name}.conv2", pad=1))
        c += 32 * layers
        nodes.append(n("Concat", feats, [f"/features.denseblock{b}/out"], name=f"/features.denseblock{b}/Concat", axis=1))
        x = f"/features.denseblock{b}/out"
        if b < 4:
            name = f"features.transition{b}"
            h = conv(relu(bn(x, c, f"{name}.norm"), f"{name}.relu"), c, c // 2, 1, f"{name}.conv")
            nodes.append(n("AveragePool", [h], [f"/{name}/pool"], name=f"/{name}/AveragePool", kernel_shape=[2, 2],
                           strides=[2, 2]))
            x, c = f"/{name}/pool", c // 2
    x = relu(bn(x, c, "features.norm5"), "relu")
    nodes += [n("GlobalAveragePool", [x], ["/gap"], name="/GlobalAveragePool"),
              n("Flatten", ["/gap"], ["/flat"], name="/Flatten", axis=1),
              n("Gemm", ["/flat", param("classifier.weight", [1000, c]), param("classifier.bias", [1000])],
                ["output"], name="/classifier/Gemm", transB=1)]
    return checked(model(nodes, inputs, [value("output", [1, 1000])], name="densenet201"))


def two_inputs():
    """Two graph inputs, each the data operand of a MatMul: which is the data is ambiguous until
    `--input` names one; the other is then a constant, and its branch costs nothing."""
    n = helper.make_node
    nodes = [n("MatMul", ["a", "w1"], ["p"]), n("MatMul", ["b", "w2"], ["q"]), n("Add", ["p", "q"], ["output"])]
    return checked(model(nodes, [value("a", [1, 8]), value("b", [1, 8])], [value("output", [1, 8])],
                         [weight("w1", [8, 8]), weight("w2", [8, 8], 1)]))


def embedding():
    """A token embedding (Gather of a 100 x 32 table by 16 int64 ids), then a linear layer 32 -> 8."""
    n = helper.make_node
    nodes = [n("Gather", ["table", "ids"], ["e"], axis=0), n("MatMul", ["e", "w"], ["output"])]
    return checked(model(nodes, [value("ids", [1, 16], elem=TensorProto.INT64)], [value("output", [1, 16, 8])],
                         [weight("table", [100, 32]), weight("w", [32, 8], 1)]))


def written_out():
    """Operators written out of primitives, as older opsets and Hugging Face exports do, on 8 tokens of 16:
    LayerNorm (ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul, Add), a linear 16 -> 16, tanh-GELU
    (0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))), RMSNorm (Pow 2, ReduceMean, Add eps, Sqrt, Reciprocal,
    Mul x, Mul weight), a linear 16 -> 16, x * HardSigmoid(x) (HardSwish), and a residual Add."""
    n = helper.make_node
    c = lambda name, x: numpy_helper.from_array(np.array(x, np.float32), name)  # noqa: E731
    axes = numpy_helper.from_array(np.array([-1], np.int64), "axes")
    nodes = [
        n("ReduceMean", ["input", "axes"], ["mu"]), n("Sub", ["input", "mu"], ["d"]), n("Pow", ["d", "two"], ["d2"]),
        n("ReduceMean", ["d2", "axes"], ["var"]), n("Add", ["var", "eps"], ["ve"]), n("Sqrt", ["ve"], ["sd"]),
        n("Div", ["d", "sd"], ["xn"]), n("Mul", ["xn", "g1"], ["xg"]), n("Add", ["xg", "b1"], ["ln"]),
        n("MatMul", ["ln", "w1"], ["h"]),
        n("Pow", ["h", "three"], ["h3"]), n("Mul", ["h3", "k"], ["h3k"]), n("Add", ["h", "h3k"], ["inner"]),
        n("Mul", ["inner", "s2pi"], ["z"]), n("Tanh", ["z"], ["t"]), n("Add", ["t", "one"], ["t1"]),
        n("Mul", ["h", "t1"], ["ht"]), n("Mul", ["ht", "half"], ["gelu"]),
        n("Pow", ["gelu", "two"], ["g2"]), n("ReduceMean", ["g2", "axes"], ["ms"]), n("Add", ["ms", "eps"], ["mse"]),
        n("Sqrt", ["mse"], ["rms"]), n("Reciprocal", ["rms"], ["inv"]), n("Mul", ["gelu", "inv"], ["gn"]),
        n("Mul", ["gn", "g2w"], ["rn"]), n("MatMul", ["rn", "w2"], ["y"]),
        n("HardSigmoid", ["y"], ["hs"]), n("Mul", ["y", "hs"], ["hsw"]),
        n("Add", ["hsw", "input"], ["output"]),
    ]
    inits = [axes, c("two", 2.0), c("three", 3.0), c("eps", 1e-5), c("k", 0.044715), c("s2pi", np.sqrt(2 / np.pi)),
             c("one", 1.0), c("half", 0.5), weight("g1", [16]), weight("b1", [16], 1), weight("g2w", [16], 2),
             weight("w1", [16, 16], 3), weight("w2", [16, 16], 4)]
    return checked(model(nodes, [value("input", [1, 8, 16])], [value("output", [1, 8, 16])], inits, opset=18))


def grouped_dilated():
    """Grouped conv (8->8, 4 groups, 3x3, dilation 2, pad 2) on 20x20, then depthwise 3x3 stride 2 pad 1."""
    nodes = [
        helper.make_node("Conv", ["input", "w1"], ["a"], kernel_shape=[3, 3], group=4, dilations=[2, 2],
                         pads=[2, 2, 2, 2]),
        helper.make_node("Conv", ["a", "w2"], ["output"], kernel_shape=[3, 3], group=8, strides=[2, 2],
                         pads=[1, 1, 1, 1]),
    ]
    return checked(model(nodes, [value("input", [1, 8, 20, 20])], [value("output", [1, 8, 10, 10])],
                         [weight("w1", [8, 2, 3, 3]), weight("w2", [8, 1, 3, 3], 2)]))


def same_upper():
    """auto_pad SAME_UPPER, stride 2, 3x3, 4->6 on 15x15: output ceil(15/2) = 8."""
    nodes = [helper.make_node("Conv", ["input", "w"], ["output"], kernel_shape=[3, 3], strides=[2, 2],
                              auto_pad="SAME_UPPER")]
    return checked(model(nodes, [value("input", [1, 4, 15, 15])], [value("output", [1, 6, 8, 8])],
                         [weight("w", [6, 4, 3, 3])]))


def matmul_4d():
    """ConvNeXt's 1x1 linear layer: [1, 56, 56, 96] x [96, 384]: 56*56 tokens. The weight is a graph
    input (as `export_params=False` writes it), the bias an initializer."""
    nodes = [helper.make_node("MatMul", ["input", "w"], ["h"]),
             helper.make_node("Add", ["h", "b"], ["output"])]
    return checked(model(nodes, [value("input", [1, 56, 56, 96]), value("w", [96, 384])],
                         [value("output", [1, 56, 56, 384])], [weight("b", [384], 1)]))


def gemm_head():
    """Conv 3->16 3x3 pad 1 on 8x8, BatchNormalization, Relu, MaxPool 2x2, GlobalAveragePool, Flatten,
    Gemm (transB) 16->10, Softmax."""
    nodes = [
        helper.make_node("Conv", ["input", "w"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["n"]),
        helper.make_node("Relu", ["n"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["output"], axis=-1),
    ]
    inits = [weight("w", [16, 3, 3, 3]), weight("s", [16], 1), weight("bb", [16], 2), weight("m", [16], 3),
             numpy_helper.from_array(np.ones(16, np.float32), "v"), weight("fc", [10, 16], 4),
             weight("fcb", [10], 5)]
    return checked(model(nodes, [value("input", [1, 3, 8, 8])], [value("output", [1, 10])], inits))


def transformer_block():
    """One pre-norm encoder block, T = 8 tokens, D = 16, 2 heads of 8, MLP 64, GELU through Erf:
    LayerNorm; Q, K, V = x Wq, x Wk, x Wv (+bias); heads by Reshape/Transpose; Q K^T (dynamic) /
    sqrt(8), Softmax, (A V) (dynamic); back by Transpose/Reshape; out projection; residual Add;
    LayerNorm; MatMul 16->64, GELU (Div, Erf, Add, Mul, Mul), MatMul 64->16; residual Add."""
    T, D, H, DH, M = 8, 16, 2, 8, 64
    n = helper.make_node
    shape_heads = numpy_helper.from_array(np.array([1, T, H, DH], np.int64), "shape_heads")
    shape_back = numpy_helper.from_array(np.array([1, T, D], np.int64), "shape_back")
    c = lambda name, x: numpy_helper.from_array(np.array(x, np.float32), name)  # noqa: E731
    nodes = [n("LayerNormalization", ["input", "ln1_s", "ln1_b"], ["x1"], axis=-1)]
    for p in "qkv":
        nodes += [n("MatMul", ["x1", f"w{p}"], [f"{p}0"]), n("Add", [f"{p}0", f"b{p}"], [f"{p}1"]),
                  n("Reshape", [f"{p}1", "shape_heads"], [f"{p}2"])]
    nodes += [
        n("Transpose", ["q2"], ["q"], perm=[0, 2, 1, 3]),
        n("Transpose", ["k2"], ["kt"], perm=[0, 2, 3, 1]),
        n("Transpose", ["v2"], ["v"], perm=[0, 2, 1, 3]),
        n("MatMul", ["q", "kt"], ["s0"]),
        n("Div", ["s0", "sqrt_dh"], ["s1"]),
        n("Softmax", ["s1"], ["a"], axis=-1),
        n("MatMul", ["a", "v"], ["o0"]),
        n("Transpose", ["o0"], ["o1"], perm=[0, 2, 1, 3]),
        n("Reshape", ["o1", "shape_back"], ["o2"]),
        n("MatMul", ["o2", "wo"], ["o3"]),
        n("Add", ["o3", "input"], ["r1"]),
        n("LayerNormalization", ["r1", "ln2_s", "ln2_b"], ["x2"], axis=-1),
        n("MatMul", ["x2", "w1"], ["h0"]),
        n("Div", ["h0", "sqrt2"], ["h1"]),
        n("Erf", ["h1"], ["h2"]),
        n("Add", ["h2", "one"], ["h3"]),
        n("Mul", ["h0", "h3"], ["h4"]),
        n("Mul", ["h4", "half"], ["h5"]),
        n("MatMul", ["h5", "w2"], ["h6"]),
        n("Add", ["h6", "r1"], ["output"]),
    ]
    inits = [shape_heads, shape_back, c("sqrt_dh", np.sqrt(DH)), c("sqrt2", np.sqrt(2.0)), c("one", 1.0),
             c("half", 0.5), weight("ln1_s", [D]), weight("ln1_b", [D], 1), weight("ln2_s", [D], 2),
             weight("ln2_b", [D], 3), weight("wo", [D, D], 4), weight("w1", [D, M], 5), weight("w2", [M, D], 6)]
    for i, p in enumerate("qkv"):
        inits += [weight(f"w{p}", [D, D], 10 + i), weight(f"b{p}", [D], 20 + i)]
    return checked(model(nodes, [value("input", [1, T, D])], [value("output", [1, T, D])], inits))


TRANSFORMER_TOTALS = {
    # Q, K, V and the output projection: 4 x T x D x D; the MLP: 2 x T x D x M.
    "weights": 4 * 16 * 16 + 2 * 16 * 64,
    "static_macs": 4 * 8 * 16 * 16 + 2 * 8 * 16 * 64,
    # Q K^T and A V, per head T x T x DH, 2 heads.
    "dynamic_macs": 2 * (2 * 8 * 8 * 8),
    "matrix_layers": 6 + 2,
    "softmax_elements": 2 * 8 * 8,
}


def bad_files(out):
    """Files the importer must refuse with a clear error (the word the error names)."""
    good = conv().SerializeToString()
    (out / "bad_not_onnx.onnx").write_bytes(b"This is a text file, not an ONNX model.\n")
    (out / "bad_truncated.onnx").write_bytes(good[: len(good) // 2])
    empty = model([], [value("input", [1, 3])], [value("output", [1, 3])])
    (out / "bad_empty_graph.onnx").write_bytes(empty.SerializeToString())
    cycle = model([helper.make_node("Add", ["input", "b"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
                   helper.make_node("Relu", ["a"], ["output"])],
                  [value("input", [1, 4])], [value("output", [1, 4])])
    (out / "bad_cycle.onnx").write_bytes(cycle.SerializeToString())
    noshape = model([helper.make_node("MatMul", ["input", "w"], ["output"])],
                    [helper.make_tensor_value_info("input", F, None), helper.make_tensor_value_info("w", F, None)],
                    [helper.make_tensor_value_info("output", F, None)])
    (out / "bad_missing_shapes.onnx").write_bytes(noshape.SerializeToString())
    dtype = model([helper.make_node("Relu", ["input"], ["output"])], [value("input", [1, 4], elem=99)],
                  [value("output", [1, 4], elem=99)])
    (out / "bad_unknown_dtype.onnx").write_bytes(dtype.SerializeToString())
    old = model([helper.make_node("Relu", ["input"], ["output"])], [value("input", [1, 4])],
                [value("output", [1, 4])], opset=6)
    (out / "bad_opset6.onnx").write_bytes(old.SerializeToString())
    huge = model([helper.make_node("MatMul", ["input", "w"], ["output"])],
                 [value("input", [1, 1 << 30]), value("w", [1 << 30, 4])], [value("output", [1, 4])])
    (out / "bad_huge_dim.onnx").write_bytes(huge.SerializeToString())
    return {
        "bad_not_onnx.onnx": "not an ONNX model",
        "bad_truncated.onnx": "truncated",
        "bad_empty_graph.onnx": "no nodes",
        "bad_cycle.onnx": "cycle",
        "bad_missing_shapes.onnx": "shape",
        "bad_unknown_dtype.onnx": "data type",
        "bad_opset6.onnx": "opset 6",
        "bad_huge_dim.onnx": "1073741824",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "crates/imc-zoo/tests/onnx"))
    out = Path(ap.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    valid = {
        "conv_initializers.onnx": (conv(), CONV_TOTALS),
        "conv_params_as_inputs.onnx": (conv(params_as_inputs=True), CONV_TOTALS),
        "conv_external_data.onnx": (conv(external=True), CONV_TOTALS),
        "symbolic_batch.onnx": (symbolic_batch(), {
            "dims": {"batch": 4}, "weights": 216, "static_macs": 4 * 8 * 16 * 16 * 27, "dynamic_macs": 0,
            "matrix_layers": 1, "default_static_macs": 8 * 16 * 16 * 27}),
        "symbolic_seq.onnx": (symbolic_seq(), {
            "dims": {"seq": 10}, "weights": 16 * 32, "static_macs": 10 * 16 * 32, "dynamic_macs": 0,
            "matrix_layers": 1, "tokens": 10, "missing_dim_error": "seq"}),
        "activations.onnx": (activations(), {
            "weights": 8 * 4 * 9, "static_macs": 8 * 8 * 8 * 4 * 9, "dynamic_macs": 0, "matrix_layers": 1,
            "act_elements": {"relu": 512, "silu": 512, "hardswish": 256}, "pool_output": [5, 5]}),
        "two_inputs.onnx": (two_inputs(), {
            "input": "a", "weights": 64, "static_macs": 64, "dynamic_macs": 0, "matrix_layers": 1,
            "ambiguous_error": "--input"}),
        "embedding.onnx": (embedding(), {
            "weights": 32 * 8, "static_macs": 16 * 32 * 8, "dynamic_macs": 0, "matrix_layers": 1,
            "embedding": [100, 32, 16]}),
        "written_out.onnx": (written_out(), {
            "weights": 2 * 16 * 16, "static_macs": 2 * 8 * 16 * 16, "dynamic_macs": 0, "matrix_layers": 2,
            "act_elements": {"gelu": 128, "hardswish": 128}, "norms": [["layer", 16, 128], ["rms", 16, 128]],
            "layers": 7}),
        "unsupported.onnx": (unsupported(), {
            "weights": 16, "static_macs": 16, "dynamic_macs": 0, "matrix_layers": 1,
            "unsupported": {"Tanh (outside a tanh-GELU; the zoo has no tanh activation)": 2,
                            "ReduceMean (neither a LayerNorm's or RMSNorm's mean nor a global average pool)": 1,
                            "Div (of two different activations)": 1}}),
        "grouped_dilated.onnx": (grouped_dilated(), {
            # 8 x 20 x 20 outputs of 2 x 9 MACs; then 8 x 10 x 10 outputs of 9 MACs.
            "weights": 8 * 2 * 9 + 8 * 1 * 9, "static_macs": 8 * 20 * 20 * 2 * 9 + 8 * 10 * 10 * 9,
            "dynamic_macs": 0, "matrix_layers": 2}),
        "same_upper.onnx": (same_upper(), {
            "weights": 6 * 4 * 9, "static_macs": 6 * 8 * 8 * 4 * 9, "dynamic_macs": 0, "matrix_layers": 1}),
        "matmul_4d.onnx": (matmul_4d(), {
            "weights": 96 * 384, "static_macs": 56 * 56 * 96 * 384, "dynamic_macs": 0, "matrix_layers": 1,
            "tokens": 56 * 56}),
        "gemm_head.onnx": (gemm_head(), {
            "weights": 16 * 27 + 10 * 16, "static_macs": 16 * 8 * 8 * 27 + 10 * 16, "dynamic_macs": 0,
            "matrix_layers": 2, "softmax_elements": 10}),
        "transformer_block.onnx": (transformer_block(), TRANSFORMER_TOTALS),
        # The zoo's densenet201 totals, which give torchvision's published 20,013,928 parameters (with
        # the BatchNorm terms) and 4.29 GMACs (crates/imc-zoo/tests/published_totals.rs).
        "densenet201.onnx": (densenet201(), {
            "weights": 19_783_872, "static_macs": 4_291_365_888, "dynamic_macs": 0, "matrix_layers": 201,
            "zoo": "densenet201"}),
    }
    expected = {}
    for name, (m, totals) in valid.items():
        (out / name).write_bytes(m.SerializeToString())
        expected[name] = totals
    expected.update({k: {"error": v} for k, v in bad_files(out).items()})
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"{len(expected)} fixtures in {out}")


if __name__ == "__main__":
    main()
