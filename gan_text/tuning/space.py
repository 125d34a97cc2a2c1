"""Search spaces: which hyperparameters a study tries, written as a small dict.

::

    space = {"g_lr": ("log", 1e-5, 1e-3),          # a float, sampled evenly on a log scale
             "label_smoothing": ("float", 0.0, 0.2),  # a float, sampled evenly
             "d_steps": ("int", 1, 5),              # a whole number, low and high included
             "batch_size": ("choice", [32, 64, 128])}  # one of a list

A name is either a setting of the recipe (an override of ``build_recipe``: ``g_lr``, ``hidden_dim``,
``beta_max``...) or a profile field listed in :data:`PROFILE_PARAMS` (``batch_size``), which goes to
``train`` as ``profile=cfg.replace(batch_size=...)``. :func:`check_space` checks a space before any
training; :func:`suggest` turns it into one trial's parameters through Optuna's ``suggest_*`` calls.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import GanTextError

KINDS = ("log", "float", "int", "choice")
PROFILE_PARAMS = ("batch_size",)  # profile fields a space may tune (sequences per training step)

DEFAULT_SPACES = {
    "relgan": {
        "g_lr": ("log", 1e-5, 1e-3),  # generator's Adam rate (default 3e-5)
        "d_lr": ("log", 1e-5, 1e-3),  # discriminator's Adam rate (default 1e-4)
        "batch_size": ("choice", [32, 64, 128]),  # sequences per step (a profile field)
        "hidden_dim": ("choice", [32, 64, 128]),  # the generator's GRU width
        "beta_max": ("log", 1.0, 1000.0),  # final inverse temperature of the Gumbel-softmax (default 100)
        "d_steps": ("int", 1, 5),  # discriminator updates per generator update (default 1)
        "label_smoothing": ("float", 0.0, 0.2),  # real labels 1 - s for the discriminator (default 0)
        "instance_noise": ("float", 0.0, 0.3),  # noise added to the discriminator's inputs (default 0)
        "word_dropout": ("float", 0.0, 0.3),  # share of real words hidden from the discriminator (default 0)
    },
}
"""The default search space of each recipe (used when ``tune`` gets ``space=None``)."""

DEFAULT_SPACE = DEFAULT_SPACES["relgan"]

_EXAMPLES = {"log": "('log', 1e-5, 1e-3)", "float": "('float', 0.0, 0.2)", "int": "('int', 1, 5)",
             "choice": "('choice', [32, 64, 128])"}


def _number(value) -> bool:
    return (isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
            and math.isfinite(value))


def _whole(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_range(name: str, kind: str, rest: tuple) -> tuple:
    if len(rest) != 2:
        raise GanTextError(f"space[{name!r}] must be ({kind!r}, low, high), got {len(rest) + 1} items; "
                           f"e.g. {_EXAMPLES[kind]}")
    low, high = rest
    if kind == "int":
        if not (_whole(low) and _whole(high) and low < high):
            raise GanTextError(f"space[{name!r}] = {(kind, *rest)!r}: an int range needs whole numbers "
                               f"low < high, e.g. {_EXAMPLES['int']}")
        return kind, int(low), int(high)
    if not (_number(low) and _number(high) and low < high):
        raise GanTextError(f"space[{name!r}] = {(kind, *rest)!r}: a {kind} range needs numbers low < high, "
                           f"e.g. {_EXAMPLES[kind]}")
    if kind == "log" and low <= 0:
        raise GanTextError(f"space[{name!r}] = {(kind, *rest)!r}: a log range needs 0 < low < high, "
                           f"e.g. {_EXAMPLES['log']}")
    return kind, float(low), float(high)


def _check_choices(name: str, rest: tuple) -> tuple:
    choices = rest[0] if len(rest) == 1 else None
    if not isinstance(choices, list | tuple) or not choices:
        raise GanTextError(f"space[{name!r}] must be ('choice', [value, ...]) with a non-empty list, got "
                           f"{('choice', *rest)!r}; e.g. {_EXAMPLES['choice']}")
    for value in choices:
        if not (value is None or isinstance(value, str | bool) or _number(value)):
            raise GanTextError(f"space[{name!r}]: choice {value!r} is not a number, string, bool or None; "
                               f"list plain values, e.g. {_EXAMPLES['choice']}")
    return "choice", [v.item() if isinstance(v, np.generic) else v for v in choices]


def check_space(space, tunable=None, recipe: str = "the recipe") -> dict:
    """Check a search space and return it normalised: ``{name: (kind, low, high)}`` or
    ``{name: ("choice", [values])}``, with plain Python numbers.

    ``tunable``: the names the recipe accepts (its settings plus :data:`PROFILE_PARAMS`), or None to
    accept any name (a recipe builder of your own). Every mistake raises GanTextError naming the entry.
    """
    if not isinstance(space, dict) or not space:
        raise GanTextError(f"space must be a non-empty dict {{name: (kind, ...)}}, got {space!r}; e.g. "
                           f"{{'g_lr': ('log', 1e-5, 1e-3), 'd_steps': ('int', 1, 5)}}")
    checked = {}
    for name, spec in space.items():
        if not isinstance(name, str) or not name:
            raise GanTextError(f"space keys must be hyperparameter names (strings), got {name!r}")
        if tunable is not None and name not in tunable:
            raise GanTextError(f"{recipe} has no hyperparameter {name!r} to tune; tunable: "
                               f"{', '.join(sorted(tunable))}")
        if not isinstance(spec, tuple | list) or not spec:
            raise GanTextError(f"space[{name!r}] must be a tuple (kind, ...) such as {_EXAMPLES['log']}, "
                               f"got {spec!r}")
        kind, rest = spec[0], tuple(spec[1:])
        if kind not in KINDS:
            raise GanTextError(f"space[{name!r}] has unknown kind {kind!r}; known: {', '.join(KINDS)}")
        checked[name] = _check_choices(name, rest) if kind == "choice" else _check_range(name, kind, rest)
    return checked


def suggest(trial, space: dict) -> dict:
    """One value per entry of a checked ``space``, drawn by the Optuna ``trial``'s sampler."""
    params = {}
    for name, (kind, *rest) in space.items():
        if kind == "choice":
            params[name] = trial.suggest_categorical(name, rest[0])
        elif kind == "int":
            params[name] = trial.suggest_int(name, rest[0], rest[1])
        else:
            params[name] = trial.suggest_float(name, rest[0], rest[1], log=kind == "log")
    return params


def contains(spec: tuple, value) -> bool:
    """Whether ``value`` is one of the values an entry of a checked space can take."""
    kind, *rest = spec
    if kind == "choice":
        return value in rest[0]
    if kind == "int" and not _whole(value):
        return False
    return _number(value) and rest[0] <= value <= rest[1]


def split_params(params: dict) -> tuple[dict, dict]:
    """``(profile changes, recipe overrides)``: :data:`PROFILE_PARAMS` go to the profile."""
    profile = {k: v for k, v in params.items() if k in PROFILE_PARAMS}
    return profile, {k: v for k, v in params.items() if k not in PROFILE_PARAMS}


__all__ = ["DEFAULT_SPACE", "DEFAULT_SPACES", "KINDS", "PROFILE_PARAMS", "check_space", "contains", "split_params",
           "suggest"]
