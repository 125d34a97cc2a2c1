"""Training: recipes, the GAN engines, the loss zoo and the runner.

- ``train(corpus, recipe, ...)``: the package's main job (``python -m gan_text train``); writes a run directory with
  config, vocabulary, checkpoints, samples and ``history.csv``, and resumes exactly. ``load_run(run_dir)`` reloads one.
- ``build_recipe(name, data, cfg)``: ``guided`` (default), ``relgan``, ``seqgan``, ``wgan_gp``, ``seed``, ``mle``; each
  a list of phases (compiled Keras models trained with ``fit``).
- ``TextGAN``: a generator and a discriminator trained against each other (one graph per step), with two
  extensions: ``RegularisedGAN`` (augmentation, instance noise, consistency, label smoothing) and ``SplitUpdateGAN``
  (the original loop's two discriminator updates); ``SeqGAN``: policy gradients with Monte-Carlo rollouts.
- The loss zoo: ``get_loss(name)`` / ``LOSSES`` (minimax, non_saturating, least_squares, wasserstein, wgan_gp, hinge,
  relativistic, relativistic_average, categorical_crossentropy), ``gradient_penalty``, ``clip_weights``,
  ``loss_curves``.
- Inverse-temperature schedules for Gumbel-softmax: ``beta_at``.

Submodules that need TensorFlow are imported on first use, so ``import gan_text.training.losses`` stays cheap.
"""

from __future__ import annotations

import importlib

from .losses import LOSSES, GANLoss, clip_weights, get_loss, gradient_penalty, loss_curves

_LAZY = {
    "train": "runs", "load_run": "runs", "Run": "runs", "RunOptions": "runner",
    "build_recipe": "recipes", "RECIPES": "recipes", "DEFAULT_RECIPE": "recipes", "recipe_settings": "recipes",
    "TextGAN": "textgan", "RegularisedGAN": "regularised", "SplitUpdateGAN": "split_update", "SeqGAN": "seqgan", "rollout_rewards": "rollout", "complete": "rollout",
    "policy_gradient_loss": "rollout", "prob_real": "rollout",
    "beta_at": "schedules", "BETA_SCHEDULES": "schedules", "schedule_table": "schedules",
    "relgan_beta_at": "schedules",
    "Phase": "phases", "Recipe": "phases",
    "guided": None, "guided_sampler": "guided", "DiscriminatorFitter": "guided",
}

__all__ = ["LOSSES", "GANLoss", "clip_weights", "get_loss", "gradient_penalty", "loss_curves", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
        return module if _LAZY[name] is None else getattr(module, name)
    raise AttributeError(f"module 'gan_text.training' has no attribute {name!r}")
