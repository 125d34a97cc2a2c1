"""The README's section on the papers' benchmarks, rendered from the committed results files.

Run from the repository root::

    python benchmarks/readme_results.py           # rewrite README.md between the two markers
    python benchmarks/readme_results.py --check   # exit 1 (one line) if README.md is stale

It reads ``gan_text/bench/data/`` (``--out`` for another folder) with :func:`gan_text.bench.load_results`:
``oracle_course*`` and ``coco_course*``, and ``oracle_full*`` / ``coco_full*`` when they exist (else one
sentence says that the ``full`` profile has not been run). Every number, and every word that depends on one
("below" or "above" the tempered-MLE curve, who is furthest behind), comes from those files, from
:mod:`gan_text.bench.published` or from the budgets in the JSON; nothing is typed in. Only the text between
:data:`BEGIN` and :data:`END` is replaced, so the rest of README.md may be edited freely.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from gan_text.atomic import write_text
from gan_text.bench import (
    PLANS,
    load_results,
    matched_comparison,
    matched_verdict,
    published_table,
    results_table,
)
from gan_text.bench.budgets import BATCH_SIZE, RECIPES
from gan_text.bench.published import SOURCES
from gan_text.bench.results import LABELS, paths, total_seconds
from gan_text.corpora.oracle import OracleLM

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BEGIN = "<!-- bench-results:begin -->"
END = "<!-- bench-results:end -->"
NOTE = ("<!-- Generated from gan_text/bench/data/ by `python benchmarks/readme_results.py`: edit that script,\n"
        "     not this section (tests/test_readme_results.py checks that the two agree). -->")
PROFILES = ("course", "full")
NAMES = {"mle": "MLE", "seqgan": "SeqGAN", "relgan": "RelGAN", "rankgan": "RankGAN", "leakgan": "LeakGAN",
         "oracle": "oracle (floor)", "real": "real (train vs test)"}
GANS = ("seqgan", "relgan")
PHASES = {"pretrain": "MLE", "mle": "MLE", "pretrain_d": "D", "adversarial": "adversarial"}  # in training order
BLEU = ("bleu_2", "bleu_3", "bleu_4", "bleu_5")
TRADE_NATS = 1.0  # issue #14's acceptance: RelGAN's NLL-oracle at least 1 nat below MLE's while NLL-gen rises
ORACLE = {k: inspect.signature(OracleLM).parameters[k].default for k in ("vocab_size", "seq_len")}
WIDTH = 120  # the README's line length
UNBROKEN = re.compile(r"`[^`]*`|\[[^\]]*\]\([^)]*\)")  # code spans and links: never folded inside


# --- small pieces ---------------------------------------------------------------------------------------

def number(mean: float, std: float = float("nan"), seeds: int = 1) -> str:
    """``9.218``, ``9.218 ± 0.040`` over several seeds, or ``-`` for none."""
    if pd.isna(mean):
        return "-"
    return f"{mean:.3f}" + (f" ± {std:.3f}" if seeds > 1 and not pd.isna(std) else "")


def side(value: float, above: str, below: str, level: str = "on") -> str:
    """A word chosen by the sign of ``value``."""
    return above if value > 0 else below if value < 0 else level


def names(models) -> str:
    """``MLE``, ``MLE and RelGAN``, ``MLE, SeqGAN and RelGAN``."""
    items = [NAMES.get(m, m) for m in models]
    return " and ".join(items) if len(items) < 3 else f"{', '.join(items[:-1])} and {items[-1]}"


def wrap(paragraph: str) -> str:
    """A paragraph or a bullet of the section folded at :data:`WIDTH` (tables, headings, images untouched)."""
    if paragraph.startswith(("|", "#", "<!--", "[![")) or len(paragraph) <= WIDTH:
        return paragraph
    indent = "  " if paragraph.startswith("- ") else ""
    glued = UNBROKEN.sub(lambda m: m.group().replace(" ", "\0"), paragraph)
    folded = textwrap.fill(glued, WIDTH, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    return folded.replace("\0", " ")


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows)]


def link(path: Path, root: Path) -> str:
    """``path`` relative to the README's folder, with forward slashes."""
    return Path(os.path.relpath(Path(path).resolve(), Path(root).resolve())).as_posix()


