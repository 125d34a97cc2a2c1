"""Inverse-temperature schedules: how RelGAN's ``beta`` grows from 1 to ``beta_max`` during training.

The Gumbel-softmax sample a RelGAN generator shows its discriminator is ``softmax(beta * (logits + g))``
(see :mod:`gan_text.models.gumbel`). At ``beta = 1`` it is blurry and its gradients are smooth; as
``beta`` grows it approaches the one-hot vector of the drawn token. RelGAN (Nie et al., 2019) starts
at 1 and raises ``beta`` to ``beta_max`` over the adversarial steps.

With ``N`` the number of adversarial steps and ``p = step / (N - 1)`` the progress (0 at the first
step, 1 at the last; ``p = 1`` when ``N = 1``; steps past the end stay at ``p = 1``):

============  ==============================================  ==========================================
kind          ``beta_at(step, N, beta_max, kind)``            RelGAN's ``get_fixed_temperature``
============  ==============================================  ==========================================
``exp``       ``beta_max ** p``                               ``beta_max ** (i / N)``
``linear``    ``1 + p (beta_max - 1)``                        ``1 + i / (N - 1) (beta_max - 1)``
``sigmoid``   ``1 + (beta_max - 1) s(p)``, where               ``1 + (beta_max - 1) σ(20 (i / N - 1/2))``
              ``s(p) = (σ(20 (p - 1/2)) - σ(-10)) /
              (σ(10) - σ(-10))``
``constant``  ``beta_max`` at every step                      (``"no"``)
============  ==============================================  ==========================================

σ is the logistic sigmoid. The differences from RelGAN are deliberate: our progress ``p`` reaches
exactly 1 at the last step, and the sigmoid is rescaled so that it starts at exactly 1 and ends at
exactly ``beta_max`` (RelGAN's stops at ``1 + 0.99995 (beta_max - 1)``).

**N is the number of adversarial steps you actually train.** RelGAN's code and TextGAN-PyTorch
hard-code ``N = 5000`` inside the schedule, so a shorter run never reaches ``beta_max``: after 400 steps
of an ``exp`` schedule with ``beta_max = 100``, ``beta`` is only ``100 ** (400 / 5000) = 1.45``.
:func:`schedule_table` shows this side by side.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import GanTextError, one_of

BETA_SCHEDULES = ("exp", "linear", "sigmoid", "constant")
SIGMOID_SHARPNESS = 20.0  # RelGAN's: the sigmoid goes from σ(-10) to σ(10) over the run


def check_schedule(kind: str, beta_max: float) -> None:
    """Raise GanTextError unless ``kind`` is one of :data:`BETA_SCHEDULES` and ``beta_max >= 1``."""
    if kind not in BETA_SCHEDULES:
        raise one_of("beta schedule", kind, BETA_SCHEDULES)
    if isinstance(beta_max, bool) or not isinstance(beta_max, int | float) or not beta_max >= 1.0 \
            or not math.isfinite(beta_max):
        raise GanTextError(f"beta_max must be a number >= 1 (beta grows from 1 to beta_max), got "
                           f"{beta_max!r}; pass e.g. beta_max=100.0 (RelGAN) or 1.0 for no schedule")


def progress(step, total_steps):
    """``p = step / (total_steps - 1)`` clipped to [0, 1] (1 when ``total_steps <= 1``).

    ``step``: a number, NumPy array or TensorFlow tensor (the 0-based index of an adversarial step);
    ``total_steps``: the number of adversarial steps N (a Python int). Returns the same kind of
    object as ``step``, as float32 for a tensor and float64 otherwise.
    """
    if _is_tensor(step):
        import tensorflow as tf

        if total_steps <= 1:
            return tf.ones_like(tf.cast(step, tf.float32))
        return tf.clip_by_value(tf.cast(step, tf.float32) / float(total_steps - 1), 0.0, 1.0)
    if total_steps <= 1:
        return np.ones_like(np.asarray(step, dtype=np.float64))
    return np.clip(np.asarray(step, dtype=np.float64) / (total_steps - 1), 0.0, 1.0)


def beta_at(step, total_steps: int, beta_max: float, kind: str = "exp"):
    """The inverse temperature ``beta`` at adversarial step ``step`` (0-based) of ``total_steps``.

    ``step``: int, NumPy array or TensorFlow tensor (inside a training step it is the model's step
    counter). Returns ``beta`` in ``[1, beta_max]``: a float (or array) for NumPy input, a float32
    tensor for a tensor. ``beta_at(0, N, b) == 1`` (except ``constant``, always ``b``) and
    ``beta_at(N - 1, N, b) == b`` for every kind. See the module docstring for the formulas.

    >>> round(float(beta_at(399, 400, 100.0, "exp")), 6), round(float(beta_at(0, 400, 100.0)), 6)
    (100.0, 1.0)
    """
    check_schedule(kind, beta_max)
    if isinstance(total_steps, bool) or not isinstance(total_steps, int | np.integer) or total_steps < 1:
        raise GanTextError(f"total_steps must be the number of adversarial steps (a whole number >= 1), "
                           f"got {total_steps!r}; pass the steps of the adversarial phase")
    return inverse_temperature(step, int(total_steps), float(beta_max), kind)


def inverse_temperature(step, total_steps: int, beta_max: float, kind: str):
    """:func:`beta_at` for settings checked once already (a TextGAN checks them when it is made)."""
    tensor = _is_tensor(step)
    if tensor:
        import tensorflow as tf

        exp, sigmoid, backend = tf.exp, tf.sigmoid, tf
    else:
        exp, sigmoid, backend = np.exp, lambda x: 1.0 / (1.0 + np.exp(-x)), np
    p = progress(step, total_steps)
    b = beta_max
    if kind == "constant":
        result = p * 0 + b
    elif kind == "exp":
        result = exp(p * math.log(b))
    elif kind == "linear":
        result = 1.0 + p * (b - 1.0)
    else:  # sigmoid, rescaled so that it runs exactly from 1 to beta_max
        half = SIGMOID_SHARPNESS / 2
        low, high = 1.0 / (1.0 + math.exp(half)), 1.0 / (1.0 + math.exp(-half))
        result = 1.0 + (b - 1.0) * (sigmoid(SIGMOID_SHARPNESS * (p - 0.5)) - low) / (high - low)
    if tensor:
        return backend.cast(result, "float32")
    return float(result) if np.ndim(result) == 0 else result


def relgan_beta_at(step, total_steps: int, beta_max: float, kind: str = "exp",
                   hard_coded_steps: int | None = 5000) -> float:
    """RelGAN's own formula (``get_fixed_temperature``), for comparison: ``i = step``, ``N`` =
    ``hard_coded_steps`` (5000, as in RelGAN and TextGAN-PyTorch) or ``total_steps`` when None.

    Returns a float (or a NumPy array for an array of steps). ``constant`` gives ``beta_max``.
    """
    check_schedule(kind, beta_max)
    n = total_steps if hard_coded_steps is None else hard_coded_steps
    i = np.asarray(step, dtype=np.float64)
    b = float(beta_max)
    if kind == "constant":
        result = i * 0 + b
    elif kind == "exp":
        result = b ** (i / n)
    elif kind == "linear":
        result = 1.0 + i / (n - 1) * (b - 1.0)
    else:
        result = (b - 1.0) / (1.0 + np.exp((n / 2 - i) * SIGMOID_SHARPNESS / n)) + 1.0
    return float(result) if np.ndim(result) == 0 else result


def schedule_table(total_steps: int, beta_max: float, kinds=BETA_SCHEDULES, *,
                   points: int = 101, hard_coded_steps: int | None = None) -> pd.DataFrame:
    """A long ("tidy") table of schedules for plotting: one row per (kind, step).

    Columns: ``kind``, ``step`` (0 .. total_steps - 1, ``points`` evenly spaced steps, always
    including the last) and ``beta``. With ``hard_coded_steps`` (e.g. 5000) the table also has
    ``relgan_beta``: what RelGAN's hard-coded schedule gives at the same steps.

    >>> schedule_table(400, 100.0, kinds=("exp",), points=3)[["kind", "step", "beta"]].round(3)
      kind  step   beta
    0  exp     0    1.0
    1  exp   200   10.0
    2  exp   399  100.0
    """
    for kind in kinds:
        check_schedule(kind, beta_max)
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise GanTextError(f"points must be a whole number >= 2, got {points!r}; pass e.g. points=101")
    steps = np.unique(np.round(np.linspace(0, max(total_steps - 1, 0), points)).astype(int))
    frames = []
    for kind in kinds:
        frame = {"kind": kind, "step": steps, "beta": beta_at(steps, total_steps, beta_max, kind)}
        if hard_coded_steps is not None:
            frame["relgan_beta"] = relgan_beta_at(steps, total_steps, beta_max, kind, hard_coded_steps)
        frames.append(pd.DataFrame(frame))
    return pd.concat(frames, ignore_index=True)


def _is_tensor(value) -> bool:
    """True for a TensorFlow tensor (without importing TensorFlow for NumPy input)."""
    if not type(value).__module__.startswith("tensorflow"):
        return False
    import tensorflow as tf

    return tf.is_tensor(value)


__all__ = ["BETA_SCHEDULES", "beta_at", "check_schedule", "inverse_temperature", "progress", "relgan_beta_at",
           "schedule_table"]
