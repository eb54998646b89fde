"""Bad input gets a clear Python exception (the CLI's message where the CLI has one) and never
crashes the interpreter."""

import imcdse
import numpy as np
import pytest


@pytest.fixture(scope="module")
def space():
    return imcdse.Space.load("paper-rram")


def test_a_wrong_column(space):
    pd = pytest.importorskip("pandas")
    x = {n: [v[0]] for n, v in space.params.items()}
    x["row"] = x.pop("rows")
    with pytest.raises(ValueError, match=r"unknown column `row`; the free parameters of paper-rram are voltage_v"):
        imcdse.evaluate(space, pd.DataFrame(x))
    del x["row"]
    with pytest.raises(ValueError, match=r"missing column `rows`; designs need every free parameter"):
        imcdse.evaluate(space, pd.DataFrame(x))
    with pytest.raises(ValueError, match=r"design 0: `ros` is not a free parameter of paper-rram"):
        imcdse.evaluate(space, [{"ros": 1}])
    with pytest.raises(ValueError, match=r"design 1: missing `glb_mib`"):
        d = space.design(5)
        imcdse.evaluate(space, [d, {k: v for k, v in d.items() if k != "glb_mib"}])


def test_an_index_out_of_range(space):
    x = space.sample(3, seed=1).copy()
    x[2, 3] = 5
    with pytest.raises(ValueError, match=r"design 2: index 5 of `rows` is out of range; allowed 0..=4"):
        imcdse.evaluate(space, x)
    x[2, 3] = -1
    with pytest.raises(ValueError, match=r"index -1 of `rows`"):
        imcdse.evaluate(space, x)
    with pytest.raises(ValueError, match=r"design index 12096000 is out of range"):
        space.design(12_096_000)
    with pytest.raises(ValueError, match=r"`rows` = 48 is not one of the space's values \(32, 64, 128, 256, 512\)"):
        imcdse.evaluate(space, [{**space.design(0), "rows": 48}])


def test_an_unknown_workload(space):
    with pytest.raises(ValueError, match=r"--workloads vgg17"):
        imcdse.evaluate(space, space.sample(2), workloads="vgg17")
    with pytest.raises(ValueError, match=r"vgg17"):
        imcdse.workloads("vgg17")
    with pytest.raises(FileNotFoundError, match=r"nowhere/net.toml"):
        imcdse.evaluate(space, space.sample(2), workloads="nowhere/net.toml")


def test_nan(space):
    pd = pytest.importorskip("pandas")
    x = {n: [float(v[0]), float(v[-1])] for n, v in space.params.items()}
    x["voltage_v"][1] = float("nan")
    with pytest.raises(ValueError, match=r"design 1: `voltage_v` = nan is not one of the space's values"):
        imcdse.evaluate(space, pd.DataFrame(x))
    with pytest.raises(ValueError, match=r"value indices must be integers, got dtype float64"):
        imcdse.evaluate(space, np.full((2, 9), np.nan))


def test_an_empty_batch(space):
    with pytest.raises(ValueError, match=r"the batch is empty"):
        imcdse.evaluate(space, np.zeros((0, 9), dtype=np.int64))
    for empty in ([], {n: [] for n in space.names}):
        with pytest.raises(ValueError, match=r"the batch is empty"):
            imcdse.evaluate(space, empty)


