"""From tokenised sentences to what a model eats: fixed-length id arrays and ``tf.data`` batches.

Every sentence becomes one row of ``seq_len`` integer ids: its tokens, then ``<eos>``, then ``<pad>``
up to the fixed length. A sentence with ``seq_len`` tokens or more is cut after ``seq_len - 1``
tokens so that the ``<eos>`` always fits (every row decodes as a finished sentence, and a generator
learns to stop within ``seq_len``). The cut is counted, never silent.

>>> from gan_text.vocabulary import Vocabulary
>>> vocab = Vocabulary.build([["a", "cat", "sat"]])
>>> encode_sentences([["a", "cat"], ["a", "cat", "sat", "down"]], vocab, seq_len=4).tokens
array([[4, 5, 2, 0],
       [4, 5, 6, 2]], dtype=int32)

The pipeline is ``corpus -> prepare -> make_dataset -> model.fit``; :func:`prepare` does the first
steps in one call. TensorFlow is imported only by the functions that build tensors.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

import numpy as np

from .errors import GanTextError
from .text import check_level, detokenize, tokenize_corpus
from .vocabulary import EOS_ID, PAD_ID, Vocabulary

# seq_len=None in prepare(): the longest train sentence + 1, unless that sentence is an outlier,
# i.e. longer than OUTLIER_FACTOR x the 99th percentile of train lengths; then the 99th percentile
# + 1, which truncates about 1 % of train sentences instead of padding every row to the outlier.
OUTLIER_FACTOR = 1.5
LENGTH_PERCENTILE = 99


def check_seq_len(seq_len: int) -> int:
    """Return ``seq_len`` if it is a whole number >= 2; otherwise raise GanTextError."""
    if isinstance(seq_len, bool) or not isinstance(seq_len, int | np.integer) or seq_len < 2:
        raise GanTextError(f"seq_len={seq_len!r} is too short: a sequence needs at least one token "
                           f"and the end token <eos>; use a whole number seq_len >= 2")
    return int(seq_len)


@dataclasses.dataclass(frozen=True)
class TruncationReport:
    """How many sentences did not fit into ``seq_len`` ids (tokens + ``<eos>``) and were cut."""

    n_sentences: int
    n_truncated: int  # sentences that lost tokens
    n_tokens_dropped: int  # tokens lost in total (``<eos>`` not counted)
    seq_len: int

    @property
    def fraction_truncated(self) -> float:
        """``n_truncated / n_sentences`` (0.0 for no sentences)."""
        return self.n_truncated / self.n_sentences if self.n_sentences else 0.0

    def __str__(self) -> str:
        return (f"{self.n_truncated:,} of {self.n_sentences:,} sentences "
                f"({self.fraction_truncated:.1%}) were longer than seq_len - 1 = {self.seq_len - 1} "
                f"tokens and were cut, losing {self.n_tokens_dropped:,} tokens")


@dataclasses.dataclass(frozen=True)
class Encoded:
    """Sentences as a fixed-length id array.

    ``tokens``: np.int32 array (n_sentences, seq_len) of ids, then ``EOS_ID``, then ``PAD_ID``.
    ``lengths``: np.int32 array (n_sentences,), ids kept per row including the ``<eos>``.
    """

    tokens: np.ndarray
    lengths: np.ndarray
    n_truncated: int
    n_tokens_dropped: int

    @property
    def seq_len(self) -> int:
        return self.tokens.shape[1]

    @property
    def report(self) -> TruncationReport:
        """The truncation counts as a :class:`TruncationReport`."""
        return TruncationReport(len(self.tokens), self.n_truncated, self.n_tokens_dropped,
                                self.seq_len)


def encode_sentences(token_lists: Iterable[Sequence[str]], vocab: Vocabulary,
                     seq_len: int) -> Encoded:
    """Encode tokenised sentences into an ``(n, seq_len)`` int32 array: ids, ``<eos>``, ``<pad>``.

    A sentence longer than ``seq_len - 1`` tokens keeps its first ``seq_len - 1`` tokens and the
    ``<eos>``; the returned :class:`Encoded` counts such sentences and the tokens they lost.
    """
    seq_len = check_seq_len(seq_len)
    rows = [vocab.encode(tokens) for tokens in token_lists]
    out = np.full((len(rows), seq_len), PAD_ID, dtype=np.int32)
    lengths = np.zeros(len(rows), dtype=np.int32)
    n_truncated = n_dropped = 0
    for r, ids in enumerate(rows):
        if len(ids) > seq_len - 1:
            n_truncated += 1
            n_dropped += len(ids) - (seq_len - 1)
            ids = ids[:seq_len - 1]
        out[r, :len(ids)] = ids
        out[r, len(ids)] = EOS_ID
        lengths[r] = len(ids) + 1
    return Encoded(out, lengths, n_truncated, n_dropped)


def make_dataset(tokens, batch_size: int, seed: int = 0, shuffle: bool = True,
                 drop_remainder: bool = True, repeat: bool = False):
    """A ``tf.data.Dataset`` of int32 batches of shape (batch_size, seq_len), ready for ``model.fit``.

    ``tokens``: an int array (n, seq_len) (or an :class:`Encoded`). The rows are shuffled with
    ``seed`` (combined with TensorFlow's global seed, which ``gt.setup`` sets): the same seeds give
    the same batch order, and every pass over the dataset is shuffled anew. ``drop_remainder`` drops
    the last, smaller batch so every batch has a fixed shape; ``repeat`` cycles forever (then pass
    ``steps_per_epoch`` to ``fit``). Batches are prefetched while the model trains.
    For a language model, map to (input, target) pairs: ``ds.map(lambda x: (x[:, :-1], x[:, 1:]))``.
    """
    import tensorflow as tf

    if isinstance(tokens, Encoded):
        tokens = tokens.tokens
    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise GanTextError(f"make_dataset expects an integer array (n, seq_len), got shape "
                           f"{tokens.shape} of {tokens.dtype}; use encode_sentences or prepare")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise GanTextError(f"batch_size={batch_size!r} must be a whole number >= 1")
    if drop_remainder and batch_size > len(tokens):
        raise GanTextError(f"batch_size={batch_size} is larger than the {len(tokens)} sequences, so "
                           f"every batch would be dropped; use a smaller batch_size or "
                           f"drop_remainder=False")
    ds = tf.data.Dataset.from_tensor_slices(tokens.astype(np.int32))
    if shuffle:
        ds = ds.shuffle(len(tokens), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(int(batch_size), drop_remainder=drop_remainder)
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)


def to_onehot(tokens, vocab_size: int):
    """One-hot view of ids: float32, shape ``tokens.shape + (vocab_size,)``.

    A NumPy array or list gives a NumPy array (ids are checked); a TensorFlow tensor gives a tensor
    (``tf.one_hot``: usable inside ``tf.data`` maps and models).
    """
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int | np.integer) or vocab_size < 1:
        raise GanTextError(f"vocab_size={vocab_size!r} must be a whole number >= 1; "
                           f"pass len(vocab)")
    if isinstance(tokens, np.ndarray | list | tuple | int | np.integer):
        ids = np.asarray(tokens)
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise GanTextError(f"to_onehot expects integer ids, got {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
            raise GanTextError(f"ids range from {ids.min()} to {ids.max()}, outside 0..{vocab_size - 1}; "
                               f"pass the vocab_size of the vocabulary that made them")
        onehot = np.zeros(ids.shape + (vocab_size,), dtype=np.float32)  # not np.eye: no V x V matrix
        np.put_along_axis(onehot, ids[..., None].astype(np.intp), 1.0, axis=-1)
        return onehot
    import tensorflow as tf

    return tf.one_hot(tf.cast(tokens, tf.int32), int(vocab_size), dtype=tf.float32)


def decode_batch(tokens, vocab: Vocabulary, level: str = "word") -> list[str]:
    """Rows of ids (array or tensor, shape (n, seq_len)) -> one readable string per row.

    Each row is decoded up to its ``<eos>`` (padding and ``<bos>`` skipped) and detokenised.
    """
    check_level(level)
    tokens = np.asarray(tokens.numpy() if hasattr(tokens, "numpy") else tokens)
    if tokens.ndim != 2:
        raise GanTextError(f"decode_batch expects ids of shape (n, seq_len), got {tokens.shape}; "
                           f"for one sequence use vocab.decode")
    return [detokenize(vocab.decode(row), level) for row in tokens]


@dataclasses.dataclass
class Prepared:
    """A corpus turned into ids: the vocabulary (from train only) and fixed-length train/test arrays."""

    vocab: Vocabulary
    train_tokens: np.ndarray  # int32 (n_train, seq_len)
    test_tokens: np.ndarray  # int32 (n_test, seq_len)
    seq_len: int
    level: str
    train_report: TruncationReport
    test_report: TruncationReport

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def decode(self, tokens) -> list[str]:
        """Rows of ids -> readable strings at this corpus's level (see :func:`decode_batch`)."""
        return decode_batch(tokens, self.vocab, self.level)

    def __repr__(self) -> str:
        return (f"Prepared(vocab_size={self.vocab_size:,}, seq_len={self.seq_len}, "
                f"train={self.train_tokens.shape}, test={self.test_tokens.shape}, "
                f"level={self.level!r}, truncated train={self.train_report.n_truncated:,} "
                f"test={self.test_report.n_truncated:,})")


def choose_seq_len(lengths: Sequence[int]) -> int:
    """The automatic ``seq_len`` for sentences of these token counts (the rule at the top of the file).

    Longest + 1 for the ``<eos>``; if the longest exceeds ``OUTLIER_FACTOR`` x the 99th percentile,
    the 99th percentile (rounded up) + 1 instead. Never below 2.
    """
    lengths = np.asarray(lengths)
    if lengths.size == 0:
        raise GanTextError("cannot choose seq_len without sentences; give a corpus with train "
                           "sentences or pass seq_len")
    longest = int(lengths.max())
    typical = math.ceil(float(np.percentile(lengths, LENGTH_PERCENTILE)))
    chosen = typical if longest > OUTLIER_FACTOR * typical else longest
    return max(2, chosen + 1)


def prepare(corpus, seq_len: int | None = None, min_freq: int = 1,
            max_size: int | None = None) -> Prepared:
    """Clean, tokenise (with ``corpus.level`` and ``corpus.lowercase``), build the vocabulary from
    the train split only, and encode both splits to ``seq_len`` ids.

    ``seq_len=None`` picks it with :func:`choose_seq_len` from the train sentences. ``min_freq`` and
    ``max_size`` go to :meth:`Vocabulary.build`; test tokens missing from it become ``<unk>``.
    """
    if not all(hasattr(corpus, name) for name in ("train", "test", "level", "lowercase")):
        raise GanTextError(f"prepare expects a Corpus, got {type(corpus).__name__}; "
                           f"load one with gt.corpora.load_corpus(name_or_sentences)")
    level = check_level(corpus.level)
    train = tokenize_corpus(corpus.train, level, corpus.lowercase)
    test = tokenize_corpus(corpus.test, level, corpus.lowercase)
    if not train:
        raise GanTextError("the corpus has no train sentences; load a corpus with n_train >= 1")
    if seq_len is None:
        seq_len = choose_seq_len([len(tokens) for tokens in train])
    seq_len = check_seq_len(seq_len)
    vocab = Vocabulary.build(train, min_freq=min_freq, max_size=max_size)
    train_enc = encode_sentences(train, vocab, seq_len)
    test_enc = encode_sentences(test, vocab, seq_len)
    return Prepared(vocab, train_enc.tokens, test_enc.tokens, seq_len, level,
                    train_enc.report, test_enc.report)


__all__ = ["Encoded", "LENGTH_PERCENTILE", "OUTLIER_FACTOR", "Prepared", "TruncationReport",
           "check_seq_len", "choose_seq_len", "decode_batch", "encode_sentences", "make_dataset",
           "prepare", "to_onehot"]
