"""The results files of a benchmark, and our numbers beside the published ones.

One (benchmark, profile) pair, e.g. ``oracle`` in the ``course`` profile, owns five files in the results
folder, all in a tidy long format. The default folder is the package's own ``gan_text/bench/data/``
(:data:`DEFAULT_OUT`): the committed ``course`` results live there and ship with the package as package
data, so an installed package (Colab, ``pip install``) reads them with no network and no repository.

==============================  =====================================================================
``oracle_course.csv``           final scores: ``recipe, seed, metric, value``
``oracle_course_curves.csv``    scores at every evaluation point: ``recipe, seed, phase, step,
                                total_step, metric, value``
``oracle_course_sweep.csv``     the MLE temperature sweep: ``recipe, seed, temperature, metric, value``
``oracle_course.json``          machine, versions, budget, seeds and seconds of every run, and their total
``oracle_course.png``           the plot (:mod:`gan_text.bench.figures`)
==============================  =====================================================================

Rows ``oracle`` (the oracle's own NLL, the floor) and ``real`` (training sentences scored like samples)
are references, with seed 0. A new run replaces the rows of the recipes and seeds it ran and keeps the
others; every file is written atomically. Read them back with :func:`load_results`, and compare with
the papers with :func:`results_table`::

    from gan_text.bench import load_results, results_table, format_table
    print(format_table(results_table("coco", "course")))
"""

from __future__ import annotations

import dataclasses
import io
import math
from importlib import resources
from pathlib import Path

import pandas as pd

from ..atomic import read_json, write_json, write_text
from ..errors import GanTextError
from .budgets import RECIPES, check_benchmark, check_profile
from .figures import plot_results
from .published import CAVEATS, published_table

# The shipped results: package data (pyproject.toml, [tool.setuptools.package-data]), found through
# importlib.resources wherever the package is installed; `bench` writes here unless given --out.
DEFAULT_OUT = Path(resources.files(__package__) / "data")
COLUMNS = {
    "final": ("recipe", "seed", "metric", "value"),
    "curves": ("recipe", "seed", "phase", "step", "total_step", "metric", "value"),
    "sweep": ("recipe", "seed", "temperature", "metric", "value"),
}
SORT = {"final": (), "curves": ("total_step",), "sweep": ("temperature",)}  # within a (recipe, seed)
SUFFIX = {"final": ".csv", "curves": "_curves.csv", "sweep": "_sweep.csv", "meta": ".json", "plot": ".png"}
REFERENCES = ("oracle", "real")  # reference rows, not recipes
LABELS = {"nll_oracle": "NLL-oracle", "oracle_scored": "share scored", "nll_gen": "NLL-gen", "nll_div": "NLL-div",
          **{f"bleu_{k}": f"BLEU-{k}" for k in range(2, 6)},
          **{f"self_bleu_{k}": f"Self-BLEU-{k}" for k in range(2, 6)}}
MODEL_ORDER = (*RECIPES, "rankgan", "leakgan", "oracle", "real")


def results_dir(out=None) -> Path:
    """``out`` as a Path (default :data:`DEFAULT_OUT`, the results shipped with the package)."""
    return DEFAULT_OUT if out is None else Path(out)


def paths(out, benchmark: str, profile: str) -> dict[str, Path]:
    """The five files of (benchmark, profile) in ``out``: keys final, curves, sweep, meta, plot."""
    stem = f"{check_benchmark(benchmark)}_{check_profile(profile)}"
    return {kind: results_dir(out) / f"{stem}{suffix}" for kind, suffix in SUFFIX.items()}


def _read_csv(path: Path, kind: str) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=list(COLUMNS[kind]))
    try:
        frame = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise GanTextError(f"'{path}' cannot be read ({err}); move it away and run the benchmark again") from None
    missing = [c for c in COLUMNS[kind] if c not in frame.columns]
    if missing:
        raise GanTextError(f"'{path}' has no column {missing[0]!r}, so it was not written by `bench`; move "
                           f"it away and run the benchmark again")
    return frame


def _read_meta(path: Path) -> dict:
    if not path.is_file():
        return {}
    meta = read_json(path, "move it away and run the benchmark again")
    if not isinstance(meta, dict):
        raise GanTextError(f"'{path}' was not written by `bench`; move it away and run the benchmark again")
    return meta


