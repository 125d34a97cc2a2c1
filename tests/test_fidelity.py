"""Fidelity scores: n-gram Jensen-Shannon divergence, MS-Jaccard, length distance.

References: scipy (``jensenshannon``, which returns the square root of the divergence, and
``wasserstein_distance``), hand-worked examples, a plain-Counter transcription of the MS-Jaccard
definition, and the example published in the MS-Jaccard authors' README.
"""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from gan_text.errors import GanTextError
from gan_text.metrics.fidelity import (
    fidelity_scores,
    length_distance,
    ms_jaccard,
    ms_jaccard_scores,
    multiset_jaccard,
    ngram_jsd,
    ngram_jsd_scores,
)


def grams(sentences, n):
    """All n-grams of all sentences, by explicit indexing."""
    return Counter(tuple(s[i + j] for j in range(n)) for s in sentences
                   for i in range(len(s) - n + 1))


def random_corpus(rng: random.Random, size: int, vocab: str = "abcde") -> list[list]:
    return [[rng.choice(vocab) for _ in range(rng.randint(0, 8))] for _ in range(size)]


def frequencies(gen, real, n):
    """Relative n-gram frequencies of both sets over the union of their n-grams."""
    cg, cr = grams(gen, n), grams(real, n)
    keys = sorted(set(cg) | set(cr))
    p = np.array([cg[k] for k in keys], dtype=float)
    q = np.array([cr[k] for k in keys], dtype=float)
    return p / p.sum(), q / q.sum()


def ms_jaccard_by_definition(gen, real, n):
    """Montahaei et al.: counts / number of sentences, sum of min / sum of max, geometric mean."""
    js = []
    for k in range(1, n + 1):
        cg, cr = grams(gen, k), grams(real, k)
        keys = set(cg) | set(cr)
        lo = sum(min(cg[g] / len(gen), cr[g] / len(real)) for g in keys)
        hi = sum(max(cg[g] / len(gen), cr[g] / len(real)) for g in keys)
        js.append(lo / hi)
    return math.prod(js) ** (1 / n)


# ------------------------------------------------------------------------- Jensen-Shannon

def test_jsd_by_hand():
    gen, real = [["a", "b"]], [["a", "c"]]
    # unigrams: P = {a: .5, b: .5}, Q = {a: .5, c: .5}, M = {a: .5, b: .25, c: .25}
    # KL(P||M) = .5*log2(1) + .5*log2(2) = .5, KL(Q||M) = .5 -> JSD = .5
    assert ngram_jsd(gen, real, 1) == pytest.approx(0.5, abs=1e-12)
    # bigrams "a b" and "a c" share nothing -> 1 bit
    assert ngram_jsd(gen, real, 2) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_jsd_matches_scipy_squared(seed):
    rng = random.Random(seed)
    for _ in range(25):
        gen = random_corpus(rng, rng.randint(1, 10))
        real = random_corpus(rng, rng.randint(1, 10), vocab="abcdef")
        scores = ngram_jsd_scores(gen, real, ns=(1, 2, 3))
        for n in (1, 2, 3):
            if not grams(gen, n) or not grams(real, n):
                assert math.isnan(scores[n])
                continue
            p, q = frequencies(gen, real, n)
            assert scores[n] == pytest.approx(jensenshannon(p, q, base=2) ** 2, abs=1e-9)
            assert 0.0 <= scores[n] <= 1.0


def test_jsd_extremes():
    sents = [["a", "man", "rides", "a", "bike"], ["a", "dog", "runs"]]
    assert ngram_jsd_scores(sents, sents) == {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}
    assert ngram_jsd_scores(sents, sents * 3)[2] == 0.0  # same frequencies, other size
    other = [["the", "cat", "sleeps"], ["birds", "fly", "high", "up", "there"]]
    for value in ngram_jsd_scores(sents, other).values():
        assert value == pytest.approx(1.0, abs=1e-12)  # disjoint vocabularies: 1 bit
    assert math.isnan(ngram_jsd([["a"]], sents, 2))  # no bigram generated: undefined


# ------------------------------------------------------------------------- MS-Jaccard

def test_ms_jaccard_by_hand():
    gen = [["a", "b", "c"]]  # 1 sentence
    real = [["a", "b"], ["b", "c", "c"]]  # 2 sentences: counts are halved
    # unigrams: G = {a 1, b 1, c 1}, R = {a .5, b 1, c 1}: min 2.5, max 3 -> J1 = 5/6
    # bigrams: G = {ab 1, bc 1}, R = {ab .5, bc .5, cc .5}: min 1, max 2.5 -> J2 = 0.4
    # trigrams: G = {abc 1}, R = {bcc .5}: nothing shared -> J3 = 0
    assert multiset_jaccard(gen, real, 1) == pytest.approx(5 / 6)
    assert multiset_jaccard(gen, real, 2) == pytest.approx(0.4)
    assert multiset_jaccard(gen, real, 3) == 0.0
    assert ms_jaccard(gen, real, 1) == pytest.approx(5 / 6)
    assert ms_jaccard(gen, real, 2) == pytest.approx(math.sqrt(5 / 6 * 0.4))
    assert ms_jaccard_scores(gen, real, ns=(2, 3)) == {2: pytest.approx(math.sqrt(1 / 3)), 3: 0.0}


