"""The warranty check, returns and exchanges, and questions about fees."""

from __future__ import annotations

import re

import pytest

from actions.api_client import AftersalesApi
from actions.fees import ActionAnswerFee
from actions.warranty import ActionCheckWarranty, ActionReturnExchange
from tests.actions.conversations import build_tracker, run, user_event

CJK = re.compile(r"[\u3400-\u9fff]")


async def test_a_warranty_check_tells_the_decision_and_the_next_steps(api: AftersalesApi) -> None:
    tracker = build_tracker(
        slots={
            "product_model": "65E3F",
            "serial_number": "HS65E3F26080693029",
            "purchase_date": None,
            "pending_goal": "check_warranty",
        },
        history=[user_event("我的电视还在保修期吗", "check_warranty")],
    )
    turn = await run(ActionCheckWarranty(), tracker)
    assert turn.responses == ["utter_warranty_in_warranty", "utter_warranty_next_steps"]
    assert turn.texts and turn.texts[0].startswith("• ")
    assert turn.slots["warranty_status"] == "in_warranty"
    assert turn.slots["pending_goal"] is None
    # Sold 20 days ago: past the exchange window, covered by the whole-unit warranty.
    assert "exchange" not in turn.slots["warranty_entitlements"]
    assert "free_repair" in turn.slots["warranty_entitlements"]


async def test_only_the_main_component_warranty_may_still_run(api: AftersalesApi) -> None:
    # Sold 13 months ago: the whole-unit warranty ended, the compressor's runs 36 months.
    tracker = build_tracker(
        slots={
            "product_model": "KFR-35GW/05EDS83",
            "serial_number": "HR25092735ED7SN7",
            "fault_description": "压缩机不启动，不制冷",
        }
    )
    turn = await run(ActionCheckWarranty(), tracker)
    assert turn.slots["warranty_status"] == "component_warranty"
    assert turn.slots["component"] == "compressor"
    assert turn.slots["paid_repair"] is False


async def test_english_reasons_for_english_conversations(api: AftersalesApi) -> None:
    tracker = build_tracker(
        slots={"serial_number": "GL2108P70D085441", "language": "en"},
        text="is it still under warranty",
        intent="check_warranty",
    )
    turn = await run(ActionCheckWarranty(), tracker)
    assert turn.responses[0] == "utter_warranty_out_of_warranty"
    assert turn.texts and not any(CJK.search(text) for text in turn.texts), turn.texts


async def test_without_a_serial_the_engineer_decides_from_the_photo(api: AftersalesApi) -> None:
    tracker = build_tracker(slots={"nameplate_photo": "att-5", "product_model": "65E3F"})
    turn = await run(ActionCheckWarranty(), tracker)
    assert turn.responses == ["utter_warranty_from_photo"]


async def test_the_warranty_check_is_unavailable_while_the_api_is_down(
    api_down: AftersalesApi,
) -> None:
    tracker = build_tracker(slots={"serial_number": "HS65E3F26080693029"})
    turn = await run(ActionCheckWarranty(), tracker)
    assert turn.responses == ["utter_warranty_check_unavailable"]
    assert turn.slots == {"pending_goal": None}


async def test_a_return_within_the_return_window_is_handed_to_a_person(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(
        slots={
            "case_id": "3",
            "serial_number": "GR260735BP075461",
            "product_model": "KFR-35GW/BpR3",
        },
        text="我要退货",
        intent="return_exchange",
    )
    turn = await run(ActionReturnExchange(), tracker)
    assert turn.responses == ["utter_return_available", "utter_return_exchange_handled_by_agent"]
    assert turn.slots["awaiting"] is None


@pytest.mark.parametrize(
    ("entitlements", "responses"),
    [
        (
            ["exchange", "free_repair"],
            ["utter_exchange_available", "utter_return_exchange_handled_by_agent"],
        ),
        (["free_repair"], ["utter_return_exchange_not_available"]),
        ([], ["utter_return_exchange_not_available"]),
    ],
)
async def test_return_options_follow_the_known_entitlements(
    api: AftersalesApi, entitlements: list[str], responses: list[str]
) -> None:
    tracker = build_tracker(slots={"case_id": "3", "warranty_entitlements": entitlements})
    turn = await run(ActionReturnExchange(), tracker)
    assert turn.responses == responses


@pytest.mark.parametrize(
    ("status", "response"),
    [
        ("in_warranty", "utter_fee_free"),
        ("component_warranty", "utter_warranty_component_warranty"),
        ("out_of_warranty", "utter_fee_paid"),
        ("needs_proof", "utter_fee_depends_on_warranty"),
        (None, "utter_fee_depends_on_warranty"),
    ],
)
async def test_fees_follow_the_warranty_decision(
    api: AftersalesApi, status: str | None, response: str
) -> None:
    turn = await run(ActionAnswerFee(), build_tracker(slots={"warranty_status": status}))
    assert turn.responses == [response]
    assert turn.events == []
