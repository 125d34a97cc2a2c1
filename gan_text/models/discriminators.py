"""Discriminators: tell real sentences from generated ones.

``build_discriminator(kind, vocab_size, seq_len, **hyperparameters)`` returns a built Keras model. Every
kind takes EITHER integer ``tokens`` (batch, seq_len) OR ``onehot``/``soft`` float vectors
(batch, seq_len, vocab_size), through one shared :class:`~gan_text.models.input_projection.TokenProjection`,
and returns float32 LOGITS (no sigmoid: the losses apply it; the ``logit`` layer computes in float32 also under
mixed precision, :mod:`gan_text.precision`).

==============  =======================================================  ========================
kind            architecture                                             output (logits)
==============  =======================================================  ========================
``seed``        projection -> LSTM -> BatchNorm -> Dense, one logit       ``(batch, seq_len, 1)``
                per step (the course's first GAN)
``cnn``         SeqGAN: several filter widths, max-over-time pooling,    ``(batch, 1)``
                highway layer, dropout
``relgan``      RelGAN: ``num_rep`` embedded representations, a shared   ``(batch, num_rep)``
                CNN scores each one
``rnn``         (bidirectional) LSTM or GRU classifier                   ``(batch, 1)``
``transformer`` small Transformer encoder, mean-pooled                    ``(batch, 1)``
==============  =======================================================  ========================

A loss treats every logit of one sequence as an independent real/fake score and AVERAGES the
per-logit losses: over the ``seq_len`` steps for ``seed``, over the ``num_rep`` representations for
``relgan``. Dropout is active only with ``training=True``.
"""

from __future__ import annotations

import keras
from keras import ops

from ..checks import fraction, whole_number
from ..errors import GanTextError, one_of
from .discriminator_blocks import EncoderBlock, Highway
from .hyperparameters import int_tuple
from .input_projection import TokenProjection

DISCRIMINATORS = ("seed", "cnn", "relgan", "rnn", "transformer")


def filter_widths(seq_len: int) -> tuple[int, ...]:
    """The convolution widths 2..5 that fit in ``seq_len`` tokens (width 1 if none does): the recipes'
    ``filter_sizes`` for the ``cnn`` and ``relgan`` discriminators."""
    return tuple(k for k in (2, 3, 4, 5) if k <= seq_len) or (1,)


# ---------------------------------------------------------------------------------------------------
# Checking hyperparameters: every message says what was wrong and what to pass instead.

def _filters(hp: dict, seq_len: int) -> None:
    """Check and normalise ``filter_sizes`` / ``num_filters`` of the convolutional kinds."""
    hp["filter_sizes"] = int_tuple("filter_sizes", hp["filter_sizes"])
    hp["num_filters"] = int_tuple("num_filters", hp["num_filters"])
    if len(hp["num_filters"]) == 1:
        hp["num_filters"] *= len(hp["filter_sizes"])
    if len(hp["num_filters"]) != len(hp["filter_sizes"]):
        raise GanTextError(f"num_filters has {len(hp['num_filters'])} entries but filter_sizes has "
                           f"{len(hp['filter_sizes'])}; give one count per filter width (or a single count)")
    if max(hp["filter_sizes"]) > seq_len:
        raise GanTextError(f"filter width {max(hp['filter_sizes'])} is longer than seq_len={seq_len}; "
                           f"use filter_sizes no larger than {seq_len}")


# ---------------------------------------------------------------------------------------------------

