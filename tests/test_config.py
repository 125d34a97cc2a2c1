"""Profiles and gt.setup(): one switch for sizes, and repeatable randomness."""

from __future__ import annotations

import numpy as np
import pytest

import gan_text as gt
from gan_text.config import PROFILES


def test_profiles_shrink_from_full_to_smoke():
    smoke, course, full = PROFILES["smoke"], PROFILES["course"], PROFILES["full"]
    for field in ("n_train", "steps", "pretrain_steps", "n_eval"):
        assert getattr(smoke, field) < getattr(course, field) <= getattr(full, field), field


def test_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    assert gt.profile().name == "smoke"
    monkeypatch.delenv("GAN_TEXT_PROFILE")
    assert gt.profile().name == "course"
    assert gt.profile("full").name == "full"


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("GAN_TEXT_PROFILE", "quick")
    with pytest.raises(gt.GanTextError, match=r"unknown profile 'quick' \(set by GAN_TEXT_PROFILE\); "
                                                r"known: smoke, course, full"):
        gt.profile()
    with pytest.raises(gt.GanTextError, match="unknown profile 'huge'; known"):
        gt.profile("huge")


def test_replace_changes_one_size():
    cfg = PROFILES["smoke"].replace(steps=3)
    assert cfg.steps == 3 and cfg.n_train == PROFILES["smoke"].n_train


def test_setup_makes_randomness_repeatable(capsys):
    import keras

    def draw():
        return np.random.rand(3), keras.random.normal((3,)).numpy(), keras.layers.Dense(2)(np.ones((1, 4))).numpy()

    info = gt.setup(seed=7)
    first = draw()
    gt.setup(seed=7, quiet=True)
    second = draw()
    gt.setup(seed=8, quiet=True)
    third = draw()
    for a, b, c in zip(first, second, third, strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    out = capsys.readouterr().out
    assert f"TensorFlow {info['tensorflow']}" in out and "seed 7" in out
    assert "No GPU found" in out or info["gpus"]


def test_import_is_light_and_lazy():
    import subprocess
    import sys

    code = "import sys, gan_text; print('tensorflow' in sys.modules, 'gan_text.corpora' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_show_source_prints_the_real_helper(capsys):
    gt.show_source(gt.profile)
    out = capsys.readouterr().out
    assert out.startswith("def profile(") and "PROFILE_ENV" in out
