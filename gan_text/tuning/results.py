"""The results of a study: the trial table (``trials.csv``) and :class:`TuneResult`.

:func:`trials_frame` turns an Optuna study into a pandas DataFrame, one row per trial, best first;
:func:`write_trials` keeps ``study_dir/trials.csv`` up to date with it. :class:`TuneResult` is what
:func:`gan_text.tuning.tune` returns: the study, its folder and objective, the best trial and the plots.
"""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from ..atomic import write_text
from ..errors import GanTextError
from .objectives import Objective

TRIALS_FILE = "trials.csv"
_DONE, _FAIL = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL


# --- the trial table ------------------------------------------------------------------------------------

def counts(trial) -> bool:
    """Whether a finished trial counts toward ``n_trials`` (not one cut short by an interruption)."""
    if trial.state in (_DONE, optuna.trial.TrialState.PRUNED):
        return True
    return trial.state == _FAIL and "failure" in trial.user_attrs


def note(trial) -> str:
    """What the table says about a trial: why it failed, or that it trained the recipe's defaults."""
    if "failure" in trial.user_attrs:
        return str(trial.user_attrs["failure"])
    if trial.state == _FAIL:
        return "interrupted (or crashed); not counted"
    return "recipe defaults" if trial.user_attrs.get("defaults") else ""


def trials_frame(study) -> pd.DataFrame:
    """One row per trial, best first: ``number``, ``state``, ``objective``, one column per parameter,
    the objective's component scores, ``wall_s`` (seconds), ``note`` and ``run_dir``.

    Completed trials come first, best objective first (in the study's direction); the others follow by
    number. ``frame.attrs`` holds ``objective`` (its name) and ``direction``.
    """
    study = getattr(study, "study", study)
    settings = study.user_attrs.get("settings", {})
    raw = study.trials_dataframe(attrs=("number", "state", "value", "params", "user_attrs", "duration"))
    trials = {t.number: t for t in study.trials}
    names = list(settings.get("space", {})) or sorted({p for t in study.trials for p in t.params})
    hidden = {"run_dir", "failure", "note", "defaults"}
    components = sorted({k for t in study.trials for k in t.user_attrs} - hidden)
    columns = ["number", "state", "objective", *names, *components, "wall_s", "note", "run_dir"]
    rows = []
    for record in raw.to_dict("records") if len(raw) else []:
        trial = trials[int(record["number"])]
        duration = record.get("duration")
        rows.append({"number": trial.number, "state": trial.state.name,
                     "objective": trial.value if trial.value is not None else math.nan,
                     **{n: record.get(f"params_{n}") for n in names},
                     **{c: trial.user_attrs.get(c, math.nan) for c in components},
                     "wall_s": duration.total_seconds() if isinstance(duration, pd.Timedelta) else math.nan,
                     "note": note(trial), "run_dir": trial.user_attrs.get("run_dir", "")})
    frame = pd.DataFrame(rows, columns=columns)
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
    done = frame["state"].eq("COMPLETE") & frame["objective"].notna()
    frame["_key"] = np.where(done, sign * frame["objective"].astype(float), np.inf)
    frame = frame.sort_values(["_key", "number"], kind="stable").drop(columns="_key").reset_index(drop=True)
    frame.attrs.update(objective=settings.get("objective", "objective"), direction=study.direction.name.lower())
    return frame


def write_trials(study, study_dir: Path) -> pd.DataFrame:
    """Rewrite ``study_dir/trials.csv`` (atomically) from the study; returns the frame."""
    frame = trials_frame(study)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    write_text(Path(study_dir) / TRIALS_FILE, buffer.getvalue())
    return frame


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
        from ..training.runs import load_run

        if self.best_run_dir is None:
            raise GanTextError(f"no trial of '{self.study_dir}' completed; run more trials (tune(..., n_trials=...))")
        return load_run(self.best_run_dir)

    def plot_objective(self, ax=None):
        """The objective of every trial and the best so far (a matplotlib Figure)."""
        from .plots import plot_objective

        return plot_objective(self, ax=ax)

    def plot_importance(self, **kwargs):
        """fANOVA parameter importances, or the objective against each parameter (a Figure)."""
        from .plots import plot_importance

        return plot_importance(self, **kwargs)

    def __repr__(self) -> str:
        n = sum(counts(t) for t in self.study.trials)
        best = "none" if self.best_value is None else f"{self.best_value:.4g}"
        return f"TuneResult('{self.study_dir}', {n} trials, best {self.objective.name} {best})"


__all__ = ["TRIALS_FILE", "TuneResult", "counts", "note", "trials_frame", "write_trials"]
