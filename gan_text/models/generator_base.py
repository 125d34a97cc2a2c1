"""The base of every generator: :class:`Generator`, the size checks and ``<pad>`` after ``<eos>``.

The concrete kinds live in :mod:`~gan_text.models.generators` (``seed``, ``cnn``) and
:mod:`~gan_text.models.autoregressive` (``rnn``, ``transformer``); both build on this module, so neither
needs the other. Import them from :mod:`gan_text.models.generators`, which re-exports all of this.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from ..errors import GanTextError
from ..vocabulary import EOS_ID, PAD_ID, SPECIALS

MIN_VOCAB_SIZE = len(SPECIALS) + 1  # the four special tokens and at least one word


# ---------------------------------------------------------------------------------------------------
# Checking hyperparameters: every message says what was wrong and what to pass instead.

def check_sizes(vocab_size, seq_len) -> tuple[int, int]:
    """Check ``vocab_size`` (specials + at least one word) and ``seq_len`` (>= 2)."""
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int | np.integer) \
            or vocab_size < MIN_VOCAB_SIZE:
        raise GanTextError(f"vocab_size must be a whole number >= {MIN_VOCAB_SIZE} (the "
                           f"{len(SPECIALS)} special tokens and at least one word), got "
                           f"{vocab_size!r}; pass len(vocab)")
    if isinstance(seq_len, bool) or not isinstance(seq_len, int | np.integer) or seq_len < 2:
        raise GanTextError(f"seq_len must be a whole number >= 2 (a token and <eos>), got "
                           f"{seq_len!r}; pass the dataset's seq_len (prepared.seq_len)")
    return int(vocab_size), int(seq_len)


def pad_after_eos(tokens):
    """Replace every id after the first ``<eos>`` of each row by ``<pad>``.

    ``tokens``: int (batch, seq_len) -> int32 (batch, seq_len). The ``<eos>`` itself is kept.
    """
    tokens = ops.cast(tokens, "int32")
    is_eos = ops.cast(ops.equal(tokens, EOS_ID), "int32")
    eos_before = (ops.cumsum(is_eos, axis=1) - is_eos) > 0
    return ops.where(eos_before, PAD_ID, tokens)


# ---------------------------------------------------------------------------------------------------

class Generator(keras.Model):
    """Base class: stores ``kind``, ``vocab_size``, ``seq_len`` and ``hyperparameters``; saves and reloads.

    A subclass sets ``kind``, ``DEFAULTS`` (every hyperparameter with its default), ``_check(hp)``
    (validate and normalise the dict in place) and ``_make_layers(hp)``, and writes ``call``.
    """

    kind = ""
    autoregressive = False
    DEFAULTS: dict = {}

    def __init__(self, vocab_size: int, seq_len: int, *, name: str | None = None,
                 trainable: bool = True, dtype=None, **hyperparameters):
        unknown = sorted(set(hyperparameters) - set(self.DEFAULTS))
        if unknown:
            raise GanTextError(f"unknown hyperparameter {unknown[0]!r} for the {self.kind} generator; "
                               f"known: {', '.join(self.DEFAULTS)}")
        super().__init__(name=name or f"{self.kind}_generator", trainable=trainable, dtype=dtype)
        self.vocab_size, self.seq_len = check_sizes(vocab_size, seq_len)
        hp = {**self.DEFAULTS, **hyperparameters}
        self._check(hp)
        self.hyperparameters = hp
        # Draws the randomness of sample(..., seed=None). Keras does not save its state: after a
        # reload the stream starts afresh (from Python's random state); pass seed= to repeat samples.
        self.seed_generator = keras.random.SeedGenerator(name="seed_generator")
        self._make_layers(hp)

    def _check(self, hp: dict) -> None:
        raise NotImplementedError

    def _make_layers(self, hp: dict) -> None:
        raise NotImplementedError

    def dummy_input(self):
        """A batch of one input of the right shape and dtype, used to create the weights."""
        raise NotImplementedError

    def build(self, input_shape=None):
        """Create every weight by running ``call`` once on :meth:`dummy_input`."""
        self.call(self.dummy_input())
        self.built = True

    def get_config(self):
        return {"vocab_size": self.vocab_size, "seq_len": self.seq_len, "name": self.name,
                "trainable": self.trainable, **self.hyperparameters}


__all__ = ["MIN_VOCAB_SIZE", "Generator", "check_sizes", "pad_after_eos"]
