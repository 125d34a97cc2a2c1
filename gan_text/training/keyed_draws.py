"""Random draws keyed by row: a row's draws depend on its key and the step, never on its batch.

TensorFlow's stateless ops take one seed per call, so the draw of a row depends on where the row sits in
the batch (``tf.random.stateless_categorical`` gives row ``i`` the ``i``-th number of the seed's stream).
Monte-Carlo rollouts (:mod:`gan_text.training.rollout`) are run in whatever layout is fastest, many
prefixes and rollouts at once, rows dropped as they end; for the rewards to be those of a plain loop over
positions and rollouts, every row carries its own key and draws its own numbers.

- :func:`row_keys`: a key per row, uint32 (n, 2), hashed from a stateless seed and integer words.
- :func:`keyed_uniform`: one float32 in [0, 1) per row and step.
- :func:`inverse_cdf_sample`: the token whose interval of the cumulative softmax holds that number.

The hash is a counter-based integer mix (Wellons' ``lowbias32``, applied word by word) computed with
TensorFlow's uint32 ops, so it runs in a graph on any batch shape; two chains with different starting
values make a 64-bit key, so two rows of a call share a key with a chance of about ``n**2 / 2**65``.
"""

from __future__ import annotations

import math

import tensorflow as tf

_STARTS = (0x243F6A88, 0x85A308D3)  # the two chains' starting values (digits of pi)
_MULTIPLIERS = (0x7FEB352D, 0x846CA68B)  # lowbias32's constants
_UNIT = 2.0 ** -24  # float32 resolution of the uniform numbers: 24 random bits


def _mix(h):
    """lowbias32: an invertible avalanche of uint32 ``h`` (each output bit depends on every input bit)."""
    h = tf.bitwise.bitwise_xor(h, tf.bitwise.right_shift(h, tf.constant(16, tf.uint32)))
    h = h * tf.constant(_MULTIPLIERS[0], tf.uint32)
    h = tf.bitwise.bitwise_xor(h, tf.bitwise.right_shift(h, tf.constant(15, tf.uint32)))
    h = h * tf.constant(_MULTIPLIERS[1], tf.uint32)
    return tf.bitwise.bitwise_xor(h, tf.bitwise.right_shift(h, tf.constant(16, tf.uint32)))


def _words(x):
    """The low and high 32-bit words of an integer tensor, each uint32 of x's shape."""
    x = tf.cast(x, tf.int64)
    return [tf.cast(x, tf.uint32), tf.cast(tf.bitwise.right_shift(x, tf.constant(32, tf.int64)), tf.uint32)]


def _chain(start, words):
    h = tf.constant(start, tf.uint32)
    for word in words:
        h = _mix(tf.bitwise.bitwise_xor(h, word))
    return h


def row_keys(seed, *words):
    """One key per row from a stateless seed and integer words: uint32 (n, 2).

    ``seed``: int64 (2,) (the same for every row) or (n, 2) (one per row); ``words``: int tensors of shape
    (n,) or scalars (at least one must give ``n``), e.g. the row's index in the batch. Equal inputs give
    equal keys, in any batch; changing any word or either seed number changes the key.
    """
    seed = tf.cast(seed, tf.int64)
    parts = _words(seed[..., 0]) + _words(seed[..., 1])
    for word in words:
        parts += _words(word)
    shape = tf.shape(parts[0])
    for part in parts[1:]:
        shape = tf.broadcast_dynamic_shape(shape, tf.shape(part))
    parts = [tf.broadcast_to(part, shape) for part in parts]
    return tf.stack([_chain(start, parts) for start in _STARTS], axis=-1)


def keyed_uniform(keys, step):
    """A float32 in [0, 1) per row (24 random bits), a function of the row's key and ``step`` alone.

    ``keys``: uint32 (n, 2) from :func:`row_keys`; ``step``: an int scalar or int (n,) (one per row).
    """
    step = tf.cast(step, tf.int64)
    h = _mix(tf.bitwise.bitwise_xor(keys[:, 0], _words(step)[0]))
    h = _mix(tf.bitwise.bitwise_xor(h, keys[:, 1]))
    return tf.cast(tf.bitwise.right_shift(h, tf.constant(8, tf.uint32)), tf.float32) * _UNIT


