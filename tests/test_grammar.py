"""The toy-English grammar: sampling, exact judging, exact probabilities, and the corpus built on it."""

from __future__ import annotations

import math
from collections import Counter

import nltk
import numpy as np
import pytest
from scipy import stats

from gan_text.corpora import grammar_rules as rules
from gan_text.corpora import load_corpus
from gan_text.corpora.grammar import ToyGrammar, default_grammar, grammar_corpus
from gan_text.errors import GanTextError


@pytest.fixture(scope="module")
def grammar() -> ToyGrammar:
    return default_grammar()


@pytest.fixture(scope="module")
def sample(grammar) -> list[str]:
    return grammar.generate(3000, seed=7)


@pytest.fixture(scope="module")
def nltk_reference(grammar):
    """(log-probability summed over every tree nltk's chart parser finds, number of trees)."""
    parser = nltk.ChartParser(grammar.pcfg)
    prob = {(p.lhs(), p.rhs()): p.prob() for p in grammar.pcfg.productions()}

    def reference(sentence: str) -> tuple[float, int]:
        total, n_trees = 0.0, 0
        for tree in parser.parse(sentence.split()):
            n_trees += 1
            total += math.prod(prob[p.lhs(), p.rhs()] for p in tree.productions())
        return (math.log(total) if total > 0 else -math.inf), n_trees

    return reference


# ---------------------------------------------------------------------------------- generation
def test_generated_sentences_parse_with_finite_log_prob(grammar, sample):
    assert all(grammar.is_grammatical(s) for s in sample)
    log_probs = [grammar.log_prob(s) for s in sample]
    assert all(math.isfinite(lp) and lp < 0 for lp in log_probs)


def test_generated_sentences_have_bounded_lengths_and_known_lowercase_words(grammar, sample):
    known = set(grammar.words)
    lengths = [len(s.split()) for s in sample]
    assert min(lengths) >= 4 and max(lengths) <= 25
    assert 8 <= np.mean(lengths) <= 12
    for s in sample:
        assert s == " ".join(s.split()) == s.lower()
        assert set(s.split()) <= known


def test_generation_is_deterministic_for_a_seed(grammar):
    assert grammar.generate(200, seed=3) == grammar.generate(200, seed=3)
    assert grammar.generate(200, seed=3) != grammar.generate(200, seed=4)
    assert grammar.generate(50, seed=3) == grammar.generate(200, seed=3)[:50]  # a prefix
    assert grammar.generate(0) == []


def test_other_length_bounds_are_respected():
    short = ToyGrammar(min_len=6, max_len=9)
    lengths = [len(s.split()) for s in short.generate(500, seed=1)]
    assert min(lengths) == 6 and max(lengths) == 9
    assert short.words == default_grammar().words


# ---------------------------------------------------------------------------------- judging
@pytest.mark.parametrize("sentence", [
    "the dog barks",
    "the dogs bark",
    "the dog that the cats chase barks",
    "the dogs that the cat chases bark",
    "the dog that chases the cats barks",
    "the dogs that chase the cat bark",
    "the dogs near the cat bark",
    "the dog near the big cats barks",
    "the dog near the cats that sleep barks",
    "alice and the cat sleep",
    "he sees him",
    "they see her and sleep",
    "the dog does not bark",
    "the dogs do not bark",
    "a dog can bark",
    "alice thinks that the dogs are happy",
    "the cat sleeps but the dogs bark",
])
def test_grammatical_sentences_are_accepted(grammar, sentence):
    assert grammar.is_grammatical(sentence)
    assert grammar.is_grammatical(sentence.split())
    assert math.isfinite(grammar.log_prob(sentence))


@pytest.mark.parametrize("sentence", [
    "the dog bark",
    "the dogs barks",
    "the dog that the cats chase bark",  # agreement across an object relative clause
    "the dog that the cats chases barks",  # inside the relative clause
    "the dog that chase the cats barks",  # relative-clause verb agrees with its head noun
    "the dogs near the cat barks",  # agreement across a prepositional phrase
    "the dog near the big cats bark",
    "alice and the cat sleeps",
    "him sees he",
    "a dogs bark",
    "these dog barks",
    "the dog does not barks",
    "the dogs does not bark",
    "the dog can barks",
    "the dog is happy dog",
    "dog the barks",
    "the dog barks .",
    "The dog barks",
])
def test_ungrammatical_sentences_are_rejected(grammar, sentence):
    assert not grammar.is_grammatical(sentence)
    assert grammar.log_prob(sentence) == -math.inf


