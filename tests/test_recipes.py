"""The recipe registry: every recipe builds, its phases fit a few steps, and mistakes are explained."""

from __future__ import annotations

import dataclasses
import json

import keras
import numpy as np
import pytest

from gan_text.augmentation import ablation_settings, unigram_distribution
from gan_text.config import profile
from gan_text.corpora import load_corpus
from gan_text.dataset import make_dataset, prepare
from gan_text.errors import GanTextError
from gan_text.models.language_model import LanguageModel
from gan_text.training import recipes
from gan_text.training.phases import Recipe
from gan_text.training.recipes import DEFAULT_RECIPE, RECIPES, build_recipe, recipe_settings
from gan_text.training.regularised import RegularisedGAN
from gan_text.training.split_update import SplitUpdateGAN
from gan_text.training.textgan import TextGAN

SMOKE = profile("smoke")
STEPS = 2  # steps fitted per phase


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("grammar", n_train=SMOKE.n_train, n_test=SMOKE.n_test, seed=0)


@pytest.fixture(scope="module")
def data(corpus):
    return prepare(corpus)


@pytest.fixture(scope="module")
def char_data(corpus):
    """The same sentences read character by character (vocabulary of letters, long sequences)."""
    return prepare(dataclasses.replace(corpus, level="char"))


def fit_every_phase(recipe: Recipe, data) -> dict:
    """What the runner does, shortened: ``fit`` each phase for STEPS batches; returns the last logs."""
    logs = {}
    for index, phase in enumerate(recipe.phases):
        dataset = make_dataset(data.train_tokens, SMOKE.batch_size, seed=index, repeat=True)
        history = phase.model.fit(dataset, epochs=1, steps_per_epoch=STEPS, verbose=0).history
        logs[phase.name] = {k: v[-1] for k, v in history.items()}
    return logs


EXPECTED_PHASES = {"mle": ["pretrain"], "relgan": ["pretrain", "adversarial"], "seed": ["adversarial"],
                   "wgan_gp": ["adversarial"]}