def run_budget(info: dict, budget: dict) -> str:
    """One run's steps from its JSON record: ``1,500 MLE + 200 D + 30 adversarial steps``."""
    phases = info.get("phases", {})
    parts = [f"{budget['pretrain_steps']:,} MLE (shared)"] if info.get("pretraining") else []
    parts += [f"{phases[p]:,} {label}" for p, label in PHASES.items() if phases.get(p)]
    text = " + ".join(parts) + " steps" if parts else "-"
    stopped = info.get("early_stopping")
    return text + (f", scored at step {stopped['total_step']:,} (best held-out NLL)" if stopped else "")


def absent(model: str) -> str:
    """Why a model has no row of ours: a recipe of ours left out of this run, or one we do not have."""
    return "not run" if model in RECIPES else "not implemented"


def first_run(results, recipe: str) -> dict:
    runs = results.meta.get("runs", {})
    return next((runs[key] for key in sorted(runs) if key.split("/")[0] == recipe), {})


def setting(results) -> str:
    """Seeds, machine, precision and seconds of one results file, from its JSON."""
    meta = results.meta
    seeds = {r: list(s) for r, s in meta.get("seeds", {}).items()}
    same = {tuple(s) for s in seeds.values()}
    if len(same) == 1:
        (shared,) = same
        text = (f"Measured with **one seed** (seed {shared[0]})" if len(shared) == 1
                else f"Measured with **{len(shared)} seeds** ({', '.join(map(str, shared))})")
    else:
        text = "Measured with seeds " + "; ".join(f"{NAMES.get(r, r)} {', '.join(map(str, s))}"
                                                  for r, s in seeds.items())
    machine = meta.get("machine", {})
    gpus = machine.get("gpus") or []
    text += f" on {machine.get('cpu_count', '?')} CPU cores" + (f" and {', '.join(gpus)}" if gpus else ", no GPU")
    if meta.get("precision"):
        text += f", precision `{meta['precision']}`"
    spent = total_seconds(meta.get("runs", {}))
    return text + f"; {spent['total_seconds']:,.0f} s wall, {spent['total_cpu_seconds']:,.0f} s CPU for all runs"


def sources_of(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["source"].dropna()))


def cite(source, sources: list[str]) -> str:
    return f" [{sources.index(source) + 1}]" if isinstance(source, str) else ""


def theirs(benchmark: str, model: str) -> str:
    """The published entry's note (e.g. what differs from ours), as ``; theirs: ...``, or nothing."""
    notes = published_table(benchmark).query("model == @model")["note"]
    notes = [n for n in dict.fromkeys(notes) if n]
    return f"; theirs: {'; '.join(notes)}" if notes else ""


def ours_cell(rows_of: pd.DataFrame, model: str, metric: str) -> str:
    """Our mean (± std over seeds) of ``metric`` in the results table, a share as a percentage, or ``-``."""
    if (model, metric) not in rows_of.index or not rows_of.loc[(model, metric), "seeds"]:
        return "-"
    row = rows_of.loc[(model, metric)]
    return f"{row['ours_mean']:.0%}" if metric == "oracle_scored" else number(row["ours_mean"], row["ours_std"],
                                                                              row["seeds"])


def heading(results, title: str, root: Path) -> list[str]:
    files = results.paths
    return [f"### {title}, `{results.profile}` profile", "",
            f"[![{results.benchmark} benchmark, {results.profile} profile]({link(files['plot'], root)})]"
            f"({link(files['plot'], root)})", "",
            f"Files: [`{files['final'].name}`]({link(files['final'], root)}) (final scores), "
            f"`{files['curves'].name}` (over training), `{files['sweep'].name}` (MLE temperature sweep), "
            f"[`{files['meta'].name}`]({link(files['meta'], root)}) (machine, versions, budgets, seconds). "
            f"{setting(results)}.", ""]


# --- the oracle -----------------------------------------------------------------------------------------

