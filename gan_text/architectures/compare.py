"""The comparison: train the architecture recipe for every pair of families and score each run.

One row per (generator, discriminator) pair: the matched widths and parameter counts, the adversarial
phase's speed (:class:`StepTimer`), the losses, the discriminator's skill (:func:`discriminator_auc`)
and the scores of the samples (grammar, BLEU-3, Self-BLEU-3, NLL-test, duplicates, length).
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import pandas as pd

from ..checks import whole_number
from ..corpora import load_corpus
from ..dataset import make_dataset, prepare
from ..errors import GanTextError
from ..metrics import classifier_scores, nll_test, score_samples
from ..training.runs import CORPUS_SEED
from .budgets import profile_or_default, resolve_budgets, trainable_params
from .families import (
    BASE_DISCRIMINATOR,
    BASE_GENERATOR,
    DISCRIMINATOR_FAMILIES,
    GENERATOR_FAMILIES,
    check_family,
)
from .recipe import architecture_recipe, checked_settings

METRIC_NS = (3,)  # BLEU-3 and Self-BLEU-3
N_EXAMPLES = 3  # sentences of every pair kept in frame.attrs["examples"]
COLUMNS = ("generator", "discriminator", "g_width", "d_width", "g_params", "d_params", "pretrain_steps",
           "steps", "steps_per_second", "d_loss", "g_loss", "d_auc", "grammatical_fraction", "bleu_3", "self_bleu_3",
           "nll_test", "duplicate_rate", "mean_length", "seconds")


def architecture_plan(generators=GENERATOR_FAMILIES, discriminators=DISCRIMINATOR_FAMILIES,
                      grid: bool = False) -> list[tuple[str, str]]:
    """The (generator, discriminator) pairs to train.

    By default every generator family against the ``relgan`` discriminator, then every other
    discriminator family against the ``gru`` generator (the relgan recipe's pair is in both sweeps and
    trained once): ``len(generators) + len(discriminators) - 1`` runs instead of the whole grid.
    ``grid=True``: every pair.
    """
    generators, discriminators = _families("generator", generators), _families("discriminator", discriminators)
    if grid:
        return [(g, d) for g in generators for d in discriminators]
    pairs = [(g, BASE_DISCRIMINATOR) for g in generators] + [(BASE_GENERATOR, d) for d in discriminators]
    return list(dict.fromkeys(pairs))


def _families(player: str, families) -> tuple[str, ...]:
    families = (families,) if isinstance(families, str) else tuple(families)
    if not families:
        raise GanTextError(f"pass at least one {player} family, e.g. {player}s=('gru',)")
    for family in families:
        check_family(player, family)
    return families


class StepTimer(keras.callbacks.Callback):
    """Steps per second of one ``fit``, tracing excluded.

    Keras traces the training step into a graph during the first batch, so the clock starts at the end
    of batch 1 and stops at the end of the last batch: ``steps_per_second = (batches - 1) / seconds``
    (NaN for a single batch).
    """

    def __init__(self):
        super().__init__()
        self.first = self.last = None
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        self.first = now if self.first is None else self.first
        self.last, self.batches = now, self.batches + 1

    @property
    def steps_per_second(self) -> float:
        if self.batches < 2 or self.last <= self.first:
            return math.nan
        return (self.batches - 1) / (self.last - self.first)


def discriminator_auc(discriminator, real, fake) -> float:
    """ROC AUC of the discriminator's mean logit, real (int tokens (n, seq_len)) against fake tokens:
    1 = it ranks every real sentence above every fake one, 0.5 = it cannot tell them apart.

    The fakes are the hard samples that the metrics score, even for the CNN generator, whose
    discriminator was trained on its soft outputs.
    """
    real, fake = np.asarray(real, dtype=np.int32), np.asarray(fake, dtype=np.int32)
    logits = [np.asarray(discriminator(x, training=False)).reshape(len(x), -1).mean(axis=1) for x in (real, fake)]
    labels = np.r_[np.ones(len(real)), np.zeros(len(fake))]
    return classifier_scores(labels, np.concatenate(logits), from_logits=True)["roc_auc"]


def _fit(phase, data, batch_size: int, seed: int, callbacks=()) -> dict:
    """``fit`` one phase for its steps on an endless shuffled dataset; returns the last logs."""
    dataset = make_dataset(data.train_tokens, batch_size, seed=seed, repeat=True)
    history = phase.model.fit(dataset, epochs=1, steps_per_epoch=phase.steps, verbose=0,
                              callbacks=list(callbacks))
    return {name: float(values[-1]) for name, values in history.history.items()}


def _load(corpus, cfg):
    if isinstance(corpus, str):
        corpus = load_corpus(corpus, n_train=cfg.n_train, n_test=cfg.n_test, seed=CORPUS_SEED)
    if not hasattr(corpus, "train"):
        raise GanTextError(f"corpus must be a corpus name (e.g. 'grammar') or a Corpus, not "
                           f"{type(corpus).__name__}; pass gt.corpora.load_corpus('grammar')")
    return corpus, prepare(corpus)


def compare_architectures(corpus="grammar", cfg=None, *, generators=GENERATOR_FAMILIES,
                          discriminators=DISCRIMINATOR_FAMILIES, grid: bool = False, budget=None,
                          seed: int = 0, steps: int | None = None, n_eval: int | None = None,
                          verbose: int = 1, **overrides) -> pd.DataFrame:
    """Train :func:`architecture_recipe` for every pair of :func:`architecture_plan` and score each one.

    ``corpus``: a name (default ``grammar``) or a Corpus (``cfg.n_train`` / ``cfg.n_test`` sentences);
    ``cfg``: the profile (default ``gt.profile()``); ``budget``: ``(generator, discriminator)``
    parameters (default: the relgan recipe's, :func:`default_budgets`); ``seed``: the seed of every
    run; ``steps``: adversarial steps (default ``cfg.steps``); ``overrides``: recipe settings
    (``pretrain_steps``, ``g_lr``, ...). Every autoregressive generator family is pre-trained once; the
    runs that share it start from the same pre-trained weights.

    Returns one row per pair (``COLUMNS``): the matched widths and the parameter counts (embedding and
    output layer included), the phases' steps, ``steps_per_second`` of the adversarial phase
    (:class:`StepTimer`: tracing excluded; a wall-clock figure that depends on the machine and its
    load), ``d_loss`` and ``g_loss`` (means over the adversarial phase, as Keras reports an epoch),
    ``d_auc`` (:func:`discriminator_auc` on the first ``n_eval`` test sentences against the samples),
    then the scores of ``n_eval`` samples (default ``cfg.n_eval``; temperature 1, or the noise
    generator's most likely tokens) drawn with ``seed``:
    ``grammatical_fraction`` (NaN when the corpus has no grammar), ``bleu_3`` against the whole test
    split and leave-one-out ``self_bleu_3`` among the samples (nltk-exact, Texygen protocol: every
    sample is a hypothesis), ``nll_test`` (nats per token of the test split under the generator; NaN for
    the CNN generator, which has no likelihood), ``duplicate_rate``, ``mean_length`` and the run's
    ``seconds``. ``frame.attrs`` records the budgets (``g_budget``, ``d_budget``), ``profile``, ``seed``,
    ``n_eval``, ``n_references``, ``protocol``, total ``seconds`` and ``examples``: the first three
    samples of every pair, ``{(generator, discriminator): [sentence, ...]}``.
    """
    cfg = profile_or_default(cfg)
    if steps is not None:
        cfg = cfg.replace(steps=whole_number("steps", steps))
    n_eval = cfg.n_eval if n_eval is None else whole_number("n_eval", n_eval, minimum=2)
    plan = architecture_plan(generators, discriminators, grid)
    corpus, data = _load(corpus, cfg)
    grammar = getattr(corpus, "true_model", None)
    grammar = grammar if hasattr(grammar, "grammatical_fraction") else None
    g_params, d_params = resolve_budgets(data, cfg, budget, checked_settings(cfg, overrides))
    pretrained, rows, examples, started = {}, [], {}, time.perf_counter()
    for g_family, d_family in plan:
        run_started = time.perf_counter()
        recipe = architecture_recipe(data, cfg, seed, g_family, d_family, g_params, d_params, **overrides)
        for index, phase in enumerate(recipe.phases):
            if phase.name == "pretrain" and g_family in pretrained:
                recipe.generator.set_weights(pretrained[g_family])
                continue
            timer = StepTimer()
            logs = _fit(phase, data, cfg.batch_size, seed + index, [timer])
            if phase.name == "pretrain":
                pretrained[g_family] = recipe.generator.get_weights()
        samples = recipe.sample(n_eval, temperature=1.0, seed=seed)
        scores = score_samples(samples, vocab=data.vocab, references=data.test_tokens, grammar=grammar,
                               ns=METRIC_NS, protocol="texygen")
        config = recipe.config
        examples[g_family, d_family] = data.decode(samples[:N_EXAMPLES])
        rows.append({
            "generator": g_family, "discriminator": d_family, "g_width": config["g_width"],
            "d_width": config["d_width"], "g_params": trainable_params(recipe.generator),
            "d_params": trainable_params(recipe.discriminator), "pretrain_steps": config["pretrain_steps"],
            "steps": config["steps"], "steps_per_second": timer.steps_per_second,
            "d_loss": logs.get("d_loss", math.nan), "g_loss": logs.get("g_loss", math.nan),
            "d_auc": discriminator_auc(recipe.discriminator, data.test_tokens[:n_eval], samples),
            "grammatical_fraction": scores.get("grammatical_fraction", math.nan),
            "bleu_3": scores["bleu_3"], "self_bleu_3": scores["self_bleu_3"],
            "nll_test": nll_test(recipe.generator, data.test_tokens) if recipe.generator.autoregressive
            else math.nan,
            "duplicate_rate": scores["duplicate_rate"], "mean_length": scores["mean_length"],
            "seconds": time.perf_counter() - run_started})
        if verbose:
            row = rows[-1]
            print(f"{g_family:>11} G x {d_family:<11} D  {row['g_params']:>7,} + {row['d_params']:>7,} params  "
                  f"{row['steps_per_second']:6.1f} steps/s  grammatical {row['grammatical_fraction']:.2f}  "
                  f"({row['seconds']:.0f} s)")
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.attrs.update(g_budget=g_params, d_budget=d_params, profile=cfg.name, seed=seed, n_eval=n_eval,
                       n_references=len(data.test_tokens), protocol="texygen", examples=examples,
                       seconds=time.perf_counter() - started)
    return frame
