"""Checking hyperparameters: every builder validates its sizes here, so every message reads the same way.

Each check returns the cleaned value or raises GanTextError saying what was wrong and what to pass instead.
"""

from __future__ import annotations

import numpy as np

from ..errors import GanTextError


def positive_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int if it is a whole number >= ``minimum``; otherwise raise GanTextError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise GanTextError(f"{name} must be a whole number >= {minimum}, got {value!r}; "
                           f"pass {name}={max(minimum, 1)} or more")
    return int(value)


def rate(name: str, value) -> float:
    """``value`` as a float if it lies in [0, 1); otherwise raise GanTextError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value < 1.0:
        raise GanTextError(f"{name} must be a rate in [0, 1), got {value!r}; pass e.g. {name}=0.1")
    return float(value)


def int_tuple(name: str, value) -> tuple[int, ...]:
    """A positive int or a non-empty list of them, as a tuple; otherwise raise GanTextError."""
    values = (value,) if isinstance(value, int) else tuple(value) if isinstance(value, list | tuple) else ()
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        raise GanTextError(f"{name} must be a positive integer or a non-empty list of them, got {value!r}; "
                           f"pass e.g. {name}=(2, 3, 4, 5)")
    return tuple(int(v) for v in values)
