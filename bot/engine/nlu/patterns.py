"""Regexes and lookup tables matched against folded text (RegexEntityExtractor's core).

Regexes match case-insensitively as Rasa's default. Lookup elements match case- and
width-insensitively; an element written in Chinese matches anywhere (Chinese has no word
boundaries), an element in Latin script only where no Latin letter or digit touches it, so
``tcl`` is found in ``我的TCL电视`` but ``lg`` is not found inside ``lgbt``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.engine.nlu.text import is_cjk, normalise_key
from bot.engine.nlu.training_data import LookupTable, RegexFeature

_LATIN_WORD_CHAR = r"a-z0-9\u00c0-\u024f"


@dataclass(frozen=True, slots=True)
class PatternMatch:
    name: str
    start: int
    end: int


class PatternMatcher:
    def __init__(self, regexes: Iterable[RegexFeature], lookups: Iterable[LookupTable]) -> None:
        patterns = [(regex.name, regex.compiled()) for regex in regexes]
        patterns += [
            (lookup.name, compiled)
            for lookup in lookups
            if (compiled := _lookup_pattern(lookup.elements)) is not None
        ]
        self._patterns = tuple(patterns)

    def matches(self, normalised: str) -> list[PatternMatch]:
        """Every match of every pattern, in pattern order (as Rasa reports them)."""
        return [
            PatternMatch(name, match.start(), match.end())
            for name, pattern in self._patterns
            for match in pattern.finditer(normalised)
            if match.end() > match.start()
        ]


def _lookup_pattern(elements: Iterable[str]) -> re.Pattern[str] | None:
    folded = {normalise_key(element) for element in elements}
    ordered = sorted((element for element in folded if element), key=lambda e: (-len(e), e))
    if not ordered:
        return None
    alternatives = [
        re.escape(element)
        if any(is_cjk(char) for char in element)
        else rf"(?<![{_LATIN_WORD_CHAR}]){re.escape(element)}(?![{_LATIN_WORD_CHAR}])"
        for element in ordered
    ]
    return re.compile("|".join(alternatives))
