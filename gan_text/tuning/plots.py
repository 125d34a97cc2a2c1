"""Plots of a study, drawn with matplotlib: the objective over trials and what the parameters did.

Both take a :class:`~gan_text.tuning.study.TuneResult` (or an Optuna Study) and return a matplotlib
``Figure``. Parameter importances come from :func:`optuna.importance.get_param_importances` with the
fANOVA evaluator (a random forest from scikit-learn, fitted to the completed trials). Optuna 5's
default evaluator, PED-ANOVA, looks at how the parameters of the best 10 % of the completed trials
differ from those of all of them: in a study of a few trials that is a single trial, while a forest
uses every trial. Below :data:`MIN_IMPORTANCE_TRIALS` completed trials no importance is computed:
:func:`plot_importance` shows the objective against each parameter instead, which is all a few
points can honestly show.
"""

from __future__ import annotations

import math

import numpy as np
import optuna

from .trials import trials_frame

MIN_IMPORTANCE_TRIALS = 5  # completed trials needed before importances are estimated


def _study(result):
    return getattr(result, "study", result)


def _completed(frame):
    return frame[frame["state"].eq("COMPLETE") & frame["objective"].notna()].sort_values("number")


def _label(frame) -> str:
    better = "higher" if frame.attrs.get("direction") == "maximize" else "lower"
    return f"{frame.attrs.get('objective', 'objective')} ({better} = better)"


def _figure(ax, size=(6.4, 4.0)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        return fig, ax
    return ax.figure, ax


def plot_objective(result, ax=None):
    """Each completed trial's objective (dots), the best so far (a step line), the recipe defaults
    (a star) and failed trials (red crosses on the x axis). Returns the Figure."""
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import blended_transform_factory

    frame = trials_frame(_study(result))
    fig, ax = _figure(ax)
    done = _completed(frame)
    if len(done):
        values = done["objective"].to_numpy(float)
        running = np.maximum if frame.attrs.get("direction") == "maximize" else np.minimum
        best = running.accumulate(values)
        ax.plot(done["number"], values, "o", color="C0", label="trial")
        ax.step(done["number"], best, where="post", color="C1", label="best so far")
        defaults = done[done["note"].eq("recipe defaults")]
        if len(defaults):
            ax.plot(defaults["number"], defaults["objective"], "*", color="C2", markersize=14,
                    label="recipe defaults")
    failed = frame[~frame["state"].eq("COMPLETE") & ~frame["state"].isin(("RUNNING", "WAITING"))]
    if len(failed):
        bottom = blended_transform_factory(ax.transData, ax.transAxes)
        ax.plot(failed["number"], np.full(len(failed), 0.02), "x", color="C3", markersize=9,
                transform=bottom, clip_on=False, label="failed")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial")
    ax.set_ylabel(_label(frame))
    ax.set_title(f"Objective over {len(frame)} trials")
    if len(frame):
        ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def param_importances(result, min_trials: int = MIN_IMPORTANCE_TRIALS, seed: int = 0) -> dict[str, float] | None:
    """fANOVA importance of each parameter (shares summing to 1, largest first), or None with fewer than
    ``min_trials`` completed trials."""
    study = _study(result)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(done) < max(2, min_trials):
        return None
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
    return {k: float(v) for k, v in optuna.importance.get_param_importances(study, evaluator=evaluator).items()}


def _scatter(frame, space: dict):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    names = [c for c in space] or [c for c in frame.columns if c not in ("number", "state", "objective")][:1]
    done = _completed(frame)
    ncols = min(3, max(1, len(names)))
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False, sharey=True)
    for ax, name in zip(axes.flat, names, strict=False):
        kind = space.get(name, ["float"])[0]
        x = done[name].map(str) if kind == "choice" else done[name].astype(float)
        ax.plot(x, done["objective"], "o", color="C0")
        if kind == "log":
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # only the powers of ten are labelled
        ax.set_xlabel(name)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel(frame.attrs.get("objective", "objective"))
    fig.suptitle(f"{len(done)} completed trials, too few for importances: objective against each parameter",
                 fontsize="medium")
    fig.tight_layout()
    return fig


def plot_importance(result, min_trials: int = MIN_IMPORTANCE_TRIALS, seed: int = 0):
    """A bar per parameter, its fANOVA importance (:func:`param_importances`); with fewer than
    ``min_trials`` completed trials, a scatter of the objective against each parameter instead.
    Returns the Figure."""
    study = _study(result)
    frame = trials_frame(study)
    space = study.user_attrs.get("settings", {}).get("space", {})
    importances = param_importances(study, min_trials, seed)
    if importances is None:
        return _scatter(frame, space)
    fig, ax = _figure(None, size=(6.4, max(2.6, 1.0 + 0.4 * len(importances))))
    names = list(importances)[::-1]  # largest on top
    ax.barh(names, [importances[n] for n in names], color="C0")
    ax.set_xlabel(f"importance for {frame.attrs.get('objective', 'the objective')} (fANOVA, share of variance)")
    ax.set_title(f"What mattered ({len(_completed(frame))} completed trials)")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


__all__ = ["MIN_IMPORTANCE_TRIALS", "param_importances", "plot_importance", "plot_objective"]
