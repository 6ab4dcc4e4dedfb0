"""What the action server and the api log while a consumer reports a fault, gives an address
and a phone number (a good and a bad one, an unserved address) and books a visit: no log
line at info level or above holds the address, the phone number or what the consumer wrote.
Those live in the api's records and conversation log, which have their own access rules."""

from __future__ import annotations

from typing import Any

import structlog

from actions.api_client import AftersalesApi
from actions.visit_form import ValidateVisitForm
from tests.actions.conversations import build_tracker, run
from tests.actions.visits import ADDRESS, PHONE, TV_IN_WARRANTY, booked_visit, reported_case

UNSERVED_ADDRESS = "深圳市南山区科苑路8号502室"
TYPED_PHONE = "186-1234-5678"
LOGGED_LEVELS = frozenset({"info", "warning", "error", "critical", "exception"})


def _personal_data() -> list[str]:
    return [
        ADDRESS,
        "建国路88号",
        UNSERVED_ADDRESS,
        "科苑路8号",
        PHONE,
        PHONE.removeprefix("+86"),
        TYPED_PHONE,
        "1234567",
        str(TV_IN_WARRANTY["fault_description"]),
    ]


async def test_a_report_and_a_booking_log_no_personal_data(api: AftersalesApi) -> None:
    with structlog.testing.capture_logs() as logs:
        slots = await reported_case()
        for requested, typed in (
            ("address", UNSERVED_ADDRESS),
            ("address", ADDRESS),
            ("phone", "1234"),
            ("phone", TYPED_PHONE),
        ):
            tracker = build_tracker(
                slots={**slots, "requested_slot": requested}, candidates={requested: typed}
            )
            await run(ValidateVisitForm(), tracker)
        await booked_visit(api)

    shown = [entry for entry in logs if entry.get("log_level") in LOGGED_LEVELS]
    assert shown, "the flow logs something at info level"
    leaks = [
        (entry.get("event"), secret)
        for entry in shown
        for secret in _personal_data()
        if secret in _flattened(entry)
    ]
    assert leaks == []


def _flattened(entry: dict[str, Any]) -> str:
    return " ".join(f"{key}={value!r}" for key, value in entry.items())
