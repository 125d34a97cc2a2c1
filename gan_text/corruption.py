"""Corrupted sentences: easy-to-make fakes for training a discriminator on its own.

A discriminator learns to tell real sentences from fake ones. Before any generator is trained, we can
make fakes by damaging real sentences, each in a way a good discriminator should notice:

==================  ====================================================================  =============
corruption          what it does to each row                                              difficulty
==================  ====================================================================  =============
``shuffle_words``   puts the words of the sentence in a random order                      easy
``swap_tokens``     exchanges two words at random positions (``n_swaps`` times)            harder
``replace_tokens``  puts a random vocabulary word at ``n_replace`` random positions        harder
==================  ====================================================================  =============

All three take ``tokens``, an integer array ``(n, seq_len)`` laid out as the dataset makes it (words,
``<eos>``, ``<pad>``...), and return a NEW int32 array of the same shape; the input is never changed.
Only *word positions* move or change: the positions before the first ``<eos>`` that hold neither
``<pad>`` nor ``<bos>``. So ``<eos>`` and ``<pad>`` stay where they were and every row keeps its length.
A row whose words cannot be changed (one word; all words equal for a shuffle or swap) is returned as it
is; every other row is guaranteed to differ from its input. The same ``seed`` gives the same output.

>>> import numpy as np
>>> tokens = np.array([[4, 5, 6, 7, 2, 0]])
>>> shuffle_words(tokens, seed=0).shape
(1, 6)
"""

from __future__ import annotations

import numpy as np

from .errors import GanTextError, one_of
from .vocabulary import BOS_ID, EOS_ID, PAD_ID, SPECIALS

CORRUPTIONS = ("shuffle_words", "swap_tokens", "replace_tokens")


def _check_tokens(tokens) -> np.ndarray:
    tokens = np.asarray(tokens.numpy() if hasattr(tokens, "numpy") else tokens)
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise GanTextError(f"corruptions expect an integer array (n, seq_len), got shape {tokens.shape} of "
                           f"{tokens.dtype}; pass token ids such as prepared.train_tokens")
    return tokens.astype(np.int32, copy=True)


def _check_count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise GanTextError(f"{name} must be a whole number >= 1, got {value!r}; pass e.g. {name}=1")
    return int(value)


def word_positions(row: np.ndarray) -> np.ndarray:
    """Indices of the word positions of one row: before its first ``<eos>``, not ``<pad>``/``<bos>``."""
    eos = np.flatnonzero(row == EOS_ID)
    end = eos[0] if eos.size else len(row)
    head = row[:end]
    return np.flatnonzero((head != PAD_ID) & (head != BOS_ID))


def shuffle_words(tokens, seed: int = 0) -> np.ndarray:
    """Each row's words in a new random order; int32 ``(n, seq_len)``.

    A row with at least two different words always comes back changed (if the random order happens
    to be the original one, the words are rotated by one place, which changes any such row).
    """
    out = _check_tokens(tokens)
    rng = np.random.default_rng(seed)
    for row in out:
        where = word_positions(row)
        words = row[where]
        if len(np.unique(words)) < 2:
            continue
        shuffled = rng.permutation(words)
        if np.array_equal(shuffled, words):
            shuffled = np.roll(shuffled, 1)
        row[where] = shuffled
    return out


def swap_tokens(tokens, n_swaps: int = 1, seed: int = 0) -> np.ndarray:
    """Exchange two different words at random positions, ``n_swaps`` times per row; int32 ``(n, seq_len)``.

    Each swap picks two positions holding different words, so every swap changes the row (later
    swaps may undo earlier ones only when ``n_swaps > 1``).
    """
    out = _check_tokens(tokens)
    n_swaps = _check_count("n_swaps", n_swaps)
    rng = np.random.default_rng(seed)
    for row in out:
        where = word_positions(row)
        if len(np.unique(row[where])) < 2:
            continue
        for _ in range(n_swaps):
            i = rng.choice(where)
            partners = where[row[where] != row[i]]
            j = rng.choice(partners)
            row[i], row[j] = row[j], row[i]
    return out


def replace_tokens(tokens, vocab_size: int, n_replace: int = 1, seed: int = 0) -> np.ndarray:
    """Put a random regular word (id >= 4, never a special token) at ``n_replace`` distinct random
    word positions of each row (all of them if the row is shorter); int32 ``(n, seq_len)``.

    ``vocab_size``: ``len(vocab)``; the new word always differs from the one it replaces.
    """
    out = _check_tokens(tokens)
    n_replace = _check_count("n_replace", n_replace)
    first_word = len(SPECIALS)
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int | np.integer) \
            or vocab_size < first_word + 2:
        raise GanTextError(f"vocab_size must be a whole number >= {first_word + 2} (the specials and two "
                           f"words to choose between), got {vocab_size!r}; pass len(vocab)")
    if out.size and out.max() >= vocab_size:
        raise GanTextError(f"tokens contain id {out.max()} but vocab_size={vocab_size}; pass the vocab_size "
                           "of the vocabulary that made the tokens")
    rng = np.random.default_rng(seed)
    for row in out:
        where = word_positions(row)
        if where.size == 0:
            continue
        for i in rng.choice(where, size=min(n_replace, where.size), replace=False):
            if row[i] < first_word:  # <unk>: any regular word differs from it
                row[i] = rng.integers(first_word, vocab_size)
            else:  # draw from one id fewer and skip over the old word
                new = rng.integers(first_word, vocab_size - 1)
                row[i] = new + 1 if new >= row[i] else new
    return out


def corrupt(tokens, kind: str, vocab_size: int | None = None, seed: int = 0) -> np.ndarray:
    """Apply the corruption named ``kind`` (one of :data:`CORRUPTIONS`) with its defaults.

    ``vocab_size`` is needed by ``replace_tokens`` only.
    """
    if kind == "shuffle_words":
        return shuffle_words(tokens, seed=seed)
    if kind == "swap_tokens":
        return swap_tokens(tokens, seed=seed)
    if kind == "replace_tokens":
        if vocab_size is None:
            raise GanTextError("replace_tokens needs vocab_size; pass vocab_size=len(vocab)")
        return replace_tokens(tokens, vocab_size, seed=seed)
    raise one_of("corruption", kind, CORRUPTIONS)


__all__ = ["CORRUPTIONS", "corrupt", "replace_tokens", "shuffle_words", "swap_tokens", "word_positions"]
