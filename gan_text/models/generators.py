"""Generators: from noise (or from a begin token) to a sequence of distributions over the vocabulary.

``build_generator(kind, vocab_size, seq_len, **hyperparameters)`` returns a built Keras model:

===============  ================================================  ==============================================
kind             architecture                                      called as
===============  ================================================  ==============================================
``seed``         the course's original design: noise -> Dense ->   ``generator(noise)``: (batch, noise_dim) float32
                 BatchNorm -> LSTM -> softmax per step             -> probabilities (batch, seq_len, vocab_size)
``cnn``          WGAN-GP language model (Gulrajani et al., 2017):  same as ``seed``
                 noise -> Dense -> residual Conv1D -> softmax
``rnn``          autoregressive LSTM/GRU language model            ``generator(tokens_in)``: (batch, seq_len) int32
                 (:mod:`~gan_text.models.autoregressive`)          -> logits (batch, seq_len, vocab_size)
``transformer``  small causal Transformer decoder                  same as ``rnn``
===============  ================================================  ==============================================

The non-autoregressive kinds (``seed``, ``cnn``) write all positions at once from noise and never
sample: a GAN's discriminator reads their probabilities directly. The autoregressive kinds write token
by token; they also ``sample`` token ids and ``gumbel_sample`` differentiably (see autoregressive.py).

Every generator has ``kind``, ``vocab_size``, ``seq_len``, ``hyperparameters`` (a dict), ``summary()``,
``count_params()`` and ``sample(batch_size, seed=None)`` -> int32 tokens (batch, seq_len) with
``<pad>`` after the first ``<eos>``; it saves and reloads with :mod:`~gan_text.models.saving`.
The base class and the size checks are in :mod:`~gan_text.models.generator_base` (re-exported here).
"""

from __future__ import annotations

import keras
from keras import ops

from ..checks import whole_number
from ..errors import one_of
from .autoregressive import RNNGenerator, TransformerGenerator
from .generator_base import MIN_VOCAB_SIZE, Generator, check_sizes, pad_after_eos

GENERATORS = ("seed", "rnn", "cnn", "transformer")


# ---------------------------------------------------------------------------------------------------

class NoiseGenerator(Generator):
    """A non-autoregressive generator: noise (batch, noise_dim) float32 -> probabilities
    (batch, seq_len, vocab_size) float32, every row a distribution over the vocabulary."""

    @property
    def noise_dim(self) -> int:
        return self.hyperparameters["noise_dim"]

    def dummy_input(self):
        return ops.zeros((1, self.noise_dim), dtype="float32")

    def sample_noise(self, batch_size: int, seed=None):
        """Standard normal noise, float32 (batch_size, noise_dim).

        ``seed``: an int (the same noise every call), a ``keras.random.SeedGenerator``, or None (this
        generator's own SeedGenerator: new noise every call, repeatable after ``gt.setup``).
        """
        batch_size = whole_number("batch_size", batch_size)
        return keras.random.normal((batch_size, self.noise_dim),
                                   seed=self.seed_generator if seed is None else seed)

    def sample(self, batch_size: int, seed=None):
        """Token ids int32 (batch_size, seq_len): the most likely token at every position of
        ``generator(noise)``, then ``<pad>`` after the first ``<eos>`` (as in real data)."""
        probs = self(self.sample_noise(batch_size, seed), training=False)
        return pad_after_eos(ops.argmax(probs, axis=-1))


@keras.saving.register_keras_serializable(package="gan_text")
class SeedTextGenerator(NoiseGenerator):
    """The course's original generator: noise -> Dense -> BatchNorm -> LSTM -> softmax per step.

    The Dense layer turns the noise into ``seq_len`` vectors of width ``hidden_dim`` (reshaped to
    (batch, seq_len, hidden_dim)), BatchNorm normalises them, the LSTM runs over the steps and a
    Dense softmax layer gives a distribution over the vocabulary at every step.

    Input: noise float32 (batch, noise_dim). Output: probabilities float32 (batch, seq_len, vocab_size).
    Defaults: ``noise_dim=64``, ``hidden_dim=64``. Pass ``training=True`` while training (BatchNorm).
    """

    kind = "seed"
    DEFAULTS = {"noise_dim": 64, "hidden_dim": 64}

    def _check(self, hp):
        for key in ("noise_dim", "hidden_dim"):
            hp[key] = whole_number(key, hp[key])

    def _make_layers(self, hp):
        self.dense = keras.layers.Dense(self.seq_len * hp["hidden_dim"], name="dense")
        self.norm = keras.layers.BatchNormalization(name="batch_norm")
        self.reshape = keras.layers.Reshape((self.seq_len, hp["hidden_dim"]))
        self.lstm = keras.layers.LSTM(hp["hidden_dim"], return_sequences=True, name="lstm")
        # float32 even under mixed precision (gan_text.precision): a softmax in bfloat16 would be coarse
        self.out = keras.layers.Dense(self.vocab_size, activation="softmax", dtype="float32", name="softmax")

    def call(self, noise, training=None):
        x = self.norm(self.dense(noise), training=training)
        return self.out(self.lstm(self.reshape(x)))


