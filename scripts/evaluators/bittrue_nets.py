"""The trained networks of the bit-true reference (`bittrue.py`): data, definitions, training, cache.

Data: scikit-learn's bundled 8 x 8 digits (`sklearn.datasets.load_digits`, 1,797 images of 16
grey levels; it ships inside the package, so nothing is downloaded). Pixels are scaled to 0..1.
A fixed permutation (seed 0) splits it into 1,197 training and 600 test images; the first 256
training images are the calibration set (input scales, clipped ADC ranges).

Networks (each also an imcdse workload file, `scripts/evaluators/workloads/<name>.toml`, with the
same crossbar layers, checked by the tests):
- `digits-mlp`: 64-128-64-10, ReLU, scikit-learn's `MLPClassifier` (Adam, seed 0);
- `digits-cnn`: conv 3x3 1->16 (pad 1) ReLU, max-pool 2, conv 3x3 16->32 (pad 1) ReLU, flatten
  (C, H, W order), linear 512->10; trained here in NumPy (Adam, cross-entropy, seed 0).

A network is a list of layers, each a dict: `{"op": "linear", "name", "w" (out, in), "b"}`,
`{"op": "conv2d", "name", "w" (cout, cin, k, k), "b", "pad"}`, `{"op": "relu"}`,
`{"op": "maxpool", "k"}`, `{"op": "flatten"}`. A crossbar layer's weight matrix is K x N with
K = cin*k*k (order c, ky, kx) or in_features, N = out channels or features; its input vectors are
the im2col rows (one per output pixel) or the layer's inputs.

Trained weights are cached in `target/bittrue/<name>-v<TRAIN_VERSION>.npz` (git-ignored), keyed by
the training code's version and the NumPy and scikit-learn versions; a stale file is retrained.
Training takes about a second (MLP) and a few seconds (CNN) on one core.
"""

import os
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "target" / "bittrue"
TRAIN_VERSION = 1
NETWORKS = ("digits-mlp", "digits-cnn")
N_TEST = 600
N_CALIBRATION = 256


def digits():
    """(x_train, y_train, x_test, y_test): images (n, 64) in 0..1, labels 0..9; a fixed split."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = d.data.astype(np.float64) / 16.0, d.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(y))
    test, train = order[:N_TEST], order[N_TEST:]
    return x[train], y[train], x[test], y[test]


def shaped(name, x):
    """The network's input tensor of flat images."""
    return x.reshape(-1, 1, 8, 8) if name == "digits-cnn" else x


# ---------------------------------------------------------------------------------- forward


def im2col(x, k, pad):
    """(B, C, H, W) -> (B*H*W, C*k*k) rows of a stride-1, 'same' convolution (order c, ky, kx)."""
    b, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.stack([xp[:, :, i:i + h, j:j + w] for i in range(k) for j in range(k)], axis=2)
    return cols.transpose(0, 3, 4, 1, 2).reshape(b * h * w, c * k * k)


def col2im(dcols, shape, k, pad):
    """The adjoint of `im2col`: gradients of the rows back onto the (B, C, H, W) input."""
    b, c, h, w = shape
    d = dcols.reshape(b, h, w, c, k * k).transpose(0, 3, 4, 1, 2)
    dxp = np.zeros((b, c, h + 2 * pad, w + 2 * pad))
    for n, (i, j) in enumerate((i, j) for i in range(k) for j in range(k)):
        dxp[:, :, i:i + h, j:j + w] += d[:, :, n]
    return dxp[:, :, pad:pad + h, pad:pad + w]


def matrix(layer):
    """A crossbar layer's K x N weight matrix."""
    w = layer["w"]
    return w.reshape(w.shape[0], -1).T


def crossbar_layers(net):
    """The conv2d and linear layers, in order."""
    return [l for l in net if l["op"] in ("conv2d", "linear")]