def curve_points(results) -> pd.DataFrame:
    """NLL-oracle and NLL-gen (mean over seeds) at the end of the shared pre-training and at the end of each
    recipe's curve: index recipe, columns ``<metric>_pretrained``, ``<metric>_end`` and the two steps."""
    curves = results.curves[results.curves["metric"].isin(["nll_oracle", "nll_gen"])]
    pretrain_steps = results.meta.get("budget", {}).get("pretrain_steps", 0)
    rows = {}
    for recipe, group in curves.groupby("recipe", sort=False):
        mean = group.groupby(["total_step", "metric"])["value"].mean().unstack()
        before = mean.index[mean.index <= pretrain_steps]
        start, end = (before.max() if len(before) else np.nan), mean.index.max()
        rows[recipe] = {"pretrained_step": start, "end_step": end,
                        **{f"{m}_pretrained": mean.loc[start, m] if len(before) else np.nan for m in mean},
                        **{f"{m}_end": mean.loc[end, m] for m in mean}}
    return pd.DataFrame.from_dict(rows, orient="index")


def trade_sentence(final: pd.DataFrame, points: pd.DataFrame) -> str:
    """Is RelGAN's published trade (NLL-oracle far below MLE's while NLL-gen rises) in these files?"""
    if not {"mle", "relgan"} <= set(final.index) or "relgan" not in points.index or "nll_gen_end" not in points:
        return ""
    below = final.loc["mle", "nll_oracle"] - final.loc["relgan", "nll_oracle"]
    rise = points.loc["relgan", "nll_gen_end"] - points.loc["relgan", "nll_gen_pretrained"]
    done = below >= TRADE_NATS and rise > 0
    missing = [text for ok, text in ((below >= TRADE_NATS, f"NLL-oracle {TRADE_NATS:g} nat below MLE's"),
                                     (rise > 0, "a rising NLL-gen")) if not ok]
    return (f"RelGAN's NLL-oracle ends {abs(below):.3f} nats {side(below, 'below', 'above')} MLE's, and its "
            f"NLL-gen {side(rise, 'rises', 'falls', 'stays')} by {abs(rise):.3f} from the end of pre-training to "
            f"the end of its run: the paper's trade "
            + ("(NLL-oracle far below MLE's, paid for with coverage) is reproduced." if done else
               f"is not reproduced here (missing: {' and '.join(missing)}).")) + " "


