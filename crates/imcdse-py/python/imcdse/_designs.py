"""Designs in the forms users hold them, as value indices: a 2-D integer array of value
indices, a list of dicts of values, a dict of columns, or a pandas or polars DataFrame with the
parameter columns (extra columns of a results table are ignored)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Dict, List

import numpy as np

if TYPE_CHECKING:
    from ._space import Space

# Columns of a results table that may travel with designs (evaluate's own output, a
# results folder's evaluations.parquet): ignored, as are `<workload>__<metric>` columns.
RESULT_COLUMNS = {
    "feasible",
    "infeasible_reason",
    "score",
    "area_mm2",
    "eval_index",
    "phase",
    "area_violation",
    "capacity_violation",
}


# The most designs one `evaluate` call takes: a result holds about 2.3 kB a design, so this is
# about 10 GB (more would end the interpreter when memory runs out; evaluate in batches).
MAX_BATCH = 4_000_000


def to_indices(space: "Space", designs: Any) -> np.ndarray:
    """`designs` as an `(n, len(space.names))` int64 array of value indices (checked for
    shape and type here; each index against its range by the model), at most `MAX_BATCH`."""
    if isinstance(designs, (list, tuple)) and len(designs) == 0:
        raise ValueError("designs: the batch is empty; give at least one design")
    columns = _columns(designs)
    if columns is not None:
        x = _from_columns(space, columns)
    elif isinstance(designs, (list, tuple)) and designs and all(isinstance(d, Mapping) for d in designs):
        x = _from_dicts(space, designs)
    elif isinstance(designs, Mapping):
        x = _from_dicts(space, [designs])
    else:
        x = _from_array(space, designs)
    if len(x) > MAX_BATCH:
        raise ValueError(f"designs: {len(x)} in one batch; at most {MAX_BATCH:,} (about 10 GB of "
                         "results): evaluate them in batches")
    return x


def _columns(designs: Any) -> "Dict[str, Any] | None":
    """The columns of a pandas or polars DataFrame, or of a dict whose values are arrays."""
    module = type(designs).__module__.split(".")[0]
    if module in ("pandas", "polars") and hasattr(designs, "columns") and hasattr(designs, "__getitem__"):
        return {str(c): designs[c].to_numpy() for c in designs.columns}
    if isinstance(designs, Mapping) and designs and all(
        isinstance(v, (np.ndarray, list, tuple)) for v in designs.values()
    ):
        return {str(k): np.asarray(v) for k, v in designs.items()}
    return None


def _from_array(space: "Space", designs: Any) -> np.ndarray:
    names = space.names
    try:
        a = np.asarray(designs)
    except (TypeError, ValueError) as e:  # ragged lists and the like
        raise ValueError(f"designs: not an array of value indices: {e}") from None
    if a.dtype == object or a.dtype.kind not in "iu":
        kind = "bool" if a.dtype.kind == "b" else str(a.dtype)
        raise ValueError(
            f"designs: value indices must be integers, got dtype {kind}; give indices into each "
            f"parameter's list (space.params), or a DataFrame or list of dicts of values"
        )
    if a.ndim != 2 or a.shape[1] != len(names):
        raise ValueError(
            f"designs: expected a 2-D array of shape (n, {len(names)}), one column per free "
            f"parameter ({', '.join(names)}); got shape {a.shape}"
        )
    if a.dtype.kind == "u" and a.size and a.max() > np.iinfo(np.int64).max:
        raise ValueError("designs: an index is out of range (above 2^63)")
    return np.ascontiguousarray(a, dtype="<i8")


def _from_dicts(space: "Space", designs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    names = set(space.names)
    fixed = space.fixed
    for row, d in enumerate(designs):
        for k in d:
            if k not in names and k not in fixed:
                raise ValueError(
                    f"design {row}: `{k}` is not a free parameter of {space.name} "
                    f"({', '.join(space.names)})"
                )
        missing = [n for n in space.names if n not in d]
        if missing:
            raise ValueError(f"design {row}: missing {', '.join(f'`{m}`' for m in missing)}")
    columns = {n: np.array([d[n] for d in designs], dtype=object) for n in space.names}
    return _from_columns(space, columns)


def _from_columns(space: "Space", columns: Dict[str, Any]) -> np.ndarray:
    names = space.names
    fixed = space.fixed
    for c in columns:
        if c not in names and c not in fixed and c not in RESULT_COLUMNS and "__" not in c:
            raise ValueError(
                f"designs: unknown column `{c}`; the free parameters of {space.name} are "
                f"{', '.join(names)}"
            )
    missing = [n for n in names if n not in columns]
    if missing:
        raise ValueError(
            f"designs: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(f'`{m}`' for m in missing)}; designs need every free parameter of "
            f"{space.name} ({', '.join(names)})"
        )
    lengths = {name: len(np.atleast_1d(np.asarray(columns[name]))) for name in names}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}: {v}" for k, v in lengths.items())
        raise ValueError(f"designs: the columns differ in length ({shown}); every free "
                         "parameter's column needs one value a design")
    n = len(columns[names[0]])
    out = np.empty((n, len(names)), dtype="<i8")
    for j, (name, allowed) in enumerate(space.params.items()):
        out[:, j] = _index_of(name, np.asarray(columns[name]), allowed)
    return out


def _index_of(name: str, column: np.ndarray, allowed: List[Any]) -> np.ndarray:
    """Each value of a column as its index in `allowed`; a value not allowed (NaN, a wrong
    type, a number not listed) is a ValueError naming the row, the parameter and the list."""
    if column.ndim != 1:
        raise ValueError(f"designs: column `{name}` is not one-dimensional")
    kind = _kind(allowed[0])
    lookup: Dict[Any, int] = {}
    for i, v in enumerate(allowed):
        lookup.setdefault(_key(v, kind), i)
    fast = (kind == "num" and column.dtype.kind in "iuf") or (kind == "bool" and column.dtype.kind == "b")
    if fast and len(column):
        # One lookup per distinct value: a batch of 100,000 rows has a handful of each.
        uniq, inverse = np.unique(column, return_inverse=True)
        found = np.array([lookup.get(_key(u, kind), -1) for u in uniq.tolist()], dtype="<i8")
        out = found[inverse.reshape(-1)]
        if (out >= 0).all():
            return out
    out = np.empty(len(column), dtype="<i8")
    cache: Dict[Any, int] = {}
    for row, v in enumerate(column.tolist()):
        k = _key(v, kind)
        i = cache.get(k) if k is not None else None
        if i is None:
            i = lookup.get(k) if k is not None else None
            if i is None:
                shown = ", ".join(str(a).lower() if isinstance(a, bool) else str(a) for a in allowed)
                raise ValueError(
                    f"design {row}: `{name}` = {v!r} is not one of the space's values ({shown})"
                )
            cache[k] = i
        out[row] = i
    return out


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "num"
    return "str"


def _key(v: Any, kind: str) -> Any:
    """A value as the key of its kind, or None when it is not of that kind (or NaN)."""
    if kind == "bool":
        return bool(v) if isinstance(v, (bool, np.bool_)) else None
    if kind == "num":
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            return None
        x = float(v)
        return None if math.isnan(x) else x
    return v if isinstance(v, str) else None
