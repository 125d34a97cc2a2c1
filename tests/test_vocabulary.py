"""The Vocabulary: building, encoding/decoding, saving and loading (gan_text.vocabulary)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from gan_text.errors import GanTextError
from gan_text.text import tokenize_corpus
from gan_text.vocabulary import (
    BOS_ID,
    EOS,
    EOS_ID,
    PAD,
    PAD_ID,
    SPECIALS,
    UNK,
    UNK_ID,
    Vocabulary,
)

# counts: a=2, c=2, b=1, d=1 -> order a, c (ties alphabetical), then b, d
SENTENCES = [["b", "a", "c"], ["a", "c"], ["d"]]

TEXT = ["A man rides a horse on the beach.", "Two dogs can't stop playing, can they?",
        "the man and the dog."]


def test_special_ids_are_their_positions():
    assert SPECIALS == ("<pad>", "<bos>", "<eos>", "<unk>")
    assert [PAD_ID, BOS_ID, EOS_ID, UNK_ID] == [SPECIALS.index(s) for s in SPECIALS]
    vocab = Vocabulary.build([])
    assert vocab.tokens == list(SPECIALS) and len(vocab) == 4


def test_build_orders_by_count_then_alphabetically():
    vocab = Vocabulary.build(SENTENCES)
    assert vocab.tokens == [*SPECIALS, "a", "c", "b", "d"]
    assert vocab.counts == {"a": 2, "c": 2, "b": 1, "d": 1}


def test_build_does_not_depend_on_sentence_order():
    shuffled = [list(s) for s in SENTENCES for _ in range(3)]
    random.Random(1).shuffle(shuffled)
    assert Vocabulary.build(shuffled).tokens == Vocabulary.build(SENTENCES).tokens


def test_min_freq_drops_rare_tokens():
    assert Vocabulary.build(SENTENCES, min_freq=2).tokens == [*SPECIALS, "a", "c"]
    assert Vocabulary.build(SENTENCES, min_freq=3).tokens == list(SPECIALS)


def test_max_size_counts_the_specials():
    assert Vocabulary.build(SENTENCES, max_size=5).tokens == [*SPECIALS, "a"]
    assert Vocabulary.build(SENTENCES, max_size=4).tokens == list(SPECIALS)
    assert len(Vocabulary.build(SENTENCES, max_size=100)) == 8


def test_max_size_smaller_than_specials_is_a_clear_error():
    with pytest.raises(GanTextError, match=r"max_size=3 is smaller than the 4 special tokens.*"
                                           r"use max_size >= 4 or None"):
        Vocabulary.build(SENTENCES, max_size=3)


def test_bad_build_arguments_are_clear_errors():
    with pytest.raises(GanTextError, match="min_freq=0 must be a whole number >= 1"):
        Vocabulary.build(SENTENCES, min_freq=0)
    with pytest.raises(GanTextError, match="got a str sentence; tokenise first"):
        Vocabulary.build(["a raw sentence"])
    with pytest.raises(GanTextError, match="got one str"):
        Vocabulary.build("raw text")


@pytest.mark.parametrize("level", ["word", "char"])
def test_encode_decode_round_trip_is_exact(level):
    token_lists = tokenize_corpus(TEXT, level=level)
    vocab = Vocabulary.build(token_lists)
    for tokens in token_lists:
        ids = vocab.encode(tokens)
        assert UNK_ID not in ids
        assert vocab.decode(ids) == tokens
        assert vocab.decode([BOS_ID, *ids, EOS_ID, PAD_ID, PAD_ID]) == tokens


def test_unknown_tokens_become_unk():
    vocab = Vocabulary.build(SENTENCES)
    assert vocab.encode(["a", "zebra", "d"]) == [4, UNK_ID, 7]
    assert vocab.token_to_id("zebra") == UNK_ID
    assert "zebra" not in vocab and "a" in vocab
    assert vocab.decode(vocab.encode(["zebra", "a"])) == [UNK, "a"]


def test_decode_stops_at_eos_and_skips_padding():
    vocab = Vocabulary.build(SENTENCES)
    ids = np.array([BOS_ID, 4, PAD_ID, 5, EOS_ID, 6, PAD_ID], dtype=np.int32)
    assert vocab.decode(ids) == ["a", "c"]
    assert vocab.decode(ids, strip_special=False) == [
        "<bos>", "a", PAD, "c", EOS, "b", PAD]


def test_decode_of_a_batch_is_a_clear_error():
    with pytest.raises(GanTextError, match="decode expects one sequence of ids, got a batch.*decode_batch"):
        Vocabulary.build(SENTENCES).decode(np.zeros((2, 3), dtype=np.int32))


def test_docstring_examples_hold():
    import doctest

    import gan_text.vocabulary

    results = doctest.testmod(gan_text.vocabulary)
    assert results.attempted >= 4 and results.failed == 0


def test_special_strings_in_text_map_to_special_ids():
    vocab = Vocabulary.build([["a", UNK, EOS]])
    assert vocab.tokens == [*SPECIALS, "a"]
    assert vocab.encode([UNK, "a", EOS]) == [UNK_ID, 4, EOS_ID]


def test_lookup_by_id():
    vocab = Vocabulary.build(SENTENCES)
    assert [vocab.id_to_token(i) for i in range(len(vocab))] == vocab.tokens
    assert vocab.token_to_id("c") == 5
    with pytest.raises(GanTextError, match=r"id 8 is outside this vocabulary \(ids 0 to 7\)"):
        vocab.id_to_token(8)
    with pytest.raises(GanTextError, match="id -1 is outside"):
        vocab.decode([4, -1])


def test_constructor_adds_specials_and_rejects_bad_lists():
    assert Vocabulary(["x", "y"]).tokens == [*SPECIALS, "x", "y"]
    assert Vocabulary([*SPECIALS, "x", "y"]) == Vocabulary(["x", "y"])
    with pytest.raises(GanTextError, match=r"duplicate tokens in a vocabulary: \['x'\]"):
        Vocabulary(["x", "y", "x"])
    with pytest.raises(GanTextError, match="special token '<eos>' may only appear at its own id 2"):
        Vocabulary(["x", EOS])


def test_encode_of_a_string_is_a_clear_error():
    with pytest.raises(GanTextError, match="encode expects a list of tokens, got one str"):
        Vocabulary.build(SENTENCES).encode("a c")


def test_equality_compares_the_token_to_id_mapping():
    built = Vocabulary.build(SENTENCES)
    assert built == Vocabulary(built.tokens)  # counts are not compared
    assert hash(built) == hash(Vocabulary(built.tokens))
    assert built != Vocabulary(["c", "a", "b", "d"])
    assert built != built.tokens


def test_repr_shows_size_and_first_tokens():
    text = repr(Vocabulary.build(SENTENCES))
    assert text.startswith("Vocabulary(8 tokens incl. 4 specials:")
    assert "'a' 'c' 'b' 'd'" in text


def test_save_load_round_trip(tmp_path):
    vocab = Vocabulary.build(tokenize_corpus(TEXT))
    path = vocab.save(tmp_path / "sub" / "vocab.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "gan_text.vocabulary" and data["version"] == 1
    loaded = Vocabulary.load(path)
    assert loaded == vocab and loaded.tokens == vocab.tokens and loaded.counts == vocab.counts
    assert Vocabulary.load(Vocabulary(["x"]).save(tmp_path / "plain.json")).counts is None


def test_failed_save_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "vocab.json"
    Vocabulary.build(SENTENCES).save(path)
    before = path.read_bytes()

    def broken_replace(*args):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr("gan_text.atomic.os.replace", broken_replace)
        with pytest.raises(OSError, match="disk full"):
            Vocabulary.build([["other", "tokens"]]).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.json"]  # no temporary file left
    assert Vocabulary.load(path) == Vocabulary.build(SENTENCES)


def test_load_missing_file(tmp_path):
    with pytest.raises(GanTextError, match="no vocabulary file at .*missing.json.*vocab.save"):
        Vocabulary.load(tmp_path / "missing.json")


def test_load_unreadable_file(tmp_path, monkeypatch):
    path = Vocabulary(["x"]).save(tmp_path / "vocab.json")

    def refuse(self, *args, **kwargs):  # what a file without read permission gives (tests run as root here)
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(path), "read_text", refuse)
    with pytest.raises(GanTextError, match="cannot read .*vocab.json.*Permission denied.*Vocabulary.save"):
        Vocabulary.load(path)


@pytest.mark.parametrize(("content", "message"), [
    ('{"format": "gan_text.vocabulary", "tokens": [', r"is not valid JSON \(.*Vocabulary.save"),
    ("\xff\xfe", "is not valid JSON"),
    ('{"word_index": {"a": 1}}', r"is not a gan_text vocabulary \(format None"),
    ('{"format": "keras_tokenizer", "version": 1}', "is not a gan_text vocabulary .*'keras_tokenizer'"),
    ('["<pad>", "<bos>"]', r"is not a gan_text vocabulary \(format 'list'"),
    ('{"format": "gan_text.vocabulary", "version": 99, "tokens": []}',
     "format version 99, but this gan_text reads version 1"),
    ('{"format": "gan_text.vocabulary", "version": 1, "tokens": ["a", "b"]}',
     "is damaged: 'tokens' must be a list of str starting with <pad>"),
    ('{"format": "gan_text.vocabulary", "version": 1, '
     '"tokens": ["<pad>", "<bos>", "<eos>", "<unk>", "a"], "counts": {"a": "many"}}',
     "is damaged: 'counts' must map tokens to whole numbers"),
    ("[" * 100_000 + "]" * 100_000, r"is not valid JSON \(nested too deeply\)"),
])
def test_load_rejects_malformed_or_foreign_files(tmp_path, content, message):
    path = tmp_path / "vocab.json"
    path.write_bytes(content.encode("latin-1") if content == "\xff\xfe" else content.encode())
    with pytest.raises(GanTextError, match=message):
        Vocabulary.load(path)
