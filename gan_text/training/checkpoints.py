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

The folder layout, finding and pruning the run's own folders, and reading their files without trust are
:mod:`gan_text.training.checkpoint_files` (its names are importable from here too). Reading trusts
nothing: ``latest.json`` may only name a folder directly inside ``checkpoints/``, and is checked (fields, checksums, shapes) before any variable is assigned. A damaged checkpoint raises :class:`DamagedCheckpoint` naming the file; :func:`restore_latest` then falls back to the previous
intact one. Pruning deletes only folders the run wrote itself.

One generic path serves every model (``LanguageModel``, GANs with ``d_optimizer`` / ``g_optimizer``, ...):
:func:`recipe_state` lists the variables and optimizers, :func:`save_checkpoint` and
:func:`restore_checkpoint` move their values. Variables are matched by position (the same recipe built
with the same settings creates them in the same order) and checked by shape and dtype.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from ..atomic import write_json
from ..errors import GanTextError
from .checkpoint_files import (
    CHECKPOINTS_DIR,
    FORMAT,
    FORMAT_VERSION,
    LATEST_FILE,
    META_FILE,
    STATE_FILE,
    DamagedCheckpoint,
    checkpoint_folder,
    checkpoint_name,
    checkpoint_position,
    latest_checkpoint,
    prune_checkpoints,
    read_meta,
    read_state,
    run_checkpoints,
    sha256,
)


class NonFiniteState(Exception):
    """A variable holds NaN or infinity, so the state must not be saved (raised before any file is written)."""

    def __init__(self, path: str):
        super().__init__(f"variable {path} is not finite")
        self.path = path


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

def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())


def _check_free_space(root: Path, state_bytes: int, n_models: int) -> None:
    """Refuse to start writing a checkpoint that the disk cannot hold: a full disk in the middle of Keras's
    ``.weights.h5`` crashes the process inside HDF5 (exit 139) rather than raising an error. The estimate is
    the arrays once for ``state.npz`` and once per model file (each holds at most every weight), plus 1 MiB."""
    needed = state_bytes * (1 + n_models) + 2**20
    free = shutil.disk_usage(root).free
    if free < needed:
        raise GanTextError(f"not enough disk space for a checkpoint in '{root}': it needs about "
                           f"{needed / 2**20:,.1f} MiB and {free / 2**20:,.1f} MiB are free; free some space and "
                           f"train again (a run with checkpoints continues with --resume: they are intact)")


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
    _check_free_space(root, sum(value.nbytes for value in arrays.values()), len(keras_models or {}))
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


# --- reading -----------------------------------------------------------------------------------------

def restore_checkpoint(folder, variables, optimizers: dict) -> dict:
    """Load a checkpoint into the given variables and optimizers (from :func:`recipe_state`); return its meta.

    Every file is checked before anything is assigned: DamagedCheckpoint names a missing, altered or
    inconsistent file, GanTextError says that the models do not match (other recipe settings). An
    optimizer that had taken steps is built over the same model variables, then its variables are set.
    """
    folder = Path(folder)
    meta = read_meta(folder)
    state = read_state(folder, meta)
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
    ranked = sorted(((checkpoint_position(f) or (-1, -1), f) for f in run_checkpoints(root)), reverse=True)
    if pointed is None and ranked and not passed_over:
        passed_over.append(f"'{root / LATEST_FILE}' is missing")
    limit = checkpoint_position(pointed) if pointed is not None else None  # None: try all, newest first
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
