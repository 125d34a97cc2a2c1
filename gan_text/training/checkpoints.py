"""Checkpoints: every variable of a recipe's models and optimizers, written atomically, restored exactly.

A checkpoint is a folder ``checkpoints/<phase>-<step>/`` (e.g. ``adversarial-000200``) holding

- ``state.npz``: the value of **every** variable (trainable weights, BatchNorm statistics, step counters
  and the states of ``keras.random.SeedGenerator``, so random numbers continue where they stopped) and of
  every optimizer (step count, learning rate, moments); plain NumPy arrays, read with
  ``np.load(path, allow_pickle=False)``;
- ``<model>.weights.h5``: the Keras 3 weights of the generator (and discriminator), loadable with
  ``generator.load_weights(path)`` in your own code;
- ``checkpoint.json``: the phase, the step within it, what each array is (path, shape, dtype), and the
  SHA-256 of every other file of the folder, so that a flipped bit is detected instead of loaded.

A pointer file ``checkpoints/latest.json`` names the newest complete checkpoint. Writing is atomic in
two steps: the folder is written under a temporary name and renamed in one ``os.replace``; only then is
``latest.json`` replaced (also atomically). A crash at any moment leaves the previous checkpoint and the
pointer to it intact. Before anything is written, every value is checked to be finite: a checkpoint never
holds NaN or infinite weights. Nothing is pickled.

Reading trusts nothing: ``latest.json`` may only name a folder directly inside ``checkpoints/``, and
every file is checked (fields, checksums, shapes) before any variable is assigned. A damaged checkpoint
raises :class:`DamagedCheckpoint` naming the file; :func:`restore_latest` then falls back to the previous
intact one. Pruning deletes only folders the run wrote itself.

One generic path serves every model (``LanguageModel``, GANs with ``d_optimizer`` / ``g_optimizer``, ...):
:func:`recipe_state` lists the variables and optimizers, :func:`save_checkpoint` and
:func:`restore_checkpoint` move their values. Variables are matched by position (the same recipe built
with the same settings creates them in the same order) and checked by shape and dtype.
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

from ..atomic import write_json
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


class NonFiniteState(Exception):
    """A variable holds NaN or infinity, so the state must not be saved (raised before any file is written)."""

    def __init__(self, path: str):
        super().__init__(f"variable {path} is not finite")
        self.path = path


def checkpoint_name(phase: str, step: int) -> str:
    """The folder name of a checkpoint: ``"<phase>-<step, 6 digits>"``, e.g. ``"pretrain-000600"``."""
    return f"{phase}-{int(step):06d}"


# --- what is saved ---------------------------------------------------------------------------------

def recipe_state(recipe) -> tuple[list, dict]:
    """All variables of a recipe's models and all their optimizers, each listed once.

    Returns ``(variables, optimizers)``: the variables of every phase model, then of the generator and
    discriminator (``model.variables``: weights, non-trainable state and SeedGenerator states), without
    duplicates, in a fixed order; and ``{"<phase>.<attribute>": optimizer}`` for the ``optimizer`` /
    ``d_optimizer`` / ``g_optimizer`` of every phase, each optimizer once.
    """
    variables, seen = [], set()
    models = [phase.model for phase in recipe.phases] + [recipe.generator, recipe.discriminator]
    for model in models:
        for variable in getattr(model, "variables", []) if model is not None else []:
            if id(variable) not in seen:
                seen.add(id(variable))
                variables.append(variable)
    optimizers, seen = {}, set()
    for phase in recipe.phases:
        for attribute, optimizer in phase.optimizers().items():
            if id(optimizer) not in seen:
                seen.add(id(optimizer))
                optimizers[f"{phase.name}.{attribute}"] = optimizer
    return variables, optimizers


def _tracked(optimizer) -> list:
    """The model variables an optimizer updates (empty before its first step)."""
    if not getattr(optimizer, "built", False):
        return []
    # Keras 3 keeps them in `_trainable_variables` (set by `optimizer.build(variables)`).
    return list(getattr(optimizer, "_trainable_variables", []))


def _values(variables) -> list[np.ndarray]:
    return [np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
            for variable in variables]


def _check_finite(values, names) -> None:
    for value, name in zip(values, names, strict=True):
        if np.issubdtype(value.dtype, np.floating) and not np.all(np.isfinite(value)):
            raise NonFiniteState(name)


def _name(variable, fallback: str) -> str:
    return str(getattr(variable, "path", None) or getattr(variable, "name", None) or fallback)


# --- writing -----------------------------------------------------------------------------------------

def sha256(path) -> str:
    """The SHA-256 of a file's bytes, as 64 hexadecimal digits."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())


