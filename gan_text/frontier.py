"""The quality frontier of a run: the grammatical-novel share against coverage, across sampling temperatures.

::

    from gan_text.frontier import quality_frontier, format_frontier
    frame = quality_frontier("runs/relgan-grammar-...", n=1000)   # one row per temperature, then "real"
    print(format_frontier(frame))      # what `python -m gan_text evaluate RUN_DIR --sweep` prints
    gt.plots.plot_frontier([mle_frame, relgan_frame])            # several runs on one figure

:func:`quality_frontier` reloads the run (its latest checkpoint) and its corpus, as ``evaluate`` does, and
scores ``n`` samples at each temperature with :func:`gan_text.metrics.frontier.frontier_sweep`: ``quality``
(grammatical and not copied from the train split, with its standard error; grammar corpus only),
``nll_test`` (the test split under the tempered model; autoregressive generators only), Self-BLEU-3,
distinct-2, novelty, duplicate rate and mean length. A last row, ``real``, scores real test sentences the
same way; its ``nll_test`` is their NLL under the grammar itself, the floor no model can beat.

It writes ``frontier.csv`` (replaced by each sweep) and ``plots/frontier.png`` into the run, atomically.
"""

from __future__ import annotations

import io
import math
import sys
import time
from pathlib import Path

import pandas as pd

from .atomic import atomic_path, write_text
from .checks import whole_number
from .dataset import prepare
from .errors import GanTextError
from .evaluation import reload_corpus
from .metrics.frontier import (
    DEFAULT_TEMPERATURES,
    check_temperatures,
    frontier_scores,
    frontier_sweep,
    grammar_nll,
)
from .models.autoregressive import AutoregressiveGenerator
from .plots import plot_frontier
from .text import tokenize_corpus
from .training.runs import load_run

FRONTIER_FILE = "frontier.csv"
FRONTIER_PLOT = "frontier.png"  # under the run's plots/ folder
# column -> (heading of the printed table, which direction is better)
HEADINGS = {
    "temperature": ("T", ""),
    "quality": ("quality", "higher"),
    "grammatical_fraction": ("grammatical", "higher"),
    "nll_test": ("NLL-test", "lower"),
    "self_bleu_3": ("Self-BLEU-3", "lower"),
    "distinct_2": ("distinct-2", "higher"),
    "novelty": ("novelty", "higher"),
    "duplicate_rate": ("duplicates", "lower"),
    "mean_length": ("mean length", ""),
}


def quality_frontier(run_dir, temperatures=DEFAULT_TEMPERATURES, n: int = 1000, seed: int = 0, *, corpus=None,
                     label: str | None = None, write: bool = True, progress: bool | None = None) -> pd.DataFrame:
    """Score ``n`` samples of a run at each temperature, next to real data; write ``frontier.csv`` and a plot.

    ``run_dir``: a run directory (or the Run that ``train`` returned). ``temperatures``: numbers > 0, each
    sampled with the same ``seed``. ``corpus``: only for a run trained on a Corpus object. ``label``: the
    curve's name (default the recipe). ``write=False`` leaves the run directory alone. ``progress``: a bar
    (stderr) when it takes over 2 s; True always, False never.

    Returns a DataFrame, one row per temperature then one ``real`` row (temperature NaN; the first ``n``
    test sentences): columns ``label``, ``recipe``, ``checkpoint``, ``seed`` and those of
    :data:`gan_text.metrics.frontier.COLUMNS` (shares in [0, 1], ``nll_test`` in nats per token, NaN where not
    measurable). ``frame.attrs``: ``title``, ``notes``, ``seconds``, ``files`` (when written).
    """
    temps, n, seed = check_temperatures(temperatures), whole_number("n", n, minimum=2), whole_number(
        "seed", seed, minimum=0)
    start = time.perf_counter()
    run = run_dir if hasattr(run_dir, "recipe") and hasattr(run_dir, "run_dir") else load_run(run_dir)
    source = reload_corpus(run.config, corpus)
    data = prepare(source, seq_len=run.data.seq_len)
    if data.vocab != run.data.vocab:
        raise GanTextError(f"the corpus {run.config.get('corpus')!r} gives another vocabulary than the one saved in "
                           f"'{run.run_dir}' (the corpus changed?); use the corpus it was trained on")
    true_model = getattr(source, "true_model", None)
    grammar = true_model if hasattr(true_model, "is_grammatical") else None
    test = tokenize_corpus(source.test, data.level, source.lowercase)  # as written: no <unk>, no truncation
    train = tokenize_corpus(source.train, data.level, source.lowercase)
    generator = run.recipe.generator
    recipe = str(run.config.get("recipe", "model"))
    frame = frontier_sweep(run.recipe.sample, temps, vocab=data.vocab, n=n, seed=seed, grammar=grammar,
                           train_sentences=train, test_tokens=data.test_tokens,
                           nll=generator if isinstance(generator, AutoregressiveGenerator) and run.recipe.likelihood else None,
                           label=label or recipe, progress=progress)
    real = {"label": "real", "temperature": math.nan,
            **frontier_scores(test[:n], grammar=grammar, train_sentences=train),
            "nll_test": grammar_nll(test, grammar) if grammar is not None else math.nan}
    frame = pd.concat([frame, pd.DataFrame([real])], ignore_index=True)
    checkpoint = run.checkpoint.name if run.checkpoint is not None else ""
    frame.insert(1, "recipe", recipe)  # the run's, on every row (the real row too: it was scored for this run)
    frame.insert(2, "checkpoint", checkpoint)
    frame.insert(3, "seed", seed)
    notes = []
    if grammar is None:
        notes.append(f"note: the corpus {run.config.get('corpus')!r} has no grammar, so quality is not measured "
                     f"(-); the diversity columns still move with the temperature")
    if len(test) < n:
        notes.append(f"note: the test split has only {len(test):,} sentences, so the real row scores fewer than "
                     f"{n:,}; its Self-BLEU and distinct-2 depend on the count")
    frame.attrs.update(
        notes=notes, seconds=time.perf_counter() - start, run_dir=str(run.run_dir),
        title=(f"{recipe} on {run.config.get('corpus')} ({run.config['profile']['name']} profile, seed "
               f"{run.config.get('seed')}), checkpoint {checkpoint}: {n} samples per temperature, sampling seed "
               f"{seed}"))
    if write:
        frame.attrs["files"] = [str(p) for p in write_frontier(run.run_dir, frame)]
    return frame


