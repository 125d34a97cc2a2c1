"""Evaluating runs: `evaluate_run` on tiny runs of the mle, relgan and seed recipes, checked against the metric
functions called by hand; metrics.csv and the plot; `python -m gan_text evaluate` and `train` printing the table;
every user mistake as one line."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

import gan_text as gt
from gan_text.cli import main
from gan_text.corpora import load_corpus
from gan_text.dataset import prepare
from gan_text.errors import GanTextError
from gan_text.evaluation import (
    METRICS_FILE,
    evaluate_run,
    format_table,
    nearest_neighbours,
    read_metrics,
)
from gan_text.metrics import bleu_report, distinct_scores
from gan_text.text import tokenize_corpus
from gan_text.training.runs import load_run, train

TINY = gt.profile("smoke").replace(n_train=128, n_test=40, batch_size=16, pretrain_steps=4, steps=2, n_eval=24,
                                   emb_dim=8, hidden_dim=16)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Tiny runs: the MLE baseline, RelGAN (autoregressive) and seed (noise generator) on the grammar corpus,
    and the MLE baseline on the oracle corpus."""
    root = tmp_path_factory.mktemp("eval")
    gt.setup(0, quiet=True)
    runs = {recipe: train("grammar", recipe, out=root / recipe, profile=TINY, verbose=0).run_dir
            for recipe in ("mle", "relgan", "seed")}
    runs["oracle"] = train("oracle", "mle", out=root / "oracle", profile=TINY, verbose=0).run_dir
    return runs


@pytest.fixture(scope="module")
def data():
    corpus = load_corpus("grammar", n_train=TINY.n_train, n_test=TINY.n_test, seed=0)
    return corpus, prepare(corpus)


def copy_run(run_dir, tmp_path):
    return shutil.copytree(run_dir, tmp_path / run_dir.name)


def test_the_mle_run_is_scored_like_the_metric_functions_score_its_samples(runs, data, tmp_path):
    corpus, prepared = data
    run_dir = copy_run(runs["mle"], tmp_path)
    frame = evaluate_run(run_dir, progress=False)
    assert list(frame.index) == ["mle", "real"]
    model, real = frame.loc["mle"], frame.loc["real"]
    assert model["n"] == TINY.n_eval and model["n_hypotheses"] == TINY.n_eval  # texygen: every sample
    assert model["n_references"] == TINY.n_test and real["n_references"] == TINY.n_test - 1  # leave-one-out

    # The same samples, scored by hand: BLEU against the test split, Self-BLEU, distinct, duplicates, grammar.
    tokens = load_run(run_dir).recipe.sample(TINY.n_eval, 1.0, 0)
    samples = [prepared.vocab.decode(row) for row in tokens]
    test = tokenize_corpus(corpus.test)  # the real test split as written (no <unk>)
    report = bleu_report(samples, test, protocol="texygen")
    for k in (2, 3, 4, 5):
        assert model[f"bleu_{k}"] == pytest.approx(report.bleu[k])
        assert model[f"self_bleu_{k}"] == pytest.approx(report.self_bleu[k])
    assert model["distinct_2"] == pytest.approx(distinct_scores(samples, (2,))[2])
    assert model["duplicate_rate"] == pytest.approx(1 - len(set(map(tuple, samples))) / len(samples))
    assert model["grammatical_fraction"] == pytest.approx(corpus.true_model.grammatical_fraction(samples))
    assert frame.attrs["headers"]["mle"] == report.header

    # Real sentences come from the grammar: all grammatical; an MLE generator has an NLL-test, real data none.
    assert real["grammatical_fraction"] == 1.0 and real["duplicate_rate"] < 0.5
    assert math.isfinite(model["nll_test"]) and model["nll_test"] > 0 and math.isnan(real["nll_test"])
    assert real["n"] == TINY.n_eval and math.isnan(real["temperature"]) and model["temperature"] == 1.0