class Discriminator(keras.Model):
    """Base class: stores ``kind``, ``vocab_size``, ``seq_len`` and ``hyperparameters``; saves and reloads.

    A subclass sets ``kind``, ``DEFAULTS`` (every hyperparameter with its default), ``_check(hp)`` and
    ``_make_layers(hp)``, and writes ``call(inputs, training=None)`` starting with ``self.embed(inputs)``.
    """

    kind = ""
    DEFAULTS: dict = {}

    def __init__(self, vocab_size: int, seq_len: int, *, name: str | None = None, trainable: bool = True,
                 dtype=None, **hyperparameters):
        unknown = sorted(set(hyperparameters) - set(self.DEFAULTS))
        if unknown:
            raise GanTextError(f"unknown hyperparameter {unknown[0]!r} for the {self.kind} discriminator; "
                               f"known: {', '.join(self.DEFAULTS)}")
        super().__init__(name=name or f"{self.kind}_discriminator", trainable=trainable, dtype=dtype)
        self.vocab_size = whole_number("vocab_size", vocab_size, minimum=2)
        self.seq_len = whole_number("seq_len", seq_len, minimum=2)
        hp = {**self.DEFAULTS, **hyperparameters}
        self._check(hp)
        self.hyperparameters = hp
        self._make_layers(hp)

    def _check(self, hp: dict) -> None:
        raise NotImplementedError

    def _make_layers(self, hp: dict) -> None:
        raise NotImplementedError

    def embed(self, inputs):
        """Check the sequence length and project ``tokens`` or ``onehot`` to ``(batch, seq_len, emb)``."""
        if len(inputs.shape) >= 2 and inputs.shape[1] is not None and inputs.shape[1] != self.seq_len:
            raise GanTextError(f"the {self.kind} discriminator was built for seq_len={self.seq_len} but got "
                               f"sequences of length {inputs.shape[1]}; pad or cut them to {self.seq_len}")
        return self.projection(inputs)

    def build(self, input_shape=None):
        """Create every weight by running the model once on integer tokens (any input shape works)."""
        self.call(keras.Input((self.seq_len,), dtype="int32"))

    def get_config(self):
        return {"vocab_size": self.vocab_size, "seq_len": self.seq_len, "name": self.name,
                "trainable": self.trainable, **self.hyperparameters}


@keras.saving.register_keras_serializable(package="gan_text")
class SeedDiscriminator(Discriminator):
    """The course's first discriminator: projection -> LSTM -> BatchNorm -> Dense, a logit per step.

    Input: int ``tokens`` (batch, seq_len) or float ``onehot``/``soft`` (batch, seq_len, vocab_size).
    Output: float32 logits (batch, seq_len, 1): step ``t`` judges the prefix up to ``t``. Losses average
    over the steps.

    Defaults: ``emb_dim=32``, ``hidden_dim=64``. BatchNorm is kept as the original had it; beware that
    when real and fake batches go through the discriminator separately, its batch statistics are those
    of an all-real or all-fake batch, which lets the discriminator tell them apart by their statistics
    rather than by single sentences (the course discusses this).
    """

    kind = "seed"
    DEFAULTS = {"emb_dim": 32, "hidden_dim": 64}

    def _check(self, hp):
        for key in ("emb_dim", "hidden_dim"):
            hp[key] = whole_number(key, hp[key])

    def _make_layers(self, hp):
        self.projection = TokenProjection(self.vocab_size, hp["emb_dim"], name="projection")
        self.lstm = keras.layers.LSTM(hp["hidden_dim"], return_sequences=True, name="lstm")
        self.norm = keras.layers.BatchNormalization(name="batch_norm")
        self.head = keras.layers.Dense(1, dtype="float32", name="logit")

    def call(self, inputs, training=None):
        x = self.lstm(self.embed(inputs))
        return self.head(self.norm(x, training=training))


@keras.saving.register_keras_serializable(package="gan_text")
class CNNDiscriminator(Discriminator):
    """SeqGAN's discriminator (Yu et al., 2017): a text CNN with a highway layer.

    projection -> for each width ``k``: Conv1D(ReLU) and max-over-time pooling -> concatenate ->
    highway -> dropout -> Dense(1).

    Input: int ``tokens`` (batch, seq_len) or float ``onehot``/``soft`` (batch, seq_len, vocab_size).
    Output: float32 logits (batch, 1).

    Defaults (small, for CPUs): ``emb_dim=64``, ``filter_sizes=(2, 3, 4, 5)``, ``num_filters=32`` per
    width, ``dropout=0.25``. SeqGAN used emb_dim 64, widths (1..10, 15, 20) with (100, 200, 200, 200,
    200, 100, 100, 100, 100, 100, 160, 160) filters, keep probability 0.75 and L2 weight decay.
    """

    kind = "cnn"
    DEFAULTS = {"emb_dim": 64, "filter_sizes": (2, 3, 4, 5), "num_filters": (32,), "dropout": 0.25}

    def _check(self, hp):
        hp["emb_dim"] = whole_number("emb_dim", hp["emb_dim"])
        _filters(hp, self.seq_len)
        hp["dropout"] = fraction("dropout", hp["dropout"])

    def _make_layers(self, hp):
        self.projection = TokenProjection(self.vocab_size, hp["emb_dim"], name="projection")
        self.convs = [keras.layers.Conv1D(n, k, activation="relu", name=f"conv_{k}")
                      for k, n in zip(hp["filter_sizes"], hp["num_filters"], strict=True)]
        self.highway = Highway(name="highway")
        self.drop = keras.layers.Dropout(hp["dropout"], name="dropout")
        self.head = keras.layers.Dense(1, dtype="float32", name="logit")

    def call(self, inputs, training=None):
        x = self.embed(inputs)  # (batch, seq_len, emb_dim)
        features = ops.concatenate([ops.max(conv(x), axis=1) for conv in self.convs], axis=-1)
        return self.head(self.drop(self.highway(features), training=training))


