"""The ``precision`` setting: ``mixed_bfloat16`` computes in bfloat16 with float32 weights, logits and losses, is
recorded in the run's config.json, resumes exactly, and leaves ``float32`` runs exactly as they were."""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest
from test_cli_train import one_line_error
from test_runs import Interrupt

import gan_text as gt
from gan_text.cli import main
from gan_text.errors import GanTextError
from gan_text.models import build_discriminator, build_generator
from gan_text.models.autoregressive import teacher_forcing_inputs
from gan_text.models.discriminators import DISCRIMINATORS
from gan_text.models.generators import GENERATORS
from gan_text.models.residual_discriminator import ResidualDiscriminator
from gan_text.precision import PRECISIONS, check_precision, precision_policy
from gan_text.runconfig import read_config
from gan_text.training import checkpoints as ckpt
from gan_text.training.runs import load_run, train

TINY = gt.profile("smoke").replace(n_train=64, n_test=16, batch_size=8, pretrain_steps=4, steps=4, n_eval=8,
                                   emb_dim=8, hidden_dim=8)
MIXED = "mixed_bfloat16"


def state(run) -> dict:
    with np.load(run.checkpoint / ckpt.STATE_FILE, allow_pickle=False) as saved:
        return {key: saved[key] for key in saved.files}


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    """A tiny relgan run (pre-training, then adversarial steps) under mixed_bfloat16."""
    gt.setup(0, quiet=True)
    return train("grammar", "relgan", out=tmp_path_factory.mktemp("mixed") / "run", profile=TINY, eval_every=2,
                 precision=MIXED, verbose=0)


# --- the setting itself ----------------------------------------------------------------------------------

def test_check_precision_lists_the_choices_and_says_why_float16_is_refused():
    assert [check_precision(p) for p in PRECISIONS] == ["float32", MIXED]
    with pytest.raises(GanTextError, match="unknown precision 'bf16'; known: float32, mixed_bfloat16"):
        check_precision("bf16")
    with pytest.raises(GanTextError, match="mixed_float16 is not supported: float16 needs loss scaling"):
        check_precision("mixed_float16")


