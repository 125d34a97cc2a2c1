"""The Fréchet distance between Gaussians, and sentence embeddings from our own language model."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import scipy.linalg

from gan_text.corpora import load_corpus
from gan_text.dataset import make_dataset, prepare
from gan_text.errors import GanTextError
from gan_text.metrics.embedding import (
    frechet_distance,
    frechet_embedding_distance,
    gaussian_fit,
    sentence_embeddings,
)
from gan_text.models import LanguageModel, build_generator
from gan_text.vocabulary import EOS_ID, PAD_ID


def random_covariance(rng, d, rank=None):
    a = rng.normal(size=(d, rank or d))
    return a @ a.T / (rank or d)


def scipy_frechet(mu1, s1, mu2, s2):
    """The textbook formula with scipy's general matrix square root."""
    cross = scipy.linalg.sqrtm(s1 @ s2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * cross))


def test_identical_gaussians_are_at_distance_zero():
    rng = np.random.default_rng(0)
    mu, sigma = rng.normal(size=6), random_covariance(rng, 6)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)


def test_diagonal_covariances_match_the_closed_form():
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    v1, v2 = rng.random(5) + 0.1, rng.random(5) + 0.1
    # For diagonal covariances: |mu1 - mu2|^2 + sum (sqrt(v1) - sqrt(v2))^2.
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    assert frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(expected, rel=1e-10)


def test_full_covariances_agree_with_scipy_sqrtm_and_are_symmetric():
    rng = np.random.default_rng(2)
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    s1, s2 = random_covariance(rng, 8), random_covariance(rng, 8)
    d = frechet_distance(mu1, s1, mu2, s2)
    assert d == pytest.approx(scipy_frechet(mu1, s1, mu2, s2), rel=1e-8)
    assert d == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-8)


def test_singular_covariances_stay_finite_and_non_negative():
    rng = np.random.default_rng(3)
    s1, s2 = random_covariance(rng, 10, rank=3), random_covariance(rng, 10, rank=2)
    d = frechet_distance(np.zeros(10), s1, np.zeros(10), s2)
    assert np.isfinite(d) and d >= 0
    assert frechet_distance(np.zeros(10), s1, np.zeros(10), s1) == pytest.approx(0.0, abs=1e-7)


def test_gaussian_fit_and_shape_errors():
    x = np.random.default_rng(4).normal(size=(20, 3))
    mu, sigma = gaussian_fit(x)
    np.testing.assert_allclose(mu, x.mean(axis=0))
    np.testing.assert_allclose(sigma, np.cov(x.T))
    with pytest.raises(GanTextError, match="at least 2 embeddings"):
        gaussian_fit(x[:1])
    with pytest.raises(GanTextError, match="two means .d,. and two covariances .d, d. of the same d"):
        frechet_distance(mu, sigma, mu[:2], sigma)


# ----------------------------------------------------------------------------- embeddings

@pytest.fixture(scope="module")
def data():
    return prepare(load_corpus("grammar", n_train=256, n_test=64))


@pytest.fixture(scope="module")
def rnn_lm(data):
    """A small LSTM LM trained for 40 steps: enough for its states to tell sentences apart."""
    keras.utils.set_random_seed(0)
    lm = LanguageModel(build_generator("rnn", data.vocab_size, data.seq_len, emb_dim=8, hidden_dim=12))
    lm.compile(optimizer=keras.optimizers.Adam(1e-2))
    lm.fit(make_dataset(data.train_tokens, 32, repeat=True), steps_per_epoch=40, epochs=1, verbose=0)
    return lm


def test_mean_and_last_pooling_read_only_the_sentence_up_to_its_eos(rnn_lm, data):
    tokens = data.test_tokens[:5]
    mean = sentence_embeddings(tokens, rnn_lm)
    last = sentence_embeddings(tokens, rnn_lm, pooling="last", batch_size=2)
    assert mean.shape == last.shape == (5, 12) and mean.dtype == np.float64
    g = rnn_lm.generator
    for row, m, la in zip(tokens, mean, last, strict=True):
        length = int(np.argmax(row == EOS_ID)) + 1  # the words and the <eos>, without the <pad>
        states = np.asarray(g.rnn(g.embedding(row[None, :length])))[0]
        np.testing.assert_allclose(m, states.mean(axis=0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(la, states[-1], rtol=1e-5, atol=1e-6)


def test_transformer_embeddings_use_its_features(data):
    keras.utils.set_random_seed(0)
    g = build_generator("transformer", data.vocab_size, data.seq_len, emb_dim=8, num_heads=2,
                        hidden_dim=8, num_layers=1)
    tokens = data.test_tokens[:3]
    mean = sentence_embeddings(tokens, g)
    assert mean.shape == (3, 8)
    length = int(np.argmax(tokens[0] == EOS_ID)) + 1
    np.testing.assert_allclose(mean[0], np.asarray(g.features(tokens[:1, :length]))[0].mean(axis=0),
                               rtol=1e-5, atol=1e-6)


def test_frechet_embedding_distance_separates_real_text_from_noise_and_collapse(rnn_lm, data):
    real_a, real_b = data.train_tokens[:64], data.test_tokens[:64]
    assert frechet_embedding_distance(real_a, real_a, rnn_lm) == pytest.approx(0.0, abs=1e-9)
    rng = np.random.default_rng(0)
    noise = rng.integers(4, data.vocab_size, size=real_a.shape).astype(np.int32)
    noise[:, -1] = EOS_ID
    collapsed = np.repeat(real_a[:1], 64, axis=0)  # one real sentence, 64 times
    between_real = frechet_embedding_distance(real_a, real_b, rnn_lm)
    assert 5 * between_real < frechet_embedding_distance(noise, real_b, rnn_lm)
    assert 5 * between_real < frechet_embedding_distance(collapsed, real_b, rnn_lm)


def test_sentence_embeddings_errors(rnn_lm, data):
    tokens = data.test_tokens[:2]
    with pytest.raises(GanTextError, match="unknown pooling 'max'; known: mean, last"):
        sentence_embeddings(tokens, rnn_lm, pooling="max")
    with pytest.raises(GanTextError, match="reads rows of"):
        sentence_embeddings(tokens[:, :5], rnn_lm)
    with pytest.raises(GanTextError, match="only <pad>"):
        sentence_embeddings(np.full((1, data.seq_len), PAD_ID), rnn_lm)
    with pytest.raises(GanTextError, match="needs an rnn or transformer language model"):
        sentence_embeddings(tokens, build_generator("cnn", data.vocab_size, data.seq_len, num_blocks=1))
