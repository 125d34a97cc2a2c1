"""`gan_text.bench` and `python -m gan_text bench`: both benchmarks end to end on tiny budgets, the results
files and their merging, the table beside the published values, and every user mistake as one line."""

from __future__ import annotations

import json
import math

import keras
import numpy as np
import pandas as pd
import pytest

import gan_text as gt
from gan_text.bench import (
    PLANS,
    PUBLISHED,
    format_table,
    load_results,
    matched_comparison,
    matched_verdict,
    plan,
    published_table,
    results_table,
    run_benchmark,
)
from gan_text.bench.budgets import (
    BENCHMARKS,
    PAPER_BETA_MAX,
    PAPER_PRETRAIN,
    PAPER_RELGAN,
    PROFILES,
    RECIPES,
    check_recipes,
    pretrain_overrides,
    recipe_overrides,
)
from gan_text.bench.results import COLUMNS, paths, write_results
from gan_text.bench.running import RunResult, nll_function
from gan_text.cli import main
from gan_text.corpora import load_corpus
from gan_text.dataset import prepare
from gan_text.errors import GanTextError
from gan_text.training.recipes import build_recipe

# Tiny budgets: a few steps, a few samples; seconds per recipe on two cores.
TINY = {"n_train": 128, "n_test": 48, "pretrain_steps": 4, "steps": 2, "seqgan_steps": 1, "pretrain_d_steps": 1,
        "eval_every": 2, "n_eval": 8, "n_curve_test": 16, "n_final": 24, "temperatures": [0.7, 1.0]}


# --- the plan and the published values -------------------------------------------------------------

def test_every_benchmark_and_profile_has_a_budget_and_mle_gets_the_gans_generator_updates():
    assert set(PLANS) == {(b, p) for b in BENCHMARKS for p in PROFILES}
    for (benchmark, profile), budget in PLANS.items():
        overrides = {r: recipe_overrides(r, budget, benchmark, profile) for r in RECIPES}
        pretraining = pretrain_overrides(budget, profile)
        # every recipe starts from the shared pre-training; mle continues it at its last rate
        assert overrides["relgan"]["pretrain_steps"] == overrides["seqgan"]["pretrain_steps"] == 0
        assert overrides["mle"]["steps"] == overrides["relgan"]["steps"] == budget.steps
        assert overrides["mle"]["lr"] == overrides["mle"]["final_lr"] == pretraining["final_lr"]
        assert pretraining["steps"] == budget.pretrain_steps
        assert all(o["cell"] == "lstm" and o["emb_dim"] == o["hidden_dim"] == 32
                   for o in [pretraining, *overrides.values()])
        assert overrides["seqgan"]["steps"] <= overrides["relgan"]["steps"]  # rollouts make SeqGAN steps dear
    assert plan("oracle", "full").pretrain_steps == 80 * (10_000 // 64)  # Texygen: 80 epochs of batch 64
    assert plan("coco", "course", steps=7).steps == 7


def test_the_full_profile_runs_relgan_with_the_papers_settings_and_they_build():
    course = recipe_overrides("relgan", plan("oracle", "course"), "oracle", "course")
    assert not set(PAPER_RELGAN) & set(course)  # the course keeps the recipe's own (CPU-tuned) defaults
    for benchmark in BENCHMARKS:
        full = recipe_overrides("relgan", plan(benchmark, "full"), benchmark, "full")
        assert {k: full[k] for k in PAPER_RELGAN} == PAPER_RELGAN
        assert full["beta_max"] == PAPER_BETA_MAX[benchmark] and full["steps"] == plan(benchmark, "full").steps
        assert (full["g_lr"], full["d_lr"], full["d_steps"], full["num_rep"]) == (1e-4, 1e-4, 5, 64)
    assert pretrain_overrides(plan("oracle", "full"), "full")["lr"] == PAPER_PRETRAIN["lr"] == 1e-2
    # The paper's discriminator builds: 64 representations of width 1, 300 filters per width, fc 100.
    data = prepare(load_corpus("grammar", n_train=64, n_test=16, seed=0))
    built = build_recipe("relgan", data, gt.profile("smoke"), seed=0,
                         **{**full, "pretrain_steps": 1, "steps": 1})
    logits = built.discriminator(keras.ops.one_hot(data.train_tokens[:2], data.vocab_size))
    assert tuple(logits.shape) == (2, 64)
    assert {k: built.config[k] for k in ("g_lr", "d_lr", "d_steps", "beta_max")} == {
        k: full[k] for k in ("g_lr", "d_lr", "d_steps", "beta_max")}


def test_published_values_carry_their_sources():
    table = published_table()
    assert len(table) == len(PUBLISHED) and table["source"].str.len().gt(20).all()
    oracle = published_table("oracle").set_index("model")["value"]
    assert oracle["relgan"] < oracle["leakgan"] < oracle["rankgan"] < oracle["seqgan"] < oracle["mle"]
    coco = published_table("coco")
    mle = coco[coco["model"] == "mle"].set_index("metric")["value"]
    assert list(mle.index) == ["bleu_2", "bleu_3", "bleu_4", "bleu_5"] and mle.is_monotonic_decreasing
    real = coco[coco["model"] == "real"].set_index("metric")["value"]
    assert (real[[f"self_bleu_{n}" for n in range(2, 6)]].to_numpy()
            > real[[f"bleu_{n}" for n in range(2, 6)]].to_numpy()).all()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: plan("imdb", "course"), "unknown benchmark 'imdb'; known: oracle, coco"),
    (lambda: plan("oracle", "huge"), "unknown benchmark profile 'huge'; known: smoke, course, full"),
    (lambda: plan("oracle", "smoke", step=3), "unknown budget field 'step'; known: n_train"),
    (lambda: plan("oracle", "smoke", steps=0), "budget field steps must be a whole number >= 1, got 0"),
    (lambda: plan("oracle", "smoke", temperatures=[0.0]), "temperatures must be a non-empty list of numbers > 0"),
    (lambda: check_recipes("mle,gan"), "unknown benchmark recipe 'gan'; known: mle, seqgan, relgan"),
    (lambda: check_recipes(""), "give at least one recipe"),
    (lambda: run_benchmark("oracle", "smoke", seeds=0), "seeds must be a whole number >= 1"),
    (lambda: run_benchmark("oracle", "smoke", budget=3), "budget must be a Budget or a dict of changes"),
    (lambda: run_benchmark("oracle", "smoke", settings={"gan": {}}), "unknown benchmark recipe 'gan'"),
    (lambda: run_benchmark("oracle", "smoke", settings={"relgan": 3}), "settings must be a dict {recipe: {"),
    (lambda: run_benchmark("oracle", "smoke", settings={"relgan": {"glr": 1}}), "unknown relgan setting 'glr'; accepted:"),
])
def test_api_mistakes_are_one_clear_message(call, message):
    with pytest.raises(GanTextError, match=None) as err:
        call()
    assert message in str(err.value) and "\n" not in str(err.value)