def test_ms_jaccard_published_example():
    """The example of github.com/IAmS4n/TextGenerationEvaluationMetrics (the paper's code).

    Its README prints MS-Jaccard-3/4/5 = 0.17 / 0.13 / 0.09 with two decimals (the exact values
    are 0.1700 / 0.1287 / 0.0960, so the last one is truncated, not rounded): we check to +-0.01.
    """
    ref1 = ("It is a guide to action that ensures that the military will forever heed Party "
            "commands").split()
    ref2 = ("It is the guiding principle which guarantees the military forces always being under "
            "the command of the Party").split()
    ref3 = ("It is the practical guide for the army always to heed the directions of the "
            "party").split()
    sen1 = ("It is a guide to action which ensures that the military always obeys the commands of "
            "the party").split()
    sen2 = "he read the book because he was interested in world history".split()
    scores = ms_jaccard_scores([sen1, sen2], [ref1, ref2, ref3], ns=(3, 4, 5))
    assert scores == {3: pytest.approx(0.17, abs=0.01), 4: pytest.approx(0.13, abs=0.01),
                      5: pytest.approx(0.09, abs=0.01)}


@pytest.mark.parametrize("seed", range(3))
def test_ms_jaccard_matches_definition(seed):
    rng = random.Random(10 + seed)
    for _ in range(25):
        gen = random_corpus(rng, rng.randint(1, 10), vocab="abc")
        real = random_corpus(rng, rng.randint(1, 10), vocab="abcd")
        if not grams(gen, 3) and not grams(real, 3):
            continue
        scores = ms_jaccard_scores(gen, real, ns=(1, 2, 3))
        for n in (1, 2, 3):
            assert scores[n] == pytest.approx(ms_jaccard_by_definition(gen, real, n), abs=1e-12)
        assert ms_jaccard_scores(real, gen, ns=(3,))[3] == pytest.approx(scores[3])  # symmetric


def test_ms_jaccard_extremes():
    sents = [["a", "man", "rides", "a", "bike"], ["a", "dog", "runs"]]
    assert ms_jaccard_scores(sents, sents) == {2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}
    # counts are divided by the number of sentences: three copies of the set are the same text
    assert ms_jaccard(sents, sents * 3, 4) == 1.0
    other = [["the", "cat", "sleeps"], ["birds", "fly", "high", "up", "there"]]
    assert ms_jaccard_scores(sents, other) == {2: 0.0, 3: 0.0, 4: 0.0, 5: 0.0}
    # a collapsed generator (one real sentence over and over) matches only part of the counts
    assert 0.0 < ms_jaccard([sents[0]] * 4, sents, 2) < 1.0
    assert multiset_jaccard([["a"]], [["b"]], 2) != multiset_jaccard([["a"]], [["b"]], 2)  # nan


# ------------------------------------------------------------------------- lengths

def test_length_distance_by_hand():
    short = [["a"] * 3, ["a"] * 5]
    longer = [["a"] * 5, ["a"] * 7]
    assert length_distance(short, short) == 0.0
    assert length_distance(short, longer) == 2.0  # every sentence 2 tokens longer
    # lengths {1} vs {1, 3}: move half the mass by 2 tokens -> 1
    assert length_distance([["x"]], [["y"], ["y", "y", "y"]]) == 1.0
    assert length_distance([[]], [["y"]]) == 1.0  # empty sentences have length 0


@pytest.mark.parametrize("seed", range(3))
def test_length_distance_matches_scipy(seed):
    rng = random.Random(20 + seed)
    for _ in range(25):
        gen = random_corpus(rng, rng.randint(1, 15))
        real = [["w"] * rng.randint(0, 20) for _ in range(rng.randint(1, 15))]
        expected = wasserstein_distance([len(s) for s in gen], [len(s) for s in real])
        assert length_distance(gen, real) == pytest.approx(expected, abs=1e-12)


# ------------------------------------------------------------------------- all at once

def test_fidelity_scores_matches_the_single_functions():
    rng = random.Random(3)
    gen, real = random_corpus(rng, 30), random_corpus(rng, 40, vocab="abcdef")
    scores = fidelity_scores(gen, real, jsd_ns=(1, 2), jaccard_ns=(2, 3))
    assert list(scores) == ["jsd-1", "jsd-2", "ms-jaccard-2", "ms-jaccard-3", "length_w1"]
    assert scores["jsd-2"] == ngram_jsd(gen, real, 2)
    assert scores["ms-jaccard-3"] == ms_jaccard(gen, real, 3)
    assert scores["length_w1"] == length_distance(gen, real)


# ------------------------------------------------------------------------- user errors

FUNCS = [
    lambda g, r: ngram_jsd(g, r, 1), lambda g, r: ngram_jsd_scores(g, r),
    lambda g, r: ms_jaccard(g, r, 2), lambda g, r: ms_jaccard_scores(g, r),
    lambda g, r: multiset_jaccard(g, r, 1), lambda g, r: length_distance(g, r),
    lambda g, r: fidelity_scores(g, r),
]


@pytest.mark.parametrize("func", FUNCS)
def test_errors_name_the_bad_side(func):
    ok = [["a", "man"]]
    with pytest.raises(GanTextError, match="generated is one string.*tokenise first"):
        func("a man", ok)
    with pytest.raises(GanTextError, match=r"real\[0\] is a string.*tokenise first"):
        func(ok, ["a man"])
    with pytest.raises(GanTextError, match="generated is an empty list"):
        func([], ok)
    with pytest.raises(GanTextError, match="real is an empty list"):
        func(ok, [])


@pytest.mark.parametrize("bad", [0, 1.5, None])
def test_error_for_bad_order(bad):
    ok = [["a", "man"]]
    for func in (ngram_jsd, ms_jaccard, multiset_jaccard):
        with pytest.raises(GanTextError, match="n must be one whole number >= 1"):
            func(ok, ok, bad)
    with pytest.raises(GanTextError, match="n-gram orders must be whole numbers >= 1"):
        ms_jaccard_scores(ok, ok, ns=(2, bad))
    with pytest.raises(GanTextError, match="n-gram orders must be whole numbers >= 1"):
        fidelity_scores(ok, ok, jsd_ns=(bad,))
