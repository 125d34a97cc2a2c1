"""The synthetic benchmark of SeqGAN, Texygen and RelGAN: learn the distribution of a random LSTM.

The ``oracle`` corpus (:mod:`gan_text.corpora.oracle`): 10,000 training sequences of 20 token ids
sampled from a random LSTM (vocabulary 5,000, embedding and hidden 32). Because the oracle's
probabilities are known exactly, three numbers say how close a generator gets, all in nats per token
over the 20 words (the ``<eos>`` our generators add is not counted, as in the papers):

- **NLL-oracle**: the oracle's NLL of the generator's samples (quality; lower is better);
- **NLL-gen**: the generator's NLL of the oracle's held-out test sequences (coverage: a generator that
  drops modes pays here);
- **NLL-div**: the generator's NLL of its own samples (its entropy: low means little diversity).

The oracle's NLL of its own test samples is the floor of both NLL-oracle and NLL-gen (row ``oracle``).
Unlike the papers' generators, ours may end a sequence early (``<eos>``): such a sample has no oracle
probability, so NLL-oracle is the mean over the samples with 20 words, and ``oracle_scored`` says which
share that was (see :func:`gan_text.metrics.likelihood.oracle_ids`); read the two together.
Lowering the temperature of any model lowers its NLL-oracle and raises its NLL-gen, so a GAN is
compared with the MLE model *at the same NLL-gen*: the MLE temperature sweep traces that trade-off
(:func:`gan_text.bench.results.matched_comparison`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..corpora import load_corpus
from ..corpora.oracle import default_oracle
from ..metrics.likelihood import oracle_scores
from .model import SAMPLE_SEED

N_PRINT = 0  # the sentences are ids: nothing to read at each evaluation point
SHOW = ("nll_oracle", "nll_gen", "nll_div")
METRICS = ("nll_oracle", "oracle_scored", "nll_gen", "nll_div")  # the table's metrics, in order
VALID_STREAM = 1  # the held-out sequences' seed: SeedSequence([corpus seed, 1]), apart from train's and test's


def _oracle(corpus):
    return corpus.true_model


def load(budget):
    """The oracle corpus with ``budget.n_train`` / ``budget.n_test`` sequences (corpus seed 0)."""
    # lazy: training loads TensorFlow, and gan_text.bench imports without it
    from ..training.runs import CORPUS_SEED

    return load_corpus("oracle", n_train=budget.n_train, n_test=budget.n_test, seed=CORPUS_SEED)


def validation(budget) -> list[str]:
    """``budget.n_curve_test`` fresh oracle sequences from a seed of their own: held-out sentences, in neither
    train nor test, on which the MLE baseline is early-stopped (:mod:`gan_text.bench.early_stopping`)."""
    from ..training.runs import CORPUS_SEED  # lazy, as in load()

    seed = int(np.random.SeedSequence([CORPUS_SEED, VALID_STREAM]).generate_state(1)[0])
    return [" ".join(map(str, row)) for row in default_oracle().sample(budget.n_curve_test, seed=seed).tolist()]


def reference_rows(corpus, budget) -> dict:
    """``{"oracle": ...}``: the oracle's NLL of its own test sequences, the floor of NLL-oracle and NLL-gen."""
    floor = _oracle(corpus).nll(corpus.test)
    return {"oracle": {"nll_oracle": floor, "nll_gen": floor, "nll_div": floor}}


def _length(model) -> int:
    return int(model.recipe.config.get("seq_len", model.data.seq_len)) - 1  # the oracle's 20 words


def _scores(model, tokens, corpus, temperature: float) -> dict:
    """NLL-oracle (and the share of rows it scored), NLL-gen and NLL-div of one set of samples."""
    words = _length(model)
    scores = oracle_scores(tokens, model.data.vocab, _oracle(corpus))
    scores["nll_gen"] = model.nll_at(model.data.test_tokens, temperature, positions=words)
    scores["nll_div"] = model.nll_at(tokens, temperature, positions=words)
    scores["duplicate_rate"] = 1.0 - len({row.tobytes() for row in np.asarray(tokens)}) / len(tokens)
    return scores


def curve_scores(model, budget, seed: int, corpus=None):
    """``evaluate(sentences)`` for ``train``: NLL-gen on ``n_curve_test`` test sequences and NLL-div on
    ``n_eval`` fresh samples (NLL-oracle comes with the SampleLogger's ``oracle_nll``)."""
    test = model.data.test_tokens[:budget.n_curve_test]
    words = _length(model)

    def evaluate(sentences):
        tokens = model.sample(budget.n_eval, 1.0, SAMPLE_SEED + seed)
        return {"nll_gen": model.nll_at(test, 1.0, positions=words),
                "nll_div": model.nll_at(tokens, 1.0, positions=words)}

    return evaluate


def final_scores(model, corpus, budget, seed: int) -> dict:
    """Scores of ``n_final`` samples at temperature 1 (see the module doc), plus ``oracle_scored``
    (share of samples with 20 oracle words; the others have no oracle probability) and ``duplicate_rate``."""
    tokens = model.sample(budget.n_final, 1.0, SAMPLE_SEED + seed)
    return _scores(model, tokens, corpus, 1.0)


def sweep(model, corpus, budget, seed: int) -> pd.DataFrame:
    """The same scores at every temperature of ``budget.temperatures`` (same sampling seed each time);
    NLL-gen and NLL-div at temperature T use the model's softmax at T."""
    rows = []
    for temperature in budget.temperatures:
        tokens = model.sample(budget.n_final, temperature, SAMPLE_SEED + seed)
        rows.append({"temperature": temperature, **_scores(model, tokens, corpus, temperature)})
    return pd.DataFrame(rows)


__all__ = ["METRICS", "VALID_STREAM", "curve_scores", "final_scores", "load", "reference_rows", "sweep",
           "validation"]
