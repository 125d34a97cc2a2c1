"""The maximum-likelihood (MLE) language model: teacher forcing with cross-entropy.

``LanguageModel(generator)`` wraps an autoregressive generator (``rnn`` or ``transformer``) and trains
it with ``fit()`` to predict every token of real sentences from the tokens before it. It is both the
pre-training step of the GANs and the baseline every GAN is compared with::

    generator = build_generator("rnn", prepared.vocab_size, prepared.seq_len)
    lm = LanguageModel(generator)
    lm.compile(optimizer=keras.optimizers.Adam(1e-3))  # no loss: the model knows its own
    lm.fit(make_dataset(prepared.train_tokens, 64), epochs=3,
           validation_data=make_dataset(prepared.test_tokens, 64, shuffle=False))
    lm.perplexity(prepared.test_tokens), lm.generate_text(5, prepared.vocab)

The loss is the negative log-likelihood (NLL) in nats per token, averaged over the real tokens of a
batch: every word and the ``<eos>`` count, the ``<pad>`` after it does not. Perplexity is
``exp(NLL)``: the number of equally likely tokens the model is, on average, choosing between.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ..checks import whole_number
from ..dataset import decode_batch
from ..errors import GanTextError
from ..vocabulary import PAD_ID
from .autoregressive import teacher_forcing_inputs
from .gradients import dense_gradients


def token_nll(tokens, logits):
    """Per-position NLL and the mask of positions that count.

    ``tokens``: int (batch, seq_len) targets (ids, ``<eos>``, ``<pad>``); ``logits``: float32
    (batch, seq_len, vocab_size). Returns ``(nll, mask)``, both float32 (batch, seq_len): ``nll`` is
    ``-log p(token)`` in nats, ``mask`` is 1 where the target is not ``<pad>``. The loss of a batch
    is ``sum(nll * mask) / sum(mask)``.
    """
    tokens = ops.cast(tokens, "int32")
    nll = ops.sparse_categorical_crossentropy(tokens, logits, from_logits=True)
    mask = ops.cast(ops.not_equal(tokens, PAD_ID), "float32")
    return nll * mask, mask


@keras.saving.register_keras_serializable(package="gan_text")
class Perplexity(keras.metrics.Mean):
    """``exp`` of the running (weighted) mean of per-token NLL values."""

    def result(self):
        return ops.exp(super().result())


@keras.saving.register_keras_serializable(package="gan_text")
class LanguageModel(keras.Model):
    """Trains an autoregressive generator by teacher forcing; reports NLL and perplexity.

    ``fit`` / ``evaluate`` take batches of int32 token ids (batch, seq_len) (x only, as from
    ``make_dataset``); the metrics are ``nll`` (nats per token) and ``perplexity`` (with ``val_``
    prefixes on validation data). ``lm(tokens_in)`` is ``generator(tokens_in)``: logits float32
    (batch, seq_len, vocab_size).
    """

    def __init__(self, generator, *, name: str = "language_model", **kwargs):
        if not getattr(generator, "autoregressive", False):
            kind = getattr(generator, "kind", type(generator).__name__)
            raise GanTextError(f"a LanguageModel needs an autoregressive generator (rnn or "
                               f"transformer), got {kind!r}; build one with build_generator('rnn', ...)")
        super().__init__(name=name, **kwargs)
        self.generator = generator
        self.nll_metric = keras.metrics.Mean(name="nll")
        self.perplexity_metric = Perplexity(name="perplexity")
        self._nll_sums = None
        if generator.built:
            self.build((None, generator.seq_len))

    # --- what the wrapped generator is -----------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.generator.kind

    @property
    def vocab_size(self) -> int:
        return self.generator.vocab_size

    @property
    def seq_len(self) -> int:
        return self.generator.seq_len

    @property
    def hyperparameters(self) -> dict:
        return self.generator.hyperparameters

    def build(self, input_shape=None):
        if not self.generator.built:
            self.generator(self.generator.dummy_input())
        self.built = True

    def call(self, tokens_in, training=None):
        return self.generator(tokens_in, training=training)

    # --- training ----------------------------------------------------------------------------------
    def fit(self, x=None, *args, **kwargs):
        """``keras.Model.fit``; a ``tf.data.Dataset`` is taken as already shuffled (``make_dataset``)."""
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # Keras would only warn that it cannot shuffle it
        return super().fit(x, *args, **kwargs)

    @property
    def metrics(self):
        return [self.nll_metric, self.perplexity_metric]

    def _nll(self, tokens, training):
        tokens = tokens[0] if isinstance(tokens, tuple | list) else tokens
        logits = self.generator(teacher_forcing_inputs(tokens), training=training)
        nll, mask = token_nll(tokens, logits)
        return nll, mask

    def _update_metrics(self, nll, mask):
        self.nll_metric.update_state(nll, sample_weight=mask)
        self.perplexity_metric.update_state(nll, sample_weight=mask)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            nll, mask = self._nll(data, training=True)
            count = ops.sum(mask)
            if tf.distribute.has_strategy():  # the tokens of the global batch: the replicas' gradients add up
                count = tf.distribute.get_replica_context().all_reduce("sum", count)  # to its mean NLL's
            loss = ops.sum(nll) / ops.maximum(count, 1.0)
        variables = self.generator.trainable_variables
        self.optimizer.apply(dense_gradients(tape.gradient(loss, variables)), variables)
        return self._update_metrics(nll, mask)

    def test_step(self, data):
        return self._update_metrics(*self._nll(data, training=False))

    # --- scoring and sampling ------------------------------------------------------------------------
    def nll(self, tokens, batch_size: int = 512) -> float:
        """Per-token NLL in nats of a whole int array (n, seq_len) of real or generated sentences
        (``<pad>`` not counted), computed in batches of ``batch_size``."""
        tokens = np.asarray(tokens)
        if tokens.ndim != 2 or tokens.shape[1] != self.seq_len or not np.issubdtype(tokens.dtype, np.integer):
            raise GanTextError(f"nll expects int token ids of shape (n, {self.seq_len}), got "
                               f"{tokens.shape} {tokens.dtype}; pass prepared.test_tokens or samples")
        batch_size = whole_number("batch_size", batch_size)
        if self._nll_sums is None:
            @tf.function(input_signature=[tf.TensorSpec((None, self.seq_len), tf.int32)])
            def nll_sums(batch):
                nll, mask = self._nll(batch, training=False)
                return ops.sum(nll), ops.sum(mask)

            self._nll_sums = nll_sums
        total = count = 0.0
        for start in range(0, len(tokens), batch_size):
            s, n = self._nll_sums(tf.constant(tokens[start:start + batch_size], tf.int32))
            total, count = total + float(s), count + float(n)
        if count == 0:
            raise GanTextError("no tokens to score: every position is <pad>; pass real sentences")
        return total / count

    def perplexity(self, tokens, batch_size: int = 512) -> float:
        """``exp(nll(tokens))``."""
        return math.exp(self.nll(tokens, batch_size))

    def sample(self, n: int, temperature: float = 1.0, top_k: int | None = None,
               top_p: float | None = None, seed=None) -> np.ndarray:
        """``n`` sentences as an int32 NumPy array (n, seq_len), ``<pad>`` after ``<eos>``.

        See ``AutoregressiveGenerator.sample`` for ``temperature`` (0 is greedy), ``top_k``,
        ``top_p`` and ``seed``.
        """
        return self.generator.sample(n, temperature=temperature, top_k=top_k, top_p=top_p,
                                     seed=seed).numpy()

    def generate_text(self, n: int, vocab, temperature: float = 1.0, seed=None,
                      level: str = "word", **sampling) -> list[str]:
        """``n`` sampled sentences decoded to strings with ``vocab`` (``level``: "word" or "char")."""
        if len(vocab) != self.vocab_size:
            raise GanTextError(f"the vocabulary has {len(vocab)} tokens but the model {self.vocab_size}; "
                               f"pass the vocabulary the model was trained with")
        return decode_batch(self.sample(n, temperature=temperature, seed=seed, **sampling), vocab, level)

    # --- saving -------------------------------------------------------------------------------------------
    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "generator": keras.saving.serialize_keras_object(self.generator)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        return cls(generator, **config)


def unigram_nll(train_tokens, test_tokens, vocab_size: int | None = None, alpha: float = 1.0) -> float:
    """Per-token NLL (nats) of the test tokens under a unigram model of the train tokens.

    The baseline that ignores context: ``p(token) = (count + alpha) / (total + alpha * vocab_size)``
    (add-``alpha`` smoothing), counting every non-``<pad>`` id of ``train_tokens`` (words and
    ``<eos>``) and scoring every non-``<pad>`` id of ``test_tokens``; both int arrays (n, seq_len).
    ``vocab_size`` defaults to the largest id seen + 1. ``exp`` of it is the unigram perplexity.
    """
    train, test = np.asarray(train_tokens), np.asarray(test_tokens)
    if vocab_size is None:
        vocab_size = int(max(train.max(initial=0), test.max(initial=0))) + 1
    counts = np.bincount(train[train != PAD_ID].ravel(), minlength=vocab_size).astype(np.float64)
    probs = (counts + alpha) / (counts.sum() + alpha * vocab_size)
    scored = test[test != PAD_ID].ravel()
    if scored.size == 0:
        raise GanTextError("no test tokens to score: every position is <pad>; pass real sentences")
    return float(-np.log(probs[scored]).mean())


__all__ = ["LanguageModel", "Perplexity", "token_nll", "unigram_nll"]