def forward(net, x, mac=None):
    """The network's logits for inputs `x`. `mac(i, X, layer)` computes crossbar layer i's outputs
    (M x N, bias included) from its input vectors X (M x K); default: float arithmetic."""
    mac = mac or (lambda i, v, layer: v @ matrix(layer) + layer["b"])
    i = 0
    for layer in net:
        op = layer["op"]
        if op == "conv2d":
            b, _, h, w = x.shape
            y = mac(i, im2col(x, layer["w"].shape[-1], layer["pad"]), layer)
            x = y.reshape(b, h, w, -1).transpose(0, 3, 1, 2)
            i += 1
        elif op == "linear":
            x = mac(i, x, layer)
            i += 1
        elif op == "relu":
            x = np.maximum(x, 0.0)
        elif op == "maxpool":
            b, c, h, w = x.shape
            k = layer["k"]
            x = x.reshape(b, c, h // k, k, w // k, k).max(axis=(3, 5))
        elif op == "flatten":
            x = x.reshape(x.shape[0], -1)
    return x


# --------------------------------------------------------------------------------- training


def train_mlp():
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x, y, _, _ = digits()
    clf = MLPClassifier(hidden_layer_sizes=(128, 64), activation="relu", solver="adam",
                        alpha=1e-4, batch_size=32, learning_rate_init=2e-3, max_iter=60,
                        random_state=0, tol=0.0, n_iter_no_change=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    net = []
    for n, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        if n:
            net.append({"op": "relu"})
        net.append({"op": "linear", "name": f"fc{n + 1}", "w": w.T.copy(), "b": b.copy()})
    return net


def cnn_init(rng):
    def he(*shape):
        fan_in = int(np.prod(shape[1:]))
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)

    return [{"op": "conv2d", "name": "conv1", "w": he(16, 1, 3, 3), "b": np.zeros(16), "pad": 1},
            {"op": "relu"}, {"op": "maxpool", "k": 2},
            {"op": "conv2d", "name": "conv2", "w": he(32, 16, 3, 3), "b": np.zeros(32), "pad": 1},
            {"op": "relu"}, {"op": "flatten"},
            {"op": "linear", "name": "fc", "w": he(10, 512), "b": np.zeros(10)}]


def cnn_grads(net, x, y):
    """Cross-entropy gradients of the CNN's weights and biases on a batch (x: B,1,8,8)."""
    c1, _, _, c2, _, _, fc = net
    b = x.shape[0]
    a1 = im2col(x, 3, 1)
    z1 = (a1 @ matrix(c1) + c1["b"]).reshape(b, 8, 8, 16).transpose(0, 3, 1, 2)
    r1 = np.maximum(z1, 0)
    p1 = r1.reshape(b, 16, 4, 2, 4, 2).max(axis=(3, 5))
    a2 = im2col(p1, 3, 1)
    z2 = (a2 @ matrix(c2) + c2["b"]).reshape(b, 4, 4, 32).transpose(0, 3, 1, 2)
    r2 = np.maximum(z2, 0).reshape(b, -1)
    logits = r2 @ matrix(fc) + fc["b"]
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(b), y] -= 1.0
    d = p / b
    g_fc = (r2.T @ d, d.sum(0))
    dz2 = ((d @ fc["w"]) * (r2 > 0)).reshape(b, 32, 4, 4)
    dz2m = dz2.transpose(0, 2, 3, 1).reshape(-1, 32)
    g_c2 = (a2.T @ dz2m, dz2m.sum(0))
    dp1 = col2im(dz2m @ c2["w"].reshape(32, -1), p1.shape, 3, 1)
    up = np.repeat(np.repeat(p1, 2, axis=2), 2, axis=3)
    mask = r1 == up
    mask = mask / np.maximum(mask.reshape(b, 16, 4, 2, 4, 2).sum(axis=(3, 5)).repeat(2, 2).repeat(2, 3), 1)
    dz1 = np.repeat(np.repeat(dp1, 2, axis=2), 2, axis=3) * mask * (z1 > 0)
    dz1m = dz1.transpose(0, 2, 3, 1).reshape(-1, 16)
    g_c1 = (a1.T @ dz1m, dz1m.sum(0))
    return [(c1, g_c1), (c2, g_c2), (fc, g_fc)]


def train_cnn(epochs=10, batch=32, lr=3e-3):
    x, y, _, _ = digits()
    x = shaped("digits-cnn", x)
    rng = np.random.default_rng(0)
    net = cnn_init(rng)
    state = {}
    t = 0
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for s in range(0, len(y), batch):
            idx = order[s:s + batch]
            t += 1
            for layer, (gw_mat, gb) in cnn_grads(net, x[idx], y[idx]):
                gw = gw_mat.T.reshape(layer["w"].shape)
                for key, g in (("w", gw), ("b", gb)):
                    m, v = state.get((layer["name"], key), (0.0, 0.0))
                    m = 0.9 * m + 0.1 * g
                    v = 0.999 * v + 0.001 * g * g
                    state[(layer["name"], key)] = (m, v)
                    step = lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
                    layer[key] = layer[key] - step
    return net


# ------------------------------------------------------------------------------------ cache


def _versions():
    import sklearn

    return f"train {TRAIN_VERSION}, numpy {np.__version__}, scikit-learn {sklearn.__version__}"


def _save(path, net):
    arrays = {"versions": np.array(_versions())}
    for n, layer in enumerate(net):
        for key, value in layer.items():
            arrays[f"{n}:{key}"] = np.asarray(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _load(path):
    with np.load(path) as f:
        if str(f["versions"]) != _versions():
            return None
        layers = {}
        for key in f.files:
            if key == "versions":
                continue
            n, field = key.split(":", 1)
            value = f[key]
            layers.setdefault(int(n), {})[field] = value.item() if value.ndim == 0 else value
    return [layers[n] for n in sorted(layers)]


def network(name):
    """The trained network `name` (from the cache, else trained now and cached)."""
    if name not in NETWORKS:
        raise ValueError(f"no trained network `{name}`; known: {', '.join(NETWORKS)}")
    path = CACHE / f"{name}-v{TRAIN_VERSION}.npz"
    if path.exists():
        try:
            net = _load(path)
        except (OSError, ValueError, KeyError):
            net = None
        if net is not None:
            return net
    net = train_mlp() if name == "digits-mlp" else train_cnn()
    _save(path, net)
    return net


def accuracy(logits, labels):
    return float(np.mean(np.argmax(logits, axis=1) == labels))
