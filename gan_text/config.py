"""Profiles: one switch that scales every notebook and CLI command.

``GAN_TEXT_PROFILE`` picks a profile; this module is the only place that reads it.

==========  ===========================================================================
``smoke``   CI: every notebook runs end to end in well under two minutes on two cores.
``course``  The default: each notebook teaches in a few minutes on a CPU laptop or Colab.
``full``    Paper-scale budgets, for a GPU and patience.
==========  ===========================================================================

A notebook reads its sizes with ``cfg = gt.profile()`` and uses ``cfg.n_train``, ``cfg.batch_size`` and
so on, so the same cells teach at every scale.
"""

from __future__ import annotations

import dataclasses
import os

from .errors import GanTextError

PROFILE_ENV = "GAN_TEXT_PROFILE"
DEFAULT_PROFILE = "course"


@dataclasses.dataclass(frozen=True)
class Profile:
    """The sizes that a profile fixes. Every field is a count, never a time."""

    name: str
    n_train: int  # training sentences drawn from a corpus
    n_test: int  # held-out sentences
    batch_size: int  # sequences per training step
    epochs: int  # passes over the training set (MLE and discriminator training)
    pretrain_steps: int  # MLE pre-training steps of a generator
    steps: int  # adversarial training steps
    n_eval: int  # generated sentences scored by the metrics
    emb_dim: int  # token embedding width
    hidden_dim: int  # recurrent / convolutional width

    def replace(self, **changes) -> Profile:
        """A copy with some fields changed, e.g. ``cfg.replace(steps=50)``."""
        return dataclasses.replace(self, **changes)


PROFILES = {
    "smoke": Profile("smoke", n_train=512, n_test=128, batch_size=32, epochs=1, pretrain_steps=16,
                     steps=8, n_eval=64, emb_dim=16, hidden_dim=32),
    "course": Profile("course", n_train=10_000, n_test=1_000, batch_size=64, epochs=3,
                      pretrain_steps=600, steps=400, n_eval=500, emb_dim=32, hidden_dim=64),
    "full": Profile("full", n_train=10_000, n_test=10_000, batch_size=64, epochs=80,
                    pretrain_steps=12_000, steps=5_000, n_eval=10_000, emb_dim=32, hidden_dim=32),
}


def profile(name: str | None = None) -> Profile:
    """Return the named profile, or the one ``GAN_TEXT_PROFILE`` names, or ``course``.

    Raises GanTextError for an unknown name, listing the known ones.
    """
    chosen = name if name is not None else os.environ.get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE
    if chosen not in PROFILES:
        where = f" (set by {PROFILE_ENV})" if name is None else ""
        raise GanTextError(f"unknown profile {chosen!r}{where}; known: {', '.join(PROFILES)}")
    return PROFILES[chosen]
