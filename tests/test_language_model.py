"""The MLE language model: masked teacher-forcing loss, training on the grammar corpus, sampling."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_text.corpora import load_corpus
from gan_text.dataset import make_dataset, prepare
from gan_text.errors import GanTextError
from gan_text.models.autoregressive import teacher_forcing_inputs
from gan_text.models.generators import build_generator
from gan_text.models.language_model import LanguageModel, token_nll, unigram_nll
from gan_text.vocabulary import BOS_ID, EOS_ID, PAD_ID, Vocabulary

# Two sentences of different lengths: 3 ids + <eos> and 1 id + <eos>, then <pad>.
TOKENS = np.array([[5, 6, 7, EOS_ID, PAD_ID, PAD_ID], [8, EOS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID]],
                  dtype=np.int32)


def log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def hand_nll(tokens, logits):
    """Mean -log p(target) over the positions up to and including each row's <eos>."""
    logp = log_softmax(np.asarray(logits, dtype=np.float64))
    terms = []
    for r, row in enumerate(tokens):
        for t, target in enumerate(row):
            terms.append(-logp[r, t, target])
            if target == EOS_ID:
                break
    return float(np.mean(terms))


def test_teacher_forcing_inputs_shift_right_after_bos():
    np.testing.assert_array_equal(teacher_forcing_inputs(TOKENS)[:, :3], [[BOS_ID, 5, 6], [BOS_ID, 8, EOS_ID]])


def test_loss_masks_padding_but_counts_eos():
    logits = np.random.default_rng(0).normal(size=(2, 6, 10)).astype(np.float32)
    nll, mask = token_nll(TOKENS, logits)
    np.testing.assert_array_equal(mask, TOKENS != PAD_ID)
    loss = float(tf.reduce_sum(nll) / tf.reduce_sum(mask))
    assert loss == pytest.approx(hand_nll(TOKENS, logits), rel=1e-5)
    unmasked = -log_softmax(logits.astype(np.float64))[np.arange(2)[:, None], np.arange(6), TOKENS].mean()
    assert abs(loss - unmasked) > 0.1  # the test would notice if padding counted


def test_nll_and_evaluate_average_over_tokens_not_batches():
    g = build_generator("rnn", 10, 6, emb_dim=8, hidden_dim=8)
    lm = LanguageModel(g)
    expected = hand_nll(TOKENS, g(teacher_forcing_inputs(TOKENS)).numpy())
    assert lm.nll(TOKENS) == pytest.approx(expected, rel=1e-5)
    assert lm.nll(TOKENS, batch_size=1) == pytest.approx(expected, rel=1e-5)
    assert lm.perplexity(TOKENS) == pytest.approx(math.exp(expected), rel=1e-5)
    lm.compile(optimizer="adam")
    # Batches of one sentence each (4 and 2 tokens): an average of batch means would differ.
    result = lm.evaluate(tf.data.Dataset.from_tensor_slices(TOKENS).batch(1), verbose=0, return_dict=True)
    assert result["nll"] == pytest.approx(expected, rel=1e-5)
    assert result["perplexity"] == pytest.approx(math.exp(expected), rel=1e-5)


def test_unigram_baseline_by_hand():
    train = np.array([[4, 4, 5, EOS_ID, PAD_ID]])
    test = np.array([[4, EOS_ID, PAD_ID, PAD_ID, PAD_ID]])
    # counts 4:2, 5:1, eos:1 (total 4); add-one over 6 ids: p(4) = 3/10, p(eos) = 2/10.
    expected = -(math.log(0.3) + math.log(0.2)) / 2
    assert unigram_nll(train, test, vocab_size=6) == pytest.approx(expected)


def test_language_model_needs_an_autoregressive_generator_and_valid_input():
    with pytest.raises(GanTextError, match="autoregressive generator"):
        LanguageModel(build_generator("cnn", 10, 6, num_blocks=1))
    lm = LanguageModel(build_generator("rnn", 10, 6))
    with pytest.raises(GanTextError, match=r"shape \(n, 6\)"):
        lm.nll(np.zeros((2, 5), dtype=np.int32))
    with pytest.raises(GanTextError, match="vocabulary has"):
        lm.generate_text(2, Vocabulary(["a", "b"]))


@pytest.fixture(scope="module")
def grammar():
    return prepare(load_corpus("grammar", n_train=2000, n_test=200, seed=0))


@pytest.mark.parametrize("kind, lr", [("rnn", 1e-2), ("transformer", 3e-3)])
def test_fit_on_grammar_beats_the_unigram_model(grammar, kind, lr):
    keras.utils.set_random_seed(0)
    lm = LanguageModel(build_generator(kind, grammar.vocab_size, grammar.seq_len))
    lm.compile(optimizer=keras.optimizers.Adam(lr))
    test_ds = make_dataset(grammar.test_tokens, 64, shuffle=False, drop_remainder=False)
    history = lm.fit(make_dataset(grammar.train_tokens, 64, seed=0), epochs=4,
                     validation_data=test_ds, verbose=0).history
    assert history["val_nll"][-1] < history["val_nll"][0]
    test_ppl = lm.perplexity(grammar.test_tokens)
    unigram_ppl = math.exp(unigram_nll(grammar.train_tokens, grammar.test_tokens, grammar.vocab_size))
    assert math.isfinite(test_ppl) and math.isfinite(unigram_ppl)
    assert test_ppl < 0.5 * unigram_ppl, (test_ppl, unigram_ppl)
    assert history["val_perplexity"][-1] == pytest.approx(test_ppl, rel=1e-4)

    texts = lm.generate_text(5, grammar.vocab, seed=0)
    assert len(texts) == 5 and all(set(t.split()) <= set(grammar.vocab.tokens) for t in texts)
    assert texts == lm.generate_text(5, grammar.vocab, seed=0)
    samples = lm.sample(20, temperature=0.5, seed=1)
    assert samples.shape == (20, grammar.seq_len) and isinstance(samples, np.ndarray)
    assert (samples == EOS_ID).any(axis=1).mean() > 0.5  # it learned to end sentences
