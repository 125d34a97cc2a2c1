"""TextGAN (the adversarial train_step) and the beta schedules, on tiny models and a handful of steps."""

from __future__ import annotations

import ast
import inspect
import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_text.errors import GanTextError
from gan_text.models import build_discriminator, build_generator
from gan_text.training import regularised, schedules, split_update, textgan
from gan_text.training.regularised import RegularisedGAN
from gan_text.training.schedules import beta_at, relgan_beta_at, schedule_table
from gan_text.training.split_update import SplitUpdateGAN
from gan_text.training.textgan import TextGAN
from gan_text.vocabulary import EOS_ID, PAD_ID

VOCAB, SEQ_LEN, BATCH = 12, 6, 8
SMALL = {"rnn": {"emb_dim": 8, "hidden_dim": 8}, "seed": {"noise_dim": 8, "hidden_dim": 8},
         "cnn": {"noise_dim": 8, "hidden_dim": 8, "num_blocks": 1, "kernel_size": 3}}
SMALL_D = {"relgan": {"num_rep": 4, "emb_dim": 2, "filter_sizes": (2, 3), "num_filters": 4, "hidden_dim": 8},
           "seed": {"emb_dim": 8, "hidden_dim": 8},
           "cnn": {"emb_dim": 8, "filter_sizes": (2, 3), "num_filters": 4, "dropout": 0.0}}


def tokens(n=64, seed=0) -> np.ndarray:
    """Random sentences: word ids, then <eos>, then <pad>."""
    rng = np.random.default_rng(seed)
    out = rng.integers(4, VOCAB, size=(n, SEQ_LEN)).astype(np.int32)
    lengths = rng.integers(2, SEQ_LEN + 1, size=n)
    for row, length in zip(out, lengths, strict=True):
        row[length - 1] = EOS_ID
        row[length:] = PAD_ID
    return out


def dataset():
    return tf.data.Dataset.from_tensor_slices(tokens()).batch(BATCH, drop_remainder=True).repeat()


REGULARISER_OPTIONS = {"instance_noise", "label_smoothing", "consistency_weight", "word_dropout", "swap_rate",
                       "crop_rate", "replace_rate", "unigram"}


class SplitRegularisedGAN(SplitUpdateGAN, RegularisedGAN):
    """The split update with a regularised discriminator: the two extensions compose through the hooks."""


def gan_class(split: bool, regularised: bool) -> type:
    """TextGAN, or the subclass that the options ask for."""
    return {(False, False): TextGAN, (True, False): SplitUpdateGAN, (False, True): RegularisedGAN,
            (True, True): SplitRegularisedGAN}[(split, regularised)]


def make_gan(g_kind, d_kind, *, weights_seed=0, split_d_update=False, cls=None, **kwargs) -> TextGAN:
    keras.utils.set_random_seed(weights_seed)
    generator = build_generator(g_kind, VOCAB, SEQ_LEN, **SMALL[g_kind])
    discriminator = build_discriminator(d_kind, VOCAB, SEQ_LEN, **SMALL_D[d_kind])
    cls = cls or gan_class(split_d_update, bool(REGULARISER_OPTIONS & set(kwargs)))
    gan = cls(generator, discriminator, **kwargs)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return gan


def weights(model, skip: str | None = None) -> list[np.ndarray]:
    """Copies of the trainable variables, except those whose path ends with ``skip``."""
    return [v.numpy().copy() for v in model.trainable_variables if not (skip and v.path.endswith(skip))]