def oracle_block(results, root: Path) -> list[str]:
    table = results_table(results.benchmark, results.profile, results=results)
    rows_of = table.set_index(["model", "metric"])
    final = table.pivot_table(index="model", columns="metric", values="ours_mean")
    budget = results.meta.get("budget", {})
    sources = sources_of(table[table["metric"] == "nll_oracle"])
    run = first_run(results, "mle").get("settings", {})
    lines = heading(results, "Synthetic oracle", root)
    lines += [f"Vocabulary {ORACLE['vocab_size']:,}, length {ORACLE['seq_len']}, generator "
              f"{run.get('cell', '').upper()} {run.get('hidden_dim', '?')}, {budget.get('n_train', 0):,} training "
              f"sentences, batch {BATCH_SIZE}; NLL in nats per token, lower is better; "
              f"{budget.get('n_final', 0):,} samples scored. "
              f"*Share scored*: the samples that reach {ORACLE['seq_len']} tokens, over which NLL-oracle is computed.",
              ""]
    rows = []
    for model in dict.fromkeys(table["model"]):
        if (model, "nll_oracle") not in rows_of.index:
            continue
        row = rows_of.loc[(model, "nll_oracle")]
        budget_text = "-" if model == "oracle" else (
            run_budget(first_run(results, model), budget) if row["seeds"] else absent(model))
        rows.append([NAMES.get(model, model), ours_cell(rows_of, model, "nll_oracle"),
                     ours_cell(rows_of, model, "oracle_scored"),
                     number(row["published"]) + cite(row["source"], sources),
                     "-" if pd.isna(row["difference"]) else f"{row['difference']:+.3f}",
                     ours_cell(rows_of, model, "nll_gen"), budget_text])
    lines += markdown_table(["model", "NLL-oracle (ours)", "share scored", "published NLL-oracle", "ours - published",
                             "NLL-gen (ours)", "budget (ours)"], rows)
    lines += ["", *(f"[{i + 1}] {s}" for i, s in enumerate(sources)), ""]
    floor = final.loc["oracle", "nll_oracle"] if "oracle" in final.index else np.nan
    text = (f"The oracle's own samples score {floor:.3f} (the floor); {results.meta.get('caveat', '')}. "
            if not pd.isna(floor) else "")
    matched = matched_comparison(results)
    hits = matched.dropna(subset=["gain"]).groupby("recipe", sort=False)[["mle_temperature", "mle_nll_oracle",
                                                                         "gain"]].mean()
    if not hits.empty:
        text += "At the same NLL-gen (coverage), " + "; ".join(
            f"the MLE model sampled at temperature {h['mle_temperature']:.2f} has NLL-oracle "
            f"{h['mle_nll_oracle']:.3f}, "
            f"so {NAMES[g]} ({h['gain']:+.3f} nats) lies {side(h['gain'], 'below', 'above')} the tempered-MLE curve"
            for g, h in hits.iterrows()) + " (below: better samples at equal coverage). "
    points = curve_points(results)
    text += trade_sentence(final, points)
    behind = table[(table["metric"] == "nll_oracle") & (table["seeds"] > 0) & table["difference"].notna()]
    if not behind.empty:
        worst = behind.loc[behind["difference"].idxmax()]
        over = behind[behind["difference"] > 0]["model"]
        text += (f"**Where we are behind:** {names(over) if len(over) else 'no model'} "
                 f"{'is' if len(over) == 1 else 'are'} above the published NLL-oracle"
                 + (f", {NAMES[worst['model']]} the most ({worst['difference']:+.3f} nats"
                    f"{theirs(results.benchmark, worst['model'])})" if len(over) else "") + ". ")
    full = PLANS[(results.benchmark, "full")]
    if results.profile != "full":
        text += (f"The papers' budgets, those of the `full` profile, are {full.pretrain_steps:,} pre-training "
                 f"steps and {full.steps:,} adversarial steps (RelGAN), against "
                 f"{budget.get('pretrain_steps', 0):,} and {budget.get('steps', 0):,} here.")
    lines += [text.strip(), "", *(f"- {line}" for line in matched_verdict(matched)), ""]
    if not points.empty:
        lines += [f"NLL-oracle and NLL-gen over training (the plot's left panels; {budget.get('n_eval', 0):,} samples "
                  f"per point, mean over seeds), at the end of the shared pre-training and at the end of each run:", ""]
        lines += markdown_table(
            ["model", "steps", "NLL-oracle after pre-training", "NLL-oracle at the end", "NLL-gen after pre-training",
             "NLL-gen at the end"],
            [[NAMES.get(r, r), f"{p['pretrained_step']:,.0f} → {p['end_step']:,.0f}",
              *(number(p[f"{m}_{at}"]) for m in ("nll_oracle", "nll_gen") for at in ("pretrained", "end"))]
             for r, p in points.iterrows()])
        lines += [""]
    return lines


# --- COCO -----------------------------------------------------------------------------------------------

def curve_gap(results) -> dict[str, tuple[float, float, int]]:
    """Each GAN's BLEU-5 minus the MLE temperature curve's at the GAN's own Self-BLEU-5 (the curve of the sweep's
    means over seeds): (mean over seeds, its standard error (nan for one seed), seeds)."""
    sweep = results.wide("sweep").reset_index().groupby("temperature")[["bleu_5", "self_bleu_5"]].mean()
    final = results.wide().reset_index()
    curve = sweep.sort_values("self_bleu_5")
    gaps = {}
    for g in GANS:
        rows = final[final["recipe"] == g]
        if rows.empty:
            continue
        values = rows["bleu_5"].to_numpy() - np.interp(rows["self_bleu_5"], curve["self_bleu_5"], curve["bleu_5"])
        se = float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")
        gaps[g] = (float(np.mean(values)), se, len(values))
    return gaps


def clearly_above(mean: float, se: float, seeds: int) -> bool:
    """Above the curve: by more than two standard errors over seeds, or, with one seed, by what the text shows."""
    return mean > 2 * se if seeds > 1 else round(mean, 3) > 0