@keras.saving.register_keras_serializable(package="gan_text")
class RelGANDiscriminator(Discriminator):
    """RelGAN's multiple-representation CNN (Nie et al., 2019).

    The projection gives each token ``num_rep`` separate embeddings of width ``emb_dim``. One CNN
    (shared weights: widths ``filter_sizes``, max-over-time pooling, highway, dropout, a ReLU Dense of
    ``hidden_dim`` units, Dense(1)) scores every representation on its own, so the discriminator gives
    ``num_rep`` different opinions and the generator gets a richer signal.

    Input: int ``tokens`` (batch, seq_len) or float ``onehot``/``soft`` (batch, seq_len, vocab_size).
    Output: float32 logits (batch, num_rep). Losses average over the representations.

    Defaults, scaled down for CPUs: ``num_rep=16``, ``emb_dim=4`` (per representation),
    ``filter_sizes=(2, 3, 4, 5)``, ``num_filters=32`` per width, ``hidden_dim=64``, ``dropout=0.25``.
    The paper used num_rep 64 representations of width 1 (a 64-wide embedding), 300 filters per width,
    a 100-unit hidden layer and dropout 0.25.
    """

    kind = "relgan"
    DEFAULTS = {"num_rep": 16, "emb_dim": 4, "filter_sizes": (2, 3, 4, 5), "num_filters": (32,),
                "hidden_dim": 64, "dropout": 0.25}

    def _check(self, hp):
        for key in ("num_rep", "emb_dim", "hidden_dim"):
            hp[key] = whole_number(key, hp[key])
        _filters(hp, self.seq_len)
        hp["dropout"] = fraction("dropout", hp["dropout"])

    def _make_layers(self, hp):
        self.projection = TokenProjection(self.vocab_size, hp["num_rep"] * hp["emb_dim"], name="projection")
        # A (k, 1) kernel over (time, representation) with emb_dim channels: the same 1-D convolution
        # applied to every representation separately.
        self.convs = [keras.layers.Conv2D(n, (k, 1), activation="relu", name=f"conv_{k}")
                      for k, n in zip(hp["filter_sizes"], hp["num_filters"], strict=True)]
        self.highway = Highway(name="highway")
        self.drop = keras.layers.Dropout(hp["dropout"], name="dropout")
        self.hidden = keras.layers.Dense(hp["hidden_dim"], activation="relu", name="hidden")
        self.head = keras.layers.Dense(1, dtype="float32", name="logit")

    def call(self, inputs, training=None):
        hp = self.hyperparameters
        x = self.embed(inputs)  # (batch, seq_len, num_rep * emb_dim)
        x = ops.reshape(x, (-1, self.seq_len, hp["num_rep"], hp["emb_dim"]))
        features = ops.concatenate([ops.max(conv(x), axis=1) for conv in self.convs], axis=-1)
        h = self.drop(self.highway(features), training=training)  # (batch, num_rep, sum(num_filters))
        return ops.squeeze(self.head(self.hidden(h)), axis=-1)  # (batch, num_rep)