def changed(before, after) -> bool:
    """True when EVERY variable changed."""
    return all(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


# --- the train_step of every combination a recipe uses ------------------------------------------------

COMBINATIONS = [  # (generator, discriminator, settings): relgan, seed, wgan_gp, and WGAN's clipping
    ("rnn", "relgan", {"loss": "relativistic", "d_steps": 2, "beta_max": 5.0, "adversarial_steps": 3}),
    ("seed", "seed", {"loss": "non_saturating", "split_d_update": True}),
    ("cnn", "cnn", {"loss": "wgan_gp", "d_steps": 2}),
    ("cnn", "cnn", {"loss": "wasserstein"}),
]


@pytest.mark.parametrize(("g_kind", "d_kind", "settings"), COMBINATIONS,
                         ids=[f"{g}-{d}-{s['loss']}" for g, d, s in COMBINATIONS])
def test_train_step_updates_both_players(g_kind, d_kind, settings):
    gan = make_gan(g_kind, d_kind, **settings)
    # Losses that see only r - f (relativistic) or E f - E r (Wasserstein) cancel D's last bias:
    # its gradient is exactly zero, so it is left out of "every weight changed".
    skip = "logit/bias" if settings["loss"] in ("relativistic", "wgan_gp", "wasserstein") else None
    g_before, d_before = weights(gan.generator), weights(gan.discriminator, skip)
    history = gan.fit(dataset(), epochs=3, steps_per_epoch=1, verbose=0).history

    # every metric finite, one value per epoch; beta only for Gumbel-softmax, gp only for WGAN-GP
    expected = {"d_loss", "g_loss", "d_accuracy"} | ({"beta"} if g_kind == "rnn" else set()) \
        | ({"gp"} if settings["loss"] == "wgan_gp" else set())
    assert set(history) == expected
    assert all(len(v) == 3 and np.all(np.isfinite(v)) for v in history.values())
    assert all(0.0 <= a <= 1.0 for a in history["d_accuracy"])
    # both players learned, with their own optimizers, d_steps (x2 when split) D updates per G update
    assert changed(g_before, weights(gan.generator)) and changed(d_before, weights(gan.discriminator, skip))
    d_updates = settings.get("d_steps", 1) * (2 if settings.get("split_d_update") else 1)
    assert int(gan.g_optimizer.iterations) == 3
    assert int(gan.d_optimizer.iterations) == 3 * d_updates
    assert int(gan.step_counter) == 3
    # nobody was frozen
    assert gan.generator.trainable and gan.discriminator.trainable
    if settings["loss"] == "wasserstein":  # clipped after every critic step
        assert max(np.abs(w).max() for w in weights(gan.discriminator)) <= 0.01 + 1e-7
    if settings["loss"] == "wgan_gp":
        assert all(gp > 0 for gp in history["gp"])
    if g_kind == "rnn":  # the schedule reaches beta_max exactly at the last of the 3 adversarial steps
        np.testing.assert_allclose(history["beta"], [1.0, math.sqrt(5.0), 5.0], rtol=1e-6)


@pytest.mark.parametrize("module", [textgan, split_update, regularised], ids=lambda m: m.__name__)
def test_the_keras2_frozen_idiom_is_not_used(module):
    tree = ast.parse(inspect.getsource(module))
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assigned = {target.attr for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Attribute)}
    assert "train_on_batch" not in attributes and "trainable" not in assigned
    if module is not regularised:  # each player's update lists that player's variables
        assert "trainable_variables" in attributes


def test_the_core_step_has_no_checks_and_the_subclasses_only_hooks():
    # The step a student reads: train_step and the two updates, with no validation code in them.
    for method in (TextGAN.train_step, TextGAN.discriminator_step, TextGAN.generator_step,
                   SplitUpdateGAN.discriminator_step):
        source = inspect.getsource(method)
        assert "raise" not in source and "isinstance(" not in source.replace("isinstance(data", "")
    assert "train_step" not in vars(RegularisedGAN) and "discriminator_step" not in vars(RegularisedGAN)
    assert {"real_batch", "d_inputs", "extra_d_loss"} <= set(vars(RegularisedGAN))


