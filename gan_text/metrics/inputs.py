"""Checking metric inputs: every metric takes lists of token lists and n-gram orders, checked here alike."""

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
