"""The architecture comparison: matched widths, the recipe with every family, the table and the figure."""

from __future__ import annotations

import functools
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from gan_text import architectures as arch
from gan_text.config import profile
from gan_text.corpora import load_corpus
from gan_text.dataset import make_dataset, prepare
from gan_text.errors import GanTextError
from gan_text.models.discriminators import DISCRIMINATORS
from gan_text.training.recipes import build_recipe
from gan_text.training.runs import load_run, train

matplotlib.use("Agg")

SMOKE = profile("smoke")
# One tiny corpus for every test that trains: what costs time here is tracing each pair's training step, not
# the data, so fewer and shorter sentences only make the scoring and the set-up cheaper.
TINY = SMOKE.replace(n_train=128, n_test=32, batch_size=16, n_eval=16)
# One Transformer layer everywhere (the width search and the runs): a second layer only makes tracing slower.
SETTINGS = {**arch.architecture_settings(SMOKE), "num_layers": 1}
VOCAB_SIZE, SEQ_LEN = 60, 10  # tiny models for the width search
BUDGETS = {"generator": (20_000, 60_000), "discriminator": (20_000, 60_000)}
FAMILIES = [("generator", f) for f in arch.GENERATOR_FAMILIES] + \
           [("discriminator", f) for f in arch.DISCRIMINATOR_FAMILIES]
# Every family of both players trains at least once in this file, in five runs (the fewest that can cover
# five discriminator families) instead of twenty: these two pairs, the comparison's cnn x relgan and
# gru x transformer, and cnn x seed under train().
COVER = [("lstm", "cnn"), ("transformer", "rnn")]
QUICK = {"pretrain_steps": 0, "steps": 2, "num_layers": 1}


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("grammar", n_train=TINY.n_train, n_test=TINY.n_test, seed=0)


@pytest.fixture(scope="module")
def data(corpus):
    return prepare(corpus)


def test_the_families_are_the_model_kinds():
    assert arch.DISCRIMINATOR_FAMILIES == DISCRIMINATORS
    assert arch.GENERATOR_FAMILIES == ("lstm", "gru", "cnn", "transformer")
    assert {g for g, _ in COVER} | {"cnn", "gru"} == set(arch.GENERATOR_FAMILIES)
    assert {d for _, d in COVER} | {"relgan", "transformer", "seed"} == set(arch.DISCRIMINATOR_FAMILIES)


# --- matched widths -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("player", "family"), FAMILIES, ids=lambda x: x)
def test_matched_width_is_the_closest_width_within_tolerance_and_grows_with_the_budget(player, family):
    step = arch.width_step(player, family, SETTINGS)
    widths = []

    def count(w):
        return arch.count_params(player, family, w, VOCAB_SIZE, SEQ_LEN, SETTINGS)

    for budget in BUDGETS[player]:
        width = arch.matched_width(family, budget, VOCAB_SIZE, SEQ_LEN, player=player, settings=SETTINGS)
        assert width % step == 0
        assert abs(count(width) / budget - 1) <= arch.BUDGET_TOLERANCE
        widths.append(width)
    assert widths[1] > widths[0]
    budget, width = BUDGETS[player][0], widths[0]
    built = arch.build_family(player, family, width, VOCAB_SIZE, SEQ_LEN, SETTINGS)
    assert arch.trainable_params(built) == count(width)  # the cached count is the built model's
    for neighbour in (width - step, width + step):  # no other width comes closer
        assert abs(count(neighbour) - budget) >= abs(count(width) - budget)


def test_the_parameter_count_includes_the_embedding_and_the_output_layer():
    small = arch.count_params("generator", "gru", 16, 50, SEQ_LEN, SETTINGS)
    large = arch.count_params("generator", "gru", 16, 150, SEQ_LEN, SETTINGS)
    # 100 more tokens: 100 more embedding rows (emb_dim) and 100 more output units (16 weights + bias)
    assert large - small == 100 * (SETTINGS["emb_dim"] + 16 + 1)
    assert arch.count_params("generator", "gru", 16, 50, SEQ_LEN, SETTINGS, vocabulary=True) == \
        50 * SETTINGS["emb_dim"] + 16 * 50 + 50  # the embedding, the output kernel and its bias


def test_the_count_follows_the_settings_that_shape_the_model_and_only_those():
    def count(family, settings):
        return arch.count_params("generator", family, 8, VOCAB_SIZE, SEQ_LEN, settings)

    assert count("transformer", {**SETTINGS, "num_layers": 2}) > count("transformer", SETTINGS)  # not a stale count
    assert count("gru", {**SETTINGS, "num_layers": 2, "g_lr": 1.0}) == count("gru", SETTINGS)


def test_transformer_widths_are_multiples_of_the_heads():
    settings = {**SETTINGS, "num_heads": 4}
    width = arch.matched_width("transformer", 30_000, VOCAB_SIZE, SEQ_LEN, settings=settings)
    assert width % 4 == 0 and arch.family_hyperparameters(
        "generator", "transformer", width, SEQ_LEN, settings)[1]["hidden_dim"] == 2 * width


