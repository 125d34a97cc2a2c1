"""The checkpoint folder on disk: where checkpoints are, which are the run's own, and reading them without trust.

A run's checkpoints live in ``<run>/checkpoints/``: one folder ``<phase>-<step>/`` each (``state.npz``,
``<model>.weights.h5``, ``checkpoint.json`` with the SHA-256 of every other file), and ``latest.json``, which names
the newest complete one. This module knows that layout: it finds the folders the run wrote (never a user's
``my_backup/``, a link, or a path that leads outside ``checkpoints/``), prunes old ones, and reads a folder's
``checkpoint.json`` and ``state.npz`` with every field, shape and checksum checked, raising
:class:`DamagedCheckpoint` with the file's name for anything else. Moving values between these files and a
recipe's variables is :mod:`gan_text.training.checkpoints`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np

from ..errors import GanTextError

CHECKPOINTS_DIR = "checkpoints"
LATEST_FILE = "latest.json"
STATE_FILE = "state.npz"
META_FILE = "checkpoint.json"
FORMAT = "gan_text.checkpoint"
FORMAT_VERSION = 1
# A checkpoint folder the run wrote: "<phase>-<step, 6 or more digits>"; a file inside it: a plain name.
NAME_PATTERN = re.compile(r"[^./\\][^/\\]*-[0-9]{6,}")
FILE_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")


class DamagedCheckpoint(GanTextError):
    """A checkpoint file is missing, truncated, altered or not what gan_text writes; the message names it."""


def checkpoint_name(phase: str, step: int) -> str:
    """The folder name of a checkpoint: ``"<phase>-<step, 6 digits>"``, e.g. ``"pretrain-000600"``."""
    return f"{phase}-{int(step):06d}"


def sha256(path) -> str:
    """The SHA-256 of a file's bytes, as 64 hexadecimal digits."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# --- which folders are checkpoints -----------------------------------------------------------------

def _locate(root: Path, name) -> tuple[Path | None, str]:
    """``(root/<name>, "")`` when ``name`` is a complete checkpoint folder directly inside ``root``, else
    ``(None, why not)``. Resolved first: ``..``, an absolute path or a link that leads out is refused."""
    if not isinstance(name, str | os.PathLike) or not str(name):
        return None, "is not a checkpoint folder name"
    try:
        resolved = (root / name).resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL character
        resolved = Path("/")
    if resolved.parent != root.resolve():
        return None, f"leads outside '{root}'"
    folder = root / resolved.name
    if not (folder / META_FILE).is_file():
        return None, "is not a complete checkpoint"
    return folder, ""


def checkpoint_folder(root, name) -> Path:
    """The checkpoint folder ``name`` (e.g. ``"pretrain-000600"``) directly inside ``root``; GanTextError if
    it leads outside (``..``, an absolute path elsewhere, a link) or is no complete checkpoint."""
    root = Path(root)
    folder, why = _locate(root, name)
    if folder is None:
        known = ", ".join(f.name for f in run_checkpoints(root)) or "none"
        raise GanTextError(f"checkpoint {str(name)!r} {why}; give a folder name under '{root}' ({known})")
    return folder


