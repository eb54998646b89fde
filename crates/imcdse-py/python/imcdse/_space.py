"""Design spaces: `Space.load("paper-rram")`, their parameters, and the conversions between a
design's flat index, its value indices and its values."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Union

import numpy as np

from . import _native
from ._checks import integer as _int

Value = Union[int, float, bool, str]


class Space:
    """A design space (`search-spaces/*.toml`), checked as the CLI checks it.

    A design is a choice of one value for every free parameter. It can be named three ways:
    its flat index (`0 <= index < size`, the last parameter varying fastest, as in
    `imcdse sweep --optimizer exhaustive`), its value indices (one per free parameter, into
    `params[name]`), or its values (a dict of the free parameters).
    """

    def __init__(self, native: _native.Space, source: Optional[tuple] = None) -> None:
        if not isinstance(native, _native.Space):
            raise TypeError(f"Space({native!r}): load a space with imcdse.Space.load(name or path)")
        self._native = native
        # How to load it again, for pickling: (name or absolute path, calibration).
        self._source = source

    def __reduce__(self) -> tuple:
        """Pickles as what it was loaded from (a built-in name, or a file's absolute path),
        so that a process pool can pass a space to its workers; each loads it again."""
        if self._source is None:
            raise TypeError("this Space was not made by Space.load: it cannot be pickled")
        return (Space.load, self._source)

    @classmethod
    def load(
        cls, name_or_path: Union[str, "os.PathLike[str]"], calibration: Optional[str] = None
    ) -> "Space":
        """A built-in space by name (`paper-rram`, `paper-sram`, `demo`, ...) or a `.toml`
        file; `calibration` (a built-in name or a `.toml` file) for a space that names none.

        Raises `FileNotFoundError` for a file that does not exist and `ValueError` for a file
        with problems, with the CLI's message (file, key, what is allowed)."""
        native = _native.Space.load(os.fspath(name_or_path), calibration)
        return cls(native, (_lasting(name_or_path), None if calibration is None else _lasting(calibration)))

    @property
    def name(self) -> str:
        """The space's `name`."""
        return self._native.name

    @property
    def file(self) -> str:
        """Where it was read from (`search-spaces/<name>.toml` for a built-in space)."""
        return self._native.file

    @property
    def description(self) -> str:
        """The space's `description`."""
        return self._native.description

    @property
    def calibration(self) -> Optional[str]:
        """The name of the calibration its designs are costed with, or `None`."""
        return self._native.calibration

    @property
    def size(self) -> int:
        """Number of designs (the product of the parameters' list lengths)."""
        return self._native.size

    @property
    def params(self) -> Dict[str, List[Value]]:
        """Each free parameter's allowed values, in the space's order."""
        return self._native.params

    @property
    def names(self) -> List[str]:
        """The free parameters' names, in order (the columns of a value-index array)."""
        return self._native.names

    @property
    def sizes(self) -> List[int]:
        """Number of allowed values of each free parameter, in order."""
        return self._native.sizes

    @property
    def fixed(self) -> Dict[str, Value]:
        """The settings every design shares (`[fixed]`, with the calibration's choices)."""
        return self._native.fixed

    @property
    def constraints(self) -> Dict[str, Any]:
        """`max_area_mm2` and `weights_on_chip` (`None` where the file sets neither)."""
        return self._native.constraints

    def design(self, index: int) -> Dict[str, Value]:
        """The values of the design at a flat index."""
        return self._native.design(_int(index, "index"))

    def index(self, design: Mapping[str, Value]) -> int:
        """The flat index of a design given as the values of every free parameter."""
        if not isinstance(design, Mapping):
            raise ValueError(f"design: expected a dict of parameter values, got {type(design).__name__}")
        return self._native.index(dict(design))

    def indices(self, designs: Any) -> np.ndarray:
        """Designs in any form `imcdse.evaluate` takes, as an `(n, len(names))` int64 array
        of value indices."""
        from ._designs import to_indices

        return to_indices(self, designs)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """`n` distinct designs drawn uniformly with `seed` (xoshiro256++, the same whatever
        the platform), as an `(n, len(names))` int64 array of value indices. The set is
        uniform, the order is not: with `n` near the size a prefix leans to the first designs
        (`n == size` gives them all in order, whatever the seed); shuffle before taking one."""
        n, seed = _int(n, "n"), _int(seed, "seed")
        if n > MAX_SAMPLE:
            raise ValueError(f"n: {n} designs in one sample; at most {MAX_SAMPLE:,}")
        data = self._native.sample(n, seed)
        return np.frombuffer(data, dtype="<i8").reshape(n, len(self.sizes))

    def __repr__(self) -> str:
        return repr(self._native)


# The most designs one `sample` draws (an int64 index a parameter each: under 1 GB for nine).
MAX_SAMPLE = 10_000_000


def as_space(space: Union[Space, str, "os.PathLike[str]"]) -> Space:
    """A `Space`, or one loaded by name or path."""
    if isinstance(space, Space):
        return space
    if isinstance(space, (str, os.PathLike)):
        return Space.load(space)
    raise ValueError(f"space: expected an imcdse.Space, a name or a path; got {type(space).__name__}")


def _lasting(name_or_path: Union[str, "os.PathLike[str]"]) -> str:
    """A built-in name as given, or a file's absolute path (valid from any working folder):
    as the CLI tells them apart, a path ends in `.toml` or has a `/`."""
    text = os.fspath(name_or_path)
    return os.path.abspath(text) if text.endswith(".toml") or "/" in text else text
