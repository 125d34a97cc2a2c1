"""Memorisation: the nearest training sentence of each sample, by token edit distance, found exactly.

A generator that copies its training sentences scores well on every quality metric; novelty says how many
samples are copies, :func:`nearest_neighbours` says how close the others are.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse  # installed with scikit-learn

from ..errors import GanTextError


def _id_rows(sentences, ids: dict, width: int, pad: int) -> np.ndarray:
    out = np.full((len(sentences), width), pad, dtype=np.int32)
    for k, sentence in enumerate(sentences):
        out[k, :len(sentence)] = [ids.setdefault(token, len(ids)) for token in sentence]
    return out


def _edit_distances(a, la, b, lb) -> np.ndarray:
    """Token edit distances between row ``a[k]`` and each row ``b[k, m]``, all at once (Wagner-Fischer).

    ``a``: int (n, W) ids, ``la``: (n,) lengths; ``b``: (n, M, W), ``lb``: (n, M). Row i of the table is
    computed from row i-1 for every pair together; insertions within a row are a running minimum:
    ``D[i][j] = min_k (E[k] + j - k)`` where ``E`` holds the substitution/deletion candidates.
    """
    n, m, width = b.shape
    cols = np.arange(width + 1, dtype=np.int32)
    prev = np.broadcast_to(cols, (n, m, width + 1)).copy()  # D[0][j] = j insertions
    out = np.where(la[:, None] == 0, lb, 0).astype(np.int32)
    for i in range(1, width + 1):
        step = np.empty_like(prev)
        step[..., 0] = i
        step[..., 1:] = np.minimum(prev[..., :-1] + (a[:, None, i - 1, None] != b), prev[..., 1:] + 1)
        prev = np.minimum.accumulate(step - cols, axis=-1) + cols
        done = la == i
        out[done] = np.take_along_axis(prev[done], lb[done][..., None], axis=-1)[..., 0]
    return out


def nearest_neighbours(samples, train, k: int = 64, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """For each sample, its nearest training sentence by token edit distance, found exactly.

    ``samples``, ``train``: lists of token lists. Returns ``(index, distance)``, two int arrays of shape
    ``(len(samples),)``: ``train[index[i]]`` is a closest training sentence to ``samples[i]`` and
    ``distance[i]`` the number of token insertions, deletions and substitutions between them (as
    ``nltk.edit_distance``; 0 means copied). Fast: a cheap lower bound, ``max(len a, len b)`` minus the
    tokens the two sentences share (counted with repeats), picks ``k`` candidates per sample; the exact
    distance is computed for them, then for any other sentence whose bound is below the best found.
    """
    if not len(samples) or not len(train):
        raise GanTextError("nearest_neighbours needs at least one sample and one training sentence")
    ids: dict = {}
    width = max(1, *map(len, samples), *map(len, train))
    a, b = _id_rows(samples, ids, width, -1), _id_rows(train, ids, width, -2)
    la, lb = (a >= 0).sum(1), (b >= 0).sum(1)

    def bags(rows):
        which = np.repeat(np.arange(len(rows)), (rows >= 0).sum(1))
        return sparse.csr_matrix((np.ones(which.size, np.float32), (which, rows[rows >= 0])),
                                 shape=(len(rows), max(1, len(ids))))

    train_bags = bags(b).T.tocsc()
    k = min(k, len(train))
    index, distance = np.zeros(len(a), np.int64), np.zeros(len(a), np.int64)
    for start in range(0, len(a), chunk):
        rows = slice(start, start + chunk)
        shared = (bags(a[rows]) @ train_bags).toarray()  # >= the shared tokens counted with repeats
        lower = np.maximum(la[rows, None], lb[None, :]) - shared.round().astype(np.int64)
        candidates = np.argpartition(lower, k - 1, axis=1)[:, :k]
        found = _edit_distances(a[rows], la[rows], b[candidates], lb[candidates])
        best, where = found.min(1), candidates[np.arange(len(found)), found.argmin(1)]
        lower[np.arange(len(found))[:, None], candidates] = np.iinfo(np.int64).max  # done already
        for r in np.nonzero((lower < best[:, None]).any(1))[0]:
            others = np.nonzero(lower[r] < best[r])[0]
            exact = _edit_distances(a[start + r][None], la[start + r][None], b[others][None],
                                    lb[others][None])[0]
            if exact.min() < best[r]:
                best[r], where[r] = exact.min(), others[exact.argmin()]
        index[rows], distance[rows] = where, best
    return index, distance


__all__ = ["nearest_neighbours"]
