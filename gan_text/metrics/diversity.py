"""Diversity of generated text: distinct-n, unique n-grams per sentence, duplicates, novelty.

A generator that has collapsed onto a few sentences can still score a high BLEU: every one of its few
sentences looks real. These scores look at the generated set itself (and, for novelty, at the
training set) and say how varied it is. All of them take tokenised sentences: a list of token lists
such as ``[["a", "man", "rides"], ["a", "dog"]]`` (use ``gt.text.tokenize_corpus`` on raw text, or
``gt.dataset.decode_batch`` on generator output). Tokens may be any hashable values (str or int ids).

An *n-gram* is ``n`` consecutive tokens of one sentence; n-grams never cross sentence boundaries and
no start/end markers are added, so a sentence of length ``L`` has ``max(0, L - n + 1)`` of them.

What the scores say (diverse, real-looking text -> collapsed generator):

* :func:`distinct_n` (Li et al. 2016): share of n-grams that are new; near 1 -> near 0.
* :func:`unique_ngrams_per_sentence`: different n-grams inside one sentence; about the sentence
  length -> low when sentences stutter ("a a a a").
* :func:`duplicate_rate`: share of sentences repeating an earlier one; 0 -> near 1.
* :func:`novelty`: share of sentences not copied from the training set; high -> low when the
  generator memorises.

Everything is counted with :class:`collections.Counter` over n-gram tuples, which handles 10,000
sentences in well under a second.
"""

from __future__ import annotations

import math
from collections import Counter

from .inputs import countable_sentences, ngram_order, ngram_orders

DIVERSITY_NS = (1, 2, 3, 4)  # distinct-n / unique-n orders reported by default


# ----------------------------------------------------------------------------- shared helpers

def _grams(sentence: tuple, n: int):
    """The n-grams of one sentence, left to right, as tuples (none if it is shorter than n)."""
    return zip(*(sentence[i:] for i in range(n)), strict=False)


def ngram_counts(sentences, n: int) -> Counter:
    """Count every n-gram over all ``sentences`` (a list of token lists).

    Returns a ``Counter`` mapping each n-gram (a tuple of ``n`` tokens) to how often it occurs in the
    whole set; ``sum(counts.values())`` is the total number of n-grams,
    ``sum(max(0, len(s) - n + 1) for s in sentences)``.

    >>> ngram_counts([["a", "b", "a", "b"]], 2)
    Counter({('a', 'b'): 2, ('b', 'a'): 1})
    """
    n = ngram_order(n)
    return count_ngrams(countable_sentences(sentences, "sentences"), n)


def count_ngrams(sents: list[tuple], n: int) -> Counter:
    """:func:`ngram_counts` without the checks, for inputs already checked by
    :func:`~gan_text.metrics.inputs.countable_sentences` and :func:`~gan_text.metrics.inputs.ngram_order`."""
    return Counter(gram for sentence in sents for gram in _grams(sentence, n))


# ----------------------------------------------------------------------------- distinct-n

def distinct_scores(sentences, ns=DIVERSITY_NS) -> dict[int, float]:
    """distinct-n of a set of sentences for each n in ``ns``: ``{n: float in [0, 1]}``.

    Li, Galley, Brockett, Gao & Dolan (2016), "A Diversity-Promoting Objective Function for Neural
    Conversation Models", NAACL-HLT: the number of distinct n-grams divided by the
    total number of n-grams, over the whole set::

        distinct-n = |{ all n-grams of all sentences }|  /  sum_s max(0, len(s) - n + 1)

    (The paper words the denominator as "the total number of generated tokens"; like most
    implementations we divide by the number of n-grams, so that one sentence without repeats scores
    exactly 1 for every n.) 1 means no n-gram is ever repeated; ``k`` copies of the same sentences
    divide it by ``k``. It is ``nan`` when no sentence has ``n`` tokens (0 / 0).
    """
    sents = countable_sentences(sentences, "sentences")
    scores = {}
    for n in ngram_orders(ns):
        counts = count_ngrams(sents, n)
        total = sum(counts.values())
        scores[n] = len(counts) / total if total else math.nan
    return scores


def distinct_n(sentences, n: int) -> float:
    """distinct-n (Li et al. 2016): distinct n-grams / all n-grams over the set; see
    :func:`distinct_scores`."""
    n = ngram_order(n)
    return distinct_scores(sentences, (n,))[n]


