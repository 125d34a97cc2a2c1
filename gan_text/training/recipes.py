"""Recipes: which models to build and how to train them, selected by name.

``build_recipe(name, data, cfg, seed=0, **overrides)`` returns a :class:`~gan_text.training.phases.Recipe`:
compiled models in phases that the runner (:mod:`gan_text.training.runs`) trains with ``fit``.

==========  =====================================================================================
name        what it trains
==========  =====================================================================================
``relgan``  MLE pre-training of an LSTM generator, then adversarial training with
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
``guided``  (the default) MLE pre-training, then a discriminator trained against the generator, used when
            sampling: each sentence is resampled among several of the generator's
            (:mod:`gan_text.training.guided`). It is the recipe whose samples lie above the tempered-MLE
            curve (``benchmarks/quality_frontier.py``).
==========  =====================================================================================

Sizes and step counts come from the profile ``cfg`` (``emb_dim``, ``hidden_dim``, ``pretrain_steps``,
``steps``); every setting can be overridden by name (``build_recipe("relgan", data, cfg, beta_max=10.0)``),
and ``recipe.config`` records them all, JSON-ready. ``seed`` seeds the initial weights (through
``keras.utils.set_random_seed``, which also resets Python's, NumPy's and TensorFlow's global seeds) and
every random draw of training.
"""

from __future__ import annotations

import keras

from ..errors import one_of
from ..models.discriminators import build_discriminator, filter_widths
from ..models.generators import build_generator
from .builders import adversarial_gan, language_model, recipe_config, sampler
from .guided import guided_recipe
from .phases import Phase, Recipe
from .seqgan import build_seqgan_recipe
from .settings import (
    REGULARISERS,
    GuidedSettings,
    MLESettings,
    RelGANSettings,
    SeedSettings,
    SeqGANSettings,
    WGANGPSettings,
    begin_recipe,
    seed_weights,
)
from .split_update import SplitUpdateGAN
from .textgan import TextGAN

RECIPES = ("relgan", "seqgan", "wgan_gp", "seed", "mle", "guided")
DEFAULT_RECIPE = "guided"  # the best on the quality frontier: benchmarks/results/frontier_course.json


# --- the recipes --------------------------------------------------------------------------------------

def mle_recipe(data, seed: int, s: MLESettings) -> Recipe:
    """``mle``: one phase, ``pretrain``, teacher forcing for pretrain_steps + steps (the GANs' budget)."""
    generator = build_generator("rnn", data.vocab_size, data.seq_len, cell=s.cell,
                                emb_dim=s.emb_dim, hidden_dim=s.hidden_dim)
    phases = [Phase("pretrain", language_model(generator, s.lr, s.final_lr, s.steps), s.steps)]
    return Recipe("mle", phases, generator, None, recipe_config("mle", seed, data, s.as_dict(), generator),
                  sampler(generator))


def relgan_recipe(data, seed: int, s: RelGANSettings) -> Recipe:
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
    generator = build_generator("rnn", data.vocab_size, data.seq_len, cell=s.cell,
                                emb_dim=s.emb_dim, hidden_dim=s.hidden_dim)
    discriminator = build_discriminator(
        "relgan", data.vocab_size, data.seq_len, num_rep=s.num_rep, emb_dim=s.d_emb_dim,
        filter_sizes=filter_widths(data.seq_len), num_filters=(s.d_num_filters,), hidden_dim=s.d_hidden_dim,
        dropout=s.d_dropout)
    gan = adversarial_gan(generator, discriminator, data, s.as_dict(), seed)
    pretrain = language_model(generator, s.pretrain_lr, s.pretrain_final_lr, s.pretrain_steps)
    phases = [Phase("pretrain", pretrain, s.pretrain_steps),
              Phase("adversarial", gan, s.steps)]
    return Recipe("relgan", [p for p in phases if p.steps > 0], generator, discriminator,
                  recipe_config("relgan", seed, data, s.as_dict(), generator, discriminator), sampler(generator))


