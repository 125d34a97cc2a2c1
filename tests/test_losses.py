"""The loss zoo: every loss against its formula computed by hand, signs, stability, WGAN helpers, curves."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_text.errors import GanTextError
from gan_text.training import LOSSES, GANLoss, clip_weights, get_loss, gradient_penalty, loss_curves

NAMES = ("minimax", "non_saturating", "least_squares", "wasserstein", "wgan_gp", "hinge", "relativistic",
         "relativistic_average", "categorical_crossentropy")
MONOTONE = tuple(n for n in NAMES if n != "least_squares")  # every loss but LSGAN is monotone in a logit


def sig(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype="float64")))


def reference(name, r, f):
    """(d_loss, g_loss) from the papers' formulas in probability form, naive numpy on small logits."""
    r, f = np.asarray(r, dtype="float64"), np.asarray(f, dtype="float64")
    log, mean = np.log, np.mean
    bce_d = -mean(log(sig(r))) - mean(log(1 - sig(f)))
    if name == "minimax":
        return bce_d, mean(log(1 - sig(f)))
    if name == "non_saturating":
        return bce_d, -mean(log(sig(f)))
    if name == "least_squares":
        return mean((r - 1) ** 2) + mean(f ** 2), mean((f - 1) ** 2)
    if name in ("wasserstein", "wgan_gp"):
        return mean(f) - mean(r), -mean(f)
    if name == "hinge":
        return mean(np.maximum(0, 1 - r)) + mean(np.maximum(0, 1 + f)), -mean(f)
    if name == "relativistic":
        return -mean(log(sig(r - f))), -mean(log(sig(f - r)))
    if name == "relativistic_average":
        rr, ff = r - mean(f), f - mean(r)
        return (-mean(log(sig(rr))) - mean(log(1 - sig(ff))),
                -mean(log(sig(ff))) - mean(log(1 - sig(rr))))
    if name == "categorical_crossentropy":
        return categorical_reference(r, f)
    raise AssertionError(name)


def softmax_real_fake(x):
    """D's logit x read as the class logits (x, 0) of {real, fake}: the 2-way softmax, naive numpy, (..., 2)."""
    z = np.stack([np.asarray(x, dtype="float64"), np.zeros(np.shape(x))], axis=-1)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def categorical_reference(r, f):
    """(d_loss, g_loss) as categorical cross-entropies: real -> class 0, fake -> class 1; G labels fakes real."""
    p_r, p_f = softmax_real_fake(r), softmax_real_fake(f)
    return -np.mean(np.log(p_r[..., 0])) - np.mean(np.log(p_f[..., 1])), -np.mean(np.log(p_f[..., 0]))


def losses_of(name, r, f):
    loss = get_loss(name)
    return float(loss.d_loss(r, f)), float(loss.g_loss(r, f))


# ---------------------------------------------------------------------------------------------------
# Registry

def test_registry_has_the_nine_losses_with_their_flags():
    assert tuple(LOSSES) == NAMES
    for name, loss in LOSSES.items():
        assert isinstance(loss, GANLoss) and loss.name == name and get_loss(name) is loss
        assert loss.formula and "\n" not in loss.formula and loss.reference
        assert loss.needs_gradient_penalty == (name == "wgan_gp")
        assert loss.clip_weights == (0.01 if name == "wasserstein" else None)


def test_unknown_loss_lists_the_known_ones():
    with pytest.raises(GanTextError) as info:
        get_loss("vanilla")
    assert "'vanilla'" in str(info.value) and all(name in str(info.value) for name in NAMES)


def test_get_loss_passes_a_custom_loss_through():
    custom = GANLoss("mine", "L = ...", "me", d_real=lambda x: -x, g_fake=lambda x: -x)
    assert get_loss(custom) is custom


# ---------------------------------------------------------------------------------------------------
# Values by hand

