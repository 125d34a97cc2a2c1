"""Constraints on a Wasserstein critic: WGAN-GP's gradient penalty and WGAN's weight clipping.

Unlike the losses in :mod:`gan_text.training.losses`, which only see the discriminator's logits, these
need the critic itself (its input gradient, or its weights). Both are importable from
``gan_text.training.losses`` as well.
"""

from __future__ import annotations

import keras
from keras import ops

from ..errors import GanTextError


def gradient_penalty(critic, real, fake, seed_generator, weight: float = 10.0, *, training: bool = True):
    """WGAN-GP's penalty ``weight * E_i (‖∇_x D(x̂_i)‖₂ - 1)²`` (Gulrajani et al., 2017, Algorithm 1).

    For each example i, ``x̂_i = ε_i real_i + (1 - ε_i) fake_i`` with one ``ε_i ~ U(0, 1)`` per
    example, drawn from ``seed_generator`` (a ``keras.random.SeedGenerator``, or an int for a fixed
    draw). ``real`` and ``fake`` are float tensors of one shape, e.g. (batch, seq_len, vocab_size):
    one-hot real sentences and softmax (or Gumbel-softmax) fake ones. The gradient's norm is taken
    over all non-batch axes of the example. It pushes the critic towards a gradient norm of 1 on the
    way between the two distributions, a soft version of the 1-Lipschitz constraint.

    ``critic(x̂, training=training)`` may return logits of any shape; the critic's score of one
    example is the MEAN of its logits, as in the losses (RelGAN differentiates their sum instead,
    which scales the gradient by the number of logits per example).

    Returns a float32 scalar that is differentiable with respect to the critic's weights (the
    training loop's own ``GradientTape`` sees through this one). Needs the TensorFlow backend:
    the inner gradient is taken with ``tf.GradientTape``.
    """
    import tensorflow as tf

    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
        raise GanTextError(f"the gradient penalty weight must be a number >= 0, got {weight!r}; "
                           "pass e.g. weight=10.0")
    real = tf.cast(tf.convert_to_tensor(real), "float32")
    fake = tf.cast(tf.convert_to_tensor(fake), "float32")
    if real.shape.is_fully_defined() and fake.shape.is_fully_defined() and real.shape != fake.shape:
        raise GanTextError(f"real and fake inputs of the gradient penalty must have one shape, got "
                           f"{tuple(real.shape)} and {tuple(fake.shape)}; pass one-hot real and soft "
                           "fake sequences of the same (batch, seq_len, vocab_size)")
    batch = tf.shape(real)[0]
    eps_shape = tf.concat([[batch], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0)
    eps = keras.random.uniform(eps_shape, 0.0, 1.0, dtype="float32", seed=seed_generator)
    x_hat = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        logits = critic(x_hat, training=training)
        scores = tf.reduce_mean(tf.reshape(tf.cast(logits, "float32"), [batch, -1]), axis=1)
    grads = tf.cast(tf.reshape(tape.gradient(scores, x_hat), [batch, -1]), "float32")
    # The tiny constant keeps the square root differentiable where a gradient is exactly zero.
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + 1e-12)
    return float(weight) * tf.reduce_mean(tf.square(norms - 1.0))


def clip_weights(model, limit: float) -> None:
    """WGAN's weight clipping: clip every trainable variable of ``model`` to ``[-limit, limit]`` in place.

    Call it after each critic update when ``loss.clip_weights`` is a number (0.01 in the WGAN
    paper). Non-trainable variables (e.g. BatchNorm's moving averages) are left alone.
    """
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not limit > 0:
        raise GanTextError(f"the clipping limit must be a number > 0, got {limit!r}; pass e.g. 0.01")
    for variable in model.trainable_variables:
        variable.assign(ops.clip(variable, -limit, limit))


__all__ = ["clip_weights", "gradient_penalty"]
