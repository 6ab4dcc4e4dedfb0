"""Queueing outbound messages: payloads, deduplication, validation and roles."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from api.auth_roles import Role
from api.outbound.models import OutboundKind
from api.outbound.payloads import IntentPayload
from api.outbound.service import enqueue_outbound
from tests.api.outbound.steps import CONSUMER, HELLO, T0, at, enqueue, lease
from tests.conftest import ApiClientFactory


async def test_an_agent_queues_a_reply(api_client_for: ApiClientFactory) -> None:
    agent = api_client_for(Role.AGENT)
    with at(T0):
        item = await enqueue(agent)
    assert (item["status"], item["kind"], item["attempts"]) == ("pending", "agent_reply", 0)
    assert item["payload"] == HELLO
    assert item["not_before"] == item["created_at"] == "2026-11-23T02:00:00Z"
    assert item["created_by"] == "agent"
    assert "lease_token" not in item
    backend = api_client_for(Role.BACKEND)
    assert (await backend.get(f"/api/v1/outbound/{item['id']}")).json() == item
    listed = await backend.get(f"/api/v1/outbound?conversation_id={CONSUMER}&status=pending")
    assert [entry["id"] for entry in listed.json()["items"]] == [item["id"]]


async def test_an_intent_with_entities(api_client_for: ApiClientFactory) -> None:
    payload = {
        "type": "intent",
        "intent": "EXTERNAL_visit_reminder",
        "entities": {"visit_id": 42, "window": "14:00-16:00", "urgent": False, "note": None},
    }
    item = await enqueue(
        api_client_for(Role.BACKEND),
        kind="visit_reminder",
        payload=payload,
        not_before="2026-11-24T10:00:00+08:00",
    )
    assert item["payload"] == payload
    assert item["not_before"] == "2026-11-24T02:00:00Z"


async def test_the_same_dedupe_key_gives_the_same_item(api_client_for: ApiClientFactory) -> None:
    backend = api_client_for(Role.BACKEND)
    first = await enqueue(backend, kind="survey_due", dedupe_key="survey:case:7")
    again = await enqueue(
        backend, expected_status=200, kind="survey_due", dedupe_key="survey:case:7"
    )
    assert again == first
    burst = await asyncio.gather(
        *(
            backend.post(
                "/api/v1/outbound",
                json={
                    "conversation_id": CONSUMER,
                    "kind": "survey_reminder",
                    "payload": HELLO,
                    "dedupe_key": "survey:case:7:reminder",
                },
            )
            for _ in range(10)
        )
    )
    assert sorted(response.status_code for response in burst) == [200] * 9 + [201]
    assert len({response.json()["id"] for response in burst}) == 1
    listed = await backend.get(f"/api/v1/outbound?conversation_id={CONSUMER}")
    assert len(listed.json()["items"]) == 2


BAD_BODIES: list[tuple[dict[str, object], str, str]] = [
    (
        {"payload": {"type": "text", "text": {"zh": "您好"}}},
        "validation_failed",
        "body.payload.text.text.en",
    ),
    (
        {"payload": {"type": "text", "text": {"zh": "", "en": "Hi"}}},
        "validation_failed",
        "body.payload.text.text.zh",
    ),
    (
        {"payload": {"type": "text", "text": {"zh": "x" * 4001, "en": "Hi"}}},
        "text_too_long",
        "body.payload.text.zh",
    ),
    ({"payload": {"type": "sticker"}}, "validation_failed", "body.payload"),
    (
        {"payload": {"type": "intent", "intent": "no spaces please"}},
        "validation_failed",
        "body.payload.intent.intent",
    ),
    (
        {
            "payload": {
                "type": "intent",
                "intent": "EXTERNAL_x",
                "entities": {f"e{n}": n for n in range(33)},
            }
        },
        "validation_failed",
        "body.payload.intent.entities",
    ),
    ({"kind": "newsletter"}, "validation_failed", "body.kind"),
    ({"not_before": "2026-11-24T08:00:00"}, "validation_failed", "body.not_before"),
    ({"dedupe_key": "key with spaces"}, "validation_failed", "body.dedupe_key"),
    ({"conversation_id": "tg:abc"}, "validation_failed", "body.conversation_id"),
]


async def test_bad_bodies_are_refused_and_store_nothing(admin_client: httpx.AsyncClient) -> None:
    for fields, code, field in BAD_BODIES:
        body = {"conversation_id": CONSUMER, "kind": "agent_reply", "payload": HELLO, **fields}
        response = await admin_client.post("/api/v1/outbound", json=body)
        assert response.status_code == 422, fields
        assert response.json()["code"] == code, fields
        assert response.json()["errors"][0]["field"] == field, (fields, response.json())
    assert (await admin_client.get("/api/v1/outbound")).json()["items"] == []


async def test_roles(api_client_for: ApiClientFactory) -> None:
    for role in (Role.BOT, Role.ACTIONS, Role.SUPERVISOR):
        client = api_client_for(role, customer=CONSUMER)
        response = await client.post(
            "/api/v1/outbound",
            json={"conversation_id": CONSUMER, "kind": "agent_reply", "payload": HELLO},
        )
        assert (response.status_code, response.json()["code"]) == (403, "role_not_allowed")
    item = await enqueue(api_client_for(Role.AGENT))
    for role in (Role.BOT, Role.ACTIONS):
        client = api_client_for(role, customer=CONSUMER)
        assert (await client.get(f"/api/v1/outbound/{item['id']}")).status_code == 403
    agent = api_client_for(Role.AGENT)
    refused = await agent.post("/api/v1/outbound/lease", json={"worker_id": "agent-1"})
    assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")


async def test_other_domains_enqueue_in_their_own_transaction(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    async with api_app.state.session_factory() as session:
        item, created = await enqueue_outbound(
            session,
            conversation_id=CONSUMER,
            kind=OutboundKind.SURVEY_DUE,
            payload=IntentPayload(intent="EXTERNAL_survey_due", entities={"case_id": 5}),
            dedupe_key="survey:case:5",
        )
        again, created_again = await enqueue_outbound(
            session,
            conversation_id=CONSUMER,
            kind=OutboundKind.SURVEY_DUE,
            payload=IntentPayload(intent="EXTERNAL_survey_due"),
            dedupe_key="survey:case:5",
        )
        assert (created, created_again, again.id) == (True, False, item.id)
        await session.rollback()
    assert await lease(api_client_for(Role.BOT)) == []
    async with api_app.state.session_factory() as session:
        await enqueue_outbound(
            session,
            conversation_id=CONSUMER,
            kind=OutboundKind.SURVEY_DUE,
            payload=IntentPayload(intent="EXTERNAL_survey_due", entities={"case_id": 5}),
        )
        await session.commit()
    (leased,) = await lease(api_client_for(Role.BOT))
    assert leased["payload"]["entities"] == {"case_id": 5}
