"""Forward throughput of every generator and discriminator, and the speed-up of the embedding lookup.

Run from the repository root::

    python benchmarks/model_throughput.py --batch-size 64 --repeats 20

For each model kind at the two corpus sizes (grammar: vocab 300, seq_len 26; oracle: vocab 5004,
seq_len 20) it times one forward call (inside ``tf.function``, inference mode, default
hyperparameters): a few warm-up calls first (tracing), then the median of ``--repeats`` calls, printed
as sequences per second.

- Generators: non-autoregressive kinds are called on noise; autoregressive kinds are timed twice, on
  teacher-forced tokens (``tokens``) and generating freely with ``gumbel_sample``.
- Discriminators: on integer tokens (embedding lookup), on the one-hot vectors of the same tokens
  (one-hot built inside the timed call, then a matmul) and on soft input (matmul only).

The second table is the speed-up of the lookup path over the one-hot matmul path for integer input,
for the whole discriminator and for the input projection alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_text.models.discriminators import DISCRIMINATORS, build_discriminator  # noqa: E402
from gan_text.models.input_projection import TokenProjection  # noqa: E402

SIZES = {"grammar": (300, 26), "oracle": (5004, 20)}


def median_seconds(fn, warmup: int, repeats: int) -> float:
    """Median wall time of ``fn()`` after ``warmup`` untimed calls; each call's result is fetched."""
    for _ in range(warmup):
        _fetch(fn())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _fetch(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compiled(fn):
    """``fn`` as a TensorFlow graph (traced on the first call), as a training loop would run it."""
    return tf.function(fn, autograph=False)


def _fetch(result):
    first = result[0] if isinstance(result, tuple | list) else result
    return np.asarray(first)


def _row(family, kind, corpus, path, params, seconds, batch):
    return {"model": family, "kind": kind, "corpus": corpus, "input": path, "params": params,
            "ms/batch": round(seconds * 1e3, 2), "seq/s": round(batch / seconds)}


def generator_rows(args, rng):
    try:
        from gan_text.models.generators import GENERATORS, build_generator
    except ImportError as error:
        print(f"generators skipped: {error}", file=sys.stderr)
        return []
    rows = []
    for corpus in args.corpora:
        vocab_size, seq_len = SIZES[corpus]
        for kind in GENERATORS:
            keras.utils.set_random_seed(0)
            g = build_generator(kind, vocab_size, seq_len)
            b = args.batch_size
            if getattr(g, "autoregressive", False):
                tokens = tf.constant(rng.integers(0, vocab_size, (b, seq_len)), tf.int32)
                call = compiled(lambda x, g=g: g(x, training=False))
                sampler = compiled(lambda g=g, b=b: g.gumbel_sample(b, 1.0))
                paths = {"tokens": lambda call=call, x=tokens: call(x), "gumbel_sample": sampler}
            else:
                noise = tf.constant(rng.normal(size=(b, g.noise_dim)), tf.float32)
                call = compiled(lambda x, g=g: g(x, training=False))
                paths = {"noise": lambda call=call, x=noise: call(x)}
            for path, fn in paths.items():
                seconds = median_seconds(fn, args.warmup, args.repeats)
                rows.append(_row("generator", kind, corpus, path, g.count_params(), seconds, b))
    return rows


def discriminator_rows(args, rng):
    rows, speedups = [], []
    b = args.batch_size
    for corpus in args.corpora:
        vocab_size, seq_len = SIZES[corpus]
        tokens = tf.constant(rng.integers(0, vocab_size, (b, seq_len)), tf.int32)
        soft = tf.nn.softmax(tf.constant(rng.normal(size=(b, seq_len, vocab_size)), tf.float32))
        keras.utils.set_random_seed(0)
        models = {kind: build_discriminator(kind, vocab_size, seq_len) for kind in DISCRIMINATORS}
        projection = TokenProjection(vocab_size, 64)
        projection.build()
        models["projection only (emb 64)"] = projection
        for kind, d in models.items():
            call = compiled(lambda x, d=d: d(x, training=False))
            lookup = median_seconds(lambda call=call, x=tokens: call(x), args.warmup, args.repeats)
            one_hot = compiled(lambda x, d=d, v=vocab_size: d(tf.one_hot(x, v), training=False))
            matmul = median_seconds(lambda f=one_hot, x=tokens: f(x), args.warmup, args.repeats)
            soft_s = median_seconds(lambda call=call, x=soft: call(x), args.warmup, args.repeats)
            family = "projection" if d is projection else "discriminator"
            for path, seconds in (("tokens", lookup), ("one-hot(tokens)", matmul), ("soft", soft_s)):
                rows.append(_row(family, kind, corpus, path, d.count_params(), seconds, b))
            speedups.append({"kind": kind, "corpus": corpus, "lookup ms": round(lookup * 1e3, 2),
                             "one-hot matmul ms": round(matmul * 1e3, 2),
                             "speed-up": round(matmul / lookup, 2)})
    return rows, speedups


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64, help="sequences per call (default 64)")
    parser.add_argument("--repeats", type=int, default=20, help="timed calls; the median is kept (20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first, for tracing (2)")
    parser.add_argument("--corpora", nargs="+", choices=list(SIZES), default=list(SIZES),
                        help="corpus sizes to time (default: both)")
    parser.add_argument("--no-generators", action="store_true", help="time the discriminators only")
    args = parser.parse_args(argv)
    if args.batch_size < 1 or args.repeats < 1 or args.warmup < 1:
        parser.error("--batch-size, --repeats and --warmup must be at least 1")

    rng = np.random.default_rng(0)
    print(f"TensorFlow {tf.__version__} | Keras {keras.__version__} | CPU threads "
          f"{os.cpu_count()} | GPUs {len(tf.config.list_physical_devices('GPU'))} | batch {args.batch_size} "
          f"| median of {args.repeats}")
    rows = [] if args.no_generators else generator_rows(args, rng)
    d_rows, speedups = discriminator_rows(args, rng)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print("\nForward throughput (sequences per second)")
        print(pd.DataFrame(rows + d_rows).to_string(index=False))
        print("\nInteger input: embedding lookup vs one-hot matmul (speed-up = matmul time / lookup time)")
        print(pd.DataFrame(speedups).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
