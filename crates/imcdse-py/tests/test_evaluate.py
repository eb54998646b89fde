"""`imcdse.evaluate` is `imcdse eval`: every column of 200 random designs of each paper space
(compute SNR included) equals the CLI's JSON to 1e-12 relative; the design forms agree with each other; results do not
depend on the thread count."""

import json
import math

import imcdse
import numpy as np
import pytest

from conftest import run_cli

REL = 1e-12


def design_set(space, indices) -> str:
    """A design's `--set` for the CLI: `k=v,...` of its values."""
    return ",".join(f"{n}={space.params[n][i]}" for n, i in zip(space.names, indices))


def close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b))


@pytest.mark.parametrize("name", ["paper-rram", "paper-sram"])
def test_equal_to_eval_json_on_200_random_designs(cli, name):
    space = imcdse.Space.load(name)
    x = space.sample(200, seed=2026)
    res = imcdse.evaluate(space, x, workloads="paper4")
    workloads = [c[: -len("__energy_mj")] for c in res if c.endswith("__energy_mj")]
    assert workloads == ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]
    expected = space.names + ["feasible", "infeasible_reason", "area_mm2"] + [
        f"{w}__{m}" for w in workloads for m in ("energy_mj", "latency_ms", "edap")
    ] + [f"{w}__snr_db" for w in workloads]
    assert list(res) == expected
    feasible = 0
    for row in range(len(x)):
        sets = design_set(space, x[row])
        ref = json.loads(run_cli(cli, "eval", "--space", name, "--set", sets, "--workloads", "paper4", "--json"))
        for n in space.names:
            assert res[n][row] == ref["parameters"][n], (row, n)
        assert bool(res["feasible"][row]) == ref["feasible"], row
        reason = res["infeasible_reason"][row]
        if ref["feasible"]:
            assert reason is None
            feasible += 1
        else:
            # The CLI names the first failing workload; the table lists every cause, the area
            # once for the chip.
            first = ref["reason"].split(": ", 1)[1]
            assert first in reason, (row, ref["reason"], reason)
        assert close(res["area_mm2"][row], ref["area_mm2"]), row
        for w in workloads:
            for m in ("energy_mj", "latency_ms", "edap"):
                assert close(res[f"{w}__{m}"][row], ref["workloads"][w][m]), (row, w, m)
            assert close(res[f"{w}__snr_db"][row], ref["workloads"][w]["snr_db"]), (row, w)
    # Random designs of both spaces mix feasible and infeasible ones.
    assert 0 < feasible < len(x), feasible


def test_a_calibration_is_the_clis(cli):
    space = imcdse.Space.load("paper-rram")
    x = space.sample(20, seed=8)
    res = imcdse.evaluate(space, x, calibration="cimloop-paper-rram")
    plain = imcdse.evaluate(space, x)
    assert not np.array_equal(res["area_mm2"], plain["area_mm2"])
    assert imcdse.Space.load("paper-rram", calibration="cimloop-paper-rram").calibration == "cimloop-paper-rram"
    for row in range(len(x)):
        sets = design_set(space, x[row])
        ref = json.loads(run_cli(cli, "eval", "--space", "paper-rram", "--calibration", "cimloop-paper-rram",
                                 "--set", sets, "--json"))
        assert ref["calibration"]["name"] == "cimloop-paper-rram"
        assert close(res["area_mm2"][row], ref["area_mm2"])
        for w, v in ref["workloads"].items():
            assert close(res[f"{w}__energy_mj"][row], v["energy_mj"]), (row, w)
            assert close(res[f"{w}__latency_ms"][row], v["latency_ms"]), (row, w)