@keras.saving.register_keras_serializable(package="gan_text")
class RNNDiscriminator(Discriminator):
    """A recurrent classifier: projection -> (bidirectional) LSTM or GRU -> dropout -> Dense(1).

    The final hidden state (both directions concatenated when bidirectional) summarises the sequence.

    Input: int ``tokens`` (batch, seq_len) or float ``onehot``/``soft`` (batch, seq_len, vocab_size).
    Output: float32 logits (batch, 1).

    Defaults: ``emb_dim=32``, ``hidden_dim=64``, ``cell="lstm"`` (or ``"gru"``), ``bidirectional=True``,
    ``dropout=0.25``.
    """

    kind = "rnn"
    DEFAULTS = {"emb_dim": 32, "hidden_dim": 64, "cell": "lstm", "bidirectional": True, "dropout": 0.25}
    CELLS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}

    def _check(self, hp):
        for key in ("emb_dim", "hidden_dim"):
            hp[key] = whole_number(key, hp[key])
        if hp["cell"] not in self.CELLS:
            raise one_of("cell", hp["cell"], self.CELLS)
        if not isinstance(hp["bidirectional"], bool):
            raise GanTextError(f"bidirectional must be True or False, got {hp['bidirectional']!r}")
        hp["dropout"] = fraction("dropout", hp["dropout"])

    def _make_layers(self, hp):
        self.projection = TokenProjection(self.vocab_size, hp["emb_dim"], name="projection")
        rnn = self.CELLS[hp["cell"]](hp["hidden_dim"], name=hp["cell"])
        self.rnn = keras.layers.Bidirectional(rnn, name="bidirectional") if hp["bidirectional"] else rnn
        self.drop = keras.layers.Dropout(hp["dropout"], name="dropout")
        self.head = keras.layers.Dense(1, dtype="float32", name="logit")

    def call(self, inputs, training=None):
        return self.head(self.drop(self.rnn(self.embed(inputs)), training=training))


@keras.saving.register_keras_serializable(package="gan_text")
class TransformerDiscriminator(Discriminator):
    """A small Transformer encoder classifier.

    projection + learned position embeddings -> ``num_layers`` encoder blocks (self-attention, no mask)
    -> mean over the steps -> Dense(1).

    Input: int ``tokens`` (batch, seq_len) or float ``onehot``/``soft`` (batch, seq_len, vocab_size).
    Output: float32 logits (batch, 1).

    Defaults: ``emb_dim=32``, ``num_heads=2``, ``num_layers=2``, ``ff_dim=64``, ``dropout=0.1``.
    """

    kind = "transformer"
    DEFAULTS = {"emb_dim": 32, "num_heads": 2, "num_layers": 2, "ff_dim": 64, "dropout": 0.1}

    def _check(self, hp):
        for key in ("emb_dim", "num_heads", "num_layers", "ff_dim"):
            hp[key] = whole_number(key, hp[key])
        if hp["emb_dim"] % hp["num_heads"]:
            raise GanTextError(f"emb_dim={hp['emb_dim']} is not divisible by num_heads={hp['num_heads']}; "
                               "choose emb_dim as a multiple of num_heads")
        hp["dropout"] = fraction("dropout", hp["dropout"])

    def _make_layers(self, hp):
        self.projection = TokenProjection(self.vocab_size, hp["emb_dim"], name="projection")
        self.positions = keras.layers.Embedding(self.seq_len, hp["emb_dim"], name="positions")
        self.blocks = [EncoderBlock(hp["num_heads"], hp["ff_dim"], hp["dropout"], name=f"block_{i}")
                       for i in range(hp["num_layers"])]
        self.head = keras.layers.Dense(1, dtype="float32", name="logit")

    def call(self, inputs, training=None):
        x = self.embed(inputs) + self.positions(ops.arange(self.seq_len))
        for block in self.blocks:
            x = block(x, training=training)
        return self.head(ops.mean(x, axis=1))


_CLASSES = {cls.kind: cls for cls in (SeedDiscriminator, CNNDiscriminator, RelGANDiscriminator,
                                      RNNDiscriminator, TransformerDiscriminator)}
assert tuple(_CLASSES) == DISCRIMINATORS


def build_discriminator(kind: str, vocab_size: int, seq_len: int, *, name: str | None = None,
                        **hyperparameters) -> Discriminator:
    """Build the discriminator ``kind`` (one of :data:`DISCRIMINATORS`) with its weights created.

    ``hyperparameters`` override the kind's defaults (see each class; unknown ones are refused).
    Raises GanTextError for an unknown kind (listing the known ones) or an impossible value.

    >>> d = build_discriminator("cnn", vocab_size=300, seq_len=26)
    >>> d.kind, d.hyperparameters["emb_dim"]
    ('cnn', 64)
    """
    if kind not in _CLASSES:
        raise one_of("discriminator kind", kind, DISCRIMINATORS)
    model = _CLASSES[kind](vocab_size, seq_len, name=name, **hyperparameters)
    model.build((None, seq_len))
    return model
