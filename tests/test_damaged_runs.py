"""Damaged run folders: every damage is a one-line error naming the file or a fallback that says which
checkpoint it used, never a traceback; paths never lead outside the run folder; pruning deletes only what
the run wrote.

One tiny MLE run (smoke sizes, 6 steps, checkpoints at steps 2, 4 and 6) is trained once per module; each
test damages a copy of it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest
from test_runs import TINY, arrays

import gan_text as gt
from gan_text.cli import main
from gan_text.errors import GanTextError
from gan_text.training import checkpoints as ckpt
from gan_text.training.runs import load_run, train

LATEST, PREVIOUS = "pretrain-000006", "pretrain-000004"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished run of the ``mle`` recipe, left untouched by the tests (they damage copies)."""
    gt.setup(0, quiet=True)
    run_dir = tmp_path_factory.mktemp("damaged") / "run"
    train("grammar", "mle", out=run_dir, profile=TINY, steps=6, eval_every=2, verbose=0)
    keras.backend.clear_session()
    return run_dir


@pytest.fixture
def run_dir(trained, tmp_path):
    """A fresh copy of the trained run."""
    return shutil.copytree(trained, tmp_path / "run")


def checkpoint(run_dir, name=LATEST):
    return run_dir / "checkpoints" / name


def assert_holds(run, folder):
    """The run's variables are exactly the arrays saved in ``folder``."""
    variables, _ = ckpt.recipe_state(run.recipe)
    saved = arrays(folder)
    for i, variable in enumerate(variables):
        np.testing.assert_array_equal(variable.numpy(), saved[f"var_{i:04d}"], err_msg=variable.path)


def one_line(text: str, prefix: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix) and "Traceback" not in text, text
    return lines[0]


