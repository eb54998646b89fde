#!/usr/bin/env python3
"""Bit-true reference of a design's read chain: trained networks run exactly as the crossbars compute.

Runs the conv and linear layers of a trained network (`bittrue_nets.py`: an MLP and a CNN on
scikit-learn's 8 x 8 digits) through an IMC design's read chain, integer by integer, and measures
each layer's compute SNR and the network's top-1 accuracy. It is the reference the analytic
compute-SNR model follows (issue 33): these are the semantics, parameter by parameter.

Quantisation (per layer, from the calibration images: the first 256 training images)
- Inputs are unsigned (images in 0..1, activations after ReLU): x_q = clip(round(x / s_x * (2^I - 1)),
  0, 2^I - 1), I = `input_bits`, s_x = the largest input of the layer over the calibration images
  (float network).
- Weights are signed and symmetric: w_q = clip(round(w / s_w * (2^(W-1) - 1)), +-(2^(W-1) - 1)),
  W = `weight_bits` (2 to 16), s_w = max |w| of the layer. Biases, ReLU, pooling and the
  dequantisation between layers (y = y_q * s_x s_w / ((2^I - 1)(2^(W-1) - 1)) + bias) are float.
- Ideal: y_q = x_q . w_q, the exact integer product (one row of x_q per input vector: an im2col
  row of a convolution, one output pixel).

The read chain (`compute = "analog"`)
- Inputs enter `dac_bits` = d bits per step, least significant slice first: S = ceil(I / d)
  slices, slice j of x_q is (x_q >> (j d)) & (2^d - 1), an integer 0..2^d - 1.
- Weights are stored offset-binary, u = w_q + 2^(W-1) (0..2^W - 1), over C = ceil(W / b) cells of
  b = `bits_per_cell` bits: cell k holds (u >> (k b)) & (2^b - 1) (the top cell may use fewer
  levels). The offset is removed digitally and exactly after recombination:
  y = sum(...) - 2^(W-1) * sum_r x_q[r].
- Conductance error: each cell's programmed level is level + `conductance_sigma` * (2^b - 1) * z,
  z standard normal, static: drawn once per design, layer and seed (the draws z depend only on
  the seed, the layer and the cell array's shape, so designs that differ elsewhere share them).
  Unclipped. Default sigma as the model's: 0.03 for RRAM and PCM, 0 for SRAM (imcdse sends
  only the parameters a space names, so a study of an RRAM space that leaves sigma to its
  default is measured at 3% here, as the model costs it).
- Rows: the K rows of a layer's K x N matrix are cut into crossbar row tiles of `rows`, and each
  tile into groups of `parallel_rows` consecutive rows (the last group of a tile may be shorter).
  Every (row group, weight column, input slice, cell column) partial sum
  p = sum_{r in group} slice_j(x_q[r]) * level_k[r, n] is one analog value and one conversion.
- `column_combine = "analog"`: a weight's C cell columns are combined with binary weights
  2^(k b) before one conversion: p = sum_k 2^(k b) sum_r slice_j(x_q[r]) level_k[r, n].
  `"digital"` (default): each cell column is converted on its own.
- ADC: `adc_bits` = B bits, uniform, codes 0..2^B - 1 over the range [0, R): LSB = R / 2^B,
  code = clip(floor(p / LSB + 1/2), 0, 2^B - 1) (round to the nearest code, a tie to the upper
  one, as a comparator decides at half codes; values beyond the range saturate), read back as
  code * LSB. Codes of B + 1 bits nest those of B bits, so more bits never round a value worse.
  `adc_range = "full"` (default): R = `parallel_rows` (2^d - 1)(2^b - 1), the largest partial
  sum the hardware can produce (times sum_k 2^(k b) = (2^(C b) - 1)/(2^b - 1) for analog column
  combining), whatever rows a layer actually uses. `"clipped"`: R = min(full, mean + 4 std) of
  the layer's partial sums (every group, column, slice and cell column) over the calibration
  images, computed on the programmed (noisy) cells: one range per layer, as macros calibrate.
- Recombination, digital and exact: y = sum_groups sum_j sum_k 2^(j d) 2^(k b) ADC(p) (or
  sum_j 2^(j d) ADC(p) when combined), partial sums of row groups and tiles added, then the
  offset removed.
- `compute = "digital"`: exact integer arithmetic (no ADC, no conductance error).
- Not modelled (they do not change what is computed): `cols`, `cols_per_adc`, `adc_kind`,
  `device` (apart from the default of `bits_per_cell`: rram 2, sram 1, pcm 4), the clock, the
  supply and every cost parameter. No device rule is checked (the model refuses, e.g., digital CIM
  on RRAM; this reference computes what it is given).

Measured, per layer and network
- snr_db of a layer = 10 log10(var(y_q ideal) / mean((y computed - y_q ideal)^2)), over every
  output (600 test images: vectors x columns), capped at 200 dB (an exact layer reports 200).
  The layer's inputs are those of the quantised-exact network (each layer isolated: the x_q an
  exact chip would give it), so a layer's SNR does not carry the errors of the layers before it.
- The workload's snr_db is its worst layer's.
- More ADC bits never round one conversion worse (nested codes), and without conductance error
  and with the full range the measured SNR rises with them (tested). With conductance error, or
  a clipped range, it need not: a coarse ADC rounds a noisy integer sum back onto the integer.
  16 rows of 1-bit cells with sigma 3 % (digits-mlp): a 4-bit full-range ADC (LSB 1) measures
  200 dB (exact), 5 bits 33.5 dB, 8 bits 18.8 dB.
- accuracy: top-1 on the 600 test images with every crossbar layer computed by this read chain
  and the errors propagated (each layer's inputs are the previous computed layer's, quantised with
  the calibration scales). Also accuracy_float (float network) and accuracy_quantized (exact
  integer MACs). snr_db_propagated per layer (CLI only): the SNR of each layer on those inputs.

Usage
    bittrue.py --network digits-cnn --set rows=512,bits_per_cell=8,adc_bits=5 --json
    bittrue.py --network digits-mlp --design design.json [--seed 0]
    imcdse refine RUN --top 5 --evaluator "python3 scripts/evaluators/bittrue.py"
Without --network it speaks imcdse's evaluator protocol (docs/your-simulator.md) on stdin and
stdout for the workloads digits-mlp and digits-cnn (their workload files are
scripts/evaluators/workloads/*.toml). The protocol needs energy, latency and area, which a
bit-true simulation does not give: they come from a cost evaluator run beside it (`--costs CMD`,
default `$IMCDSE_BIN serve`, else target/release/imcdse serve), whose answer is passed on with,
per workload, `snr_db` (the measured one: imcdse takes it in place of the model's in
`<workload>__snr_db`, `--min-snr` and `pareto-snr`), `accuracy`, `accuracy_float`,
`accuracy_quantized` and `snr_db.<layer>` added (columns `extra__<workload>__accuracy`, ...).
The cost answer's own `snr_db` (the model's, from `imcdse serve`) is kept as `model_snr_db`. The design parameters only this reference knows
(`adc_range`, `conductance_sigma`) are left out of the request to the cost evaluator when it
refuses them as unknown.

Bounds: a request line is at most 16 MiB; `id` an integer 0..2^64 - 1; `workloads` 1 to 8
distinct names, each a trained network, with `layers` (when given) whose crossbar layers are the
network's (same names and K x N matrices); design values in the model's ranges (rows 8..4096,
parallel_rows 1..rows, dac_bits 1..min(8, input_bits), bits_per_cell 1..min(8, weight_bits),
adc_bits 1..12, input_bits 1..16, weight_bits 2..16, conductance_sigma 0..0.5, the choices named);
anything else is refused with a message naming the key and what is allowed.

Time, on one core of this machine: about 0.3 s (MLP) and 1-4 s (CNN) a design (more with 1-bit
cells and few rows per conversion); training the networks, once, about 5 s (cached under
target/bittrue/).
"""

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bittrue_nets as nets  # noqa: E402

