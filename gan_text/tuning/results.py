"""The result of a study: :class:`TuneResult`, what :func:`gan_text.tuning.tune` returns.

It holds the study, its folder and objective, and gives the best trial, its run and the plots. The trial
table (``trials.csv``) is in :mod:`.trials`, re-exported here.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import optuna
import pandas as pd

from ..errors import GanTextError
from ..training.runs import load_run
from .objectives import Objective
from .plots import plot_importance, plot_objective
from .trials import TRIALS_FILE, counts, note, trials_frame, write_trials

_DONE = optuna.trial.TrialState.COMPLETE


# --- the result ----------------------------------------------------------------------------------------

@dataclasses.dataclass
class TuneResult:
    """A study and its folder. ``frame``: the trial table; ``best_params`` / ``best_value``: the best
    completed trial's parameters and objective (``{}`` / None if none completed)."""

    study: optuna.Study
    study_dir: Path
    objective: Objective

    @property
    def settings(self) -> dict:
        return dict(self.study.user_attrs.get("settings", {}))

    @property
    def frame(self) -> pd.DataFrame:
        return trials_frame(self.study)

    @property
    def best_trial(self):
        """The best completed trial (an Optuna FrozenTrial), or None."""
        done = [t for t in self.study.trials if t.state == _DONE and t.value is not None and math.isfinite(t.value)]
        if not done:
            return None
        return min(done, key=lambda t: (-t.value if self.objective.direction == "maximize" else t.value, t.number))

    @property
    def best_params(self) -> dict:
        best = self.best_trial
        return dict(best.params) if best is not None else {}

    @property
    def best_value(self) -> float | None:
        best = self.best_trial
        return float(best.value) if best is not None else None

    @property
    def best_run_dir(self) -> Path | None:
        best = self.best_trial
        return self.study_dir / best.user_attrs["run_dir"] if best is not None else None

    def best_run(self):
        """The best trial's run, reloaded (:func:`gan_text.training.runs.load_run`)."""
        if self.best_run_dir is None:
            raise GanTextError(f"no trial of '{self.study_dir}' completed; run more trials (tune(..., n_trials=...))")
        return load_run(self.best_run_dir)

    def plot_objective(self, ax=None):
        """The objective of every trial and the best so far (a matplotlib Figure)."""
        return plot_objective(self, ax=ax)

    def plot_importance(self, **kwargs):
        """fANOVA parameter importances, or the objective against each parameter (a Figure)."""
        return plot_importance(self, **kwargs)

    def __repr__(self) -> str:
        n = sum(counts(t) for t in self.study.trials)
        best = "none" if self.best_value is None else f"{self.best_value:.4g}"
        return f"TuneResult('{self.study_dir}', {n} trials, best {self.objective.name} {best})"


__all__ = ["TRIALS_FILE", "TuneResult", "counts", "note", "trials_frame", "write_trials"]