def test_a_wrong_dtype_or_shape(space):
    with pytest.raises(ValueError, match=r"value indices must be integers, got dtype bool"):
        imcdse.evaluate(space, np.zeros((2, 9), dtype=bool))
    with pytest.raises(ValueError, match=r"value indices must be integers, got dtype <U"):
        imcdse.evaluate(space, np.array([["a"] * 9]))
    with pytest.raises(ValueError, match=r"got shape \(9,\)"):
        imcdse.evaluate(space, np.zeros(9, dtype=np.int64))
    with pytest.raises(ValueError, match=r"got shape \(1, 8\)"):
        imcdse.evaluate(space, np.zeros((1, 8), dtype=np.int64))
    with pytest.raises(ValueError, match=r"`rows` = '64' is not one of the space's values"):
        imcdse.evaluate(space, [{**space.design(0), "rows": "64"}])
    with pytest.raises(ValueError, match=r"threads: 0 is out of range; allowed 1..="):
        imcdse.evaluate(space, space.sample(2), threads=0)
    with pytest.raises(ValueError, match=r"threads: expected an integer, got 2.0"):
        imcdse.evaluate(space, space.sample(2), threads=2.0)
    with pytest.raises(ValueError, match=r"as_frame: expected None, 'pandas' or 'polars'"):
        imcdse.evaluate(space, space.sample(2), as_frame="excel")
    with pytest.raises(ValueError, match=r"n: -1 is out of range; allowed 0..="):
        space.sample(-1)
    with pytest.raises(ValueError, match=r"n: expected an integer, got True"):
        space.sample(True)
    with pytest.raises(ValueError, match=r"cannot draw 325 distinct designs from a space of 324"):
        imcdse.Space.load("demo").sample(325)


def test_bad_spaces_and_calibrations(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing.toml: cannot read"):
        imcdse.Space.load(tmp_path / "missing.toml")
    with pytest.raises(ValueError, match=r"no such built-in space; built-in: .*paper-rram"):
        imcdse.Space.load("paper-rrm")
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\nname = "b"\ndescription = "d"\n[fixed]\n[params]\nrows = [64, 100000]\n')
    with pytest.raises(ValueError, match=r"bad.toml: .*rows"):
        imcdse.Space.load(bad)
    bad.write_text("this is [ not toml")
    with pytest.raises(ValueError, match=r"bad.toml: line 1"):
        imcdse.Space.load(bad)
    with pytest.raises(ValueError, match=r"no such built-in calibration"):
        imcdse.Space.load("paper-rram", calibration="cimloop-paper-rrm")
    with pytest.raises(ValueError, match=r"already calibrated"):
        imcdse.evaluate("paper-rram-cimloop", [imcdse.Space.load("paper-rram-cimloop").design(0)],
                        calibration="cimloop-paper-rram")


def test_columns_of_unequal_length(space):
    d = space.design(0)
    cols = {k: ([v, v] if k == "rows" else [v]) for k, v in d.items()}
    with pytest.raises(ValueError, match=r"the columns differ in length \(.*rows: 2"):
        imcdse.evaluate(space, cols)


def test_score_refuses_what_is_not_a_cost():
    ones = lambda **o: {"a__energy_mj": np.ones(2), "a__latency_ms": np.ones(2),
                        "area_mm2": np.ones(2), **o}
    s = imcdse.score(ones(a__energy_mj=np.array([1e308, 1.0]), a__latency_ms=np.array([1e308, 1.0])))
    assert np.isnan(s[0]) and s[1] == 1.0, "an overflowing score is NaN, as the CLI's infeasible"
    for bad in (np.array([np.inf, 1.0]), np.array([-1.0, 1.0]), np.array([0.0, 1.0])):
        with pytest.raises(ValueError, match=r"a cost is a finite number above 0"):
            imcdse.score(ones(a__energy_mj=bad))
    with pytest.raises(ValueError, match=r"`feasible` holds"):
        imcdse.score(ones(feasible=np.array(["False", "True"])))
    with pytest.raises(ValueError, match=r"`feasible` has 1 values for 2 designs"):
        imcdse.score(ones(feasible=np.array([True])))
    with pytest.raises(ValueError, match=r"the columns differ in length"):
        imcdse.score(ones(area_mm2=np.ones(3)))
    assert np.isnan(imcdse.score(ones(feasible=np.array([False, True]))))[0]


def test_threads_and_empty_paths(space, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"threads: 1000000 is more than 1024"):
        imcdse.evaluate(space, space.sample(2, seed=1), threads=10**6)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"out: expected a folder path"):
        imcdse.sweep(space="demo", workloads="resnet18", optimizer="random", budget=5, out="")
    with pytest.raises(ValueError, match=r"cache: expected a folder path"):
        imcdse.grade(space="demo", workloads="resnet18", optimizers="random", budgets="5",
                     seeds=1, out="g", cache="")
    assert not (tmp_path / "summary.md").exists()


