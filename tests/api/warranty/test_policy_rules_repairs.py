"""Repair history: repair-time extension, exchange restart, repeated repair, 30- and 90-day
rules and the repaired-part guarantee."""

from __future__ import annotations

from datetime import date

import pytest

from api.warranty.decision_model import ReasonCode, WarrantyStatus
from api.warranty.policy_model import CategoryRulesPatch, WarrantyPolicy, default_policy
from tests.api.warranty.warranty_builders import (
    decide,
    entitlements,
    reason_codes,
    repair,
    window,
)

RETURN_ALL = ("return", "exchange", "free_repair")
EXCHANGE_FREE = ("exchange", "free_repair")
FREE = ("free_repair",)
PAID = ("paid_repair",)

# --- repair time extends every window still running on the hand-in day ---------------------

FRIDGE_REPAIR_20_DAYS = repair("2026-01-10", "2026-01-30", symptom="noise")


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        pytest.param("2026-03-30", WarrantyStatus.IN_WARRANTY, id="last-day-after-20-days-added"),
        pytest.param("2026-03-31", WarrantyStatus.OUT_OF_WARRANTY, id="first-day-after-extension"),
    ],
)
def test_repair_days_are_added_to_a_window_running_at_hand_in(
    as_of: str, status: WarrantyStatus
) -> None:
    decision = decide("refrigerator", as_of, text="灯不亮", repairs=[FRIDGE_REPAIR_20_DAYS])

    assert decision.status is status
    assert window(decision, "whole_unit").ends_on == date(2026, 3, 30)
    assert window(decision, "main_component.compressor").ends_on == date(2028, 3, 30)


def test_windows_already_ended_at_hand_in_are_not_extended() -> None:
    decision = decide("refrigerator", "2026-03-30", repairs=[FRIDGE_REPAIR_20_DAYS])

    assert window(decision, "return").ends_on == date(2025, 3, 17)
    assert window(decision, "exchange").ends_on == date(2025, 3, 25)


def test_extension_reason_gives_the_days_added() -> None:
    decision = decide("refrigerator", "2026-03-30", repairs=[FRIDGE_REPAIR_20_DAYS])

    extension = next(r for r in decision.reasons if r.code is ReasonCode.REPAIR_TIME_EXTENSION)
    assert "20 days" in extension.en
    assert "20天" in extension.zh
    assert "2026-01-10" in extension.en
    assert "2026年1月10日" in extension.zh


def test_paid_repair_after_the_whole_unit_ended_extends_only_the_component_windows() -> None:
    late = repair("2026-04-01", "2026-04-21", paid=True, symptom="noise")
    decision = decide("refrigerator", "2026-05-01", repairs=[late])

    assert window(decision, "whole_unit").ends_on == date(2026, 3, 10)
    assert window(decision, "main_component.compressor").ends_on == date(2028, 3, 30)


def test_hand_in_on_the_last_day_still_extends() -> None:
    on_last_day = repair("2026-03-10", "2026-03-20", symptom="noise")
    decision = decide("refrigerator", "2026-03-20", repairs=[on_last_day], text="门封条脱落")

    assert window(decision, "whole_unit").ends_on == date(2026, 3, 20)
    assert decision.status is WarrantyStatus.IN_WARRANTY


def test_hand_in_the_day_after_the_window_does_not_extend_it() -> None:
    day_after = repair("2026-03-11", "2026-03-21", paid=True, symptom="noise")
    decision = decide("refrigerator", "2026-03-21", repairs=[day_after])

    assert window(decision, "whole_unit").ends_on == date(2026, 3, 10)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param("2025-03-20", RETURN_ALL, id="return-window-now-ends-day-10"),
        pytest.param("2025-03-21", EXCHANGE_FREE, id="day-11-exchange-only"),
        pytest.param("2025-03-28", EXCHANGE_FREE, id="exchange-window-now-ends-day-18"),
        pytest.param("2025-03-29", FREE, id="day-19-repair-only"),
    ],
)
def test_repair_in_the_return_window_extends_return_and_exchange_windows(
    as_of: str, expected: tuple[str, ...]
) -> None:
    early = repair("2025-03-12", "2025-03-15", symptom="no_power")
    decision = decide("tv", as_of, repairs=[early], symptom="no_power")

    assert entitlements(decision) == expected
    assert window(decision, "return").ends_on == date(2025, 3, 20)
    assert window(decision, "exchange").ends_on == date(2025, 3, 28)


