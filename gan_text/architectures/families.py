"""Families: the shapes of generator and discriminator that the comparison puts in the relgan recipe.

A family fixes the shape of a network; its *width* (one whole number) sets its size:

=============  ==============  =================================================================
player         family          what the width sets (the other sizes come from the settings)
=============  ==============  =================================================================
generator      ``lstm``        ``rnn`` generator, LSTM cell: ``hidden_dim`` (``emb_dim`` fixed)
generator      ``gru``         ``rnn`` generator, GRU cell: ``hidden_dim`` (``emb_dim`` fixed)
generator      ``cnn``         ``cnn`` generator (WGAN-GP's, from noise): ``hidden_dim``, the channels
generator      ``transformer`` ``transformer`` generator: model width ``emb_dim`` (a multiple of
                               ``num_heads``), feed-forward ``hidden_dim = 2 * emb_dim``
discriminator  ``seed``        LSTM + BatchNorm, a logit per step: ``hidden_dim``
discriminator  ``cnn``         SeqGAN's text CNN: ``num_filters`` per filter width
discriminator  ``relgan``      RelGAN's multi-representation CNN: ``num_filters``, ``hidden_dim = 2 *
                               num_filters`` (width 32 is the ``relgan`` recipe's discriminator)
discriminator  ``rnn``         bidirectional LSTM: ``hidden_dim``
discriminator  ``transformer`` Transformer encoder: ``emb_dim`` (a multiple of ``num_heads``),
                               ``ff_dim = 2 * emb_dim``
=============  ==============  =================================================================

Fixed sizes come from :func:`architecture_settings`: ``emb_dim`` (the profile's) for the recurrent
generators and the ``seed``, ``cnn`` and ``rnn`` discriminators; RelGAN's ``num_rep`` x ``d_emb_dim``;
the recipe's ``d_dropout`` for every discriminator with dropout; filter widths 2-5.
"""

from __future__ import annotations

from ..checks import whole_number
from ..errors import one_of
from ..models.discriminators import DISCRIMINATORS, build_discriminator, filter_widths
from ..models.generators import build_generator
from ..training.recipes import recipe_settings

GENERATOR_FAMILIES = ("lstm", "gru", "cnn", "transformer")
DISCRIMINATOR_FAMILIES = DISCRIMINATORS  # ("seed", "cnn", "relgan", "rnn", "transformer")
PLAYERS = ("generator", "discriminator")
BASE_GENERATOR, BASE_DISCRIMINATOR = "gru", "relgan"  # the relgan recipe's own pair
# The relgan recipe's settings that the families replace (the cell, the widths).
_REPLACED = ("cell", "hidden_dim", "d_num_filters", "d_hidden_dim")
_EXTRA = {"noise_dim": 64, "num_blocks": 5, "kernel_size": 5,  # cnn generator (wgan_gp's)
          "num_heads": 2, "num_layers": 2}  # both transformers


def architecture_settings(cfg) -> dict:
    """The settings of :func:`~gan_text.architectures.architecture_recipe` for profile ``cfg``: the
    ``relgan`` recipe's (see :func:`~gan_text.training.recipes.recipe_settings`) without ``cell``,
    ``hidden_dim``, ``d_num_filters`` and ``d_hidden_dim`` (the families and their widths set those),
    plus the CNN generator's ``noise_dim``, ``num_blocks``, ``kernel_size`` and the Transformers'
    ``num_heads``, ``num_layers``. Every one of them may be overridden by name."""
    settings = {k: v for k, v in recipe_settings("relgan", cfg).items() if k not in _REPLACED}
    return {**settings, **_EXTRA}


def check_family(player: str, family: str) -> None:
    """Raise GanTextError unless ``player`` is one of :data:`PLAYERS` and ``family`` one of its families."""
    if player not in PLAYERS:
        raise one_of("player", player, PLAYERS)
    known = GENERATOR_FAMILIES if player == "generator" else DISCRIMINATOR_FAMILIES
    if family not in known:
        raise one_of(f"{player} family", family, known)


def width_step(player: str, family: str, settings: dict) -> int:
    """Widths go in steps of ``num_heads`` for the Transformers (heads split the width), else 1."""
    check_family(player, family)
    return settings["num_heads"] if family == "transformer" else 1


def family_hyperparameters(player: str, family: str, width: int, seq_len: int, settings: dict
                           ) -> tuple[str, dict]:
    """``(kind, hyperparameters)`` for ``build_generator`` / ``build_discriminator``: the family at
    ``width`` (see the module's table), other sizes from ``settings`` (:func:`architecture_settings`)."""
    check_family(player, family)
    s, w = settings, whole_number("width", width)
    if player == "generator":
        if family in ("lstm", "gru"):
            return "rnn", {"cell": family, "emb_dim": s["emb_dim"], "hidden_dim": w}
        if family == "cnn":
            return "cnn", {"noise_dim": s["noise_dim"], "hidden_dim": w, "num_blocks": s["num_blocks"],
                           "kernel_size": s["kernel_size"]}
        return "transformer", {"emb_dim": w, "num_heads": s["num_heads"], "hidden_dim": 2 * w,
                               "num_layers": s["num_layers"]}
    convolution = {"filter_sizes": filter_widths(seq_len), "num_filters": (w,), "dropout": s["d_dropout"]}
    hyperparameters = {
        "seed": {"emb_dim": s["emb_dim"], "hidden_dim": w},
        "cnn": {"emb_dim": s["emb_dim"], **convolution},
        "relgan": {"num_rep": s["num_rep"], "emb_dim": s["d_emb_dim"], "hidden_dim": 2 * w, **convolution},
        "rnn": {"emb_dim": s["emb_dim"], "hidden_dim": w, "cell": "lstm", "bidirectional": True,
                "dropout": s["d_dropout"]},
        "transformer": {"emb_dim": w, "num_heads": s["num_heads"], "num_layers": s["num_layers"],
                        "ff_dim": 2 * w, "dropout": s["d_dropout"]},
    }
    return family, hyperparameters[family]


def build_family(player: str, family: str, width: int, vocab_size: int, seq_len: int, settings: dict):
    """Build the ``player`` ("generator" or "discriminator") of ``family`` at ``width``, weights created."""
    kind, hyperparameters = family_hyperparameters(player, family, width, seq_len, settings)
    build = build_generator if player == "generator" else build_discriminator
    return build(kind, vocab_size, seq_len, **hyperparameters)
