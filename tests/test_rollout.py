"""Batched Monte-Carlo rollouts: equal to a plain loop over positions and rollouts; the keyed draws."""

from __future__ import annotations

import importlib
import math
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_text.models.autoregressive import seed_tensor
from gan_text.models.discriminators import build_discriminator
from gan_text.models.generators import build_generator
from gan_text.training.keyed_draws import block_size, inverse_cdf_sample, keyed_uniform, row_keys
from gan_text.training.rollout import (
    alive_mask,
    complete,
    complete_graph,
    continue_graph,
    prob_real,
    rnn_step,
    rollout_rewards,
    rollout_seed,
)
from gan_text.vocabulary import EOS_ID, PAD_ID

VOCAB, SEQ = 9, 7


@pytest.fixture(scope="module")
def discriminator():
    keras.utils.set_random_seed(1)
    return build_discriminator("cnn", VOCAB, SEQ, emb_dim=8, filter_sizes=(2, 3), num_filters=4)


def make_generator(kind, **hp):
    keras.utils.set_random_seed(0)
    return build_generator(kind, VOCAB, SEQ, emb_dim=8, hidden_dim=8, **hp)


def sentences(generator, n=12, seed=4):
    """Sampled sentences with <eos> inside some rows, plus a row that is <eos> alone and a full row."""
    tokens = generator.sample(n, seed=seed).numpy()
    tokens[0] = [EOS_ID] + [PAD_ID] * (SEQ - 1)
    tokens[1] = np.arange(2, 2 + SEQ) % (VOCAB - 3) + 3  # no <eos>: every prefix is rolled out
    return tokens


def reference_rewards(generator, discriminator, tokens, num_rollouts, seed):
    """Per-token rewards by a plain loop: for every prefix length and rollout, one call of ``complete``."""
    seed = seed_tensor(seed, None)
    alive = alive_mask(tokens).numpy()
    length = alive.sum(axis=1).astype(int)
    final = prob_real(discriminator, tokens).numpy()
    rewards = np.zeros(tokens.shape, np.float32)
    for given in range(1, SEQ):
        probs = [prob_real(discriminator, complete(generator, tokens, given, seed=rollout_seed(seed, given, k)))
                 for k in range(num_rollouts)]
        rewards[:, given - 1] = np.mean(probs, axis=0)
    for row in range(len(tokens)):
        rewards[row, length[row] - 1:] = final[row]
    return rewards * alive


@pytest.mark.parametrize("kind, hp, num_rollouts", [("rnn", {}, 3), ("rnn", {"cell": "gru"}, 1),
                                                    ("transformer", {"num_layers": 1}, 3)])