def test_repair_still_under_way_extends_by_the_days_so_far() -> None:
    open_repair = repair("2026-03-01", None, symptom="no_heat")
    decision = decide("water_heater", "2026-03-20", repairs=[open_repair])

    assert window(decision, "whole_unit").ends_on == date(2026, 3, 29)
    extension = next(r for r in decision.reasons if r.code is ReasonCode.REPAIR_TIME_EXTENSION)
    assert "still under way" in extension.en


def test_successive_repairs_extend_cumulatively() -> None:
    first = repair("2026-01-01", "2026-01-11", symptom="noise")
    # Handed in after the original end, inside the extended one.
    second = repair("2026-03-15", "2026-03-20", symptom="noise")
    decision = decide("microwave", "2026-03-25", repairs=[second, first])

    assert window(decision, "whole_unit").ends_on == date(2026, 3, 25)
    assert reason_codes(decision).count(ReasonCode.REPAIR_TIME_EXTENSION) == 2
    assert decision.status is WarrantyStatus.IN_WARRANTY


def test_same_day_repair_adds_nothing() -> None:
    same_day = repair("2026-01-10", "2026-01-10", symptom="noise")
    decision = decide("refrigerator", "2026-01-20", repairs=[same_day])

    assert window(decision, "whole_unit").ends_on == date(2026, 3, 10)
    assert ReasonCode.REPAIR_TIME_EXTENSION not in reason_codes(decision)


# --- exchange restarts the unit's windows, not return or exchange ---------------------------


def test_exchange_restarts_whole_unit_and_component_windows_only() -> None:
    decision = decide("tv", "2025-06-01", registered="2024-01-10", exchanged="2025-01-05")

    assert window(decision, "return").ends_on == date(2024, 1, 17)
    assert window(decision, "exchange").ends_on == date(2024, 1, 25)
    assert window(decision, "whole_unit").ends_on == date(2026, 1, 5)
    assert window(decision, "main_component.panel").ends_on == date(2028, 1, 5)
    assert decision.status is WarrantyStatus.IN_WARRANTY
    assert ReasonCode.EXCHANGE_RESTART in reason_codes(decision)


def test_days_after_an_exchange_give_no_new_return_right() -> None:
    decision = decide("tv", "2025-01-08", registered="2024-01-10", exchanged="2025-01-05")

    assert entitlements(decision) == FREE


@pytest.mark.parametrize(
    ("as_of", "component", "status"),
    [
        pytest.param("2026-01-05", None, WarrantyStatus.IN_WARRANTY, id="last-day-restarted"),
        pytest.param("2026-01-06", None, WarrantyStatus.OUT_OF_WARRANTY, id="day-after"),
        pytest.param("2026-01-06", "panel", WarrantyStatus.COMPONENT_WARRANTY, id="panel-later"),
    ],
)
def test_exchanged_unit_boundaries(
    as_of: str, component: str | None, status: WarrantyStatus
) -> None:
    decision = decide(
        "tv", as_of, registered="2024-01-10", exchanged="2025-01-05", component=component
    )

    assert decision.status is status


def test_repairs_of_the_old_unit_do_not_extend_the_new_units_windows() -> None:
    old_unit_repair = repair("2024-12-01", "2024-12-20", component="panel")
    decision = decide(
        "tv",
        "2025-06-01",
        registered="2024-01-10",
        exchanged="2025-01-05",
        repairs=[old_unit_repair],
    )

    assert window(decision, "whole_unit").ends_on == date(2026, 1, 5)
    assert "repaired_part.panel" not in [item.code for item in decision.windows]


def test_repeated_repair_counting_starts_anew_after_an_exchange() -> None:
    before = [
        repair("2024-05-01", "2024-05-03", component="panel"),
        repair("2024-09-01", "2024-09-03", component="panel"),
    ]
    decision = decide(
        "tv",
        "2025-06-01",
        registered="2024-01-10",
        exchanged="2025-01-05",
        repairs=before,
        component="panel",
    )

    assert entitlements(decision) == FREE
    assert ReasonCode.REPEATED_REPAIR not in reason_codes(decision)


