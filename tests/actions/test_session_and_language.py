"""Session start, the reply language, clarifying unclear messages and stopping a flow."""

from __future__ import annotations

from typing import Any

import httpx

from actions.api_client import AftersalesApi
from actions.clarify import ActionClarify
from actions.session import ActionResetFlow, ActionSessionStart, ActionSetLanguage
from tests.actions.conversations import CUSTOMER, build_tracker, run, user_event


def _event_names(events: list[dict[str, Any]]) -> list[str]:
    return [event["event"] for event in events]


async def test_a_session_starts_in_the_language_the_front_end_reports(api: AftersalesApi) -> None:
    tracker = build_tracker(slots={"session_started_metadata": {"language": "en"}})
    turn = await run(ActionSessionStart(), tracker)
    assert _event_names(turn.events)[0] == "session_started"
    assert turn.events[-1] == {**turn.events[-1], "event": "action", "name": "action_listen"}
    assert turn.slots["language"] == "en"


async def test_a_new_session_keeps_the_case_and_the_product_but_not_the_step(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(
        slots={
            "case_id": "12",
            "product_model": "65E3F",
            "language": "en",
            "awaiting": "step_feedback",
            "requested_slot": "phone",
            "validation_failures": {"phone": 2},
            "session_started_metadata": {"language": "fr"},
        }
    )
    turn = await run(ActionSessionStart(), tracker)
    assert turn.slots == {"case_id": "12", "product_model": "65E3F", "language": "en"}


async def test_a_language_button_switches_and_remembers_the_language(
    api: AftersalesApi, admin_client: httpx.AsyncClient
) -> None:
    tracker = build_tracker(
        text='/set_language{"language":"en"}',
        intent="set_language",
        entities=[{"entity": "language", "value": "en"}],
    )
    turn = await run(ActionSetLanguage(), tracker)
    assert turn.slots == {"language": "en"}
    assert turn.texts == ["Sure, I'll continue in English."]
    profile = await admin_client.get(f"/api/v1/customers/{CUSTOMER}")
    assert profile.json()["locale"] == "en"


async def test_switching_back_to_chinese_answers_in_chinese(api: AftersalesApi) -> None:
    tracker = build_tracker(
        slots={"language": "en"},
        text="switch back to Chinese",
        intent="set_language",
        entities=[{"entity": "language", "value": "zh"}],
    )
    turn = await run(ActionSetLanguage(), tracker)
    assert turn.texts == ["好的，接下来我将用中文为您服务。"]


async def test_a_language_request_without_a_language_asks_which(api: AftersalesApi) -> None:
    tracker = build_tracker(text="切换语言", intent="set_language")
    turn = await run(ActionSetLanguage(), tracker)
    assert turn.responses == ["utter_choose_language"]
    assert turn.events == []


async def test_the_language_still_switches_while_the_api_is_down(api_down: AftersalesApi) -> None:
    tracker = build_tracker(intent="set_language", entities=[{"entity": "language", "value": "en"}])
    turn = await run(ActionSetLanguage(), tracker)
    assert turn.slots == {"language": "en"}


async def test_an_unclear_message_offers_the_two_likeliest_requests(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="那个东西",
        intent="nlu_fallback",
        ranking=[
            {"name": "nlu_fallback", "confidence": 0.4},
            {"name": "greet", "confidence": 0.3},
            {"name": "check_status", "confidence": 0.25},
            {"name": "thank", "confidence": 0.2},
            {"name": "report_fault", "confidence": 0.15},
            {"name": "complain", "confidence": 0.1},
        ],
        slots={"language": "en"},
    )
    turn = await run(ActionClarify(), tracker)
    assert turn.buttons("utter_clarify") == [
        {"title": "Check my repair", "payload": "/check_status"},
        {"title": "Report a fault", "payload": "/report_fault"},
    ]


async def test_a_second_unclear_message_in_a_row_offers_a_person(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="嗯嗯",
        intent="nlu_fallback",
        history=[user_event("啊这", "nlu_fallback"), {"event": "action", "name": "action_clarify"}],
    )
    turn = await run(ActionClarify(), tracker)
    assert turn.responses == ["utter_offer_human"]


async def test_an_unclear_message_after_an_understood_one_is_the_first_again(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(
        text="嗯嗯",
        intent="nlu_fallback",
        ranking=[
            {"name": "nlu_fallback", "confidence": 0.4},
            {"name": "ask_fee", "confidence": 0.3},
        ],
        history=[user_event("啊这", "nlu_fallback"), user_event("你好", "greet")],
    )
    turn = await run(ActionClarify(), tracker)
    assert turn.buttons("utter_clarify") == [{"title": "咨询维修费用", "payload": "/ask_fee"}]


async def test_without_a_likely_request_the_menu_is_shown(api: AftersalesApi) -> None:
    tracker = build_tracker(
        intent="nlu_fallback",
        ranking=[{"name": "nlu_fallback", "confidence": 0.4}, {"name": "thank", "confidence": 0.3}],
    )
    turn = await run(ActionClarify(), tracker)
    assert turn.responses == ["utter_how_can_i_help"]


async def test_stopping_forgets_the_flow_but_keeps_the_language_and_the_case(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(
        slots={
            "language": "en",
            "case_id": "5",
            "product_model": "65E3F",
            "fault_description": "no picture",
            "requested_slot": "serial_number",
            "awaiting": "step_feedback",
            "pending_goal": "book_visit",
        },
        intent="affirm",
    )
    turn = await run(ActionResetFlow(), tracker)
    assert turn.responses == ["utter_flow_stopped"]
    assert turn.slots == {
        "product_model": None,
        "fault_description": None,
        "requested_slot": None,
        "pending_goal": None,
        "awaiting": None,
    }