def coco_block(results, root: Path) -> list[str]:
    table = results_table(results.benchmark, results.profile, results=results)
    rows_of = table.set_index(["model", "metric"])
    budget = results.meta.get("budget", {})
    sources = sources_of(table[table["metric"].isin([*BLEU, "self_bleu_5"])])
    lines = heading(results, "COCO captions", root)
    lines += [f"Texygen's split: {budget.get('n_train', 0):,} training and {budget.get('n_test', 0):,} test captions; "
              f"BLEU-n of {budget.get('n_final', 0):,} samples at temperature 1, each scored by nltk's `sentence_bleu` "
              f"(uniform weights, smoothing method 1) against all {budget.get('n_test', 0):,} test captions, averaged; "
              f"Self-BLEU-n of the same samples, each against the others.", ""]
    metrics = [*BLEU, "self_bleu_5"]
    rows = []
    for model in dict.fromkeys(table["model"]):
        cells = {m: rows_of.loc[(model, m)] for m in metrics if (model, m) in rows_of.index}
        ours = [number(cells[m]["ours_mean"], cells[m]["ours_std"], cells[m]["seeds"]) if m in cells else "-"
                for m in metrics]
        published = [cells[m] for m in BLEU if m in cells and not pd.isna(cells[m]["published"])]
        text = " / ".join(number(cells[m]["published"]) if m in cells else "-" for m in BLEU) + cite(
            published[0]["source"], sources) if published else "-"
        if "self_bleu_5" in cells and not pd.isna(cells["self_bleu_5"]["published"]):
            text += f"; {LABELS['self_bleu_5']} {number(cells['self_bleu_5']['published'])}" + cite(
                cells["self_bleu_5"]["source"], sources)
        ran = any(c["seeds"] > 0 for c in cells.values())
        budget_text = run_budget(first_run(results, model), budget) if ran and model != "real" else (
            "-" if ran else absent(model))
        rows.append([NAMES.get(model, model), *ours, text, budget_text])
    lines += markdown_table(["model", *(LABELS[m] for m in metrics), "published BLEU-2..5", "budget (ours)"], rows)
    lines += ["", *(f"[{i + 1}] {s}" for i, s in enumerate(sources)), ""]
    compared = table[table["metric"].isin([*BLEU, *(f"self_bleu_{k}" for k in range(2, 6))])
                     & table["difference"].notna()]
    text = ""
    real = compared[compared["model"] == "real"]
    if not real.empty:
        exact = (real["ours_mean"].round(3) == real["published"].round(3)).all()
        text += ("Real text reproduces Texygen's BLEU and Self-BLEU to three decimals, so our metric is theirs. "
                 if exact else f"Real text differs from Texygen's BLEU and Self-BLEU by up to "
                               f"{real['difference'].abs().max():.3f}. ")
    gaps = compared[compared["model"].isin([m for m in dict.fromkeys(table["model"]) if m != "real"])
                    & compared["metric"].isin(BLEU)]
    spans = gaps.groupby("model", sort=False)["difference"].agg(["min", "max"])
    text += "Ours minus published on BLEU-2..5: " + "; ".join(
        f"{NAMES[m]} {s['min']:+.3f} to {s['max']:+.3f} (against"
        f"{cite(gaps[gaps['model'] == m]['source'].iloc[0], sources)})"
        for m, s in spans.iterrows()) + ". " if not spans.empty else ""
    if not spans.empty and round(spans["min"].min(), 3) >= 0:
        text += "**No model is behind** the published BLEU-2..5 here. "
    elif not spans.empty:
        worst = spans["min"].idxmin()
        note = first_run(results, worst).get("settings", {})
        text += (f"**Where we are behind:** {NAMES[worst]} the most ({spans.loc[worst, 'min']:+.3f}; ours an "
                 f"{note.get('cell', '').upper()} {note.get('hidden_dim', '?')}, "
                 f"{run_budget(first_run(results, worst), budget)}{theirs(results.benchmark, worst)}). ")
    gap = curve_gap(results) if not results.sweep.empty else {}
    if gap:
        sweep = results.wide("sweep").reset_index().groupby("temperature")[["bleu_5", "self_bleu_5"]].mean()
        above = [g for g, v in gap.items() if clearly_above(*v)]
        seeds = max(n for _, _, n in gap.values())
        text += ("Against the MLE model's temperature curve (BLEU-5 read at each GAN's own Self-BLEU-5): "
                 + "; ".join(f"{NAMES[g]} {v:+.3f}" + (f" ± {se:.3f}" if n > 1 else "") for g, (v, se, n) in gap.items())
                 + (f" (mean ± standard error over {seeds} seeds)" if seeds > 1 else "")
                 + f", so {names(above) + (' lies' if len(above) == 1 else ' lie') if above else 'neither GAN lies'} "
                 + ("above it by more than two standard errors " if seeds > 1 else "above it ")
                 + f"(the MLE at temperature {sweep.index.min():g} scores BLEU-5 "
                 f"{sweep['bleu_5'].iloc[0]:.3f} at Self-BLEU-5 {sweep['self_bleu_5'].iloc[0]:.3f}, at "
                 f"{sweep.index.max():g} {sweep['bleu_5'].iloc[-1]:.3f} at {sweep['self_bleu_5'].iloc[-1]:.3f}).")
    return [*lines, text.strip(), ""]


