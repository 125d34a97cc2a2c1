"""Mixed precision: the step speed-up of ``mixed_bfloat16`` over ``float32``, and the quality of a short run under each.

Run from the repository root::

    python benchmarks/precision_speed.py                 # timing at both sizes, then the short runs
    python benchmarks/precision_speed.py --no-quality    # timing only
    python benchmarks/precision_speed.py --quick         # smoke sizes, a few steps: checks that it runs
    python benchmarks/precision_speed.py --json out.json # also every figure, the machine and the versions

**Speed.** At two sizes,

- ``oracle``: the oracle benchmark's (course profile): vocabulary about 5,000 words, ``seq_len`` 21 (20 words
  and ``<eos>``), batch 64, LSTM of 32 units, the benchmark's recipe settings;
- ``grammar``: the course profile on the grammar corpus (about 340 words, ``seq_len`` 26, batch 64, LSTM 64),

the same recipe is built twice (:func:`gan_text.precision.precision_policy`), once per precision, and the
compiled step of a phase is timed: ``mle`` (teacher forcing, one Adam step) and ``relgan``'s adversarial step
(Gumbel-softmax sampling, one discriminator and one generator update). After ``--warmup`` steps each (tracing),
``--rounds`` rounds each time ``--steps`` steps of both precisions, in turns (ABBA: the first of a round
alternates), so the two members of a pair see the same machine load. The table gives each precision's median
milliseconds per step and the median over rounds of the paired ratio ``float32 time / mixed time``, with its
lowest and highest round; ``best/best``, the ratio of each precision's fastest round (the least disturbed by
other processes); and the median paired ratio of the process's CPU time (all threads), which other processes
on the machine disturb less than the wall time.

**Quality.** ``mle`` and ``relgan`` are trained on the grammar corpus in the course profile (or ``--profile``)
with :func:`gan_text.training.runs.train`, once per precision (seed 0, op determinism on), then scored in the
same way: NLL-test (nats per token of the test sentences) and the grammatical fraction of ``--n-samples``
sentences sampled at temperature 1, with its standard error ``sqrt(p (1 - p) / n)``. ``diff / SE`` is the
difference of the two precisions' fractions over the standard error of that difference: within about 2, the
two are within sampling noise of each other.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pandas as pd  # noqa: E402

import gan_text as gt  # noqa: E402
from gan_text.atomic import write_json  # noqa: E402
from gan_text.bench.budgets import plan, recipe_overrides, train_profile  # noqa: E402
from gan_text.corpora import load_corpus  # noqa: E402
from gan_text.dataset import decode_batch, make_dataset, prepare  # noqa: E402
from gan_text.metrics.likelihood import grammar_scores, nll_test  # noqa: E402
from gan_text.precision import PRECISIONS, precision_policy  # noqa: E402
from gan_text.training.recipes import build_recipe  # noqa: E402
from gan_text.training.runs import CORPUS_SEED, train  # noqa: E402

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_report import machine_info  # noqa: E402

SEED = 0
FLOAT32, MIXED = PRECISIONS
QUICK = {"profile": "smoke", "steps": 2, "rounds": 2, "warmup": 1, "n_samples": 64, "oracle_train": 500}


# --- speed -----------------------------------------------------------------------------------------------

def sizes(profile: str, oracle_train: int) -> dict:
    """``{size name: (prepared data, profile, {recipe: settings})}`` for the two sizes of the module doc."""
    budget = plan("oracle", profile)
    oracle_cfg = train_profile("oracle", profile, budget)
    oracle = prepare(load_corpus("oracle", n_train=oracle_train, n_test=100, seed=CORPUS_SEED))
    grammar_cfg = gt.profile(profile)
    grammar = prepare(load_corpus("grammar", n_train=grammar_cfg.n_train, n_test=100, seed=CORPUS_SEED))
    oracle_settings = {r: recipe_overrides(r, budget, "oracle", profile) for r in ("mle", "relgan")}
    return {"oracle": (oracle, oracle_cfg, oracle_settings),
            "grammar": (grammar, grammar_cfg, {"mle": {}, "relgan": {"pretrain_steps": 0}})}


def step_model(recipe: str, data, cfg, settings: dict, precision: str):
    """The compiled model of the timed phase (``mle``: its only phase; ``relgan``: the adversarial one)."""
    with precision_policy(precision):
        built = build_recipe(recipe, data, cfg, seed=SEED, **settings)
    return built.phases[-1].model


def paired_timing(size: str, recipe: str, data, cfg, settings: dict, args) -> dict:
    """Median ms/step of each precision and the median paired speed-up (see the module doc)."""
    dataset = make_dataset(data.train_tokens, cfg.batch_size, shuffle=False, repeat=True)
    models = {p: step_model(recipe, data, cfg, settings, p) for p in PRECISIONS}
    for model in models.values():
        model.fit(dataset, steps_per_epoch=args.warmup, verbose=0)
    seconds: dict[str, list[float]] = {p: [] for p in PRECISIONS}
    cpu: dict[str, list[float]] = {p: [] for p in PRECISIONS}
    for k in range(args.rounds):
        for precision in (PRECISIONS if k % 2 == 0 else PRECISIONS[::-1]):
            start, cpu_start = time.perf_counter(), time.process_time()
            models[precision].fit(dataset, steps_per_epoch=args.steps, verbose=0)
            seconds[precision].append(time.perf_counter() - start)
            cpu[precision].append(time.process_time() - cpu_start)
    ratios = [a / b for a, b in zip(seconds[FLOAT32], seconds[MIXED], strict=True)]
    cpu_ratios = [a / b for a, b in zip(cpu[FLOAT32], cpu[MIXED], strict=True)]
    ms = {p: 1000 * statistics.median(s) / args.steps for p, s in seconds.items()}
    return {"size": size, "step": "mle" if recipe == "mle" else "relgan adversarial", "vocab": data.vocab_size,
            "seq_len": data.seq_len, "batch": cfg.batch_size, "lstm": settings.get("hidden_dim", cfg.hidden_dim),
            "float32 ms": round(ms[FLOAT32], 1), "bf16 ms": round(ms[MIXED], 1),
            "speed-up": round(statistics.median(ratios), 3), "lowest": round(min(ratios), 3),
            "highest": round(max(ratios), 3), "best/best": round(min(seconds[FLOAT32]) / min(seconds[MIXED]), 3),
            "CPU-time speed-up": round(statistics.median(cpu_ratios), 3), "rounds": args.rounds,
            "steps/round": args.steps}


# --- quality ---------------------------------------------------------------------------------------------

def short_run(recipe: str, precision: str, args, work: Path) -> dict:
    """Train ``recipe`` on the grammar corpus under ``precision``; NLL-test and the grammatical fraction."""
    gt.setup(SEED, quiet=True)
    start = time.perf_counter()
    run = train("grammar", recipe, out=work / f"{recipe}-{precision}", profile=args.profile, seed=SEED,
                precision=precision, verbose=0)
    seconds = time.perf_counter() - start
    sentences = decode_batch(run.recipe.sample(args.n_samples, 1.0, SEED + 1), run.data.vocab, run.data.level)
    fraction = grammar_scores(sentences)["grammatical_fraction"]
    return {"recipe": recipe, "precision": precision, "steps": int(run.history["total_step"].max()),
            "train s": round(seconds, 1), "NLL-test": round(nll_test(run.recipe.generator, run.data.test_tokens), 4),
            "grammatical": round(fraction, 4),
            "SE": round(math.sqrt(fraction * (1 - fraction) / args.n_samples), 4), "n": args.n_samples}


def with_differences(rows: list[dict]) -> pd.DataFrame:
    """The quality rows, each mixed row with its differences from the float32 row of the same recipe."""
    frame = pd.DataFrame(rows)
    for index, row in frame[frame["precision"] == MIXED].iterrows():
        base = frame[(frame["recipe"] == row["recipe"]) & (frame["precision"] == FLOAT32)].iloc[0]
        difference = row["grammatical"] - base["grammatical"]
        se = math.hypot(row["SE"], base["SE"])
        frame.loc[index, "NLL diff"] = round(row["NLL-test"] - base["NLL-test"], 4)
        frame.loc[index, "gram. diff"] = round(difference, 4)
        frame.loc[index, "diff / SE"] = round(difference / se, 2) if se > 0 else math.nan
    return frame


# --- main --------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="course", help="profile of the sizes and the short runs (course)")
    parser.add_argument("--steps", type=int, default=10, help="steps per timed round (10)")
    parser.add_argument("--rounds", type=int, default=6, help="timed rounds per precision (6)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first, for tracing (3)")
    parser.add_argument("--n-samples", type=int, default=1000, help="sentences scored per short run (1000)")
    parser.add_argument("--oracle-train", type=int, default=10_000,
                        help="oracle sentences the vocabulary is built from (10,000: about 5,000 words)")
    parser.add_argument("--no-quality", action="store_true", help="timing only, no short runs")
    parser.add_argument("--quick", action="store_true", help="smoke sizes and a few steps: checks that it runs")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)

    gt.setup(SEED, quiet=True)  # op determinism, as `python -m gan_text train` runs
    started = time.perf_counter()
    timing = [paired_timing(size, recipe, data, cfg, settings[recipe], args)
              for size, (data, cfg, settings) in sizes(args.profile, args.oracle_train).items()
              for recipe in ("mle", "relgan")]
    speed = pd.DataFrame(timing)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"step time, float32 vs {MIXED} ({args.profile} profile sizes; speed-up = median of paired ratios)")
        print(speed.to_string(index=False))
        quality = None
        if not args.no_quality:
            with tempfile.TemporaryDirectory(prefix="gan_text_precision_") as tmp:
                rows = [short_run(recipe, precision, args, Path(tmp)) for recipe in ("mle", "relgan")
                        for precision in PRECISIONS]
            quality = with_differences(rows)
            print(f"\nshort runs on the grammar corpus ({args.profile} profile, seed {SEED}; diff = {MIXED} - float32)")
            print(quality.to_string(index=False))
    seconds = round(time.perf_counter() - started, 1)
    print(f"\n{seconds:.0f} s in all")
    if args.json is not None:
        write_json(args.json, {"speed": timing, "quality": None if quality is None else quality.to_dict("records"),
                               "profile": args.profile, "seconds": seconds, "machine": machine_info(),
                               "date": time.strftime("%Y-%m-%d %H:%M:%S")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
