"""A user's own corpus: a UTF-8 text file with one sentence per line, or a list of strings.

::

    corpus = gt.corpora.load_corpus("my_poems.txt")             # a file
    corpus = gt.corpora.load_corpus(["a first line", "a second"])  # a list

Each line is stripped of surrounding whitespace and blank lines are dropped. The sentences are then
shuffled with ``seed`` and split: ``test_fraction`` of them (at least one) are held out for testing,
the rest are for training. The same seed always gives the same split. A corpus of a single sentence
uses that sentence for both train and test (there is nothing to hold out) and says so in its
description.

Bad input raises :class:`~gan_text.errors.GanTextError` with a one-line message: a missing path, an
empty file, a file of blank lines only, a binary or non-UTF-8 file (with the byte offset of the
first bad byte), a line longer than :data:`MAX_LINE_CHARS` characters (a file that is not one
sentence per line), or a list that is empty or holds something other than strings.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from ..errors import GanTextError
from .base import Corpus

MAX_LINE_CHARS = 100_000
"""The longest line (sentence) accepted, in characters: about 15,000 words, far beyond any sentence."""
_UTF8_BOM = b"\xef\xbb\xbf"
_WHAT_A_FILE_NEEDS = "give a UTF-8 text file with one sentence per line"


def check_count(label: str, value) -> int | None:
    """Return ``value`` if it is None or a positive whole number, else raise GanTextError.

    ``label`` names the argument in the message (``n_train``, ``n_test``).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise GanTextError(f"{label} must be a positive whole number or None, not {value!r}")
    return value


def read_sentences(path: str | os.PathLike) -> list[str]:
    """Read a UTF-8 text file and return its non-blank lines, each stripped of surrounding spaces.

    Raises GanTextError if the path is missing or not a file, or if the file is empty, has only blank
    lines, looks binary (contains a NUL byte), is not valid UTF-8 (the message gives the byte offset
    of the first bad byte) or has a line longer than :data:`MAX_LINE_CHARS` (the message gives its
    number, counting from 1). A UTF-8 byte-order mark at the start is allowed and skipped.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise GanTextError(f"no such file: '{path}'; {_WHAT_A_FILE_NEEDS}")
    if not path.is_file():
        raise GanTextError(f"'{path}' is not a file; {_WHAT_A_FILE_NEEDS}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise GanTextError(f"cannot read '{path}' ({error.strerror or error}); "
                           f"check its permissions") from None
    if not data:
        raise GanTextError(f"'{path}' is empty; {_WHAT_A_FILE_NEEDS}")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise GanTextError(f"'{path}' looks like a binary file (NUL byte at offset {nul}); "
                           f"{_WHAT_A_FILE_NEEDS}")
    skipped = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        text = data[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skipped + error.start
        raise GanTextError(f"'{path}' is not UTF-8 text (byte 0x{data[offset]:02x} at offset "
                           f"{offset}); save it as UTF-8, one sentence per line") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise GanTextError(f"'{path}' line {number:,} is too long ({len(line):,} characters; at most "
                               f"{MAX_LINE_CHARS:,}); {_WHAT_A_FILE_NEEDS}")
    sentences = _clean_lines(lines)
    if not sentences:
        raise GanTextError(f"'{path}' has only blank lines; {_WHAT_A_FILE_NEEDS}")
    return sentences


def from_file(path: str | os.PathLike, n_train: int | None = None, n_test: int | None = None,
              seed: int = 0, test_fraction: float = 0.1) -> Corpus:
    """A corpus from a text file with one sentence per line, named after the file (its stem).

    The sentences are shuffled with ``seed`` and split (see :func:`split_sentences`); ``n_train`` /
    ``n_test`` then keep at most that many of each split.
    """
    path = Path(path).expanduser()
    sentences = read_sentences(path)
    return _make_corpus(path.stem, f"'{path.name}'", sentences, n_train, n_test, seed, test_fraction)


def from_sentences(sentences, n_train: int | None = None, n_test: int | None = None,
                   seed: int = 0, test_fraction: float = 0.1) -> Corpus:
    """A corpus named ``sentences`` from a list of strings, one sentence each.

    Strings are stripped and blank ones dropped, then shuffled with ``seed`` and split as in
    :func:`from_file`. Raises GanTextError unless ``sentences`` is a non-empty list (or tuple) of
    strings with at least one non-blank string.
    """
    if isinstance(sentences, (str, bytes)):
        raise GanTextError("give a list of sentences (strings), not a single string; "
                           "to load a file, pass its path to load_corpus")
    if not isinstance(sentences, (list, tuple)):
        raise GanTextError(f"give a list of sentences (strings), not {type(sentences).__name__}")
    if not sentences:
        raise GanTextError("the list of sentences is empty; give at least one sentence")
    for index, sentence in enumerate(sentences):
        if not isinstance(sentence, str):
            raise GanTextError(f"sentence {index} is of type {type(sentence).__name__}, not a string; "
                               f"give a list of strings")
    cleaned = _clean_lines(sentences)
    if not cleaned:
        raise GanTextError("every sentence in the list is blank; give at least one non-blank sentence")
    return _make_corpus("sentences", "a list", cleaned, n_train, n_test, seed, test_fraction)


def split_sentences(sentences: list[str], seed: int = 0,
                    test_fraction: float = 0.1) -> tuple[list[str], list[str]]:
    """Shuffle a copy of ``sentences`` with ``seed`` and split it into (train, test).

    The test split gets ``round(len * test_fraction)`` sentences, but at least one and never all of
    them; the rest go to train. A single sentence is returned as both train and test.
    """
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) \
            or not 0 < test_fraction < 1:
        raise GanTextError(f"test_fraction must be a number between 0 and 1 (e.g. 0.1), "
                           f"not {test_fraction!r}")
    shuffled = list(sentences)
    random.Random(seed).shuffle(shuffled)
    if len(shuffled) == 1:
        return shuffled, list(shuffled)
    n_held_out = min(max(1, round(len(shuffled) * test_fraction)), len(shuffled) - 1)
    return shuffled[n_held_out:], shuffled[:n_held_out]


def _clean_lines(lines) -> list[str]:
    """Strip each line and drop the blank ones."""
    return [line.strip() for line in lines if line.strip()]


def _make_corpus(name: str, origin: str, sentences: list[str], n_train, n_test, seed: int,
                 test_fraction: float) -> Corpus:
    check_count("n_train", n_train)
    check_count("n_test", n_test)
    train, test = split_sentences(sentences, seed=seed, test_fraction=test_fraction)
    if len(sentences) == 1:
        how = "one sentence only, so it is used for both train and test (nothing is held out)"
    else:
        how = (f"shuffled with seed {seed}; {len(test):,} held out for testing, "
               f"{len(train):,} for training")
    return Corpus(
        name=name,
        description=f"{len(sentences):,} sentences from {origin}, {how}.",
        train=train[:n_train],
        test=test[:n_test],
    )


__all__ = ["MAX_LINE_CHARS", "check_count", "from_file", "from_sentences", "read_sentences", "split_sentences"]
