"""Running a benchmark: every recipe x seed trained with :func:`gan_text.training.train`, then scored.

:func:`run_benchmark` is what ``python -m gan_text bench oracle|coco`` calls. For each recipe and seed
it trains a fresh run (in a temporary folder unless ``keep_runs`` names one), records the scores of
every evaluation point (the *curves*), scores ``n_final`` samples at the end (the *final* metrics),
sweeps the temperature of the MLE model, and finally merges everything into the results files of
:mod:`gan_text.bench.results` (the rows of the recipes and seeds run this time are replaced, the others
kept) and redraws the plot.

The benchmark-specific parts (which corpus, which scores) live in :mod:`gan_text.bench.oracle` and
:mod:`gan_text.bench.coco`; both follow the small interface of :class:`Task`.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ..devices import make_strategy, strategy_info
from ..errors import GanTextError
from ..runconfig import CONFIG_FILE
from . import results as res
from .budgets import (
    RECIPES,
    Budget,
    check_benchmark,
    check_profile,
    check_recipes,
    plan,
    recipe_overrides,
    train_profile,
)
from .early_stopping import BestWeights
from .model import SAMPLE_SEED, Model, nll_function, train_scored
from .pretraining import Pretrained, pretrain


class Task(Protocol):
    """What a benchmark module (:mod:`~gan_text.bench.oracle`, :mod:`~gan_text.bench.coco`) provides."""

    N_PRINT: int  # sentences printed at each evaluation point (verbose=2)
    SHOW: tuple[str, ...]  # final metrics printed after each run

    def load(self, budget: Budget): ...  # the Corpus
    def validation(self, budget: Budget) -> list[str] | None: ...  # held-out sentences (early stopping)
    def reference_rows(self, corpus, budget: Budget) -> dict[str, dict[str, float]]: ...
    def curve_scores(self, model: Model, budget: Budget, seed: int, corpus=None) -> Callable: ...
    def final_scores(self, model: Model, corpus, budget: Budget, seed: int) -> dict[str, float]: ...
    def sweep(self, model: Model, corpus, budget: Budget, seed: int) -> pd.DataFrame: ...


def task(benchmark: str) -> Task:
    """The module of ``benchmark`` (``oracle`` or ``coco``), which provides the :class:`Task` functions."""
    return importlib.import_module(f".{check_benchmark(benchmark)}", __package__)


# --- small shared helpers ---------------------------------------------------------------------------

def machine() -> dict:
    """Where the numbers were measured: platform, processor, CPU count, load average (1, 5, 15 min)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    info = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "usable_cores": cores, "load_average": load}
    try:
        import tensorflow as tf

        info["gpus"] = [d.name for d in tf.config.list_physical_devices("GPU")]
    except Exception:  # noqa: BLE001 - informative only
        info["gpus"] = []
    return info


def versions() -> dict:
    """Versions of the libraries that shape the numbers."""
    import nltk

    # lazy: training loads TensorFlow, and gan_text.bench imports without it
    from ..training.rundir import versions as run_versions

    return {**run_versions(), "pandas": pd.__version__, "nltk": nltk.__version__}


# --- one run ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class RunResult:
    """Scores of one recipe x seed: ``final`` {metric: value}; ``curves`` long (phase, step, total_step,
    metric, value); ``sweep`` long (temperature, metric, value), empty except for ``mle``; ``info``:
    settings, steps and seconds."""

    recipe: str
    seed: int
    final: dict
    curves: pd.DataFrame
    sweep: pd.DataFrame
    info: dict


def _long_curves(history: pd.DataFrame) -> pd.DataFrame:
    index = ["phase", "step", "total_step"]
    if history.empty:
        return pd.DataFrame(columns=[*index, "metric", "value"])
    frame = history.rename(columns={"oracle_nll": "nll_oracle"})
    values = [c for c in frame.columns if c not in index and pd.api.types.is_numeric_dtype(frame[c])]
    long = frame.melt(id_vars=index, value_vars=values, var_name="metric", value_name="value")
    return long.dropna(subset=["value"]).reset_index(drop=True)


