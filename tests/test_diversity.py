"""Diversity scores: distinct-n, unique n-grams per sentence, duplicate rate, novelty.

Expected values are worked out by hand in the comments, or recomputed here from the definition
with plain loops (no code shared with the package), or come from the data's SOURCE.md counts.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from gan_text.errors import GanTextError
from gan_text.metrics.diversity import (
    distinct_n,
    distinct_scores,
    diversity_scores,
    duplicate_rate,
    ngram_counts,
    novelty,
    unique_ngrams_per_sentence,
)

# s1 = a b a b, s2 = a c
TINY = [["a", "b", "a", "b"], ["a", "c"]]


def grams_by_index(sentence, n):
    """The n-grams of one sentence by explicit indexing (independent of the package's zip)."""
    return [tuple(sentence[i + j] for j in range(n)) for i in range(len(sentence) - n + 1)]


def random_corpus(rng: random.Random, size: int) -> list[list]:
    """Sentences over a tiny vocabulary (lots of repeats), lengths 0..9, some exact duplicates."""
    sentences = []
    for _ in range(size):
        if sentences and rng.random() < 0.2:
            sentences.append(list(rng.choice(sentences)))
        else:
            sentences.append([rng.choice("abcd") for _ in range(rng.randint(0, 9))])
    return sentences


# ------------------------------------------------------------------------- hand-computed values

def test_distinct_n_by_hand():
    # unigrams a b a b a c: 3 distinct of 6; bigrams ab ba ab ac: 3 of 4;
    # trigrams aba bab: 2 of 2; 4-grams abab: 1 of 1; no 5-gram at all: 0 / 0
    scores = distinct_scores(TINY, ns=(1, 2, 3, 4, 5))
    assert scores[1] == 3 / 6
    assert scores[2] == 3 / 4
    assert scores[3] == 1.0
    assert scores[4] == 1.0
    assert math.isnan(scores[5])
    assert distinct_n(TINY, 2) == 3 / 4


def test_unique_ngrams_per_sentence_by_hand():
    # counts: n=1 -> s1 {a, b} = 2, s2 {a, c} = 2 -> 2; n=2 -> s1 {ab, ba} = 2, s2 {ac} = 1 -> 1.5
    assert unique_ngrams_per_sentence(TINY, 1) == 2.0
    assert unique_ngrams_per_sentence(TINY, 2) == 1.5
    assert unique_ngrams_per_sentence(TINY, 3) == (2 + 0) / 2  # s2 is too short: counts 0
    # ratios: n=1 -> (2/4 + 2/2) / 2; n=2 -> (2/3 + 1/1) / 2; n=3 -> s1 only: 2/2
    assert unique_ngrams_per_sentence(TINY, 1, ratio=True) == pytest.approx(0.75)
    assert unique_ngrams_per_sentence(TINY, 2, ratio=True) == pytest.approx((2 / 3 + 1) / 2)
    assert unique_ngrams_per_sentence(TINY, 3, ratio=True) == 1.0
    assert unique_ngrams_per_sentence(TINY, 5) == 0.0
    assert math.isnan(unique_ngrams_per_sentence(TINY, 5, ratio=True))


def test_duplicate_rate_by_hand():
    x, y, z = ["x"], ["y", "y"], ["z"]
    # x y x x z y: the 3rd, 4th and 6th sentences repeat an earlier one -> 3 / 6
    assert duplicate_rate([x, y, x, x, z, y]) == 3 / 6
    assert duplicate_rate([x, y, z]) == 0.0
    assert duplicate_rate([["a", "b"], ["b", "a"]]) == 0.0  # order matters
    assert duplicate_rate([[], []]) == 1 / 2  # two empty sentences are equal


def test_novelty_by_hand():
    generated = [["x"], ["y"], ["x"], ["w", "v"]]
    train = [["x"], ["z"], ["v", "w"]]
    # x is in train (twice generated), y and "w v" are not ("v w" has another order) -> 2 / 4
    assert novelty(generated, train) == 2 / 4
    assert novelty(train, train) == 0.0
    assert novelty([["A"]], [["a"]]) == 1.0  # exact tokens: tokenise both sides the same way


def test_ngram_counts_by_hand():
    counts = ngram_counts([["a", "b", "a", "b"], ["b", "a"]], 2)
    assert counts == {("a", "b"): 2, ("b", "a"): 2}
    assert ngram_counts([["a"], []], 2) == {}


# ------------------------------------------------------------------------- extremes

@pytest.mark.parametrize("copies", [1, 2, 10])
def test_all_duplicates(copies):
    sentence = ["a", "man", "rides", "a", "red", "bike"]
    sents = [list(sentence) for _ in range(copies)]
    # one sentence: 5 distinct unigrams of 6 ("a" twice); k copies divide distinct-n by k
    assert distinct_n(sents, 1) == pytest.approx(5 / 6 / copies)
    assert distinct_n(sents, 2) == pytest.approx(1 / copies)
    assert duplicate_rate(sents) == pytest.approx((copies - 1) / copies)
    # within one sentence nothing changes with copies
    assert unique_ngrams_per_sentence(sents, 1) == 5
    assert unique_ngrams_per_sentence(sents, 2, ratio=True) == 1.0


def test_no_repeats_scores_one():
    sents = [["the", "cat"], ["a", "dog", "runs"], ["birds", "fly", "high", "up"]]
    assert distinct_scores(sents) == {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}
    assert duplicate_rate(sents) == 0.0
    assert novelty(sents, [["the", "dog"]]) == 1.0
    # no inner repeats: distinct n-grams per sentence = mean of (len - n + 1), short ones 0
    assert unique_ngrams_per_sentence(sents, 2) == (1 + 2 + 3) / 3


# ------------------------------------------------------------------------- brute force agreement

@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_brute_force_definitions(seed):
    rng = random.Random(seed)
    for _ in range(30):
        sents = random_corpus(rng, rng.randint(1, 12))
        train = random_corpus(rng, rng.randint(1, 12))
        for n in (1, 2, 3, 4):
            all_grams = [g for s in sents for g in grams_by_index(s, n)]
            expected = len(set(all_grams)) / len(all_grams) if all_grams else math.nan
            assert distinct_n(sents, n) == pytest.approx(expected, nan_ok=True)
            assert ngram_counts(sents, n) == {g: all_grams.count(g) for g in set(all_grams)}
            per = [len(set(grams_by_index(s, n))) for s in sents]
            assert unique_ngrams_per_sentence(sents, n) == pytest.approx(sum(per) / len(per))
        earlier = sum(any(sents[j] == sents[i] for j in range(i)) for i in range(len(sents)))
        assert duplicate_rate(sents) == earlier / len(sents)
        unseen = sum(all(s != t for t in train) for s in sents)
        assert novelty(sents, train) == unseen / len(sents)


def test_any_hashable_tokens_and_iterables():
    ids = np.array([[5, 6, 5], [5, 6, 5], [7, 8, 9]])  # e.g. a batch of token ids
    assert duplicate_rate(ids) == 1 / 3
    assert distinct_n(ids, 1) == 5 / 9
    assert novelty((row for row in ids), [(5, 6, 5)]) == 1 / 3  # generators and tuples work


def test_diversity_scores_collects_everything():
    scores = diversity_scores(TINY, train_sentences=[["a", "c"]], ns=(1, 2))
    assert scores == {
        "distinct-1": distinct_n(TINY, 1), "distinct-2": distinct_n(TINY, 2),
        "unique-1/sentence": 2.0, "unique-2/sentence": 1.5,
        "duplicate_rate": 0.0, "novelty": 0.5,
    }
    assert "novelty" not in diversity_scores(TINY)


# ------------------------------------------------------------------------- real data (SOURCE.md)

def test_coco_duplicates_and_overlap_match_source_counts(shared_data):
    """SOURCE.md: 41 duplicate lines in train, 123 in test, 7 sentences in both (exact lines)."""
    def lines(name):
        return (shared_data / "image_coco" / name).read_text(encoding="utf-8").split("\n")

    train, test = lines("image_coco.txt"), lines("test_coco.txt")
    as_chars = [list(line) for line in train]  # character tokens: equal tokens <=> equal lines
    assert duplicate_rate(as_chars) == 41 / 10_000
    assert duplicate_rate([list(line) for line in test]) == 123 / 10_000
    unique_test = [list(line) for line in sorted(set(test))]
    assert novelty(unique_test, as_chars) == 1 - 7 / len(unique_test)


# ------------------------------------------------------------------------- user errors

@pytest.mark.parametrize("func", [
    lambda s: distinct_n(s, 1), lambda s: distinct_scores(s), lambda s: duplicate_rate(s),
    lambda s: unique_ngrams_per_sentence(s, 1), lambda s: novelty(s, [["a"]]),
    lambda s: ngram_counts(s, 1), lambda s: diversity_scores(s),
])
def test_errors_for_raw_text_and_empty_input(func):
    with pytest.raises(GanTextError, match="one string.*tokenise first"):
        func("a man rides a bike")
    with pytest.raises(GanTextError, match=r"sentences\[1\] is a string.*tokenise first"):
        func([["a", "man"], "rides a bike"])
    with pytest.raises(GanTextError, match="empty list; pass at least one tokenised sentence"):
        func([])
    with pytest.raises(GanTextError, match="must be hashable.*one flat list of tokens"):
        func([[["a", "man"]]])


def test_error_for_empty_training_set():
    with pytest.raises(GanTextError, match="train_sentences is an empty list"):
        novelty([["a"]], [])
    with pytest.raises(GanTextError, match=r"train_sentences\[0\] is a string.*tokenise first"):
        novelty([["a"]], ["a man"])


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, (1, 2), "2"])
def test_error_for_bad_order(bad):
    with pytest.raises(GanTextError, match="n must be one whole number >= 1"):
        distinct_n(TINY, bad)
    with pytest.raises(GanTextError, match="n must be one whole number >= 1"):
        unique_ngrams_per_sentence(TINY, bad)
    with pytest.raises(GanTextError, match="n must be one whole number >= 1"):
        ngram_counts(TINY, bad)


def test_error_for_bad_orders_list():
    with pytest.raises(GanTextError, match="n-gram orders must be whole numbers >= 1"):
        distinct_scores(TINY, ns=(1, 0))
    with pytest.raises(GanTextError, match="n-gram orders must be whole numbers >= 1"):
        diversity_scores(TINY, ns=())
