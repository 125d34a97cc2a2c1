"""Checking numbers a user gives: one helper per kind, so every message reads the same way.

Used where input enters the package (the CLI, the public functions, the settings dataclasses); code
behind that boundary trusts its inputs. Each helper returns the value cleaned (an ``int`` or a ``float``)
or raises :class:`~gan_text.errors.GanTextError` saying what was wrong and what to pass instead::

    whole_number("steps", 0)      # steps must be a whole number >= 1, got 0; pass steps=1 or more
    fraction("word_dropout", 1)   # word_dropout must be a fraction in [0, 1), got 1; pass e.g. word_dropout=0.1

A ``name`` that starts with ``--`` is a command-line option, and the example is written the command line's way
(``pass e.g. --seed 0``).
"""

from __future__ import annotations

import math

import numpy as np

from .errors import GanTextError

SEED_LIMIT = 2**32  # seeds are 0 .. 2**32 - 1: what keras.utils.set_random_seed and NumPy accept
TEMPERATURE_RANGE = (1e-6, 1e6)  # float32 keeps logits / T finite and exact enough inside this range


def _pass(name: str, example) -> str:
    return f"pass e.g. {name} {example}" if name.startswith("--") else f"pass e.g. {name}={example}"


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


def seed(name: str, value) -> int:
    """``value`` as an int if it is a whole number from 0 to 2**32 - 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value < SEED_LIMIT:
        raise GanTextError(f"{name} must be a whole number from 0 to {SEED_LIMIT - 1}, got {value!r}; "
                           f"{_pass(name, 0)}")
    return int(value)


def temperature(name: str, value, greedy: bool = True) -> float:
    """A sampling temperature as a float: a number from 1e-6 to 1e6, or 0 (greedy) where ``greedy``.

    Logits are divided by it in float32: far below 1e-6 (1e-300 is 0 in float32) that division overflows, and
    1e-6 is greedy in effect already."""
    low, high = TEMPERATURE_RANGE
    if _finite(value) and ((greedy and value == 0) or low <= value <= high):
        return float(value)
    zero = "0 (greedy) or " if greedy else ""
    raise GanTextError(f"{name} must be {zero}a number from 1e-6 to 1e6, got {value!r}; {_pass(name, 1.0)}")


__all__ = ["SEED_LIMIT", "TEMPERATURE_RANGE", "fraction", "non_negative", "positive", "seed", "temperature",
           "whole_number"]
