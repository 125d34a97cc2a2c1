"""The temperature sweep: one model, many temperatures, a table of quality and diversity.

Lowering the sampling temperature makes any language model write safer, more repetitive text: its
BLEU (quality) rises, and so does its Self-BLEU (lack of diversity). A single (BLEU, Self-BLEU) point
therefore says little; Caccia et al. (2020, "Language GANs falling short", ICLR) compare models by
whole curves, traced by the temperature, and find that an MLE language model at a lower temperature
matches or beats the GANs. This is how every GAN of the course is compared with the MLE baseline::

    sweep = temperature_sweep(model_sampler(lm), [0.5, 0.7, 1.0, 1.3], vocab=data.vocab,
                              references=data.test_tokens, grammar=corpus.true_model)
    real = real_data_row(vocab=data.vocab, references=data.test_tokens, grammar=corpus.true_model)
    gt.plots.plot_quality_diversity({"MLE": sweep}, real=real)

:func:`score_samples` computes one row (any set of samples, e.g. a GAN at its own temperature);
:func:`real_data_row` the same columns for real sentences, the point every model should approach.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..checks import whole_number
from ..config import profile
from ..dataset import encode_sentences
from ..errors import GanTextError, one_of
from .bleu_exact import DEFAULT_NS, PROTOCOLS, bleu_scores, self_bleu_scores, sentence_self_bleus
from .diversity import DIVERSITY_NS, distinct_scores, duplicate_rate, novelty
from .inputs import ngram_orders, token_array, token_lists
from .likelihood import grammar_scores, lm_score, oracle_scores, reverse_lm_score

PROGRESS_DELAY_S = 2.0  # the progress bar appears only when a sweep takes longer than this


# ----------------------------------------------------------------------------- inputs

def model_sampler(model, **sampling) -> Callable[[int, float, int], np.ndarray]:
    """A ``sample_fn(n, temperature, seed) -> int array (n, seq_len)`` for a LanguageModel or an
    autoregressive generator; ``sampling`` (``top_k``, ``top_p``) is passed on to ``model.sample``."""
    if not hasattr(model, "sample"):
        raise GanTextError(f"model_sampler needs a model with a sample method (a LanguageModel or an "
                           f"rnn/transformer generator), got {type(model).__name__}")

    def sample_fn(n: int, temperature: float, seed: int) -> np.ndarray:
        tokens = model.sample(n, temperature=temperature, seed=seed, **sampling)
        return np.asarray(tokens.numpy() if hasattr(tokens, "numpy") else tokens)

    return sample_fn


def _sentences(data, vocab, what: str) -> list[tuple]:
    """Token lists from an int array (decoded with ``vocab``, up to ``<eos>``) or from token lists."""
    if isinstance(data, np.ndarray) or hasattr(data, "numpy"):
        if vocab is None:
            raise GanTextError(f"{what} are token ids; pass vocab= to decode them")
        return [tuple(vocab.decode(row)) for row in token_array(data, what)]
    return token_lists(data, what)


def _tokens(data, sentences, vocab, seq_len: int | None) -> np.ndarray:
    """Int ids (n, seq_len) of the same sentences: ``data`` itself if it is ids, else encoded."""
    if isinstance(data, np.ndarray) or hasattr(data, "numpy"):
        return token_array(data, "tokens")
    if vocab is None:
        raise GanTextError("pass vocab= to encode the sentences for the model-based scores")
    seq_len = seq_len or max(len(s) for s in sentences) + 1
    return encode_sentences(sentences, vocab, seq_len).tokens


def _check_protocol(protocol: str) -> int | None:
    if protocol not in PROTOCOLS:
        raise one_of("BLEU protocol", protocol, PROTOCOLS)
    return PROTOCOLS[protocol].n_hypotheses


# ----------------------------------------------------------------------------- one row

def _score(tokens, sentences, refs, *, vocab, train, grammar, reference_lm, oracle, reverse_lm,
           reverse_train, cfg, ns, protocol, seed, leave_one_out) -> dict[str, float]:
    """Every column of one row; see :func:`score_samples`."""
    if len(sentences) < 2:
        raise GanTextError(f"scoring needs at least 2 sentences (Self-BLEU compares them), got "
                           f"{len(sentences)}; sample more, e.g. n=100")
    cut = _check_protocol(protocol)
    n_hyp = len(sentences) if cut is None else min(cut, len(sentences))
    if leave_one_out:  # the sentences are refs[:n]: score each against the other references
        per_sentence = sentence_self_bleus(refs, ns, n_hypotheses=n_hyp)
        bleus = {k: math.fsum(v.tolist()) / v.size for k, v in per_sentence.items()}
    else:
        bleus = bleu_scores(sentences[:n_hyp], refs, ns)
    row: dict[str, float] = {"n": len(sentences),
                             "mean_length": float(np.mean([len(s) for s in sentences]))}
    row |= {f"bleu_{k}": v for k, v in bleus.items()}
    row |= {f"self_bleu_{k}": v
            for k, v in self_bleu_scores(sentences, ns, n_hypotheses=n_hyp).items()}
    row |= {f"distinct_{k}": v for k, v in distinct_scores(sentences, DIVERSITY_NS).items()}
    row["duplicate_rate"] = duplicate_rate(sentences)
    if train is not None:
        row["novelty"] = novelty(sentences, train)
    if grammar is not None:
        scores = grammar_scores([list(s) for s in sentences], grammar)
        row["grammatical_fraction"] = scores["grammatical_fraction"]
        row["mean_log_prob"] = scores["mean_log_prob"]
    if reference_lm is not None:
        row["lm_score"] = lm_score(tokens(reference_lm.seq_len), reference_lm)
    if oracle is not None:
        row |= oracle_scores(tokens(oracle.seq_len + 1), vocab, oracle)
    if reverse_lm is not None:
        train_rows = reverse_train if reverse_train is not None else tokens(reverse_lm.seq_len)
        row["reverse_lm_score"] = reverse_lm_score(train_rows, None, reverse_lm, cfg, seed)
    return row


def score_samples(samples, *, vocab=None, references, train_sentences=None, grammar=None,
                  reference_lm=None, oracle=None, reverse_lm=None, cfg=None, ns=DEFAULT_NS,
                  protocol: str = "texygen", seed: int = 0) -> dict[str, float]:
    """Quality and diversity of one set of samples, as one flat ``{column: float}`` dict.

    ``samples``: int ids (n, seq_len) of ``vocab``, or token lists. ``references``: real sentences
    (ids or token lists; usually the test split) for BLEU. Columns, always: ``n``, ``mean_length``
    (tokens before ``<eos>``), ``bleu_k`` and ``self_bleu_k`` for k in ``ns`` (nltk-exact, under
    ``protocol``: see :data:`PROTOCOLS`; Self-BLEU is leave-one-out within the samples),
    ``distinct_1..4`` and ``duplicate_rate``. Only when the input is given: ``novelty``
    (``train_sentences``), ``grammatical_fraction`` and ``mean_log_prob`` (``grammar``, e.g.
    ``corpus.true_model``), ``lm_score`` (``reference_lm``), ``nll_oracle`` and ``oracle_scored``
    (``oracle``), ``reverse_lm_score`` (``reverse_lm``: the Prepared data; trains an LM, slow).
    Higher is better for BLEU, distinct, novelty, grammatical; lower for Self-BLEU, duplicates, NLLs.
    """
    ns = ngram_orders(ns)
    sentences = _sentences(samples, vocab, "samples")
    refs = _sentences(references, vocab, "references")
    train = None if train_sentences is None else _sentences(train_sentences, vocab, "train_sentences")
    return _score(lambda seq_len: _tokens(samples, sentences, vocab, seq_len), sentences, refs,
                  vocab=vocab, train=train, grammar=grammar, reference_lm=reference_lm,
                  oracle=oracle, reverse_lm=reverse_lm, reverse_train=None, cfg=cfg, ns=ns,
                  protocol=protocol, seed=seed, leave_one_out=False)


# ----------------------------------------------------------------------------- the sweep

def _temperatures(temperatures) -> list[float]:
    temps = [temperatures] if isinstance(temperatures, int | float) else list(temperatures)
    if not temps or any(isinstance(t, bool) or not isinstance(t, int | float | np.number)
                        or not t >= 0 for t in temps):
        raise GanTextError(f"temperatures must be a non-empty list of numbers >= 0 (0 is greedy), got "
                           f"{temperatures!r}; pass e.g. [0.5, 0.75, 1.0, 1.25]")
    return [float(t) for t in temps]


def _n(n, cfg) -> int:
    return (cfg or profile()).n_eval if n is None else whole_number("n", n, minimum=2)


def temperature_sweep(sample_fn, temperatures: Sequence[float], *, vocab, references,
                      train_sentences=None, grammar=None, reference_lm=None, oracle=None,
                      reverse_lm=None, cfg=None, n: int | None = None, seed: int = 0,
                      ns=DEFAULT_NS, protocol: str = "texygen", progress: bool | None = None
                      ) -> pd.DataFrame:
    """Sample at each temperature and score the samples: a DataFrame with one row per temperature.

    ``sample_fn(n, temperature, seed) -> int ids (n, seq_len)`` of ``vocab`` (use
    :func:`model_sampler`; a LanguageModel or generator is wrapped for you). Every temperature uses
    the same ``seed``, so the rows differ by the temperature, not by luck. ``n`` samples per
    temperature (default ``cfg.n_eval`` of the profile). The columns are those of
    :func:`score_samples` (same keyword arguments), after a ``temperature`` column. A progress bar
    (tqdm) shows when the sweep takes over 2 s (``progress=True``: always, ``False``: never).
    ``frame.attrs`` records ``seconds`` (wall time), ``protocol`` and ``seed``.
    """
    from tqdm import tqdm

    if hasattr(sample_fn, "sample") and hasattr(sample_fn, "seq_len"):
        sample_fn = model_sampler(sample_fn)
    if not callable(sample_fn):
        raise GanTextError(f"sample_fn must be a function (n, temperature, seed) -> token ids, got "
                           f"{type(sample_fn).__name__}; use model_sampler(model)")
    temps, ns, n = _temperatures(temperatures), ngram_orders(ns), _n(n, cfg)
    _check_protocol(protocol)
    refs = _sentences(references, vocab, "references")
    train = None if train_sentences is None else _sentences(train_sentences, vocab, "train_sentences")
    start, rows = time.perf_counter(), []
    bar = tqdm(temps, desc="temperature sweep", unit="temperature", disable=progress is False,
               delay=0.0 if progress else PROGRESS_DELAY_S)
    for temperature in bar:
        tokens = token_array(sample_fn(n, temperature, seed), "sample_fn's output")
        sentences = _sentences(tokens, vocab, "samples")
        rows.append({"temperature": temperature, **_score(
            lambda seq_len, tokens=tokens: tokens, sentences, refs, vocab=vocab, train=train,
            grammar=grammar, reference_lm=reference_lm, oracle=oracle, reverse_lm=reverse_lm,
            reverse_train=None, cfg=cfg, ns=ns, protocol=protocol, seed=seed, leave_one_out=False)})
    frame = pd.DataFrame(rows)
    frame.attrs.update(seconds=time.perf_counter() - start, protocol=protocol, seed=seed)
    return frame


def real_data_row(real=None, *, vocab=None, references, train_sentences=None, grammar=None,
                  reference_lm=None, oracle=None, reverse_lm=None, cfg=None, n: int | None = None,
                  seed: int = 0, ns=DEFAULT_NS, protocol: str = "texygen") -> pd.DataFrame:
    """The same columns as a sweep row, for real sentences: the point every model should reach.

    ``real=None`` (the usual case): the first ``n`` references (default ``cfg.n_eval``), each scored
    for BLEU against the *other* references (leave-one-out: a sentence is never its own reference),
    so real text is judged exactly like samples. Otherwise ``real`` (ids or token lists) is a separate
    set of real sentences, scored against all references; it must not overlap them (nor the train
    set, for novelty and LM score). With ``reverse_lm`` (the Prepared data) the reverse LM is trained
    on ``n`` real *train* rows, the real counterpart of ``n`` samples. Returns a one-row DataFrame,
    index ``"real"``, ``temperature`` NaN.
    """
    ns, n = ngram_orders(ns), _n(n, cfg)
    refs = _sentences(references, vocab, "references")
    leave_one_out = real is None
    if leave_one_out:
        real = references[:n]
    sentences = _sentences(real, vocab, "real")
    train = None if train_sentences is None else _sentences(train_sentences, vocab, "train_sentences")
    reverse_train = None if reverse_lm is None else token_array(reverse_lm.train_tokens[:n],
                                                                 "reverse_lm.train_tokens")
    row = _score(lambda seq_len: _tokens(real, sentences, vocab, seq_len), sentences, refs,
                 vocab=vocab, train=train, grammar=grammar, reference_lm=reference_lm, oracle=oracle,
                 reverse_lm=reverse_lm, reverse_train=reverse_train, cfg=cfg, ns=ns,
                 protocol=protocol, seed=seed, leave_one_out=leave_one_out)
    return pd.DataFrame([{"temperature": math.nan, **row}], index=["real"])


__all__ = ["PROGRESS_DELAY_S", "model_sampler", "real_data_row", "score_samples", "temperature_sweep"]