def test_files_are_written_and_a_second_temperature_adds_rows_without_losing_any(runs, tmp_path):
    run_dir = copy_run(runs["relgan"], tmp_path)
    first = evaluate_run(run_dir, progress=False)
    saved = read_metrics(run_dir)
    pd.testing.assert_frame_equal(saved, first, check_dtype=False, check_exact=False)
    png = run_dir / "plots" / "evaluation.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.attrs["files"] == [str(run_dir / METRICS_FILE), str(png)]

    evaluate_run(run_dir, temperature=0.5, progress=False)
    again = evaluate_run(run_dir, progress=False)  # the same key: replaces its rows
    saved = read_metrics(run_dir)
    assert sorted(saved.loc["relgan", "temperature"]) == [0.5, 1.0] and list(saved.index).count("real") == 1
    pd.testing.assert_frame_equal(again, first, check_exact=False)  # same seed, same samples, same scores
    assert not list(run_dir.glob(".*.tmp"))  # atomic writes leave nothing behind


def test_the_protocol_and_sample_counts_show_in_the_header(runs):
    n = TINY.n_test + 10  # more samples than real test sentences
    frame = evaluate_run(runs["relgan"], protocol="relgan", n=n, seed=3, write=False, progress=False)
    header = frame.attrs["headers"]["relgan"]
    assert header.startswith(f"BLEU, protocol relgan: {n} hypotheses (protocol asks for 100) vs {TINY.n_test} "
                             f"references")
    assert frame.loc["relgan", "n"] == n and frame.loc["relgan", "seed"] == 3
    assert frame.loc["real", "n"] == TINY.n_test  # all the real sentences there are...
    assert f"the test split has only {TINY.n_test} sentences" in format_table(frame)  # ...and the table says so
    assert not (runs["relgan"] / METRICS_FILE).exists()  # write=False


def test_the_pretrained_generator_is_scored_beside_the_run(runs, data):
    """``pretrained=True`` adds the generator of the end of pre-training: its own samples (the same count,
    temperature and seed), scored by the same code; a run without pre-training gets no such row."""
    corpus, prepared = data
    frame = evaluate_run(runs["relgan"], n=20, temperature=0.9, seed=2, pretrained=True, write=False,
                         progress=False)
    assert list(frame.index) == ["relgan pre-trained", "relgan", "real"]
    end = f"pretrain-{TINY.pretrain_steps:06d}"
    assert list(frame["checkpoint"]) == [end, f"adversarial-{TINY.steps:06d}", f"adversarial-{TINY.steps:06d}"]
    before = load_run(runs["relgan"], checkpoint=end)
    samples = [prepared.vocab.decode(row) for row in before.recipe.sample(20, 0.9, 2)]
    report = bleu_report(samples, tokenize_corpus(corpus.test), protocol="texygen")
    row = frame.loc["relgan pre-trained"]
    assert row["bleu_3"] == pytest.approx(report.bleu[3]) and row["self_bleu_3"] == pytest.approx(report.self_bleu[3])
    assert row["grammatical_fraction"] == pytest.approx(corpus.true_model.grammatical_fraction(samples))
    assert row["nll_test"] != frame.loc["relgan", "nll_test"]  # the adversarial steps changed the generator
    assert list(evaluate_run(runs["mle"], n=20, pretrained=True, write=False, progress=False).index) == ["mle", "real"]


def test_a_noise_generator_has_no_nll_test_and_the_table_says_so(runs):
    frame = evaluate_run(runs["seed"], write=False, progress=False)
    assert math.isnan(frame.loc["seed", "nll_test"])
    assert 0 <= frame.loc["seed", "bleu_2"] <= 1 and 0 <= frame.loc["seed", "grammatical_fraction"] <= 1
    text = format_table(frame)
    line = next(line for line in text.splitlines() if line.startswith("NLL-test"))
    assert line.split()[-3:] == ["-", "-", "lower"]
    assert "protocol texygen" in text and "seed on grammar" in text


