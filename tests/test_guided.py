"""The ``guided`` recipe: a discriminator copied from the generator, trained against it, used to resample."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
from test_runs import Interrupt

import gan_text as gt
from gan_text.errors import GanTextError
from gan_text.training import checkpoints as ckpt
from gan_text.training.guided import DiscriminatorFitter, discriminator_logits, guided_sampler
from gan_text.training.recipes import build_recipe
from gan_text.training.runs import load_run, train

TINY = gt.profile("smoke").replace(n_train=64, n_test=16, batch_size=8, pretrain_steps=4, steps=3, n_eval=8,
                                   emb_dim=8, hidden_dim=8)
SETTINGS = {"profile": TINY, "eval_every": 3, "verbose": 0, "candidates": 4, "d_width": 8}


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    gt.setup(0, quiet=True)
    return train("grammar", "guided", out=tmp_path_factory.mktemp("guided") / "run", **SETTINGS)


def test_phases_and_a_discriminator_copied_from_the_pretrained_generator(straight):
    recipe = straight.recipe
    assert [p.name for p in recipe.phases] == ["pretrain", "discriminator"]
    assert [p.steps for p in recipe.phases] == [4, 6]  # steps: twice the profile's, as discriminator steps
    assert recipe.likelihood is False and recipe.config["candidates"] == 4
    fitter = recipe.phases[1].model
    assert isinstance(fitter, DiscriminatorFitter) and int(fitter.copied.numpy()) == 1
    history = straight.history
    assert {"d_loss", "d_accuracy"} <= set(history.columns)
    assert np.isfinite(history[history["phase"] == "discriminator"]["d_loss"].iloc[1:]).all()
    # the copy: a fresh fitter on the pre-trained generator starts from the generator's own layers
    generator = recipe.generator
    fresh = build_recipe("guided", straight.data, TINY, candidates=4, d_width=8)
    fresh.generator.set_weights(generator.get_weights())
    fresh.phases[1].model.initialise()
    np.testing.assert_array_equal(fresh.discriminator.embedding.get_weights()[0],
                                  generator.embedding.get_weights()[0])
    np.testing.assert_array_equal(fresh.discriminator.to_vocab.get_weights()[0], generator.out.get_weights()[0])
    before = fresh.discriminator.get_weights()
    fresh.phases[1].model.initialise()  # only once
    assert all(np.array_equal(a, b) for a, b in zip(before, fresh.discriminator.get_weights(), strict=True))


def test_resampling_keeps_the_candidate_the_discriminator_prefers(straight):
    recipe = straight.recipe
    tokens = recipe.sample(12, 1.0, 3)
    assert tokens.shape == (12, straight.data.seq_len) and tokens.dtype == np.int32
    np.testing.assert_array_equal(tokens, recipe.sample(12, 1.0, 3))  # same seed, same sentences
    assert not np.array_equal(tokens, recipe.sample(12, 1.0, 4))
    # with a huge alpha SIR is an argmax over each row of candidates
    greedy = guided_sampler(recipe.generator, recipe.discriminator, candidates=4, alpha=1e6)
    chosen = greedy(5, 1.0, 7)
    pool = np.asarray(recipe.generator.sample(20, temperature=1.0, seed=7)).reshape(5, 4, -1)
    logits = discriminator_logits(recipe.discriminator, pool.reshape(20, -1)).reshape(5, 4)
    np.testing.assert_array_equal(chosen, pool[np.arange(5), logits.argmax(axis=1)])
    assert greedy.sentences_per_kept == 4


def test_an_interrupted_guided_run_resumes_exactly(straight, tmp_path):
    gt.setup(0, quiet=True)
    with pytest.raises(KeyboardInterrupt):  # 4 pre-training steps, then 2 of the discriminator's 6
        train("grammar", "guided", out=tmp_path / "cut", callbacks=[Interrupt(6)], **SETTINGS)
    keras.backend.clear_session()
    gt.setup(0, quiet=True)
    resumed = train(out=tmp_path / "cut", resume=True, **SETTINGS)
    assert resumed.checkpoint.name == straight.checkpoint.name == "discriminator-000006"
    with np.load(straight.checkpoint / ckpt.STATE_FILE) as a, np.load(resumed.checkpoint / ckpt.STATE_FILE) as b:
        assert a.files == b.files
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    pd.testing.assert_frame_equal(pd.read_csv(straight.run_dir / "history.csv"),
                                  pd.read_csv(tmp_path / "cut" / "history.csv"))
    loaded = load_run(tmp_path / "cut")
    assert loaded.generate(4, seed=1) == straight.generate(4, seed=1)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"candidates": 0}, "candidates must be a whole number >= 1"),
    ({"alpha": -1.0}, "alpha must be a number > 0"),
    ({"d_dropout": 1.0}, r"d_dropout must be a fraction in \[0, 1\)"),
    ({"beta_max": 2.0}, "unknown guided override 'beta_max'"),
])
def test_bad_settings_say_what_to_do(straight, overrides, message):
    with pytest.raises(GanTextError, match=message):
        build_recipe("guided", straight.data, TINY, **overrides)
