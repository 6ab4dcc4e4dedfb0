"""Finding the guide that fits a consumer's own description of a fault.

`GuideIndex` is built once from the knowledge base (pure data, no database) and answers
`match()` in a few milliseconds. A phrase scores by fuzzy similarity (rapidfuzz
`partial_ratio` over Chinese characters, `token_set_ratio` over stemmed English words) blended
with keyword overlap (jieba words and stemmed English words, typos tolerated), so
"洗衣机的水排不出去", "washer wont drain" and "fridge not coling" all find their guide.

An error code in the text ("格力空调显示E1") decides on its own when it is known for the brand
(given, named in the text, or the only brand using that code in the category): its guide wins
and its meaning is returned. A known code whose brand is unknown still points at the guides
of every meaning it may have, and a code the knowledge base does not know points at the
category's generic `error_code` guide. Guides of another brand are never offered; a guide of
the consumer's brand replaces the generic guide for the same symptom.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain

from rapidfuzz import fuzz

from api.troubleshooting import text as textlib

MATCH_MIN_SCORE = 62.0
ALTERNATIVE_MIN_SCORE = 50.0
MAX_ALTERNATIVES = 3
# A category the consumer names tips the balance between guides of different categories
# that fit the words equally ("漏水" fits an AC and a fridge alike).
CATEGORY_MENTION_BONUS = 8.0
_FUZZY_WEIGHT = 0.65
_OVERLAP_WEIGHT = 1.0 - _FUZZY_WEIGHT
_TYPO_TOKEN_MIN_RATIO = 84.0
_TYPO_TOKEN_MIN_LENGTH = 4
_TYPO_TOKEN_CREDIT = 0.8
# The symptom of a category's generic "shows an error code" guide: a code the knowledge base
# does not know ("空调显示H6") still belongs there.
ERROR_CODE_SYMPTOM = "error_code"
AMBIGUOUS_CODE_SCORE = 85.0
UNKNOWN_CODE_SCORE = 80.0
# Letters then digits, as appliances display them: E1, F4, E21, H6, EH-3.
_CODE_SHAPE = re.compile(r"(?<![a-z0-9])[a-z]{1,2}-?[0-9]{1,3}(?![a-z0-9])")


class BrandSource(StrEnum):
    GIVEN = "given"
    TEXT = "text"
    ERROR_CODE = "error_code"


class NoMatchReason(StrEnum):
    NO_GUIDES = "no_guides"
    NO_CLOSE_MATCH = "no_close_match"


@dataclass(frozen=True, slots=True)
class GuideEntry:
    """What the matcher needs to know about one guide."""

    id: int
    category: str
    symptom: str
    brand: str | None
    title_zh: str
    title_en: str
    phrases_zh: Sequence[str]
    phrases_en: Sequence[str]


@dataclass(frozen=True, slots=True)
class ErrorCodeEntry:
    id: int
    brand: str
    model: str | None
    category: str
    code: str
    symptom: str
    meaning_zh: str
    meaning_en: str


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Words that name a category or a brand in free text, keyed by code."""

    category_terms: Mapping[str, Sequence[str]] = field(default_factory=dict)
    brand_terms: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Candidate:
    guide: GuideEntry
    score: float
    matched_phrase: str


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    category: str | None
    brand: str | None
    brand_source: BrandSource | None
    error_code: ErrorCodeEntry | None
    best: Candidate | None
    alternatives: tuple[Candidate, ...]
    reason: NoMatchReason | None


@dataclass(frozen=True, slots=True)
class _Words:
    """A text prepared once for every comparison."""

    original: str
    chinese: str
    english: str
    tokens: frozenset[str]

    @classmethod
    def of(cls, raw: str, naming_words: re.Pattern[str] | None) -> _Words:
        # Category and brand names say nothing about the fault: "冰箱不冷" and "空调不凉" must
        # not look alike because both name a product. Categories and brands are weighed apart.
        normalised = textlib.normalise(raw)
        if naming_words is not None:
            normalised = naming_words.sub(" ", normalised)
        return cls(
            original=raw,
            chinese=textlib.chinese_part(normalised),
            english=textlib.stemmed_english(normalised),
            tokens=textlib.tokens(normalised),
        )


@dataclass(frozen=True, slots=True)
class _IndexedGuide:
    entry: GuideEntry
    phrases: tuple[_Words, ...]


