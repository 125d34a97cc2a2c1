"""A run directory's ``config.json``: written by ``train``, read and checked before anything else is loaded.

This module needs neither TensorFlow nor pandas, so the command line checks a run folder given to ``generate`` or
``evaluate`` (and says what is wrong with it, in one line) before it imports anything heavy. What passes
:func:`read_config` is what :func:`~gan_text.training.runs.train` and ``load_run`` read without further checks.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from .atomic import read_json, write_json
from .config import Profile
from .errors import GanTextError
from .precision import DEFAULT_PRECISION, PRECISIONS

CONFIG_FILE = "config.json"
RUN_FORMAT, RUN_FORMAT_VERSION = "gan_text.run", 1


def write_config(run_dir: Path, config: dict) -> None:
    write_json(run_dir / CONFIG_FILE, {"format": RUN_FORMAT, "version": RUN_FORMAT_VERSION, **config})


def read_config(run_dir: Path) -> dict:
    """The ``config.json`` of a run; GanTextError if the folder is not a run directory."""
    path = Path(run_dir) / CONFIG_FILE
    if not Path(run_dir).is_dir():
        raise GanTextError(f"no run directory '{run_dir}'; give a folder written by "
                           f"`python -m gan_text train` (it holds {CONFIG_FILE})")
    if not path.is_file():
        raise GanTextError(f"'{run_dir}' is not a run directory (no {CONFIG_FILE}); give a folder "
                           f"written by `python -m gan_text train`")
    config = read_json(path, "give a run directory written by `python -m gan_text train`")
    if not isinstance(config, dict) or config.get("format") != RUN_FORMAT:
        raise GanTextError(f"'{path}' was not written by gan_text's train; give a run directory")
    if config.get("version") != RUN_FORMAT_VERSION:
        raise GanTextError(f"'{path}' has run format version {config.get('version')!r}, but this gan_text "
                           f"reads version {RUN_FORMAT_VERSION}; train a new run")
    problem = config_problem(config)
    if problem:
        raise GanTextError(f"'{path}' is damaged: {problem}; repair it (or train a new run)")
    return config


def _whole(value, minimum: int = 0, below: float = math.inf) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value < below


def config_problem(config: dict) -> str | None:
    """What is wrong in a parsed ``config.json`` (a missing or mistyped setting), or None. What passes
    here is what :func:`~gan_text.training.runs.train` and ``load_run`` read without further checks."""
    for key in ("recipe", "corpus"):
        if not isinstance(config.get(key), str) or not config[key]:
            return f"{key!r} must be a name, not {config.get(key)!r}"
    checks = {"seed": (0, 2**32), "corpus_seed": (0, 2**32), "seq_len": (1, math.inf),
              "vocab_size": (1, math.inf)}
    for key, (low, high) in checks.items():
        if not _whole(config.get(key), low, high):
            limits = f">= {low}" if high == math.inf else f"from {low} to {high - 1}"
            return f"{key!r} must be a whole number {limits}, not {config.get(key)!r}"
    fields = {field.name for field in dataclasses.fields(Profile)}
    profile = config.get("profile")
    if not (isinstance(profile, dict) and set(profile) == fields and isinstance(profile["name"], str)
            and all(_whole(profile[name], 1) for name in fields - {"name"})):
        return f"'profile' must give {', '.join(sorted(fields))} (whole numbers >= 1, and a name)"
    if config.get("level", "word") not in ("word", "char"):
        return f"'level' must be 'word' or 'char', not {config.get('level')!r}"
    if config.get("precision", DEFAULT_PRECISION) not in PRECISIONS:  # runs written before the setting: float32
        return f"'precision' must be one of {', '.join(PRECISIONS)}, not {config.get('precision')!r}"
    phases = config.get("phases")
    if not (isinstance(phases, list) and all(isinstance(p, dict) and isinstance(p.get("name"), str)
                                             and _whole(p.get("steps")) for p in phases)):
        return "'phases' must list the name and steps of every phase"
    for key in ("overrides", "recipe_config"):
        if not isinstance(config.get(key, {}), dict):
            return f"{key!r} must be a mapping of settings, not {config[key]!r}"
    return None


__all__ = ["CONFIG_FILE", "RUN_FORMAT", "RUN_FORMAT_VERSION", "config_problem", "read_config", "write_config"]
