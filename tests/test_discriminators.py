"""Discriminators and their input projection: shapes, int/one-hot agreement, gradients, saving."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from gan_text.errors import GanTextError
from gan_text.models.discriminators import DISCRIMINATORS, build_discriminator
from gan_text.models.input_projection import TokenProjection

SIZES = {"grammar": (300, 26), "oracle": (5004, 20)}  # (vocab_size, seq_len) of the two corpora
BATCH = 4
WITH_DROPOUT = ("cnn", "relgan", "rnn", "transformer")


def expected_shape(d, batch=BATCH):
    """The documented output shape of each kind."""
    if d.kind == "seed":
        return (batch, d.seq_len, 1)
    if d.kind == "relgan":
        return (batch, d.hyperparameters["num_rep"])
    return (batch, 1)


def random_tokens(vocab_size, seq_len, batch=BATCH, seed=0):
    return np.random.default_rng(seed).integers(0, vocab_size, (batch, seq_len)).astype("int32")


def random_soft(vocab_size, seq_len, batch=BATCH, seed=1):
    logits = np.random.default_rng(seed).normal(size=(batch, seq_len, vocab_size)) * 3
    return tf.nn.softmax(logits.astype("float32"), axis=-1)


@pytest.fixture(scope="module", params=[(k, s) for k in DISCRIMINATORS for s in SIZES],
                ids=lambda p: f"{p[0]}-{p[1]}")
def disc(request):
    kind, size = request.param
    keras.utils.set_random_seed(0)
    return build_discriminator(kind, *SIZES[size])


# --- the input projection -------------------------------------------------------------------------

def test_projection_lookup_equals_onehot_matmul():
    keras.utils.set_random_seed(0)
    layer = TokenProjection(vocab_size=50, emb_dim=8)
    tokens = random_tokens(50, 7)
    by_lookup = np.asarray(layer(tokens))
    by_matmul = np.asarray(layer(ops.one_hot(tokens, 50)))
    table = np.asarray(layer.embeddings)
    assert by_lookup.shape == (BATCH, 7, 8)
    np.testing.assert_allclose(by_lookup, table[tokens], atol=1e-6)
    np.testing.assert_allclose(by_matmul, by_lookup, atol=1e-6)
    # soft input is the probability-weighted mix of the embedding rows
    soft = np.asarray(random_soft(50, 7))
    np.testing.assert_allclose(np.asarray(layer(soft)), soft @ table, atol=1e-5)
    assert len(layer.weights) == 1  # one matrix, no bias


@pytest.mark.parametrize("bad, message", [
    (np.zeros((2, 7), "float32"), "integer tokens"),
    (np.zeros((2, 7, 49), "float32"), "vocab_size=49"),
    (np.zeros((2, 7, 50, 1), "float32"), "rank 4"),
])
def test_projection_rejects_bad_input(bad, message):
    layer = TokenProjection(vocab_size=50, emb_dim=8)
    with pytest.raises(GanTextError, match=message):
        layer(bad)


# --- every kind at both corpus sizes --------------------------------------------------------------

def test_int_and_onehot_input_agree(disc):
    tokens = random_tokens(disc.vocab_size, disc.seq_len)
    from_tokens = np.asarray(disc(tokens))
    from_onehot = np.asarray(disc(ops.one_hot(tokens, disc.vocab_size)))
    assert from_tokens.shape == expected_shape(disc)
    assert from_tokens.dtype == np.float32
    assert np.isfinite(from_tokens).all()
    np.testing.assert_allclose(from_onehot, from_tokens, atol=1e-6)
    assert np.ptp(from_tokens) > 0  # the logits depend on the input


def test_soft_input_gives_gradients(disc):
    soft = random_soft(disc.vocab_size, disc.seq_len)
    with tf.GradientTape() as tape:
        tape.watch(soft)
        logits = disc(soft, training=False)
        loss = ops.mean(ops.softplus(-logits))  # the generator's non-saturating loss
    assert tuple(logits.shape) == expected_shape(disc)
    assert np.isfinite(np.asarray(logits)).all()
    to_input = np.asarray(tape.gradient(loss, soft))
    assert np.isfinite(to_input).all() and np.abs(to_input).sum() > 0


def test_weights_receive_gradients(disc):
    tokens = random_tokens(disc.vocab_size, disc.seq_len, batch=8)
    with tf.GradientTape() as tape:
        loss = ops.mean(ops.softplus(-disc(tokens, training=True)))
    grads = tape.gradient(loss, disc.trainable_weights)
    for weight, grad in zip(disc.trainable_weights, grads, strict=True):
        assert grad is not None, weight.path
        assert np.abs(np.asarray(tf.convert_to_tensor(grad))).sum() > 0, weight.path


def test_attributes_and_summary(disc):
    assert disc.kind in DISCRIMINATORS and disc.name == f"{disc.kind}_discriminator"
    assert (disc.vocab_size, disc.seq_len) in SIZES.values()
    config = disc.get_config()
    assert config["vocab_size"] == disc.vocab_size and config["seq_len"] == disc.seq_len
    assert all(config[k] == v for k, v in disc.hyperparameters.items())
    # the projection alone holds vocab_size * (embedding width) parameters
    projection_params = disc.vocab_size * disc.projection.emb_dim
    assert disc.count_params() > disc.projection.count_params() == projection_params
    lines = []
    disc.summary(print_fn=lambda line, **_: lines.append(line))
    assert "projection" in "\n".join(lines)


def test_dropout_only_in_training(disc):
    tokens = random_tokens(disc.vocab_size, disc.seq_len, batch=16)
    np.testing.assert_array_equal(np.asarray(disc(tokens)), np.asarray(disc(tokens)))
    if disc.kind in WITH_DROPOUT:
        first, second = disc(tokens, training=True), disc(tokens, training=True)
        assert not np.allclose(np.asarray(first), np.asarray(second))


def test_wrong_sequence_length_is_refused(disc):
    with pytest.raises(GanTextError, match=f"seq_len={disc.seq_len}"):
        disc(random_tokens(disc.vocab_size, disc.seq_len + 1))


# --- saving ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", DISCRIMINATORS)
def test_save_and_reload_with_keras(kind, tmp_path):
    keras.utils.set_random_seed(1)
    d = build_discriminator(kind, 120, 12, emb_dim=8)
    tokens = random_tokens(120, 12)
    d(tokens, training=True)  # move BatchNorm statistics away from their initial values
    path = tmp_path / f"{kind}.keras"
    d.save(path)
    reloaded = keras.saving.load_model(path)
    assert type(reloaded) is type(d) and reloaded.name == d.name
    assert reloaded.hyperparameters == d.hyperparameters
    assert (reloaded.vocab_size, reloaded.seq_len) == (120, 12)
    np.testing.assert_array_equal(np.asarray(reloaded(tokens)), np.asarray(d(tokens)))
    soft = random_soft(120, 12)
    np.testing.assert_allclose(np.asarray(reloaded(soft)), np.asarray(d(soft)), atol=1e-6)


@pytest.mark.parametrize("kind", DISCRIMINATORS)
def test_save_and_reload_with_gan_text(kind, tmp_path):
    saving = pytest.importorskip("gan_text.models.saving")
    keras.utils.set_random_seed(2)
    d = build_discriminator(kind, 90, 10, emb_dim=8)
    saving.save_model(d, tmp_path / kind)
    reloaded, vocab, config = saving.load_model(tmp_path / kind)
    assert vocab is None and config["kind"] == kind and config["params"] == d.count_params()
    assert type(reloaded) is type(d) and reloaded.hyperparameters == d.hyperparameters
    tokens = random_tokens(90, 10)
    np.testing.assert_array_equal(np.asarray(reloaded(tokens)), np.asarray(d(tokens)))


# --- builder errors -------------------------------------------------------------------------------

def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(GanTextError) as info:
        build_discriminator("lstm", 300, 26)
    assert "'lstm'" in str(info.value) and all(kind in str(info.value) for kind in DISCRIMINATORS)


@pytest.mark.parametrize("kind, args, hp, message", [
    ("cnn", (300, 1), {}, "seq_len"),
    ("rnn", (1, 26), {}, "vocab_size"),
    ("seed", (300, 26), {"hidden_dim": 0}, "hidden_dim"),
    ("rnn", (300, 26), {"emb_dim": 0}, "emb_dim"),
    ("relgan", (300, 26), {"num_rep": 0}, "num_rep"),
    ("cnn", (300, 26), {"num_filters": (32, 0, 32, 32)}, "num_filters"),
    ("transformer", (300, 26), {"num_layers": 0}, "num_layers"),
    ("transformer", (300, 26), {"emb_dim": 30, "num_heads": 4}, "num_heads"),
    ("cnn", (300, 20), {"filter_sizes": (2, 25)}, "seq_len=20"),
    ("cnn", (300, 26), {"filter_sizes": (2, 3), "num_filters": (8, 8, 8)}, "num_filters"),
    ("rnn", (300, 26), {"dropout": 1.0}, "dropout"),
    ("rnn", (300, 26), {"cell": "tcn"}, "lstm, gru"),
    ("rnn", (300, 26), {"hiden_dim": 64}, "hiden_dim"),
    ("seed", (300, 26), {"emb_dim": 2.5}, "emb_dim"),
])
def test_impossible_hyperparameters_are_refused(kind, args, hp, message):
    with pytest.raises(GanTextError, match=message):
        build_discriminator(kind, *args, **hp)


# --- gradients from a generator through every discriminator --------------------------------------

@pytest.mark.parametrize("kind", DISCRIMINATORS)
def test_generator_weights_get_gradients_through_discriminator(kind):
    """The Gumbel-softmax path: soft samples of an ``rnn`` generator -> discriminator -> loss."""
    generators = pytest.importorskip("gan_text.models.generators")
    vocab_size, seq_len = 40, 8
    keras.utils.set_random_seed(3)
    generator = generators.build_generator("rnn", vocab_size, seq_len)
    d = build_discriminator(kind, vocab_size, seq_len)
    with tf.GradientTape() as tape:
        _, soft = generator.gumbel_sample(8, 1.0, straight_through=False, seed=4)
        loss = ops.mean(ops.softplus(-d(soft, training=False)))
    grads = tape.gradient(loss, generator.trainable_weights)
    assert generator.trainable_weights
    for weight, grad in zip(generator.trainable_weights, grads, strict=True):
        assert grad is not None, f"no gradient reaches {weight.path}"
        values = np.asarray(tf.convert_to_tensor(grad))
        assert np.isfinite(values).all() and np.abs(values).sum() > 0, f"zero gradient at {weight.path}"
