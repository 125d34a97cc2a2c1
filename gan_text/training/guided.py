"""Discriminator-guided sampling: a language model, a discriminator trained against it, and resampling.

The ``guided`` recipe keeps the generator that maximum likelihood trained and uses a discriminator only
when sampling, which corrects the generator's distribution toward the data instead of merely sharpening
it as a lower temperature does:

1. ``pretrain``: teacher forcing, as every recipe's pre-training (:func:`~.builders.language_model`);
2. ``discriminator``: a :class:`~gan_text.models.residual_discriminator.ResidualDiscriminator`, copied from
   the pre-trained generator when this phase starts, learns with binary cross-entropy to tell real training
   sentences from the generator's samples at ``d_temperature`` (:class:`DiscriminatorFitter`; the generator
   does not change). With as many fakes as real sentences, ``exp(logit(x))`` estimates ``p_data(x) / q(x)``;
3. sampling (:func:`guided_sampler`): *sampling-importance-resampling* from the residual model
   ``q(x) exp(alpha * logit(x))`` (Deng et al., 2020, ICLR): draw ``candidates`` sentences from the
   generator, keep one with probability proportional to ``exp(alpha * logit)``. ``alpha = 1`` is plain SIR;
   a larger ``alpha`` trusts the discriminator more. It costs ``candidates`` generated sentences per sentence
   kept (``sentences_per_kept``).

The resampled model has no tractable likelihood (its normaliser is unknown), so a run of this recipe has
none (``recipe.likelihood`` is False): compare it with others at the same Self-BLEU, not NLL-test.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ..models.generators import build_generator
from ..models.residual_discriminator import ResidualDiscriminator
from .builders import language_model, recipe_config
from .distribute import replica_scale, replica_seed
from .phases import Phase, Recipe
from .settings import GuidedSettings

SCORE_BATCH = 2048  # candidates scored by the discriminator at once


@keras.saving.register_keras_serializable(package="gan_text")
class DiscriminatorFitter(keras.Model):
    """Trains ``discriminator`` alone: each step, the real batch (label 1) against as many of ``generator``'s
    samples at ``temperature`` (label 0), binary cross-entropy. At its first ``fit`` the discriminator is
    copied from the generator (once: a resumed run keeps its trained discriminator). Metrics ``d_loss`` and
    ``d_accuracy`` (logits on the right side of 0)."""

    def __init__(self, generator, discriminator, *, temperature: float = 1.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator, self.temperature = generator, discriminator, float(temperature)
        self.seed_generator = keras.random.SeedGenerator(seed, name="fitter_seed_generator")
        self.copied = self.add_weight(name="copied_from_generator", shape=(), dtype="int32",
                                      initializer="zeros", trainable=False)
        self.loss_tracker = keras.metrics.Mean(name="d_loss")
        self.accuracy_tracker = keras.metrics.Mean(name="d_accuracy")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    def initialise(self) -> None:
        """Copy the generator into the discriminator, unless that was done already (a saved flag)."""
        if int(self.copied.numpy()) == 0:
            self.discriminator.copy_generator(self.generator)
            self.copied.assign(1)

    def fit(self, *args, **kwargs):
        self.initialise()
        kwargs.setdefault("shuffle", False)
        return super().fit(*args, **kwargs)

    def train_step(self, data):
        real = tf.cast(data[0] if isinstance(data, tuple | list) else data, tf.int32)
        batch_size = tf.shape(real)[0]
        fake = self.generator.sample(real.shape[0], temperature=self.temperature,
                                     seed=replica_seed(self.seed_generator))
        tokens = tf.concat([real, fake], axis=0)
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((tf.shape(fake)[0], 1))], axis=0)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            logits = tf.cast(self.discriminator(tokens, training=True), tf.float32)
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))
            scaled = loss * replica_scale()  # the replicas' gradients are summed
        self.optimizer.apply(tape.gradient(scaled, variables), variables)
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(tf.reduce_mean(tf.cast(tf.equal(tf.cast(logits > 0, tf.float32),
                                                                           labels), tf.float32)))
        return {m.name: m.result() for m in self.metrics}


def discriminator_logits(discriminator, tokens: np.ndarray) -> np.ndarray:
    """The discriminator's logit of every sentence, float64 (n,), scored in batches."""
    parts = [np.asarray(discriminator(tokens[i:i + SCORE_BATCH], training=False)).reshape(-1)
             for i in range(0, len(tokens), SCORE_BATCH)]
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


def guided_sampler(generator, discriminator, candidates: int, alpha: float):
    """``sample(n, temperature=1.0, seed=None)``: ``n`` sentences, int32 (n, seq_len), each chosen among
    ``candidates`` samples of ``generator`` at ``temperature`` with probability ``∝ exp(alpha * logit)``.
    The same ``seed`` gives the same sentences."""

    def sample(n, temperature=1.0, seed=None):
        pool = np.asarray(generator.sample(n * candidates, temperature=temperature, seed=seed))
        scores = alpha * discriminator_logits(discriminator, pool).reshape(n, candidates)
        weights = np.exp(scores - scores.max(axis=1, keepdims=True))
        cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        rng = np.random.default_rng(None if seed is None else [int(seed), 1])
        pick = np.minimum((cumulative < rng.random((n, 1))).sum(axis=1), candidates - 1)
        return pool.reshape(n, candidates, -1)[np.arange(n), pick].astype(np.int32)

    sample.sentences_per_kept = candidates
    return sample


def guided_recipe(data, seed: int, s: GuidedSettings) -> Recipe:
    """``guided``: MLE pre-training, a discriminator trained against the generator, resampling (see the
    module docstring). ``steps`` is the number of discriminator training steps."""
    generator = build_generator("rnn", data.vocab_size, data.seq_len, cell=s.cell, emb_dim=s.emb_dim,
                                hidden_dim=s.hidden_dim)
    discriminator = ResidualDiscriminator(data.vocab_size, data.seq_len, cell=s.cell, emb_dim=s.emb_dim,
                                          hidden_dim=s.hidden_dim, width=s.d_width, dropout=s.d_dropout)
    fitter = DiscriminatorFitter(generator, discriminator, temperature=s.d_temperature, seed=seed)
    fitter.compile(optimizer=keras.optimizers.Adam(s.d_lr))
    phases = [Phase("pretrain", language_model(generator, s.pretrain_lr, s.pretrain_final_lr, s.pretrain_steps),
                    s.pretrain_steps),
              Phase("discriminator", fitter, s.steps)]
    return Recipe("guided", [p for p in phases if p.steps > 0], generator, discriminator,
                  recipe_config("guided", seed, data, s.as_dict(), generator, discriminator),
                  guided_sampler(generator, discriminator, s.candidates, s.alpha), likelihood=False)


__all__ = ["DiscriminatorFitter", "discriminator_logits", "guided_recipe", "guided_sampler"]