def test_same_seed_same_weights_and_other_seed_differs():
    def run(seed):
        gan = make_gan("cnn", "cnn", loss="hinge", seed=seed)
        gan.fit(dataset(), epochs=1, steps_per_epoch=2, verbose=0)
        return weights(gan.generator) + weights(gan.discriminator)

    first, again, other = run(0), run(0), run(1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_gradient_penalty_is_added_to_the_critic_loss():
    def critic_after_one_step(gp_weight):
        gan = make_gan("cnn", "cnn", loss="wgan_gp", gp_weight=gp_weight)
        history = gan.fit(dataset(), epochs=1, steps_per_epoch=1, verbose=0).history
        return weights(gan.discriminator), history

    without, history0 = critic_after_one_step(0.0)
    with_gp, history10 = critic_after_one_step(10.0)
    assert history0["gp"] == [0.0] and history10["gp"][0] > 0
    # same start, same noise: only the penalty differs, and it changed the critic's update
    assert history0["d_loss"] == pytest.approx(history10["d_loss"], rel=1e-6)
    assert not all(np.array_equal(a, b) for a, b in zip(without, with_gp, strict=True))


def test_step_counter_is_a_saved_non_trainable_variable():
    gan = make_gan("cnn", "cnn", loss="hinge")
    assert any(v is gan.step_counter for v in gan.non_trainable_variables)
    assert not any(v is gan.step_counter for v in gan.trainable_variables)
    gan.step_counter.assign(7)  # a restored counter continues the schedule where it was
    gan.fit(dataset(), epochs=1, steps_per_epoch=1, verbose=0)
    assert int(gan.step_counter) == 8


def test_beta_follows_the_counter():
    gan = make_gan("rnn", "relgan", loss="relativistic", beta_max=16.0, adversarial_steps=5)
    for step, expected in enumerate([1.0, 2.0, 4.0, 8.0, 16.0, 16.0]):
        gan.step_counter.assign(step)
        assert float(gan.beta()) == pytest.approx(expected, rel=1e-6)


def test_generate_gives_token_ids_with_pad_after_eos():
    for g_kind, d_kind in (("rnn", "relgan"), ("cnn", "cnn")):
        gan = make_gan(g_kind, d_kind, loss="hinge")
        out = gan.generate(20, seed=3)
        assert out.shape == (20, SEQ_LEN) and out.dtype == np.int32
        assert out.min() >= 0 and out.max() < VOCAB
        for row in out:
            eos = np.flatnonzero(row == EOS_ID)
            if eos.size:
                assert np.all(row[eos[0] + 1:] == PAD_ID)
        np.testing.assert_array_equal(out, gan.generate(20, seed=3))


# --- user errors ----------------------------------------------------------------------------------------

def test_construction_errors_say_what_to_do():
    generator = build_generator("cnn", VOCAB, SEQ_LEN, **SMALL["cnn"])
    discriminator = build_discriminator("cnn", VOCAB, SEQ_LEN, **SMALL_D["cnn"])
    other = build_discriminator("cnn", VOCAB + 1, SEQ_LEN, **SMALL_D["cnn"])
    with pytest.raises(GanTextError, match="same prepared data"):
        TextGAN(generator, other)
    with pytest.raises(GanTextError, match="must be a gan_text model"):
        TextGAN("generator", discriminator)
    with pytest.raises(GanTextError, match="unknown loss 'nope'; known: minimax"):
        TextGAN(generator, discriminator, loss="nope")
    with pytest.raises(GanTextError, match="d_steps must be a whole number >= 1"):
        TextGAN(generator, discriminator, d_steps=0)
    with pytest.raises(GanTextError, match="unknown beta schedule 'cosine'; known: exp, linear"):
        TextGAN(generator, discriminator, beta_schedule="cosine")
    with pytest.raises(GanTextError, match="pass adversarial_steps="):
        TextGAN(generator, discriminator, beta_max=100.0)
    with pytest.raises(GanTextError, match="split_d_update needs"):
        SplitUpdateGAN(generator, discriminator, loss="relativistic")
    with pytest.raises(GanTextError, match="gp_weight must be a number >= 0"):
        TextGAN(generator, discriminator, gp_weight=-1)


def test_compile_and_fit_errors_say_what_to_do():
    generator = build_generator("cnn", VOCAB, SEQ_LEN, **SMALL["cnn"])
    discriminator = build_discriminator("cnn", VOCAB, SEQ_LEN, **SMALL_D["cnn"])
    gan = TextGAN(generator, discriminator)
    with pytest.raises(GanTextError, match="compile the TextGAN first"):
        gan.fit(dataset(), steps_per_epoch=1)
    adam = keras.optimizers.Adam()
    with pytest.raises(GanTextError, match="create two optimizers"):
        gan.compile(d_optimizer=adam, g_optimizer=adam)
    with pytest.raises(GanTextError, match="g_optimizer must be a keras optimizer"):
        gan.compile(d_optimizer=adam, g_optimizer="adam")


# (TextGAN under tf.distribute: tests/test_strategy.py, in a process with two logical CPUs)

# --- beta schedules --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "expected"), [
    ("exp", [1.0, 2.0, 4.0, 8.0, 16.0]),  # 16 ** (step / 4)
    ("linear", [1.0, 4.75, 8.5, 12.25, 16.0]),  # 1 + 15 * step / 4
    ("constant", [16.0] * 5),
])
def test_schedules_by_hand(kind, expected):
    np.testing.assert_allclose(beta_at(np.arange(5), 5, 16.0, kind), expected, rtol=1e-12)