def _long_sweep(sweep: pd.DataFrame) -> pd.DataFrame:
    if sweep is None or sweep.empty:
        return pd.DataFrame(columns=["temperature", "metric", "value"])
    return sweep.melt(id_vars=["temperature"], var_name="metric", value_name="value").dropna(subset=["value"])


def _curves(pretrained: Pretrained, history: pd.DataFrame, recipe: str, offset: int) -> pd.DataFrame:
    """The shared pre-training's points, then the run's own (its first point, the pre-trained generator
    again, left out), on one step axis; ``mle``'s continued training is phase ``mle``."""
    own = history[history["total_step"] > 0].copy()
    own["total_step"] += offset
    if recipe == "mle":
        own["phase"] = "mle"
    return _long_curves(pd.concat([pretrained.history, own], ignore_index=True))


def run_one(tsk, benchmark: str, profile: str, recipe: str, seed: int, budget: Budget, corpus, *,
            run_dir: Path, pretrained: Pretrained, valid: list[str] | None = None, settings: dict | None = None,
            resume: bool = False, precision: str = "float32", strategy="default", verbose: int = 0) -> RunResult:
    """Train ``recipe`` with ``seed`` on ``corpus`` into ``run_dir``, starting from the ``pretrained``
    generator, and score it (see the module doc). ``mle`` is scored at its best point on the ``valid``
    sentences (:mod:`gan_text.bench.early_stopping`); ``resume`` continues an interrupted run in ``run_dir``.

    ``settings``: more recipe settings (e.g. ``{"g_lr": 1e-4}``) on top of the benchmark's."""
    overrides = {**recipe_overrides(recipe, budget, benchmark, profile), **(settings or {})}
    best = BestWeights(run_dir) if recipe == "mle" and valid else None

    def keep_best(model, scores):  # at every evaluation point of the mle run
        step = int(model.recipe.phases[0].model.optimizer.iterations.numpy())  # a MirroredVariable too
        best.offer(step, scores["nll_valid"], model.recipe.generator.get_weights())

    started, cpu_started = time.perf_counter(), time.process_time()
    run, model = train_scored(tsk, corpus, recipe, overrides, budget, seed, run_dir, benchmark=benchmark,
                              profile=profile, valid=valid, start=pretrained.weights,
                              on_eval=keep_best if best else None, resume=resume, precision=precision, strategy=strategy,
                              verbose=verbose)
    trained, cpu_trained = time.perf_counter(), time.process_time()
    stopped = best.best() if best else None
    if stopped is not None:
        model.recipe.generator.set_weights(stopped[2])
    final = tsk.final_scores(model, corpus, budget, seed)
    sweep = tsk.sweep(model, corpus, budget, seed) if recipe == "mle" else None
    done, cpu_done = time.perf_counter(), time.process_time()
    info = {"settings": overrides, "phases": {p.name: int(p.steps) for p in run.recipe.phases},
            "pretraining": {k: pretrained.info[k] for k in ("key", "seconds", "cpu_seconds", "resumed")},
            "early_stopping": None if stopped is None else {
                "total_step": budget.pretrain_steps + stopped[0], "nll_valid": stopped[1], "n_valid": len(valid)},
            "resumed": resume,
            "train_seconds": round(trained - started, 1), "score_seconds": round(done - trained, 1),
            "train_cpu_seconds": round(cpu_trained - cpu_started, 1),
            "score_cpu_seconds": round(cpu_done - cpu_trained, 1), "load_average": machine()["load_average"],
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    curves = _curves(pretrained, run.history, recipe, budget.pretrain_steps)
    return RunResult(recipe, seed, final, curves, _long_sweep(sweep), info)


# --- the whole benchmark ---------------------------------------------------------------------------------

def _budget(benchmark: str, profile: str, budget) -> Budget:
    if budget is None:
        return plan(benchmark, profile)
    if isinstance(budget, Budget):
        return budget
    if isinstance(budget, dict):
        return plan(benchmark, profile, **budget)
    raise GanTextError(f"budget must be a Budget or a dict of changes (e.g. {{'steps': 50}}), not "
                       f"{type(budget).__name__}")


def _seeds(seeds, budget: Budget) -> list[int]:
    if seeds is None:
        return list(range(budget.seeds))
    if isinstance(seeds, bool) or not isinstance(seeds, int | np.integer) or seeds < 1:
        raise GanTextError(f"seeds must be a whole number >= 1 (how many seeds, 0..N-1), got {seeds!r}; "
                           f"pass e.g. --seeds 3")
    return list(range(int(seeds)))


def _run_dirs(keep_runs, benchmark, profile, recipes, seeds, resume: bool) -> dict | None:
    if keep_runs is None:
        if resume:
            raise GanTextError("resume continues the runs kept in a folder: pass keep_runs (--keep-runs DIR) too")
        return None
    root = Path(keep_runs) / f"{benchmark}_{profile}"
    dirs = {(r, s): root / f"{r}-seed{s}" for r in recipes for s in seeds}
    for path in dirs.values():
        if path.exists() and (not path.is_dir() or any(path.iterdir())) \
                and not (resume and (path / CONFIG_FILE).is_file()):
            raise GanTextError(f"'{path}' already holds a run; remove it, keep the runs in another folder"
                               f"{'' if resume else ', or continue them with --resume'}")
    return dirs


def _settings(settings, recipes, cfg) -> dict:
    """``{recipe: {name: value}}`` checked by name before any training (values are checked by the recipe)."""
    if settings is None:
        return {}
    if not isinstance(settings, dict) or not all(isinstance(v, dict) for v in settings.values()):
        raise GanTextError("settings must be a dict {recipe: {setting: value}}, e.g. {'relgan': {'g_lr': 1e-4}}")
    check_recipes(list(settings))
    # lazy: training loads TensorFlow, and gan_text.bench imports without it
    from ..training.recipes import recipe_settings

    for recipe, chosen in settings.items():
        accepted = recipe_settings(recipe, cfg)
        unknown = sorted(set(chosen) - set(accepted))
        if unknown:
            raise GanTextError(f"unknown {recipe} setting {unknown[0]!r}; accepted: {', '.join(sorted(accepted))}")
    return {r: dict(settings.get(r, {})) for r in recipes}


def run_benchmark(benchmark: str, profile: str = "course", *, seeds: int | None = None,
                  recipes=RECIPES, out=None, budget=None, settings=None, keep_runs=None, resume: bool = False,
                  precision: str = "float32", strategy="default", verbose: int = 1):
    """Run ``benchmark`` (``oracle`` or ``coco``) and merge its results into ``out``; returns the
    :class:`~gan_text.bench.results.Results` loaded back from the files.

    ``profile``: ``smoke``, ``course`` or ``full`` (see :data:`gan_text.bench.budgets.PLANS`); ``seeds``: how
    many seeds (0..N-1; default the profile's); ``recipes``: a subset of ``mle, seqgan, relgan`` (list or
    comma-separated string); ``out``: the results folder (default ``gan_text/bench/data``, the shipped results);
    ``budget``: a :class:`Budget` or a dict of changes to the profile's (e.g. tiny sizes for a test);
    ``settings``: more recipe settings, ``{recipe: {name: value}}`` (e.g. ``{"relgan": {"g_lr": 1e-4}}``; names
    are checked before any training, values when the recipe is built; recorded in the JSON with every run);
    ``keep_runs``: a folder to keep the run directories in (default: temporary, deleted); ``resume``: continue
    the runs kept there after an interruption (finished runs are scored again, unfinished ones resume from their
    last checkpoint; the shared pre-training, cached in ``out``, resumes in any case); ``verbose``: 0 silent,
    1 one line per run, 2 also a line per evaluation point. ``precision``: ``float32`` or ``mixed_bfloat16`` for
    every run and the pre-training (:mod:`gan_text.precision`; recorded in the JSON). ``strategy``: the devices of
    every run (``default``, ``mirrored``, ``mirrored:N``, ``tpu`` or a ``tf.distribute.Strategy``; see
    :mod:`gan_text.devices`; recorded in the JSON); ``default`` is the strategy in scope, if any.

    Every recipe starts from one pre-trained generator per seed (:mod:`gan_text.bench.pretraining`).

    For repeatable numbers call ``gt.setup(seed)`` first (op determinism), as the CLI does.
    """
    strategy = make_strategy(strategy)  # first: mirrored:N must come before TensorFlow sets up the CPU
    benchmark, profile = check_benchmark(benchmark), check_profile(profile)
    recipes = check_recipes(recipes)
    budget = _budget(benchmark, profile, budget)
    seeds = _seeds(seeds, budget)
    settings = _settings(settings, recipes, train_profile(benchmark, profile, budget))
    out = res.results_dir(out)
    res.check_writable(out, benchmark, profile)  # before any training: a mistake costs seconds, not hours
    run_dirs = _run_dirs(keep_runs, benchmark, profile, recipes, seeds, resume)
    tsk = task(benchmark)
    started, cpu_started, start_machine = time.perf_counter(), time.process_time(), machine()

    def say(text):
        if verbose:
            print(text, flush=True)

    say(f"bench {benchmark} ({profile} profile): {', '.join(recipes)} x seeds {seeds}; results -> {out}")
    corpus = tsk.load(budget)
    references = tsk.reference_rows(corpus, budget)
    valid = tsk.validation(budget)
    pretrained = {seed: pretrain(tsk, corpus, budget, seed, out, benchmark=benchmark, profile=profile, valid=valid,
                                 say=say, precision=precision, strategy=strategy, verbose=verbose)
                  for seed in seeds}
    outputs, total = [], len(recipes) * len(seeds)
    for recipe in recipes:
        for seed in seeds:
            say(f"[{len(outputs) + 1}/{total}] {recipe} seed {seed} ...")
            with tempfile.TemporaryDirectory(prefix=f"gan_text_bench_{recipe}_") as tmp:
                run_dir = run_dirs[(recipe, seed)] if run_dirs else Path(tmp) / "run"
                result = run_one(tsk, benchmark, profile, recipe, seed, budget, corpus, run_dir=run_dir,
                                 pretrained=pretrained[seed], valid=valid, settings=settings.get(recipe),
                                 resume=resume and (run_dir / CONFIG_FILE).is_file(), precision=precision,
                                 strategy=strategy, verbose=verbose)
            outputs.append(result)
            shown = ", ".join(f"{k} {v:.3f}" for k, v in result.final.items() if k in tsk.SHOW)
            say(f"[{len(outputs)}/{total}] {recipe} seed {seed}: {shown} "
                f"({result.info['train_seconds']:.0f} s training, {result.info['score_seconds']:.0f} s scoring)")
    meta = {"benchmark": benchmark, "profile": profile, "budget": budget.as_dict(), "precision": precision,
            "strategy": strategy_info(strategy), "versions": versions(),
            "machine": start_machine, "load_average_end": machine()["load_average"],
            "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1), "updated": time.strftime("%Y-%m-%d %H:%M:%S")}
    res.write_results(out, benchmark, profile, outputs, references, meta)
    say(f"done in {meta['seconds']:.0f} s ({meta['cpu_seconds']:.0f} s of CPU time)")
    return res.load_results(benchmark, profile, out)


__all__ = ["Model", "RunResult", "SAMPLE_SEED", "machine", "nll_function", "run_benchmark", "run_one", "task",
           "versions"]
