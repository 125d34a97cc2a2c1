"""Hyperparameter tuning: search spaces, objectives, a tiny Optuna study, continuing it, failed trials, plots.

The studies here train RelGAN at toy sizes (a few steps, width 8) so that the whole file takes seconds;
they check the bookkeeping, not the quality of the tuned GAN.
"""

from __future__ import annotations

import shutil

import keras
import matplotlib
import numpy as np
import optuna
import pandas as pd
import pytest
import tensorflow as tf
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

import gan_text as gt
from gan_text.corpora import load_corpus
from gan_text.dataset import prepare
from gan_text.errors import GanTextError
from gan_text.runconfig import read_config
from gan_text.training.phases import Phase, Recipe
from gan_text.training.recipes import recipe_settings
from gan_text.tuning import (
    DEFAULT_SPACE,
    JOURNAL_FILE,
    OBJECTIVES,
    TRIALS_FILE,
    SeededTPESampler,
    check_space,
    param_importances,
    plot_importance,
    plot_objective,
    trials_frame,
    tune,
)
from gan_text.tuning.space import contains
from gan_text.tuning.study import open_study

matplotlib.use("Agg")

TINY = gt.profile("smoke").replace(n_train=64, n_test=32, batch_size=8, pretrain_steps=4, steps=4, n_eval=16,
                                   emb_dim=8, hidden_dim=8)
SPACE = {"g_lr": ("log", 1e-5, 1e-3), "d_steps": ("int", 1, 2), "batch_size": ("choice", [8, 16])}


