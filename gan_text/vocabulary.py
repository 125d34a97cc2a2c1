"""The vocabulary: a fixed, numbered list of tokens, so that text becomes integer ids and back.

Ids 0 to 3 are always the special tokens:

=====  =========  ===========================================================================
id     token      meaning
=====  =========  ===========================================================================
0      ``<pad>``  padding after the end of a sentence, so that every sequence has ``seq_len`` ids
1      ``<bos>``  begin of sentence: the first input of a generator that writes token by token
2      ``<eos>``  end of sentence: a generator emits it to stop
3      ``<unk>``  any token that is not in the vocabulary
=====  =========  ===========================================================================

The other tokens follow, most frequent first (ties in alphabetical order), so a vocabulary built
from the same text is always numbered the same way. Text that contains the literal string
``"<unk>"`` (as Penn Treebank does) simply maps to the special id.

>>> vocab = Vocabulary.build([["a", "cat"], ["a", "dog"]])
>>> vocab.tokens
['<pad>', '<bos>', '<eos>', '<unk>', 'a', 'cat', 'dog']
>>> vocab.encode(["a", "dog", "barks"])
[4, 6, 3]
>>> vocab.decode([4, 6, 2, 0, 0])
['a', 'dog']
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from .atomic import read_json, write_json
from .errors import GanTextError

PAD = "<pad>"
BOS = "<bos>"
EOS = "<eos>"
UNK = "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3

FORMAT = "gan_text.vocabulary"  # the tag that marks a JSON file written by Vocabulary.save
FORMAT_VERSION = 1


class Vocabulary:
    """A numbered list of tokens: ``tokens[i]`` is the token with id ``i``; ids 0-3 are the specials.

    ``Vocabulary(tokens, counts=None)`` takes the regular tokens in id order (the specials are put in
    front unless ``tokens`` already starts with them) and optionally their training counts.
    Usually you call :meth:`Vocabulary.build` or :meth:`Vocabulary.load` instead.
    """

    def __init__(self, tokens: Iterable[str], counts: Mapping[str, int] | None = None):
        tokens = list(tokens)
        if tuple(tokens[:len(SPECIALS)]) == SPECIALS:
            tokens = tokens[len(SPECIALS):]
        for token in tokens:
            if not isinstance(token, str):
                raise GanTextError(f"vocabulary tokens must be str, got {token!r}; "
                                   f"tokenise the text first (gan_text.text.tokenize_corpus)")
            if token in SPECIALS:
                raise GanTextError(f"special token {token!r} may only appear at its own id "
                                   f"{SPECIALS.index(token)}; remove it from the token list")
        duplicates = sorted(token for token, n in Counter(tokens).items() if n > 1)
        if duplicates:
            raise GanTextError(f"duplicate tokens in a vocabulary: {duplicates[:5]}; "
                               f"every token may appear once")
        self._tokens = [*SPECIALS, *tokens]
        self._ids = {token: i for i, token in enumerate(self._tokens)}
        self._counts = None if counts is None else {t: int(counts.get(t, 0)) for t in tokens}

    @classmethod
    def build(cls, token_lists: Iterable[Iterable[str]], min_freq: int = 1,
              max_size: int | None = None) -> Vocabulary:
        """Count the tokens of tokenised sentences and keep the frequent ones.

        ``token_lists``: one list of str tokens per sentence (see ``gan_text.text.tokenize_corpus``).
        ``min_freq``: keep tokens seen at least this many times. ``max_size``: at most this many
        entries *including* the four specials (None: no limit). Order: count descending, then token
        ascending, so the result depends only on the counts.
        """
        if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
            raise GanTextError(f"min_freq={min_freq!r} must be a whole number >= 1 "
                               f"(1 keeps every token)")
        if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, int)
                                     or max_size < len(SPECIALS)):
            raise GanTextError(f"max_size={max_size!r} is smaller than the {len(SPECIALS)} special "
                               f"tokens ({', '.join(SPECIALS)}) it includes; use max_size >= "
                               f"{len(SPECIALS)} or None for no limit")
        if isinstance(token_lists, str):
            raise GanTextError("Vocabulary.build expects tokenised sentences, got one str; "
                               "use gan_text.text.tokenize_corpus first")
        counts: Counter[str] = Counter()
        for sentence in token_lists:
            if isinstance(sentence, str):
                raise GanTextError("Vocabulary.build expects lists of tokens, got a str sentence; "
                                   "tokenise first with gan_text.text.tokenize_corpus(sentences)")
            counts.update(sentence)
        for special in SPECIALS:
            counts.pop(special, None)
        kept = sorted((t for t, n in counts.items() if n >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max_size - len(SPECIALS)]
        return cls(kept, counts={t: counts[t] for t in kept})

    # --- looking things up ---------------------------------------------------------------------
    @property
    def tokens(self) -> list[str]:
        """All tokens in id order, specials first (a copy)."""
        return list(self._tokens)

    @property
    def counts(self) -> dict[str, int] | None:
        """Training counts of the regular tokens (a copy), or None if they were not given."""
        return None if self._counts is None else dict(self._counts)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the tokens in id order: equal fingerprints, the same id for every token."""
        return hashlib.sha256(json.dumps(self._tokens, ensure_ascii=False).encode("utf-8")).hexdigest()

    def __len__(self) -> int:
        """The vocabulary size ``vocab_size``: number of ids, specials included."""
        return len(self._tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._ids

    def token_to_id(self, token: str) -> int:
        """The id of ``token``; ``UNK_ID`` (3) if it is not in the vocabulary."""
        return self._ids.get(token, UNK_ID)

    def id_to_token(self, i: int) -> str:
        """The token with id ``i`` (0 <= i < len(vocab))."""
        i = int(i)
        if not 0 <= i < len(self._tokens):
            raise GanTextError(f"id {i} is outside this vocabulary (ids 0 to {len(self) - 1}); "
                               f"decode with the vocabulary that produced the ids")
        return self._tokens[i]

    # --- text <-> ids --------------------------------------------------------------------------
    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Token strings -> list of int ids; unknown tokens become ``UNK_ID``. Adds no BOS/EOS."""
        if isinstance(tokens, str):
            raise GanTextError("encode expects a list of tokens, got one str; tokenise it first "
                               "with gan_text.text.tokenize(text, level)")
        get = self._ids.get
        return [get(token, UNK_ID) for token in tokens]

    def decode(self, ids: Iterable[int], strip_special: bool = True) -> list[str]:
        """Ids (a list, NumPy array or 1-D tensor of ints) -> list of token strings.

        With ``strip_special`` (the default) decoding stops at the first ``<eos>`` and skips
        ``<pad>`` and ``<bos>``; ``<unk>`` stays visible. Without it every id is turned into its token.
        """
        if hasattr(ids, "numpy"):  # a TensorFlow tensor
            ids = ids.numpy()
        if hasattr(ids, "tolist"):  # a NumPy array or scalar: plain Python ints are faster here
            ids = ids.tolist()
        if isinstance(ids, int):
            ids = [ids]
        ids = list(ids)
        if ids and isinstance(ids[0], list):
            raise GanTextError("decode expects one sequence of ids, got a batch (2-D); use "
                               "gan_text.dataset.decode_batch(tokens, vocab, level)")
        size = len(self._tokens)
        out = []
        for i in ids:
            if not 0 <= i < size:
                self.id_to_token(i)  # raises the out-of-range error
            if strip_special:
                if i == EOS_ID:
                    break
                if i in (PAD_ID, BOS_ID):
                    continue
            out.append(self._tokens[i])
        return out

    # --- files ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON (atomically: the old file survives a failed save)."""
        return write_json(path, {"format": FORMAT, "version": FORMAT_VERSION,
                                 "tokens": self._tokens, "counts": self._counts})

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocabulary:
        """Read a vocabulary written by :meth:`save`; raise GanTextError for anything else."""
        path = Path(path)
        if not path.is_file():
            raise GanTextError(f"no vocabulary file at '{path}'; check the path or write one "
                               f"with vocab.save(path)")
        data = read_json(path, "load a file written by Vocabulary.save")
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise GanTextError(f"'{path}' is not a gan_text vocabulary (format {found!r}, expected "
                               f"{FORMAT!r}); load a file written by Vocabulary.save")
        version = data.get("version")
        if version != FORMAT_VERSION:
            raise GanTextError(f"'{path}' has vocabulary format version {version!r}, but this "
                               f"gan_text reads version {FORMAT_VERSION}; rebuild and save it again")
        tokens, counts = data.get("tokens"), data.get("counts")
        if (not isinstance(tokens, list) or tuple(tokens[:len(SPECIALS)]) != SPECIALS
                or not all(isinstance(t, str) for t in tokens)):
            raise GanTextError(f"'{path}' is damaged: 'tokens' must be a list of str starting "
                               f"with {', '.join(SPECIALS)}; rebuild and save the vocabulary")
        if counts is not None and not (isinstance(counts, dict) and all(
                isinstance(n, int) and not isinstance(n, bool) for n in counts.values())):
            raise GanTextError(f"'{path}' is damaged: 'counts' must map tokens to whole numbers; "
                               f"rebuild and save the vocabulary")
        return cls(tokens, counts=counts)

    # --- comparison and display ----------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        """Equal when both map the same tokens to the same ids (counts are not compared)."""
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self._tokens == other._tokens

    def __hash__(self) -> int:
        return hash(tuple(self._tokens))

    def __repr__(self) -> str:
        shown = self._tokens[len(SPECIALS):len(SPECIALS) + 8]
        more = " ..." if len(self._tokens) > len(SPECIALS) + len(shown) else ""
        return (f"Vocabulary({len(self):,} tokens incl. {len(SPECIALS)} specials: "
                f"{' '.join(map(repr, shown))}{more})")


__all__ = ["BOS", "BOS_ID", "EOS", "EOS_ID", "FORMAT", "FORMAT_VERSION", "PAD", "PAD_ID",
           "SPECIALS", "UNK", "UNK_ID", "Vocabulary"]
