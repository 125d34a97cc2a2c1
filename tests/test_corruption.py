"""Corruptions: only word positions change, <eos>/<pad> stay, rows really change, seeds repeat, errors explain."""

from __future__ import annotations

import numpy as np
import pytest

from gan_text.corruption import (
    CORRUPTIONS,
    corrupt,
    replace_tokens,
    shuffle_words,
    swap_tokens,
    word_positions,
)
from gan_text.errors import GanTextError
from gan_text.vocabulary import EOS_ID, PAD_ID, UNK_ID

VOCAB_SIZE = 30


def real_like(n=200, seq_len=12, seed=0):
    """Rows laid out as the dataset makes them: 1..seq_len-1 words, <eos>, then <pad>."""
    rng = np.random.default_rng(seed)
    tokens = np.full((n, seq_len), PAD_ID, dtype=np.int32)
    for row, length in zip(tokens, rng.integers(1, seq_len, n), strict=True):
        row[:length] = rng.integers(UNK_ID, VOCAB_SIZE, length)  # <unk> counts as a word
        row[length] = EOS_ID
    return tokens


def apply(kind, tokens, seed=0):
    return corrupt(tokens, kind, vocab_size=VOCAB_SIZE, seed=seed)


def changeable(tokens, kind):
    """Rows the corruption can change: two distinct words (shuffle, swap) or any word (replace)."""
    need = 1 if kind == "replace_tokens" else 2
    return np.array([len(np.unique(row[word_positions(row)])) >= need for row in tokens])


def test_word_positions_stop_at_the_first_eos_and_skip_pad():
    row = np.array([5, PAD_ID, 6, UNK_ID, EOS_ID, 7, EOS_ID, PAD_ID])
    assert word_positions(row).tolist() == [0, 2, 3]
    assert word_positions(np.array([5, 6, 7])).tolist() == [0, 1, 2]  # no <eos>: the whole row


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_specials_stay_and_every_changeable_row_changes(kind):
    tokens = real_like()
    before = tokens.copy()
    out = apply(kind, tokens)
    assert out.shape == tokens.shape and out.dtype == np.int32
    assert np.array_equal(tokens, before)  # the input is not modified
    special = (tokens == EOS_ID) | (tokens == PAD_ID)
    assert np.array_equal(out[special], tokens[special])
    assert not np.isin(out[~special], [PAD_ID, EOS_ID]).any()
    changed = (out != tokens).any(axis=1)
    mask = changeable(tokens, kind)
    assert mask.sum() > 100 and changed[mask].all() and not changed[~mask].any()


@pytest.mark.parametrize("kind", ["shuffle_words", "swap_tokens"])
def test_reordering_keeps_the_bag_of_words(kind):
    tokens = real_like()
    out = apply(kind, tokens)
    assert all(sorted(a) == sorted(b) for a, b in zip(tokens, out, strict=True))


def test_one_swap_changes_exactly_two_positions():
    tokens = real_like()
    out = swap_tokens(tokens, n_swaps=1, seed=3)
    n_changed = (out != tokens).sum(axis=1)
    assert set(n_changed[changeable(tokens, "swap_tokens")]) == {2}


def test_replace_changes_n_positions_to_regular_words():
    tokens = real_like()
    out = replace_tokens(tokens, VOCAB_SIZE, n_replace=2, seed=4)
    n_words = np.array([len(word_positions(row)) for row in tokens])
    n_changed = (out != tokens).sum(axis=1)
    assert np.array_equal(n_changed, np.minimum(n_words, 2))
    new_words = out[out != tokens]
    assert new_words.min() >= 4 and new_words.max() < VOCAB_SIZE
    # with 26 candidate words per position, every regular id shows up
    assert set(new_words.tolist()) == set(range(4, VOCAB_SIZE))


def test_shuffle_of_two_distinct_words_always_swaps_them():
    tokens = np.array([[5, 6, EOS_ID, PAD_ID]] * 20, dtype=np.int32)
    out = shuffle_words(tokens, seed=0)  # a random order equal to the input must be rotated
    assert (out == [6, 5, EOS_ID, PAD_ID]).all()


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_same_seed_same_output_other_seed_other_output(kind):
    tokens = real_like()
    assert np.array_equal(apply(kind, tokens, seed=7), apply(kind, tokens, seed=7))
    assert not np.array_equal(apply(kind, tokens, seed=7), apply(kind, tokens, seed=8))


def test_accepts_lists_and_tensors():
    import tensorflow as tf

    tokens = real_like(n=5)
    expected = shuffle_words(tokens, seed=1)
    assert np.array_equal(shuffle_words(tokens.tolist(), seed=1), expected)
    assert np.array_equal(shuffle_words(tf.constant(tokens), seed=1), expected)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: shuffle_words(np.zeros((2, 3, 4), dtype=np.int32)), "integer array (n, seq_len)"),
    (lambda: swap_tokens(np.zeros((2, 3), dtype=np.float32)), "integer array (n, seq_len)"),
    (lambda: swap_tokens(real_like(), n_swaps=0), "n_swaps must be a whole number >= 1"),
    (lambda: replace_tokens(real_like(), VOCAB_SIZE, n_replace=True), "n_replace must be a whole number"),
    (lambda: replace_tokens(real_like(), vocab_size=5), "vocab_size must be a whole number >= 6"),
    (lambda: replace_tokens(real_like(), vocab_size=10), "pass the vocab_size of the vocabulary"),
    (lambda: corrupt(real_like(), "replace_tokens"), "replace_tokens needs vocab_size"),
    (lambda: corrupt(real_like(), "reverse"), "unknown corruption 'reverse'; known: shuffle_words"),
])
def test_user_errors_say_what_to_do(call, message):
    with pytest.raises(GanTextError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
