"""The figure of the comparison: grammatical fraction per pair, and quality against diversity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import GanTextError
from ..plots import plot_quality_diversity
from .compare import COLUMNS
from .families import BASE_DISCRIMINATOR, BASE_GENERATOR

ZOOM = 0.05  # plot_architectures zooms on the points within this distance of the median (BLEU units)


def plot_architectures(frame: pd.DataFrame, real=None):
    """Two panels for :func:`compare_architectures`'s frame; returns the matplotlib Figure.

    Left: the grammatical fraction of every pair as a bar, each labelled with its parameters (G + D, in
    thousands) and its adversarial steps per second. Right: BLEU-3 (quality, higher is better) against
    Self-BLEU-3 (lower is more diverse), one point per pair; ``real``
    (:func:`~gan_text.metrics.real_data_row` with ``ns=(3,)``) adds the real-data star. When some points
    lie far from the rest, an inset zooms on those within 0.05 of the median point.
    """
    import matplotlib.pyplot as plt

    missing = [c for c in COLUMNS if c not in getattr(frame, "columns", ())]
    if not isinstance(frame, pd.DataFrame) or frame.empty or missing:
        raise GanTextError("plot_architectures needs the non-empty DataFrame of compare_architectures"
                           + (f" (column {missing[0]!r} is missing)" if missing else ""))
    labels = [f"{g} G\n{d} D" for g, d in zip(frame["generator"], frame["discriminator"], strict=True)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 5), gridspec_kw={"width_ratios": [1.6, 1]})
    colors = ["tab:blue" if d == BASE_DISCRIMINATOR else "tab:orange" for d in frame["discriminator"]]
    bars = left.bar(range(len(frame)), frame["grammatical_fraction"].fillna(0.0), color=colors)
    for bar, (_, row) in zip(bars, frame.iterrows(), strict=True):
        left.annotate(f"{(row['g_params'] + row['d_params']) / 1000:.0f}k\n{row['steps_per_second']:.0f}/s",
                      (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                      fontsize="x-small", textcoords="offset points", xytext=(0, 2))
    left.set_xticks(range(len(frame)), labels, fontsize="small")
    left.set(ylim=(0, 1.15), ylabel="grammatical fraction (higher = better)",
             title="Grammatical samples (labels: G + D parameters, adversarial steps/s)")
    left.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in ("tab:blue", "tab:orange")],
                labels=[f"generator families (with the {BASE_DISCRIMINATOR} D)",
                        f"discriminator families (with the {BASE_GENERATOR} G)"], fontsize="small", loc="upper right")
    points = {label.replace("\n", " x "): frame.iloc[[i]] for i, label in enumerate(labels)}
    plot_quality_diversity(points, real=real, x="self_bleu_3", y="bleu_3", ax=right,
                           title="Quality against diversity")
    _zoom(right)
    fig.tight_layout()
    return fig


def _zoom(ax, half_width: float = ZOOM) -> None:
    """If some points lie far from the others, add an inset that zooms on those within ``half_width``
    of the median point (both axes), so that one outlier does not squash the rest into a corner."""
    from matplotlib.ticker import MaxNLocator
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 1]
    xy = np.array([[float(line.get_xdata()[0]), float(line.get_ydata()[0])] for line in lines])
    if len(xy) < 3 or not np.isfinite(xy).all():
        return
    near = (np.abs(xy - np.median(xy, axis=0)) <= half_width).all(axis=1)
    if near.all() or near.sum() < 2:
        return
    inset = ax.inset_axes([0.08, 0.08, 0.5, 0.5])
    for line, close in zip(lines, near, strict=True):
        if close:
            inset.plot(line.get_xdata(), line.get_ydata(), marker=line.get_marker(), color=line.get_color(),
                       markersize=line.get_markersize(), linestyle="none")
    low, high = xy[near].min(axis=0), xy[near].max(axis=0)
    margin = np.maximum((high - low) * 0.15, 0.002)
    inset.set(xlim=(low[0] - margin[0], high[0] + margin[0]), ylim=(low[1] - margin[1], high[1] + margin[1]))
    inset.tick_params(labelsize="x-small")
    for axis in (inset.xaxis, inset.yaxis):
        axis.set_major_locator(MaxNLocator(4))
    ax.indicate_inset_zoom(inset, edgecolor="grey")
