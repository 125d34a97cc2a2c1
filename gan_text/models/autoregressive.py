"""Autoregressive generators: write a sentence token by token, each token conditioned on the ones before.

Two kinds share one interface (:class:`AutoregressiveGenerator`):

- ``rnn``: embedding -> LSTM or GRU -> Dense to the vocabulary (SeqGAN's and RelGAN's generator);
- ``transformer``: a small causal Transformer decoder (GPT-style, pre-LayerNorm).

Each can

(a) be trained by teacher forcing: ``generator(tokens_in)`` with ``tokens_in = teacher_forcing_inputs
    (tokens)`` (``<bos>`` then the sentence shifted right by one), int32 (batch, seq_len) -> logits
    float32 (batch, seq_len, vocab_size); position ``t`` predicts ``tokens[:, t]``;
(b) ``sample`` token ids with a temperature, top-k and top-p (nucleus) filtering, stopping at ``<eos>``;
(c) ``gumbel_sample`` differentiably with the Gumbel-softmax trick (RelGAN), returning the hard tokens
    and the relaxed one-hot vectors that a discriminator can read and back-propagate through.

Sampling runs as one compiled TensorFlow graph with a ``tf.while_loop`` over the ``seq_len`` steps
(no Python loop per token), traced once per option set and cached.

The logits of ``<pad>`` and ``<bos>`` are fixed at -1e9: a generator never writes them itself
(``<pad>`` is filled in after ``<eos>``), so probabilities and samples agree.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ..checks import fraction, whole_number
from ..checks import seed as check_seed
from ..checks import temperature as check_temperature
from ..errors import GanTextError, one_of
from ..vocabulary import BOS_ID, EOS_ID, PAD_ID
from .generator_base import Generator
from .gumbel import gumbel_softmax

NEVER_WRITTEN = (PAD_ID, BOS_ID)
_NEG = -1e9  # the logit of a token that may not be drawn


def teacher_forcing_inputs(tokens):
    """The inputs that teach a generator to predict ``tokens``: ``<bos>`` then ``tokens[:, :-1]``.

    ``tokens``: int (batch, seq_len) -> int32 (batch, seq_len).
    """
    tokens = ops.cast(tokens, "int32")
    bos = ops.full((ops.shape(tokens)[0], 1), BOS_ID, dtype="int32")
    return ops.concatenate([bos, tokens[:, :-1]], axis=1)


def seed_tensor(seed, default):
    """A stateless seed, int64 (2,), from None (use ``default``), an int, a SeedGenerator or a tensor."""
    if seed is None:
        seed = default
    if isinstance(seed, keras.random.SeedGenerator):
        return tf.cast(seed.next(), tf.int64)
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        return tf.constant([check_seed("seed", seed), 0], dtype=tf.int64)
    if (tf.is_tensor(seed) or isinstance(seed, np.ndarray)) and tuple(seed.shape) == (2,):
        return tf.cast(seed, tf.int64)
    raise GanTextError(f"seed must be None, an int, a keras.random.SeedGenerator or an int tensor of "
                       f"shape (2,), got {seed!r}; pass e.g. seed=0")


def _keep_top_k(logits, k):
    """Keep the ``k`` largest logits of each row (float (batch, vocab)), set the others to -1e9."""
    kth = tf.math.top_k(logits, k).values[:, -1:]
    return tf.where(logits < kth, _NEG, logits)


def _keep_top_p(logits, p):
    """Keep the smallest set of most likely tokens whose probability reaches ``p``; others -1e9."""
    sorted_logits = tf.sort(logits, axis=-1, direction="DESCENDING")
    mass_before = tf.cumsum(tf.nn.softmax(sorted_logits), axis=-1, exclusive=True)
    threshold = tf.reduce_min(tf.where(mass_before < p, sorted_logits, np.inf), axis=-1,
                              keepdims=True)
    return tf.where(logits < threshold, _NEG, logits)


class AutoregressiveGenerator(Generator):
    """Shared machinery of ``rnn`` and ``transformer``: teacher forcing, ``sample``, ``gumbel_sample``.

    A subclass writes ``call(tokens_in, training=None)`` (using :meth:`project` for the last layer),
    ``initial_state(batch_size)`` and ``step(prev_tokens, t, state) -> (logits, state)``.
    """

    autoregressive = True

    def _make_layers(self, hp):
        self._make_body(hp)
        self.out = keras.layers.Dense(self.vocab_size, name="to_vocab")
        never = np.zeros(self.vocab_size, dtype=np.float32)
        never[list(NEVER_WRITTEN)] = _NEG
        self._never_written = never
        self._compiled = {}  # traced sampling functions, one per option set

    def _make_body(self, hp):
        raise NotImplementedError

    def initial_state(self, batch_size):
        raise NotImplementedError

    def step(self, prev_tokens, t, state):
        """One step of generation: int32 (batch,) previous tokens, step ``t`` and the state ->
        logits float32 (batch, vocab_size) for token ``t`` and the next state."""
        raise NotImplementedError

    def project(self, h):
        """Hidden vectors (..., width) -> logits float32 (..., vocab_size), ``<pad>``/``<bos>`` at -1e9.

        Float32 also when the layers compute in bfloat16 (:mod:`gan_text.precision`): softmax, sampling and
        the losses read these logits."""
        return ops.cast(self.out(h), "float32") + self._never_written

    def dummy_input(self):
        return ops.zeros((1, self.seq_len), dtype="int32")

    # --- the decoding loop -----------------------------------------------------------------------
    def _decode(self, batch_size, seed, choose, keep_soft):
        """Generate ``seq_len`` tokens; ``choose(logits, step_seed) -> (ids int32 (batch,), soft)``.

        Returns tokens int32 (batch, seq_len) with ``<pad>`` after ``<eos>`` and, if ``keep_soft``,
        soft float32 (batch, seq_len, vocab_size) with one-hot ``<pad>`` rows after ``<eos>``.
        """
        pad_row = tf.one_hot(PAD_ID, self.vocab_size, dtype=tf.float32)

        def body(t, prev, finished, state, tokens, softs):
            logits, state = self.step(prev, t, state)
            ids, soft = choose(logits, tf.random.experimental.stateless_fold_in(seed, t))
            ids = tf.where(finished, PAD_ID, ids)
            tokens = tokens.write(t, ids)
            if keep_soft:
                softs = softs.write(t, tf.where(finished[:, None], pad_row, soft))
            return t + 1, ids, finished | tf.equal(ids, EOS_ID), state, tokens, softs

        start = (tf.constant(0), tf.fill([batch_size], BOS_ID), tf.zeros([batch_size], tf.bool),
                 self.initial_state(batch_size), tf.TensorArray(tf.int32, size=self.seq_len),
                 tf.TensorArray(tf.float32, size=self.seq_len))
        *_, tokens, softs = tf.while_loop(lambda t, *_: t < self.seq_len, body, start,
                                          maximum_iterations=self.seq_len)
        tokens = tf.transpose(tokens.stack(), [1, 0])
        return (tokens, tf.transpose(softs.stack(), [1, 0, 2])) if keep_soft else tokens

    def _function(self, key, make):
        if key not in self._compiled:
            self._compiled[key] = make()
        return self._compiled[key]

    # --- sampling --------------------------------------------------------------------------------
    def sample(self, batch_size: int, temperature: float = 1.0, top_k: int | None = None,
               top_p: float | None = None, seed=None):
        """Draw ``batch_size`` sentences: int32 tensor (batch_size, seq_len), ``<pad>`` after ``<eos>``.

        ``temperature``: divides the logits (< 1 sharper, > 1 flatter); 0 means greedy (argmax).
        ``top_k``: draw only among the ``k`` most likely tokens (1 is greedy). ``top_p``: draw only
        among the most likely tokens whose probabilities add up to ``p`` (nucleus sampling).
        ``seed``: an int (the same sentences every time), a ``keras.random.SeedGenerator``, or None
        (this generator's own SeedGenerator: new sentences every call, repeatable after ``gt.setup``).
        """
        batch_size = whole_number("batch_size", batch_size)
        temperature = check_temperature("temperature", temperature)
        if top_k is not None:
            top_k = min(whole_number("top_k", top_k), self.vocab_size)
        if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, int | float)
                                  or not 0.0 < top_p <= 1.0):
            raise GanTextError(f"top_p must be a probability in (0, 1], got {top_p!r}; pass e.g. top_p=0.9")
        greedy = temperature == 0
        key = ("sample", greedy, top_k is not None, top_p is not None)
        fn = self._function(key, lambda: self._make_sampler(*key[1:]))
        return fn(tf.constant(batch_size, tf.int32), tf.constant(temperature or 1.0, tf.float32),
                  tf.constant(top_k or 1, tf.int32), tf.constant(top_p or 1.0, tf.float32),
                  seed_tensor(seed, self.seed_generator))

    def _make_sampler(self, greedy, use_top_k, use_top_p):
        @tf.function(input_signature=[tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.float32),
                                      tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.float32),
                                      tf.TensorSpec((2,), tf.int64)])
        def sampler(batch_size, temperature, top_k, top_p, seed):
            def choose(logits, step_seed):
                if greedy:
                    return tf.argmax(logits, axis=-1, output_type=tf.int32), None
                logits = logits / temperature
                if use_top_k:
                    logits = _keep_top_k(logits, top_k)
                if use_top_p:
                    logits = _keep_top_p(logits, top_p)
                ids = tf.random.stateless_categorical(logits, 1, step_seed, dtype=tf.int32)
                return ids[:, 0], None

            return self._decode(batch_size, seed, choose, keep_soft=False)

        return sampler

    def gumbel_sample(self, batch_size, beta=1.0, straight_through: bool = False, seed=None):
        """Generate differentiably (RelGAN): returns ``(tokens, soft)``.

        At every step ``soft_t = softmax(beta * (logits_t + g_t))`` with Gumbel noise ``g_t``; the
        hard token ``argmax(soft_t)`` is fed to the next step. ``tokens``: int32 (batch, seq_len)
        with ``<pad>`` after ``<eos>``; ``soft``: float32 (batch, seq_len, vocab_size), rows sum to
        1, one-hot ``<pad>`` after ``<eos>``, differentiable w.r.t. the generator's weights. With
        ``straight_through`` soft is exactly ``onehot(tokens)`` in value, with soft's gradient.
        ``beta``: inverse temperature > 0 (float or scalar tensor). ``seed``: as in :meth:`sample`,
        or an int tensor of shape (2,). ``batch_size`` may be an int or a scalar int tensor.
        """
        if not tf.is_tensor(batch_size):
            batch_size = whole_number("batch_size", batch_size)
        if not tf.is_tensor(beta) and (isinstance(beta, bool) or not isinstance(beta, int | float)
                                       or beta <= 0):
            raise GanTextError(f"beta (the inverse temperature) must be a number > 0, got {beta!r}; "
                               f"pass e.g. beta=1.0")
        key = ("gumbel", bool(straight_through))
        fn = self._function(key, lambda: self._make_gumbel_sampler(bool(straight_through)))
        return fn(tf.cast(batch_size, tf.int32), tf.cast(beta, tf.float32),
                  seed_tensor(seed, self.seed_generator))

    def _make_gumbel_sampler(self, straight_through):
        @tf.function(input_signature=[tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.float32),
                                      tf.TensorSpec((2,), tf.int64)])
        def gumbel_sampler(batch_size, beta, seed):
            def choose(logits, step_seed):
                soft = gumbel_softmax(logits, beta, step_seed)
                return tf.argmax(soft, axis=-1, output_type=tf.int32), soft

            tokens, soft = self._decode(batch_size, seed, choose, keep_soft=True)
            if straight_through:
                soft = tf.one_hot(tokens, self.vocab_size) - tf.stop_gradient(soft) + soft
            return tokens, soft

        return gumbel_sampler


@keras.saving.register_keras_serializable(package="gan_text")
class RNNGenerator(AutoregressiveGenerator):
    """An LSTM or GRU language model: Embedding -> LSTM/GRU -> Dense to the vocabulary.

    Input: ``tokens_in`` int32 (batch, seq_len) (see :func:`teacher_forcing_inputs`).
    Output: logits float32 (batch, seq_len, vocab_size).
    Defaults: ``cell="lstm"`` (or ``"gru"``), ``emb_dim=32``, ``hidden_dim=64``, ``dropout=0.0``
    (applied to embeddings and outputs while training by teacher forcing; never when sampling).
    """

    kind = "rnn"
    DEFAULTS = {"cell": "lstm", "emb_dim": 32, "hidden_dim": 64, "dropout": 0.0}
    CELLS = ("lstm", "gru")

    def _check(self, hp):
        if hp["cell"] not in self.CELLS:
            raise one_of("cell", hp["cell"], self.CELLS)
        for key in ("emb_dim", "hidden_dim"):
            hp[key] = whole_number(key, hp[key])
        hp["dropout"] = fraction("dropout", hp["dropout"])

    def _make_body(self, hp):
        self.embedding = keras.layers.Embedding(self.vocab_size, hp["emb_dim"], name="embedding")
        layer = keras.layers.LSTM if hp["cell"] == "lstm" else keras.layers.GRU
        self.rnn = layer(hp["hidden_dim"], return_sequences=True, name=hp["cell"])
        self.drop = keras.layers.Dropout(hp["dropout"], name="dropout")

    def call(self, tokens_in, training=None):
        x = self.drop(self.embedding(tokens_in), training=training)
        h = self.drop(self.rnn(x), training=training)
        return self.project(h)

    def initial_state(self, batch_size):
        n_states = 2 if self.hyperparameters["cell"] == "lstm" else 1
        return [tf.zeros([batch_size, self.hyperparameters["hidden_dim"]], self.rnn.compute_dtype)] * n_states

    def step(self, prev_tokens, t, state):
        h, state = self.rnn.cell(self.embedding(prev_tokens), state)
        return self.project(h), list(state)


@keras.saving.register_keras_serializable(package="gan_text")
class CausalDecoderBlock(keras.layers.Layer):
    """One pre-LayerNorm Transformer decoder block: causal self-attention, then a feed-forward net.

    ``x + attention(norm(x))`` then ``x + ffn(norm(x))``; position ``t`` sees positions ``<= t`` only.
    Input and output: float32 (batch, length, emb_dim).
    """

    def __init__(self, emb_dim: int, num_heads: int, hidden_dim: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.emb_dim, self.num_heads, self.hidden_dim, self.dropout = emb_dim, num_heads, hidden_dim, dropout
        self.norm1 = keras.layers.LayerNormalization(name="norm1")
        self.attention = keras.layers.MultiHeadAttention(num_heads, emb_dim // num_heads,
                                                         dropout=dropout, name="attention")
        self.norm2 = keras.layers.LayerNormalization(name="norm2")
        self.ff1 = keras.layers.Dense(hidden_dim, activation="gelu", name="ff1")
        self.ff2 = keras.layers.Dense(emb_dim, name="ff2")
        self.drop = keras.layers.Dropout(dropout)

    def call(self, x, training=None):
        h = self.norm1(x)
        x = x + self.drop(self.attention(h, h, use_causal_mask=True, training=training),
                          training=training)
        return x + self.drop(self.ff2(self.ff1(self.norm2(x))), training=training)

    def get_config(self):
        return {**super().get_config(), "emb_dim": self.emb_dim, "num_heads": self.num_heads,
                "hidden_dim": self.hidden_dim, "dropout": self.dropout}


@keras.saving.register_keras_serializable(package="gan_text")
class TransformerGenerator(AutoregressiveGenerator):
    """A small causal Transformer decoder: token + learned position embeddings -> ``num_layers``
    :class:`CausalDecoderBlock` -> LayerNorm -> Dense to the vocabulary.

    Input: ``tokens_in`` int32 (batch, length <= seq_len). Output: logits float32 (batch, length,
    vocab_size). Sampling recomputes the whole prefix at every step (cheap at these lengths).
    Defaults: ``emb_dim=32``, ``num_heads=2`` (must divide emb_dim), ``hidden_dim=64`` (feed-forward
    width), ``num_layers=2``, ``dropout=0.0``.
    """

    kind = "transformer"
    DEFAULTS = {"emb_dim": 32, "num_heads": 2, "hidden_dim": 64, "num_layers": 2, "dropout": 0.0}

    def _check(self, hp):
        for key in ("emb_dim", "num_heads", "hidden_dim", "num_layers"):
            hp[key] = whole_number(key, hp[key])
        if hp["emb_dim"] % hp["num_heads"]:
            raise GanTextError(f"emb_dim={hp['emb_dim']} is not divisible by num_heads={hp['num_heads']}; "
                               f"pick num_heads that divides emb_dim (e.g. num_heads=2, emb_dim=32)")
        hp["dropout"] = fraction("dropout", hp["dropout"])

    def _make_body(self, hp):
        self.token_embedding = keras.layers.Embedding(self.vocab_size, hp["emb_dim"], name="tokens")
        self.position_embedding = keras.layers.Embedding(self.seq_len, hp["emb_dim"], name="positions")
        self.blocks = [CausalDecoderBlock(hp["emb_dim"], hp["num_heads"], hp["hidden_dim"],
                                          hp["dropout"], name=f"block_{i}")
                       for i in range(hp["num_layers"])]
        self.norm = keras.layers.LayerNormalization(name="norm")
        self.drop = keras.layers.Dropout(hp["dropout"], name="dropout")

    def features(self, tokens_in, training=None):
        """int32 (batch, length) -> float32 (batch, length, emb_dim), before the output layer."""
        length = tokens_in.shape[1]
        if length is not None and length > self.seq_len:
            raise GanTextError(f"the transformer generator was built for seq_len={self.seq_len} but got "
                               f"sequences of length {length}; cut them to {self.seq_len} tokens")
        positions = ops.arange(ops.shape(tokens_in)[1])
        x = self.token_embedding(tokens_in) + self.position_embedding(positions)[None]
        x = self.drop(x, training=training)
        for block in self.blocks:
            x = block(x, training=training)
        return self.norm(x)

    def call(self, tokens_in, training=None):
        return self.project(self.features(tokens_in, training=training))

    def initial_state(self, batch_size):
        # The state is the sequence so far: column t holds the input of step t.
        return tf.fill([batch_size, self.seq_len], PAD_ID)

    def step(self, prev_tokens, t, state):
        state = tf.where(tf.range(self.seq_len)[None, :] == t, prev_tokens[:, None], state)
        h = self.features(state[:, :t + 1])[:, -1]  # the causal mask makes later columns irrelevant
        return self.project(h), state


__all__ = ["AutoregressiveGenerator", "CausalDecoderBlock", "NEVER_WRITTEN", "RNNGenerator",
           "TransformerGenerator", "seed_tensor", "teacher_forcing_inputs"]
