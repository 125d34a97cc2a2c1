"""The oracle benchmark's fair comparison: a GAN against the MLE model *at the same NLL-gen*.

Lowering the sampling temperature of any model improves its NLL-oracle (safer samples) and worsens its
NLL-gen (less of the real distribution covered), so a GAN that only sharpened its generator would look
better on NLL-oracle alone. :func:`matched_comparison` therefore reads the MLE temperature sweep at the
GAN's own NLL-gen and compares NLL-oracle there; :func:`matched_verdict` says in one sentence per GAN
whether the difference holds over the seeds.

Every recipe starts from the same pre-trained generator (:mod:`~gan_text.bench.pretraining`), and the
``mle`` model is scored at its best point on held-out sentences (:mod:`~gan_text.bench.early_stopping`),
so an MLE model that overfits by training longer cannot make a GAN look better. The curves (NLL-gen and
NLL-oracle at the end of pre-training) show how much the adversarial phase itself changed. Results written
before 2026-12-04 pre-trained each recipe on its own, and ``mle`` for ``pretrain_steps + steps`` steps.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .results import REFERENCES, Results


def matched_comparison(results: Results) -> pd.DataFrame:
    """Each GAN run (seqgan, relgan) against the MLE temperature sweep at the same NLL-gen (oracle).

    Cooling the MLE model lowers its NLL-oracle (better samples) and, below the temperature ``T*`` where
    its NLL-gen is lowest, raises its NLL-gen (worse coverage). For every GAN run the MLE sweep of the
    same seed (else the first MLE seed), restricted to ``T <= T*``, is interpolated linearly at the GAN's
    NLL-gen: ``mle_temperature`` is where the MLE model covers the test data exactly as well as the GAN,
    ``mle_nll_oracle`` its NLL-oracle there, and ``gain = mle_nll_oracle - nll_oracle`` (positive: the
    GAN writes better samples at equal coverage). ``oracle_scored`` / ``mle_oracle_scored``: the share of
    samples with 20 words, over which each NLL-oracle was computed. ``match`` says ``interpolated`` or why
    there is no match (the GAN's NLL-gen lies outside the sweep). One row per GAN run.
    """
    columns = ["recipe", "seed", "nll_gen", "nll_oracle", "oracle_scored", "mle_seed", "mle_temperature",
               "mle_nll_oracle", "mle_oracle_scored", "gain", "match"]
    final = results.wide("final") if not results.final.empty else pd.DataFrame()
    sweep = results.wide("sweep") if not results.sweep.empty else pd.DataFrame()
    rows = []
    if final.empty or sweep.empty or "mle" not in sweep.index.get_level_values("recipe"):
        return pd.DataFrame(columns=columns)
    mle = sweep.loc["mle"]
    mle_seeds = sorted(mle.index.get_level_values("seed").unique())
    for (recipe, seed), row in final.iterrows():
        if recipe in ("mle", *REFERENCES) or not {"nll_gen", "nll_oracle"} <= set(row.dropna().index):
            continue
        mle_seed = seed if seed in mle_seeds else mle_seeds[0]
        curve = mle.loc[mle_seed].reset_index().dropna(subset=["nll_gen", "nll_oracle"])
        if not curve.empty:
            best = curve.loc[curve["nll_gen"].idxmin(), "temperature"]
            curve = curve[curve["temperature"] <= best].sort_values("nll_gen")
        x = float(row["nll_gen"])
        result = {"recipe": recipe, "seed": int(seed), "nll_gen": x, "nll_oracle": float(row["nll_oracle"]),
                  "oracle_scored": float(row.get("oracle_scored", math.nan)), "mle_seed": int(mle_seed),
                  "mle_temperature": math.nan, "mle_nll_oracle": math.nan, "mle_oracle_scored": math.nan,
                  "gain": math.nan}
        if curve.empty:
            result["match"] = "no MLE sweep"
        elif x < curve["nll_gen"].min():
            result["match"] = (f"NLL-gen below the MLE's best (at T={curve['temperature'].max():g}): the GAN "
                               f"covers the test data better")
        elif x > curve["nll_gen"].max():
            result["match"] = (f"NLL-gen above the MLE's at T={curve['temperature'].min():g}: "
                               f"extend the sweep to lower temperatures")
        else:
            result["mle_temperature"] = float(np.interp(x, curve["nll_gen"], curve["temperature"]))
            result["mle_nll_oracle"] = float(np.interp(x, curve["nll_gen"], curve["nll_oracle"]))
            if "oracle_scored" in curve.columns:
                result["mle_oracle_scored"] = float(np.interp(x, curve["nll_gen"], curve["oracle_scored"]))
            result["gain"] = result["mle_nll_oracle"] - result["nll_oracle"]
            result["match"] = "interpolated"
        rows.append(result)
    return pd.DataFrame(rows, columns=columns)


def matched_verdict(matched: pd.DataFrame) -> list[str]:
    """One sentence per GAN recipe: does it beat MLE's NLL-oracle at the same NLL-gen, over the seeds?

    "better" (or "worse") needs at least two seeds, every seed's gain of that sign and a mean gain beyond
    two standard errors; anything else is "not clearly different". A GAN whose NLL-oracle covers a
    smaller share of its samples than the MLE's gets a warning: the samples it could not score (ended
    before 20 words) are left out of its mean.
    """
    lines = []
    for recipe, group in matched.groupby("recipe", sort=False):
        done = group.dropna(subset=["gain"])
        if done.empty:
            lines.append(f"{recipe}: no MLE point at the same NLL-gen ({group['match'].iloc[0]})")
            continue
        gain, n = done["gain"].mean(), len(done)
        error = done["gain"].std() / math.sqrt(n) if n > 1 else math.nan
        if n < 2:
            verdict = "one seed: run more seeds for a verdict"
        elif (done["gain"] > 0).all() and gain > 2 * error:
            verdict = "better than MLE"
        elif (done["gain"] < 0).all() and -gain > 2 * error:
            verdict = "worse than MLE"
        else:
            verdict = "not clearly different from MLE (the gain is within the seed-to-seed spread)"
        spread = f" ± {error:.3f} (standard error)" if n > 1 else ""
        line = (f"{recipe}: NLL-oracle {done['nll_oracle'].mean():.3f} vs MLE {done['mle_nll_oracle'].mean():.3f} at "
                f"the same NLL-gen {done['nll_gen'].mean():.3f} (MLE at T≈{done['mle_temperature'].mean():.2f}); "
                f"gain {gain:+.3f}{spread} over {n} seed{'s' if n > 1 else ''}: {verdict}")
        ours, theirs = done["oracle_scored"].mean(), done["mle_oracle_scored"].mean()
        if ours < theirs - 0.05:
            line += (f"; careful: its NLL-oracle covers {ours:.0%} of its samples against the MLE's {theirs:.0%} "
                     f"(the others end before 20 words)")
        lines.append(line)
    return lines


__all__ = ["matched_comparison", "matched_verdict"]
