"""scripts/python/peers.py at a tiny budget (one seed, budget 20, the 324-design demo space):
its rows have grading.parquet's columns and the grading's certificate, `imcdse grade --peers`
takes them (when the binary is built), and bad arguments are refused. A few seconds."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import peers  # noqa: E402

GRADE = ["grade", "--space", "demo", "--workloads", "resnet18,alexnet", "--optimizers", "random",
         "--budgets", "20", "--seeds", "1"]


def binary():
    """The imcdse binary scripts/test.sh built (IMCDSE_BIN), or the checkout's, if any."""
    path = Path(os.environ.get("IMCDSE_BIN", ROOT / "target" / "release" / "imcdse"))
    return path if path.is_file() else None


@pytest.fixture(scope="module")
def grading(tmp_path_factory):
    """A complete grading of the demo space, by the binary when there is one (so that its
    certificate is the one `grade --peers` checks), else by the Python package."""
    tmp = tmp_path_factory.mktemp("peers")
    out, cache = tmp / "grading", tmp / "cache"
    exe = binary()
    if exe:
        subprocess.run([str(exe), *GRADE, "--out", str(out), "--cache", str(cache)], check=True,
                       capture_output=True)
    else:
        import imcdse
        imcdse.grade(space="demo", workloads="resnet18,alexnet", optimizers="random", budgets="20",
                     seeds=1, out=out, cache=cache)
    return out, cache


def test_peers_write_graded_rows_that_grade_takes(grading, tmp_path):
    folder, cache = grading
    out = tmp_path / "peers.parquet"
    assert peers.main(["--grading", str(folder), "--budgets", "20", "--seeds", "1", "--out", str(out)]) == 0
    rows = pd.read_parquet(out)
    cert = json.loads((folder / "certified.json").read_text())
    assert list(rows.columns) == ["optimizer", "budget", "seed", "evaluations", "best_score", "gap_pct",
                                  "found_optimum", "hv_ratio", "run_seconds", "space", "workloads",
                                  "objective", "certificate", "optimum"]
    assert list(rows["optimizer"]) == ["optuna-tpe", "pymoo-ga", "pymoo-ga-paper"]
    assert (rows["budget"] == 20).all() and (rows["seed"] == 0).all() and (rows["evaluations"] == 20).all()
    assert (rows["certificate"] == cert["key"]).all() and (rows["space"] == "demo").all()
    assert (rows["gap_pct"] >= 0).all() and rows["hv_ratio"].isna().all()
    assert (rows["found_optimum"] == (rows["best_score"] == cert["best_score"])).all()
    assert not list(tmp_path.glob("*.tmp-*")), "the temporary file is renamed"
    exe = binary()
    if exe is None:
        pytest.skip("no imcdse binary: `imcdse grade --peers` not tried")
    cmd = [str(exe), *GRADE, "--out", str(folder), "--cache", str(cache), "--peers", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "pymoo-ga-paper (peer)" in done.stdout


def test_the_rows_do_not_depend_on_the_jobs(grading, tmp_path):
    folder, _ = grading
    frames = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.parquet"
        assert peers.main(["--grading", str(folder), "--budgets", "10,20", "--seeds", "2",
                           "--peers", "optuna-tpe,pymoo-ga", "--jobs", jobs, "--out", str(out)]) == 0
        frames.append(pd.read_parquet(out).drop(columns="run_seconds"))
    assert list(frames[0]["seed"]) == [0, 0, 1, 1, 0, 0, 1, 1]
    pd.testing.assert_frame_equal(frames[0], frames[1])


@pytest.mark.parametrize("args, message", [
    (["--budgets", "0"], "--budgets: each budget must be 1.."),
    (["--budgets", "10,x"], "--budgets: '10,x' is not"),
    (["--budgets", "400"], "more than the space's 324 designs"),
    (["--seeds", "0"], "--seeds: must be 1.."),
    (["--jobs", "0"], "--jobs: must be 1..64"),
    (["--jobs", "two"], "--jobs: 'two' is not an integer"),
    (["--peers", "optuna-tpe,hyperopt"], "--peers:"),
    (["--out", "peers.csv"], "--out:"),
    (["--out", "GRADING/grading.parquet"], "is the grading's own table"),
    (["--out", "TMP/dir.parquet"], "exists and is not a regular file"),
])
def test_bad_arguments_are_refused(grading, tmp_path, capsys, args, message):
    base = {"--grading": str(grading[0]), "--out": str(tmp_path / "p.parquet"), "--budgets": "20",
            "--seeds": "1"}
    base.update(dict(zip(args[::2], args[1::2])))
    base["--out"] = base["--out"].replace("GRADING", str(grading[0]))
    base["--out"] = base["--out"].replace("TMP", str(tmp_path))
    (tmp_path / "dir.parquet").mkdir()
    assert peers.main([x for kv in base.items() for x in kv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "p.parquet").exists()


def test_a_folder_that_is_not_a_grading_is_refused(tmp_path, capsys):
    (tmp_path / "g").mkdir()
    assert peers.main(["--grading", str(tmp_path / "g"), "--out", str(tmp_path / "p.parquet")]) == 2
    assert "is not a folder written by `imcdse grade`" in capsys.readouterr().err


def test_certificate_values_match_the_space_s():
    # A certificate writes strings quoted (adc_range = "clipped"), numbers and booleans bare.
    assert peers.same_value("clipped", '"clipped"') and peers.same_value("clipped", "clipped")
    assert not peers.same_value("full", '"clipped"')
    assert peers.same_value(512, "512") and peers.same_value(0.5, "0.5")
    assert peers.same_value(True, "true") and not peers.same_value(8, "x")
