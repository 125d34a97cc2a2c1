"""Metrics: how good and how varied is generated text?

BLEU-n (quality against real references) and Self-BLEU-n (similarity of the generated sentences to
each other; high means little diversity), exactly as nltk's ``sentence_bleu`` with smoothing method 1
computes them, averaged over sentences, and fast enough for 10,000 x 10,000 sentences::

    from gan_text.metrics import bleu, self_bleu, bleu_report
    bleu(hypotheses, references, 4)      # lists of token lists -> mean BLEU-4, a float
    self_bleu(samples, 4)                # leave-one-out Self-BLEU-4
    print(bleu_report(hypotheses, references, protocol="relgan"))

The algorithm and its proof of exactness live in :mod:`gan_text.metrics.bleu_exact`. Diversity (distinct-n,
duplicates, novelty) is in :mod:`~gan_text.metrics.diversity`; fidelity to real text (n-gram JSD, MS-Jaccard,
length distance) in :mod:`~gan_text.metrics.fidelity`. Likelihoods (NLL-oracle, NLL-test, NLL-div, LM and
reverse-LM scores) are in :mod:`~gan_text.metrics.likelihood`, the Frechet embedding distance in
:mod:`~gan_text.metrics.embedding`, the temperature sweep in :mod:`~gan_text.metrics.sweep`, and the quality
frontier (grammatical-novel share against tempered NLL-test) in :mod:`~gan_text.metrics.frontier`.
"""

from .bleu_exact import (
    DEFAULT_NS,
    PROTOCOLS,
    BleuReport,
    Protocol,
    bleu,
    bleu_report,
    bleu_scores,
    self_bleu,
    self_bleu_scores,
    sentence_bleus,
    sentence_self_bleus,
)
from .diversity import (
    DIVERSITY_NS,
    distinct_n,
    distinct_scores,
    diversity_scores,
    duplicate_rate,
    ngram_counts,
    novelty,
    unique_ngrams_per_sentence,
)
from .embedding import (
    POOLINGS,
    frechet_distance,
    frechet_embedding_distance,
    gaussian_fit,
    sentence_embeddings,
)
from .fidelity import (
    JSD_NS,
    MS_JACCARD_NS,
    fidelity_scores,
    length_distance,
    ms_jaccard,
    ms_jaccard_scores,
    multiset_jaccard,
    ngram_jsd,
    ngram_jsd_scores,
)
from .frontier import (
    DEFAULT_TEMPERATURES,
    check_temperatures,
    frontier_scores,
    frontier_sweep,
    grammar_nll,
    grammatical_novel,
    standard_error,
)
from .likelihood import (
    LM_SETTINGS,
    classifier_scores,
    grammar_scores,
    lm_score,
    nll_div,
    nll_oracle,
    nll_test,
    oracle_ids,
    oracle_scores,
    perplexity,
    reference_lm_dir,
    reverse_lm_score,
    tempered_nll_function,
    tempered_nll_test,
    train_reference_lm,
)
from .sweep import model_sampler, real_data_row, score_samples, temperature_sweep

__all__ = [
    "LM_SETTINGS", "POOLINGS", "classifier_scores", "frechet_distance", "frechet_embedding_distance", "gaussian_fit",
    "grammar_scores", "lm_score", "model_sampler", "nll_div", "nll_oracle", "nll_test", "oracle_ids", "oracle_scores",
    "perplexity", "real_data_row", "reference_lm_dir", "reverse_lm_score", "score_samples", "sentence_embeddings",
    "temperature_sweep", "train_reference_lm", "tempered_nll_function", "tempered_nll_test",
    "DEFAULT_TEMPERATURES", "check_temperatures", "frontier_scores", "frontier_sweep", "grammar_nll",
    "grammatical_novel", "standard_error",
    "DIVERSITY_NS", "JSD_NS", "MS_JACCARD_NS", "distinct_n", "distinct_scores", "diversity_scores",
    "duplicate_rate", "fidelity_scores", "length_distance", "ms_jaccard", "ms_jaccard_scores",
    "multiset_jaccard", "ngram_counts", "ngram_jsd", "ngram_jsd_scores", "novelty", "unique_ngrams_per_sentence",
    "DEFAULT_NS", "PROTOCOLS", "BleuReport", "Protocol", "bleu", "bleu_report", "bleu_scores",
    "self_bleu", "self_bleu_scores", "sentence_bleus", "sentence_self_bleus",
]
