"""The quality frontier: how quality trades against diversity as the sampling temperature moves.

Any generator can look good on one number: sample at a low temperature and every sentence is safe and the
same; sample at a high one and everything is varied and wrong. So we sweep the temperature and score each
point on both axes (Caccia et al. 2020, "Language GANs falling short"), the yardstick of this course::

    from gan_text.metrics.frontier import frontier_sweep
    frame = frontier_sweep(run.recipe.sample, vocab=vocab, grammar=corpus.true_model,
                           train_sentences=train, nll=model, test_tokens=prepared.test_tokens)

Columns of each point (one row per temperature):

- ``quality``: the share of samples that are grammatical **and** novel (not a copy of a training sentence;
  a copy shows memory, not quality), with ``quality_se = sqrt(p (1 - p) / n)``, its binomial standard
  error; ``grammatical_fraction`` counts copies too. Both need the corpus's grammar (NaN otherwise).
- ``nll_test``: real test sentences under the tempered model (:func:`~.likelihood.tempered_nll_test`,
  nats per token, lower = more of the real distribution covered). NaN for a sampler with no likelihood.
- ``self_bleu_3`` (exact, lower = more diverse), ``distinct_2``, ``novelty``, ``duplicate_rate`` and
  ``mean_length`` (tokens before ``<eos>``) of the samples.

The core, :func:`frontier_sweep`, only needs ``sample(n, temperature, seed) -> int ids (n, seq_len)``, so
samples drawn any other way (a discriminator-guided sampler, say) are scored by the same code; the NLL is
optional. ``gan_text.frontier.quality_frontier`` builds all of it from a run directory.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..checks import TEMPERATURE_RANGE, whole_number
from ..errors import GanTextError
from .bleu_exact import self_bleu
from .diversity import distinct_n, duplicate_rate, novelty
from .inputs import token_lists
from .likelihood import tempered_nll_function
from .sweep import PROGRESS_DELAY_S

DEFAULT_TEMPERATURES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2)
COLUMNS = ("temperature", "n", "quality", "quality_se", "grammatical_fraction", "nll_test", "self_bleu_3",
           "distinct_2", "novelty", "duplicate_rate", "mean_length")
"""The columns of a frontier, in order (:func:`frontier_sweep` puts ``label`` first when given one)."""


# ----------------------------------------------------------------------------- one point

def standard_error(p: float, n: int) -> float:
    """Binomial standard error ``sqrt(p (1 - p) / n)`` of a share ``p`` measured on ``n`` samples (NaN stays NaN)."""
    return math.sqrt(p * (1.0 - p) / n) if not math.isnan(p) else math.nan


def grammatical_novel(sentences, grammar, train_sentences) -> np.ndarray:
    """Bool (n,): True where a sentence (a token list) parses under ``grammar`` and is not in ``train_sentences``.

    Matching with the training set is on the exact token sequence, as :func:`~.diversity.novelty`.
    """
    train = set(map(tuple, train_sentences))
    return np.array([tuple(s) not in train and grammar.is_grammatical(list(s)) for s in sentences], dtype=bool)


def grammar_nll(sentences, grammar) -> float:
    """Real sentences (token lists) under the grammar that wrote them, nats per token (words and ``<eos>``).

    ``-sum log P(s) / sum (len(s) + 1)``, with ``P`` the distribution the corpus was sampled from (the PCFG
    truncated to the grammar's lengths): the NLL-test of a perfect model, the floor of the ``nll_test`` axis.
    """
    log_probs = [grammar.log_prob(list(s), truncated=True) for s in sentences]
    return -math.fsum(log_probs) / sum(len(s) + 1 for s in sentences)


def frontier_scores(sentences, *, grammar=None, train_sentences=None) -> dict[str, float]:
    """Every column of one frontier point but ``temperature`` and ``nll_test``, as ``{column: float}``.

    ``sentences``: token lists (at least 2: Self-BLEU compares them). ``grammar``: the corpus's true model
    (``corpus.true_model`` of ``grammar``) for ``grammatical_fraction``; with ``train_sentences`` (token
    lists) also ``quality`` and ``quality_se`` (see the module docstring). Missing inputs give NaN.
    """
    sentences = token_lists(sentences, "sentences")
    if len(sentences) < 2:
        raise GanTextError(f"a frontier point needs at least 2 sentences (Self-BLEU compares them), got "
                           f"{len(sentences)}; sample more, e.g. n=1000")
    n = len(sentences)
    row = {"n": n, "quality": math.nan, "quality_se": math.nan, "grammatical_fraction": math.nan}
    if grammar is not None:
        row["grammatical_fraction"] = sum(grammar.is_grammatical(list(s)) for s in sentences) / n
        if train_sentences is not None:
            quality = float(grammatical_novel(sentences, grammar, train_sentences).mean())
            row.update(quality=quality, quality_se=standard_error(quality, n))
    row.update(self_bleu_3=self_bleu(sentences, 3), distinct_2=distinct_n(sentences, 2),
               novelty=novelty(sentences, train_sentences) if train_sentences is not None else math.nan,
               duplicate_rate=duplicate_rate(sentences),
               mean_length=float(np.mean([len(s) for s in sentences])))
    return row


# ----------------------------------------------------------------------------- the sweep

def check_temperatures(temperatures) -> list[float]:
    """Temperatures as a list of floats; a GanTextError unless it is a non-empty list of numbers from 1e-6 to
    1e6 (:data:`~gan_text.checks.TEMPERATURE_RANGE`; greedy sampling, 0, has no likelihood)."""
    low, high = TEMPERATURE_RANGE
    temps = [temperatures] if isinstance(temperatures, int | float | np.number) else temperatures
    if isinstance(temps, str | bytes) or not isinstance(temps, Sequence | np.ndarray) or not len(temps) or any(
            isinstance(t, bool) or not isinstance(t, int | float | np.number) or not low <= t <= high
            for t in temps):
        raise GanTextError(f"temperatures must be a non-empty list of numbers from 1e-6 to 1e6 (greedy "
                           f"sampling, 0, has no likelihood), got {temperatures!r}; pass e.g. "
                           f"{list(DEFAULT_TEMPERATURES)}")
    return [float(t) for t in temps]


def _nll_function(nll, test_tokens) -> Callable[[float], float] | None:
    """``nll`` as a function of the temperature: None, a function, or a model scored on ``test_tokens``."""
    if nll is None:
        return None
    model = getattr(nll, "generator", nll)  # a LanguageModel wraps its generator
    if getattr(model, "autoregressive", False):
        if test_tokens is None:
            raise GanTextError("nll is a model: pass test_tokens= (e.g. prepared.test_tokens) to score it")
        return tempered_nll_function(nll, test_tokens)
    if hasattr(nll, "vocab_size") or not callable(nll):
        raise GanTextError(f"nll must be None, a function nll(temperature) -> nats per token, or an "
                           f"autoregressive model; {type(nll).__name__} has no likelihood: pass nll=None")
    return nll


def _samples(sample, n: int, temperature: float, seed: int) -> np.ndarray:
    tokens = sample(n, temperature, seed)
    array = np.asarray(tokens.numpy() if hasattr(tokens, "numpy") else tokens)
    if array.ndim != 2 or len(array) != n or not np.issubdtype(array.dtype, np.integer):
        raise GanTextError(f"sample(n={n}, temperature={temperature:g}, seed={seed}) must return int token ids of "
                           f"shape ({n}, seq_len), got shape {array.shape} {array.dtype}")
    return array


def frontier_sweep(sample: Callable, temperatures=DEFAULT_TEMPERATURES, *, vocab, n: int = 1000, seed: int = 0,
                   grammar=None, train_sentences=None, nll=None, test_tokens=None, label: str | None = None,
                   progress: bool | None = None) -> pd.DataFrame:
    """Sample ``n`` sentences at each temperature and score them: one row per temperature.

    ``sample(n, temperature, seed) -> int ids (n, seq_len)`` of ``vocab`` (e.g. ``run.recipe.sample``,
    ``model_sampler(lm)``, or any sampler of your own); every temperature uses the same ``seed``. ``grammar``
    and ``train_sentences`` (token lists, as written): for ``quality`` (see :func:`frontier_scores`).
    ``nll``: optional, ``nll(temperature) -> nats per token``, or a LanguageModel / autoregressive generator
    scored on ``test_tokens`` (int (m, seq_len)) by :func:`~.likelihood.tempered_nll_test`; None gives a
    NaN ``nll_test`` column. ``label``: adds a ``label`` column (one curve in ``plots.plot_frontier``).
    Returns the columns :data:`COLUMNS`; ``frame.attrs`` records ``seconds`` and ``seed``. A progress bar
    shows when it takes over 2 s (``progress=True``: always, ``False``: never).
    """
    if not callable(sample):
        raise GanTextError(f"sample must be a function (n, temperature, seed) -> token ids, got "
                           f"{type(sample).__name__}; e.g. run.recipe.sample or model_sampler(model)")
    temps, n, seed = check_temperatures(temperatures), whole_number("n", n, minimum=2), whole_number(
        "seed", seed, minimum=0)
    nll_fn = _nll_function(nll, test_tokens)
    train = None if train_sentences is None else token_lists(train_sentences, "train_sentences")
    start, rows = time.perf_counter(), []
    for temperature in tqdm(temps, desc="frontier", unit="temperature", disable=progress is False,
                            delay=0.0 if progress else PROGRESS_DELAY_S):
        sentences = [vocab.decode(row) for row in _samples(sample, n, temperature, seed)]
        row = frontier_scores(sentences, grammar=grammar, train_sentences=train)
        row["nll_test"] = float(nll_fn(temperature)) if nll_fn is not None else math.nan
        rows.append({"temperature": temperature, **row})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    if label is not None:
        frame.insert(0, "label", str(label))
    frame.attrs.update(seconds=time.perf_counter() - start, seed=seed)
    return frame


__all__ = ["COLUMNS", "DEFAULT_TEMPERATURES", "check_temperatures", "frontier_scores", "frontier_sweep",
           "grammar_nll", "grammatical_novel", "standard_error"]