def test_sigmoid_schedule_starts_at_one_is_symmetric_and_ends_at_beta_max():
    betas = beta_at(np.arange(101), 101, 11.0, "sigmoid")
    assert betas[0] == pytest.approx(1.0) and betas[-1] == pytest.approx(11.0)
    assert betas[50] == pytest.approx(6.0)  # halfway between 1 and 11
    np.testing.assert_allclose(betas + betas[::-1], 12.0)
    assert np.all(np.diff(betas) > 0)
    # RelGAN's unscaled sigmoid at its middle step i = N/2 is exactly halfway too
    assert relgan_beta_at(2500, 5000, 11.0, "sigmoid") == pytest.approx(6.0)


@pytest.mark.parametrize("kind", schedules.BETA_SCHEDULES)
def test_every_schedule_reaches_beta_max_at_the_last_step_and_holds(kind):
    assert beta_at(399, 400, 100.0, kind) == pytest.approx(100.0)
    assert beta_at(1000, 400, 100.0, kind) == pytest.approx(100.0)
    assert beta_at(0, 1, 100.0, kind) == pytest.approx(100.0)
    tensor = beta_at(tf.constant(399, tf.int64), 400, 100.0, kind)
    assert tensor.dtype == tf.float32 and float(tensor) == pytest.approx(100.0, rel=1e-5)


def test_tensor_and_numpy_schedules_agree():
    steps = np.arange(0, 400, 37)
    for kind in schedules.BETA_SCHEDULES:
        np.testing.assert_allclose(beta_at(tf.constant(steps), 400, 100.0, kind).numpy(),
                                   beta_at(steps, 400, 100.0, kind), rtol=1e-5)


def test_relgan_hard_coded_schedule_never_reaches_beta_max_in_a_short_run():
    assert relgan_beta_at(399, 400, 100.0, "exp") == pytest.approx(100 ** (399 / 5000))
    assert relgan_beta_at(399, 400, 100.0, "exp") < 1.5
    assert relgan_beta_at(399, 400, 100.0, "exp", hard_coded_steps=None) == pytest.approx(100 ** (399 / 400))


def test_schedule_table_for_plotting():
    table = schedule_table(400, 100.0, points=5, hard_coded_steps=5000)
    assert list(table.columns) == ["kind", "step", "beta", "relgan_beta"]
    assert sorted(table["kind"].unique()) == sorted(schedules.BETA_SCHEDULES)
    last = table[table["step"] == 399]
    np.testing.assert_allclose(last["beta"], 100.0)
    assert (last.set_index("kind")["relgan_beta"] < 100.0).loc[["exp", "linear", "sigmoid"]].all()


def test_schedule_errors_say_what_to_do():
    with pytest.raises(GanTextError, match="unknown beta schedule 'fast'; known: exp"):
        beta_at(0, 10, 2.0, "fast")
    with pytest.raises(GanTextError, match="beta_max must be a number >= 1"):
        beta_at(0, 10, 0.5)
    with pytest.raises(GanTextError, match="total_steps must be the number of adversarial steps"):
        beta_at(0, 0, 2.0)
    with pytest.raises(GanTextError, match="points must be a whole number >= 2"):
        schedule_table(10, 2.0, points=1)


# --- regularising the discriminator (gan_text.augmentation) ------------------------------------------------

UNIGRAM = np.r_[np.zeros(4), np.linspace(1.0, 2.0, VOCAB - 4)]
REGULARISERS = {
    "instance_noise": {"instance_noise": 0.5},
    "label_smoothing": {"label_smoothing": 0.2},
    "consistency": {"consistency_weight": 1.0, "word_dropout": 0.3},
    "word_dropout": {"word_dropout": 0.3},
    "swap": {"swap_rate": 0.3},
    "crop": {"crop_rate": 0.5},
    "replace": {"replace_rate": 0.3, "unigram": UNIGRAM},
}
RELGAN = {"loss": "relativistic", "beta_max": 5.0, "adversarial_steps": 2}


