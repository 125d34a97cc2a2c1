"""SeqGAN (Yu et al., 2017): a generator trained by REINFORCE, rewarded by a discriminator.

Recipe ``seqgan`` = three phases (see :func:`build_seqgan_recipe`):

1. ``pretrain``: maximum likelihood (teacher forcing) of the ``rnn`` generator (:class:`LanguageModel`);
2. ``pretrain_d``: the ``cnn`` discriminator learns to tell real sentences from the pre-trained
   generator's samples (:class:`DiscriminatorPretrainer`);
3. ``adversarial``: :class:`SeqGAN`. Each step samples a batch, scores every token by Monte-Carlo
   rollouts through a *lagged copy* of the generator (:func:`~gan_text.training.rollout.rollout_rewards`),
   takes one policy-gradient step on the generator, moves the copy a little toward it, then trains the
   discriminator ``d_steps`` times on real vs freshly generated sentences.

Every model keeps all its state in Keras variables (weights, the rollout copy, a step counter, the
SeedGenerator that draws every random number), so a checkpoint restores a run exactly.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ..checks import whole_number
from ..errors import GanTextError, one_of
from ..models.discriminators import build_discriminator, filter_widths
from ..models.generators import build_generator
from ..models.gradients import dense_gradients
from ..models.language_model import LanguageModel
from .builders import CLIPNORM, recipe_config, sampler
from .distribute import replica_fold, replica_scale
from .losses import get_loss
from .phases import Phase, Recipe
from .rollout import (
    BASELINES,
    alive_mask,
    check_autoregressive,
    policy_gradient_loss,
    rewards_graph,
    sample_graph,
)
from .settings import SeqGANSettings, begin_recipe, seed_weights

_BCE = get_loss("minimax")  # D: -E log σ(real) - E log(1 - σ(fake)), the classifier's cross-entropy


def _tokens(data):
    """The int32 token batch of a ``fit`` batch (x alone, or the x of an (x, y) tuple)."""
    return tf.cast(data[0] if isinstance(data, tuple | list) else data, tf.int32)


def _accuracy(real_logits, fake_logits):
    """Fraction of logits on the right side of 0 (real > 0, fake < 0), over both batches."""
    right = tf.concat([tf.reshape(real_logits > 0, [-1]), tf.reshape(fake_logits < 0, [-1])], axis=0)
    return tf.reduce_mean(tf.cast(right, tf.float32))


def _seed_int(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise GanTextError(f"seed must be an int or None, got {seed!r}; pass e.g. seed=0")
    return seed


class _DiscriminatorTraining(keras.Model):
    """Shared part of the two models that train a discriminator on real vs generated sentences."""

    def _d_step(self, real, fake, optimizer):
        """One discriminator update on ``real`` vs ``fake`` token batches; returns (loss, accuracy)."""
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            loss = _BCE.d_loss(real_logits, fake_logits)
            scaled = loss * replica_scale()  # the replicas' gradients are summed
        variables = self.discriminator.trainable_variables
        optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
        return loss, _accuracy(real_logits, fake_logits)

    def call(self, tokens, training=None):
        """The discriminator's logits on int32 ``tokens`` (batch, seq_len)."""
        return self.discriminator(tokens, training=training)


