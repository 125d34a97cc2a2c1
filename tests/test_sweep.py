"""The temperature sweep, the real-data row, and the comparison plots."""

from __future__ import annotations

import math
from types import SimpleNamespace

import keras
import matplotlib
import numpy as np
import pandas as pd
import pytest
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from gan_text import plots
from gan_text.corpora import load_corpus
from gan_text.corpora.oracle import OracleLM
from gan_text.dataset import encode_sentences, make_dataset, prepare
from gan_text.errors import GanTextError
from gan_text.metrics import bleu_scores, distinct_scores, duplicate_rate, self_bleu_scores
from gan_text.metrics.likelihood import grammar_scores
from gan_text.metrics.sweep import model_sampler, real_data_row, score_samples, temperature_sweep
from gan_text.models import LanguageModel, build_generator
from gan_text.vocabulary import Vocabulary

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NS = (2, 3, 4, 5)
BASE_COLUMNS = ["temperature", "n", "mean_length", *(f"bleu_{k}" for k in NS),
                *(f"self_bleu_{k}" for k in NS), *(f"distinct_{k}" for k in (1, 2, 3, 4)),
                "duplicate_rate"]


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("grammar", n_train=256, n_test=96)


@pytest.fixture(scope="module")
def data(corpus):
    return prepare(corpus)


def stub_sampler(pool: np.ndarray):
    """A fake generator: draws rows of ``pool`` with probabilities ~ (1 / rank)^(1 / temperature),
    so a cold temperature repeats the first rows and a hot one spreads over the pool."""
    weights = 1.0 / np.arange(1, len(pool) + 1)

    def sample_fn(n, temperature, seed):
        p = weights ** (1.0 / max(temperature, 1e-3))
        return pool[np.random.default_rng(seed).choice(len(pool), size=n, p=p / p.sum())]

    return sample_fn


@pytest.fixture(scope="module")
def trained_lm(data):
    keras.utils.set_random_seed(0)
    lm = LanguageModel(build_generator("rnn", data.vocab_size, data.seq_len, emb_dim=16, hidden_dim=32))
    lm.compile(optimizer=keras.optimizers.Adam(1e-2))
    lm.fit(make_dataset(data.train_tokens, 32, repeat=True), steps_per_epoch=150, epochs=1, verbose=0)
    return lm


# ----------------------------------------------------------------------------- the sweep

def test_sweep_columns_rows_and_values_match_the_metric_functions(data, corpus):
    sample_fn = stub_sampler(data.train_tokens)
    frame = temperature_sweep(sample_fn, [1.0, 0.5, 2.0], vocab=data.vocab, references=data.test_tokens,
                              train_sentences=data.train_tokens, grammar=corpus.true_model, n=60,
                              seed=3, progress=False)
    assert list(frame.columns) == [*BASE_COLUMNS, "novelty", "grammatical_fraction", "mean_log_prob"]
    assert frame["temperature"].tolist() == [1.0, 0.5, 2.0] and len(frame) == 3
    samples = [tuple(data.vocab.decode(r)) for r in sample_fn(60, 0.5, 3)]
    refs = [data.vocab.decode(r) for r in data.test_tokens]
    row = frame.iloc[1]
    assert row["n"] == 60 and row["mean_length"] == pytest.approx(np.mean([len(s) for s in samples]))
    for k, value in bleu_scores(samples, refs, NS).items():
        assert row[f"bleu_{k}"] == value
    for k, value in self_bleu_scores(samples, NS).items():
        assert row[f"self_bleu_{k}"] == value
    assert row["distinct_2"] == distinct_scores(samples, (2,))[2]
    assert row["duplicate_rate"] == duplicate_rate(samples)
    assert row["novelty"] == 0.0  # every sample is a training sentence
    assert row["grammatical_fraction"] == 1.0
    assert row["mean_log_prob"] == pytest.approx(grammar_scores([list(s) for s in samples])["mean_log_prob"])
    assert frame.attrs["protocol"] == "texygen" and frame.attrs["seconds"] > 0


