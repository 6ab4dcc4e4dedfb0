"""Submitting a fault report: the case, the warranty decision and the next step."""

from __future__ import annotations

import re
from typing import Any

from actions.api_client import AftersalesApi
from actions.fault_report import ActionSubmitFaultReport
from tests.actions.conversations import CUSTOMER, build_tracker, run

AIR_CONDITIONER = {
    "product_model": "KFR-35GW/BpR3",
    "product_category": "air_conditioner",
    "brand": "gree",
    "serial_number": "GR251135BP040146",
    "purchase_date": "2025-12-20",
    "fault_description": "空调开机后一直不制冷",
}


def _completed_report(**overrides: Any) -> dict[str, Any]:
    return {**AIR_CONDITIONER, **overrides}


async def test_a_report_opens_a_case_tells_the_warranty_and_starts_troubleshooting(
    api: AftersalesApi,
) -> None:
    turn = await run(ActionSubmitFaultReport(), build_tracker(slots=_completed_report()))

    case_id = turn.slots["case_id"]
    case = await api.get_case(CUSTOMER, int(case_id))
    assert case is not None
    assert case.status.value == "troubleshooting"
    assert (case.model_code, case.serial, case.symptom_key) == (
        "KFR-35GW/BpR3",
        "GR251135BP040146",
        "not_cooling",
    )
    assert case.fault_description == "空调开机后一直不制冷"

    assert turn.messages[0] == {
        **turn.messages[0],
        "response": "utter_case_created",
        "case_id": case_id,
    }
    assert "utter_warranty_in_warranty" in turn.responses
    assert turn.slots["warranty_status"] == "in_warranty"
    assert turn.slots["paid_repair"] is False
    assert turn.slots["symptom"] == "not_cooling"
    assert turn.slots["awaiting"] == "step_feedback"
    assert turn.slots["troubleshooting_step"] == 1.0
    assert turn.responses[-1] == "utter_ask_step_outcome"
    assert any(text.startswith("(1/") for text in turn.texts), "the first step, numbered"


async def test_english_conversations_get_the_steps_in_english(api: AftersalesApi) -> None:
    tracker = build_tracker(slots=_completed_report(language="en"))
    turn = await run(ActionSubmitFaultReport(), tracker)
    step = next(text for text in turn.texts if text.startswith("(1/"))
    assert not re.search(r"[\u3400-\u9fff]", step), step


async def test_submitting_the_same_report_again_opens_no_second_case(api: AftersalesApi) -> None:
    first = await run(ActionSubmitFaultReport(), build_tracker(slots=_completed_report()))
    again = await run(ActionSubmitFaultReport(), build_tracker(slots=_completed_report()))
    assert first.slots["case_id"] == again.slots["case_id"]
    assert len(await api.list_cases(CUSTOMER)) == 1


async def test_the_same_unit_reported_again_at_once_joins_the_case_just_opened(
    api: AftersalesApi,
) -> None:
    """As when an engine stopped after the case was opened and the form took the consumer's
    next message for the description: the unit's open case is reused, not doubled."""
    first = await run(ActionSubmitFaultReport(), build_tracker(slots=_completed_report()))
    tracker = build_tracker(slots=_completed_report(fault_description="还是不行"))
    again = await run(ActionSubmitFaultReport(), tracker)
    other_unit = _completed_report(serial_number="GR251135BP040147")
    another = await run(ActionSubmitFaultReport(), build_tracker(slots=other_unit))

    assert again.slots["case_id"] == first.slots["case_id"]
    assert again.responses[0] == "utter_case_created"
    assert another.slots["case_id"] != first.slots["case_id"]
    assert len(await api.list_cases(CUSTOMER)) == 2


async def test_a_visit_asked_for_earlier_is_offered_once_the_case_exists(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(slots=_completed_report(pending_goal="book_visit"))
    turn = await run(ActionSubmitFaultReport(), tracker)
    assert turn.responses[-1] == "utter_offer_visit"
    assert "utter_no_troubleshooting_guide" not in turn.responses
    assert turn.slots["awaiting"] == "visit_offer"
    assert turn.slots["pending_goal"] is None
    case = await api.get_case(CUSTOMER, int(turn.slots["case_id"]))
    assert case is not None and case.status.value == "awaiting_visit"


async def test_a_warranty_question_asked_earlier_gets_the_next_steps(api: AftersalesApi) -> None:
    tracker = build_tracker(slots=_completed_report(pending_goal="check_warranty"))
    turn = await run(ActionSubmitFaultReport(), tracker)
    assert turn.responses[-1] == "utter_warranty_next_steps"
    assert turn.slots["awaiting"] is None


async def test_a_return_asked_for_within_the_return_window_goes_to_a_person(
    api: AftersalesApi,
) -> None:
    # Sold three days ago: inside the return window.
    tracker = build_tracker(
        slots=_completed_report(
            serial_number="GR260735BP075461", purchase_date=None, pending_goal="return_exchange"
        )
    )
    turn = await run(ActionSubmitFaultReport(), tracker)
    assert turn.responses[-2:] == [
        "utter_return_available",
        "utter_return_exchange_handled_by_agent",
    ]
    assert "return" in turn.slots["warranty_entitlements"]


async def test_an_old_product_is_out_of_warranty_and_paid(api: AftersalesApi) -> None:
    tracker = build_tracker(
        slots={
            "product_model": "P70D20TL-D4",
            "product_category": "microwave",
            "serial_number": "GL2108P70D085441",
            "purchase_date": "2021-08-20",
            "fault_description": "微波炉转盘在转但是不热",
        }
    )
    turn = await run(ActionSubmitFaultReport(), tracker)
    assert "utter_warranty_out_of_warranty" in turn.responses
    assert turn.slots["paid_repair"] is True
    assert turn.texts, "the api's reasons are told"


async def test_a_gas_smell_is_a_safety_alert_not_a_troubleshooting_step(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(
        slots={
            "product_category": "water_heater",
            "product_model": "JSQ25-13GN",
            "serial_number": None,
            "nameplate_photo": "att-9",
            "purchase_date": "2024-05-01",
            "fault_description": "热水器打不着火，厨房里有很重的燃气味",
        }
    )
    turn = await run(ActionSubmitFaultReport(), tracker)
    assert "utter_warranty_from_photo" in turn.responses, "no serial: an engineer decides"
    assert turn.responses[-1] == "utter_offer_human"
    assert "utter_ask_step_outcome" not in turn.responses
    assert turn.slots["awaiting"] is None


async def test_a_fault_without_a_guide_offers_a_visit(api: AftersalesApi) -> None:
    tracker = build_tracker(
        slots={
            "product_category": "furniture",
            "product_model": "KK-M0152",
            "serial_number": None,
            "nameplate_photo": "att-3",
            "purchase_date": "2024-05-01",
            "fault_description": "床垫中间塌陷下去一大块",
        }
    )
    turn = await run(ActionSubmitFaultReport(), tracker)
    assert turn.responses[-2:] == ["utter_no_troubleshooting_guide", "utter_offer_visit"]
    assert turn.slots["awaiting"] == "visit_offer"


async def test_while_the_api_is_down_the_report_is_kept_for_a_retry(
    api_down: AftersalesApi,
) -> None:
    turn = await run(ActionSubmitFaultReport(), build_tracker(slots=_completed_report()))
    assert turn.responses == ["utter_report_not_saved"]
    assert turn.slots == {"awaiting": "report_retry"}, "nothing typed is cleared"
