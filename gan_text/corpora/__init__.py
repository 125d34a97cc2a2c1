"""Corpora: where the sentences come from.

``load_corpus(name_or_path)`` returns a :class:`Corpus` for

- ``grammar``: the built-in toy-English grammar (the default everywhere; no download);
- ``oracle``: the synthetic benchmark of SeqGAN/Texygen/RelGAN, sampled from a random LSTM;
- ``coco``, ``emnlp_news``, ``shakespeare``: real corpora, downloaded once and cached;
- a path to a text file with one sentence per line, or a list of strings.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import GanTextError, one_of
from . import files
from .base import Corpus
from .downloads import REGISTRY, load_registered
from .grammar import grammar_corpus
from .oracle import oracle_corpus

BUILTIN = ("grammar", "oracle")


def known_corpora() -> list[str]:
    """Names that :func:`load_corpus` accepts besides paths."""
    return [*BUILTIN, *REGISTRY]


def load_corpus(source, *, n_train: int | None = None, n_test: int | None = None,
                seed: int = 0, cache_dir: str | os.PathLike | None = None) -> Corpus:
    """Load a corpus by name, from a text file, or from a list of sentences.

    ``n_train`` / ``n_test`` cap the number of sentences (None: the corpus's own size). Built-in
    corpora are generated from ``seed``; a user's file or list is shuffled with ``seed`` and split;
    downloaded corpora keep their published train/test files and order, and are cut, not sampled.
    Raises GanTextError for an unknown name or a missing or unreadable file.
    """
    if isinstance(source, (list, tuple)):
        return files.from_sentences(source, n_train=n_train, n_test=n_test, seed=seed)
    if not isinstance(source, (str, os.PathLike)):
        raise GanTextError(f"a corpus is a name, a path or a list of sentences, not {type(source).__name__}")
    name = str(source)
    if name == "grammar":
        return grammar_corpus(n_train=n_train, n_test=n_test, seed=seed)
    if name == "oracle":
        return oracle_corpus(n_train=n_train, n_test=n_test, seed=seed)
    if name in REGISTRY:
        return load_registered(name, n_train=n_train, n_test=n_test, cache_dir=cache_dir)
    path = Path(name).expanduser()
    if path.exists():
        return files.from_file(path, n_train=n_train, n_test=n_test, seed=seed)
    if os.sep in name or "/" in name or path.suffix:
        raise GanTextError(f"no such file: {name!r}; give an existing text file (one sentence per line) "
                           f"or a corpus name: {', '.join(known_corpora())}")
    raise one_of("corpus", name, known_corpora())


__all__ = ["Corpus", "known_corpora", "load_corpus"]
