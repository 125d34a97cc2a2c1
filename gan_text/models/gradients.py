"""Gradients ready for an optimizer: embedding gradients summed per row before Adam sees them."""

from __future__ import annotations

import tensorflow as tf


def dense_gradients(gradients: list) -> list:
    """Gradients with every ``tf.IndexedSlices`` (from an embedding lookup) made a dense tensor.

    A batch that repeats a token gives its embedding row one slice per occurrence. Keras 3's Adam
    squares those slices one by one, so its second moment gets ``sum(g_i ** 2)`` instead of
    ``(sum g_i) ** 2``; summing the slices first gives the textbook update (and the same numbers as a
    one-hot matrix product would). Every model in the project applies its gradients through this.
    """
    return [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in gradients]