# --- the section ----------------------------------------------------------------------------------------

def render(out=None, root: Path = REPO) -> str:
    """The text between the markers: every (benchmark, profile) whose files exist in ``out`` (default: the
    shipped results), links relative to ``root`` (the README's folder)."""
    present = [(b, p) for b in ("oracle", "coco") for p in PROFILES if paths(out, b, p)["final"].is_file()]
    lines = [NOTE, "",
             "`python -m gan_text bench oracle` and `python -m gan_text bench coco` run MLE, SeqGAN and RelGAN on the "
             "two benchmarks of the text-GAN papers and write CSV files, a JSON record (machine, versions, budgets, "
             "seconds) and a plot into [`gan_text/bench/data/`](gan_text/bench/data/), which ships with the package, "
             "so [notebook 11](notebooks/11_reproducing_papers.ipynb) reads them offline, on Colab too. Everything "
             "below is rendered from those files. Published values are from the papers' tables; \"ours - published\" "
             "is only meaningful where the setting is the same.", ""]
    for benchmark, profile in present:
        results = load_results(benchmark, profile, out)
        lines += (oracle_block if benchmark == "oracle" else coco_block)(results, root)
    missing = [b for b in ("oracle", "coco") if (b, "full") not in present]
    if missing:
        lines += [f"The `full` profile (the papers' budgets) has not been run for {' and '.join(missing)}: "
                  f"`python -m gan_text bench {missing[0]} --profile full` writes its files, and "
                  f"`python benchmarks/readme_results.py` adds them here.", ""]
    lines += ["Sources: " + "; ".join(f"{name}: {text}" for name, text in SOURCES.items()) + "."]
    return "\n".join(wrap(line) for line in lines)


def replace_section(readme: str, body: str) -> str:
    """``readme`` with the text between :data:`BEGIN` and :data:`END` replaced by ``body``; ValueError unless
    each marker occurs exactly once, BEGIN first."""
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        raise ValueError(f"README.md must hold {BEGIN} and then {END}, each exactly once")
    head, rest = readme.split(BEGIN)
    return f"{head}{BEGIN}\n{body}\n{END}{rest.split(END, 1)[1]}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md differs from the rendering")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--out", default=None, help="the results folder (default: gan_text/bench/data)")
    args = parser.parse_args(argv)
    readme = args.readme.read_text(encoding="utf-8")
    try:
        updated = replace_section(readme, render(args.out, args.readme.resolve().parent))
    except ValueError as err:
        print(f"{args.readme}: {err}", file=sys.stderr)
        return 2
    if args.check:
        if updated != readme:
            print(f"{args.readme}: the benchmark results section is stale; run `python benchmarks/readme_results.py`",
                  file=sys.stderr)
            return 1
        return 0
    if updated != readme:
        write_text(args.readme, updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
