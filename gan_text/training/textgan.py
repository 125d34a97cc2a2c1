"""``TextGAN``: a generator and a discriminator trained against each other with ``fit()``.

One call of :meth:`TextGAN.train_step` is one generator update, compiled into a single graph:

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
(:mod:`gan_text.training.schedules`). Real sentences go into the discriminator as integer tokens (an
embedding lookup: exactly a one-hot matrix product, and much faster).

**Randomness.** All noise comes from one ``keras.random.SeedGenerator(seed)`` of the model, so with op
determinism on (``gt.setup``) the same seed gives the same weights. :mod:`gan_text.training.distribute`
keeps the step the same under a ``tf.distribute`` strategy (build the models, the TextGAN and its
optimizers inside ``strategy.scope()``).

**Gradients of embeddings** are summed per token before the optimizer sees them (:func:`dense_gradients`),
which makes the integer-token path give exactly the one-hot path's update.

Metrics (``Mean`` over the steps of an epoch): ``d_loss``, ``g_loss``, ``d_accuracy`` (the fraction of
real logits > 0 and of fake logits < 0, averaged; for relativistic losses, of the differences the loss
sees), ``beta`` (autoregressive generators only) and ``gp`` (WGAN-GP only, not included in ``d_loss``).

**Extending the step.** Three hooks do nothing here and exist for subclasses: :meth:`real_batch` (what
the discriminator reads as the real batch, once per step), :meth:`d_inputs` (applied to everything the
discriminator reads) and :meth:`extra_d_loss` (a term added to the discriminator's loss).
:class:`~gan_text.training.regularised.RegularisedGAN` uses them for data augmentation, instance noise,
consistency regularisation and label smoothing; :class:`~gan_text.training.split_update.SplitUpdateGAN`
replaces :meth:`discriminator_step` with the course's original two-update loop.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ..checks import non_negative, whole_number
from ..dataset import to_onehot
from ..errors import GanTextError
from ..models.gradients import dense_gradients
from .distribute import repeat, replica_scale, replica_seed
from .losses import clip_weights, get_loss, gradient_penalty
from .schedules import check_schedule, inverse_temperature


@keras.saving.register_keras_serializable(package="gan_text")
class TextGAN(keras.Model):
    """A GAN for text: ``generator`` and ``discriminator`` trained by ``fit()`` on batches of real tokens.

    - ``generator``: any kind from :func:`~gan_text.models.build_generator`; ``discriminator``: any kind
      from :func:`~gan_text.models.build_discriminator` (it returns logits), of the same vocabulary size
      and ``seq_len``.
    - ``loss``: a name from :data:`~gan_text.training.losses.LOSSES` or a ``GANLoss``.
    - ``d_steps``: discriminator updates per generator update (one ``train_step``).
    - ``beta_max``, ``beta_schedule`` (``exp``, ``linear``, ``sigmoid``, ``constant``) and
      ``adversarial_steps`` (the number of ``train_step`` calls the schedule spans; needed when beta
      changes): the Gumbel-softmax inverse temperature of autoregressive generators.
    - ``gp_weight``: the gradient-penalty weight λ of the ``wgan_gp`` loss.
    - ``seed``: the seed of the model's own SeedGenerator (noise, Gumbel noise, penalty points).

    ``fit`` takes a ``tf.data.Dataset`` of int32 (batch, seq_len) token batches (``make_dataset``); one
    batch is one generator update. Calling the model on tokens returns the discriminator's logits.
    """

    def __init__(self, generator, discriminator, *, loss="non_saturating", d_steps: int = 1,
                 beta_max: float = 1.0, beta_schedule: str = "exp", adversarial_steps: int | None = None,
                 gp_weight: float = 10.0, seed: int = 0, name: str = "text_gan", **kwargs):
        check_gan(generator, discriminator, d_steps, beta_max, beta_schedule, adversarial_steps, gp_weight)
        super().__init__(name=name, **kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.loss_fn = get_loss(loss)
        self.d_steps = int(d_steps)
        self.beta_max, self.beta_schedule = float(beta_max), beta_schedule
        self.adversarial_steps = None if adversarial_steps is None else int(adversarial_steps)
        self.gp_weight = float(gp_weight)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="gan_seed_generator")
        # The number of train_step calls so far: drives the beta schedule and is saved with the weights.
        self.step_counter = self.add_weight(name="adversarial_step", shape=(), dtype="int64",
                                            initializer="zeros", trainable=False,
                                            aggregation="only_first_replica")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_accuracy_tracker = keras.metrics.Mean(name="d_accuracy")
        self.beta_tracker = keras.metrics.Mean(name="beta")
        self.gp_tracker = keras.metrics.Mean(name="gp")
        self.d_optimizer = self.g_optimizer = None
        self.built = True

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
        return trackers

    def compile(self, d_optimizer, g_optimizer, loss=None, *, jit_compile=False, **kwargs):
        """Set the two optimizers (and optionally replace the loss), then ``keras.Model.compile``.

        ``d_optimizer`` / ``g_optimizer``: two different ``keras.optimizers.Optimizer`` objects (each
        keeps its own moment estimates). ``jit_compile`` (XLA) is off by default: it did not help on the
        CPUs we measured (``benchmarks/seed_loop_speed.py``), and Keras turns it off anyway while op
        determinism is on (``gt.setup``). Other keywords go to ``keras.Model.compile``.
        """
        check_optimizers(d_optimizer, g_optimizer)
        super().compile(optimizer=None, jit_compile=jit_compile, **kwargs)
        if loss is not None:
            self.loss_fn = get_loss(loss)
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
        return inverse_temperature(tf.convert_to_tensor(step), self.adversarial_steps, self.beta_max,
                                   self.beta_schedule)

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

    # --- one training step -------------------------------------------------------------------------------
    def train_step(self, data):
        """``d_steps`` discriminator updates, then one generator update, on one batch of real tokens.

        ``data``: int (batch, seq_len) real token ids (or a tuple whose first item they are).
        Returns the metrics as a dict of float32 scalars.
        """
        real = ops.cast(data[0] if isinstance(data, tuple | list) else data, "int32")
        batch_size, beta = tf.shape(real)[0], self.beta()
        real = self.real_batch(real)
        repeat(self.d_steps, lambda: self.discriminator_step(real, batch_size, beta))
        self.generator_step(real, batch_size, beta)
        self.step_counter.assign_add(1)
        if self.autoregressive:
            self.beta_tracker.update_state(beta)
        return {m.name: m.result() for m in self.metrics}

    def discriminator_step(self, real, batch_size, beta):
        """One update of the discriminator: real sentences up, a fresh batch of fakes down."""
        fake = tf.stop_gradient(self.fake_batch(batch_size, beta, training=False))
        real, fake = self.d_inputs(real), self.d_inputs(fake)
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = self.loss_fn.d_loss(real_logits, fake_logits)
            total = d_loss + self.extra_d_loss(real, fake)
            if self.loss_fn.needs_gradient_penalty:  # WGAN-GP: at points between real and fake
                onehot = real if real.dtype.is_floating else to_onehot(real, self.vocab_size)
                penalty = gradient_penalty(self.discriminator, onehot, fake, self.seed_generator,
                                           self.gp_weight)
                total = total + penalty
                self.gp_tracker.update_state(penalty)
            scaled = total * replica_scale()
        self.d_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
        if self.loss_fn.clip_weights is not None:  # WGAN: clip every critic weight
            clip_weights(self.discriminator, self.loss_fn.clip_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.d_accuracy_tracker.update_state(self.loss_fn.accuracy(real_logits, fake_logits))

    def generator_step(self, real, batch_size, beta):
        """One update of the generator through a frozen read of the discriminator."""
        real = self.d_inputs(real) if self.loss_fn.g_needs_real else None
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self.d_inputs(self.fake_batch(batch_size, beta, training=True))
            fake_logits = self.discriminator(fake, training=False)
            real_logits = fake_logits if real is None else self.discriminator(real, training=False)
            g_loss = self.loss_fn.g_loss(real_logits, fake_logits)
            scaled = g_loss * replica_scale()
        self.g_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
        self.g_loss_tracker.update_state(g_loss)

    # --- hooks for subclasses (gan_text.training.regularised) ---------------------------------------------
    def real_batch(self, real):
        """The batch the discriminator reads as real this step (called once per step): ``real`` itself."""
        return real

    def d_inputs(self, inputs):
        """What the discriminator reads for ``inputs`` (tokens or soft one-hot): ``inputs`` themselves."""
        return inputs

    def extra_d_loss(self, real, fake):
        """A term added to the discriminator's loss (inside its tape): none."""
        return 0.0

    # --- sampling -----------------------------------------------------------------------------------------
    def generate(self, n: int, temperature: float = 1.0, seed=None) -> np.ndarray:
        """``n`` generated sentences as int32 ids (n, seq_len), ``<pad>`` after the first ``<eos>``.

        Autoregressive generators sample token by token at ``temperature`` (0 is greedy). Noise
        generators take the most likely token at every position of ``generator(noise)`` (as the WGAN-GP
        paper did): their variety comes from the noise, so ``temperature`` has no effect on them.
        ``seed``: an int (the same sentences every call) or None (the generator's own stream).
        """
        n = whole_number("n", n)
        if self.autoregressive:
            return self.generator.sample(n, temperature=temperature, seed=seed).numpy()
        return np.asarray(self.generator.sample(n, seed=seed), dtype=np.int32)

    def get_config(self):
        return {"name": self.name, "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "loss": self.loss_fn.name, "d_steps": self.d_steps, "beta_max": self.beta_max,
                "beta_schedule": self.beta_schedule, "adversarial_steps": self.adversarial_steps,
                "gp_weight": self.gp_weight, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        discriminator = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        return cls(generator, discriminator, **config)


# --- checks, once, where a GAN is made ------------------------------------------------------------------

def check_gan(generator, discriminator, d_steps, beta_max, beta_schedule, adversarial_steps, gp_weight) -> None:
    """Raise GanTextError unless the settings of a :class:`TextGAN` make sense together."""
    for label, model in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(model, keras.Model) or not hasattr(model, "vocab_size"):
            raise GanTextError(f"the {label} must be a gan_text model, got {type(model).__name__}; "
                               f"build one with gt.models.build_{label}(...)")
    if (generator.vocab_size, generator.seq_len) != (discriminator.vocab_size, discriminator.seq_len):
        raise GanTextError(f"the generator writes (seq_len={generator.seq_len}, vocab_size="
                           f"{generator.vocab_size}) but the discriminator reads (seq_len="
                           f"{discriminator.seq_len}, vocab_size={discriminator.vocab_size}); "
                           f"build both for the same prepared data")
    whole_number("d_steps", d_steps)
    check_schedule(beta_schedule, beta_max)
    if adversarial_steps is not None:
        whole_number("adversarial_steps", adversarial_steps)
    elif beta_max > 1.0 and beta_schedule != "constant":
        raise GanTextError(f"a {beta_schedule} beta schedule up to beta_max={beta_max:g} needs the number "
                           f"of adversarial steps it spans; pass adversarial_steps=<steps of fit>")
    non_negative("gp_weight", gp_weight, example=10.0)


def check_optimizers(d_optimizer, g_optimizer) -> None:
    """Raise GanTextError unless the two players get two different Keras optimizers."""
    for label, optimizer in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise GanTextError(f"{label} must be a keras optimizer, got {type(optimizer).__name__}; "
                               f"pass e.g. {label}=keras.optimizers.Adam(1e-4)")
    if d_optimizer is g_optimizer:
        raise GanTextError("d_optimizer and g_optimizer are the same object, so the two players would "
                           "share moment estimates; create two optimizers")


__all__ = ["TextGAN", "check_gan", "check_optimizers", "replica_seed"]
