"""The COCO captions benchmark of Texygen and RelGAN: BLEU against the test split, Self-BLEU, NLL-gen.

The Texygen split of MS-COCO captions (``load_corpus("coco")``: 10,000 train and 10,000 test
sentences, downloaded once; ``GAN_TEXT_DATA_MIRROR`` points at a local copy). Scores, under
Texygen's protocol (:data:`gan_text.metrics.PROTOCOLS`: every sample against every test sentence,
nltk BLEU with smoothing method 1, samples drawn at temperature 1):

- **BLEU-2..5** of ``n_final`` samples against the whole test split (quality; higher is better);
- **Self-BLEU-2..5**: each sample against the other samples (lower is more diverse; it grows with the
  number of samples, so compare rows with the same ``n``);
- **NLL-gen**: the generator's NLL of the test sentences (nats per token, ``<eos>`` counted; words never
  seen in training are ``<unk>``, which no model learns to predict: 3.5 % of the test tokens, in 32 % of
  the test sentences, so NLL-gen sits well above the training NLL for every recipe alike);
- distinct-n, duplicate rate, novelty and mean length, as in ``python -m gan_text evaluate``.

Row ``real``: ``n_final`` *training* sentences scored the same way, Texygen's "training set" column.
The MLE model is also swept over temperatures: at T < 1 it trades diversity for BLEU, which is how
Caccia et al. (2020) show that a GAN's BLEU gain alone proves little.
"""

from __future__ import annotations

import pandas as pd

from ..corpora import load_corpus
from ..metrics import bleu_scores
from ..metrics.sweep import real_data_row, score_samples
from ..text import tokenize_corpus
from .model import SAMPLE_SEED

N_PRINT = 1
SHOW = ("bleu_2", "bleu_5", "self_bleu_5", "nll_gen")
METRICS = ("bleu_2", "bleu_3", "bleu_4", "bleu_5", "self_bleu_2", "self_bleu_3", "self_bleu_4", "self_bleu_5",
           "nll_gen")
PROTOCOL = "texygen"


def load(budget):
    """The Texygen COCO split, cut to ``budget.n_train`` / ``budget.n_test`` sentences (file order)."""
    return load_corpus("coco", n_train=budget.n_train, n_test=budget.n_test)


def _sentences(corpus):
    """(train, test) as token lists, tokenised as the corpus is for training."""
    return (tokenize_corpus(corpus.train, corpus.level, corpus.lowercase),
            tokenize_corpus(corpus.test, corpus.level, corpus.lowercase))


def validation(budget) -> None:
    """None: Texygen's COCO captions come as train and test only, and the test set is never tuned on, so
    the MLE baseline is scored at its last step (no early stopping)."""
    return None


def reference_rows(corpus, budget) -> dict:
    """``{"real": ...}``: ``n_final`` training sentences scored against the test split (BLEU) and
    against each other (Self-BLEU), the numbers a perfect generator would reach."""
    train, test = _sentences(corpus)
    n = min(budget.n_final, len(train))
    row = real_data_row(real=train[:n], references=test, n=n, protocol=PROTOCOL).iloc[0]
    return {"real": row.drop(["temperature"]).dropna().to_dict()}


def curve_scores(model, budget, seed: int, corpus=None):
    """``evaluate(sentences)`` for ``train``: BLEU-2..5 of ``n_eval`` fresh samples against the test split
    (``corpus``'s, else the prepared test rows), NLL-gen on ``n_curve_test`` test sentences and NLL-div
    of the samples (nats per token)."""
    vocab = model.data.vocab
    test = model.data.test_tokens[:budget.n_curve_test]
    references = _sentences(corpus)[1] if corpus is not None else [vocab.decode(r) for r in model.data.test_tokens]

    def evaluate(sentences):
        tokens = model.sample(budget.n_eval, 1.0, SAMPLE_SEED + seed)
        bleu = bleu_scores([vocab.decode(row) for row in tokens], references)
        return {**{f"bleu_{n}": v for n, v in bleu.items()}, "nll_gen": model.nll_at(test, 1.0),
                "nll_div": model.nll_at(tokens, 1.0)}

    return evaluate


def _scores(model, tokens, train, test, temperature: float) -> dict:
    scores = score_samples(tokens, vocab=model.data.vocab, references=test, train_sentences=train,
                           protocol=PROTOCOL)
    scores["nll_gen"] = model.nll_at(model.data.test_tokens, temperature)
    scores["nll_div"] = model.nll_at(tokens, temperature)
    return scores


def final_scores(model, corpus, budget, seed: int) -> dict:
    """BLEU-2..5, Self-BLEU-2..5 (and the diversity scores), NLL-gen and NLL-div of ``n_final`` samples
    at temperature 1."""
    train, test = _sentences(corpus)
    tokens = model.sample(budget.n_final, 1.0, SAMPLE_SEED + seed)
    return _scores(model, tokens, train, test, 1.0)


def sweep(model, corpus, budget, seed: int) -> pd.DataFrame:
    """The same scores at every temperature of ``budget.temperatures`` (same sampling seed each time)."""
    train, test = _sentences(corpus)
    rows = []
    for temperature in budget.temperatures:
        tokens = model.sample(budget.n_final, temperature, SAMPLE_SEED + seed)
        rows.append({"temperature": temperature, **_scores(model, tokens, train, test, temperature)})
    return pd.DataFrame(rows)


__all__ = ["METRICS", "PROTOCOL", "curve_scores", "final_scores", "load", "reference_rows", "sweep", "validation"]
