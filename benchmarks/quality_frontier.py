"""The quality frontier of the recipes over seeds: GANs beside the tempered MLE curve, on the grammar corpus.

Run from the repository root::

    python benchmarks/quality_frontier.py                                  # relgan and mle, seeds 0 1 2, course
    python benchmarks/quality_frontier.py --recipes relgan,mle,guided --seeds 0
    python benchmarks/quality_frontier.py --set relgan.d_steps=3 --set relgan.beta_max=10 --out /tmp/variant
    python benchmarks/quality_frontier.py --quick                          # smoke profile: checks it runs

Every run is ``gan_text.training.train`` on the grammar corpus, as ``python -m gan_text train`` does, into
``OUT/runs/<recipe>-seed<seed>`` (an existing run is resumed, so an interrupted benchmark continues where it
stopped, and a finished one is only scored again). Each run is then scored by
:func:`gan_text.frontier.quality_frontier` at every temperature: ``n`` samples per point, quality = the share
that is grammatical and not a copy of a training sentence (± its binomial standard error), diversity = the
test sentences' NLL under the tempered model, Self-BLEU-3 and distinct-2. A recipe with a pre-training phase
before its adversarial one is scored at the end of pre-training too (``<recipe> pre-trained``): what the
adversarial phase changed. Nothing is chosen or tuned on the test sentences.

Printed: the curves (mean over seeds), the T = 1 point of every run with its time, and each GAN point
against the MLE curve at the same NLL-test, or at the same Self-BLEU-3 for a sampler without a likelihood
(``guided``) (the MLE quality interpolated along its temperature curve, per seed): the difference in points and in standard errors (``sqrt(se_gan² + se_mle²)``); positive = above
the curve. Written into ``OUT``: ``frontier_<profile>.csv`` (every point, tidy), ``frontier_<profile>.json``
(machine, versions, settings, seconds) and ``frontier_<profile>.png`` (seed 0's curves).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import gan_text as gt  # noqa: E402
from gan_text.atomic import atomic_path, write_json  # noqa: E402
from gan_text.frontier import quality_frontier  # noqa: E402
from gan_text.metrics.frontier import DEFAULT_TEMPERATURES  # noqa: E402
from gan_text.training import checkpoints as ckpt  # noqa: E402
from gan_text.training.pretrained import pretrained_run  # noqa: E402
from gan_text.training.runs import train  # noqa: E402

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_report import machine_info  # noqa: E402

RECIPES = ("relgan", "mle", "guided", "seqgan", "wgan_gp", "seed")
QUICK = {"profile": "smoke", "seeds": (0,), "n": 24, "temperatures": (0.8, 1.0)}
SHOWN = ["quality", "quality_se", "nll_test", "self_bleu_3", "distinct_2", "mean_length"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", default="relgan,mle,guided",
                        help="comma-separated recipes (mle is the baseline; default relgan,mle,guided)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--profile", default="course")
    parser.add_argument("--temperatures", default=",".join(f"{t:g}" for t in DEFAULT_TEMPERATURES))
    parser.add_argument("-n", type=int, default=1000, help="samples per point")
    parser.add_argument("--set", action="append", default=[], metavar="RECIPE.KEY=VALUE",
                        help="a recipe setting, e.g. relgan.d_steps=3 (a JSON value)")
    parser.add_argument("--out", default=None, help="folder for runs and results (default benchmarks/results)")
    parser.add_argument("--quick", action="store_true", help="smoke profile, one seed, a few samples")
    args = parser.parse_args(argv)
    args.recipes = [r.strip() for r in args.recipes.split(",") if r.strip()]
    unknown = [r for r in args.recipes if r not in RECIPES]
    if unknown:
        parser.error(f"--recipes: unknown {unknown[0]}; choose from {', '.join(RECIPES)}")
    args.temperatures = [float(t) for t in args.temperatures.split(",")]
    args.settings = {}
    for item in args.set:
        key, _, value = item.partition("=")
        recipe, _, name = key.partition(".")
        if not name or recipe not in RECIPES:
            parser.error(f"--set: expected RECIPE.KEY=VALUE with a known recipe, got {item!r}")
        args.settings.setdefault(recipe, {})[name] = json.loads(value)
    if args.quick:
        args.profile, args.seeds, args.n, args.temperatures = (QUICK["profile"], list(QUICK["seeds"]), QUICK["n"],
                                                               list(QUICK["temperatures"]))
    default_out = Path(__file__).resolve().parent / "results"
    args.out = Path(args.out) if args.out else default_out
    return args


def run_recipe(recipe: str, seed: int, args, earlier: dict) -> tuple[object, float | None]:
    """The trained run of ``recipe`` at ``seed`` (resumed if its folder exists) and the seconds its training
    took: measured now, or, for a run an earlier call already finished, the figure that call recorded
    (``earlier``: ``{(recipe, seed): seconds}``; None if it recorded none)."""
    out = args.out / "runs" / f"{recipe}-seed{seed}"
    gt.setup(seed, quiet=True)  # op determinism: the same seed gives the same run
    finished = out.exists() and _finished(out)
    start = time.perf_counter()
    run = train("grammar", recipe, out=out, resume=out.exists(), profile=args.profile, seed=seed, verbose=0,
                **args.settings.get(recipe, {}))
    seconds = time.perf_counter() - start
    return run, earlier.get((recipe, seed)) if finished else seconds


def _finished(run_dir: Path) -> bool:
    """True when the run in ``run_dir`` has checkpointed the end of its last phase."""
    latest = ckpt.latest_checkpoint(run_dir / ckpt.CHECKPOINTS_DIR)
    last = json.loads((run_dir / "config.json").read_text())["phases"][-1]
    return latest is not None and latest.name == ckpt.checkpoint_name(last["name"], last["steps"])


def frontiers(run, recipe: str, seed: int, args) -> list[pd.DataFrame]:
    """The run's frontier, and its pre-trained generator's when the run has a pre-training phase first."""
    frames = []
    pretrained = pretrained_run(run) if recipe != "mle" else None  # the generator alone, no discriminator
    if pretrained is not None:
        frames.append(quality_frontier(pretrained, args.temperatures, n=args.n, label=f"{recipe} pre-trained",
                                       write=False, progress=False))
    frames.append(quality_frontier(run, args.temperatures, n=args.n, label=recipe, write=False, progress=False))
    for frame in frames:
        frame["run_seed"] = seed
    return frames


def matched(points: pd.DataFrame) -> pd.DataFrame:
    """Each non-MLE point against the MLE curve of the same seed at the same diversity (linear interpolation
    along the temperature curve): at the same NLL-test, or, for a sampler without a likelihood (``guided``),
    at the same Self-BLEU-3. Points outside the curve's range are left out."""
    rows = []
    for (label, seed, temperature), point in points.groupby(["label", "run_seed", "temperature"]):
        if label in ("mle", "real"):
            continue
        axis = "nll_test" if not math.isnan(point["nll_test"].iloc[0]) else "self_bleu_3"
        curve = points[(points["label"] == "mle") & (points["run_seed"] == seed)].sort_values(axis)
        x = float(point[axis].iloc[0])
        if curve.empty or not curve[axis].min() <= x <= curve[axis].max():
            continue
        mle_quality = float(np.interp(x, curve[axis], curve["quality"]))
        mle_se = float(np.interp(x, curve[axis], curve["quality_se"]))
        gap = float(point["quality"].iloc[0]) - mle_quality
        se = math.hypot(float(point["quality_se"].iloc[0]), mle_se)
        rows.append({"label": label, "seed": seed, "temperature": temperature, "matched_on": axis, "at": x,
                     "quality": float(point["quality"].iloc[0]), "mle_quality": mle_quality,
                     "gap_points": 100 * gap, "gap_se": gap / se if se > 0 else math.nan})
    return pd.DataFrame(rows)


