"""Model resolution on the shipped demo catalogue, without a database."""

from __future__ import annotations

import pytest

from api.catalogue.resolver import (
    BrandRecord,
    CategoryRecord,
    MatchedOn,
    ModelRecord,
    ModelResolver,
    Resolution,
    ResolutionKind,
)
from api.catalogue.snapshot import CatalogueSnapshot
from api.catalogue.text import compact, folded, normalise_serial
from tests.api.catalogue.conftest import demo_sections, snapshot_of
from tests.api.catalogue.resolve_table import RESOLVE_TABLE, Expectation

_SNAPSHOT: CatalogueSnapshot = snapshot_of(demo_sections())
_MODELS = {model.code: model for model in _SNAPSHOT.resolver.models}


def _resolve(query: str, category: str | None = None, limit: int = 5) -> Resolution:
    return _SNAPSHOT.resolver.resolve(query, category, limit)


def assert_meets(expectation: Expectation, kind: str, codes: list[str]) -> None:
    assert kind == expectation.kind, (expectation.query, kind, codes)
    if expectation.top is None:
        return
    assert codes, expectation.query
    if expectation.top_is_prefix:
        assert codes[0].startswith(expectation.top), (expectation.query, codes)
    else:
        assert codes[0] == expectation.top, (expectation.query, codes)


@pytest.mark.parametrize("expectation", RESOLVE_TABLE, ids=lambda row: row.query)
def test_resolve_table(expectation: Expectation) -> None:
    resolution = _resolve(expectation.query)
    assert_meets(
        expectation,
        resolution.kind.value,
        [candidate.model.code for candidate in resolution.candidates],
    )


def test_the_table_covers_enough_queries_in_both_languages() -> None:
    assert len(RESOLVE_TABLE) >= 25
    assert any(any("\u4e00" <= char <= "\u9fff" for char in row.query) for row in RESOLVE_TABLE)
    assert {row.kind for row in RESOLVE_TABLE} == {kind.value for kind in ResolutionKind}


def test_brand_category_and_capacity_narrow_to_one_model() -> None:
    resolution = _resolve("格力 35 挂机")
    assert resolution.brands == ("gree",)
    assert resolution.categories == ("air_conditioner",)
    assert [c.model.code for c in resolution.candidates] == ["KFR-35GW/BpR3"]
    assert resolution.candidates[0].matched_on is MatchedOn.CODE
    assert 90 <= resolution.candidates[0].score < 100


def test_separators_case_and_width_do_not_matter() -> None:
    plain = _resolve("kfr35gw")
    assert _resolve("ＫＦＲ－３５ＧＷ") == plain == _resolve("KFR 35 GW")
    top = [c for c in plain.candidates if c.score == 95]
    assert len(top) == 3 and all(c.model.code.startswith("KFR-35GW") for c in top)
    assert all(c.score < 95 for c in plain.candidates[3:])


def test_a_swapped_pair_of_digits_still_finds_the_model() -> None:
    typo = _resolve("KFR-53GW")
    assert {c.model.code for c in typo.candidates[:3]} == {
        "KFR-35GW/05EDS83",
        "KFR-35GW/BpR3",
        "KFR-35GW/N8XHC1",
    }
    assert typo.candidates[0].score > typo.candidates[3].score


def test_brand_only_lists_that_brands_models() -> None:
    resolution = _resolve("美的", limit=20)
    assert resolution.kind is ResolutionKind.BRAND_ONLY
    codes = {c.model.code for c in resolution.candidates}
    assert codes == {code for code, model in _MODELS.items() if model.brand == "midea"}
    assert {c.matched_on for c in resolution.candidates} == {MatchedOn.BRAND}


def test_category_only_lists_that_categorys_models_newest_first() -> None:
    resolution = _resolve("冰箱", limit=20)
    assert resolution.kind is ResolutionKind.CATEGORY_ONLY
    models = [c.model for c in resolution.candidates]
    assert {m.category for m in models} == {"refrigerator"}
    assert len(models) == sum(1 for m in _MODELS.values() if m.category == "refrigerator")
    launches = [m.launch_date for m in models]
    assert launches == sorted(launches, reverse=True)


