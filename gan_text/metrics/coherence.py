"""Coherence under the true grammar: how probable a grammatical sentence is per word, and why an
ungrammatical one fails.

Grammaticality is a yes/no verdict. On the ``grammar`` corpus we know the distribution that wrote the
text (:class:`~gan_text.corpora.grammar.ToyGrammar`), so we can ask two finer questions:

- :func:`log_prob_per_token`: ``log P_pcfg(s) / len(s)``, the natural-log probability of sentence ``s``
  under the untruncated PCFG (summed over all its parses) divided by its number of words, in nats per
  token. Higher means more typical of the grammar; a shuffled sentence that happens to parse scores low.
  It is ``-inf`` for a sentence that does not parse (probability 0).
- :func:`error_kind`: for a sentence that does not parse, the first kind in :data:`ERROR_KINDS` that
  applies. The *agreement* kinds and the *selection* kinds are each defined by a repair: a single word
  changed within one family of forms that makes the sentence parse.

==================  ===========  ======================================================================
kind                group        the sentence parses after ...
==================  ===========  ======================================================================
``verb form``       selection    a verb right after a modal or ``not`` changes form (``can barks``)
``pronoun case``    selection    a pronoun changes case (``him sees he``: ``he`` / ``him``)
``determiner``      agreement    a determiner changes number (``a dogs bark``: ``a`` / ``some``)
``number``          agreement    a noun or verb changes number (``the dogs barks``, ``is`` / ``are``)
``verb frame``      selection    a verb takes another frame: intransitive, transitive, or taking a
                                 clause (``the dog sees``, ``the dog barks the cat``)
==================  ===========  ======================================================================

Before them come ``cut off`` (no ``<eos>`` in ``seq_len`` tokens) and ``unknown word`` (a token outside
the grammar's words); after them ``run-on`` (a shorter prefix parses), ``too short`` (fewer than the
grammar's ``min_len`` words) and ``other``. Sentences are token lists (a string is split on spaces).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..corpora import grammar_rules
from ..errors import GanTextError
from .inputs import token_lists

AGREEMENT_KINDS = ("determiner", "number")
SELECTION_KINDS = ("verb form", "pronoun case", "verb frame")
REPAIR_ORDER = ("verb form", "pronoun case", "determiner", "number", "verb frame")
ERROR_KINDS = ("grammatical", "cut off", "unknown word", *REPAIR_ORDER, "run-on", "too short", "other")

_LEX = grammar_rules.LEXICON
_VERB_LISTS = {"intransitive": grammar_rules.INTRANSITIVE, "transitive": grammar_rules.TRANSITIVE,
               "clausal": grammar_rules.CLAUSAL}


def _pairs(pairs) -> dict[str, list[str]]:
    """Both directions of ``(one, other)`` word pairs: ``{one: [other], other: [one]}``."""
    swap: dict[str, list[str]] = {}
    for one, other in pairs:
        swap.setdefault(one, []).append(other)
        swap.setdefault(other, []).append(one)
    return swap


def _verb_frames() -> dict[str, list[str]]:
    """Each verb form -> one verb of the same form in each other frame. The grammar treats the words of
    one category alike, so one representative per category decides every repair."""
    swap: dict[str, list[str]] = {}
    for form in (0, 1):  # third person singular, base
        for frame, pairs in _VERB_LISTS.items():
            others = [other[0][form] for name, other in _VERB_LISTS.items() if name != frame]
            for pair in pairs:
                swap[pair[form]] = others
    return swap


# word -> the words that repair it, per kind (``verb form`` uses ``number``'s verbs, after a modal/"not")
_VERB_NUMBER = _pairs(grammar_rules.INTRANSITIVE + grammar_rules.TRANSITIVE + grammar_rules.CLAUSAL)
_REPAIRS = {
    "pronoun case": _pairs([("he", "him"), ("she", "her"), ("they", "them"), ("we", "us")]),
    "determiner": {**{d: ["some"] for d in set(_LEX["DET_SG"]) - set(_LEX["DET_PL"])},
                   **{d: ["a"] for d in set(_LEX["DET_PL"]) - set(_LEX["DET_SG"])}},
    "number": {**_pairs(grammar_rules.NOUNS), **_VERB_NUMBER, **_pairs([("is", "are"), ("does", "do")])},
    "verb frame": _verb_frames(),
}
_BEFORE_BASE = set(_LEX["MODAL"]) | set(_LEX["NOT"])


def _sentences(sentences, what: str) -> list[list[str]]:
    """Check a list of sentences (token lists or strings) and return them as lists of words."""
    if isinstance(sentences, str) or not isinstance(sentences, Iterable):
        raise GanTextError(f"{what} must be a list of sentences (token lists or strings), not "
                           f"{type(sentences).__name__}; wrap one sentence in a list")
    split = [s.split() if isinstance(s, str) else s for s in sentences]
    return [list(s) for s in token_lists(split, what)]


def log_prob_per_token(sentences, grammar) -> np.ndarray:
    """float64 ``(n,)``: ``log P_pcfg(s) / len(s)`` of each sentence, in nats per token (``-inf`` where it
    does not parse, NaN for an empty sentence).

    ``sentences``: token lists or strings; ``grammar``: a :class:`~gan_text.corpora.grammar.ToyGrammar`
    (``corpus.true_model``). The probability is the untruncated PCFG's (``grammar.log_prob(s)``): the
    length truncation of the corpus only adds the same ``-log Z`` to every in-range sentence.
    """
    sents = _sentences(sentences, "sentences")
    return np.array([grammar.log_prob(s) / len(s) if s else math.nan for s in sents], dtype=np.float64)


def _repairs(sentence: list[str], kind: str):
    """Every sentence that one word change of family ``kind`` makes from ``sentence``."""
    for i, word in enumerate(sentence):
        if kind == "verb form":
            if i == 0 or sentence[i - 1] not in _BEFORE_BASE:
                continue
            alternatives = _VERB_NUMBER.get(word, [])
        else:
            alternatives = _REPAIRS[kind].get(word, [])
        for other in alternatives:
            yield [*sentence[:i], other, *sentence[i + 1:]]


def error_kind(sentence, grammar, ended: bool = True) -> str:
    """The first kind of :data:`ERROR_KINDS` that applies to one sentence (a token list or a string).

    ``ended``: whether the generator wrote ``<eos>`` (False: the sentence was cut off at ``seq_len``).
    ``grammar``: a :class:`~gan_text.corpora.grammar.ToyGrammar`. See the module docstring for the kinds.
    """
    words = _sentences([sentence], "sentence")[0]  # a string is split; a token list is checked
    if grammar.is_grammatical(words):
        return "grammatical"
    if not ended:
        return "cut off"
    known = set(grammar.words)
    if any(word not in known for word in words):
        return "unknown word"
    for kind in REPAIR_ORDER:
        if any(grammar.is_grammatical(repaired) for repaired in _repairs(words, kind)):
            return kind
    if any(grammar.is_grammatical(words[:end]) for end in range(len(words) - 1, 1, -1)):
        return "run-on"
    if len(words) < grammar.min_len:
        return "too short"
    return "other"


def error_kinds(sentences, grammar, ended=None) -> list[str]:
    """:func:`error_kind` of every sentence; ``ended``: one bool per sentence (default: all True)."""
    sents = _sentences(sentences, "sentences")
    ended = [True] * len(sents) if ended is None else [bool(e) for e in ended]
    if len(ended) != len(sents):
        raise GanTextError(f"ended has {len(ended)} entries for {len(sents)} sentences; pass one bool per "
                           "sentence, e.g. (tokens == EOS_ID).any(axis=1)")
    return [error_kind(s, grammar, e) for s, e in zip(sents, ended, strict=True)]


def kind_shares(kinds) -> dict[str, float]:
    """``{kind: share}`` over :data:`ERROR_KINDS` (in that order) of a list of kinds; the shares sum to 1.
    Also ``"agreement"`` and ``"selection"``: the summed shares of their groups."""
    kinds = list(kinds)
    unknown = sorted(set(kinds) - set(ERROR_KINDS))
    if not kinds or unknown:
        raise GanTextError(f"kinds must be a non-empty list of {', '.join(ERROR_KINDS)}; got "
                           f"{unknown or 'none'}; pass the list error_kinds(...) returns")
    shares = {kind: kinds.count(kind) / len(kinds) for kind in ERROR_KINDS}
    shares["agreement"] = sum(shares[k] for k in AGREEMENT_KINDS)
    shares["selection"] = sum(shares[k] for k in SELECTION_KINDS)
    return shares


__all__ = ["AGREEMENT_KINDS", "ERROR_KINDS", "REPAIR_ORDER", "SELECTION_KINDS", "error_kind", "error_kinds",
           "kind_shares", "log_prob_per_token"]
