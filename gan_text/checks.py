"""Checking numbers a user gives: one helper per kind, so every message reads the same way.

Used where input enters the package (the CLI, the public functions, the settings dataclasses); code
behind that boundary trusts its inputs. Each helper returns the value cleaned (an ``int`` or a ``float``)
or raises :class:`~gan_text.errors.GanTextError` saying what was wrong and what to pass instead::

    whole_number("steps", 0)      # steps must be a whole number >= 1, got 0; pass steps=1 or more
    fraction("word_dropout", 1)   # word_dropout must be a fraction in [0, 1), got 1; pass e.g. word_dropout=0.1
"""

from __future__ import annotations

import math

import numpy as np

from .errors import GanTextError


def whole_number(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int if it is a whole number >= ``minimum`` (``bool`` is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise GanTextError(f"{name} must be a whole number >= {minimum}, got {value!r}; "
                           f"pass {name}={max(minimum, 1)} or more")
    return int(value)


def _finite(value) -> bool:
    return (isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
            and math.isfinite(value))


def fraction(name: str, value, example: float = 0.1) -> float:
    """``value`` as a float if it lies in [0, 1) (a rate, a dropout, a share)."""
    if not (_finite(value) and 0.0 <= value < 1.0):
        raise GanTextError(f"{name} must be a fraction in [0, 1), got {value!r}; pass e.g. {name}={example:g}")
    return float(value)


def non_negative(name: str, value, example: float = 0.1) -> float:
    """``value`` as a float if it is a finite number >= 0 (0 usually turns an option off)."""
    if not (_finite(value) and value >= 0.0):
        raise GanTextError(f"{name} must be a number >= 0, got {value!r}; pass e.g. {name}={example:g}")
    return float(value)


def positive(name: str, value, example: float = 1.0) -> float:
    """``value`` as a float if it is a finite number > 0 (a learning rate, a weight)."""
    if not (_finite(value) and value > 0.0):
        raise GanTextError(f"{name} must be a number > 0, got {value!r}; pass e.g. {name}={example:g}")
    return float(value)


__all__ = ["fraction", "non_negative", "positive", "whole_number"]