def test_two_repairs_after_an_exchange_count_again() -> None:
    after = [
        repair("2025-02-01", "2025-02-03", component="panel"),
        repair("2025-04-01", "2025-04-03", component="panel"),
    ]
    decision = decide(
        "tv",
        "2025-06-01",
        registered="2024-01-10",
        exchanged="2025-01-05",
        repairs=after,
        component="panel",
    )

    assert entitlements(decision) == RETURN_ALL


# --- repeated repair ------------------------------------------------------------------------

TWO_COMPRESSOR_REPAIRS = [
    repair("2025-05-01", "2025-05-05", component="compressor"),
    repair("2025-07-01", "2025-07-04", component="compressor"),
]


@pytest.mark.parametrize(
    ("repairs", "fault", "expected"),
    [
        pytest.param(
            TWO_COMPRESSOR_REPAIRS,
            {"text": "压缩机又不转了"},
            RETURN_ALL,
            id="same-component-twice",
        ),
        pytest.param(
            [
                repair("2025-05-01", "2025-05-05", symptom="not_cooling"),
                repair("2025-07-01", "2025-07-04", symptom="not_cooling"),
            ],
            {"symptom": "not_cooling"},
            RETURN_ALL,
            id="same-symptom-no-component",
        ),
        pytest.param(
            [
                repair("2025-05-01", "2025-05-05", symptom="not_cooling"),
                repair("2025-07-01", "2025-07-04", symptom="not_cooling"),
            ],
            {"component": "compressor", "symptom": "not_cooling"},
            RETURN_ALL,
            id="earlier-repairs-named-the-symptom-only",
        ),
        pytest.param(
            [
                repair("2025-05-01", "2025-05-05", component="compressor", symptom="noise"),
                repair("2025-07-01", "2025-07-04", component="compressor", symptom="no_start"),
            ],
            {"component": "compressor", "symptom": "not_cooling"},
            RETURN_ALL,
            id="same-component-different-symptoms",
        ),
        pytest.param(
            [
                repair("2025-05-01", "2025-05-05", component="compressor"),
                repair("2025-07-01", "2025-07-04", component="fan_motor"),
            ],
            {"component": "compressor"},
            FREE,
            id="different-faults-do-not-count",
        ),
        pytest.param(
            [
                repair("2025-05-01", "2025-05-05", component="compressor", symptom="noise"),
                repair("2025-07-01", "2025-07-04", component="fan_motor", symptom="noise"),
            ],
            {"component": "compressor", "symptom": "noise"},
            FREE,
            id="different-components-same-symptom-do-not-count",
        ),
        pytest.param(
            [
                repair("2025-05-01", "2025-05-05", component="compressor", paid=True),
                repair("2025-07-01", "2025-07-04", component="compressor"),
            ],
            {"component": "compressor"},
            FREE,
            id="paid-repair-does-not-count",
        ),
        pytest.param(
            TWO_COMPRESSOR_REPAIRS[:1], {"component": "compressor"}, FREE, id="one-repair-only"
        ),
        pytest.param(
            [
                repair("2025-05-01", "2025-05-05", component="compressor"),
                repair("2025-08-20", None, component="compressor"),
            ],
            {"component": "compressor"},
            FREE,
            id="repair-still-under-way-is-not-a-finished-repair",
        ),
        pytest.param(
            TWO_COMPRESSOR_REPAIRS, {"text": "遥控器没反应"}, FREE, id="unnamed-fault-cannot-repeat"
        ),
    ],
)
def test_repeated_repair(repairs: list, fault: dict[str, str], expected: tuple[str, ...]) -> None:
    decision = decide("air_conditioner", "2025-09-01", repairs=repairs, **fault)

    assert entitlements(decision) == expected
    assert (ReasonCode.REPEATED_REPAIR in reason_codes(decision)) is (expected == RETURN_ALL)


def test_repeated_repair_inside_a_component_window_is_in_warranty() -> None:
    decision = decide(
        "air_conditioner", "2027-01-10", repairs=TWO_COMPRESSOR_REPAIRS, component="compressor"
    )

    assert decision.status is WarrantyStatus.IN_WARRANTY
    assert entitlements(decision) == RETURN_ALL


