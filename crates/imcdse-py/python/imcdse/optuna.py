"""An Optuna objective over a design space: `imcdse.optuna.objective(space, workloads,
objective)` returns a function for `study.optimize`, with one categorical parameter per free
parameter of the space (its allowed values).

Each trial records `feasible`, `infeasible_reason`, `area_mm2` and the per-workload costs as
user attributes, and its constraint values (area, capacity; feasible at `<= 0`, as in
`imcdse.pymoo`): with `Trial.set_constraint` on Optuna 5 and newer, which its samplers read, and
under the user attribute `constraints`, which `imcdse.optuna.constraints` reads for the
`constraints_func` of older samplers. An infeasible design still returns its cost, so the sampler learns from it;
with `constraints_func` the sampler also knows it is infeasible. A design that is not a valid
architecture returns infinity. For `pareto` the function returns three values (max energy, max
latency, area): create the study with three `minimize` directions. Needs optuna."""

from __future__ import annotations

import math
import os
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

try:
    import optuna as _optuna
except ImportError as e:  # pragma: no cover - exercised only without optuna
    raise ImportError("imcdse.optuna needs optuna: pip install optuna (or imcdse[optuna])") from e

from . import _native
from ._evaluate import _names, columns, problem
from ._space import Space, as_space


def objective(
    space: Union[Space, str, "os.PathLike[str]"] = "paper-rram",
    workloads: Union[str, Sequence[str]] = "paper4",
    objective: str = "max-ela",
    calibration: Optional[str] = None,
) -> Callable[["_optuna.trial.Trial"], Union[float, Tuple[float, float, float]]]:
    """A function of an Optuna trial: suggests a design, costs it, returns its score."""
    sp = as_space(space)
    native = problem(sp, _names(workloads, "workloads"), objective, calibration)
    params = sp.params
    names = native.workloads
    pareto = objective == "pareto"

    def run(trial: "_optuna.trial.Trial") -> Union[float, Tuple[float, float, float]]:
        genes = []
        for name, values in params.items():
            v = trial.suggest_categorical(name, values)
            genes.append(next(i for i, x in enumerate(values) if type(x) is type(v) and x == v))
        res = columns(native.evaluate(np.array(genes, dtype="<i8").tobytes(), 1, True))
        g = res.pop("_constraints")
        trial.set_user_attr("constraints", [float(x) for x in g])
        if hasattr(trial, "set_constraint"):  # Optuna 5: samplers read these themselves
            trial.set_constraint("area", float(g[0]))
            trial.set_constraint("capacity", float(g[1]))
        trial.set_user_attr("feasible", bool(res["feasible"][0]))
        trial.set_user_attr("infeasible_reason", res["infeasible_reason"][0])
        for k in ["area_mm2"] + [c for c in res if "__" in c]:
            trial.set_user_attr(k, float(res[k][0]))
        e = np.array([res[f"{w}__energy_mj"][0] for w in names])
        l = np.array([res[f"{w}__latency_ms"][0] for w in names])
        raw = _native.score(objective, names, e.tobytes(), l.tobytes(), res["area_mm2"].tobytes())
        f: List[float] = [math.inf if math.isnan(x) else x for x in np.frombuffer(raw, dtype="<f8").tolist()]
        return (f[0], f[1], f[2]) if pareto else f[0]

    run.space = sp  # type: ignore[attr-defined]
    return run


def constraints(trial: "_optuna.trial.FrozenTrial") -> List[float]:
    """A trial's constraint values (area, capacity), for a sampler's `constraints_func`."""
    return list(trial.user_attrs.get("constraints", [1.0, 1.0]))