def test_recipes_come_back_in_the_benchmarks_order():
    assert check_recipes("relgan, mle") == ("mle", "relgan")
    assert check_recipes(["seqgan"]) == ("seqgan",)


# --- NLL at a temperature ---------------------------------------------------------------------------------

def test_nll_function_matches_the_language_model_and_a_numpy_softmax():
    from gan_text.metrics import nll_test
    from gan_text.models import build_generator
    from gan_text.models.autoregressive import teacher_forcing_inputs

    keras.utils.set_random_seed(0)
    generator = build_generator("rnn", 30, 7, cell="lstm", emb_dim=8, hidden_dim=8)
    tokens = np.asarray(generator.sample(12, seed=1))
    nll_at = nll_function(generator)
    assert math.isclose(nll_at(tokens, 1.0), nll_test(generator, tokens), rel_tol=1e-5)
    logits = np.asarray(generator(teacher_forcing_inputs(tokens)), dtype=np.float64) / 0.6
    log_p = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
        - logits.max(-1, keepdims=True)
    picked = -np.take_along_axis(log_p, tokens[..., None], -1)[..., 0]
    keep = (tokens != 0) & (np.arange(7) < 4)[None, :]  # <pad> never counts; the first 4 positions only
    assert math.isclose(nll_at(tokens, 0.6, positions=4), picked[keep].mean(), rel_tol=1e-4)
    with pytest.raises(GanTextError, match="temperature must be > 0"):
        nll_at(tokens, 0.0)


# --- the results files, without training -------------------------------------------------------------------

def _fake_run(recipe, seed, nll_gen, nll_oracle, sweep=None):
    curves = pd.DataFrame({"phase": ["pretrain"] * 2, "step": [0, 5], "total_step": [0, 5],
                           "metric": ["nll_oracle"] * 2, "value": [10.0, nll_oracle]})
    sweep = pd.DataFrame(sweep or [], columns=["temperature", "metric", "value"])
    return RunResult(recipe, seed, {"nll_oracle": nll_oracle, "nll_gen": nll_gen, "nll_div": nll_gen - 1},
                     curves, sweep, {"train_seconds": 1.0})


