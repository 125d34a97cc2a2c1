"""`python -m gan_text train` and `generate`: end to end in a subprocess (smoke profile, a few steps), and
every user mistake as one line on stderr with exit status 2 (in-process, to stay fast)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import REPO, in_private_mount
from test_runs import Interrupt

import gan_text as gt
from gan_text import cli
from gan_text.cli import main
from gan_text.training.runs import train


def run_cli(*args: str, cwd=REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "GAN_TEXT_PROFILE": "smoke", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "gan_text", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A run of the default recipe (guided) on the grammar corpus with 2 discriminator steps, and its stdout."""
    run_dir = tmp_path_factory.mktemp("cli") / "run"
    result = run_cli("train", "--steps", "2", "--out", str(run_dir), "--samples", "2")
    assert result.returncode == 0, result.stderr
    return run_dir, result.stdout


def test_train_with_defaults_writes_a_run_and_prints_samples_and_metrics(trained):
    run_dir, out = trained
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["recipe"], config["corpus"], config["profile"]["name"]) == ("guided", "grammar", "smoke")
    assert config["overrides"] == {"steps": 2} and config["recipe_config"]["steps"] == 2
    assert "guided on grammar (smoke profile, seed 0)" in out
    assert "discriminator step 2/2 |" in out and "d_loss" in out
    table = out.split("metrics at the end of each phase:\n", 1)[1]
    assert table.splitlines()[0].split() == ["phase", "pretrain", "discriminator"]
    for row in ("grammatical_fraction", "duplicate_rate", "nll", "d_loss", "d_accuracy"):
        assert any(line.startswith(row) for line in table.splitlines()), row
    # the evaluation: the pre-trained generator's column beside the final samples' and real data's
    evaluation = out.split("\nevaluation:\n", 1)[1]
    header = next(line for line in evaluation.splitlines() if line.split()[-1:] == ["better"])
    assert header.split() == ["guided", "pre-trained", "guided", "real", "better"]
    assert "drew 16 generator sentences per sentence kept" in evaluation
    metrics = pd.read_csv(run_dir / "metrics.csv", index_col="name")
    assert list(metrics.index) == ["guided pre-trained", "guided", "real"]
    assert list(metrics["checkpoint"]) == ["pretrain-000016", "discriminator-000002", "discriminator-000002"]
    assert metrics.loc["guided pre-trained", "nll_test"] > 0 and np.isnan(metrics.loc["guided", "nll_test"])
    assert f"run directory: {run_dir}" in out
    assert "━" not in out  # no progress bars when stdout is not a terminal
    history = pd.read_csv(run_dir / "history.csv")
    assert history["phase"].iloc[-1] == "discriminator" and history["step"].iloc[-1] == 2
    latest = json.loads((run_dir / "checkpoints" / "latest.json").read_text())
    assert latest["checkpoint"] == "discriminator-000002"


def test_generate_prints_readable_sentences_repeatably(trained, capsys):
    run_dir, _ = trained
    first = run_cli("generate", str(run_dir), "-n", "6", "--temperature", "0.8", "--seed", "3")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert len(lines) == 6 and all(line.strip() for line in lines)
    vocab = set(json.loads((run_dir / "vocab.json").read_text())["tokens"])
    assert all(set(line.split()) <= vocab for line in lines if line != "(empty sentence)")
    # The same seed gives the same sentences (here in-process: no second TensorFlow start-up).
    assert main(["generate", str(run_dir), "-n", "6", "--temperature", "0.8", "--seed", "3"]) == 0
    assert capsys.readouterr().out == first.stdout


def test_generate_streams_any_number_of_sentences_to_a_new_file(trained, capsys, monkeypatch, tmp_path):
    """``--output FILE`` writes the sentences a chunk at a time (here chunks of 7, so 16 sentences are 3 chunks):
    the first chunk is exactly what the same seed prints for that many, the whole is repeatable, and an
    existing file is never overwritten."""
    run_dir, _ = trained
    monkeypatch.setattr(cli, "GENERATE_CHUNK", 7)
    assert main(["generate", str(run_dir), "-n", "7", "--seed", "5"]) == 0
    first_chunk = capsys.readouterr().out.splitlines()
    out = tmp_path / "sentences.txt"
    assert main(["generate", str(run_dir), "-n", "16", "--seed", "5", "--output", str(out)]) == 0
    assert capsys.readouterr().out == f"16 sentences written to {out}\n"
    lines = out.read_text().splitlines()
    assert len(lines) == 16 and lines[:7] == first_chunk and lines[7:14] != first_chunk
    assert main(["generate", str(run_dir), "-n", "16", "--seed", "5"]) == 0  # the same chunks on stdout
    assert capsys.readouterr().out.splitlines() == lines
    assert main(["generate", str(run_dir), "-n", "3", "--output", str(out)]) == 2
    assert "exists; give a new file name" in capsys.readouterr().err
    assert out.read_text().splitlines() == lines and sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_an_interrupted_run_resumed_from_the_command_line_ends_like_the_straight_run(trained, tmp_path,
                                                                                     monkeypatch, capsys):
    """The default recipe (guided: pre-training, then a discriminator copied from the generator and trained
    against its samples), stopped by Ctrl-C in the discriminator phase and resumed with --resume, ends with
    exactly the weights, optimizer states and history of the uninterrupted run of the `trained` fixture."""
    straight_dir, _ = trained
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    cut_dir = tmp_path / "cut"
    gt.setup(0, quiet=True)  # as the command does
    with pytest.raises(KeyboardInterrupt):  # the same settings as the fixture's command line
        train(out=cut_dir, steps=2, verbose=0, callbacks=[Interrupt(after=18)])  # 16 + 2 steps
    assert json.loads((cut_dir / "checkpoints" / "latest.json").read_text())["checkpoint"] == "discriminator-000001"
    keras.backend.clear_session()
    capsys.readouterr()

    assert main(["train", "--out", str(cut_dir), "--resume"]) == 0
    assert f"Resuming '{cut_dir}' from checkpoint discriminator-000001" in capsys.readouterr().out
    a, b = (np.load(d / "checkpoints" / "discriminator-000002" / "state.npz", allow_pickle=False)
            for d in (straight_dir, cut_dir))
    assert a.files == b.files and any(key.startswith("opt_") for key in a.files)
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    pd.testing.assert_frame_equal(pd.read_csv(straight_dir / "history.csv"), pd.read_csv(cut_dir / "history.csv"))


