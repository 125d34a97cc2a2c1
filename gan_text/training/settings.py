"""Recipe settings: one frozen dataclass per recipe, checked once when it is made.

Every setting a recipe takes is a field with a kind, and ``__post_init__`` checks each field by its
kind, once, so the recipe functions behind it trust what they get:

=================  ========================================  ===========================================
kind               a valid value                             e.g.
=================  ========================================  ===========================================
:func:`whole`      a whole number >= 1 (>= 0 for counts)     ``hidden_dim``, ``steps``, ``pretrain_steps``
:func:`positive`   a number > 0                              learning rates, ``beta_max``
:func:`fraction`   a number in [0, 1)                        ``d_dropout``, ``word_dropout``
:func:`non_negative`  a number >= 0 (0 turns it off)         ``instance_noise``, ``consistency_weight``
:func:`choice`     one of a few names                        ``cell``, ``loss``, ``beta_schedule``
=================  ========================================  ===========================================

Sizes and step counts come from the profile: ``RelGANSettings.from_profile(cfg, beta_max=10.0)`` fills
them in from ``cfg`` and applies the overrides; an unknown name raises GanTextError listing the accepted
ones. ``settings.as_dict()`` is the JSON-ready record a run directory keeps.

:func:`begin_recipe` is the opening every recipe builder shares: check the seed and the data, make the
settings, seed the initial weights.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import keras
import numpy as np

from ..checks import fraction as fraction_value
from ..checks import non_negative as non_negative_value
from ..checks import positive as positive_value
from ..checks import whole_number
from ..errors import GanTextError, one_of
from .losses import LOSSES
from .schedules import BETA_SCHEDULES

CELLS = ("lstm", "gru")
BASELINES = (None, "mean")  # SeqGAN's reward baseline


# --- the kinds of field ---------------------------------------------------------------------------------

def whole(default=dataclasses.MISSING, *, minimum: int = 1):
    """A whole number >= ``minimum`` (a width, a number of steps)."""
    return dataclasses.field(default=default, metadata={"kind": "whole", "minimum": minimum})


def positive(default):
    """A number > 0 (a learning rate, ``beta_max``)."""
    return dataclasses.field(default=default, metadata={"kind": "positive"})


def fraction(default, *, example: float | None = None):
    """A number in [0, 1) (a rate, a dropout); ``example`` is suggested in the message (default: the default)."""
    return dataclasses.field(default=default, metadata={"kind": "fraction", "example": example})


def non_negative(default=0.0, *, example: float = 0.1):
    """A number >= 0 where 0 turns the option off (a regulariser's strength)."""
    return dataclasses.field(default=default, metadata={"kind": "non_negative", "example": example})


def choice(default, options):
    """One of ``options``."""
    return dataclasses.field(default=default, metadata={"kind": "choice", "options": tuple(options)})


def check_value(name: str, value, metadata, default=None):
    """``value`` checked and normalised by the kind in ``metadata`` (a field's); raises GanTextError."""
    kind = metadata.get("kind")
    if kind == "whole":
        return whole_number(name, value, minimum=metadata["minimum"])
    if kind == "choice":
        if value not in metadata["options"]:
            raise one_of(name, value, metadata["options"])
        return value
    if kind is None:  # checked where it is used
        return value
    example = metadata.get("example")
    check = {"fraction": fraction_value, "non_negative": non_negative_value, "positive": positive_value}[kind]
    return check(name, value, default if example is None else example)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RecipeSettings:
    """The base of every recipe's settings: checks each field by its kind when it is made."""

    recipe: ClassVar[str] = "recipe"

    def __post_init__(self):
        for field in dataclasses.fields(self):
            default = None if field.default is dataclasses.MISSING else field.default
            object.__setattr__(self, field.name, check_value(field.name, getattr(self, field.name),
                                                             field.metadata, default))

    @classmethod
    def profile_defaults(cls, cfg) -> dict:
        """The settings that come from the profile ``cfg`` (sizes, step counts)."""
        return {}

    @classmethod
    def from_profile(cls, cfg, **overrides):
        """The settings for profile ``cfg`` with ``overrides`` by name, checked."""
        names = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(overrides) - set(names))
        if unknown:
            raise GanTextError(f"unknown {cls.recipe} override {unknown[0]!r}; accepted: {', '.join(sorted(names))}")
        return cls(**{**cls.profile_defaults(cfg), **overrides})

    def as_dict(self) -> dict:
        """Every setting by name, JSON-ready."""
        return dataclasses.asdict(self)