def test_a_few_values_worked_out_on_paper():
    # r = f = 0: D outputs 1/2 everywhere, so every cross-entropy term is log 2.
    zero = [[0.0]]
    assert losses_of("minimax", zero, zero) == pytest.approx((2 * math.log(2), -math.log(2)), rel=1e-6)
    assert losses_of("non_saturating", zero, zero) == pytest.approx((2 * math.log(2), math.log(2)), rel=1e-6)
    assert losses_of("relativistic", zero, zero) == pytest.approx((math.log(2), math.log(2)), rel=1e-6)
    assert losses_of("relativistic_average", zero, zero) == pytest.approx((2 * math.log(2),) * 2, rel=1e-6)
    assert losses_of("categorical_crossentropy", zero, zero) == pytest.approx((2 * math.log(2), math.log(2)))
    # r = (2, 0), f = (-1, 3)
    r, f = [[2.0], [0.0]], [[-1.0], [3.0]]
    assert losses_of("least_squares", r, f) == pytest.approx(((1 + 1) / 2 + (1 + 9) / 2, (4 + 4) / 2))
    assert losses_of("wasserstein", r, f) == pytest.approx((1.0 - 1.0, -1.0))
    assert losses_of("hinge", r, f) == pytest.approx(((0 + 1) / 2 + (0 + 4) / 2, -1.0))


@pytest.mark.parametrize("name", NAMES)
def test_each_loss_matches_its_formula_on_a_tiny_batch(name):
    r = np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    f = np.array([[0.0], [3.0], [-1.5]], dtype="float32")
    assert losses_of(name, r, f) == pytest.approx(reference(name, r, f), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("shape", [(2, 5, 1), (3, 4)], ids=["seed", "relgan"])
@pytest.mark.parametrize("name", NAMES)
def test_logits_of_any_shape_are_averaged_over_all_elements(name, shape):
    rng = np.random.default_rng(len(shape))
    r, f = (rng.normal(size=shape).astype("float32") * 2 for _ in range(2))
    assert losses_of(name, r, f) == pytest.approx(reference(name, r, f), rel=1e-5, abs=1e-6)


def test_only_relativistic_generators_look_at_the_real_logits():
    f = [[0.3], [-0.7]]
    for name, loss in LOSSES.items():
        a, b = float(loss.g_loss([[0.0], [1.0]], f)), float(loss.g_loss([[2.0], [-3.0]], f))
        assert (a != pytest.approx(b)) == (loss.relativism is not None), name


def test_batches_of_different_sizes():
    r, f = np.ones((4, 1), "float32"), -np.ones((2, 1), "float32")
    for name in NAMES:
        if name == "relativistic":
            with pytest.raises(GanTextError, match="same size"):
                get_loss(name).d_loss(r, f)
        else:
            assert losses_of(name, r, f) == pytest.approx(reference(name, r, f), rel=1e-6)


def test_losses_run_inside_a_tf_function_with_an_unknown_batch():
    spec = tf.TensorSpec((None, 3), tf.float32)
    r, f = np.full((2, 3), 0.5, "float32"), np.full((2, 3), -0.5, "float32")
    for name, loss in LOSSES.items():
        step = tf.function(lambda a, b, loss=loss: (loss.d_loss(a, b), loss.g_loss(a, b)),
                           input_signature=[spec, spec])
        d, g = step(r, f)
        assert (float(d), float(g)) == pytest.approx(reference(name, r, f), rel=1e-6)


# ---------------------------------------------------------------------------------------------------
# Categorical cross-entropy: D as a 2-way softmax over {real, fake} is the non-saturating loss

def keras_cce(x, label):
    """keras.losses.CategoricalCrossentropy of the class logits (x, 0) against one label (0 real, 1 fake)."""
    x = np.asarray(x, "float32").reshape(-1)  # every logit is one opinion: (n, 2) class logits
    labels = np.tile(np.eye(2, dtype="float32")[label], (len(x), 1))
    return float(keras.losses.CategoricalCrossentropy(from_logits=True)(labels, np.stack([x, 0 * x], axis=1)))


def keras_categorical(r, f):
    """(d_loss, g_loss) from Keras's categorical cross-entropy; G labels its fakes real."""
    return keras_cce(r, 0) + keras_cce(f, 1), keras_cce(f, 0)


@pytest.mark.parametrize("shape", [(5, 1), (2, 4, 1), (3, 4)])
def test_categorical_crossentropy_is_keras_categorical_crossentropy_on_two_classes(shape):
    rng = np.random.default_rng(sum(shape))
    r, f = (rng.normal(size=shape).astype("float32") * 3 for _ in range(2))
    d, g = losses_of("categorical_crossentropy", r, f)
    assert (d, g) == pytest.approx(keras_categorical(r, f), rel=1e-5)
    assert (d, g) == pytest.approx(categorical_reference(r, f), rel=1e-5)


def test_a_two_logit_softmax_discriminator_gives_the_same_loss_as_its_logit_difference():
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=(2, 6, 2)) * 2  # real and fake sentences, each with logits (real, fake)
    cce = keras.losses.CategoricalCrossentropy(from_logits=True)
    real_label, fake_label = np.tile([1.0, 0.0], (6, 1)), np.tile([0.0, 1.0], (6, 1))
    d_two = float(cce(real_label, a)) + float(cce(fake_label, b))
    g_two = float(cce(real_label, b))
    loss = get_loss("categorical_crossentropy")
    r, f = a[:, :1] - a[:, 1:], b[:, :1] - b[:, 1:]
    assert (float(loss.d_loss(r, f)), float(loss.g_loss(r, f))) == pytest.approx((d_two, g_two), rel=1e-5)


