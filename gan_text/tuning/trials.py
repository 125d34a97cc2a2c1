"""The trial table of a study: one row per trial (``trials.csv``), and which trials count.

:func:`trials_frame` turns an Optuna study into a pandas DataFrame, one row per trial, best first;
:func:`write_trials` keeps ``study_dir/trials.csv`` up to date with it. The plots (:mod:`.plots`) and the
result object (:mod:`.results`) both read this table.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from ..atomic import write_text

TRIALS_FILE = "trials.csv"
_DONE, _FAIL = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL


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


__all__ = ["TRIALS_FILE", "counts", "note", "trials_frame", "write_trials"]
