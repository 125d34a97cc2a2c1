"""``SplitUpdateGAN``: the course's original loop, with the discriminator updated twice per step.

The seed design trained its discriminator with two ``train_on_batch`` calls: one on a batch of real
sentences (label 1), then one on a batch of fakes (label 0). That is two optimizer steps on two
half-losses, ``E d_real(r)`` and then ``E d_fake(f)``, not one step on their sum: Adam normalises each
half on its own, and the second half sees weights the first already moved. This subclass of
:class:`~gan_text.training.textgan.TextGAN` keeps exactly that update, so the ``seed`` recipe is the
original design (``benchmarks/seed_loop_speed.py`` checks it against a plain loop of ``train_on_batch``
calls), and the course can show that fusing the two halves is not the same math.

Only losses whose discriminator loss is a real term plus a fake term can be split: not the
relativistic ones, whose terms each read both batches.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from ..errors import GanTextError
from ..models.gradients import dense_gradients
from .distribute import replica_scale
from .losses import clip_weights
from .textgan import TextGAN


@keras.saving.register_keras_serializable(package="gan_text")
class SplitUpdateGAN(TextGAN):
    """:class:`TextGAN` whose discriminator step is two updates: the real batch's loss, then the fake's."""

    def __init__(self, generator, discriminator, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.check_split()

    def compile(self, d_optimizer, g_optimizer, loss=None, **kwargs):
        super().compile(d_optimizer, g_optimizer, loss=loss, **kwargs)
        self.check_split()

    def check_split(self) -> None:
        """Raise GanTextError unless the loss is a real term plus a fake term."""
        if self.loss_fn.relativism is not None or self.loss_fn.d_fake is None:
            raise GanTextError(f"split_d_update needs a loss whose discriminator loss is a real term plus a "
                               f"fake term; {self.loss_fn.name!r} is not; use e.g. loss='non_saturating'")

    def discriminator_step(self, real, batch_size, beta):
        """Two updates of the discriminator: on the real batch's loss, then on the fake batch's."""
        fake = tf.stop_gradient(self.fake_batch(batch_size, beta, training=False))
        real, fake = self.d_inputs(real), self.d_inputs(fake)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:  # 1: "these are real"
            real_logits = ops.cast(self.discriminator(real, training=True), "float32")
            real_loss = ops.mean(self.loss_fn.d_real(real_logits))
            scaled = (real_loss + self.extra_d_loss(real, fake)) * replica_scale()
        self.d_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
        with tf.GradientTape() as tape:  # 2: "these are fake", read by the discriminator update 1 made
            fake_logits = ops.cast(self.discriminator(fake, training=True), "float32")
            fake_loss = ops.mean(self.loss_fn.d_fake(fake_logits))
            scaled = fake_loss * replica_scale()
        self.d_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
        if self.loss_fn.clip_weights is not None:
            clip_weights(self.discriminator, self.loss_fn.clip_weights)
        self.d_loss_tracker.update_state(real_loss + fake_loss)
        self.d_accuracy_tracker.update_state(self.loss_fn.accuracy(real_logits, fake_logits))


__all__ = ["SplitUpdateGAN"]
