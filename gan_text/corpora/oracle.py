"""The synthetic ``oracle`` corpus: sequences sampled from a randomly initialised LSTM.

This is the benchmark of SeqGAN (Yu et al., 2017), Texygen, RelGAN and TextGAN-PyTorch. A language
model with random weights plays the part of "the true distribution of text": it samples the training
and test sequences, and, because its probabilities are known exactly, it can score any generated
sequence. The **NLL-oracle** metric is the oracle's mean per-token negative log-likelihood (nats) of a
generator's samples: lower means the generator puts its mass where the oracle does.

The model, as in SeqGAN's ``target_lstm.py``::

    x_0     = embedding[START_TOKEN]                 start token 0, itself an ordinary word id
    h_0=c_0 = 0
    for t = 1..seq_len:
        h_t, c_t = LSTM(x_{t-1}, h_{t-1}, c_{t-1})   one layer, gates i, f, c, o, one bias
        p(token_t | tokens_<t) = softmax(h_t @ W_out + b_out)
        x_t     = embedding[token_t]

with vocabulary 5,000, embedding 32, hidden 32, sequence length 20, and every weight and bias drawn
from N(0, 1) (std 1.0) by ``numpy.random.default_rng(seed)``; the large weights are what make the
oracle's samples far from uniform. Differences from the published code, on purpose:

- our weights come from our own seed (:data:`ORACLE_SEED`), not SeqGAN's pickled parameters, so our
  oracle is a different draw from the same family and its own NLL differs a little from the ~5.7
  nats that papers report;
- Texygen's ``OracleLstm`` draws its gate weights with std 1e6 (saturated 0/1 gates); we use std 1.0
  everywhere, like SeqGAN's paper and TextGAN-PyTorch;
- PyTorch's LSTM has two gate biases (input and recurrent), TextGAN-PyTorch's oracle therefore has
  bias variance 2; we keep Keras's and SeqGAN's single bias.

Everything is NumPy (no TensorFlow import): the recurrence and scoring run in float64; sampling
computes the 5,000-way softmax in float32 for speed (probabilities good to ~1e-6 relative). Work is
split into blocks of rows run on up to four threads, each with single-threaded BLAS (nested BLAS
threads only fight over a busy CPU); the numbers do not depend on the thread count. The weights
follow Keras's LSTM layout (``kernel`` (emb, 4*hidden), ``recurrent_kernel`` (hidden, 4*hidden),
``bias`` (4*hidden,), gate order i, f, c, o), so they load into ``keras.layers.LSTM`` unchanged.
"""

from __future__ import annotations

import concurrent.futures
import functools
import math
import os
import re

import numpy as np
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from ..checks import seed as check_seed
from ..checks import whole_number
from ..errors import GanTextError
from .base import Corpus

ORACLE_SEED = 2017  # the default oracle's weight seed (SeqGAN's year); fixed forever
START_TOKEN = 0  # SeqGAN's start token: the first step's input is embedding[0]
N_TRAIN = 10_000
N_TEST = 10_000

_ROWS_PER_CHUNK = 256  # sequences (sampling) or positions (scoring) per block of logits
_SEQUENCES_PER_CHUNK = 256  # sequences whose hidden states are computed together when scoring
_MAX_THREADS = 4
_INTEGER = re.compile(r"-?[0-9]+")
_SAFE_LOGIT = 60.0  # below this bound exp(logit) cannot overflow float32, so no max-shift is needed


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, written with tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _in_chunks(work, n_rows: int, rows_per_chunk: int) -> None:
    """Call ``work(rows)`` for consecutive slices of ``rows_per_chunk`` rows, on a few threads.

    Each slice's result depends only on its own rows, so the numbers are the same whatever the
    thread count or order; NumPy releases the GIL in its loops, so threads use several cores.
    """
    slices = [slice(s, s + rows_per_chunk) for s in range(0, n_rows, rows_per_chunk)]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(_MAX_THREADS, cores or 1, len(slices))
    if workers <= 1:
        for rows in slices:
            work(rows)
    else:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            list(pool.map(work, slices))  # list() re-raises any error from a worker


