"""Checks of the package's arguments: each names the argument it refuses, where Python would
convert silently (a bool or a float counted as a number) or fail with a bare OverflowError."""
from __future__ import annotations

from typing import Any

import numpy as np


def integer(x: Any, what: str, lo: int = 0, hi: int = 2**64 - 1) -> int:
    """A whole number from `lo` to `hi` (a Python or NumPy integer, not a bool), as an int."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise ValueError(f"{what}: expected an integer, got {x!r}")
    if not lo <= x <= hi:
        raise ValueError(f"{what}: {x} is out of range; allowed {lo}..={hi}")
    return int(x)


def flag(x: Any, what: str) -> bool:
    """True or False (a Python or NumPy bool), as a bool."""
    if not isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{what}: expected True or False, got {x!r}")
    return bool(x)
