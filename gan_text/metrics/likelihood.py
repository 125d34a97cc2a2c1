"""Model-based metrics: likelihoods under a known or a learned model, and discriminator scores.

Every NLL here is in **nats per token**, averaged over the tokens that count: the words and the
``<eos>`` of each row, never the ``<pad>`` after it (the convention of
:class:`~gan_text.models.LanguageModel`). Lower is better for all of them. ``perplexity = exp(NLL)``.

==================  ===============================================================================
metric              what it measures (source)
==================  ===============================================================================
NLL-oracle          the exact NLL of generated samples under the oracle LSTM that wrote the corpus:
                    quality (SeqGAN, Yu et al. 2017; Texygen, Zhu et al. 2018). :func:`nll_oracle`
NLL-test / NLL-gen  real test text under the generator: coverage of the real distribution
                    (Texygen "NLL-test"; RelGAN, Nie et al. 2019, "NLL_gen"). :func:`nll_test`
tempered NLL-test   NLL-test under the model sampled at a temperature: the coverage axis of a
                    quality-diversity frontier. :func:`tempered_nll_test`
NLL-div             the generator's own samples under itself: low means low entropy, i.e. little
                    diversity (TextGAN-PyTorch's ``NLL_div``). :func:`nll_div`
LM score            generated text under an LM trained on *real* data: quality (Semeniuta, Severyn &
                    Gelly 2018, "On accurate evaluation of GANs for language generation").
                    :func:`lm_score`, with :func:`train_reference_lm` (cached on disk)
reverse-LM score    real test text under an LM trained on *generated* text: quality and diversity
                    at once (Zhao et al. 2018; Caccia et al. 2020, "Language GANs falling short").
                    :func:`reverse_lm_score`
grammar             share of grammatical samples and their exact log-probability under the toy
                    grammar. :func:`grammar_scores`
classifier          accuracy, precision, recall, F1 and ROC AUC of a discriminator, from
                    scikit-learn. :func:`classifier_scores`
==================  ===============================================================================
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..checks import temperature as check_temperature
from ..checks import whole_number
from ..config import profile
from ..corpora.downloads import cache_root
from ..corpora.grammar import default_grammar
from ..corpora.oracle import default_oracle
from ..dataset import make_dataset
from ..errors import GanTextError
from .inputs import token_array

LM_SETTINGS = {"kind": "rnn", "cell": "lstm", "lr": 1e-2, "clipnorm": 5.0}
"""How the reference and reverse LMs are trained: the MLE baseline's LSTM and optimiser (Adam, lr 1e-2,
gradient norm clipped at 5, as SeqGAN and RelGAN pre-train); sizes come from the profile."""
CACHE_FORMAT = 1  # part of the cache key: bump it when the training procedure changes
REVERSE_VALIDATION = 0.1  # share of the generated sentences held out to stop the reverse LM early


# ----------------------------------------------------------------------------- helpers

_token_array = token_array  # the old private name, still used below


def _language_model(model):
    """A :class:`LanguageModel` for ``model`` (a LanguageModel or an autoregressive generator)."""
    from ..models.language_model import (
        LanguageModel,  # lazy: gan_text.metrics imports without TensorFlow
    )

    return model if isinstance(model, LanguageModel) else LanguageModel(model)


def perplexity(nll: float) -> float:
    """``exp(nll)``: the number of equally likely tokens a model is choosing between, on average.

    ``nll`` in nats per token (as every NLL of this module); NaN stays NaN.
    """
    if isinstance(nll, bool) or not isinstance(nll, int | float | np.floating | np.integer):
        raise GanTextError(f"perplexity expects an NLL in nats per token (a number), got {nll!r}")
    return math.exp(nll) if nll < 700 or math.isnan(nll) else math.inf


# ----------------------------------------------------------------------------- the oracle

def oracle_ids(tokens, vocab, oracle) -> tuple[np.ndarray, np.ndarray]:
    """Translate generated rows to the oracle's own ids and say which rows it can score.

    ``tokens``: int (n, seq_len) ids of ``vocab`` (the oracle corpus's vocabulary, whose words are the
    oracle's ids written as text, "12", "4033"...). Returns ``(ids, scorable)``: ``ids`` int64
    (n, oracle.seq_len), the first ``oracle.seq_len`` tokens of each row as oracle ids (-1 where a
    token is not one), and ``scorable`` bool (n,).

    **Policy.** The oracle only defines probabilities of exactly ``oracle.seq_len`` (20) tokens: it
    has no ``<eos>``. In SeqGAN, Texygen, RelGAN and TextGAN-PyTorch the generators always write
    exactly 20 tokens, so the question never arises there. Our generators can stop early or write
    ``<unk>``; such a sequence has probability 0 under the oracle (infinite NLL). So a row is scored
    only if its first 20 tokens are all oracle words; anything after them (normally the ``<eos>``) is
    ignored. :func:`oracle_scores` reports the fraction of rows scored next to the NLL: read both.
    """
    tokens = _token_array(tokens, "tokens")
    length = oracle.seq_len
    if tokens.shape[1] < length:
        raise GanTextError(f"rows of {tokens.shape[1]} tokens cannot hold the oracle's {length}; "
                           f"prepare the oracle corpus with seq_len >= {length + 1}")
    lookup = np.full(len(vocab), -1, dtype=np.int64)
    for i, word in enumerate(vocab.tokens):
        if word.isdigit() and int(word) < oracle.vocab_size:
            lookup[i] = int(word)
    first = tokens[:, :length]
    if first.min() < 0 or first.max() >= len(vocab):
        raise GanTextError(f"token ids range from {first.min()} to {first.max()}, outside the "
                           f"vocabulary (0..{len(vocab) - 1}); pass the vocabulary of the samples")
    ids = lookup[first]
    return ids, (ids >= 0).all(axis=1)


def oracle_scores(tokens, vocab, oracle=None) -> dict[str, float]:
    """NLL-oracle and the share of rows it could score (see :func:`oracle_ids` for the policy).

    Returns ``{"nll_oracle": mean per-token NLL (nats) of the scorable rows (NaN if none),
    "oracle_scored": fraction of rows scored, in [0, 1]}``. ``oracle``: default the corpus's oracle.
    """
    if oracle is None:
        oracle = default_oracle()
    ids, scorable = oracle_ids(tokens, vocab, oracle)
    nll = oracle.nll(ids[scorable]) if scorable.any() else math.nan
    return {"nll_oracle": nll, "oracle_scored": float(scorable.mean())}


def nll_oracle(tokens, vocab, oracle=None) -> float:
    """NLL-oracle (Yu et al. 2017): ``-(1/(20 m)) sum_rows sum_t log p_oracle(x_t | x_<t)`` in nats,
    over the m rows whose first 20 tokens are oracle words (NaN if none; see :func:`oracle_ids`).

    ``tokens``: int (n, seq_len) ids of the oracle corpus's ``vocab``. Lower is better; the oracle's
    own samples score its entropy rate (about 5.7 nats in the papers' oracle).
    """
    return oracle_scores(tokens, vocab, oracle)["nll_oracle"]


# ----------------------------------------------------------------------------- a model's own NLL

def nll_test(model, test_tokens, batch_size: int = 512) -> float:
    """NLL-test (Texygen) or NLL-gen (RelGAN): real test text under the generator, nats per token.

    ``model``: a LanguageModel or an autoregressive generator; ``test_tokens``: int (n, seq_len), e.g.
    ``prepared.test_tokens``. ``-(1/T) sum log p_model(x_t | x_<t)`` over the T words and ``<eos>``
    of all rows. Low means the model covers real text; a collapsed GAN scores badly here.
    """
    return _language_model(model).nll(_token_array(test_tokens, "test_tokens"), batch_size)


def tempered_nll_function(model, test_tokens, batch_size: int = 512) -> Callable[[float], float]:
    """``nll(temperature) -> float``: :func:`tempered_nll_test` of ``test_tokens`` at any temperature.

    Checks the inputs once and traces the model once, so scoring many temperatures costs one forward
    pass over ``test_tokens`` (int (n, seq_len)) each. ``model``: a LanguageModel or an autoregressive
    generator.
    """
    import tensorflow as tf  # lazy, as every model import here: gan_text.metrics imports without TensorFlow
    from keras import ops

    from ..models.autoregressive import teacher_forcing_inputs
    from ..models.language_model import token_nll

    lm = _language_model(model)
    tokens = token_array(test_tokens, "test_tokens")
    if tokens.shape[1] != lm.seq_len:
        raise GanTextError(f"test_tokens must have the model's seq_len {lm.seq_len}, got shape {tokens.shape}; "
                           f"pass the prepared.test_tokens of the data the model was trained on")
    batch_size = whole_number("batch_size", batch_size)
    generator = lm.generator

    @tf.function(input_signature=[tf.TensorSpec((None, lm.seq_len), tf.int32), tf.TensorSpec((), tf.float32)])
    def nll_sums(batch, temperature):  # LanguageModel's NLL, with the logits divided by the temperature
        logits = generator(teacher_forcing_inputs(batch), training=False)
        nll, mask = token_nll(batch, logits / temperature)
        return ops.sum(nll), ops.sum(mask)

    def nll(temperature: float) -> float:
        temperature = tf.constant(check_temperature("temperature", temperature, greedy=False), tf.float32)
        total = count = 0.0
        for start in range(0, len(tokens), batch_size):
            s, n = nll_sums(tf.constant(tokens[start:start + batch_size], tf.int32), temperature)
            total, count = total + float(s), count + float(n)
        if count == 0:
            raise GanTextError("no tokens to score: every position is <pad>; pass real sentences")
        return total / count

    return nll


def tempered_nll_test(model, test_tokens, temperature: float = 1.0, batch_size: int = 512) -> float:
    """NLL-test under the *tempered* model, the one that sampling at ``temperature`` draws from.

    ``-(1/T) sum log softmax(logits_t / temperature)[x_t]`` in nats per token over the T words and
    ``<eos>`` of all rows of ``test_tokens`` (int (n, seq_len); ``<pad>`` not counted), exactly the
    token convention of :func:`nll_test`, which it equals at ``temperature=1``. ``temperature`` > 0:
    below 1 the model is sharper (fewer real sentences covered, higher NLL), above 1 flatter. It is
    the coverage axis of a quality-diversity frontier; see :mod:`gan_text.metrics.frontier`.
    """
    return tempered_nll_function(model, test_tokens, batch_size)(temperature)


def nll_div(model, n: int, temperature: float = 1.0, seed: int = 0) -> float:
    """NLL-div (TextGAN-PyTorch): ``n`` of the model's own samples under itself, nats per token.

    An estimate of the model's entropy rate: low means it writes few different things. Samples are
    drawn at ``temperature`` but scored at temperature 1 (the model's own distribution).
    """
    lm = _language_model(model)
    return lm.nll(lm.sample(n, temperature=temperature, seed=seed))


# ----------------------------------------------------------------------------- the grammar

def grammar_scores(sentences, grammar=None) -> dict[str, float]:
    """How grammatical the sentences are, and how likely the grammatical ones are, under the grammar.

    ``sentences``: strings or lists of word strings (decode token ids first). ``grammar``: default
    the toy grammar of the ``grammar`` corpus. Returns

    - ``grammatical_fraction``: share of sentences with a parse, in [0, 1] (higher is better);
    - ``mean_log_prob``: mean of ``log P_pcfg(s)`` (nats per sentence) over the grammatical ones;
    - ``mean_log_prob_per_token``: ``sum log P / sum len`` over them (NaN for both if none parses).

    A generator that writes only the most likely sentences gets a high log-probability but little
    diversity: read it next to the diversity scores.
    """
    if grammar is None:
        grammar = default_grammar()
    if isinstance(sentences, str) or not hasattr(sentences, "__len__") or len(sentences) == 0:
        raise GanTextError("grammar_scores needs a non-empty list of sentences (strings or word "
                           "lists); decode generated ids first with prepared.decode(tokens)")
    log_probs, lengths = [], []
    for sentence in sentences:
        if grammar.is_grammatical(sentence):
            log_probs.append(grammar.log_prob(sentence))
            lengths.append(len(sentence.split() if isinstance(sentence, str) else sentence))
    total = math.fsum(log_probs)
    return {"grammatical_fraction": len(log_probs) / len(sentences),
            "mean_log_prob": total / len(log_probs) if log_probs else math.nan,
            "mean_log_prob_per_token": total / sum(lengths) if log_probs else math.nan}


# ----------------------------------------------------------------------------- learned judges

def _train_lm(train_tokens, vocab_size: int, seq_len: int, cfg, seed: int, steps: int,
              validation=None):
    """A fresh LSTM LanguageModel trained by teacher forcing for ``steps`` steps (seeded)."""
    import keras  # lazy: gan_text.metrics imports without TensorFlow

    from ..models import LanguageModel, build_generator

    keras.utils.set_random_seed(seed)
    generator = build_generator(LM_SETTINGS["kind"], vocab_size, seq_len, cell=LM_SETTINGS["cell"],
                                emb_dim=cfg.emb_dim, hidden_dim=cfg.hidden_dim)
    lm = LanguageModel(generator)
    lm.compile(optimizer=keras.optimizers.Adam(LM_SETTINGS["lr"], clipnorm=LM_SETTINGS["clipnorm"]))
    batch_size = min(cfg.batch_size, len(train_tokens))
    data = make_dataset(train_tokens, batch_size, seed=seed, repeat=True)
    if validation is None:
        lm.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
        return lm
    # Ten evaluations over the budget; keep the weights with the best held-out NLL.
    interval = max(1, steps // 10)
    stop = keras.callbacks.EarlyStopping(monitor="val_nll", mode="min", patience=2,
                                         restore_best_weights=True)
    lm.fit(data, steps_per_epoch=interval, epochs=max(1, steps // interval), verbose=0,
           validation_data=make_dataset(validation, len(validation), shuffle=False,
                                        drop_remainder=False), callbacks=[stop])
    return lm


def _cfg(cfg):
    return profile() if cfg is None else cfg


def _prepared(data):
    """Check that ``data`` is a Prepared dataset (vocabulary and train/test ids)."""
    if not all(hasattr(data, a) for a in ("vocab", "train_tokens", "test_tokens", "seq_len")):
        raise GanTextError(f"expected the prepared data (gt.dataset.prepare(corpus)), got "
                           f"{type(data).__name__}; pass the Prepared your models were trained on")
    return data


def _budget(cfg, steps) -> int:
    """Training steps: ``steps`` if given, else the MLE baseline's ``pretrain_steps + steps``."""

    return cfg.pretrain_steps + cfg.steps if steps is None else whole_number("steps", steps)


def reference_lm_dir(data, cfg=None, seed: int = 0, steps: int | None = None,
                     cache_dir=None, name: str | None = None) -> Path:
    """Where :func:`train_reference_lm` keeps the LM for these data, sizes, budget and seed.

    ``<cache_dir>/<name>-n<n_train>-v<vocab_size>-e<emb_dim>-h<hidden_dim>-s<steps>-seed<seed>-<hash>``
    under ``cache_root()/models/reference_lm`` by default. The hash covers the vocabulary, every train
    token, the sizes, the training settings and the seed, so any change gives a new folder.
    """
    cfg, data = _cfg(cfg), _prepared(data)
    steps = _budget(cfg, steps)
    settings = {"format": CACHE_FORMAT, **LM_SETTINGS, "emb_dim": cfg.emb_dim,
                "hidden_dim": cfg.hidden_dim, "batch_size": cfg.batch_size, "steps": steps,
                "seed": int(seed), "seq_len": data.seq_len, "vocab": data.vocab.tokens}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    digest.update(np.ascontiguousarray(data.train_tokens, dtype=np.int32).tobytes())
    root = Path(cache_dir) if cache_dir is not None else cache_root() / "models" / "reference_lm"
    label = "".join(c if c.isalnum() or c in "-_" else "_" for c in (name or "corpus"))
    return root / (f"{label}-n{len(data.train_tokens)}-v{data.vocab_size}-e{cfg.emb_dim}-"
                   f"h{cfg.hidden_dim}-s{steps}-seed{seed}-{digest.hexdigest()[:12]}")


def train_reference_lm(data, cfg=None, seed: int = 0, *, steps: int | None = None,
                       cache_dir: str | os.PathLike | None = None, name: str | None = None,
                       verbose: bool = True):
    """An LSTM LanguageModel trained on the real train data, the judge of :func:`lm_score`.

    ``data``: a :class:`~gan_text.dataset.Prepared`; ``cfg``: a profile (default ``gt.profile()``)
    giving ``emb_dim``, ``hidden_dim``, ``batch_size`` and the budget ``steps`` (default
    ``pretrain_steps + steps``, the MLE baseline's). Trained once, then loaded from
    :func:`reference_lm_dir` (``cache_dir``; ``name``, e.g. the corpus name, labels the folder).
    Training calls ``keras.utils.set_random_seed(seed)``, which also resets the global seeds. Use a
    ``seed`` different from the models you judge, so the judge is not the MLE baseline itself.
    """
    from ..models import load_model, save_model  # lazy: gan_text.metrics imports without TensorFlow

    cfg = _cfg(cfg)
    steps = _budget(cfg, steps)
    directory = reference_lm_dir(data, cfg, seed, steps, cache_dir, name)
    if (directory / "config.json").is_file():
        try:
            lm, _, _ = load_model(directory, compile=False)
        except Exception as err:  # a damaged cache: never delete it silently
            raise GanTextError(f"the cached reference LM in '{directory}' cannot be loaded ({err}); "
                               f"delete that folder to train it again") from None
        if verbose:
            print(f"reference LM loaded from {directory}")
        return lm
    start = time.perf_counter()
    lm = _train_lm(data.train_tokens, data.vocab_size, data.seq_len, cfg, seed, steps)
    test_nll = lm.nll(data.test_tokens) if len(data.test_tokens) else math.nan
    save_model(lm, directory, data.vocab, hyperparameters={
        **LM_SETTINGS, "steps": steps, "batch_size": cfg.batch_size, "seed": int(seed),
        "n_train": len(data.train_tokens), "test_nll": test_nll})
    if verbose:
        print(f"reference LM trained for {steps} steps in {time.perf_counter() - start:.0f} s "
              f"(test NLL {test_nll:.3f} nats/token), saved to {directory}")
    return lm


def lm_score(generated_tokens, reference_lm, batch_size: int = 512) -> float:
    """LM score (Semeniuta et al. 2018): generated text under an LM trained on real data.

    ``-(1/T) sum log p_real-LM(x_t | x_<t)`` in nats per token over the generated words and
    ``<eos>``. Lower is better quality; it cannot see a lack of diversity (one perfect sentence
    repeated scores well). ``reference_lm``: from :func:`train_reference_lm`.
    """
    return _language_model(reference_lm).nll(_token_array(generated_tokens, "generated_tokens"),
                                             batch_size)


def reverse_lm_score(generated_tokens, test_tokens, data, cfg=None, seed: int = 0, *,
                     steps: int | None = None) -> float:
    """Reverse-LM score (Caccia et al. 2020): real test text under an LM trained on generated text.

    A fresh LSTM LanguageModel (the reference LM's sizes, from ``cfg``) is trained on
    ``generated_tokens`` (int (n, seq_len), ids of ``data.vocab``) for at most ``steps`` steps
    (default ``pretrain_steps + steps``), keeping the weights with the best NLL on 10 % of the
    generated rows held out (so a small sample is not simply memorised); it then scores
    ``test_tokens`` (default ``data.test_tokens``) in nats per token. Lower is better: the samples
    must be both good and varied to teach an LM real text. Compare with the same score for a real
    sample of the same size (``sweep.real_data_row``). Calls ``keras.utils.set_random_seed(seed)``.
    """
    cfg, data = _cfg(cfg), _prepared(data)
    generated = _token_array(generated_tokens, "generated_tokens")
    test = _token_array(data.test_tokens if test_tokens is None else test_tokens, "test_tokens")
    if generated.shape[1] != data.seq_len or len(generated) < 2:
        raise GanTextError(f"reverse_lm_score needs at least 2 generated rows of seq_len "
                           f"{data.seq_len}, got shape {generated.shape}; sample more sentences")
    steps = _budget(cfg, steps)
    order = np.random.default_rng(seed).permutation(len(generated))
    n_val = max(1, round(REVERSE_VALIDATION * len(generated)))
    train, validation = generated[order[n_val:]], generated[order[:n_val]]
    lm = _train_lm(train, data.vocab_size, data.seq_len, cfg, seed, steps, validation)
    return lm.nll(test)


# ----------------------------------------------------------------------------- discriminators

def classifier_scores(labels, scores, threshold: float = 0.5, from_logits: bool = False
                      ) -> dict[str, float]:
    """How well a discriminator tells real (label 1) from fake (label 0), by scikit-learn.

    ``labels``: 0/1 array (n,); ``scores``: float (n,), the probability of "real" (or logits with
    ``from_logits=True``: ``sigmoid`` is applied). A score >= ``threshold`` predicts "real". Returns
    ``accuracy``, ``precision``, ``recall``, ``f1`` (0 where undefined: no predicted or no true
    positives) and ``roc_auc`` (threshold-free; NaN when only one class is present).
    """
    from sklearn import metrics

    labels = np.asarray(labels).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if labels.size == 0 or labels.shape != scores.shape:
        raise GanTextError(f"labels and scores must be two non-empty arrays of the same length, got "
                           f"{labels.size} and {scores.size}; pass one score per example")
    if not np.isin(labels, (0, 1)).all():
        raise GanTextError("labels must be 0 (fake) or 1 (real); convert them, e.g. labels.astype(int)")
    if from_logits:
        scores = 1.0 / (1.0 + np.exp(-scores))
    predicted = (scores >= threshold).astype(int)
    labels = labels.astype(int)
    both = len(np.unique(labels)) == 2
    return {"accuracy": float(metrics.accuracy_score(labels, predicted)),
            "precision": float(metrics.precision_score(labels, predicted, zero_division=0)),
            "recall": float(metrics.recall_score(labels, predicted, zero_division=0)),
            "f1": float(metrics.f1_score(labels, predicted, zero_division=0)),
            "roc_auc": float(metrics.roc_auc_score(labels, scores)) if both else math.nan}


__all__ = ["LM_SETTINGS", "classifier_scores", "grammar_scores", "lm_score", "nll_div", "nll_oracle",
           "nll_test", "oracle_ids", "oracle_scores", "perplexity", "reference_lm_dir",
           "reverse_lm_score", "tempered_nll_function", "tempered_nll_test", "train_reference_lm"]