def test_a_changed_workload_file_is_read_again(space, tmp_path):
    zoo = imcdse.workloads("alexnet,resnet18")
    x = space.sample(2, seed=3)
    f = tmp_path / "mynet.toml"
    costs = []
    for name in ("alexnet", "resnet18"):
        # A workload file of one linear layer, its size that network's (enough to tell them apart).
        macs = zoo[name]["macs"]
        f.write_text(f'schema_version = 1\nname = "mynet"\ndescription = "d"\nsource = "s"\n'
                     f'input = [{macs // 1000}]\n[[layers]]\nname = "fc"\nop = "linear"\n'
                     f'in_features = {macs // 1000}\nout_features = 1000\n')
        costs.append(imcdse.evaluate(space, x, workloads=str(f))["mynet__energy_mj"].copy())
    assert not np.array_equal(costs[0], costs[1])


def test_writing_an_import_over_its_onnx_file_is_refused(tmp_path):
    import os
    import shutil
    onnx = os.path.join(os.path.dirname(__file__), "..", "..", "imc-zoo", "tests", "onnx")
    src = next(os.path.join(r, n) for r, _, fs in os.walk(onnx) for n in sorted(fs) if n.endswith(".onnx"))
    model = tmp_path / "m.onnx"
    shutil.copy(src, model)
    before = model.read_bytes()
    got = imcdse.import_onnx(str(model), skip_unsupported=True)
    with pytest.raises(ValueError, match=r"is the ONNX file this was imported from"):
        got.write(str(model))
    assert model.read_bytes() == before
    os.mkfifo(tmp_path / "fifo.toml")
    with pytest.raises(ValueError, match=r"not a regular file"):
        got.write(str(tmp_path / "fifo.toml"))
    out = got.write(str(tmp_path / "m.toml"))
    assert open(out).read() == got.toml


def test_batches_and_samples_are_bounded(space):
    with pytest.raises(ValueError, match=r"n: 10000001 designs in one sample; at most 10,000,000"):
        space.sample(10_000_001)
    with pytest.raises(ValueError, match=r"at most 4,000,000"):
        imcdse.evaluate(space, np.zeros((4_000_001, len(space.names)), dtype=np.int64))


def test_study_arguments_name_themselves(tmp_path):
    base = dict(space="demo", workloads="resnet18", optimizer="random", out=tmp_path / "r")
    for kw, msg in [
        (dict(budget=-1), r"budget: -1 is out of range; allowed 1..=1000000000000"),
        (dict(budget=True), r"budget: expected an integer, got True"),
        (dict(budget=5, seed=2**64), r"seed: 18446744073709551616 is out of range"),
        (dict(budget=5, population=1.5), r"population: expected an integer, got 1.5"),
        (dict(budget=5, resume="no"), r"resume: expected True or False, got 'no'"),
    ]:
        with pytest.raises(ValueError, match=msg):
            imcdse.sweep(**base, **kw)
    with pytest.raises(ValueError, match=r"seeds: 10001 is out of range"):
        imcdse.compare(space="demo", workloads="resnet18,alexnet", seeds=10001, out=tmp_path / "c")


def test_long_names_are_not_echoed_whole():
    for call in (lambda: imcdse.Space.load("a" * 10**6),
                 lambda: imcdse.workloads("b" * 10**6)):
        with pytest.raises((ValueError, FileNotFoundError)) as e:
            call()
        assert len(str(e.value)) < 2000


def test_model_is_short():
    assert imcdse.MODEL.startswith("imc-model revision ") and len(imcdse.MODEL) < 80