def test_sweep_is_deterministic_and_colder_samples_repeat_more(data):
    sample_fn = stub_sampler(data.train_tokens)
    kwargs = dict(vocab=data.vocab, references=data.test_tokens, n=80, seed=1, progress=False)
    first = temperature_sweep(sample_fn, [0.25, 0.5, 1.0, 2.0], **kwargs)
    pd.testing.assert_frame_equal(first, temperature_sweep(sample_fn, [0.25, 0.5, 1.0, 2.0], **kwargs))
    assert first["duplicate_rate"].is_monotonic_decreasing
    assert first["self_bleu_3"].is_monotonic_decreasing


def test_a_trained_lm_trades_diversity_for_quality_as_temperature_falls(trained_lm, data):
    frame = temperature_sweep(trained_lm, [0.3, 0.7, 1.0, 1.5], vocab=data.vocab,
                              references=data.test_tokens, reference_lm=trained_lm, n=64, seed=0,
                              progress=False)
    cold, hot = frame.iloc[0], frame.iloc[-1]
    assert frame["self_bleu_5"].is_monotonic_decreasing  # colder: the sentences look alike
    assert frame["lm_score"].is_monotonic_increasing  # colder: likelier under the model
    assert cold["bleu_2"] > hot["bleu_2"] and cold["bleu_3"] > hot["bleu_3"]
    direct = temperature_sweep(model_sampler(trained_lm), [0.7], vocab=data.vocab,
                               references=data.test_tokens, n=64, seed=0, progress=False)
    assert direct.iloc[0]["bleu_5"] == frame.iloc[1]["bleu_5"]  # a model is wrapped by model_sampler


def test_protocol_scores_only_the_first_hypotheses(data):
    sample_fn = stub_sampler(data.train_tokens)
    frame = temperature_sweep(sample_fn, [1.0], vocab=data.vocab, references=data.test_tokens, n=150,
                              protocol="relgan", ns=(3,), progress=False)
    samples = [data.vocab.decode(r) for r in sample_fn(150, 1.0, 0)]
    refs = [data.vocab.decode(r) for r in data.test_tokens]
    assert frame.iloc[0]["bleu_3"] == bleu_scores(samples[:100], refs, (3,))[3]
    assert frame.iloc[0]["self_bleu_3"] == self_bleu_scores(samples, (3,), n_hypotheses=100)[3]


def test_oracle_columns_in_a_sweep():
    oracle = OracleLM(vocab_size=40, emb_dim=4, hidden_dim=4, seq_len=5, seed=1)
    samples = oracle.sample(30, seed=2)
    words = [[str(i) for i in row] for row in samples.tolist()]
    vocab = Vocabulary.build(words)
    pool = encode_sentences(words, vocab, seq_len=6).tokens
    frame = temperature_sweep(lambda n, t, seed: pool[:n], [1.0], vocab=vocab, references=words,
                              oracle=oracle, n=30, progress=False)
    assert frame.iloc[0]["nll_oracle"] == pytest.approx(oracle.nll(samples))
    assert frame.iloc[0]["oracle_scored"] == 1.0


