"""The agents' queue: order, waiting time and service level, claims, release, first
response, resolution and cancellation."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI

from api.auth_roles import Role
from api.handoffs.settings import HandoffSettings, handoff_settings
from tests.api.handoffs.steps import CONSUMER, OTHER_CONSUMER, act, open_handoff, shanghai
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("consumers")


@pytest.fixture
def agent(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.AGENT)


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


async def queue(client: httpx.AsyncClient, query: str = "") -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/handoffs{query}")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_most_urgent_first_then_the_oldest(
    admin_client: httpx.AsyncClient, agent: httpx.AsyncClient
) -> None:
    opened = []
    for minute, (conversation, reason) in enumerate(
        [
            ("tg:9001", "requested"),
            ("tg:9002", "complaint"),
            ("tg:9003", "nlu_failure"),
            ("tg:9004", "safety"),
            ("tg:9005", "warranty_dispute"),
        ]
    ):
        with at(shanghai(23, 10, minute)):
            opened.append(await open_handoff(admin_client, conversation, reason=reason))
    ids = [handoff["id"] for handoff in opened]
    listed = await queue(agent, "?status=queued")
    assert [item["id"] for item in listed] == [ids[3], ids[1], ids[4], ids[0], ids[2]]
    assert [item["priority"] for item in listed] == ["urgent", "high", "high", "normal", "normal"]
    one = await queue(agent, "?conversation_id=tg:9002")
    assert [item["id"] for item in one] == [ids[1]]
    assert await queue(agent, "?status=resolved") == []


# When a handoff was queued, when it is looked at, the working seconds waited, breached?
WAITS: list[tuple[str, datetime, datetime, int, bool]] = [
    ("inside-hours", shanghai(23, 10), shanghai(23, 10, 5), 300, False),
    ("exactly-at-the-limit", shanghai(23, 10), shanghai(23, 10, 10), 600, False),
    ("inside-hours-late", shanghai(23, 10), shanghai(23, 10, 11), 660, True),
    ("just-before-closing", shanghai(23, 20, 55), shanghai(24, 9, 4), 540, False),
    ("just-before-closing-late", shanghai(23, 20, 55), shanghai(24, 9, 6), 660, True),
    ("night", shanghai(23, 23), shanghai(24, 8, 59), 0, False),
    ("night-late-next-morning", shanghai(23, 23), shanghai(24, 9, 11), 660, True),
    ("after-midnight", shanghai(24, 0, 30), shanghai(24, 9, 9), 540, False),
]


async def test_waiting_time_counts_working_hours_only(
    admin_client: httpx.AsyncClient, agent: httpx.AsyncClient
) -> None:
    for number, (name, opened_at, checked_at, working_seconds, breached) in enumerate(WAITS):
        with at(opened_at):
            handoff = await open_handoff(admin_client, f"tg:{9200 + number}")
        with at(checked_at):
            (item,) = await queue(agent, f"?conversation_id=tg:{9200 + number}")
        assert item["id"] == handoff["id"]
        timing = item["queue_timing"]
        assert timing["waiting_seconds"] == int((checked_at - opened_at).total_seconds()), name
        assert timing["working_seconds_waited"] == working_seconds, name
        assert timing["sla_breached"] is breached, name


async def test_expected_wait_follows_the_clock_and_the_consumer_s_zone(
    api_client_for: ApiClientFactory,
) -> None:
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    with at(shanghai(23, 20, 55)):
        closing = await open_handoff(bot)
    assert closing["expected_wait"]["kind"] == "closing_soon"
    assert closing["expected_wait"]["agents_back_at"] == "2026-11-24T09:00:00+08:00"
    assert closing["queue_timing"]["claim_due_at"] == "2026-11-24T01:05:00Z"
    with at(shanghai(24, 0, 30)):
        night = (await bot.get(f"/api/v1/handoffs/{closing['id']}")).json()
    assert night["expected_wait"]["kind"] == "after_hours"
    assert "今天 09:00" in night["expected_wait"]["message"]["zh"]
    # The other consumer lives in London: 23:30 in Shanghai is 15:30 there.
    london = api_client_for(Role.BOT, customer=OTHER_CONSUMER)
    with at(shanghai(23, 23, 30)):
        abroad = await open_handoff(london, OTHER_CONSUMER)
    wait = abroad["expected_wait"]
    assert (wait["kind"], wait["timezone"]) == ("after_hours", "Europe/London")
    assert wait["agents_back_at"] == "2026-11-24T01:00:00Z"
    assert "01:00 tomorrow (Europe/London time)" in wait["message"]["en"]


async def test_working_hours_come_from_the_settings(
    api_app: FastAPI, admin_client: httpx.AsyncClient
) -> None:
    api_app.dependency_overrides[handoff_settings] = lambda: HandoffSettings(
        agents_timezone="Europe/London", claim_within_minutes=5
    )
    try:
        # 10:00 in Shanghai is 02:00 in London, outside these hours.
        with at(shanghai(23, 10)):
            handoff = await open_handoff(admin_client)
    finally:
        api_app.dependency_overrides.pop(handoff_settings)
    assert handoff["expected_wait"]["kind"] == "after_hours"
    assert handoff["queue_timing"]["claim_due_at"] == "2026-11-23T09:05:00Z"


async def test_of_twenty_agents_claiming_at_once_exactly_one_wins(
    admin_client: httpx.AsyncClient, agent: httpx.AsyncClient
) -> None:
    handoff = await open_handoff(admin_client)
    responses = await asyncio.gather(
        *(
            act(agent, handoff["id"], "claim", agent_id=f"agent-{n}", agent_name=f"坐席{n}")
            for n in range(20)
        )
    )
    winners = [response for response in responses if response.status_code == 200]
    assert len(winners) == 1
    holder = winners[0].json()
    assert holder["status"] == "claimed"
    losers = [response for response in responses if response.status_code != 200]
    assert {response.status_code for response in losers} == {409}
    for response in losers:
        problem = response.json()
        assert problem["code"] == "already_claimed"
        assert holder["agent_id"] in problem["detail"]
        assert holder["agent_name"] in problem["detail"]
        assert problem["extra"]["agent_id"] == holder["agent_id"]
    stored = (await admin_client.get(f"/api/v1/handoffs/{handoff['id']}")).json()
    assert (stored["agent_id"], stored["claimed_at"]) == (holder["agent_id"], holder["claimed_at"])


async def test_claim_release_and_claim_again(
    admin_client: httpx.AsyncClient, agent: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    with at(shanghai(23, 10)):
        handoff = await open_handoff(admin_client)
    with at(shanghai(23, 10, 3)):
        claimed = await act(agent, handoff["id"], "claim", agent_id="agent-1", agent_name="李娜")
        repeated = await act(agent, handoff["id"], "claim", agent_id="agent-1")
    assert claimed.status_code == repeated.status_code == 200
    assert claimed.json()["queue_timing"]["working_seconds_waited"] == 180
    assert repeated.json()["claimed_at"] == claimed.json()["claimed_at"]

    stranger = await act(agent, handoff["id"], "release", agent_id="agent-2")
    assert (stranger.status_code, stranger.json()["code"]) == (409, "not_claim_holder")
    assert "李娜 (agent-1)" in stranger.json()["detail"]

    with at(shanghai(23, 10, 30)):
        released = await act(agent, handoff["id"], "release", agent_id="agent-1")
    body = released.json()
    assert (body["status"], body["agent_id"], body["claimed_at"]) == ("queued", None, None)
    assert body["queued_at"] == "2026-11-23T02:30:00Z"
    again = await act(agent, handoff["id"], "release", agent_id="agent-1")
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")
    assert again.json()["extra"]["allowed"] == ["cancel", "claim", "resolve"]

    reclaimed = await act(agent, handoff["id"], "claim", agent_id="agent-2")
    supervisor = api_client_for(Role.SUPERVISOR)
    taken_back = await act(supervisor, handoff["id"], "release", agent_id="supervisor-1")
    assert reclaimed.status_code == taken_back.status_code == 200
    assert taken_back.json()["status"] == "queued"

    unknown = await agent.get("/api/v1/handoffs?status=queued,waiting")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_status")
    missing = await act(agent, 424242, "claim", agent_id="agent-1")
    assert (missing.status_code, missing.json()["code"]) == (404, "handoff_not_found")
    bad_agent = await act(agent, handoff["id"], "claim", agent_id="agent 1\n")
    assert (bad_agent.status_code, bad_agent.json()["errors"][0]["field"]) == (
        422,
        "body.agent_id",
    )


async def test_first_response_is_recorded_once(
    admin_client: httpx.AsyncClient, agent: httpx.AsyncClient
) -> None:
    handoff = await open_handoff(admin_client)
    await act(agent, handoff["id"], "claim", agent_id="agent-1")
    not_holder = await act(agent, handoff["id"], "first-response", agent_id="agent-2")
    assert (not_holder.status_code, not_holder.json()["code"]) == (409, "not_claim_holder")
    with at(shanghai(23, 11)):
        first = await act(agent, handoff["id"], "first-response", agent_id="agent-1")
    with at(shanghai(23, 12)):
        second = await act(agent, handoff["id"], "first-response", agent_id="agent-1")
    assert first.json()["first_response_at"] == "2026-11-23T03:00:00Z"
    assert second.json()["first_response_at"] == first.json()["first_response_at"]
    await act(agent, handoff["id"], "resolve", agent_id="agent-1")
    closed = await act(agent, handoff["id"], "first-response", agent_id="agent-1")
    assert (closed.status_code, closed.json()["code"]) == (409, "handoff_closed")


async def test_resolving_and_cancelling(
    admin_client: httpx.AsyncClient, agent: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    unclaimed = await open_handoff(admin_client, "tg:9101")
    closed_without_agent = await act(
        agent, unclaimed["id"], "resolve", agent_id="agent-3", note="客户已自行解决"
    )
    body = closed_without_agent.json()
    assert (body["status"], body["agent_id"], body["closed_by"]) == ("resolved", None, "agent-3")
    assert body["closing_note"] == "客户已自行解决"
    assert body["resolved_at"] is not None
    repeated = await act(agent, unclaimed["id"], "resolve", agent_id="agent-3")
    assert repeated.status_code == 200
    assert repeated.json()["resolved_at"] == body["resolved_at"]
    reopened = await act(agent, unclaimed["id"], "claim", agent_id="agent-3")
    assert (reopened.status_code, reopened.json()["code"]) == (409, "illegal_transition")

    claimed = await open_handoff(admin_client, "tg:9102")
    await act(agent, claimed["id"], "claim", agent_id="agent-1", agent_name="李娜")
    refused = await act(agent, claimed["id"], "resolve", agent_id="agent-2")
    assert (refused.status_code, refused.json()["code"]) == (409, "not_claim_holder")
    too_long = await act(agent, claimed["id"], "resolve", agent_id="agent-1", note="x" * 4001)
    assert (too_long.status_code, too_long.json()["code"]) == (422, "text_too_long")
    resolved = await act(agent, claimed["id"], "resolve", agent_id="agent-1", note="已上门预约")
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["agent_name"] == "李娜"
    assert resolved.json()["queue_timing"]["sla_breached"] is False

    withdrawn = await open_handoff(admin_client, "tg:9103")
    await act(agent, withdrawn["id"], "claim", agent_id="agent-1")
    supervisor = api_client_for(Role.SUPERVISOR)
    cancelled = await act(supervisor, withdrawn["id"], "cancel", agent_id="sup-1", note="撤回")
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_at"] is not None
    late = await act(agent, withdrawn["id"], "resolve", agent_id="agent-1")
    assert (late.status_code, late.json()["code"]) == (409, "illegal_transition")
    assert late.json()["extra"]["allowed"] == []