def block_size(vocab_size: int) -> int:
    """The width of the blocks :func:`inverse_cdf_sample` splits a row into: a divisor of
    ``vocab_size`` near its square root when there is one within a factor 2, else ``ceil(sqrt)``
    (the row is then padded with zero probabilities)."""
    root = math.sqrt(vocab_size)
    divisors = [d for d in range(1, vocab_size + 1) if vocab_size % d == 0 and root / 2 <= d <= root * 2]
    return min(divisors, key=lambda d: abs(math.log(d / root))) if divisors else math.ceil(root)


def _first_above(cumulative, x, weights):
    """Per row, the first index whose ``cumulative`` exceeds ``x``, kept on an index of positive weight.

    ``cumulative``, ``weights``: float (n, m), ``x``: float (n, 1) -> int32 (n,). Rounding can leave
    ``x`` at or above the last cumulative value; the last index of positive weight is taken then.
    """
    index = tf.reduce_sum(tf.cast(cumulative <= x, tf.int32), axis=1)
    width = tf.shape(weights)[1]
    last = width - 1 - tf.argmax(tf.reverse(tf.cast(weights > 0, tf.int32), [1]), axis=1, output_type=tf.int32)
    return tf.minimum(index, last)


def inverse_cdf_sample(logits, uniform, rows=None):
    """Sample one id per draw from ``softmax(logits)`` by inverting its cumulative distribution at ``uniform``.

    ``logits``: float32 (m, vocab_size); ``uniform``: float32 (n,) in [0, 1); ``rows``: int32 (n,), the
    row of ``logits`` each draw reads (None: draw ``i`` reads row ``i``; draws that share a row share its
    exp and sums). Returns int32 (n,): the id ``i`` with ``cdf[i-1] <= uniform * total < cdf[i]`` over the
    unnormalised ``exp(logits - max)``, so a uniform number gives an id drawn from the softmax, and ids of
    probability 0 (logit -1e9 and below) are never drawn. It runs in two levels (blocks of
    :func:`block_size` ids, then one block), which touches every logit only for the max, the exp and one
    sum: a cumulative sum over the whole row costs ten times more.
    """
    vocab_size = logits.shape[-1]
    width = block_size(vocab_size)
    blocks = -(-vocab_size // width)
    rows = tf.range(tf.shape(uniform)[0]) if rows is None else tf.cast(rows, tf.int32)
    weights = tf.exp(logits - tf.reduce_max(logits, axis=1, keepdims=True))  # (m, vocab_size), max 1
    if blocks * width != vocab_size:
        weights = tf.pad(weights, [[0, 0], [0, blocks * width - vocab_size]])
    weights = tf.reshape(weights, [tf.shape(logits)[0], blocks, width])
    block_mass = tf.reduce_sum(weights, axis=2)  # (m, blocks)
    cumulative = tf.cumsum(block_mass, axis=1)
    block_mass, cumulative = tf.gather(block_mass, rows), tf.gather(cumulative, rows)  # (n, blocks)
    total = cumulative[:, -1:]
    target = tf.minimum(tf.cast(uniform, tf.float32)[:, None] * total,
                        tf.math.nextafter(total, tf.zeros_like(total)))  # below the total, whatever rounding
    block = _first_above(cumulative, target, block_mass)
    before = tf.gather(tf.pad(cumulative, [[0, 0], [1, 0]]), block, batch_dims=1)[:, None]
    inside = tf.gather_nd(weights, tf.stack([rows, block], axis=1))  # (n, width)
    offset = _first_above(tf.cumsum(inside, axis=1), target - before, inside)
    return block * width + offset


__all__ = ["block_size", "inverse_cdf_sample", "keyed_uniform", "row_keys"]