def fit_relgan(steps=2, g_kind="rnn", d_kind="relgan", **options):
    gan = make_gan(g_kind, d_kind, **RELGAN, **options)
    history = gan.fit(dataset(), epochs=steps, steps_per_epoch=1, verbose=0).history
    return gan, history, weights(gan.generator) + weights(gan.discriminator)


@pytest.fixture(scope="module")
def baseline():
    return fit_relgan()[2]


@pytest.mark.parametrize("option", sorted(REGULARISERS))
def test_each_regulariser_trains_with_finite_losses_and_changes_the_run(option, baseline):
    gan, history, after = fit_relgan(**REGULARISERS[option])
    extra = {"instance_noise": {"noise_std"}, "consistency": {"consistency"}}.get(option, set())
    assert set(history) == {"d_loss", "g_loss", "d_accuracy", "beta"} | extra
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in history.values())
    if option == "instance_noise":  # annealed linearly over the 2 adversarial steps
        np.testing.assert_allclose(history["noise_std"], [0.5, 0.25], rtol=1e-6)
    if option == "consistency":
        assert all(c > 0 for c in history["consistency"])
    assert not all(np.array_equal(a, b) for a, b in zip(baseline, after, strict=True))


def test_regularisers_together_are_deterministic_under_a_seed():
    options = {"instance_noise": 0.3, "label_smoothing": 0.1, "consistency_weight": 0.5, "word_dropout": 0.2,
               "swap_rate": 0.2, "crop_rate": 0.2, "replace_rate": 0.2, "unigram": UNIGRAM, "d_steps": 2}
    options.update(g_kind="cnn", d_kind="cnn")  # a noise generator: fast to trace
    first, again = fit_relgan(**options), fit_relgan(**options)
    assert first[1] == again[1]
    assert all(np.array_equal(a, b) for a, b in zip(first[2], again[2], strict=True))
    assert int(first[0].d_optimizer.iterations) == 4  # the d_steps loop ran with them


@pytest.mark.parametrize(("g_kind", "d_kind", "settings"), [
    ("seed", "seed", {"loss": "non_saturating", "split_d_update": True, "label_smoothing": 0.1}),
    ("cnn", "cnn", {"loss": "wgan_gp"}),
], ids=["split", "wgan_gp"])
def test_noise_and_consistency_in_the_split_update_and_with_the_gradient_penalty(g_kind, d_kind, settings):
    gan = make_gan(g_kind, d_kind, **settings, instance_noise=0.2, adversarial_steps=2, consistency_weight=1.0,
                   crop_rate=0.5)
    history = gan.fit(dataset(), epochs=2, steps_per_epoch=1, verbose=0).history
    assert {"noise_std", "consistency"} <= set(history)
    assert all(np.all(np.isfinite(v)) for v in history.values())


def seen_by_discriminator(**options) -> list[np.ndarray]:
    """The integer token batches the discriminator trained on (training=True) during one step."""
    gan = make_gan("cnn", "cnn", loss="hinge", **options)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2),
                run_eagerly=True)
    seen, call = [], gan.discriminator.call

    def spy(inputs, training=None):
        if training and inputs.dtype.is_integer:
            seen.append(inputs.numpy())
        return call(inputs, training=training)

    gan.discriminator.call = spy
    gan.fit(tf.data.Dataset.from_tensors(tokens(BATCH)).repeat(), epochs=1, steps_per_epoch=1, verbose=0)
    return seen


def test_augmented_batch_is_the_real_batch_only_without_a_consistency_term():
    real = tokens(BATCH)
    classic = seen_by_discriminator(word_dropout=0.9)
    assert len(classic) == 1 and (classic[0] == 3).sum() > 0  # D learned that <unk> sentences are real
    consistent = seen_by_discriminator(word_dropout=0.9, consistency_weight=1.0)
    assert len(consistent) == 1
    np.testing.assert_array_equal(consistent[0], real)  # real stays real; aug(real) only in the penalty


