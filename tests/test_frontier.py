"""The quality frontier: tempered NLL-test, the grammatical-novel share and its standard error, samplers without a
likelihood, corpora without a grammar, the plot, and `python -m gan_text evaluate RUN --sweep` on a tiny run."""

from __future__ import annotations

import dataclasses
import math
import shutil

import matplotlib
import numpy as np
import pandas as pd
import pytest

import gan_text as gt
from gan_text.cli import main
from gan_text.corpora import load_corpus
from gan_text.dataset import encode_sentences, prepare
from gan_text.errors import GanTextError
from gan_text.frontier import FRONTIER_FILE, format_frontier, quality_frontier
from gan_text.metrics import (
    frontier_scores,
    frontier_sweep,
    nll_test,
    tempered_nll_function,
    tempered_nll_test,
)
from gan_text.models import LanguageModel
from gan_text.models.autoregressive import teacher_forcing_inputs
from gan_text.plots import plot_frontier
from gan_text.text import tokenize_corpus
from gan_text.training.runs import load_run, train
from gan_text.vocabulary import PAD_ID

matplotlib.use("Agg")

TINY = gt.profile("smoke").replace(n_train=128, n_test=40, batch_size=16, pretrain_steps=4, steps=2, n_eval=24,
                                   emb_dim=8, hidden_dim=16)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny MLE run on the grammar corpus."""
    gt.setup(0, quiet=True)
    return train("grammar", "mle", out=tmp_path_factory.mktemp("frontier") / "mle", profile=TINY, verbose=0).run_dir


@pytest.fixture(scope="module")
def data():
    corpus = load_corpus("grammar", n_train=TINY.n_train, n_test=TINY.n_test, seed=0)
    return corpus, prepare(corpus), tokenize_corpus(corpus.train), tokenize_corpus(corpus.test)


# --- the metrics layer --------------------------------------------------------------------------------

def test_tempered_nll_is_nll_test_at_temperature_1_and_a_log_softmax_of_logits_over_t_elsewhere(run_dir, data):
    generator = load_run(run_dir).recipe.generator
    tokens = data[1].test_tokens
    nll = tempered_nll_function(generator, tokens)
    assert nll(1.0) == nll_test(generator, tokens)
    assert tempered_nll_test(LanguageModel(generator), tokens, 1.0, batch_size=7) == pytest.approx(
        nll_test(generator, tokens), rel=1e-6)

    logits = np.asarray(generator(teacher_forcing_inputs(tokens)), dtype=np.float64)
    mask = tokens != PAD_ID
    for temperature in (0.5, 1.7):
        scaled = logits / temperature
        log_probs = scaled - np.log(np.exp(scaled - scaled.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
            - scaled.max(-1, keepdims=True)
        expected = -np.take_along_axis(log_probs, tokens[..., None], -1)[..., 0][mask].mean()
        assert nll(temperature) == pytest.approx(expected, rel=1e-5)
    for bad in (0.0, 1e-300, math.nan):  # greedy has no likelihood; 1e-300 is 0 in float32
        with pytest.raises(GanTextError, match="temperature must be a number from 1e-6 to 1e6, got"):
            nll(bad)


def mixed_samples(data):
    """3 copies of training sentences, 4 novel grammatical test sentences, 2 ungrammatical ones."""
    corpus, prepared, train, test = data
    readable = [s for s in test if prepared.vocab.decode(encode_sentences([s], prepared.vocab, 40).tokens[0]) == s]
    novel = [s for s in readable if s not in train][:4]  # words all in the vocabulary: ids decode to the same
    copies = train[:3]
    broken = [["xyzzy", *train[5]], list(reversed(train[6]))]
    assert not any(corpus.true_model.is_grammatical(s) for s in broken) and len(novel) == 4
    return copies + novel + broken


def test_quality_counts_only_grammatical_sentences_that_are_not_copied_from_the_train_split(data):
    corpus, _, train, _ = data
    samples = mixed_samples(data)
    row = frontier_scores(samples, grammar=corpus.true_model, train_sentences=train)
    n = len(samples)
    assert row["n"] == n == 9
    assert row["quality"] == pytest.approx(4 / n)  # the copies are grammatical but do not count
    assert row["grammatical_fraction"] == pytest.approx(7 / n)
    assert row["novelty"] == pytest.approx(6 / n)
    indicator = np.array([0, 0, 0, 1, 1, 1, 1, 0, 0], dtype=float)  # the SE is the std of the 0/1 outcomes / sqrt n
    assert row["quality_se"] == pytest.approx(indicator.std() / math.sqrt(n))
    assert row["quality_se"] == pytest.approx(math.sqrt(4 / 9 * 5 / 9 / 9))

    # Without a grammar (another corpus) quality is not measured, but the diversity columns are.
    plain = frontier_scores(samples, train_sentences=train)
    assert math.isnan(plain["quality"]) and math.isnan(plain["quality_se"]) and math.isnan(
        plain["grammatical_fraction"])
    assert {k: plain[k] for k in ("self_bleu_3", "distinct_2", "novelty")} == {
        k: row[k] for k in ("self_bleu_3", "distinct_2", "novelty")}


def test_a_sampler_without_a_likelihood_is_scored_on_every_other_column(data):
    corpus, prepared, train, _ = data
    samples = mixed_samples(data)
    ids = encode_sentences(samples, prepared.vocab, prepared.seq_len).tokens
    calls = []

    def sample(n, temperature, seed):  # a stand-in for e.g. a discriminator-guided sampler: ids, no logits
        calls.append((n, temperature, seed))
        return ids[:n] if temperature < 1 else ids[::-1][:n]

    frame = frontier_sweep(sample, [0.5, 2.0], vocab=prepared.vocab, n=6, seed=3, grammar=corpus.true_model,
                           train_sentences=train, label="guided", progress=False)
    assert calls == [(6, 0.5, 3), (6, 2.0, 3)]
    assert list(frame["label"]) == ["guided", "guided"] and list(frame["temperature"]) == [0.5, 2.0]
    assert frame["nll_test"].isna().all()
    for row, rows in zip(frame.to_dict("records"), (samples[:6], samples[::-1][:6]), strict=True):
        expected = frontier_scores(rows, grammar=corpus.true_model, train_sentences=train)
        assert {k: row[k] for k in expected} == pytest.approx(expected, nan_ok=True)
    assert frame.loc[0, "quality"] == pytest.approx(3 / 6) and frame.loc[1, "quality"] == pytest.approx(4 / 6)

    with pytest.raises(GanTextError, match=r"must return int token ids of shape \(6, seq_len\)"):
        frontier_sweep(lambda n, t, s: ids[:2], [1.0], vocab=prepared.vocab, n=6, progress=False)
    with pytest.raises(GanTextError, match="temperatures must be a non-empty list"):
        frontier_sweep(sample, [1.0, -1], vocab=prepared.vocab, n=6, progress=False)


# --- the run level, the CLI and the plot ----------------------------------------------------------------

def test_the_run_frontier_scores_the_runs_samples_and_the_real_row(run_dir, data):
    corpus, prepared, train, test = data
    frame = quality_frontier(run_dir, [0.7, 1.3], n=50, seed=1, write=False, progress=False)
    assert list(frame["label"]) == ["mle", "mle", "real"] and frame["temperature"].iloc[-1] != frame[
        "temperature"].iloc[-1]
    run = load_run(run_dir)
    by_hand = frontier_sweep(run.recipe.sample, [0.7, 1.3], vocab=prepared.vocab, n=50, seed=1,
                             grammar=corpus.true_model, train_sentences=train, nll=run.recipe.generator,
                             test_tokens=prepared.test_tokens, progress=False)
    pd.testing.assert_frame_equal(frame.iloc[:2][list(by_hand.columns)].reset_index(drop=True), by_hand)
    assert frame.loc[0, "nll_test"] == pytest.approx(tempered_nll_test(run.recipe.generator,
                                                                        prepared.test_tokens, 0.7))
    real = frame.iloc[-1]
    assert real["n"] == TINY.n_test and real["grammatical_fraction"] == 1.0  # the grammar wrote them
    assert real["quality"] == pytest.approx(sum(s not in train for s in test) / len(test))
    assert 0 < real["nll_test"] < frame.loc[0, "nll_test"]  # the grammar itself: no model does better
    assert "the test split has only 40 sentences" in format_frontier(frame)

    no_grammar = dataclasses.replace(corpus, true_model=None)  # as for coco or a text file
    other = quality_frontier(run_dir, [1.0], n=30, corpus=no_grammar, write=False, progress=False)
    assert other["quality"].isna().all() and other["grammatical_fraction"].isna().all()
    assert other.iloc[:-1][["nll_test", "self_bleu_3", "distinct_2", "novelty"]].notna().all().all()
    assert math.isnan(other.iloc[-1]["nll_test"])  # no true model to score real text under
    assert "has no grammar" in format_frontier(other)


def test_cli_sweep_prints_the_table_and_writes_the_csv_and_plot(run_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    copy = shutil.copytree(run_dir, tmp_path / "run")
    assert main(["evaluate", str(copy), "--sweep", "-n", "30", "--temperatures", "0.8,1.2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert [line.split()[0] for line in lines if line.split()[:1] in (["0.8"], ["1.2"], ["real"], ["better"])] == [
        "0.8", "1.2", "real", "better"]
    assert f"written: {copy / FRONTIER_FILE}, {copy / 'plots' / 'frontier.png'}" in out
    saved = pd.read_csv(copy / FRONTIER_FILE)
    expected = quality_frontier(run_dir, [0.8, 1.2], n=30, write=False, progress=False)
    pd.testing.assert_frame_equal(saved, expected, check_dtype=False)
    assert (copy / "plots" / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (copy / "metrics.csv").exists() and not list(copy.glob(".*.tmp"))


@pytest.mark.parametrize(("args", "message"), [
    (["--sweep", "--temperatures", "0.8,hot"], "--temperatures must be numbers separated by commas, got '0.8,hot'"),
    (["--sweep", "--temperatures", "0,1"], "--temperatures must be a number from 1e-6 to 1e6, got 0.0"),
    (["--sweep", "-n", "1"], "-n must be a whole number >= 2"),
    (["--sweep", "--lm"], "--lm does not apply to --sweep"),
    (["--temperatures", "0.8,1.0"], "--temperatures needs --sweep"),
])
def test_cli_sweep_mistakes_are_one_line(run_dir, capsys, args, message):
    assert main(["evaluate", str(run_dir), *args]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert not (run_dir / FRONTIER_FILE).exists()


def test_plot_frontier_draws_one_line_per_run_with_error_bars_and_the_real_star():
    def frontier(label, shift, nll=True):
        temps = [0.6, 1.0, 1.4]
        return pd.DataFrame({"label": label, "temperature": temps, "quality": [0.9 - shift, 0.7 - shift, 0.4],
                             "quality_se": [0.01, 0.02, 0.03], "nll_test": [5.0, 4.0, 4.5] if nll else math.nan,
                             "self_bleu_3": [0.8, 0.5, 0.3]})

    real = pd.DataFrame({"label": ["real"], "temperature": [math.nan], "quality": [0.95], "quality_se": [0.0],
                         "nll_test": [3.0], "self_bleu_3": [0.4]})
    both = pd.concat([frontier("mle", 0.0), frontier("relgan", 0.1), real], ignore_index=True)
    ax = plot_frontier(both)
    assert len(ax.containers) == 2  # one errorbar per run
    line, _, (bars,) = ax.containers[1]
    assert list(line.get_xdata()) == [5.0, 4.0, 4.5] and list(line.get_ydata()) == pytest.approx([0.8, 0.6, 0.4])
    assert [seg[1, 1] - seg[0, 1] for seg in bars.get_segments()] == pytest.approx([0.02, 0.04, 0.06])
    assert sorted(t.get_text() for t in ax.texts if t.get_text().startswith("T=")) == sorted(["T=0.6", "T=1", "T=1.4"] * 2)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["real data", "mle", "relgan"]
    assert "NLL-test" in ax.get_xlabel() and "grammatical and novel" in ax.get_ylabel()

    ax = plot_frontier({"guided": frontier("guided", 0.0, nll=False), "mle": frontier("mle", 0.0)}, real=False)
    assert len(ax.containers) == 1 and "guided (no nll_test, quality: not drawn)" in [
        t.get_text() for t in ax.get_legend().get_texts()]
    ax = plot_frontier([frontier("guided", 0.0, nll=False)], x="self_bleu_3", real=real)
    assert list(ax.containers[0][0].get_xdata()) == [0.8, 0.5, 0.3] and "Self-BLEU-3" in ax.get_xlabel()
    with pytest.raises(GanTextError, match="no frame has values of both 'nll_test' and 'quality'"):
        plot_frontier(frontier("guided", 0.0, nll=False))