def main(argv=None) -> dict:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"frontier_{args.profile}"
    record_path = args.out / f"{stem}.json"
    earlier = {} if not record_path.is_file() else {
        (t["recipe"], t["seed"]): t["train_s"] for t in json.loads(record_path.read_text()).get("times", [])}
    frames, times = [], []
    for recipe in args.recipes:
        for seed in args.seeds:
            run, train_s = run_recipe(recipe, seed, args, earlier)
            start = time.perf_counter()
            frames += frontiers(run, recipe, seed, args)
            times.append({"recipe": recipe, "seed": seed, "train_s": None if train_s is None else round(train_s, 1),
                          "frontier_s": round(time.perf_counter() - start, 1)})
            trained = "trained earlier" if train_s is None else f"trained in {train_s:.0f} s"
            print(f"{recipe} seed {seed}: {trained}, scored in {times[-1]['frontier_s']:.0f} s", flush=True)
    points = pd.concat(frames, ignore_index=True)
    models = points[points["label"] != "real"]
    curves = models.groupby(["label", "temperature"])[SHOWN].mean().round(3)
    print(f"\nquality frontier, grammar corpus, {args.profile} profile, {args.n} samples per point, mean over "
          f"seeds {args.seeds} (quality = grammatical and novel; NLL-test in nats/token)")
    print(curves.to_string())
    at_one = models[models["temperature"] == 1.0][["label", "run_seed", *SHOWN, "novelty", "duplicate_rate"]]
    print("\nat T = 1, every run:")
    print(at_one.round(3).to_string(index=False))
    comparison = matched(models)
    if not comparison.empty:
        print("\nagainst the MLE curve at the same NLL-test (or Self-BLEU-3 without a likelihood; positive = above):")
        print(comparison.round(3).to_string(index=False))
    print("\nseconds per run:")
    print(pd.DataFrame(times).to_string(index=False))

    csv = args.out / f"{stem}.csv"
    with atomic_path(csv) as tmp:
        points.to_csv(tmp, index=False)
    record = {"profile": args.profile, "recipes": args.recipes, "seeds": args.seeds, "n": args.n,
              "temperatures": args.temperatures, "settings": args.settings, "times": times,
              "machine": machine_info(), "matched": comparison.to_dict("records")}
    write_json(record_path, record)
    first = points[points["run_seed"] == args.seeds[0]]
    ax = gt.plots.plot_frontier(first.drop_duplicates(["label", "temperature"]))
    with atomic_path(args.out / f"{stem}.png") as tmp:
        ax.figure.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"\nwritten: {csv}, {args.out / (stem + '.json')}, {args.out / (stem + '.png')}")
    return {"points": points, "matched": comparison, "times": times}


if __name__ == "__main__":
    main()
