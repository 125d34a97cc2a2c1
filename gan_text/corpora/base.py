"""The one shape every corpus takes: train and test sentences plus what is known about them."""

from __future__ import annotations

import dataclasses
import random


@dataclasses.dataclass
class Corpus:
    """Train and test sentences (plain strings, one sentence each) with a name and a description.

    ``level`` says which tokenisation suits the text ("word" or "char"); ``lowercase`` whether cleaning
    should lowercase it. ``true_model`` is the process that generated the text when it is known (the
    toy grammar, the oracle LSTM), so that generated text can be scored against the true distribution.
    """

    name: str
    description: str
    train: list[str]
    test: list[str]
    level: str = "word"
    lowercase: bool = False
    true_model: object | None = None
    citation: str | None = None
    licence: str | None = None

    def sample(self, n: int = 5, seed: int = 0, split: str = "train") -> list[str]:
        """``n`` sentences picked at random (without replacement) from a split, repeatably."""
        sentences = self.train if split == "train" else self.test
        return random.Random(seed).sample(sentences, min(n, len(sentences)))

    def __repr__(self) -> str:
        return (f"Corpus({self.name!r}, train={len(self.train):,} sentences, "
                f"test={len(self.test):,} sentences, level={self.level!r})")
