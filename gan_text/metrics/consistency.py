"""Consistency of a metric: how much it moves between batches of samples or between seeds, so that every
headline number carries an error bar.

A score measured once on ``n`` samples of one run is one draw of a random quantity. Two ways to see how
far it can move:

- :func:`batch_spread`: split the samples into ``n_batches`` batches of (nearly) equal size, score each
  batch, and take the spread of the batch scores. It costs no new samples;
- :func:`seed_spread`: compute the metric once per seed (a sampling seed, or a training seed when the
  budget allows), or :func:`spread` of values already computed, one per run.

Both return a :class:`Spread`: the mean, the sample standard deviation (``ddof=1``) and the standard error of
the mean, ``std / sqrt(n)``. For a metric that is a mean over samples (a grammatical fraction, a mean
log-probability), the batches' mean equals the metric on all samples when the batches are equal in size, and
the batch standard error estimates its standard error. For a metric that is not (distinct-n, Self-BLEU), the
batch scores estimate the metric *at the batch size*, which can differ from its value on all samples.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ..checks import whole_number
from ..errors import GanTextError


@dataclasses.dataclass(frozen=True)
class Spread:
    """A metric's mean over ``n`` values (batches or seeds), their standard deviation (``ddof=1``) and the
    standard error of the mean ``std / sqrt(n)``, in the metric's units. ``values``: the ``n`` values."""

    mean: float
    std: float
    sem: float
    n: int
    values: tuple[float, ...]

    def interval(self, z: float = 2.0) -> tuple[float, float]:
        """``(mean - z sem, mean + z sem)``: about a 95 % interval for ``z = 2`` when the values are many."""
        return self.mean - z * self.sem, self.mean + z * self.sem

    def format(self, digits: int = 3) -> str:
        """``"mean ± sem"`` with ``digits`` decimals, e.g. ``"0.640 ± 0.021"``."""
        return f"{self.mean:.{digits}f} ± {self.sem:.{digits}f}"

    def __str__(self) -> str:
        return self.format()


def spread(values: Iterable[float]) -> Spread:
    """The :class:`Spread` of at least two finite values (one per seed, run or batch)."""
    array = np.asarray(list(values), dtype=np.float64)
    if array.ndim != 1 or len(array) < 2 or not np.isfinite(array).all():
        raise GanTextError(f"a spread needs at least two finite numbers, got {array.tolist()!r}; pass one "
                           "value per seed or batch (a metric that is NaN on a batch needs larger batches)")
    std = float(array.std(ddof=1))
    return Spread(float(array.mean()), std, std / math.sqrt(len(array)), len(array), tuple(array.tolist()))


def batches(samples: Sequence, n_batches: int) -> list[Sequence]:
    """``samples`` cut in order into ``n_batches`` consecutive batches whose sizes differ by at most one
    (the first ones are the larger, as ``numpy.array_split``)."""
    n_batches = whole_number("n_batches", n_batches, minimum=2)
    if len(samples) < n_batches:
        raise GanTextError(f"cannot split {len(samples)} samples into n_batches={n_batches}; pass at most "
                           f"n_batches={len(samples)}")
    size, extra = divmod(len(samples), n_batches)
    bounds = np.cumsum([0] + [size + (i < extra) for i in range(n_batches)])
    return [samples[start:stop] for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]


def batch_spread(samples: Sequence, metric: Callable[[Sequence], float], n_batches: int = 10) -> Spread:
    """The :class:`Spread` of ``metric(batch)`` over ``n_batches`` consecutive batches of ``samples``.

    ``samples``: anything sliceable (a list of sentences, an array of token ids or of per-sentence scores);
    ``metric``: a function of one batch returning a float, e.g. ``np.mean`` or
    ``grammar.grammatical_fraction``.
    """
    return spread(float(metric(batch)) for batch in batches(samples, n_batches))


def seed_spread(metric_of_seed: Callable[[int], float], seeds: Iterable[int]) -> Spread:
    """The :class:`Spread` of ``metric_of_seed(seed)`` over ``seeds`` (at least two), e.g. the grammatical
    fraction of samples drawn with each sampling seed."""
    return spread(float(metric_of_seed(int(seed))) for seed in seeds)


__all__ = ["Spread", "batch_spread", "batches", "seed_spread", "spread"]