def test_out_of_lexicon_words_and_empty_input_are_rejected_without_error(grammar):
    for tokens in ["the unicorn barks", "the dog barks <eos>", "", "   ", [], ("the", "zebra")]:
        assert grammar.is_grammatical(tokens) is False
        assert grammar.log_prob(tokens) == -math.inf
    assert grammar.is_grammatical(np.array(["the", "dog", "barks"]))


def test_random_shuffles_are_mostly_rejected(grammar, sample):
    rng = np.random.default_rng(0)
    long_ones = [s.split() for s in sample if len(s.split()) >= 5][:1000]
    shuffles = [" ".join(rng.permutation(tokens)) for tokens in long_ones]
    accepted = grammar.grammatical_fraction(shuffles)
    assert accepted < 0.05  # measured: about 0.5%


def test_judge_agrees_with_nltk_chart_parser_on_near_misses(grammar, nltk_reference):
    rng = np.random.default_rng(1)
    cases = []
    for s in grammar.generate(60, seed=11):
        tokens = s.split()
        if len(tokens) > 14:
            continue
        i = int(rng.integers(len(tokens) - 1))
        swapped = tokens[:i] + [tokens[i + 1], tokens[i]] + tokens[i + 2:]
        j = int(rng.integers(len(tokens)))
        replaced = tokens[:j] + [grammar.words[rng.integers(len(grammar.words))]] + tokens[j + 1:]
        cases += [s, " ".join(swapped), " ".join(replaced)]
    verdicts = [grammar.is_grammatical(c) for c in cases]
    assert 0.2 < np.mean(verdicts) < 0.9  # a real mix of both answers
    assert verdicts == [nltk_reference(c)[1] > 0 for c in cases]


# ---------------------------------------------------------------------------------- probabilities
AMBIGUOUS = [
    "the dog sees the cat near the tree",
    "the dog sees the cat near the tree with the box",
    "alice watches the dogs that chase the cats behind the house",
    "the dogs near the cat that sleeps bark",
    "bob thinks that the cat sees the dog near the tree",
]


def test_log_prob_equals_sum_over_nltk_parses(grammar, sample, nltk_reference):
    sentences = AMBIGUOUS + [s for s in sample if len(s.split()) <= 14][:80]
    most_trees = 0
    for s in sentences:
        expected, n_trees = nltk_reference(s)
        most_trees = max(most_trees, n_trees)
        assert grammar.log_prob(s) == pytest.approx(expected, abs=1e-9)
    assert most_trees >= 5  # PP attachment ambiguity really was summed over


def test_long_sentences_do_not_underflow(grammar):
    k = 200  # 200 adjectives: probability far below the smallest float64
    adjective = next(p for lhs, rhs, p in rules.productions() if rhs == ("ADJ", "NB_SG"))
    per_adjective = math.log(adjective / len(rules.ADJECTIVES))
    short = grammar.log_prob("the dog barks")
    long = grammar.log_prob(" ".join(["the"] + ["big"] * k + ["dog", "barks"]))
    assert long < -745 and long == pytest.approx(short + k * per_adjective, rel=1e-12)


def test_length_distribution_and_truncation_mass(grammar):
    lengths = grammar.length_distribution(400)
    assert lengths.sum() == pytest.approx(1.0, abs=1e-9)  # a consistent PCFG: sentences are finite
    assert grammar.truncation_mass == pytest.approx(lengths[4:26].sum())
    assert 0.5 < grammar.truncation_mass < 1
    s = "the dog sees the cat"
    assert grammar.log_prob(s, truncated=True) == pytest.approx(
        grammar.log_prob(s) - math.log(grammar.truncation_mass))
    assert grammar.log_prob("the dog barks", truncated=True) == -math.inf  # 3 tokens: never generated
    assert math.isfinite(grammar.log_prob("the dog barks"))


def test_sample_frequencies_match_truncated_probabilities(grammar):
    n = 100_000
    drawn = grammar.generate(n, seed=22)
    # lengths: the empirical histogram against P_pcfg(length) / Z
    observed = np.bincount([len(s.split()) for s in drawn], minlength=26)[4:26]
    expected = n * grammar.length_distribution()[4:26] / grammar.truncation_mass
    assert ((observed - expected) ** 2 / expected).sum() < stats.chi2.ppf(0.9999, len(expected) - 1)
    # sentences: the most probable 4-token sentences, picked from an independent sample
    candidates = {s for s in grammar.generate(20_000, seed=21) if len(s.split()) == 4}
    top = sorted(candidates, key=grammar.log_prob, reverse=True)[:100]
    counts = Counter(drawn)
    observed = np.array([counts[s] for s in top])
    expected = n * np.exp([grammar.log_prob(s, truncated=True) for s in top])
    assert abs(observed.sum() - expected.sum()) < 4 * math.sqrt(expected.sum())
    assert ((observed - expected) ** 2 / expected).sum() < stats.chi2.ppf(0.9999, len(top))