def test_the_policy_holds_only_inside_the_block_and_is_restored_after_an_error():
    assert keras.mixed_precision.global_policy().name == "float32"
    with precision_policy(MIXED):
        assert keras.mixed_precision.global_policy().name == MIXED
    with pytest.raises(RuntimeError), precision_policy(MIXED):
        raise RuntimeError("a failing build")
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize("kind", GENERATORS)
def test_every_generator_computes_in_bfloat16_and_gives_float32_outputs(kind):
    with precision_policy(MIXED):
        generator = build_generator(kind, 30, 6, **({"noise_dim": 4} if kind in ("seed", "cnn") else {}))
    assert {v.dtype for v in generator.weights} == {"float32"}
    if kind in ("seed", "cnn"):  # probabilities (batch, seq_len, vocab), rows summing to 1
        probs = generator(generator.sample_noise(3, seed=0))
        assert probs.dtype == "float32"
        np.testing.assert_allclose(np.sum(probs, axis=-1), 1.0, rtol=1e-5)
        return
    assert generator.embedding.compute_dtype == "bfloat16" if kind == "rnn" else True
    tokens = generator.sample(3, seed=0)
    assert generator(teacher_forcing_inputs(tokens)).dtype == "float32"
    hard, soft = generator.gumbel_sample(3, beta=2.0, seed=0)
    assert soft.dtype == "float32" and hard.shape == (3, 6)
    np.testing.assert_allclose(np.sum(soft, axis=-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("kind", DISCRIMINATORS)
def test_every_discriminator_gives_float32_logits_for_tokens_and_soft_input(kind):
    with precision_policy(MIXED):
        discriminator = build_discriminator(kind, 30, 6)
    assert {v.dtype for v in discriminator.weights} == {"float32"}
    assert discriminator.projection.compute_dtype == "bfloat16"
    tokens = np.random.default_rng(0).integers(4, 30, (3, 6)).astype(np.int32)
    assert discriminator(tokens).dtype == "float32"
    assert discriminator(keras.ops.one_hot(tokens, 30)).dtype == "float32"


def test_the_residual_discriminator_gives_float32_logits():
    with precision_policy(MIXED):
        discriminator = ResidualDiscriminator(30, 6, cell="lstm", emb_dim=4, hidden_dim=4, width=4)
    assert discriminator(np.full((2, 6), 5, np.int32)).dtype == "float32"


# --- runs -------------------------------------------------------------------------------------------------

def test_a_mixed_run_keeps_float32_weights_and_finite_float32_losses(mixed_run):
    assert keras.mixed_precision.global_policy().name == "float32"  # set only while the models were built
    assert read_config(mixed_run.run_dir)["precision"] == MIXED
    generator, discriminator = mixed_run.recipe.generator, mixed_run.recipe.discriminator
    assert generator.rnn.compute_dtype == discriminator.projection.compute_dtype == "bfloat16"
    saved = state(mixed_run)
    assert any(key.startswith("opt_") for key in saved)
    assert {str(saved[key].dtype) for key in saved if saved[key].dtype.kind == "f"} == {"float32"}
    losses = mixed_run.history[["nll", "d_loss", "g_loss"]]
    assert losses.notna().any().all() and np.isfinite(losses.stack().dropna()).all()


def test_a_mixed_run_reloads_under_its_precision(mixed_run):
    reloaded = load_run(mixed_run.run_dir)
    assert reloaded.recipe.generator.rnn.compute_dtype == "bfloat16"
    assert reloaded.generate(4, seed=1) == mixed_run.generate(4, seed=1)
    assert keras.mixed_precision.global_policy().name == "float32"


def test_a_mixed_run_resumes_exactly_and_refuses_another_precision(mixed_run, tmp_path):
    gt.setup(0, quiet=True)
    with pytest.raises(KeyboardInterrupt):  # 4 pre-training steps, then 1 adversarial: mid-interval
        train("grammar", "relgan", out=tmp_path / "cut", profile=TINY, eval_every=2, precision=MIXED, verbose=0,
              callbacks=[Interrupt(5)])
    keras.backend.clear_session()
    with pytest.raises(GanTextError, match="precision was 'mixed_bfloat16' in the saved run but is 'float32'"):
        train(out=tmp_path / "cut", resume=True, precision="float32", verbose=0)

    gt.setup(0, quiet=True)
    resumed = train(out=tmp_path / "cut", resume=True, eval_every=2, verbose=0)  # the saved run's precision
    assert resumed.checkpoint.name == mixed_run.checkpoint.name
    a, b = state(mixed_run), state(resumed)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    pd.testing.assert_frame_equal(pd.read_csv(mixed_run.run_dir / "history.csv"),
                                  pd.read_csv(tmp_path / "cut" / "history.csv"))


def test_float32_is_the_default_and_unchanged_and_mixed_really_differs(tmp_path):
    finals = {}
    for name, options in (("default", {}), ("float32", {"precision": "float32"}), ("mixed", {"precision": MIXED})):
        gt.setup(0, quiet=True)
        run = train("grammar", "mle", out=tmp_path / name, profile=TINY, verbose=0, **options)
        finals[name] = state(run)
    assert read_config(tmp_path / "default")["precision"] == "float32"
    for key in finals["default"]:
        np.testing.assert_array_equal(finals["default"][key], finals["float32"][key], err_msg=key)
    assert any(not np.array_equal(finals["default"][key], finals["mixed"][key]) for key in finals["default"])


def test_a_run_written_before_the_setting_loads_and_resumes_as_float32(tmp_path):
    gt.setup(0, quiet=True)
    run = train("grammar", "mle", out=tmp_path / "old", profile=TINY, steps=2, verbose=0)
    path = run.run_dir / "config.json"
    config = json.loads(path.read_text())
    del config["precision"]
    path.write_text(json.dumps(config))
    assert load_run(run.run_dir).recipe.generator.rnn.compute_dtype == "float32"
    assert train(out=run.run_dir, resume=True, verbose=0).checkpoint == run.checkpoint  # finished: nothing to do
    with pytest.raises(GanTextError, match="precision was 'float32' in the saved run but is 'mixed_bfloat16'"):
        train(out=run.run_dir, resume=True, precision=MIXED, verbose=0)
    path.write_text(json.dumps({**config, "precision": "float16"}))
    with pytest.raises(GanTextError, match="'precision' must be one of float32, mixed_bfloat16, not 'float16'"):
        read_config(run.run_dir)


# --- the command line -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("train", "--precision", "bf16"), "error: unknown --precision 'bf16'; known: float32, mixed_bfloat16"),
    (("train", "--precision", "mixed_float16"), "error: --precision mixed_float16 is not supported"),
    (("bench", "oracle", "--precision", "half"), "error: unknown --precision 'half'; known: float32, mixed_bfloat16"),
])
def test_a_bad_precision_is_one_line_and_writes_nothing(args, message, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    monkeypatch.chdir(tmp_path)
    assert one_line_error(capsys, *args).startswith(message)
    assert not any(tmp_path.iterdir())


def test_train_precision_on_the_command_line_is_recorded(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    run_dir = tmp_path / "run"
    assert main(["train", "--recipe", "mle", "--steps", "2", "--out", str(run_dir), "--precision", MIXED]) == 0
    assert read_config(run_dir)["precision"] == MIXED
    capsys.readouterr()
    assert "precision was 'mixed_bfloat16'" in one_line_error(
        capsys, "train", "--out", str(run_dir), "--resume", "--precision", "float32")