def _sweep(slope):  # MLE at T: NLL-gen 7 + (1 - T) * 2, NLL-oracle 9 - (1 - T) * slope
    rows = []
    for t in (0.6, 0.8, 1.0, 1.2):
        rows += [(t, "nll_gen", 7 + abs(1 - t) * 2), (t, "nll_oracle", 9 - (1 - t) * slope)]
    return rows


META = {"budget": {"steps": 5}, "machine": {"cpu_count": 2}, "versions": {"numpy": np.__version__}}


def test_new_runs_replace_their_rows_and_keep_the_others(tmp_path):
    first = [_fake_run("mle", 0, 7.0, 9.0, _sweep(2)), _fake_run("mle", 1, 7.1, 9.1, _sweep(2)),
             _fake_run("relgan", 0, 7.4, 8.5)]
    write_results(tmp_path, "oracle", "smoke", first, {"oracle": {"nll_oracle": 6.0, "nll_gen": 6.0}}, META)
    files = paths(tmp_path, "oracle", "smoke")
    before = {kind: pd.read_csv(files[kind]) for kind in COLUMNS}
    write_results(tmp_path, "oracle", "smoke", [_fake_run("mle", 1, 7.2, 9.3, _sweep(3))],
                  {"oracle": {"nll_oracle": 6.0, "nll_gen": 6.0}}, META)
    results = load_results("oracle", "smoke", tmp_path)
    for kind in COLUMNS:
        assert list(getattr(results, kind).columns) == list(COLUMNS[kind])
        old, new = before[kind], getattr(results, kind)
        untouched = lambda f: f[(f["recipe"] != "mle") | (f["seed"] != 1)].reset_index(drop=True)  # noqa: E731
        pd.testing.assert_frame_equal(untouched(new), untouched(old), check_dtype=False)
    final = results.wide("final")
    assert final.loc[("mle", 1), "nll_oracle"] == 9.3 and final.loc[("mle", 0), "nll_oracle"] == 9.0
    assert results.meta["seeds"] == {"mle": [0, 1], "relgan": [0]}
    assert set(results.meta["runs"]) == {"mle/0", "mle/1", "relgan/0"}
    assert files["plot"].stat().st_size > 10_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_results_table_puts_the_mean_over_seeds_beside_the_published_value(tmp_path):
    runs = [_fake_run("mle", s, 7.0, v, _sweep(2)) for s, v in ((0, 9.0), (1, 9.4))]
    write_results(tmp_path, "oracle", "smoke", runs, {"oracle": {"nll_oracle": 6.0}}, META)
    table = results_table("oracle", "smoke", tmp_path).set_index(["model", "metric"])
    row = table.loc[("mle", "nll_oracle")]
    assert math.isclose(row["ours_mean"], 9.2) and math.isclose(row["ours_std"], np.std([9.0, 9.4], ddof=1))
    assert row["seeds"] == 2 and row["published"] == 9.038 and math.isclose(row["difference"], 9.2 - 9.038)
    assert "RelGAN" in row["source"]
    assert table.loc[("leakgan", "nll_oracle"), "seeds"] == 0  # published only
    assert math.isnan(table.loc[("oracle", "nll_oracle"), "published"])
    text = format_table(table.reset_index())
    assert "9.200 ± 0.283" in text and "[1] RelGAN (Nie et al. 2019)" in text


def test_matched_comparison_interpolates_the_mle_sweep_at_the_gans_nll_gen(tmp_path):
    runs = [_fake_run("mle", 0, 7.0, 9.0, _sweep(2)), _fake_run("relgan", 0, 7.3, 8.5),
            _fake_run("relgan", 1, 7.2, 8.65), _fake_run("relgan", 2, 6.5, 8.0), _fake_run("seqgan", 0, 9.0, 9.9)]
    write_results(tmp_path, "oracle", "smoke", runs, {}, META)
    matched = matched_comparison(load_results("oracle", "smoke", tmp_path)).set_index(["recipe", "seed"])
    hit = matched.loc[("relgan", 0)]  # NLL-gen 7.3 = 7 + (1 - T) * 2 at T = 0.85, where NLL-oracle = 8.7
    assert math.isclose(hit["mle_temperature"], 0.85) and math.isclose(hit["mle_nll_oracle"], 8.7)
    assert math.isclose(hit["gain"], 0.2) and hit["match"] == "interpolated"
    assert math.isclose(matched.loc[("relgan", 1), "gain"], 8.8 - 8.65)
    assert hit["mle_seed"] == 0 and matched.loc[("relgan", 1), "mle_seed"] == 0  # no MLE seed 1: seed 0
    assert "covers the test data better" in matched.loc[("relgan", 2), "match"]  # below the sweep's best
    assert "lower temperatures" in matched.loc[("seqgan", 0), "match"]  # beyond T = 0.6
    verdicts = dict(v.split(": ", 1) for v in matched_verdict(matched.reset_index()))
    assert verdicts["relgan"].startswith("NLL-oracle 8.575 vs MLE 8.750") and verdicts["relgan"].endswith("better than MLE")
    assert verdicts["seqgan"].startswith("no MLE point at the same NLL-gen")
    one_seed = matched_verdict(matched.reset_index().query("recipe == 'relgan' and seed == 0"))
    assert one_seed[0].endswith("one seed: run more seeds for a verdict")