@pytest.mark.parametrize("name", sorted(EXPECTED_PHASES))
def test_recipe_builds_and_every_phase_fits_in_the_smoke_profile(name, data, char_data):
    if name == "wgan_gp":  # Gulrajani et al.'s recipe works at both levels: word level is in test_textgan
        data = char_data
        assert data.level == "char" and data.seq_len > 100
    recipe = build_recipe(name, data, SMOKE, seed=0)
    assert recipe.name == name and [p.name for p in recipe.phases] == EXPECTED_PHASES[name]
    json.dumps(recipe.config)  # every hyperparameter, JSON-ready
    assert recipe.config["recipe"] == name and recipe.config["vocab_size"] == data.vocab_size
    before = [v.numpy().copy() for v in recipe.generator.trainable_variables]

    logs = fit_every_phase(recipe, data)
    assert all(np.isfinite(value) for phase in logs.values() for value in phase.values())
    after = [v.numpy().copy() for v in recipe.generator.trainable_variables]
    assert all(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    samples = recipe.sample(5, temperature=1.0, seed=0)
    assert samples.shape == (5, data.seq_len) and samples.dtype == np.int32
    assert samples.min() >= 0 and samples.max() < data.vocab_size
    np.testing.assert_array_equal(samples, recipe.sample(5, temperature=1.0, seed=0))


def test_phase_models_and_step_budgets(data):
    mle = build_recipe("mle", data, SMOKE)
    assert isinstance(mle.phases[0].model, LanguageModel) and mle.discriminator is None
    assert mle.total_steps == SMOKE.pretrain_steps + SMOKE.steps  # the GANs' budget

    relgan = build_recipe("relgan", data, SMOKE)
    pretrain, adversarial = relgan.phases
    assert pretrain.steps == SMOKE.pretrain_steps and adversarial.steps == SMOKE.steps
    gan = adversarial.model
    assert isinstance(gan, TextGAN) and gan.generator is pretrain.model.generator is relgan.generator
    assert gan.loss_fn.name == "relativistic" and gan.discriminator.kind == "relgan"
    assert gan.adversarial_steps == SMOKE.steps  # the schedule spans the adversarial steps actually run
    assert set(adversarial.optimizers()) == {"d_optimizer", "g_optimizer"}

    wgan = build_recipe("wgan_gp", data, SMOKE).phases[0].model
    assert (wgan.generator.kind, wgan.discriminator.kind, wgan.loss_fn.name) == ("cnn", "cnn", "wgan_gp")
    assert wgan.d_steps >= 5
    seed = build_recipe("seed", data, SMOKE).phases[0].model
    assert (seed.generator.kind, seed.loss_fn.name) == ("seed", "non_saturating")
    assert isinstance(seed, SplitUpdateGAN)  # the original loop: two D updates per D step


def test_overrides_reach_the_models_and_the_config(data):
    recipe = build_recipe("relgan", data, SMOKE, beta_max=5, beta_schedule="linear", hidden_dim=8,
                          pretrain_steps=0, loss="hinge")
    assert [p.name for p in recipe.phases] == ["adversarial"]  # 0 pre-training steps drops the phase
    gan = recipe.phases[0].model
    assert (gan.beta_max, gan.beta_schedule, gan.loss_fn.name) == (5.0, "linear", "hinge")
    assert recipe.generator.hyperparameters["hidden_dim"] == 8
    assert recipe.config["beta_max"] == 5.0 and recipe.config["generator"]["hidden_dim"] == 8
    assert build_recipe("mle", data, SMOKE, steps=7).phases[0].steps == 7
    assert recipe_settings("wgan_gp", SMOKE)["d_steps"] == build_recipe("wgan_gp", data, SMOKE).config["d_steps"]


def test_seed_fixes_the_initial_weights(data):
    def first_weights(seed):
        return [v.numpy().copy() for v in build_recipe("mle", data, SMOKE, seed=seed).generator.trainable_variables]

    same, again, other = first_weights(3), first_weights(3), first_weights(4)
    assert all(np.array_equal(a, b) for a, b in zip(same, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(same, other, strict=True))


def test_registry():
    assert RECIPES == ("relgan", "seqgan", "wgan_gp", "seed", "mle", "guided") and DEFAULT_RECIPE == "guided"


def test_seqgan_comes_from_its_own_module(data):
    recipe = build_recipe("seqgan", data, SMOKE, seed=0)
    assert recipe.name == "seqgan" and recipe.phases[-1].name == "adversarial"
    assert isinstance(recipe.phases[0].model, LanguageModel)


def test_build_recipe_errors_say_what_to_do(data):
    with pytest.raises(GanTextError, match=r"unknown recipe 'dcgan'; known: relgan, seqgan, wgan_gp, seed, mle"):
        build_recipe("dcgan", data, SMOKE)
    with pytest.raises(GanTextError, match=r"unknown relgan override 'temperature'; accepted: .*beta_max"):
        build_recipe("relgan", data, SMOKE, temperature=2.0)
    with pytest.raises(GanTextError, match=r"unknown loss 'nope'; known: minimax"):
        build_recipe("relgan", data, SMOKE, loss="nope")
    with pytest.raises(GanTextError, match=r"unknown cell 'rnn'; known: lstm, gru"):
        build_recipe("mle", data, SMOKE, cell="rnn")
    with pytest.raises(GanTextError, match=r"g_lr must be a number > 0, got -1"):
        build_recipe("wgan_gp", data, SMOKE, g_lr=-1)
    with pytest.raises(GanTextError, match=r"d_dropout must be a fraction in \[0, 1\)"):
        build_recipe("relgan", data, SMOKE, d_dropout=1.5)
    with pytest.raises(GanTextError, match=r"steps must be a whole number >= 1"):
        build_recipe("seed", data, SMOKE, steps=0)
    with pytest.raises(GanTextError, match=r"beta_max must be a number >= 1"):
        build_recipe("relgan", data, SMOKE, beta_max=0.5)
    with pytest.raises(GanTextError, match=r"seed must be an int"):
        build_recipe("mle", data, SMOKE, seed="0")
    with pytest.raises(GanTextError, match=r"data must be a prepared corpus"):
        build_recipe("mle", [[1, 2]], SMOKE)
    keras.backend.clear_session()


# --- the discriminator's regularisers (gan_text.augmentation) as relgan overrides ----------------------------

REGULARISER_NAMES = ("instance_noise", "label_smoothing", "consistency_weight", "word_dropout", "swap_rate",
                     "crop_rate", "replace_rate")  # a contract: a tuner passes these names


def test_relgan_regularisers_are_overrides_off_by_default(data):
    settings = recipe_settings("relgan", SMOKE)
    assert tuple(recipes.REGULARISERS) == REGULARISER_NAMES and all(settings[k] == 0.0 for k in REGULARISER_NAMES)
    gan = build_recipe("relgan", data, SMOKE).phases[-1].model
    assert type(gan) is TextGAN  # all off: the plain step, no regularising subclass

    overrides = {"instance_noise": 0.1, "label_smoothing": 0.1, "consistency_weight": 1, "word_dropout": 0.1,
                 "swap_rate": 0.1, "crop_rate": 0.2, "replace_rate": 0.1}
    recipe = build_recipe("relgan", data, SMOKE, **overrides)
    gan = recipe.phases[-1].model
    assert isinstance(gan, RegularisedGAN)
    assert (gan.instance_noise, gan.label_smoothing, gan.consistency_weight) == (0.1, 0.1, 1.0)
    assert gan.rates == {"word_dropout": 0.1, "swap": 0.1, "crop": 0.2, "replace": 0.1}
    assert all(isinstance(recipe.config[k], float) and recipe.config[k] == float(v) for k, v in overrides.items())
    json.dumps(recipe.config)
    np.testing.assert_allclose(gan.unigram.numpy(), unigram_distribution(data.train_tokens, data.vocab_size))
    dataset = make_dataset(data.train_tokens, SMOKE.batch_size, seed=0, repeat=True)
    history = gan.fit(dataset, epochs=1, steps_per_epoch=STEPS, verbose=0).history
    assert all(np.all(np.isfinite(v)) for v in history.values()) and {"noise_std", "consistency"} <= set(history)


def test_every_ablation_setting_is_a_valid_relgan_override(data):
    for name, overrides in ablation_settings().items():
        assert set(overrides) <= set(REGULARISER_NAMES), name
        config = build_recipe("relgan", data, SMOKE, **overrides).config
        assert all(config[k] == v for k, v in overrides.items()), name


def test_unigram_placeholder_when_the_data_holds_no_sentences(data):
    """load_run rebuilds a recipe without sentences; the checkpoint then restores the saved distribution."""
    empty = dataclasses.replace(data, train_tokens=np.zeros((0, data.seq_len), np.int32))
    gan = build_recipe("relgan", empty, SMOKE, replace_rate=0.1).phases[-1].model
    np.testing.assert_allclose(gan.unigram.numpy(), np.full(data.vocab_size, 1 / data.vocab_size), rtol=1e-6)


def test_regulariser_override_errors_say_what_to_do(data):
    cases = [
        ({"word_dropout": 1.0}, r"word_dropout must be a fraction in \[0, 1\), got 1.0; pass e.g. word_dropout=0.1"),
        ({"crop_rate": -0.1}, r"crop_rate must be a fraction in \[0, 1\), got -0.1; pass e.g. crop_rate=0.1"),
        ({"label_smoothing": True}, r"label_smoothing must be a fraction in \[0, 1\), got True"),
        ({"instance_noise": -0.5}, r"instance_noise must be a number >= 0, got -0.5; pass e.g. instance_noise=0.1"),
        ({"consistency_weight": float("inf")}, r"consistency_weight must be a number >= 0, got inf"),
        ({"consistency_weight": 1.0}, r"pass a token augmentation too, e.g. word_dropout=0.1"),
        ({"label_smoothing": 0.1, "loss": "hinge"}, r"label smoothing needs a loss with a real target"),
    ]
    for overrides, message in cases:
        with pytest.raises(GanTextError, match=message):
            build_recipe("relgan", data, SMOKE, **overrides)
    assert build_recipe("relgan", data, SMOKE, instance_noise=0, word_dropout=0).config["instance_noise"] == 0.0
