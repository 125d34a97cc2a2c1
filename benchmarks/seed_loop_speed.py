"""Steps per second of the ``seed`` recipe: the original naive Keras loop against our compiled ``train_step``.

Run from the repository root::

    python benchmarks/seed_loop_speed.py                      # vocab 5000, seq_len 20, batch 64, LSTM 128
    python benchmarks/seed_loop_speed.py --xla --rounds 9     # also time jit_compile=True
    python benchmarks/seed_loop_speed.py --steps-per-execution 10   # also time 10 steps per graph call
    python benchmarks/seed_loop_speed.py --intra-op 2 --inter-op 1  # TensorFlow's thread pools (both loops)
    python benchmarks/seed_loop_speed.py --quick              # tiny sizes: checks that the script runs

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
- ``compiled``: :class:`gan_text.training.split_update.SplitUpdateGAN` (the seed recipe's GAN) trained by
  ``fit`` on the integer batch: one graph per step, the real batch read by an embedding lookup.
- ``compiled, N steps per call`` (with ``--steps-per-execution N``): the same graph run N times per
  call from Python (``compile(steps_per_execution=N)``), which removes the per-step Python overhead.
- ``compiled + XLA`` (with ``--xla``): the same with ``jit_compile=True``.

Timing: all variants in one process, a warm-up first (tracing), then ``--rounds`` rounds in which each
variant runs ``--steps`` steps in turn (alternating, so that a busy machine slows them alike). The table
gives the median over rounds, the best round (less sensitive to other work on the machine) and two
speed-ups over the first row: the ratio of the medians, and the median of the per-round ratios (each
round's variants ran back to back, so this one cancels slow drifts of the machine's load).
``--intra-op`` / ``--inter-op`` set TensorFlow's thread pools before anything runs: they apply to both
loops alike. Correctness: from identical weights and identical noise, the naive and each compiled loop
run ``--check-steps`` steps and their outputs (generator probabilities, and the discriminator's logits)
must agree to 1e-5. Fusing the discriminator's two updates into one (plain ``TextGAN``: one
update on the real + fake loss) would save work but is other math (the fake batch is then scored by the
weights before the real batch's update, not after): the script prints how far it lands from the naive
loop. It also checks what the Keras 2 idiom does WITHOUT the toggling: under Keras 3 the
discriminator's ``train_on_batch``, traced while frozen, never changes its weights.

Last, where one compiled step's time goes: each part of the step timed alone as its own graph (median
of ``--repeats`` calls), then the step's work grouped by kind (the eight matrix products with a
vocabulary-sized side, the LSTM passes, the softmax layer's element-wise work, Adam), each kind's time
being (one call timed alone) x (calls per step).

In Python (``benchmarks/speed_report.py`` does this)::

    import seed_loop_speed
    result = seed_loop_speed.measure(seed_loop_speed.parse_args(["--rounds", "9"]))
    result["speedup"]          # median naive (one-hot each step) time / median compiled time

The naive loop itself is :class:`gan_text.training.keras2_idiom.Keras2Loop`, the only module of the project
that uses ``trainable = False`` with ``train_on_batch``; notebook 04 runs its check on the course's models.
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
from gan_text.training.distribute import replica_seed  # noqa: E402
from gan_text.training.keras2_idiom import BETA_1, LEARNING_RATE, Keras2Loop, frozen_idiom_check  # noqa: E402
from gan_text.training.split_update import SplitUpdateGAN  # noqa: E402
from gan_text.training.textgan import TextGAN  # noqa: E402
from gan_text.vocabulary import EOS_ID  # noqa: E402

LR, SEED = LEARNING_RATE, 0  # Adam(2e-4, beta_1=0.5), as the Keras 2 loop
TOLERANCE = 1e-5  # "same math": largest allowed |naive - compiled| after check_steps steps
NAIVE, NAIVE_ONCE, COMPILED = ("naive, real batch made one-hot each step",
                               "naive, real one-hot made once (untimed)", "compiled train_step (fit)")
QUICK = {"vocab_size": 60, "seq_len": 6, "batch_size": 8, "hidden_dim": 8, "emb_dim": 8, "noise_dim": 8,
         "steps": 2, "rounds": 2, "warmup": 1, "check_steps": 3, "repeats": 2}


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


def adam():
    return keras.optimizers.Adam(LR, beta_1=BETA_1)


# --- the naive loop (the original, Keras 2 style): gan_text.training.keras2_idiom.Keras2Loop -------------

def naive_loop(generator, discriminator, toggle: bool = True) -> Keras2Loop:
    """The original loop on these models: predict(), two train_on_batch for D, one for the frozen-D model."""
    return Keras2Loop(generator, discriminator, toggle=toggle, learning_rate=LR, beta_1=BETA_1)


def noise_stream(args):
    """The noise TextGAN draws (same SeedGenerator, same order): one batch for D, one for G, per step."""
    seed_generator = keras.random.SeedGenerator(SEED)

    def draw():
        return tf.random.stateless_normal((args.batch_size, args.noise_dim),
                                          seed=replica_seed(seed_generator)).numpy()

    return draw


def compiled_gan(generator, discriminator, jit_compile=False, steps_per_execution=1, split_d_update=True):
    cls = SplitUpdateGAN if split_d_update else TextGAN  # the original loop's two D updates, or one fused
    gan = cls(generator, discriminator, loss="non_saturating", seed=SEED)
    gan.compile(d_optimizer=adam(), g_optimizer=adam(), jit_compile=jit_compile,
                steps_per_execution=steps_per_execution)
    return gan


def compiled_variants(args) -> dict[str, dict]:
    """The compiled variants to time: label -> keywords of :func:`compiled_gan`."""
    variants = {COMPILED: {}}
    if args.steps_per_execution > 1:
        variants[f"compiled, {args.steps_per_execution} steps per call (fit)"] = {
            "steps_per_execution": args.steps_per_execution}
    if args.xla:
        variants["compiled + XLA (fit)"] = {"jit_compile": True}
    return variants


# --- checks ------------------------------------------------------------------------------------------

def check_equal(args, tokens, **compile_options) -> dict:
    """Same weights, same noise, ``check_steps`` steps each way: max |difference| of the outputs.

    With ``steps_per_execution=N`` every call runs N steps, so both loops run ``check_steps`` rounded
    up to a multiple of N.
    """
    steps = check_steps(args, compile_options)
    generator, discriminator = make_models(args)
    naive_g, naive_d = make_models(args)
    naive_g.set_weights(generator.get_weights())
    naive_d.set_weights(discriminator.get_weights())
    gan = compiled_gan(generator, discriminator, **compile_options)
    naive = naive_loop(naive_g, naive_d)
    draw = noise_stream(args)
    onehot = to_onehot(tokens, args.vocab_size)
    for _ in range(steps):
        naive.step(onehot, draw(), draw())
    gan.fit(tf.data.Dataset.from_tensors(tokens).repeat(), steps_per_epoch=steps, verbose=0)
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


def check_steps(args, compile_options: dict) -> int:
    """``--check-steps`` rounded up to a multiple of the variant's steps per execution."""
    per_call = compile_options.get("steps_per_execution", 1)
    return -(-args.check_steps // per_call) * per_call


def frozen_idiom_trains_d(args, tokens) -> bool:
    """The Keras 2 idiom WITHOUT toggling: does D's train_on_batch change D's weights under Keras 3?
    (:func:`gan_text.training.keras2_idiom.frozen_idiom_check`, which notebook 04 runs too.)"""
    return frozen_idiom_check(*make_models(args), tokens, toggle=False, seed=SEED).d_moved


# --- timing ------------------------------------------------------------------------------------------------

def time_rounds(runners: dict, rounds: int, warmup: int) -> dict[str, list[float]]:
    """Seconds of each runner per round: ``warmup`` untimed calls each, then ``rounds`` alternating rounds."""
    for run in runners.values():  # warm-up: tracing and first-call costs
        for _ in range(warmup):
            run()
    seconds = {label: [] for label in runners}
    for _ in range(rounds):
        for label, run in runners.items():
            start = time.perf_counter()
            run()
            seconds[label].append(time.perf_counter() - start)
    return seconds


def speed_table(seconds: dict[str, list[float]], steps: int) -> pd.DataFrame:
    """One row per runner: steps/s and ms/step (median round), best ms/step, speed-ups over rows 1 and 2.

    ``speed-up``: the first row's median time / this row's; ``paired``: the median over rounds of the
    same ratio taken within each round; ``vs one-hot once``: over the second row's median time.
    """
    labels = list(seconds)
    first, second = seconds[labels[0]], seconds[labels[min(1, len(labels) - 1)]]
    rows = []
    for label, times in seconds.items():
        median = statistics.median(times)
        paired = statistics.median(a / b for a, b in zip(first, times, strict=True))
        rows.append({"loop": label, "steps/s": round(steps / median, 2), "ms/step": round(1000 * median / steps, 1),
                     "best ms/step": round(1000 * min(times) / steps, 1),
                     "speed-up": round(statistics.median(first) / median, 2), "paired": round(paired, 2),
                     "vs one-hot once": round(statistics.median(second) / median, 2)})
    return pd.DataFrame(rows)


def time_variants(args, tokens) -> pd.DataFrame:
    """The speed table of the naive rows and every compiled variant (see :func:`speed_table`)."""
    draw = noise_stream(args)
    noises = [draw() for _ in range(2 * args.steps)]
    dataset = tf.data.Dataset.from_tensors(tokens).repeat()
    onehot_once = to_onehot(tokens, args.vocab_size)
    naive = naive_loop(*make_models(args))

    def run_naive(onehot_each_step):
        for i in range(args.steps):
            real = to_onehot(tokens, args.vocab_size) if onehot_each_step else onehot_once
            naive.step(real, noises[2 * i], noises[2 * i + 1])

    runners = {NAIVE: lambda: run_naive(True), NAIVE_ONCE: lambda: run_naive(False)}
    for label, options in compiled_variants(args).items():
        gan = compiled_gan(*make_models(args), **options)
        runners[label] = lambda gan=gan: gan.fit(dataset, steps_per_epoch=args.steps, verbose=0)
    return speed_table(time_rounds(runners, args.rounds, args.warmup), args.steps)


# --- where the time goes ------------------------------------------------------------------------------------

def median_ms(fn, repeats: int) -> float:
    """Median milliseconds of ``fn`` compiled as one graph (three untimed calls first); results fetched."""
    graph = tf.function(fn)

    def call():
        tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, graph())

    for _ in range(3):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def breakdown(args, tokens) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where one compiled step's time goes: (parts of the step, kinds of work), median milliseconds.

    Parts: each part of the step timed alone as its own graph. Kinds: one call of each kind of work timed
    alone, times the number of such calls in one step (the step runs some of them at the same time, so
    the kinds may add up to more than the whole step).
    """
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
    part_ms = {label: median_ms(fn, args.repeats) for label, fn in parts.items()}
    part_rows = pd.DataFrame({"part": list(part_ms), "ms": [round(ms, 2) for ms in part_ms.values()]})
    adam_ms = {"Adam update of D": (part_ms["Adam update of D alone (x2 per step)"], 2),
               "Adam update of G": (part_ms["Adam update of G alone"], 1)}
    return part_rows, work_kinds(args, part_ms["whole compiled step"], adam_ms)


def work_kinds(args, step_ms: float, timed: dict | None = None) -> pd.DataFrame:
    """The compiled step's work grouped by kind: ms per call (timed alone), calls per step, ms per step.

    ``timed``: more kinds already timed, {kind: (ms per call, calls per step)}.
    """
    rows_n, hidden, emb, vocab = args.batch_size * args.seq_len, args.hidden_dim, args.emb_dim, args.vocab_size
    rng = np.random.default_rng(0)

    def const(*shape):
        return tf.constant(rng.standard_normal(shape).astype(np.float32))

    soft, h, dx = tf.nn.softmax(const(rows_n, vocab)), const(rows_n, hidden), const(rows_n, emb)
    w_emb, w_out, bias = const(vocab, emb), const(hidden, vocab), const(vocab)
    d_soft = const(rows_n, vocab)
    sequence = const(args.batch_size, args.seq_len, emb)
    lstm = keras.layers.LSTM(hidden, return_sequences=True)
    lstm(sequence)

    def lstm_grad():
        with tf.GradientTape() as tape:
            tape.watch(sequence)
            out = tf.reduce_sum(lstm(sequence))
        return tape.gradient(out, [sequence, *lstm.trainable_variables])

    def softmax_grad():  # what TensorFlow computes for the softmax layer's backward pass
        return [(d_soft - tf.reduce_sum(d_soft * soft, -1, keepdims=True)) * soft]

    kinds = [  # (kind, one call, calls per step)
        ("vocab matmul: soft (rows x vocab) @ D embedding", lambda: soft @ w_emb, 2),
        ("vocab matmul: D embedding gradient soft^T @ dx", lambda: tf.matmul(soft, dx, transpose_a=True), 1),
        ("vocab matmul: dx @ D embedding^T (G update)", lambda: tf.matmul(dx, w_emb, transpose_b=True), 1),
        ("vocab matmul: G softmax layer h @ W_out", lambda: h @ w_out, 2),
        ("vocab matmul: G softmax weight gradient h^T @ dlogits",
         lambda: tf.matmul(h, d_soft, transpose_a=True), 1),
        ("vocab matmul: dlogits @ W_out^T (G update)", lambda: tf.matmul(d_soft, w_out, transpose_b=True), 1),
        ("softmax layer: bias + softmax (forward)", lambda: tf.nn.softmax(d_soft + bias), 2),
        ("softmax layer: softmax gradient", softmax_grad, 1),
        ("softmax layer: bias gradient (sum over rows)", lambda: tf.reduce_sum(d_soft, 0), 1),
        ("LSTM forward only (G for D's fakes)", lambda: lstm(sequence), 1),
        ("LSTM forward+backward (D x3, G x1)", lstm_grad, 4),
    ]
    rows = []
    for kind, fn, calls in kinds:
        ms = median_ms(fn, args.repeats)
        rows.append({"kind": kind, "ms/call": round(ms, 2), "calls/step": calls, "ms/step": round(ms * calls, 1),
                     "% of step": round(100 * ms * calls / step_ms, 1)})
    for kind, (ms, calls) in (timed or {}).items():
        rows.append({"kind": kind, "ms/call": round(ms, 2), "calls/step": calls, "ms/step": round(ms * calls, 1),
                     "% of step": round(100 * ms * calls / step_ms, 1)})
    total = sum(row["ms/step"] for row in rows)
    rows.append({"kind": "sum of the kinds above", "ms/call": np.nan, "calls/step": np.nan,
                 "ms/step": round(total, 1), "% of step": round(100 * total / step_ms, 1)})
    rows.append({"kind": "whole compiled step (timed alone)", "ms/call": round(step_ms, 2), "calls/step": 1,
                 "ms/step": round(step_ms, 1), "% of step": 100.0})
    return pd.DataFrame(rows)


# --- the whole benchmark --------------------------------------------------------------------------------------

def set_threads(args) -> None:
    """Apply ``--intra-op`` / ``--inter-op`` (0 = TensorFlow's choice) before TensorFlow runs anything."""
    if args.intra_op:
        tf.config.threading.set_intra_op_parallelism_threads(args.intra_op)
    if args.inter_op:
        tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)


