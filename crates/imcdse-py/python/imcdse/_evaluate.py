"""Batches of designs costed by the analytic model (`evaluate`), the CLI's joint objectives over
the results (`score`), and the zoo's workloads (`workloads`)."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from ._checks import integer as _int
from ._designs import to_indices
from ._space import Space, as_space

Results = Dict[str, np.ndarray]

_PROBLEMS: Dict[Tuple[Any, ...], Tuple[Space, _native.Problem]] = {}

# The most threads `evaluate` takes.
MAX_THREADS = 1024


def _files_state(*names: Optional[str]) -> Tuple[Any, ...]:
    """Size, modification time and inode of every file a workload list or a calibration
    names (`.toml` or `.onnx`, before any `:dim=value`), so that a cached problem is not
    reused after one of its files changed."""
    state = []
    for text in names:
        for item in (text or "").split(","):
            path = item.split(":", 1)[0].strip()
            if path.endswith((".toml", ".onnx")):
                try:
                    st = os.stat(path)
                    state.append((path, st.st_size, st.st_mtime_ns, st.st_ino))
                except OSError:
                    state.append((path, None))
    return tuple(state)


def problem(
    space: Space,
    workloads: str = "paper4",
    objective: str = "max-ela",
    calibration: Optional[str] = None,
    min_snr: Optional[float] = None,
) -> _native.Problem:
    """The compiled problem of a space, workloads and objective (and a minimum compute SNR in
    dB, -100 to 200, over the space's own), made once per combination (resolving the
    workloads and checking every value of the space takes a few milliseconds) and made again
    when a workload or calibration file it names has changed."""
    workloads = _names(workloads, "workloads")
    min_snr = None if min_snr is None else float(min_snr)
    key = (id(space._native), workloads, objective, calibration, min_snr,
           _files_state(workloads, calibration))
    hit = _PROBLEMS.get(key)
    if hit is not None and hit[0]._native is space._native:
        return hit[1]
    p = _native.Problem(space._native, workloads, objective, calibration, min_snr)
    if len(_PROBLEMS) >= 32:
        _PROBLEMS.clear()
    _PROBLEMS[key] = (space, p)
    return p


def evaluate(
    space: Union[Space, str, "os.PathLike[str]"],
    designs: Any,
    workloads: Union[str, Sequence[str]] = "paper4",
    calibration: Optional[str] = None,
    threads: Optional[int] = None,
    as_frame: Optional[str] = None,
    constraints: bool = False,
) -> Any:
    """Costs designs on the workloads with the analytic model, in parallel with the GIL
    released, and returns the columns of `evaluations.parquet`.

    `designs` is a 2-D integer array of value indices (one column per free parameter, in
    `space.names` order), a list of dicts of values, a dict of columns, or a pandas or polars
    DataFrame with the parameter columns. `workloads` names workloads, sets (`paper4`), aliases
    or `.toml` files, as a comma-separated string or a list. `threads` defaults to every core.

    Returns a dict of NumPy arrays (or a DataFrame with `as_frame="pandas"` or `"polars"`): the
    free parameters (numbers as float64, as in the Parquet files), `feasible`,
    `infeasible_reason` (None when feasible), `area_mm2`, per workload
    `<workload>__energy_mj`, `<workload>__latency_ms`, `<workload>__edap`, then per workload
    `<workload>__snr_db` (the compute SNR of its worst layer, dB). A design that is not a valid
    architecture has NaN costs; an infeasible one keeps its costs and its reason. A space whose
    `[constraints]` set `min_snr_db` makes designs below it infeasible.

    With `constraints=True`, two more columns, feasible where both are `<= 0`: `area_violation`
    (`area / max_area_mm2 - 1`, -1 without a limit) and `capacity_violation` (the largest
    workload's `needed / available - 1` crossbars when weights stay on chip, -1 otherwise; at
    least 1 for a design that fails another way, or its compute SNR's shortfall below the
    minimum in units of 10 dB, summed over the workloads below it, when that is its only fault); 1e6 in both for an invalid
    architecture.
    """
    space = as_space(space)
    _check_frame(as_frame)
    p = problem(space, _names(workloads, "workloads"), "max-ela", calibration)
    indices = to_indices(space, designs)
    if len(indices) == 0:
        raise ValueError("designs: the batch is empty; give at least one design")
    out = columns(p.evaluate(indices.tobytes(), _threads(threads), bool(constraints)))
    if constraints:
        g = out.pop("_constraints").reshape(len(indices), 2)
        out["area_violation"] = g[:, 0]
        out["capacity_violation"] = g[:, 1]
    return frame(out, as_frame)


def columns(native: List[Tuple[str, str, Any]]) -> Results:
    """The compiled module's columns as NumPy arrays (views over its buffers, writable)."""
    out: Results = {}
    for name, kind, payload in native:
        if kind == "f64":
            out[name] = np.frombuffer(payload, dtype="<f8")
        elif kind == "bool":
            out[name] = np.frombuffer(payload, dtype=np.bool_)
        elif kind == "u64":
            out[name] = np.frombuffer(payload, dtype="<u8")
        else:
            a = np.empty(len(payload), dtype=object)
            a[:] = payload
            out[name] = a
    return out


