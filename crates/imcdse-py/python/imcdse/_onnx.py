"""`imcdse.import_onnx`: a network exported to ONNX (from PyTorch, TensorFlow, ...) as a workload,
as `imcdse workloads import` makes it."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from . import _native
from ._checks import integer as _int


@dataclass(frozen=True)
class Imported:
    """An imported network: `toml` is its workload file (write it anywhere and name it wherever a
    workload goes), `workload` its description as `imcdse.workloads` gives it (totals and
    `layer_list`), `skipped` the operators costed as nothing, as (op, count, first node)."""

    toml: str
    workload: Dict[str, Any]
    skipped: List[Tuple[str, int, str]] = field(default_factory=list)
    source: Optional[str] = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return str(self.workload["name"])

    def write(self, path: Union[str, os.PathLike]) -> str:
        """Writes the workload file to `path` and returns the path, for `workloads=`. As the
        CLI's outputs: a regular file or a new one (a FIFO, device or folder is refused), never
        the ONNX file it was imported from, written whole or not at all (a temporary file
        renamed over it; a symbolic link is written through)."""
        out = os.fspath(path)
        if not isinstance(out, str) or out.strip() == "":
            raise ValueError(f"write: expected a file path, got {path!r}")
        target = os.path.realpath(out)
        if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
            raise ValueError(f"write: {out} is not a regular file; outputs are regular files only")
        if self.source is not None and os.path.exists(target) and os.path.samefile(target, self.source):
            raise ValueError(f"write: {out} is the ONNX file this was imported from; writing it "
                             "would destroy it: give another path")
        folder = os.path.dirname(target) or "."
        fd, tmp = tempfile.mkstemp(prefix=".imcdse-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.toml)
            os.chmod(tmp, _mode(target))
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return out


def _mode(target: str) -> int:
    """The file mode to write `target` with: its own if it exists, else 0o666 less the umask."""
    if os.path.exists(target):
        return stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


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
    if not isinstance(dims, (Mapping, type(None))):
        raise ValueError(f"dims: expected a mapping of dimension name to size, got {dims!r}")
    for k, v in (dims or {}).items():
        pairs.append((str(k), _int(v, f"dims[{k!r}]", 1)))
    toml, workload, skipped = _native.import_onnx(os.fspath(path), name, pairs, input, skip_unsupported)
    skipped_ops = [tuple(s) for s in skipped]
    return Imported(toml, json.loads(workload), skipped_ops, os.fspath(path))  # type: ignore[arg-type]
