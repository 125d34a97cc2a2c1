"""Model-based metrics: NLL-oracle, NLL-test/div, grammar scores, the cached reference LM, LM and
reverse-LM scores, discriminator scores."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from sklearn import metrics as skm

from gan_text.config import profile
from gan_text.corpora import load_corpus
from gan_text.corpora.grammar import default_grammar
from gan_text.corpora.oracle import OracleLM, default_oracle
from gan_text.dataset import encode_sentences, make_dataset, prepare
from gan_text.errors import GanTextError
from gan_text.metrics import likelihood
from gan_text.metrics.likelihood import (
    classifier_scores,
    grammar_scores,
    lm_score,
    nll_div,
    nll_oracle,
    nll_test,
    oracle_scores,
    perplexity,
    reference_lm_dir,
    reverse_lm_score,
    train_reference_lm,
)
from gan_text.models import LanguageModel, build_generator
from gan_text.vocabulary import EOS_ID, PAD_ID, UNK_ID, Vocabulary

TINY = profile("smoke").replace(batch_size=16, pretrain_steps=2, steps=1, emb_dim=8, hidden_dim=8)


@pytest.fixture(scope="module")
def data():
    return prepare(load_corpus("grammar", n_train=256, n_test=64))


@pytest.fixture(scope="module")
def trained_lm(data):
    """A small LSTM LM trained for 100 steps on grammar sentences."""
    keras.utils.set_random_seed(0)
    lm = LanguageModel(build_generator("rnn", data.vocab_size, data.seq_len, emb_dim=16, hidden_dim=32))
    lm.compile(optimizer=keras.optimizers.Adam(1e-2))
    lm.fit(make_dataset(data.train_tokens, 32, repeat=True), steps_per_epoch=100, epochs=1, verbose=0)
    return lm


def uniform_generator(vocab_size: int, seq_len: int):
    """An rnn generator whose logits are all 0 (except <pad>/<bos>, fixed at -1e9)."""
    generator = build_generator("rnn", vocab_size, seq_len, emb_dim=4, hidden_dim=4)
    generator.out.kernel.assign(np.zeros(generator.out.kernel.shape, dtype=np.float32))
    generator.out.bias.assign(np.zeros(generator.out.bias.shape, dtype=np.float32))
    return generator


# ----------------------------------------------------------------------------- formulas

def test_perplexity_is_exp_of_nll():
    assert perplexity(0.0) == 1.0
    assert perplexity(math.log(7.0)) == pytest.approx(7.0)
    assert math.isnan(perplexity(math.nan))
    with pytest.raises(GanTextError, match="perplexity expects an NLL"):
        perplexity("3.2")


def test_nll_test_and_nll_div_of_a_uniform_model_are_log_of_the_writable_tokens(data):
    generator = uniform_generator(12, 6)
    tokens = np.array([[4, 5, 6, EOS_ID, PAD_ID, PAD_ID], [7, EOS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID]])
    # <pad> and <bos> are never written, so the model spreads its mass over 12 - 2 tokens.
    assert nll_test(generator, tokens) == pytest.approx(math.log(10), rel=1e-5)
    assert nll_test(LanguageModel(generator), tokens) == pytest.approx(math.log(10), rel=1e-5)
    assert nll_div(generator, 32, seed=1) == pytest.approx(math.log(10), rel=1e-5)


def test_nll_div_is_repeatable_and_lower_when_the_model_is_sharper(trained_lm):
    assert nll_div(trained_lm, 64, seed=3) == nll_div(trained_lm, 64, seed=3)
    # Cold samples are the model's likely sentences: lower NLL under the model itself.
    assert nll_div(trained_lm, 64, temperature=0.5, seed=3) < nll_div(trained_lm, 64, seed=3)


def test_nll_test_rejects_models_and_tokens_it_cannot_score():
    with pytest.raises(GanTextError, match="autoregressive generator"):
        nll_test(build_generator("cnn", 12, 6, num_blocks=1), np.zeros((2, 6), dtype=np.int32))
    with pytest.raises(GanTextError, match=r"test_tokens must be int token ids of shape \(n, seq_len\)"):
        nll_test(uniform_generator(12, 6), np.zeros(6, dtype=np.int32))


# ----------------------------------------------------------------------------- the oracle

def small_oracle_tokens(n=40):
    oracle = OracleLM(vocab_size=50, emb_dim=4, hidden_dim=4, seq_len=5, seed=3)
    samples = oracle.sample(n, seed=1)
    words = [[str(i) for i in row] for row in samples.tolist()]
    vocab = Vocabulary.build(words)
    return oracle, samples, vocab, encode_sentences(words, vocab, seq_len=6).tokens


def test_nll_oracle_of_oracle_samples_through_a_vocabulary_equals_the_oracle_itself():
    oracle, samples, vocab, tokens = small_oracle_tokens()
    assert not np.array_equal(tokens[:, :5], samples)  # the vocabulary renumbers the words
    assert nll_oracle(tokens, vocab, oracle) == pytest.approx(oracle.nll(samples), rel=1e-12)


def test_nll_oracle_on_the_oracle_corpus_uses_the_default_oracle():
    corpus = load_corpus("oracle", n_train=40, n_test=8)
    prepared = prepare(corpus)
    assert prepared.seq_len == 21
    assert nll_oracle(prepared.train_tokens, prepared.vocab) == pytest.approx(
        default_oracle().nll(corpus.train), rel=1e-12)


def test_oracle_scores_only_rows_that_start_with_twenty_oracle_words():
    oracle, samples, vocab, tokens = small_oracle_tokens()
    tokens = tokens.copy()
    tokens[0, 2:] = [EOS_ID, PAD_ID, PAD_ID, PAD_ID]  # stopped early
    tokens[1, 3] = UNK_ID  # a word the oracle does not know
    tokens[2, 5] = tokens[2, 0]  # a word after the 5th instead of <eos>: ignored, still scored
    scores = oracle_scores(tokens, vocab, oracle)
    assert scores["oracle_scored"] == pytest.approx(38 / 40)
    assert scores["nll_oracle"] == pytest.approx(oracle.nll(samples[2:]), rel=1e-12)
    none = oracle_scores(np.full((3, 6), EOS_ID), vocab, oracle)
    assert none["oracle_scored"] == 0.0 and math.isnan(none["nll_oracle"])
    with pytest.raises(GanTextError, match="cannot hold the oracle's 5; prepare the oracle corpus with seq_len >= 6"):
        oracle_scores(tokens[:, :4], vocab, oracle)
    with pytest.raises(GanTextError, match="outside the vocabulary"):
        oracle_scores(tokens + 1000, vocab, oracle)


# ----------------------------------------------------------------------------- the grammar

def test_grammar_scores_by_hand():
    grammar = default_grammar()
    good = grammar.generate(2, seed=5)
    bad = "zebra the of"
    scores = grammar_scores([good[0], bad, good[1]], grammar)
    log_probs = [grammar.log_prob(s) for s in good]
    assert scores["grammatical_fraction"] == pytest.approx(2 / 3)
    assert scores["mean_log_prob"] == pytest.approx(sum(log_probs) / 2)
    assert scores["mean_log_prob_per_token"] == pytest.approx(
        sum(log_probs) / sum(len(s.split()) for s in good))
    assert grammar_scores([s.split() for s in [good[0], bad, good[1]]]) == scores  # token lists too
    nothing = grammar_scores([bad])
    assert nothing["grammatical_fraction"] == 0 and math.isnan(nothing["mean_log_prob"])
    with pytest.raises(GanTextError, match="non-empty list of sentences"):
        grammar_scores([])


# ----------------------------------------------------------------------------- the reference LM

def test_reference_lm_is_trained_once_then_loaded(data, tmp_path, monkeypatch):
    calls = []
    real_train = likelihood._train_lm
    monkeypatch.setattr(likelihood, "_train_lm", lambda *a, **k: calls.append(1) or real_train(*a, **k))
    lm = train_reference_lm(data, TINY, seed=1, cache_dir=tmp_path, name="grammar", verbose=False)
    directory = reference_lm_dir(data, TINY, seed=1, cache_dir=tmp_path, name="grammar")
    assert directory.parent == tmp_path and directory.name.startswith("grammar-n256-")
    stamp = (directory / "model.keras").stat().st_mtime_ns
    again = train_reference_lm(data, TINY, seed=1, cache_dir=tmp_path, name="grammar", verbose=False)
    assert len(calls) == 1 and (directory / "model.keras").stat().st_mtime_ns == stamp
    assert again.nll(data.test_tokens) == pytest.approx(lm.nll(data.test_tokens), rel=1e-6)


def test_reference_lm_cache_key_changes_with_sizes_data_seed_and_budget(data, cache_dir):
    base = reference_lm_dir(data, TINY, seed=1)
    assert base.parent == cache_dir / "models" / "reference_lm"
    smaller = prepare(load_corpus("grammar", n_train=128, n_test=64))
    others = [reference_lm_dir(data, TINY.replace(hidden_dim=16), seed=1),
              reference_lm_dir(data, TINY.replace(emb_dim=4), seed=1),
              reference_lm_dir(smaller, TINY, seed=1),
              reference_lm_dir(data, TINY, seed=2),
              reference_lm_dir(data, TINY, seed=1, steps=7)]
    assert len({base, *others}) == 6
    assert reference_lm_dir(data, TINY, seed=1) == base  # and it is stable


def test_a_damaged_cache_is_reported_not_deleted(data, tmp_path):
    directory = reference_lm_dir(data, TINY, seed=1, cache_dir=tmp_path)
    directory.mkdir(parents=True)
    (directory / "config.json").write_text("{broken")
    (directory / "model.keras").write_text("not a model")
    with pytest.raises(GanTextError, match="cannot be loaded .*; delete that folder to train it again"):
        train_reference_lm(data, TINY, seed=1, cache_dir=tmp_path, verbose=False)
    assert (directory / "config.json").read_text() == "{broken"
    with pytest.raises(GanTextError, match=r"expected the prepared data \(gt.dataset.prepare"):
        train_reference_lm(data.train_tokens, TINY, cache_dir=tmp_path)
    with pytest.raises(GanTextError, match="steps must be a whole number >= 1"):
        train_reference_lm(data, TINY, steps=0, cache_dir=tmp_path)


def test_lm_score_prefers_real_word_order(trained_lm, data):
    shuffled = data.test_tokens.copy()
    rng = np.random.default_rng(0)
    for row in shuffled:
        n_words = int(np.argmax(row == EOS_ID))
        row[:n_words] = rng.permutation(row[:n_words])
    assert lm_score(data.test_tokens, trained_lm) < lm_score(shuffled, trained_lm) - 0.3
    assert lm_score(data.test_tokens, trained_lm) == pytest.approx(trained_lm.nll(data.test_tokens))


def test_reverse_lm_score_prefers_varied_real_samples_to_one_repeated_sentence(data):
    cfg = TINY.replace(emb_dim=16, hidden_dim=16, batch_size=32)
    varied = data.train_tokens[:128]
    repeated = np.repeat(data.train_tokens[:1], 128, axis=0)
    good = reverse_lm_score(varied, None, data, cfg, seed=0, steps=20)
    assert good < reverse_lm_score(repeated, data.test_tokens, data, cfg, seed=0, steps=20) - 0.3
    with pytest.raises(GanTextError, match="at least 2 generated rows of seq_len"):
        reverse_lm_score(varied[:, :5], None, data, cfg)


# ----------------------------------------------------------------------------- discriminators

def test_classifier_scores_equal_scikit_learn():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    probs = np.clip(labels * 0.3 + rng.random(200) * 0.7, 0, 1)
    scores = classifier_scores(labels, probs, threshold=0.6)
    predicted = probs >= 0.6
    assert scores == pytest.approx({"accuracy": skm.accuracy_score(labels, predicted),
                                    "precision": skm.precision_score(labels, predicted),
                                    "recall": skm.recall_score(labels, predicted),
                                    "f1": skm.f1_score(labels, predicted),
                                    "roc_auc": skm.roc_auc_score(labels, probs)})
    logits = np.log(probs + 1e-9) - np.log1p(-probs + 1e-9)
    assert classifier_scores(labels, logits, from_logits=True)["roc_auc"] == pytest.approx(scores["roc_auc"])
    one_class = classifier_scores([1, 1, 1], [0.9, 0.2, 0.7])
    assert one_class["accuracy"] == pytest.approx(2 / 3) and math.isnan(one_class["roc_auc"])
    with pytest.raises(GanTextError, match="labels must be 0 .fake. or 1 .real."):
        classifier_scores([0, 2], [0.1, 0.2])
    with pytest.raises(GanTextError, match="same length"):
        classifier_scores([0, 1], [0.1])
