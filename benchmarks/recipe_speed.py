"""Speed of the recipes by design: steps per second of every phase, and the time to a quality bar.

Run from the repository root::

    python benchmarks/recipe_speed.py                            # relgan, seqgan, mle; grammar and oracle
    python benchmarks/recipe_speed.py --recipes relgan,mle --corpora grammar
    python benchmarks/recipe_speed.py --no-bar                   # steps per second only
    python benchmarks/recipe_speed.py --oracle-nll-target 6.5    # also the time to an NLL-oracle target
    python benchmarks/recipe_speed.py --quick                    # smoke profile, a few steps: checks it runs

Every recipe is built with :func:`gan_text.training.recipes.build_recipe` in the course profile (the
default; ``--profile`` changes it), on

- ``grammar``: the grammar corpus, with its own vocabulary and ``seq_len`` (about 340 words, 26);
- ``oracle``: the oracle corpus at the papers' sizes (about 5,000 words, 20 tokens + ``<eos>``), batch 64.

**Steps per second of each phase** (pre-training, discriminator pre-training, adversarial): the phase's
compiled model is trained by ``fit`` on batches of the corpus, ``--warmup`` steps first (tracing), then
``--rounds`` timed ``fit`` calls of ``--steps`` steps; the table gives the median round, and ``phase s``
is the phase's length in the profile divided by that rate.

**Time to the bar** (``grammar`` only, unless ``--oracle-nll-target`` is given): each recipe is trained
with :func:`gan_text.training.runs.train` as ``python -m gan_text train`` does (op determinism on,
unless ``--no-determinism``), evaluated every ``--eval-every`` steps on ``n_eval`` samples, and a Keras
callback of this script notes the clock at every evaluation point. The bar on the grammar corpus: at
least 80 % of the generated sentences grammatical under the grammar's parser and fewer than half of
them duplicates; on the oracle: an NLL-oracle (nats per token) at or below the target. The table gives
the first evaluation point at the bar: the wall time since ``train`` was called (building, tracing,
evaluations and checkpoints included) and the training time alone (the ``fit`` steps only). Training
stops there (``--full-runs`` trains every phase to its end instead).

``--json PATH`` also writes every figure, with the machine and the versions, as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_text.atomic import write_json  # noqa: E402
from gan_text.config import profile  # noqa: E402
from gan_text.corpora import load_corpus  # noqa: E402
from gan_text.dataset import make_dataset, prepare  # noqa: E402
from gan_text.training import rundir  # noqa: E402
from gan_text.training.recipes import build_recipe  # noqa: E402
from gan_text.training.runs import CORPUS_SEED, train  # noqa: E402

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_report import machine_info  # noqa: E402

RECIPES = ("relgan", "seqgan", "mle")
CORPORA = ("grammar", "oracle")
GRAMMATICAL, MAX_DUPLICATES = 0.8, 0.5  # the bar: >= 80 % grammatical, < 50 % duplicates
SEED = 0
QUICK = {"profile": "smoke", "steps": 2, "rounds": 1, "warmup": 1, "eval_every": 4, "n_eval": 16}


# --- the bar --------------------------------------------------------------------------------------------

def bar_text(corpus: str, oracle_target: float | None) -> str | None:
    """The bar on ``corpus`` in words, or None when there is none to reach."""
    if corpus == "grammar":
        return f"grammatical >= {GRAMMATICAL:.0%}, duplicates < {MAX_DUPLICATES:.0%}"
    if corpus == "oracle" and oracle_target is not None:
        return f"NLL-oracle <= {oracle_target:g}"
    return None


def meets_bar(row: dict, corpus: str, oracle_target: float | None) -> bool:
    """Whether one history row (a dict of ``history.csv``) is at the bar of ``corpus``."""
    if corpus == "grammar":
        grammatical, duplicates = row.get("grammatical_fraction"), row.get("duplicate_rate")
        return (grammatical is not None and duplicates is not None and grammatical >= GRAMMATICAL
                and duplicates < MAX_DUPLICATES)
    nll = row.get("oracle_nll")
    return oracle_target is not None and nll is not None and math.isfinite(nll) and nll <= oracle_target


class BarReached(Exception):
    """Raised by :class:`BarClock` to end a run at the first evaluation point at the bar."""


class BarClock(keras.callbacks.Callback):
    """Notes the clock at every evaluation point of :func:`train` (the end of each ``fit`` epoch).

    ``times``: one ``(wall seconds since start, training seconds so far)`` per evaluation point after
    the first (step 0); training seconds count only the ``fit`` steps (from an epoch's start to its last
    batch), not evaluations or checkpoints. It runs after train's own callbacks, so the history row of
    the point is already in ``run_dir/history.csv``; with ``stop`` it raises :class:`BarReached` at the
    first row at the bar (``meets(row) -> bool``).
    """

    def __init__(self, start: float, run_dir: Path, meets, stop: bool):
        super().__init__()
        self.start, self.run_dir, self.meets, self.stop = start, run_dir, meets, stop
        self.times: list[tuple[float, float]] = []
        self.train_seconds = 0.0
        self._epoch_start = self._last_batch = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self._last_batch = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.train_seconds += self._last_batch - self._epoch_start
        self.times.append((time.perf_counter() - self.start, self.train_seconds))
        rows = rundir.read_history(self.run_dir)
        if self.stop and rows and self.meets(rows[-1]):
            raise BarReached


def time_to_bar(recipe: str, corpus: str, cfg, args, work: Path) -> dict:
    """Train ``recipe`` on ``corpus`` until the bar (or to the end); the first evaluation point at the bar."""
    run_dir = work / f"{recipe}-{corpus}"
    meets = lambda row: meets_bar(row, corpus, args.oracle_nll_target)  # noqa: E731
    start = time.perf_counter()
    clock = BarClock(start, run_dir, meets, stop=not args.full_runs)
    try:
        train(corpus, recipe, out=run_dir, profile=cfg, seed=SEED, eval_every=args.eval_every,
              n_eval=args.n_eval, verbose=0, callbacks=[clock])
    except BarReached:
        pass
    rows = rundir.read_history(run_dir)
    if len(rows) != len(clock.times) + 1:  # one row at step 0, then one per evaluation point
        raise RuntimeError(f"{len(rows)} history rows but {len(clock.times)} evaluation points in {run_dir}")
    out = {"recipe": recipe, "corpus": corpus, "bar": bar_text(corpus, args.oracle_nll_target),
           "evaluations": len(rows), "trained steps": int(rows[-1]["total_step"]),
           "total s": round(time.perf_counter() - start, 1)}
    for row, (wall, trained) in zip(rows[1:], clock.times, strict=True):
        if meets(row):
            return {**out, "reached": True, "phase": row["phase"], "step": int(row["step"]),
                    "total step": int(row["total_step"]), "wall s": round(wall, 1), "train s": round(trained, 1),
                    **_scores(row)}
    return {**out, "reached": False, "phase": rows[-1]["phase"], "step": int(rows[-1]["step"]),
            "total step": int(rows[-1]["total_step"]), "wall s": math.nan, "train s": math.nan,
            **_scores(rows[-1])}


def _scores(row: dict) -> dict:
    names = {"grammatical_fraction": "grammatical", "duplicate_rate": "duplicates", "oracle_nll": "NLL-oracle"}
    return {short: round(float(row[name]), 3) for name, short in names.items() if name in row
            and row[name] is not None and not (isinstance(row[name], float) and math.isnan(row[name]))}


# --- steps per second ------------------------------------------------------------------------------------

def load_data(corpus: str, cfg):
    """The prepared corpus as :func:`train` loads it (same sizes, same corpus seed)."""
    return prepare(load_corpus(corpus, n_train=cfg.n_train, n_test=cfg.n_test, seed=CORPUS_SEED))


def phase_speeds(recipe: str, corpus: str, data, cfg, args) -> list[dict]:
    """One row per phase of ``recipe``: steps/s of the phase's ``fit`` after warm-up (median round)."""
    built = build_recipe(recipe, data, cfg, seed=SEED)
    rows = []
    for phase in built.phases:
        batch_size = int(getattr(phase, "batch_size", None) or cfg.batch_size)
        # unshuffled: the speed of a step does not depend on which sentences it reads
        dataset = make_dataset(data.train_tokens, batch_size, shuffle=False, repeat=True)
        phase.model.fit(dataset, steps_per_epoch=args.warmup, verbose=0)
        seconds = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            phase.model.fit(dataset, steps_per_epoch=args.steps, verbose=0)
            seconds.append(time.perf_counter() - start)
        rate = args.steps / statistics.median(seconds)
        rows.append({"recipe": recipe, "corpus": corpus, "vocab": data.vocab_size, "seq_len": data.seq_len,
                     "batch": batch_size, "phase": phase.name, "phase steps": int(phase.steps),
                     "steps/s": round(rate, 2), "ms/step": round(1000 / rate, 1),
                     "best ms/step": round(1000 * min(seconds) / args.steps, 1),
                     "phase s": round(phase.steps / rate, 1)})
    return rows