class DiscriminatorPretrainer(_DiscriminatorTraining):
    """Trains a discriminator as a classifier: real sentences (label 1) vs the generator's samples (0).

    ``fit`` takes batches of real int32 tokens (batch, seq_len) only: each step samples as many fake
    sentences from ``generator`` (temperature 1; the generator is not trained) and takes one step of
    binary cross-entropy. ``compile(optimizer=...)`` (default Adam 1e-3). Metrics: ``d_loss`` (the sum
    of the mean cross-entropies on real and on fake), ``d_accuracy``. ``seed``: the int seed of its
    SeedGenerator (None: drawn from Python's random state, repeatable after ``gt.setup``).
    """

    def __init__(self, generator, discriminator, *, seed: int | None = None, name: str = "pretrain_d",
                 **kwargs):
        check_autoregressive(generator)
        super().__init__(name=name, **kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.seed_generator = keras.random.SeedGenerator(_seed_int(seed), name=f"{name}_seed_generator")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.d_accuracy_tracker = keras.metrics.Mean(name="d_accuracy")
        self.built = True

    def compile(self, optimizer=None, **kwargs):
        kwargs.setdefault("jit_compile", False)  # sampling stops at a data-dependent step: no XLA
        super().compile(optimizer=optimizer or keras.optimizers.Adam(1e-3), **kwargs)
        self.optimizer.build(self.discriminator.trainable_variables)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.d_accuracy_tracker]

    def train_step(self, data):
        real = _tokens(data)
        fake = sample_graph(self.generator, tf.shape(real)[0], replica_fold(tf.cast(self.seed_generator.next(), tf.int64)))
        loss, accuracy = self._d_step(real, fake, self.optimizer)
        self.d_loss_tracker.update_state(loss)
        self.d_accuracy_tracker.update_state(accuracy)
        return {m.name: m.result() for m in self.metrics}


