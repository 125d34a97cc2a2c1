"""What a training step needs to know about ``tf.distribute``, in one place.

A :class:`~gan_text.training.textgan.TextGAN` step reads the same with or without a distribution
strategy; these helpers hide the difference:

- :func:`replica_seed`: every random draw of a step takes its stateless seed from here, folded with the
  replica's id, so two replicas of a ``MirroredStrategy`` draw different noise (outside a strategy the
  id is 0 and the seed is the SeedGenerator's own);
- :func:`replica_fold`: the same for a seed drawn by hand, folded only under a strategy;
- :func:`replica_scale`: Keras's optimizers SUM the replicas' gradients, so each replica's loss is
  divided by the number of replicas, as ``keras.Model.fit`` does (1 outside a strategy);
- :func:`same_every_pass`: a dataset built anew at every pass, so that ``fit`` under a strategy trains on
  the batches of a single-device run (Keras draws one batch of a new pass to build the model first, and a
  dataset reshuffled at every pass would then start on another order);
- :func:`repeat`: run an update ``n`` times inside the compiled step. Unrolled (``n`` traced copies)
  when ``n == 1`` or under a strategy, whose cross-replica updates need it; otherwise one traced copy in
  a ``tf.while_loop``, so that tracing stays fast for WGAN's 5 or 10 critic steps.
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf


def replica_seed(seed_generator) -> tf.Tensor:
    """The next stateless seed, int64 (2,), of ``seed_generator`` folded with this replica's id."""
    seed = tf.cast(seed_generator.next(), tf.int64)
    context = tf.distribute.get_replica_context()
    replica = context.replica_id_in_sync_group if context is not None else 0
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(replica, tf.int64))


def replica_fold(seed) -> tf.Tensor:
    """An int64 (2,) stateless ``seed`` folded with this replica's id under a strategy, unchanged outside
    one (so a single-device run keeps the random numbers it always drew: SeqGAN's samples)."""
    if not tf.distribute.has_strategy():
        return seed
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(replica, tf.int64))


def replica_scale() -> float:
    """1 / the number of replicas in sync (1.0 outside a distribution strategy)."""
    return 1.0 / tf.distribute.get_strategy().num_replicas_in_sync


def same_every_pass(make: Callable[[], tf.data.Dataset], model) -> tf.data.Dataset:
    """The dataset ``make()`` (e.g. ``make_dataset(..., repeat=True)``) for ``model.fit``. Under a strategy of
    several replicas it is rebuilt at every pass (``iter``): every pass yields the batches of the first pass of
    ``make()`` itself, whatever was drawn from it before. On one device, ``make()`` as it is (rebuilding costs
    some 30 ms per ``fit`` call)."""
    if model.distribute_strategy.num_replicas_in_sync == 1:
        return make()
    return tf.data.Dataset.from_tensors(0).flat_map(lambda _: make())


def repeat(n: int, update: Callable[[], None]) -> None:
    """Call ``update()`` ``n`` times inside a compiled step (see the module docstring)."""
    if n == 1 or tf.distribute.has_strategy():
        for _ in range(n):
            update()
        return

    def body(i):
        update()
        return (i + 1,)

    tf.while_loop(lambda i: i < n, body, (tf.constant(0),))


__all__ = ["repeat", "replica_fold", "replica_scale", "replica_seed", "same_every_pass"]
