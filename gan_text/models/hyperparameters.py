"""Checking hyperparameters: every builder validates its sizes here, so every message reads the same way.

Each check returns the cleaned value or raises GanTextError saying what was wrong and what to pass instead.
"""

from __future__ import annotations

from ..checks import fraction as rate  # noqa: F401  (the names the model builders use)
from ..errors import GanTextError


def int_tuple(name: str, value) -> tuple[int, ...]:
    """A positive int or a non-empty list of them, as a tuple; otherwise raise GanTextError."""
    values = (value,) if isinstance(value, int) else tuple(value) if isinstance(value, list | tuple) else ()
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        raise GanTextError(f"{name} must be a positive integer or a non-empty list of them, got {value!r}; "
                           f"pass e.g. {name}=(2, 3, 4, 5)")
    return tuple(int(v) for v in values)
