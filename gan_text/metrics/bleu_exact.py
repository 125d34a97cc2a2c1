"""BLEU and Self-BLEU, exactly as nltk computes them, fast enough for 10,000 x 10,000 sentences.

The text-GAN papers (SeqGAN, Texygen, RelGAN, TextGAN-PyTorch) all score a generated sentence ``h``
with nltk's ``sentence_bleu(references, h, weights=(1/n,)*n,
smoothing_function=SmoothingFunction().method1)`` against the *whole* reference set, then average
over the generated sentences. BLEU-n of one hypothesis is (Papineni et al., 2002, "BLEU: a method for
automatic evaluation of machine translation", ACL; smoothing: Chen & Cherry, 2014, WMT, method 1)::

    BLEU-n(h) = BP(h) * exp( sum_{k=1..n} (1/n) * log p_k(h) )

    p_k(h) = sum_g min(count_h(g), max_r count_r(g))  /  max(1, number of k-grams in h)
             (g runs over the k-grams of h; a zero numerator becomes 0.1: method 1)
    BP(h)  = 1 if |h| > r  else exp(1 - r / |h|),
             r = the reference length closest to |h| (ties: the shorter one)

and nltk returns 0 when no unigram of ``h`` matches (in particular for an empty ``h``). A hypothesis
shorter than k has no k-grams: its p_k is 0.1 / 1.

Self-BLEU-n (Zhu et al., 2018, Texygen, SIGIR) scores every sentence of one set against all the *other*
sentences of the same set (leave-one-out: a sentence is never its own reference, but its duplicates
are), and is a measure of (lack of) diversity: high Self-BLEU means the sentences look alike.

Why this is fast and still exact: ``max_r count_r(g)`` depends only on the reference set, so it is
one table computed once (nltk recomputes it for every hypothesis); for leave-one-out we keep the two
largest counts of every n-gram, so removing any one sentence is a lookup. Reference lengths are kept
sorted with their multiplicities, so the closest length is a binary search. All counting is done by
numpy on integer n-gram ids; the last step (logs, ``math.fsum``, ``exp``) repeats nltk's own float
operations in the same order, so scores agree with nltk to the last bit in practice.

Protocols (which hypotheses a paper scores) sit on top: see :data:`PROTOCOLS` and :func:`bleu_report`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from ..errors import GanTextError, one_of
from .inputs import ngram_orders, token_lists

DEFAULT_NS = (2, 3, 4, 5)
EPSILON = 0.1  # nltk's SmoothingFunction().method1 default


# ----------------------------------------------------------------------------- input checks

# ----------------------------------------------------------------------------- n-gram counting

class _Counts:
    """Per-sentence n-gram counts of a list of sentences, as (sentence, n-gram id, count) triples.

    ``pairs[k]`` holds three equal-length arrays for order k: sentence index, n-gram id (dense, shared
    by all sentences) and how often that n-gram occurs in that sentence.
    """

    def __init__(self, sentences: list[tuple], max_n: int):
        vocab: dict = {}
        try:
            flat = [vocab.setdefault(tok, len(vocab)) for s in sentences for tok in s]
        except TypeError as exc:  # an unhashable token, e.g. nltk's list-of-lists-of-references
            raise GanTextError("tokens must be strings (or other hashable values), but a sentence "
                               "holds a list; pass one flat list of token lists") from exc
        self.lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
        tokens = np.asarray(flat, dtype=np.int64)
        sent = np.repeat(np.arange(len(sentences), dtype=np.int64), self.lengths)
        starts = np.concatenate(([0], np.cumsum(self.lengths)[:-1])) if len(sentences) else self.lengths
        room = self.lengths[sent] - (np.arange(tokens.size) - starts[sent])  # tokens left from here on
        n_ids, width = max(len(vocab), 1), max(len(vocab), 1)
        pos, ids = np.arange(tokens.size), tokens
        self.pairs = {}
        for k in range(1, max_n + 1):
            if k > 1:  # a k-gram = (its (k-1)-gram prefix, its last token): ids stay below 2**63
                keep = room[pos] >= k
                pos = pos[keep]
                ids = ids[keep] * width + tokens[pos + k - 1]
                uniq, ids = np.unique(ids, return_inverse=True)
                n_ids = max(uniq.size, 1)
            keys, counts = np.unique(sent[pos] * n_ids + ids, return_counts=True)
            self.pairs[k] = (keys // n_ids, keys % n_ids, counts, n_ids)


def _closest_lengths(hyp_lengths: np.ndarray, ref_lengths: np.ndarray, own: bool) -> np.ndarray:
    """nltk's closest_ref_length for every hypothesis: the nearest reference length, ties -> shorter.

    ``own=True`` means hypothesis i is itself among the references with length ``hyp_lengths[i]``
    and must be left out (Self-BLEU): an equal length then only counts if another sentence has it.
    """
    values, mult = np.unique(ref_lengths, return_counts=True)
    left = np.searchsorted(values, hyp_lengths, side="left")
    right = np.searchsorted(values, hyp_lengths, side="right")
    equal = np.where(right > left, mult[np.minimum(left, values.size - 1)], 0) - int(own)
    below = np.where(left > 0, values[np.maximum(left - 1, 0)], -1)
    above = np.where(right < values.size, values[np.minimum(right, values.size - 1)], -1)
    use_above = (below < 0) | ((above >= 0) & (above - hyp_lengths < hyp_lengths - below))
    return np.where(equal > 0, hyp_lengths, np.where(use_above, above, below))


def _matches(counts: _Counts, n_hyp: int, max_n: int, self_refs: bool) -> list[np.ndarray]:
    """Clipped match counts per hypothesis for every order 1..max_n (the p_k numerators).

    Hypotheses are sentences ``0 .. n_hyp-1``. With ``self_refs=False`` the references are all the
    other sentences from ``n_hyp`` on; with ``self_refs=True`` every sentence is a reference and each
    hypothesis is clipped by the largest count among the *other* sentences (top-2 table).
    """
    out = []
    for k in range(1, max_n + 1):
        sent, gram, cnt, n_ids = counts.pairs[k]
        if self_refs:
            order = np.lexsort((-cnt, gram))  # by n-gram, largest count first
            g, c = gram[order], cnt[order]
            first = np.ones(g.size, dtype=bool)
            first[1:] = g[1:] != g[:-1]
            top1 = np.zeros(n_ids, dtype=np.int64)
            top2 = np.zeros(n_ids, dtype=np.int64)
            top1[g[first]] = c[first]
            second = np.zeros(g.size, dtype=bool)
            second[1:] = first[:-1] & ~first[1:]
            top2[g[second]] = c[second]
            clip = np.where(cnt == top1[gram], top2[gram], top1[gram])
        else:
            is_ref = sent >= n_hyp
            clip = np.zeros(n_ids, dtype=np.int64)
            np.maximum.at(clip, gram[is_ref], cnt[is_ref])
            clip = clip[gram]
        mine = sent < n_hyp
        out.append(np.bincount(sent[mine], weights=np.minimum(cnt, clip)[mine],
                               minlength=n_hyp).astype(np.int64))
    return out


def _scores(matches, hyp_lengths, ref_closest, ns) -> dict[int, np.ndarray]:
    """Per-hypothesis BLEU-n for each n, with nltk's own float operations in nltk's order."""
    max_n = max(ns)
    weights = {n: 1.0 / n for n in ns}
    result = {n: np.zeros(len(hyp_lengths)) for n in ns}
    numer = [m.tolist() for m in matches]
    for i, (h, r) in enumerate(zip(hyp_lengths.tolist(), ref_closest.tolist(), strict=True)):
        if numer[0][i] == 0:  # no unigram matches (or an empty hypothesis): nltk returns 0
            continue
        logs = []
        for k in range(max_n):
            den = max(1, h - k)
            num = numer[k][i]
            logs.append(math.log(num / den if num else EPSILON / den))
        bp = 1 if h > r else math.exp(1 - r / h)
        for n in ns:
            w = weights[n]
            result[n][i] = bp * math.exp(math.fsum(w * lp for lp in logs[:n]))
    return result


# ----------------------------------------------------------------------------- public core

def sentence_bleus(hypotheses, references, ns=DEFAULT_NS) -> dict[int, np.ndarray]:
    """BLEU-n of every hypothesis against the whole reference set, for each n in ``ns``.

    Equal to ``[sentence_bleu(references, h, (1/n,)*n, smoothing_function=method1) for h in hyps]``
    from nltk, computed once for all orders. Returns ``{n: array of one score per hypothesis}``.
    """
    ns = ngram_orders(ns)
    hyps = token_lists(hypotheses, "hypotheses")
    refs = token_lists(references, "references")
    if not refs:
        raise GanTextError("the reference set is empty; pass at least one tokenised reference sentence")
    counts = _Counts(hyps + refs, max(ns))
    hyp_len, ref_len = counts.lengths[: len(hyps)], counts.lengths[len(hyps):]
    matches = _matches(counts, len(hyps), max(ns), self_refs=False)
    return _scores(matches, hyp_len, _closest_lengths(hyp_len, ref_len, own=False), ns)


def sentence_self_bleus(sentences, ns=DEFAULT_NS, n_hypotheses: int | None = None
                        ) -> dict[int, np.ndarray]:
    """Leave-one-out Self-BLEU-n of each sentence against all the other sentences, for each n.

    Sentence i is scored as by nltk with ``references = sentences[:i] + sentences[i+1:]``. Only the
    first ``n_hypotheses`` sentences are scored (None: all), but each against all the others.
    """
    ns = ngram_orders(ns)
    sents = token_lists(sentences, "sentences")
    if len(sents) < 2:
        raise GanTextError(f"Self-BLEU needs at least 2 sentences (each is scored against the others); "
                           f"got {len(sents)}")
    n_hyp = len(sents) if n_hypotheses is None else min(int(n_hypotheses), len(sents))
    counts = _Counts(sents, max(ns))
    matches = [m[:n_hyp] for m in _matches(counts, len(sents), max(ns), self_refs=True)]
    hyp_len = counts.lengths[:n_hyp]
    return _scores(matches, hyp_len, _closest_lengths(hyp_len, counts.lengths, own=True), ns)


def _means(per_sentence: dict[int, np.ndarray], what: str) -> dict[int, float]:
    if not next(iter(per_sentence.values())).size:
        raise GanTextError(f"there are no {what} to score; pass at least one tokenised sentence")
    return {n: math.fsum(v.tolist()) / v.size for n, v in per_sentence.items()}


def bleu_scores(hypotheses, references, ns=DEFAULT_NS) -> dict[int, float]:
    """Mean BLEU-n over the hypotheses for each n in ``ns`` (one pass shared by all orders)."""
    return _means(sentence_bleus(hypotheses, references, ns), "hypotheses")


def self_bleu_scores(sentences, ns=DEFAULT_NS, n_hypotheses: int | None = None) -> dict[int, float]:
    """Mean leave-one-out Self-BLEU-n for each n in ``ns`` (see :func:`sentence_self_bleus`)."""
    return _means(sentence_self_bleus(sentences, ns, n_hypotheses), "sentences")


def bleu(hypotheses, references, n: int) -> float:
    """Mean BLEU-n of tokenised ``hypotheses``, each against all tokenised ``references`` (nltk-exact)."""
    return bleu_scores(hypotheses, references, (n,))[n]


def self_bleu(sentences, n: int) -> float:
    """Mean leave-one-out Self-BLEU-n of tokenised ``sentences`` (nltk-exact)."""
    return self_bleu_scores(sentences, (n,))[n]


# ----------------------------------------------------------------------------- protocols

@dataclasses.dataclass(frozen=True)
class Protocol:
    """Which hypotheses a published evaluation scores: the first ``n_hypotheses`` (None: all)."""

    name: str
    n_hypotheses: int | None
    source: str


PROTOCOLS = {
    "texygen": Protocol("texygen", None, "Texygen (Zhu et al. 2018), full evaluation: every "
                                         "hypothesis against every reference"),
    "relgan": Protocol("relgan", 100, "RelGAN code (Nie et al. 2019): the first 100 hypotheses "
                                      "against every reference"),
    "textgan": Protocol("textgan", 200, "TextGAN-PyTorch: the first 200 hypotheses against every "
                                        "reference"),
}


@dataclasses.dataclass(frozen=True)
class BleuReport:
    """BLEU-n (and Self-BLEU-n) under a named protocol; prints with the protocol and the counts."""

    protocol: str
    n_hypotheses: int  # hypotheses scored
    n_references: int
    n_given: int  # hypotheses passed in (Self-BLEU scores n_hypotheses of them against the others)
    bleu: dict[int, float]
    self_bleu: dict[int, float] | None = None

    @property
    def header(self) -> str:
        wanted = PROTOCOLS[self.protocol].n_hypotheses
        short = f" (protocol asks for {wanted:,})" if wanted and self.n_hypotheses < wanted else ""
        text = (f"BLEU, protocol {self.protocol}: {self.n_hypotheses:,} hypotheses{short} "
                f"vs {self.n_references:,} references")
        if self.self_bleu is not None:
            text += (f"; Self-BLEU: {self.n_hypotheses:,} hypotheses, each vs the other "
                     f"{self.n_given - 1:,}")
        return text

    def to_frame(self):
        """The scores as a pandas DataFrame (one row per n), with the header in ``.attrs``."""
        import pandas as pd

        columns = {"BLEU": self.bleu} | ({"Self-BLEU": self.self_bleu} if self.self_bleu else {})
        frame = pd.DataFrame(columns)
        frame.index.name = "n"
        frame.attrs["header"] = self.header
        return frame

    def __str__(self) -> str:
        rows = [f"{'n':>3}  {'BLEU':>6}" + ("  Self-BLEU" if self.self_bleu is not None else "")]
        for n, value in self.bleu.items():
            extra = f"  {self.self_bleu[n]:>9.3f}" if self.self_bleu is not None else ""
            rows.append(f"{n:>3}  {value:>6.3f}{extra}")
        return "\n".join([self.header, *rows])

    def _repr_html_(self) -> str:
        return f"<p>{self.header}</p>" + self.to_frame().to_html(float_format="{:.3f}".format)


def bleu_report(hypotheses: Sequence, references: Sequence, protocol: str = "texygen",
                ns=DEFAULT_NS, self_bleu: bool = True) -> BleuReport:
    """Score tokenised ``hypotheses`` against tokenised ``references`` under a named protocol.

    The protocol picks the hypotheses scored (see :data:`PROTOCOLS`); references are always all of
    them. With ``self_bleu=True`` it also gives leave-one-out Self-BLEU of those hypotheses, each
    against all the other hypotheses passed in.
    """
    if protocol not in PROTOCOLS:
        raise one_of("BLEU protocol", protocol, PROTOCOLS)
    hyps = token_lists(hypotheses, "hypotheses")
    refs = token_lists(references, "references")
    cut = PROTOCOLS[protocol].n_hypotheses
    scored = hyps if cut is None else hyps[:cut]
    bleus = bleu_scores(scored, refs, ns)
    selfs = self_bleu_scores(hyps, ns, n_hypotheses=len(scored)) if self_bleu else None
    return BleuReport(protocol, len(scored), len(refs), len(hyps), bleus, selfs)
