"""The run directory: what one training run leaves on disk, and the helpers that read and write it.

::

    runs/relgan-grammar-20250101-120000/
        config.json              what was trained: corpus, recipe, profile sizes, seed, every
                                 hyperparameter of the recipe, the phases, library versions
        vocab.json               the vocabulary (Vocabulary.save)
        history.csv              one row per evaluation point: phase, step, total_step, losses, scores
        samples/<phase>-<step>.txt   the sentences generated at that point, one per line
        checkpoints/<phase>-<step>/  state.npz, generator.weights.h5, ..., checkpoint.json
        checkpoints/latest.json      which checkpoint is the newest
        plots/losses.png, plots/scores.png

Every file is plain text, JSON, CSV, PNG, NumPy ``.npz`` or Keras ``.weights.h5``; nothing is pickled, and
every write is atomic (:mod:`gan_text.atomic`), so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import io
import json
import math
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..atomic import atomic_path, write_text
from ..errors import GanTextError
from ..runconfig import CONFIG_FILE
from .callbacks import SAMPLE_METRICS

VOCAB_FILE, HISTORY_FILE = "vocab.json", "history.csv"
SAMPLES_DIR, PLOTS_DIR = "samples", "plots"
RUNS_ROOT = "runs"
# Settings that must match to resume a run (the others, e.g. eval_every, may change).
RESUME_KEYS = ("recipe", "corpus", "corpus_seed", "seed", "profile", "phases", "recipe_config", "overrides",
               "seq_len", "vocab_size")
INDEX_COLUMNS = ("phase", "step", "total_step")


def default_run_dir(recipe: str, corpus: str, root: str | Path = RUNS_ROOT) -> Path:
    """``runs/<recipe>-<corpus>-<YYYYmmdd-HHMMSS>`` (with ``-2``, ``-3``... if that exists already)."""
    base = Path(root) / f"{recipe}-{corpus}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def check_new_run_dir(run_dir: Path) -> None:
    """Raise GanTextError unless ``run_dir`` is missing or an empty folder (never overwrite a run)."""
    if (run_dir / CONFIG_FILE).exists():
        raise GanTextError(f"'{run_dir}' already holds a run; continue it with --resume "
                           f"(resume=True), or choose another --out folder")
    if run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
        raise GanTextError(f"'{run_dir}' exists and is not an empty folder; choose a new or empty "
                           f"folder for --out")


def versions() -> dict:
    """Versions of Python and the libraries that shape the numbers."""
    import keras
    import tensorflow as tf

    return {"gan_text": __version__, "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


def jsonable(obj, what: str = "the settings"):
    """``obj`` after a JSON round trip (tuples become lists); GanTextError if it is not JSON-ready."""
    try:
        return json.loads(json.dumps(obj))
    except (TypeError, ValueError) as err:
        raise GanTextError(f"{what} must be JSON-ready (numbers, strings, lists, dicts): {err}; "
                           f"convert them first") from None


def first_difference(saved, requested, key: str = "") -> tuple[str, object, object] | None:
    """The first (dotted key, saved value, requested value) where two JSON-like values differ, or None."""
    if isinstance(saved, dict) and isinstance(requested, dict):
        for k in sorted(set(saved) | set(requested), key=str):
            found = first_difference(saved.get(k), requested.get(k), f"{key}.{k}" if key else str(k))
            if found:
                return found
        return None
    if isinstance(saved, list) and isinstance(requested, list) and len(saved) == len(requested):
        for i, (a, b) in enumerate(zip(saved, requested, strict=True)):
            found = first_difference(a, b, f"{key}[{i}]")
            if found:
                return found
        return None
    if isinstance(saved, float) and isinstance(requested, float) and math.isclose(saved, requested):
        return None
    return None if saved == requested else (key, saved, requested)


def check_resumable(run_dir: Path, saved: dict, requested: dict, keys=RESUME_KEYS) -> None:
    """Raise GanTextError naming the first setting in ``keys`` that differs."""
    for key in keys:
        found = first_difference(saved.get(key), jsonable(requested.get(key)), key)
        if found:
            name, old, new = found
            raise GanTextError(f"cannot resume '{run_dir}': {name} was {old!r} in the saved run but is "
                               f"{new!r} now; resume with the run's settings (leave them out) or start a "
                               f"new run with another --out")


# --- history ---------------------------------------------------------------------------------------

def write_history(run_dir: Path, rows: list[dict]) -> pd.DataFrame:
    """Rewrite ``history.csv`` (atomically) from the rows; returns them as a DataFrame."""
    frame = history_frame(rows)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    write_text(Path(run_dir) / HISTORY_FILE, buffer.getvalue())
    return frame


def history_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=list(INDEX_COLUMNS))
    first = [c for c in INDEX_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def read_history(run_dir: Path) -> list[dict]:
    """The rows of ``history.csv`` as dicts (an empty list if there is none).

    GanTextError naming the file if it is not a table with the columns phase (text), step and
    total_step (whole numbers >= 0).
    """
    path = Path(run_dir) / HISTORY_FILE
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
        frame = pd.read_csv(io.StringIO(text)) if text.strip() else history_frame([])
    except (OSError, ValueError, pd.errors.ParserError) as err:
        why = " ".join(str(err).split())
        raise GanTextError(f"'{path}' is damaged (not a CSV table: {why})") from None
    missing = [c for c in INDEX_COLUMNS if c not in frame.columns]
    if missing:
        raise GanTextError(f"'{path}' is damaged: it has no column {missing[0]!r}")
    if frame.empty:
        return []
    whole = all(pd.api.types.is_integer_dtype(frame[c]) and (frame[c] >= 0).all()
                for c in ("step", "total_step"))
    if not (whole and frame["phase"].map(lambda v: isinstance(v, str)).all()):
        raise GanTextError(f"'{path}' is damaged: 'phase' must be text, 'step' and 'total_step' whole "
                           f"numbers >= 0")
    return frame.to_dict("records")


# --- plots ------------------------------------------------------------------------------------------

def score_columns(history: pd.DataFrame, extra: tuple[str, ...] = ()) -> list[str]:
    return [c for c in (*SAMPLE_METRICS, *extra) if c in history.columns]


def loss_columns(history: pd.DataFrame, extra: tuple[str, ...] = ()) -> list[str]:
    scores = set(score_columns(history, extra))
    return [c for c in history.columns if c not in INDEX_COLUMNS and c not in scores
            and pd.api.types.is_numeric_dtype(history[c])]


def _save(figure, path: Path) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")


FRACTIONS = ("grammatical_fraction", "duplicate_rate", "d_accuracy")  # plotted on [0, 1]


def _panels(history: pd.DataFrame, columns: list[str], path: Path, per_row: int = 4) -> Path:
    """One small panel per column against ``total_step``, phase starts marked; saved atomically as PNG."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = math.ceil(len(columns) / per_row)
    cols = min(per_row, len(columns))
    figure = Figure(figsize=(3.6 * cols, 2.8 * rows))
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    starts = (history["total_step"] - history["step"]).groupby(history["phase"], sort=False).min()
    for ax, column in zip(axes, columns, strict=False):
        known = history[history[column].notna()]
        ax.plot(known["total_step"], known[column], marker=".")
        for k, (phase, start) in enumerate(starts.items()):
            if k:
                ax.axvline(start, color="grey", lw=0.8, ls=":")
            ax.text(start, 0.98, f" {phase}", transform=ax.get_xaxis_transform(), fontsize="x-small",
                    va="top", ha="left", color="grey")
        ax.set_xlim(0, max(1, int(history["total_step"].max())))  # the whole run in every panel
        if column in FRACTIONS:
            ax.set_ylim(-0.03, 1.03)
        ax.set_title(column, fontsize="medium")
        ax.set_xlabel("step (all phases)", fontsize="small")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.grid(alpha=0.3)
    for ax in axes[len(columns):]:
        ax.set_visible(False)
    figure.tight_layout()
    _save(figure, path)
    return path


def plot_history(history: pd.DataFrame, plots_dir: Path, extra_scores: tuple[str, ...] = ()) -> list[Path]:
    """Write ``losses.png`` (every logged training value: losses, accuracies, beta, ...) and ``scores.png``
    (the scores of the generated sentences), one panel per value against the step counted over all
    phases. Returns the paths written."""
    if history.empty:
        return []
    written = []
    for name, columns in (("losses.png", loss_columns(history, extra_scores)),
                          ("scores.png", score_columns(history, extra_scores))):
        columns = [c for c in columns if history[c].notna().any()]
        if columns:
            written.append(_panels(history, columns, Path(plots_dir) / name))
    return written


__all__ = ["HISTORY_FILE", "PLOTS_DIR", "RESUME_KEYS", "RUNS_ROOT", "SAMPLES_DIR", "VOCAB_FILE",
           "check_new_run_dir", "check_resumable", "default_run_dir", "first_difference", "history_frame",
           "jsonable", "plot_history", "read_history", "versions", "write_history"]
