"""Atomic writes: the old file survives a failed write, and a new file gets the usual permissions."""

from __future__ import annotations

import os

import pytest

from gan_text.atomic import atomic_path, write_json, write_text


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "config.json"
    write_json(target, {"a": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash while writing")
    assert target.read_text() == '{\n  "a": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_written_files_follow_the_umask_not_owner_only(tmp_path):
    mask = os.umask(0o022)
    try:
        path = write_text(tmp_path / "sub" / "samples.txt", "a cat\n")
    finally:
        os.umask(mask)
    assert path.read_text() == "a cat\n"
    assert path.stat().st_mode & 0o777 == 0o644
