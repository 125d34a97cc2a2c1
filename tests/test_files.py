"""A user's own corpus: a text file (one sentence per line) or a list of strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from gan_text.corpora import files, load_corpus
from gan_text.errors import GanTextError


def _write(tmp_path: Path, data: bytes, name: str = "my_corpus.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _numbered(n: int) -> list[str]:
    return [f"sentence number {i} ." for i in range(n)]


# --- reading a file -----------------------------------------------------------------------------

def test_lines_are_stripped_and_blank_lines_dropped(tmp_path):
    path = _write(tmp_path, b"  the cat sat .  \r\n\r\n\t\na dog ran\rlast line with \xc3\xa9")
    assert files.read_sentences(path) == ["the cat sat .", "a dog ran", "last line with \u00e9"]


def test_byte_order_mark_is_skipped(tmp_path):
    path = _write(tmp_path, b"\xef\xbb\xbfhello world\n")
    assert files.read_sentences(path) == ["hello world"]


def test_empty_file(tmp_path):
    path = _write(tmp_path, b"")
    with pytest.raises(GanTextError, match="is empty; give a UTF-8 text file with one sentence per line"):
        files.read_sentences(path)


def test_only_blank_lines(tmp_path):
    path = _write(tmp_path, b"\n   \n\t\r\n\n")
    with pytest.raises(GanTextError, match="has only blank lines; give a UTF-8 text file"):
        load_corpus(path)


def test_binary_file_gives_the_nul_offset(tmp_path):
    data = b"ok line\n\x89PNG\x00\x00\x01"
    path = _write(tmp_path, data, "picture.png")
    with pytest.raises(GanTextError) as caught:
        load_corpus(str(path))
    message = str(caught.value)
    assert f"looks like a binary file (NUL byte at offset {data.index(0)})" in message
    assert "picture.png" in message and "\n" not in message


def test_non_utf8_file_gives_the_byte_offset(tmp_path):
    data = "first line\ncaf\u00e9 in latin-1\n".encode("latin-1")
    path = _write(tmp_path, data)
    with pytest.raises(GanTextError) as caught:
        files.read_sentences(path)
    assert f"is not UTF-8 text (byte 0xe9 at offset {data.index(0xE9)})" in str(caught.value)
    assert "save it as UTF-8" in str(caught.value)


def test_non_utf8_offset_counts_the_byte_order_mark(tmp_path):
    data = b"\xef\xbb\xbfabc\xff"
    with pytest.raises(GanTextError, match=f"offset {data.index(0xFF)}"):
        files.read_sentences(_write(tmp_path, data))


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(GanTextError, match="no such file: .*nothing.txt"):
        files.read_sentences(tmp_path / "nothing.txt")
    with pytest.raises(GanTextError, match="is not a file"):
        files.read_sentences(tmp_path)
    with pytest.raises(GanTextError, match="no such file: 'data/nothing.txt'; give an existing"):
        load_corpus("data/nothing.txt")


# --- a corpus from a file -----------------------------------------------------------------------

def test_file_corpus_is_named_after_the_file_and_split(tmp_path):
    lines = _numbered(100)
    path = _write(tmp_path, ("\n".join(lines) + "\n").encode(), "poems.txt")
    corpus = load_corpus(path)
    assert corpus.name == "poems"
    assert (len(corpus.train), len(corpus.test)) == (90, 10)
    assert sorted(corpus.train + corpus.test) == sorted(lines)
    assert not set(corpus.train) & set(corpus.test)
    assert corpus.train != lines[:90]  # shuffled, not cut in file order
    assert "100 sentences" in corpus.description and "seed 0" in corpus.description


def test_file_split_is_deterministic(tmp_path):
    path = _write(tmp_path, "\n".join(_numbered(50)).encode())
    first = files.from_file(path, seed=7)
    again = files.from_file(path, seed=7)
    other = files.from_file(path, seed=8)
    assert (first.train, first.test) == (again.train, again.test)
    assert (first.train, first.test) != (other.train, other.test)


def test_test_fraction_and_cuts(tmp_path):
    path = _write(tmp_path, "\n".join(_numbered(40)).encode())
    corpus = files.from_file(path, test_fraction=0.25)
    assert (len(corpus.train), len(corpus.test)) == (30, 10)
    cut = files.from_file(path, n_train=4, n_test=3, test_fraction=0.25)
    assert cut.train == corpus.train[:4] and cut.test == corpus.test[:3]
    with pytest.raises(GanTextError, match="test_fraction must be a number between 0 and 1"):
        files.from_file(path, test_fraction=1.5)
    with pytest.raises(GanTextError, match="n_train must be a positive whole number or None, not -1"):
        load_corpus(path, n_train=-1)


def test_one_line_file_is_still_usable(tmp_path):
    corpus = load_corpus(_write(tmp_path, b"the only sentence .\n", "tiny.txt"))
    assert corpus.train == ["the only sentence ."] and corpus.test == ["the only sentence ."]
    assert "both train and test" in corpus.description


def test_two_lines_give_one_each(tmp_path):
    corpus = files.from_file(_write(tmp_path, b"one\ntwo\n"))
    assert sorted(corpus.train + corpus.test) == ["one", "two"]
    assert len(corpus.train) == len(corpus.test) == 1


# --- a corpus from a list -----------------------------------------------------------------------

def test_list_of_strings(tmp_path):
    sentences = ["  a red fox .", "", "a blue bird .", "a green frog .", "   "]
    corpus = load_corpus(sentences, seed=3)
    assert corpus.name == "sentences"
    assert sorted(corpus.train + corpus.test) == ["a blue bird .", "a green frog .", "a red fox ."]
    assert len(corpus.test) == 1
    assert load_corpus(tuple(sentences), seed=3).train == corpus.train


def test_list_and_file_split_the_same_way(tmp_path):
    lines = _numbered(30)
    from_list = files.from_sentences(lines, seed=5)
    from_file = files.from_file(_write(tmp_path, "\n".join(lines).encode()), seed=5)
    assert (from_list.train, from_list.test) == (from_file.train, from_file.test)


@pytest.mark.parametrize("bad, message", [
    ([], "the list of sentences is empty; give at least one sentence"),
    (["", "  ", "\n"], "every sentence in the list is blank; give at least one non-blank sentence"),
    (["fine", 42], "sentence 1 is of type int, not a string; give a list of strings"),
    ("just one string", "give a list of sentences \\(strings\\), not a single string"),
    ({"a": 1}, "give a list of sentences \\(strings\\), not dict"),
])
def test_bad_lists(bad, message):
    with pytest.raises(GanTextError, match=message):
        files.from_sentences(bad)
