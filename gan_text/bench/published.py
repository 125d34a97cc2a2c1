"""Published reference values of the two benchmarks, each with its source (paper and table).

:data:`PUBLISHED` holds one :class:`Reference` per (benchmark, model, metric); :func:`published_table`
returns them as a DataFrame. Metric names are those of our results files: ``nll_oracle`` (nats per
token), ``bleu_2`` .. ``bleu_5`` and ``self_bleu_2`` .. ``self_bleu_5`` (fractions in [0, 1]).

Read them as *roughly* comparable only:

- **oracle**: every paper draws its own random oracle LSTM (ours: :data:`gan_text.corpora.oracle.ORACLE_SEED`
  with N(0, 1) weights), so the NLL-oracle of the same model differs from one oracle to another; the
  oracle's own NLL (its entropy, the floor no generator beats) differs too. Compare the gaps to the floor
  and the order of the models, not the third decimal.
- **coco**: the same Texygen split and nltk BLEU with smoothing method 1 (``texygen`` protocol: every
  sample against every test sentence). Our real-text row (10,000 training sentences) reproduces Texygen's
  training-set BLEU and Self-BLEU to the third decimal, so the protocol matches; the generated numbers
  still depend on the number of samples (Self-BLEU grows with it) and on how long each model trained.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from .budgets import check_benchmark

TEXYGEN = ("Zhu, Lu, Zheng, Guo, Zhang, Wang and Yu (2018). Texygen: A Benchmarking Platform for Text "
           "Generation Models. SIGIR 2018. arXiv:1802.01886")
RELGAN = ("Nie, Narodytska and Patel (2019). RelGAN: Relational Generative Adversarial Networks for Text "
          "Generation. ICLR 2019")


@dataclasses.dataclass(frozen=True)
class Reference:
    """One published number: ``value`` of ``metric`` for ``model`` on ``benchmark``, from ``source``."""

    benchmark: str
    model: str  # our recipe name where we run the same model ("mle", "seqgan", "relgan"), else its name
    metric: str
    value: float
    source: str  # short citation and table
    note: str = ""


def _row(benchmark, model, metrics, values, source, note=""):
    return [Reference(benchmark, model, m, float(v), source, note) for m, v in zip(metrics, values, strict=True)]


_NLL = ("nll_oracle",)
_BLEU = ("bleu_2", "bleu_3", "bleu_4", "bleu_5")
_SELF_BLEU = ("self_bleu_2", "self_bleu_3", "self_bleu_4", "self_bleu_5")
_RELGAN_T1 = "RelGAN (Nie et al. 2019), Table 1: NLL-oracle on synthetic data, length 20"
_TEXYGEN_T2 = ("Texygen (Zhu et al. 2018), BLEU-2..5 on the COCO test data (the paper's BLEU table; the GANs "
               "and the training set also in the repository's docs/evaluation.md)")
_TEXYGEN_SB = "Texygen (Zhu et al. 2018), Self-BLEU-2..5 on COCO, training set (10,000 sentences)"
_RELGAN_T2 = "RelGAN (Nie et al. 2019), Table 2: BLEU on COCO, RelGAN(100)"

PUBLISHED: list[Reference] = [
    *_row("oracle", "mle", _NLL, (9.038,), _RELGAN_T1),
    *_row("oracle", "seqgan", _NLL, (8.736,), _RELGAN_T1),
    *_row("oracle", "rankgan", _NLL, (8.247,), _RELGAN_T1),
    *_row("oracle", "leakgan", _NLL, (7.038,), _RELGAN_T1),
    *_row("oracle", "relgan", _NLL, (6.680,), _RELGAN_T1, "RelGAN(100): beta_max 100; a relational-memory "
                                                          "generator, not our LSTM"),
    *_row("coco", "mle", _BLEU, (0.731, 0.497, 0.305, 0.189), _TEXYGEN_T2, "LSTM 32 units, 80 epochs"),
    *_row("coco", "seqgan", _BLEU, (0.745, 0.498, 0.294, 0.180), _TEXYGEN_T2),
    *_row("coco", "leakgan", _BLEU, (0.746, 0.528, 0.355, 0.230), _TEXYGEN_T2),
    *_row("coco", "relgan", _BLEU[:3], (0.849, 0.687, 0.502), _RELGAN_T2, "RelGAN(100): beta_max 100; a "
                                                                           "relational-memory generator"),
    *_row("coco", "real", _BLEU, (0.740, 0.520, 0.337, 0.218), _TEXYGEN_T2, "the training set scored "
                                                                           "against the test set"),
    *_row("coco", "real", _SELF_BLEU, (0.892, 0.747, 0.574, 0.416), _TEXYGEN_SB),
]

SOURCES = {"Texygen": TEXYGEN, "RelGAN": RELGAN}
CAVEATS = {
    "oracle": "different oracle weights (each paper draws its own random LSTM) make these only roughly "
              "comparable: compare the distance to each oracle's floor and the order of the models",
    "coco": "same data, BLEU definition and protocol (with 10,000 sentences our real-text row reproduces "
            "Texygen's training-set BLEU and Self-BLEU to the third decimal), but training lengths differ and "
            "Self-BLEU grows with the number of samples compared (ours: the budget's n_final)",
}


def published_table(benchmark: str | None = None) -> pd.DataFrame:
    """The published values as a DataFrame: columns ``benchmark, model, metric, value, source, note``
    (one benchmark if ``benchmark`` is given)."""
    frame = pd.DataFrame([dataclasses.asdict(r) for r in PUBLISHED])
    if benchmark is not None:
        frame = frame[frame["benchmark"] == check_benchmark(benchmark)].reset_index(drop=True)
    return frame


__all__ = ["CAVEATS", "PUBLISHED", "RELGAN", "Reference", "SOURCES", "TEXYGEN", "published_table"]
