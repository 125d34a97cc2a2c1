"""Plots that compare models: quality against diversity, LM against reverse-LM, and loss curves.

Every function draws on ``ax`` (a new figure if None) and returns the matplotlib ``Axes``, so a
notebook can add to it or save it. Axis labels say which direction is better: for BLEU higher is
better, for Self-BLEU *lower* is better (more diverse), for every NLL lower is better.

::

    ax = plot_quality_diversity({"MLE": mle_sweep, "RelGAN": relgan_sweep}, real=real_row)
    plot_lm_scores({"MLE": mle_sweep}, real=real_row)
    plot_history(run.history)          # or the path of a run folder / its history.csv
    plot_frontier({"MLE": mle_frontier, "RelGAN": relgan_frontier})   # quality_frontier(...) frames
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pandas as pd

from .errors import GanTextError

INDEX_COLUMNS = ("phase", "step", "total_step")
_LABELS = {  # column -> (name on the axis, which way is better)
    "lm_score": ("LM score, nats/token", "lower = better quality"),
    "reverse_lm_score": ("reverse-LM score, nats/token", "lower = better"),
    "nll_oracle": ("NLL-oracle (nats/token)", "lower = better"),
    "grammatical_fraction": ("grammatical fraction", "higher = better"),
    "mean_log_prob": ("mean log-probability under the grammar", "higher = more likely"),
    "duplicate_rate": ("duplicate rate", "lower = more diverse"),
    "novelty": ("novelty", "higher = less copying"),
    "mean_length": ("mean length (tokens)", ""),
    "nll_test": ("NLL-test under the tempered model, nats/token", "lower = covers more real text"),
    "quality": ("grammatical and novel fraction", "higher = better"),
}
_HIGHER_BETTER = {"grammatical_fraction", "mean_log_prob", "novelty", "quality"}
_LOWER_BETTER = {"lm_score", "reverse_lm_score", "nll_oracle", "duplicate_rate", "nll_test"}


def metric_label(column: str) -> str:
    """An axis label for a metric column, saying which direction is better.

    >>> metric_label("self_bleu_5")
    'Self-BLEU-5 (lower = more diverse)'
    """
    match = re.fullmatch(r"(self_bleu|bleu|distinct)_(\d+)", column)
    if match:
        kind, k = match.groups()
        name, better = {"bleu": ("BLEU", "higher = better quality"),
                        "self_bleu": ("Self-BLEU", "lower = more diverse"),
                        "distinct": ("distinct", "higher = more diverse")}[kind]
        return f"{name}-{k} ({better})"
    name, better = _LABELS.get(column, (column.replace("_", " "), ""))
    return f"{name} ({better})" if better else name


def _higher_is_better(column: str) -> bool | None:
    """True if a larger value of the column is better, False if smaller, None if neither."""
    if column.startswith(("bleu_", "distinct_")) or column in _HIGHER_BETTER:
        return True
    if column.startswith("self_bleu_") or column in _LOWER_BETTER:
        return False
    return None


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _columns(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise GanTextError(f"{what} has no column {missing[0]!r}; its columns are "
                           f"{', '.join(map(str, frame.columns))}")


def _real_point(real, x: str, y: str) -> tuple[float, float]:
    if isinstance(real, pd.DataFrame):
        real = real.iloc[0]
    if isinstance(real, dict):
        real = pd.Series(real)
    if not isinstance(real, pd.Series):
        raise GanTextError(f"real must be real_data_row(...)'s one-row DataFrame, a Series or a dict, "
                           f"not {type(real).__name__}")
    _columns(real.to_frame().T, (x, y), "real")
    return float(real[x]), float(real[y])


def _better_corner(ax, x: str, y: str) -> None:
    """Write "better" with an arrow towards the corner where both metrics improve."""
    hx, hy = _higher_is_better(x), _higher_is_better(y)
    if hx is None or hy is None:
        return
    arrow = {(True, True): "\u2197", (False, True): "\u2196", (True, False): "\u2198",
             (False, False): "\u2199"}[hx, hy]
    ax.text(0.98 if hx else 0.02, 0.98 if hy else 0.02, f"better {arrow}", transform=ax.transAxes,
            ha="right" if hx else "left", va="top" if hy else "bottom", color="grey",
            fontsize="small")


def plot_quality_diversity(frames, real=None, x: str = "self_bleu_5", y: str = "bleu_5", ax=None,
                           annotate: bool = True, title: str | None = "Quality against diversity"):
    """One curve per model of ``y`` against ``x``, each point labelled with its temperature.

    ``frames``: ``{model name: temperature_sweep(...) DataFrame}`` (a single DataFrame is named
    "model"); ``real``: :func:`~gan_text.metrics.sweep.real_data_row`'s row, drawn as a black star.
    Default axes: Self-BLEU-5 (x, lower = more diverse) and BLEU-5 (y, higher = better), so the best
    models sit towards the top left, near the real-data star. Returns the Axes.
    """
    if isinstance(frames, pd.DataFrame):
        frames = {"model": frames}
    if not isinstance(frames, dict) or not frames:
        raise GanTextError("frames must be a non-empty dict {model name: temperature_sweep DataFrame}")
    ax = _axes(ax)
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise GanTextError(f"frames[{name!r}] is a {type(frame).__name__}, not a DataFrame from "
                               f"temperature_sweep")
        _columns(frame, (x, y), f"frames[{name!r}]")
        if "temperature" in frame.columns:
            frame = frame.sort_values("temperature")
        (line,) = ax.plot(frame[x], frame[y], marker="o", label=str(name))
        if annotate and "temperature" in frame.columns:
            for t, xv, yv in zip(frame["temperature"], frame[x], frame[y], strict=True):
                if not math.isnan(t):
                    ax.annotate(f"T={t:g}", (xv, yv), textcoords="offset points", xytext=(4, 4),
                                fontsize="x-small", color=line.get_color())
    if real is not None:
        rx, ry = _real_point(real, x, y)
        ax.plot([rx], [ry], marker="*", markersize=14, color="black", linestyle="none",
                label="real data")
    _better_corner(ax, x, y)
    ax.margins(0.1)  # room for the temperature labels
    ax.set(xlabel=metric_label(x), ylabel=metric_label(y))
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def plot_lm_scores(frames, real=None, ax=None, annotate: bool = True):
    """LM score against reverse-LM score, one curve per model, as Caccia et al. (2020) plot them.

    y: the LM score, samples under an LM trained on real data (quality); x: the reverse-LM score,
    real test text under an LM trained on the samples (quality and coverage). Both are NLLs in
    nats per token, lower is better, so the best models sit at the bottom left. Returns the Axes.
    """
    return plot_quality_diversity(frames, real, x="reverse_lm_score", y="lm_score", ax=ax,
                                  annotate=annotate, title="LM against reverse-LM score")


def _frontier_curves(frames) -> tuple[list[tuple[str, pd.DataFrame]], pd.DataFrame | None]:
    """``(name, rows)`` per curve and the first real-data row found (label ``real`` or no temperature)."""
    if isinstance(frames, pd.DataFrame):
        frames = [frames]
    if isinstance(frames, dict):
        items = list(frames.items())
    elif isinstance(frames, list | tuple):
        items = [(None, frame) for frame in frames]
    else:
        items = []
    if not items or not all(isinstance(frame, pd.DataFrame) for _, frame in items):
        raise GanTextError("frames must be a quality_frontier DataFrame, a list of them or a dict {name: DataFrame}")
    curves, real = [], None
    for name, frame in items:
        _columns(frame, ("temperature",), f"frames[{name!r}]" if name is not None else "a frame")
        is_real = frame["temperature"].isna()
        if "label" in frame.columns:
            is_real |= frame["label"].astype(str) == "real"
        if real is None and is_real.any():
            real = frame[is_real].iloc[[0]]
        model = frame[~is_real]
        if name is None and "label" in model.columns:
            curves += [(str(label), rows) for label, rows in model.groupby("label", sort=False)]
        else:
            curves.append((str(name if name is not None else "model"), model))
    return curves, real


def plot_frontier(frames, x: str = "nll_test", y: str = "quality", real=None, ax=None, annotate: bool = True,
                  title: str | None = "Quality frontier: temperature from sharp to flat"):
    """Quality against diversity as the sampling temperature moves: one line per run, with error bars.

    ``frames``: what ``gan_text.frontier.quality_frontier`` (or ``metrics.frontier_sweep``) returns, for one
    run or several: a DataFrame (one curve per ``label``), a list of them, or ``{name: DataFrame}``. ``x``:
    ``nll_test`` (default: real test text under the tempered model, nats/token, lower = more coverage) or
    ``self_bleu_3`` (lower = more diverse), or any other column; ``y``: ``quality`` (the grammatical and
    novel fraction), with ``{y}_se`` drawn as standard-error bars. Each point is labelled with its
    temperature. ``real``: a row (DataFrame, Series or dict) drawn as a black star; default the real-data
    row of the frames (label ``real``), if any; ``False``: none. A curve with no ``x`` values (a sampler
    without a likelihood, for ``nll_test``) is only named in the legend. Returns the Axes.
    """
    curves, found = _frontier_curves(frames)
    real = found if real is None else (None if real is False else real)
    ax = _axes(ax)
    drawn = 0
    for name, frame in curves:
        _columns(frame, (x, y), f"the frame of {name!r}")
        frame = frame.sort_values("temperature")
        ok = frame[x].notna() & frame[y].notna()
        if not ok.any():
            ax.plot([], [], marker="o", linestyle="none", label=f"{name} (no {x}, {y}: not drawn)")
            continue
        frame, drawn = frame[ok], drawn + 1
        se = frame[f"{y}_se"] if f"{y}_se" in frame.columns else None
        line = ax.errorbar(frame[x], frame[y], yerr=se, marker="o", capsize=3, label=name)
        if annotate:
            for t, xv, yv in zip(frame["temperature"], frame[x], frame[y], strict=True):
                ax.annotate(f"T={t:g}", (xv, yv), textcoords="offset points", xytext=(4, 4), fontsize="x-small",
                            color=line.lines[0].get_color())
    if not drawn:
        raise GanTextError(f"no frame has values of both {x!r} and {y!r} (quality needs the grammar corpus, "
                           f"nll_test a model with a likelihood); plot other columns, e.g. x='self_bleu_3'")
    if real is not None:
        rx, ry = _real_point(real, x, y)
        if not (math.isnan(rx) or math.isnan(ry)):
            ax.plot([rx], [ry], marker="*", markersize=14, color="black", linestyle="none", label="real data")
    _better_corner(ax, x, y)
    ax.margins(0.1)
    ax.set(xlabel=metric_label(x), ylabel=metric_label(y))
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def _history(history) -> pd.DataFrame:
    if isinstance(history, pd.DataFrame):
        return history
    if isinstance(history, str | os.PathLike):
        path = Path(history)
        path = path / "history.csv" if path.is_dir() else path
        if not path.is_file():
            raise GanTextError(f"no history at '{path}'; pass a run folder, its history.csv, or "
                               f"run.history")
        return pd.read_csv(path)
    raise GanTextError(f"history must be a DataFrame or the path of a run folder or history.csv, "
                       f"not {type(history).__name__}")


def plot_history(history, columns=None, ax=None, title: str | None = "Training losses"):
    """Loss curves of a run: each column against the step counted over all phases.

    ``history``: ``run.history``, a run folder or its ``history.csv`` (columns ``phase``, ``step``,
    ``total_step`` and one per logged value). ``columns``: default every column whose name ends in
    ``loss`` plus ``nll`` and ``val_nll`` (a phase that does not log a value leaves a gap). Dotted
    lines mark where each phase starts. Returns the Axes.
    """
    frame = _history(history)
    if frame.empty:
        raise GanTextError("the history is empty: the run has not reached its first evaluation yet")
    x = "total_step" if "total_step" in frame.columns else "step"
    _columns(frame, (x,), "history")
    if columns is None:
        columns = [c for c in frame.columns if c not in INDEX_COLUMNS
                   and (str(c).endswith("loss") or c in ("nll", "val_nll"))
                   and pd.api.types.is_numeric_dtype(frame[c])]
    columns = [columns] if isinstance(columns, str) else list(columns)
    if not columns:
        raise GanTextError(f"the history has no loss column; pass columns=[...] from "
                           f"{', '.join(map(str, frame.columns))}")
    _columns(frame, columns, "history")
    ax = _axes(ax)
    for column in columns:
        ax.plot(frame[x], frame[column], marker=".", label=column)
    if "phase" in frame.columns and frame["phase"].nunique() > 1:
        on_total = x == "total_step" and "step" in frame.columns  # a phase starts where its own step count is 0
        starts = frame["total_step"] - frame["step"] if on_total else frame[x]
        for phase, start in starts.groupby(frame["phase"], sort=False).min().items():
            ax.axvline(start, color="grey", lw=0.8, ls=":")
            ax.annotate(str(phase), (start, 1.0), xycoords=("data", "axes fraction"),
                        fontsize="small", va="top", ha="left", color="grey")
    ax.set(xlabel="step (all phases)" if x == "total_step" else "step", ylabel="loss")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


__all__ = ["metric_label", "plot_frontier", "plot_history", "plot_lm_scores", "plot_quality_diversity"]
