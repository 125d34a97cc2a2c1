"""The Keras 2 GAN loop, kept to show what it does under Keras 3: a frozen discriminator that never trains.

The Keras 2 GAN tutorials compiled the discriminator, set ``discriminator.trainable = False``, built
``combined = discriminator(generator(z))``, compiled that, and trained with three ``train_on_batch``
calls per step: D on a real batch (label 1), D on a fake batch (label 0), then ``combined`` on fresh
noise (label 1). Keras 2 took the list of trainable weights when ``compile()`` ran, so D (compiled while
trainable) still learned. Keras 3 reads ``trainable_weights`` when it first traces ``train_on_batch``: D is
frozen by then, so its training function updates nothing, for ever, and the loss it returns looks healthy.

:class:`Keras2Loop` is that loop (the course's original ``seed`` loop, and the naive row of
``benchmarks/seed_loop_speed.py``); with ``toggle=True`` it sets ``trainable`` back on around D's two
calls, as later tutorials did. :func:`frozen_idiom_check` runs one step on given models and says whether
D's weights moved. The package's own GANs (:class:`~gan_text.training.textgan.TextGAN`) never use this
idiom: each player's tape and optimizer list that player's variables.

This is the only module of the package that sets ``trainable = False`` and calls ``train_on_batch``.
"""

from __future__ import annotations

import dataclasses
import warnings

import keras
import numpy as np

from ..dataset import to_onehot

LEARNING_RATE, BETA_1 = 2e-4, 0.5  # DCGAN's Adam, as the seed recipe and the original code used


class Keras2Loop:
    """The Keras 2 loop on a noise-to-softmax ``generator`` and a ``discriminator`` (both changed in place:
    compiled, and D frozen inside the combined model).

    ``toggle``: set ``discriminator.trainable = True`` before D's two ``train_on_batch`` calls and back to
    False after them (True), or freeze D once, before anything is traced, as the first tutorials did
    (False: under Keras 3, D then never trains). Optimizers: Adam(``learning_rate``, ``beta_1``), binary
    cross-entropy on logits.
    """

    def __init__(self, generator, discriminator, *, toggle: bool = True, learning_rate: float = LEARNING_RATE,
                 beta_1: float = BETA_1):
        self.generator, self.discriminator, self.toggle = generator, discriminator, toggle
        discriminator.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
                              loss=keras.losses.BinaryCrossentropy(from_logits=True))
        discriminator.trainable = False  # the Keras 2 idiom: freeze D inside the combined model
        z = keras.Input((generator.noise_dim,))
        self.combined = keras.Model(z, discriminator(generator(z)))
        self.combined.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
                              loss=keras.losses.BinaryCrossentropy(from_logits=True))
        self.label_shape = tuple(self.combined.outputs[0].shape[1:])  # D's logits per sentence, e.g. (seq_len, 1)
        self.targets = {}  # (batch_size, value) -> array, made once

    def labels(self, batch_size: int, value: float) -> np.ndarray:
        """Targets of ``train_on_batch``: float32 (batch_size, *D's output shape), all ``value``."""
        key = (batch_size, value)
        if key not in self.targets:
            self.targets[key] = np.full((batch_size, *self.label_shape), value, np.float32)
        return self.targets[key]

    def step(self, real_onehot, noise_d, noise_g) -> tuple[float, float]:
        """One step: fakes from ``noise_d`` (``predict``), D on ``real_onehot`` then on the fakes, then the
        combined model on ``noise_g``. ``real_onehot``: float32 (batch, seq_len, vocab_size); the noises:
        float32 (batch, noise_dim). Returns (D's real + fake loss, G's loss), in nats."""
        fake = self.generator.predict(noise_d, verbose=0)
        if self.toggle:
            self.discriminator.trainable = True
        d_real = self.discriminator.train_on_batch(real_onehot, self.labels(len(real_onehot), 1.0))
        d_fake = self.discriminator.train_on_batch(fake, self.labels(len(fake), 0.0))
        if self.toggle:
            self.discriminator.trainable = False
        g_loss = self.combined.train_on_batch(noise_g, self.labels(len(noise_g), 1.0))
        return float(d_real) + float(d_fake), float(g_loss)


@dataclasses.dataclass(frozen=True)
class FrozenIdiomCheck:
    """What one step of :class:`Keras2Loop` did: ``d_moved`` (did any weight of D change), ``g_moved`` (of
    G), ``d_loss`` and ``g_loss`` (the losses ``train_on_batch`` returned, nats), ``warnings`` (the distinct
    messages Keras raised during the step, sorted)."""

    toggle: bool
    d_moved: bool
    g_moved: bool
    d_loss: float
    g_loss: float
    warnings: tuple[str, ...]


def frozen_idiom_check(generator, discriminator, real_tokens, *, toggle: bool = False,
                       seed: int = 0) -> FrozenIdiomCheck:
    """Run one step of the Keras 2 loop on these models (changed in place) and report whether D trained.

    ``generator``: a noise-to-softmax generator (``build_generator("seed", ...)``, with ``noise_dim``);
    ``discriminator``: one that reads one-hot rows (e.g. ``build_discriminator("seed", ...)``);
    ``real_tokens``: int (batch, seq_len) word ids, made one-hot here; ``toggle``: see :class:`Keras2Loop`
    (False, the default, is the idiom as first written); ``seed``: the noise (NumPy, standard normal).
    """
    real_tokens = np.asarray(real_tokens)
    rng = np.random.default_rng(seed)
    noise_d, noise_g = (rng.standard_normal((len(real_tokens), generator.noise_dim)).astype(np.float32)
                        for _ in range(2))
    real_onehot = to_onehot(real_tokens, generator.vocab_size)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loop = Keras2Loop(generator, discriminator, toggle=toggle)
        d_before = [w.copy() for w in discriminator.get_weights()]
        g_before = [w.copy() for w in generator.get_weights()]
        d_loss, g_loss = loop.step(real_onehot, noise_d, noise_g)
    return FrozenIdiomCheck(toggle=toggle, d_moved=changed(d_before, discriminator.get_weights()),
                            g_moved=changed(g_before, generator.get_weights()), d_loss=d_loss, g_loss=g_loss,
                            warnings=tuple(sorted({str(w.message) for w in caught})))


def changed(before, after) -> bool:
    """True if any array of ``after`` differs from the one at the same place in ``before``."""
    return any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


__all__ = ["BETA_1", "FrozenIdiomCheck", "Keras2Loop", "LEARNING_RATE", "changed", "frozen_idiom_check"]
