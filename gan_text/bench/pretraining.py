"""Shared pre-training: every recipe of a benchmark starts from the same pre-trained generator.

As in the papers, MLE, SeqGAN and RelGAN begin where one MLE pre-training ended: same settings
(:func:`~gan_text.bench.budgets.pretrain_overrides`), same data, same seed. :func:`pretrain` trains that
generator once per seed and caches its run folder in the benchmark's output folder, under
``pretrained/<benchmark>-<profile>-seed<N>-<key>/``, where ``key`` is a hash of everything that shapes
it (the budget's sizes and steps, the settings, the seed). The next benchmark with the same key reuses
it; an interrupted pre-training resumes from its last checkpoint.

The pre-training's evaluation points are the first part of every recipe's curves (phase ``pretrain``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from pathlib import Path

import pandas as pd

from ..atomic import read_json, write_json
from ..runconfig import CONFIG_FILE
from .budgets import Budget, pretrain_overrides, train_profile
from .model import train_scored

CACHE_DIR = "pretrained"
DONE_FILE = "pretrained.json"  # written when the pre-training has finished: its key, settings and seconds
CACHE_FORMAT = 1


@dataclasses.dataclass
class Pretrained:
    """The shared starting point: the generator's ``weights``, the pre-training's ``history`` (one row per
    evaluation point) and ``info`` (folder, key, settings, seconds)."""

    weights: list
    history: pd.DataFrame
    info: dict


def cache_key(benchmark: str, profile: str, budget: Budget, seed: int, n_valid: int,
              precision: str = "float32") -> tuple[str, dict]:
    """``(sha256 hex, what it hashes)``: the settings that make two pre-trainings the same."""
    cfg = train_profile(benchmark, profile, budget)
    keyed = {"format": CACHE_FORMAT, "benchmark": benchmark, "seed": seed, "batch_size": cfg.batch_size,
             "settings": pretrain_overrides(budget, profile), "n_valid": n_valid, "precision": precision,
             **{f: getattr(budget, f) for f in ("n_train", "n_test", "eval_every", "n_eval", "n_curve_test")}}
    return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest(), keyed


def cache_folder(out, benchmark: str, profile: str, budget: Budget, seed: int, n_valid: int,
                 precision: str = "float32") -> Path:
    """Where the pre-training of these settings is (or will be) cached."""
    key, _ = cache_key(benchmark, profile, budget, seed, n_valid, precision)
    return Path(out) / CACHE_DIR / f"{benchmark}-{profile}-seed{seed}-{key[:12]}"


def pretrain(tsk, corpus, budget: Budget, seed: int, out, *, benchmark: str, profile: str,
             valid: list[str] | None = None, say=print, precision: str = "float32", strategy="default",
             verbose: int = 0) -> Pretrained:
    """The shared pre-trained generator of ``seed``: from the cache in ``out``, or trained now (resumed if a
    previous try was interrupted) and cached."""
    # lazy: training loads TensorFlow, and gan_text.bench imports without it
    from ..training.runs import load_run

    n_valid = len(valid or ())
    key, keyed = cache_key(benchmark, profile, budget, seed, n_valid, precision)
    folder = cache_folder(out, benchmark, profile, budget, seed, n_valid, precision)
    run_dir, done = folder / "run", folder / DONE_FILE
    if done.is_file():
        info = read_json(done, "delete the folder to pre-train again")
        run = load_run(run_dir)
        say(f"pre-training of seed {seed}: reused {folder}")
        return Pretrained(run.recipe.generator.get_weights(), run.history, info)
    resume = (run_dir / CONFIG_FILE).is_file()
    if run_dir.exists() and not resume:  # a try that failed before its first checkpoint
        shutil.rmtree(run_dir)
    say(f"pre-training of seed {seed}: {budget.pretrain_steps} steps{' (resumed)' if resume else ''} -> {folder}")
    started, cpu_started = time.perf_counter(), time.process_time()
    run, model = train_scored(tsk, corpus, "mle", pretrain_overrides(budget, profile), budget, seed, run_dir,
                              benchmark=benchmark, profile=profile, valid=valid, resume=resume,
                              precision=precision, strategy=strategy, verbose=verbose)
    info = {"key": key, "keyed": keyed, "folder": str(folder), "resumed": resume,
            "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1), "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    write_json(done, info)
    return Pretrained(model.recipe.generator.get_weights(), run.history, info)


__all__ = ["CACHE_DIR", "DONE_FILE", "Pretrained", "cache_folder", "cache_key", "pretrain"]
