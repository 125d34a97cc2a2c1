"""The pieces every recipe is built from: a pre-training phase, an adversarial GAN, a sampler, a config.

A recipe function (:mod:`gan_text.training.recipes`, :mod:`gan_text.training.seqgan`,
:mod:`gan_text.architectures.recipe`, or your own) opens with
:func:`~gan_text.training.settings.begin_recipe`, builds its models, and assembles them from these.
"""

from __future__ import annotations

import keras
import numpy as np

from ..augmentation import unigram_distribution
from ..models.language_model import LanguageModel
from .regularised import RegularisedGAN
from .settings import REGULARISERS
from .textgan import TextGAN

CLIPNORM = 5.0  # MLE pre-training clips the gradient norm, as SeqGAN and RelGAN do


def language_model(generator, lr: float, final_lr: float, steps: int) -> LanguageModel:
    """Teacher forcing with Adam, the learning rate falling from ``lr`` to ``final_lr`` over ``steps``
    along a half cosine (a high rate early, a low one to settle at the end), gradient norm clipped."""
    schedule = keras.optimizers.schedules.CosineDecay(lr, max(1, steps), alpha=min(1.0, final_lr / lr))
    model = LanguageModel(generator)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=CLIPNORM))
    return model


def unigram(data, replace_rate: float):
    """The word distribution for ``replace_rate > 0`` (else None). ``load_run`` rebuilds the recipe with
    no sentences: then a uniform placeholder, which the checkpoint then overwrites with the saved one."""
    if replace_rate == 0:
        return None
    if len(data.train_tokens) == 0:
        return np.full(data.vocab_size, 1.0 / data.vocab_size, dtype=np.float32)
    return unigram_distribution(data.train_tokens, data.vocab_size)


def adversarial_gan(generator, discriminator, data, s: dict, seed: int) -> TextGAN:
    """The adversarial phase of ``relgan`` and of the architecture recipe, compiled with Adam at ``d_lr``
    and ``g_lr``: a :class:`TextGAN` with the settings ``s`` (a dict), or a :class:`RegularisedGAN` when
    one of the regularisers is on."""
    common = {"loss": s["loss"], "d_steps": s["d_steps"], "beta_max": s["beta_max"],
              "beta_schedule": s["beta_schedule"], "adversarial_steps": s["steps"], "seed": seed}
    if any(s[name] for name in REGULARISERS):
        gan = RegularisedGAN(generator, discriminator, **common, **{name: s[name] for name in REGULARISERS},
                             unigram=unigram(data, s["replace_rate"]))
    else:
        gan = TextGAN(generator, discriminator, **common)
    gan.compile(d_optimizer=keras.optimizers.Adam(s["d_lr"]), g_optimizer=keras.optimizers.Adam(s["g_lr"]))
    return gan


def sampler(generator):
    """``sample(n, temperature, seed)`` of an autoregressive generator, as a NumPy array."""
    def sample(n, temperature=1.0, seed=None):
        return generator.sample(n, temperature=temperature, seed=seed).numpy()

    return sample


def _jsonable(hyperparameters: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in hyperparameters.items()}


def recipe_config(name: str, seed: int, data, settings: dict, generator, discriminator=None) -> dict:
    """What a run directory records of a recipe: its name, seed, sizes, settings and models."""
    config = {"recipe": name, "seed": seed, "vocab_size": int(data.vocab_size), "seq_len": int(data.seq_len),
              **settings, "generator": {"kind": generator.kind, **_jsonable(generator.hyperparameters)}}
    if discriminator is not None:
        config["discriminator"] = {"kind": discriminator.kind, **_jsonable(discriminator.hyperparameters)}
    return config


__all__ = ["CLIPNORM", "adversarial_gan", "language_model", "recipe_config", "sampler",
           "unigram"]