def wgan_gp_recipe(data, seed: int, s: WGANGPSettings) -> Recipe:
    """``wgan_gp``: CNN generator and critic, Wasserstein loss + gradient penalty (Gulrajani et al., 2017).

    Adam with beta_1 = 0.5 and beta_2 = 0.9, as in the paper (which ran 10 critic steps per generator
    step; ``d_steps`` defaults to 5 to halve the cost on a CPU).
    """
    generator = build_generator("cnn", data.vocab_size, data.seq_len, noise_dim=s.noise_dim,
                                hidden_dim=s.hidden_dim, num_blocks=s.num_blocks,
                                kernel_size=s.kernel_size)
    critic = build_discriminator("cnn", data.vocab_size, data.seq_len, emb_dim=s.d_emb_dim,
                                 filter_sizes=filter_widths(data.seq_len), num_filters=(s.d_num_filters,),
                                 dropout=0.0)  # a deterministic critic: the penalty differentiates it
    gan = TextGAN(generator, critic, loss="wgan_gp", d_steps=s.d_steps, gp_weight=s.gp_weight, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(s.d_lr, beta_1=0.5, beta_2=0.9),
                g_optimizer=keras.optimizers.Adam(s.g_lr, beta_1=0.5, beta_2=0.9))
    return Recipe("wgan_gp", [Phase("adversarial", gan, s.steps)], generator, critic,
                  recipe_config("wgan_gp", seed, data, s.as_dict(), generator, critic), gan.generate)


def seed_recipe(data, seed: int, s: SeedSettings) -> Recipe:
    """``seed``: the original design, kept as it was so that the course can show why it fails.

    Noise -> Dense -> BatchNorm -> LSTM -> softmax writes a distribution per position; the real batch
    is one-hot (read as tokens: the same numbers). Binary cross-entropy (the non-saturating loss), Adam
    with DCGAN's settings, and the discriminator updated twice per step, on the real batch and then on
    the fake batch, as the original's two ``train_on_batch`` calls did.
    """
    generator = build_generator("seed", data.vocab_size, data.seq_len, noise_dim=s.noise_dim,
                                hidden_dim=s.hidden_dim)
    discriminator = build_discriminator("seed", data.vocab_size, data.seq_len, emb_dim=s.d_emb_dim,
                                        hidden_dim=s.d_hidden_dim)
    gan = SplitUpdateGAN(generator, discriminator, loss="non_saturating", seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(s.lr, beta_1=s.beta_1),
                g_optimizer=keras.optimizers.Adam(s.lr, beta_1=s.beta_1))
    return Recipe("seed", [Phase("adversarial", gan, s.steps)], generator, discriminator,
                  recipe_config("seed", seed, data, s.as_dict(), generator, discriminator), gan.generate)


BUILDERS = {"mle": mle_recipe, "relgan": relgan_recipe, "wgan_gp": wgan_gp_recipe, "seed": seed_recipe,
            "guided": guided_recipe}
SETTINGS = {"mle": MLESettings, "relgan": RelGANSettings, "wgan_gp": WGANGPSettings, "seed": SeedSettings,
            "seqgan": SeqGANSettings, "guided": GuidedSettings}


def recipe_settings(name: str, cfg) -> dict:
    """The default settings of recipe ``name`` for profile ``cfg`` (what ``overrides`` may change)."""
    if name not in SETTINGS:
        raise one_of("recipe", name, RECIPES)
    return SETTINGS[name].from_profile(cfg).as_dict()


def build_recipe(name: str, data, cfg, seed: int = 0, **overrides) -> Recipe:
    """Build the recipe ``name`` (one of :data:`RECIPES`) for prepared ``data`` and profile ``cfg``.

    ``data``: a :class:`gan_text.dataset.Prepared` (its ``vocab_size`` and ``seq_len`` size the models);
    ``cfg``: a :class:`gan_text.config.Profile`; ``seed``: initial weights and every random draw.
    ``overrides``: settings by name (see :func:`recipe_settings`); an unknown name raises GanTextError
    listing the accepted ones. Returns a Recipe with compiled models, ready for ``fit``.
    """
    if name not in RECIPES:
        raise one_of("recipe", name, RECIPES)
    if name == "seqgan":
        return build_seqgan_recipe(data, cfg, seed=seed, **overrides)
    settings, seed = begin_recipe(SETTINGS[name], data, cfg, seed, overrides)
    seed_weights(seed)
    return BUILDERS[name](data, seed, settings)


__all__ = ["BUILDERS", "DEFAULT_RECIPE", "RECIPES", "REGULARISERS", "SETTINGS", "build_recipe", "mle_recipe",
           "recipe_settings", "relgan_recipe", "seed_recipe", "wgan_gp_recipe"]
