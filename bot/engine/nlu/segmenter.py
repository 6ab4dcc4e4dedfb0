"""Chinese word segmentation (jieba) with a dictionary cut down to the training corpus.

jieba's full dictionary takes most of a second to load, which would dominate every restart.
Word features only matter for words the classifier has seen, so the trained model keeps a
dictionary made of the words jieba found in the training texts (and the lookup, synonym
and entity strings), with their full-dictionary frequencies and the full total; loading it
takes milliseconds and segments the training vocabulary as the full dictionary did. jieba's
HMM is off: characters outside the vocabulary stay single characters, which keeps the word
features of unseen text stable and segmentation twice as fast.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import jieba

from bot.engine.nlu.text import contains_han

jieba.setLogLevel(logging.WARNING)


class WordSegmenter:
    """Segments folded text into words; picklable (the jieba tokenizer is rebuilt)."""

    def __init__(self, frequencies: Mapping[str, int], total: int) -> None:
        self._frequencies = dict(frequencies)
        self._total = total
        self._tokenizer = _compact_tokenizer(self._frequencies, total)

    @classmethod
    def from_corpus(
        cls,
        texts: Iterable[str],
        domain_words: Iterable[str],
        full: jieba.Tokenizer | None = None,
    ) -> WordSegmenter:
        """Build from folded training texts and domain strings that must stay whole.

        ``full`` is jieba with its full dictionary (``full_dictionary()``); pass one to
        build several segmenters without loading it each time.
        """
        full = full or full_dictionary()
        frequencies: dict[str, int] = {}
        for text in texts:
            for word in full.cut(text, HMM=False):
                if contains_han(word):
                    frequencies[word] = full.FREQ.get(word) or 1
                    for char in word:
                        frequencies.setdefault(char, full.FREQ.get(char) or 1)
        for word in domain_words:
            if len(word) > 1 and contains_han(word) and not word.isspace():
                frequencies[word] = max(frequencies.get(word, 0), full.suggest_freq(word))
        return cls(frequencies, full.total)

    def words(self, normalised: str) -> list[tuple[str, int, int]]:
        """``(word, start, end)`` for every non-whitespace word of ``normalised``."""
        return [
            (word, start, end)
            for word, start, end in self._tokenizer.tokenize(normalised, HMM=False)
            if not word.isspace()
        ]

    def __getstate__(self) -> dict[str, Any]:
        return {"frequencies": self._frequencies, "total": self._total}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["frequencies"], state["total"])  # type: ignore[misc]


def full_dictionary() -> jieba.Tokenizer:
    """jieba with its complete dictionary (slow to load; needed only for training)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _compact_tokenizer(frequencies: Mapping[str, int], total: int) -> jieba.Tokenizer:
    prefix_dictionary: dict[str, int] = {}
    for word in frequencies:
        for length in range(1, len(word)):
            prefix_dictionary.setdefault(word[:length], 0)
    prefix_dictionary.update(frequencies)
    tokenizer = jieba.Tokenizer()
    # jieba builds these two attributes from a dictionary file in ``initialize``; setting
    # them directly skips reading (and caching to a temporary file) its full dictionary.
    tokenizer.FREQ = prefix_dictionary
    tokenizer.total = max(total, 1)
    tokenizer.initialized = True
    return tokenizer
