"""Speed of SeqGAN's Monte-Carlo rollouts: the rollouts of an earlier commit against today's, paired.

Run from the repository root (on a quiet machine: other work on the CPUs slows every figure)::

    python benchmarks/rollout_speed.py                      # oracle size, 4 and 16 rollouts, 5 rounds
    python benchmarks/rollout_speed.py --rollouts 4 --rounds 9
    python benchmarks/rollout_speed.py --quick              # tiny sizes, 1 round: checks that it runs
    python benchmarks/rollout_speed.py --json rollout.json  # also write every figure as JSON

At the oracle size (vocab 5,000, ``seq_len`` 20, batch 64, an LSTM generator with 32-wide embeddings and
state, the ``seqgan`` recipe's CNN discriminator at the ``full`` profile's widths) it times

- **rewards call**: one :func:`~gan_text.training.rollout.rewards_graph` (compiled) on 64 sentences the
  generator sampled, with ``num_rollouts`` rollouts of every prefix;
- **adversarial step**: one ``train_step`` of :class:`~gan_text.training.seqgan.SeqGAN` (sample, rewards,
  the REINFORCE step, the lagged copy, one discriminator step), through ``train_on_batch``;

for the recipe's default ``num_rollouts`` (4) and the paper's (16), with the rollout code of ``--old`` (a
git commit: the default is the last one before the batched rollouts) and of the working tree. ``old``
rolls every prefix out in one loop over all ``num_rollouts * (seq_len - 1)`` completions, re-reading each
prefix through the whole generator and its 5,000-wide output layer; ``new`` reads every sentence once
and continues each completion from the state after its prefix. The two draw different random numbers
(``new`` keys every row), so their rewards agree in distribution, not value: the table prints the mean
reward of each as a check.

Each round times ``old`` then ``new`` (after one untimed call of each, which traces), alternating, so both
see the same load; the table gives the median seconds of each and the **median of the per-round
ratios** old / new (with their range), which load drifts spread less than a ratio of medians.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_text.atomic import write_json  # noqa: E402
from gan_text.config import profile  # noqa: E402
from gan_text.training import rollout, seqgan  # noqa: E402
from gan_text.training.seqgan import build_seqgan_recipe  # noqa: E402

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_report import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OLD = "2af5f96"  # the last commit whose rollouts re-read every prefix
ORACLE = {"vocab": 5000, "seq_len": 20, "batch": 64, "width": 32}
QUICK = {"vocab": 60, "seq_len": 8, "batch": 8, "width": 8, "rounds": 1, "rollouts": "2"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rollouts", default="4,16", help="num_rollouts values, comma-separated")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds (old then new) per figure")
    parser.add_argument("--old", default=OLD, help="the git commit whose gan_text/training/rollout.py is 'old'")
    parser.add_argument("--vocab", type=int, default=ORACLE["vocab"])
    parser.add_argument("--seq-len", type=int, default=ORACLE["seq_len"])
    parser.add_argument("--batch", type=int, default=ORACLE["batch"])
    parser.add_argument("--width", type=int, default=ORACLE["width"], help="the LSTM's emb_dim and hidden_dim")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one round: checks that it runs")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    if args.quick:
        args.vocab, args.seq_len, args.batch, args.width = (QUICK[k] for k in ("vocab", "seq_len", "batch", "width"))
        args.rounds, args.rollouts = QUICK["rounds"], QUICK["rollouts"]
    args.rollouts = [int(k) for k in str(args.rollouts).split(",")]
    return args


def old_rollout(commit: str) -> types.ModuleType:
    """``gan_text/training/rollout.py`` as it was at ``commit``, imported beside today's module."""
    source = subprocess.run(["git", "show", f"{commit}:gan_text/training/rollout.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="rollout_speed_")) / f"rollout_at_{commit}.py"  # AutoGraph reads it
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"gan_text.training.rollout_at_{commit}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its relative imports resolve in gan_text.training
    return module


@contextlib.contextmanager
def seqgan_rollouts(module):
    """SeqGAN's train_step traced with ``module``'s sampling and rewards (today's again afterwards)."""
    saved = seqgan.sample_graph, seqgan.rewards_graph
    seqgan.sample_graph, seqgan.rewards_graph = module.sample_graph, module.rewards_graph
    try:
        yield
    finally:
        seqgan.sample_graph, seqgan.rewards_graph = saved


def build(args, num_rollouts: int, modules: dict):
    """The generator and discriminator of the ``seqgan`` recipe at the benchmark's sizes, and one SeqGAN
    adversarial model per rollout module, each traced with that module's rollouts."""
    data = types.SimpleNamespace(vocab_size=args.vocab, seq_len=args.seq_len)
    recipe = build_seqgan_recipe(data, profile("full"), seed=0, emb_dim=args.width, hidden_dim=args.width,
                                 d_emb_dim=args.width, d_num_filters=args.width, num_rollouts=num_rollouts)
    generator, discriminator = recipe.generator, recipe.discriminator
    real = np.random.default_rng(0).integers(3, args.vocab, size=(args.batch, args.seq_len)).astype(np.int32)
    models = {}
    for label, module in modules.items():
        model = seqgan.SeqGAN(generator, discriminator, num_rollouts=num_rollouts, seed=1, name=f"seqgan_{label}")
        model.compile(d_optimizer=keras.optimizers.Adam(1e-4), g_optimizer=keras.optimizers.Adam(1e-4))
        with seqgan_rollouts(module):
            model.train_on_batch(real)  # traces with this module's rollouts
        models[label] = model
    return generator, discriminator, real, models


def timed(call) -> float:
    start = time.perf_counter()
    out = call()
    tf.nest.map_structure(lambda x: x.numpy() if tf.is_tensor(x) else x, out)
    return time.perf_counter() - start


def paired(calls: dict, rounds: int) -> dict:
    """Median seconds of each call and the per-round ratios old / new, alternating old and new."""
    for call in calls.values():
        call()  # trace and warm up
    seconds = {label: [] for label in calls}
    for _ in range(rounds):
        for label, call in calls.items():
            seconds[label].append(timed(call))
    ratios = [o / n for o, n in zip(seconds["old"], seconds["new"], strict=True)]
    return {"old s": statistics.median(seconds["old"]), "new s": statistics.median(seconds["new"]),
            "speed-up": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}


def measure_rollouts(args, num_rollouts: int, modules: dict) -> list[dict]:
    """The two rows of one ``num_rollouts``: the rewards call and the adversarial step, old and new paired."""
    generator, discriminator, real, models = build(args, num_rollouts, modules)
    tokens = generator.sample(args.batch, seed=2)
    seed = tf.constant([3, 0], tf.int64)
    rewards = {label: tf.function(lambda m=module: m.rewards_graph(generator, discriminator, tokens,
                                                                   num_rollouts, seed))
               for label, module in modules.items()}
    means = {label: float(tf.reduce_mean(fn())) for label, fn in rewards.items()}
    base = {"num_rollouts": num_rollouts, "mean reward old": round(means["old"], 4),
            "mean reward new": round(means["new"], 4)}
    steps = {label: lambda m=model: m.train_on_batch(real, return_dict=True) for label, model in models.items()}
    return [{"timed": "rewards call", **base, **paired(rewards, args.rounds)},
            {"timed": "adversarial step", **base, **paired(steps, args.rounds)}]


def measure(args) -> dict:
    """Every figure: a table (one row per num_rollouts and what is timed) and the sizes."""
    modules = {"old": old_rollout(args.old), "new": rollout}
    rows = [row for num_rollouts in args.rollouts for row in measure_rollouts(args, num_rollouts, modules)]
    table = pd.DataFrame(rows)[["num_rollouts", "timed", "old s", "new s", "speed-up", "min", "max",
                                "mean reward old", "mean reward new"]]
    sizes = {"vocab": args.vocab, "seq_len": args.seq_len, "batch": args.batch, "width": args.width,
             "rounds": args.rounds, "old": args.old}
    return {"table": table, "sizes": sizes}


def main(argv=None) -> dict:
    args = parse_args(argv)
    machine = machine_info()
    result = measure(args)
    machine["load after"] = os.getloadavg()
    print(f"machine: {machine}")
    print(f"sizes: {result['sizes']}")
    print(result["table"].round(3).to_string(index=False))
    if args.json:
        write_json(args.json, {"machine": machine, "sizes": result["sizes"],
                               "rows": result["table"].to_dict(orient="records")})
    return result


if __name__ == "__main__":
    main()
