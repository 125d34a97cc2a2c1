"""Fidelity: how close is the generated text to real text, as a whole distribution?

BLEU asks "does each generated sentence look like some real one?" and ignores diversity. The
scores here compare the two *sets*: the n-gram frequencies of generated and real text, and their
sentence lengths. A generator that repeats a few good sentences matches only a few real n-grams and
so scores badly, which makes these scores sensitive to quality *and* diversity at once.

* :func:`ngram_jsd` - Jensen-Shannon divergence between n-gram frequency distributions, the monitor
  of the WGAN-GP language model (Gulrajani et al. 2017). 0 = same distribution, 1 = disjoint.
* :func:`ms_jaccard` - MS-Jaccard (Montahaei et al. 2019): multiset Jaccard similarity of
  n-gram counts. 1 = same (normalised) counts, 0 = no n-gram in common.
* :func:`length_distance` - Wasserstein-1 distance between sentence-length distributions, in tokens.

Inputs are lists of token lists (``gt.text.tokenize_corpus`` on raw text, or
``gt.dataset.decode_batch`` on generator output); n-grams are counted inside each sentence, without
start/end markers, as in :mod:`gan_text.metrics.diversity`.

These are sample estimates: two samples of the *same* real text do not score 0 / 1, least of all for
long n-grams, which are rare. Always show the real-vs-real value (e.g. train against test, with as
many sentences as you generate) next to a generator's score, and compare sets of equal size.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .diversity import count_ngrams
from .inputs import countable_sentences, ngram_order, ngram_orders

JSD_NS = (1, 2, 3, 4)  # orders of the WGAN-GP monitor
MS_JACCARD_NS = (2, 3, 4, 5)  # the same orders as BLEU-2..5 (metrics.DEFAULT_NS)


def _pair(generated, real) -> tuple[list[tuple], list[tuple]]:
    return countable_sentences(generated, "generated"), countable_sentences(real, "real")


def _aligned(gen_counts: Counter, real_counts: Counter) -> tuple[np.ndarray, np.ndarray]:
    """The two count tables as int64 arrays over the union of their n-grams (0 where absent)."""
    keys = gen_counts.keys() | real_counts.keys()
    gen = np.fromiter((gen_counts[k] for k in keys), dtype=np.int64, count=len(keys))
    real = np.fromiter((real_counts[k] for k in keys), dtype=np.int64, count=len(keys))
    return gen, real


# ----------------------------------------------------------------------------- Jensen-Shannon

def _jsd(gen: np.ndarray, real: np.ndarray) -> float:
    """JSD in bits between two aligned count arrays (see :func:`_aligned`)."""
    if not gen.sum() or not real.sum():
        return math.nan
    p, q = gen / gen.sum(), real / real.sum()
    m = (p + q) / 2

    def kl_to_m(x):  # KL(x || m) in nats, with 0 * log 0 = 0
        keep = x > 0
        return float(np.sum(x[keep] * np.log(x[keep] / m[keep])))

    value = (kl_to_m(p) + kl_to_m(q)) / 2 / math.log(2)  # nats -> bits
    return min(max(value, 0.0), 1.0)  # the exact value lies in [0, 1]; clip rounding noise


def ngram_jsd_scores(generated, real, ns=JSD_NS) -> dict[int, float]:
    """Jensen-Shannon divergence (base 2) between generated and real n-gram frequencies, per n.

    Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville (2017), "Improved Training of Wasserstein GANs",
    NeurIPS, language-model experiment: they monitored the Jensen-Shannon divergence between the
    n-gram frequencies of generated and real text, for n = 1..4. With ``P`` and ``Q``
    the relative frequencies of every n-gram in the generated and in the real set
    (count / total number of n-grams of that set) and ``M = (P + Q) / 2``::

        JSD-n = 1/2 * KL(P || M) + 1/2 * KL(Q || M),   KL(P || M) = sum_g P(g) * log2(P(g) / M(g))

    in bits (log base 2, as the paper's code divides by ln 2), so it lies in [0, 1]: 0 for equal
    frequencies, 1 when no n-gram is shared. ``scipy.spatial.distance.jensenshannon(P, Q, base=2)``
    returns the square root of this number (the JS *distance*). ``nan`` if either set has no
    n-gram of that order. Returns ``{n: float}``.
    """
    gen, real = _pair(generated, real)
    return {n: _jsd(*_aligned(count_ngrams(gen, n), count_ngrams(real, n))) for n in ngram_orders(ns)}


def ngram_jsd(generated, real, n: int) -> float:
    """JSD between n-gram frequencies (bits, in [0, 1]) for one n; see :func:`ngram_jsd_scores`."""
    n = ngram_order(n)
    return ngram_jsd_scores(generated, real, (n,))[n]


# ----------------------------------------------------------------------------- MS-Jaccard

def _jaccard(gen: np.ndarray, real: np.ndarray, n_gen: int, n_real: int) -> float:
    """J_n of two aligned count arrays, from sets of ``n_gen`` and ``n_real`` sentences."""
    # c_G / n_gen vs c_R / n_real, both multiplied by n_gen * n_real: exact integers, one division
    gen, real = gen * n_real, real * n_gen
    union = int(np.maximum(gen, real).sum())
    return int(np.minimum(gen, real).sum()) / union if union else math.nan


def multiset_jaccard(generated, real, n: int) -> float:
    """Multiset Jaccard similarity of the n-gram counts of one order ``n`` (the J_n of MS-Jaccard).

    With ``c_S(g)`` the number of occurrences of n-gram ``g`` in set ``S`` divided by the number of
    sentences in ``S``::

        J_n = sum_g min(c_G(g), c_R(g)) / sum_g max(c_G(g), c_R(g))

    over every n-gram ``g`` of either set. In [0, 1]; ``nan`` if neither set has an n-gram.
    See :func:`ms_jaccard_scores`.
    """
    n = ngram_order(n)
    gen, real = _pair(generated, real)
    return _jaccard(*_aligned(count_ngrams(gen, n), count_ngrams(real, n)), len(gen), len(real))


def _geometric_means(per_order: dict[int, float], ns) -> dict[int, float]:
    return {n: math.prod(per_order[k] for k in range(1, n + 1)) ** (1 / n) for n in ns}


def ms_jaccard_scores(generated, real, ns=MS_JACCARD_NS) -> dict[int, float]:
    """MS-Jaccard-n between the generated and the real set, for each n in ``ns``: ``{n: float}``.

    Montahaei, Alihosseini & Soleymani Baghshah (2019), "Jointly Measuring Diversity and Quality in
    Text Generation Models", NAACL Workshop on Methods for Optimizing and Evaluating Neural Language
    Generation (arXiv:1904.03971), exactly as in the authors' code (``MultisetDistances``,
    github.com/IAmS4n/TextGenerationEvaluationMetrics). Every n-gram count is divided by the number
    of sentences of its set, so sets of different sizes compare fairly; J_k is the multiset Jaccard
    similarity of those normalised counts (:func:`multiset_jaccard`), and MS-Jaccard-n is the
    geometric mean over the orders 1..n::

        MS-Jaccard-n = (J_1 * J_2 * ... * J_n) ** (1 / n)

    1 when the two sets have the same normalised n-gram counts; 0 when they share no n-gram of some
    order k <= n. Higher is better (closer to real text in quality and diversity).
    """
    gen, real = _pair(generated, real)
    ns = ngram_orders(ns)
    per_order = {k: _jaccard(*_aligned(count_ngrams(gen, k), count_ngrams(real, k)), len(gen), len(real))
                 for k in range(1, max(ns) + 1)}
    return _geometric_means(per_order, ns)


def ms_jaccard(generated, real, n: int) -> float:
    """MS-Jaccard-n (Montahaei et al. 2019) for one n; see :func:`ms_jaccard_scores`."""
    n = ngram_order(n)
    return ms_jaccard_scores(generated, real, (n,))[n]


# ----------------------------------------------------------------------------- lengths

def _length_w1(gen: list[tuple], real: list[tuple]) -> float:
    gen_len = np.fromiter(map(len, gen), dtype=np.int64, count=len(gen))
    real_len = np.fromiter(map(len, real), dtype=np.int64, count=len(real))
    size = int(max(gen_len.max(), real_len.max())) + 1
    gen_cdf = np.cumsum(np.bincount(gen_len, minlength=size)) / len(gen)
    real_cdf = np.cumsum(np.bincount(real_len, minlength=size)) / len(real)
    return float(np.abs(gen_cdf - real_cdf).sum())


def length_distance(generated, real) -> float:
    """Wasserstein-1 (earth mover's) distance between the sentence-length distributions, in tokens.

    With ``F_G(l)`` and ``F_R(l)`` the share of generated / real sentences with at most ``l`` tokens
    (lengths are whole numbers, so the integral of the textbook definition is a sum)::

        W1 = sum_{l >= 0} | F_G(l) - F_R(l) |

    It is the smallest average number of tokens by which the generated lengths must be changed to
    match the real ones: 0 for the same length histogram, and exactly ``d`` if every sentence is
    ``d`` tokens too long. Equal to ``scipy.stats.wasserstein_distance(generated_lengths,
    real_lengths)``. Unlike the total variation distance it also says *how far* the lengths are off.
    """
    return _length_w1(*_pair(generated, real))


# ----------------------------------------------------------------------------- all at once

def fidelity_scores(generated, real, jsd_ns=JSD_NS, jaccard_ns=MS_JACCARD_NS) -> dict[str, float]:
    """All fidelity scores of a generated set against real text, as a flat ``{name: float}`` dict.

    Keys: ``jsd-n`` for n in ``jsd_ns``, ``ms-jaccard-n`` for n in ``jaccard_ns`` and
    ``length_w1``. Each n-gram table is counted once and shared by both scores.
    """
    gen, real = _pair(generated, real)
    jsd_ns, jaccard_ns = ngram_orders(jsd_ns), ngram_orders(jaccard_ns)
    per_order, jsd = {}, {}
    for k in range(1, max(max(jsd_ns), max(jaccard_ns)) + 1):
        gen_counts, real_counts = _aligned(count_ngrams(gen, k), count_ngrams(real, k))
        per_order[k] = _jaccard(gen_counts, real_counts, len(gen), len(real))
        if k in jsd_ns:
            jsd[k] = _jsd(gen_counts, real_counts)
    scores = {f"jsd-{n}": jsd[n] for n in jsd_ns}
    scores |= {f"ms-jaccard-{n}": v for n, v in _geometric_means(per_order, jaccard_ns).items()}
    scores["length_w1"] = _length_w1(gen, real)
    return scores


__all__ = [
    "JSD_NS", "MS_JACCARD_NS", "fidelity_scores", "length_distance", "ms_jaccard",
    "ms_jaccard_scores", "multiset_jaccard", "ngram_jsd", "ngram_jsd_scores",
]