def test_categorical_crossentropy_equals_non_saturating_in_values_and_gradients():
    rng = np.random.default_rng(5)
    r, f = rng.normal(size=(8, 3)) * 4, rng.normal(size=(8, 3)) * 4
    cce, nsat, minimax = (get_loss(n) for n in ("categorical_crossentropy", "non_saturating", "minimax"))
    assert losses_of(cce.name, r, f) == pytest.approx(losses_of(nsat.name, r, f), rel=1e-6)
    for part in ("d_loss", "g_loss"):
        for mine, theirs in zip(grads(getattr(cce, part), r, f), grads(getattr(nsat, part), r, f), strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=1e-6)
    # the other generator objective, minus D's cross-entropy on the fakes, is minimax's saturating loss
    assert float(minimax.g_loss(r, f)) == pytest.approx(-keras_cce(f, 1), rel=1e-5)
    assert float(cce.g_loss(r, f)) != pytest.approx(float(minimax.g_loss(r, f)), rel=1e-2)


# ---------------------------------------------------------------------------------------------------
# Signs, minima and gradients

def grads(loss_fn, r, f):
    r, f = tf.constant(r, tf.float32), tf.constant(f, tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([r, f])
        value = loss_fn(r, f)
    zero = tf.UnconnectedGradients.ZERO  # a generator loss that ignores r has gradient 0, not None
    return tuple(tape.gradient(value, x, unconnected_gradients=zero).numpy() for x in (r, f))


@pytest.mark.parametrize("name", MONOTONE)
def test_discriminator_wants_high_real_and_low_fake_logits_generator_wants_high_fake(name):
    loss = get_loss(name)
    rng = np.random.default_rng(3)
    r, f = rng.uniform(-4, 4, (6, 1)), rng.uniform(-4, 4, (6, 1))
    d_r, d_f = grads(loss.d_loss, r, f)
    _, g_f = grads(loss.g_loss, r, f)
    assert np.all(d_r <= 0) and np.all(d_f >= 0) and np.all(g_f <= 0)
    assert np.any(d_r < 0) and np.any(d_f > 0) and np.any(g_f < 0)


def test_minimax_discriminator_loss_falls_as_it_separates_better():
    loss = get_loss("minimax")
    values = [float(loss.d_loss([[m]], [[-m]])) for m in np.linspace(-3, 3, 13)]
    assert np.all(np.diff(values) < 0)
    assert values[-1] == pytest.approx(2 * math.log(1 + math.exp(-3)), rel=1e-6)


def test_least_squares_minima_sit_at_the_targets():
    loss = get_loss("least_squares")
    d_r, d_f = grads(loss.d_loss, [[1.0]], [[0.0]])
    _, g_f = grads(loss.g_loss, [[1.0]], [[1.0]])
    assert d_r.item() == 0 and d_f.item() == 0 and g_f.item() == 0
    assert float(loss.d_loss([[1.0]], [[0.0]])) == 0 and float(loss.g_loss([[0.0]], [[1.0]])) == 0
    assert float(loss.g_loss([[0.0]], [[3.0]])) > float(loss.g_loss([[0.0]], [[1.0]]))  # "too real" costs


def test_hinge_discriminator_stops_pushing_beyond_the_margin():
    d_r, d_f = grads(get_loss("hinge").d_loss, [[1.5], [0.5]], [[-1.5], [-0.5]])
    assert d_r.ravel().tolist() == [0.0, -0.5] and d_f.ravel().tolist() == [0.0, 0.5]


def test_non_saturating_generator_keeps_learning_when_minimax_saturates():
    f = [[-10.0], [-12.0]]  # D confidently rejects the fakes
    _, minimax = grads(get_loss("minimax").g_loss, [[0.0], [0.0]], f)
    _, non_saturating = grads(get_loss("non_saturating").g_loss, [[0.0], [0.0]], f)
    assert np.all(np.abs(minimax) < 1e-4)  # -σ(f)/2 per element
    np.testing.assert_allclose(minimax.ravel(), -sig([-10.0, -12.0]) / 2, rtol=1e-4)
    np.testing.assert_allclose(non_saturating.ravel(), -(1 - sig([-10.0, -12.0])) / 2, rtol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_large_logits_give_finite_exact_losses_and_gradients(name):
    r = np.array([[100.0], [-100.0]], "float32")
    f = np.array([[-100.0], [100.0]], "float32")
    d, g = losses_of(name, r, f)
    # the limits by hand: log σ(x) -> x for x -> -inf and -> 0 for x -> +inf
    expected = {"minimax": (100, -50), "non_saturating": (100, 50), "least_squares": (20001, 10001),
                "wasserstein": (0, 0), "wgan_gp": (0, 0), "hinge": (101, 0), "relativistic": (100, 100),
                "relativistic_average": (100, 100), "categorical_crossentropy": (100, 50)}[name]
    assert (d, g) == pytest.approx(expected, rel=1e-6)
    loss = get_loss(name)
    for fn in (loss.d_loss, loss.g_loss):
        assert all(np.all(np.isfinite(x)) for x in grads(fn, r, f))
    confident = losses_of(name, r[:1], f[:1])  # D perfectly right: cross-entropies vanish, no NaN
    assert np.all(np.isfinite(confident))
    if name in ("minimax", "non_saturating", "relativistic", "relativistic_average", "categorical_crossentropy"):
        assert confident[0] == pytest.approx(0.0, abs=1e-30)


# ---------------------------------------------------------------------------------------------------
# Gradient penalty

def linear_critic(w):
    """D(x) = sum(w * x) over each example: its gradient is w everywhere."""
    return lambda x, training=None: tf.reduce_sum(w * x, axis=[1, 2])[:, None]


def random_pair(batch=5, seq_len=3, vocab=4, seed=0):
    rng = np.random.default_rng(seed)
    real = np.eye(vocab, dtype="float32")[rng.integers(0, vocab, (batch, seq_len))]
    fake = tf.nn.softmax(rng.normal(size=(batch, seq_len, vocab)).astype("float32")).numpy()
    return real, fake


def test_gradient_penalty_of_a_linear_critic_in_closed_form():
    real, fake = random_pair()
    w = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    gp = gradient_penalty(linear_critic(w), real, fake, keras.random.SeedGenerator(0), weight=10.0)
    assert float(gp) == pytest.approx(10.0 * (np.linalg.norm(w) - 1) ** 2, rel=1e-5)
    w1 = w / np.linalg.norm(w)  # unit-norm gradient: no penalty
    assert float(gradient_penalty(linear_critic(w1), real, fake, keras.random.SeedGenerator(0))) < 1e-8


def test_gradient_penalty_scores_one_example_by_the_mean_of_its_logits():
    real, fake = random_pair()
    w = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")

    def per_step(x, training=None):  # (batch, seq_len, 1), like the seed discriminator
        return tf.reduce_sum(w * x, axis=2)[..., None]

    gp = gradient_penalty(per_step, real, fake, keras.random.SeedGenerator(0), weight=2.0)
    assert float(gp) == pytest.approx(2.0 * (np.linalg.norm(w) / 3 - 1) ** 2, rel=1e-5)


def test_gradient_penalty_norm_is_per_example_and_interpolates_per_example():
    seen = []

    def half_square(x, training=None):  # D(x) = |x|²/2, gradient x
        seen.append(x.numpy())
        return 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2])[:, None]

    same = np.zeros((3, 2, 2), "float32")
    same[:, 0, 0] = [0.5, 1.0, 3.0]  # real == fake: x̂ is that input whatever ε is
    gp = gradient_penalty(half_square, same, same, keras.random.SeedGenerator(0), weight=1.0)
    assert float(gp) == pytest.approx(np.mean(([0.5, 1.0, 3.0] - np.ones(3)) ** 2), rel=1e-5)

    seen.clear()
    real, fake = random_pair(batch=64, seed=4)
    gradient_penalty(half_square, real, fake, keras.random.SeedGenerator(7))
    (x_hat,) = seen
    diff = (real - fake).reshape(64, -1)
    eps = ((x_hat - fake).reshape(64, -1) * diff).sum(1) / (diff * diff).sum(1)  # best ε per example
    np.testing.assert_allclose(x_hat, fake + eps[:, None, None] * (real - fake), atol=1e-5)
    assert np.all((eps >= 0) & (eps <= 1)) and np.std(eps) > 0.1  # U(0, 1), one per example