class SeqGAN(_DiscriminatorTraining):
    """SeqGAN's adversarial phase as one ``keras.Model``: ``fit`` on batches of real int32 tokens.

    ``generator``: an autoregressive generator (``rnn`` in SeqGAN), the policy. ``discriminator``: any
    discriminator returning logits (``cnn`` in SeqGAN). ``rollout_generator``: the lagged copy that
    completes the rollouts (None: a fresh model of the generator's config). Its weights start equal to
    the generator's (copied here and again at the first ``train_step``, so a generator pre-trained after
    this model was built is copied too) and after every generator step move to
    ``update_rate * theta_rollout + (1 - update_rate) * theta_G`` (SeqGAN: 0.8); it is never trained.

    One ``train_step(real)`` (one compiled graph):

    1. sample ``batch`` sentences from the generator (temperature 1);
    2. per-token rewards by ``num_rollouts`` rollouts of every prefix (:func:`rollout_rewards`);
    3. one generator step on the REINFORCE loss ``-mean_b sum_t log p(y_t|y_<t) (reward_t - b_t)``
       (``baseline`` None: ``b = 0`` as in SeqGAN; ``"mean"``: the batch's mean reward per position);
    4. the rollout copy moves toward the generator;
    5. ``d_steps`` discriminator steps (binary cross-entropy), each on ``real`` vs its own batch of
       fresh sentences from the updated generator.

    ``compile(d_optimizer=None, g_optimizer=None)``: defaults Adam(1e-3) each. Metrics:
    ``g_loss``, ``d_loss``, ``d_accuracy`` (mean over the ``d_steps``), ``mean_reward`` (over the
    tokens before and at ``<eos>``). ``seed``: the int seed of the SeedGenerator that draws every
    sample and rollout (None: from Python's random state, repeatable after ``gt.setup``).
    """

    def __init__(self, generator, discriminator, rollout_generator=None, *, num_rollouts: int = 4,
                 update_rate: float = 0.8, d_steps: int = 1, baseline: str | None = None,
                 seed: int | None = None, name: str = "seqgan", **kwargs):
        check_autoregressive(generator)
        if baseline not in BASELINES:
            raise one_of("baseline", baseline, BASELINES)
        if isinstance(update_rate, bool) or not isinstance(update_rate, int | float) \
                or not 0.0 <= update_rate <= 1.0:
            raise GanTextError(f"update_rate must be a number in [0, 1] (the share of its own weights the "
                               f"rollout copy keeps), got {update_rate!r}; pass e.g. update_rate=0.8")
        super().__init__(name=name, **kwargs)
        self.num_rollouts = whole_number("num_rollouts", num_rollouts)
        self.d_steps = whole_number("d_steps", d_steps)
        self.update_rate, self.baseline = float(update_rate), baseline
        if rollout_generator is None:
            config = {**generator.get_config(), "name": f"rollout_{generator.name}"}
            rollout_generator = type(generator).from_config(config)
            rollout_generator.build()
        check_autoregressive(rollout_generator, "rollout generator")
        self.generator, self.discriminator = generator, discriminator
        self.rollout_generator = rollout_generator
        rollout_generator.trainable = False  # changed only by the lagged update, never by an optimizer
        self._pairs = self._weight_pairs()
        self.seed_generator = keras.random.SeedGenerator(_seed_int(seed), name=f"{name}_seed_generator")
        self.step_counter = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False,
                                            name="step_counter")
        self.trackers = {name: keras.metrics.Mean(name=name)
                         for name in ("g_loss", "d_loss", "d_accuracy", "mean_reward")}
        self.built = True
        self.sync_rollout()

    def _weight_pairs(self):
        """(rollout variable, generator variable) pairs, matched by their path inside each model."""
        own = {v.path.split("/", 1)[-1]: v for v in self.generator.weights}
        lagged = {v.path.split("/", 1)[-1]: v for v in self.rollout_generator.weights}
        if own.keys() != lagged.keys() or any(own[k].shape != lagged[k].shape for k in own):
            raise GanTextError("the rollout generator must have the generator's architecture; pass "
                               "rollout_generator=None to build a copy")
        return [(lagged[k], own[k]) for k in own]

    def sync_rollout(self):
        """Copy the generator's weights into the rollout copy (theta_rollout <- theta_G)."""
        for lagged, own in self._pairs:
            lagged.assign(own)

    def update_rollout(self):
        """The lagged update ``theta_rollout <- update_rate * theta_rollout + (1 - update_rate) * theta_G``."""
        for lagged, own in self._pairs:
            lagged.assign(self.update_rate * lagged + (1.0 - self.update_rate) * own)

    def _sync_in_graph(self):
        self.sync_rollout()
        return tf.constant(True)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        kwargs.setdefault("jit_compile", False)  # rollouts have data-dependent shapes, which XLA refuses
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(1e-3)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(1e-3)
        if self.d_optimizer is self.g_optimizer:
            raise GanTextError("d_optimizer and g_optimizer must be two different optimizer objects; "
                               "pass e.g. keras.optimizers.Adam(1e-3) twice")
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def train_step(self, data):
        real = _tokens(data)
        batch = tf.shape(real)[0]
        seed = replica_fold(tf.cast(self.seed_generator.next(), tf.int64))  # each replica its own samples
        tf.cond(tf.equal(self.step_counter, 0), self._sync_in_graph, lambda: tf.constant(False))

        fake = sample_graph(self.generator, batch, tf.random.experimental.stateless_fold_in(seed, 0))
        rewards = rewards_graph(self.rollout_generator, self.discriminator, fake, self.num_rollouts,
                                tf.random.experimental.stateless_fold_in(seed, 1))
        with tf.GradientTape() as tape:
            g_loss = policy_gradient_loss(self.generator, fake, rewards, self.baseline)
            scaled = g_loss * replica_scale()
        variables = self.generator.trainable_variables
        self.g_optimizer.apply(dense_gradients(tape.gradient(scaled, variables)), variables)
        self.update_rollout()

        fakes = sample_graph(self.generator, batch * self.d_steps,  # one loop for all d_steps
                             tf.random.experimental.stateless_fold_in(seed, 2))
        for i in range(self.d_steps):
            d_loss, d_accuracy = self._d_step(real, fakes[i * batch:(i + 1) * batch], self.d_optimizer)
            self.trackers["d_loss"].update_state(d_loss)
            self.trackers["d_accuracy"].update_state(d_accuracy)
        self.step_counter.assign_add(1)

        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["mean_reward"].update_state(tf.reduce_sum(rewards) / tf.reduce_sum(alive_mask(fake)))
        return {m.name: m.result() for m in self.metrics}


# ---------------------------------------------------------------------------------------------------
# The recipe.

