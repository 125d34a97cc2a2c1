"""Corpus statistics: how many sentences and tokens, how long, how concentrated the vocabulary is.

Every function takes the same input, ``source``:

- a :class:`~gan_text.corpora.Corpus`: both splits are cleaned and tokenised with the corpus's
  ``level`` and ``lowercase`` (override them with ``level=`` / ``lowercase=``);
- a dict of already tokenised splits, e.g. ``{"train": token_lists, "test": token_lists}``;
- one list of tokenised sentences, treated as the ``train`` split.

Lengths are counted in tokens of the chosen level (words or characters), without ``<eos>``.
matplotlib is imported only by the plotting functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import GanTextError
from .text import tokenize_corpus
from .vocabulary import SPECIALS, Vocabulary


def _splits(source, level: str | None = None, lowercase: bool | None = None
            ) -> dict[str, list[list[str]]]:
    """``source`` (see the module docstring) -> {split name: tokenised sentences}, train first."""
    if hasattr(source, "train") and hasattr(source, "test"):
        level = source.level if level is None else level
        lowercase = source.lowercase if lowercase is None else lowercase
        return {"train": tokenize_corpus(source.train, level, lowercase),
                "test": tokenize_corpus(source.test, level, lowercase)}
    if isinstance(source, Mapping):
        splits = {str(name): list(token_lists) for name, token_lists in source.items()}
    elif isinstance(source, Sequence) and not isinstance(source, str):
        splits = {"train": list(source)}
    else:
        splits = None
    if not splits or "train" not in splits or any(
            isinstance(sentence, str) for lists in splits.values() for sentence in lists):
        raise GanTextError("statistics need a Corpus, a dict {'train': token_lists, ...} or a list "
                           "of token lists; tokenise sentences with gan_text.text.tokenize_corpus")
    return {"train": splits.pop("train"), **splits}


def _ranked_types(counts: Counter) -> list[str]:
    """Token types by count descending, then alphabetically (the order of Vocabulary.build)."""
    return sorted(counts, key=lambda t: (-counts[t], t))


def corpus_stats(source, *, level: str | None = None, lowercase: bool | None = None,
                 top_k: Sequence[int] = (100, 1000), vocab: Vocabulary | None = None
                 ) -> pd.DataFrame:
    """A table of corpus statistics: one row per statistic, one column per split (train, test).

    Rows, in order:

    - ``sentences``, ``tokens`` (running tokens), ``vocabulary size`` (distinct token types);
    - ``min/mean/median/p90/p95/max length``: tokens per sentence (quantiles interpolate linearly);
    - ``top-k coverage`` for each k in ``top_k``: the fraction of the split's tokens that are among
      the k most frequent *train* types, i.e. what a vocabulary of k regular tokens would cover;
    - ``OOV rate``: the fraction of the split's tokens outside the train types (so 0 for train),
      or outside ``vocab`` when one is given (then train can have OOV tokens too).

    The frame has object dtype so that counts print as integers; rates are fractions in [0, 1].
    Use ``.astype(float)`` for arithmetic. A split without tokens gets NaN for lengths and rates.
    """
    splits = _splits(source, level, lowercase)
    train_counts = Counter(token for tokens in splits["train"] for token in tokens)
    ranked = _ranked_types(train_counts)
    if vocab is not None:
        known = set(vocab.tokens) - set(SPECIALS)
    else:
        known = set(train_counts)
    top_k = [int(k) for k in top_k]
    if any(k < 1 for k in top_k):
        raise GanTextError(f"top_k={top_k} must hold whole numbers >= 1, e.g. (100, 1000)")

    columns = {}
    for name, token_lists in splits.items():
        counts = Counter(token for tokens in token_lists for token in tokens)
        n_tokens = sum(counts.values())
        lengths = np.array([len(tokens) for tokens in token_lists], dtype=float)

        def fraction(types, counts=counts, n_tokens=n_tokens):
            return sum(counts[t] for t in types if t in counts) / n_tokens if n_tokens else np.nan

        def quantile(q, lengths=lengths):
            return float(np.quantile(lengths, q)) if lengths.size else np.nan

        column = {"sentences": len(token_lists), "tokens": n_tokens,
                  "vocabulary size": len(counts),
                  "min length": int(lengths.min()) if lengths.size else np.nan,
                  "mean length": float(lengths.mean()) if lengths.size else np.nan,
                  "median length": quantile(0.5), "p90 length": quantile(0.9),
                  "p95 length": quantile(0.95),
                  "max length": int(lengths.max()) if lengths.size else np.nan}
        for k in top_k:
            column[f"top-{k} coverage"] = fraction(ranked[:k])
        oov = fraction(set(counts) - known)
        column["OOV rate"] = oov
        columns[name] = pd.Series(column, dtype=object)  # object: counts stay ints
    frame = pd.DataFrame(columns)
    frame.columns.name = "split"
    return frame


def plot_lengths(source, *, level: str | None = None, lowercase: bool | None = None,
                 seq_len: int | None = None, ax=None):
    """Histogram of sentence lengths (tokens per sentence), one outlined histogram per split.

    Heights are fractions of each split's sentences, so splits of different sizes compare. With
    ``seq_len`` a dashed vertical line marks ``seq_len - 1``, the most tokens a sequence keeps.
    Returns the matplotlib Axes (drawn on ``ax`` if given).
    """
    import matplotlib.pyplot as plt

    splits = _splits(source, level, lowercase)
    if ax is None:
        _, ax = plt.subplots()
    lengths = {name: [len(tokens) for tokens in lists] for name, lists in splits.items() if lists}
    longest = max((max(values) for values in lengths.values()), default=0)
    bins = np.arange(longest + 2) - 0.5  # one bin per whole length
    for name, values in lengths.items():
        ax.hist(values, bins=bins, weights=np.full(len(values), 1 / len(values)),
                histtype="step", linewidth=1.5, label=f"{name} ({len(values):,} sentences)")
    if seq_len is not None:
        ax.axvline(seq_len - 1, color="black", linestyle="--", linewidth=1,
                   label=f"seq_len - 1 = {seq_len - 1}")
    ax.set_xlabel("sentence length (tokens)")
    ax.set_ylabel("fraction of sentences")
    ax.set_title("Sentence lengths")
    ax.legend()
    return ax


def plot_rank_frequency(source, *, level: str | None = None, lowercase: bool | None = None,
                        ax=None):
    """Token frequency against frequency rank on log-log axes, one line per split.

    The dashed grey line is Zipf's law, frequency proportional to 1 / rank, drawn through the train
    split's most frequent token: natural text follows it roughly, a straight line of slope -1.
    Returns the matplotlib Axes (drawn on ``ax`` if given).
    """
    import matplotlib.pyplot as plt

    splits = _splits(source, level, lowercase)
    if ax is None:
        _, ax = plt.subplots()
    for name, lists in splits.items():
        counts = Counter(token for tokens in lists for token in tokens)
        if not counts:
            continue
        freqs = np.array(sorted(counts.values(), reverse=True), dtype=float)
        ax.loglog(np.arange(1, len(freqs) + 1), freqs, label=f"{name} ({len(freqs):,} types)")
    train = sorted(Counter(t for tokens in splits["train"] for t in tokens).values(), reverse=True)
    if train:
        ranks = np.arange(1, len(train) + 1)
        ax.loglog(ranks, train[0] / ranks, color="grey", linestyle="--", label="Zipf: 1 / rank")
    ax.set_xlabel("rank (1 = most frequent token)")
    ax.set_ylabel("frequency (count)")
    ax.set_title("Rank-frequency (log-log)")
    ax.legend()
    return ax


__all__ = ["corpus_stats", "plot_lengths", "plot_rank_frequency"]
