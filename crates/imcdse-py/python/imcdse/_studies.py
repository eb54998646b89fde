"""The studies, run in-process: `sweep`, `compare` and `grade` take the CLI's options as keyword
arguments, write the same results folder as the CLI, and return it with its tables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Union

from . import _native
from ._checks import flag as _flag, integer as _int

PathLike = Union[str, "os.PathLike[str]"]


class Study:
    """A finished study: its results folder, the text the CLI prints about it, and its tables
    (`evaluations`, `pareto`, `grading`, ...: every `.parquet` file of the folder) read as
    pandas or polars DataFrames."""

    def __init__(self, folder: Path, text: str) -> None:
        self.folder = Path(folder)
        self.text = text

    @property
    def names(self) -> list:
        """The tables of the folder, by file stem."""
        return sorted(p.stem for p in self.folder.glob("*.parquet"))

    def table(self, name: str, as_frame: Optional[str] = None) -> Any:
        """One table, e.g. `evaluations`, as a polars DataFrame (`as_frame="polars"`, the default
        when polars is installed) or a pandas one (`"pandas"`, needs pyarrow)."""
        path = self.folder / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such table; the folder has {', '.join(self.names) or 'none'}")
        kind = as_frame or _default_frame()
        if kind == "polars":
            import polars as pl

            return pl.read_parquet(path)
        if kind == "pandas":
            import pandas as pd

            return pd.read_parquet(path)
        raise ValueError(f"as_frame: expected 'pandas' or 'polars', got {as_frame!r}")

    def tables(self, as_frame: Optional[str] = None) -> Dict[str, Any]:
        """Every table of the folder, by name."""
        return {n: self.table(n, as_frame) for n in self.names}

    @property
    def summary(self) -> str:
        """The folder's summary.md (or the study's text when it has none)."""
        path = self.folder / "summary.md"
        return path.read_text() if path.exists() else self.text

    def __repr__(self) -> str:
        return f"Study({str(self.folder)!r}, tables={self.names})"


def _default_frame() -> str:
    try:
        import polars  # noqa: F401

        return "polars"
    except ImportError:
        return "pandas"


def _list(x: Union[str, Sequence[Any]]) -> str:
    return x if isinstance(x, str) else ",".join(str(v) for v in x)


def _path(p: Optional[PathLike], what: str = "out") -> Optional[str]:
    """A path argument; an empty one is refused (it would name the current folder)."""
    if p is None:
        return None
    path = os.fspath(p)
    if not isinstance(path, str) or path.strip() == "":
        raise ValueError(f"{what}: expected a folder path, got {p!r}")
    return path


def _common(
    space: PathLike,
    workloads: Union[str, Sequence[str]],
    objective: str,
    calibration: Optional[str],
    out: Optional[PathLike],
    population: int,
    evaluator: Optional[str],
    workers: int,
    timeout: float,
    min_snr: Optional[float] = None,
) -> Dict[str, Any]:
    """The options every study takes, as the compiled module reads them."""
    return {
        "space": os.fspath(space),
        "workloads": _list(workloads),
        "objective": objective,
        "calibration": calibration,
        "out": _path(out),
        "population": _int(population, "population", 1),
        "evaluator": evaluator,
        "evaluator_workers": _int(workers, "evaluator_workers", 1),
        "evaluator_timeout": float(timeout),
        "min_snr": None if min_snr is None else float(min_snr),
    }


def sweep(
    space: PathLike = "paper-rram",
    workloads: Union[str, Sequence[str]] = "paper4",
    objective: str = "max-ela",
    optimizer: str = "tpe",
    budget: Optional[int] = None,
    seed: int = 0,
    out: Optional[PathLike] = None,
    calibration: Optional[str] = None,
    resume: bool = False,
    top: int = 100,
    keep_all: bool = False,
    population: int = 100,
    fidelity: str = "single",
    force: bool = False,
    evaluator: Optional[str] = None,
    evaluator_workers: int = 1,
    evaluator_timeout: float = 600.0,
    min_snr: Optional[float] = None,
) -> Study:
    """`imcdse sweep`: one search (`tpe`, the default, `ga4`, `nsga2`, `bayes`, `anneal`, `random`) or every design
    (`exhaustive`) of the space, into `out` (default: a folder under results/ named after the
    run). `min_snr`: designs whose compute SNR (dB, worst layer of any workload) is below it
    are infeasible. Tables: `evaluations` (with `<workload>__snr_db`), `pareto`."""
    common = _common(space, workloads, objective, calibration, out, population, evaluator,
                     evaluator_workers, evaluator_timeout, min_snr)
    budget = None if budget is None else _int(budget, "budget", 1, 10**12)
    folder, text = _native.sweep(common, optimizer, budget, _int(seed, "seed", 0), _flag(resume, "resume"),
                                 _int(top, "top", 1), _flag(keep_all, "keep_all"), fidelity,
                                 _flag(force, "force"))
    return Study(folder, text)


def compare(
    space: PathLike = "paper-rram",
    workloads: Union[str, Sequence[str]] = "paper4",
    objective: str = "max-ela",
    optimizer: str = "ga4",
    budget: Optional[int] = None,
    seeds: int = 3,
    sequential_start: str = "middle",
    out: Optional[PathLike] = None,
    calibration: Optional[str] = None,
    population: int = 100,
    evaluator: Optional[str] = None,
    evaluator_workers: int = 1,
    evaluator_timeout: float = 600.0,
    min_snr: Optional[float] = None,
) -> Study:
    """`imcdse compare`: the joint design against workload-specific, largest-workload and
    sequential designs. Tables: `comparison`, and each search's."""
    common = _common(space, workloads, objective, calibration, out, population, evaluator,
                     evaluator_workers, evaluator_timeout, min_snr)
    budget = None if budget is None else _int(budget, "budget", 1, 10**12)
    folder, text = _native.compare(common, optimizer, budget, _int(seeds, "seeds", 1, 10_000),
                                   sequential_start)
    return Study(folder, text)


def grade(
    space: PathLike = "paper-rram",
    workloads: Union[str, Sequence[str]] = "paper4",
    objective: str = "max-ela",
    optimizers: Union[str, Sequence[str]] = "ga4,nsga2,bayes,anneal,tpe,random",
    budgets: Union[str, Sequence[int]] = "100,300,1000,3300",
    seeds: int = 10,
    out: Optional[PathLike] = None,
    calibration: Optional[str] = None,
    cache: PathLike = "results/certified",
    certified: Optional[PathLike] = None,
    population: int = 100,
    force: bool = False,
    evaluator: Optional[str] = None,
    evaluator_workers: int = 1,
    evaluator_timeout: float = 600.0,
    min_snr: Optional[float] = None,
) -> Study:
    """`imcdse grade`: every optimizer at every budget and seed, against the certified optimum
    of the space (enumerated, or taken from the exhaustive sweep `certified`). Table: `grading`."""
    common = _common(space, workloads, objective, calibration, out, population, evaluator,
                     evaluator_workers, evaluator_timeout, min_snr)
    folder, text = _native.grade(common, _list(optimizers), _list(budgets),
                                 _int(seeds, "seeds", 1, 10_000), _path(cache, "cache"),
                                 _path(certified, "certified"), _flag(force, "force"))
    return Study(folder, text)