def save_checkpoint(root, phase: str, step: int, variables, optimizers: dict,
                    keras_models: dict | None = None, info: dict | None = None) -> Path:
    """Write ``root/<phase>-<step>/`` atomically and point ``root/latest.json`` at it; return its path.

    ``variables`` and ``optimizers``: from :func:`recipe_state`. ``keras_models``: ``{file stem: model}``
    also written as ``<stem>.weights.h5`` (Keras 3). ``info``: extra JSON-ready facts kept in
    ``checkpoint.json`` (e.g. the phase index, the metrics at this step).
    Raises :class:`NonFiniteState` (before writing anything) if a value is NaN or infinite.
    """
    root = Path(root)
    values = _values(variables)
    _check_finite(values, [_name(v, f"variable {i}") for i, v in enumerate(variables)])
    index = {id(v): i for i, v in enumerate(variables)}
    arrays = {f"var_{i:04d}": value for i, value in enumerate(values)}
    optimizer_meta = {}
    for k, (key, optimizer) in enumerate(optimizers.items()):
        tracked = _tracked(optimizer)
        missing = [v for v in tracked if id(v) not in index]
        if missing:
            raise GanTextError(f"optimizer {key} updates {_name(missing[0], '?')}, which is not a "
                               f"variable of the recipe's models; add that model to a phase")
        opt_values = _values(optimizer.variables) if tracked else []
        _check_finite(opt_values, [f"{key}/{_name(v, str(j))}" for j, v in enumerate(optimizer.variables)]
                      if tracked else [])
        for j, value in enumerate(opt_values):
            arrays[f"opt_{k:02d}_{j:04d}"] = value
        optimizer_meta[key] = {"slot": k, "class": type(optimizer).__name__, "built": bool(tracked),
                               "var_indices": [index[id(v)] for v in tracked],
                               "n_variables": len(opt_values)}
    name = checkpoint_name(phase, step)
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "name": name, "phase": phase, "step": int(step),
            **(info or {}),
            "variables": [[_name(v, str(i)), list(value.shape), str(value.dtype)]
                          for i, (v, value) in enumerate(zip(variables, values, strict=True))],
            "optimizers": optimizer_meta}

    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        np.savez(tmp / STATE_FILE, **arrays)
        for stem, model in (keras_models or {}).items():
            if getattr(model, "built", True):  # Keras refuses to save an unbuilt model's weights
                model.save_weights(str(tmp / f"{stem}.weights.h5"))
        meta["sha256"] = {path.name: sha256(path) for path in sorted(tmp.iterdir())}
        write_json(tmp / META_FILE, meta)
        _fsync_tree(tmp)
        final = root / name
        if final.exists():  # left by a run that crashed after this step: never the latest checkpoint
            old = root / f".{name}.old-{os.getpid()}"
            os.replace(final, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_latest(root, meta)
    return final


def write_latest(root, meta: dict) -> Path:
    """Point ``root/latest.json`` (atomically) at the checkpoint whose ``checkpoint.json`` is ``meta``."""
    return write_json(Path(root) / LATEST_FILE,
                      {"checkpoint": meta["name"], "phase": meta["phase"], "step": int(meta["step"])})


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


def _position(folder: Path) -> tuple[int, int] | None:
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
                  if folder.name not in keep and (position := _position(folder)) is not None)
    spared = {folder.name for _, folder in ours[max(0, len(ours) - keep_last):]} if keep_last else set()
    for _, folder in ours:
        if folder.name not in spared and (latest is None or folder.name != latest.name):
            shutil.rmtree(folder, ignore_errors=True)


# --- reading -----------------------------------------------------------------------------------------

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


def _read_state(folder: Path, meta: dict) -> dict[str, np.ndarray]:
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