def test_repeated_repair_outside_every_free_window_stays_paid() -> None:
    decision = decide(
        "air_conditioner", "2028-06-01", repairs=TWO_COMPRESSOR_REPAIRS, component="compressor"
    )

    assert decision.status is WarrantyStatus.OUT_OF_WARRANTY
    assert entitlements(decision) == PAID


def test_repeated_battery_repair_is_still_decided_by_the_battery_window() -> None:
    batteries = [
        repair("2025-04-01", "2025-04-02", component="battery"),
        repair("2025-05-01", "2025-05-02", component="battery"),
    ]
    decision = decide("phone", "2025-06-01", repairs=batteries, component="battery")

    assert decision.status is WarrantyStatus.COMPONENT_WARRANTY
    assert entitlements(decision) == FREE


# --- repair over 30 days and parts not supplied within 90 days ------------------------------


@pytest.mark.parametrize(
    ("handed_back", "paid", "expected"),
    [
        pytest.param("2025-05-31", False, FREE, id="free-repair-30-days"),
        pytest.param("2025-06-01", False, EXCHANGE_FREE, id="free-repair-31-days"),
        pytest.param("2025-06-01", True, FREE, id="paid-repair-31-days-does-not-count"),
        pytest.param(None, False, EXCHANGE_FREE, id="still-in-repair-after-31-days"),
    ],
)
def test_repair_over_30_days_adds_exchange(
    handed_back: str | None, paid: bool, expected: tuple[str, ...]
) -> None:
    slow = repair("2025-05-01", handed_back, paid=paid, component="motor")
    decision = decide("washing_machine", "2025-06-01", repairs=[slow], component="motor")

    assert decision.status is WarrantyStatus.IN_WARRANTY
    assert entitlements(decision) == expected
    assert (ReasonCode.REPAIR_OVER_LIMIT in reason_codes(decision)) is ("exchange" in expected)


def test_repair_over_30_days_while_only_a_component_window_covers_is_in_warranty() -> None:
    slow = repair("2026-06-01", "2026-07-15", component="motor")
    decision = decide("washing_machine", "2026-08-01", repairs=[slow], component="motor")

    assert decision.status is WarrantyStatus.IN_WARRANTY
    assert entitlements(decision) == EXCHANGE_FREE
    over = next(r for r in decision.reasons if r.code is ReasonCode.REPAIR_OVER_LIMIT)
    assert "44 days" in over.en


def _policy_with(**patch: object) -> WarrantyPolicy:
    base = default_policy()
    override = CategoryRulesPatch.model_validate(patch)
    categories = {code: rules.with_override(override) for code, rules in base.categories.items()}
    return WarrantyPolicy(version="test", categories=categories)


# A policy whose 30-day rule cannot fire isolates the 90-day parts rule.
PATIENT_POLICY = _policy_with(repair_over_days=365)


@pytest.mark.parametrize(
    ("supplied_on", "handed_back", "expected"),
    [
        pytest.param("2025-07-30", "2025-08-02", FREE, id="parts-on-day-90"),
        pytest.param("2025-07-31", "2025-08-02", EXCHANGE_FREE, id="parts-on-day-91"),
        pytest.param(None, None, EXCHANGE_FREE, id="still-waiting-on-day-93"),
        pytest.param(None, "2025-07-30", FREE, id="handed-back-unrepaired-on-day-90"),
    ],
)
def test_parts_not_supplied_within_90_days_adds_exchange(
    supplied_on: str | None, handed_back: str | None, expected: tuple[str, ...]
) -> None:
    waiting = repair(
        "2025-05-01",
        handed_back,
        component="magnetron",
        waited_for_parts=True,
        parts_supplied_on=supplied_on,
    )
    decision = decide(
        "microwave", "2025-08-02", repairs=[waiting], component="magnetron", policy=PATIENT_POLICY
    )

    assert entitlements(decision) == expected
    assert (ReasonCode.PARTS_NOT_SUPPLIED in reason_codes(decision)) is ("exchange" in expected)


def test_long_wait_for_parts_fires_both_rules_under_the_default_policy() -> None:
    waiting = repair(
        "2025-05-01",
        "2025-08-05",
        component="magnetron",
        waited_for_parts=True,
        parts_supplied_on="2025-08-04",
    )
    decision = decide("microwave", "2025-08-10", repairs=[waiting], component="magnetron")

    assert entitlements(decision) == EXCHANGE_FREE
    codes = reason_codes(decision)
    assert ReasonCode.REPAIR_OVER_LIMIT in codes
    assert ReasonCode.PARTS_NOT_SUPPLIED in codes