# ---------------------------------------------------------------------------------- object
def test_grammar_object_describes_itself(grammar):
    assert grammar.words == sorted(set(grammar.words))
    assert 200 <= len(grammar.words) <= 500
    assert isinstance(grammar.pcfg, nltk.PCFG)
    assert "NP_SG" in str(grammar.pcfg) and "'barks'" in str(grammar.pcfg)
    assert "RC_SG" in grammar.rules
    assert repr(grammar).startswith(f"ToyGrammar({len(grammar.words)} words")
    assert default_grammar() is grammar


def test_rules_are_a_proper_pcfg_without_duplicates_or_undefined_categories():
    productions = rules.productions()
    totals = Counter()
    for lhs, _, p in productions:
        totals[lhs] += p
    assert all(t == pytest.approx(1.0) for t in totals.values())
    assert len({(lhs, rhs) for lhs, rhs, _ in productions}) == len(productions)
    used = {s for _, rhs, _ in rules.parse_rules(rules.STRUCTURE) for s in rhs}
    assert used <= set(totals) and rules.START in totals


def test_three_symbol_rules_are_binarised_exactly(grammar, nltk_reference):
    # "does not", "and", "that" rules have three children; compare them with nltk's parse
    for s in ["the dog does not bark", "the dogs do not chase alice and bob",
              "alice and bob sleep and bark", "tom says that the cats are calm"]:
        assert grammar.log_prob(s) == pytest.approx(nltk_reference(s)[0], abs=1e-9)


# ---------------------------------------------------------------------------------- corpus
def test_grammar_corpus_sizes_fields_and_determinism(grammar):
    corpus = grammar_corpus(n_train=300, n_test=50, seed=5)
    assert (len(corpus.train), len(corpus.test)) == (300, 50)
    assert corpus.name == "grammar" and corpus.level == "word" and corpus.lowercase is False
    assert corpus.true_model is grammar and corpus.description.endswith(".")
    assert grammar.grammatical_fraction(corpus.train + corpus.test) == 1.0
    assert grammar_corpus(n_train=300, n_test=50, seed=5).train == corpus.train
    assert grammar_corpus(n_train=300, n_test=50, seed=6).train != corpus.train
    smaller = grammar_corpus(n_train=100, n_test=10, seed=5)  # smaller sizes give prefixes
    assert smaller.train == corpus.train[:100] and smaller.test == corpus.test[:10]
    assert corpus.test != corpus.train[:50]  # train and test come from different streams
    via_loader = load_corpus("grammar", n_train=300, n_test=50, seed=5)
    assert via_loader.train == corpus.train and via_loader.test == corpus.test


def test_grammar_corpus_default_sizes():
    corpus = grammar_corpus()
    assert (len(corpus.train), len(corpus.test)) == (10_000, 1_000)


# ---------------------------------------------------------------------------------- user errors
@pytest.mark.parametrize("call, message", [
    (lambda g: g.generate(-1), "n must be a whole number >= 0, got -1"),
    (lambda g: g.generate(2.5), "n must be a whole number >= 0, got 2.5"),
    (lambda g: g.generate(3, seed=-2), "seed must be a whole number from 0 to 4294967295, got -2"),
    (lambda g: g.is_grammatical([1, 2, 3]), "decode token ids to words first"),
    (lambda g: g.log_prob(None), "a sentence is a string or a list of word strings"),
    (lambda g: g.grammatical_fraction("the dog barks"), "wrap one sentence in a list"),
    (lambda g: g.grammatical_fraction([]), "got no sentences; generate some first"),
    (lambda g: ToyGrammar(min_len=9, max_len=4), "1 <= min_len <= max_len"),
    (lambda g: grammar_corpus(n_train=-5), "n_train must be a whole number >= 0, got -5"),
    (lambda g: grammar_corpus(n_test="many"), "n_test must be a whole number >= 0"),
])
def test_user_mistakes_raise_gan_text_error(grammar, call, message):
    with pytest.raises(GanTextError, match=message.replace(".", r"\.")):
        call(grammar)
