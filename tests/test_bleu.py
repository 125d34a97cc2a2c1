"""BLEU and Self-BLEU agree with nltk's sentence_bleu (uniform weights, smoothing method 1).

nltk is the reference throughout: every expected value here is computed by nltk's own
``sentence_bleu`` in the obvious loop, or is the published-style COCO reference point of the issue.
"""

from __future__ import annotations

import math
import random
import time

import pytest
from nltk.tokenize import NLTKWordTokenizer
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

import gan_text as gt
from gan_text.errors import GanTextError
from gan_text.metrics import (
    PROTOCOLS,
    bleu,
    bleu_report,
    bleu_scores,
    self_bleu,
    self_bleu_scores,
    sentence_bleus,
    sentence_self_bleus,
)

SMOOTH = SmoothingFunction().method1
TOL = 1e-9


def nltk_bleu(references, hypothesis, n):
    return sentence_bleu(references, hypothesis, (1.0 / n,) * n, smoothing_function=SMOOTH)


def nltk_mean(scores):
    return sum(scores) / len(scores)


def random_corpus(rng: random.Random, size: int) -> list[list]:
    """Sentences over a tiny vocabulary (forced overlaps), lengths 0..12, some duplicated."""
    vocab = rng.randint(1, 5)
    as_ints = rng.random() < 0.3  # tokens need only be hashable
    sentences = []
    for _ in range(size):
        if sentences and rng.random() < 0.2:
            sentences.append(list(rng.choice(sentences)))
            continue
        length = rng.choice([0, 1, 1, 2, 3, 4, 5, 6, 8, 12])
        sentences.append([rng.randrange(vocab) if as_ints else f"w{rng.randrange(vocab)}"
                          for _ in range(length)])
    return sentences


# ------------------------------------------------------------------------- agreement with nltk

@pytest.mark.parametrize("seed", range(4))
def test_bleu_matches_nltk_on_random_corpora(seed):
    rng = random.Random(seed)
    for _ in range(40):
        hyps = random_corpus(rng, rng.randint(1, 6))
        refs = random_corpus(rng, rng.randint(1, 6))
        per_sentence = sentence_bleus(hyps, refs, ns=range(1, 6))
        for n in range(1, 6):
            expected = [nltk_bleu(refs, h, n) for h in hyps]
            assert per_sentence[n].tolist() == pytest.approx(expected, abs=TOL, rel=0)
            assert bleu(hyps, refs, n) == pytest.approx(nltk_mean(expected), abs=TOL, rel=0)


@pytest.mark.parametrize("seed", range(4))
def test_self_bleu_matches_nltk_leave_one_out(seed):
    rng = random.Random(100 + seed)
    for _ in range(40):
        sents = random_corpus(rng, rng.randint(2, 9))
        per_sentence = sentence_self_bleus(sents, ns=range(1, 6))
        for n in range(1, 6):
            expected = [nltk_bleu(sents[:i] + sents[i + 1:], s, n) for i, s in enumerate(sents)]
            assert per_sentence[n].tolist() == pytest.approx(expected, abs=TOL, rel=0)
            assert self_bleu(sents, n) == pytest.approx(nltk_mean(expected), abs=TOL, rel=0)


@pytest.mark.parametrize(("hyp", "refs"), [
    ([], [["a", "b"]]),                          # empty hypothesis: nltk returns 0
    (["a"], [["a", "b", "c"]]),                  # one token: no 2..5-grams, p_k = 0.1
    (["a"], [["b"], ["c", "d"]]),                # no unigram match at all: 0
    (["a", "b", "a"], [["a", "b"], ["a", "b", "a", "b"]]),  # closest-length tie -> the shorter
    (["a", "b", "c", "d"], [["a", "b", "c", "d", "e", "f"], []]),  # brevity penalty, empty ref
    (["the"] * 7, [["the", "cat", "the", "mat"], ["the"] * 3]),  # clipping by the max count
])
def test_edge_cases_match_nltk(hyp, refs):
    for n in range(1, 6):
        assert bleu([hyp], refs, n) == pytest.approx(nltk_bleu(refs, hyp, n), abs=TOL, rel=0)


def test_leave_one_out_excludes_the_sentence_but_keeps_its_duplicates():
    # Alone, "x y z" has no other sentence sharing a word; a non-leave-one-out Self-BLEU would say 1.
    assert self_bleu([["x", "y", "z"], ["p", "q"]], 2) == 0.0
    # A duplicate is a different sentence, so it is a perfect reference.
    scores = sentence_self_bleus([["a", "b", "c"], ["a", "b", "c"], ["d"]], ns=(3,))[3]
    assert scores[:2].tolist() == [1.0, 1.0]
    assert scores[2] == 0.0


def test_multi_n_helpers_equal_single_n_calls():
    rng = random.Random(7)
    hyps, refs = random_corpus(rng, 30), random_corpus(rng, 30)
    together = bleu_scores(hyps, refs, ns=(2, 3, 4, 5))
    selfs = self_bleu_scores(hyps, ns=(2, 3, 4, 5))
    assert list(together) == [2, 3, 4, 5]
    for n in (2, 3, 4, 5):
        assert together[n] == bleu(hyps, refs, n)
        assert selfs[n] == self_bleu(hyps, n)


# ------------------------------------------------------------------------- real data: COCO