def test_infeasible_designs_carry_their_reason():
    space = imcdse.Space.load("paper-rram")
    small = {n: v[0] for n, v in space.params.items()}
    large = {n: v[-1] for n, v in space.params.items()}
    res = imcdse.evaluate(space, [small, large])
    assert not res["feasible"].any()
    assert res["infeasible_reason"][0].startswith("vgg16: weights do not fit on chip:")
    assert "mm2 is above the limit of 800 mm2" in res["infeasible_reason"][1]
    # Infeasible designs keep their costs (the model costed them).
    assert np.isfinite(res["vgg16__energy_mj"]).all()
    assert np.isnan(imcdse.score(res)).all()
    g = imcdse.evaluate(space, [small, large], constraints=True)
    # vgg16 needs 1,080,816 crossbars of 32x32 1-bit cells; the chip has 1 x 4 x 4.
    assert g["capacity_violation"][0] == 1_080_816 / 16 - 1
    assert g["capacity_violation"][1] <= 0 < g["area_violation"][1]
    assert g["area_violation"][1] == g["area_mm2"][1] / 800 - 1


def test_a_minimum_snr_is_a_constraint_with_its_shortfall():
    pytest.importorskip("pymoo")
    import imcdse.pymoo

    space = imcdse.Space.load("paper-rram")
    x = np.array(space.sample(64, seed=3), dtype=float)
    free = imcdse.pymoo.Problem(space)
    strict = imcdse.pymoo.Problem(space, min_snr=12.0)
    f0, f1 = free.evaluate(x, return_values_of=["G"]), strict.evaluate(x, return_values_of=["G"])
    each = np.column_stack([free.last[f"{w}__snr_db"] for w in free.workloads])
    snr = each.min(axis=1)
    fits = (f0 <= 0).all(axis=1)
    low = fits & (snr < 12)
    assert low.any() and (~fits).any()
    # A design that fits but reads below 12 dB fails only that: its violation is the shortfall
    # in 10 dB, summed over the workloads below; the others are as without the minimum.
    shortfall = (np.maximum(12.0 - each, 0.0) / 10.0).sum(axis=1)
    assert np.allclose(f1[low, 1], shortfall[low])
    assert np.array_equal(f1[~low], f0[~low])
    with pytest.raises(ValueError, match="out of range"):
        imcdse.pymoo.Problem(space, min_snr=500.0)


def test_every_form_of_designs_gives_the_same_results():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    space = imcdse.Space.load("paper-sram")
    x = space.sample(50, seed=5)
    base = imcdse.evaluate(space, x)
    values = {n: np.array([space.params[n][i] for i in x[:, j]]) for j, n in enumerate(space.names)}
    dicts = [{n: values[n][r].item() for n in space.names} for r in range(len(x))]
    forms = [values, dicts, pd.DataFrame(values), pl.DataFrame(values), x.tolist(), x.astype(np.int32)]
    # The results of a batch are designs too: their parameter columns are read, the rest ignored.
    forms.append(base)
    forms.append(pd.DataFrame(base))
    for form in forms:
        other = imcdse.evaluate(space, form)
        for k in base:
            a, b = base[k], other[k]
            if a.dtype == object:
                assert a.tolist() == b.tolist(), (type(form), k)
            else:
                np.testing.assert_array_equal(a, b, err_msg=f"{type(form)} {k}")
    assert space.indices(dicts).tolist() == x.tolist()


def pd_missing(x) -> bool:
    import pandas as pd

    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def test_frames_and_threads():
    pytest.importorskip("pandas")
    pytest.importorskip("polars")
    space = imcdse.Space.load("paper-rram")
    x = space.sample(300, seed=11)
    one = imcdse.evaluate(space, x, threads=1)
    two = imcdse.evaluate(space, x, threads=2)
    for k in one:
        assert one[k].tolist() == two[k].tolist() or np.array_equal(one[k], two[k], equal_nan=True), k
    pdf = imcdse.evaluate(space, x, as_frame="pandas")
    plf = imcdse.evaluate(space, x, as_frame="polars")
    assert list(pdf.columns) == list(one) == plf.columns
    reasons = one["infeasible_reason"].tolist()
    assert plf["infeasible_reason"].to_list() == reasons
    # pandas shows a missing string as NaN (or pd.NA), not None.
    assert [None if pd_missing(r) else r for r in pdf["infeasible_reason"].tolist()] == reasons
    np.testing.assert_array_equal(pdf["area_mm2"].to_numpy(), one["area_mm2"])