def run_checkpoints(root) -> list[Path]:
    """The checkpoint folders the run wrote under ``root``, sorted by name: folders (not links) named
    ``<phase>-<step>`` that hold a ``checkpoint.json``. Anything else there belongs to the user."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(folder for folder in root.iterdir()
                  if NAME_PATTERN.fullmatch(folder.name) and not folder.is_symlink() and folder.is_dir()
                  and (folder / META_FILE).is_file())


def checkpoint_position(folder: Path) -> tuple[int, int] | None:
    """(phase index, step) of a checkpoint the run wrote; None if damaged or a copy (named otherwise)."""
    try:
        meta = read_meta(folder)
    except DamagedCheckpoint:
        return None
    return (meta.get("phase_index", 0), meta["step"]) if meta["name"] == folder.name else None


def prune_checkpoints(root, keep: set[str], keep_last: int = 0) -> None:
    """Delete the run's checkpoints under ``root`` except those named in ``keep``, the latest, and the
    ``keep_last`` newest of the others (by phase, then step).

    Only folders of :func:`run_checkpoints` whose ``checkpoint.json`` names them are deleted, never a
    user's ``my_backup/``, a link or a damaged checkpoint; nothing while ``latest.json`` is damaged.
    """
    root = Path(root)
    try:
        latest = latest_checkpoint(root)
    except DamagedCheckpoint:
        return
    ours = sorted((position, folder) for folder in run_checkpoints(root)
                  if folder.name not in keep and (position := checkpoint_position(folder)) is not None)
    spared = {folder.name for _, folder in ours[max(0, len(ours) - keep_last):]} if keep_last else set()
    for _, folder in ours:
        if folder.name not in spared and (latest is None or folder.name != latest.name):
            shutil.rmtree(folder, ignore_errors=True)


def _one_line(error: BaseException) -> str:
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)  # no path twice
    return " ".join(text.split()) or type(error).__name__


def latest_checkpoint(root) -> Path | None:
    """The folder that ``root/latest.json`` points to, or None when no checkpoint was written yet;
    DamagedCheckpoint if it is unreadable or names anything but a checkpoint folder inside ``root``."""
    root = Path(root)
    pointer = root / LATEST_FILE
    if not pointer.is_file():
        return None
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["checkpoint"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        raise DamagedCheckpoint(f"'{pointer}' is damaged; point it at a checkpoint folder, e.g. "
                                f'{{"checkpoint": "pretrain-000100"}}') from None
    folder, why = _locate(root, name)
    if folder is None:
        raise DamagedCheckpoint(f"'{pointer}' names {name!r}, which {why}; point it at another folder "
                                f"in '{root}'")
    return folder


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _meta_problem(meta: dict) -> str | None:
    """What is wrong in a parsed ``checkpoint.json`` (a missing or mistyped field), or None."""
    if not isinstance(meta.get("name"), str) or not isinstance(meta.get("phase"), str):
        return "'name' and 'phase' must be strings"
    for key in ("step", "phase_index", "history_rows"):
        if (key == "step" or key in meta) and not _whole(meta.get(key)):
            return f"{key!r} must be a whole number >= 0, not {meta.get(key)!r}"
    variables = meta.get("variables")
    if not isinstance(variables, list) or not all(
            isinstance(v, list) and len(v) == 3 and isinstance(v[0], str) and isinstance(v[1], list)
            and all(_whole(n) for n in v[1]) and isinstance(v[2], str) for v in variables):
        return "'variables' must list the [path, shape, dtype] of every variable"
    if not isinstance(optimizers := meta.get("optimizers"), dict):
        return "'optimizers' is missing"
    for key, opt in optimizers.items():
        if not (isinstance(opt, dict) and _whole(opt.get("slot")) and isinstance(opt.get("built"), bool)
                and _whole(opt.get("n_variables")) and isinstance(opt.get("var_indices"), list)
                and all(_whole(i) and i < len(variables) for i in opt["var_indices"])):
            return f"optimizer {key!r} must have a slot, built, var_indices and n_variables"
    checksums = meta.get("sha256", {STATE_FILE: "0" * 64})  # checkpoints before checksums have none
    if not (isinstance(checksums, dict) and STATE_FILE in checksums and all(
            isinstance(h, str) and SHA256_PATTERN.fullmatch(h) and FILE_PATTERN.fullmatch(n)
            for n, h in checksums.items())):
        return f"'sha256' must map the files of the folder, {STATE_FILE} among them, to SHA-256 digests"
    return None


def read_meta(folder) -> dict:
    """The ``checkpoint.json`` of a checkpoint folder, checked field by field (DamagedCheckpoint if not)."""
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as err:
        raise DamagedCheckpoint(f"cannot read '{path}' ({_one_line(err)})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
        raise DamagedCheckpoint(f"'{path}' is not a gan_text checkpoint of version {FORMAT_VERSION}")
    problem = _meta_problem(meta)
    if problem:
        raise DamagedCheckpoint(f"'{path}' is damaged: {problem}")
    return meta


def read_state(folder: Path, meta: dict) -> dict[str, np.ndarray]:
    """The arrays of ``state.npz``, checked against ``meta`` (checksums, names, shapes, dtypes)."""
    for name, digest in meta.get("sha256", {}).items():
        try:
            same = sha256(folder / name) == digest
        except OSError as err:
            raise DamagedCheckpoint(f"cannot read '{folder / name}' ({_one_line(err)})") from None
        if not same:
            raise DamagedCheckpoint(f"'{folder / name}' is damaged: its SHA-256 is not the one in {META_FILE}")
    path = folder / STATE_FILE
    keys = [f"var_{i:04d}" for i in range(len(meta["variables"]))] + [
        f"opt_{opt['slot']:02d}_{j:04d}" for opt in meta["optimizers"].values() if opt["built"]
        for j in range(opt["n_variables"])]
    try:
        with np.load(path, allow_pickle=False) as state:
            missing = [key for key in keys if key not in state.files]
            arrays = {} if missing else {key: state[key] for key in keys}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise DamagedCheckpoint(f"cannot read '{path}' ({_one_line(err)})") from None
    if missing:
        raise DamagedCheckpoint(f"'{path}' is damaged: it has no array {missing[0]}")
    for i, (_, shape, dtype) in enumerate(meta["variables"]):
        value = arrays[f"var_{i:04d}"]
        if list(value.shape) != shape or str(value.dtype) != dtype:
            raise DamagedCheckpoint(f"'{path}' is damaged: var_{i:04d} has shape {list(value.shape)} "
                                    f"{value.dtype} but {META_FILE} says {shape} {dtype}")
    return arrays


__all__ = ["CHECKPOINTS_DIR", "DamagedCheckpoint", "FORMAT", "FORMAT_VERSION", "LATEST_FILE", "META_FILE",
           "STATE_FILE", "checkpoint_folder", "checkpoint_name", "checkpoint_position", "latest_checkpoint",
           "prune_checkpoints", "read_meta", "read_state", "run_checkpoints", "sha256"]