def build_seqgan_recipe(data, cfg, seed: int = 0, **overrides) -> Recipe:
    """The ``seqgan`` recipe: phases ``pretrain``, ``pretrain_d``, ``adversarial``, ready for the runner.

    ``data``: the prepared corpus (anything with ``vocab_size`` and ``seq_len``, e.g.
    :func:`gan_text.dataset.prepare`'s result); ``cfg``: a profile (:func:`gan_text.config.profile`)
    giving the sizes and step counts; ``seed``: seeds the initial weights (through
    ``keras.utils.set_random_seed``, which also resets Python's, NumPy's and TensorFlow's global
    seeds) and every sample and rollout, so the same seed gives the same run.

    ``overrides`` (defaults in brackets): generator ``cell`` ["lstm"], ``emb_dim``, ``hidden_dim``
    [the profile's]; discriminator ``d_emb_dim`` [profile emb_dim], ``d_num_filters`` per width
    [profile hidden_dim], ``d_dropout`` [0.25]; ``pretrain_steps`` [profile], ``pretrain_d_steps``
    [pretrain_steps // 2] (0 drops the phase), ``steps`` [profile]; learning rates of Adam
    ``pretrain_lr`` [1e-2, SeqGAN's, with gradient norm clipped at 5], ``d_pretrain_lr`` [1e-3],
    ``g_lr`` [1e-3], ``d_lr`` [1e-3]; ``num_rollouts`` [4], ``update_rate`` [0.8], ``d_steps`` [1],
    ``baseline`` [None, or "mean"]. An unknown name raises GanTextError listing the accepted ones.

    The discriminator learns at 1e-3, not SeqGAN's 1e-4: SeqGAN gave it several epochs over 10,000
    fresh samples per generator step, here it gets ``d_steps`` batches. ``num_rollouts`` defaults to
    4, not SeqGAN's 16: the rollouts cost ``num_rollouts * (seq_len - 1)`` generator passes per step
    (time grows linearly with it) while the Monte-Carlo noise of a reward falls only as
    ``1 / sqrt(num_rollouts)``; 4 keeps a course-profile step on the grammar corpus near 0.3 s of CPU.
    """
    s, seed = begin_recipe(SeqGANSettings, data, cfg, seed, overrides)
    seed_weights(seed)
    generator = build_generator("rnn", data.vocab_size, data.seq_len, cell=s.cell, emb_dim=s.emb_dim,
                                hidden_dim=s.hidden_dim)
    discriminator = build_discriminator("cnn", data.vocab_size, data.seq_len, emb_dim=s.d_emb_dim,
                                        filter_sizes=filter_widths(data.seq_len), num_filters=(s.d_num_filters,),
                                        dropout=s.d_dropout)

    language_model = LanguageModel(generator)  # SeqGAN pre-trains at a constant rate
    language_model.compile(optimizer=keras.optimizers.Adam(s.pretrain_lr, clipnorm=CLIPNORM))
    pretrain_d = DiscriminatorPretrainer(generator, discriminator, seed=seed + 1)
    pretrain_d.compile(optimizer=keras.optimizers.Adam(s.d_pretrain_lr))
    seqgan = SeqGAN(generator, discriminator, num_rollouts=s.num_rollouts, update_rate=s.update_rate,
                    d_steps=s.d_steps, baseline=s.baseline, seed=seed + 2)
    seqgan.compile(d_optimizer=keras.optimizers.Adam(s.d_lr), g_optimizer=keras.optimizers.Adam(s.g_lr))

    phases = [Phase("pretrain", language_model, s.pretrain_steps),
              Phase("pretrain_d", pretrain_d, s.pretrain_d_steps),
              Phase("adversarial", seqgan, s.steps)]
    return Recipe(name="seqgan", phases=[p for p in phases if p.steps > 0], generator=generator,
                  discriminator=discriminator, config=recipe_config("seqgan", seed, data, s.as_dict(), generator,
                                                                    discriminator),
                  sampler=sampler(generator))


__all__ = ["DiscriminatorPretrainer", "SeqGAN", "build_seqgan_recipe"]