class OracleLM:
    """A random LSTM language model that samples sequences and scores them exactly.

    ``OracleLM(vocab_size=5000, emb_dim=32, hidden_dim=32, seq_len=20, seed=ORACLE_SEED)`` draws all
    weights from N(0, 1) with ``numpy.random.default_rng(seed)``; the same arguments always give the
    same weights (the weights do not depend on ``seq_len``). Token ids are ints in [0, vocab_size).
    """

    def __init__(self, vocab_size: int = 5000, emb_dim: int = 32, hidden_dim: int = 32,
                 seq_len: int = 20, seed: int = ORACLE_SEED):
        self.vocab_size = whole_number("vocab_size", vocab_size, 2)
        self.emb_dim = whole_number("emb_dim", emb_dim)
        self.hidden_dim = whole_number("hidden_dim", hidden_dim)
        self.seq_len = whole_number("seq_len", seq_len)
        self.seed = check_seed("seed", seed)
        rng = np.random.default_rng(self.seed)
        v, e, h = self.vocab_size, self.emb_dim, self.hidden_dim
        self._w = {  # drawn in this order; changing the order would change every oracle
            "embeddings": rng.standard_normal((v, e)),
            "kernel": rng.standard_normal((e, 4 * h)),
            "recurrent_kernel": rng.standard_normal((h, 4 * h)),
            "bias": rng.standard_normal(4 * h),
            "output_kernel": rng.standard_normal((h, v)),
            "output_bias": rng.standard_normal(v),
        }
        for array in self._w.values():
            array.flags.writeable = False
        # Each token's input contribution to the gates, looked up instead of multiplied each step.
        self._input_gates = self._w["embeddings"] @ self._w["kernel"] + self._w["bias"]
        # Output layer with the bias as an extra row (hidden states get a column of ones).
        self._out64 = np.vstack([self._w["output_kernel"], self._w["output_bias"]])
        # Since |h| <= 1, no logit can exceed this bound in absolute value.
        bound = float(np.max(np.abs(self._out64).sum(axis=0)))
        self._shift_needed = bound > _SAFE_LOGIT
        # Sampling pads the vocabulary to whole blocks (logit -inf, probability 0) for a two-level search.
        self._block = max(1, math.isqrt(v))
        self._n_blocks = -(-v // self._block)
        pad = self._n_blocks * self._block - v
        out32 = np.hstack([self._out64, np.zeros((h + 1, pad))]).astype(np.float32)
        out32[-1, v:] = -np.inf
        self._out32 = out32

    def __repr__(self) -> str:
        return (f"OracleLM(vocab_size={self.vocab_size}, emb_dim={self.emb_dim}, "
                f"hidden_dim={self.hidden_dim}, seq_len={self.seq_len}, seed={self.seed})")

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """The weights (read-only float64 arrays), named and shaped as Keras layers hold them.

        ``embeddings`` (vocab, emb) for ``keras.layers.Embedding``; ``kernel`` (emb, 4*hidden),
        ``recurrent_kernel`` (hidden, 4*hidden), ``bias`` (4*hidden,) for ``keras.layers.LSTM`` (gate
        order i, f, c, o); ``output_kernel`` (hidden, vocab), ``output_bias`` (vocab,) for
        ``keras.layers.Dense``.
        """
        return dict(self._w)

    # ----------------------------------------------------------------------------- the recurrence
    def _step(self, prev_tokens: np.ndarray, h: np.ndarray, c: np.ndarray):
        """One LSTM step for a batch: previous token ids (b,) and states (b, hidden) -> new h, c."""
        z = self._input_gates[prev_tokens] + h @ self._w["recurrent_kernel"]
        n = self.hidden_dim
        i, f = _sigmoid(z[:, :n]), _sigmoid(z[:, n:2 * n])
        g, o = np.tanh(z[:, 2 * n:3 * n]), _sigmoid(z[:, 3 * n:])
        c = f * c + i * g
        return o * np.tanh(c), c

    def _hidden_states(self, tokens: np.ndarray) -> np.ndarray:
        """Hidden states (n, seq_len, hidden+1) that predict each position (teacher forcing).

        The last column is ones, so that ``states @ self._out64`` adds the output bias.
        """
        n = len(tokens)
        states = np.ones((n, self.seq_len, self.hidden_dim + 1))
        h = np.zeros((n, self.hidden_dim))
        c = np.zeros((n, self.hidden_dim))
        prev = np.full(n, START_TOKEN)
        for t in range(self.seq_len):
            h, c = self._step(prev, h, c)
            states[:, t, :-1] = h
            prev = tokens[:, t]
        return states

    # ----------------------------------------------------------------------------- public API
    def logits(self, tokens) -> np.ndarray:
        """Next-token logits (n, seq_len, vocab) float64 at every position of the given sequences.

        ``logits[k, t]`` are the scores of the token at position t given tokens[k, :t] (softmax them
        for probabilities). Memory is n * seq_len * vocab * 8 bytes: meant for small batches.
        """
        tokens = self._as_tokens(tokens)
        return self._hidden_states(tokens) @ self._out64

    def token_nll(self, tokens) -> np.ndarray:
        """Per-position NLL (n, seq_len) float64: -log p(tokens[k, t] | tokens[k, :t]), in nats.

        ``tokens`` is an int array (n, seq_len) or a list of strings of space-separated ids. Computed in
        float64 from the exact softmax over the whole vocabulary.
        """
        tokens = self._as_tokens(tokens)
        with threadpool_limits(limits=1, user_api="blas"):
            return self._token_nll(tokens)

    def _token_nll(self, tokens: np.ndarray) -> np.ndarray:
        nll = np.empty(tokens.shape)

        def score_sequences(sequences: slice) -> None:
            states = self._hidden_states(tokens[sequences]).reshape(-1, self.hidden_dim + 1)
            targets = tokens[sequences].reshape(-1)
            scores = np.empty(len(states))
            for s in range(0, len(states), _ROWS_PER_CHUNK):  # (positions, vocab) blocks of logits
                logits = states[s:s + _ROWS_PER_CHUNK] @ self._out64
                target_logits = logits[np.arange(len(logits)), targets[s:s + _ROWS_PER_CHUNK]]
                shift = logits.max(axis=1) if self._shift_needed else np.zeros(len(logits))
                if self._shift_needed:
                    logits -= shift[:, None]
                log_z = np.log(np.exp(logits, out=logits).sum(axis=1)) + shift
                scores[s:s + _ROWS_PER_CHUNK] = log_z - target_logits
            nll[sequences] = scores.reshape(-1, self.seq_len)

        _in_chunks(score_sequences, len(tokens), _SEQUENCES_PER_CHUNK)
        return nll

    def nll(self, tokens) -> float:
        """NLL-oracle: the mean per-token negative log-likelihood of the sequences, in nats.

        ``tokens``: an int array (n, seq_len) or a list of strings of space-separated ids, as stored in
        the ``oracle`` corpus. The mean is over all n * seq_len positions (as Texygen and SeqGAN do).
        Raises GanTextError for an empty batch, a wrong length, a non-integer or out-of-range id.
        """
        return float(self.token_nll(tokens).mean())

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """Sample ``n`` sequences: an int32 array (n, seq_len) of ids in [0, vocab_size).

        Ancestral sampling by inverse CDF, with all uniforms drawn up front from
        ``numpy.random.default_rng(seed)``: the same seed gives the same sequences, and
        ``sample(m, seed)`` is the first m rows of ``sample(n, seed)`` for m <= n.
        """
        n = whole_number("n", n, 0)
        seed = check_seed("seed", seed)
        uniforms = np.random.default_rng(seed).random((n, self.seq_len))
        out = np.empty((n, self.seq_len), dtype=np.int32)

        def sample_rows(rows: slice) -> None:
            out[rows] = self._sample_chunk(uniforms[rows])

        with threadpool_limits(limits=1, user_api="blas"):
            _in_chunks(sample_rows, n, _ROWS_PER_CHUNK)
        return out

    def _sample_chunk(self, uniforms: np.ndarray) -> np.ndarray:
        """Sequences (b, seq_len) int32 for uniforms (b, seq_len) in [0, 1): one uniform per token."""
        b = len(uniforms)
        rows = np.arange(b)
        h = np.zeros((b, self.hidden_dim))
        c = np.zeros((b, self.hidden_dim))
        states = np.ones((b, self.hidden_dim + 1), dtype=np.float32)
        prev = np.full(b, START_TOKEN)
        out = np.empty((b, self.seq_len), dtype=np.int32)
        last_in_block = np.minimum(self._block - 1,
                                   self.vocab_size - 1 - self._block * np.arange(self._n_blocks))
        for t in range(self.seq_len):
            h, c = self._step(prev, h, c)
            states[:, :-1] = h
            probs = states @ self._out32  # logits, then unnormalised probabilities, in place
            if self._shift_needed:
                probs -= probs.max(axis=1, keepdims=True)
            np.exp(probs, out=probs)
            blocks = probs.reshape(b, self._n_blocks, self._block)
            # Two-level inverse CDF: find the block holding the target mass, then the token inside it.
            cum_blocks = np.cumsum(blocks.sum(axis=2), axis=1, dtype=np.float64)
            target = uniforms[:, t] * cum_blocks[:, -1]
            k = np.minimum((cum_blocks <= target[:, None]).sum(axis=1), self._n_blocks - 1)
            before = np.where(k > 0, cum_blocks[rows, k - 1], 0.0)
            cum_inside = np.cumsum(blocks[rows, k], axis=1, dtype=np.float64)
            j = (cum_inside <= (target - before)[:, None]).sum(axis=1)
            prev = k * self._block + np.minimum(j, last_in_block[k])
            out[:, t] = prev
        return out

    # ----------------------------------------------------------------------------- input checking
    def _as_tokens(self, tokens) -> np.ndarray:
        """Check and convert sequences to an int64 array (n, seq_len); GanTextError if impossible."""
        expected = f"sequences of {self.seq_len} token ids"
        if isinstance(tokens, (str, bytes)):
            raise GanTextError(f"give a list of sentences or an array of {expected}, not one string; "
                               "wrap a single sentence in a list")
        if not isinstance(tokens, np.ndarray):
            tokens = list(tokens)
            if not tokens:
                raise GanTextError(f"no sequences given: pass at least one of the {expected}")
            if all(isinstance(s, str) for s in tokens):
                tokens = self._parse_strings(tokens)
            else:
                lengths = {len(s) if hasattr(s, "__len__") and not isinstance(s, str) else -1
                           for s in tokens}
                if len(lengths) > 1 or -1 in lengths:
                    raise GanTextError(f"the oracle scores {expected} each; give a list of equal-length "
                                       "id lists, an int array (n, seq_len) or a list of strings")
                tokens = np.asarray(tokens)
        if tokens.ndim != 2:
            raise GanTextError(f"expected an array of shape (n, {self.seq_len}), got shape "
                               f"{tokens.shape}; wrap a single sequence as tokens[None]")
        if tokens.shape[0] == 0:
            raise GanTextError(f"no sequences given: pass at least one of the {expected}")
        if tokens.shape[1] != self.seq_len:
            raise GanTextError(f"sequences have {tokens.shape[1]} tokens but the oracle scores exactly "
                               f"{self.seq_len}; pad or cut them to {self.seq_len} ids")
        if not np.issubdtype(tokens.dtype, np.integer):
            if not np.issubdtype(tokens.dtype, np.floating) or not np.all(np.mod(tokens, 1) == 0):
                raise GanTextError(f"token ids must be integers, got dtype {tokens.dtype}; "
                                   "convert the sequences to an int array")
        bad = (tokens < 0) | (tokens >= self.vocab_size)
        if bad.any():
            k, t = np.argwhere(bad)[0]
            raise GanTextError(f"token id {tokens[k, t]} (sequence {k}, position {t}) is outside "
                               f"[0, {self.vocab_size}); the oracle only knows ids below {self.vocab_size}")
        return tokens.astype(np.int64)

    def _parse_strings(self, sentences: list[str]) -> np.ndarray:
        parsed = np.empty((len(sentences), self.seq_len), dtype=np.int64)
        for k, sentence in enumerate(sentences):
            words = sentence.split()
            if len(words) != self.seq_len:
                raise GanTextError(f"sentence {k} has {len(words)} tokens but the oracle scores exactly "
                                   f"{self.seq_len}; pad or cut it to {self.seq_len} ids")
            for t, word in enumerate(words):
                if not _INTEGER.fullmatch(word):
                    raise GanTextError(f"sentence {k} has a non-integer token {word!r} at position {t}; "
                                       "oracle sentences are space-separated ids like '12 4033 7'")
                parsed[k, t] = int(word)
        return parsed


@functools.cache
def default_oracle() -> OracleLM:
    """The benchmark's oracle (vocab 5000, emb 32, hidden 32, length 20, seed ORACLE_SEED), built once."""
    return OracleLM()


def oracle_corpus(n_train: int | None = None, n_test: int | None = None, seed: int = 0) -> Corpus:
    """The ``oracle`` corpus: ``n_train`` (default 10,000) and ``n_test`` (default 10,000) sequences.

    Each sentence is a sampled sequence written as space-separated ids ("12 4033 7 ..."). Train and
    test come from two different seeds derived from ``seed``; a smaller ``n_train`` gives the first
    sentences of the larger corpus. ``corpus.true_model`` is :func:`default_oracle`, whose ``nll``
    scores generated sentences (NLL-oracle).
    """
    n_train = N_TRAIN if n_train is None else whole_number("n_train", n_train)
    n_test = N_TEST if n_test is None else whole_number("n_test", n_test, 0)
    seed = check_seed("seed", seed)
    train_seed, test_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    oracle = default_oracle()

    def as_sentences(tokens: np.ndarray) -> list[str]:
        return [" ".join(map(str, row)) for row in tokens.tolist()]

    return Corpus(
        name="oracle",
        description=(f"Synthetic benchmark (SeqGAN, Texygen, RelGAN): sequences of {oracle.seq_len} token "
                     f"ids sampled from a random LSTM (vocabulary {oracle.vocab_size}, embedding "
                     f"{oracle.emb_dim}, hidden {oracle.hidden_dim}, N(0,1) weights, seed "
                     f"{oracle.seed}). Score generated text with corpus.true_model.nll(sentences)."),
        train=as_sentences(oracle.sample(n_train, seed=train_seed)),
        test=as_sentences(oracle.sample(n_test, seed=test_seed)),
        level="word",
        lowercase=False,
        true_model=oracle,
        citation=("Yu, Zhang, Wang, Yu. SeqGAN: Sequence Generative Adversarial Nets with Policy "
                  "Gradient. AAAI 2017. arXiv:1609.05473"),
        licence="synthetic: generated on your machine, free to use",
    )


__all__ = ["N_TEST", "N_TRAIN", "ORACLE_SEED", "START_TOKEN", "OracleLM", "default_oracle",
           "oracle_corpus"]
