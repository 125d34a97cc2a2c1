"""``grammar``: a toy-English probabilistic context-free grammar, the default corpus of the course.

Because we wrote the grammar, we know the *true* distribution of the text, so generated sentences can
be judged exactly:

- :meth:`ToyGrammar.generate` samples sentences (deterministic for a seed);
- :meth:`ToyGrammar.is_grammatical` says whether a token sequence has at least one parse;
- :meth:`ToyGrammar.log_prob` gives its exact probability under the grammar, summed over all parses.

The rules and words live in :mod:`gan_text.corpora.grammar_rules`; ``print(default_grammar().pcfg)``
shows them as an ``nltk.PCFG``.

**Length truncation.** ``generate`` keeps only sentences of ``min_len`` to ``max_len`` tokens (4 to 25
by default): a derivation is abandoned as soon as it is certain to exceed ``max_len`` and a too-short
sentence is thrown away, and sampling starts again. So the corpus follows the PCFG *conditioned on the
length being in range*: ``P_corpus(s) = P_pcfg(s) / Z`` for in-range ``s`` (0 otherwise), where
``Z = truncation_mass`` is the exact probability of an in-range length. ``log_prob(s)`` is the
untruncated ``log P_pcfg(s)``; ``log_prob(s, truncated=True)`` is ``log P_corpus(s)``.

**Parsing.** A CKY chart parser over a binarised copy of the grammar computes inside probabilities
(the sum over all parses) in floating point with one scale factor per chart cell, so long sentences
do not underflow. Whether a symbol is in a cell is tracked separately from its value, so grammaticality
is decided exactly. There is no cache: every call parses.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Sequence

import numpy as np

from ..checks import seed as check_seed
from ..checks import whole_number
from ..errors import GanTextError
from . import grammar_rules
from .base import Corpus

DEFAULT_N_TRAIN = 10_000
DEFAULT_N_TEST = 1_000
_RANDOM_BLOCK = 1 << 15  # uniforms drawn from numpy at a time while sampling


class ToyGrammar:
    """The toy-English PCFG: sample sentences, judge them, and score them exactly.

    ``min_len`` / ``max_len`` bound the length (in tokens) of generated sentences; they do not change
    what is grammatical. Sentences are lower-case words joined by single spaces, without punctuation.

    Attributes: ``words`` (sorted list of the lexicon's words), ``rules`` (the phrase rules as text),
    ``pcfg`` (the whole grammar as an ``nltk.PCFG``), ``truncation_mass`` (``Z``, the PCFG
    probability that a sentence has ``min_len`` to ``max_len`` tokens).
    """

    def __init__(self, min_len: int = 4, max_len: int = 25):
        if not (isinstance(min_len, int) and isinstance(max_len, int) and 1 <= min_len <= max_len):
            raise GanTextError(f"sentence lengths must satisfy 1 <= min_len <= max_len, got "
                               f"min_len={min_len!r}, max_len={max_len!r}; pass two integers")
        self.min_len = min_len
        self.max_len = max_len
        self.rules = grammar_rules.STRUCTURE.strip()  # the readable rule listing (words aside)
        self._productions = grammar_rules.productions()
        lexical = set(grammar_rules.LEXICON)
        self.words = sorted({rhs[0] for lhs, rhs, _ in self._productions if lhs in lexical})
        self._compile_sampler(lexical)
        self._compile_parser(lexical)
        lengths = self.length_distribution(max_len)
        self.truncation_mass = float(lengths[min_len:].sum())

    # ----------------------------------------------------------------------------- building
    def _compile_sampler(self, lexical: set[str]) -> None:
        """Tables for top-down sampling: per symbol, cumulative probabilities and right-to-left
        children (a child ``c >= 0`` is a symbol, ``c < 0`` the word ``words[~c]``)."""
        symbols = list(dict.fromkeys(lhs for lhs, _, _ in self._productions))
        sym_id = {s: i for i, s in enumerate(symbols)}
        word_id = {w: i for i, w in enumerate(self.words)}
        cums: list[list[float]] = [[] for _ in symbols]
        kids: list[list[tuple[int, ...]]] = [[] for _ in symbols]
        for lhs, rhs, prob in self._productions:
            i = sym_id[lhs]
            if lhs in lexical:
                children = (~word_id[rhs[0]],)
            else:
                children = tuple(sym_id[s] for s in reversed(rhs))
            cums[i].append((cums[i][-1] if cums[i] else 0.0) + prob)
            kids[i].append(children)
        for cum in cums:
            cum[-1] = math.inf  # rounding can never pick past the last alternative
        self._sample_tables = list(zip(cums, kids, strict=True))
        self._sample_start = sym_id[grammar_rules.START]

    def _compile_parser(self, lexical: set[str]) -> None:
        """Binarise the rules (``A -> B C D`` becomes ``A -> B <C D>``, ``<C D> -> C D``), close the
        unary rules (``A -> B``) and index the binary rules by their children."""
        names: dict[str, int] = {}

        def sym(name: str) -> int:
            return names.setdefault(name, len(names))

        binary: dict[tuple[int, int, int], float] = {}
        unary: list[tuple[int, int, float]] = []
        word_rules: dict[str, list[tuple[int, float]]] = {}
        for lhs, rhs, prob in self._productions:
            if lhs in lexical:
                word_rules.setdefault(rhs[0], []).append((sym(lhs), prob))
            elif len(rhs) == 1:
                unary.append((sym(lhs), sym(rhs[0]), prob))
            else:
                # A -> X1 X2 X3: A -> X1 <X2 X3> [p], <X2 X3> -> X2 X3 [1] (helpers are shared)
                heads = [lhs] + ["<" + " ".join(rhs[i:]) + ">" for i in range(1, len(rhs) - 1)]
                tails = heads[1:] + [rhs[-1]]
                for i, (head, tail) in enumerate(zip(heads, tails, strict=True)):
                    key = sym(head), sym(rhs[i]), sym(tail)
                    binary[key] = binary.get(key, 0.0) + prob if i == 0 else 1.0
        n = len(names)
        u = np.zeros((n, n))
        for a, b, p in unary:
            u[a, b] += p
        closure = np.linalg.inv(np.eye(n) - u)  # closure[a, b] = P(a =>* b by unary rules alone)
        if not np.allclose(np.diag(closure), 1.0):
            raise ValueError("the grammar has a unary cycle; the parser does not support one")
        self._start = names[grammar_rules.START]
        self._n_symbols = n
        self._closure = closure
        self._up = [[(a, float(closure[a, b])) for a in np.flatnonzero(closure[:, b]) if a != b]
                    for b in range(n)]
        self._by_left: dict[int, dict[int, list[tuple[int, float]]]] = {}
        for (a, b, c), p in binary.items():
            self._by_left.setdefault(b, {}).setdefault(c, []).append((a, p))
        self._binary = np.array([(a, b, c, p) for (a, b, c), p in binary.items()])
        self._preterminals = sorted({a for rules in word_rules.values() for a, _ in rules})
        self._word_cells = {w: self._normalise(self._close(dict(rules)))
                            for w, rules in word_rules.items()}

    def _close(self, base: dict[int, float]) -> dict[int, float]:
        """Add what the unary rules derive from the symbols of one chart cell."""
        cell = dict(base)
        up = self._up
        for b, v in base.items():
            for a, q in up[b]:
                cell[a] = cell.get(a, 0.0) + q * v
        return cell

    @staticmethod
    def _normalise(cell: dict[int, float]) -> tuple[dict[int, float], float]:
        """Divide a cell by its largest value; return it with the natural log of that value."""
        top = max(cell.values(), default=0.0)
        if top <= 0.0:
            return cell, 0.0
        return {a: v / top for a, v in cell.items()}, math.log(top)

    # ----------------------------------------------------------------------------- parsing
    def _tokens(self, tokens) -> list[str]:
        if isinstance(tokens, str):
            return tokens.split()
        if isinstance(tokens, Sequence | np.ndarray) and all(isinstance(t, str) for t in tokens):
            return list(tokens)
        raise GanTextError(f"a sentence is a string or a list of word strings, not "
                           f"{type(tokens).__name__} {str(tokens)[:40]!r}; decode token ids to "
                           f"words first")

    def _inside(self, tokens) -> tuple[dict[int, float], float] | None:
        """The CKY chart cell of the whole sentence (values and their log scale), or None when a
        word is outside the lexicon or the sentence is empty."""
        words = self._tokens(tokens)
        n = len(words)
        if n == 0 or any(w not in self._word_cells for w in words):
            return None
        # chart[i][j]: {symbol: inside probability / exp(scale[i][j])} for tokens i..j-1
        chart = [[None] * (n + 1) for _ in range(n)]
        scale = [[0.0] * (n + 1) for _ in range(n)]
        for i, w in enumerate(words):
            chart[i][i + 1], scale[i][i + 1] = self._word_cells[w]
        by_left = self._by_left
        for span in range(2, n + 1):
            for i in range(n - span + 1):
                j = i + span
                splits = [k for k in range(i + 1, j) if chart[i][k] and chart[k][j]]
                base: dict[int, float] = {}
                if splits:
                    top = max(scale[i][k] + scale[k][j] for k in splits)
                for k in splits:
                    right = chart[k][j]
                    factor = math.exp(scale[i][k] + scale[k][j] - top)
                    for b, vb in chart[i][k].items():
                        rules = by_left.get(b)
                        if rules is None:
                            continue
                        for c in rules.keys() & right.keys():
                            v = vb * right[c] * factor
                            for a, p in rules[c]:
                                base[a] = base.get(a, 0.0) + p * v
                if base:
                    cell, log_top = self._normalise(self._close(base))
                    chart[i][j], scale[i][j] = cell, top + log_top
                else:
                    chart[i][j] = base
        return chart[0][n], scale[0][n]

    def is_grammatical(self, tokens: str | Sequence[str]) -> bool:
        """True when the token sequence (a string is split on whitespace) has a parse from ``S``.

        Exact and case-sensitive: a word outside :attr:`words` (including capitalised words and
        punctuation) makes the answer False; so does the empty sequence. Length bounds do not apply.
        """
        top = self._inside(tokens)
        return top is not None and self._start in top[0]

    def log_prob(self, tokens: str | Sequence[str], *, truncated: bool = False) -> float:
        """Natural-log probability of the token sequence, summed over all its parses.

        ``truncated=False`` (default): ``log P_pcfg(s)`` under the untruncated PCFG.
        ``truncated=True``: ``log P_pcfg(s) - log Z`` (``Z = truncation_mass``), the log-probability
        under :meth:`generate`'s distribution, ``-inf`` outside ``[min_len, max_len]`` tokens.
        ``-inf`` when the sequence does not parse.
        """
        top = self._inside(tokens)
        if top is None or self._start not in top[0] or top[0][self._start] <= 0.0:
            return -math.inf
        cell, cell_scale = top
        result = math.log(cell[self._start]) + cell_scale
        if truncated:
            n = len(self._tokens(tokens))
            if not self.min_len <= n <= self.max_len:
                return -math.inf
            result -= math.log(self.truncation_mass)
        return result

    def grammatical_fraction(self, sentences: Sequence[str] | Sequence[Sequence[str]]) -> float:
        """The fraction (in [0, 1]) of sentences (strings or token lists) that parse."""
        if isinstance(sentences, str) or not isinstance(sentences, Sequence | np.ndarray):
            raise GanTextError("grammatical_fraction needs a list of sentences, not "
                               f"{type(sentences).__name__}; wrap one sentence in a list")
        if len(sentences) == 0:
            raise GanTextError("grammatical_fraction got no sentences; generate some first")
        return sum(self.is_grammatical(s) for s in sentences) / len(sentences)

    # ----------------------------------------------------------------------------- lengths
    def length_distribution(self, max_len: int | None = None) -> np.ndarray:
        """``P_pcfg(length = n)`` for ``n = 0 .. max_len`` (default: this grammar's ``max_len``),
        float64 of shape ``(max_len + 1,)``, under the untruncated PCFG; entry 0 is 0."""
        max_len = self.max_len if max_len is None else int(max_len)
        a, b, c = (self._binary[:, i].astype(int) for i in range(3))
        p = self._binary[:, 3]
        probs = np.zeros((max_len + 1, self._n_symbols))  # probs[n, A] = P(A yields n words)
        for n in range(1, max_len + 1):
            base = np.zeros(self._n_symbols)
            if n == 1:
                base[self._preterminals] = 1.0
            else:
                ways = (probs[1:n, b] * probs[n - 1:0:-1, c]).sum(axis=0)
                np.add.at(base, a, p * ways)
            probs[n] = self._closure @ base
        return probs[:, self._start]

    # ----------------------------------------------------------------------------- sampling
    def generate(self, n: int, seed: int = 0) -> list[str]:
        """``n`` sentences (lower-case tokens joined by single spaces), deterministic for ``seed``.

        Lengths lie in ``[min_len, max_len]``: the PCFG conditioned on an in-range length (see the
        module docstring).
        """
        whole_number("n", n, 0)
        check_seed("seed", seed)
        return self._sample(int(n), np.random.default_rng(int(seed)))

    def _sample(self, n: int, rng: np.random.Generator) -> list[str]:
        tables, words = self._sample_tables, self.words
        lo, hi, start = self.min_len, self.max_len, self._sample_start
        uniforms, pos = rng.random(_RANDOM_BLOCK).tolist(), 0
        sentences: list[str] = []
        while len(sentences) < n:
            out: list[str] = []
            stack = [start]
            while stack:
                sym = stack.pop()
                if sym < 0:
                    out.append(words[~sym])
                    continue
                if pos == _RANDOM_BLOCK:
                    uniforms, pos = rng.random(_RANDOM_BLOCK).tolist(), 0
                cum, kids = tables[sym]
                stack.extend(kids[bisect.bisect_right(cum, uniforms[pos])])
                pos += 1
                if len(out) + len(stack) > hi:  # every pending symbol yields >= 1 word
                    break
            else:
                if len(out) >= lo:
                    sentences.append(" ".join(out))
        return sentences

    # ----------------------------------------------------------------------------- display
    @functools.cached_property
    def pcfg(self):
        """The grammar as an ``nltk.PCFG`` (built on first use; ``print`` it to read every rule)."""
        from nltk.grammar import PCFG, Nonterminal, ProbabilisticProduction

        lexical = set(grammar_rules.LEXICON)
        productions = [
            ProbabilisticProduction(Nonterminal(lhs),
                                    list(rhs) if lhs in lexical else [Nonterminal(s) for s in rhs],
                                    prob=prob)
            for lhs, rhs, prob in self._productions]
        return PCFG(Nonterminal(grammar_rules.START), productions)

    def __repr__(self) -> str:
        n_rules = len(self._productions) - sum(1 for lhs, _, _ in self._productions
                                               if lhs in grammar_rules.LEXICON)
        return (f"ToyGrammar({len(self.words)} words, {n_rules} phrase rules, "
                f"{len(self._productions) - n_rules} word rules, lengths {self.min_len}-"
                f"{self.max_len}, truncation_mass={self.truncation_mass:.3f})")


@functools.cache
def default_grammar() -> ToyGrammar:
    """The shared :class:`ToyGrammar` with lengths 4 to 25 (built once per process)."""
    return ToyGrammar()


def grammar_corpus(n_train: int | None = None, n_test: int | None = None, seed: int = 0) -> Corpus:
    """The ``grammar`` corpus: ``n_train`` (default 10,000) and ``n_test`` (default 1,000) sentences
    sampled from :func:`default_grammar`, train from ``default_rng([seed, 0])`` and test from
    ``default_rng([seed, 1])``; smaller sizes give the first sentences of larger ones. Draws are
    independent, so frequent short sentences can occur in both splits.
    """
    n_train = DEFAULT_N_TRAIN if n_train is None else n_train
    n_test = DEFAULT_N_TEST if n_test is None else n_test
    whole_number("n_train", n_train, 0)
    whole_number("n_test", n_test, 0)
    check_seed("seed", seed)
    grammar = default_grammar()
    return Corpus(
        name="grammar",
        description="Toy English from a probabilistic context-free grammar written for this "
                    "course, with number agreement across relative clauses and prepositional "
                    f"phrases ({len(grammar.words)} words, {grammar.min_len}-{grammar.max_len} "
                    "tokens per sentence).",
        train=grammar._sample(int(n_train), np.random.default_rng([int(seed), 0])),
        test=grammar._sample(int(n_test), np.random.default_rng([int(seed), 1])),
        level="word",
        lowercase=False,
        true_model=grammar,
    )
