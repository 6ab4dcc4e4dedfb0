"""Where the windows start (registered, stated, manufacture date), missing proof, the quality
presumption, unknown products and refused input."""

from __future__ import annotations

from datetime import date

import pytest

from api.warranty.decision_model import (
    InputErrorCode,
    InvalidWarrantyInput,
    ReasonCode,
    WarrantyStatus,
)
from tests.api.warranty.warranty_builders import (
    decide,
    entitlements,
    reason_codes,
    repair,
    window,
    window_ends,
)

RETURN_ALL = ("return", "exchange", "free_repair")
FREE = ("free_repair",)
PAID = ("paid_repair",)

# --- registered sale date wins --------------------------------------------------------------


def test_registered_sale_date_wins_over_the_stated_date_and_says_so() -> None:
    # Day 7 from the registered date; the stated date would make it day 16.
    decision = decide(
        "washing_machine", "2025-03-17", registered="2025-03-10", stated="2025-03-01", proof=True
    )

    assert entitlements(decision) == RETURN_ALL
    differs = next(r for r in decision.reasons if r.code is ReasonCode.REGISTERED_DATE_DIFFERS)
    assert "2025-03-10" in differs.en
    assert "2025-03-01" in differs.en
    assert "2025年3月10日" in differs.zh
    assert "2025年3月1日" in differs.zh


@pytest.mark.parametrize(
    "stated",
    [pytest.param("2025-03-10", id="same-date"), pytest.param(None, id="no-stated-date")],
)
def test_no_disagreement_reason_when_dates_agree(stated: str | None) -> None:
    decision = decide("washing_machine", "2025-03-17", stated=stated)

    assert ReasonCode.REGISTERED_DATE_DIFFERS not in reason_codes(decision)


def test_registered_sale_needs_no_separate_proof() -> None:
    decision = decide("tv", "2025-04-01", proof=False)

    assert decision.status is WarrantyStatus.IN_WARRANTY


def test_stated_date_with_proof_starts_the_windows() -> None:
    decision = decide("tv", "2025-03-17", registered=None, stated="2025-03-10", proof=True)

    assert entitlements(decision) == RETURN_ALL


# --- phones without proof: manufacture date + 90 days ---------------------------------------

PHONE_WITHOUT_PROOF = {
    "registered": None,
    "stated": "2024-11-10",
    "proof": False,
    "manufactured": "2024-10-01",
}


@pytest.mark.parametrize(
    ("as_of", "status", "expected"),
    [
        pytest.param(
            "2024-11-12", WarrantyStatus.IN_WARRANTY, FREE, id="before-the-start-no-return"
        ),
        pytest.param("2025-01-02", WarrantyStatus.IN_WARRANTY, FREE, id="after-the-start"),
        pytest.param("2025-12-30", WarrantyStatus.IN_WARRANTY, FREE, id="last-day"),
        pytest.param("2025-12-31", WarrantyStatus.OUT_OF_WARRANTY, PAID, id="day-after"),
    ],
)
def test_phone_without_proof_starts_90_days_after_manufacture(
    as_of: str, status: WarrantyStatus, expected: tuple[str, ...]
) -> None:
    decision = decide("phone", as_of, text="无法开机", **PHONE_WITHOUT_PROOF)

    assert decision.status is status
    assert entitlements(decision) == expected
    assert window(decision, "whole_unit").ends_on == date(2025, 12, 30)
    assert ReasonCode.MANUFACTURE_DATE_START in reason_codes(decision)


def test_phone_without_proof_lists_no_return_or_exchange_window() -> None:
    decision = decide("phone", "2025-01-02", **PHONE_WITHOUT_PROOF)

    assert window_ends(decision) == {
        "whole_unit": date(2025, 12, 30),
        "part.battery": date(2025, 6, 30),
        "part.charger": date(2025, 12, 30),
        "part.headset": date(2025, 3, 30),
    }
    assert ReasonCode.PRESUMED_QUALITY_FAULT not in reason_codes(decision)


def test_phone_without_proof_gets_free_repair_only_even_after_repeated_repairs() -> None:
    repairs = [
        repair("2025-02-01", "2025-02-03", symptom="no_signal"),
        repair("2025-04-01", "2025-04-03", symptom="no_signal"),
    ]
    decision = decide(
        "phone", "2025-05-01", repairs=repairs, symptom="no_signal", **PHONE_WITHOUT_PROOF
    )

    assert entitlements(decision) == FREE
    assert ReasonCode.REPEATED_REPAIR in reason_codes(decision)


def test_phone_with_unknown_proof_uses_the_manufacture_date() -> None:
    decision = decide("phone", "2025-01-02", registered=None, manufactured="2024-10-01")

    assert decision.status is WarrantyStatus.IN_WARRANTY
    assert entitlements(decision) == FREE