@contextlib.contextmanager
def op_determinism(on: bool):
    """TensorFlow's op determinism on (as ``python -m gan_text train`` sets it through ``gt.setup``) or
    left as it is, then restored when TensorFlow can say how it was (an in-process caller keeps its own)."""
    # is_op_determinism_enabled and disable_op_determinism are not exported under tf.config
    from tensorflow.python.framework import config as tf_config

    was = getattr(tf_config, "is_op_determinism_enabled", lambda: None)()
    if on:
        tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        if on and was is False and hasattr(tf_config, "disable_op_determinism"):
            tf_config.disable_op_determinism()


# --- the whole benchmark ----------------------------------------------------------------------------------

def measure(args) -> dict:
    """Run everything ``args`` asks for; returns {"machine", "profile", "n_eval", "determinism", "speeds",
    "bars"}, the last two DataFrames (one row per phase; one row per recipe and corpus with a bar)."""
    cfg = profile(args.profile)
    speeds, bars = [], []
    with op_determinism(not args.no_determinism), tempfile.TemporaryDirectory(prefix="recipe_speed_") as work:
        for corpus in args.corpora:
            data = load_data(corpus, cfg)
            for recipe in args.recipes:
                keras.utils.set_random_seed(SEED)
                speeds.extend(phase_speeds(recipe, corpus, data, cfg, args))
                if not args.no_bar and bar_text(corpus, args.oracle_nll_target) is not None:
                    bars.append(time_to_bar(recipe, corpus, cfg, args, Path(work)))
    return {"machine": machine_info(), "profile": cfg.name, "n_eval": args.n_eval or cfg.n_eval,
            "determinism": not args.no_determinism,
            "speeds": pd.DataFrame(speeds), "bars": pd.DataFrame(bars)}


