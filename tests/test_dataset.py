"""Fixed-length sequences, tf.data batches, one-hot and prepare() (gan_text.dataset)."""

from __future__ import annotations

import numpy as np
import pytest

from gan_text.corpora.base import Corpus
from gan_text.dataset import (
    choose_seq_len,
    decode_batch,
    encode_sentences,
    make_dataset,
    prepare,
    to_onehot,
)
from gan_text.errors import GanTextError
from gan_text.text import tokenize_corpus
from gan_text.vocabulary import EOS_ID, PAD_ID, UNK_ID, Vocabulary

VOCAB = Vocabulary(["a", "b", "c", "d", "e", "f", "g"])  # ids 4..10


def ids(text: str) -> list[int]:
    return VOCAB.encode(text.split())


def test_encode_pads_after_eos_and_truncates_with_counts():
    sentences = [["a", "b"], list("abcd"), list("abcde"), list("abcdefg"), []]
    enc = encode_sentences(sentences, VOCAB, seq_len=5)
    pad, eos = PAD_ID, EOS_ID
    expected = [
        [*ids("a b"), eos, pad, pad],
        [*ids("a b c d"), eos],  # exactly seq_len - 1 tokens: fits
        [*ids("a b c d"), eos],  # one token too many: "e" is cut
        [*ids("a b c d"), eos],  # "e f g" are cut
        [eos, pad, pad, pad, pad],
    ]
    assert enc.tokens.dtype == np.int32 and enc.tokens.shape == (5, 5)
    assert enc.tokens.tolist() == expected
    assert enc.lengths.tolist() == [3, 5, 5, 5, 1]
    assert (enc.n_truncated, enc.n_tokens_dropped) == (2, 1 + 3)
    assert enc.report.fraction_truncated == pytest.approx(2 / 5)
    assert str(enc.report) == ("2 of 5 sentences (40.0%) were longer than seq_len - 1 = 4 tokens "
                               "and were cut, losing 4 tokens")


def test_encode_marks_unknown_tokens_and_handles_no_sentences():
    assert encode_sentences([["a", "zebra"]], VOCAB, 4).tokens.tolist() == [[4, UNK_ID, EOS_ID, 0]]
    empty = encode_sentences([], VOCAB, 3)
    assert empty.tokens.shape == (0, 3) and empty.n_truncated == 0


@pytest.mark.parametrize("seq_len", [1, 0, -3, 2.5, True, None])
def test_seq_len_below_two_is_a_clear_error(seq_len):
    with pytest.raises(GanTextError, match=r"seq_len=.* is too short.*use a whole number seq_len >= 2"):
        encode_sentences([["a"]], VOCAB, seq_len)


def test_seq_len_two_keeps_one_token():
    enc = encode_sentences([["a", "b"]], VOCAB, np.int64(2))
    assert enc.tokens.tolist() == [[4, EOS_ID]] and enc.n_tokens_dropped == 1


def _batches(ds) -> list[list[list[int]]]:
    return [batch.numpy().tolist() for batch in ds]


TOKENS = np.arange(20 * 3, dtype=np.int32).reshape(20, 3)  # row r = [3r, 3r+1, 3r+2]


def test_dataset_batches_have_fixed_shape_and_cover_every_row_once():
    ds = make_dataset(TOKENS, batch_size=6, seed=0)
    assert tuple(ds.element_spec.shape) == (6, 3) and ds.element_spec.dtype.name == "int32"
    batches = _batches(ds)
    assert len(batches) == 3  # 20 rows // 6, the last 2 rows dropped
    rows = [tuple(row) for batch in batches for row in batch]
    assert len(set(rows)) == 18 and set(rows) <= {tuple(r) for r in TOKENS.tolist()}
    kept_all = _batches(make_dataset(TOKENS, batch_size=6, drop_remainder=False))
    assert [len(b) for b in kept_all] == [6, 6, 6, 2]
    assert sorted(row for b in kept_all for row in b) == TOKENS.tolist()


def test_dataset_order_is_seeded():
    first = _batches(make_dataset(TOKENS, batch_size=5, seed=7))
    assert _batches(make_dataset(TOKENS, batch_size=5, seed=7)) == first
    assert _batches(make_dataset(TOKENS, batch_size=5, seed=8)) != first
    assert _batches(make_dataset(TOKENS, batch_size=5, shuffle=False)) == \
        TOKENS.reshape(4, 5, 3).tolist()


def test_repeated_dataset_reshuffles_each_epoch_repeatably():
    def two_epochs(seed):
        return _batches(make_dataset(TOKENS, batch_size=5, seed=seed, repeat=True).take(8))

    epochs = two_epochs(3)
    assert epochs == two_epochs(3)
    assert epochs[:4] != epochs[4:]
    assert sorted(r for b in epochs[4:] for r in b) == TOKENS.tolist()


def test_batches_feed_model_fit():
    import keras

    enc = encode_sentences([list("abc"), list("bcd"), list("ce"), list("fga")] * 4, VOCAB, 5)
    ds = make_dataset(enc, batch_size=4).map(lambda x: (x[:, :-1], x[:, 1:]))
    model = keras.Sequential([keras.Input((4,), dtype="int32"),
                              keras.layers.Embedding(len(VOCAB), 4),
                              keras.layers.Dense(len(VOCAB))])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=1, verbose=0, shuffle=False)  # the dataset shuffles itself
    assert np.isfinite(history.history["loss"][0])


