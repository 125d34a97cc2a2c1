"""Objectives: the one number a study optimises, computed from a trained generator's samples.

An :class:`Objective` scores ``n`` generated sequences (int ids, as ``run.recipe.sample`` returns them)
and says whether higher or lower is better. Two are built in, one per corpus with a known true model:

``grammar_quality_diversity`` (grammar corpus, maximise)
    ``grammatical_fraction x diversity``, both in [0, 1]. *Quality*: the share of samples the toy
    grammar parses (exact, no learned judge). *Diversity*: ``1 - Self-BLEU-3`` of the samples divided by
    the same number for as many real test sentences, capped at 1, so "as varied as real text" scores 1.
    A product, because a GAN must not buy one with the other: a generator that repeats a few perfect
    sentences has diversity near 0 (Self-BLEU-3 near 1), one that writes word salad has quality near 0,
    and real sentences score about 1. Self-BLEU (Zhu et al. 2018, Texygen) is the diversity score of
    the text-GAN papers; 3-grams suit the grammar's short sentences (about 9 words). Self-BLEU grows with
    the number of sentences compared, hence the division by the real value at the same size. What it
    misses: mode dropping that keeps the samples varied (e.g. only short sentences) barely lowers it;
    ``mean_length`` is kept next to it in the trial table for that reason.
``nll_oracle`` (oracle corpus, minimise)
    NLL-oracle (Yu et al. 2017): the oracle LSTM's negative log-likelihood of the samples, nats per
    token (:func:`gan_text.metrics.nll_oracle`). It measures quality only, and rewards a generator that
    collapses onto a few likely sequences: read ``duplicate_rate`` in the trial table beside it. A
    trial none of whose samples the oracle can score (see :func:`gan_text.metrics.oracle_ids`) returns
    NaN, which Optuna records as a failed trial.

Every objective returns a dict: ``"objective"`` (the value) plus component scores, which the study keeps
with each trial.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from ..dataset import decode_batch
from ..errors import GanTextError, one_of
from ..metrics import duplicate_rate, oracle_scores, self_bleu

DIVERSITY_N = 3  # Self-BLEU order of the grammar objective


@dataclasses.dataclass(frozen=True)
class Objective:
    """A named score of generated samples and the direction that is better.

    ``score(tokens, vocab, corpus) -> {"objective": float, component: float, ...}``: ``tokens`` int ids
    (n, seq_len) of ``vocab``; ``corpus`` the loaded Corpus (its ``true_model`` and test sentences).
    ``direction``: ``"maximize"`` or ``"minimize"``. ``needs``: the method the corpus's true model must
    have (``"grammatical_fraction"``, ``"nll"``), or None for any corpus.
    """

    name: str
    direction: str
    score: Callable
    needs: str | None = None
    description: str = ""

    def __post_init__(self):
        if self.direction not in ("maximize", "minimize"):
            raise one_of("objective direction", self.direction, ("maximize", "minimize"))

    def __call__(self, tokens, vocab, corpus) -> dict[str, float]:
        scores = {k: float(v) for k, v in self.score(tokens, vocab, corpus).items()}
        if "objective" not in scores:
            raise GanTextError(f"objective {self.name!r} must return a dict with the key 'objective'")
        return scores

    def check_corpus(self, corpus) -> None:
        """GanTextError unless ``corpus`` has what this objective needs (before any training)."""
        if self.needs and not hasattr(getattr(corpus, "true_model", None), self.needs):
            home = [c for c, o in DEFAULT_OBJECTIVES.items() if o == self.name]
            raise GanTextError(f"objective {self.name!r} needs a corpus whose true model has {self.needs} "
                               f"({', '.join(home) or 'another corpus'}), not {getattr(corpus, 'name', corpus)!r}; "
                               f"pass objective=Objective(name, direction, score) of your own")

    def better(self, a: float, b: float) -> bool:
        """Whether value ``a`` is better than ``b`` in this objective's direction."""
        return a > b if self.direction == "maximize" else a < b