def describe(args) -> str:
    threads = (f"intra-op threads {args.intra_op or 'auto'}, inter-op threads {args.inter_op or 'auto'}, "
               f"oneDNN {os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'default')}")
    return (f"seed recipe, vocab {args.vocab_size}, seq_len {args.seq_len}, batch {args.batch_size}, "
            f"LSTM {args.hidden_dim}, emb {args.emb_dim}, noise {args.noise_dim}; TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__}, {os.cpu_count()} CPUs; {threads}")


def measure(args) -> dict:
    """Run the whole benchmark for parsed ``args``; returns a dict:

    ``description`` (str), ``diffs`` ({compiled variant: {output: max |naive - compiled|}}), ``check_steps``
    ({compiled variant: steps of its equality check}), ``same_math`` ({compiled variant: every
    difference <= 1e-5}), ``frozen_trains_d`` (bool), ``fused_d_update`` (float: the largest difference
    when D is updated once on the summed loss instead of twice), ``timing`` (DataFrame, see
    :func:`speed_table`), ``speedup`` and ``paired_speedup`` (floats: the compiled row over the naive
    one-hot-each-step row), ``parts`` and ``kinds`` (DataFrames of milliseconds, None with
    ``--no-breakdown``).
    """
    keras.utils.set_random_seed(SEED)  # (no op determinism: with it, Keras turns XLA off)
    tokens = real_batch(args)
    variants = compiled_variants(args)
    diffs = {label: check_equal(args, tokens, **options) for label, options in variants.items()}
    timing = time_variants(args, tokens)
    compiled = timing.set_index("loop").loc[COMPILED]
    parts = kinds = None
    if not args.no_breakdown:
        parts, kinds = breakdown(args, tokens)
    return {"description": describe(args), "diffs": diffs,
            "check_steps": {label: check_steps(args, options) for label, options in variants.items()},
            "same_math": {label: all(v <= TOLERANCE for v in d.values()) for label, d in diffs.items()},
            "frozen_trains_d": frozen_idiom_trains_d(args, tokens), "timing": timing,
            "fused_d_update": max(check_equal(args, tokens, split_d_update=False).values()),
            "speedup": float(compiled["speed-up"]), "paired_speedup": float(compiled["paired"]),
            "parts": parts, "kinds": kinds}