def test_batched_rewards_equal_the_plain_loop(kind, hp, num_rollouts, discriminator):
    generator = make_generator(kind, **hp)
    tokens = sentences(generator)
    assert ((tokens == EOS_ID).any(axis=1)).sum() >= 3  # <eos> inside rows
    batched = rollout_rewards(generator, None, discriminator, tokens, num_rollouts, seed=7).numpy()
    expected = reference_rewards(generator, discriminator, tokens, num_rollouts, 7)
    np.testing.assert_allclose(batched, expected, rtol=1e-6, atol=1e-7)
    assert not np.allclose(batched, rollout_rewards(generator, None, discriminator, tokens, num_rollouts, seed=8))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_continuing_from_the_prefix_states_writes_the_tokens_of_complete(cell):
    generator = make_generator("rnn", cell=cell)
    tokens = sentences(generator, n=6)
    tokens[0] = tokens[2]  # continue_graph is never asked to continue past an <eos>: no such row here
    length = alive_mask(tokens).numpy().sum(axis=1).astype(int)
    rows, given = map(np.array, zip(*[(r, g) for r in range(len(tokens)) for g in range(1, length[r])
                                      for _ in range(2)], strict=True))
    keys = row_keys(tf.constant([3, 9], tf.int64), tf.range(len(rows)))
    got = tf.function(continue_graph)(generator, tf.constant(tokens), tf.constant(rows, tf.int32),
                                      tf.constant(given, tf.int32), keys).numpy()
    want = tf.function(complete_graph)(generator, tf.constant(tokens[rows]), tf.constant(given, tf.int32),
                                       None, keys=keys).numpy()
    np.testing.assert_array_equal(got, want)
    assert (got[:, -1] != PAD_ID).any() and (got == EOS_ID).any()  # some run to the end, some stop early


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_rnn_step_gives_the_generators_logits_and_state(cell):
    generator = make_generator("rnn", cell=cell)
    prev = tf.constant([2, 5, 8, 3])
    state = [tf.random.stateless_normal([4, 8], [1, j]) for j in range(len(generator.initial_state(1)))]
    logits, new_state = rnn_step(generator)(prev, state)
    want_logits, want_state = generator.step(prev, 0, state)
    np.testing.assert_allclose(logits, want_logits, rtol=1e-5, atol=1e-5)
    assert logits.dtype == tf.float32 and (logits.numpy()[:, :2] <= -1e8).all()  # <pad>, <bos> never written
    for got, want in zip(new_state, want_state, strict=True):
        np.testing.assert_array_equal(got, want)


def test_sentences_that_are_only_eos_need_no_rollout(discriminator):
    generator = make_generator("rnn")
    tokens = np.full((3, SEQ), PAD_ID, np.int32)
    tokens[:, 0] = EOS_ID
    rewards = rollout_rewards(generator, None, discriminator, tokens, 2, seed=0).numpy()
    np.testing.assert_allclose(rewards[:, 0], prob_real(discriminator, tokens), rtol=1e-6)
    assert (rewards[:, 1:] == 0).all()


def test_rollout_seed_is_vectorised_and_distinct():
    seed = tf.constant([5, 11], tf.int64)
    grid = rollout_seed(seed, tf.constant([[1, 1], [2, 2]]), tf.constant([[0, 1], [0, 1]])).numpy()
    assert grid.shape == (2, 2, 2) and (grid[..., 0] == 5).all() and len(set(grid[..., 1].ravel())) == 4
    np.testing.assert_array_equal(rollout_seed(seed, 2, 1).numpy(), grid[1, 1])
    assert rollout_seed(tf.constant([5, 12], tf.int64), 2, 1).numpy()[1] != grid[1, 1, 1]


# ---------------------------------------------------------------------------------------------------
# The keyed draws

def test_row_keys_depend_on_the_words_not_on_the_batch():
    seed = tf.constant([1, 2], tf.int64)
    keys = row_keys(seed, tf.range(50)).numpy()
    assert keys.shape == (50, 2) and keys.dtype == np.uint32 and len({tuple(k) for k in keys}) == 50
    np.testing.assert_array_equal(row_keys(seed, tf.constant([7, 3])).numpy(), keys[[7, 3]])
    per_row = tf.constant([[1, 2], [1, 3]], tf.int64)  # one seed per row
    np.testing.assert_array_equal(row_keys(per_row, 4).numpy()[0], row_keys(seed, [4]).numpy()[0])
    assert not np.array_equal(row_keys(per_row, 4).numpy()[1], row_keys(seed, [4]).numpy()[0])
    big = tf.constant([2 ** 40 + 1, -3], tf.int64)  # every bit of both seed numbers counts
    assert not np.array_equal(row_keys(big, [0]).numpy(), row_keys(tf.constant([1, -3], tf.int64), [0]).numpy())


