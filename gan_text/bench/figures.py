"""The plot of a benchmark's results, saved next to its CSV files (``<benchmark>_<profile>.png``).

- oracle: NLL-oracle and NLL-gen over training (thin lines: seeds; thick: their mean; dashed: the
  oracle's floor), and NLL-oracle against NLL-gen at the end: the MLE temperature sweep as a curve,
  each GAN run as a point. A point below the MLE curve writes better samples at equal coverage.
- coco: BLEU-2..5 of each recipe (mean and standard deviation over seeds) with the published values as
  crosses and real text dashed, BLEU-4 over training (``n_eval`` samples at each evaluation point), and
  BLEU-5 against Self-BLEU-5 (the MLE sweep, the GANs, real text).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import atomic_path
from ..plots import plot_quality_diversity
from .budgets import RECIPES
from .published import published_table

COLORS = {recipe: f"C{i}" for i, recipe in enumerate(RECIPES)}
NAMES = {"mle": "MLE", "seqgan": "SeqGAN", "relgan": "RelGAN"}


def _curve_panel(ax, curves: pd.DataFrame, metric: str, floor: float | None, title: str,
                 ylabel: str | None = None, floor_label: str = "oracle (floor)") -> None:
    data = curves[curves["metric"] == metric]
    for recipe, group in data.groupby("recipe", sort=False):
        color = COLORS.get(recipe, "grey")
        for _, seed_rows in group.groupby("seed"):
            ax.plot(seed_rows["total_step"], seed_rows["value"], color=color, alpha=0.3, linewidth=0.8)
        mean = group.groupby("total_step")["value"].mean()
        ax.plot(mean.index, mean.values, color=color, linewidth=2, label=NAMES.get(recipe, recipe))
    if floor is not None:
        ax.axhline(floor, color="black", linestyle="--", linewidth=1, label=floor_label)
    ax.set(xlabel="training step (all phases)", ylabel=ylabel or f"{title} (nats/token, lower = better)",
           title=title)
    if not data.empty:
        ax.legend(fontsize="small")


def _oracle_figure(results, figure) -> None:
    left, middle, right = figure.subplots(1, 3)
    final = results.wide("final") if not results.final.empty else pd.DataFrame()
    floor = None
    if not final.empty and "oracle" in final.index.get_level_values("recipe"):
        floor = float(final.loc["oracle"]["nll_oracle"].iloc[0])
    _curve_panel(left, results.curves, "nll_oracle", floor, "NLL-oracle")
    _curve_panel(middle, results.curves, "nll_gen", floor, "NLL-gen")
    sweep = results.wide("sweep") if not results.sweep.empty else pd.DataFrame()
    if not sweep.empty and "mle" in sweep.index.get_level_values("recipe"):
        for i, (_, curve) in enumerate(sweep.loc["mle"].groupby(level="seed")):
            curve = curve.reset_index().sort_values("temperature")
            right.plot(curve["nll_gen"], curve["nll_oracle"], color=COLORS["mle"], marker=".", alpha=0.7,
                       label="MLE, temperature sweep" if i == 0 else None)
            if i == 0:
                for _, point in curve.iterrows():
                    right.annotate(f"T={point['temperature']:g}", (point["nll_gen"], point["nll_oracle"]),
                                   textcoords="offset points", xytext=(4, 4), fontsize="x-small")
    if not final.empty:
        for recipe in RECIPES:
            if recipe in final.index.get_level_values("recipe") and "nll_gen" in final.columns:
                points = final.loc[recipe]
                right.scatter(points["nll_gen"], points["nll_oracle"], color=COLORS[recipe], marker="o",
                              edgecolor="black", zorder=3, label=f"{NAMES[recipe]} (T=1, each seed)")
        if floor is not None:
            right.scatter([floor], [floor], marker="*", s=150, color="black", zorder=3, label="oracle")
    right.set(xlabel="NLL-gen (coverage of test data; lower = better)", ylabel="NLL-oracle (quality; lower = better)",
              title="Quality against coverage (better: lower left)")
    right.legend(fontsize="small")


def _coco_figure(results, figure) -> None:
    left, middle, right = figure.subplots(1, 3)
    ns = [2, 3, 4, 5]
    final = results.wide("final") if not results.final.empty else pd.DataFrame()
    published = published_table("coco")
    recipes = [r for r in RECIPES if not final.empty and r in final.index.get_level_values("recipe")]
    for recipe in recipes:
        rows = final.loc[recipe][[f"bleu_{n}" for n in ns]]
        std = rows.std().fillna(0.0) if len(rows) > 1 else [0.0] * len(ns)
        left.errorbar(ns, rows.mean(), yerr=std, color=COLORS[recipe], marker="o", capsize=3,
                      label=f"{NAMES[recipe]} (ours)")
    for recipe in RECIPES:
        ref = published[(published["model"] == recipe) & published["metric"].str.startswith("bleu_")]
        if not ref.empty:
            left.plot([int(m[-1]) for m in ref["metric"]], ref["value"], color=COLORS[recipe], marker="x",
                      linestyle=":", label=f"{NAMES[recipe]} (published)")
    if not final.empty and "real" in final.index.get_level_values("recipe"):
        real = final.loc["real"].iloc[0]
        left.plot(ns, [real[f"bleu_{n}"] for n in ns], color="black", linestyle="--", marker="*", label="real text")
    left.set(xlabel="n-gram order n", ylabel="BLEU-n (higher = better)", xticks=ns,
             title="BLEU against the test set (texygen protocol)")
    left.legend(fontsize="small")
    real_bleu = float(final.loc["real"].iloc[0]["bleu_4"]) if (
        not final.empty and "real" in final.index.get_level_values("recipe")) else None
    _curve_panel(middle, results.curves, "bleu_4", real_bleu, "BLEU-4 over training",
                 ylabel="BLEU-4 (higher = better)", floor_label="real text")
    frames = {}
    sweep = results.wide("sweep") if not results.sweep.empty else pd.DataFrame()
    if not sweep.empty and "mle" in sweep.index.get_level_values("recipe"):
        first = sweep.loc["mle"].index.get_level_values("seed")[0]
        frames["MLE, temperature sweep"] = sweep.loc[("mle", first)].reset_index()
    for recipe in recipes:
        if recipe != "mle" and {"bleu_5", "self_bleu_5"} <= set(final.columns):
            frames[f"{NAMES[recipe]} (T=1, mean of seeds)"] = final.loc[recipe].mean().to_frame().T
    if frames:
        real = final.loc["real"].iloc[0] if "real" in final.index.get_level_values("recipe") else None
        plot_quality_diversity(frames, real=real, ax=right, title="Quality against diversity")


def plot_results(results, path) -> Path:
    """Draw the figure of ``results`` (:class:`~gan_text.bench.results.Results`) and save it atomically
    as PNG at ``path``."""
    from matplotlib.figure import Figure

    oracle = results.benchmark == "oracle"
    figure = Figure(figsize=(17, 4.8))
    (_oracle_figure if oracle else _coco_figure)(results, figure)
    seeds = results.meta.get("seeds", {})
    figure.suptitle(f"{results.benchmark} benchmark, {results.profile} profile; seeds: "
                    + ", ".join(f"{NAMES.get(r, r)} {len(s)}" for r, s in seeds.items()), fontsize="medium")
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    return Path(path)


__all__ = ["plot_results"]