@pytest.fixture(scope="module")
def coco(mirror_server, tmp_path_factory):
    """COCO train and test, downloaded through the loopback mirror, lowercased, Treebank-tokenised."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GAN_TEXT_DATA_MIRROR", mirror_server)
        patch.setenv("GAN_TEXT_CACHE", str(tmp_path_factory.mktemp("cache")))
        corpus = gt.corpora.load_corpus("coco")
    tokenizer = NLTKWordTokenizer()
    return ([tokenizer.tokenize(line.lower()) for line in corpus.train],
            [tokenizer.tokenize(line.lower()) for line in corpus.test])


def test_real_coco_sentences_match_nltk(coco):
    train, test = coco
    hyps, refs = train[:150], test[:300]
    weights = [(1.0 / n,) * n for n in (2, 3, 4, 5)]
    mine = sentence_bleus(hyps, refs)
    expected = [sentence_bleu(refs, h, weights, smoothing_function=SMOOTH) for h in hyps]
    for j, n in enumerate((2, 3, 4, 5)):
        assert mine[n].tolist() == pytest.approx([e[j] for e in expected], abs=TOL, rel=0)
    sents = train[:200]
    mine = sentence_self_bleus(sents)
    expected = [sentence_bleu(sents[:i] + sents[i + 1:], s, weights, smoothing_function=SMOOTH)
                for i, s in enumerate(sents)]
    for j, n in enumerate((2, 3, 4, 5)):
        assert mine[n].tolist() == pytest.approx([e[j] for e in expected], abs=TOL, rel=0)


def test_full_coco_reference_point(coco):
    train, test = coco
    assert (len(train), len(test)) == (10_000, 10_000)
    start = time.perf_counter()
    bleus = bleu_scores(train, test, ns=(2, 3, 4, 5))
    selfs = self_bleu_scores(train, ns=(2, 3, 4, 5))
    elapsed = time.perf_counter() - start
    expected_bleu = {2: 0.740, 3: 0.520, 4: 0.337, 5: 0.218}
    expected_self = {2: 0.892, 3: 0.747, 4: 0.574, 5: 0.416}
    for n in (2, 3, 4, 5):
        assert bleus[n] == pytest.approx(expected_bleu[n], abs=0.002)
        assert selfs[n] == pytest.approx(expected_self[n], abs=0.002)
    assert elapsed < 10, f"BLEU-2..5 + Self-BLEU-2..5 on COCO 10k took {elapsed:.1f} s"


# ------------------------------------------------------------------------- protocols and reports

def test_protocols_cut_the_hypotheses_and_say_so():
    rng = random.Random(3)
    hyps, refs = random_corpus(rng, 250), random_corpus(rng, 40)
    for name, first in [("texygen", 250), ("relgan", 100), ("textgan", 200)]:
        assert PROTOCOLS[name].n_hypotheses in (None, first)
        report = bleu_report(hyps, refs, protocol=name, ns=(2, 4))
        assert (report.n_hypotheses, report.n_references) == (first, 40)
        assert report.bleu == bleu_scores(hyps[:first], refs, ns=(2, 4))
        assert report.self_bleu == self_bleu_scores(hyps, ns=(2, 4), n_hypotheses=first)
        text = str(report)
        assert f"protocol {name}" in text
        assert f"{first} hypotheses vs 40 references" in text
        assert f"each vs the other {len(hyps) - 1}" in text
        assert f"{report.bleu[4]:.3f}" in text
        frame = report.to_frame()
        assert list(frame.index) == [2, 4] and list(frame.columns) == ["BLEU", "Self-BLEU"]
        assert frame.attrs["header"] == report.header
    short = bleu_report(hyps[:30], refs, protocol="relgan", self_bleu=False)
    assert short.n_hypotheses == 30 and short.self_bleu is None
    assert "(protocol asks for 100)" in str(short) and "Self-BLEU" not in str(short)


def test_protocol_self_bleu_scores_the_first_sentences_against_all_others():
    rng = random.Random(11)
    sents = random_corpus(rng, 12)
    scores = self_bleu_scores(sents, ns=(3,), n_hypotheses=5)[3]
    expected = [nltk_bleu(sents[:i] + sents[i + 1:], sents[i], 3) for i in range(5)]
    assert scores == pytest.approx(nltk_mean(expected), abs=TOL, rel=0)


def test_bleu_is_the_public_function():
    assert gt.metrics.bleu is bleu and gt.metrics.self_bleu is self_bleu
    assert math.isclose(gt.metrics.bleu([["a", "b"]], [["a", "b"]], 2), 1.0)


# ------------------------------------------------------------------------- user mistakes

@pytest.mark.parametrize(("call", "message"), [
    (lambda: bleu("a cat sat", [["a"]], 2), "hypotheses is one string.*tokenise first"),
    (lambda: bleu(["a cat sat"], [["a"]], 2), r"hypotheses\[0\] is a string.*tokenise first"),
    (lambda: bleu([["a"]], ["a cat"], 2), r"references\[0\] is a string.*tokenise first"),
    (lambda: bleu(5, [["a"]], 2), "must be a list of token lists, not int"),
    (lambda: bleu([["a"]], [], 2), "reference set is empty; pass at least one"),
    (lambda: bleu([["a"]], [[["a", "b"]]], 2), "pass one flat list of token lists"),
    (lambda: bleu([], [["a"]], 2), "no hypotheses to score"),
    (lambda: bleu([["a"]], [["a"]], 0), r"whole numbers >= 1, e\.g\. ns="),
    (lambda: self_bleu([["a", "b"]], 2), "at least 2 sentences"),
    (lambda: bleu_report([["a"]], [["a"]], protocol="seqgan"),
     "unknown BLEU protocol 'seqgan'; known: texygen, relgan, textgan"),
])
def test_user_mistakes_raise_one_line_errors(call, message):
    with pytest.raises(GanTextError, match=message) as info:
        call()
    assert "\n" not in str(info.value)