class GuideIndex:
    """An immutable, process-local index of guides and error codes."""

    def __init__(
        self,
        guides: Iterable[GuideEntry],
        error_codes: Iterable[ErrorCodeEntry],
        vocabulary: Vocabulary,
    ) -> None:
        self._category_terms = _term_patterns(vocabulary.category_terms)
        self._brand_terms = _term_patterns(vocabulary.brand_terms)
        self._naming_words = _any_term(
            chain(vocabulary.category_terms.values(), vocabulary.brand_terms.values())
        )
        self._guides = tuple(_IndexedGuide(guide, self._index_phrases(guide)) for guide in guides)
        self._error_codes = tuple(
            (entry, _code_pattern(entry.code)) for entry in error_codes if entry.code
        )

    def _index_phrases(self, guide: GuideEntry) -> tuple[_Words, ...]:
        phrases = (_Words.of(phrase, self._naming_words) for phrase in _phrases_of(guide))
        return tuple(phrase for phrase in phrases if phrase.chinese or phrase.english)

    def match(
        self,
        text: str,
        *,
        category: str | None = None,
        brand: str | None = None,
        model: str | None = None,
    ) -> MatchOutcome:
        normalised = textlib.normalise(text)
        brand_source = BrandSource.GIVEN if brand else None
        if brand is None:
            brand = _only(_mentioned(self._brand_terms, normalised))
            brand_source = BrandSource.TEXT if brand else None
        mentioned_categories = (
            frozenset() if category else _mentioned(self._category_terms, normalised)
        )
        codes = self._error_codes_in(
            normalised, category=category, mentioned=mentioned_categories, brand=brand, model=model
        )
        error_code = codes[0] if len(codes) == 1 else None
        if error_code is not None:
            category = category or error_code.category
            if brand is None:
                brand, brand_source = error_code.brand, BrandSource.ERROR_CODE

        scope = [
            guide
            for guide in self._guides
            if (category is None or guide.entry.category == category)
            and guide.entry.brand in (None, brand)
        ]
        if not scope:
            return MatchOutcome(
                category, brand, brand_source, error_code, None, (), NoMatchReason.NO_GUIDES
            )
        evidence = _code_evidence(codes, _CODE_SHAPE.search(normalised))
        query = _Words.of(text, self._naming_words)
        ranked = _rank(
            [self._score(guide, query, evidence, mentioned_categories) for guide in scope]
        )
        best = ranked[0] if ranked and ranked[0].score >= MATCH_MIN_SCORE else None
        rest = ranked[1:] if best else ranked
        alternatives = tuple(
            candidate for candidate in rest if candidate.score >= ALTERNATIVE_MIN_SCORE
        )[:MAX_ALTERNATIVES]
        reason = None if best else NoMatchReason.NO_CLOSE_MATCH
        return MatchOutcome(category, brand, brand_source, error_code, best, alternatives, reason)

    def _score(
        self,
        guide: _IndexedGuide,
        query: _Words,
        evidence: _CodeEvidence,
        mentioned_categories: frozenset[str],
    ) -> Candidate:
        entry = guide.entry
        best_score, best_phrase = 0.0, ""
        for phrase in guide.phrases:
            score = _phrase_score(phrase, query)
            if score > best_score:
                best_score, best_phrase = score, phrase.original
        if entry.category in mentioned_categories:
            best_score += CATEGORY_MENTION_BONUS
        code_score, code = evidence.for_guide(entry)
        if code_score >= best_score:
            return Candidate(entry, code_score, code)
        return Candidate(entry, best_score, best_phrase)

    def _error_codes_in(
        self,
        normalised: str,
        *,
        category: str | None,
        mentioned: frozenset[str],
        brand: str | None,
        model: str | None,
    ) -> list[ErrorCodeEntry]:
        """Known codes in the text that may apply to this category, brand and model."""
        found = [
            entry
            for entry, pattern in self._error_codes
            if pattern.search(normalised)
            and (category is None or entry.category == category)
            and (brand is None or entry.brand == brand)
            and (
                entry.model is None or (model is not None and entry.model.upper() == model.upper())
            )
        ]
        if mentioned and any(entry.category in mentioned for entry in found):
            found = [entry for entry in found if entry.category in mentioned]
        # A code listed for the consumer's own model overrides the brand-wide meaning.
        model_specific = {(e.brand, e.category, e.code) for e in found if e.model is not None}
        return [
            entry
            for entry in found
            if entry.model is not None
            or (entry.brand, entry.category, entry.code) not in model_specific
        ]


@dataclass(frozen=True, slots=True)
class _CodeEvidence:
    """Scores that codes in the text lend to guides, whatever their phrases say."""

    by_symptom: Mapping[tuple[str, str], tuple[float, str]]
    unknown_code: str | None

    def for_guide(self, guide: GuideEntry) -> tuple[float, str]:
        known = self.by_symptom.get((guide.category, guide.symptom))
        if known is not None:
            return known
        if self.unknown_code is not None and guide.symptom == ERROR_CODE_SYMPTOM:
            return UNKNOWN_CODE_SCORE, self.unknown_code
        return 0.0, ""