def one_line_error(capsys, *args) -> str:
    assert main(list(args)) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_train_refuses_to_overwrite_or_resume_with_other_settings(trained, capsys, monkeypatch):
    run_dir, _ = trained
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    assert "already holds a run; continue it with --resume" in one_line_error(capsys, "train", "--out", str(run_dir))
    assert "seed was 0 in the saved run but is 5 now" in one_line_error(
        capsys, "train", "--out", str(run_dir), "--resume", "--seed", "5")
    assert "recipe was 'guided' in the saved run but is 'mle' now" in one_line_error(
        capsys, "train", "--out", str(run_dir), "--resume", "--recipe", "mle")


def test_generate_errors_are_one_line(trained, capsys, tmp_path):
    run_dir, _ = trained
    assert "no run directory" in one_line_error(capsys, "generate", str(tmp_path / "missing"))
    assert "-n must be a whole number >= 1, got '0'" in one_line_error(capsys, "generate", str(run_dir), "-n", "0")
    assert "-n must be a whole number >= 1, got 'ten'" in one_line_error(capsys, "generate", str(run_dir), "-n", "ten")
    assert "--temperature must be a number" in one_line_error(
        capsys, "generate", str(run_dir), "--temperature", "hot")
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("config.json", "vocab.json"):
        shutil.copy(run_dir / name, bare / name)
    assert "has no checkpoint" in one_line_error(capsys, "generate", str(bare))
    assert "is not a run directory" in one_line_error(capsys, "generate", str(tmp_path))


@pytest.mark.parametrize(("args", "message"), [
    (("train", "--recipe", "gan"), "error: unknown recipe 'gan'; known: relgan, seqgan, wgan_gp, seed, mle"),
    (("train", "--corpus", "cocoa", "--recipe", "mle"), "error: unknown corpus 'cocoa'; known: grammar, oracle"),
    (("train", "--steps", "0"), "error: --steps must be a whole number from 1 to 10,000,000, got '0'"),
    (("train", "--resume"), "error: resume needs the run directory to continue"),
])
def test_train_mistakes_are_one_line(args, message, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    monkeypatch.chdir(tmp_path)
    assert one_line_error(capsys, *args).startswith(message)
    assert not (tmp_path / "runs").exists()  # nothing written


def test_help_describes_the_training_commands(capsys):
    for command, words in (("train", ("--resume", "--recipe", "GAN_TEXT_PROFILE")), ("generate", ("RUN_DIR", "-n"))):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert all(word in out for word in words)


# --- places that cannot be written: a read-only run folder, a full disk -----------------------------------

def files_of(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_evaluate_on_a_read_only_run_folder_is_one_line_and_changes_nothing(trained, tmp_path):
    run_dir = shutil.copytree(trained[0], tmp_path / "run")
    before = files_of(run_dir)
    result = in_private_mount(f"mount --bind {run_dir} {run_dir} && mount -o remount,ro,bind {run_dir}",
                              "evaluate", str(run_dir), "--n", "8", cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"error: cannot use '{run_dir}") and "Read-only file system" in lines[0]
    assert files_of(run_dir) == before


def test_train_on_a_full_disk_is_one_line_and_leaves_no_folder(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    result = in_private_mount(f"mount -t tmpfs -o size=96k tmpfs {disk}",  # room for the config, not a checkpoint
                              "train", "--recipe", "mle", "--steps", "2", "--out", str(disk / "run"), cwd=tmp_path,
                              after=f'echo "left on the disk: [$(ls -A {disk})]"')
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "space" in lines[0] and str(disk / "run") in lines[0]
    assert result.stdout.strip().splitlines()[-1] == "left on the disk: []"  # the failed run removed its folder
