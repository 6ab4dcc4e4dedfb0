"""Matching free-text faults (zh, en, mixed, typos, traditional) to the shipped guides."""

from __future__ import annotations

import pytest

from api.troubleshooting.matching import (
    ALTERNATIVE_MIN_SCORE,
    MATCH_MIN_SCORE,
    BrandSource,
    GuideIndex,
    MatchOutcome,
    NoMatchReason,
)
from api.troubleshooting.schemas import ErrorCodeBody
from api.troubleshooting.text import normalise, tokens
from tests.api.troubleshooting.conftest import BRANDS, build_index, shipped_guides

# (category or None, the consumer's words, expected "category/symptom[/brand]")
FAULTS = [
    ("air_conditioner", "我的AC不制冷", "air_conditioner/not_cooling"),
    ("air_conditioner", "空调吹出来的是热风", "air_conditioner/not_cooling"),
    ("air_conditioner", "the ac is blowing warm air", "air_conditioner/not_cooling"),
    ("air_conditioner", "冷氣不冷", "air_conditioner/not_cooling"),
    ("air_conditioner", "ＡＣ不製冷了怎麼辦", "air_conditioner/not_cooling"),
    ("air_conditioner", "空调一直往下滴水", "air_conditioner/water_leak"),
    ("air_conditioner", "aircon leaking water on the floor", "air_conditioner/water_leak"),
    ("air_conditioner", "格力空调显示E1", "air_conditioner/error_code/gree"),
    ("air_conditioner", "my gree ac shows E6", "air_conditioner/error_code/gree"),
    ("air_conditioner", "空调显示H6", "air_conditioner/error_code"),
    (None, "格力空调显示E1", "air_conditioner/error_code/gree"),
    ("refrigerator", "fridge not cold", "refrigerator/not_cooling"),
    ("refrigerator", "冰箱不冷了，东西都化了", "refrigerator/not_cooling"),
    ("refrigerator", "冰箱不製冷", "refrigerator/not_cooling"),
    ("refrigerator", "fridge not coling", "refrigerator/not_cooling"),
    ("refrigerator", "the fridge makes a loud rattling noise", "refrigerator/noisy"),
    ("refrigerator", "冰箱嗡嗡响声音很大", "refrigerator/noisy"),
    ("refrigerator", "冷藏室里面有积水", "refrigerator/water_inside"),
    ("refrigerator", "冷冻室结了好厚的冰", "refrigerator/freezer_icing"),
    ("refrigerator", "freezer is full of ice", "refrigerator/freezer_icing"),
    ("washing_machine", "洗衣机不排水了", "washing_machine/not_draining"),
    ("washing_machine", "washer won't drain", "washing_machine/not_draining"),
    ("washing_machine", "washer wont drian", "washing_machine/not_draining"),
    ("washing_machine", "洗衣机的水排不出去", "washing_machine/not_draining"),
    ("washing_machine", "洗衣机显示E21", "washing_machine/not_draining"),
    ("washing_machine", "洗衣机不进水", "washing_machine/not_filling"),
    ("washing_machine", "washing machine is not filling with water", "washing_machine/not_filling"),
    ("washing_machine", "脱水的时候晃得很厉害", "washing_machine/shaking"),
    ("washing_machine", "the washer shakes during spin", "washing_machine/shaking"),
    ("washing_machine", "洗衣机门锁不上", "washing_machine/door_or_unbalance"),
    ("tv", "电视有声音没有图像", "tv/no_picture"),
    ("tv", "tv black screen", "tv/no_picture"),
    ("tv", "電視沒有聲音", "tv/no_sound"),
    ("tv", "遥控器没反应", "tv/remote_not_working"),
    ("tv", "remote control does not work", "tv/remote_not_working"),
    ("microwave", "微波炉转但是不加热", "microwave/not_heating"),
    ("microwave", "microwave doesn't heat food", "microwave/not_heating"),
    ("microwave", "转盘不转了", "microwave/turntable_not_turning"),
    ("microwave", "微波炉里面打火", "microwave/sparks_inside"),
    ("microwave", "there are sparks inside the microwave", "microwave/sparks_inside"),
    ("water_heater", "热水器打不着火", "water_heater/no_ignition"),
    ("water_heater", "gas water heater won't ignite", "water_heater/no_ignition"),
    ("water_heater", "电热水器不出热水", "water_heater/no_hot_water"),
    ("water_heater", "no hot water from the heater", "water_heater/no_hot_water"),
    ("water_heater", "热水器下面漏水", "water_heater/water_leak"),
    ("water_heater", "洗澡水忽冷忽热", "water_heater/temperature_unstable"),
    ("phone", "手机充不进电", "phone/wont_charge"),
    ("phone", "phone not chargeing", "phone/wont_charge"),
    ("phone", "手機耗電特別快", "phone/battery_drain"),
    ("phone", "battery dies really quickly", "phone/battery_drain"),
    ("phone", "屏幕点了没反应", "phone/screen_unresponsive"),
    ("phone", "手机玩游戏烫手", "phone/overheating"),
    ("laptop", "笔记本开不了机", "laptop/wont_power_on"),
    ("laptop", "my laptop won't turn on", "laptop/wont_power_on"),
    ("laptop", "风扇声音很大，电脑很烫", "laptop/overheating"),
    ("laptop", "laptop plugged in not charging", "laptop/battery_not_charging"),
    ("laptop", "screen keeps flickering", "laptop/screen_flicker"),
    ("furniture", "桌子有点晃", "furniture/loose_wobbly"),
    ("furniture", "the chair is wobbly", "furniture/loose_wobbly"),
    ("furniture", "柜门关不严，门缝不一样大", "furniture/misaligned_door_drawer"),
    ("furniture", "drawer won't close properly", "furniture/misaligned_door_drawer"),
    ("furniture", "床板断了", "furniture/broken_part"),
    ("furniture", "桌面有划痕", "furniture/surface_damage"),
    (None, "冰箱漏水", "refrigerator/water_inside"),
    (None, "fridge not cold", "refrigerator/not_cooling"),
    (None, "洗衣机不排水", "washing_machine/not_draining"),
]