def test_gradient_penalty_is_differentiable_for_the_critic_weights():
    real, fake = random_pair()
    w = tf.Variable(np.random.default_rng(5).normal(size=(3, 4)).astype("float32"))
    with tf.GradientTape() as tape:
        gp = gradient_penalty(linear_critic(w), real, fake, keras.random.SeedGenerator(0), weight=10.0)
    norm = np.linalg.norm(w.numpy())
    np.testing.assert_allclose(tape.gradient(gp, w).numpy(), 20.0 * (norm - 1) * w.numpy() / norm, rtol=1e-4)


def test_gradient_penalty_in_a_tf_function_draws_new_interpolations():
    real, fake = random_pair()
    seen = []

    def critic(x, training=None):
        seen.append(x)
        return tf.reduce_sum(tf.square(x), axis=[1, 2])[:, None]

    seeds = keras.random.SeedGenerator(3)
    step = tf.function(lambda a, b: gradient_penalty(critic, a, b, seeds),
                       input_signature=[tf.TensorSpec((None, 3, 4), tf.float32)] * 2)
    first, second = float(step(real, fake)), float(step(real, fake))
    assert np.isfinite(first) and first != second


def test_gradient_penalty_on_a_real_discriminator():
    from gan_text.models import build_discriminator

    critic = build_discriminator("cnn", vocab_size=4, seq_len=3, emb_dim=4, filter_sizes=(2,), num_filters=2)
    real, fake = random_pair()
    gp = gradient_penalty(critic, real, fake, keras.random.SeedGenerator(0))
    assert gp.shape == () and np.isfinite(float(gp)) and float(gp) >= 0


