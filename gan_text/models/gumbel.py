"""The Gumbel-softmax trick: a differentiable stand-in for drawing a token.

Drawing a token ``argmax(logits + g)`` with Gumbel noise ``g = -log(-log(u))``, ``u ~ Uniform(0, 1)``,
picks token ``i`` with probability ``softmax(logits)[i]`` (the Gumbel-max trick). The argmax has no
useful gradient, so RelGAN (Nie et al., 2019) replaces it by

    soft = softmax(beta * (logits + g))

a "relaxed one-hot" vector: every entry in (0, 1), the entries sum to 1, and its largest entry is
the drawn token. ``beta`` is the inverse temperature: at ``beta = 1`` soft is a blurry distribution,
as ``beta`` grows it approaches the one-hot vector of the drawn token (and its gradients grow
noisier), so RelGAN raises ``beta`` during training.

The straight-through variant returns ``onehot - stop_gradient(soft) + soft``: its forward value is
exactly the one-hot vector, its gradient is the gradient of ``soft``.

Seeds: ``seed`` may be an int (the same numbers on every call), a ``keras.random.SeedGenerator``
(new numbers on every call, repeatable from its initial seed), ``None`` (Keras's global generator,
which ``gt.setup`` seeds) or a stateless seed tensor of shape ``(2,)`` (what the compiled sampling
loops pass, one per time step).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops


def _uniform(shape, seed, dtype="float32"):
    """Uniform numbers in [tiny, 1): never exactly 0, so that ``log`` stays finite."""
    tiny = float(np.finfo(np.float32).tiny)
    if tf.is_tensor(seed) or isinstance(seed, np.ndarray):
        return tf.random.stateless_uniform(shape, seed=tf.cast(seed, tf.int64), minval=tiny,
                                           maxval=1.0, dtype=dtype)
    return keras.random.uniform(shape, minval=tiny, maxval=1.0, dtype=dtype, seed=seed)


def sample_gumbel(shape, seed=None, dtype="float32"):
    """Standard Gumbel noise ``-log(-log(u))``, float32 of the given ``shape``.

    ``seed``: int, ``keras.random.SeedGenerator``, None, or an int tensor of shape (2,) (stateless).
    """
    u = _uniform(shape, seed, dtype)
    return -ops.log(-ops.log(u))


def gumbel_softmax(logits, beta=1.0, seed=None, straight_through=False):
    """Relaxed one-hot sample ``softmax(beta * (logits + g))`` over the last axis.

    ``logits``: float (..., vocab_size), unnormalised log-probabilities.
    ``beta``: inverse temperature > 0 (a float or a scalar tensor); larger is closer to one-hot.
    ``seed``: see the module docstring. ``straight_through``: return the exact one-hot vector of
    the drawn token in the forward pass and the gradient of the soft vector in the backward pass.

    Returns float32 (..., vocab_size) whose rows sum to 1; the drawn tokens are
    ``argmax(result, axis=-1)`` (the same as ``argmax(logits + g)``), differentiable w.r.t. ``logits``.
    """
    logits = ops.convert_to_tensor(logits, dtype="float32")
    perturbed = logits + sample_gumbel(ops.shape(logits), seed)
    soft = ops.softmax(ops.cast(beta, "float32") * perturbed, axis=-1)
    if straight_through:
        hard = ops.one_hot(ops.argmax(perturbed, axis=-1), ops.shape(logits)[-1], dtype="float32")
        soft = hard - ops.stop_gradient(soft) + soft
    return soft


__all__ = ["gumbel_softmax", "sample_gumbel"]