NAME = "bittrue"
VERSION = "1"
SNR_CAP_DB = 200.0
MAX_LINE = 16 << 20
MAX_WORKLOADS = 8
CHUNK = 1 << 22  # partial sums held at once (elements)
BITTRUE_ONLY = ("adc_range", "conductance_sigma")
DEVICE_BITS = {"rram": 2, "sram": 1, "pcm": 4}

# name: (kind, low, high) for numbers, (kind, choices) for words; defaults are the model's.
PARAMS = {
    "rows": ("int", 8, 4096),
    "parallel_rows": ("int", 1, 4096),
    "dac_bits": ("int", 1, 8),
    "input_bits": ("int", 1, 16),
    "weight_bits": ("int", 2, 16),
    "bits_per_cell": ("int", 1, 8),
    "adc_bits": ("int", 1, 12),
    "conductance_sigma": ("real", 0.0, 0.5),
    "device": ("choice", ("rram", "sram", "pcm")),
    "column_combine": ("choice", ("digital", "analog")),
    "compute": ("choice", ("analog", "digital")),
    "adc_range": ("choice", ("full", "clipped")),
}
DEFAULTS = {"rows": 128, "dac_bits": 1, "input_bits": 8, "weight_bits": 8, "adc_bits": 5,
            "device": "rram", "column_combine": "digital", "compute": "analog", "adc_range": "full"}