def test_score_is_the_clis_objective():
    space = imcdse.Space.load("paper-sram")
    res = imcdse.evaluate(space, space.sample(500, seed=3))
    ok = res["feasible"]
    assert ok.sum() > 100
    w = ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]
    e = np.column_stack([res[f"{n}__energy_mj"] for n in w])
    l = np.column_stack([res[f"{n}__latency_ms"] for n in w])
    a = res["area_mm2"]
    s = imcdse.score(res, "max-ela")
    np.testing.assert_array_equal(np.isnan(s), ~ok)
    np.testing.assert_allclose(s[ok], (e.max(1) * l.max(1) * a)[ok], rtol=1e-15)
    np.testing.assert_allclose(imcdse.score(res, "mean-ela")[ok], (e.mean(1) * l.mean(1) * a)[ok], rtol=1e-12)
    np.testing.assert_allclose(imcdse.score(res, "edap:alexnet")[ok], res["alexnet__edap"][ok], rtol=1e-12)
    p = imcdse.score(res, "pareto")
    assert p.shape == (500, 3)
    np.testing.assert_allclose(p[ok], np.column_stack([e.max(1), l.max(1), a])[ok], rtol=0)
    with pytest.raises(ValueError, match=r"unknown objective `best`; allowed: max-ela"):
        imcdse.score(res, "best")
    with pytest.raises(ValueError, match=r"`gpt2` is not one of the run's workloads"):
        imcdse.score(res, "edap:gpt2")


def test_space_api():
    space = imcdse.Space.load("paper-rram")
    assert space.size == 12_096_000
    assert space.names == list(space.params)
    assert space.params["rows"] == [32, 64, 128, 256, 512]
    assert space.params["voltage_v"][0] == 0.5
    assert space.fixed["device"] == "rram" and space.fixed["voltage_scaling"] is False
    assert space.constraints == {"max_area_mm2": 800.0, "weights_on_chip": True}
    for i in [0, 1, 12345, space.size - 1]:
        assert space.index(space.design(i)) == i
    assert space.design(space.size - 1) == {n: v[-1] for n, v in space.params.items()}
    s = space.sample(1000, seed=9)
    assert s.shape == (1000, 9) and s.dtype == np.int64
    assert (s < np.array(space.sizes)).all() and (s >= 0).all()
    assert len({tuple(r) for r in s.tolist()}) == 1000
    np.testing.assert_array_equal(s, space.sample(1000, seed=9))
    assert imcdse.Space.load("demo").sample(324, seed=1).shape == (324, 6)
    # NumPy integers index and count designs.
    assert space.design(np.int64(12345)) == space.design(12345)


def test_a_space_pickles_as_what_it_was_loaded_from(tmp_path, monkeypatch):
    import pickle

    from conftest import ROOT

    builtin = pickle.loads(pickle.dumps(imcdse.Space.load("paper-rram")))
    assert builtin.size == 12_096_000 and builtin.file == "search-spaces/paper-rram.toml"
    # A file by a relative path, unpickled from another working folder.
    monkeypatch.chdir(ROOT)
    space = imcdse.Space.load("search-spaces/demo.toml", calibration="cimloop-paper-rram")
    data = pickle.dumps(space)
    monkeypatch.chdir(tmp_path)
    again = pickle.loads(data)
    assert again.params == space.params and again.calibration == "cimloop-paper-rram"
    with pytest.raises(TypeError, match="Space.load"):
        imcdse.Space("demo")
    assert again.file == str(ROOT / "search-spaces/demo.toml")


