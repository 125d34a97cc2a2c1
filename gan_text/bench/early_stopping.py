"""Early stopping for the MLE baseline: keep the generator that scored best on held-out sentences.

A language model trained long enough overfits its training sentences; a GAN started from it must not
get credit for merely stopping that. So the benchmark's ``mle`` run is scored with the weights of its
evaluation point of lowest NLL on *held-out* sentences (``nll_valid``: fresh oracle samples, never the
test set), chosen among all its points, including the first one, the pre-trained generator.

The best weights live in a file of the run folder, written atomically, so an interrupted benchmark
resumes with the best point it had already seen.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..atomic import atomic_path

BEST_FILE = "best_valid.npz"


class BestWeights:
    """The generator weights of the lowest ``nll_valid`` seen so far, kept in ``run_dir/best_valid.npz``.

    ``offer(step, nll, weights)`` keeps them if ``nll`` is lower than the best so far (ties keep the
    earlier); ``best()`` returns ``(step, nll, weights)`` or None before the first offer.
    """

    def __init__(self, run_dir):
        self.path = Path(run_dir) / BEST_FILE

    def best(self) -> tuple[int, float, list[np.ndarray]] | None:
        if not self.path.is_file():
            return None
        with np.load(self.path, allow_pickle=False) as saved:
            count = int(saved["count"])
            return int(saved["step"]), float(saved["nll"]), [saved[f"w{i}"] for i in range(count)]

    def offer(self, step: int, nll: float, weights: list[np.ndarray]) -> bool:
        """Keep ``weights`` if ``nll`` beats the best so far; returns whether they were kept."""
        best = self.best()
        if not math.isfinite(nll) or (best is not None and nll >= best[1]):
            return False
        arrays = {f"w{i}": np.asarray(w) for i, w in enumerate(weights)}
        with atomic_path(self.path) as tmp, open(tmp, "wb") as f:
            np.savez(f, step=step, nll=nll, count=len(weights), **arrays)
        return True


__all__ = ["BEST_FILE", "BestWeights"]