# ----------------------------------------------------------------------------- within a sentence

def unique_ngrams_per_sentence(sentences, n: int, ratio: bool = False) -> float:
    """How many different n-grams one sentence holds, averaged over the sentences.

    ``ratio=False`` (default): the mean *number* of distinct n-grams in a sentence (unit: n-grams
    per sentence)::

        (1 / N) * sum_s |{ n-grams of s }|

    A sentence shorter than ``n`` counts as 0. With no repeats inside sentences this equals the mean
    number of n-grams per sentence (mean length - n + 1); a generator that stutters ("a a a a")
    scores lower.

    ``ratio=True``: the mean over sentences of *distinct / total* n-grams within the sentence, i.e.
    distinct-n computed inside each sentence and then averaged: the "intra-dist" of Gu, Cho, Ha &
    Kim (2019), "DialogWAE: Multimodal Response Generation with Conditional Wasserstein
    Auto-Encoder", ICLR. Sentences shorter than ``n`` have no n-grams and are left out of this
    mean (``nan`` if all are). 1 means no sentence repeats an n-gram.

    Neither version looks across sentences: a set of identical sentences without inner repeats
    scores as high as a varied one (use :func:`distinct_n` or :func:`duplicate_rate` for that).
    """
    n = ngram_order(n)
    sents = countable_sentences(sentences, "sentences")
    if not ratio:
        return math.fsum(len(set(_grams(s, n))) for s in sents) / len(sents)
    ratios = [len(set(_grams(s, n))) / (len(s) - n + 1) for s in sents if len(s) >= n]
    return math.fsum(ratios) / len(ratios) if ratios else math.nan


# ----------------------------------------------------------------------------- whole sentences

def duplicate_rate(sentences) -> float:
    """Share of sentences that exactly repeat an earlier sentence of the same set, in [0, 1).

    ::

        duplicate rate = (N - number of different sentences) / N

    Two sentences are duplicates when their token sequences are equal. N different sentences give 0;
    N copies of one sentence give (N - 1) / N. It is 1 - "uniqueness" as used for generative models
    in general (e.g. the MOSES benchmark, Polykovskiy et al. 2020, Frontiers in Pharmacology).
    """
    sents = countable_sentences(sentences, "sentences")
    return (len(sents) - len(set(sents))) / len(sents)


def novelty(sentences, train_sentences) -> float:
    """Share of generated sentences that do not occur in the training set, in [0, 1].

    ::

        novelty = |{ i : sentences[i] not in train_sentences }| / N

    Matching is on the exact token sequence (tokenise both sides the same way). Every generated
    sentence counts, duplicates included, so a generator that repeats one memorised training
    sentence scores 0. Low novelty means the generator copies its training data; 1 means nothing
    is copied verbatim (it says nothing about quality).
    """
    sents = countable_sentences(sentences, "sentences")
    train = set(countable_sentences(train_sentences, "train_sentences"))
    return sum(s not in train for s in sents) / len(sents)


# ----------------------------------------------------------------------------- all at once

def diversity_scores(sentences, train_sentences=None, ns=DIVERSITY_NS) -> dict[str, float]:
    """All diversity scores of one generated set, as a flat ``{name: float}`` dict.

    Keys: ``distinct-n`` and ``unique-n/sentence`` for each n in ``ns``, ``duplicate_rate``, and
    ``novelty`` when ``train_sentences`` is given. Handy as a row of a pandas table::

        pd.DataFrame({"real": diversity_scores(test, train), "fake": diversity_scores(fake, train)})
    """
    sents = countable_sentences(sentences, "sentences")
    ns = ngram_orders(ns)
    scores = {f"distinct-{n}": value for n, value in distinct_scores(sents, ns).items()}
    scores |= {f"unique-{n}/sentence": unique_ngrams_per_sentence(sents, n) for n in ns}
    scores["duplicate_rate"] = duplicate_rate(sents)
    if train_sentences is not None:
        scores["novelty"] = novelty(sents, train_sentences)
    return scores


__all__ = [
    "DIVERSITY_NS", "distinct_n", "distinct_scores", "diversity_scores", "duplicate_rate",
    "count_ngrams", "ngram_counts", "novelty", "unique_ngrams_per_sentence",
]