# The model's conductance_sigma by device (arch/mod.rs: NeuRRAM's and aihwkit's PCM spread).
DEVICE_SIGMA = {"rram": 0.03, "sram": 0.0, "pcm": 0.03}


class BadInput(ValueError):
    """A request or design this reference refuses; the message says what and what is allowed."""


# ------------------------------------------------------------------------------------ design


def _value(key, v):
    spec = PARAMS[key]
    if spec[0] == "choice":
        if not isinstance(v, str) or v not in spec[1]:
            raise BadInput(f"`{key}` is {json.dumps(v)}; allowed: {', '.join(spec[1])}")
        return v
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise BadInput(f"`{key}` is {json.dumps(v)}; expected a number")
    kind, lo, hi = spec
    if kind == "int":
        if v != int(v):
            raise BadInput(f"`{key}` is {v}; expected an integer")
        v = int(v)
    if not lo <= v <= hi:
        raise BadInput(f"`{key}` is {v}; allowed {lo} to {hi}")
    return v


def resolve(design):
    """The read-chain parameters of a design (a dict of any of the model's parameters, which
    this reference ignores but for those of `PARAMS`), with the model's defaults; refuses values
    out of range and combinations the model refuses."""
    if not isinstance(design, dict):
        raise BadInput("`design` must be an object of parameter: value")
    d = {k: _value(k, design[k]) for k in PARAMS if k in design}
    for k, v in DEFAULTS.items():
        d.setdefault(k, v)
    d.setdefault("parallel_rows", d["rows"])
    d.setdefault("bits_per_cell", DEVICE_BITS[d["device"]])
    d.setdefault("conductance_sigma", DEVICE_SIGMA[d["device"]])
    for small, big in (("parallel_rows", "rows"), ("dac_bits", "input_bits"),
                       ("bits_per_cell", "weight_bits")):
        if d[small] > d[big]:
            raise BadInput(f"`{small}` = {d[small]} exceeds `{big}` = {d[big]}")
    return d


# ----------------------------------------------------------------------------- quantisation


