"""Recognising the served city and district in a free-text address, Chinese or English.

``上海市浦东新区张江路100号``, ``100 Zhangjiang Rd, Pudong, Shanghai``, ``北京朝阳区`` and
``Tianhe District, Guangzhou`` all name a city and a district of the gazetteer. Exact names
win over short forms and aliases, which win over typo-tolerant matches (rapidfuzz). A
district named without its city implies the city when the name is unique; a misspelt
district is accepted only inside a city the address names, so that an unserved place with
a similar name (Xichang) is not taken for a served district (Xicheng). A six-digit postcode
is used when no name is recognised.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from api.catalogue.text import folded


class AreaKind(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    kind: AreaKind
    name_zh: str
    name_en: str
    parent_code: str | None = None
    aliases: tuple[str, ...] = ()
    postcode_prefixes: tuple[str, ...] = ()
    urban: bool = True


class Rank(IntEnum):
    """How a name was found; lower is more certain."""

    FULL_NAME = 0
    SHORT_NAME = 1
    FUZZY = 2


@dataclass(frozen=True, slots=True)
class Hit:
    area: Area
    rank: Rank
    position: int

    @property
    def order(self) -> tuple[int, int]:
        return (self.rank, self.position)


@dataclass(frozen=True, slots=True)
class AddressMatch:
    city: Area | None
    district: Area | None = None
    postcode: str | None = None
    ambiguous_cities: tuple[Area, ...] = ()
    """Cities a district name could belong to when the address does not say which."""

    @property
    def area(self) -> Area | None:
        return self.district or self.city


_ZH_SUFFIXES = ("新区", "区", "市", "县")
_EN_SUFFIX_WORDS = ("new area", "new district", "district", "city", "qu", "shi")
_HAN = re.compile(r"[\u3400-\u9fff]")
_APOSTROPHES = re.compile(r"['’`]")
_WORD = re.compile(r"[a-z]+")
_POSTCODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_MAX_NGRAM = 4
_ZH_FUZZY_MIN_LENGTH = 4
_ZH_FUZZY_CUTOFF = 75.0
_EN_FUZZY_MIN_LENGTH = 5


def _en_key(text: str) -> str:
    return "".join(_WORD.findall(_APOSTROPHES.sub("", folded(text))))


def _zh_short(name: str) -> str | None:
    for suffix in _ZH_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def _en_core(name: str) -> str | None:
    lowered = folded(name).strip()
    for suffix in _EN_SUFFIX_WORDS:
        if lowered.endswith(" " + suffix):
            return lowered[: -len(suffix) - 1]
    return None


@dataclass
class _Names:
    """Every spelling of every area, by script, with the rank a match on it earns."""

    zh: dict[str, list[tuple[Area, Rank]]] = field(default_factory=lambda: defaultdict(list))
    en: dict[str, list[tuple[Area, Rank]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, area: Area, spelling: str, rank: Rank) -> None:
        text = folded(spelling).strip()
        if not text:
            return
        if _HAN.search(text):
            self._put(self.zh, text, area, rank)
        else:
            key = _en_key(text)
            if key:
                self._put(self.en, key, area, rank)

    @staticmethod
    def _put(table: dict[str, list[tuple[Area, Rank]]], key: str, area: Area, rank: Rank) -> None:
        entries = table[key]
        for index, (known, known_rank) in enumerate(entries):
            if known.code == area.code:
                entries[index] = (known, min(known_rank, rank))
                return
        entries.append((area, rank))


class Gazetteer:
    """The served provinces, cities and districts, and address recognition over them."""

    def __init__(self, areas: Iterable[Area]) -> None:
        self.areas: dict[str, Area] = {area.code: area for area in areas}
        self._names = {kind: _Names() for kind in (AreaKind.CITY, AreaKind.DISTRICT)}
        for area in self.areas.values():
            names = self._names.get(area.kind)
            if names is None:
                continue
            names.add(area, area.name_zh, Rank.FULL_NAME)
            names.add(area, area.name_en, Rank.FULL_NAME)
            english_kind = "District" if area.kind is AreaKind.DISTRICT else "City"
            names.add(area, f"{area.name_en} {english_kind}", Rank.FULL_NAME)
            for short in (_zh_short(area.name_zh), _en_core(area.name_en)):
                if short:
                    names.add(area, short, Rank.SHORT_NAME)
            for alias in area.aliases:
                names.add(area, alias, Rank.SHORT_NAME)

    def cities(self) -> list[Area]:
        return sorted(
            (area for area in self.areas.values() if area.kind is AreaKind.CITY),
            key=lambda area: area.code,
        )

    def districts_of(self, city: Area) -> list[Area]:
        return sorted(
            (area for area in self.areas.values() if area.parent_code == city.code),
            key=lambda area: area.code,
        )

    def lineage(self, area: Area) -> list[Area]:
        """The area and every area above it: district, city, province."""
        chain = [area]
        while chain[-1].parent_code is not None and chain[-1].parent_code in self.areas:
            chain.append(self.areas[chain[-1].parent_code])
        return chain

    def city_of(self, area: Area) -> Area | None:
        return next((item for item in self.lineage(area) if item.kind is AreaKind.CITY), None)

    def resolve(self, address: str) -> AddressMatch:
        text = folded(address)
        postcode = _postcode(text)
        cities = self._exact_hits(AreaKind.CITY, text) or self._fuzzy_hits(AreaKind.CITY, text)
        districts = self._exact_hits(AreaKind.DISTRICT, text)

        if cities:
            city_codes = {hit.area.code for hit in cities}
            inside = [hit for hit in districts if hit.area.parent_code in city_codes]
            if inside:
                district = min(inside, key=lambda hit: hit.order).area
                city = self.areas[district.parent_code or ""]
            else:
                city = min(cities, key=lambda hit: hit.order).area
                district = self._fuzzy_district(city, text)
            return AddressMatch(city=city, district=district, postcode=postcode)

        if districts:
            best_rank = min(hit.rank for hit in districts)
            best = [hit for hit in districts if hit.rank == best_rank]
            owners = {hit.area.parent_code for hit in best}
            if len(owners) == 1:
                district = min(best, key=lambda hit: hit.order).area
                return AddressMatch(
                    city=self.areas.get(district.parent_code or ""),
                    district=district,
                    postcode=postcode,
                )
            ambiguous = tuple(sorted((self.areas[code] for code in owners if code), key=_code))
            return AddressMatch(city=None, postcode=postcode, ambiguous_cities=ambiguous)

        return self._by_postcode(postcode)

    def _exact_hits(self, kind: AreaKind, text: str) -> list[Hit]:
        names = self._names[kind]
        hits: list[Hit] = []
        for spelling, entries in names.zh.items():
            position = text.find(spelling)
            if position >= 0:
                hits.extend(Hit(area, rank, position) for area, rank in entries)
        for key, position in _english_ngrams(text):
            for area, rank in names.en.get(key, ()):
                hits.append(Hit(area, rank, position))
        return _best_per_area(hits)

    def _fuzzy_hits(self, kind: AreaKind, text: str, within: Area | None = None) -> list[Hit]:
        names = self._names[kind]

        def allowed(area: Area) -> bool:
            return within is None or area.parent_code == within.code

        hits: list[Hit] = []
        for spelling, entries in names.zh.items():
            if len(spelling) < _ZH_FUZZY_MIN_LENGTH:
                continue
            alignment = fuzz.partial_ratio_alignment(spelling, text, score_cutoff=_ZH_FUZZY_CUTOFF)
            if alignment is not None:
                hits.extend(
                    Hit(area, Rank.FUZZY, alignment.dest_start)
                    for area, _ in entries
                    if allowed(area)
                )
        keys = [key for key in names.en if len(key) >= _EN_FUZZY_MIN_LENGTH]
        for ngram, position in _english_ngrams(text):
            if len(ngram) < _EN_FUZZY_MIN_LENGTH:
                continue
            limit = 1 if len(ngram) < 9 else 2
            found = process.extractOne(ngram, keys, scorer=OSA.distance, score_cutoff=limit)
            if found is not None:
                hits.extend(
                    Hit(area, Rank.FUZZY, position)
                    for area, _ in names.en[found[0]]
                    if allowed(area)
                )
        return _best_per_area(hits)

    def _fuzzy_district(self, city: Area, text: str) -> Area | None:
        hits = self._fuzzy_hits(AreaKind.DISTRICT, text, within=city)
        return min(hits, key=lambda hit: hit.order).area if hits else None

    def _by_postcode(self, postcode: str | None) -> AddressMatch:
        if postcode is None:
            return AddressMatch(city=None)
        matching = [
            (len(prefix), area)
            for area in self.areas.values()
            for prefix in area.postcode_prefixes
            if postcode.startswith(prefix)
        ]
        if not matching:
            return AddressMatch(city=None, postcode=postcode)
        area = max(matching, key=lambda item: (item[0], item[1].kind is AreaKind.DISTRICT))[1]
        district = area if area.kind is AreaKind.DISTRICT else None
        return AddressMatch(city=self.city_of(area), district=district, postcode=postcode)


def _code(area: Area) -> str:
    return area.code


def _postcode(text: str) -> str | None:
    found = _POSTCODE.search(text)
    return found.group(1) if found else None


def _english_ngrams(text: str) -> list[tuple[str, int]]:
    """Runs of up to four consecutive words, joined, each with the position it starts at."""
    words = [(match.group(), match.start()) for match in _WORD.finditer(_APOSTROPHES.sub("", text))]
    ngrams: list[tuple[str, int]] = []
    for start in range(len(words)):
        for size in range(1, _MAX_NGRAM + 1):
            if start + size > len(words):
                break
            joined = "".join(word for word, _ in words[start : start + size])
            ngrams.append((joined, words[start][1]))
    return ngrams


def _best_per_area(hits: list[Hit]) -> list[Hit]:
    best: dict[str, Hit] = {}
    for hit in hits:
        known = best.get(hit.area.code)
        if known is None or hit.order < known.order:
            best[hit.area.code] = hit
    return list(best.values())
