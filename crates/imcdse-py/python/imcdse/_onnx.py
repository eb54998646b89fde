"""`imcdse.import_onnx`: a network exported to ONNX (from PyTorch, TensorFlow, ...) as a workload,
as `imcdse workloads import` makes it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from . import _native


@dataclass(frozen=True)
class Imported:
    """An imported network: `toml` is its workload file (write it anywhere and name it wherever a
    workload goes), `workload` its description as `imcdse.workloads` gives it (totals and
    `layer_list`), `skipped` the operators costed as nothing, as (op, count, first node)."""

    toml: str
    workload: Dict[str, Any]
    skipped: List[Tuple[str, int, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.workload["name"])

    def write(self, path: Union[str, os.PathLike]) -> str:
        """Writes the workload file to `path` and returns the path, for `workloads=`."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.toml)
        return os.fspath(path)


def import_onnx(
    path: Union[str, os.PathLike],
    name: Optional[str] = None,
    dims: Optional[Mapping[str, int]] = None,
    input: Optional[str] = None,
    skip_unsupported: bool = False,
) -> Imported:
    """Imports the ONNX file at `path` (with or without its weights; they are never read).

    `name` overrides the file stem; `dims` sets symbolic dimensions (`{"seq": 128}`; a batch
    dimension defaults to 1); `input` names the data input when the graph has several;
    `skip_unsupported` costs unsupported operators as nothing instead of raising ValueError."""
    pairs: List[Tuple[str, int]] = []
    for k, v in (dims or {}).items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"dims[{k!r}]: expected an integer >= 1, got {v!r}")
        pairs.append((str(k), int(v)))
    toml, workload, skipped = _native.import_onnx(os.fspath(path), name, pairs, input, skip_unsupported)
    return Imported(toml, json.loads(workload), [tuple(s) for s in skipped])  # type: ignore[misc]
