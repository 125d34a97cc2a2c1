"""One speed report, measured in one run on one machine: training steps, the default train, metrics, notebooks.

Run from the repository root (on a quiet machine: other work on the CPUs slows every figure)::

    python benchmarks/speed_report.py                       # everything (about 15-20 minutes on 2 cores)
    python benchmarks/speed_report.py --skip-notebooks      # all but the notebook suite
    python benchmarks/speed_report.py --quick               # tiny sizes, no notebooks: checks that it runs
    python benchmarks/speed_report.py --json report.json    # also write every figure as JSON

It prints the machine (CPUs, platform, load average before and after) and the versions, then one
summary table of

1. **the seed loop**: training steps per second of the ``seed`` recipe, the original naive Keras loop
   against our compiled ``train_step`` (vocab 5000, seq_len 20, batch 64, LSTM 128), and the speed-up,
   measured by :func:`seed_loop_speed.measure` (``benchmarks/seed_loop_speed.py``; ``--seed-loop-args``
   passes it more options, e.g. ``"--rounds 9 --steps-per-execution 10"``). The same-math check runs too;
   a difference above 1e-5 is printed;
2. **the default train**: the wall time of ``python -m gan_text train`` (the default recipe on the grammar corpus, the
   course profile, evaluation included) into a temporary folder; the target is at most 5 minutes on 2 cores;
   and the wall time of a mistake, ``python -m gan_text generate missing-folder`` (the median of 3): it is refused
   before TensorFlow is imported, so the target is under a second;
3. **metric throughput**: sentences per second of BLEU-2..5 (each hypothesis against every reference) and
   of leave-one-out Self-BLEU-2..5 (:mod:`gan_text.metrics`, on ``--metric-n`` sentences of the grammar
   corpus, or of COCO with ``--metric-data coco``, read as ``benchmarks/bleu_speed.py`` reads it), of the
   grammar's parser (the grammatical fraction) and of the oracle's NLL: the scores of every evaluation point;
4. **the notebook suite**: the wall time of ``GAN_TEXT_PROFILE=smoke pytest notebooks/``, and how many passed.

``--cores N`` (default 2) runs everything on the first N CPUs this process may use (if it may use more),
so that a bigger machine reports what two cores do. Each part can be skipped (``--skip-...``).
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
TRAIN_TARGET_S = 300.0  # issue #4: the default train in at most 5 minutes on 2 cores
NS = (2, 3, 4, 5)


def machine_info() -> dict:
    """CPUs, platform, processor, load average and library versions of this machine, JSON-ready."""
    from gan_text.training.rundir import versions

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {"cpus": os.cpu_count(), "usable_cpus": usable, "processor": model, "platform": platform.platform(),
            "load_average": load, "versions": versions()}


def use_cores(n: int) -> list[int] | None:
    """Restrict this process (and its children) to the first ``n`` usable CPUs; returns them (None: as is)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) <= n:
        return None
    os.sched_setaffinity(0, cpus[:n])
    return cpus[:n]


# --- 1. the seed loop ------------------------------------------------------------------------------------

def seed_loop(args) -> list[dict]:
    """Run :func:`seed_loop_speed.measure` (no breakdown) and return its summary rows."""
    seed_loop_speed = _benchmark("seed_loop_speed")
    options = ["--no-breakdown", *(["--quick"] if args.quick else []), *shlex.split(args.seed_loop_args)]
    seed_args = seed_loop_speed.parse_args(options)
    return seed_loop_rows(seed_loop_speed.measure(seed_args), seed_args)


def seed_loop_rows(result: dict, seed_args) -> list[dict]:
    """The summary rows of a :func:`seed_loop_speed.measure` result measured with ``seed_args``."""
    seed_loop_speed = _benchmark("seed_loop_speed")
    timing = result["timing"].set_index("loop")
    naive, compiled = timing.loc[seed_loop_speed.NAIVE], timing.loc[seed_loop_speed.COMPILED]
    worst = max(result["diffs"][seed_loop_speed.COMPILED].values())
    sizes = (f"vocab {seed_args.vocab_size}, seq_len {seed_args.seq_len}, batch {seed_args.batch_size}, "
             f"LSTM {seed_args.hidden_dim}; median of {seed_args.rounds} rounds of {seed_args.steps} steps")
    rows = [row("seed loop: naive Keras loop (one-hot each step)", naive["steps/s"], "steps/s", note=sizes),
            row("seed loop: compiled train_step (fit)", compiled["steps/s"], "steps/s",
                note=f"same math: max |naive - compiled| {worst:.1e}"
                     + ("" if result["same_math"][seed_loop_speed.COMPILED] else " > 1e-5: DIFFERENT")),
            row("seed loop: compiled / naive (medians)", result["speedup"], "x", target=">= 1.8"),
            row("seed loop: compiled / naive (paired rounds)", result["paired_speedup"], "x", target=">= 1.8")]
    for label in timing.index:
        if label not in (seed_loop_speed.NAIVE, seed_loop_speed.COMPILED):
            same = result["same_math"].get(label)
            math_note = "" if same is None else "; same math" if same else (
                f"; NOT the same math: max |naive - compiled| {max(result['diffs'][label].values()):.1e}")
            rows.append(row(f"seed loop: {label}", timing.loc[label, "steps/s"], "steps/s",
                            note=f"{timing.loc[label, 'speed-up']:.2f}x the naive loop{math_note}"))
    return rows