def test_bad_dataset_arguments_are_clear_errors():
    with pytest.raises(GanTextError, match="batch_size=64 is larger than the 20 sequences.*"
                                           "drop_remainder=False"):
        make_dataset(TOKENS, batch_size=64)
    with pytest.raises(GanTextError, match="batch_size=0 must be a whole number >= 1"):
        make_dataset(TOKENS, batch_size=0)
    with pytest.raises(GanTextError, match=r"expects an integer array \(n, seq_len\), got shape \(60,\)"):
        make_dataset(TOKENS.ravel(), batch_size=2)


def test_onehot_equals_manual_construction():
    tokens = np.array([[0, 3, 2], [1, 1, 4]])
    manual = np.zeros((2, 3, 5), dtype=np.float32)
    for i in range(2):
        for j in range(3):
            manual[i, j, tokens[i, j]] = 1.0
    onehot = to_onehot(tokens, 5)
    assert onehot.dtype == np.float32 and onehot.shape == (2, 3, 5)
    np.testing.assert_array_equal(onehot, manual)

    import tensorflow as tf

    as_tensor = to_onehot(tf.constant(tokens, dtype=tf.int32), 5)
    assert as_tensor.dtype == tf.float32
    np.testing.assert_array_equal(as_tensor.numpy(), manual)


def test_onehot_errors():
    with pytest.raises(GanTextError, match=r"ids range from 0 to 5, outside 0..4"):
        to_onehot([0, 5], 5)
    with pytest.raises(GanTextError, match="vocab_size=0 must be a whole number >= 1"):
        to_onehot([0], 0)


@pytest.mark.parametrize("level", ["word", "char"])
def test_decode_batch_gives_back_clean_text(level):
    text = ["a man rides a horse.", "two dogs can't stop playing."]
    token_lists = tokenize_corpus(text, level)
    vocab = Vocabulary.build(token_lists)
    enc = encode_sentences(token_lists, vocab, seq_len=40)
    assert decode_batch(enc.tokens, vocab, level) == text
    with pytest.raises(GanTextError, match="expects ids of shape"):
        decode_batch(enc.tokens[0], vocab, level)


def test_prepare_builds_vocab_from_train_only():
    corpus = Corpus("tiny", "hand-made", train=["The cat sat.", "the dog sat down."],
                    test=["The bird sat."], lowercase=True)
    prepared = prepare(corpus)
    # counts: "." 2, "sat" 2, "the" 2 (ties alphabetical), then "cat", "dog", "down" once each
    assert prepared.vocab.tokens[4:] == [".", "sat", "the", "cat", "dog", "down"]
    assert prepared.seq_len == 5 + 1  # longest train sentence: 5 tokens
    assert prepared.train_tokens.shape == (2, 6) and prepared.test_tokens.shape == (1, 6)
    assert prepared.decode(prepared.test_tokens) == ["the <unk> sat."]
    assert prepared.train_report.n_truncated == 0 and prepared.vocab_size == 10
    assert prepare(corpus, max_size=6).vocab.tokens[4:] == [".", "sat"]


def test_prepare_char_level_and_explicit_seq_len():
    corpus = Corpus("chars", "", train=["abc", "abcdef"], test=["ab"], level="char")
    prepared = prepare(corpus, seq_len=4)
    assert prepared.level == "char" and prepared.seq_len == 4
    assert prepared.decode(prepared.train_tokens) == ["abc", "abc"]
    assert (prepared.train_report.n_truncated, prepared.train_report.n_tokens_dropped) == (1, 3)


def test_automatic_seq_len_ignores_an_outlier():
    assert choose_seq_len([3, 4, 5]) == 6
    assert choose_seq_len([5] * 100 + [50]) == 6  # 50 > 1.5 x p99 (5): cut at p99 + 1
    assert choose_seq_len([5] * 100 + [7]) == 8  # 7 <= 7.5: not an outlier
    assert choose_seq_len([0, 0]) == 2
    corpus = Corpus("outlier", "", train=["a b c d e"] * 100 + [" ".join("x" * 50)], test=[])
    prepared = prepare(corpus)
    assert prepared.seq_len == 6
    assert (prepared.train_report.n_truncated, prepared.train_report.n_tokens_dropped) == (1, 45)
    assert prepared.test_tokens.shape == (0, 6)


def test_prepare_errors():
    with pytest.raises(GanTextError, match="prepare expects a Corpus, got list.*load_corpus"):
        prepare(["a sentence"])
    with pytest.raises(GanTextError, match="the corpus has no train sentences"):
        prepare(Corpus("empty", "", train=[], test=["a"]))
    with pytest.raises(GanTextError, match="seq_len=1 is too short"):
        prepare(Corpus("tiny", "", train=["a b"], test=[]), seq_len=1)
    with pytest.raises(GanTextError, match="unknown level 'bytes'; known: word, char"):
        prepare(Corpus("tiny", "", train=["a b"], test=[], level="bytes"))


def test_docstring_examples_hold():
    import doctest

    import gan_text.dataset

    results = doctest.testmod(gan_text.dataset)
    assert results.attempted >= 3 and results.failed == 0