class Reference:
    """A trained network quantised to (input_bits, weight_bits): its scales, integer weights,
    and the quantised-exact run's layer inputs on the test and calibration images."""

    def __init__(self, name, input_bits, weight_bits):
        self.name = name
        self.net = nets.network(name)
        self.layers = nets.crossbar_layers(self.net)
        x_train, _, x_test, self.labels = nets.digits()
        calib = nets.shaped(name, x_train[:nets.N_CALIBRATION])
        test = nets.shaped(name, x_test)
        self.qx, self.qw = 2 ** input_bits - 1, 2 ** (weight_bits - 1) - 1
        self.weight_bits = weight_bits
        self.sx = [0.0] * len(self.layers)

        def record_scale(i, v, layer):
            self.sx[i] = max(float(v.max()), 1e-12)
            return v @ nets.matrix(layer) + layer["b"]

        self.accuracy_float = nets.accuracy(nets.forward(self.net, test), self.labels)
        nets.forward(self.net, calib, record_scale)
        self.sw = [max(float(np.abs(l["w"]).max()), 1e-12) for l in self.layers]
        self.wq = [np.clip(np.rint(nets.matrix(l) / s * self.qw), -self.qw, self.qw)
                   for l, s in zip(self.layers, self.sw)]
        self.x_calib = self._inputs(calib)
        self.x_test = self._inputs(test)
        self.y_test = [x @ w for x, w in zip(self.x_test, self.wq)]
        self.accuracy_quantized = nets.accuracy(self.logits(test, self.exact), self.labels)

    def quantise(self, i, v):
        return np.clip(np.rint(v / self.sx[i] * self.qx), 0, self.qx)

    def dequantise(self, i, y):
        return y * (self.sx[i] / self.qx) * (self.sw[i] / self.qw) + self.layers[i]["b"]

    def exact(self, i, xq):
        return xq @ self.wq[i]

    def logits(self, x, integer_mac, record=None):
        """The network on `x` with crossbar layer i computed as integer_mac(i, x_q) -> y_q."""
        def mac(i, v, layer):
            xq = self.quantise(i, v)
            if record is not None:
                record.append(xq)
            return self.dequantise(i, integer_mac(i, xq))

        return nets.forward(self.net, x, mac)

    def _inputs(self, x):
        seen = []
        self.logits(x, self.exact, seen)
        return seen

    def data_stats(self):
        """Each crossbar layer's data statistics on the calibration images, as the workload
        files' `data` tables state them (imc-zoo `data.rs`): the share of nonzero input codes;
        the activation and weight quantisers' full scale over the root mean square of the
        nonzero input codes and of the weight codes; and the signal gain, 10 log10 of the
        variance of the ideal integer outputs (pooled) over K (E[x^2] E[w^2] - E[x]^2 E[w]^2).
        Each clamped to the bounds the workload format allows."""
        out = {}
        for i, layer in enumerate(self.layers):
            x, w = self.x_calib[i], self.wq[i]
            nz = x[x > 0]
            xf, wf = x.astype(float), w.astype(float)
            independent = xf.shape[1] * ((xf ** 2).mean() * (wf ** 2).mean()
                                         - (xf.mean() * wf.mean()) ** 2)
            gain = 10 * np.log10(float((xf @ wf).var()) / independent)
            out[layer["name"]] = {
                "activation_nonzero": max(float((x > 0).mean()), 0.01),
                "activation_crest": min(max(self.qx / float(np.sqrt((nz ** 2).mean())), 1.0), 64.0),
                "weight_crest": min(max(self.qw / float(np.sqrt((w ** 2).mean())), 1.0), 64.0),
                "signal_gain_db": min(max(gain, -20.0), 40.0),
            }
        return out


_REFERENCES = {}


def reference(name, input_bits, weight_bits):
    key = (name, input_bits, weight_bits)
    if key not in _REFERENCES:
        if len(_REFERENCES) >= 8:
            _REFERENCES.pop(next(iter(_REFERENCES)))
        _REFERENCES[key] = Reference(*key)
    return _REFERENCES[key]


# -------------------------------------------------------------------------------- read chain


