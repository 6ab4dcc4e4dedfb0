"""Opening handoffs: one open handoff per conversation, priorities, cases, roles, the wait."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import func, select

from api.auth_roles import Role
from api.handoffs.models import Handoff
from api.outbox.models import OutboxEvent
from tests.api.cases.workflow import open_case
from tests.api.handoffs.steps import CONSUMER, OTHER_CONSUMER, act, open_handoff, shanghai
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("consumers")


async def test_the_bot_queues_its_consumer_for_an_agent(api_client_for: ApiClientFactory) -> None:
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    with time_machine.travel(shanghai(23, 10), tick=False):
        handoff = await open_handoff(bot, summary="空调不制冷，想找人工")
    assert handoff["status"] == "queued"
    assert (handoff["reason"], handoff["priority"]) == ("requested", "normal")
    assert handoff["summary"] == "空调不制冷，想找人工"
    assert handoff["opened_by"] == f"bot:{CONSUMER}"
    assert handoff["created_at"] == handoff["queued_at"]
    assert handoff["claimed_at"] is handoff["first_response_at"] is handoff["resolved_at"] is None
    assert handoff["expected_wait"]["kind"] == "soon"
    assert handoff["expected_wait"]["within_minutes"] == 10
    assert handoff["expected_wait"]["message"]["en"].endswith("within about 10 minutes.")
    assert handoff["queue_timing"]["sla_breached"] is False


async def test_a_second_request_joins_the_open_handoff(
    api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    case = await open_case(admin_client, CONSUMER)
    actions = api_client_for(Role.ACTIONS, customer=CONSUMER)
    first = await open_handoff(actions)
    again = await open_handoff(actions, expected_status=200, reason="nlu_failure")
    assert again["id"] == first["id"]
    assert (again["reason"], again["case_id"]) == ("requested", None)
    raised = await open_handoff(
        actions, expected_status=200, reason="safety", priority="normal", case_id=case["id"]
    )
    assert raised["id"] == first["id"]
    assert (raised["reason"], raised["priority"]) == ("safety", "urgent")
    assert raised["case_id"] == case["id"]
    kept = await open_handoff(actions, expected_status=200, reason="complaint")
    assert (kept["reason"], kept["priority"]) == ("safety", "urgent")
    other = await open_handoff(api_client_for(Role.BOT, customer=OTHER_CONSUMER), OTHER_CONSUMER)
    assert other["id"] != first["id"]


async def test_another_consumer_s_case_looks_missing(admin_client: httpx.AsyncClient) -> None:
    foreign = await open_case(admin_client, OTHER_CONSUMER)
    for case_id in (foreign["id"], 987654):
        response = await admin_client.post(
            "/api/v1/handoffs",
            json={"conversation_id": CONSUMER, "reason": "complaint", "case_id": case_id},
        )
        assert response.status_code == 422
        assert response.json()["code"] == "case_not_found"
        assert response.json()["errors"][0]["field"] == "body.case_id"


BAD_REQUESTS: list[tuple[dict[str, object], str, str]] = [
    ({"priority": "urgent"}, "priority_not_allowed", "body.priority"),
    ({"reason": "bored"}, "validation_failed", "body.reason"),
    ({"priority": "critical"}, "validation_failed", "body.priority"),
    ({"summary": "x" * 4001}, "text_too_long", "body.summary"),
    ({"summary": "nul \x00 byte"}, "validation_failed", "body.summary"),
    ({"conversation_id": "telegram:1"}, "validation_failed", "body.conversation_id"),
    ({"case_id": 0}, "validation_failed", "body.case_id"),
    ({"colour": "red"}, "validation_failed", "body.colour"),
]


async def test_bad_requests_are_refused_and_store_nothing(admin_client: httpx.AsyncClient) -> None:
    for fields, code, field in BAD_REQUESTS:
        payload = {"conversation_id": CONSUMER, "reason": "requested", **fields}
        response = await admin_client.post("/api/v1/handoffs", json=payload)
        assert response.status_code == 422, fields
        assert response.json()["code"] == code, fields
        assert response.json()["errors"][0]["field"] == field, fields
    listed = await admin_client.get("/api/v1/handoffs")
    assert listed.json()["items"] == []
    at_limit = await open_handoff(admin_client, summary="x" * 4000)
    assert len(at_limit["summary"]) == 4000


async def test_text_is_stored_verbatim(admin_client: httpx.AsyncClient) -> None:
    summary = "<script>alert(1)</script>'; DROP TABLE handoffs; -- 🙂"
    handoff = await open_handoff(admin_client, summary=summary)
    read = await admin_client.get(f"/api/v1/handoffs/{handoff['id']}")
    assert read.json()["summary"] == summary


async def test_consumer_roles_see_only_their_own_conversation(
    api_client_for: ApiClientFactory,
) -> None:
    mine = await open_handoff(api_client_for(Role.BOT, customer=CONSUMER))
    theirs = await open_handoff(api_client_for(Role.BOT, customer=OTHER_CONSUMER), OTHER_CONSUMER)
    for role in (Role.BOT, Role.ACTIONS):
        client = api_client_for(role, customer=CONSUMER)
        assert (await client.get(f"/api/v1/handoffs/{mine['id']}")).status_code == 200
        foreign = await client.get(f"/api/v1/handoffs/{theirs['id']}")
        assert (foreign.status_code, foreign.json()["code"]) == (404, "handoff_not_found")
        current = await client.get(f"/api/v1/conversations/{CONSUMER}/handoff")
        assert current.json()["id"] == mine["id"]
        other = await client.get(f"/api/v1/conversations/{OTHER_CONSUMER}/handoff")
        assert (other.status_code, other.json()["code"]) == (403, "customer_mismatch")
        opened = await client.post(
            "/api/v1/handoffs", json={"conversation_id": OTHER_CONSUMER, "reason": "requested"}
        )
        assert (opened.status_code, opened.json()["code"]) == (403, "customer_mismatch")
        for forbidden in (
            await client.get("/api/v1/handoffs"),
            await act(client, mine["id"], "claim", agent_id="tg-bot"),
            await act(client, mine["id"], "resolve", agent_id="tg-bot"),
        ):
            assert (forbidden.status_code, forbidden.json()["code"]) == (403, "role_not_allowed")
    payload = {"conversation_id": CONSUMER, "reason": "requested"}
    anonymous = await api_client_for(Role.BOT).post("/api/v1/handoffs", json=payload)
    assert (anonymous.status_code, anonymous.json()["code"]) == (400, "customer_identity_required")
    backend = await api_client_for(Role.BACKEND).post("/api/v1/handoffs", json=payload)
    assert (backend.status_code, backend.json()["code"]) == (403, "role_not_allowed")


async def test_after_resolution_a_new_handoff_can_open(
    api_client_for: ApiClientFactory,
) -> None:
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    agent = api_client_for(Role.AGENT)
    never = await bot.get(f"/api/v1/conversations/{CONSUMER}/handoff")
    assert (never.status_code, never.json()["code"]) == (404, "handoff_not_found")
    first = await open_handoff(bot)
    resolved = await act(agent, first["id"], "resolve", agent_id="agent-1", note="已解决")
    assert resolved.json()["status"] == "resolved"
    latest = await bot.get(f"/api/v1/conversations/{CONSUMER}/handoff")
    assert (latest.json()["id"], latest.json()["status"]) == (first["id"], "resolved")
    assert latest.json()["expected_wait"] is None
    second = await open_handoff(bot, reason="complaint")
    assert second["id"] != first["id"]
    current = await bot.get(f"/api/v1/conversations/{CONSUMER}/handoff")
    assert current.json()["id"] == second["id"]


async def test_opening_records_one_event_without_personal_text(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    handoff = await open_handoff(bot, reason="complaint", summary="王先生 13800138000")
    await open_handoff(bot, expected_status=200)
    async with api_app.state.session_factory() as session:
        events = list((await session.execute(select(OutboxEvent))).scalars())
    assert [(event.event_type, event.subject) for event in events] == [
        ("handoff.created", f"handoff:{handoff['id']}")
    ]
    payload = events[0].payload
    assert payload["conversation_id"] == CONSUMER
    assert (payload["reason"], payload["priority"]) == ("complaint", "high")
    assert "summary" not in payload


async def test_fifty_concurrent_opens_make_one_handoff(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    payload = {"conversation_id": CONSUMER, "reason": "requested"}
    responses = await asyncio.gather(
        *(bot.post("/api/v1/handoffs", json=payload) for _ in range(50))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 49 + [201]
    assert len({response.json()["id"] for response in responses}) == 1
    async with api_app.state.session_factory() as session:
        handoffs = await session.scalar(select(func.count()).select_from(Handoff))
        events = await session.scalar(select(func.count()).select_from(OutboxEvent))
    assert (handoffs, events) == (1, 1)
