"""Coherence under the true grammar: per-token log-probabilities checked by hand against the rule table, and the
error kinds (agreement, selection, ...) on sentences built to show each one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gan_text.corpora import grammar_rules
from gan_text.corpora.grammar import default_grammar
from gan_text.errors import GanTextError
from gan_text.metrics.coherence import (
    AGREEMENT_KINDS,
    ERROR_KINDS,
    SELECTION_KINDS,
    error_kind,
    error_kinds,
    kind_shares,
    log_prob_per_token,
)

# The rules and lexicon sizes the hand computations use, copied from grammar_rules.STRUCTURE / LEXICON.
RULE = {
    "S -> CL": 0.9, "CL -> NP_SG VP_SG": 0.5, "CL -> NP_PL VP_PL": 0.5,
    "NP_SG -> PRO_SG": 0.12, "NP_PL -> NPF_PL": 0.82, "NPF_PL -> DET_PL NOM_PL": 1.0,
    "NP_OBJ -> NPF_SG": 0.46, "NPF_SG -> DET_SG NOM_SG": 0.8, "NPF_SG -> NAME": 0.2,
    "NOM_SG -> NB_SG": 0.74, "NOM_SG -> NOM_SG PP": 0.14, "NB_SG -> N_SG": 0.75,
    "NOM_PL -> NB_PL": 0.74, "NB_PL -> N_PL": 0.75, "PP -> P NP_OBJ": 1.0,
    "VP_SG -> VF_SG": 0.8, "VP_PL -> VF_PL": 0.8, "VF_SG -> V_SG": 0.8, "VF_SG -> VF_SG PP": 0.12,
    "VF_PL -> V_PL": 0.8, "V_SG -> IV_SG": 0.42, "V_SG -> TV_SG NP_OBJ": 0.42, "V_PL -> IV_PL": 0.42,
}
WORDS = {"PRO_SG": 3, "DET_SG": 5, "DET_PL": 6, "N_SG": 67, "N_PL": 67, "NAME": 20, "P": 10, "IV_SG": 20,
         "IV_PL": 20, "TV_SG": 20}


@pytest.fixture(scope="module")
def grammar():
    return default_grammar()


def test_the_rule_table_is_the_grammars():
    rules = {f"{lhs} -> {' '.join(rhs)}": p for lhs, rhs, p in grammar_rules.parse_rules(grammar_rules.STRUCTURE)}
    assert {name: rules[name] for name in RULE} == RULE
    assert {name: len(grammar_rules.LEXICON[name]) for name in WORDS} == WORDS


def r(*names):
    return math.prod(RULE[name] for name in names)


def word(category):
    return 1 / WORDS[category]


def test_log_prob_per_token_by_hand(grammar):
    he_barks = r("S -> CL", "CL -> NP_SG VP_SG", "NP_SG -> PRO_SG", "VP_SG -> VF_SG", "VF_SG -> V_SG",
                 "V_SG -> IV_SG") * word("PRO_SG") * word("IV_SG")
    # "the" is DET_SG and DET_PL, but only the plural parse reaches "dogs sleep"
    the_dogs_sleep = r("S -> CL", "CL -> NP_PL VP_PL", "NP_PL -> NPF_PL", "NPF_PL -> DET_PL NOM_PL",
                       "NOM_PL -> NB_PL", "NB_PL -> N_PL", "VP_PL -> VF_PL", "VF_PL -> V_PL",
                       "V_PL -> IV_PL") * word("DET_PL") * word("N_PL") * word("IV_PL")
    # two parses: "near bob" attaches to the verb phrase or to "cat"; the probability is their sum
    shared = (r("S -> CL", "CL -> NP_SG VP_SG", "NP_SG -> PRO_SG", "VP_SG -> VF_SG", "VF_SG -> V_SG",
                "V_SG -> TV_SG NP_OBJ", "NP_OBJ -> NPF_SG", "NPF_SG -> DET_SG NOM_SG", "NOM_SG -> NB_SG",
                "NB_SG -> N_SG", "PP -> P NP_OBJ", "NP_OBJ -> NPF_SG", "NPF_SG -> NAME")
              * word("PRO_SG") * word("TV_SG") * word("DET_SG") * word("N_SG") * word("P") * word("NAME"))
    on_verb, on_noun = shared * r("VF_SG -> VF_SG PP"), shared * r("NOM_SG -> NOM_SG PP")
    sentences = ["he barks", ["the", "dogs", "sleep"], "he sees the cat near bob"]
    expected = [math.log(he_barks) / 2, math.log(the_dogs_sleep) / 3, math.log(on_verb + on_noun) / 6]
    np.testing.assert_allclose(log_prob_per_token(sentences, grammar), expected, rtol=1e-12)


def test_log_prob_per_token_of_ungrammatical_and_empty(grammar):
    scores = log_prob_per_token([["dog", "the", "barks"], [], ["the", "dog", "barks"]], grammar)
    assert scores.dtype == np.float64 and scores.shape == (3,)
    assert scores[0] == -math.inf and math.isnan(scores[1]) and -10 < scores[2] < 0


def test_log_prob_per_token_matches_the_grammar_on_samples(grammar):
    sentences = grammar.generate(50, seed=1)
    expected = [grammar.log_prob(s) / len(s.split()) for s in sentences]
    np.testing.assert_allclose(log_prob_per_token(sentences, grammar), expected)


EXAMPLES = {
    "the dogs near the cat bark": "grammatical",
    "the dog can barks": "verb form",
    "the dogs do not sleeps": "verb form",
    "him sees the cat": "pronoun case",
    "the cat sees he": "pronoun case",
    "a dogs bark": "determiner",
    "these dog barks": "determiner",
    "the dogs near the cat barks": "number",
    "the dog that the cats chase bark": "number",
    "the dogs is happy": "number",
    "the dog sees": "verb frame",
    "the dog barks the cat": "verb frame",
    "the dog thinks": "verb frame",
    "the dog barks the": "run-on",
    "the big": "too short",
    "dog the barks near the": "other",
    "the <unk> barks": "unknown word",
}


@pytest.mark.parametrize("sentence", EXAMPLES)
def test_error_kind(grammar, sentence):
    assert error_kind(sentence, grammar) == EXAMPLES[sentence]
    assert error_kind(sentence.split(), grammar) == EXAMPLES[sentence]


def test_cut_off_comes_before_every_error_but_grammatical(grammar):
    assert error_kinds(["the dog barks", "the dog can barks", "the dog"], grammar, ended=[False] * 3) == [
        "grammatical", "cut off", "cut off"]


FRAMES = {"intransitive": grammar_rules.INTRANSITIVE, "transitive": grammar_rules.TRANSITIVE,
          "clausal": grammar_rules.CLAUSAL}


def other_frames(word):
    """Every verb of the same form (singular or base) as ``word`` in the other two frames (empty: not a verb)."""
    for frame, pairs in FRAMES.items():
        for form in (0, 1):
            if word in {pair[form] for pair in pairs}:
                return [pair[form] for name, others in FRAMES.items() if name != frame for pair in others]
    return []


def test_verb_frame_representatives_decide_like_every_verb(grammar):
    """One verb per frame stands for all: a brute-force repair over every verb agrees with the kind."""
    rng = np.random.default_rng(0)
    verdicts = {True: 0, False: 0}
    for sentence in grammar.generate(80, seed=2):
        words = sentence.split()
        verbs = [i for i, w in enumerate(words) if other_frames(w)]
        if not verbs:  # "the dog is happy"
            continue
        i = rng.choice(verbs)
        words[i] = rng.choice(other_frames(words[i]))  # a verb in the wrong frame, most of the time
        if grammar.is_grammatical(words):
            continue
        brute = any(grammar.is_grammatical([*words[:j], verb, *words[j + 1:]])
                    for j, w in enumerate(words) for verb in other_frames(w))
        kind = error_kind(words, grammar)
        if kind == "verb frame":
            assert brute
        if kind in ("run-on", "too short", "other"):  # the kinds checked after "verb frame"
            assert not brute
        verdicts[kind == "verb frame"] += 1
    assert verdicts[True] >= 20


def test_kind_shares(grammar):
    kinds = ["grammatical", "number", "number", "determiner", "verb frame", "other", "pronoun case", "run-on"]
    shares = kind_shares(kinds)
    assert list(shares)[:len(ERROR_KINDS)] == list(ERROR_KINDS)
    assert math.isclose(sum(shares[k] for k in ERROR_KINDS), 1.0)
    assert shares["number"] == 2 / 8 and shares["agreement"] == 3 / 8 and shares["selection"] == 2 / 8
    assert set(AGREEMENT_KINDS) | set(SELECTION_KINDS) < set(ERROR_KINDS)


def test_bad_inputs(grammar):
    with pytest.raises(GanTextError, match="list of sentences"):
        log_prob_per_token("the dog barks", grammar)
    with pytest.raises(GanTextError, match="one bool per sentence"):
        error_kinds(["the dog barks"], grammar, ended=[True, False])
    with pytest.raises(GanTextError, match="non-empty"):
        kind_shares(["grammatical", "typo"])
    with pytest.raises(GanTextError, match="non-empty"):
        kind_shares([])
