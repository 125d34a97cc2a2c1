"""A run's generator as it was at the end of pre-training: the line every adversarial phase must beat.

Every GAN recipe here (``relgan``, ``seqgan``, ``wgan_gp`` when given ``pretrain_steps``, ``guided``) first
trains its generator by maximum likelihood, then does something adversarial. Whether that second part
helped is only known by scoring the same generator before it, with the same samples count, temperature and
seed. The runner keeps the checkpoint at the end of every phase, so that generator can always be reloaded::

    from gan_text.training.pretrained import pretrained_run
    before = pretrained_run(run)            # None for a run without a pre-training phase before another
    before.generate(5)                      # the pre-trained generator's own samples, no discriminator
"""

from __future__ import annotations

import dataclasses

from . import checkpoints as ckpt
from .builders import sampler
from .recipes import RECIPES
from .runs import Run, load_run


def has_pretraining(config: dict) -> bool:
    """True when a run (its ``config.json``) pre-trains its generator and then trains something else."""
    names = [phase["name"] for phase in config.get("phases", [])]
    return len(names) > 1 and names[0] == "pretrain"


def pretrained_run(run: Run) -> Run | None:
    """The run's generator restored from its end-of-pre-training checkpoint and sampled by itself.

    Returns None when there is nothing to compare: no pre-training phase followed by another, a run made
    with your own builder (reload it with ``load_run(run_dir, my_builder, checkpoint=...)``), or a run that
    has not finished pre-training yet. A guided run's sampler would resample with the discriminator; here the
    generator is sampled plainly, so the result is the model maximum likelihood trained.
    """
    config = run.config
    if not has_pretraining(config) or config.get("recipe") not in RECIPES:
        return None
    end = ckpt.checkpoint_name("pretrain", int(config["phases"][0]["steps"]))
    if not (run.run_dir / ckpt.CHECKPOINTS_DIR / end / ckpt.META_FILE).is_file():
        return None
    before = load_run(run.run_dir, checkpoint=end)
    if not before.recipe.likelihood:  # a resampling sampler: sample the generator alone instead
        before.recipe = dataclasses.replace(before.recipe, sampler=sampler(before.recipe.generator),
                                            likelihood=True)
    return before


__all__ = ["has_pretraining", "pretrained_run"]