def test_keyed_uniform_is_uniform_and_changes_with_the_step():
    keys = row_keys(tf.constant([0, 0], tf.int64), tf.range(40_000))
    u = keyed_uniform(keys, 0).numpy()
    assert u.dtype == np.float32 and u.min() >= 0 and u.max() < 1
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    chi2 = ((counts - 2000) ** 2 / 2000).sum()
    assert chi2 < 45  # 19 degrees of freedom: p ~ 0.001
    later = keyed_uniform(keys, 1).numpy()
    assert abs(np.corrcoef(u, later)[0, 1]) < 0.03 and abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.03
    steps = keyed_uniform(keys[:3], tf.constant([0, 1, 0])).numpy()  # one step per row
    np.testing.assert_array_equal(steps, [u[0], later[1], u[2]])


@pytest.mark.parametrize("vocab", [9, 7, 5000])
def test_block_size_splits_the_row_near_its_square_root(vocab):
    width = block_size(vocab)
    assert np.sqrt(vocab) / 2 <= width <= 2 * np.sqrt(vocab) and (vocab % width == 0 or width == 3)


@pytest.mark.parametrize("vocab", [9, 7, 64])
def test_inverse_cdf_sample_inverts_the_cumulative_softmax(vocab):
    rng = np.random.default_rng(vocab)
    logits = rng.normal(0, 2, size=(1, vocab)).astype(np.float32)
    logits[0, [0, 3]] = -1e9  # never drawn
    probs = np.exp(logits[0] - logits[0].max())
    cdf = np.cumsum(probs / probs.sum())
    u = np.sort(np.concatenate([rng.uniform(size=2000), [0.0, 1 - 2 ** -24]])).astype(np.float32)
    got = inverse_cdf_sample(tf.constant(np.repeat(logits, len(u), 0)), tf.constant(u)).numpy()
    want = np.minimum(np.searchsorted(cdf, u, side="right"), vocab - 1)
    near = np.abs(u[:, None] - cdf[None, :]).min(axis=1) < 1e-5  # rounding may go either way there
    np.testing.assert_array_equal(got[~near], want[~near])
    assert not np.isin(got, [0, 3]).any() and got.dtype == np.int32
    assert got[0] == np.flatnonzero(probs > 0)[0] and got[-1] == np.flatnonzero(probs > 0)[-1]


def test_keyed_draws_follow_the_softmax():
    logits = tf.constant([[0.0, 1.0, -1e9, 2.0, 0.5, -1.0, 1.5]], tf.float32)
    n = 30_000
    u = keyed_uniform(row_keys(tf.constant([4, 2], tf.int64), tf.range(n)), 3)
    ids = inverse_cdf_sample(tf.repeat(logits, n, axis=0), u).numpy()
    expected = tf.nn.softmax(logits)[0].numpy() * n
    counts = np.bincount(ids, minlength=7)
    assert counts[2] == 0
    keep = expected > 0
    assert (((counts - expected)[keep]) ** 2 / expected[keep]).sum() < 22  # 5 degrees of freedom: p ~ 0.0005


# ---------------------------------------------------------------------------------------------------
# The benchmark (tiny sizes: it runs and its figures hang together; no test times anything)

def test_rollout_speed_benchmark_runs_and_its_figures_hang_together():
    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    if str(benchmarks) not in sys.path:
        sys.path.insert(0, str(benchmarks))
    module = importlib.import_module("rollout_speed")
    args = module.parse_args(["--quick"])
    found = subprocess.run(["git", "cat-file", "-e", f"{args.old}:gan_text/training/rollout.py"],
                           cwd=benchmarks.parent, capture_output=True)
    if found.returncode:
        pytest.skip(f"no git history with commit {args.old} here")
    table = module.measure(args)["table"]
    assert list(table["timed"]) == ["rewards call", "adversarial step"] and (table["num_rollouts"] == 2).all()
    for _, row in table.iterrows():
        assert all(math.isfinite(row[k]) and row[k] > 0 for k in ("old s", "new s", "speed-up"))
        assert row["min"] <= row["speed-up"] <= row["max"]
        assert 0 <= row["mean reward old"] <= 1 and 0 <= row["mean reward new"] <= 1
