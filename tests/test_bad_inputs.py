"""Bad input to the command line, as a user types it: each case in a subprocess (smoke profile), checked for
exit status 2, exactly one line on stderr (TensorFlow's start-up logs included), no traceback, and no file of
the user's changed. These cases are all refused before TensorFlow is imported, so each takes well under a
second; the cases that need a trained run are in test_cli_train.py and test_evaluation.py."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from conftest import REPO


def run_cli(*args: str, env: dict | None = None, cwd=REPO) -> subprocess.CompletedProcess:
    full_env = {key: value for key, value in os.environ.items() if not key.startswith(("TF_CPP", "GAN_TEXT_TF"))}
    full_env.update({"GAN_TEXT_PROFILE": "smoke", **(env or {})})
    return subprocess.run([sys.executable, "-m", "gan_text", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=300)


def snapshot(folder) -> dict:
    """Every file under ``folder`` with its SHA-256: what the user had."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def user_files(tmp_path):
    """A folder of the user's: a run-looking folder (config.json only), a text file and an existing output."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text('{"format": "gan_text run"}\n')
    (tmp_path / "notes.txt").write_text("my notes\n")
    (tmp_path / "sentences.txt").write_text("keep me\n")
    return tmp_path


CASES = [
    (["generate", "{tmp}/missing"], "no run directory"),
    (["generate", "{tmp}"], "is not a run directory (no config.json)"),
    (["evaluate", "{tmp}/missing"], "no run directory"),
    (["evaluate", "{tmp}/missing", "--sweep"], "no run directory"),
    (["generate", "{tmp}/run", "-n", "0"], "-n must be a whole number >= 1, got '0'"),
    (["generate", "{tmp}/run", "--temperature", "nan"], "--temperature must be 0 (greedy) or a number from 1e-6"),
    (["generate", "{tmp}/run", "--temperature", "1e-300"], "--temperature must be 0 (greedy) or a number from 1e-6"),
    (["generate", "{tmp}/run", "--temperature", "-1"], "--temperature must be 0 (greedy) or a number from 1e-6"),
    (["generate", "{tmp}/run", "--temperature", "inf"], "--temperature must be 0 (greedy) or a number from 1e-6"),
    (["generate", "{tmp}/run", "--seed", "9223372036854775808"],
     "--seed must be a whole number from 0 to 4294967295, got 9223372036854775808"),
    (["generate", "{tmp}/run", "--seed", "-1"], "--seed must be a whole number from 0 to 4294967295, got -1"),
    (["generate", "{tmp}/run", "--output", "{tmp}/sentences.txt"], "exists; give a new file name"),
    (["generate", "{tmp}/run", "--output", "{tmp}/nowhere/out.txt"], "the folder '{tmp}/nowhere' does not exist"),
    (["generate", "{tmp}/run"], "run/config.json' was not written by gan_text's train; give a run directory"),
    (["evaluate", "{tmp}/run"], "run/config.json' was not written by gan_text's train; give a run directory"),
    (["evaluate", "{tmp}/run", "--temperature", "1e-300"], "--temperature must be 0 (greedy) or a number from 1e-6"),
    (["evaluate", "{tmp}/run", "--seed", "4294967296"], "--seed must be a whole number from 0 to 4294967295"),
    (["evaluate", "{tmp}/run", "--sweep", "--temperatures", "0.8,1e-300"],
     "--temperatures must be a number from 1e-6 to 1e6, got 1e-300"),
    (["train", "--seed", "4294967296"], "--seed must be a whole number from 0 to 4294967295, got 4294967296"),
    (["train", "--steps", "1000000000000"], "--steps must be a whole number from 1 to 10,000,000"),
    (["train", "--eval-every", "0"], "--eval-every must be a whole number from 1 to 10,000,000, got '0'"),
    (["bench", "oracle", "--seeds", "0"], "--seeds must be a whole number from 1 to 1,000, got '0'"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_bad_input_is_one_line_exit_2_and_changes_nothing(args, message, user_files):
    tmp = str(user_files)
    before = snapshot(user_files)
    result = run_cli(*[a.replace("{tmp}", tmp) for a in args], cwd=user_files)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr  # no TensorFlow log lines
    assert message.replace("{tmp}", tmp) in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert snapshot(user_files) == before  # nothing written, nothing changed
    assert not (user_files / "runs").exists()


def test_a_mistyped_profile_is_refused_by_every_command(user_files):
    for args in (["corpus", "grammar"], ["generate", str(user_files / "run")], ["train"]):
        result = run_cli(*args, env={"GAN_TEXT_PROFILE": "bogus"}, cwd=user_files)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert "GAN_TEXT_PROFILE" in result.stderr and "bogus" in result.stderr


def test_an_unwritable_out_folder_is_one_line(tmp_path):
    """A run folder where nothing can be written (here under /sys, read-only even for root): one line, exit 2."""
    target = "/sys/gan_text_run"
    try:
        os.mkdir(target)
    except OSError:
        pass
    else:  # a machine where /sys is writable: nothing to test here
        os.rmdir(target)
        pytest.skip("/sys is writable on this machine")
    result = run_cli("train", "--recipe", "mle", "--steps", "1", "--out", target, cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot use '{target}'") and "Traceback" not in result.stderr
    assert not os.path.exists(target) and not (tmp_path / "runs").exists()
