"""Exclusions: confirmed ones decide, suspected ones only inform; liquid depends on the category."""

from __future__ import annotations

import re

import pytest

from api.warranty.decision_model import ReasonCode, WarrantyStatus
from api.warranty.decision_texts import suspected_exclusion
from api.warranty.policy_model import ExclusionCode
from tests.api.warranty.warranty_builders import decide, entitlements, reason_codes, repair

RETURN_ALL = ("return", "exchange", "free_repair")
FREE = ("free_repair",)
PAID = ("paid_repair",)


@pytest.mark.parametrize("exclusion", [code.value for code in ExclusionCode])
def test_every_confirmed_exclusion_makes_a_phone_repair_paid(exclusion: str) -> None:
    decision = decide("phone", "2025-03-12", confirmed=[exclusion], text="screen black")

    assert decision.status is WarrantyStatus.OUT_OF_WARRANTY
    assert entitlements(decision) == PAID
    assert reason_codes(decision)[-1] is ReasonCode.EXCLUSION_CONFIRMED
    assert ReasonCode.PRESUMED_QUALITY_FAULT not in reason_codes(decision)
    assert decision.suspected_exclusions == ()
    # The windows are still shown: the exclusion decides this fault, not the unit's warranty.
    assert [item.running for item in decision.windows][:3] == [True, True, True]


@pytest.mark.parametrize(
    ("exclusion", "status", "expected"),
    [
        pytest.param("misuse", WarrantyStatus.OUT_OF_WARRANTY, PAID, id="misuse"),
        pytest.param("accident", WarrantyStatus.OUT_OF_WARRANTY, PAID, id="accident"),
        pytest.param(
            "unauthorised_repair", WarrantyStatus.OUT_OF_WARRANTY, PAID, id="unauthorised-repair"
        ),
        pytest.param("serial_altered", WarrantyStatus.OUT_OF_WARRANTY, PAID, id="serial-altered"),
        pytest.param(
            "liquid_damage", WarrantyStatus.IN_WARRANTY, RETURN_ALL, id="liquid-not-excluded"
        ),
    ],
)
def test_confirmed_exclusions_on_a_refrigerator(
    exclusion: str, status: WarrantyStatus, expected: tuple[str, ...]
) -> None:
    decision = decide("refrigerator", "2025-03-12", confirmed=[exclusion])

    assert decision.status is status
    assert entitlements(decision) == expected


def test_liquid_confirmed_where_not_excluded_says_it_changes_nothing() -> None:
    decision = decide("refrigerator", "2025-03-12", confirmed=["liquid_damage"])

    not_excluded = next(
        r for r in decision.reasons if r.code is ReasonCode.EXCLUSION_NOT_IN_CATEGORY
    )
    assert "liquid damage" in not_excluded.en
    assert ReasonCode.EXCLUSION_CONFIRMED not in reason_codes(decision)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        pytest.param("laptop", PAID, id="laptop-excludes-liquid"),
        pytest.param("tv", FREE, id="tv-does-not"),
        pytest.param("furniture", FREE, id="furniture-does-not"),
    ],
)
def test_liquid_exclusion_by_category(category: str, expected: tuple[str, ...]) -> None:
    decision = decide(category, "2025-06-01", confirmed=["liquid_damage"])

    assert entitlements(decision) == expected


def test_confirmed_exclusion_decides_even_without_proof() -> None:
    decision = decide("tv", "2025-03-12", registered=None, confirmed=["accident"])

    assert decision.status is WarrantyStatus.OUT_OF_WARRANTY
    assert entitlements(decision) == PAID


def test_confirmed_exclusion_beats_a_repeated_repair() -> None:
    panel_repairs = [
        repair("2025-04-01", "2025-04-03", component="panel"),
        repair("2025-05-01", "2025-05-03", component="panel"),
    ]
    decision = decide(
        "tv", "2025-06-01", confirmed=["misuse"], component="panel", repairs=panel_repairs
    )

    assert entitlements(decision) == PAID
    assert ReasonCode.REPEATED_REPAIR not in reason_codes(decision)


@pytest.mark.parametrize(
    ("category", "text", "suspected"),
    [
        pytest.param("phone", "手机进水了，开不了机", ["liquid_damage"], id="phone-water-zh"),
        pytest.param("laptop", "spilled coffee on the keyboard", ["liquid_damage"], id="laptop"),
        pytest.param("refrigerator", "冰箱被水淹了", ["accident"], id="fridge-liquid-is-accident"),
        pytest.param("phone", "不小心摔了一下，屏幕碎了", ["accident"], id="phone-dropped-zh"),
        pytest.param("tv", "opened by a local repairman", ["unauthorised_repair"], id="local-fix"),
        pytest.param(
            "phone",
            "摔了之后又掉进水里，自己拆过",
            ["accident", "liquid_damage", "unauthorised_repair"],
            id="three-at-once",
        ),
        pytest.param("phone", "没进水也没摔过", [], id="denied"),
        pytest.param("washing_machine", "洗衣机不进水", [], id="washer-fill-fault"),
    ],
)
def test_suspected_exclusions_keep_the_entitlements(
    category: str, text: str, suspected: list[str]
) -> None:
    decision = decide(category, "2025-03-12", text=text)

    assert [item.code for item in decision.suspected_exclusions] == suspected
    assert decision.status is WarrantyStatus.IN_WARRANTY
    assert entitlements(decision) == RETURN_ALL


_BLAMING = re.compile(r"你|您|\byou\b|\byour\b", re.IGNORECASE)


@pytest.mark.parametrize("code", [code.value for code in ExclusionCode])
def test_suspected_exclusion_texts_are_neutral_and_bilingual(code: str) -> None:
    text = suspected_exclusion(ExclusionCode(code))

    assert "技术人员" in text.zh and "付费" in text.zh
    assert "technician" in text.en and "paid" in text.en
    assert not _BLAMING.search(text.zh)
    assert not _BLAMING.search(text.en)


def test_no_suspected_exclusion_when_the_repair_is_paid_anyway() -> None:
    decision = decide("phone", "2027-01-01", text="手机进水了")

    assert decision.status is WarrantyStatus.OUT_OF_WARRANTY
    assert decision.suspected_exclusions == ()


def test_suspected_exclusion_is_reported_while_proof_is_awaited() -> None:
    decision = decide("laptop", "2025-03-12", registered=None, text="键盘上洒了水")

    assert decision.status is WarrantyStatus.NEEDS_PROOF
    assert [item.code for item in decision.suspected_exclusions] == ["liquid_damage"]


def test_a_confirmed_exclusion_not_in_the_category_leaves_other_suspicions() -> None:
    decision = decide(
        "refrigerator", "2025-03-12", confirmed=["liquid_damage"], text="搬家时摔了一下"
    )

    assert [item.code for item in decision.suspected_exclusions] == ["accident"]
