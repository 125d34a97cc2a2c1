"""One benchmark model: a recipe trained with :func:`gan_text.training.train` and scored as it trains.

:func:`train_scored` is what both the shared pre-training (:mod:`gan_text.bench.pretraining`) and every
recipe's run (:mod:`gan_text.bench.running`) call: it builds the recipe (optionally starting its generator
from given weights), adds the benchmark's curve scores and the held-out NLL to every evaluation point, and
returns the finished run with a :class:`Model`, the handle the scoring functions take.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import GanTextError
from ..text import tokenize_corpus
from .budgets import Budget, train_profile

SAMPLE_SEED = 10_000  # final samples use seed SAMPLE_SEED + run seed: never the seeds used in training


@dataclasses.dataclass
class Model:
    """What a benchmark's scoring functions get: the built recipe, its data and ready-made scorers.

    ``nll_at(tokens, temperature=1.0, positions=None)``: per-token NLL in nats of int ``tokens``
    (n, seq_len) under the generator's softmax at ``temperature`` (see :func:`nll_function`).
    """

    recipe: object
    data: object
    nll_at: Callable

    def sample(self, n: int, temperature: float, seed: int) -> np.ndarray:
        """``n`` sentences at ``temperature``: int32 ids (n, seq_len)."""
        return self.recipe.sample(n, temperature, seed)


def nll_function(generator) -> Callable:
    """``nll_at(tokens, temperature=1.0, positions=None) -> float``: the NLL (nats per token) of int
    ``tokens`` (n, seq_len) under ``softmax(logits / temperature)`` of an autoregressive generator.

    ``<pad>`` never counts; ``positions``: count only the first ``positions`` tokens of each row (the
    oracle benchmark scores its 20 words, not the ``<eos>``, as the papers do). At temperature 1 and
    all positions it equals :func:`gan_text.metrics.nll_test`. Below temperature 1 the model is
    sharper, so real text (NLL-gen) costs more nats: a temperature trades coverage for quality.
    """
    import tensorflow as tf  # lazy, as below: gan_text.bench imports without TensorFlow

    from ..models.autoregressive import teacher_forcing_inputs
    from ..models.language_model import token_nll

    seq_len = generator.seq_len
    spec = [tf.TensorSpec((None, seq_len), tf.int32), tf.TensorSpec((), tf.float32), tf.TensorSpec((), tf.int32)]

    @tf.function(input_signature=spec)
    def sums(batch, temperature, positions):
        logits = generator(teacher_forcing_inputs(batch), training=False) / temperature
        nll, mask = token_nll(batch, logits)
        keep = tf.cast(tf.range(seq_len) < positions, tf.float32)[None, :]
        return tf.reduce_sum(nll * keep), tf.reduce_sum(mask * keep)

    def nll_at(tokens, temperature: float = 1.0, positions: int | None = None, batch_size: int = 512) -> float:
        tokens = np.asarray(tokens, dtype=np.int32)
        if not temperature > 0:
            raise GanTextError(f"temperature must be > 0 for an NLL, got {temperature!r}")
        limit = tf.constant(seq_len if positions is None else int(positions), tf.int32)
        total = count = 0.0
        for start in range(0, len(tokens), batch_size):
            s, n = sums(tf.constant(tokens[start:start + batch_size]), tf.constant(temperature, tf.float32),
                        limit)
            total, count = total + float(s), count + float(n)
        return total / count if count else float("nan")

    return nll_at


def encode(sentences: list[str], data) -> np.ndarray:
    """Sentences -> int32 ids (n, seq_len) in ``data``'s vocabulary (unknown words become ``<unk>``)."""
    from ..dataset import encode_sentences  # lazy: the dataset module loads TensorFlow

    return encode_sentences(tokenize_corpus(sentences, data.level), data.vocab, data.seq_len).tokens


def train_scored(tsk, corpus, recipe: str, overrides: dict, budget: Budget, seed: int, run_dir: Path, *,
                 benchmark: str, profile: str, valid: list[str] | None = None, start=None,
                 on_eval: Callable | None = None, resume: bool = False, precision: str = "float32",
                 strategy="default", verbose: int = 0):
    """Train ``recipe`` (built with ``overrides``) on ``corpus`` into ``run_dir``; returns ``(run, model)``.

    Every evaluation point gets the task's curve scores and, when ``valid`` sentences are given, their NLL
    as ``nll_valid`` (held-out sentences, never the test set). ``start``: generator weights to begin
    from (the shared pre-training), set right after the models are built (a resumed run then restores
    its checkpoint over them). ``on_eval(model, scores)`` is called at every evaluation point (early
    stopping). ``resume``: continue the run in ``run_dir`` (a checkpoint is written five times per evaluation
    interval, so an interruption loses at most ``eval_every / 5`` steps). ``precision``, ``strategy``: as for
    :func:`~gan_text.training.runs.train`.
    """
    # lazy: training loads TensorFlow, and gan_text.bench imports without it
    from ..training.recipes import build_recipe
    from ..training.runs import train

    held: dict = {}

    def builder(data, cfg, seed=0, **_):
        built = build_recipe(recipe, data, cfg, seed=seed, **overrides)
        if start is not None:
            built.generator.set_weights(start)
            for phase in built.phases:  # SeqGAN's rollout copy starts as the generator
                if hasattr(phase.model, "sync_rollout"):
                    phase.model.sync_rollout()
        held["model"] = Model(built, data, nll_function(built.generator))
        return built

    def evaluate(sentences):  # the scorer needs the model, which train() builds: made at the first call
        model = held["model"]
        if "scores" not in held:
            held["scores"] = tsk.curve_scores(model, budget, seed, corpus)
            held["valid"] = encode(valid, model.data) if valid else None
        scores = held["scores"](sentences)
        if held["valid"] is not None:
            scores["nll_valid"] = model.nll_at(held["valid"])
        if on_eval is not None:
            on_eval(model, scores)
        return scores

    run = train(corpus, builder, out=run_dir, resume=resume, profile=train_profile(benchmark, profile, budget),
                seed=seed, eval_every=budget.eval_every, checkpoint_every=max(1, budget.eval_every // 5),
                n_eval=budget.n_eval,
                n_print=tsk.N_PRINT if verbose >= 2 else 0, verbose=2 if verbose >= 2 else 0, evaluate=evaluate,
                precision=precision, strategy=strategy)
    return run, held["model"]


__all__ = ["Model", "SAMPLE_SEED", "encode", "nll_function", "train_scored"]
