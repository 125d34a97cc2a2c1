"""A discriminator that reads a sentence through a copy of the generator: for discriminator-guided sampling.

A discriminator trained from scratch on a few thousand sentences learns little about grammar (on the
grammar corpus a fresh bidirectional GRU stays at chance). This one starts from what the generator already
knows: its embedding, its recurrent layer and its output layer, copied from an ``rnn`` generator
(:meth:`ResidualDiscriminator.copy_generator`), read every real or generated sentence under teacher
forcing. At each position t it sees the hidden state ``h_t``, the log-probability the generator gave the
token, ``log q(x_t | x_<t)``, and the entropy of that distribution; a small ReLU layer, then the max and
the mean over the sentence's positions (``<pad>`` left out), give one logit.

Trained with binary cross-entropy on real sentences against the generator's samples (in equal numbers),
``exp(logit)`` estimates the density ratio ``p_data / q``, so ``q(x) exp(logit(x))`` is a better model of the
data than ``q`` alone: a *residual energy-based model* (Deng et al., 2020, "Residual Energy-Based Models for
Text Generation", ICLR). :mod:`gan_text.training.guided` samples from it.

Input: int32 tokens (batch, seq_len) (``<eos>`` then ``<pad>``); output: float32 logits (batch, 1).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ..checks import fraction, whole_number
from ..errors import one_of
from ..vocabulary import PAD_ID
from .autoregressive import teacher_forcing_inputs

CELLS = ("lstm", "gru")


@keras.saving.register_keras_serializable(package="gan_text")
class ResidualDiscriminator(keras.Model):
    """Generator features -> Dense(``width``, relu) -> dropout -> masked max and mean pool -> logit.

    ``cell``, ``emb_dim``, ``hidden_dim``: those of the ``rnn`` generator it will copy; ``width``: the
    units of the ReLU layer; ``dropout``: on it, while training.
    """

    kind = "residual"

    def __init__(self, vocab_size: int, seq_len: int, *, cell: str = "gru", emb_dim: int = 32,
                 hidden_dim: int = 64, width: int = 64, dropout: float = 0.1, name: str | None = None, **kwargs):
        if cell not in CELLS:
            raise one_of("cell", cell, CELLS)
        super().__init__(name=name or "residual_discriminator", **kwargs)
        self.vocab_size, self.seq_len = whole_number("vocab_size", vocab_size), whole_number("seq_len", seq_len)
        self.hyperparameters = {"cell": cell, "emb_dim": whole_number("emb_dim", emb_dim),
                                "hidden_dim": whole_number("hidden_dim", hidden_dim),
                                "width": whole_number("width", width), "dropout": fraction("dropout", dropout)}
        self.embedding = keras.layers.Embedding(vocab_size, emb_dim, name="embedding")
        recurrent = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
        self.rnn = recurrent(hidden_dim, return_sequences=True, name=cell)
        self.to_vocab = keras.layers.Dense(vocab_size, name="to_vocab")
        self.features = keras.layers.Dense(width, activation="relu", name="features")
        self.drop = keras.layers.Dropout(dropout, name="dropout")
        self.logit = keras.layers.Dense(1, dtype="float32", name="logit")  # float32 under mixed precision too
        self(tf.zeros((1, seq_len), tf.int32))  # build every layer

    def copy_generator(self, generator) -> None:
        """Set the embedding, recurrent and output layers to those of ``generator`` (an ``rnn`` generator
        with the same ``cell``, ``emb_dim`` and ``hidden_dim``)."""
        self.embedding.set_weights(generator.embedding.get_weights())
        self.rnn.set_weights(generator.rnn.get_weights())
        self.to_vocab.set_weights(generator.out.get_weights())

    def call(self, tokens, training=None):
        tokens = tf.cast(tokens, tf.int32)
        h = self.rnn(self.embedding(teacher_forcing_inputs(tokens)))  # (batch, seq_len, hidden_dim)
        log_q = tf.nn.log_softmax(tf.cast(self.to_vocab(h), tf.float32))  # the copied generator's next-token distribution
        token_log_q = tf.reduce_sum(tf.one_hot(tokens, self.vocab_size) * log_q, axis=-1, keepdims=True)
        entropy = -tf.reduce_sum(tf.exp(log_q) * log_q, axis=-1, keepdims=True)
        features = tf.concat([tf.cast(h, tf.float32), token_log_q, entropy], axis=-1)
        z = tf.cast(self.drop(self.features(features), training=training), tf.float32)  # bfloat16 under mixed
        mask = tf.cast(tf.not_equal(tokens, PAD_ID), tf.float32)[..., None]
        largest = tf.reduce_max(z * mask - 1e4 * (1.0 - mask), axis=1)
        mean = tf.reduce_sum(z * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)
        return self.logit(tf.concat([largest, mean], axis=-1))

    def get_config(self):
        return {"vocab_size": self.vocab_size, "seq_len": self.seq_len, "name": self.name, **self.hyperparameters}


__all__ = ["ResidualDiscriminator"]