def test_workloads_give_the_published_totals():
    w = imcdse.workloads("paper4")
    assert list(w) == ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]
    # torchvision's parameter counts (reference/workloads.md).
    assert w["vgg16"]["params"] == 138_357_544
    assert w["resnet18"]["params"] == 11_689_512
    assert w["alexnet"]["params"] == 61_100_840
    assert w["resnet18"]["macs"] == 1_814_073_344
    layers = w["resnet18"]["layer_list"]
    assert len(layers) == w["resnet18"]["layers"]
    assert imcdse.workloads(["vgg16", "alexnet"]).keys() == {"vgg16", "alexnet"}


def test_an_onnx_file_is_a_workload():
    """Issue 16: an .onnx file (with `:dim=value` for symbolic dimensions) wherever a name is."""
    from conftest import ROOT

    onnx = ROOT / "crates/imc-zoo/tests/onnx"
    model = str(onnx / "torchvision/resnet18.onnx")
    w = imcdse.workloads([model, "vgg16", f"{onnx / 'symbolic_seq.onnx'}:seq=128"])
    assert list(w) == ["resnet18", "vgg16", "symbolic_seq"]
    assert w["resnet18"]["weights"] == 11_678_912
    assert w["resnet18"]["static_macs"] == 1_814_073_344
    assert w["symbolic_seq"]["static_macs"] == 128 * 16 * 32
    space = imcdse.Space.load("paper-rram")
    res = imcdse.evaluate(space, space.sample(5, seed=1), workloads=model)
    assert res["resnet18__energy_mj"].shape == (5,)
    with pytest.raises(ValueError, match=r"symbolic_seq\.onnx:seq=N"):
        imcdse.workloads(str(onnx / "symbolic_seq.onnx"))


def test_import_onnx_with_options(tmp_path):
    from conftest import ROOT

    onnx = ROOT / "crates/imc-zoo/tests/onnx"
    got = imcdse.import_onnx(onnx / "symbolic_seq.onnx", name="seq64", dims={"seq": 64})
    assert got.name == "seq64" and got.workload["static_macs"] == 64 * 16 * 32
    path = got.write(tmp_path / "seq64.toml")
    assert imcdse.workloads(path)["seq64"]["layer_list"] == got.workload["layer_list"]
    with pytest.raises(ValueError, match="Tanh"):
        imcdse.import_onnx(onnx / "unsupported.onnx")
    skipped = imcdse.import_onnx(onnx / "unsupported.onnx", skip_unsupported=True).skipped
    assert sorted(s[1] for s in skipped) == [1, 1, 2]
    with pytest.raises(ValueError, match="--input"):
        imcdse.import_onnx(onnx / "two_inputs.onnx")
    assert imcdse.import_onnx(onnx / "two_inputs.onnx", input="a").workload["weights"] == 64
    with pytest.raises(ValueError, match="dims"):
        imcdse.import_onnx(onnx / "symbolic_seq.onnx", dims={"seq": 0})
    # NumPy integers are integers (a shape read from an array, say).
    numpy_dims = imcdse.import_onnx(onnx / "symbolic_seq.onnx", name="seq64", dims={"seq": np.int64(64)})
    assert numpy_dims.workload == got.workload
    with pytest.raises(ValueError, match="dims: expected a mapping"):
        imcdse.import_onnx(onnx / "symbolic_seq.onnx", dims=[("seq", 8)])
    with pytest.raises(FileNotFoundError):
        imcdse.import_onnx(tmp_path / "missing.onnx")


def test_batches_from_several_python_threads_run_at_once_and_agree():
    from concurrent.futures import ThreadPoolExecutor

    space = imcdse.Space.load("paper-rram")
    x = space.sample(2000, seed=21)
    want = imcdse.evaluate(space, x, threads=1)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: imcdse.evaluate(space, x, threads=1), range(4)))
    for g in got:
        for k in want:
            assert g[k].tolist() == want[k].tolist() or np.array_equal(g[k], want[k], equal_nan=True), k