def flip_a_bit(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x04
    path.write_bytes(bytes(data))


def edit_json(path, change):
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


def truncate(path):
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def without(key):
    return lambda path: edit_json(path, lambda meta: {k: v for k, v in meta.items() if k != key})


# Damage done to the latest checkpoint: name -> (the damaged file, what is done to it).
STATE_DAMAGE = {
    "truncated state.npz": ("state.npz", truncate),
    "empty state.npz": ("state.npz", lambda path: path.write_bytes(b"")),
    "flipped bit in state.npz": ("state.npz", flip_a_bit),
    "missing state.npz": ("state.npz", Path.unlink),
    "checkpoint.json without optimizers": ("checkpoint.json", without("optimizers")),
    "checkpoint.json not JSON": ("checkpoint.json", lambda path: path.write_text('{"format": ')),
    "flipped bit in generator.weights.h5": ("generator.weights.h5", flip_a_bit),
}


def test_every_checkpoint_records_the_sha256_of_its_files(trained):
    for folder in ckpt.run_checkpoints(trained / "checkpoints"):
        recorded = json.loads((folder / "checkpoint.json").read_text())["sha256"]
        assert set(recorded) == {p.name for p in folder.iterdir()} - {"checkpoint.json"}
        assert all(recorded[name] == hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in recorded)
    assert len(ckpt.run_checkpoints(trained / "checkpoints")) >= 2  # pruning keeps a previous one


@pytest.mark.parametrize("damage", list(STATE_DAMAGE))
def test_a_damaged_latest_checkpoint_falls_back_to_the_previous_one_and_says_so(damage, run_dir, capsys):
    file, do = STATE_DAMAGE[damage]
    do(checkpoint(run_dir) / file)
    run = load_run(run_dir)
    assert run.checkpoint.name == PREVIOUS
    assert_holds(run, checkpoint(run_dir, PREVIOUS))
    warning = one_line(capsys.readouterr().err, "warning: ")
    assert f"{LATEST}/{file}" in warning and PREVIOUS in warning
    # Asked for by name, the damaged checkpoint is an error naming the file, with no fallback.
    with pytest.raises(ckpt.DamagedCheckpoint, match=f"{LATEST}/{file}"):
        load_run(run_dir, checkpoint=LATEST)


@pytest.mark.parametrize("pointer", [6, "../../elsewhere", "absolute", "link", "[1, 2]"])
def test_a_bad_latest_json_is_never_followed_outside_the_run(pointer, run_dir, tmp_path, capsys):
    """latest.json naming a number, ``..``, an absolute path or a link that leads out of the run: the
    weights come from the newest checkpoint inside the run, and the warning names latest.json."""
    outside = shutil.copytree(checkpoint(run_dir, "pretrain-000002"), tmp_path / "elsewhere" / "pretrain-000002")
    latest = run_dir / "checkpoints" / "latest.json"
    if pointer == "absolute":
        pointer = str(outside)
    elif pointer == "link":
        (run_dir / "checkpoints" / "pretrain-000008").symlink_to(outside, target_is_directory=True)
        pointer = "pretrain-000008"
    if pointer == "[1, 2]":
        latest.write_text(pointer)
    else:
        latest.write_text(json.dumps({"checkpoint": pointer}))
    run = load_run(run_dir)
    assert run.checkpoint.name == LATEST
    assert_holds(run, checkpoint(run_dir))
    assert "latest.json" in one_line(capsys.readouterr().err, "warning: ")


@pytest.mark.parametrize("name", ["../../elsewhere/pretrain-000002", "absolute", "link", "pretrain-000009"])
def test_load_run_refuses_a_checkpoint_outside_the_run(name, run_dir, tmp_path):
    outside = shutil.copytree(checkpoint(run_dir, "pretrain-000002"), tmp_path / "elsewhere" / "pretrain-000002")
    if name == "absolute":
        name = str(outside)
    elif name == "link":
        (run_dir / "checkpoints" / "pretrain-000008").symlink_to(outside, target_is_directory=True)
        name = "pretrain-000008"
    expected = "not a complete checkpoint" if name == "pretrain-000009" else "leads outside"
    with pytest.raises(GanTextError, match=f"{expected}.*{PREVIOUS}") as error:
        load_run(run_dir, checkpoint=name)
    assert "\n" not in str(error.value)
    # A path that stays inside is fine.
    assert load_run(run_dir, checkpoint=str(checkpoint(run_dir, PREVIOUS))).checkpoint.name == PREVIOUS


def test_old_checkpoints_without_checksums_load_and_their_flipped_bits_are_still_caught(run_dir, capsys):
    for folder in ckpt.run_checkpoints(run_dir / "checkpoints"):
        edit_json(folder / "checkpoint.json", lambda m: {k: v for k, v in m.items() if k != "sha256"})
    run = load_run(run_dir)
    assert run.checkpoint.name == LATEST and not capsys.readouterr().err
    flip_a_bit(checkpoint(run_dir) / "state.npz")  # the zip format's own CRC still catches it
    run = load_run(run_dir)
    assert run.checkpoint.name == PREVIOUS
    assert f"{LATEST}/state.npz" in one_line(capsys.readouterr().err, "warning: ")


def test_with_no_intact_checkpoint_left_the_error_names_every_damaged_file(run_dir, capsys):
    for folder in ckpt.run_checkpoints(run_dir / "checkpoints"):
        flip_a_bit(folder / "state.npz")
    with pytest.raises(ckpt.DamagedCheckpoint, match="no intact checkpoint") as error:
        load_run(run_dir)
    assert all(f"{name}/state.npz" in str(error.value)
               for name in ("pretrain-000002", "pretrain-000004", "pretrain-000006"))
    assert "error: no intact checkpoint" in one_line_cli(capsys, 2, "generate", str(run_dir))


def one_line_cli(capsys, status, *args) -> str:
    capsys.readouterr()
    assert main(list(args)) == status
    return one_line(capsys.readouterr().err, "error: " if status else "warning: ")


def test_generate_falls_back_and_prints_sentences(run_dir, capsys):
    flip_a_bit(checkpoint(run_dir) / "state.npz")
    capsys.readouterr()
    assert main(["generate", str(run_dir), "-n", "3"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3
    assert f"using the checkpoint '{checkpoint(run_dir, PREVIOUS)}'" in one_line(err, "warning: ")


def test_a_crafted_state_npz_never_runs_code(run_dir, tmp_path):
    """An object array in state.npz (pickled) with a matching checksum: refused, nothing executed."""
    folder = checkpoint(run_dir)
    marker = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = Exploit(str(marker))
    saved = arrays(folder)
    np.savez(folder / "state.npz", **{**saved, "var_0000": payload})
    edit_json(folder / "checkpoint.json",
              lambda m: {**m, "sha256": {**m["sha256"], "state.npz": ckpt.sha256(folder / "state.npz")}})
    with pytest.raises(ckpt.DamagedCheckpoint, match="state.npz"):
        load_run(run_dir, checkpoint=LATEST)
    assert not marker.exists()


class Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize(("change", "what"), [
    (lambda c: {k: v for k, v in c.items() if k != "profile"}, "'profile'"),
    (lambda c: {**c, "seq_len": "twelve"}, "'seq_len'"),
    (lambda c: {**c, "seq_len": -3}, "'seq_len'"),
    (lambda c: {**c, "seed": 2**40}, "'seed'"),
    (lambda c: {**c, "seed": None}, "'seed'"),
    (lambda c: {**c, "profile": {**c["profile"], "batch_size": "8"}}, "'profile'"),
], ids=["no profile", "seq_len text", "seq_len negative", "seed too large", "seed null", "batch_size text"])
def test_a_damaged_config_is_a_one_line_error_naming_it(change, what, run_dir, capsys, monkeypatch):
    edit_json(run_dir / "config.json", change)
    before = (run_dir / "config.json").read_bytes()
    with pytest.raises(GanTextError, match=f"config.json' is damaged: {what}"):
        load_run(run_dir)
    assert "config.json' is damaged" in one_line_cli(capsys, 2, "generate", str(run_dir))
    monkeypatch.setenv("GAN_TEXT_PROFILE", "smoke")
    assert "config.json' is damaged" in one_line_cli(capsys, 2, "train", "--out", str(run_dir), "--resume")
    assert (run_dir / "config.json").read_bytes() == before


@pytest.mark.parametrize("garbage", [b"\x00\xff\xfe garbage \x80", b"hello\nworld\n", b'a,"b\n1,2,3,4\n',
                                     b"phase,step,total_step\npretrain,two,2\n"],
                         ids=["binary", "other columns", "broken quotes", "step not a number"])
def test_a_garbage_history_leaves_generate_working_and_stops_resume_with_one_line(garbage, run_dir, capsys):
    (run_dir / "history.csv").write_bytes(garbage)
    run = load_run(run_dir)
    assert run.history.empty and run.checkpoint.name == LATEST
    assert "history.csv' is damaged" in one_line(capsys.readouterr().err, "warning: ")
    capsys.readouterr()
    assert main(["generate", str(run_dir), "-n", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    with pytest.raises(GanTextError, match="history.csv' is damaged.*move it away"):
        train(out=run_dir, resume=True, verbose=0)
    assert (run_dir / "history.csv").read_bytes() == garbage


@pytest.mark.parametrize("damage", ["flipped bit in state.npz", "missing state.npz", "pointer"])
def test_resume_after_damage_uses_the_previous_checkpoint_and_ends_bit_identical(damage, trained, run_dir,
                                                                                 capsys):
    """Resumed from the previous intact checkpoint, the run ends with exactly the weights, optimizer
    states and history of the run that was never damaged; the user's folders under checkpoints/ stay."""
    backup = run_dir / "checkpoints" / "my_backup"
    shutil.copytree(checkpoint(run_dir, "pretrain-000002"), backup)  # holds a checkpoint.json, too
    copy = shutil.copytree(checkpoint(run_dir, "pretrain-000002"), run_dir / "checkpoints" / "mine-000001")
    if damage == "pointer":
        (run_dir / "checkpoints" / "latest.json").write_text('{"checkpoint": "../../../elsewhere"}')
        used = LATEST  # the newest intact one
    else:
        file, do = STATE_DAMAGE[damage]
        do(checkpoint(run_dir) / file)
        used = PREVIOUS
    gt.setup(0, quiet=True)
    resumed = train(out=run_dir, resume=True, verbose=0)
    warning = one_line(capsys.readouterr().err, "warning: ")
    assert f"using the checkpoint '{checkpoint(run_dir, used)}'" in warning
    assert resumed.checkpoint.name == LATEST
    a, b = arrays(checkpoint(trained)), arrays(checkpoint(run_dir))
    assert a.keys() == b.keys() and any(key.startswith("opt_") for key in a)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert (run_dir / "history.csv").read_text() == (trained / "history.csv").read_text()
    assert json.loads((run_dir / "checkpoints" / "latest.json").read_text())["checkpoint"] == LATEST
    original = checkpoint(trained, "pretrain-000002")
    for folder in (backup, copy):
        assert sorted(p.read_bytes() for p in folder.iterdir()) == sorted(p.read_bytes() for p in original.iterdir())
    assert {"pretrain-000002", PREVIOUS, LATEST} <= {f.name for f in ckpt.run_checkpoints(run_dir / "checkpoints")}


def test_pruning_deletes_only_the_runs_own_checkpoints(run_dir, tmp_path):
    root = run_dir / "checkpoints"
    backup = shutil.copytree(checkpoint(run_dir, "pretrain-000002"), root / "my_backup")
    renamed = shutil.copytree(checkpoint(run_dir, "pretrain-000002"), root / "mine-000002")  # names another
    outside = shutil.copytree(checkpoint(run_dir, "pretrain-000004"), tmp_path / "elsewhere" / "pretrain-000003")
    (root / "pretrain-000003").symlink_to(outside, target_is_directory=True)
    edit_json(checkpoint(run_dir, PREVIOUS) / "checkpoint.json", lambda m: {**m, "step": "four"})  # damaged
    ckpt.prune_checkpoints(root, keep=set())
    left = sorted(p.name for p in root.iterdir())
    assert left == ["latest.json", "mine-000002", "my_backup", "pretrain-000003", PREVIOUS, LATEST]
    assert backup.is_dir() and renamed.is_dir() and (outside / "state.npz").is_file()
    # keep_last keeps that many of the newest besides the latest (here the latest is one of them).
    (root / "pretrain-000003").unlink()
    for step in (1, 3):
        shutil.copytree(checkpoint(run_dir), root / f"pretrain-00000{step}")
        edit_json(root / f"pretrain-00000{step}" / "checkpoint.json",
                  lambda m, step=step: {**m, "name": f"pretrain-00000{step}", "step": step})
    ckpt.prune_checkpoints(root, keep=set(), keep_last=2)
    assert [f.name for f in ckpt.run_checkpoints(root)] == ["mine-000002", "pretrain-000003", PREVIOUS, LATEST]
