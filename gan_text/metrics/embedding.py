"""A Fréchet distance between sentence embeddings: how far apart two sets of sentences lie, as a whole.

Fit a Gaussian to the embeddings of each set (mean ``mu``, covariance ``sigma``) and measure the
Fréchet (2-Wasserstein) distance between the two Gaussians (Dowson & Landau 1982)::

    d^2 = |mu_1 - mu_2|^2 + Tr( sigma_1 + sigma_2 - 2 (sigma_1 sigma_2)^(1/2) )

This is the FID of images (Heusel et al. 2017) carried over to text as the **FED** by Semeniuta,
Severyn & Gelly (2018), "On accurate evaluation of GANs for language generation". Both quality and
diversity move it: a collapsed generator has a small covariance and is far from the real one.

**Not the paper's encoder.** The FED paper embeds sentences with Google's Universal Sentence Encoder
(Cer et al. 2018), trained on huge amounts of web text. That model is not available offline, so here
the encoder is the course's own LSTM language model trained on the real training sentences (e.g. the
reference LM of :func:`~gan_text.metrics.likelihood.train_reference_lm`): a sentence's embedding is
the mean of the LSTM's hidden states over its tokens. Our numbers are therefore not comparable with
the paper's, nor across encoders: compare only models scored with the same LM, on samples of the
same size (the estimate is biased upwards for small samples), and always next to the real-vs-real
distance (e.g. test sentences against as many train sentences).
"""

from __future__ import annotations

import numpy as np

from ..errors import GanTextError, one_of
from ..vocabulary import PAD_ID
from .inputs import token_array

POOLINGS = ("mean", "last")


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite matrix (by eigenvalues)."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (see the module docstring).

    ``mu*``: float (d,); ``sigma*``: symmetric positive semi-definite float (d, d). Returns a float
    >= 0 in squared embedding units; 0 for equal Gaussians. ``Tr (sigma1 sigma2)^(1/2)`` is computed
    as ``Tr (s sigma2 s)^(1/2)`` with ``s = sigma1^(1/2)``, a symmetric matrix with the same
    eigenvalues, so singular covariances (fewer samples than dimensions) need no fudge term and no
    complex numbers appear (scipy's ``sqrtm(sigma1 @ sigma2)`` agrees where it is well-conditioned).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    d = mu1.shape[0] if mu1.ndim == 1 else -1
    if d < 1 or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise GanTextError(f"frechet_distance needs two means (d,) and two covariances (d, d) of the "
                           f"same d, got {mu1.shape}, {sigma1.shape}, {mu2.shape}, {sigma2.shape}; "
                           f"fit both sets with gaussian_fit")
    root = _psd_sqrt((sigma1 + sigma1.T) / 2)
    middle = root @ sigma2 @ root
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    diff = mu1 - mu2
    return max(0.0, float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * cross))


def gaussian_fit(embeddings) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and unbiased covariance (d, d), float64, of embeddings (n, d) with n >= 2."""
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise GanTextError(f"gaussian_fit needs at least 2 embeddings of shape (n, d), got {x.shape}; "
                           f"embed more sentences")
    return x.mean(axis=0), np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1])


def _hidden_states(generator, tokens):
    """Hidden states (batch, seq_len, width) of an ``rnn`` or ``transformer`` generator reading ``tokens``."""
    if hasattr(generator, "features"):  # transformer: the vectors before the output layer
        return generator.features(tokens, training=False)
    if hasattr(generator, "rnn") and hasattr(generator, "embedding"):
        return generator.rnn(generator.embedding(tokens), training=False)
    raise GanTextError(f"sentence_embeddings needs an rnn or transformer language model, got "
                       f"{getattr(generator, 'kind', type(generator).__name__)!r}; pass the "
                       f"reference LM (train_reference_lm)")


def sentence_embeddings(tokens, lm, pooling: str = "mean", batch_size: int = 512) -> np.ndarray:
    """One vector per sentence from the hidden states of a language model: float64 (n, width).

    ``tokens``: int (n, seq_len) ids (words, ``<eos>``, ``<pad>``) of the LM's vocabulary; ``lm``: a
    LanguageModel or an autoregressive generator (``rnn``: width = ``hidden_dim``; ``transformer``:
    ``emb_dim``). The LM reads each row; ``pooling="mean"`` averages its hidden states over the
    words and the ``<eos>`` (``<pad>`` left out), ``"last"`` keeps the state after the last of them.
    NOT the Universal Sentence Encoder of the FED paper (see the module docstring).
    """
    if pooling not in POOLINGS:
        raise one_of("pooling", pooling, POOLINGS)
    tokens = token_array(tokens, "tokens").astype(np.int32)
    generator = getattr(lm, "generator", lm)
    if tokens.shape[1] != generator.seq_len:
        raise GanTextError(f"the LM reads rows of {generator.seq_len} tokens, got {tokens.shape[1]}; "
                           f"encode the sentences with the LM's prepared data")
    mask = tokens != PAD_ID
    if not mask.any(axis=1).all():
        raise GanTextError("a row holds only <pad>; every sentence needs at least its <eos>")
    out = []
    for start in range(0, len(tokens), batch_size):
        rows, keep = tokens[start:start + batch_size], mask[start:start + batch_size]
        states = np.asarray(_hidden_states(generator, rows), dtype=np.float64)
        if pooling == "mean":
            out.append((states * keep[..., None]).sum(axis=1) / keep.sum(axis=1, keepdims=True))
        else:
            last = keep.shape[1] - 1 - np.argmax(keep[:, ::-1], axis=1)
            out.append(states[np.arange(len(rows)), last])
    return np.concatenate(out)


def frechet_embedding_distance(generated_tokens, real_tokens, lm, pooling: str = "mean") -> float:
    """FED with our own encoder: :func:`frechet_distance` between Gaussian fits of the
    :func:`sentence_embeddings` of generated and real sentences (int (n, seq_len) each).

    Lower is better; 0 only for identical embedding statistics. See the module docstring for what
    the number can and cannot be compared with.
    """
    fake = gaussian_fit(sentence_embeddings(generated_tokens, lm, pooling))
    real = gaussian_fit(sentence_embeddings(real_tokens, lm, pooling))
    return frechet_distance(*fake, *real)


__all__ = ["POOLINGS", "frechet_distance", "frechet_embedding_distance", "gaussian_fit",
           "sentence_embeddings"]
