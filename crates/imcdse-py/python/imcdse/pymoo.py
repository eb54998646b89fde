"""A pymoo problem over a design space: `imcdse.pymoo.Problem(space, workloads, objective)`.

Variables are value indices (integers `0..len(values)-1`, one per free parameter in
`space.names` order; pymoo's float operators need `RoundingRepair`). Each population is costed
in one batch with the GIL released. Two inequality constraints, feasible at `<= 0`: the area
(`area / max_area_mm2 - 1`) and the capacity (the largest workload's `needed / available - 1`
crossbars, at least 1 for a design that fails another way; a compute SNR below `min_snr`, dB,
when given, or the space's `min_snr_db`, counts as its shortfall in units of 10 dB summed over
the workloads below it). One objective (the joint score), or three for `pareto` (max energy,
max latency, area), four for `pareto-snr` (and -min SNR, dB). Needs pymoo (`pip install pymoo`)."""

from __future__ import annotations

import os
import time
from typing import Any, Optional, Sequence, Union

import numpy as np

try:
    from pymoo.core.problem import Problem as _PymooProblem
except ImportError as e:  # pragma: no cover - exercised only without pymoo
    raise ImportError("imcdse.pymoo needs pymoo: pip install pymoo (or imcdse[pymoo])") from e

from . import _native
from ._evaluate import _names, _threads, columns, problem
from ._space import Space, as_space

# What an objective of a design that could not be costed (not a valid architecture) is set to:
# finite, so that pymoo's sorting and crowding stay defined; its constraints rank it last.
UNCOSTED = 1e300


class Problem(_PymooProblem):
    """The co-design problem as a vectorized pymoo `Problem`.

    After a run, `evaluations` counts the designs costed (repeats included) and
    `evaluation_seconds` the time spent costing them; `last` holds the last batch's results
    columns (as `imcdse.evaluate` returns them)."""

    def __init__(
        self,
        space: Union[Space, str, "os.PathLike[str]"] = "paper-rram",
        workloads: Union[str, Sequence[str]] = "paper4",
        objective: str = "max-ela",
        calibration: Optional[str] = None,
        threads: Optional[int] = None,
        min_snr: Optional[float] = None,
        **kwargs: Any,
    ) -> None:
        self.space = as_space(space)
        self.objective = objective
        self.threads = _threads(threads)
        self.native = problem(self.space, _names(workloads, "workloads"), objective, calibration, min_snr)
        self.workloads = self.native.workloads
        sizes = np.array(self.space.sizes)
        super().__init__(
            n_var=len(sizes),
            n_obj={"pareto": 3, "pareto-snr": 4}.get(objective, 1),
            n_ieq_constr=2,
            xl=np.zeros(len(sizes), dtype=int),
            xu=sizes - 1,
            vtype=int,
            **kwargs,
        )
        self.evaluations = 0
        self.evaluation_seconds = 0.0
        self.last: Optional[dict] = None

    def _evaluate(self, X: np.ndarray, out: dict, *args: Any, **kwargs: Any) -> None:
        start = time.perf_counter()
        x = np.asarray(X, dtype=float)
        if not np.isfinite(x).all():
            raise ValueError("imcdse.pymoo: a design has a NaN or infinite variable")
        indices = np.ascontiguousarray(np.rint(x), dtype="<i8")
        res = columns(self.native.evaluate(indices.tobytes(), self.threads, True))
        g = res.pop("_constraints").reshape(len(indices), 2)
        names = self.workloads
        e = np.column_stack([res[f"{w}__energy_mj"] for w in names])
        l = np.column_stack([res[f"{w}__latency_ms"] for w in names])
        # pareto-snr is pareto and -min_w SNR_w (the CLI's fourth axis: higher SNR is better).
        scored = "pareto" if self.objective == "pareto-snr" else self.objective
        raw = _native.score(scored, names, e.tobytes(), l.tobytes(), res["area_mm2"].tobytes())
        f = np.frombuffer(raw, dtype="<f8").reshape(len(indices), -1)
        if self.objective == "pareto-snr":
            snr = np.column_stack([res[f"{w}__snr_db"] for w in names]).min(axis=1)
            f = np.column_stack([f, -snr])
        out["F"] = np.where(np.isnan(f), UNCOSTED, f)
        out["G"] = g
        self.last = res
        self.evaluations += len(indices)
        self.evaluation_seconds += time.perf_counter() - start
