"""Model resolution: from what a consumer typed to ranked catalogue models. Pure, no database.

The query is folded (NFKC, simplified characters, lower case). Brand names and aliases and
category words (``空调``, ``冷气``, ``挂机``, ``fridge`` ...) are recognised and taken out;
what remains is compared with model codes, aliases and names that went through the same
treatment, so ``格力 35 挂机`` compares ``35`` (plus the wall-unit hint ``gw``) with Gree's air
conditioner codes. Codes are compared without separators, so ``kfr35gw``, ``KFR-35GW`` and
``ＫＦＲ－３５ＧＷ`` are the same text.

Scores are 0–100. 100 means the text equals a model's code, alias or name. Below that, a
key (code, alias or name, separators removed) scores by the best of: its similarity to the
text (rapidfuzz ``ratio``: typos in a complete code), the text being a part of it (95 when it
starts the key, 90 elsewhere: ``kfr35gw`` is the start of ``KFR-35GW/BpR3``), and the edit
distance between the text and the key's start, counting a swap of two characters as one
edit (``KFR-53GW`` is one swap away from ``KFR-35GW``). Keys are single tokens once
separators are gone, so WRatio's token variants would add nothing, and its partial
alignment costs twenty times a plain ratio on the hot path; containment is tested directly.
When a brand or category was recognised, the text score is lifted towards 100 because the
recognised words agree with the model. Brand or category alone yields a listing
(``brand_only`` / ``category_only``) rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from api.catalogue.text import compact, folded, strip_code_separators
from api.catalogue.vocabulary import CATEGORY_TERMS, CategoryCode, CategoryTerm

FUZZY_CUTOFF = 60.0
"""Text scores below this are noise (a shared digit or two)."""
MIN_FUZZY_LENGTH = 2
MIN_PREFIX_LENGTH = 3
STARTS_KEY_SCORE = 95.0
INSIDE_KEY_SCORE = 90.0
SMALL_PART_SCORE = 60.0
"""The text is inside the key but covers less than an eighth of it."""
PREFIX_WEIGHT = 0.95
"""A key that merely starts like the query ranks below one that equals it."""
EVIDENCE_FLOOR = 30.0
"""With a recognised brand or category, a text score t becomes 30 + 0.7 t."""
BEST_FUZZY = 99
LISTING_SCORES = {(True, True): 60, (True, False): 50, (False, True): 40}
"""Score of listed models by (brand recognised, category recognised)."""
RESULT_CACHE_SIZE = 4096
_SEPARATORS_BETWEEN = r"[\s\-_/.·・]*"
_SEPARATOR_RUN = re.compile(r"[\s\-_/.·・]+")


class MatchedOn(StrEnum):
    CODE = "code"
    ALIAS = "alias"
    NAME = "name"
    BRAND = "brand"
    CATEGORY = "category"


class ResolutionKind(StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    BRAND_ONLY = "brand_only"
    CATEGORY_ONLY = "category_only"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ModelRecord:
    code: str
    name_zh: str
    name_en: str
    category: str
    brand: str
    aliases: tuple[str, ...] = ()
    launch_date: date | None = None


@dataclass(frozen=True, slots=True)
class BrandRecord:
    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Candidate:
    model: ModelRecord
    score: int
    matched_on: MatchedOn


@dataclass(frozen=True, slots=True)
class Resolution:
    kind: ResolutionKind
    brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class _Term:
    brand: str | None = None
    category: CategoryTerm | None = None


@dataclass(slots=True)
class _Detection:
    brands: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    form_hints: list[str] = field(default_factory=list)
    residual: str = ""

    @property
    def has_evidence(self) -> bool:
        return bool(self.brands or self.categories)


@dataclass(frozen=True, slots=True)
class _Key:
    model_index: int
    matched_on: MatchedOn


@dataclass(slots=True)
class _KeySet:
    """Searchable texts of every model, each with the model and kind of text it came from."""

    texts: list[str] = field(default_factory=list)
    owners: list[_Key] = field(default_factory=list)
    starts: dict[int, list[str]] = field(default_factory=dict)
    """The first n characters of every text, by n, for comparing the start of keys."""

    def add(self, text: str, owner: _Key) -> None:
        if text:
            self.texts.append(text)
            self.owners.append(owner)

    def freeze(self) -> None:
        longest = max((len(text) for text in self.texts), default=0)
        self.starts = {
            length: [text[:length] for text in self.texts]
            for length in range(MIN_PREFIX_LENGTH, longest + 1)
        }


_Scores = dict[int, tuple[float, MatchedOn]]


def _term_pattern(term: str) -> str:
    """A spelling of a term, tolerant of separators between its parts (``a.o.smith``)."""
    parts = [re.escape(part) for part in _SEPARATOR_RUN.split(term) if part]
    body = _SEPARATORS_BETWEEN.join(parts)
    if term[0].isascii() and term[0].isalnum():
        body = r"(?<![a-z0-9])" + body
    if term[-1].isascii() and term[-1].isalpha():
        body += r"(?![a-z])"
    elif term[-1].isascii() and term[-1].isdigit():
        body += r"(?![0-9])"
    return body


class _TermDetector:
    """Finds brand and category words in folded text, longest first."""

    def __init__(self, terms: dict[str, list[_Term]], spellings: dict[str, str]) -> None:
        self._terms = terms
        ordered = sorted(spellings, key=lambda spelling: (-len(spelling), spelling))
        self._regex = re.compile("|".join(_term_pattern(spelling) for spelling in ordered))

    def detect(self, text: str) -> _Detection:
        detection = _Detection()
        remainder: list[str] = []
        position = 0
        for match in self._regex.finditer(text):
            remainder.append(text[position : match.start()])
            position = match.end()
            for term in self._terms[strip_code_separators(match.group())]:
                _note_term(detection, term)
        remainder.append(text[position:])
        detection.residual = strip_code_separators(" ".join(remainder))
        return detection


def _note_term(detection: _Detection, term: _Term) -> None:
    if term.brand and term.brand not in detection.brands:
        detection.brands.append(term.brand)
    if term.category:
        code = term.category.category.value
        if code not in detection.categories:
            detection.categories.append(code)
        hint = term.category.form_hint
        if hint and hint not in detection.form_hints:
            detection.form_hints.append(hint)


class ModelResolver:
    """An immutable search index over one snapshot of the catalogue.

    Results are memoised per (query, category, limit): the index never changes, and the
    same few product words reach the hot path again and again.
    """

    def __init__(
        self,
        models: Sequence[ModelRecord],
        brands: Iterable[BrandRecord],
        categories: Iterable[CategoryRecord],
    ) -> None:
        self.models = tuple(models)
        self._detector = _TermDetector(*_vocabulary(brands, categories))
        self._exact: dict[str, list[_Key]] = {}
        self._full = _KeySet()
        self._bare = _KeySet()
        self._by_brand: dict[str, set[int]] = {}
        self._by_category: dict[str, set[int]] = {}
        for index, model in enumerate(self.models):
            self._index_model(index, model)
            self._by_brand.setdefault(model.brand, set()).add(index)
            self._by_category.setdefault(model.category, set()).add(index)
        self._all = set(range(len(self.models)))
        self._full.freeze()
        self._bare.freeze()
        self.resolve: Callable[..., Resolution] = lru_cache(maxsize=RESULT_CACHE_SIZE)(
            self._resolve
        )

    def _index_model(self, index: int, model: ModelRecord) -> None:
        texts = [(model.code, MatchedOn.CODE)]
        texts += [(alias, MatchedOn.ALIAS) for alias in model.aliases]
        texts += [(model.name_zh, MatchedOn.NAME), (model.name_en, MatchedOn.NAME)]
        for text, matched_on in texts:
            key = _Key(index, matched_on)
            full = compact(text)
            if full:
                self._exact.setdefault(full, []).append(key)
            self._full.add(full, key)
            self._bare.add(self._detector.detect(folded(text)).residual, key)

    def _resolve(self, query: str, category: str | None = None, limit: int = 5) -> Resolution:
        text = folded(query)
        whole = strip_code_separators(text)
        if not whole:
            return Resolution(ResolutionKind.NONE)
        found = self._detector.detect(text)
        allowed = self._all if category is None else self._by_category.get(category, set())
        exact = self._exact_scores({whole, found.residual} - {""}, allowed)
        fuzzy = self._fuzzy_scores(found, whole, allowed & self._agreeing(found))
        scored = {**fuzzy, **exact}
        if scored:
            kind = ResolutionKind.EXACT if len(exact) == 1 else ResolutionKind.FUZZY
            return Resolution(
                kind, tuple(found.brands), tuple(found.categories), self._rank(scored, limit)
            )
        if found.has_evidence:
            return self._listing(found, allowed & self._agreeing(found), limit)
        return Resolution(ResolutionKind.NONE)

    def _agreeing(self, found: _Detection) -> set[int]:
        """Models whose brand and category agree with the words recognised in the query."""
        agreeing = self._all
        if found.brands:
            agreeing = agreeing & set().union(*(self._by_brand.get(b, set()) for b in found.brands))
        if found.categories:
            agreeing = agreeing & set().union(
                *(self._by_category.get(code, set()) for code in found.categories)
            )
        return agreeing

    def _exact_scores(self, texts: set[str], permitted: set[int]) -> _Scores:
        scores: _Scores = {}
        for text in texts:
            for key in self._exact.get(text, ()):
                if key.model_index in permitted and key.model_index not in scores:
                    scores[key.model_index] = (100.0, key.matched_on)
        return scores

    def _fuzzy_scores(self, found: _Detection, whole: str, permitted: set[int]) -> _Scores:
        if not found.has_evidence:
            return self._text_scores(whole, self._full, permitted)
        if len(found.residual) < MIN_FUZZY_LENGTH:
            return {}
        best: _Scores = {}
        for text in [found.residual] + [found.residual + hint for hint in found.form_hints]:
            for index, (score, matched_on) in self._text_scores(
                text, self._bare, permitted
            ).items():
                if score > best.get(index, (0.0, matched_on))[0]:
                    best[index] = (score, matched_on)
        lifted = 1 - EVIDENCE_FLOOR / 100
        return {
            index: (EVIDENCE_FLOOR + lifted * score, matched_on)
            for index, (score, matched_on) in best.items()
        }

    def _text_scores(self, text: str, keys: _KeySet, permitted: set[int]) -> _Scores:
        if len(text) < MIN_FUZZY_LENGTH:
            return {}
        best: _Scores = {}

        def keep(position: int, score: float) -> None:
            owner = keys.owners[position]
            if owner.model_index in permitted and score > best.get(owner.model_index, (0.0,))[0]:
                best[owner.model_index] = (score, owner.matched_on)

        for _key, score, position in process.extract(
            text, keys.texts, scorer=fuzz.ratio, limit=None, score_cutoff=FUZZY_CUTOFF
        ):
            keep(position, score)
        for position, key in enumerate(keys.texts):
            if text in key and text != key:
                if key.startswith(text):
                    keep(position, STARTS_KEY_SCORE)
                else:
                    small = len(key) > 8 * len(text)
                    keep(position, SMALL_PART_SCORE if small else INSIDE_KEY_SCORE)
        starts = keys.starts.get(len(text))
        if starts:
            for _start, similarity, position in process.extract(
                text,
                starts,
                scorer=OSA.normalized_similarity,
                limit=None,
                score_cutoff=FUZZY_CUTOFF / 100 / PREFIX_WEIGHT,
            ):
                keep(position, similarity * 100 * PREFIX_WEIGHT)
        return best

    def _rank(self, scored: _Scores, limit: int) -> tuple[Candidate, ...]:
        def candidate(index: int) -> Candidate:
            score, matched_on = scored[index]
            rounded = 100 if score >= 100 else min(BEST_FUZZY, round(score))
            return Candidate(self.models[index], rounded, matched_on)

        candidates = sorted(
            (candidate(index) for index in scored),
            key=lambda found: (-found.score, found.model.code),
        )
        return tuple(candidates[:limit])

    def _listing(self, found: _Detection, pool: set[int], limit: int) -> Resolution:
        def order(model: ModelRecord) -> tuple[bool, int, str]:
            fits_form = any(hint in compact(model.code) for hint in found.form_hints)
            newest_first = -(model.launch_date.toordinal() if model.launch_date else 0)
            return (not fits_form, newest_first, model.code)

        listed = sorted((self.models[index] for index in pool), key=order)[:limit]
        score = LISTING_SCORES[(bool(found.brands), bool(found.categories))]
        matched_on = MatchedOn.BRAND if found.brands else MatchedOn.CATEGORY
        kind = ResolutionKind.BRAND_ONLY if found.brands else ResolutionKind.CATEGORY_ONLY
        candidates = tuple(Candidate(model, score, matched_on) for model in listed)
        return Resolution(kind, tuple(found.brands), tuple(found.categories), candidates)


def _vocabulary(
    brands: Iterable[BrandRecord], categories: Iterable[CategoryRecord]
) -> tuple[dict[str, list[_Term]], dict[str, str]]:
    """Terms by their compact form, and every folded spelling to look for in a query."""
    terms: dict[str, list[_Term]] = {}
    spellings: dict[str, str] = {}

    def add(word: str, term: _Term) -> None:
        spelling = " ".join(folded(word).split())
        key = strip_code_separators(spelling)
        if not key:
            return
        spellings[spelling] = key
        spellings.setdefault(key, key)
        if term not in terms.setdefault(key, []):
            terms[key].append(term)

    for word, category_term in CATEGORY_TERMS.items():
        add(word, _Term(category=category_term))
    for category in categories:
        category_term = CategoryTerm(CategoryCode(category.code))
        add(category.name_zh, _Term(category=category_term))
        add(category.name_en, _Term(category=category_term))
    for brand in brands:
        for word in (brand.code, brand.name_zh, brand.name_en, *brand.aliases):
            add(word, _Term(brand=brand.code))
    return terms, spellings