@pytest.mark.parametrize(("content", "message"), [
    ("recipe,seed\nmle,0\n", "has no column 'metric', so it was not written by `bench`"),
    ("\x00\xff", "cannot be read"),
])
def test_a_damaged_results_file_stops_the_benchmark_before_training(tmp_path, content, message):
    paths(tmp_path, "oracle", "smoke")["final"].write_text(content, encoding="latin-1")
    with pytest.raises(GanTextError, match=message):
        run_benchmark("oracle", "smoke", out=tmp_path, verbose=0)


def test_the_shipped_results_are_written_only_in_a_checkout_never_in_an_install(tmp_path, monkeypatch):
    from gan_text.bench import results as res

    assert (res.DEFAULT_OUT.parents[2] / "pyproject.toml").is_file()  # the tests run in a checkout: writable
    res.check_writable(None, "oracle", "course")
    installed = tmp_path / "site-packages" / "gan_text" / "bench" / "data"
    installed.mkdir(parents=True)
    (installed / "oracle_course.csv").write_text("shipped\n")
    monkeypatch.setattr(res, "DEFAULT_OUT", installed)
    with pytest.raises(GanTextError, match="holds the results shipped with the installed package; pass --out DIR"):
        res.check_writable(None, "oracle", "course")
    with pytest.raises(GanTextError, match="shipped with the installed package"):
        res.check_writable(installed, "oracle", "course")  # the same folder named explicitly
    res.check_writable(tmp_path / "mine", "oracle", "course")  # any other folder is fine
    assert (installed / "oracle_course.csv").read_text() == "shipped\n"


def test_loading_missing_results_says_which_command_writes_them(tmp_path):
    with pytest.raises(GanTextError, match=r"run `python -m gan_text bench coco --profile course` first"):
        load_results("coco", "course", tmp_path)


# --- end to end --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def oracle_cli(tmp_path_factory):
    """``python -m gan_text bench oracle --profile smoke --recipes mle,relgan`` on the TINY budget, in-process:
    (results folder, stdout)."""
    import contextlib
    import io

    import gan_text.bench.budgets as bench_budgets

    out = tmp_path_factory.mktemp("bench")
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(stdout):
        patch.setitem(bench_budgets.PLANS, ("oracle", "smoke"), plan("oracle", "smoke", **TINY))
        status = main(["bench", "oracle", "--profile", "smoke", "--recipes", "mle,relgan", "--out", str(out)])
    assert status == 0
    return out, stdout.getvalue()


def test_oracle_benchmark_end_to_end(oracle_cli):
    from gan_text.corpora import load_corpus

    out, _ = oracle_cli
    results = load_results("oracle", "smoke", out)
    final = results.wide("final")
    oracle = load_corpus("oracle", n_train=1, n_test=TINY["n_test"])
    floor_nll = oracle.true_model.nll(oracle.test)
    assert math.isclose(final.loc[("oracle", 0), "nll_oracle"], floor_nll)
    for recipe in ("mle", "relgan"):
        row = final.loc[(recipe, 0)]
        assert row["nll_oracle"] > floor_nll and 0 < row["oracle_scored"] <= 1
        assert np.isfinite(row[["nll_gen", "nll_div"]]).all()
    curves = results.curves
    assert set(curves["recipe"]) == {"mle", "relgan"}
    assert {"nll_oracle", "nll_gen", "nll_div"} <= set(curves["metric"])
    relgan = curves[(curves["recipe"] == "relgan") & (curves["metric"] == "nll_gen")]
    assert list(relgan["phase"].unique()) == ["pretrain", "adversarial"]
    assert list(relgan["total_step"]) == [0, 2, 4, 6]  # every eval_every=2 steps, across both phases
    sweep = results.wide("sweep")
    assert list(sweep.index.get_level_values("temperature")) == TINY["temperatures"]
    assert set(sweep.index.get_level_values("recipe")) == {"mle"}
    assert sweep.loc[("mle", 0, 1.0), "nll_gen"] == pytest.approx(final.loc[("mle", 0), "nll_gen"])
    meta = json.loads(results.paths["meta"].read_text())
    assert meta["profile"] == "smoke" and meta["budget"]["steps"] == TINY["steps"]
    assert meta["machine"]["cpu_count"] >= 1 and "tensorflow" in meta["versions"]
    assert meta["seeds"] == {"mle": [0], "relgan": [0]} and meta["runs"]["relgan/0"]["train_seconds"] > 0
    assert meta["runs"]["mle/0"]["settings"]["steps"] == TINY["steps"]
    assert results.paths["plot"].is_file()
    assert len(matched_comparison(results)) == 1