def test_the_oracle_corpus_gets_nll_oracle_and_real_text_scores_the_oracle_entropy_rate(runs):
    frame = evaluate_run(runs["oracle"], write=False, progress=False)
    real, model = frame.loc["real"], frame.loc["mle"]
    assert real["oracle_scored"] == 1.0  # real sentences are scored as written, even words outside the vocabulary
    corpus = load_corpus("oracle", n_train=TINY.n_train, n_test=TINY.n_test)  # as the run was trained
    assert real["nll_oracle"] == pytest.approx(corpus.true_model.nll(corpus.test[:TINY.n_eval]))
    assert 0 < model["oracle_scored"] <= 1 and model["nll_oracle"] > real["nll_oracle"]  # 6 steps of MLE: worse
    assert "grammatical_fraction" not in frame.columns


def test_the_lm_score_is_added_on_request(runs, cache_dir):
    frame = evaluate_run(runs["mle"], n=8, lm=True, write=False, progress=False)
    assert np.isfinite(frame["lm_score"]).all() and (frame["lm_score"] > 0).all()
    assert list((cache_dir / "models" / "reference_lm").iterdir())  # trained once, cached


def test_user_mistakes_raise_one_line_errors(runs, tmp_path):
    with pytest.raises(GanTextError, match="unknown BLEU protocol 'nltk'; known: texygen, relgan, textgan"):
        evaluate_run(runs["mle"], protocol="nltk")
    with pytest.raises(GanTextError, match="n must be a whole number >= 2, got 1"):
        evaluate_run(runs["mle"], n=1)
    with pytest.raises(GanTextError, match=r"temperature must be 0 \(greedy\) or a number from 1e-6 to 1e6, got -1.0"):
        evaluate_run(runs["mle"], temperature=-1.0)
    for tiny in (1e-300, math.nan, math.inf):  # below float32's range for logits / T, or not a number
        with pytest.raises(GanTextError, match="temperature must be 0 \\(greedy\\) or a number from 1e-6"):
            evaluate_run(runs["mle"], temperature=tiny)
    with pytest.raises(GanTextError, match="seed must be a whole number from 0 to 4294967295, got 4294967296"):
        evaluate_run(runs["mle"], seed=2**32)
    with pytest.raises(GanTextError, match="no run directory"):
        evaluate_run(tmp_path / "missing")
    with pytest.raises(GanTextError, match="is not a run directory"):
        evaluate_run(tmp_path)

    changed = copy_run(runs["mle"], tmp_path)
    config = json.loads((changed / "config.json").read_text())
    (changed / "config.json").write_text(json.dumps({**config, "corpus_seed": 7}))
    with pytest.raises(GanTextError, match="gives another vocabulary than the one saved"):
        evaluate_run(changed, write=False)
    (changed / "config.json").write_text(json.dumps({**config, "corpus_source": "object"}))
    with pytest.raises(GanTextError, match=r"trained on a Corpus object .* pass it again"):
        evaluate_run(changed, write=False)

    foreign = copy_run(runs["mle"], tmp_path / "foreign")
    (foreign / METRICS_FILE).write_text("name,score\nmine,1.0\n")
    with pytest.raises(GanTextError, match="was not written by evaluate"):
        evaluate_run(foreign)
    assert (foreign / METRICS_FILE).read_text() == "name,score\nmine,1.0\n"

    damaged = copy_run(runs["mle"], tmp_path / "damaged")
    (damaged / METRICS_FILE).write_bytes(b"\x00\x01 not a csv \xff")
    with pytest.raises(GanTextError, match="cannot be read"):
        evaluate_run(damaged)
    assert (damaged / METRICS_FILE).read_bytes() == b"\x00\x01 not a csv \xff"  # nothing lost


