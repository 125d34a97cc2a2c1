"""Models: generators, discriminators and the MLE language model.

- ``build_generator(kind, vocab_size, seq_len, **hyperparameters)``: ``seed``, ``rnn``, ``cnn``, ``transformer``.
- ``build_discriminator(kind, vocab_size, seq_len, **hyperparameters)``: ``seed``, ``cnn``, ``relgan``, ``rnn``,
  ``transformer``. Every discriminator takes integer tokens or (soft) one-hot vectors and returns logits.
- ``LanguageModel``: trains an autoregressive generator by teacher forcing (MLE); the pre-training step of the GANs
  and the baseline every GAN is compared with.
- ``save_model`` / ``load_model``: Keras 3 format, with the vocabulary and hyperparameters beside it.
"""

from .discriminators import DISCRIMINATORS, build_discriminator
from .generators import GENERATORS, build_generator
from .language_model import LanguageModel
from .saving import load_model, save_model

__all__ = ["DISCRIMINATORS", "GENERATORS", "LanguageModel", "build_discriminator", "build_generator",
           "load_model", "save_model"]