def test_budget_table_has_every_family_near_its_budget(data):
    table = arch.budget_table(data, TINY, settings=SETTINGS)
    assert list(zip(table["player"], table["family"], strict=True)) == FAMILIES
    g_budget, d_budget = arch.default_budgets(data, TINY, SETTINGS)
    assert (table["budget"] == np.where(table["player"] == "generator", g_budget, d_budget)).all()
    assert (table["off"].abs() <= arch.BUDGET_TOLERANCE).all()
    assert table["vocab_share"].between(0, 1, inclusive="neither").all()
    base = table.set_index(["player", "family"])
    assert base.loc[("generator", "gru"), "width"] == TINY.hidden_dim  # the relgan recipe's own sizes
    assert base.loc[("discriminator", "relgan"), "width"] == 32


# --- the recipe ---------------------------------------------------------------------------------------

def test_gru_with_relgan_at_the_default_budget_is_the_relgan_recipe(data):
    settings = {"g_lr": 2e-4, "beta_max": 10.0}  # overrides reach the models as in the relgan recipe
    settings |= {"label_smoothing": 0.1} if "label_smoothing" in SETTINGS else {}  # its regularisers too
    ours = arch.architecture_recipe(data, TINY, seed=3, **settings)
    theirs = build_recipe("relgan", data, TINY, seed=3, **settings)
    assert [p.name for p in ours.phases] == [p.name for p in theirs.phases]

    def gan_config(recipe):
        gan = recipe.phases[-1].model
        return {k: v for k, v in gan.get_config().items() if k not in ("generator", "discriminator")}

    assert gan_config(ours) == gan_config(theirs)
    assert np.isclose(float(ours.phases[-1].model.g_optimizer.learning_rate), 2e-4)
    for mine, reference in ((ours.generator, theirs.generator), (ours.discriminator, theirs.discriminator)):
        assert mine.hyperparameters == reference.hyperparameters
        weights = zip(mine.get_weights(), reference.get_weights(), strict=True)
        assert all(np.array_equal(a, b) for a, b in weights)


@pytest.mark.parametrize(("generator", "discriminator"), COVER, ids=lambda x: x)
def test_every_family_pair_trains_with_finite_losses(data, generator, discriminator):
    recipe = arch.architecture_recipe(data, TINY, seed=0, generator=generator, discriminator=discriminator,
                                      **QUICK)
    assert [p.name for p in recipe.phases] == ["adversarial"]  # pretrain_steps=0 drops the pre-training
    assert recipe.config["generator_family"] == generator and recipe.config["discriminator_family"] == discriminator
    (adversarial,) = recipe.phases
    history = adversarial.model.fit(make_dataset(data.train_tokens, TINY.batch_size, seed=0, repeat=True),
                                    epochs=1, steps_per_epoch=adversarial.steps, verbose=0).history
    assert {"d_loss", "g_loss", "beta"} <= set(history)
    assert all(math.isfinite(values[-1]) for values in history.values()), history
    samples = recipe.sample(8, seed=0)
    assert samples.shape == (8, data.seq_len) and samples.dtype == np.int32


def test_the_cnn_generator_runs_under_train_without_pretraining_and_reloads(corpus, tmp_path):
    builder = functools.partial(arch.architecture_recipe, generator="cnn", discriminator="seed")
    # train() stops with a GanTextError if a loss becomes NaN or infinite
    run = train(corpus, builder, out=tmp_path / "run", profile=TINY, steps=2, eval_every=2, verbose=0, n_eval=8)
    assert run.config["recipe"] == "arch-cnn-seed" and [p["name"] for p in run.config["phases"]] == ["adversarial"]
    assert np.isfinite(run.history[["d_loss", "g_loss"]].dropna().to_numpy()).all()
    again = load_run(run.run_dir, recipe=builder)
    assert again.generate(3) == run.generate(3)


def test_recipe_mistakes_are_explained(data):
    with pytest.raises(GanTextError, match=r"unknown generator family 'rnn'; known: lstm, gru, cnn, transformer"):
        arch.architecture_recipe(data, TINY, generator="rnn")
    with pytest.raises(GanTextError, match=r"unknown discriminator family 'lstm'; known: seed, cnn, relgan"):
        arch.architecture_recipe(data, TINY, discriminator="lstm")
    with pytest.raises(GanTextError, match=r"unknown architecture override 'cell'; accepted: .*noise_dim"):
        arch.architecture_recipe(data, TINY, cell="lstm")
    with pytest.raises(GanTextError, match=r"g_lr must be a number > 0"):
        arch.architecture_recipe(data, TINY, g_lr=-1.0)
    with pytest.raises(GanTextError, match=r"data must be a prepared corpus"):
        arch.architecture_recipe([1, 2], TINY)