def test_gradient_penalty_refuses_bad_inputs():
    real, fake = random_pair()
    critic = linear_critic(np.ones((3, 4), "float32"))
    with pytest.raises(GanTextError, match="one shape"):
        gradient_penalty(critic, real, fake[:, :2], keras.random.SeedGenerator(0))
    with pytest.raises(GanTextError, match="weight"):
        gradient_penalty(critic, real, fake, keras.random.SeedGenerator(0), weight=-1.0)


# ---------------------------------------------------------------------------------------------------
# Weight clipping

def test_clip_weights_clips_trainable_variables_only():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()])
    dense, norm = model.layers
    kernel = np.array([[0.5, -0.005], [-2.0, 0.0], [0.01, 0.02]], "float32")
    dense.kernel.assign(kernel)
    norm.moving_variance.assign([5.0, 7.0])
    clip_weights(model, 0.01)
    np.testing.assert_array_equal(dense.kernel.numpy(), np.clip(kernel, -0.01, 0.01))
    assert np.all(np.abs(norm.gamma.numpy()) <= 0.01)  # gamma (1.0) is trainable: clipped
    np.testing.assert_array_equal(norm.moving_variance.numpy(), [5.0, 7.0])  # not trainable
    with pytest.raises(GanTextError, match="> 0"):
        clip_weights(model, 0)


