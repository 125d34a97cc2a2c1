"""The architecture recipe: the ``relgan`` recipe with any generator and discriminator family in its place.

MLE pre-training, then Gumbel-softmax adversarial training with the relativistic loss
(:func:`gan_text.training.recipes.relgan_recipe`), with each player sized by
:func:`~gan_text.architectures.matched_width` to a parameter budget. With the default families (``gru``
and ``relgan``) and budgets it *is* the relgan recipe, weight for weight.

**The CNN generator is not autoregressive.** It writes a softmax distribution for every position at
once from Gaussian noise (as in ``wgan_gp``), so it cannot be pre-trained by teacher forcing, has no
likelihood of a test sentence (its NLL-test is NaN) and is trained by the adversarial phase alone,
while the other generators start from an MLE-trained language model. That difference is part of what
the comparison shows: it is the price of a non-autoregressive generator, not a bug of the set-up.
"""

from __future__ import annotations

import dataclasses

from ..checks import whole_number
from ..errors import GanTextError
from ..training.builders import adversarial_gan, language_model, recipe_config, sampler
from ..training.phases import Phase, Recipe
from ..training.settings import RelGANSettings, check_data, check_seed, check_value, seed_weights
from .budgets import default_budgets, matched_width
from .families import (
    BASE_DISCRIMINATOR,
    BASE_GENERATOR,
    PLAYERS,
    architecture_settings,
    build_family,
    check_family,
)


def architecture_recipe(data, cfg, seed: int = 0, generator: str = BASE_GENERATOR,
                        discriminator: str = BASE_DISCRIMINATOR, g_params: int | None = None,
                        d_params: int | None = None, **overrides) -> Recipe:
    """The ``relgan`` recipe with a ``generator`` family and a ``discriminator`` family of matched size.

    ``data``: a :class:`~gan_text.dataset.Prepared`; ``cfg``: a profile; ``seed``: initial weights and
    every random draw. ``generator``: one of :data:`GENERATOR_FAMILIES`; ``discriminator``: one of
    :data:`DISCRIMINATOR_FAMILIES`. ``g_params`` / ``d_params``: parameter budgets, each met by
    :func:`matched_width` (default :func:`default_budgets`: the relgan recipe's own, so ``gru`` with
    ``relgan`` *is* the relgan recipe, weight for weight). ``overrides``: any setting of
    :func:`architecture_settings` by name (``steps``, ``pretrain_steps``, ``g_lr``, ``loss``, ...).

    Phases: ``pretrain`` (teacher forcing; autoregressive generators only, dropped when
    ``pretrain_steps=0``), then ``adversarial`` (:class:`~gan_text.training.TextGAN`: Gumbel-softmax
    fakes with beta rising to ``beta_max``, or the CNN generator's softmax outputs from noise; the
    relativistic loss). Use it with the runner through a partial::

        train("grammar", recipe=functools.partial(architecture_recipe, generator="cnn"))
    """
    check_family("generator", generator)
    check_family("discriminator", discriminator)
    seed = check_seed(seed)
    check_data(data)
    s = checked_settings(cfg, overrides)
    default_g, default_d = default_budgets(data, cfg, settings=s)
    budgets = (default_g if g_params is None else whole_number("g_params", g_params),
               default_d if d_params is None else whole_number("d_params", d_params))
    vocab_size, seq_len = int(data.vocab_size), int(data.seq_len)
    widths = [matched_width(family, budget, vocab_size, seq_len, player=player, settings=s)
              for family, budget, player in zip((generator, discriminator), budgets, PLAYERS, strict=True)]

    seed_weights(seed)  # after the width search, which builds models too
    g_model = build_family("generator", generator, widths[0], vocab_size, seq_len, s)
    d_model = build_family("discriminator", discriminator, widths[1], vocab_size, seq_len, s)
    gan = adversarial_gan(g_model, d_model, data, s, seed)
    phases = []
    if not g_model.autoregressive:
        s["pretrain_steps"] = 0  # nothing to pre-train by teacher forcing: noise in, softmax out
    if s["pretrain_steps"] > 0:
        lm = language_model(g_model, s["pretrain_lr"], s["pretrain_final_lr"], s["pretrain_steps"])
        phases.append(Phase("pretrain", lm, s["pretrain_steps"]))
    phases.append(Phase("adversarial", gan, s["steps"]))
    name = f"arch-{generator}-{discriminator}"
    info = {"generator_family": generator, "discriminator_family": discriminator, "g_params": budgets[0],
            "d_params": budgets[1], "g_width": widths[0], "d_width": widths[1]}
    sample = sampler(g_model) if g_model.autoregressive else gan.generate
    return Recipe(name, phases, g_model, d_model, recipe_config(name, seed, data, {**s, **info}, g_model, d_model),
                  sample)


def checked_settings(cfg, overrides: dict) -> dict:
    """:func:`architecture_settings` with ``overrides`` applied and checked (what every run of a
    comparison uses); an unknown name raises GanTextError listing the accepted ones."""
    defaults = architecture_settings(cfg)
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise GanTextError(f"unknown architecture override {unknown[0]!r}; accepted: {', '.join(sorted(defaults))}")
    kinds = {field.name: field for field in dataclasses.fields(RelGANSettings)}
    return {name: check_value(name, value, kinds[name].metadata if name in kinds else WHOLE,
                              None if name not in kinds else kinds[name].default)
            for name, value in {**defaults, **overrides}.items()}


WHOLE = {"kind": "whole", "minimum": 1}  # the families' own sizes (noise_dim, num_heads, ...)