def test_sweep_errors_say_what_to_pass(data):
    sample_fn = stub_sampler(data.train_tokens)
    kwargs = dict(vocab=data.vocab, references=data.test_tokens, n=10, progress=False)
    with pytest.raises(GanTextError, match="temperatures must be a non-empty list of numbers >= 0"):
        temperature_sweep(sample_fn, [], **kwargs)
    with pytest.raises(GanTextError, match="temperatures must be"):
        temperature_sweep(sample_fn, [1.0, -0.5], **kwargs)
    with pytest.raises(GanTextError, match="sample_fn must be a function .* use model_sampler"):
        temperature_sweep("rnn", [1.0], **kwargs)
    with pytest.raises(GanTextError, match="unknown BLEU protocol 'paper'; known: texygen"):
        temperature_sweep(sample_fn, [1.0], protocol="paper", **kwargs)
    with pytest.raises(GanTextError, match="n must be a whole number >= 2"):
        temperature_sweep(sample_fn, [1.0], **{**kwargs, "n": 1})
    with pytest.raises(GanTextError, match=r"references\[0\] is a string"):
        temperature_sweep(sample_fn, [1.0], **{**kwargs, "references": ["a cat sat"]})
    with pytest.raises(GanTextError, match="sample_fn's output must be int token ids"):
        temperature_sweep(lambda n, t, s: [["a"]], [1.0], **kwargs)
    with pytest.raises(GanTextError, match="token ids; pass vocab= to decode them"):
        score_samples(data.train_tokens[:5], references=data.test_tokens)
    with pytest.raises(GanTextError, match="at least 2 sentences .Self-BLEU compares them."):
        score_samples([["a", "cat"]], references=[["a", "dog"]])
    with pytest.raises(GanTextError, match="pass vocab= to encode the sentences"):
        score_samples([["a"], ["b"]], references=[["a"]], reference_lm=SimpleNamespace(seq_len=6))
    with pytest.raises(GanTextError, match="model_sampler needs a model with a sample method"):
        model_sampler(lambda n, t, s: None)


# ----------------------------------------------------------------------------- the real-data row

def test_real_row_scores_each_reference_against_the_others(data, corpus):
    refs = [data.vocab.decode(r) for r in data.test_tokens[:12]]
    row = real_data_row(vocab=data.vocab, references=data.test_tokens[:12], n=5, ns=(2, 4),
                        grammar=corpus.true_model, train_sentences=data.train_tokens)
    assert list(row.index) == ["real"] and math.isnan(row["temperature"].iloc[0])
    smooth = SmoothingFunction().method1
    for k in (2, 4):  # nltk, with sentence i left out of its own references
        expected = np.mean([sentence_bleu(refs[:i] + refs[i + 1:], refs[i], (1 / k,) * k,
                                          smoothing_function=smooth) for i in range(5)])
        assert row[f"bleu_{k}"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert row["self_bleu_2"].iloc[0] == self_bleu_scores(refs[:5], (2,))[2]
    assert row["grammatical_fraction"].iloc[0] == 1.0


def test_real_row_with_its_own_sentences_equals_score_samples(data):
    real = [data.vocab.decode(r) for r in data.train_tokens[:40]]
    row = real_data_row(real, vocab=data.vocab, references=data.test_tokens, n=40)
    expected = score_samples(real, vocab=data.vocab, references=data.test_tokens)
    assert row.iloc[0].drop("temperature").to_dict() == pytest.approx(expected)


def test_real_row_trains_the_reverse_lm_on_real_train_rows(data, trained_lm):
    from gan_text.config import profile

    tiny = profile("smoke").replace(batch_size=16, pretrain_steps=3, steps=0, emb_dim=8, hidden_dim=8)
    row = real_data_row(vocab=data.vocab, references=data.test_tokens, reference_lm=trained_lm,
                        reverse_lm=data, cfg=tiny, n=32)
    assert row["lm_score"].iloc[0] == pytest.approx(trained_lm.nll(data.test_tokens[:32]))
    assert np.isfinite(row["reverse_lm_score"].iloc[0])


# ----------------------------------------------------------------------------- plots

def sweep_frame(bleu, self_bleu, temperatures=(0.5, 1.0, 1.5)):
    return pd.DataFrame({"temperature": temperatures, "bleu_5": bleu, "self_bleu_5": self_bleu,
                         "lm_score": bleu, "reverse_lm_score": self_bleu})


def test_quality_diversity_plot_has_one_line_per_model_and_the_real_point():
    frames = {"MLE": sweep_frame([0.5, 0.4, 0.3], [0.6, 0.4, 0.2]),
              "GAN": sweep_frame([0.45, 0.35], [0.7, 0.5], temperatures=(1.0, 0.5))}
    real = pd.DataFrame([{"temperature": math.nan, "bleu_5": 0.42, "self_bleu_5": 0.3}], index=["real"])
    ax = plots.plot_quality_diversity(frames, real=real)
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["MLE", "GAN", "real data"]
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [0.5, 0.7])  # sorted by temperature
    assert ax.lines[2].get_marker() == "*" and list(ax.lines[2].get_xdata()) == [0.3]
    assert sorted(t.get_text() for t in ax.texts if t.get_text().startswith("T=")) == \
        ["T=0.5", "T=0.5", "T=1", "T=1", "T=1.5"]
    assert "lower = more diverse" in ax.get_xlabel() and "higher" in ax.get_ylabel()
    assert any(t.get_text() == "better \u2196" for t in ax.texts)
    plt.close(ax.figure)