def test_wall_unit_word_puts_wall_units_first() -> None:
    listed = [c.model.code for c in _resolve("格力挂机").candidates]
    assert "GW" in listed[0] and "GW" in listed[1]
    assert listed[-1] == "KFR-72LW/NhZbB1W"


def test_category_parameter_filters_every_result() -> None:
    assert _resolve("格力", category="tv") == Resolution(
        ResolutionKind.BRAND_ONLY, ("gree",), (), ()
    )
    assert _resolve("KFR-35GW/BpR3", category="tv").kind is ResolutionKind.NONE
    fuzzy = _resolve("65", category="tv", limit=20)
    assert fuzzy.candidates and {c.model.category for c in fuzzy.candidates} == {"tv"}


def test_limit_caps_the_candidates() -> None:
    assert len(_resolve("美的", limit=2).candidates) == 2
    assert len(_resolve("kfr35gw", limit=1).candidates) == 1


def test_an_exact_code_wins_over_a_disagreeing_brand() -> None:
    resolution = _resolve("美的 BCD-470WDPG")
    assert resolution.kind is ResolutionKind.EXACT
    assert resolution.candidates[0].model.code == "BCD-470WDPG"


def test_an_alias_shared_by_models_is_not_an_exact_match() -> None:
    resolution = _resolve("16升燃气")
    assert resolution.kind is ResolutionKind.FUZZY
    top = [c for c in resolution.candidates if c.score == 100]
    assert {c.model.code for c in top} == {"JSQ30-i12053", "JSQ31-TM5"}


def test_short_aliases_inside_a_longer_query_are_not_matches() -> None:
    models = [
        ModelRecord("P70D20TL-D4", "格兰仕微波炉", "Galanz microwave", "microwave", "galanz"),
        ModelRecord("BCD-470WDPG", "海尔冰箱", "Haier fridge", "refrigerator", "haier", ("D4",)),
    ]
    resolver = ModelResolver(models, [], [])
    assert [c.model.code for c in resolver.resolve("P70D20TL").candidates] == ["P70D20TL-D4"]


def test_brand_and_category_names_come_from_the_catalogue() -> None:
    resolver = ModelResolver(
        [ModelRecord("X-1", "某型号", "Some model", "furniture", "acme")],
        [BrandRecord("acme", "艾克米", "Acme", ("ACME家居",))],
        [CategoryRecord("furniture", "家私", "Home furnishings")],
    )
    assert resolver.resolve("艾克米").kind is ResolutionKind.BRAND_ONLY
    assert resolver.resolve("ACME家居").brands == ("acme",)
    assert resolver.resolve("家私").categories == ("furniture",)
    assert resolver.resolve("home furnishings").kind is ResolutionKind.CATEGORY_ONLY


def test_ascii_words_match_only_as_whole_words() -> None:
    resolution = _resolve("mac")
    assert "air_conditioner" not in resolution.categories
    assert _resolve("AC").categories == ("air_conditioner",)


def test_results_are_memoised_per_query() -> None:
    assert _resolve("格力 35 挂机") is _resolve("格力 35 挂机")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＫＦＲ－３５ＧＷ／ＢｐＲ３", "kfr35gwbpr3"),
        ("冷氣 機", "冷气机"),
        ("A.O. 史密斯", "ao史密斯"),
    ],
)
def test_compact_form(text: str, expected: str) -> None:
    assert compact(text) == expected


def test_folding_keeps_separators() -> None:
    assert folded("海爾 KFR-35GW") == "海尔 kfr-35gw"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gr2305 35bp-000101", "GR230535BP000101"),
        ("ＧＲ２３０５－３５ＢＰ０００１０１", "GR230535BP000101"),
        ("8675 4106 0000 002", "867541060000002"),
        ("ab—cd–ef", "ABCDEF"),
    ],
)
def test_serial_normalisation(text: str, expected: str) -> None:
    assert normalise_serial(text) == expected
