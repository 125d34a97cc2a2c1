"""Which lines of ``gan_text`` one adversarial step runs: the files a reader must open to follow it.

Usage::

    python benchmarks/step_trace.py [--recipe relgan|wgan_gp|seed]

It builds the recipe at smoke sizes, runs one adversarial ``train_step`` eagerly (so Python executes every
line, as when a student steps through it) under ``sys.settrace``, and prints, per file of the package, how
many distinct lines ran and how long the file is, then the totals. Layers and TensorFlow's own code are not
counted: only what a reader of this repository opens.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402 - after the log level

import gan_text as gt  # noqa: E402
from gan_text.corpora import load_corpus  # noqa: E402
from gan_text.dataset import prepare  # noqa: E402
from gan_text.training.recipes import build_recipe  # noqa: E402

PACKAGE = Path(gt.__file__).resolve().parent


def trace_step(recipe: str = "relgan") -> dict[Path, set[int]]:
    """{file: line numbers} of the package run by one eager adversarial step of ``recipe``."""
    gt.setup(0, quiet=True)
    data = prepare(load_corpus("grammar", n_train=64, n_test=16, seed=0))
    built = build_recipe(recipe, data, gt.profile("smoke"), seed=0, steps=1)
    gan = next(p.model for p in built.phases if p.name == "adversarial")
    batch = tf.constant(data.train_tokens[:16])
    gan.train_step(batch)  # the first step builds the optimizers: not part of a step
    hits: dict[Path, set[int]] = collections.defaultdict(set)

    def tracer(frame, event, arg):  # called at every call; follows the lines of the package's frames only
        path = Path(frame.f_code.co_filename)
        if not path.is_relative_to(PACKAGE):
            return None
        hits[path].add(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        gan.train_step(batch)
    finally:
        sys.settrace(None)
    return dict(hits)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="relgan", choices=("relgan", "wgan_gp", "seed"))
    args = parser.parse_args(argv)
    hits = trace_step(args.recipe)
    print(f"one adversarial {args.recipe} step, run eagerly:")
    print(f"{'file':40s} {'lines run':>9s} {'file lines':>10s}")
    sizes = {path: len(path.read_text().splitlines()) for path in hits}
    for path, lines in sorted(hits.items(), key=lambda item: -len(item[1])):
        print(f"{str(path.relative_to(PACKAGE)):40s} {len(lines):9d} {sizes[path]:10d}")
    print(f"{len(hits)} files, {sum(map(len, hits.values()))} distinct lines run, {sum(sizes.values()):,} lines in "
          f"those files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
