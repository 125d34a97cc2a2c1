"""Checkpoints: complete state, atomic writes that survive a crash at any point, no NaN ever saved."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from test_runs import TINY, gan_recipe, lm_recipe

import gan_text as gt
from gan_text.corpora import load_corpus
from gan_text.dataset import make_dataset, prepare
from gan_text.errors import GanTextError
from gan_text.training import checkpoints as ckpt


@pytest.fixture(scope="module")
def data():
    return prepare(load_corpus("grammar", n_train=64, n_test=16))


def trained(builder, data, steps=2):
    """A recipe whose every phase model took ``steps`` steps (so every optimizer has state)."""
    gt.setup(0, quiet=True)
    recipe = builder(data, TINY)
    for phase in recipe.phases:
        phase.model.fit(make_dataset(data.train_tokens, 8, repeat=True), steps_per_epoch=steps, epochs=1,
                        verbose=0, shuffle=False)
    return recipe


def values(variables):
    return [np.array(v.numpy()) for v in variables]


@pytest.fixture(scope="module")
def lm_trained(data):
    return trained(lm_recipe, data, steps=1)


@pytest.fixture
def lm(lm_trained):
    """(recipe, variables, optimizers) of a language model after one step; reset after each test."""
    variables, optimizers = ckpt.recipe_state(lm_trained)
    snapshot = values(variables)
    yield lm_trained, variables, optimizers
    for variable, value in zip(variables, snapshot, strict=True):
        variable.assign(value)


def test_restore_brings_back_every_variable_and_optimizer_so_training_continues_identically(data, tmp_path):
    recipe = trained(gan_recipe, data)
    variables, optimizers = ckpt.recipe_state(recipe)
    assert set(optimizers) == {"warmup.d_optimizer", "warmup.g_optimizer"}  # one GAN in both phases
    assert any("seed_generator" in v.path for v in variables)  # random state is saved too
    folder = ckpt.save_checkpoint(tmp_path, "warmup", 2, variables, optimizers,
                                  {"generator": recipe.generator}, info={"phase_index": 0})
    assert folder.name == "warmup-000002" and ckpt.latest_checkpoint(tmp_path) == folder
    meta = json.loads((folder / "checkpoint.json").read_text())
    assert meta["phase"] == "warmup" and meta["step"] == 2 and len(meta["variables"]) == len(variables)
    with np.load(folder / "state.npz", allow_pickle=False) as state:
        assert len(state.files) == len(variables) + sum(len(o.variables) for o in optimizers.values())

    fresh = gan_recipe(data, TINY, seed=7)  # other initial weights, optimizers not built yet
    fresh_vars, fresh_opts = ckpt.recipe_state(fresh)
    assert not any(o.built for o in fresh_opts.values())
    assert any((a != b).any() for a, b in zip(values(variables), values(fresh_vars), strict=True))
    ckpt.restore_checkpoint(folder, fresh_vars, fresh_opts)
    for a, b in zip(values(variables), values(fresh_vars), strict=True):
        np.testing.assert_array_equal(a, b)
    for key in optimizers:
        for a, b in zip(values(optimizers[key].variables), values(fresh_opts[key].variables), strict=True):
            np.testing.assert_array_equal(a, b)

    # Two more steps on the original and on the restored copy give the same weights.
    for r in (recipe, fresh):
        r.phases[1].model.fit(make_dataset(data.train_tokens, 8, seed=1, repeat=True), steps_per_epoch=2,
                              epochs=1, verbose=0, shuffle=False)
    for a, b in zip(values(variables), values(fresh_vars), strict=True):
        np.testing.assert_array_equal(a, b)


def test_language_model_optimizer_is_rebuilt_over_the_same_variables(data, lm, tmp_path):
    recipe, variables, optimizers = lm
    folder = ckpt.save_checkpoint(tmp_path, "pretrain", 2, variables, optimizers)
    fresh = lm_recipe(data, TINY)
    fresh_vars, fresh_opts = ckpt.recipe_state(fresh)
    assert not fresh_opts["pretrain.optimizer"].built
    ckpt.restore_checkpoint(folder, fresh_vars, fresh_opts)
    assert int(fresh_opts["pretrain.optimizer"].iterations.numpy()) == 1
    for a, b in zip(values(optimizers["pretrain.optimizer"].variables),
                    values(fresh_opts["pretrain.optimizer"].variables), strict=True):
        np.testing.assert_array_equal(a, b)


def _boom(*args, **kwargs):
    raise OSError("disk full (simulated)")


@pytest.mark.parametrize("crash", ["state", "weights", "meta", "pointer"])
def test_a_crash_while_writing_keeps_the_previous_checkpoint_and_pointer(crash, lm, tmp_path, monkeypatch):
    recipe, variables, optimizers = lm
    models = {"generator": recipe.generator}
    good = ckpt.save_checkpoint(tmp_path, "pretrain", 1, variables, optimizers, models)
    saved = values(variables)
    variables[0].assign(variables[0] + 1.0)  # the state moves on

    if crash == "state":
        monkeypatch.setattr(ckpt.np, "savez", _boom)
    elif crash == "weights":
        monkeypatch.setattr(type(recipe.generator), "save_weights", _boom)
    else:
        real = ckpt.write_json
        target = ckpt.META_FILE if crash == "meta" else ckpt.LATEST_FILE
        monkeypatch.setattr(ckpt, "write_json",
                            lambda path, obj: _boom() if path.name == target else real(path, obj))
    with pytest.raises(OSError, match="simulated"):
        ckpt.save_checkpoint(tmp_path, "pretrain", 2, variables, optimizers, models)
    monkeypatch.undo()

    assert ckpt.latest_checkpoint(tmp_path) == good
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left
    # A crash after the rename leaves a complete but unlisted folder; anything earlier leaves nothing.
    assert (tmp_path / "pretrain-000002").exists() == (crash == "pointer")
    ckpt.restore_checkpoint(good, variables, optimizers)
    for a, b in zip(saved, values(variables), strict=True):
        np.testing.assert_array_equal(a, b)
    # The next save of that step replaces the unlisted folder and moves the pointer.
    again = ckpt.save_checkpoint(tmp_path, "pretrain", 2, variables, optimizers, models)
    assert ckpt.latest_checkpoint(tmp_path) == again


def test_a_disk_too_full_for_the_checkpoint_is_refused_before_writing(lm, tmp_path, monkeypatch):
    recipe, variables, optimizers = lm
    models = {"generator": recipe.generator}
    good = ckpt.save_checkpoint(tmp_path, "pretrain", 1, variables, optimizers, models)
    state_bytes = sum(np.asarray(v.numpy()).nbytes for v in variables)
    usage = ckpt.shutil.disk_usage(tmp_path)
    monkeypatch.setattr(ckpt.shutil, "disk_usage", lambda path: usage._replace(free=2 * state_bytes))
    with pytest.raises(GanTextError, match=r"not enough disk space for a checkpoint in .*: it needs about "
                                           r"[0-9.]+ MiB and [0-9.]+ MiB are free; free some space"):
        ckpt.save_checkpoint(tmp_path, "pretrain", 2, variables, optimizers, models)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "pretrain-000001"]
    assert ckpt.latest_checkpoint(tmp_path) == good
    monkeypatch.setattr(ckpt.shutil, "disk_usage", lambda path: usage._replace(free=2 * state_bytes + 2**21))
    assert ckpt.save_checkpoint(tmp_path, "pretrain", 2, variables, optimizers, models).name == "pretrain-000002"


def test_non_finite_values_are_never_written(lm, tmp_path):
    _, variables, optimizers = lm
    good = ckpt.save_checkpoint(tmp_path, "pretrain", 1, variables, optimizers)
    variables[1].assign(np.full(variables[1].shape, np.nan, dtype="float32"))
    with pytest.raises(ckpt.NonFiniteState) as error:
        ckpt.save_checkpoint(tmp_path, "pretrain", 2, variables, optimizers)
    assert error.value.path == variables[1].path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "pretrain-000001"]
    assert ckpt.latest_checkpoint(tmp_path) == good


def test_mismatched_models_and_damaged_pointers_are_clear_errors(data, lm, tmp_path):
    _, variables, optimizers = lm
    folder = ckpt.save_checkpoint(tmp_path, "pretrain", 1, variables, optimizers)

    wider = lm_recipe(data, TINY.replace(hidden_dim=12))
    with pytest.raises(GanTextError, match=r"has shape .* but the model's has .*recipe with other settings"):
        ckpt.restore_checkpoint(folder, *ckpt.recipe_state(wider))
    with pytest.raises(GanTextError, match=r"holds \d+ variables but the models have"):
        ckpt.restore_checkpoint(folder, variables[:-1], optimizers)
    with pytest.raises(GanTextError, match="has optimizers"):
        ckpt.restore_checkpoint(folder, variables, {"other.optimizer": keras.optimizers.Adam()})

    (tmp_path / "latest.json").write_text("{not json")
    with pytest.raises(GanTextError, match="latest.json' is damaged"):
        ckpt.latest_checkpoint(tmp_path)
    (tmp_path / "latest.json").write_text('{"checkpoint": "pretrain-000009"}')
    with pytest.raises(GanTextError, match="not a complete checkpoint"):
        ckpt.latest_checkpoint(tmp_path)
    assert ckpt.latest_checkpoint(tmp_path / "nowhere") is None


def test_prune_keeps_what_is_asked_and_always_the_latest(lm, tmp_path):
    _, variables, optimizers = lm
    for step in (1, 2, 3):
        ckpt.save_checkpoint(tmp_path, "pretrain", step, variables, optimizers)
    ckpt.prune_checkpoints(tmp_path, keep={"pretrain-000001"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "pretrain-000001", "pretrain-000003"]
