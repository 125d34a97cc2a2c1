"""The oracle LSTM: sampling, exact scoring, agreement with Keras, the corpus, and every input error."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats

import gan_text.corpora.oracle as oracle_module
from gan_text.corpora import load_corpus
from gan_text.corpora.oracle import ORACLE_SEED, OracleLM, default_oracle, oracle_corpus
from gan_text.errors import GanTextError


@pytest.fixture(scope="module")
def oracle() -> OracleLM:
    return default_oracle()


@pytest.fixture(scope="module")
def own_samples(oracle) -> np.ndarray:
    return oracle.sample(200, seed=11)


# ------------------------------------------------------------------------------------------ sampling
def test_sample_shape_dtype_and_range(oracle, own_samples):
    assert own_samples.shape == (200, 20)
    assert own_samples.dtype == np.int32
    assert own_samples.min() >= 0 and own_samples.max() < 5000
    assert len(np.unique(own_samples)) > 100  # many different words, not a stuck sampler
    assert oracle.sample(0).shape == (0, 20)


def test_sampling_is_deterministic_and_prefix_stable(oracle, own_samples):
    np.testing.assert_array_equal(oracle.sample(200, seed=11), own_samples)
    assert (oracle.sample(200, seed=12) != own_samples).mean() > 0.5
    np.testing.assert_array_equal(oracle.sample(7, seed=11), own_samples[:7])


def test_thread_count_does_not_change_samples_or_scores(oracle, monkeypatch):
    n = 3 * oracle_module._SEQUENCES_PER_CHUNK + 5  # several blocks of rows, so threads are used
    threaded = oracle.sample(n, seed=4)
    threaded_nll = oracle.token_nll(threaded)
    monkeypatch.setattr(oracle_module, "_MAX_THREADS", 1)
    np.testing.assert_array_equal(oracle.sample(n, seed=4), threaded)
    np.testing.assert_array_equal(oracle.token_nll(threaded), threaded_nll)


def test_weights_are_fixed_by_the_oracle_seed(oracle):
    assert oracle.seed == ORACLE_SEED
    again = OracleLM()
    other = OracleLM(seed=ORACLE_SEED + 1)
    short = OracleLM(seq_len=1)
    for name, array in oracle.weights.items():
        np.testing.assert_array_equal(again.weights[name], array)
        np.testing.assert_array_equal(short.weights[name], array)  # seq_len does not change weights
        assert not np.array_equal(other.weights[name], array)
        assert not array.flags.writeable
    expected = np.random.default_rng(ORACLE_SEED).standard_normal((5000, 32))
    np.testing.assert_array_equal(oracle.weights["embeddings"], expected)
    shapes = {name: array.shape for name, array in oracle.weights.items()}
    assert shapes == {"embeddings": (5000, 32), "kernel": (32, 128), "recurrent_kernel": (32, 128),
                      "bias": (128,), "output_kernel": (32, 5000), "output_bias": (5000,)}
    out = oracle.weights["output_kernel"]
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1.0) < 0.02  # N(0, 1)


# ------------------------------------------------------------------------------ agreement with Keras
def test_forward_pass_equals_keras_lstm_with_the_same_weights(oracle, own_samples):
    import keras

    w = oracle.weights
    tokens = own_samples[:4]
    inputs = np.concatenate([np.zeros((4, 1), dtype=np.int32), tokens[:, :-1]], axis=1)  # start token 0
    embedding = keras.layers.Embedding(5000, 32, dtype="float64")
    lstm = keras.layers.LSTM(32, return_sequences=True, dtype="float64")
    dense = keras.layers.Dense(5000, dtype="float64")
    keras_logits = dense(lstm(embedding(inputs)))  # builds the layers
    embedding.set_weights([w["embeddings"]])
    lstm.set_weights([w["kernel"], w["recurrent_kernel"], w["bias"]])
    dense.set_weights([w["output_kernel"], w["output_bias"]])
    keras_logits = keras.ops.convert_to_numpy(dense(lstm(embedding(inputs))))

    ours = oracle.logits(tokens)
    assert ours.shape == (4, 20, 5000) and ours.dtype == np.float64
    np.testing.assert_allclose(ours, keras_logits, rtol=0, atol=1e-8)
    log_probs = keras.ops.convert_to_numpy(keras.ops.log_softmax(keras_logits, axis=-1))
    keras_nll = -np.take_along_axis(log_probs, tokens[..., None].astype(np.int64), axis=-1)[..., 0]
    np.testing.assert_allclose(oracle.token_nll(tokens), keras_nll, rtol=0, atol=1e-8)


# ---------------------------------------------------------------------------------------- scoring
def test_own_samples_score_below_log_vocab_and_uniform_tokens_above(oracle, own_samples):
    uniform = np.random.default_rng(3).integers(0, 5000, size=(200, 20))
    own, random_tokens = oracle.nll(own_samples), oracle.nll(uniform)
    assert own < math.log(5000) - 1.0  # far from uniform: the oracle has structure to learn
    assert random_tokens > math.log(5000)  # cross-entropy of uniform tokens >= log V (Gibbs)
    assert isinstance(own, float)


def test_token_nll_is_consistent_with_nll(oracle, own_samples):
    per_token = oracle.token_nll(own_samples)
    assert per_token.shape == (200, 20) and per_token.dtype == np.float64
    assert (per_token > 0).all()
    assert oracle.nll(own_samples) == pytest.approx(per_token.mean(), rel=1e-12)
    np.testing.assert_allclose(oracle.token_nll(own_samples[5:9]), per_token[5:9], rtol=1e-12)


def test_string_integral_float_and_list_inputs_score_like_the_array(oracle, own_samples):
    tokens = own_samples[:20]
    expected = oracle.nll(tokens)
    as_strings = [" ".join(map(str, row)) for row in tokens]
    assert oracle.nll(as_strings) == expected
    assert oracle.nll(tokens.astype(np.float32)) == expected
    assert oracle.nll(tokens.tolist()) == expected


def _all_sequences(oracle: OracleLM) -> np.ndarray:
    return np.array(list(itertools.product(range(oracle.vocab_size), repeat=oracle.seq_len)))


@pytest.mark.parametrize("hidden_dim, shifted", [(5, False), (120, True)])
def test_tiny_oracle_is_normalised_and_samples_its_own_distribution(hidden_dim, shifted):
    tiny = OracleLM(vocab_size=4, emb_dim=3, hidden_dim=hidden_dim, seq_len=3, seed=5)
    assert tiny._shift_needed is shifted  # both ways of computing the softmax are covered
    every = _all_sequences(tiny)  # all 64 sequences
    probs = np.exp(-tiny.token_nll(every).sum(axis=1))
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    samples = tiny.sample(20_000, seed=1)
    counts = np.bincount((samples.astype(np.int64) * [16, 4, 1]).sum(axis=1), minlength=64)
    keep = probs * 20_000 >= 5  # chi-square needs expected counts >= 5; pool the rest
    assert keep.sum() >= 20
    observed = np.append(counts[keep], counts[~keep].sum())
    expected = np.append(probs[keep], probs[~keep].sum()) * 20_000
    if keep.all():
        observed, expected = observed[:-1], expected[:-1]
    assert scipy.stats.chisquare(observed, expected).pvalue > 1e-3


def test_first_token_frequencies_match_the_softmax_like_numpy_multinomial(oracle):
    first_only = OracleLM(seq_len=1)  # the default oracle's weights, one step: fast to sample
    logits = oracle.logits(np.zeros((1, 20), dtype=np.int64))[0, 0]
    p = np.exp(logits - logits.max())
    p /= p.sum()
    n = 20_000
    ours = np.bincount(first_only.sample(n, seed=2)[:, 0], minlength=5000) / n
    tv_ours = 0.5 * np.abs(ours - p).sum()
    rng = np.random.default_rng(0)
    tv_numpy = np.array([0.5 * np.abs(rng.multinomial(n, p) / n - p).sum() for _ in range(30)])
    assert tv_ours < tv_numpy.mean() + 4 * tv_numpy.std()


# ----------------------------------------------------------------------------------------- corpus
def test_oracle_corpus_holds_sampled_id_sentences(oracle):
    corpus = oracle_corpus(n_train=40, n_test=30, seed=3)
    assert (corpus.name, corpus.level, corpus.lowercase) == ("oracle", "word", False)
    assert corpus.true_model is oracle and "SeqGAN" in corpus.description
    assert len(corpus.train) == 40 and len(corpus.test) == 30
    for sentence in corpus.train + corpus.test:
        ids = [int(word) for word in sentence.split(" ")]
        assert len(ids) == 20 and all(0 <= i < 5000 for i in ids)
    assert not set(corpus.train) & set(corpus.test)  # train and test use different seeds
    assert oracle_corpus(n_train=10, n_test=5, seed=3).train == corpus.train[:10]
    assert oracle_corpus(n_train=10, n_test=5, seed=4).train != corpus.train[:10]
    assert load_corpus("oracle", n_train=40, n_test=30, seed=3).train == corpus.train
    train_tokens = np.array([s.split() for s in corpus.train], dtype=np.int64)
    assert corpus.true_model.nll(corpus.train) == oracle.nll(train_tokens)


def test_oracle_corpus_defaults_to_ten_thousand_each(monkeypatch):
    tiny = OracleLM(vocab_size=6, emb_dim=2, hidden_dim=3, seq_len=2, seed=1)  # quick to sample
    monkeypatch.setattr(oracle_module, "default_oracle", lambda: tiny)
    corpus = oracle_corpus()
    assert (len(corpus.train), len(corpus.test)) == (10_000, 10_000)
    assert corpus.true_model is tiny


# ------------------------------------------------------------------------------------- user errors
BAD_INPUTS = [
    ([], "no sequences given: pass at least one"),
    (np.zeros((0, 20), dtype=int), "no sequences given: pass at least one"),
    ("1 2 3", "not one string; wrap a single sentence in a list"),
    (["1 " * 20, "1 " * 19], "sentence 1 has 19 tokens but the oracle scores exactly 20"),
    (["1 " * 19 + "abc"], "sentence 0 has a non-integer token 'abc' at position 19"),
    (["1 " * 19 + "2.5"], "non-integer token '2.5'"),
    (["5000 " + "1 " * 19], "token id 5000 (sequence 0, position 0) is outside [0, 5000)"),
    (["1 " * 19 + "-1"], "token id -1 (sequence 0, position 19) is outside [0, 5000)"),
    (np.ones((2, 19), dtype=int), "sequences have 19 tokens but the oracle scores exactly 20"),
    (np.ones(20, dtype=int), "expected an array of shape (n, 20), got shape (20,)"),
    (np.full((1, 20), 1.5), "token ids must be integers, got dtype float64"),
    (np.full((1, 20), np.nan), "token ids must be integers"),
    ([[1] * 20, [1] * 19], "give a list of equal-length id lists"),
    ([[1] * 20, "1 " * 20], "give a list of equal-length id lists"),
]


@pytest.mark.parametrize("tokens, message", BAD_INPUTS)
def test_bad_tokens_raise_a_message_that_says_what_to_fix(oracle, tokens, message):
    for score in (oracle.nll, oracle.token_nll, oracle.logits):
        with pytest.raises(GanTextError) as error:
            score(tokens)
        assert message in str(error.value)


@pytest.mark.parametrize("call, message", [
    (lambda o: o.sample(-1), "n must be a whole number >= 0, got -1"),
    (lambda o: o.sample(2.5), "n must be a whole number >= 0, got 2.5"),
    (lambda o: o.sample(3, seed=-4), "seed must be a whole number from 0 to 4294967295, got -4; pass e.g. seed=0"),
    (lambda o: OracleLM(vocab_size=1), "vocab_size must be a whole number >= 2, got 1"),
    (lambda o: OracleLM(hidden_dim=0), "hidden_dim must be a whole number >= 1, got 0"),
    (lambda o: OracleLM(seed=True), "seed must be a whole number from 0 to 4294967295, got True"),
    (lambda o: oracle_corpus(n_train=0), "n_train must be a whole number >= 1, got 0"),
    (lambda o: oracle_corpus(n_train=5, n_test=-1), "n_test must be a whole number >= 0, got -1"),
    (lambda o: OracleLM(seed=2**32), "seed must be a whole number from 0 to 4294967295, got 4294967296"),
    (lambda o: oracle_corpus(n_train=5, seed="a"), "seed must be a whole number from 0 to 4294967295, got 'a'"),
])
def test_bad_sizes_and_seeds_raise_a_message(oracle, call, message):
    with pytest.raises(GanTextError) as error:
        call(oracle)
    assert message in str(error.value)
