"""Text in, tokens out: cleaning and tokenisation at the word or character level.

Two levels, chosen per corpus (``Corpus.level``):

``"word"``
    nltk's Treebank-style ``NLTKWordTokenizer``. It is exactly what ``nltk.word_tokenize`` runs on each
    sentence, without the Punkt sentence splitter in front of it, so it needs no data download (Punkt
    would). Our corpora hold one sentence per line, so the splitter has nothing to do; the only visible
    difference is that a full stop is split off at the end of the text, not at the end of each inner
    sentence ("went home. Then" keeps "home." as one token). Like ``word_tokenize`` it splits clitics
    ("can't" -> "ca", "n't") and turns straight double quotes into `` and ''.
    :func:`detokenize` undoes this with nltk's ``TreebankWordDetokenizer``.
``"char"``
    Every character is a token, spaces included, so ``"".join(tokens)`` gives the text back.

nltk is imported on first use, so ``import gan_text.text`` stays fast.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

from .errors import GanTextError, one_of

LEVELS = ("word", "char")

# Unicode categories that :func:`clean` deletes: control characters (Cc: NUL, BEL, ESC...; tabs and
# newlines become spaces first), invisible format characters (Cf: zero-width space, soft hyphen,
# byte-order mark...) and lone surrogates (Cs), which cannot even be written as UTF-8.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def check_level(level: str) -> str:
    """Return ``level`` if it is ``"word"`` or ``"char"``; otherwise raise GanTextError."""
    if level not in LEVELS:
        raise one_of("level", level, LEVELS)
    return level


def clean(text: str, lowercase: bool = False) -> str:
    """Normalise one piece of text so that equal-looking text gives equal tokens.

    In order: Unicode NFKC normalisation (full-width letters, ligatures such as "ﬁ" and non-breaking
    spaces become their plain forms), optional lowercasing, every run of whitespace (tabs, newlines,
    Unicode spaces) becomes one space, control and invisible format characters are deleted, and the
    ends are stripped.

    >>> clean("  Ｈｅｌｌｏ,\\tworld\\u200b!  ", lowercase=True)
    'hello, world!'
    """
    if not isinstance(text, str):
        hint = " (decode bytes first, e.g. data.decode('utf-8'))" if isinstance(text, bytes) else ""
        raise GanTextError(f"clean expects a str, got {type(text).__name__}{hint}")
    text = unicodedata.normalize("NFKC", text)
    if lowercase:
        text = text.lower()
    # Whitespace (including \t \n \r, which are control characters too) becomes a space; other
    # control and format characters vanish; then runs of spaces collapse to one.
    text = "".join(" " if ch.isspace() else "" if unicodedata.category(ch) in _DROPPED_CATEGORIES
                   else ch for ch in text)
    return " ".join(text.split())


@functools.cache
def _word_tokenizer():
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


@functools.cache
def _word_detokenizer():
    from nltk.tokenize.treebank import TreebankWordDetokenizer

    return TreebankWordDetokenizer()


def tokenize(text: str, level: str = "word") -> list[str]:
    """Split one (cleaned) sentence into tokens: words and punctuation, or single characters.

    >>> tokenize("A man riding a bike.")
    ['A', 'man', 'riding', 'a', 'bike', '.']
    >>> tokenize("a cat", level="char")
    ['a', ' ', 'c', 'a', 't']
    """
    check_level(level)
    if not isinstance(text, str):
        raise GanTextError(f"tokenize expects one sentence as a str, got {type(text).__name__}; "
                           f"for many sentences use tokenize_corpus")
    if level == "char":
        return list(text)
    return _word_tokenizer().tokenize(text)


def detokenize(tokens: Iterable[str], level: str = "word") -> str:
    """Join tokens back into readable text (the inverse of :func:`tokenize`, up to spacing).

    Word level re-attaches punctuation and clitics ("bike", "." -> "bike."); character level
    concatenates.

    >>> detokenize(['A', 'man', 'ca', "n't", 'ride', '.'])
    "A man can't ride."
    """
    check_level(level)
    if isinstance(tokens, str):
        raise GanTextError("detokenize expects a list of tokens, got one str; it is already text")
    tokens = list(tokens)
    if level == "char":
        return "".join(tokens)
    return _word_detokenizer().detokenize(tokens)


def tokenize_corpus(sentences: Iterable[str], level: str = "word",
                    lowercase: bool = False) -> list[list[str]]:
    """Clean and tokenise every sentence: ``[tokenize(clean(s, lowercase), level) for s in sentences]``.

    Returns one list of string tokens per sentence, in the input order.
    """
    check_level(level)
    if isinstance(sentences, str):
        raise GanTextError("tokenize_corpus expects a list of sentences, got one str; "
                           "wrap it in a list or use tokenize")
    return [tokenize(clean(sentence, lowercase), level) for sentence in sentences]


__all__ = ["LEVELS", "check_level", "clean", "detokenize", "tokenize", "tokenize_corpus"]
