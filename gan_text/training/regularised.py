"""``RegularisedGAN``: a :class:`~gan_text.training.textgan.TextGAN` whose discriminator is regularised.

The step is TextGAN's; this subclass only fills in its three hooks (and smooths the loss):

- ``real_batch(real)``, once per step: the token augmentations ``word_dropout``, ``swap_rate``,
  ``crop_rate``, ``replace_rate`` (+ ``unigram``), chained by
  :func:`~gan_text.augmentation.augment_tokens` into ``aug(real)`` with one draw. Without a consistency
  term the discriminator reads ``aug(real)`` AS the real batch (classic data augmentation). This can
  *leak*: "real" now means "augmented", and the generator is rewarded for writing sentences with
  ``<unk>`` tokens, swapped or cut words. With ``consistency_weight > 0`` the real batch stays as it is
  and ``aug(real)`` is used only by the consistency term below.
- ``d_inputs(x)``: ``instance_noise``, Gaussian noise of std ``noise_std_at(step, adversarial_steps,
  instance_noise)`` (falling linearly to 0) on everything the discriminator reads, in both players'
  updates; real sentences then go in as one-hot vectors plus noise, which is slower than tokens.
  Metric ``noise_std``.
- ``extra_d_loss(real, fake)``: ``consistency_weight * consistency_penalty(D, real, aug(real))``
  (Zhang et al., 2020), which does not leak. Metric ``consistency`` (the penalty, not in ``d_loss``).
- ``label_smoothing``: one-sided, the discriminator's real target becomes ``1 - label_smoothing``
  (:func:`~gan_text.training.losses.smooth_labels`; not for Wasserstein or hinge losses).

Every option is off at 0; with all of them off the step is exactly TextGAN's and draws no extra random
numbers. Notebook 08 trains each of them against the plain recipe.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from ..augmentation import augment_tokens, consistency_penalty, instance_noise, noise_std_at
from ..checks import fraction, non_negative
from ..dataset import to_onehot
from ..errors import GanTextError
from .distribute import replica_seed
from .losses import get_loss, smooth_labels
from .textgan import TextGAN


@keras.saving.register_keras_serializable(package="gan_text")
class RegularisedGAN(TextGAN):
    """:class:`TextGAN` with a regularised discriminator (see the module docstring).

    ``instance_noise`` (initial std >= 0, needs ``adversarial_steps``), ``label_smoothing`` (in [0, 1)),
    ``consistency_weight`` (λ >= 0, needs a token augmentation), ``word_dropout``, ``swap_rate``,
    ``crop_rate``, ``replace_rate`` (rates in [0, 1)) and ``unigram`` (float (vocab_size,) word
    probabilities, :func:`~gan_text.augmentation.unigram_distribution`; needed when ``replace_rate > 0``
    and kept as a non-trainable variable, so a checkpoint holds it). Other keywords go to TextGAN.
    """

    def __init__(self, generator, discriminator, *, instance_noise: float = 0.0, label_smoothing: float = 0.0,
                 consistency_weight: float = 0.0, word_dropout: float = 0.0, swap_rate: float = 0.0,
                 crop_rate: float = 0.0, replace_rate: float = 0.0, unigram=None, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.label_smoothing = fraction("label_smoothing", label_smoothing)
        self.loss_fn = smooth_labels(self.loss_fn, self.label_smoothing)
        self.rates = {"word_dropout": fraction("word_dropout", word_dropout), "swap": fraction("swap_rate", swap_rate),
                      "crop": fraction("crop_rate", crop_rate), "replace": fraction("replace_rate", replace_rate)}
        self.instance_noise = non_negative("instance_noise", instance_noise)
        self.consistency_weight = non_negative("consistency_weight", consistency_weight, example=1.0)
        if self.instance_noise > 0 and self.adversarial_steps is None:
            raise GanTextError("instance_noise is annealed to 0 over the adversarial steps; pass "
                               "adversarial_steps=<steps of fit>")
        if self.consistency_weight > 0 and not self.augments:
            raise GanTextError("consistency_weight compares the discriminator on real and augmented sentences; "
                               "pass a token augmentation too, e.g. word_dropout=0.1")
        self.unigram = None
        if self.rates["replace"] > 0:
            self.unigram = self.add_weight(name="unigram", shape=(self.vocab_size,), dtype="float32",
                                           initializer="zeros", trainable=False)
            self.unigram.assign(_unigram(unigram, self.vocab_size))
        self.noise_std_tracker = keras.metrics.Mean(name="noise_std")
        self.consistency_tracker = keras.metrics.Mean(name="consistency")
        self._noise_std = self._pair = None  # set by real_batch, read in the same step

    @property
    def augments(self) -> bool:
        """True when a token augmentation rate is > 0."""
        return any(value > 0 for value in self.rates.values())

    @property
    def metrics(self):
        extra = [self.noise_std_tracker] if self.instance_noise > 0 else []
        return super().metrics + extra + ([self.consistency_tracker] if self.consistency_weight > 0 else [])

    def compile(self, d_optimizer, g_optimizer, loss=None, **kwargs):
        """TextGAN's compile; a new ``loss`` is smoothed too."""
        super().compile(d_optimizer, g_optimizer, loss=loss, **kwargs)
        if loss is not None:
            self.loss_fn = smooth_labels(get_loss(loss), self.label_smoothing)

    # --- the hooks ----------------------------------------------------------------------------------------
    def real_batch(self, real):
        """aug(real) (classic augmentation) or real itself; also this step's instance-noise std."""
        if self.augments:
            augmented = augment_tokens(real, replica_seed(self.seed_generator), **self.rates,
                                       unigram=self.unigram)
            if self.consistency_weight > 0:
                self._pair = (real, augmented)
            else:  # classic augmentation: the discriminator's real batch IS the augmented one
                real = augmented
        if self.instance_noise > 0:
            self._noise_std = noise_std_at(ops.convert_to_tensor(self.step_counter), self.adversarial_steps,
                                           self.instance_noise)
            self.noise_std_tracker.update_state(self._noise_std)
        return real

    def d_inputs(self, inputs):
        """``inputs`` (one-hot if they are tokens) plus instance noise, when instance noise is on."""
        if self.instance_noise == 0:
            return inputs
        if inputs.dtype.is_integer:
            inputs = to_onehot(inputs, self.vocab_size)
        return instance_noise(inputs, self._noise_std, replica_seed(self.seed_generator))

    def extra_d_loss(self, real, fake):
        """``consistency_weight`` times the consistency penalty on (real, aug(real)) (0 when off)."""
        if self.consistency_weight == 0:
            return 0.0
        penalty = consistency_penalty(self.discriminator, *self._pair)
        self.consistency_tracker.update_state(penalty)
        return self.consistency_weight * penalty

    def get_config(self):
        return {**super().get_config(), "instance_noise": self.instance_noise,
                "label_smoothing": self.label_smoothing, "consistency_weight": self.consistency_weight,
                "word_dropout": self.rates["word_dropout"], "swap_rate": self.rates["swap"],
                "crop_rate": self.rates["crop"], "replace_rate": self.rates["replace"],
                "unigram": None if self.unigram is None else [float(p) for p in self.unigram.numpy()]}


def _unigram(unigram, vocab_size: int) -> np.ndarray:
    """``unigram`` checked and normalised to sum 1, float32 (vocab_size,)."""
    if unigram is None:
        raise GanTextError("replace_rate needs the unigram distribution of the words; pass "
                           "unigram=gt.augmentation.unigram_distribution(prepared.train_tokens, len(vocab))")
    weights = np.asarray(unigram, dtype=np.float64)
    if weights.shape != (vocab_size,) or not np.all(np.isfinite(weights)) or weights.min() < 0 \
            or weights.sum() <= 0:
        raise GanTextError(f"unigram must be {vocab_size} non-negative word probabilities (one per id) with "
                           f"a positive sum, got shape {weights.shape}; pass "
                           f"unigram_distribution(prepared.train_tokens, {vocab_size})")
    return (weights / weights.sum()).astype(np.float32)


__all__ = ["RegularisedGAN"]
