"""Spread of a metric over batches and seeds, checked against numpy and the statistics module."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from gan_text.errors import GanTextError
from gan_text.metrics.consistency import Spread, batch_spread, batches, seed_spread, spread


def test_spread_matches_statistics():
    values = [0.61, 0.64, 0.70, 0.58, 0.66]
    result = spread(values)
    assert isinstance(result, Spread) and result.n == 5 and result.values == tuple(values)
    assert math.isclose(result.mean, statistics.fmean(values))
    assert math.isclose(result.std, statistics.stdev(values))
    assert math.isclose(result.sem, statistics.stdev(values) / math.sqrt(5))
    low, high = result.interval()
    assert math.isclose(high - low, 4 * result.sem) and math.isclose((low + high) / 2, result.mean)
    assert str(result) == f"{statistics.fmean(values):.3f} ± {statistics.stdev(values) / math.sqrt(5):.3f}"
    assert result.format(1) == "0.6 ± 0.0"


@pytest.mark.parametrize(("n", "k"), [(10, 2), (10, 3), (500, 10), (64, 7), (5, 5)])
def test_batches_match_array_split(n, k):
    samples = list(range(n))
    got = batches(samples, k)
    assert [list(b) for b in got] == [a.tolist() for a in np.array_split(np.arange(n), k)]
    assert batches(np.arange(n), k)[0].dtype == np.arange(n).dtype  # an array stays an array


def test_batch_spread_of_a_mean():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=500)
    result = batch_spread(scores, np.mean, n_batches=10)
    by_hand = scores.reshape(10, 50).mean(axis=1)
    assert math.isclose(result.mean, scores.mean())  # equal batches: the mean of batch means is the mean
    assert math.isclose(result.std, np.std(by_hand, ddof=1))
    assert math.isclose(result.sem, np.std(by_hand, ddof=1) / math.sqrt(10))
    # the batch standard error estimates the standard error of the mean of 500 draws, 1 / sqrt(500)
    assert 0.5 / math.sqrt(500) < result.sem < 2 / math.sqrt(500)


def test_batch_spread_of_sentences():
    sentences = [["a"]] * 6 + [["a", "b"]] * 4
    result = batch_spread(sentences, lambda batch: np.mean([len(s) for s in batch]), n_batches=2)
    assert result.values == (1.0, 1.8)


def test_seed_spread_calls_the_metric_per_seed():
    seen = []

    def metric(seed):
        seen.append(seed)
        return np.random.default_rng(seed).random()

    result = seed_spread(metric, range(4))
    assert seen == [0, 1, 2, 3]
    assert result.values == tuple(np.random.default_rng(s).random() for s in range(4))
    assert math.isclose(result.std, np.std(result.values, ddof=1))


@pytest.mark.parametrize("values", [[1.0], [], [1.0, math.nan], [[1.0, 2.0], [3.0, 4.0]]])
def test_spread_needs_two_finite_values(values):
    with pytest.raises(GanTextError, match="at least two finite numbers"):
        spread(values)


def test_batches_bad_inputs():
    with pytest.raises(GanTextError, match="n_batches must be a whole number >= 2"):
        batches([1, 2, 3], 1)
    with pytest.raises(GanTextError, match="cannot split 3 samples"):
        batches([1, 2, 3], 4)
    with pytest.raises(GanTextError, match="larger batches"):
        batch_spread([1, 2, 3, 4], lambda batch: math.nan, n_batches=2)
