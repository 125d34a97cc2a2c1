"""The command line: `python -m gan_text ...`, run as a student would, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO, in_private_mount


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "GAN_TEXT_PROFILE": "smoke", **(env or {})}
    return subprocess.run([sys.executable, "-m", "gan_text", *args], capture_output=True, text=True,
                          env=full_env, cwd=REPO, timeout=300)


def test_help_everywhere():
    top = run_cli("--help")
    assert top.returncode == 0 and "corpus" in top.stdout
    sub = run_cli("corpus", "--help")
    assert sub.returncode == 0 and "NAME|PATH" in sub.stdout and "GAN_TEXT_DATA_MIRROR" in sub.stdout


def test_corpus_grammar_prints_statistics_and_samples():
    result = run_cli("corpus", "grammar", "--n-train", "300", "--n-test", "50", "--samples", "4")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("grammar: ")
    assert "300 train and 50 test sentences" in out
    for row in ("sentences", "vocabulary size", "OOV rate"):
        assert row in out
    samples = out.split("4 random training sentences:\n", 1)[1].rstrip("\n").splitlines()
    assert len(samples) == 4 and all(line.startswith("  ") for line in samples)


def test_corpus_coco_through_the_mirror(mirror_server, tmp_path):
    result = run_cli("corpus", "coco", "--samples", "2",
                     env={"GAN_TEXT_DATA_MIRROR": mirror_server, "GAN_TEXT_CACHE": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "10,000 train and 10,000 test sentences" in result.stdout
    assert "113615" in result.stdout  # Treebank tokens of the lowercased train split (SOURCE.md)
    assert (tmp_path / "image_coco" / "test_coco.txt").exists()


def test_a_read_only_cache_is_blamed_not_the_mirror(mirror_server, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    result = in_private_mount(f"mount --bind {cache} {cache} && mount -o remount,ro,bind {cache}",
                              "corpus", "coco", "--samples", "2", cwd=tmp_path,
                              env={"GAN_TEXT_DATA_MIRROR": mirror_server, "GAN_TEXT_CACHE": str(cache)})
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"error: cannot write the download cache at {cache}")
    assert "Read-only file system" in lines[0] and "GAN_TEXT_CACHE" in lines[0] and "mirror" not in lines[0]
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (("corpus", "cocoa"), "error: unknown corpus 'cocoa'; known: grammar, oracle, coco"),
    (("corpus", "missing/file.txt"), "error: no such file: 'missing/file.txt'"),
])
def test_user_mistakes_are_one_line_with_exit_status_2(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message)
    assert "Traceback" not in result.stderr


def test_empty_file_is_a_one_line_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    result = run_cli("corpus", str(empty))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "blank" in result.stderr


def test_server_down_is_a_one_line_error(dead_mirror, tmp_path):
    result = run_cli("corpus", "coco", env={"GAN_TEXT_DATA_MIRROR": dead_mirror, "GAN_TEXT_CACHE": str(tmp_path)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and dead_mirror in error[0] and "GAN_TEXT_DATA_MIRROR" in error[0]


def test_unknown_profile_is_a_one_line_error():
    result = run_cli("corpus", "grammar", env={"GAN_TEXT_PROFILE": "huge"})
    # Every command refuses a mistyped profile, not only train (which needs one).
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown profile 'huge' (set by GAN_TEXT_PROFILE)")


def test_a_bad_number_names_the_option_and_the_kind_of_value(capsys):
    from gan_text.cli import main

    for text in ("0", "five"):
        with pytest.raises(SystemExit) as stop:
            main(["corpus", "grammar", "--samples", text])
        assert stop.value.code == 2
        assert f"argument --samples: must be a whole number >= 1, got '{text}'" in capsys.readouterr().err


def test_corpus_says_how_many_sentences_it_shows(tmp_path, capsys, monkeypatch):
    from gan_text.cli import main

    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    small = tmp_path / "small.txt"
    small.write_text("the cat sat\na dog ran\nbirds sing\n")
    assert main(["corpus", str(small), "--samples", "5"]) == 0
    out = capsys.readouterr().out
    header = [line for line in out.splitlines() if "random training sentence" in line]
    shown = out.split(header[0], 1)[1].strip("\n").splitlines()
    assert len(header) == 1 and header[0] == f"{len(shown)} random training sentence{'s' if len(shown) != 1 else ''}:"
    assert 1 <= len(shown) < 5
