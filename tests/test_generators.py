"""Generators and the Gumbel-softmax trick: shapes, errors, sampling, differentiable generation."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from gan_text.errors import GanTextError
from gan_text.models.autoregressive import teacher_forcing_inputs
from gan_text.models.generators import GENERATORS, build_generator, pad_after_eos
from gan_text.models.gumbel import gumbel_softmax, sample_gumbel
from gan_text.vocabulary import BOS_ID, EOS_ID, PAD_ID

SIZES = {"grammar": (300, 26), "oracle": (5004, 20)}  # (vocab_size, seq_len) of the two corpora
SMALL = (30, 8)
AUTOREGRESSIVE = [("rnn", {"cell": "lstm"}), ("rnn", {"cell": "gru"}), ("transformer", {})]
AR_IDS = ["lstm", "gru", "transformer"]


def tokens_after_first_eos(tokens) -> np.ndarray:
    """Boolean mask of the positions after the first <eos> of each row."""
    is_eos = np.asarray(tokens) == EOS_ID
    return (np.cumsum(is_eos, axis=1) - is_eos) > 0


def eager_generator(kind, hp, vocab_size=SMALL[0], seq_len=SMALL[1], eos_bias=2.0):
    """A small generator whose output layer favours <eos>, so that sentences end inside seq_len."""
    g = build_generator(kind, vocab_size, seq_len, **hp)
    bias = g.out.bias.numpy()
    bias[EOS_ID] += eos_bias
    g.out.bias.assign(bias)
    return g


# --- building -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("corpus", SIZES)
@pytest.mark.parametrize("kind", GENERATORS)
def test_every_kind_builds_and_runs_forward_at_both_corpus_sizes(kind, corpus):
    vocab_size, seq_len = SIZES[corpus]
    g = build_generator(kind, vocab_size, seq_len)
    assert (g.kind, g.vocab_size, g.seq_len) == (kind, vocab_size, seq_len)
    assert g.count_params() > 0 and g.name == f"{kind}_generator"
    assert g.get_config()["vocab_size"] == vocab_size and isinstance(g.hyperparameters, dict)
    if g.autoregressive:
        tokens = np.random.default_rng(0).integers(4, vocab_size, (3, seq_len)).astype(np.int32)
        logits = g(teacher_forcing_inputs(tokens)).numpy()
        assert logits.shape == (3, seq_len, vocab_size) and logits.dtype == np.float32
        probs = tf.nn.softmax(logits).numpy()
        assert probs[..., PAD_ID].max() < 1e-6 and probs[..., BOS_ID].max() < 1e-6
    else:
        probs = g(g.sample_noise(3, seed=0)).numpy()
        assert probs.shape == (3, seq_len, vocab_size) and probs.dtype == np.float32
        np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-4)
        assert probs.min() >= 0.0


def test_summary_lists_the_layers(capsys):
    build_generator("cnn", *SMALL, num_blocks=2).summary()
    out = capsys.readouterr().out
    assert "cnn_generator" in out and "res_1" in out and "Total params" in out


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(GanTextError, match="unknown generator kind 'gpt'.*seed, rnn, cnn, transformer"):
        build_generator("gpt", *SMALL)


@pytest.mark.parametrize("kind, bad", [
    ("seed", {"hidden_dim": 0}), ("seed", {"noise_dim": 0}), ("cnn", {"num_blocks": 0}),
    ("cnn", {"hidden_dim": -3}), ("rnn", {"hidden_dim": 0}), ("rnn", {"emb_dim": 0}),
    ("transformer", {"num_layers": 0}), ("transformer", {"num_heads": 0}), ("rnn", {"hidden_dim": 2.5}),
])
def test_zero_or_fractional_units_are_rejected(kind, bad):
    name = next(iter(bad))
    with pytest.raises(GanTextError, match=f"{name} must be a whole number >= 1"):
        build_generator(kind, *SMALL, **bad)


@pytest.mark.parametrize("kind", GENERATORS)
def test_sequence_length_below_two_and_tiny_vocabulary_are_rejected(kind):
    with pytest.raises(GanTextError, match="seq_len must be a whole number >= 2"):
        build_generator(kind, 30, 1)
    with pytest.raises(GanTextError, match="vocab_size must be a whole number >= 5"):
        build_generator(kind, 4, 8)


def test_bad_cell_unknown_hyperparameter_and_indivisible_heads_are_rejected():
    with pytest.raises(GanTextError, match="unknown cell 'rnn'; known: lstm, gru"):
        build_generator("rnn", *SMALL, cell="rnn")
    with pytest.raises(GanTextError, match="unknown hyperparameter 'hiden_dim'.*known: .*hidden_dim"):
        build_generator("rnn", *SMALL, hiden_dim=8)
    with pytest.raises(GanTextError, match="not divisible by num_heads"):
        build_generator("transformer", *SMALL, emb_dim=30, num_heads=4)
    with pytest.raises(GanTextError, match="dropout must be a fraction"):
        build_generator("transformer", *SMALL, dropout=1.0)
    with pytest.raises(GanTextError, match="built for seq_len=8 but got sequences of length 9"):
        build_generator("transformer", *SMALL)(np.zeros((2, 9), dtype=np.int32))


# --- non-autoregressive generators ---------------------------------------------------------------------

def test_pad_after_eos_keeps_the_first_eos_and_pads_the_rest():
    tokens = np.array([[5, 2, 7, 2], [5, 6, 7, 8], [2, 9, 9, 9]])
    expected = np.array([[5, 2, 0, 0], [5, 6, 7, 8], [2, 0, 0, 0]])
    np.testing.assert_array_equal(pad_after_eos(tokens), expected)


@pytest.mark.parametrize("kind", ["seed", "cnn"])
def test_noise_generators_sample_repeatably_with_pad_after_eos(kind):
    g = build_generator(kind, *SMALL, noise_dim=8, hidden_dim=8)
    assert g.noise_dim == 8
    np.testing.assert_array_equal(g.sample_noise(4, seed=1), g.sample_noise(4, seed=1))
    assert not np.array_equal(g.sample_noise(4), g.sample_noise(4))  # own SeedGenerator advances
    tokens = g.sample(64, seed=3).numpy()
    assert tokens.shape == (64, SMALL[1]) and tokens.dtype == np.int32
    np.testing.assert_array_equal(tokens, g.sample(64, seed=3))
    expected = pad_after_eos(np.argmax(g(g.sample_noise(64, seed=3)), axis=-1))
    np.testing.assert_array_equal(tokens, expected)


# --- sampling token ids --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, hp", AUTOREGRESSIVE, ids=AR_IDS)
def test_samples_are_valid_ids_with_pad_only_after_eos(kind, hp):
    g = eager_generator(kind, hp)
    tokens = g.sample(200, seed=0).numpy()
    assert tokens.shape == (200, SMALL[1]) and tokens.dtype == np.int32
    assert tokens.min() >= 0 and tokens.max() < SMALL[0]
    after = tokens_after_first_eos(tokens)
    assert after.any(), "the test needs sentences that end before seq_len"
    assert (tokens[after] == PAD_ID).all() and (tokens[~after] != PAD_ID).all()
    assert (tokens != BOS_ID).all()


@pytest.mark.parametrize("kind, hp", AUTOREGRESSIVE, ids=AR_IDS)
def test_greedy_sampling_agrees_with_teacher_forcing(kind, hp):
    """The step-by-step decoder and the parallel teacher-forced forward pass compute the same model."""
    g = eager_generator(kind, hp, eos_bias=1.0)
    tokens = g.sample(16, temperature=0).numpy()
    predicted = np.argmax(g(teacher_forcing_inputs(tokens)), axis=-1)
    before = ~tokens_after_first_eos(tokens)
    np.testing.assert_array_equal(predicted[before], tokens[before])


@pytest.mark.parametrize("kind, hp", AUTOREGRESSIVE, ids=AR_IDS)
def test_seeds_temperature_top_k_and_top_p(kind, hp):
    g = eager_generator(kind, hp)
    same = g.sample(64, seed=7).numpy()
    np.testing.assert_array_equal(same, g.sample(64, seed=7))
    assert not np.array_equal(same, g.sample(64, seed=8))
    greedy = g.sample(64, temperature=0).numpy()
    np.testing.assert_array_equal(g.sample(64, top_k=1, seed=1), greedy)
    np.testing.assert_array_equal(g.sample(64, top_p=1e-6, seed=1), greedy)
    cold = (g.sample(64, temperature=1e-4, seed=2).numpy() == greedy).mean()
    warm = (g.sample(64, temperature=1.0, seed=2).numpy() == greedy).mean()
    assert cold > 0.99 and warm < cold
    # top_k: the first token is always among the k most likely first tokens.
    first_logits = g(tf.fill([1, SMALL[1]], BOS_ID))[0, 0].numpy()
    top3 = set(np.argsort(first_logits)[-3:])
    firsts = set(g.sample(300, top_k=3, seed=4).numpy()[:, 0])
    assert firsts <= top3 and len(firsts) > 1
    # top_p: the first token is in the smallest set of tokens holding 50 % of the probability.
    probs = tf.nn.softmax(first_logits).numpy()
    order = np.argsort(-probs)
    nucleus = set(order[:np.searchsorted(np.cumsum(probs[order]), 0.5) + 1])
    assert set(g.sample(300, top_p=0.5, seed=5).numpy()[:, 0]) <= nucleus


def test_sampling_is_compiled_once_and_own_seed_generator_repeats_after_reseeding():
    import keras

    keras.utils.set_random_seed(11)
    g = build_generator("rnn", *SMALL)
    first, second = g.sample(5).numpy(), g.sample(17).numpy()
    (fn,) = g._compiled.values()
    assert fn.experimental_get_tracing_count() == 1  # batch size is a tensor: no retracing
    keras.utils.set_random_seed(11)
    again = build_generator("rnn", *SMALL)
    np.testing.assert_array_equal(again.sample(5), first)
    np.testing.assert_array_equal(again.sample(17), second)


def test_sampling_rejects_impossible_options():
    g = build_generator("rnn", *SMALL)
    for bad, match in [({"temperature": -1.0}, "temperature"), ({"top_k": 0}, "top_k"),
                       ({"top_p": 0.0}, "top_p"), ({"top_p": 1.5}, "top_p"), ({"seed": "x"}, "seed")]:
        with pytest.raises(GanTextError, match=match):
            g.sample(4, **bad)
    with pytest.raises(GanTextError, match="batch_size"):
        g.sample(0)
    with pytest.raises(GanTextError, match="beta"):
        g.gumbel_sample(4, beta=0.0)


# --- Gumbel-softmax ------------------------------------------------------------------------------------

def test_gumbel_max_draws_tokens_with_softmax_probabilities():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05], dtype=np.float32))
    noise = sample_gumbel((40_000, 4), seed=0).numpy()
    freq = np.bincount(np.argmax(logits + noise, axis=1), minlength=4) / 40_000
    np.testing.assert_allclose(freq, [0.5, 0.3, 0.15, 0.05], atol=0.01)


def test_gumbel_softmax_is_softmax_of_perturbed_logits_and_sharpens_with_beta():
    logits = tf.random.stateless_normal((256, 10), seed=[1, 2])
    g = sample_gumbel((256, 10), seed=3)
    soft = gumbel_softmax(logits, beta=2.0, seed=3).numpy()
    np.testing.assert_allclose(soft, tf.nn.softmax(2.0 * (logits + g)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(soft.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(soft.argmax(-1), np.argmax(logits + g, axis=-1))
    peaks = [gumbel_softmax(logits, beta, seed=3).numpy().max(-1).mean() for beta in (0.5, 2.0, 50.0)]
    assert peaks[0] < peaks[1] < peaks[2] and peaks[2] > 0.95


def test_straight_through_is_one_hot_forward_with_the_soft_gradient():
    logits = tf.Variable(tf.random.stateless_normal((32, 6), seed=[4, 5]))
    weights = tf.random.stateless_normal((32, 6), seed=[6, 7])
    grads = {}
    for st in (False, True):
        with tf.GradientTape() as tape:
            out = gumbel_softmax(logits, beta=3.0, seed=9, straight_through=st)
            loss = tf.reduce_sum(out * weights)
        grads[st] = tape.gradient(loss, logits).numpy()
        if st:
            np.testing.assert_array_equal(out.numpy(), np.eye(6)[out.numpy().argmax(-1)])
    assert np.abs(grads[False]).sum() > 0
    np.testing.assert_allclose(grads[True], grads[False], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kind, hp", AUTOREGRESSIVE, ids=AR_IDS)
def test_gumbel_sample_gives_valid_soft_vectors_and_gradients_reach_every_weight(kind, hp):
    g = eager_generator(kind, hp)
    weights = tf.random.stateless_normal((64, SMALL[1], SMALL[0]), seed=[8, 9])
    with tf.GradientTape() as tape:
        tokens, soft = g.gumbel_sample(64, beta=2.0, seed=1)
        loss = tf.reduce_sum(soft * weights)
    tokens, soft_np = tokens.numpy(), soft.numpy()
    assert tokens.shape == (64, SMALL[1]) and soft_np.shape == (64, *SMALL[::-1])
    np.testing.assert_allclose(soft_np.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(soft_np.argmax(-1), tokens)
    after = tokens_after_first_eos(tokens)
    assert after.any() and (tokens[after] == PAD_ID).all()
    np.testing.assert_array_equal(soft_np[after], np.eye(SMALL[0])[np.full(after.sum(), PAD_ID)])
    assert soft_np[~after].max(-1).mean() < 0.99  # relaxed, not one-hot
    grads = tape.gradient(loss, g.trainable_variables)
    for var, grad in zip(g.trainable_variables, grads, strict=True):
        assert grad is not None and np.abs(tf.convert_to_tensor(grad).numpy()).sum() > 0, var.path
    np.testing.assert_array_equal(g.gumbel_sample(64, beta=2.0, seed=1)[0], tokens)


def test_straight_through_gumbel_sample_inside_a_compiled_training_step():
    g = eager_generator("rnn", {"cell": "lstm"})

    @tf.function
    def step(beta):
        with tf.GradientTape() as tape:
            tokens, soft = g.gumbel_sample(16, beta, straight_through=True)
            loss = tf.reduce_sum(soft[..., 5:])
        return tokens, soft, tape.gradient(loss, g.trainable_variables)

    tokens, soft, grads = step(tf.constant(5.0))
    np.testing.assert_array_equal(soft.numpy(), np.eye(SMALL[0])[tokens.numpy()])
    assert all(np.abs(tf.convert_to_tensor(gr).numpy()).sum() > 0 for gr in grads)
    assert not np.array_equal(step(tf.constant(5.0))[0], tokens)  # own seed generator advances
