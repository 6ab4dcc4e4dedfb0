"""The shipped knowledge base: complete in both languages, and faithful to its sources."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from api.catalogue.vocabulary import CategoryCode
from api.troubleshooting.kinds import Urgency
from api.troubleshooting.schemas import GuideCreate
from tests.api.troubleshooting.conftest import shipped_error_codes, shipped_guides

GUIDES = shipped_guides()
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def _guide(category: str, symptom: str, brand: str | None = None) -> GuideCreate:
    return next(
        guide
        for guide in GUIDES
        if (guide.category, guide.symptom, guide.brand) == (category, symptom, brand)
    )


def _texts(guide: GuideCreate) -> list[tuple[str, str, str]]:
    """(where, zh, en) for every consumer-facing text of the guide."""
    texts = [("title", guide.title.zh, guide.title.en)]
    texts += [(f"step {n}", s.instruction.zh, s.instruction.en) for n, s in enumerate(guide.steps)]
    texts += [(f"safety note {n}", s.zh, s.en) for n, s in enumerate(guide.safety_notes)]
    texts += [(f"visit {n}", s.zh, s.en) for n, s in enumerate(guide.needs_visit_when)]
    return texts


@pytest.mark.parametrize(
    "guide", GUIDES, ids=[f"{g.category}/{g.symptom}/{g.brand or '-'}" for g in GUIDES]
)
def test_every_guide_speaks_both_languages_and_has_steps(guide: GuideCreate) -> None:
    assert len(guide.steps) >= 2
    for where, zh, en in _texts(guide):
        assert _CHINESE.search(zh), f"{where}: no Chinese in {zh!r}"
        assert _LATIN.search(en) and not _CHINESE.search(en), f"{where}: {en!r} is not English"
    assert all(_CHINESE.search(phrase) for phrase in guide.match_phrases.zh)
    assert all(not _CHINESE.search(phrase) for phrase in guide.match_phrases.en)
    assert guide.needs_visit_when


def test_every_category_has_at_least_three_guides() -> None:
    per_category = Counter(guide.category for guide in GUIDES if guide.brand is None)
    assert set(per_category) == {code.value for code in CategoryCode}
    assert min(per_category.values()) >= 3
    assert len(GUIDES) >= 27


def test_guides_are_unique_per_category_symptom_and_brand() -> None:
    keys = Counter((g.category, g.symptom, g.brand) for g in GUIDES)
    assert max(keys.values()) == 1


@pytest.mark.parametrize(
    ("category", "symptom"),
    [
        ("air_conditioner", "not_cooling"),
        ("air_conditioner", "water_leak"),
        ("air_conditioner", "error_code"),
        ("refrigerator", "not_cooling"),
        ("refrigerator", "noisy"),
        ("washing_machine", "not_filling"),
        ("washing_machine", "not_draining"),
        ("washing_machine", "door_or_unbalance"),
        ("tv", "no_picture"),
        ("tv", "no_sound"),
        ("microwave", "not_heating"),
        ("water_heater", "no_ignition"),
        ("water_heater", "no_hot_water"),
        ("phone", "wont_charge"),
        ("phone", "battery_drain"),
        ("laptop", "wont_power_on"),
        ("furniture", "loose_wobbly"),
        ("furniture", "misaligned_door_drawer"),
    ],
)
def test_every_seed_fact_row_has_a_generic_guide(category: str, symptom: str) -> None:
    assert _guide(category, symptom).steps


def test_the_gas_water_heater_guide_starts_with_the_gas_smell_safety_step() -> None:
    first = _guide("water_heater", "no_ignition").steps[0]
    assert first.safety
    zh, en = first.instruction.zh, first.instruction.en
    for instruction in (
        "燃气味",
        "关闭燃气阀门",
        "打开门窗",
        "开关",
        "离开",
        "燃气公司",
        "人工客服",
    ):
        assert instruction in zh
    ordered = ["smell gas", "close the gas valve", "open the windows", "switch", "leave"]
    positions = [en.index(words) for words in ordered]
    assert positions == sorted(positions)
    assert "gas company" in en and "member of our team" in en


def test_remote_steps_follow_the_seed_facts_in_detail() -> None:
    fridge = " ".join(s.instruction.en for s in _guide("refrigerator", "not_cooling").steps)
    for fact in ("3 °C", "−18 °C", "5 cm", "24 hours"):
        assert fact in fridge
    aircon = " ".join(s.instruction.en for s in _guide("air_conditioner", "not_cooling").steps)
    for fact in ("Cool mode", "batteries", "2–4 weeks", "outdoor unit", "5 minutes"):
        assert fact in aircon
    drain = " ".join(s.instruction.en for s in _guide("washing_machine", "not_draining").steps)
    assert "1 m" in drain and "pan" in drain
    tv = " ".join(s.instruction.en for s in _guide("tv", "no_picture").steps)
    assert "60 seconds" in tv and "torch" in tv and "backlight" in tv
    phone = _guide("phone", "battery_drain")
    assert any("80 %" in s.instruction.en for s in phone.steps)
    assert "back up" in _guide("phone", "wont_charge").needs_visit_when[0].en
    assert any("never open" in n.en for n in _guide("microwave", "not_heating").safety_notes)


def test_dangerous_faults_carry_a_safety_step_and_water_leaks_are_urgent() -> None:
    for key in [("microwave", "sparks_inside"), ("phone", "overheating"), ("phone", "wont_charge")]:
        assert any(step.safety for step in _guide(*key).steps), key
    for key in [("air_conditioner", "water_leak"), ("water_heater", "water_leak")]:
        guide = _guide(*key)
        assert guide.urgency is Urgency.URGENT
        assert guide.steps[0].safety
    assert _guide("refrigerator", "not_cooling").urgency is Urgency.URGENT


def test_error_codes_belong_to_brands_and_point_at_existing_guides() -> None:
    codes = shipped_error_codes()
    assert codes
    guide_keys = {(g.category, g.symptom) for g in GUIDES}
    for code in codes:
        assert code.brand
        assert (code.category, code.symptom) in guide_keys
        assert code.meaning.zh.startswith("通常表示")
        assert code.meaning.en.startswith("Usually means")
    assert len({(c.brand, c.category, c.model, c.code) for c in codes}) == len(codes)