def frame(results: Results, as_frame: Optional[str]) -> Any:
    """Results as they were asked for: a dict, or a pandas or polars DataFrame."""
    _check_frame(as_frame)
    if as_frame is None:
        return results
    if as_frame == "pandas":
        import pandas as pd

        return pd.DataFrame(results)
    import polars as pl

    return pl.DataFrame({k: (v.tolist() if v.dtype == object else v) for k, v in results.items()})


def score(results: Any, objective: str = "max-ela") -> np.ndarray:
    """The CLI's objective over results (a dict of arrays as `evaluate` returns, a pandas or
    polars DataFrame, such as a results folder's evaluations.parquet): `max-ela`, `mean-ela`,
    `prod-ela`, `edap:<workload>` (lower is better), or `pareto`, which gives an `(n, 3)` array
    of (max energy mJ, max latency ms, area mm2). Infeasible designs, and designs whose costs
    multiply out of range (the CLI calls them infeasible), score NaN; a cost that is neither a
    finite number above 0 nor NaN raises ValueError, as does a `feasible` column that is not
    True/False."""
    cols = _result_columns(results)
    names = [c[: -len("__energy_mj")] for c in cols if c.endswith("__energy_mj")]
    if not names:
        raise ValueError("results: no `<workload>__energy_mj` column; pass what imcdse.evaluate returns")
    need = ["area_mm2"] + [f"{w}__{m}" for w in names for m in ("energy_mj", "latency_ms")]
    missing = [c for c in need if c not in cols]
    if missing:
        raise ValueError(f"results: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")

    def numbers(c: str) -> np.ndarray:
        a = np.asarray(cols[c])
        if a.dtype.kind not in "iuf":
            a = np.array([np.nan if x is None else x for x in a.tolist()], dtype=float)
        return a.astype("<f8")

    columns = {c: numbers(c) for c in need}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError("results: the columns differ in length; one value a design in each")
    for c, v in columns.items():
        bad = ~np.isnan(v) & ~(np.isfinite(v) & (v > 0))
        if bad.any():
            raise ValueError(f"results: {c} holds {v[bad][0]!r}; a cost is a finite number "
                             "above 0 (or NaN for a design without one)")
    e = np.column_stack([columns[f"{w}__energy_mj"] for w in names])
    l = np.column_stack([columns[f"{w}__latency_ms"] for w in names])
    a = columns["area_mm2"]
    if "feasible" in cols:
        a = np.where(_flags(cols["feasible"], len(a)), a, np.nan)
    raw = _native.score(objective, names, e.tobytes(), l.tobytes(), a.tobytes())
    s = np.frombuffer(raw, dtype="<f8").copy()
    # Costs that multiply out of range (an overflow to inf): the CLI calls such a design
    # infeasible, so its score is NaN here too.
    s[~np.isfinite(s)] = np.nan
    return s.reshape(len(a), 3) if objective == "pareto" else s


def _flags(column: Any, n: int) -> np.ndarray:
    """A `feasible` column as booleans: True/False (or 1/0), one a design."""
    f = np.asarray(column)
    if f.ndim != 1 or len(f) != n:
        raise ValueError(f"results: `feasible` has {f.size} values for {n} designs")
    if f.dtype.kind == "b":
        return f
    if f.dtype.kind in "iu" and np.isin(f, (0, 1)).all():
        return f.astype(bool)
    raise ValueError(f"results: `feasible` holds {f[:1].tolist()}...; expected True or False")


def workloads(names: Union[str, Sequence[str]] = "paper4") -> Dict[str, Dict[str, Any]]:
    """Workloads by name (names, sets such as `paper4` or `paper9`, aliases, `.toml` files, `.onnx`
    files with `:dim=value,...` for their symbolic dimensions):
    each as `imcdse workloads LIST --json` describes it, by name: totals (`params`, `weights`,
    `macs`, `static_macs`, `dynamic_macs`, ...) and `layer_list`, one dict per layer."""
    items = json.loads(_native.workloads(_names(names, "workloads")))
    return {w["name"]: w for w in items}


def _names(names: Union[str, Sequence[str]], what: str) -> str:
    if isinstance(names, (str, os.PathLike)):
        text = os.fspath(names)
    elif isinstance(names, Sequence) and all(isinstance(n, (str, os.PathLike)) for n in names):
        text = ",".join(os.fspath(n) for n in names)
    else:
        raise ValueError(f"{what}: expected a name or a list of names, got {names!r}")
    if not text.strip():
        raise ValueError(f"{what}: no names given")
    return text


def _threads(threads: Optional[int]) -> Optional[int]:
    if threads is None:
        return None
    threads = _int(threads, "threads", 1)
    if threads > MAX_THREADS:
        raise ValueError(f"threads: {threads} is more than {MAX_THREADS}; the designs are "
                         "shared among the threads, so more threads than cores only add overhead")
    return threads


def _check_frame(as_frame: Optional[str]) -> None:
    if as_frame not in (None, "pandas", "polars"):
        raise ValueError(f"as_frame: expected None, 'pandas' or 'polars', got {as_frame!r}")


def _result_columns(results: Any) -> Dict[str, Any]:
    module = type(results).__module__.split(".")[0]
    if module in ("pandas", "polars") and hasattr(results, "columns"):
        return {str(c): results[c].to_numpy() for c in results.columns}
    if isinstance(results, dict):
        return results
    raise ValueError(f"results: expected a dict of arrays or a DataFrame, got {type(results).__name__}")
