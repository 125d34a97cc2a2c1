"""Adversarial training. For now: the loss zoo (see :mod:`gan_text.training.losses`).

- ``get_loss(name)`` / ``LOSSES``: ``minimax``, ``non_saturating``, ``least_squares``, ``wasserstein``,
  ``wgan_gp``, ``hinge``, ``relativistic``, ``relativistic_average``; each a ``GANLoss`` with
  ``d_loss(real_logits, fake_logits)`` and ``g_loss(real_logits, fake_logits)``.
- ``gradient_penalty(critic, real, fake, seed_generator)`` for WGAN-GP, ``clip_weights(model, limit)``
  for WGAN, ``loss_curves()`` for plotting every loss against the discriminator's logit.
"""

from .losses import LOSSES, GANLoss, clip_weights, get_loss, gradient_penalty, loss_curves

__all__ = ["LOSSES", "GANLoss", "clip_weights", "get_loss", "gradient_penalty", "loss_curves"]