def restore_checkpoint(folder, variables, optimizers: dict) -> dict:
    """Load a checkpoint into the given variables and optimizers (from :func:`recipe_state`); return its meta.

    Every file is checked before anything is assigned: DamagedCheckpoint names a missing, altered or
    inconsistent file, GanTextError says that the models do not match (other recipe settings). An
    optimizer that had taken steps is built over the same model variables, then its variables are set.
    """
    folder = Path(folder)
    meta = read_meta(folder)
    state = _read_state(folder, meta)
    saved = meta["variables"]
    hint = "the checkpoint was written by a recipe with other settings; resume with the run's own settings"
    if len(saved) != len(variables):
        raise GanTextError(f"the checkpoint '{folder}' holds {len(saved)} variables but the models have "
                           f"{len(variables)}; {hint}")
    for i, (variable, (path, shape, dtype)) in enumerate(zip(variables, saved, strict=True)):
        if list(variable.shape) != shape or str(np.dtype(variable.dtype)) != dtype:
            raise GanTextError(f"variable {i} ({path}) of '{folder}' has shape {shape} {dtype} but the "
                               f"model's has {list(variable.shape)} {variable.dtype}; {hint}")
    if set(meta["optimizers"]) != set(optimizers):
        raise GanTextError(f"the checkpoint '{folder}' has optimizers {sorted(meta['optimizers'])} but "
                           f"the recipe has {sorted(optimizers)}; {hint}")
    pairs = [(variable, state[f"var_{i:04d}"]) for i, variable in enumerate(variables)]
    for key, saved_opt in [(key, opt) for key, opt in meta["optimizers"].items() if opt["built"]]:
        optimizer = optimizers[key]
        if not getattr(optimizer, "built", False):
            optimizer.build([variables[i] for i in saved_opt["var_indices"]])
        if len(optimizer.variables) != saved_opt["n_variables"]:
            raise GanTextError(f"optimizer {key} has {len(optimizer.variables)} variables but the "
                               f"checkpoint '{folder}' {saved_opt['n_variables']}; {hint}")
        for j, variable in enumerate(optimizer.variables):
            value = state[f"opt_{saved_opt['slot']:02d}_{j:04d}"]
            if list(variable.shape) != list(value.shape):
                raise GanTextError(f"variable {j} of optimizer {key} has shape {list(variable.shape)} but "
                                   f"'{folder / STATE_FILE}' holds {list(value.shape)}; {hint}")
            pairs.append((variable, value))
    for variable, value in pairs:
        variable.assign(value)
    return meta


def restore_latest(root, variables, optimizers: dict) -> tuple[Path, dict, list[str]] | None:
    """Restore the newest intact checkpoint under ``root``; return ``(folder, meta, passed_over)``.

    Tries the one ``latest.json`` names, then the older ones, newest first (all of them if the pointer is
    damaged). ``passed_over``: a message per damaged file skipped. None when ``root`` holds no checkpoint;
    DamagedCheckpoint when none is intact; GanTextError when one does not fit the models (no fallback).
    """
    root = Path(root)
    passed_over: list[str] = []
    try:
        pointed = latest_checkpoint(root)
    except DamagedCheckpoint as err:
        pointed, passed_over = None, [str(err)]
    ranked = sorted(((_position(f) or (-1, -1), f) for f in run_checkpoints(root)), reverse=True)
    if pointed is None and ranked and not passed_over:
        passed_over.append(f"'{root / LATEST_FILE}' is missing")
    limit = _position(pointed) if pointed is not None else None  # None: try all, newest first
    candidates = [pointed] * (pointed is not None) + [f for position, f in ranked if f != pointed
                                                      and (limit is None or position < limit)]
    for folder in candidates:
        try:
            return folder, restore_checkpoint(folder, variables, optimizers), passed_over
        except DamagedCheckpoint as err:
            passed_over.append(str(err))
    if passed_over:
        raise DamagedCheckpoint(f"no intact checkpoint in '{root}': {'; '.join(passed_over)}; train a new run")
    return None


__all__ = ["CHECKPOINTS_DIR", "DamagedCheckpoint", "LATEST_FILE", "META_FILE", "NonFiniteState", "STATE_FILE",
           "checkpoint_folder", "checkpoint_name", "latest_checkpoint", "prune_checkpoints", "read_meta",
           "recipe_state", "restore_checkpoint", "restore_latest", "run_checkpoints", "save_checkpoint",
           "sha256", "write_latest"]