def test_resume_with_regularisers_is_exact():
    """4 steps straight = 2 steps, every variable copied into a fresh model, then 2 more steps."""
    options = {"instance_noise": 0.3, "consistency_weight": 0.5, "swap_rate": 0.2, "replace_rate": 0.2,
               "unigram": UNIGRAM, "adversarial_steps": 4}
    settings = {**RELGAN, **options}
    straight = make_gan("cnn", "cnn", **settings)
    straight.fit(dataset(), epochs=1, steps_per_epoch=4, verbose=0)
    first = make_gan("cnn", "cnn", **settings)
    first.fit(dataset(), epochs=1, steps_per_epoch=2, verbose=0)
    fresh = make_gan("cnn", "cnn", weights_seed=5, **{**settings, "unigram": np.ones(VOCAB)})
    for source, target in ((first, fresh), (first.d_optimizer, fresh.d_optimizer),
                           (first.g_optimizer, fresh.g_optimizer)):
        for a, b in zip(source.variables, target.variables, strict=True):
            b.assign(a)
    fresh.fit(dataset().skip(2), epochs=1, steps_per_epoch=2, verbose=0)
    for a, b in zip(straight.variables, fresh.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_regularisers_are_in_the_config_and_off_by_default():
    gan = make_gan("rnn", "relgan", cls=RegularisedGAN, **RELGAN)
    config = gan.get_config()
    assert all(config[key] == 0.0 for key in ("instance_noise", "label_smoothing", "consistency_weight",
                                              "word_dropout", "swap_rate", "crop_rate", "replace_rate"))
    assert config["unigram"] is None and not gan.augments
    gan = make_gan("rnn", "relgan", **RELGAN, label_smoothing=0.1, instance_noise=0.2, replace_rate=0.1,
                   unigram=UNIGRAM)
    again = RegularisedGAN.from_config(json.loads(json.dumps(gan.get_config())))
    assert (again.label_smoothing, again.instance_noise, again.rates["replace"]) == (0.1, 0.2, 0.1)
    assert again.loss_fn.label_smoothing == 0.1 and again.loss_fn.name == "relativistic"
    np.testing.assert_allclose(again.unigram.numpy(), UNIGRAM / UNIGRAM.sum(), rtol=1e-6)
    again.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam(), loss="minimax")
    assert again.loss_fn.label_smoothing == 0.1  # a new loss is smoothed too


def test_regulariser_errors_say_what_to_do():
    generator = build_generator("rnn", VOCAB, SEQ_LEN, **SMALL["rnn"])
    discriminator = build_discriminator("relgan", VOCAB, SEQ_LEN, **SMALL_D["relgan"])
    cases = [
        ({"instance_noise": 0.1}, "instance_noise is annealed to 0 over the adversarial steps; pass adversarial_steps"),
        ({"instance_noise": -1, "adversarial_steps": 2}, "instance_noise must be a number >= 0, got -1"),
        ({"consistency_weight": 1.0}, "pass a token augmentation too, e.g. word_dropout=0.1"),
        ({"word_dropout": 1.0}, r"word_dropout must be a fraction in \[0, 1\), got 1.0"),
        ({"replace_rate": 0.1}, "replace_rate needs the unigram distribution"),
        ({"replace_rate": 0.1, "unigram": np.ones(3)}, f"unigram must be {VOCAB} non-negative word probabilities"),
        ({"label_smoothing": 0.1, "loss": "hinge"}, "label smoothing needs a loss with a real target"),
        ({"label_smoothing": 1.0}, r"label_smoothing must be a fraction in \[0, 1\)"),
    ]
    for options, message in cases:
        with pytest.raises(GanTextError, match=message):
            RegularisedGAN(generator, discriminator, **options)


def test_a_one_step_schedule_is_at_its_end_for_every_kind_of_step():
    # `python -m gan_text train --steps 1`: the step counter is an int64 tensor and N = 1.
    for kind in ("exp", "linear", "sigmoid"):
        assert float(beta_at(tf.constant(0, tf.int64), 1, 50.0, kind)) == pytest.approx(50.0)
        assert float(beta_at(0, 1, 50.0, kind)) == pytest.approx(50.0)
        assert np.allclose(beta_at(np.array([0, 0]), 1, 50.0, kind), 50.0)