def test_width_mistakes_are_explained():
    with pytest.raises(GanTextError, match=r"unknown player 'critic'; known: generator, discriminator"):
        arch.matched_width("cnn", 1000, VOCAB_SIZE, SEQ_LEN, player="critic", settings=SETTINGS)
    with pytest.raises(GanTextError, match=r"unknown generator family 'seed'; known: lstm, gru"):
        arch.matched_width("seed", 1000, VOCAB_SIZE, SEQ_LEN, settings=SETTINGS)
    with pytest.raises(GanTextError, match=r"a lstm generator has at least [\d,]+ parameters .*pass a budget of at "
                                           r"least"):
        arch.matched_width("lstm", 100, VOCAB_SIZE, SEQ_LEN, settings=SETTINGS)
    with pytest.raises(GanTextError, match=r"budget must be a whole number >= 1"):
        arch.matched_width("lstm", 0, VOCAB_SIZE, SEQ_LEN, settings=SETTINGS)


# --- the comparison -------------------------------------------------------------------------------------

def test_the_default_plan_sweeps_each_player_against_the_base_pair():
    plan = arch.architecture_plan()
    assert len(plan) == len(arch.GENERATOR_FAMILIES) + len(arch.DISCRIMINATOR_FAMILIES) - 1
    assert plan.count(("gru", "relgan")) == 1
    assert {g for g, d in plan if d == "relgan"} == set(arch.GENERATOR_FAMILIES)
    assert {d for g, d in plan if g == "gru"} == set(arch.DISCRIMINATOR_FAMILIES)
    grid = arch.architecture_plan(grid=True)
    assert len(set(grid)) == len(arch.GENERATOR_FAMILIES) * len(arch.DISCRIMINATOR_FAMILIES)
    assert arch.architecture_plan(["lstm"], "rnn") == [("lstm", "relgan"), ("gru", "rnn")]


def test_plan_mistakes_are_explained():
    with pytest.raises(GanTextError, match=r"unknown discriminator family 'gan'; known: seed, cnn"):
        arch.architecture_plan(discriminators=("cnn", "gan"))
    with pytest.raises(GanTextError, match=r"pass at least one generator family"):
        arch.architecture_plan(generators=())


@pytest.fixture(scope="module")
def frame(corpus):
    return arch.compare_architectures(corpus, TINY, generators=("cnn",), discriminators=("transformer",),
                                      verbose=0, pretrain_steps=2, steps=2, num_layers=1)


def test_compare_architectures_returns_one_scored_row_per_pair(frame, data):
    assert list(frame.columns) == list(arch.COLUMNS)
    # each family given against the other player's base family: cnn x relgan, gru x transformer
    assert list(zip(frame["generator"], frame["discriminator"], strict=True)) == [
        ("cnn", "relgan"), ("gru", "transformer")]
    g_budget, d_budget = arch.default_budgets(data, TINY)
    assert frame.attrs["g_budget"] == g_budget and frame.attrs["d_budget"] == d_budget
    assert ((frame[["g_params", "d_params"]] / [g_budget, d_budget] - 1).abs() <= arch.BUDGET_TOLERANCE).all(None)
    assert (frame.loc[frame["discriminator"] == "relgan", "d_params"] == d_budget).all()  # its own width, 32
    cnn = frame["generator"] == "cnn"
    assert (frame.loc[cnn, "pretrain_steps"] == 0).all() and frame.loc[cnn, "nll_test"].isna().all()
    assert (frame.loc[~cnn, "pretrain_steps"] == 2).all() and np.isfinite(frame.loc[~cnn, "nll_test"]).all()
    scores = ["steps_per_second", "d_loss", "g_loss", "d_auc", "grammatical_fraction", "bleu_3", "self_bleu_3",
              "duplicate_rate", "mean_length"]
    assert np.isfinite(frame[scores].to_numpy(dtype=float)).all()
    assert frame[["d_auc", "grammatical_fraction", "bleu_3", "self_bleu_3", "duplicate_rate"]].stack().between(
        0, 1).all()


def test_compare_mistakes_are_explained(corpus):
    with pytest.raises(GanTextError, match=r"budget must be a pair \(generator parameters, discriminator"):
        arch.compare_architectures(corpus, TINY, budget=50_000)
    with pytest.raises(GanTextError, match=r"unknown architecture override 'hidden_dim'"):
        arch.compare_architectures(corpus, TINY, hidden_dim=8)
    with pytest.raises(GanTextError, match=r"corpus must be a corpus name"):
        arch.compare_architectures(42, TINY)


def test_step_timer_leaves_out_the_first_batch():
    timer = arch.StepTimer()
    timer.on_train_batch_end(0)
    assert math.isnan(timer.steps_per_second)  # one batch: only the traced one, nothing to time
    for batch in (1, 2, 3):
        timer.on_train_batch_end(batch)
    assert timer.batches == 4 and timer.steps_per_second > 0


def test_plot_architectures_draws_a_bar_and_a_point_per_pair(frame):
    figure = arch.plot_architectures(frame)
    left, right = figure.axes
    assert len(left.patches) == len(frame)
    assert len(right.get_legend().get_texts()) == len(frame)
    with pytest.raises(GanTextError, match=r"needs the non-empty DataFrame of compare_architectures"):
        arch.plot_architectures(pd.DataFrame())
    with pytest.raises(GanTextError, match=r"column 'd_auc' is missing"):
        arch.plot_architectures(frame.drop(columns="d_auc"))
