"""Steps per second of the ``seed`` recipe: the original naive Keras loop against our compiled ``train_step``.

Run from the repository root::

    python benchmarks/seed_loop_speed.py                      # vocab 5000, seq_len 20, batch 64, LSTM 128
    python benchmarks/seed_loop_speed.py --xla --rounds 7     # also time jit_compile=True

One step = the discriminator trained on a real batch and on a fake batch, then the generator trained
once, on the same models (``seed`` generator and discriminator, ``--hidden-dim`` wide LSTMs, embedding
``--emb-dim``) and the same math (binary cross-entropy on logits, Adam(2e-4, beta_1=0.5)):

- ``naive``: the original loop, the Keras 2 idiom. The real batch made one-hot with
  :func:`gan_text.dataset.to_onehot`, fakes made with ``generator.predict(noise)``, then
  ``discriminator.train_on_batch(real_onehot, ones)``, ``discriminator.train_on_batch(fake, zeros)``
  and ``combined.train_on_batch(noise, ones)``, where ``combined = discriminator(generator(z))`` was
  compiled while ``discriminator.trainable = False``; ``trainable`` is toggled back to True before each
  discriminator call, as the Keras 2 tutorials did. A second row makes the one-hot batch only once,
  outside the timing: the naive loop's best case.
- ``compiled``: :class:`gan_text.training.textgan.TextGAN` with ``split_d_update=True`` trained by
  ``fit`` on the integer batch: one graph per step, the real batch read by an embedding lookup.
- ``compiled+xla`` (with ``--xla``): the same with ``jit_compile=True``.

Timing: all variants in one process, a warm-up first (tracing), then ``--rounds`` rounds in which each
variant runs ``--steps`` steps in turn (alternating, so that a busy machine slows them alike); the
median over rounds is reported (and the best round, less sensitive to other work on the machine). Correctness: from identical weights and identical noise, the naive
and compiled loops run ``--check-steps`` steps and their outputs (generator probabilities, and the
discriminator's logits) must agree to 1e-5. The script also checks what the Keras 2 idiom does
WITHOUT the toggling: under Keras 3 the discriminator's ``train_on_batch``, traced while frozen, never
changes its weights. Last, a breakdown of one compiled step into its parts says where the time goes.

This is the only file of the project allowed to use ``trainable = False`` with ``train_on_batch``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_text.dataset import to_onehot  # noqa: E402
from gan_text.models import build_discriminator, build_generator  # noqa: E402
from gan_text.training.textgan import TextGAN, replica_seed  # noqa: E402
from gan_text.vocabulary import EOS_ID  # noqa: E402

LR, BETA_1, SEED = 2e-4, 0.5, 0


def make_models(args):
    generator = build_generator("seed", args.vocab_size, args.seq_len, noise_dim=args.noise_dim,
                                hidden_dim=args.hidden_dim)
    discriminator = build_discriminator("seed", args.vocab_size, args.seq_len, emb_dim=args.emb_dim,
                                        hidden_dim=args.hidden_dim)
    return generator, discriminator


def real_batch(args) -> np.ndarray:
    """A fixed int32 batch (batch_size, seq_len) of word ids ending in <eos> (speed does not depend on it)."""
    rng = np.random.default_rng(0)
    tokens = rng.integers(4, args.vocab_size, size=(args.batch_size, args.seq_len)).astype(np.int32)
    tokens[:, -1] = EOS_ID
    return tokens


def bce():
    return keras.losses.BinaryCrossentropy(from_logits=True)


def adam():
    return keras.optimizers.Adam(LR, beta_1=BETA_1)


# --- the naive loop (the original, Keras 2 style) ---------------------------------------------------------

class NaiveLoop:
    """The original loop: predict(), two train_on_batch for D, one for the frozen-D combined model."""

    def __init__(self, generator, discriminator, args, toggle: bool = True):
        self.generator, self.discriminator, self.toggle = generator, discriminator, toggle
        discriminator.compile(optimizer=adam(), loss=bce())
        discriminator.trainable = False  # the Keras 2 idiom: freeze D inside the combined model
        z = keras.Input((args.noise_dim,))
        self.combined = keras.Model(z, discriminator(generator(z)))
        self.combined.compile(optimizer=adam(), loss=bce())
        shape = (args.batch_size, args.seq_len, 1)
        self.ones, self.zeros = np.ones(shape, np.float32), np.zeros(shape, np.float32)

    def step(self, real_onehot, noise_d, noise_g):
        fake = self.generator.predict(noise_d, verbose=0)
        if self.toggle:
            self.discriminator.trainable = True
        d_real = self.discriminator.train_on_batch(real_onehot, self.ones)
        d_fake = self.discriminator.train_on_batch(fake, self.zeros)
        if self.toggle:
            self.discriminator.trainable = False
        g_loss = self.combined.train_on_batch(noise_g, self.ones)
        return d_real + d_fake, g_loss


def noise_stream(args):
    """The noise TextGAN draws (same SeedGenerator, same order): one batch for D, one for G, per step."""
    seed_generator = keras.random.SeedGenerator(SEED)

    def draw():
        return tf.random.stateless_normal((args.batch_size, args.noise_dim),
                                          seed=replica_seed(seed_generator)).numpy()

    return draw


def compiled_gan(generator, discriminator, jit_compile=False):
    gan = TextGAN(generator, discriminator, loss="non_saturating", split_d_update=True, seed=SEED)
    gan.compile(d_optimizer=adam(), g_optimizer=adam(), jit_compile=jit_compile)
    return gan


# --- checks ------------------------------------------------------------------------------------------

def check_equal(args, tokens) -> dict:
    """Same weights, same noise, ``check_steps`` steps each way: max |difference| of the outputs."""
    generator, discriminator = make_models(args)
    naive_g, naive_d = make_models(args)
    naive_g.set_weights(generator.get_weights())
    naive_d.set_weights(discriminator.get_weights())
    gan = compiled_gan(generator, discriminator)
    naive = NaiveLoop(naive_g, naive_d, args)
    draw = noise_stream(args)
    onehot = to_onehot(tokens, args.vocab_size)
    for _ in range(args.check_steps):
        naive.step(onehot, draw(), draw())
    gan.fit(tf.data.Dataset.from_tensors(tokens).repeat(), steps_per_epoch=args.check_steps, verbose=0)
    probe_noise = np.random.default_rng(1).standard_normal((args.batch_size, args.noise_dim)).astype(np.float32)
    diffs = {
        "generator probabilities": np.abs(naive_g(probe_noise, training=False).numpy()
                                          - generator(probe_noise, training=False).numpy()).max(),
        "discriminator logits": np.abs(naive_d(onehot, training=False).numpy()
                                       - discriminator(tokens, training=False).numpy()).max(),
        "largest weight": max(np.abs(a - b).max() for a, b in zip(
            naive_g.get_weights() + naive_d.get_weights(),
            generator.get_weights() + discriminator.get_weights(), strict=True)),
    }
    return {name: float(value) for name, value in diffs.items()}


def frozen_idiom_trains_d(args, tokens) -> bool:
    """The Keras 2 idiom WITHOUT toggling: does D's train_on_batch change D's weights under Keras 3?"""
    generator, discriminator = make_models(args)
    naive = NaiveLoop(generator, discriminator, args, toggle=False)
    before = [w.copy() for w in discriminator.get_weights()]
    draw = noise_stream(args)
    naive.step(to_onehot(tokens, args.vocab_size), draw(), draw())
    return any(not np.array_equal(a, b) for a, b in zip(before, discriminator.get_weights(), strict=True))


# --- timing ------------------------------------------------------------------------------------------------

def time_variants(args, tokens) -> pd.DataFrame:
    draw = noise_stream(args)
    noises = [draw() for _ in range(2 * args.steps)]
    dataset = tf.data.Dataset.from_tensors(tokens).repeat()
    onehot_once = to_onehot(tokens, args.vocab_size)
    runners = {}

    g, d = make_models(args)
    naive = NaiveLoop(g, d, args)

    def run_naive(onehot_each_step):
        for i in range(args.steps):
            real = to_onehot(tokens, args.vocab_size) if onehot_each_step else onehot_once
            naive.step(real, noises[2 * i], noises[2 * i + 1])

    runners["naive, real batch made one-hot each step"] = lambda: run_naive(True)
    runners["naive, real one-hot made once (untimed)"] = lambda: run_naive(False)
    variants = [("compiled train_step (fit)", False)] + ([("compiled + XLA (fit)", True)] if args.xla else [])
    for label, jit in variants:
        gan = compiled_gan(*make_models(args), jit_compile=jit)
        runners[label] = lambda gan=gan: gan.fit(dataset, steps_per_epoch=args.steps, verbose=0)

    for run in runners.values():  # warm-up: tracing and first-call costs
        for _ in range(args.warmup):
            run()
    seconds = {label: [] for label in runners}
    for _ in range(args.rounds):
        for label, run in runners.items():
            start = time.perf_counter()
            run()
            seconds[label].append(time.perf_counter() - start)
    medians = {label: args.steps / statistics.median(times) for label, times in seconds.items()}
    first, second = list(medians.values())[:2]
    rows = []
    for label, rate in medians.items():
        rows.append({"loop": label, "steps/s": round(rate, 2), "ms/step": round(1000 / rate, 1),
                     "best ms/step": round(1000 * min(seconds[label]) / args.steps, 1),
                     "speed-up": round(rate / first, 2), "vs one-hot once": round(rate / second, 2)})
    return pd.DataFrame(rows)


def breakdown(args, tokens) -> pd.DataFrame:
    """Milliseconds of each part of one compiled step, each part timed alone as its own graph."""
    generator, discriminator = make_models(args)
    gan = compiled_gan(generator, discriminator)
    real = tf.constant(tokens)
    onehot = tf.constant(to_onehot(tokens, args.vocab_size))
    noise = tf.random.normal((args.batch_size, args.noise_dim), seed=1)
    fake = generator(noise, training=False)
    d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables
    d_opt, g_opt = gan.d_optimizer, gan.g_optimizer

    def d_grad(inputs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(discriminator(inputs, training=True))
        return tape.gradient(loss, d_vars)

    def g_grad():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(discriminator(generator(noise, training=True), training=False))
        return tape.gradient(loss, g_vars)

    d_grads, g_grads = d_grad(fake), g_grad()  # fixed gradients for timing the updates alone
    parts = {
        "generator forward (fakes for D)": lambda: generator(noise, training=False),
        "  of which the softmax layer (hidden -> vocab)": lambda: generator.out(
            tf.zeros((args.batch_size, args.seq_len, args.hidden_dim))),
        "D forward+backward, real int tokens (lookup)": lambda: d_grad(real),
        "D forward+backward, real one-hot (matmul)": lambda: d_grad(onehot),
        "D forward+backward, fake soft (matmul)": lambda: d_grad(fake),
        "G forward+backward through D": g_grad,
        "Adam update of D alone (x2 per step)": lambda: d_opt.apply(d_grads, d_vars),
        "Adam update of G alone": lambda: g_opt.apply(g_grads, g_vars),
        "whole compiled step": lambda: gan.train_step(real),
    }
    rows = []
    for label, fn in parts.items():
        graph = tf.function(fn)
        for _ in range(3):
            tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, graph())
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, graph())
            times.append(time.perf_counter() - start)
        rows.append({"part": label, "ms": round(1000 * statistics.median(times), 2)})
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocab-size", type=int, default=5000)
    parser.add_argument("--seq-len", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--hidden-dim", type=int, default=128, help="LSTM width of G and D")
    parser.add_argument("--emb-dim", type=int, default=128, help="D's input projection width")
    parser.add_argument("--noise-dim", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="steps per timed run")
    parser.add_argument("--rounds", type=int, default=7, help="alternating timed runs per variant")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per variant first")
    parser.add_argument("--check-steps", type=int, default=3, help="steps of the equality check")
    parser.add_argument("--repeats", type=int, default=20, help="calls per part in the breakdown")
    parser.add_argument("--xla", action="store_true", help="also time jit_compile=True")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(SEED)  # (no op determinism: with it, Keras turns XLA off)
    tokens = real_batch(args)
    print(f"seed recipe, vocab {args.vocab_size}, seq_len {args.seq_len}, batch {args.batch_size}, "
          f"LSTM {args.hidden_dim}, emb {args.emb_dim}, noise {args.noise_dim}; TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}, {os.cpu_count()} CPUs\n")
    diffs = check_equal(args, tokens)
    print(f"same math: after {args.check_steps} steps from the same weights and noise, max |naive - compiled|:")
    for name, value in diffs.items():
        print(f"  {name:<26} {value:.2e}  {'ok' if value <= 1e-5 else 'DIFFERENT'}")
    print(f"\nKeras 2 idiom without toggling (D frozen before its first train_on_batch): D's weights "
          f"{'change' if frozen_idiom_trains_d(args, tokens) else 'NEVER change: D silently does not train'}\n")
    with pd.option_context("display.width", 120):
        print(time_variants(args, tokens).to_string(index=False))
        print("\nwhere one compiled step's time goes (each part timed alone, median ms):")
        print(breakdown(args, tokens).to_string(index=False))


if __name__ == "__main__":
    main()