def test_lm_plot_and_plot_errors():
    ax = plots.plot_lm_scores({"MLE": sweep_frame([4.0, 4.2, 4.5], [5.0, 4.8, 4.9])},
                              real={"lm_score": 4.1, "reverse_lm_score": 4.6})
    assert len(ax.lines) == 2 and "reverse-LM" in ax.get_xlabel() and "lower" in ax.get_ylabel()
    assert any(t.get_text() == "better \u2199" for t in ax.texts)
    plt.close(ax.figure)
    with pytest.raises(GanTextError, match="frames\\['MLE'\\] has no column 'bleu_4'"):
        plots.plot_quality_diversity({"MLE": sweep_frame([1, 2, 3], [1, 2, 3])}, y="bleu_4")
    with pytest.raises(GanTextError, match="non-empty dict"):
        plots.plot_quality_diversity({})
    with pytest.raises(GanTextError, match="real must be real_data_row"):
        plots.plot_quality_diversity({"MLE": sweep_frame([1, 2, 3], [1, 2, 3])}, real=[0.1, 0.2])
    with pytest.raises(GanTextError, match="frames\\['MLE'\\] is a list, not a DataFrame"):
        plots.plot_quality_diversity({"MLE": [0.1, 0.2]})
    plt.close("all")


def test_plot_history_draws_the_losses_of_every_phase(tmp_path):
    history = pd.DataFrame({"phase": ["pretrain", "pretrain", "adversarial", "adversarial"],
                            "step": [10, 20, 10, 20], "total_step": [10, 20, 30, 40],
                            "nll": [3.0, 2.5, np.nan, np.nan], "d_loss": [np.nan, np.nan, 0.7, 0.6],
                            "g_loss": [np.nan, np.nan, 0.8, 0.9], "duplicate_rate": [0, 0, 0.1, 0.2]})
    ax = plots.plot_history(history)
    assert [line.get_label() for line in ax.lines if not line.get_label().startswith("_")] == \
        ["nll", "d_loss", "g_loss"]
    assert {t.get_text() for t in ax.texts} == {"pretrain", "adversarial"}
    plt.close(ax.figure)
    history.to_csv(tmp_path / "history.csv", index=False)
    ax = plots.plot_history(tmp_path, columns="duplicate_rate")
    assert [line.get_label() for line in ax.lines][0] == "duplicate_rate"
    plt.close(ax.figure)
    with pytest.raises(GanTextError, match="no history at"):
        plots.plot_history(tmp_path / "missing")
    with pytest.raises(GanTextError, match="has no loss column; pass columns="):
        plots.plot_history(history[["phase", "step", "total_step", "duplicate_rate"]])
    with pytest.raises(GanTextError, match="the history is empty"):
        plots.plot_history(history.iloc[:0])
    with pytest.raises(GanTextError, match="history must be a DataFrame or the path"):
        plots.plot_history([1, 2])
