"""SeqGAN: Monte-Carlo rollout rewards, the REINFORCE loss and step, the lagged rollout copy, the recipe."""

from __future__ import annotations

import json
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_text.config import profile
from gan_text.errors import GanTextError
from gan_text.models.autoregressive import teacher_forcing_inputs
from gan_text.models.discriminators import build_discriminator
from gan_text.models.generators import build_generator
from gan_text.training.phases import Phase, Recipe
from gan_text.training.rollout import complete, policy_gradient_loss, prob_real, rollout_rewards
from gan_text.training.seqgan import DiscriminatorPretrainer, SeqGAN, build_seqgan_recipe
from gan_text.vocabulary import BOS_ID, EOS_ID, PAD_ID

VOCAB, SEQ = 9, 6
LIKED = 7  # the token the stub discriminator likes
# Row 0 never ends, row 1 ends at position 2, row 2 is just <eos>, row 3 contains LIKED at position 1.
TOKENS = np.array([[4, 5, 6, 4, 5, 6],
                   [5, 5, EOS_ID, PAD_ID, PAD_ID, PAD_ID],
                   [EOS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID],
                   [4, LIKED, 5, 6, EOS_ID, PAD_ID]], dtype=np.int32)


class LikesToken(keras.Model):
    """A stub discriminator: logit ``scale * (LIKED appears) - 2``, so P(real) is 0.12 or 0.98."""

    def __init__(self, scale=6.0):
        super().__init__(name="likes_token")
        self.vocab_size, self.seq_len = VOCAB, SEQ
        self.scale = self.add_weight(shape=(), initializer=keras.initializers.Constant(scale), name="scale")

    def call(self, tokens, training=None):
        found = tf.reduce_any(tf.equal(tf.cast(tokens, tf.int32), LIKED), axis=1, keepdims=True)
        return self.scale * tf.cast(found, tf.float32) - 2.0


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    generator = build_generator("rnn", VOCAB, SEQ, emb_dim=8, hidden_dim=8)
    rollout = build_generator("rnn", VOCAB, SEQ, emb_dim=8, hidden_dim=8, name="rollout")
    discriminator = build_discriminator("cnn", VOCAB, SEQ, emb_dim=8, filter_sizes=(2, 3), num_filters=4)
    return generator, rollout, discriminator


def variables_of(model):
    return [v.numpy().copy() for v in model.variables]


# ---------------------------------------------------------------------------------------------------
# Completing prefixes and per-token rewards

def test_complete_keeps_the_prefix_and_pads_after_eos(models):
    generator = models[0]
    given = np.array([3, 1, 6, 0])
    out = complete(generator, TOKENS, given, seed=1).numpy()
    assert out.shape == TOKENS.shape and out.dtype == np.int32
    for row, keep in zip(range(4), given, strict=True):
        np.testing.assert_array_equal(out[row, :keep], TOKENS[row, :keep])
        ends = np.flatnonzero(out[row] == EOS_ID)
        if ends.size:
            assert (out[row, ends[0] + 1:] == PAD_ID).all()
    np.testing.assert_array_equal(out[2], TOKENS[2])  # kept whole
    assert not np.isin(out, [BOS_ID]).any()
    np.testing.assert_array_equal(complete(generator, TOKENS, given, seed=1), out)
    with pytest.raises(GanTextError, match=r"given must be whole numbers in \[0, 6\]"):
        complete(generator, TOKENS, 7)


def test_rewards_shape_range_and_mask_after_eos(models):
    generator, rollout, discriminator = models
    rewards = rollout_rewards(generator, rollout, discriminator, TOKENS, num_rollouts=3, seed=0).numpy()
    assert rewards.shape == TOKENS.shape and rewards.dtype == np.float32
    assert ((rewards >= 0) & (rewards <= 1)).all()
    ended = np.cumsum(TOKENS == EOS_ID, axis=1) - (TOKENS == EOS_ID) > 0  # strictly after <eos>
    assert (rewards[ended] == 0).all() and (rewards[~ended] > 0).all()


def test_finished_positions_get_the_discriminators_probability_on_the_sentence(models):
    generator, rollout, discriminator = models
    rewards = rollout_rewards(generator, rollout, discriminator, TOKENS, num_rollouts=2, seed=0).numpy()
    expected = sigmoid(discriminator(TOKENS, training=False).numpy()[:, 0])
    assert rewards[0, -1] == pytest.approx(expected[0], abs=1e-6)  # the last token of a full row
    assert rewards[1, 2] == pytest.approx(expected[1], abs=1e-6)  # at the <eos>
    assert rewards[2, 0] == pytest.approx(expected[2], abs=1e-6)
    assert rewards[3, 4] == pytest.approx(expected[3], abs=1e-6)


