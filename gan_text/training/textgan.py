"""``TextGAN``: a generator and a discriminator trained against each other with ``fit()``.

One call of :meth:`TextGAN.train_step` is one generator update, compiled into a single TensorFlow graph:

1. ``d_steps`` times: make a batch of fakes, score the real batch (the same one every time) and the
   fakes with the discriminator, and update the discriminator on its loss (plus WGAN-GP's gradient
   penalty, or followed by WGAN's weight clipping, when the loss asks for it);
2. make a fresh batch of fakes and update the generator on its loss;
3. add one to the step counter that drives the ``beta`` schedule.

Each player has its own ``tf.GradientTape`` and optimizer, and each update touches only that player's
variables: nobody sets ``trainable=False`` (in Keras 3 that idiom silently stops the discriminator from
ever learning; ``benchmarks/seed_loop_speed.py`` shows it). A model runs in training mode
(``training=True``: dropout on, BatchNorm on batch statistics) only in the update that trains it.

**Fakes.** A non-autoregressive generator (``seed``, ``cnn``) maps Gaussian noise to probabilities
(batch, seq_len, vocab_size): the "soft" sentences its discriminator reads. An autoregressive one
(``rnn``, ``transformer``) writes token by token with ``gumbel_sample``: relaxed one-hot vectors
``softmax(beta * (logits + gumbel))`` whose inverse temperature ``beta`` follows a schedule
(:mod:`gan_text.training.schedules`). Real sentences go into the discriminator as integer tokens
(an embedding lookup, exactly a one-hot matrix product, and much faster).

**Randomness.** All noise comes from one ``keras.random.SeedGenerator(seed)`` of the model, so with
op determinism on (``gt.setup``) the same seed gives the same weights. Under a ``tf.distribute``
strategy every replica folds its replica id into the seed, so replicas draw different fakes.

**Distribution.** Build the models, the TextGAN and its optimizers inside ``strategy.scope()``; each
replica's loss is divided by the number of replicas, as Keras does, because the optimizers sum the
replicas' gradients.

Metrics (``Mean`` over the steps of an epoch): ``d_loss``, ``g_loss``, ``d_accuracy`` (the fraction of
real logits > 0 and of fake logits < 0, averaged; for relativistic losses, of the differences the loss
sees), ``beta`` (autoregressive generators only) and ``gp`` (WGAN-GP only, not included in ``d_loss``).

**Gradients of embeddings** are summed per token before the optimizer sees them
(:func:`dense_gradients`), which makes the integer-token path give exactly the one-hot path's update.

**Regularising the discriminator** (:mod:`gan_text.augmentation`; every option is off at 0, and then
the step is exactly the one above and draws no extra random numbers):

- ``word_dropout``, ``swap_rate``, ``crop_rate``, ``replace_rate`` (+ ``unigram``): the token
  augmentations, chained by :func:`~gan_text.augmentation.augment_tokens` into ``aug(real)``, one draw per
  ``train_step``. Without a consistency term, the discriminator reads ``aug(real)`` AS the real batch
  (classic data augmentation). This can *leak*: "real" now means "augmented", and the generator is
  rewarded for writing sentences with ``<unk>`` tokens, swapped or cut words. With
  ``consistency_weight > 0`` the real batch stays as it is and ``aug(real)`` is used only by the term
  ``consistency_weight * consistency_penalty(D, real, aug(real))`` added to the discriminator's loss
  (Zhang et al., 2020), which does not leak; the metric ``consistency`` is that penalty (not in ``d_loss``).
- ``instance_noise``: Gaussian noise of std ``noise_std_at(step, adversarial_steps, instance_noise)``
  (falling linearly to 0) on everything the discriminator reads, in both players' updates; real
  sentences then go in as one-hot vectors plus noise, which is slower than tokens. Metric ``noise_std``.
- ``label_smoothing``: one-sided, the discriminator's real target becomes ``1 - label_smoothing``
  (:func:`~gan_text.training.losses.smooth_labels`; not for Wasserstein or hinge losses).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ..augmentation import augment_tokens, consistency_penalty, instance_noise, noise_std_at
from ..dataset import to_onehot
from ..errors import GanTextError
from ..models.generators import positive_int
from ..models.gradients import dense_gradients
from ..models.hyperparameters import rate
from .losses import clip_weights, get_loss, gradient_penalty, smooth_labels
from .schedules import beta_at, check_schedule


def replica_seed(seed_generator) -> tf.Tensor:
    """The next stateless seed, int64 (2,), of ``seed_generator`` folded with this replica's id.

    Outside a ``tf.distribute`` strategy the replica id is 0. Used for every random draw of a
    training step, so that two replicas of a MirroredStrategy draw different noise.
    """
    seed = tf.cast(seed_generator.next(), tf.int64)
    context = tf.distribute.get_replica_context()
    replica = context.replica_id_in_sync_group if context is not None else 0
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(replica, tf.int64))


def _replica_scale() -> float:
    """1 / the number of replicas: Keras's optimizers SUM the replicas' gradients."""
    return 1.0 / tf.distribute.get_strategy().num_replicas_in_sync


@keras.saving.register_keras_serializable(package="gan_text")
class TextGAN(keras.Model):
    """A GAN for text: ``generator`` and ``discriminator`` trained by ``fit()`` on batches of real tokens.

    - ``generator``: any kind from :func:`~gan_text.models.build_generator`; ``discriminator``: any kind
      from :func:`~gan_text.models.build_discriminator` (it returns logits), of the same vocabulary
      size and ``seq_len``.
    - ``loss``: a name from :data:`~gan_text.training.losses.LOSSES` or a ``GANLoss``.
    - ``d_steps``: discriminator updates per generator update (one ``train_step``).
    - ``beta_max``, ``beta_schedule`` (``exp``, ``linear``, ``sigmoid``, ``constant``) and
      ``adversarial_steps`` (the number of ``train_step`` calls the schedule spans; needed when beta
      changes): the Gumbel-softmax inverse temperature of autoregressive generators.
    - ``gp_weight``: the gradient-penalty weight λ of the ``wgan_gp`` loss.
    - ``split_d_update``: update the discriminator twice per discriminator step, once on the real
      batch's loss and then once on the fake batch's, as the course's original loop did with two
      ``train_on_batch`` calls (only for losses without relativism).
    - ``seed``: the seed of the model's own SeedGenerator (noise, Gumbel noise, penalty points,
      augmentations).
    - ``instance_noise`` (initial std >= 0, needs ``adversarial_steps``), ``label_smoothing`` (in [0, 1)),
      ``consistency_weight`` (λ >= 0, needs a token augmentation), ``word_dropout``, ``swap_rate``,
      ``crop_rate``, ``replace_rate`` (rates in [0, 1)) and ``unigram`` (float (vocab_size,) word
      probabilities, :func:`~gan_text.augmentation.unigram_distribution`; needed when ``replace_rate > 0``
      and kept as a non-trainable variable, so a checkpoint holds it): see "Regularising the
      discriminator" in the module docstring. All 0 by default.

    ``fit`` takes a ``tf.data.Dataset`` of int32 (batch, seq_len) token batches (``make_dataset``);
    one batch is one generator update. Calling the model on tokens returns the discriminator's logits.
    """

    def __init__(self, generator, discriminator, *, loss="non_saturating", d_steps: int = 1,
                 beta_max: float = 1.0, beta_schedule: str = "exp", adversarial_steps: int | None = None,
                 gp_weight: float = 10.0, split_d_update: bool = False, seed: int = 0,
                 instance_noise: float = 0.0, label_smoothing: float = 0.0, consistency_weight: float = 0.0,
                 word_dropout: float = 0.0, swap_rate: float = 0.0, crop_rate: float = 0.0,
                 replace_rate: float = 0.0, unigram=None, name: str = "text_gan", **kwargs):
        _check_pair(generator, discriminator)
        super().__init__(name=name, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.label_smoothing = rate("label_smoothing", label_smoothing)
        self.loss_fn = smooth_labels(get_loss(loss), self.label_smoothing)
        self.d_steps = positive_int("d_steps", d_steps)
        check_schedule(beta_schedule, beta_max)
        self.beta_max, self.beta_schedule = float(beta_max), beta_schedule
        if adversarial_steps is not None:
            adversarial_steps = positive_int("adversarial_steps", adversarial_steps)
        elif self.beta_max > 1.0 and beta_schedule != "constant":
            raise GanTextError(f"a {beta_schedule} beta schedule up to beta_max={beta_max:g} needs the number "
                               f"of adversarial steps it spans; pass adversarial_steps=<steps of fit>")
        self.adversarial_steps = adversarial_steps
        if isinstance(gp_weight, bool) or not isinstance(gp_weight, int | float) or gp_weight < 0:
            raise GanTextError(f"gp_weight must be a number >= 0, got {gp_weight!r}; pass e.g. gp_weight=10.0")
        self.gp_weight = float(gp_weight)
        self.split_d_update = bool(split_d_update)
        self._check_split()
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="gan_seed_generator")
        self._set_regularisers(instance_noise, consistency_weight, word_dropout, swap_rate, crop_rate,
                               replace_rate, unigram)
        # The number of train_step calls so far: drives the beta schedule and is saved with the weights.
        self.step_counter = self.add_weight(name="adversarial_step", shape=(), dtype="int64",
                                            initializer="zeros", trainable=False,
                                            aggregation="only_first_replica")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_accuracy_tracker = keras.metrics.Mean(name="d_accuracy")
        self.beta_tracker = keras.metrics.Mean(name="beta")
        self.gp_tracker = keras.metrics.Mean(name="gp")
        self.noise_std_tracker = keras.metrics.Mean(name="noise_std")
        self.consistency_tracker = keras.metrics.Mean(name="consistency")
        self.d_optimizer = self.g_optimizer = None
        self.built = True

    def _set_regularisers(self, noise, weight, word_dropout, swap_rate, crop_rate, replace_rate, unigram):
        for label, value in (("instance_noise", noise), ("consistency_weight", weight)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
                raise GanTextError(f"{label} must be a number >= 0, got {value!r}; pass e.g. {label}=0.1 "
                                   f"(0 turns it off)")
        self.instance_noise, self.consistency_weight = float(noise), float(weight)
        if self.instance_noise > 0 and self.adversarial_steps is None:
            raise GanTextError("instance_noise is annealed to 0 over the adversarial steps; pass "
                               "adversarial_steps=<steps of fit>")
        self.rates = {"word_dropout": rate("word_dropout", word_dropout), "swap": rate("swap_rate", swap_rate),
                      "crop": rate("crop_rate", crop_rate), "replace": rate("replace_rate", replace_rate)}
        if self.consistency_weight > 0 and not self.augments:
            raise GanTextError("consistency_weight compares the discriminator on real and augmented sentences; "
                               "pass a token augmentation too, e.g. word_dropout=0.1")
        self.unigram = None
        if self.rates["replace"] > 0:
            if unigram is None:
                raise GanTextError("replace_rate needs the unigram distribution of the words; pass "
                                   "unigram=gt.augmentation.unigram_distribution(prepared.train_tokens, len(vocab))")
            weights = np.asarray(unigram, dtype=np.float64)
            if weights.shape != (self.vocab_size,) or not np.all(np.isfinite(weights)) or weights.min() < 0 \
                    or weights.sum() <= 0:
                raise GanTextError(f"unigram must be {self.vocab_size} non-negative word probabilities (one per "
                                   f"id) with a positive sum, got shape {weights.shape}; pass "
                                   f"unigram_distribution(prepared.train_tokens, {self.vocab_size})")
            self.unigram = self.add_weight(name="unigram", shape=(self.vocab_size,), dtype="float32",
                                           initializer="zeros", trainable=False)
            self.unigram.assign((weights / weights.sum()).astype(np.float32))

    @property
    def augments(self) -> bool:
        """True when a token augmentation rate is > 0."""
        return any(value > 0 for value in self.rates.values())

    def _check_split(self):
        if self.split_d_update and (self.loss_fn.relativism is not None or self.loss_fn.d_fake is None):
            raise GanTextError(f"split_d_update needs a loss whose discriminator loss is a real term plus a "
                               f"fake term; {self.loss_fn.name!r} is not; use e.g. loss='non_saturating'")

    # --- what the model is --------------------------------------------------------------------------
    @property
    def autoregressive(self) -> bool:
        """True when the generator writes token by token (Gumbel-softmax fakes, a beta schedule)."""
        return bool(getattr(self.generator, "autoregressive", False))

    @property
    def vocab_size(self) -> int:
        return self.generator.vocab_size

    @property
    def seq_len(self) -> int:
        return self.generator.seq_len

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker, self.d_accuracy_tracker]
        if self.autoregressive:
            trackers.append(self.beta_tracker)
        if self.loss_fn.needs_gradient_penalty:
            trackers.append(self.gp_tracker)
        if self.instance_noise > 0:
            trackers.append(self.noise_std_tracker)
        if self.consistency_weight > 0:
            trackers.append(self.consistency_tracker)
        return trackers

    def compile(self, d_optimizer, g_optimizer, loss=None, *, jit_compile=False, **kwargs):
        """Set the two optimizers (and optionally replace the loss), then ``keras.Model.compile``.

        ``d_optimizer`` / ``g_optimizer``: two different ``keras.optimizers.Optimizer`` objects (each
        keeps its own moment estimates). ``jit_compile`` (XLA) is off by default: it did not help on
        the CPUs we measured (``benchmarks/seed_loop_speed.py``), and Keras turns it off anyway while
        op determinism is on (``gt.setup``). Other keywords go to ``keras.Model.compile``.
        """
        for label, optimizer in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise GanTextError(f"{label} must be a keras optimizer, got {type(optimizer).__name__}; "
                                   f"pass e.g. {label}=keras.optimizers.Adam(1e-4)")
        if d_optimizer is g_optimizer:
            raise GanTextError("d_optimizer and g_optimizer are the same object, so the two players would "
                               "share moment estimates; create two optimizers")
        super().compile(optimizer=None, jit_compile=jit_compile, **kwargs)
        if loss is not None:
            self.loss_fn = smooth_labels(get_loss(loss), self.label_smoothing)
            self._check_split()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        # Create the optimizers' slots now, outside any tf.function or replica context.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def fit(self, x=None, *args, **kwargs):
        """``keras.Model.fit``; a ``tf.data.Dataset`` is taken as already shuffled (``make_dataset``)."""
        if self.d_optimizer is None:
            raise GanTextError("compile the TextGAN first: gan.compile(d_optimizer=..., g_optimizer=...)")
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        return super().fit(x, *args, **kwargs)

    def call(self, tokens, training=None):
        """The discriminator's logits for ``tokens`` (int (batch, seq_len)) or soft one-hot input."""
        return self.discriminator(tokens, training=training)

    # --- fakes -------------------------------------------------------------------------------------------
    def beta(self, step=None):
        """The inverse temperature at ``step`` (default: the step counter), a float32 scalar tensor."""
        step = ops.convert_to_tensor(self.step_counter) if step is None else step
        if self.adversarial_steps is None:
            return tf.constant(self.beta_max, tf.float32)
        return beta_at(tf.convert_to_tensor(step), self.adversarial_steps, self.beta_max, self.beta_schedule)

    def fake_batch(self, batch_size, beta, training):
        """Generated sentences as soft one-hot vectors, float32 (batch_size, seq_len, vocab_size).

        Autoregressive generators: Gumbel-softmax samples at inverse temperature ``beta``. Others:
        ``generator(noise, training=training)`` for standard normal noise (``beta`` is unused).
        """
        if self.autoregressive:
            _, soft = self.generator.gumbel_sample(batch_size, beta, seed=replica_seed(self.seed_generator))
            return soft
        noise = tf.random.stateless_normal(tf.stack([batch_size, self.generator.noise_dim]),
                                           seed=replica_seed(self.seed_generator))
        return self.generator(noise, training=training)

    # --- one training step ---------------------------------------------------------------------------
    def train_step(self, data):
        """``d_steps`` discriminator updates, then one generator update, on one batch of real tokens.

        ``data``: int (batch, seq_len) real token ids (or a tuple whose first item they are).
        Returns the metrics as a dict of float32 scalars.
        """
        real = data[0] if isinstance(data, tuple | list) else data
        real = ops.cast(real, "int32")
        batch_size = tf.shape(real)[0]
        beta = self.beta()
        pair = None  # (real, aug(real)) for the consistency term
        if self.augments:
            augmented = augment_tokens(real, replica_seed(self.seed_generator), **self.rates,
                                       unigram=self.unigram)
            if self.consistency_weight > 0:
                pair = (real, augmented)
            else:  # classic augmentation: the discriminator's real batch IS the augmented one
                real = augmented
        noise_std = None
        if self.instance_noise > 0:
            noise_std = noise_std_at(ops.convert_to_tensor(self.step_counter), self.adversarial_steps,
                                     self.instance_noise)
            self.noise_std_tracker.update_state(noise_std)
        if self.d_steps == 1 or tf.distribute.has_strategy():
            for _ in range(self.d_steps):  # unrolled: a distribution strategy's updates need it
                self._discriminator_step(real, batch_size, beta, noise_std, pair)
        else:  # one traced copy of the step, run d_steps times: tracing stays fast for d_steps = 5 or 10
            def discriminator_step(i):
                self._discriminator_step(real, batch_size, beta, noise_std, pair)
                return (i + 1,)

            tf.while_loop(lambda i: i < self.d_steps, discriminator_step, (tf.constant(0),))
        self._generator_step(real, batch_size, beta, noise_std)
        self.step_counter.assign_add(1)
        if self.autoregressive:
            self.beta_tracker.update_state(beta)
        return {m.name: m.result() for m in self.metrics}

    def _noisy(self, inputs, noise_std):
        """What the discriminator reads: ``inputs`` as they are, or (one-hot) plus instance noise."""
        if noise_std is None:
            return inputs
        if inputs.dtype.is_integer:
            inputs = to_onehot(inputs, self.vocab_size)
        return instance_noise(inputs, noise_std, replica_seed(self.seed_generator))

    def _consistency(self, pair):
        """``consistency_weight`` times the consistency penalty on ``pair`` (0 without a pair)."""
        if pair is None:
            return 0.0
        penalty = consistency_penalty(self.discriminator, *pair)
        self.consistency_tracker.update_state(penalty)
        return self.consistency_weight * penalty

    def _discriminator_step(self, real, batch_size, beta, noise_std=None, pair=None):
        fake = tf.stop_gradient(self.fake_batch(batch_size, beta, training=False))
        real, fake = self._noisy(real, noise_std), self._noisy(fake, noise_std)
        variables = self.discriminator.trainable_variables
        loss = self.loss_fn
        if self.split_d_update:  # two updates: real batch, then fake batch (the original loop)
            with tf.GradientTape() as tape:
                real_logits = ops.cast(self.discriminator(real, training=True), "float32")
                real_loss = ops.mean(loss.d_real(real_logits))
                scaled = (real_loss + self._consistency(pair)) * _replica_scale()
            self.d_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
            with tf.GradientTape() as tape:
                fake_logits = ops.cast(self.discriminator(fake, training=True), "float32")
                fake_loss = ops.mean(loss.d_fake(fake_logits))
                scaled = fake_loss * _replica_scale()
            self.d_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
            d_loss = real_loss + fake_loss
        else:
            with tf.GradientTape() as tape:
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                d_loss = loss.d_loss(real_logits, fake_logits)
                total = d_loss + self._consistency(pair)
                if loss.needs_gradient_penalty:
                    # The penalty differentiates D at points between real and fake: both must be float.
                    onehot = real if real.dtype.is_floating else to_onehot(real, self.vocab_size)
                    penalty = gradient_penalty(self.discriminator, onehot, fake, self.seed_generator,
                                               self.gp_weight)
                    total = total + penalty
                    self.gp_tracker.update_state(penalty)
                scaled = total * _replica_scale()
            self.d_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
        if loss.clip_weights is not None:
            clip_weights(self.discriminator, loss.clip_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.d_accuracy_tracker.update_state(self._accuracy(real_logits, fake_logits))

    def _generator_step(self, real, batch_size, beta, noise_std=None):
        loss = self.loss_fn
        needs_real = loss.relativism is not None or loss.g_real is not None
        variables = self.generator.trainable_variables
        if needs_real:
            real = self._noisy(real, noise_std)
        with tf.GradientTape() as tape:
            fake = self._noisy(self.fake_batch(batch_size, beta, training=True), noise_std)
            fake_logits = self.discriminator(fake, training=False)
            real_logits = self.discriminator(real, training=False) if needs_real else fake_logits
            g_loss = loss.g_loss(real_logits, fake_logits)
            scaled = g_loss * _replica_scale()
        self.g_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
        self.g_loss_tracker.update_state(g_loss)

    def _accuracy(self, real_logits, fake_logits):
        """The fraction of real logits > 0 and of fake logits < 0, averaged. A relativistic loss only
        sees differences, so then the logits compared are ``r - f`` (pair) or ``r - E f`` and ``f - E r``
        (average): for RSGAN this is the fraction of pairs where the real sentence scores higher."""
        real_logits, fake_logits = self.loss_fn._inputs(real_logits, fake_logits)
        real_right = ops.mean(ops.cast(ops.greater(real_logits, 0.0), "float32"))
        fake_right = ops.mean(ops.cast(ops.less(fake_logits, 0.0), "float32"))
        return 0.5 * (real_right + fake_right)

    # --- sampling -----------------------------------------------------------------------------------------
    def generate(self, n: int, temperature: float = 1.0, seed=None) -> np.ndarray:
        """``n`` generated sentences as int32 ids (n, seq_len), ``<pad>`` after the first ``<eos>``.

        Autoregressive generators sample token by token at ``temperature`` (0 is greedy). Noise
        generators take the most likely token at every position of ``generator(noise)`` (as the WGAN-GP
        paper did): their variety comes from the noise, so ``temperature`` has no effect on them.
        ``seed``: an int (the same sentences every call) or None (the generator's own stream).
        """
        n = positive_int("n", n)
        if self.autoregressive:
            return self.generator.sample(n, temperature=temperature, seed=seed).numpy()
        return np.asarray(self.generator.sample(n, seed=seed), dtype=np.int32)

    def get_config(self):
        return {"name": self.name, "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "loss": self.loss_fn.name, "d_steps": self.d_steps, "beta_max": self.beta_max,
                "beta_schedule": self.beta_schedule, "adversarial_steps": self.adversarial_steps,
                "gp_weight": self.gp_weight, "split_d_update": self.split_d_update, "seed": self.seed,
                "instance_noise": self.instance_noise, "label_smoothing": self.label_smoothing,
                "consistency_weight": self.consistency_weight, "word_dropout": self.rates["word_dropout"],
                "swap_rate": self.rates["swap"], "crop_rate": self.rates["crop"],
                "replace_rate": self.rates["replace"],
                "unigram": None if self.unigram is None else [float(p) for p in self.unigram.numpy()]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        discriminator = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        return cls(generator, discriminator, **config)


def _check_pair(generator, discriminator) -> None:
    for label, model in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(model, keras.Model) or not hasattr(model, "vocab_size"):
            raise GanTextError(f"the {label} must be a gan_text model, got {type(model).__name__}; "
                               f"build one with gt.models.build_{label}(...)")
    if (generator.vocab_size, generator.seq_len) != (discriminator.vocab_size, discriminator.seq_len):
        raise GanTextError(f"the generator writes (seq_len={generator.seq_len}, vocab_size="
                           f"{generator.vocab_size}) but the discriminator reads (seq_len="
                           f"{discriminator.seq_len}, vocab_size={discriminator.vocab_size}); "
                           f"build both for the same prepared data")


__all__ = ["TextGAN", "replica_seed"]