def _benchmark(name: str):
    """Another script of this folder, imported as a module (``seed_loop_speed``, ``bleu_speed``)."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


# --- 2. the default train -----------------------------------------------------------------------------------

def run_timed(command: list[str], env: dict, log: Path) -> tuple[float, int, str]:
    """Run ``command`` from the repository root, output to ``log``: (wall seconds, exit status, output)."""
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        status = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - start
    return seconds, status, log.read_text(encoding="utf-8", errors="replace")


def default_train(args, work: Path) -> list[dict]:
    env = {**os.environ, "GAN_TEXT_PROFILE": args.train_profile, "MPLBACKEND": "Agg"}
    command = [sys.executable, "-m", "gan_text", "train", "--out", str(work / "run"), "--quiet",
               *shlex.split(args.train_args)]
    seconds, status, output = run_timed(command, env, work / "train.log")
    if status != 0:
        print(f"`{shlex.join(command[1:])}` failed (status {status}); its last lines:\n"
              + "\n".join(output.splitlines()[-15:]), file=sys.stderr)
    found = re.search(r"^written: .*\((\d+) s\)\s*$", output, re.MULTILINE)
    evaluation = f"; of which the final evaluation {found.group(1)} s" if found else ""
    extra = f" {args.train_args}" if args.train_args else ""
    return [row(f"default train: python -m gan_text train{extra} ({args.train_profile} profile)",
                round(seconds, 1) if status == 0 else math.nan, "s wall",
                target=f"<= {TRAIN_TARGET_S:.0f}" if args.train_profile == "course" and not extra else "",
                note=f"exit status {status}{evaluation}"), cli_mistake(work)]


def cli_mistake(work: Path, repeats: int = 3) -> dict:
    """The wall time of a command refused before TensorFlow is imported: ``generate`` on a missing folder."""
    command = [sys.executable, "-m", "gan_text", "generate", str(work / "missing-folder")]
    timed = [run_timed(command, dict(os.environ), work / "mistake.log") for _ in range(repeats)]
    seconds = sorted(t[0] for t in timed)[repeats // 2]
    lines = timed[-1][2].strip().splitlines()
    return row("a mistake: python -m gan_text generate missing-folder (median of 3)", round(seconds, 2), "s wall",
               target="< 1", note=f"exit status {timed[-1][1]}, {len(lines)} line(s) of output")


# --- 3. metric throughput ----------------------------------------------------------------------------------

def metric_sentences(args) -> tuple[list[list[str]], list[list[str]], str]:
    """(hypotheses, references, description): ``--metric-n`` tokenised sentences of each, fixed."""
    n = args.metric_n
    if args.metric_data == "coco":
        bleu_speed = _benchmark("bleu_speed")
        folder = bleu_speed.DEFAULT_DATA / "image_coco"
        hypotheses = bleu_speed.read_tokens(folder / "image_coco.txt")[:n]
        references = bleu_speed.read_tokens(folder / "test_coco.txt")[:n]
        return hypotheses, references, f"COCO captions ({folder})"
    from gan_text.corpora import load_corpus

    corpus = load_corpus("grammar", n_train=n, n_test=n, seed=0)
    return ([s.split() for s in corpus.train], [s.split() for s in corpus.test],
            "grammar corpus, seed 0")


def median_seconds(fn, repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def metrics(args) -> list[dict]:
    from gan_text.corpora import load_corpus
    from gan_text.metrics import bleu_scores, self_bleu_scores

    hypotheses, references, source = metric_sentences(args)
    n_h, n_r = len(hypotheses), len(references)
    bleu_s = median_seconds(lambda: bleu_scores(hypotheses, references, NS), args.metric_repeats)
    self_s = median_seconds(lambda: self_bleu_scores(hypotheses, NS), args.metric_repeats)
    grammar = load_corpus("grammar", n_train=args.metric_n, n_test=1, seed=0)
    sentences = list(grammar.train)
    parse_s = median_seconds(lambda: grammar.true_model.grammatical_fraction(sentences), args.metric_repeats)
    oracle = load_corpus("oracle", n_train=args.metric_n, n_test=1, seed=0)
    oracle_sentences = list(oracle.train)
    nll_s = median_seconds(lambda: oracle.true_model.nll(oracle_sentences), args.metric_repeats)
    repeats = f"median of {args.metric_repeats}"
    return [row("metrics: BLEU-2..5", round(n_h / bleu_s, 1), "hyps/s",
                note=f"{n_h} hypotheses x {n_r} references, {source}; {bleu_s:.2f} s, {repeats}"),
            row("metrics: Self-BLEU-2..5 (leave-one-out)", round(n_h / self_s, 1), "sentences/s",
                note=f"{n_h} sentences, {source}; {self_s:.2f} s, {repeats}"),
            row("metrics: grammar parser (grammatical fraction)", round(len(sentences) / parse_s, 1),
                "sentences/s", note=f"{len(sentences)} grammar sentences; {parse_s:.2f} s, {repeats}"),
            row("metrics: oracle NLL", round(len(oracle_sentences) / nll_s, 1), "sentences/s",
                note=f"{len(oracle_sentences)} oracle sequences; {nll_s:.2f} s, {repeats}")]


# --- 4. the notebook suite -------------------------------------------------------------------------------

def notebooks(args, work: Path) -> list[dict]:
    env = {**os.environ, "GAN_TEXT_PROFILE": "smoke", "MPLBACKEND": "Agg"}
    command = [sys.executable, "-m", "pytest", "-q", "notebooks/"]
    count = len(list((ROOT / "notebooks").glob("*.ipynb")))
    seconds, status, output = run_timed(command, env, work / "notebooks.log")
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    summary = lines[-1].strip("= ") if lines else f"exit status {status}"
    return [row(f"notebook suite: GAN_TEXT_PROFILE=smoke pytest notebooks/ ({count} notebooks)",
                round(seconds, 1), "s wall", note=summary)]


# --- the report ---------------------------------------------------------------------------------------------

def row(figure: str, value, unit: str, target: str = "", note: str = "") -> dict:
    return {"figure": figure, "value": float(value), "unit": unit, "target": target, "note": note}


def measure(args) -> dict:
    """Run every part ``args`` does not skip; returns {"machine", "cores", "rows", "seconds"}."""
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    cores = use_cores(args.cores) if args.cores else None
    machine = machine_info()
    rows = []
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="speed_report_") as work:
            if not args.skip_seed_loop:
                rows += seed_loop(args)
            if not args.skip_train:
                rows += default_train(args, Path(work))
            if not args.skip_metrics:
                rows += metrics(args)
            if not args.skip_notebooks:
                rows += notebooks(args, Path(work))
    finally:
        if cores is not None:
            os.sched_setaffinity(0, before)  # an in-process caller gets its CPUs back
    machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {"machine": machine, "cores": cores, "rows": rows, "seconds": round(time.perf_counter() - start, 1)}


def report(result: dict) -> str:
    import pandas as pd

    m = result["machine"]
    pinned = f"; pinned to CPUs {result['cores']}" if result["cores"] else ""
    lines = [f"machine: {m['processor']}, {m['cpus']} CPUs ({m['usable_cpus']} usable{pinned}), {m['platform']}",
             f"load average before {m['load_average']}, after {m['load_average_after']} (1, 5, 15 min)",
             "versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), ""]
    frame = pd.DataFrame(result["rows"], columns=["figure", "value", "unit", "target", "note"])
    with pd.option_context("display.width", 250, "display.max_colwidth", 120, "display.max_columns", 10):
        lines.append(frame.to_string(index=False) if not frame.empty else "(every part skipped)")
    lines.append(f"\nthe report took {result['seconds']:.0f} s")
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-seed-loop", action="store_true", help="skip the naive vs compiled seed loop")
    parser.add_argument("--skip-train", action="store_true", help="skip the default train's wall time")
    parser.add_argument("--skip-metrics", action="store_true", help="skip the metric throughput")
    parser.add_argument("--skip-notebooks", action="store_true", help="skip the smoke-profile notebook suite")
    parser.add_argument("--seed-loop-args", default="", metavar="ARGS",
                        help="more options for seed_loop_speed, e.g. \"--rounds 9 --steps-per-execution 10\"")
    parser.add_argument("--train-profile", default="course", help="GAN_TEXT_PROFILE of the default train")
    parser.add_argument("--train-args", default="", metavar="ARGS",
                        help="more options for the train command (then it is no longer the default train)")
    parser.add_argument("--metric-data", choices=("grammar", "coco"), default="grammar")
    parser.add_argument("--metric-n", type=int, default=2000, help="sentences of each set for the metrics")
    parser.add_argument("--metric-repeats", type=int, default=3, help="timed runs per metric (median)")
    parser.add_argument("--cores", type=int, default=2, help="use the first N usable CPUs (0: all)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--quick", action="store_true",
                        help="tiny seed loop, smoke-profile train, 50 sentences, no notebooks: checks that it runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.train_profile, args.metric_n, args.metric_repeats, args.skip_notebooks = "smoke", 50, 1, True
    if args.metric_n < 2 or args.metric_repeats < 1 or args.cores < 0:
        raise SystemExit("--metric-n must be at least 2, --metric-repeats at least 1, --cores at least 0")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    result = measure(args)
    print(report(result))
    if args.json is not None:
        from gan_text.atomic import write_json

        write_json(args.json, {**result, "rows": [{**r, "value": None if math.isnan(r["value"]) else r["value"]}
                                                  for r in result["rows"]]})
        print(f"written: {args.json}")


if __name__ == "__main__":
    main()
