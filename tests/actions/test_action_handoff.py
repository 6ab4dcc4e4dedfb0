"""Handing a conversation to a person through the api's handoff queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine

from actions.api_client import AftersalesApi
from actions.api_models import CaseDraft
from actions.handoff import SUMMARY_MAX_CHARS, ActionHandoff, handoff_summary
from api.auth_roles import Role
from tests.actions.conversations import CUSTOMER, build_tracker, run, user_event

#: A Wednesday, 10:00 in Shanghai: agents are at work.
WORKING_HOURS = datetime(2025, 6, 11, 2, 0, tzinfo=UTC)
#: The same Wednesday, 23:30 in Shanghai: agents are off duty.
AFTER_HOURS = datetime(2025, 6, 11, 15, 30, tzinfo=UTC)

ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
def working_hours() -> Iterator[None]:
    with time_machine.travel(WORKING_HOURS, tick=False):
        yield


async def _stored_handoff(api_client_for: ClientFactory) -> dict[str, Any]:
    client = api_client_for(Role.ACTIONS, customer=CUSTOMER)
    response = await client.get(f"/api/v1/conversations/{CUSTOMER}/handoff")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _paused(events: list[dict[str, Any]]) -> bool:
    return any(event["event"] == "pause" for event in events)


async def test_a_request_for_a_person_queues_a_handoff_and_pauses(
    api: AftersalesApi, api_client_for: ClientFactory, working_hours: None
) -> None:
    tracker = build_tracker(
        text="转人工",
        intent="request_human",
        slots={"product_category": "tv", "product_model": "65E3F", "fault_description": "黑屏"},
    )
    turn = await run(ActionHandoff(), tracker)
    stored = await _stored_handoff(api_client_for)
    assert stored["reason"] == "requested"
    assert stored["status"] == "queued"
    assert stored["summary"] == "category: tv\nmodel: 65E3F\nfault: 黑屏"
    assert turn.texts == [stored["expected_wait"]["message"]["zh"]]
    assert "分钟" in turn.texts[0]
    assert _paused(turn.events)
    assert turn.slots == {"awaiting": None, "validation_failures": None}


async def test_a_complaint_is_queued_as_a_complaint(
    api: AftersalesApi, api_client_for: ClientFactory, working_hours: None
) -> None:
    turn = await run(ActionHandoff(), build_tracker(text="太差了，我要投诉", intent="complain"))
    stored = await _stored_handoff(api_client_for)
    assert stored["reason"] == "complaint"
    assert stored["priority"] == "high"
    assert _paused(turn.events)


async def test_asking_twice_joins_the_open_handoff(
    api: AftersalesApi, api_client_for: ClientFactory, working_hours: None
) -> None:
    first = await run(ActionHandoff(), build_tracker(text="人工", intent="request_human"))
    first_id = (await _stored_handoff(api_client_for))["id"]
    second = await run(ActionHandoff(), build_tracker(text="人工！", intent="request_human"))
    listed = await api_client_for(Role.SUPERVISOR).get(
        "/api/v1/handoffs", params={"conversation_id": CUSTOMER}
    )
    assert [item["id"] for item in listed.json()["items"]] == [first_id]
    assert second.texts == first.texts
    assert _paused(second.events)


async def test_english_conversations_hear_the_wait_in_english(
    api: AftersalesApi, api_client_for: ClientFactory
) -> None:
    with time_machine.travel(AFTER_HOURS, tick=False):
        tracker = build_tracker(
            text="agent please", intent="request_human", slots={"language": "en"}
        )
        turn = await run(ActionHandoff(), tracker)
        stored = await _stored_handoff(api_client_for)
    assert stored["expected_wait"]["kind"] == "after_hours"
    assert turn.texts == [stored["expected_wait"]["message"]["en"]]
    assert "off duty" in turn.texts[0]


async def test_repeated_unclear_messages_are_an_understanding_failure(
    api: AftersalesApi, api_client_for: ClientFactory, working_hours: None
) -> None:
    history = [user_event("asdf", "nlu_fallback"), user_event("qwer", "nlu_fallback")]
    tracker = build_tracker(text="/request_human", intent="request_human", history=history)
    await run(ActionHandoff(), tracker)
    assert (await _stored_handoff(api_client_for))["reason"] == "nlu_failure"


async def test_repeated_invalid_answers_are_a_validation_failure(
    api: AftersalesApi, api_client_for: ClientFactory, working_hours: None
) -> None:
    tracker = build_tracker(
        text="/request_human", intent="request_human", slots={"validation_failures": {"phone": 3}}
    )
    await run(ActionHandoff(), tracker)
    assert (await _stored_handoff(api_client_for))["reason"] == "validation_failure"


async def test_the_consumers_case_is_attached(
    api: AftersalesApi, api_client_for: ClientFactory, working_hours: None
) -> None:
    await api.update_customer(CUSTOMER, locale="zh")
    case = await api.create_case(
        CUSTOMER, CaseDraft(category="tv", fault_description="黑屏"), idempotency_key="handoff-1"
    )
    tracker = build_tracker(intent="request_human", slots={"case_id": f"工单号 {case.id}"})
    await run(ActionHandoff(), tracker)
    assert (await _stored_handoff(api_client_for))["case_id"] == case.id


async def test_a_case_number_that_is_not_theirs_does_not_block_the_handoff(
    api: AftersalesApi, api_client_for: ClientFactory, working_hours: None
) -> None:
    tracker = build_tracker(intent="request_human", slots={"case_id": "#99999"})
    turn = await run(ActionHandoff(), tracker)
    stored = await _stored_handoff(api_client_for)
    assert stored["case_id"] is None
    assert stored["summary"] == "case: #99999"
    assert _paused(turn.events)


async def test_the_api_down_keeps_the_bot_answering(api_down: AftersalesApi) -> None:
    turn = await run(ActionHandoff(), build_tracker(text="转人工", intent="request_human"))
    assert turn.responses == ["utter_handoff_failed"]
    assert not _paused(turn.events)
    assert turn.events == []


def test_a_long_summary_is_cut_to_the_limit() -> None:
    tracker = build_tracker(slots={"brand": "海信", "fault_description": "不制冷 " * 600})
    summary = handoff_summary(tracker)
    assert summary is not None
    assert len(summary) == SUMMARY_MAX_CHARS
    assert summary.startswith("brand: 海信\nfault: 不制冷 不制冷")
    assert summary.endswith("…")


def test_nothing_known_means_no_summary() -> None:
    assert handoff_summary(build_tracker(slots={"fault_description": "  "})) is None
