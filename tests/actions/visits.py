"""Cases and visits made through the actions themselves, for the visit tests."""

from __future__ import annotations

from typing import Any

from actions.api_client import AftersalesApi
from actions.fault_report import ActionSubmitFaultReport
from actions.visit_booking import ActionBookVisit
from actions.visit_windows import offered_windows, window_key
from tests.actions.conversations import CUSTOMER, build_tracker, run

ADDRESS = "北京市朝阳区建国路88号3号楼1201"
PHONE = "+8618612345678"
TV_IN_WARRANTY = {
    "product_category": "tv",
    "product_model": "65E3F",
    "serial_number": "HS65E3F26080693029",
    "purchase_date": "2026-11-03",
    "fault_description": "电视黑屏",
}
MICROWAVE_OUT_OF_WARRANTY = {
    "product_category": "microwave",
    "product_model": "P70D20TL-D4",
    "serial_number": "GL2108P70D085441",
    "purchase_date": "2021-08-20",
    "fault_description": "微波炉里面打火",
}


async def reported_case(
    product: dict[str, Any] = TV_IN_WARRANTY, sender: str = CUSTOMER
) -> dict[str, Any]:
    """The slots after a fault report whose consumer asked for a visit: the case is open."""
    slots = {**product, "pending_goal": "book_visit"}
    turn = await run(ActionSubmitFaultReport(), build_tracker(slots=slots, sender=sender))
    assert turn.slots.get("case_id"), turn.responses
    return {**slots, **turn.slots}


async def free_windows(api: AftersalesApi, case_id: str, count: int = 2) -> list[str]:
    availability = await api.visit_availability(CUSTOMER, int(case_id), address=ADDRESS)
    keys = [window_key(offer) for offer in offered_windows(availability.windows)]
    assert len(keys) >= count, keys
    return keys[:count]


async def booked_visit(
    api: AftersalesApi, product: dict[str, Any] = TV_IN_WARRANTY, *, fee_consent: bool | None = None
) -> str:
    """A case with a visit booked through action_book_visit; the visit's id."""
    slots = await reported_case(product)
    (window,) = await free_windows(api, slots["case_id"], count=1)
    slots |= {
        "address": ADDRESS,
        "phone": PHONE,
        "visit_window": window,
        "fee_consent": fee_consent,
    }
    turn = await run(ActionBookVisit(), build_tracker(slots=slots))
    assert turn.slots.get("visit_id"), turn.messages
    return str(turn.slots["visit_id"])