def report(result: dict, args) -> str:
    machine = result["machine"]
    lines = [f"machine: {machine['processor']}, {machine['cpus']} CPUs ({machine['usable_cpus']} usable), {machine['platform']}; "
             f"load average {machine['load_average']}",
             "versions: " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()),
             f"profile {result['profile']}, seed {SEED}, op determinism {'on' if result['determinism'] else 'off'}",
             "", f"steps per second of each phase ({args.warmup} warm-up steps, then the median of {args.rounds} "
             f"rounds of {args.steps} steps):"]
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        lines.append(result["speeds"].to_string(index=False))
        if not result["bars"].empty:
            lines += ["", f"time to the bar (evaluation every {args.eval_every} steps on {result['n_eval']} samples; "
                          f"wall s: from the train() call to the first point at the bar; train s: its fit steps "
                          f"only; total s: the whole run):",
                      result["bars"].to_string(index=False)]
    return "\n".join(lines)


def _names(text: str, known: tuple[str, ...], option: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise SystemExit(f"{option}: unknown {unknown[0] if unknown else 'empty list'}; choose from {', '.join(known)}")
    return names


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", default=",".join(RECIPES), help=f"comma-separated, from {', '.join(RECIPES)}")
    parser.add_argument("--corpora", default=",".join(CORPORA), help=f"comma-separated, from {', '.join(CORPORA)}")
    parser.add_argument("--profile", default="course", help="profile of sizes and step counts (default course)")
    parser.add_argument("--steps", type=int, default=20, help="steps per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per phase (median)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per phase first")
    parser.add_argument("--eval-every", type=int, default=50, help="steps between evaluation points (bar)")
    parser.add_argument("--n-eval", type=int, default=None, help="sentences per evaluation (default: profile)")
    parser.add_argument("--oracle-nll-target", type=float, default=None, metavar="NATS",
                        help="also time the oracle runs to this NLL-oracle (nats per token)")
    parser.add_argument("--no-bar", action="store_true", help="steps per second only")
    parser.add_argument("--full-runs", action="store_true", help="train to the end instead of stopping at the bar")
    parser.add_argument("--no-determinism", action="store_true", help="leave op determinism off")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="smoke profile and a few steps: checks that it runs")
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    args.recipes = _names(args.recipes, RECIPES, "--recipes")
    args.corpora = _names(args.corpora, CORPORA, "--corpora")
    for name in ("steps", "rounds", "warmup", "eval_every"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    return args


def to_json(result: dict) -> dict:
    """The result with its tables as lists of records (NaN as None): ready for ``json.dumps``."""
    def records(frame):
        return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in frame.astype(object).to_dict("records")]

    return {**result, "speeds": records(result["speeds"]), "bars": records(result["bars"])}


def main(argv=None) -> None:
    args = parse_args(argv)
    result = measure(args)
    print(report(result, args))
    if args.json is not None:
        write_json(args.json, to_json(result))
        print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
