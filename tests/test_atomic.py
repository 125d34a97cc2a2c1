"""Atomic writes: the old file survives a failed write, and a new file gets the usual permissions."""

from __future__ import annotations

import json
import os

import pytest

from gan_text.atomic import atomic_path, read_json, write_json, write_text
from gan_text.errors import GanTextError


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


def test_read_json_reads_what_json_reads_and_names_the_file_when_it_cannot(tmp_path):
    obj = {"tokens": ["<pad>", "é"], "n": [1, 2.5, None, True]}
    assert read_json(write_json(tmp_path / "a.json", obj), "fix it") == json.loads(json.dumps(obj))
    cases = {"bad.json": (b'{"a": ', r"'.*bad.json' is not valid JSON \(Expecting value.*\); fix it$"),
             "latin1.json": (b'"\xe9"', r"'.*latin1.json' is not valid JSON \(.*utf-8.*\); fix it$"),
             "deep.json": (b"[" * 100_000 + b"]" * 100_000, r"is not valid JSON \(nested too deeply\); fix it$")}
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(GanTextError, match=message):
            read_json(tmp_path / name, "fix it")
    with pytest.raises(GanTextError, match=r"cannot read '.*missing.json' \(No such file or directory\); fix it$"):
        read_json(tmp_path / "missing.json", "fix it")