def test_phone_without_proof_or_manufacture_date_needs_proof() -> None:
    decision = decide("phone", "2025-01-02", registered=None, stated="2025-01-01", proof=False)

    assert decision.status is WarrantyStatus.NEEDS_PROOF
    assert entitlements(decision) == ()


# --- other categories without proof ---------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "stated", "as_of", "status"),
    [
        pytest.param(
            "refrigerator", "2025-03-10", "2025-04-01", WarrantyStatus.NEEDS_PROOF, id="recent"
        ),
        pytest.param(
            "refrigerator",
            "2022-06-01",
            "2025-03-01",
            WarrantyStatus.NEEDS_PROOF,
            id="compressor-window-still-running",
        ),
        pytest.param(
            "refrigerator",
            "2022-03-01",
            "2025-03-01",
            WarrantyStatus.NEEDS_PROOF,
            id="compressor-last-day",
        ),
        pytest.param(
            "refrigerator",
            "2022-03-01",
            "2025-03-02",
            WarrantyStatus.OUT_OF_WARRANTY,
            id="beyond-every-window",
        ),
        pytest.param(
            "furniture", "2024-03-01", "2025-03-01", WarrantyStatus.NEEDS_PROOF, id="sofa-12m"
        ),
        pytest.param(
            "furniture", "2024-03-01", "2025-03-02", WarrantyStatus.OUT_OF_WARRANTY, id="sofa-12m+1"
        ),
        pytest.param("laptop", None, "2025-03-02", WarrantyStatus.NEEDS_PROOF, id="no-date-at-all"),
    ],
)
def test_other_categories_without_proof(
    category: str, stated: str | None, as_of: str, status: WarrantyStatus
) -> None:
    decision = decide(category, as_of, registered=None, stated=stated, proof=None)

    assert decision.status is status
    if status is WarrantyStatus.NEEDS_PROOF:
        assert entitlements(decision) == ()
        assert reason_codes(decision)[-1] is ReasonCode.NEEDS_PROOF
    else:
        assert entitlements(decision) == PAID
        assert ReasonCode.STATED_DATE_OUTSIDE_WINDOWS in reason_codes(decision)


def test_stated_date_without_proof_is_not_enough_even_with_proof_flag_false() -> None:
    decision = decide("tv", "2025-03-12", registered=None, stated="2025-03-10", proof=False)

    assert decision.status is WarrantyStatus.NEEDS_PROOF
    assert ReasonCode.PRESUMED_QUALITY_FAULT not in reason_codes(decision)


def test_needs_proof_lists_the_windows_the_stated_date_would_give() -> None:
    decision = decide("tv", "2025-03-12", registered=None, stated="2025-03-10")

    assert window(decision, "whole_unit").ends_on == date(2026, 3, 10)


def test_needs_proof_without_stated_date_lists_no_windows() -> None:
    decision = decide("tv", "2025-03-12", registered=None)

    assert decision.windows == ()


def test_recorded_exchange_starts_the_windows_without_purchase_proof() -> None:
    decision = decide("tv", "2025-06-01", registered=None, exchanged="2025-01-05")

    assert decision.status is WarrantyStatus.IN_WARRANTY
    # Without a proven purchase date there is no return or exchange window to list.
    assert [item.code for item in decision.windows] == [
        "whole_unit",
        "main_component.panel",
        "main_component.backlight",
        "main_component.logic_board",
        "main_component.tuner",
    ]


# --- burden of proof ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "presumed"),
    [
        pytest.param("2025-09-10", True, id="last-day-of-6-months"),
        pytest.param("2025-09-11", False, id="first-day-after-6-months"),
    ],
)
def test_quality_fault_presumed_within_6_months(as_of: str, presumed: bool) -> None:
    decision = decide("tv", as_of)

    assert (ReasonCode.PRESUMED_QUALITY_FAULT in reason_codes(decision)) is presumed


def test_presumption_counts_from_purchase_not_from_exchange() -> None:
    decision = decide("tv", "2025-06-01", registered="2024-01-10", exchanged="2025-01-05")

    assert ReasonCode.PRESUMED_QUALITY_FAULT not in reason_codes(decision)


# --- unknown product ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "category",
    [pytest.param(None, id="no-category"), pytest.param("dishwasher", id="category-not-in-policy")],
)
def test_unknown_product(category: str | None) -> None:
    decision = decide(category, "2025-04-01", text="AC的compressor坏了")

    assert decision.status is WarrantyStatus.UNKNOWN_PRODUCT
    assert entitlements(decision) == ()
    assert decision.windows == ()
    assert reason_codes(decision) == [ReasonCode.UNKNOWN_PRODUCT]
    assert decision.fault_component == "compressor"