def test_coco_benchmark_end_to_end_through_the_mirror(mirror, tmp_path):
    from gan_text.corpora import load_corpus
    from gan_text.metrics import bleu_report
    from gan_text.text import tokenize_corpus

    results = run_benchmark("coco", "smoke", recipes=["seqgan"], out=tmp_path, budget=TINY, verbose=0,
                            settings={"seqgan": {"num_rollouts": 2}})
    final = results.wide("final")
    corpus = load_corpus("coco", n_train=TINY["n_train"], n_test=TINY["n_test"])
    train, test = (tokenize_corpus(s, "word", True) for s in (corpus.train, corpus.test))
    real = bleu_report(train[:TINY["n_final"]], test, protocol="texygen")
    assert [final.loc[("real", 0), f"bleu_{n}"] for n in (2, 3, 4, 5)] == pytest.approx(list(real.bleu.values()))
    assert [final.loc[("real", 0), f"self_bleu_{n}"] for n in (2, 3, 4, 5)] == pytest.approx(
        list(real.self_bleu.values()))
    seqgan = final.loc[("seqgan", 0)]
    assert seqgan["n"] == TINY["n_final"] and seqgan[[f"bleu_{n}" for n in (2, 3, 4, 5)]].between(0, 1).all()
    assert seqgan["bleu_2"] >= seqgan["bleu_5"] and np.isfinite(seqgan["nll_gen"])
    assert results.sweep.empty  # the sweep is MLE's
    phases = results.curves.loc[results.curves["recipe"] == "seqgan", "phase"].unique()
    assert list(phases) == ["pretrain", "pretrain_d", "adversarial"]
    table = results.table()
    assert set(table.loc[table["seeds"] > 0, "model"]) == {"seqgan", "real"}
    assert results.meta["runs"]["seqgan/0"]["settings"]["num_rollouts"] == 2  # recorded with the run


# --- the command line -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["bench", "imdb"], "error: unknown benchmark 'imdb'; known: oracle, coco"),
    (["bench", "oracle", "--profile", "huge"], "error: unknown benchmark profile 'huge'"),
    (["bench", "oracle", "--seeds", "0"], "error: --seeds must be a whole number from 1 to 1,000, got '0'"),
    (["bench", "oracle", "--seeds", "two"], "error: --seeds must be a whole number from 1 to 1,000, got 'two'"),
    (["bench", "coco", "--recipes", "mle,leakgan"], "error: unknown benchmark recipe 'leakgan'"),
])
def test_cli_mistakes_are_one_line_with_exit_status_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_cli_out_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("not a folder")
    assert main(["bench", "oracle", "--profile", "smoke", "--out", str(target)]) == 2
    assert "is a file; pass --out with a folder" in capsys.readouterr().err


def test_cli_profile_comes_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("GAN_TEXT_PROFILE", "huge")
    assert main(["bench", "oracle"]) == 2
    assert "unknown profile 'huge' (set by GAN_TEXT_PROFILE)" in capsys.readouterr().err


def test_cli_prints_progress_and_the_table_beside_the_published_values(oracle_cli):
    out_dir, out = oracle_cli
    assert "[1/2] mle seed 0 ..." in out and "[2/2] relgan seed 0:" in out
    assert "pretrain step 4/4" in out and "adversarial step 2/2" in out  # a line per evaluation point
    lines = out.split("beside the published values\n", 1)[1].splitlines()
    assert lines[0].split()[:3] == ["model", "metric", "ours"]
    mle = next(line for line in lines if line.split()[:2] == ["mle", "NLL-oracle"])
    assert "9.038" in mle and "[1]" in mle
    assert "note: different oracle weights" in out
    assert any(line.startswith("relgan: ") for line in lines)  # the matched comparison's verdict
    assert "written: " in out and str(paths(out_dir, "oracle", "smoke")["final"]) in out
