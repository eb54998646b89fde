"""The studies from Python write what the CLI writes: a sweep's tables equal the CLI's for the
same options and seed; compare and grade run and return their tables."""

import re

import imcdse
import numpy as np
import pytest

from conftest import run_cli


def test_sweep_equals_the_cli(cli, tmp_path):
    pl = pytest.importorskip("polars")
    args = dict(space="demo", workloads="resnet18,alexnet", optimizer="ga4", budget=60, seed=4)
    study = imcdse.sweep(**args, out=tmp_path / "py")
    run_cli(cli, "sweep", "--space", "demo", "--workloads", "resnet18,alexnet", "--optimizer", "ga4",
            "--budget", "60", "--seed", "4", "--out", str(tmp_path / "cli"))
    assert {"evaluations", "pareto"} <= set(study.names)
    for name in ("evaluations", "pareto"):
        ours = study.table(name, "polars")
        theirs = pl.read_parquet(tmp_path / "cli" / f"{name}.parquet")
        assert ours.equals(theirs), name
    assert study.table("evaluations").height == 60
    # The summaries differ only in wall times ("0.1 s" against "0.0 s" on a busy machine).
    def timeless(text):
        return re.sub(r"\d+\.\d+ s\b", "_ s", text)

    assert timeless(study.summary) == timeless((tmp_path / "cli" / "summary.md").read_text())
    pytest.importorskip("pandas")
    assert len(study.table("evaluations", "pandas")) == 60
    with pytest.raises(FileNotFoundError, match=r"no such table"):
        study.table("grading")


def test_exhaustive_sweep_finds_the_best_design_of_a_batch(tmp_path):
    study = imcdse.sweep(space="demo", workloads="paper4", optimizer="exhaustive", out=tmp_path / "ex", top=5)
    best = study.table("evaluations", "polars").sort("score").row(0, named=True)
    space = imcdse.Space.load("demo")
    everything = imcdse.evaluate(space, space.sample(space.size, seed=0))
    s = imcdse.score(everything)
    assert best["score"] == float(np.nanmin(s))


def test_compare_and_grade_run(tmp_path):
    c = imcdse.compare(space="demo", workloads="resnet18,alexnet", optimizer="random", budget=40, seeds=1,
                       out=tmp_path / "cmp")
    assert "comparison" in c.names and "resnet18" in c.text
    g = imcdse.grade(space="demo", workloads="resnet18,alexnet", optimizers=["random", "anneal"], budgets=[20, 40],
                     seeds=2, cache=tmp_path / "certified", out=tmp_path / "grade")
    grades = g.table("grading", "polars")
    assert grades.height > 0 and "random" in g.text


def test_study_errors_are_the_clis(tmp_path):
    with pytest.raises(ValueError, match=r"unknown optimizer|optimizer gaa"):
        imcdse.sweep(space="demo", optimizer="gaa", out=tmp_path / "x")
    with pytest.raises(ValueError, match=r"tpe is single-objective"):
        imcdse.sweep(space="demo", objective="pareto", out=tmp_path / "x")
    with pytest.raises(FileNotFoundError):
        imcdse.sweep(space=tmp_path / "none.toml", out=tmp_path / "x")


def test_ctrl_c_stops_a_study_and_a_batch_which_then_resume(tmp_path):
    """SIGINT raises KeyboardInterrupt within a second or so, not after the work; the run's
    folder is left as an interrupted CLI run leaves it, and resume=True finishes it."""
    import signal

    # Python's own handler, whatever this process inherited (a shell's background job starts
    # with SIGINT ignored, and Python then keeps it ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _interrupt_and_resume(tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt_and_resume(tmp_path):
    import os
    import signal
    import threading
    import time

    out = tmp_path / "run"
    args = dict(space="paper-rram", workloads="paper4", optimizer="random", out=out)
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        imcdse.sweep(budget=300_000, **args)
    assert time.monotonic() - start < 10
    assert 'status = "running"' in (out / "run.toml").read_text()
    done = imcdse.sweep(budget=300, resume=True, **args)
    assert len(done.table("evaluations")) == 300
    space = imcdse.Space.load("paper-rram")
    x = space.sample(400_000, seed=1)
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        imcdse.evaluate(space, x, workloads="paper4")
    assert time.monotonic() - start < 10
    assert len(imcdse.evaluate(space, x[:5], workloads="resnet18")["resnet18__energy_mj"]) == 5