def _sentences(tokens, vocab, corpus) -> list[str]:
    return decode_batch(tokens, vocab, getattr(corpus, "level", "word"))


def _words(sentences: list[str], level: str) -> list[list[str]]:
    return [list(s) if level == "char" else s.split() for s in sentences]


def _diversity(words: list[list[str]]) -> float:
    """``1 - Self-BLEU-3`` (leave-one-out over all the sentences)."""
    return 1.0 - self_bleu(words, DIVERSITY_N)


def grammar_quality_diversity(tokens, vocab, corpus) -> dict[str, float]:
    """``grammatical_fraction x min(1, (1 - Self-BLEU-3) / (1 - Self-BLEU-3 of real text))``; see the
    module docstring. ``tokens``: int (n, seq_len) with n >= 2."""
    sentences = _sentences(tokens, vocab, corpus)
    if len(sentences) < 2:
        raise GanTextError(f"the grammar objective compares samples with each other: it needs at least 2, "
                           f"got {len(sentences)}; raise n_eval")
    level = getattr(corpus, "level", "word")
    words = _words(sentences, level)
    m = min(len(words), len(corpus.test))  # compare at the same number of sentences
    real = _diversity(_words(corpus.test[:m], level))
    fake = _diversity(words[:m])
    diversity = min(1.0, fake / real) if real > 0 else float(fake > 0)
    grammatical = float(corpus.true_model.grammatical_fraction(sentences))
    return {"objective": grammatical * diversity, "grammatical_fraction": grammatical,
            f"self_bleu_{DIVERSITY_N}": 1.0 - fake, f"self_bleu_{DIVERSITY_N}_real": 1.0 - real,
            "diversity": diversity, "duplicate_rate": duplicate_rate(words),
            "mean_length": float(np.mean([len(w) for w in words]))}


def nll_oracle_objective(tokens, vocab, corpus) -> dict[str, float]:
    """NLL-oracle of the samples (nats per token, NaN if none can be scored) and its companions."""
    scores = oracle_scores(tokens, vocab, corpus.true_model)
    words = _words(_sentences(tokens, vocab, corpus), getattr(corpus, "level", "word"))
    return {"objective": scores["nll_oracle"], "nll_oracle": scores["nll_oracle"],
            "oracle_scored": scores["oracle_scored"], "duplicate_rate": duplicate_rate(words),
            "mean_length": float(np.mean([len(w) for w in words]))}


OBJECTIVES = {
    "grammar_quality_diversity": Objective(
        "grammar_quality_diversity", "maximize", grammar_quality_diversity, needs="grammatical_fraction",
        description="grammatical fraction x diversity (1 - Self-BLEU-3, relative to real text), higher is better"),
    "nll_oracle": Objective(
        "nll_oracle", "minimize", nll_oracle_objective, needs="nll",
        description="NLL-oracle of the samples in nats per token, lower is better"),
}
"""The named objectives."""

DEFAULT_OBJECTIVES = {"grammar": "grammar_quality_diversity", "oracle": "nll_oracle"}
"""The objective a study of each corpus optimises when ``objective`` is left out."""


def get_objective(objective, corpus_name: str) -> Objective:
    """An :class:`Objective` from a name, an Objective, or None (the corpus's default)."""
    if isinstance(objective, Objective):
        return objective
    if objective is None:
        if corpus_name not in DEFAULT_OBJECTIVES:
            raise GanTextError(f"corpus {corpus_name!r} has no default objective; pass objective= one of "
                               f"{', '.join(OBJECTIVES)} or an Objective(name, direction, score)")
        objective = DEFAULT_OBJECTIVES[corpus_name]
    if objective not in OBJECTIVES:
        raise one_of("objective", objective, OBJECTIVES)
    return OBJECTIVES[objective]


__all__ = ["DEFAULT_OBJECTIVES", "DIVERSITY_N", "OBJECTIVES", "Objective", "get_objective",
           "grammar_quality_diversity", "nll_oracle_objective"]