def tiny_tune(study_dir, n_trials, **kwargs):
    return tune("grammar", "relgan", space=SPACE, n_trials=n_trials, study_dir=study_dir, profile=TINY, seed=0,
                verbose=0, **kwargs)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A two-trial study (trial 0: the recipe's defaults), shared by the tests that only read it."""
    return tiny_tune(tmp_path_factory.mktemp("study") / "relgan", n_trials=2)


# --- the search space ------------------------------------------------------------------------------------

@pytest.mark.parametrize("space, message", [
    ({}, "space must be a non-empty dict"),
    ([("g_lr", "log", 1e-5, 1e-3)], "space must be a non-empty dict"),
    ({"glr": ("log", 1e-5, 1e-3)}, "relgan has no hyperparameter 'glr' to tune; tunable: "),
    ({"g_lr": 1e-4}, "space['g_lr'] must be a tuple (kind, ...)"),
    ({"g_lr": ("logarithmic", 1e-5, 1e-3)}, "space['g_lr'] has unknown kind 'logarithmic'; known: log, float"),
    ({"g_lr": ("log", 0.0, 1e-3)}, "a log range needs 0 < low < high"),
    ({"g_lr": ("log", 1e-3, 1e-5)}, "a log range needs numbers low < high"),
    ({"g_lr": ("log", 1e-5)}, "space['g_lr'] must be ('log', low, high), got 2 items"),
    ({"d_steps": ("int", 1, 2.5)}, "an int range needs whole numbers low < high"),
    ({"beta_max": ("float", "1", 10)}, "a float range needs numbers low < high"),
    ({"batch_size": ("choice", [])}, "must be ('choice', [value, ...]) with a non-empty list"),
    ({"batch_size": ("choice", [32, [64]])}, "choice [64] is not a number, string, bool or None"),
])
def test_space_mistakes_are_one_line_errors(space, message):
    with pytest.raises(GanTextError) as info:
        tune("grammar", "relgan", space=space, profile=TINY, study_dir="/nonexistent/never-created", verbose=0)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_the_default_space_is_valid_and_covers_the_relgan_settings():
    checked = check_space(DEFAULT_SPACE)  # any names: the three regularisation rates may not be in relgan yet
    assert {"g_lr", "d_lr", "batch_size", "hidden_dim", "beta_max", "d_steps", "label_smoothing", "instance_noise",
            "word_dropout"} <= set(checked)
    assert checked["g_lr"] == ("log", 1e-5, 1e-3)
    assert all(checked[name][1] == 0.0 for name in ("label_smoothing", "instance_noise", "word_dropout"))
    for cfg in (gt.profile("smoke"), gt.profile("course")):  # the defaults lie in it: trial 0 can train them
        defaults = {**recipe_settings("relgan", cfg), "batch_size": cfg.batch_size}
        assert all(contains(checked[name], defaults[name]) for name in checked if name in defaults)


def test_other_argument_mistakes(tmp_path):
    with pytest.raises(GanTextError, match="unknown objective 'bleu'; known: grammar_quality_diversity, nll_oracle"):
        tiny_tune(tmp_path / "a", 1, objective="bleu")
    with pytest.raises(GanTextError, match="n_trials must be a whole number >= 1, got 0"):
        tiny_tune(tmp_path / "b", 0)
    with pytest.raises(GanTextError, match="recipe 'wgan_gp' has no default search space; pass space="):
        tune("grammar", "wgan_gp", profile=TINY, study_dir=tmp_path / "c", verbose=0)
    with pytest.raises(GanTextError, match=r"objective 'nll_oracle' needs a corpus whose true model has nll \(oracle\)"
                                           r", not 'grammar'"):
        tiny_tune(tmp_path / "d", 1, objective="nll_oracle")
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "notes.txt").write_text("mine")
    with pytest.raises(GanTextError, match="exists and holds no study"):
        tiny_tune(tmp_path / "e", 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e"]  # no mistake left a folder behind
    assert (tmp_path / "e" / "notes.txt").read_text() == "mine"


# --- objectives ----------------------------------------------------------------------------------------

def test_grammar_objective_prefers_real_text_to_collapsed_or_scrambled_text():
    corpus = load_corpus("grammar", n_train=600, n_test=200, seed=0)
    data = prepare(corpus)
    score = OBJECTIVES["grammar_quality_diversity"]
    real = data.train_tokens[:200]  # real sentences, not the test sentences the diversity is compared with
    one = np.repeat(real[:1], 200, axis=0)
    five = real[np.arange(200) % 5]
    scrambled = real.copy()
    rng = np.random.default_rng(0)
    for row in scrambled:
        words = int((row > 3).sum())
        row[:words] = rng.permutation(row[:words])
    scores = {name: score(tokens, data.vocab, corpus)
              for name, tokens in [("real", real), ("one", one), ("five", five), ("scrambled", scrambled)]}
    assert scores["real"]["objective"] > 0.9
    assert scores["real"]["grammatical_fraction"] == 1.0
    assert scores["one"]["grammatical_fraction"] == 1.0 and scores["one"]["objective"] < 0.05
    assert scores["five"]["objective"] < 0.1
    assert scores["scrambled"]["grammatical_fraction"] < 0.2 and scores["scrambled"]["objective"] < 0.2
    assert scores["one"]["duplicate_rate"] > 0.99


def test_oracle_objective_prefers_oracle_text_to_random_words():
    corpus = load_corpus("oracle", n_train=200, n_test=50, seed=0)
    data = prepare(corpus)
    score = OBJECTIVES["nll_oracle"]
    assert score.direction == "minimize"
    real = data.train_tokens[:100]
    random = real.copy()
    random[:, :20] = np.random.default_rng(0).integers(4, data.vocab_size, size=(100, 20))
    real_scores, random_scores = score(real, data.vocab, corpus), score(random, data.vocab, corpus)
    assert real_scores["oracle_scored"] == 1.0 and random_scores["oracle_scored"] == 1.0
    assert real_scores["objective"] < random_scores["objective"] - 2.0


# --- a tiny study --------------------------------------------------------------------------------------

def test_a_study_writes_its_folder_and_table(study):
    folder = study.study_dir
    assert (folder / JOURNAL_FILE).is_file()
    assert (folder / "trial_000" / "config.json").is_file() and (folder / "trial_001" / "config.json").is_file()
    frame = study.frame
    assert list(frame.columns[:6]) == ["number", "state", "objective", "g_lr", "d_steps", "batch_size"]
    assert {"grammatical_fraction", "diversity", "self_bleu_3", "duplicate_rate", "mean_length", "wall_s", "note",
            "run_dir"} <= set(frame.columns)
    assert sorted(frame["number"]) == [0, 1] and set(frame["state"]) == {"COMPLETE"}
    assert frame["objective"].is_monotonic_decreasing  # best first (the objective is maximised)
    assert (frame["wall_s"] > 0).all()
    saved = pd.read_csv(folder / TRIALS_FILE)
    assert saved["number"].tolist() == frame["number"].tolist()
    defaults = frame.set_index("number").loc[0]
    assert defaults["note"] == "recipe defaults"
    assert (defaults["g_lr"], defaults["d_steps"], defaults["batch_size"]) == (3e-5, 1, TINY.batch_size)
    # each trial trained with its own parameters
    trial_1 = frame.set_index("number").loc[1]
    config = read_config(folder / "trial_001")
    assert config["overrides"]["g_lr"] == pytest.approx(trial_1["g_lr"])
    assert config["profile"]["batch_size"] == trial_1["batch_size"]
    assert study.best_value == frame["objective"].max()
    assert set(study.best_params) == set(SPACE)


def test_continuing_a_study_adds_trials_without_redoing_old_ones(study, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(study.study_dir, folder)
    before = trials_frame(tiny_tune(folder, 2).study)  # already 2 trials: nothing to do
    stamp = (folder / "trial_000" / "config.json").stat().st_mtime_ns
    after = tiny_tune(folder, 3)
    assert sorted(p.name for p in folder.glob("trial_*")) == ["trial_000", "trial_001", "trial_002"]
    assert (folder / "trial_000" / "config.json").stat().st_mtime_ns == stamp
    old = after.frame[after.frame["number"] < 2].sort_values("number").reset_index(drop=True)
    pd.testing.assert_frame_equal(old[["number", "objective", *SPACE]],
                                  before.sort_values("number").reset_index(drop=True)[["number", "objective", *SPACE]])
    assert len(pd.read_csv(folder / TRIALS_FILE)) == 3


def test_a_study_made_with_other_settings_is_refused(study):
    with pytest.raises(GanTextError) as info:
        tune("grammar", "relgan", space=SPACE, n_trials=3, study_dir=study.study_dir, profile=TINY, seed=1, verbose=0)
    assert "was made with seed=0, not 1; pass the same settings to continue it" in str(info.value)
    with pytest.raises(GanTextError, match=r"was made with space.d_steps\[2\]=2, not 3"):
        tune("grammar", "relgan", space={**SPACE, "d_steps": ("int", 1, 3)}, n_trials=3, study_dir=study.study_dir,
             profile=TINY, verbose=0)
    assert len(study.study.trials) == 2


def test_an_interrupted_trial_is_marked_failed_and_not_counted(study, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(study.study_dir, folder)
    left, _ = open_study(folder, study.settings, "maximize", seed=0)
    left.ask()  # a trial left RUNNING, as a killed process leaves it
    result = tiny_tune(folder, 2)  # two trials count already: nothing is trained
    frame = result.frame.set_index("number")
    assert frame.loc[2, "state"] == "FAIL" and "interrupted" in frame.loc[2, "note"]
    assert not (folder / "trial_002").exists()


def test_same_seed_same_suggestions_also_when_a_study_is_continued(tmp_path):
    def objective(trial):
        return (trial.suggest_float("x", -2, 2) - 1) ** 2 + 0.1 * trial.suggest_int("k", 0, 3)

    def run(seed, splits, journal):
        storage = JournalStorage(JournalFileBackend(str(journal)))
        optuna.create_study(storage=storage, study_name="s")
        for n in splits:  # a new Study object and sampler each time, as in a new process
            study = optuna.load_study(study_name="s", storage=storage, sampler=SeededTPESampler(seed))
            study.optimize(objective, n_trials=n)
        return [t.params for t in study.trials]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    straight = run(7, [8], tmp_path / "a.log")
    assert run(7, [8], tmp_path / "b.log") == straight
    assert run(7, [3, 5], tmp_path / "c.log") == straight  # continued past TPE's random start-up trials
    assert run(8, [8], tmp_path / "d.log") != straight


def test_a_diverging_trial_is_recorded_as_failed_and_the_study_goes_on(tmp_path):
    result = tune("grammar", exploding_recipe, space={"lr": ("log", 0.01, 0.1)}, n_trials=2, profile=TINY,
                  study_dir=tmp_path / "boom", verbose=0)
    frame = result.frame
    assert frame["state"].tolist() == ["FAIL", "FAIL"]
    assert frame["note"].str.startswith("training stopped: the loss loss became nan at step 3").all()
    assert len(pd.read_csv(tmp_path / "boom" / TRIALS_FILE)) == 2
    assert result.best_value is None and result.best_params == {}
    with pytest.raises(GanTextError, match="no trial of .* completed"):
        result.best_run()


class Exploding(keras.Model):
    """Its loss becomes NaN at step 3, like a GAN whose learning rate is far too high."""

    def __init__(self):
        super().__init__(name="exploding")
        self.w = self.add_weight(shape=(), initializer="zeros", name="w")
        self.count = self.add_weight(shape=(), initializer="zeros", name="count", trainable=False)

    def train_step(self, data):
        self.count.assign_add(1.0)
        target = tf.where(self.count >= 3.0, float("nan"), 1.0)
        with tf.GradientTape() as tape:
            loss = tf.square(self.w - target)
        self.optimizer.apply(tape.gradient(loss, [self.w]), [self.w])
        return {"loss": loss}


def exploding_recipe(data, cfg, seed=0, lr=0.01):
    model = Exploding()
    model.compile(optimizer=keras.optimizers.SGD(lr))
    rows = data.train_tokens
    return Recipe("exploding", [Phase("explode", model, 6)], model, None, {"lr": lr},
                  lambda n, t, s: rows[np.arange(n) % len(rows)])


# --- plots ---------------------------------------------------------------------------------------------

def test_plots_of_a_small_study_are_figures(study):
    fig = plot_objective(study)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "grammar_quality_diversity (higher = better)"
    assert {line.get_label() for line in ax.get_lines()} >= {"trial", "best so far", "recipe defaults"}
    assert param_importances(study) is None  # 2 completed trials: too few
    fig = plot_importance(study)
    assert "too few for importances" in fig.get_suptitle()
    assert sorted(a.get_xlabel() for a in fig.axes if a.get_visible()) == sorted(SPACE)


def test_importances_find_the_parameter_that_matters():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: -10 * (t.suggest_float("x", 0, 1) - 0.5) ** 2 + 0.01 * t.suggest_float("y", 0, 1),
                   n_trials=20)
    importances = param_importances(study)
    assert importances["x"] > 0.8 > importances["y"]
    fig = plot_importance(study)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["y", "x"]  # largest on top
    frame = trials_frame(study)
    assert frame["objective"].is_monotonic_decreasing and len(frame) == 20
    fig = plot_objective(study)
    best = [line for line in fig.axes[0].get_lines() if line.get_label() == "best so far"][0]
    assert np.all(np.diff(best.get_ydata()) >= 0)
