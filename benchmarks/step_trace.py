"""Which lines of ``gan_text`` one adversarial step runs: the files a reader must open to follow it.

Usage::

    python benchmarks/step_trace.py [--recipe relgan|wgan_gp|seed]

It builds the recipe at smoke sizes, runs one adversarial ``train_step`` eagerly (so Python executes every
line, as when a student steps through it) under ``sys.settrace``, and prints, per file of the package, how
many distinct lines ran, how long the functions it entered are and how long the file is, by role: the step
itself (``gan_text/training/``) and the models it trains (``gan_text/models/``: their forward passes).
Layers and TensorFlow's own code are not counted: only what a reader of this repository opens.
"""

from __future__ import annotations

import argparse
import collections
import inspect
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


ROLES = {"training": "the step", "models": "the models it trains"}  # first folder under gan_text/ -> role


def trace_step(recipe: str = "relgan") -> tuple[dict[Path, set[int]], dict[Path, dict[str, int]]]:
    """One eager adversarial step of ``recipe``: ({file: line numbers run}, {file: {function: its length in
    lines}}) for the files of the package it runs."""
    gt.setup(0, quiet=True)
    data = prepare(load_corpus("grammar", n_train=64, n_test=16, seed=0))
    built = build_recipe(recipe, data, gt.profile("smoke"), seed=0, steps=1)
    gan = next(p.model for p in built.phases if p.name == "adversarial")
    batch = tf.constant(data.train_tokens[:16])
    gan.train_step(batch)  # the first step builds the optimizers: not part of a step
    hits: dict[Path, set[int]] = collections.defaultdict(set)
    functions: dict[Path, dict[str, int]] = collections.defaultdict(dict)

    def tracer(frame, event, arg):  # called at every call; follows the lines of the package's frames only
        path = Path(frame.f_code.co_filename)
        if not path.is_relative_to(PACKAGE):
            return None
        code = frame.f_code
        if event == "call" and "<locals>" not in code.co_qualname:  # (a nested function's lines are its parent's)
            functions[path][code.co_qualname] = len(inspect.getsourcelines(code)[0])
        hits[path].add(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        gan.train_step(batch)
    finally:
        sys.settrace(None)
    return dict(hits), dict(functions)


def role(path: Path) -> str:
    """"the step", "the models it trains" or "other" for a file of the package."""
    return ROLES.get(path.relative_to(PACKAGE).parts[0], "other")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="relgan", choices=("relgan", "wgan_gp", "seed"))
    args = parser.parse_args(argv)
    hits, functions = trace_step(args.recipe)
    sizes = {path: len(path.read_text().splitlines()) for path in hits}
    print(f"one adversarial {args.recipe} step, run eagerly:")
    print(f"{'file':36s} {'lines run':>9s} {'in functions':>12s} {'file lines':>10s}  functions entered")
    for group in (*ROLES.values(), "other"):
        paths = sorted((p for p in hits if role(p) == group), key=lambda p: -len(hits[p]))
        if not paths:
            continue
        for path in paths:
            entered = functions.get(path, {})
            print(f"{str(path.relative_to(PACKAGE)):36s} {len(hits[path]):9d} {sum(entered.values()):12d} "
                  f"{sizes[path]:10d}  {', '.join(sorted(entered))}")
        print(f"{group}: {len(paths)} files, {sum(len(hits[p]) for p in paths)} distinct lines run, "
              f"{sum(sum(functions.get(p, {}).values()) for p in paths)} lines in the functions entered, "
              f"{sum(sizes[p] for p in paths):,} lines in those files")
    print(f"{len(hits)} files, {sum(map(len, hits.values()))} distinct lines run, {sum(sizes.values()):,} lines in "
          f"those files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
