"""Cleaning and tokenisation (gan_text.text)."""

from __future__ import annotations

import nltk
import pytest
from nltk.tokenize import NLTKWordTokenizer

from gan_text.errors import GanTextError
from gan_text.text import clean, detokenize, tokenize, tokenize_corpus

COCO_LIKE = [
    "a bicycle replica with a clock as the front wheel.",
    "a black honda motorcycle parked in front of a garage.",
    "two dogs can't stop playing with a frisbee",
]
EMNLP_LIKE = [
    "\" We ' re working through a legacy period , with legacy products that are 10 or 20 years "
    "old ,\" he says .",
    "Over 1 , 600 a day have reached Greece this month , a higher rate than last July .",
    "The U.K.'s economy grew 2.5% in 2016, the ONS said on Tuesday (after a \"slow\" start).",
]


@pytest.mark.parametrize("sentence", COCO_LIKE + EMNLP_LIKE)
def test_word_tokenize_is_nltk_treebank(sentence):
    assert tokenize(sentence) == NLTKWordTokenizer().tokenize(sentence)


def test_final_full_stop_is_split_off_like_word_tokenize():
    assert tokenize(COCO_LIKE[0])[-2:] == ["wheel", "."]
    assert tokenize("he can't go")[-3:] == ["ca", "n't", "go"]


def test_word_tokenize_needs_no_nltk_data(tmp_path, monkeypatch):
    # An empty data path: anything that needs a download (Punkt) would raise LookupError here.
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    assert tokenize("a man rides a horse.") == ["a", "man", "rides", "a", "horse", "."]


def test_char_tokenize_keeps_spaces_and_joins_back():
    assert tokenize("a cat.", level="char") == ["a", " ", "c", "a", "t", "."]
    for sentence in COCO_LIKE + EMNLP_LIKE:
        assert detokenize(tokenize(sentence, level="char"), level="char") == sentence


@pytest.mark.parametrize("sentence", [
    "a bicycle replica with a clock as the front wheel.",
    "He can't say \"no\", can he?",
    "The U.K.'s economy grew 2.5% in 2016.",
])
def test_word_detokenize_inverts_tokenize(sentence):
    assert detokenize(tokenize(sentence)) == sentence


def test_clean_normalises_unicode():
    assert clean("ＡＢＣ １２３") == "ABC 123"  # full-width forms
    assert clean("ﬁne ﬂower") == "fine flower"  # ligatures
    assert clean("caf\u0065\u0301") == "caf\u00e9"  # combining accent composed
    assert clean("a\u00a0b") == "a b"  # non-breaking space


def test_clean_removes_control_and_invisible_characters():
    assert clean("ab\x00c\x07d\x1b") == "abcd"
    assert clean("\ufeffzero\u200bwidth\u00adsoft") == "zerowidthsoft"
    assert clean("a \u200b b") == "a b"  # no double space left where a character vanished


def test_clean_collapses_and_strips_whitespace():
    assert clean("  a\t\tb\r\nc \u2028 d\x0c  ") == "a b c d"
    assert clean(" \n\t ") == ""


def test_clean_lowercases_only_when_asked():
    assert clean("The Cat") == "The Cat"
    assert clean("The Cat", lowercase=True) == "the cat"
    assert clean("ＴＨＥ", lowercase=True) == "the"


def test_tokenize_corpus_cleans_then_tokenizes_each_sentence():
    sentences = ["  The  Cat\tsat. ", "A\u200bdog!"]
    assert tokenize_corpus(sentences, lowercase=True) == [["the", "cat", "sat", "."],
                                                          ["adog", "!"]]
    assert tokenize_corpus(sentences, level="char") == [list("The Cat sat."), list("Adog!")]
    assert tokenize_corpus([]) == []


@pytest.mark.parametrize("call", [
    lambda: tokenize("a b", level="chars"),
    lambda: detokenize(["a"], level="chars"),
    lambda: tokenize_corpus([], level="chars"),
])
def test_unknown_level_is_a_clear_error(call):
    with pytest.raises(GanTextError, match=r"^unknown level 'chars'; known: word, char$"):
        call()


def test_wrong_input_types_are_clear_errors():
    with pytest.raises(GanTextError, match="clean expects a str, got bytes.*decode"):
        clean(b"bytes")
    with pytest.raises(GanTextError, match="got one str; wrap it in a list"):
        tokenize_corpus("one sentence")
    with pytest.raises(GanTextError, match="tokenize expects one sentence.*tokenize_corpus"):
        tokenize(["two", "sentences"])
    with pytest.raises(GanTextError, match="detokenize expects a list of tokens"):
        detokenize("text")


def test_docstring_examples_hold():
    import doctest

    import gan_text.text

    results = doctest.testmod(gan_text.text)
    assert results.attempted >= 4 and results.failed == 0