def test_rewards_average_the_discriminator_over_the_completions(models):
    generator, rollout, _ = models
    rewards = rollout_rewards(generator, rollout, LikesToken(), TOKENS, num_rollouts=4, seed=0).numpy()
    low, high = sigmoid(-2.0), sigmoid(4.0)
    # Once LIKED is in the prefix every completion contains it: the reward is exactly "high".
    np.testing.assert_allclose(rewards[3, 1:5], high, rtol=1e-6)
    # Before it, a reward is the mean over 4 completions, each "low" or "high".
    share = (rewards[[0, 1, 3], 0] - low) / (high - low)
    np.testing.assert_allclose(share * 4, np.round(share * 4), atol=1e-4)


def test_rewards_are_repeatable_under_a_seed_and_vary_without(models):
    generator, rollout, discriminator = models
    batch = generator.sample(16, seed=3)
    a = rollout_rewards(generator, rollout, discriminator, batch, 2, seed=5).numpy()
    np.testing.assert_array_equal(a, rollout_rewards(generator, rollout, discriminator, batch, 2, seed=5))
    assert not np.array_equal(a, rollout_rewards(generator, rollout, discriminator, batch, 2, seed=6))
    # rollout_generator=None rolls out with the generator itself
    assert rollout_rewards(generator, None, discriminator, batch, 2, seed=5).shape == (16, SEQ)


def test_rewards_refuse_bad_arguments(models):
    generator, rollout, discriminator = models
    with pytest.raises(GanTextError, match="num_rollouts must be a whole number >= 1"):
        rollout_rewards(generator, rollout, discriminator, TOKENS, num_rollouts=0)
    with pytest.raises(GanTextError, match=r"tokens must be int token ids of shape \(batch, 6\)"):
        rollout_rewards(generator, rollout, discriminator, TOKENS[:, :4], 2)
    other = build_discriminator("cnn", VOCAB + 1, SEQ, filter_sizes=(2,))
    with pytest.raises(GanTextError, match="the models disagree on"):
        rollout_rewards(generator, rollout, other, TOKENS, 2)
    noise = build_generator("seed", VOCAB, SEQ, noise_dim=4, hidden_dim=4)
    with pytest.raises(GanTextError, match="must be an autoregressive generator"):
        rollout_rewards(noise, None, discriminator, TOKENS, 2)


def test_prob_real_averages_several_logits_per_sentence():
    seed_d = build_discriminator("seed", VOCAB, SEQ, emb_dim=4, hidden_dim=4)
    logits = seed_d(TOKENS, training=False).numpy()  # (4, SEQ, 1)
    np.testing.assert_allclose(prob_real(seed_d, TOKENS), sigmoid(logits).reshape(4, -1).mean(1), rtol=1e-5)


# ---------------------------------------------------------------------------------------------------
# The policy-gradient loss

def test_policy_gradient_loss_matches_its_formula(models):
    generator = models[0]
    rewards = np.random.default_rng(0).uniform(size=TOKENS.shape).astype(np.float32)
    logits = generator(teacher_forcing_inputs(TOKENS)).numpy().astype(np.float64)
    logp = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
        - logits.max(-1, keepdims=True)
    chosen = np.take_along_axis(logp, TOKENS[..., None], axis=-1)[..., 0]
    alive = TOKENS != PAD_ID
    expected = -np.mean(np.sum(chosen * rewards * alive, axis=1))
    assert float(policy_gradient_loss(generator, TOKENS, rewards)) == pytest.approx(expected, rel=1e-5)
    # With the mean baseline, rewards equal across the batch carry no signal at all.
    same = np.tile(rewards[:1], (4, 1))
    assert float(policy_gradient_loss(generator, TOKENS, same, baseline="mean")) == pytest.approx(0, abs=1e-6)
    assert float(policy_gradient_loss(generator, TOKENS, same)) != pytest.approx(0, abs=1e-3)
    with pytest.raises(GanTextError, match="unknown baseline 'median'; known: None, mean"):
        policy_gradient_loss(generator, TOKENS, rewards, baseline="median")


def first_token_probability(generator, token):
    logits = generator(np.full((1, SEQ), BOS_ID, dtype=np.int32))[0, 0]
    return float(tf.nn.softmax(logits)[token])