def _key(outcome: MatchOutcome) -> str:
    assert outcome.best is not None, f"no guide; alternatives {outcome.alternatives}"
    guide = outcome.best.guide
    return "/".join(part for part in (guide.category, guide.symptom, guide.brand) if part)


@pytest.mark.parametrize(("category", "text", "expected"), FAULTS, ids=[f[1] for f in FAULTS])
def test_fault_descriptions_find_their_guide(
    shipped_index: GuideIndex, category: str | None, text: str, expected: str
) -> None:
    outcome = shipped_index.match(text, category=category)
    assert _key(outcome) == expected
    assert outcome.best is not None
    assert MATCH_MIN_SCORE <= outcome.best.score <= 100
    assert outcome.best.matched_phrase
    assert outcome.reason is None


def test_the_table_covers_every_shipped_category_in_both_languages() -> None:
    categories = {guide.category for guide in shipped_guides()}
    chinese = {category for category, text, _ in FAULTS if category and any(
        "\u4e00" <= ch <= "\u9fff" for ch in text
    )}  # fmt: skip
    english = {category for category, text, _ in FAULTS if category and text.isascii()}
    assert len(FAULTS) >= 40
    assert categories <= chinese
    assert categories <= english


@pytest.mark.parametrize(
    ("category", "text"),
    [
        ("air_conditioner", "今天天气不错"),
        ("phone", "😀😀😀"),
        ("furniture", "asdfgh qwerty"),
        ("air_conditioner", "水"),
        ("refrigerator", "冰箱"),
        (None, "hello"),
    ],
)
def test_words_that_describe_no_fault_match_no_guide(
    shipped_index: GuideIndex, category: str | None, text: str
) -> None:
    outcome = shipped_index.match(text, category=category)
    assert outcome.best is None
    assert outcome.reason is NoMatchReason.NO_CLOSE_MATCH
    assert all(alt.score < MATCH_MIN_SCORE for alt in outcome.alternatives)


def test_alternatives_are_other_symptoms_in_score_order(shipped_index: GuideIndex) -> None:
    outcome = shipped_index.match("洗衣机不排水，也不进水", category="washing_machine")
    assert outcome.best is not None
    alternatives = outcome.alternatives
    assert 1 <= len(alternatives) <= 3
    symptoms = [outcome.best.guide.symptom, *(alt.guide.symptom for alt in alternatives)]
    assert {"not_draining", "not_filling"} <= set(symptoms[:2])
    assert len(symptoms) == len(set(symptoms))
    scores = [outcome.best.score, *(alt.score for alt in alternatives)]
    assert scores == sorted(scores, reverse=True)
    assert all(alt.score >= ALTERNATIVE_MIN_SCORE for alt in alternatives)


def test_a_category_limits_the_guides(shipped_index: GuideIndex) -> None:
    outcome = shipped_index.match("漏水", category="water_heater")
    assert _key(outcome) == "water_heater/water_leak"
    assert all(alt.guide.category == "water_heater" for alt in outcome.alternatives)


def test_a_category_with_no_guide_for_the_brand_says_so() -> None:
    index = build_index([], [], BRANDS)
    outcome = index.match("不制冷", category="air_conditioner")
    assert outcome.best is None
    assert outcome.reason is NoMatchReason.NO_GUIDES


# Brands and error codes


