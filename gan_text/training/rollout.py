"""REINFORCE for text: Monte-Carlo rollouts give every token a reward (SeqGAN, Yu et al., 2017).

Sampling a token is not differentiable, so the discriminator's verdict cannot flow back into the
generator by back-propagation. SeqGAN treats the generator as a *policy* that picks one token at a
time and trains it with the policy gradient (REINFORCE):

    loss = -mean over sentences of  sum_t  log p(y_t | y_<t) * reward_t

which raises the log-probability of tokens in proportion to their reward. The discriminator only
judges *finished* sentences, so the reward of token ``t`` is estimated by Monte-Carlo search: keep the
prefix ``y_0..y_t``, let a *rollout policy* complete it ``K`` times, and average the discriminator's
probability that the completions are real. Once the sentence is finished (its ``<eos>``, or its
last position) the reward is the discriminator's probability on the sentence itself.

- :func:`complete`: keep the first ``given`` tokens of each row and sample the rest.
- :func:`rollout_rewards`: the per-token rewards, float32 (batch, seq_len), 0 after ``<eos>``.
- :func:`policy_gradient_loss`: the REINFORCE loss of a batch of sampled sentences and their rewards.
- :func:`prob_real`: the discriminator's probability of real, per sentence.
- :func:`rollout_seed`: the seed of one rollout of one prefix length, to reproduce the rewards by hand.

Everything runs as TensorFlow graphs (one ``tf.while_loop`` over the ``seq_len`` steps), so the same
functions serve a notebook (eagerly, traced once and cached) and :class:`~gan_text.training.seqgan.SeqGAN`'s
compiled ``train_step``. Every row draws its own numbers (:mod:`~gan_text.training.keyed_draws`): the
``k``-th rollout of the prefixes of length ``p`` draws the numbers of ``complete(tokens, p,
seed=rollout_seed(seed, p, k))``, however the rollouts are batched. With an ``rnn`` rollout generator all of them run in one loop
that starts every rollout from the recurrent state after its prefix (one pass over the sentences gives
them all), so no prefix is read twice; a ``transformer`` has no recurrent state and re-reads its prefixes.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from keras import ops

from ..checks import whole_number
from ..errors import GanTextError, one_of
from ..models.autoregressive import NEVER_WRITTEN, seed_tensor, teacher_forcing_inputs
from ..models.language_model import token_nll
from ..vocabulary import BOS_ID, EOS_ID, PAD_ID
from .keyed_draws import inverse_cdf_sample, keyed_uniform, row_keys

BASELINES = (None, "mean")
NEVER_LOGIT = -1e9  # the logit of <pad> and <bos>, which a generator never writes (as its own)


def check_autoregressive(generator, role: str = "generator"):
    """Raise GanTextError unless ``generator`` can sample token by token (``rnn`` or ``transformer``)."""
    if not getattr(generator, "autoregressive", False):
        kind = getattr(generator, "kind", type(generator).__name__)
        raise GanTextError(f"the {role} must be an autoregressive generator (rnn or transformer), got "
                           f"{kind!r}; build one with build_generator('rnn', vocab_size, seq_len)")


def alive_mask(tokens):
    """1.0 where a position is at or before the first ``<eos>`` of its row, 0.0 after it.

    ``tokens``: int (batch, seq_len) -> float32 (batch, seq_len). Positions after ``<eos>`` get no
    reward and no gradient: the generator did not choose them (``<pad>`` is filled in).
    """
    tokens = tf.cast(tokens, tf.int32)
    is_eos = tf.cast(tf.equal(tokens, EOS_ID), tf.int32)
    eos_before = tf.cumsum(is_eos, axis=1, exclusive=True) > 0
    return tf.cast(tf.logical_not(eos_before), tf.float32)


# ---------------------------------------------------------------------------------------------------
# Graph builders (call inside a tf.function or a train_step).

def complete_graph(generator, tokens, given, seed, keys=None):
    """Keep the first ``given[i]`` tokens of row ``i`` and sample the rest (temperature 1).

    ``tokens``: int32 (n, seq_len); ``given``: int32 (n,), each in [0, seq_len]; ``seed``: int64 (2,).
    Returns int32 (n, seq_len), ``<pad>`` after the first ``<eos>``. One ``tf.while_loop`` over all
    ``n`` rows at once: at step ``t`` a row copies its own token while ``t < given`` (the generator
    still reads it, to build its state) and samples from then on; the loop stops after ``seq_len``
    steps or as soon as every row has ended with ``<eos>``. Row ``i`` draws with the key
    ``row_keys(seed, i)`` at step ``t``; ``keys`` (uint32 (n, 2)) replaces those keys (``seed`` unused).
    """
    tokens = tf.cast(tokens, tf.int32)
    given = tf.cast(given, tf.int32)
    n = tf.shape(tokens)[0]
    columns = tf.transpose(tokens)  # (seq_len, n): column t is step t's token of every row
    keys = row_keys(seed, tf.range(n)) if keys is None else keys

    def body(t, prev, finished, state, out):
        logits, state = generator.step(prev, t, state)
        sampled = inverse_cdf_sample(logits, keyed_uniform(keys, t))
        ids = tf.where(t < given, columns[t], sampled)
        ids = tf.where(finished, PAD_ID, ids)
        return t + 1, ids, finished | tf.equal(ids, EOS_ID), state, out.write(t, ids)

    def more(t, prev, finished, *_):  # stop early once every row has written its <eos>
        return (t < generator.seq_len) & ((t == 0) | tf.logical_not(tf.reduce_all(finished)))

    start = (tf.constant(0), tf.fill([n], BOS_ID), tf.zeros([n], tf.bool), generator.initial_state(n),
             tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=[None]))
    t, *_, out = tf.while_loop(more, body, start, maximum_iterations=generator.seq_len)
    out = tf.reshape(out.stack(), [t, n])  # (steps run, n); the rest is <pad>
    out = tf.pad(tf.transpose(out), [[0, 0], [0, generator.seq_len - t]], constant_values=PAD_ID)
    return tf.ensure_shape(out, [None, generator.seq_len])


def rnn_step(generator):
    """An ``rnn`` generator's :meth:`step` as ``(prev, state) -> (logits, state)``, its output layer (kernel,
    bias and the -1e9 of ``<pad>``/``<bos>``) one matrix product on ``[h, 1]``: the same logits up to float
    rounding, in one pass over the (rows, vocab_size) logits instead of three. Logits float32."""
    dense = generator.out
    never = np.zeros(generator.vocab_size, np.float32)
    never[list(NEVER_WRITTEN)] = NEVER_LOGIT
    bias = never if dense.bias is None else tf.cast(dense.bias, tf.float32) + never
    weights = tf.concat([tf.cast(dense.kernel, tf.float32), bias[None, :]], axis=0)  # (hidden_dim + 1, vocab)

    def step(prev, state):
        h, state = generator.rnn.cell(generator.embedding(prev), state)
        h = tf.concat([h, tf.ones_like(h[:, :1])], axis=1)
        return tf.cast(tf.matmul(h, tf.cast(weights, h.dtype)), tf.float32), list(state)

    return step


def continue_graph(generator, tokens, rows, given, keys):
    """``complete_graph(generator, tokens[rows], given, keys=keys)`` for an ``rnn`` generator, without
    re-reading the prefixes: the same tokens, up to float rounding.

    ``tokens``: int32 (batch, seq_len); ``rows``: int32 (n,), the sentence each completion continues;
    ``given``: int32 (n,) in [1, seq_len - 1], none past its row's first ``<eos>``; ``keys``: uint32 (n, 2).
    One pass of the generator over ``tokens`` gives the state after every prefix and the logits of the
    token after it, from which every completion draws its first token (completions of one prefix share
    the logits). One loop then continues all completions from their states, completion ``i`` at step
    ``given[i] + s`` of its sentence in iteration ``s``, and keeps only those still running (no
    ``<eos>`` yet, steps left), so its cost is the number of tokens sampled. Returns int32 (n, seq_len).
    """
    tokens = tf.cast(tokens, tf.int32)
    seq_len, batch, n = generator.seq_len, tf.shape(tokens)[0], tf.shape(rows)[0]
    step, inputs = rnn_step(generator), teacher_forcing_inputs(tokens)
    state, after, first = generator.initial_state(batch), [], []
    for t in range(seq_len):  # after[t]: the state after reading inputs[:, :t + 1]; first[t]: token t's logits
        logits, state = step(inputs[:, t], state)
        after.append(state)
        first.append(logits)
    first = tf.reshape(tf.stack(first[1:]), [(seq_len - 1) * batch, generator.vocab_size])
    sampled = inverse_cdf_sample(first, keyed_uniform(keys, given), (given - 1) * batch + rows)
    keep = tf.not_equal(sampled, EOS_ID) & (given + 1 < seq_len)
    live = tf.boolean_mask(tf.range(n), keep)
    where = tf.stack([tf.gather(given, live), tf.gather(rows, live)], axis=1)
    state = [tf.gather_nd(tf.stack([s[j] for s in after]), where) for j in range(len(after[0]))]

    def body(s, live, prev, state, places, ids):
        t = tf.gather(given, live) + s  # the step of every running completion in its sentence
        logits, state = step(prev, state)
        sampled = inverse_cdf_sample(logits, keyed_uniform(tf.gather(keys, live), t))
        places, ids = places.write(s, live * seq_len + t), ids.write(s, sampled)
        keep = tf.not_equal(sampled, EOS_ID) & (t + 1 < seq_len)
        return (s + 1, tf.boolean_mask(live, keep), tf.boolean_mask(sampled, keep),
                [tf.boolean_mask(x, keep) for x in state], places, ids)

    places, ids = (tf.TensorArray(tf.int32, size=0, dynamic_size=True, infer_shape=False, element_shape=[None])
                   .write(0, first_written) for first_written in (tf.range(n) * seq_len + given, sampled))
    start = (tf.constant(1), live, tf.boolean_mask(sampled, keep), state, places, ids)
    invariants = (tf.TensorShape([]), tf.TensorShape([None]), tf.TensorShape([None]),
                  [tf.TensorShape([None, x.shape[-1]]) for x in state], tf.TensorShape(None), tf.TensorShape(None))
    *_, places, ids = tf.while_loop(lambda s, live, *_: tf.size(live) > 0, body, start,
                                    shape_invariants=invariants, maximum_iterations=seq_len)
    kept = tf.where(tf.range(seq_len)[None, :] < given[:, None], tf.gather(tokens, rows), PAD_ID)
    out = tf.dynamic_stitch([tf.range(n * seq_len), places.concat()], [tf.reshape(kept, [-1]), ids.concat()])
    return tf.reshape(out, [n, seq_len])


def sample_graph(generator, batch_size, seed):
    """``batch_size`` (int or scalar int tensor) fresh sentences, int32 (batch_size, seq_len)."""
    zeros = tf.zeros([batch_size, generator.seq_len], tf.int32)
    return complete_graph(generator, zeros, tf.zeros([batch_size], tf.int32), seed)


def prob_real(discriminator, tokens, training=False):
    """The discriminator's probability that each sentence is real: float32 (n,), in [0, 1].

    ``sigmoid`` of its logits; a discriminator with several logits per sentence (``seed``: one per
    step, ``relgan``: one per representation) gives the mean of their probabilities.
    """
    logits = discriminator(tf.cast(tokens, tf.int32), training=training)
    logits = tf.reshape(tf.cast(logits, tf.float32), [tf.shape(tokens)[0], -1])
    return tf.reduce_mean(tf.sigmoid(logits), axis=1)


def rollout_seed(seed, given, rollout):
    """The seed of the ``rollout``-th completion of the prefixes of length ``given``: int64 (..., 2).

    ``seed``: int64 (2,), the seed of a rewards call; ``given``, ``rollout``: ints or int tensors of one
    shape. :func:`rollout_rewards` draws completion ``k`` of prefix length ``p`` exactly as
    ``complete(rollout_generator, tokens, p, seed=rollout_seed(seed, p, k))`` does.
    """
    seed = tf.cast(seed, tf.int64)
    given, rollout = tf.cast(given, tf.int64), tf.cast(rollout, tf.int64)
    mixed = tf.cast(row_keys(seed, tf.reshape(given, [-1]), tf.reshape(rollout, [-1])), tf.int64)
    second = tf.reshape(mixed[:, 0] + mixed[:, 1] % 2 ** 31 * 2 ** 32, tf.shape(given))  # 63 bits
    return tf.stack([tf.broadcast_to(seed[0], tf.shape(given)), second], axis=-1)


def rewards_graph(rollout_generator, discriminator, tokens, num_rollouts: int, seed):
    """The body of :func:`rollout_rewards` as graph ops; ``num_rollouts`` a Python int.

    Only prefixes that do not yet contain ``<eos>`` are rolled out: a prefix that ends with (or
    after) the ``<eos>`` is already a finished sentence, whose every completion is the sentence itself,
    so its reward is the discriminator's probability on the sentence, computed once, exactly. On
    sentences of mean length ``m`` it runs ``(m - 1) / (seq_len - 1)`` of the naive number of completions.
    An ``rnn`` rollout generator continues every completion from the state after its prefix
    (:func:`continue_graph`); any other re-reads the prefixes (:func:`complete_graph`).
    """
    tokens = tf.cast(tokens, tf.int32)
    seq_len = rollout_generator.seq_len
    batch = tf.shape(tokens)[0]
    alive = alive_mask(tokens)
    length = tf.cast(tf.reduce_sum(alive, axis=1), tf.int32)  # tokens up to and including <eos>
    # Grid of rollouts (prefix length p = 1..seq_len-1, rollout k, sentence b); keep those with p < length.
    grid = [seq_len - 1, num_rollouts, batch]
    needed = tf.reshape(tf.broadcast_to(tf.range(1, seq_len)[:, None, None] < length[None, None, :], grid), [-1])
    rows = tf.cast(tf.where(needed)[:, 0], tf.int32)  # flat grid indices of the rollouts to run
    given, rollout, sentence = rows // (num_rollouts * batch) + 1, rows // batch % num_rollouts, rows % batch
    keys = row_keys(rollout_seed(seed, given, rollout), sentence)  # those of complete(..., rollout_seed(...))
    if getattr(rollout_generator, "kind", None) == "rnn":
        completed = continue_graph(rollout_generator, tokens, sentence, given, keys)
    else:
        completed = complete_graph(rollout_generator, tf.gather(tokens, sentence), given, seed, keys=keys)
    size = tf.reduce_prod(grid)
    probs = tf.dynamic_stitch([tf.range(size), rows],  # back on the grid, 0 where not rolled out
                              [tf.zeros([size]), prob_real(discriminator, completed)])
    partial = tf.transpose(tf.reduce_mean(tf.reshape(probs, grid), axis=1))  # (batch, seq_len - 1)
    partial = tf.pad(partial, [[0, 0], [0, 1]])
    finished = tf.range(seq_len)[None, :] >= (length - 1)[:, None]  # the <eos> (or last) position onward
    final = prob_real(discriminator, tokens)[:, None]  # (batch, 1): the finished sentence
    return tf.where(finished, final, partial) * alive


# ---------------------------------------------------------------------------------------------------
# Eager entry points: check the arguments, then run a traced graph (cached per model and option).

@tf.function(reduce_retracing=True)
def _complete_fn(generator, tokens, given, seed):
    return complete_graph(generator, tokens, given, seed)


@tf.function(reduce_retracing=True)
def _rewards_fn(rollout_generator, discriminator, tokens, num_rollouts, seed):
    return rewards_graph(rollout_generator, discriminator, tokens, num_rollouts, seed)


def _check_tokens(tokens, seq_len: int):
    array = tokens.numpy() if tf.is_tensor(tokens) else np.asarray(tokens)
    if array.ndim != 2 or array.shape[1] != seq_len or not np.issubdtype(array.dtype, np.integer) \
            or array.shape[0] == 0:
        raise GanTextError(f"tokens must be int token ids of shape (batch, {seq_len}), got {array.shape} "
                           f"{array.dtype}; pass generator.sample(batch) or a batch of prepared tokens")
    return tf.constant(array, tf.int32)


def complete(generator, tokens, given, seed=None):
    """Complete sentences by sampling: keep the first ``given`` tokens of each row, sample the rest.

    This is one Monte-Carlo rollout. ``tokens``: int (batch, seq_len); ``given``: an int in
    [0, seq_len] or an int array (batch,) of them (0 samples a whole new sentence, ``seq_len`` keeps
    the row). Sampling uses temperature 1. ``seed``: an int, a ``keras.random.SeedGenerator`` or None
    (the generator's own). Returns int32 (batch, seq_len), ``<pad>`` after the first ``<eos>``.
    """
    check_autoregressive(generator)
    tokens = _check_tokens(tokens, generator.seq_len)
    given = np.broadcast_to(np.asarray(given), (tokens.shape[0],))
    if not np.issubdtype(given.dtype, np.integer) or given.min() < 0 or given.max() > generator.seq_len:
        raise GanTextError(f"given must be whole numbers in [0, {generator.seq_len}] (how many tokens to "
                           f"keep), got {given.tolist()}; pass e.g. given=3")
    return _complete_fn(generator, tokens, tf.constant(given, tf.int32),
                        seed_tensor(seed, generator.seed_generator))


def rollout_rewards(generator, rollout_generator, discriminator, tokens, num_rollouts: int = 8, seed=None):
    """Per-token rewards of sampled sentences by Monte-Carlo rollouts: float32 tensor (batch, seq_len).

    For the token at position ``t`` (0-based) with ``t < seq_len - 1``: keep ``tokens[:, :t + 1]``,
    complete it ``num_rollouts`` times with ``rollout_generator`` (sampling, temperature 1) and average
    the discriminator's probability of real (``sigmoid`` of its logit) over the completions. At the
    first ``<eos>`` (or the last position) the sentence is finished and the reward is the
    discriminator's probability on ``tokens`` itself. Positions after the first ``<eos>`` get 0.
    Every reward lies in [0, 1].

    ``generator``: the policy being trained; it completes the rollouts when ``rollout_generator`` is
    None (SeqGAN uses a lagged copy, see :class:`~gan_text.training.seqgan.SeqGAN`).
    ``discriminator``: any discriminator returning logits, run with ``training=False`` (no dropout).
    ``tokens``: int (batch, seq_len). ``seed``: an int (the same rewards every call), a
    ``keras.random.SeedGenerator``, or None (the rollout generator's own SeedGenerator).

    The ``k``-th completion of the prefixes of length ``p`` draws the numbers of
    ``complete(rollout_generator, tokens, p, seed=rollout_seed(seed, p, k))``, so a plain loop over
    ``p`` and ``k`` gives the same rewards, up to float rounding (tested).

    Cost: up to ``num_rollouts * (seq_len - 1)`` completions of every sentence, i.e. up to
    ``batch * num_rollouts * (seq_len - 1)`` rows run through the discriminator and the generator (all
    rows in one loop). An ``rnn`` rollout generator runs each completion only from its prefix on (one
    pass over the batch gives every prefix's state), about half the steps of re-reading the prefixes
    as a ``transformer`` does. Only prefixes without ``<eos>`` are rolled out, so a sentence of ``m``
    tokens costs ``num_rollouts * (m - 1)`` completions.
    """
    check_autoregressive(generator)
    rollout_generator = generator if rollout_generator is None else rollout_generator
    check_autoregressive(rollout_generator, "rollout generator")
    num_rollouts = whole_number("num_rollouts", num_rollouts)
    sizes = {"generator": (generator.vocab_size, generator.seq_len),
             "rollout generator": (rollout_generator.vocab_size, rollout_generator.seq_len),
             "discriminator": (discriminator.vocab_size, discriminator.seq_len)}
    if len(set(sizes.values())) != 1:
        raise GanTextError("the models disagree on (vocab_size, seq_len): " +
                           ", ".join(f"{k} {v}" for k, v in sizes.items()) +
                           "; build them all for the same prepared data")
    tokens = _check_tokens(tokens, generator.seq_len)
    return _rewards_fn(rollout_generator, discriminator, tokens, num_rollouts,
                       seed_tensor(seed, rollout_generator.seed_generator))


def policy_gradient_loss(generator, tokens, rewards, baseline: str | None = None, training: bool = False):
    """The REINFORCE loss ``-mean_b sum_t log p(y_t | y_<t) * (reward_t - b_t)``: a float32 scalar.

    ``tokens``: int (batch, seq_len) sentences the generator sampled; ``rewards``: float (batch,
    seq_len), e.g. from :func:`rollout_rewards` (treated as constants: no gradient flows into them).
    Positions after ``<eos>`` (``<pad>``) count for nothing. ``baseline``: None (SeqGAN's choice:
    ``b_t = 0``) or ``"mean"`` (``b_t`` = the batch's mean reward at position ``t``, over the rows
    still alive there; it leaves the expected gradient unchanged, up to a 1/batch bias, and lowers
    its variance, so tokens better than their batch are pushed up and worse ones down).
    Minimising it with gradient descent is gradient *ascent* on the expected reward. ``training``
    is False by default: sampling never uses dropout, so the log-probabilities are those of the very
    policy that wrote ``tokens``.
    """
    if baseline not in BASELINES:
        raise one_of("baseline", baseline, BASELINES)
    tokens = ops.cast(tokens, "int32")
    logits = generator(teacher_forcing_inputs(tokens), training=training)
    nll, mask = token_nll(tokens, logits)  # -log p(y_t | y_<t), 0 on <pad>
    rewards = tf.stop_gradient(tf.cast(rewards, tf.float32)) * mask
    if baseline == "mean":
        mean = tf.reduce_sum(rewards, axis=0) / tf.maximum(tf.reduce_sum(mask, axis=0), 1.0)
        rewards = (rewards - mean[None, :]) * mask
    return tf.reduce_mean(tf.reduce_sum(nll * rewards, axis=1))


__all__ = ["BASELINES", "alive_mask", "complete", "policy_gradient_loss", "prob_real", "rollout_rewards",
           "rollout_seed"]
