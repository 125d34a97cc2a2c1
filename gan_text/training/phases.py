"""What a training recipe is: a list of phases, each a compiled Keras model trained for some steps.

A *recipe* (``mle``, ``seed``, ``relgan``, ``seqgan``, ``wgan_gp``) says which models to build and how to train them.
It does not run anything itself: the runner (:mod:`gan_text.training.runs`) calls ``phase.model.fit(...)`` on each
phase in turn, writes checkpoints between them and can resume in the middle of one. That split keeps every recipe a
short, readable function.

Contract of a phase model: a compiled ``keras.Model`` whose ``train_step`` takes one batch of int32 token ids
``(batch_size, seq_len)`` (ids, then EOS, then PAD) and returns a dict of float metrics. Its optimizers are the
attributes ``optimizer`` or ``d_optimizer`` / ``g_optimizer``.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class Phase:
    """One stage of training: ``model.fit`` for ``steps`` batches.

    ``name`` is a short identifier used in file names and logs ("pretrain", "pretrain_d", "adversarial").
    """

    name: str
    model: object  # a compiled keras.Model
    steps: int

    def optimizers(self) -> dict:
        """The model's optimizers by attribute name (``optimizer``, ``d_optimizer``, ``g_optimizer``)."""
        found = {}
        for attribute in ("optimizer", "d_optimizer", "g_optimizer"):
            value = getattr(self.model, attribute, None)
            if value is not None and all(value is not other for other in found.values()):
                found[attribute] = value
        return found


@dataclasses.dataclass
class Recipe:
    """A recipe's models and phases, ready to run.

    ``generator`` is the model whose samples we judge; ``discriminator`` is None for ``mle``. ``config`` holds every
    hyperparameter as JSON-able values, so a run directory can say exactly what was trained.
    ``sample(n, temperature=1.0, seed=None)`` returns int32 token ids (n, seq_len), PAD after EOS.
    ``likelihood``: False when the samples do not come from the generator's own distribution (a
    discriminator-guided sampler), so the generator's NLL does not describe them.
    """

    name: str
    phases: list[Phase]
    generator: object
    discriminator: object | None
    config: dict
    sampler: object  # callable(n, temperature, seed) -> np.ndarray
    likelihood: bool = True

    def sample(self, n: int, temperature: float = 1.0, seed: int | None = None) -> np.ndarray:
        """``n`` generated sequences as int32 ids (n, seq_len), PAD after EOS."""
        return np.asarray(self.sampler(n, temperature, seed), dtype=np.int32)

    @property
    def total_steps(self) -> int:
        return sum(phase.steps for phase in self.phases)
