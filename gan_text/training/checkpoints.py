"""Checkpoints: every variable of a recipe's models and optimizers, written atomically, restored exactly.

A checkpoint is a folder ``checkpoints/<phase>-<step>/`` (e.g. ``adversarial-000200``) holding

- ``state.npz``: the value of **every** variable (trainable weights, BatchNorm statistics, step counters
  and the states of ``keras.random.SeedGenerator``, so random numbers continue where they stopped) and of
  every optimizer (step count, learning rate, moments); plain NumPy arrays, read with
  ``np.load(path, allow_pickle=False)``;
- ``<model>.weights.h5``: the Keras 3 weights of the generator (and discriminator), loadable with
  ``generator.load_weights(path)`` in your own code;
- ``checkpoint.json``: the phase, the step within it, and what each array is (path, shape, dtype).

A pointer file ``checkpoints/latest.json`` names the newest complete checkpoint. Writing is atomic in
two steps: the folder is written under a temporary name and renamed in one ``os.replace``; only then is
``latest.json`` replaced (also atomically). A crash at any moment leaves the previous checkpoint and the
pointer to it intact. Before anything is written, every value is checked to be finite: a checkpoint never
holds NaN or infinite weights. Nothing is pickled.

One generic path serves every model (``LanguageModel``, GANs with ``d_optimizer`` / ``g_optimizer``, ...):
:func:`recipe_state` lists the variables and optimizers, :func:`save_checkpoint` and
:func:`restore_checkpoint` move their values. Variables are matched by position (the same recipe built
with the same settings creates them in the same order) and checked by shape and dtype.
"""

from __future__ import annotations

import json
import os
import shutil
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
    write_json(root / LATEST_FILE, {"checkpoint": name, "phase": phase, "step": int(step)})
    return final


def prune_checkpoints(root, keep: set[str]) -> None:
    """Delete checkpoint folders under ``root`` whose names are not in ``keep`` (never the latest)."""
    root = Path(root)
    latest = latest_checkpoint(root)
    for folder in root.iterdir() if root.is_dir() else []:
        if (folder.is_dir() and not folder.name.startswith(".") and folder.name not in keep
                and (latest is None or folder.name != latest.name)):
            shutil.rmtree(folder, ignore_errors=True)


# --- reading -----------------------------------------------------------------------------------------

def latest_checkpoint(root) -> Path | None:
    """The folder that ``root/latest.json`` points to, or None when no checkpoint was written yet."""
    root = Path(root)
    pointer = root / LATEST_FILE
    if not pointer.is_file():
        return None
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["checkpoint"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        raise GanTextError(f"'{pointer}' is damaged; point it at a checkpoint folder, e.g. "
                           f'{{"checkpoint": "pretrain-000100"}}') from None
    folder = root / name
    if not (folder / META_FILE).is_file():
        raise GanTextError(f"'{pointer}' points to '{folder}', which is not a complete checkpoint; "
                           f"point it at another folder in '{root}'")
    return folder


def read_meta(folder) -> dict:
    """The ``checkpoint.json`` of a checkpoint folder."""
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise GanTextError(f"cannot read '{path}' ({err}); resume from another checkpoint") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
        raise GanTextError(f"'{path}' is not a gan_text checkpoint of version {FORMAT_VERSION}; "
                           f"start a new run")
    return meta


def restore_checkpoint(folder, variables, optimizers: dict) -> dict:
    """Load a checkpoint into the given variables and optimizers (from :func:`recipe_state`); return its meta.

    An optimizer that had taken steps is first built over the same model variables, then its own
    variables (step count, moments, ...) are set. Raises GanTextError when the checkpoint does not
    match the models (other recipe settings).
    """
    folder = Path(folder)
    meta = read_meta(folder)
    saved = meta["variables"]
    hint = "the checkpoint was written by a recipe with other settings; resume with the run's own settings"
    if len(saved) != len(variables):
        raise GanTextError(f"the checkpoint '{folder}' holds {len(saved)} variables but the models have "
                           f"{len(variables)}; {hint}")
    with np.load(folder / STATE_FILE, allow_pickle=False) as state:
        for i, (variable, (path, shape, dtype)) in enumerate(zip(variables, saved, strict=True)):
            if list(variable.shape) != shape or str(np.dtype(variable.dtype)) != dtype:
                raise GanTextError(f"variable {i} ({path}) of '{folder}' has shape {shape} {dtype} but the "
                                   f"model's has {list(variable.shape)} {variable.dtype}; {hint}")
            variable.assign(state[f"var_{i:04d}"])
        if set(meta["optimizers"]) != set(optimizers):
            raise GanTextError(f"the checkpoint '{folder}' has optimizers {sorted(meta['optimizers'])} but "
                               f"the recipe has {sorted(optimizers)}; {hint}")
        for key, saved_opt in meta["optimizers"].items():
            k = saved_opt["slot"]
            if not saved_opt["built"]:
                continue
            optimizer = optimizers[key]
            if not getattr(optimizer, "built", False):
                optimizer.build([variables[i] for i in saved_opt["var_indices"]])
            if len(optimizer.variables) != saved_opt["n_variables"]:
                raise GanTextError(f"optimizer {key} has {len(optimizer.variables)} variables but the "
                                   f"checkpoint '{folder}' {saved_opt['n_variables']}; {hint}")
            for j, variable in enumerate(optimizer.variables):
                variable.assign(state[f"opt_{k:02d}_{j:04d}"])
    return meta


__all__ = ["CHECKPOINTS_DIR", "LATEST_FILE", "META_FILE", "NonFiniteState", "STATE_FILE",
           "checkpoint_name", "latest_checkpoint", "prune_checkpoints", "read_meta", "recipe_state",
           "restore_checkpoint", "save_checkpoint"]
