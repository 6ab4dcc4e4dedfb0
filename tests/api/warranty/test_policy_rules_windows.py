"""Window arithmetic and the return / exchange / whole-unit / component / part boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from api.warranty.decision_model import ReasonCode, WarrantyStatus
from api.warranty.policy_model import CategoryCode
from api.warranty.policy_rules import add_days, add_months
from tests.api.warranty.warranty_builders import (
    decide,
    entitlements,
    reason_codes,
    window,
    window_ends,
)

ALL_CATEGORIES = [category.value for category in CategoryCode]
RETURN_ALL = ("return", "exchange", "free_repair")
EXCHANGE_FREE = ("exchange", "free_repair")
FREE = ("free_repair",)
PAID = ("paid_repair",)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(date(2025, 6, 1), 7, date(2025, 6, 8), id="1-june-plus-7-is-8-june"),
        pytest.param(date(2024, 2, 22), 7, date(2024, 2, 29), id="lands-on-leap-day"),
        pytest.param(date(2025, 12, 28), 7, date(2026, 1, 4), id="crosses-new-year"),
        pytest.param(date(2025, 2, 20), 15, date(2025, 3, 7), id="crosses-short-february"),
    ],
)
def test_day_windows_end_on_start_plus_n_inclusive(start: date, days: int, expected: date) -> None:
    assert add_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="leap-day-plus-12-months"),
        pytest.param(date(2024, 2, 29), 48, date(2028, 2, 29), id="leap-day-plus-48-months"),
        pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="31-jan-plus-1-leap-year"),
        pytest.param(date(2023, 1, 31), 1, date(2023, 2, 28), id="31-jan-plus-1-common-year"),
        pytest.param(date(2024, 3, 31), 1, date(2024, 4, 30), id="31-mar-plus-1-is-30-apr"),
        pytest.param(date(2024, 12, 31), 2, date(2025, 2, 28), id="31-dec-plus-2-months"),
        pytest.param(date(2023, 8, 31), 6, date(2024, 2, 29), id="31-aug-plus-6-into-leap-feb"),
        pytest.param(date(2025, 3, 10), 36, date(2028, 3, 10), id="same-day-three-years-on"),
    ],
)
def test_month_windows_end_on_same_day_or_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize("category", ALL_CATEGORIES)
@pytest.mark.parametrize(
    ("as_of", "expected", "reason"),
    [
        pytest.param("2025-03-17", RETURN_ALL, ReasonCode.RETURN_WINDOW, id="day-7-return"),
        pytest.param("2025-03-18", EXCHANGE_FREE, ReasonCode.EXCHANGE_WINDOW, id="day-8-exchange"),
        pytest.param("2025-03-25", EXCHANGE_FREE, ReasonCode.EXCHANGE_WINDOW, id="day-15-exchange"),
        pytest.param("2025-03-26", FREE, ReasonCode.WHOLE_UNIT_WINDOW, id="day-16-repair-only"),
    ],
)
def test_return_and_exchange_windows_for_every_category(
    category: str, as_of: str, expected: tuple[str, ...], reason: ReasonCode
) -> None:
    decision = decide(category, as_of, text="stopped working")

    assert decision.status is WarrantyStatus.IN_WARRANTY
    assert entitlements(decision) == expected
    assert reason in reason_codes(decision)


@pytest.mark.parametrize("category", ALL_CATEGORIES)
@pytest.mark.parametrize(
    ("as_of", "status", "expected"),
    [
        pytest.param("2026-03-10", WarrantyStatus.IN_WARRANTY, FREE, id="last-day-of-12-months"),
        pytest.param("2026-03-11", WarrantyStatus.OUT_OF_WARRANTY, PAID, id="first-day-after"),
    ],
)
def test_whole_unit_window_for_every_category(
    category: str, as_of: str, status: WarrantyStatus, expected: tuple[str, ...]
) -> None:
    decision = decide(category, as_of, text="stopped working")

    assert decision.status is status
    assert entitlements(decision) == expected
    assert window(decision, "whole_unit").ends_on == date(2026, 3, 10)


MAIN_COMPONENTS = [
    ("air_conditioner", "compressor", "2028-03-10"),
    ("air_conditioner", "fan_motor", "2028-03-10"),
    ("refrigerator", "compressor", "2028-03-10"),
    ("washing_machine", "motor", "2028-03-10"),
    ("washing_machine", "programme_controller", "2028-03-10"),
    ("tv", "panel", "2028-03-10"),
    ("tv", "backlight", "2028-03-10"),
    ("tv", "logic_board", "2028-03-10"),
    ("tv", "tuner", "2028-03-10"),
    ("microwave", "magnetron", "2028-03-10"),
    ("water_heater", "heating_element", "2028-03-10"),
    ("laptop", "motherboard", "2027-03-10"),
    ("laptop", "cpu", "2027-03-10"),
    ("laptop", "memory", "2027-03-10"),
    ("laptop", "display", "2027-03-10"),
    ("laptop", "hard_drive", "2027-03-10"),
    ("laptop", "keyboard", "2027-03-10"),
    ("laptop", "power_adapter", "2027-03-10"),
]


def _day_after(iso_day: str) -> str:
    return add_days(date.fromisoformat(iso_day), 1).isoformat()


@pytest.mark.parametrize(
    ("category", "component", "last_day"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in MAIN_COMPONENTS],
)
def test_main_component_covered_after_whole_unit_until_its_last_day(
    category: str, component: str, last_day: str
) -> None:
    first_day_after_unit = decide(category, "2026-03-11", component=component)
    last = decide(category, last_day, component=component)
    after = decide(category, _day_after(last_day), component=component)

    assert first_day_after_unit.status is WarrantyStatus.COMPONENT_WARRANTY
    assert entitlements(first_day_after_unit) == FREE
    assert ReasonCode.MAIN_COMPONENT_WINDOW in reason_codes(first_day_after_unit)
    assert last.status is WarrantyStatus.COMPONENT_WARRANTY
    assert entitlements(last) == FREE
    assert after.status is WarrantyStatus.OUT_OF_WARRANTY
    assert entitlements(after) == PAID
    assert window(after, f"main_component.{component}").ends_on == date.fromisoformat(last_day)


@pytest.mark.parametrize(
    ("category", "component"),
    [
        pytest.param("refrigerator", "fan_motor", id="fridge-has-no-fan-motor-component"),
        pytest.param("phone", "panel", id="phone-screen-is-whole-unit"),
        pytest.param("furniture", "motor", id="furniture-has-no-components"),
    ],
)
def test_component_outside_the_category_list_is_a_whole_unit_fault(
    category: str, component: str
) -> None:
    decision = decide(category, "2026-03-11", component=component)

    assert decision.status is WarrantyStatus.OUT_OF_WARRANTY
    assert entitlements(decision) == PAID


@pytest.mark.parametrize(
    ("component", "as_of", "status"),
    [
        pytest.param("battery", "2025-09-10", WarrantyStatus.COMPONENT_WARRANTY, id="battery-6m"),
        pytest.param("battery", "2025-09-11", WarrantyStatus.OUT_OF_WARRANTY, id="battery-6m+1"),
        pytest.param("charger", "2026-03-10", WarrantyStatus.COMPONENT_WARRANTY, id="charger-12m"),
        pytest.param("charger", "2026-03-11", WarrantyStatus.OUT_OF_WARRANTY, id="charger-12m+1"),
        pytest.param("headset", "2025-06-10", WarrantyStatus.COMPONENT_WARRANTY, id="headset-3m"),
        pytest.param("headset", "2025-06-11", WarrantyStatus.OUT_OF_WARRANTY, id="headset-3m+1"),
    ],
)
def test_phone_parts_are_decided_by_their_own_window_alone(
    component: str, as_of: str, status: WarrantyStatus
) -> None:
    decision = decide("phone", as_of, component=component)

    covered = status is WarrantyStatus.COMPONENT_WARRANTY
    assert decision.status is status
    assert entitlements(decision) == (FREE if covered else PAID)
    assert ReasonCode.PART_OWN_WINDOW in reason_codes(decision)
    assert window(decision, f"part.{component}").running is covered


def test_phone_battery_fault_in_return_window_gets_free_repair_only() -> None:
    decision = decide("phone", "2025-03-13", text="电池鼓包了")

    assert decision.fault_component == "battery"
    assert decision.status is WarrantyStatus.COMPONENT_WARRANTY
    assert entitlements(decision) == FREE


def test_phone_battery_after_its_window_is_paid_though_the_phone_is_covered() -> None:
    decision = decide("phone", "2025-12-01", text="battery drains in two hours")

    assert decision.status is WarrantyStatus.OUT_OF_WARRANTY
    assert entitlements(decision) == PAID
    assert reason_codes(decision)[-2:] == [ReasonCode.PART_OWN_WINDOW, ReasonCode.NO_FREE_WINDOW]


def test_phone_screen_fault_in_return_window_may_be_returned() -> None:
    decision = decide("phone", "2025-03-13", text="屏幕有竖线")

    assert decision.status is WarrantyStatus.IN_WARRANTY
    assert entitlements(decision) == RETURN_ALL


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        pytest.param("2025-02-28", WarrantyStatus.IN_WARRANTY, id="28-feb-2025-last-day"),
        pytest.param("2025-03-01", WarrantyStatus.OUT_OF_WARRANTY, id="1-mar-2025-first-day-out"),
    ],
)
def test_bought_on_leap_day_twelve_months_end_on_28_february(
    as_of: str, status: WarrantyStatus
) -> None:
    decision = decide("tv", as_of, registered="2024-02-29", text="no sound")

    assert decision.status is status
    assert window(decision, "whole_unit").ends_on == date(2025, 2, 28)
    assert window(decision, "main_component.panel").ends_on == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("registered", "component", "end"),
    [
        pytest.param("2024-01-31", "headset", date(2024, 4, 30), id="31-jan-headset-3m-30-apr"),
        pytest.param("2023-08-31", "battery", date(2024, 2, 29), id="31-aug-battery-6m-leap-feb"),
        pytest.param("2024-08-31", "battery", date(2025, 2, 28), id="31-aug-battery-6m-feb-28"),
    ],
)
def test_month_end_purchase_part_windows(registered: str, component: str, end: date) -> None:
    on_last_day = decide("phone", end.isoformat(), registered=registered, component=component)
    day_after = decide(
        "phone", _day_after(end.isoformat()), registered=registered, component=component
    )

    assert window(on_last_day, f"part.{component}").ends_on == end
    assert on_last_day.status is WarrantyStatus.COMPONENT_WARRANTY
    assert day_after.status is WarrantyStatus.OUT_OF_WARRANTY


def test_every_window_of_an_air_conditioner_is_listed_with_its_end_and_state() -> None:
    decision = decide("air_conditioner", "2025-03-20", text="漏水")

    assert window_ends(decision) == {
        "return": date(2025, 3, 17),
        "exchange": date(2025, 3, 25),
        "whole_unit": date(2026, 3, 10),
        "main_component.compressor": date(2028, 3, 10),
        "main_component.fan_motor": date(2028, 3, 10),
    }
    assert [item.running for item in decision.windows] == [False, True, True, True, True]


def test_phone_windows_list_each_part() -> None:
    decision = decide("phone", "2025-03-20")

    assert window_ends(decision) == {
        "return": date(2025, 3, 17),
        "exchange": date(2025, 3, 25),
        "whole_unit": date(2026, 3, 10),
        "part.battery": date(2025, 9, 10),
        "part.charger": date(2026, 3, 10),
        "part.headset": date(2025, 6, 10),
    }


def test_furniture_has_return_exchange_and_whole_unit_windows_only() -> None:
    decision = decide("furniture", "2025-03-17", text="沙发塌陷")

    assert [item.code for item in decision.windows] == ["return", "exchange", "whole_unit"]
    assert entitlements(decision) == RETURN_ALL


def test_decision_carries_policy_version_and_date() -> None:
    decision = decide("tv", "2025-04-01")

    assert decision.policy_version == "2026.1"
    assert decision.as_of == date(2025, 4, 1)
