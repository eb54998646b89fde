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
    with pytest.raises(ValueError, match=r"threads: expected a positive integer"):
        imcdse.evaluate(space, space.sample(2), threads=0)
    with pytest.raises(ValueError, match=r"as_frame: expected None, 'pandas' or 'polars'"):
        imcdse.evaluate(space, space.sample(2), as_frame="excel")
    with pytest.raises(ValueError, match=r"n: expected a non-negative integer"):
        space.sample(-1)
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