def one_line_error(capsys, *args) -> str:
    assert main(list(args)) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_cli_mistakes_are_one_line(runs, capsys, tmp_path):
    run_dir = str(runs["mle"])
    assert "unknown BLEU protocol 'bleu'; known: texygen, relgan, textgan" in one_line_error(
        capsys, "evaluate", run_dir, "--protocol", "bleu")
    assert "--n must be a whole number >= 2, got 'ten'" in one_line_error(capsys, "evaluate", run_dir, "--n", "ten")
    assert "--n must be a whole number >= 2, got '1'" in one_line_error(capsys, "evaluate", run_dir, "--n", "1")
    assert "--temperature must be a number" in one_line_error(capsys, "evaluate", run_dir, "--temperature", "hot")
    assert "no run directory" in one_line_error(capsys, "evaluate", str(tmp_path / "missing"))
    assert "is not a run directory" in one_line_error(capsys, "evaluate", str(tmp_path))
    assert "--pretrained does not apply to --sweep" in one_line_error(capsys, "evaluate", run_dir, "--sweep",
                                                                      "--pretrained")


def test_cli_evaluate_prints_the_table_and_writes_the_files(runs, tmp_path):
    run_dir = copy_run(runs["relgan"], tmp_path)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-m", "gan_text", "evaluate", str(run_dir), "--n", "20", "--protocol",
                             "textgan", "--pretrained"], capture_output=True, text=True, env=env, cwd=REPO, timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert (f"relgan: BLEU, protocol textgan: 20 hypotheses (protocol asks for 200) vs {TINY.n_test} references; "
            f"Self-BLEU: 20 hypotheses, each vs the other 19") in out
    assert f"real: BLEU, protocol textgan: 20 hypotheses (protocol asks for 200) vs {TINY.n_test - 1} references" in out
    rows = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert {"BLEU-2", "BLEU-5", "Self-BLEU-5", "distinct-4", "NLL-test", "grammatical"} <= rows
    assert read_metrics(run_dir).loc["relgan", "protocol"] == "textgan"
    header = next(line for line in out.splitlines() if line.split()[-1:] == ["better"])
    assert header.split() == ["relgan", "pre-trained", "relgan", "real", "better"]  # --pretrained: its column first
    assert list(read_metrics(run_dir).index) == ["relgan pre-trained", "relgan", "real"]
    assert "stage/s" not in result.stderr  # no progress bar when stderr is not a terminal


def test_train_command_ends_with_the_evaluation_table(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    out_dir = tmp_path / "run"
    assert main(["train", "--recipe", "mle", "--steps", "2", "--out", str(out_dir), "--samples", "0", "--quiet"]) == 0
    out = capsys.readouterr().out
    evaluation = out.split("\nevaluation:\n", 1)[1]
    assert "mle: BLEU, protocol texygen: 64 hypotheses vs 128 references" in evaluation  # smoke: n_eval 64, n_test 128
    assert any(line.startswith("BLEU-4") for line in evaluation.splitlines())
    assert evaluation.index("BLEU-4") < evaluation.index(f"run directory: {out_dir}")
    assert (out_dir / METRICS_FILE).is_file()


@pytest.mark.parametrize("k", [1, 3, 64])
def test_nearest_neighbours_are_exact_against_nltk(k):
    """Random sentences over a small alphabet (empty ones included), so that many training sentences tie or
    come close; a small k forces the search past the candidates picked by the lower bound."""
    import nltk

    rng = np.random.default_rng(k)

    def sentences(n):
        return [list(rng.choice(list("abcde"), size=rng.integers(0, 9))) for _ in range(n)]

    samples, training = sentences(40), sentences(60)
    index, distance = nearest_neighbours(samples, training, k=k, chunk=16)
    for sample, i, d in zip(samples, index, distance, strict=True):
        assert d == min(nltk.edit_distance(sample, t) for t in training)
        assert d == nltk.edit_distance(sample, training[i])
    copied = nearest_neighbours(training[:5], training, k=k)
    assert list(copied[1]) == [0] * 5 and all(training[i] == training[j] for j, i in enumerate(copied[0]))
    with pytest.raises(GanTextError, match="at least one sample"):
        nearest_neighbours([], training)
