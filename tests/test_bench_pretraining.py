"""The benchmark's shared pre-training (cached, resumed) and the MLE baseline's early stopping."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest

from gan_text.bench import plan, run_benchmark
from gan_text.bench.early_stopping import BestWeights
from gan_text.bench.pretraining import CACHE_DIR, DONE_FILE, cache_folder
from gan_text.errors import GanTextError

TINY = {"n_train": 128, "n_test": 48, "pretrain_steps": 4, "steps": 4, "seqgan_steps": 1, "pretrain_d_steps": 1,
        "eval_every": 2, "n_eval": 8, "n_curve_test": 16, "n_final": 24, "temperatures": [0.7, 1.0]}


def test_best_weights_keeps_the_lowest_and_survives_a_new_instance(tmp_path):
    best = BestWeights(tmp_path)
    assert best.best() is None
    weights = [np.full((2, 3), 1.0, np.float32), np.arange(3, dtype=np.float32)]
    assert best.offer(0, 5.0, weights)
    assert not best.offer(2, 5.0, [w + 1 for w in weights])  # a tie keeps the earlier point
    assert not best.offer(4, float("nan"), [w + 2 for w in weights])
    assert best.offer(6, 4.5, [w + 3 for w in weights])
    assert not best.offer(8, 4.9, [w + 4 for w in weights])
    step, nll, kept = BestWeights(tmp_path).best()  # read back from the file, as after an interruption
    assert (step, nll) == (6, 4.5)
    for got, want in zip(kept, weights, strict=True):
        np.testing.assert_array_equal(got, want + 3)


def _bench(out, runs, resume=False, recipes="mle,seqgan,relgan"):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        results = run_benchmark("oracle", "smoke", recipes=recipes, out=out, budget=TINY, keep_runs=runs,
                                resume=resume, verbose=1)
    return results, printed.getvalue()


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    out, runs = tmp_path_factory.mktemp("results"), tmp_path_factory.mktemp("runs")
    results, printed = _bench(out, runs)
    return out, runs, results, printed


def test_every_recipe_starts_from_one_cached_pretraining(bench_run):
    out, runs, results, printed = bench_run
    folder = cache_folder(out, "oracle", "smoke", plan("oracle", "smoke", **TINY), 0, TINY["n_curve_test"])
    info = json.loads((folder / DONE_FILE).read_text())
    assert folder.parent == out / CACHE_DIR and f"pre-training of seed 0: {TINY['pretrain_steps']} steps" in printed
    assert {results.meta["runs"][f"{r}/0"]["pretraining"]["key"] for r in ("mle", "seqgan", "relgan")} == {info["key"]}
    # the pre-training's points are the first part of every recipe's curves, the same values for each
    curves = results.curves[results.curves["phase"] == "pretrain"]
    by_recipe = {r: c.drop(columns="recipe").reset_index(drop=True) for r, c in curves.groupby("recipe")}
    assert set(by_recipe) == {"mle", "seqgan", "relgan"}
    assert len(by_recipe["mle"]) > 0
    pd.testing.assert_frame_equal(by_recipe["mle"], by_recipe["relgan"])
    pd.testing.assert_frame_equal(by_recipe["mle"], by_recipe["seqgan"])
    # and each run's own first point (left out of the curves) is the pre-trained generator itself
    end = curves[(curves["recipe"] == "mle") & (curves["total_step"] == TINY["pretrain_steps"])]
    pretrained_nll_gen = end.set_index("metric")["value"]["nll_gen"]
    for recipe in ("mle", "seqgan", "relgan"):
        history = pd.read_csv(runs / "oracle_smoke" / f"{recipe}-seed0" / "history.csv")
        assert history.loc[0, "nll_gen"] == pytest.approx(pretrained_nll_gen, rel=1e-6)
    relgan = results.curves[(results.curves["recipe"] == "relgan") & (results.curves["metric"] == "nll_gen")]
    assert list(relgan["phase"].unique()) == ["pretrain", "adversarial"]
    assert list(relgan["total_step"]) == [0, 2, 4, 6, 8]


def test_mle_is_scored_at_its_best_held_out_point(bench_run):
    _, runs, results, _ = bench_run
    stopped = results.meta["runs"]["mle/0"]["early_stopping"]
    mle = results.curves[(results.curves["recipe"] == "mle") & (results.curves["metric"] == "nll_valid")]
    candidates = mle[mle["total_step"] >= TINY["pretrain_steps"]]  # the pre-trained generator and mle's points
    assert list(candidates["phase"]) == ["pretrain", "mle", "mle"]
    best = candidates.loc[candidates["value"].idxmin()]
    assert stopped == {"total_step": int(best["total_step"]), "nll_valid": pytest.approx(best["value"], rel=1e-6),
                       "n_valid": TINY["n_curve_test"]}
    assert (runs / "oracle_smoke" / "mle-seed0" / "best_valid.npz").is_file()
    assert results.meta["runs"]["relgan/0"]["early_stopping"] is None


def test_kept_runs_resume_and_reuse_the_cached_pretraining(bench_run):
    out, runs, results, _ = bench_run
    with pytest.raises(GanTextError, match="already holds a run; .* or continue them with --resume"):
        _bench(out, runs)
    with pytest.raises(GanTextError, match="pass keep_runs"):
        run_benchmark("oracle", "smoke", out=out, budget=TINY, resume=True, verbose=0)
    again, printed = _bench(out, runs, resume=True, recipes="mle,relgan")
    assert "pre-training of seed 0: reused" in printed
    for recipe in ("mle", "relgan"):  # finished runs are scored again: the same numbers
        assert again.wide("final").loc[(recipe, 0)].to_dict() == pytest.approx(
            results.wide("final").loc[(recipe, 0)].to_dict())


def test_total_seconds_counts_each_shared_pretraining_once(bench_run):
    from gan_text.bench.results import total_seconds

    runs = {"mle/0": {"train_seconds": 10.0, "score_seconds": 2.0, "pretraining": {"key": "a", "seconds": 100.0}},
            "relgan/0": {"train_seconds": 20.0, "score_seconds": 1.0, "pretraining": {"key": "a", "seconds": 100.0}},
            "mle/1": {"train_seconds": 5.0, "score_seconds": 1.0, "pretraining": {"key": "b", "seconds": 50.0}}}
    assert total_seconds(runs)["total_seconds"] == 10 + 2 + 20 + 1 + 5 + 1 + 100 + 50
    meta = bench_run[2].meta
    assert meta["total_seconds"] == total_seconds(meta["runs"])["total_seconds"] > 0
    assert meta["total_cpu_seconds"] > 0