# --- the recipes' settings ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, kw_only=True)
class MLESettings(RecipeSettings):
    """``mle``: a GRU language model trained by teacher forcing for the GANs' whole budget, the rate
    falling from ``lr`` to ``final_lr`` along a half cosine."""

    recipe: ClassVar[str] = "mle"
    cell: str = choice("gru", CELLS)
    emb_dim: int = whole()
    hidden_dim: int = whole()
    steps: int = whole()
    lr: float = positive(2e-2)
    final_lr: float = positive(1e-3)

    @classmethod
    def profile_defaults(cls, cfg) -> dict:
        return {"emb_dim": cfg.emb_dim, "hidden_dim": cfg.hidden_dim, "steps": cfg.pretrain_steps + cfg.steps}


@dataclasses.dataclass(frozen=True, kw_only=True)
class RelGANSettings(RecipeSettings):
    """``relgan``: the generator and its pre-training, RelGAN's discriminator, the adversarial phase,
    and the discriminator's regularisers (all 0 = off; their names are a contract: tuners pass them)."""

    recipe: ClassVar[str] = "relgan"
    cell: str = choice("gru", CELLS)  # generator
    emb_dim: int = whole()
    hidden_dim: int = whole()
    num_rep: int = whole(16)  # discriminator
    d_emb_dim: int = whole(4)
    d_num_filters: int = whole(32)
    d_hidden_dim: int = whole(64)
    d_dropout: float = fraction(0.25)
    pretrain_steps: int = whole(minimum=0)  # 0 drops the phase
    steps: int = whole()
    pretrain_lr: float = positive(2e-2)
    pretrain_final_lr: float = positive(1e-3)
    g_lr: float = positive(3e-5)
    d_lr: float = positive(1e-4)
    loss: str = choice("relativistic", LOSSES)
    d_steps: int = whole(1)
    beta_max: float = positive(100.0)
    beta_schedule: str = choice("exp", BETA_SCHEDULES)
    instance_noise: float = non_negative()
    label_smoothing: float = fraction(0.0, example=0.1)
    consistency_weight: float = non_negative(example=1.0)
    word_dropout: float = fraction(0.0, example=0.1)
    swap_rate: float = fraction(0.0, example=0.1)
    crop_rate: float = fraction(0.0, example=0.1)
    replace_rate: float = fraction(0.0, example=0.1)

    @classmethod
    def profile_defaults(cls, cfg) -> dict:
        return {"emb_dim": cfg.emb_dim, "hidden_dim": cfg.hidden_dim, "pretrain_steps": cfg.pretrain_steps,
                "steps": cfg.steps}

    def regularisers(self) -> dict:
        """The discriminator's regularisers by name (what :class:`RegularisedGAN` takes)."""
        return {name: getattr(self, name) for name in REGULARISERS}


REGULARISERS = ("instance_noise", "label_smoothing", "consistency_weight", "word_dropout", "swap_rate",
                "crop_rate", "replace_rate")