def _code_evidence(codes: Sequence[ErrorCodeEntry], shape: re.Match[str] | None) -> _CodeEvidence:
    if len(codes) == 1:
        only = codes[0]
        return _CodeEvidence({(only.category, only.symptom): (100.0, only.code)}, None)
    if codes:
        # The code is known but its brand is not: every meaning it may have stays in the race.
        return _CodeEvidence(
            {(code.category, code.symptom): (AMBIGUOUS_CODE_SCORE, code.code) for code in codes},
            None,
        )
    return _CodeEvidence({}, shape.group().upper() if shape else None)


def _rank(candidates: list[Candidate]) -> list[Candidate]:
    """Best first, one candidate per (category, symptom): the brand's own guide if it has one."""
    by_symptom: dict[tuple[str, str], Candidate] = {}
    for candidate in candidates:
        key = (candidate.guide.category, candidate.guide.symptom)
        held = by_symptom.get(key)
        if held is None:
            by_symptom[key] = candidate
            continue
        branded, generic = (
            (candidate, held) if candidate.guide.brand is not None else (held, candidate)
        )
        if branded.score >= generic.score:
            by_symptom[key] = branded
        else:
            by_symptom[key] = Candidate(branded.guide, generic.score, generic.matched_phrase)
    ordered = sorted(
        by_symptom.values(),
        key=lambda c: (-c.score, c.guide.brand is None, c.guide.id),
    )
    return [Candidate(c.guide, round(min(c.score, 100.0), 1), c.matched_phrase) for c in ordered]


def _phrase_score(phrase: _Words, query: _Words) -> float:
    fuzzy = max(_chinese_similarity(phrase, query), _english_similarity(phrase, query))
    return _FUZZY_WEIGHT * fuzzy + _OVERLAP_WEIGHT * 100.0 * _keyword_overlap(phrase, query)


def _chinese_similarity(phrase: _Words, query: _Words) -> float:
    if not phrase.chinese or not query.chinese:
        return 0.0
    # partial_ratio finds the phrase inside a longer text; a query much shorter than the
    # phrase ("水" against "漏水") must not count as a full match.
    coverage = min(1.0, len(query.chinese) / len(phrase.chinese))
    return fuzz.partial_ratio(phrase.chinese, query.chinese) * coverage


def _english_similarity(phrase: _Words, query: _Words) -> float:
    if not phrase.english or not query.english:
        return 0.0
    coverage = min(1.0, len(query.english.split()) / len(phrase.english.split()))
    return fuzz.token_set_ratio(phrase.english, query.english) * coverage


def _keyword_overlap(phrase: _Words, query: _Words) -> float:
    if not phrase.tokens:
        return 0.0
    credit = 0.0
    for token in phrase.tokens:
        if token in query.tokens:
            credit += 1.0
        elif (
            len(token) >= _TYPO_TOKEN_MIN_LENGTH
            and token.isascii()
            and any(
                fuzz.ratio(token, other) >= _TYPO_TOKEN_MIN_RATIO
                for other in query.tokens
                if other.isascii()
            )
        ):
            credit += _TYPO_TOKEN_CREDIT
    return credit / len(phrase.tokens)


def _phrases_of(guide: GuideEntry) -> Iterable[str]:
    return dict.fromkeys(
        phrase
        for phrase in chain((guide.title_zh, guide.title_en), guide.phrases_zh, guide.phrases_en)
        if phrase.strip()
    )


def _code_pattern(code: str) -> re.Pattern[str]:
    """E21 matches "e21", "E-21" and "E 21", never "E210" or "SE21"."""
    parts = re.findall(r"[a-z]+|[0-9]+|[^a-z0-9]+", textlib.normalise(code))
    body = r"[\s\-]?".join(re.escape(part) for part in parts)
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


def _term_patterns(terms: Mapping[str, Sequence[str]]) -> dict[str, re.Pattern[str]]:
    patterns = {code: _any_term([words]) for code, words in terms.items()}
    return {code: pattern for code, pattern in patterns.items() if pattern is not None}


def _any_term(groups: Iterable[Sequence[str]]) -> re.Pattern[str] | None:
    """One pattern for all the words, longest first, English ones as whole words only."""
    words = {textlib.normalise(word) for group in groups for word in group if word.strip()}
    if not words:
        return None
    body = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


def _mentioned(patterns: Mapping[str, re.Pattern[str]], normalised: str) -> frozenset[str]:
    return frozenset(code for code, pattern in patterns.items() if pattern.search(normalised))


def _only(codes: frozenset[str]) -> str | None:
    return next(iter(codes)) if len(codes) == 1 else None