def test_reinforce_steps_raise_the_probability_of_the_liked_token():
    keras.utils.set_random_seed(1)
    generator = build_generator("rnn", VOCAB, SEQ, emb_dim=8, hidden_dim=8)
    seqgan = SeqGAN(generator, LikesToken(), num_rollouts=2, seed=0)
    seqgan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.Adam(0.05))
    before = first_token_probability(generator, LIKED)
    history = seqgan.fit(np.tile(TOKENS, (8, 1)), batch_size=32, epochs=6, shuffle=False, verbose=0)
    after = first_token_probability(generator, LIKED)
    assert after > 2 * before, (before, after)
    assert history.history["mean_reward"][-1] > history.history["mean_reward"][0]


# ---------------------------------------------------------------------------------------------------
# The SeqGAN model

def test_rollout_copy_lags_by_the_update_rate_d_steps_counted_and_state_restores(models):
    generator, _, discriminator = models
    seqgan = SeqGAN(generator, discriminator, num_rollouts=2, update_rate=0.75, d_steps=2, seed=0)
    seqgan.compile()
    by_path = {v.path.split("/", 1)[1]: v for v in seqgan.rollout_generator.weights}
    lagged = [by_path[v.path.split("/", 1)[1]] for v in generator.weights]  # the copy of each weight
    for own, copy in zip(generator.weights, lagged, strict=True):  # a copy at construction
        np.testing.assert_array_equal(own.numpy(), copy.numpy())
    # The generator changes after the SeqGAN was built (as pre-training does): step 1 starts from it.
    for own in generator.weights:
        own.assign(own * 1.01 + 0.001)
    g0 = [w.numpy() for w in generator.weights]
    seqgan.fit(TOKENS, batch_size=4, epochs=1, shuffle=False, verbose=0)
    g1 = [w.numpy() for w in generator.weights]
    assert any(not np.array_equal(a, b) for a, b in zip(g0, g1, strict=True))
    for copy, a, b in zip(lagged, g0, g1, strict=True):
        np.testing.assert_allclose(copy.numpy(), 0.75 * a + 0.25 * b, rtol=1e-5, atol=1e-7)
    r1 = [w.numpy() for w in lagged]
    seqgan.fit(TOKENS, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for copy, r, g in zip(lagged, r1, generator.weights, strict=True):
        np.testing.assert_allclose(copy.numpy(), 0.75 * r + 0.25 * g.numpy(), rtol=1e-5, atol=1e-7)
    # d_steps discriminator updates per generator update; the counter counts train steps.
    assert int(seqgan.g_optimizer.iterations) == 2 and int(seqgan.d_optimizer.iterations) == 4
    assert int(seqgan.step_counter) == 2
    assert not seqgan.rollout_generator.trainable_variables  # no optimizer ever touches the copy

    # Every piece of state is a Keras variable, so restoring them repeats a step exactly (resume).
    held = {id(v) for v in seqgan.variables}
    assert all(id(v) in held for v in [seqgan.step_counter, seqgan.seed_generator.state, *lagged])
    state = seqgan.variables + seqgan.g_optimizer.variables + seqgan.d_optimizer.variables
    snapshot = [v.numpy().copy() for v in state]
    first = seqgan.fit(TOKENS, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    after = variables_of(seqgan)
    for v, value in zip(state, snapshot, strict=True):
        v.assign(value)
    assert seqgan.fit(TOKENS, batch_size=4, epochs=1, shuffle=False, verbose=0).history == first
    for a, b in zip(after, variables_of(seqgan), strict=True):
        np.testing.assert_array_equal(a, b)


def test_seqgan_refuses_bad_settings(models):
    generator, _, discriminator = models
    with pytest.raises(GanTextError, match=r"update_rate must be a number in \[0, 1\]"):
        SeqGAN(generator, discriminator, update_rate=1.5)
    with pytest.raises(GanTextError, match="d_steps must be a whole number >= 1"):
        SeqGAN(generator, discriminator, d_steps=0)
    with pytest.raises(GanTextError, match="unknown baseline 'ema'"):
        SeqGAN(generator, discriminator, baseline="ema")
    other = build_generator("rnn", VOCAB, SEQ, emb_dim=4, hidden_dim=8)
    with pytest.raises(GanTextError, match="the rollout generator must have the generator's architecture"):
        SeqGAN(generator, discriminator, rollout_generator=other)
    optimizer = keras.optimizers.Adam()
    with pytest.raises(GanTextError, match="must be two different optimizer objects"):
        SeqGAN(generator, discriminator).compile(d_optimizer=optimizer, g_optimizer=optimizer)


def test_discriminator_pretrainer_learns_real_from_generated(models):
    generator = models[0]
    keras.utils.set_random_seed(2)
    discriminator = build_discriminator("cnn", VOCAB, SEQ, emb_dim=8, filter_sizes=(2, 3), num_filters=8)
    pretrainer = DiscriminatorPretrainer(generator, discriminator, seed=0)
    pretrainer.compile(optimizer=keras.optimizers.Adam(1e-2))
    real = np.tile(TOKENS[[0, 3]], (32, 1))  # two fixed sentences the random generator hardly ever writes
    history = pretrainer.fit(real, batch_size=32, epochs=15, shuffle=False, verbose=0).history
    assert set(history) == {"d_loss", "d_accuracy"}
    assert history["d_accuracy"][-1] > 0.9 and history["d_loss"][-1] < history["d_loss"][0]
    assert Phase("pretrain_d", pretrainer, 1).optimizers() == {"optimizer": pretrainer.optimizer}


# ---------------------------------------------------------------------------------------------------
# The recipe

DATA = types.SimpleNamespace(vocab_size=VOCAB, seq_len=SEQ)
REAL = np.tile(TOKENS, (4, 1))


def run_recipe(seed, **overrides):
    recipe = build_seqgan_recipe(DATA, profile("smoke"), seed=seed, num_rollouts=2, **overrides)
    histories = [phase.model.fit(REAL, batch_size=8, epochs=1, steps_per_epoch=2, shuffle=False,
                                 verbose=0).history for phase in recipe.phases]
    return recipe, histories


def test_recipe_phases_fit_and_the_same_seed_gives_the_same_weights():
    recipe, histories = run_recipe(3)
    second, h2 = run_recipe(3)
    assert histories == h2
    for model in ("generator", "discriminator"):
        for a, b in zip(getattr(recipe, model).weights, getattr(second, model).weights, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert isinstance(recipe, Recipe) and recipe.name == "seqgan"
    assert [p.name for p in recipe.phases] == ["pretrain", "pretrain_d", "adversarial"]
    cfg = profile("smoke")
    assert [p.steps for p in recipe.phases] == [cfg.pretrain_steps, cfg.pretrain_steps // 2, cfg.steps]
    assert recipe.generator.kind == "rnn" and recipe.discriminator.kind == "cnn"
    assert recipe.generator.hyperparameters["hidden_dim"] == cfg.hidden_dim
    assert set(histories[0]) == {"nll", "perplexity"}
    assert set(histories[2]) == {"g_loss", "d_loss", "d_accuracy", "mean_reward"}
    assert all(np.isfinite(v).all() for h in histories for v in h.values())
    adversarial = recipe.phases[2]
    assert set(adversarial.optimizers()) == {"d_optimizer", "g_optimizer"}
    assert adversarial.model.generator is recipe.generator and adversarial.model.d_steps == 1
    assert int(adversarial.model.d_optimizer.iterations) == 2
    config = json.loads(json.dumps(recipe.config))
    assert config["num_rollouts"] == 2 and config["update_rate"] == 0.8 and config["recipe"] == "seqgan"
    samples = recipe.sample(5, seed=1)
    assert samples.shape == (5, SEQ) and samples.dtype == np.int32
    np.testing.assert_array_equal(samples, recipe.sample(5, seed=1))
    other = build_seqgan_recipe(DATA, profile("smoke"), seed=4)
    assert not np.array_equal(other.generator.weights[0].numpy(),
                              build_seqgan_recipe(DATA, profile("smoke"), seed=3).generator.weights[0].numpy())


def test_recipe_overrides_and_their_errors():
    recipe = build_seqgan_recipe(DATA, profile("smoke"), hidden_dim=12, update_rate=0.5, baseline="mean",
                                 pretrain_d_steps=0, g_lr=0.02)
    assert [p.name for p in recipe.phases] == ["pretrain", "adversarial"]
    adversarial = recipe.phases[1].model
    assert adversarial.update_rate == 0.5 and adversarial.baseline == "mean"
    assert recipe.generator.hyperparameters["hidden_dim"] == 12
    assert float(adversarial.g_optimizer.learning_rate) == pytest.approx(0.02)
    with pytest.raises(GanTextError, match="unknown seqgan override 'rollouts'; accepted: .*num_rollouts"):
        build_seqgan_recipe(DATA, profile("smoke"), rollouts=4)
    with pytest.raises(GanTextError, match="num_rollouts must be a whole number >= 1"):
        build_seqgan_recipe(DATA, profile("smoke"), num_rollouts=0)
    with pytest.raises(GanTextError, match="g_lr must be a number > 0"):
        build_seqgan_recipe(DATA, profile("smoke"), g_lr=-1)
    with pytest.raises(GanTextError, match="data must be a prepared corpus"):
        build_seqgan_recipe([[4, 2]], profile("smoke"))
