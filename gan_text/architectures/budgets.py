"""Budgets: count a family's trainable parameters and find the width that meets a parameter budget.

Every count is taken on the real, built model, so the embedding (a row per token) and the generator's
output layer (a unit per token) count too: with a vocabulary of a few hundred words they are a large
part of a small model.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from ..checks import whole_number
from ..config import profile
from ..errors import GanTextError
from ..models.discriminators import build_discriminator
from ..models.generators import generator_class
from ..training.recipes import recipe_settings
from .families import (
    BASE_DISCRIMINATOR,
    BASE_GENERATOR,
    DISCRIMINATOR_FAMILIES,
    GENERATOR_FAMILIES,
    PLAYERS,
    architecture_settings,
    family_hyperparameters,
    width_step,
)

BUDGET_TOLERANCE = 0.1  # matched widths land within 10 % of the budget at the course's sizes
MAX_WIDTH = 4096
VOCABULARY_LAYERS = ("embedding", "tokens", "to_vocab", "projection")  # layers with a row/unit per token


@functools.lru_cache(maxsize=1024)
def _sizes(player, kind, vocab_size, seq_len, frozen_hyperparameters) -> tuple[int, int]:
    """(trainable, vocabulary) parameters of one built model; cached on what the model is made of, so
    runs that differ only in other settings (learning rates, steps, ...) share the counts."""
    hyperparameters = dict(frozen_hyperparameters)
    if player == "generator":  # build() runs the model once; build_generator would run it twice
        model = generator_class(kind)(vocab_size, seq_len, **hyperparameters)
        model.build()
    else:
        model = build_discriminator(kind, vocab_size, seq_len, **hyperparameters)
    return trainable_params(model), vocabulary_params(model)


def trainable_params(model) -> int:
    """The number of trainable parameters of a built model (BatchNorm's moving statistics excluded)."""
    return int(sum(np.prod(v.shape) for v in model.trainable_variables))


def vocabulary_params(model) -> int:
    """Trainable parameters of the layers with a row or a unit per token: the embedding (a
    discriminator's projection) and the generator's output layer."""
    return int(sum(np.prod(v.shape) for v in model.trainable_variables
                   if v.path.split("/")[-2] in VOCABULARY_LAYERS))


def count_params(player: str, family: str, width: int, vocab_size: int, seq_len: int,
                 settings: dict, vocabulary: bool = False) -> int:
    """Trainable parameters of the built model (cached): embeddings and output layers included.
    ``vocabulary=True``: only those of the layers over the vocabulary (:func:`vocabulary_params`)."""
    kind, hyperparameters = family_hyperparameters(player, family, width, seq_len, settings)
    sizes = _sizes(player, kind, int(vocab_size), int(seq_len), tuple(sorted(hyperparameters.items())))
    return sizes[1] if vocabulary else sizes[0]


def matched_width(family: str, budget: int, vocab_size: int, seq_len: int, *, player: str = "generator",
                  settings: dict | None = None) -> int:
    """The width that brings a family's trainable parameter count closest to ``budget``.

    Counts the parameters of the real, built model: the embedding of the ``vocab_size`` tokens and the
    output layer over them count too, so a large vocabulary leaves less room for the body. Every family's
    count is a quadratic in its width (weight matrices are width x width at most), so three small builds
    give the curve, the two widths around its root are the candidates, and building the closer one
    checks the curve; if the check fails, a bisection over built models takes over.

    ``player``: ``"generator"`` (families :data:`GENERATOR_FAMILIES`) or ``"discriminator"``
    (:data:`DISCRIMINATOR_FAMILIES`); ``settings``: the fixed sizes (default: those of the current
    profile, :func:`architecture_settings`). Returns an int (a multiple of ``num_heads`` for the
    Transformers). Raises GanTextError if even the narrowest model has more than ``budget`` parameters.
    """
    settings = architecture_settings(profile_or_default(None)) if settings is None else settings
    step = width_step(player, family, settings)
    budget = whole_number("budget", budget)

    def count(units):  # parameters at width units * step
        return count_params(player, family, units * step, vocab_size, seq_len, settings)

    if count(1) > budget:
        raise GanTextError(f"a {family} {player} has at least {count(1):,} parameters here (width {step}; "
                           f"its embedding and output layer cover {vocab_size} tokens); pass a budget of at "
                           f"least {count(1):,}")
    a, b, c = np.polyfit([1.0, 2.0, 3.0], [count(1), count(2), count(3)], 2)

    def curve(units):
        return a * units * units + b * units + c

    roots = [r.real for r in np.roots([a, b, c - budget]) if abs(r.imag) < 1e-9 and r.real >= 1]
    if roots and min(roots) + 1 <= MAX_WIDTH // step:
        low = math.floor(min(roots))
        best = min((low, low + 1), key=lambda u: (abs(curve(u) - budget), u))
        if abs(count(best) - curve(best)) < 0.5:  # the curve holds where it matters: build and check
            return best * step
    return _bisect(count, budget, step, f"a {family} {player}")


def _bisect(count, budget: int, step: int, what: str) -> int:
    """The width (a multiple of ``step``) whose ``count`` is closest to ``budget``, by doubling and then
    bisecting over built models (``count(units)`` grows with the width; ``count(1) <= budget``)."""
    low, high = 1, 2
    while count(high) < budget:
        low, high = high, 2 * high
        if high * step > MAX_WIDTH:
            raise GanTextError(f"{what} needs a width over {MAX_WIDTH} to reach {budget:,} parameters; "
                               f"pass a smaller budget")
    while high - low > 1:  # count(low) <= budget <= count(high)
        middle = (low + high) // 2
        low, high = (middle, high) if count(middle) <= budget else (low, middle)
    return (low if budget - count(low) <= count(high) - budget else high) * step


def default_budgets(data, cfg, settings: dict | None = None) -> tuple[int, int]:
    """(generator, discriminator) parameters of the ``relgan`` recipe itself for ``data`` and ``cfg``:
    a GRU of width ``cfg.hidden_dim`` and RelGAN's discriminator with its 32 filters per width (other
    sizes from ``settings``, default :func:`architecture_settings`)."""
    settings = architecture_settings(cfg) if settings is None else settings
    relgan = recipe_settings("relgan", cfg)
    return (count_params("generator", BASE_GENERATOR, relgan["hidden_dim"], data.vocab_size, data.seq_len,
                         settings),
            count_params("discriminator", BASE_DISCRIMINATOR, relgan["d_num_filters"], data.vocab_size,
                         data.seq_len, settings))


def budget_table(data, cfg, budget=None, settings: dict | None = None) -> pd.DataFrame:
    """Every family's matched width and parameter count: one row per (player, family).

    ``budget``: ``(generator parameters, discriminator parameters)``, default :func:`default_budgets`.
    Columns: ``player``, ``family``, ``kind``, ``width``, ``params``, ``budget``, ``off`` (relative
    difference ``params / budget - 1``) and ``vocab_share``, the share of the parameters in the layers
    over the vocabulary (:func:`vocabulary_params`): what is left for the body is ``1 - vocab_share``.
    """
    settings = architecture_settings(cfg) if settings is None else settings
    budgets = dict(zip(PLAYERS, resolve_budgets(data, cfg, budget, settings), strict=True))
    rows = []
    for player, families in zip(PLAYERS, (GENERATOR_FAMILIES, DISCRIMINATOR_FAMILIES), strict=True):
        for family in families:
            width = matched_width(family, budgets[player], data.vocab_size, data.seq_len, player=player,
                                  settings=settings)
            params = count_params(player, family, width, data.vocab_size, data.seq_len, settings)
            kind, _ = family_hyperparameters(player, family, width, data.seq_len, settings)
            vocabulary = count_params(player, family, width, data.vocab_size, data.seq_len, settings, True)
            rows.append({"player": player, "family": family, "kind": kind, "width": width, "params": params,
                         "budget": budgets[player], "off": params / budgets[player] - 1,
                         "vocab_share": vocabulary / params})
    return pd.DataFrame(rows)


def resolve_budgets(data, cfg, budget, settings=None) -> tuple[int, int]:
    """``budget`` checked as ``(generator, discriminator)`` parameters, or :func:`default_budgets` if None."""
    if budget is None:
        return default_budgets(data, cfg, settings)
    if not isinstance(budget, tuple | list) or len(budget) != 2:
        raise GanTextError(f"budget must be a pair (generator parameters, discriminator parameters), got "
                           f"{budget!r}; pass e.g. budget=(50_000, 65_000) or None for the relgan recipe's")
    return whole_number("generator budget", budget[0]), whole_number("discriminator budget", budget[1])


def profile_or_default(cfg):
    """``cfg``, or the current profile (``gt.profile()``) when it is None."""
    return profile() if cfg is None else cfg