def cells(wq, d, seed, layer):
    """The programmed levels (K, N, C) of integer weights wq (K, N): offset-binary slices over
    C cells, plus the static conductance error of the design's sigma."""
    b, wbits = d["bits_per_cell"], d["weight_bits"]
    c = -(-wbits // b)
    u = (wq + 2 ** (wbits - 1)).astype(np.int64)
    levels = np.stack([(u >> (k * b)) & (2 ** b - 1) for k in range(c)], axis=-1).astype(np.float64)
    if d["conductance_sigma"] > 0:
        z = np.random.default_rng([seed, layer, 0xB17]).standard_normal(levels.shape)
        levels += d["conductance_sigma"] * (2 ** b - 1) * z
    return levels


def groups(k, d):
    """Row groups (start, stop) of a K-row matrix: tiles of `rows`, each in `parallel_rows`."""
    rows, pr = d["rows"], d["parallel_rows"]
    return [(s, min(s + pr, t + rows, k)) for t in range(0, k, rows) for s in range(t, min(t + rows, k), pr)]


class Chain:
    """One layer's read chain on a design: programmed cells, row groups, ADC, recombination."""

    def __init__(self, d, levels):
        self.d = d
        b, dac = d["bits_per_cell"], d["dac_bits"]
        self.k, self.n, self.c = levels.shape
        self.slices = -(-d["input_bits"] // dac)
        self.analog = d["column_combine"] == "analog"
        cell_weights = 2.0 ** (b * np.arange(self.c))
        if self.analog:
            self.matrix = levels @ cell_weights  # (K, N): one conversion a weight column
            self.recombine = np.ones(1)
        else:
            self.matrix = levels.reshape(self.k, self.n * self.c)
            self.recombine = cell_weights
        self.groups = groups(self.k, d)
        full = d["parallel_rows"] * (2 ** dac - 1) * (2 ** b - 1)
        self.full = full * (cell_weights.sum() if self.analog else 1.0)
        self.range = self.full
        self.codes = 2 ** d["adc_bits"]

    def _slices(self, xq):
        dac = self.d["dac_bits"]
        x = xq.astype(np.int64)
        return np.stack([(x >> (j * dac)) & (2 ** dac - 1) for j in range(self.slices)]).astype(np.float64)

    def _partial_sums(self, xq):
        """Yields (rows of xq, partial sums (S, m, N*C or N)) group by group, in chunks."""
        width = self.matrix.shape[1]
        step = max(1, CHUNK // (self.slices * width))
        for m0 in range(0, xq.shape[0], step):
            xs = self._slices(xq[m0:m0 + step])
            s, m, k = xs.shape
            flat = xs.reshape(s * m, k)  # one 2-D product a group: BLAS on a column slice
            for a, z in self.groups:
                yield m0, (flat[:, a:z] @ self.matrix[a:z]).reshape(s, m, -1)

    def calibrate(self, xq):
        """`adc_range = "clipped"`: the range mean + 4 std of the partial sums on xq (capped)."""
        total = square = count = 0.0
        for _, p in self._partial_sums(xq):
            total += p.sum()
            square += np.square(p).sum()
            count += p.size
        mean = total / count
        std = math.sqrt(max(square / count - mean * mean, 0.0))
        clipped = mean + 4.0 * std
        self.range = min(self.full, clipped) if clipped > 0 else self.full

    def run(self, xq):
        """The computed integer outputs (M, N) for integer inputs xq (M, K)."""
        lsb = self.range / self.codes
        out = np.zeros((xq.shape[0], self.n))
        slice_weights = 2.0 ** (self.d["dac_bits"] * np.arange(self.slices)) * lsb
        for m0, p in self._partial_sums(xq):
            p /= lsb
            p += 0.5
            np.floor(p, out=p)
            np.clip(p, 0, self.codes - 1, out=p)  # codes; read back as code * lsb below
            q = np.tensordot(slice_weights, p, axes=(0, 0))  # (m, N*C) or (m, N)
            if not self.analog:
                q = q.reshape(q.shape[0], self.n, self.c) @ self.recombine
            out[m0:m0 + q.shape[0]] += q
        return out - 2 ** (self.d["weight_bits"] - 1) * xq.sum(axis=1, keepdims=True)


def snr_db(computed, ideal):
    mse = float(np.mean(np.square(computed - ideal)))
    var = float(np.var(ideal))
    if mse == 0.0:
        return SNR_CAP_DB
    if var == 0.0:
        return -SNR_CAP_DB
    return min(SNR_CAP_DB, 10.0 * math.log10(var / mse))


def evaluate(design, name, seed=0, propagate=True):
    """Measured per-layer SNR and top-1 accuracy of network `name` on `design` (a dict of
    parameters). `propagate=False` skips the accuracy run."""
    d = resolve(design)
    t0 = time.perf_counter()
    ref = reference(name, d["input_bits"], d["weight_bits"])
    digital = d["compute"] == "digital"
    chains, layers = [], []
    for i, (layer, xq, y) in enumerate(zip(ref.layers, ref.x_test, ref.y_test)):
        if digital:
            computed, adc_range = y, None
        else:
            chain = Chain(d, cells(ref.wq[i], d, seed, i))
            if d["adc_range"] == "clipped":
                chain.calibrate(ref.x_calib[i])
            chains.append(chain)
            computed, adc_range = chain.run(xq), chain.range
            if i == 0:
                first = computed
        layers.append({"name": layer["name"], "rows": int(xq.shape[1]), "cols": int(y.shape[1]),
                       "vectors": int(xq.shape[0]), "adc_range": adc_range,
                       "snr_db": snr_db(computed, y)})
    out = {"network": name, "design": d, "seed": seed, "layers": layers,
           "snr_db": min(l["snr_db"] for l in layers),
           "accuracy_float": ref.accuracy_float, "accuracy_quantized": ref.accuracy_quantized}
    if propagate:
        if digital:
            out["accuracy"] = ref.accuracy_quantized
            for l in layers:
                l["snr_db_propagated"] = l["snr_db"]
        else:
            def mac(i, xq):
                # The first layer's inputs are the reference's: its outputs are known.
                computed = first if i == 0 else chains[i].run(xq)
                layers[i]["snr_db_propagated"] = snr_db(computed, ref.exact(i, xq))
                return computed

            x_test = nets.shaped(name, nets.digits()[2])
            out["accuracy"] = nets.accuracy(ref.logits(x_test, mac), ref.labels)
    out["seconds"] = time.perf_counter() - t0
    return out


# ---------------------------------------------------------------------------------- protocol


def check_request(request):
    """(id, design, workload names) of a request, or BadInput saying what is wrong."""
    if not isinstance(request, dict):
        raise BadInput("a request must be a JSON object")
    rid = request.get("id")
    if isinstance(rid, bool) or not isinstance(rid, int) or not 0 <= rid < 2 ** 64:
        raise BadInput("`id` must be an integer from 0 to 2^64 - 1")
    names = request.get("workloads")
    if (not isinstance(names, list) or not 1 <= len(names) <= MAX_WORKLOADS
            or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names)):
        raise BadInput(f"`workloads` must list 1 to {MAX_WORKLOADS} distinct names")
    for n in names:
        if n not in nets.NETWORKS:
            raise BadInput(f"no trained network for workload `{n}`; this reference runs "
                           f"{', '.join(nets.NETWORKS)} (scripts/evaluators/workloads/)")
    layers = request.get("layers") or {}
    if not isinstance(layers, dict):
        raise BadInput("`layers` must be an object of workload: layer list")
    for n in names:
        if n in layers:
            check_layers(n, layers[n])
    return rid, request.get("design"), names


def check_layers(name, given):
    """The request's layer list of `name` must hold the trained network's crossbar layers."""
    want = [(l["name"], *nets.matrix(l).shape) for l in nets.crossbar_layers(nets.network(name))]
    if not isinstance(given, list):
        raise BadInput(f"`layers.{name}` must be a list")
    got = []
    for layer in given:
        m = layer.get("matrix") if isinstance(layer, dict) else None
        if isinstance(m, dict) and m.get("static") and layer.get("op") in ("conv2d", "linear"):
            got.append((layer.get("name"), m.get("rows"), m.get("cols")))
    if got != want:
        raise BadInput(f"the layers of `{name}` are not the trained network's: crossbar layers "
                       f"(name, K, N) {want} expected, {got[:8]} given")


class Costs:
    """The cost evaluator run beside the reference (a child speaking the same protocol)."""

    def __init__(self, command):
        self.command = command
        self.drop = False
        self.proc = None
        self.identity = self._start()

    def _start(self):
        self.proc = subprocess.Popen(shlex.split(self.command), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        hello = json.loads(self.proc.stdout.readline() or "null") or {}
        if hello.get("protocol") != 1:
            raise RuntimeError(f"the cost evaluator `{self.command}` gave no protocol-1 handshake")
        return f"{hello.get('name')} {hello.get('version')}"

    def ask(self, request):
        if self.proc.poll() is not None:
            self._start()
        design = request.get("design") or {}
        for attempt in range(2):
            sent = dict(request)
            if self.drop:
                sent["design"] = {k: v for k, v in design.items() if k not in BITTRUE_ONLY}
            self.proc.stdin.write(json.dumps(sent) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the cost evaluator `{self.command}` stopped")
            answer = json.loads(line)
            unknown = (not answer.get("feasible") and "unknown architecture parameter" in
                       str(answer.get("reason")) and any(k in design for k in BITTRUE_ONLY))
            if not unknown or self.drop:
                return answer
            self.drop = True
        return answer


def answer(request, costs, seed):
    rid, design, names = check_request(request)
    resolve(design)
    out = costs.ask(request)
    if not out.get("feasible"):
        return out
    for n in names:
        m = evaluate(design, n, seed)
        w = out.setdefault("workloads", {}).setdefault(n, {})
        if "snr_db" in w:
            w["model_snr_db"] = w.pop("snr_db")
        w.update({"snr_db": m["snr_db"], "accuracy": m["accuracy"],
                  "accuracy_float": m["accuracy_float"],
                  "accuracy_quantized": m["accuracy_quantized"]})
        w.update({f"snr_db.{l['name']}": l["snr_db"] for l in m["layers"]})
    out["id"] = rid
    return out


def default_costs():
    root = Path(__file__).resolve().parents[2]
    binary = os.environ.get("IMCDSE_BIN") or str(root / "target" / "release" / "imcdse")
    return f"{shlex.quote(binary)} serve"


def serve(costs_command, seed):
    protocol, sys.stdout = sys.stdout, sys.stderr  # the protocol owns stdout
    try:
        costs = Costs(costs_command)
    except (OSError, RuntimeError, ValueError) as e:
        print(f"bittrue.py: cannot start the cost evaluator `{costs_command}` ({e}); "
              "build imcdse, set IMCDSE_BIN, or name one with --costs", file=sys.stderr)
        sys.exit(1)
    version = f"{VERSION} (seed {seed}; costs: {costs.identity})"[:256]
    print(json.dumps({"protocol": 1, "name": NAME, "version": version}), file=protocol, flush=True)
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        rid = None
        try:
            if len(line) > MAX_LINE:
                raise BadInput(f"the request line is {len(line)} bytes; at most {MAX_LINE} are read")
            try:
                request = json.loads(line)
            except ValueError as e:
                raise BadInput(f"the request is not JSON ({e})") from None
            rid = request.get("id") if isinstance(request, dict) else None
            out = answer(request, costs, seed)
        except BadInput as e:
            out = {"id": rid, "feasible": False, "reason": f"bittrue: {e}"}
        except Exception as e:  # one design fails, not the worker
            out = {"id": rid, "feasible": False, "reason": f"bittrue: {type(e).__name__}: {e}"}
        print(json.dumps(out), file=protocol, flush=True)


# --------------------------------------------------------------------------------------- CLI


def parse_set(text):
    design = {}
    for item in filter(None, (text or "").split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise BadInput(f"--set `{item}`: expected key=value")
        try:
            design[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            design[key.strip()] = value.strip()
    return design


def data_line(stats):
    """A layer's `data = { .. }` line, each statistic to 4 significant digits."""
    items = ", ".join(f"{k} = {float(v):.4g}" for k, v in stats.items())
    return f"data = {{ {items} }}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", choices=nets.NETWORKS, help="run one network (CLI); else serve")
    p.add_argument("--design", help="a JSON file of design parameters ('-' for stdin)")
    p.add_argument("--set", help="design parameters key=value,... (over --design)")
    p.add_argument("--seed", type=int, default=0, help="conductance draws (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--costs", default=None, help="cost evaluator command (protocol mode)")
    p.add_argument("--data-stats", action="store_true",
                   help="print each layer of --network's data statistics as the `data` line its "
                        "workload file states (8-bit network)")
    args = p.parse_args(argv)
    if not 0 <= args.seed < 2 ** 32:
        p.error("--seed must be from 0 to 2^32 - 1")
    if args.data_stats:
        if args.network is None:
            p.error("--data-stats needs --network")
        for layer, st in reference(args.network, 8, 8).data_stats().items():
            print(f"{layer}: {data_line(st)}")
        return 0
    if args.network is None:
        return serve(args.costs or default_costs(), args.seed)
    try:
        design = {}
        if args.design:
            design = json.load(sys.stdin if args.design == "-" else open(args.design))
        if not isinstance(design, dict):
            raise BadInput("the design file must hold a JSON object")
        design.update(parse_set(args.set))
        r = evaluate(design, args.network, args.seed)
    except (BadInput, OSError, json.JSONDecodeError) as e:
        print(f"bittrue.py: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"{r['network']}: snr_db {r['snr_db']:.2f} (worst layer), accuracy {r['accuracy']:.4f} "
          f"(float {r['accuracy_float']:.4f}, quantised {r['accuracy_quantized']:.4f}), {r['seconds']:.2f} s")
    for l in r["layers"]:
        print(f"  {l['name']:6s} {l['rows']:4d} x {l['cols']:3d} x {l['vectors']:6d} vectors: "
              f"snr_db {l['snr_db']:7.2f}, propagated {l['snr_db_propagated']:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