def test_waiting_without_the_parts_flag_is_not_a_parts_delay() -> None:
    slow = repair("2025-05-01", "2025-08-05", component="magnetron")
    decision = decide(
        "microwave", "2025-08-10", repairs=[slow], component="magnetron", policy=PATIENT_POLICY
    )

    assert entitlements(decision) == FREE


# --- repaired-part guarantee ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "symptom", "status"),
    [
        pytest.param("2026-05-26", "ice_maker", WarrantyStatus.COMPONENT_WARRANTY, id="day-90"),
        pytest.param("2026-05-27", "ice_maker", WarrantyStatus.OUT_OF_WARRANTY, id="day-91"),
        pytest.param("2026-04-01", "door_seal", WarrantyStatus.OUT_OF_WARRANTY, id="other-fault"),
    ],
)
def test_repaired_part_is_covered_90_days_after_hand_back(
    as_of: str, symptom: str, status: WarrantyStatus
) -> None:
    # Handed back 2026-02-25; the 5 days in repair move the whole unit to 2026-03-15.
    fixed = repair("2026-02-20", "2026-02-25", symptom="ice_maker")
    decision = decide("refrigerator", as_of, repairs=[fixed], symptom=symptom)

    assert decision.status is status
    assert window(decision, "repaired_part.ice_maker").ends_on == date(2026, 5, 26)
    assert window(decision, "whole_unit").ends_on == date(2026, 3, 15)
    if status is WarrantyStatus.COMPONENT_WARRANTY:
        assert entitlements(decision) == FREE
        assert ReasonCode.REPAIRED_PART_GUARANTEE in reason_codes(decision)


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        pytest.param("2026-09-01", WarrantyStatus.COMPONENT_WARRANTY, id="paid-repair-day-90"),
        pytest.param("2026-09-02", WarrantyStatus.OUT_OF_WARRANTY, id="paid-repair-day-91"),
    ],
)
def test_paid_repair_is_guaranteed_too(as_of: str, status: WarrantyStatus) -> None:
    paid = repair("2026-06-01", "2026-06-03", paid=True, symptom="remote_receiver")
    decision = decide("air_conditioner", as_of, repairs=[paid], symptom="remote_receiver")

    assert decision.status is status


def test_repaired_part_guarantee_runs_to_the_covering_window_when_later() -> None:
    fixed = repair("2025-05-01", "2025-05-03", component="compressor")
    decision = decide("air_conditioner", "2025-06-01", repairs=[fixed])

    # Compressor window 2028-03-10 + 2 days in repair is later than 90 days after hand-back.
    assert window(decision, "repaired_part.compressor").ends_on == date(2028, 3, 12)


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        pytest.param("2025-10-31", WarrantyStatus.COMPONENT_WARRANTY, id="replaced-battery-day-90"),
        pytest.param("2025-11-01", WarrantyStatus.OUT_OF_WARRANTY, id="replaced-battery-day-91"),
    ],
)
def test_replaced_battery_outlives_the_battery_window(as_of: str, status: WarrantyStatus) -> None:
    replaced = repair("2025-08-01", "2025-08-02", component="battery")
    decision = decide("phone", as_of, repairs=[replaced], text="电池又不耐用了")

    assert window(decision, "part.battery").ends_on == date(2025, 9, 11)
    assert window(decision, "repaired_part.battery").ends_on == date(2025, 10, 31)
    assert decision.status is status


def test_only_the_latest_guarantee_per_repaired_part_is_listed() -> None:
    repairs = [
        repair("2026-04-01", "2026-04-02", paid=True, symptom="remote_receiver"),
        repair("2026-07-01", "2026-07-02", paid=True, symptom="remote_receiver"),
    ]
    decision = decide("air_conditioner", "2026-08-01", repairs=repairs)

    assert window(decision, "repaired_part.remote_receiver").ends_on == date(2026, 9, 30)


def test_repair_naming_no_part_gives_no_guarantee() -> None:
    decision = decide("air_conditioner", "2026-08-01", repairs=[repair("2026-04-01", "2026-04-02")])

    assert [item.kind for item in decision.windows if item.kind == "repaired_part"] == []