def check_writable(out, benchmark: str, profile: str) -> None:
    """Make the results folder and read the existing files, so that a mistake shows before any training.

    The default folder (:data:`DEFAULT_OUT`) is written only in a checkout of the course repository, where the
    committed results live; an installed package's shipped results are never overwritten."""
    out = results_dir(out)
    if out.resolve() == DEFAULT_OUT.resolve() and not (DEFAULT_OUT.parents[2] / "pyproject.toml").is_file():
        # An installed package (site-packages), not a checkout of the course repository: keep what it ships.
        raise GanTextError(f"the default results folder '{out}' holds the results shipped with the installed "
                           f"package; pass --out DIR (out=...) for your own")
    if out.exists() and not out.is_dir():
        raise GanTextError(f"the results folder '{out}' is a file; pass --out with a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GanTextError(f"cannot create the results folder '{out}' ({err.strerror}); pass another --out") from None
    files = paths(out, benchmark, profile)
    for kind in COLUMNS:
        _read_csv(files[kind], kind)
    _read_meta(files["meta"])


# --- writing ----------------------------------------------------------------------------------------------

def _order(frame: pd.DataFrame, extra=()) -> pd.DataFrame:
    rank = {name: i for i, name in enumerate(MODEL_ORDER)}
    keys = frame["recipe"].map(lambda r: rank.get(r, len(rank)))
    frame = frame.assign(_rank=keys).sort_values(["_rank", "recipe", "seed", *extra], kind="stable")
    return frame.drop(columns="_rank").reset_index(drop=True)


def _merge(old: pd.DataFrame, new: pd.DataFrame, replaced: set, kind: str) -> pd.DataFrame:
    keep = [(r, int(s)) not in replaced for r, s in zip(old["recipe"], old["seed"], strict=True)]
    parts = [f for f in (old[keep], new) if not f.empty]
    merged = pd.concat(parts, ignore_index=True) if parts else new
    merged = merged[list(COLUMNS[kind])].astype({"seed": int})
    return _order(merged, SORT[kind])


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    write_text(path, buffer.getvalue())


def _frames(outputs, references: dict) -> dict[str, pd.DataFrame]:
    final = [{"recipe": o.recipe, "seed": o.seed, "metric": k, "value": float(v)}
             for o in outputs for k, v in o.final.items()]
    final += [{"recipe": name, "seed": 0, "metric": k, "value": float(v)}
              for name, row in references.items() for k, v in row.items()]
    curves = [o.curves.assign(recipe=o.recipe, seed=o.seed) for o in outputs if not o.curves.empty]
    sweep = [o.sweep.assign(recipe=o.recipe, seed=o.seed) for o in outputs if not o.sweep.empty]

    def frame(rows, kind):
        columns = list(COLUMNS[kind])
        if not rows:
            return pd.DataFrame(columns=columns)
        return (pd.concat(rows, ignore_index=True) if isinstance(rows[0], pd.DataFrame)
                else pd.DataFrame(rows))[columns]

    return {"final": frame(final, "final"), "curves": frame(curves, "curves"), "sweep": frame(sweep, "sweep")}


def total_seconds(runs: dict) -> dict:
    """What the recorded runs cost together, however many invocations of the benchmark made them:
    ``total_seconds`` (wall) and ``total_cpu_seconds``, training and scoring of every run plus each shared
    pre-training once (runs record it under ``pretraining``, keyed by its settings)."""
    pretrainings = {info["pretraining"]["key"]: info["pretraining"] for info in runs.values() if info.get("pretraining")}
    totals = {}
    for name, kind in (("total_seconds", "seconds"), ("total_cpu_seconds", "cpu_seconds")):
        own = sum(info.get(f"train_{kind}", 0) + info.get(f"score_{kind}", 0) for info in runs.values())
        totals[name] = round(own + sum(p.get(kind, 0) for p in pretrainings.values()), 1)
    return totals


def write_results(out, benchmark: str, profile: str, outputs, references: dict, meta: dict) -> dict[str, Path]:
    """Merge new runs (:class:`~gan_text.bench.running.RunResult` list) and reference rows into the files
    of (benchmark, profile): rows of the same (recipe, seed) are replaced, the others kept. Returns the paths."""
    files = paths(out, benchmark, profile)
    replaced = {(o.recipe, int(o.seed)) for o in outputs} | {(name, 0) for name in references}
    new = _frames(outputs, references)
    merged = {kind: _merge(_read_csv(files[kind], kind), new[kind], replaced, kind) for kind in COLUMNS}
    for kind in COLUMNS:
        _write_csv(files[kind], merged[kind])
    old = _read_meta(files["meta"])
    runs = {**old.get("runs", {}), **{f"{o.recipe}/{o.seed}": {**o.info, "budget": meta["budget"]}
                                      for o in outputs}}
    seeds = merged["final"].groupby("recipe")["seed"].unique()
    meta = {**meta, "caveat": CAVEATS[benchmark], "runs": dict(sorted(runs.items())), **total_seconds(runs),
            "seeds": {r: sorted(int(s) for s in seeds[r]) for r in RECIPES if r in seeds.index}}
    write_json(files["meta"], meta)
    plot_results(Results(benchmark, profile, merged["final"], merged["curves"], merged["sweep"], meta, files),
                 files["plot"])
    return files


# --- reading ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Results:
    """The results of one (benchmark, profile): the three long frames, the JSON meta and the file paths."""

    benchmark: str
    profile: str
    final: pd.DataFrame
    curves: pd.DataFrame
    sweep: pd.DataFrame
    meta: dict
    paths: dict

    def wide(self, kind: str = "final") -> pd.DataFrame:
        """``final`` (or ``sweep``) with one column per metric: index recipe, seed (and temperature)."""
        frame = getattr(self, kind)
        index = ["recipe", "seed"] + (["temperature"] if kind == "sweep" else [])
        return frame.pivot_table(index=index, columns="metric", values="value", sort=False)

    def table(self) -> pd.DataFrame:
        """:func:`results_table` of these results."""
        return results_table(self.benchmark, self.profile, results=self)


def load_results(benchmark: str, profile: str = "course", out=None) -> Results:
    """Read the results files of (benchmark, profile) from ``out`` (default: the ones shipped with the
    package, :data:`DEFAULT_OUT`).

    Raises GanTextError if there are none, saying which command writes them.
    """
    files = paths(out, benchmark, profile)
    if not files["final"].is_file():
        raise GanTextError(f"no {benchmark} results for the {profile} profile in '{results_dir(out)}'; run "
                           f"`python -m gan_text bench {benchmark} --profile {profile}` first")
    frames = {kind: _read_csv(files[kind], kind) for kind in COLUMNS}
    return Results(benchmark, profile, frames["final"], frames["curves"], frames["sweep"],
                   _read_meta(files["meta"]), files)


def _metrics(benchmark: str) -> tuple[str, ...]:
    from importlib import import_module

    return import_module(f".{benchmark}", __package__).METRICS


def results_table(benchmark: str, profile: str = "course", out=None, *, results: Results | None = None
                  ) -> pd.DataFrame:
    """Our numbers (mean and standard deviation over seeds) beside the published ones, one row per
    (model, metric).

    Columns: ``model`` (our recipe names; ``rankgan``/``leakgan`` are published only; ``oracle``/``real``
    are the references), ``metric``, ``label`` (e.g. "BLEU-2"), ``ours_mean``, ``ours_std`` (NaN for one
    seed), ``seeds``, ``published``, ``difference`` (ours - published) and ``source``. Metrics: NLL-oracle
    with the share of samples it scored, NLL-gen, NLL-div (oracle, nats per token; lower is better) or
    BLEU-2..5 (higher is better), Self-BLEU-2..5 (lower is more diverse) and NLL-gen (coco).
    """
    results = results if results is not None else load_results(benchmark, profile, out)
    metrics = _metrics(results.benchmark)
    final = results.final[results.final["metric"].isin(metrics)]
    ours = (final.groupby(["recipe", "metric"])["value"].agg(ours_mean="mean", ours_std="std", seeds="count")
            .reset_index().rename(columns={"recipe": "model"}))
    published = published_table(results.benchmark)[["model", "metric", "value", "source"]]
    table = ours.merge(published.rename(columns={"value": "published"}), on=["model", "metric"], how="outer")
    table["difference"] = table["ours_mean"] - table["published"]
    table["seeds"] = table["seeds"].fillna(0).astype(int)
    table["label"] = table["metric"].map(lambda m: LABELS.get(m, m))
    model_rank = {m: i for i, m in enumerate(MODEL_ORDER)}
    metric_rank = {m: i for i, m in enumerate(metrics)}
    table = table.assign(_m=table["model"].map(lambda m: model_rank.get(m, len(model_rank))),
                         _k=table["metric"].map(lambda m: metric_rank.get(m, len(metric_rank))))
    table = table.sort_values(["_m", "model", "_k"]).drop(columns=["_m", "_k"]).reset_index(drop=True)
    return table[["model", "metric", "label", "ours_mean", "ours_std", "seeds", "published", "difference",
                  "source"]]


def _number(value, std=math.nan, seeds=0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:.3f}"
    if seeds > 1 and not math.isnan(std):
        text += f" ± {std:.3f}"
    return text


def format_table(table: pd.DataFrame) -> str:
    """:func:`results_table` as text: one line per (model, metric), sources numbered below the table."""
    sources = [s for s in dict.fromkeys(table["source"].dropna())]
    rows = []
    for _, row in table.iterrows():
        ref = f"[{sources.index(row['source']) + 1}]" if isinstance(row["source"], str) else ""
        diff = "-" if math.isnan(row["difference"]) else f"{row['difference']:+.3f}"
        rows.append({"model": row["model"], "metric": row["label"],
                     "ours (mean ± std)": _number(row["ours_mean"], row["ours_std"], row["seeds"]),
                     "seeds": row["seeds"] or "-", "published": _number(row["published"]), "ours - published": diff,
                     "source": ref})
    text = pd.DataFrame(rows).to_string(index=False)
    notes = [f"[{i + 1}] {source}" for i, source in enumerate(sources)]
    return "\n".join([text, *notes])


__all__ = ["COLUMNS", "DEFAULT_OUT", "LABELS", "REFERENCES", "Results", "check_writable", "format_table",
           "load_results", "paths", "results_dir", "results_table", "total_seconds",
           "write_results"]
