"""Atomic file writes: a file is either the old version or the complete new one, never half-written.

Every file the project writes (vocabularies, downloads, configs, checkpoints) goes through here. The
trick: write to a temporary file in the same directory, flush it to disk, then ``os.replace`` it over
the target, which the operating system performs in one step. JSON files are read back with :func:`read_json`,
whose errors are one line that names the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import GanTextError


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it, so set it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path next to ``path``; on success it replaces ``path`` in one step.

    If the body raises, the temporary file is deleted and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files; give the usual permissions
    try:
        yield Path(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically and return the path."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj) -> Path:
    """Write ``obj`` as indented, key-sorted JSON to ``path`` atomically and return the path."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def read_json(path: str | os.PathLike, advice: str):
    """The parsed content of a JSON file. GanTextError, in one line naming the file and ending with ``advice``
    (what the user should do), when it cannot be read or is not JSON (bad syntax, not UTF-8, nested too deeply)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise GanTextError(f"cannot read '{path}' ({err.strerror or err}); {advice}") from None
    except (ValueError, RecursionError) as err:  # ValueError: bad JSON, or bytes that are not UTF-8
        why = "nested too deeply" if isinstance(err, RecursionError) else " ".join(str(err).split())
        raise GanTextError(f"'{path}' is not valid JSON ({why}); {advice}") from None
