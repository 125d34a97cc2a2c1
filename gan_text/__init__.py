"""gan_text: the helper package of a notebook-first course on generating text with GANs.

Every notebook starts with::

    import gan_text as gt
    gt.setup(seed=42)
    cfg = gt.profile()

Submodules load on first use (``gt.corpora``, ``gt.vocabulary``, ...), so ``import gan_text`` is fast
and has no side effects beyond quietening TensorFlow's start-up logs. Data flows one way through them:

corpus -> vocabulary -> dataset -> models -> training -> samples -> metrics -> plots
"""

from __future__ import annotations

import importlib

from .config import Profile, profile
from .errors import GanTextError, TrainingDiverged
from .session import setup, show_source

__version__ = "0.1.0"

_SUBMODULES = {
    "atomic", "config", "errors", "session",
    "corpora", "text", "vocabulary", "dataset", "corruption", "stats", "models", "augmentation",
    "training", "architectures", "metrics", "evaluation", "plots", "tuning", "bench",
}

__all__ = ["GanTextError", "Profile", "TrainingDiverged", "profile", "setup", "show_source", *sorted(_SUBMODULES)]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'gan_text' has no attribute {name!r}")