# ---------------------------------------------------------------------------------------------------
# Curves for notebook 06

def test_loss_curves_shape_and_columns():
    df = loss_curves()
    assert list(df.columns) == ["loss", "logit", "generator", "discriminator_real", "discriminator_fake"]
    assert df.shape == (len(NAMES) * 241, 5) and tuple(df["loss"].unique()) == NAMES
    assert df["logit"].min() == -6 and df["logit"].max() == 6
    assert np.isfinite(df[["generator", "discriminator_real", "discriminator_fake"]].to_numpy()).all()
    assert loss_curves([-1.0, 2.0]).shape == (2 * len(NAMES), 5)
    with pytest.raises(GanTextError):
        loss_curves([])


def test_loss_curves_are_monotone_where_they_must_be():
    df = loss_curves()
    for name in MONOTONE:
        part = df[df["loss"] == name]
        assert np.all(np.diff(part["generator"]) < 0), name  # G wants the fake logit up
        assert np.all(np.diff(part["discriminator_real"]) <= 0), name
        assert np.all(np.diff(part["discriminator_fake"]) >= 0), name
    ls = df[df["loss"] == "least_squares"].set_index("logit")
    assert (ls["generator"].idxmin(), ls["discriminator_real"].idxmin(), ls["discriminator_fake"].idxmin()) == (1, 1, 0)
    nsat, mm = (df[df["loss"] == n]["generator"].to_numpy() for n in ("non_saturating", "minimax"))
    assert abs(nsat[1] - nsat[0]) > 100 * abs(mm[1] - mm[0])  # minimax is flat at logit -6


def test_loss_curves_agree_with_the_losses_themselves():
    xs = [-2.5, 0.0, 1.25]
    df = loss_curves(xs, other_logit=0.5).set_index(["loss", "logit"])
    for name, loss in LOSSES.items():
        for x in xs:
            row = df.loc[(name, x)]
            assert row["generator"] == pytest.approx(float(loss.g_loss([[0.5]], [[x]])), rel=1e-5, abs=1e-6)
            if loss.relativism is None:  # the two terms add up to d_loss
                total = row["discriminator_real"] + df.loc[(name, xs[0]), "discriminator_fake"]
                assert total == pytest.approx(float(loss.d_loss([[x]], [[xs[0]]])), rel=1e-5, abs=1e-6)
            else:  # the other logit is held at other_logit
                assert row["discriminator_real"] == pytest.approx(float(loss.d_loss([[x]], [[0.5]])), rel=1e-5)
                assert row["discriminator_fake"] == pytest.approx(float(loss.d_loss([[0.5]], [[x]])), rel=1e-5)
    # and against the formulas: RSGAN's generator curve is -log σ(x - 0.5)
    rs = df.loc["relativistic"]["generator"].to_numpy()
    np.testing.assert_allclose(rs, -np.log(sig(np.array(xs) - 0.5)), rtol=1e-5)