# --- refused input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "code", "field"),
    [
        pytest.param(
            {"registered": None, "stated": "2025-04-02", "proof": True},
            InputErrorCode.PURCHASE_DATE_IN_FUTURE,
            "purchase.stated_purchase_date",
            id="stated-date-tomorrow",
        ),
        pytest.param(
            {"registered": "2025-04-02"},
            InputErrorCode.PURCHASE_DATE_IN_FUTURE,
            "purchase.registered_sale_date",
            id="registered-date-tomorrow",
        ),
        pytest.param(
            {"launched": "2025-03-11"},
            InputErrorCode.PURCHASE_DATE_BEFORE_LAUNCH,
            "purchase.registered_sale_date",
            id="registered-a-day-before-launch",
        ),
        pytest.param(
            {"registered": None, "stated": "2024-12-31", "launched": "2025-01-01"},
            InputErrorCode.PURCHASE_DATE_BEFORE_LAUNCH,
            "purchase.stated_purchase_date",
            id="stated-before-launch",
        ),
        pytest.param(
            {"exchanged": "2025-04-02"},
            InputErrorCode.EXCHANGE_DATE_IN_FUTURE,
            "purchase.exchange_date",
            id="exchange-tomorrow",
        ),
        pytest.param(
            {"exchanged": "2025-03-09"},
            InputErrorCode.EXCHANGE_DATE_BEFORE_PURCHASE,
            "purchase.exchange_date",
            id="exchange-before-purchase",
        ),
        pytest.param(
            {"registered": None, "manufactured": "2025-04-02"},
            InputErrorCode.MANUFACTURE_DATE_IN_FUTURE,
            "purchase.manufacture_date",
            id="manufactured-tomorrow",
        ),
        pytest.param(
            {"repairs": [repair("2025-04-02")]},
            InputErrorCode.REPAIR_DATE_IN_FUTURE,
            "repairs.0.handed_in",
            id="repair-handed-in-tomorrow",
        ),
        pytest.param(
            {"repairs": [repair("2025-03-20", "2025-03-25"), repair("2025-03-28", "2025-03-27")]},
            InputErrorCode.REPAIR_DATES_OUT_OF_ORDER,
            "repairs.1.handed_back",
            id="handed-back-before-handed-in",
        ),
        pytest.param(
            {
                "repairs": [
                    repair("2025-03-20", waited_for_parts=True, parts_supplied_on="2025-03-19")
                ]
            },
            InputErrorCode.REPAIR_DATES_OUT_OF_ORDER,
            "repairs.0.parts_supplied_on",
            id="parts-before-hand-in",
        ),
        pytest.param(
            {"repairs": [repair("2025-03-01", "2025-03-02")]},
            InputErrorCode.REPAIR_BEFORE_PURCHASE,
            "repairs.0.handed_in",
            id="repair-before-purchase",
        ),
        pytest.param(
            {"component": "flux_capacitor"},
            InputErrorCode.UNKNOWN_COMPONENT,
            "fault.component",
            id="unknown-fault-component",
        ),
        pytest.param(
            {"repairs": [repair("2025-03-20", "2025-03-21", component="wheel")]},
            InputErrorCode.UNKNOWN_COMPONENT,
            "repairs.0.component",
            id="unknown-repair-component",
        ),
        pytest.param(
            {"confirmed": ["bad_luck"]},
            InputErrorCode.UNKNOWN_EXCLUSION,
            "confirmed_exclusions",
            id="unknown-exclusion",
        ),
    ],
)
def test_impossible_input_is_refused(
    facts: dict[str, object], code: InputErrorCode, field: str
) -> None:
    with pytest.raises(InvalidWarrantyInput) as raised:
        decide("tv", "2025-04-01", **facts)

    assert raised.value.code is code
    assert raised.value.field == field
    assert raised.value.en
    assert raised.value.zh
    assert field in str(raised.value)


def test_future_date_is_refused_even_for_an_unknown_product() -> None:
    with pytest.raises(InvalidWarrantyInput) as raised:
        decide(None, "2025-04-01", registered="2025-05-01")

    assert raised.value.code is InputErrorCode.PURCHASE_DATE_IN_FUTURE


def test_refusal_messages_name_the_dates_in_both_languages() -> None:
    with pytest.raises(InvalidWarrantyInput) as raised:
        decide("tv", "2025-04-01", registered=None, stated="2025-04-02")

    assert "2025-04-02" in raised.value.en
    assert "2025年4月2日" in raised.value.zh


@pytest.mark.parametrize(
    ("as_of", "registered"),
    [
        pytest.param("2025-03-10", "2025-03-10", id="bought-today"),
        pytest.param("2025-03-10", "2025-01-01", id="bought-on-launch-day"),
    ],
)
def test_boundary_dates_are_accepted(as_of: str, registered: str) -> None:
    decision = decide("tv", as_of, registered=registered, launched="2025-01-01")

    assert decision.status is WarrantyStatus.IN_WARRANTY