def _fmt(value, digits: int = 3) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def format_frontier(frame: pd.DataFrame) -> str:
    """The frontier as text: a title, one line per temperature (``real`` last), quality with its standard
    error, and a last line saying which direction is better for each column ("-": not measured)."""
    rows = []
    for _, row in frame.iterrows():
        cells = {"T": "real" if math.isnan(row["temperature"]) else str(float(row["temperature"])),
                 "quality": _fmt(row["quality"]) + ("" if math.isnan(row["quality_se"])
                                                    else f" ± {row['quality_se']:.3f}")}
        cells |= {HEADINGS[c][0]: _fmt(row[c], 1 if c == "mean_length" else 3) for c in list(HEADINGS)[2:]}
        rows.append(cells)
    rows.append({heading: better for heading, better in HEADINGS.values()})
    rows[-1]["T"] = "better"
    table = pd.DataFrame(rows).to_string(index=False)
    lines = [frame.attrs["title"]] if frame.attrs.get("title") else []
    lines += ["  quality: share of samples that are grammatical and not copied from the train split (± standard "
              "error); NLL-test: real test sentences under the model at T (nats/token; real: under the grammar)"]
    return "\n".join([*lines, table, *frame.attrs.get("notes", [])])


def write_frontier(run_dir, frame: pd.DataFrame) -> list[Path]:
    """Write ``frame`` to ``frontier.csv`` (replacing it) and draw ``plots/frontier.png`` when there is a
    quality to plot; returns the paths written."""
    from matplotlib.figure import Figure

    run_dir = Path(run_dir)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    written = [write_text(run_dir / FRONTIER_FILE, buffer.getvalue())]
    if frame["quality"].notna().any():
        figure = Figure(figsize=(6.5, 4.5))
        ax = figure.subplots()
        has_nll = frame.loc[frame["label"] != "real", "nll_test"].notna().any()
        first = frame.iloc[0]
        title = (f"Quality frontier: {first['label']}, checkpoint {first['checkpoint']}\n{int(first['n'])} samples "
                 f"per temperature, sampling seed {first['seed']}")
        plot_frontier(frame, x="nll_test" if has_nll else "self_bleu_3", ax=ax, title=title)
        ax.title.set_fontsize("medium")
        figure.tight_layout()
        path = run_dir / "plots" / FRONTIER_PLOT
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format="png", dpi=100)
        written.append(path)
    return written


def print_frontier(run_dir, **options) -> pd.DataFrame:
    """Run :func:`quality_frontier`, print its table and the files written (the ``evaluate --sweep`` command)."""
    frame = quality_frontier(run_dir, progress=None if sys.stderr.isatty() else False, **options)
    print(format_frontier(frame))
    written = ", ".join(frame.attrs.get("files", []))
    print(f"written: {written} ({frame.attrs['seconds']:.0f} s)")
    return frame


__all__ = ["FRONTIER_FILE", "FRONTIER_PLOT", "format_frontier", "print_frontier", "quality_frontier",
           "write_frontier"]