@keras.saving.register_keras_serializable(package="gan_text")
class GeneratorResidualBlock(keras.layers.Layer):
    """WGAN-GP's residual block: ``x + scale * conv(relu(conv(relu(x))))``, shape-preserving.

    Input and output: float32 (batch, seq_len, width).
    """

    def __init__(self, width: int, kernel_size: int = 5, scale: float = 0.3, **kwargs):
        super().__init__(**kwargs)
        self.width, self.kernel_size, self.scale = width, kernel_size, scale
        self.conv1 = keras.layers.Conv1D(width, kernel_size, padding="same", name="conv1")
        self.conv2 = keras.layers.Conv1D(width, kernel_size, padding="same", name="conv2")

    def call(self, x):
        h = self.conv2(ops.relu(self.conv1(ops.relu(x))))
        return x + self.scale * h

    def get_config(self):
        return {**super().get_config(), "width": self.width, "kernel_size": self.kernel_size,
                "scale": self.scale}


@keras.saving.register_keras_serializable(package="gan_text")
class CNNGenerator(NoiseGenerator):
    """The WGAN-GP language-model generator (Gulrajani et al., 2017): no recurrence, no sampling.

    noise -> Dense(seq_len * hidden_dim) -> reshape (seq_len, hidden_dim) -> ``num_blocks`` residual
    blocks (ReLU, Conv1D, ReLU, Conv1D, added back with weight 0.3) -> Conv1D of width 1 to
    ``vocab_size`` -> softmax per position.

    Input: noise float32 (batch, noise_dim). Output: probabilities float32 (batch, seq_len, vocab_size).
    Defaults: ``noise_dim=64``, ``hidden_dim=64``, ``num_blocks=5``, ``kernel_size=5`` (the paper:
    noise 128, width 512, 5 blocks, kernel 5).
    """

    kind = "cnn"
    DEFAULTS = {"noise_dim": 64, "hidden_dim": 64, "num_blocks": 5, "kernel_size": 5}

    def _check(self, hp):
        for key in ("noise_dim", "hidden_dim", "num_blocks", "kernel_size"):
            hp[key] = whole_number(key, hp[key])

    def _make_layers(self, hp):
        self.dense = keras.layers.Dense(self.seq_len * hp["hidden_dim"], name="dense")
        self.reshape = keras.layers.Reshape((self.seq_len, hp["hidden_dim"]))
        self.blocks = [GeneratorResidualBlock(hp["hidden_dim"], hp["kernel_size"], name=f"res_{i}")
                       for i in range(hp["num_blocks"])]
        self.out = keras.layers.Conv1D(self.vocab_size, 1, name="to_vocab")

    def call(self, noise, training=None):
        x = self.reshape(self.dense(noise))
        for block in self.blocks:
            x = block(x)
        return ops.softmax(ops.cast(self.out(x), "float32"), axis=-1)  # float32 under mixed precision too


# ---------------------------------------------------------------------------------------------------

def generator_class(kind: str) -> type[Generator]:
    """The class behind a kind; raises GanTextError listing the known kinds."""
    classes = {"seed": SeedTextGenerator, "cnn": CNNGenerator,
               "rnn": RNNGenerator, "transformer": TransformerGenerator}
    if kind not in classes:
        raise one_of("generator kind", kind, GENERATORS)
    return classes[kind]


def build_generator(kind: str, vocab_size: int, seq_len: int, **hyperparameters) -> Generator:
    """Build a generator of the given kind with its weights created.

    ``kind``: one of ``GENERATORS``; ``vocab_size``: ``len(vocab)``; ``seq_len``: ids per sequence.
    ``hyperparameters``: the kind's own (see each class; unknown names are an error, listing the
    known ones). Raises GanTextError for an unknown kind or an impossible size.
    """
    model = generator_class(kind)(vocab_size, seq_len, **hyperparameters)
    model(model.dummy_input())
    return model


__all__ = ["GENERATORS", "MIN_VOCAB_SIZE", "CNNGenerator", "Generator", "GeneratorResidualBlock", "NoiseGenerator",
           "RNNGenerator", "SeedTextGenerator", "TransformerGenerator", "build_generator", "check_sizes",
           "generator_class", "pad_after_eos"]