def test_error_code_of_the_brand_named_in_the_text(shipped_index: GuideIndex) -> None:
    outcome = shipped_index.match("格力空调显示E1", category="air_conditioner")
    assert outcome.error_code is not None
    assert (outcome.error_code.brand, outcome.error_code.code) == ("gree", "E1")
    assert "高压保护" in outcome.error_code.meaning_zh
    assert outcome.brand == "gree"
    assert outcome.brand_source is BrandSource.TEXT
    assert outcome.best is not None
    assert outcome.best.score == 100
    assert outcome.best.matched_phrase == "E1"


def test_the_same_code_means_what_the_brand_says(shipped_index: GuideIndex) -> None:
    gree = shipped_index.match("空调显示E1", category="air_conditioner", brand="gree")
    midea = shipped_index.match("空调显示E1", category="air_conditioner", brand="midea")
    assert gree.error_code is not None and midea.error_code is not None
    assert gree.error_code.meaning_en != midea.error_code.meaning_en
    assert "communication" in midea.error_code.meaning_en
    assert _key(gree) == "air_conditioner/error_code/gree"
    assert _key(midea) == "air_conditioner/error_code"
    assert gree.brand_source is BrandSource.GIVEN


def test_a_code_only_one_brand_uses_names_the_brand(shipped_index: GuideIndex) -> None:
    outcome = shipped_index.match("洗衣机一直显示 e-21", category="washing_machine")
    assert outcome.error_code is not None
    assert outcome.error_code.code == "E21"
    assert (outcome.brand, outcome.brand_source) == ("midea", BrandSource.ERROR_CODE)
    assert _key(outcome) == "washing_machine/not_draining"


def test_a_code_several_brands_use_keeps_every_meaning_open(shipped_index: GuideIndex) -> None:
    outcome = shipped_index.match("空调显示E1", category="air_conditioner")
    assert outcome.error_code is None
    assert outcome.brand is None
    assert _key(outcome) == "air_conditioner/error_code"
    assert outcome.best is not None and outcome.best.matched_phrase == "E1"


def test_a_code_is_a_whole_token(shipped_index: GuideIndex) -> None:
    assert shipped_index.match("显示E210", category="washing_machine").error_code is None
    assert shipped_index.match("型号SE21", category="washing_machine").error_code is None
    found = shipped_index.match("显示E21了", category="washing_machine").error_code
    assert found is not None and found.code == "E21"


def test_a_code_of_another_category_is_ignored(shipped_index: GuideIndex) -> None:
    outcome = shipped_index.match("美的冰箱显示E21", category="refrigerator")
    assert outcome.error_code is None


def test_brand_guides_replace_the_generic_guide_for_their_brand_only(
    shipped_index: GuideIndex,
) -> None:
    text = "空调显示故障代码"
    assert _key(shipped_index.match(text, category="air_conditioner", brand="gree")) == (
        "air_conditioner/error_code/gree"
    )
    for brand in ("midea", None):
        outcome = shipped_index.match(text, category="air_conditioner", brand=brand)
        assert _key(outcome) == "air_conditioner/error_code"
        assert all(alt.guide.brand is None for alt in outcome.alternatives)


def test_a_model_specific_code_overrides_the_brand_wide_meaning() -> None:
    guides = [guide for guide in shipped_guides() if guide.category == "washing_machine"]
    brand_wide = ErrorCodeBody.model_validate(
        {
            "brand": "haier",
            "category": "washing_machine",
            "code": "F4",
            "symptom": "not_draining",
            "meaning": {"zh": "通常表示排水故障。", "en": "Usually a drain fault."},
        }
    )
    for_model = brand_wide.model_copy(
        update={
            "model": "XQG100-B14",
            "symptom": "not_filling",
            "meaning": brand_wide.meaning.model_copy(update={"en": "Usually an inlet fault."}),
        }
    )
    index = build_index(guides, [brand_wide, for_model], BRANDS)

    other_model = index.match("海尔洗衣机显示F4", model="XQG80-B12")
    own_model = index.match("海尔洗衣机显示F4", model="xqg100-b14")
    assert other_model.error_code is not None and own_model.error_code is not None
    assert other_model.error_code.model is None
    assert _key(other_model) == "washing_machine/not_draining"
    assert own_model.error_code.model == "XQG100-B14"
    assert _key(own_model) == "washing_machine/not_filling"


# Text preparation


def test_normalising_folds_width_case_and_traditional_characters() -> None:
    assert normalise("  ＡＣ　不製冷  ") == "ac 不制冷"
    assert normalise("Won’t DRAIN") == "won't drain"


def test_tokens_keep_negations_and_stem_english() -> None:
    assert {"not", "drain"} <= tokens(normalise("Not draining"))
    assert "wont" in tokens(normalise("won't"))
    assert {"不", "排水"} <= tokens(normalise("洗衣机不排水"))
    assert "的" not in tokens(normalise("洗衣机的水"))
