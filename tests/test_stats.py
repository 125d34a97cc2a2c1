"""Corpus statistics and their plots (gan_text.stats), checked on a corpus small enough to count by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gan_text.corpora.base import Corpus  # noqa: E402
from gan_text.errors import GanTextError  # noqa: E402
from gan_text.stats import corpus_stats, plot_lengths, plot_rank_frequency  # noqa: E402
from gan_text.vocabulary import Vocabulary  # noqa: E402

# train counts: the 2, cat 2, sat 2, dog 1, down 1, a 1  (9 tokens, 6 types, lengths 3 4 2)
# test: the bird sat / a cat                            (5 tokens, 5 types, lengths 3 2)
TINY = Corpus("tiny", "hand-made", train=["The cat sat", "the dog sat down", "a cat"],
              test=["the bird sat", "A cat"], lowercase=True)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_corpus_stats_by_hand():
    df = corpus_stats(TINY, top_k=(2, 100))
    assert list(df.columns) == ["train", "test"]
    assert list(df.index) == ["sentences", "tokens", "vocabulary size", "min length", "mean length",
                              "median length", "p90 length", "p95 length", "max length",
                              "top-2 coverage", "top-100 coverage", "OOV rate"]
    train, test = df["train"], df["test"]
    assert (train["sentences"], train["tokens"], train["vocabulary size"]) == (3, 9, 6)
    assert (test["sentences"], test["tokens"], test["vocabulary size"]) == (2, 5, 5)
    # lengths: train sorted 2 3 4, test 2 3; quantiles interpolate linearly between them
    assert (train["min length"], train["max length"]) == (2, 4)
    assert train["mean length"] == pytest.approx(3.0)
    assert train["median length"] == pytest.approx(3.0)
    assert train["p90 length"] == pytest.approx(3.8)
    assert train["p95 length"] == pytest.approx(3.9)
    assert (test["min length"], test["max length"]) == (2, 3)
    assert test["mean length"] == pytest.approx(2.5) and test["p90 length"] == pytest.approx(2.9)
    # top-2 train types: cat, sat (count 2, ties broken alphabetically before "the")
    assert train["top-2 coverage"] == pytest.approx(4 / 9)
    assert test["top-2 coverage"] == pytest.approx(2 / 5)  # "sat", "cat"
    assert train["top-100 coverage"] == pytest.approx(1.0)
    assert test["top-100 coverage"] == pytest.approx(4 / 5)  # all but "bird"
    assert train["OOV rate"] == 0 and test["OOV rate"] == pytest.approx(1 / 5)


def test_counts_print_as_integers():
    df = corpus_stats(TINY)
    assert type(df.loc["tokens", "train"]) is int
    assert "9.0" not in df.to_string()


def test_oov_rate_against_a_given_vocabulary():
    vocab = Vocabulary(["cat", "sat"])
    df = corpus_stats(TINY, vocab=vocab)
    assert df.loc["OOV rate", "train"] == pytest.approx(5 / 9)
    assert df.loc["OOV rate", "test"] == pytest.approx(3 / 5)


def test_level_and_lowercase_can_be_overridden():
    chars = corpus_stats(TINY, level="char")
    assert chars.loc["tokens", "train"] == len("The cat sat") + len("the dog sat down") + len("a cat")
    assert chars.loc["max length", "test"] == len("the bird sat")
    cased = corpus_stats(TINY, lowercase=False)
    assert cased.loc["vocabulary size", "train"] == 7  # "The" and "the"


def test_token_lists_and_dicts_are_accepted():
    token_lists = [["x", "y"], ["x"]]
    single = corpus_stats(token_lists)
    assert list(single.columns) == ["train"] and single.loc["tokens", "train"] == 3
    both = corpus_stats({"test": [["z"]], "train": token_lists})
    assert list(both.columns) == ["train", "test"] and both.loc["OOV rate", "test"] == 1.0
    empty_test = corpus_stats({"train": token_lists, "test": []})
    assert empty_test.loc["sentences", "test"] == 0
    assert np.isnan(empty_test.loc["mean length", "test"])
    assert np.isnan(empty_test.loc["OOV rate", "test"])


@pytest.mark.parametrize("source", [["raw", "sentences"], {"test": [["a"]]}, "text", 42])
def test_bad_sources_are_clear_errors(source):
    with pytest.raises(GanTextError, match="statistics need a Corpus.*tokenize_corpus"):
        corpus_stats(source)


def test_bad_top_k_is_a_clear_error():
    with pytest.raises(GanTextError, match=r"top_k=\[0\] must hold whole numbers >= 1"):
        corpus_stats(TINY, top_k=(0,))


def test_plot_lengths_draws_one_histogram_per_split():
    ax = plot_lengths(TINY, seq_len=4)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.patches) == 2  # one outlined histogram per split
    assert [line.get_xdata()[0] for line in ax.lines] == [3]  # the seq_len - 1 marker
    assert len(ax.get_legend().get_texts()) == 3
    # heights are fractions of sentences: train lengths 2 3 4 -> 1/3 each
    train_outline = ax.patches[0].get_xy()
    assert set(np.round(train_outline[:, 1], 6)) == {0.0, round(1 / 3, 6)}


def test_plot_lengths_uses_the_given_axes():
    _, ax = plt.subplots()
    assert plot_lengths([["a"], ["a", "b"]], ax=ax) is ax
    assert len(ax.patches) == 1 and not ax.lines


def test_plot_rank_frequency_is_log_log_with_zipf_line():
    ax = plot_rank_frequency(TINY)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    train, test, zipf = ax.lines
    assert list(train.get_xdata()) == [1, 2, 3, 4, 5, 6]
    assert list(train.get_ydata()) == [2, 2, 2, 1, 1, 1]
    assert list(test.get_ydata()) == [1, 1, 1, 1, 1]
    np.testing.assert_allclose(zipf.get_ydata(), 2 / np.arange(1, 7))
