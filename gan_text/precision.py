"""The ``precision`` setting of a run: ``float32`` (the default) or ``mixed_bfloat16``.

Under ``mixed_bfloat16`` the layers compute in bfloat16 (half the memory traffic, and faster matrix products on
hardware with bfloat16 units: recent GPUs, TPUs, CPUs with AMX) while every variable stays float32, and so do the
optimizer updates. ``benchmarks/precision_speed.py`` measures what it gains on a machine. The models give their logits (and the noise generators their probabilities) in float32, so softmax,
Gumbel noise, sampling and every loss are computed in float32, as the Keras mixed-precision guide advises.

The policy is a Keras *global* setting; :func:`precision_policy` sets it only while a run's models are built
(a layer keeps the policy it was created under) and puts the previous one back afterwards, so other models of
a notebook are not affected::

    with precision_policy("mixed_bfloat16"):
        generator = build_generator("rnn", vocab_size, seq_len)   # computes in bfloat16
    generator.out.kernel.dtype                                    # float32

``mixed_float16`` is refused: float16's range needs loss scaling, which the GANs' own training steps (their own
tapes and optimizers) do not do. bfloat16 has float32's range and needs none.

This module imports no TensorFlow (the command line checks ``--precision`` before importing it).
"""

from __future__ import annotations

import contextlib

from .errors import GanTextError, one_of

PRECISIONS = ("float32", "mixed_bfloat16")
DEFAULT_PRECISION = "float32"  # also the precision of a run folder written before the setting existed


def check_precision(value, name: str = "precision") -> str:
    """``value`` if it is one of :data:`PRECISIONS`; GanTextError otherwise (listing them)."""
    if value == "mixed_float16":
        raise GanTextError(f"{name} mixed_float16 is not supported: float16 needs loss scaling, which the GANs' "
                           f"own training steps do not do; use mixed_bfloat16 (float32's range, no loss scaling)")
    if not isinstance(value, str) or value not in PRECISIONS:
        raise one_of(name, value, PRECISIONS)
    return value


@contextlib.contextmanager
def precision_policy(precision: str):
    """Build models under ``precision`` (see the module doc): sets Keras's global dtype policy on entry and
    restores the previous one on exit, also when the block raises."""
    import keras  # lazy: the command line checks --precision before TensorFlow is imported

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(check_precision(precision))
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


__all__ = ["DEFAULT_PRECISION", "PRECISIONS", "check_precision", "precision_policy"]
