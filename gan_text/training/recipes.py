"""Recipes: which models to build and how to train them, selected by name.

``build_recipe(name, data, cfg, seed=0, **overrides)`` returns a :class:`~gan_text.training.phases.Recipe`:
compiled models in phases that the runner (:mod:`gan_text.training.runs`) trains with ``fit``.

==========  =====================================================================================
name        what it trains
==========  =====================================================================================
``relgan``  (the default) MLE pre-training of an LSTM generator, then adversarial training with
            Gumbel-softmax samples, an inverse temperature rising from 1 to ``beta_max``, the
            relativistic standard loss and RelGAN's multiple-representation discriminator.
``seqgan``  MLE pre-training, discriminator pre-training, then REINFORCE with Monte-Carlo rollouts
            (:mod:`gan_text.training.seqgan`).
``wgan_gp`` Gulrajani et al.'s language GAN: a CNN generator writing softmax outputs, a CNN critic,
            the Wasserstein loss with gradient penalty and several critic steps per generator step.
``seed``    The course's original design: soft generator output against one-hot real data, binary
            cross-entropy, Adam. It is expected to fail on text; the course shows how and why.
``mle``     The LanguageModel alone, trained for the same number of steps as the GANs (pre-training
            plus adversarial): the baseline every GAN must beat.
==========  =====================================================================================

Sizes and step counts come from the profile ``cfg`` (``emb_dim``, ``hidden_dim``, ``pretrain_steps``,
``steps``); every setting can be overridden by name (``build_recipe("relgan", data, cfg, beta_max=10.0)``),
and ``recipe.config`` records them all, JSON-ready. ``seed`` seeds the initial weights (through
``keras.utils.set_random_seed``, which also resets Python's, NumPy's and TensorFlow's global seeds) and
every random draw of training.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from ..augmentation import unigram_distribution
from ..errors import GanTextError, one_of
from ..models.discriminators import build_discriminator
from ..models.generators import build_generator, positive_int
from ..models.language_model import LanguageModel
from .losses import LOSSES
from .phases import Phase, Recipe
from .schedules import BETA_SCHEDULES
from .textgan import TextGAN

RECIPES = ("relgan", "seqgan", "wgan_gp", "seed", "mle")
DEFAULT_RECIPE = "relgan"
CLIPNORM = 5.0  # MLE pre-training clips the gradient norm, as SeqGAN and RelGAN do


# --- the settings of each recipe, from the profile ---------------------------------------------------

def _mle_settings(cfg) -> dict:
    return {"cell": "gru", "emb_dim": cfg.emb_dim, "hidden_dim": cfg.hidden_dim,
            "steps": cfg.pretrain_steps + cfg.steps, "lr": 2e-2, "final_lr": 1e-3}


def _relgan_settings(cfg) -> dict:
    return {"cell": "gru", "emb_dim": cfg.emb_dim, "hidden_dim": cfg.hidden_dim,  # generator
            "num_rep": 16, "d_emb_dim": 4, "d_num_filters": 32, "d_hidden_dim": 64, "d_dropout": 0.25,
            "pretrain_steps": cfg.pretrain_steps, "steps": cfg.steps,
            "pretrain_lr": 2e-2, "pretrain_final_lr": 1e-3,
            "g_lr": 3e-5, "d_lr": 1e-4, "loss": "relativistic", "d_steps": 1,
            "beta_max": 100.0, "beta_schedule": "exp", **REGULARISERS}


def _wgan_gp_settings(cfg) -> dict:
    return {"noise_dim": 64, "hidden_dim": cfg.hidden_dim, "num_blocks": 5, "kernel_size": 5,  # generator
            "d_emb_dim": cfg.emb_dim, "d_num_filters": cfg.hidden_dim,  # critic
            "steps": cfg.steps, "g_lr": 1e-4, "d_lr": 1e-4, "d_steps": 5, "gp_weight": 10.0}


def _seed_settings(cfg) -> dict:
    return {"noise_dim": cfg.hidden_dim, "hidden_dim": cfg.hidden_dim,  # generator
            "d_emb_dim": cfg.emb_dim, "d_hidden_dim": cfg.hidden_dim,  # discriminator
            "steps": cfg.steps, "lr": 2e-4, "beta_1": 0.5}


# The discriminator's regularisers (gan_text.augmentation), all off by default; names are a contract
# (tuners pass them as overrides).
REGULARISERS = {"instance_noise": 0.0, "label_smoothing": 0.0, "consistency_weight": 0.0,
                "word_dropout": 0.0, "swap_rate": 0.0, "crop_rate": 0.0, "replace_rate": 0.0}
SETTINGS = {"mle": _mle_settings, "relgan": _relgan_settings, "wgan_gp": _wgan_gp_settings,
            "seed": _seed_settings}
CHOICES = {"cell": ("lstm", "gru"), "loss": tuple(LOSSES), "beta_schedule": BETA_SCHEDULES}
FRACTIONS = ("d_dropout", "beta_1", "label_smoothing", "word_dropout", "swap_rate", "crop_rate",
             "replace_rate")  # numbers in [0, 1)
NON_NEGATIVE = ("instance_noise", "consistency_weight")  # numbers >= 0 (0 turns them off)
EXAMPLES = {"instance_noise": 0.1, "label_smoothing": 0.1, "consistency_weight": 1.0, "word_dropout": 0.1,
            "swap_rate": 0.1, "crop_rate": 0.1, "replace_rate": 0.1}  # for messages, where the default is 0
COUNTS = ("pretrain_steps",)  # may be 0 (drops the phase)


def _check(defaults: dict, settings: dict) -> dict:
    """Check each setting like its default: a choice, a fraction in [0, 1), a number >= 0 (the
    regularisers), a number > 0 (a float default) or a whole number >= 1 (>= 0 for counts).
    Returns the settings, normalised."""
    for key, value in settings.items():
        if key in CHOICES:
            if value not in CHOICES[key]:
                raise one_of(key, value, CHOICES[key])
        elif key in FRACTIONS or isinstance(defaults[key], float):
            number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            if key in FRACTIONS:
                ok, what = number and 0.0 <= value < 1.0, "a fraction in [0, 1)"
            elif key in NON_NEGATIVE:
                ok, what = number and value >= 0.0, "a number >= 0"
            else:
                ok, what = number and value > 0.0, "a number > 0"
            if not ok:
                raise GanTextError(f"{key} must be {what}, got {value!r}; pass e.g. "
                                   f"{key}={EXAMPLES.get(key, defaults[key]):g}")
            settings[key] = float(value)
        else:
            settings[key] = positive_int(key, value, minimum=0 if key in COUNTS else 1)
    return settings


def _widths(seq_len: int) -> tuple[int, ...]:
    """Convolution widths 2..5 that fit in ``seq_len`` (at least width 1)."""
    return tuple(k for k in (2, 3, 4, 5) if k <= seq_len) or (1,)


def _jsonable(hyperparameters: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in hyperparameters.items()}


def _config(name, seed, data, settings, generator, discriminator=None) -> dict:
    config = {"recipe": name, "seed": seed, "vocab_size": int(data.vocab_size), "seq_len": int(data.seq_len),
              **settings, "generator": {"kind": generator.kind, **_jsonable(generator.hyperparameters)}}
    if discriminator is not None:
        config["discriminator"] = {"kind": discriminator.kind, **_jsonable(discriminator.hyperparameters)}
    return config


def _language_model(generator, lr: float, final_lr: float, steps: int) -> LanguageModel:
    """Teacher forcing with Adam, the learning rate falling from ``lr`` to ``final_lr`` over ``steps``
    along a half cosine (a high rate early, a low one to settle at the end), gradient norm clipped."""
    schedule = keras.optimizers.schedules.CosineDecay(lr, max(1, steps), alpha=min(1.0, final_lr / lr))
    model = LanguageModel(generator)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=CLIPNORM))
    return model


def _unigram(data, replace_rate: float):
    """The word distribution for ``replace_rate > 0`` (else None). ``load_run`` rebuilds the recipe with
    no sentences: then a uniform placeholder, which the checkpoint then overwrites with the saved one."""
    if replace_rate == 0:
        return None
    if len(data.train_tokens) == 0:
        return np.full(data.vocab_size, 1.0 / data.vocab_size, dtype=np.float32)
    return unigram_distribution(data.train_tokens, data.vocab_size)


def _sampler(generator):
    """``sample(n, temperature, seed)`` of an autoregressive generator, as a NumPy array."""
    def sample(n, temperature=1.0, seed=None):
        return generator.sample(n, temperature=temperature, seed=seed).numpy()

    return sample


# --- the recipes --------------------------------------------------------------------------------------

def mle_recipe(data, seed: int, s: dict) -> Recipe:
    """``mle``: one phase, ``pretrain``, teacher forcing for pretrain_steps + steps (the GANs' budget)."""
    generator = build_generator("rnn", data.vocab_size, data.seq_len, cell=s["cell"],
                                emb_dim=s["emb_dim"], hidden_dim=s["hidden_dim"])
    phases = [Phase("pretrain", _language_model(generator, s["lr"], s["final_lr"], s["steps"]), s["steps"])]
    return Recipe("mle", phases, generator, None, _config("mle", seed, data, s, generator),
                  _sampler(generator))


def relgan_recipe(data, seed: int, s: dict) -> Recipe:
    """``relgan``: MLE pre-training, then adversarial training of the same generator (Nie et al., 2019).

    Phase ``pretrain``: teacher forcing, Adam with the rate falling from ``pretrain_lr`` to
    ``pretrain_final_lr`` (cosine), gradient norm clipped at 5. Phase ``adversarial``: :class:`TextGAN`
    with Gumbel-softmax fakes, beta rising from 1 to ``beta_max`` over exactly ``steps`` steps, the
    relativistic standard loss (RSGAN) and the multiple-representation discriminator; Adam at 1e-4 for D
    (RelGAN's rate) and a 3x smaller 3e-5 for G.

    The defaults were tuned on the grammar corpus in the course profile (600 + 400 steps, batch 64,
    GRU 64): MLE alone reaches about 80-85 % grammatical samples; with G's rate at 1e-4 the
    adversarial phase first sharpens the samples, then swings the sentence length back and forth and
    can lose 15 points by step 400, while at 3e-5 it keeps the quality (82-84 % over seeds 0-2, no
    duplicates). A GRU learned the grammar faster than an LSTM of the same width in 600 steps.

    The discriminator's regularisers (:data:`REGULARISERS`, all 0 = off) go to :class:`TextGAN`:
    ``instance_noise``, ``label_smoothing``, ``consistency_weight`` and the token augmentation rates
    ``word_dropout``, ``swap_rate``, ``crop_rate``, ``replace_rate``; ``replace_rate > 0`` draws words
    from the unigram distribution of ``data.train_tokens``.
    """
    generator = build_generator("rnn", data.vocab_size, data.seq_len, cell=s["cell"],
                                emb_dim=s["emb_dim"], hidden_dim=s["hidden_dim"])
    discriminator = build_discriminator(
        "relgan", data.vocab_size, data.seq_len, num_rep=s["num_rep"], emb_dim=s["d_emb_dim"],
        filter_sizes=_widths(data.seq_len), num_filters=(s["d_num_filters"],), hidden_dim=s["d_hidden_dim"],
        dropout=s["d_dropout"])
    gan = TextGAN(generator, discriminator, loss=s["loss"], d_steps=s["d_steps"], beta_max=s["beta_max"],
                  beta_schedule=s["beta_schedule"], adversarial_steps=s["steps"], seed=seed,
                  **{key: s[key] for key in REGULARISERS}, unigram=_unigram(data, s["replace_rate"]))
    gan.compile(d_optimizer=keras.optimizers.Adam(s["d_lr"]), g_optimizer=keras.optimizers.Adam(s["g_lr"]))
    pretrain = _language_model(generator, s["pretrain_lr"], s["pretrain_final_lr"], s["pretrain_steps"])
    phases = [Phase("pretrain", pretrain, s["pretrain_steps"]),
              Phase("adversarial", gan, s["steps"])]
    return Recipe("relgan", [p for p in phases if p.steps > 0], generator, discriminator,
                  _config("relgan", seed, data, s, generator, discriminator), _sampler(generator))


def wgan_gp_recipe(data, seed: int, s: dict) -> Recipe:
    """``wgan_gp``: CNN generator and critic, Wasserstein loss + gradient penalty (Gulrajani et al., 2017).

    Adam with beta_1 = 0.5 and beta_2 = 0.9, as in the paper (which ran 10 critic steps per generator
    step; ``d_steps`` defaults to 5 to halve the cost on a CPU).
    """
    generator = build_generator("cnn", data.vocab_size, data.seq_len, noise_dim=s["noise_dim"],
                                hidden_dim=s["hidden_dim"], num_blocks=s["num_blocks"],
                                kernel_size=s["kernel_size"])
    critic = build_discriminator("cnn", data.vocab_size, data.seq_len, emb_dim=s["d_emb_dim"],
                                 filter_sizes=_widths(data.seq_len), num_filters=(s["d_num_filters"],),
                                 dropout=0.0)  # a deterministic critic: the penalty differentiates it
    gan = TextGAN(generator, critic, loss="wgan_gp", d_steps=s["d_steps"], gp_weight=s["gp_weight"], seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(s["d_lr"], beta_1=0.5, beta_2=0.9),
                g_optimizer=keras.optimizers.Adam(s["g_lr"], beta_1=0.5, beta_2=0.9))
    return Recipe("wgan_gp", [Phase("adversarial", gan, s["steps"])], generator, critic,
                  _config("wgan_gp", seed, data, s, generator, critic), gan.generate)


def seed_recipe(data, seed: int, s: dict) -> Recipe:
    """``seed``: the original design, kept as it was so that the course can show why it fails.

    Noise -> Dense -> BatchNorm -> LSTM -> softmax writes a distribution per position; the real batch
    is one-hot (read as tokens: the same numbers). Binary cross-entropy (the non-saturating loss), Adam
    with DCGAN's settings, and the discriminator updated twice per step, on the real batch and then on
    the fake batch, as the original's two ``train_on_batch`` calls did.
    """
    generator = build_generator("seed", data.vocab_size, data.seq_len, noise_dim=s["noise_dim"],
                                hidden_dim=s["hidden_dim"])
    discriminator = build_discriminator("seed", data.vocab_size, data.seq_len, emb_dim=s["d_emb_dim"],
                                        hidden_dim=s["d_hidden_dim"])
    gan = TextGAN(generator, discriminator, loss="non_saturating", split_d_update=True, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(s["lr"], beta_1=s["beta_1"]),
                g_optimizer=keras.optimizers.Adam(s["lr"], beta_1=s["beta_1"]))
    return Recipe("seed", [Phase("adversarial", gan, s["steps"])], generator, discriminator,
                  _config("seed", seed, data, s, generator, discriminator), gan.generate)


BUILDERS = {"mle": mle_recipe, "relgan": relgan_recipe, "wgan_gp": wgan_gp_recipe, "seed": seed_recipe}


def recipe_settings(name: str, cfg) -> dict:
    """The default settings of recipe ``name`` for profile ``cfg`` (what ``overrides`` may change)."""
    if name not in SETTINGS:
        raise one_of("recipe", name, RECIPES)
    return SETTINGS[name](cfg)


def build_recipe(name: str, data, cfg, seed: int = 0, **overrides) -> Recipe:
    """Build the recipe ``name`` (one of :data:`RECIPES`) for prepared ``data`` and profile ``cfg``.

    ``data``: a :class:`gan_text.dataset.Prepared` (its ``vocab_size`` and ``seq_len`` size the models);
    ``cfg``: a :class:`gan_text.config.Profile`; ``seed``: initial weights and every random draw.
    ``overrides``: settings by name (see :func:`recipe_settings`); an unknown name raises GanTextError
    listing the accepted ones. Returns a Recipe with compiled models, ready for ``fit``.
    """
    if name not in RECIPES:
        raise one_of("recipe", name, RECIPES)
    if name == "seqgan":  # another module, imported only when asked for
        from .seqgan import build_seqgan_recipe

        return build_seqgan_recipe(data, cfg, seed=seed, **overrides)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GanTextError(f"seed must be an int, got {seed!r}; pass e.g. seed=0")
    if getattr(data, "vocab_size", None) is None or getattr(data, "seq_len", None) is None:
        raise GanTextError(f"data must be a prepared corpus with vocab_size and seq_len, got "
                           f"{type(data).__name__}; pass gt.dataset.prepare(corpus)")
    settings = recipe_settings(name, cfg)
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise GanTextError(f"unknown {name} override {unknown[0]!r}; accepted: {', '.join(sorted(settings))}")
    settings = _check(settings, {**settings, **overrides})
    keras.utils.set_random_seed(seed)
    return BUILDERS[name](data, seed, settings)


__all__ = ["BUILDERS", "DEFAULT_RECIPE", "RECIPES", "REGULARISERS", "build_recipe", "mle_recipe", "recipe_settings",
           "relgan_recipe", "seed_recipe", "wgan_gp_recipe"]
