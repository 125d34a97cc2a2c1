"""Checking metric inputs: every metric takes lists of token lists (or arrays of token ids) and n-gram orders,
checked here alike."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..errors import GanTextError


def token_lists(sentences, what: str) -> list[tuple]:
    """Check that ``sentences`` is a list of token lists and return it as a list of tuples."""
    hint = "tokenise first, e.g. gt.text.tokenize_corpus(sentences)"
    if isinstance(sentences, (str, bytes)):
        raise GanTextError(f"{what} is one string, not a list of token lists; {hint}")
    if not isinstance(sentences, Iterable):
        raise GanTextError(f"{what} must be a list of token lists, not {type(sentences).__name__}")
    out = []
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise GanTextError(f"{what}[{i}] is a string ({str(sentence)[:30]!r}), not a list of "
                               f"tokens; {hint}")
        if not isinstance(sentence, Iterable):
            raise GanTextError(f"{what}[{i}] must be a list of tokens, not {type(sentence).__name__}")
        out.append(tuple(sentence))
    return out


def ngram_orders(ns) -> tuple[int, ...]:
    """Check n-gram orders (an int or a list of ints >= 1) and return them as a tuple."""
    ns = (ns,) if isinstance(ns, (int, np.integer)) else tuple(ns)
    if not ns or any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1 for n in ns):
        raise GanTextError(f"n-gram orders must be whole numbers >= 1, e.g. ns=(2, 3, 4, 5); got {ns!r}")
    return tuple(int(n) for n in ns)


def ngram_order(n) -> int:
    """Check one n-gram order (a whole number >= 1) and return it as an int."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise GanTextError(f"n must be one whole number >= 1 (the n-gram length), got {n!r}")
    return int(n)


def countable_sentences(sentences, what: str) -> list[tuple]:
    """Check a non-empty list of token lists with hashable tokens (str or int), ready for n-gram counting;
    return it as a list of tuples."""
    sents = token_lists(sentences, what)
    if not sents:
        raise GanTextError(f"{what} is an empty list; pass at least one tokenised sentence")
    try:
        for sentence in sents:
            hash(sentence)
    except TypeError as exc:
        raise GanTextError(f"tokens in {what} must be hashable (str or int), but one is a list or "
                           f"another unhashable value; pass one flat list of tokens per "
                           f"sentence") from exc
    return sents


def token_array(tokens, what: str) -> np.ndarray:
    """Check token ids: an int array (n, seq_len) with n >= 1 (NumPy, a list of lists or a tensor);
    return it as a NumPy array of the same dtype."""
    array = np.asarray(tokens.numpy() if hasattr(tokens, "numpy") else tokens)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.integer) or len(array) == 0:
        raise GanTextError(f"{what} must be int token ids of shape (n, seq_len) with n >= 1, got "
                           f"shape {array.shape} {array.dtype}; pass generator samples or "
                           f"prepared.test_tokens")
    return array


__all__ = ["countable_sentences", "ngram_order", "ngram_orders", "token_array", "token_lists"]