@dataclasses.dataclass(frozen=True, kw_only=True)
class WGANGPSettings(RecipeSettings):
    """``wgan_gp``: the CNN generator from noise, the CNN critic, Adam for both, the gradient penalty."""

    recipe: ClassVar[str] = "wgan_gp"
    noise_dim: int = whole(64)  # generator
    hidden_dim: int = whole()
    num_blocks: int = whole(5)
    kernel_size: int = whole(5)
    d_emb_dim: int = whole()  # critic
    d_num_filters: int = whole()
    steps: int = whole()
    g_lr: float = positive(1e-4)
    d_lr: float = positive(1e-4)
    d_steps: int = whole(5)
    gp_weight: float = positive(10.0)

    @classmethod
    def profile_defaults(cls, cfg) -> dict:
        return {"hidden_dim": cfg.hidden_dim, "d_emb_dim": cfg.emb_dim, "d_num_filters": cfg.hidden_dim,
                "steps": cfg.steps}


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeedSettings(RecipeSettings):
    """``seed``: the original design's sizes and its Adam (DCGAN's ``beta_1 = 0.5``)."""

    recipe: ClassVar[str] = "seed"
    noise_dim: int = whole()  # generator
    hidden_dim: int = whole()
    d_emb_dim: int = whole()  # discriminator
    d_hidden_dim: int = whole()
    steps: int = whole()
    lr: float = positive(2e-4)
    beta_1: float = fraction(0.5)

    @classmethod
    def profile_defaults(cls, cfg) -> dict:
        return {"noise_dim": cfg.hidden_dim, "hidden_dim": cfg.hidden_dim, "d_emb_dim": cfg.emb_dim,
                "d_hidden_dim": cfg.hidden_dim, "steps": cfg.steps}


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeqGANSettings(RecipeSettings):
    """``seqgan``: an LSTM generator, SeqGAN's CNN discriminator, three phases, rollouts."""

    recipe: ClassVar[str] = "seqgan"
    cell: str = choice("lstm", CELLS)  # generator (and its rollout copy)
    emb_dim: int = whole()
    hidden_dim: int = whole()
    d_emb_dim: int = whole()  # cnn discriminator
    d_num_filters: int = whole()
    d_dropout: float = fraction(0.25)
    pretrain_steps: int = whole(minimum=0)
    pretrain_d_steps: int = whole(minimum=0)
    steps: int = whole()
    pretrain_lr: float = positive(1e-2)
    d_pretrain_lr: float = positive(1e-3)
    g_lr: float = positive(1e-3)
    d_lr: float = positive(1e-3)
    num_rollouts: int = whole(4)
    update_rate: float = dataclasses.field(default=0.8)  # checked by SeqGAN: [0, 1], closed
    d_steps: int = whole(1)
    baseline: str | None = choice(None, BASELINES)

    @classmethod
    def profile_defaults(cls, cfg) -> dict:
        return {"emb_dim": cfg.emb_dim, "hidden_dim": cfg.hidden_dim, "d_emb_dim": cfg.emb_dim,
                "d_num_filters": cfg.hidden_dim, "pretrain_steps": cfg.pretrain_steps,
                "pretrain_d_steps": max(1, cfg.pretrain_steps // 2), "steps": cfg.steps}


@dataclasses.dataclass(frozen=True, kw_only=True)
class GuidedSettings(RecipeSettings):
    """``guided``: the pre-trained generator, a discriminator copied from it and trained against its
    samples for ``steps`` steps, and resampling among ``candidates`` samples with weights
    ``exp(alpha * logit)`` (:mod:`gan_text.training.guided`)."""

    recipe: ClassVar[str] = "guided"
    cell: str = choice("gru", CELLS)  # generator
    emb_dim: int = whole()
    hidden_dim: int = whole()
    pretrain_steps: int = whole(minimum=0)
    pretrain_lr: float = positive(2e-2)
    pretrain_final_lr: float = positive(1e-3)
    steps: int = whole()  # discriminator training steps
    d_lr: float = positive(5e-4)
    d_width: int = whole(64)
    d_dropout: float = fraction(0.1)
    d_temperature: float = positive(1.0)  # the generator's temperature in the discriminator's training
    candidates: int = whole(16)
    alpha: float = positive(2.0)

    @classmethod
    def profile_defaults(cls, cfg) -> dict:
        return {"emb_dim": cfg.emb_dim, "hidden_dim": cfg.hidden_dim, "pretrain_steps": cfg.pretrain_steps,
                "steps": 2 * cfg.steps}


# --- the opening every recipe builder shares -------------------------------------------------------------

def check_data(data) -> None:
    """Raise GanTextError unless ``data`` is a prepared corpus (it has ``vocab_size`` and ``seq_len``)."""
    if getattr(data, "vocab_size", None) is None or getattr(data, "seq_len", None) is None:
        raise GanTextError(f"data must be a prepared corpus with vocab_size and seq_len, got "
                           f"{type(data).__name__}; pass gt.dataset.prepare(corpus)")


def check_seed(seed) -> int:
    """``seed`` as an int, or GanTextError."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise GanTextError(f"seed must be an int, got {seed!r}; pass e.g. seed=0")
    return int(seed)


def begin_recipe(settings_class, data, cfg, seed, overrides: dict):
    """Check ``seed`` and ``data``, make ``settings_class.from_profile(cfg, **overrides)``; returns
    ``(settings, seed)``. The caller seeds the initial weights (``keras.utils.set_random_seed``) right
    before it builds its models."""
    seed = check_seed(seed)
    check_data(data)
    return settings_class.from_profile(cfg, **overrides), seed


def seed_weights(seed: int) -> None:
    """Seed Python's, NumPy's, TensorFlow's and Keras's generators: the initial weights of a recipe."""
    keras.utils.set_random_seed(seed)


__all__ = ["BASELINES", "CELLS", "REGULARISERS", "GuidedSettings", "MLESettings", "RecipeSettings", "RelGANSettings",
           "SeedSettings", "SeqGANSettings", "WGANGPSettings", "begin_recipe", "check_data", "check_seed",
           "check_value", "choice", "fraction", "non_negative", "positive", "seed_weights", "whole"]