def report(result: dict, args) -> str:
    """The printed report of :func:`measure`'s result."""
    lines = [result["description"], ""]
    for label, diffs in result["diffs"].items():
        lines.append(f"same math ({label}): after {result['check_steps'][label]} steps from the same weights and noise, "
                     f"max |naive - compiled|:")
        for name, value in diffs.items():
            lines.append(f"  {name:<26} {value:.2e}  {'ok' if value <= TOLERANCE else 'DIFFERENT'}")
    lines.append(f"one D update on the real + fake loss instead of two (TextGAN instead of SplitUpdateGAN): max |naive - "
                 f"compiled| {result['fused_d_update']:.2e}: "
                 f"{'the same math' if result['fused_d_update'] <= TOLERANCE else 'NOT the same math'}")
    lines.append(f"\nKeras 2 idiom without toggling (D frozen before its first train_on_batch): D's weights "
                 f"{'change' if result['frozen_trains_d'] else 'NEVER change: D silently does not train'}\n")
    lines.append(f"{args.rounds} alternating rounds of {args.steps} steps per loop "
                 f"(median round; 'paired' = median of the per-round ratios):")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        lines.append(result["timing"].to_string(index=False))
        lines.append(f"\ncompiled vs naive: {result['speedup']:.2f}x (medians), "
                     f"{result['paired_speedup']:.2f}x (paired rounds)")
        if result["parts"] is not None:
            lines.append("\nwhere one compiled step's time goes (each part timed alone, median ms):")
            lines.append(result["parts"].to_string(index=False))
            lines.append("\nthe step's work by kind (one call timed alone x calls per step; some run "
                         "concurrently):")
            lines.append(result["kinds"].to_string(index=False))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
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
    parser.add_argument("--steps-per-execution", type=int, default=1, metavar="N",
                        help="also time the compiled step run N times per graph call (N > 1)")
    parser.add_argument("--intra-op", type=int, default=0, metavar="N",
                        help="TensorFlow intra-op threads for both loops (default: TensorFlow's choice)")
    parser.add_argument("--inter-op", type=int, default=0, metavar="N",
                        help="TensorFlow inter-op threads for both loops (default: TensorFlow's choice)")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the where-the-time-goes tables")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and counts: only checks that it runs")
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    """The options (``--quick`` replaces the sizes and counts by tiny ones)."""
    args = build_parser().parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    for name in ("vocab_size", "seq_len", "batch_size", "hidden_dim", "emb_dim", "noise_dim", "steps", "rounds",
                 "check_steps", "repeats", "steps_per_execution"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.steps % args.steps_per_execution:
        raise SystemExit(f"--steps ({args.steps}) must be a multiple of --steps-per-execution "
                         f"({args.steps_per_execution}): each call runs that many steps")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    set_threads(args)
    print(report(measure(args), args))


if __name__ == "__main__":
    main()
