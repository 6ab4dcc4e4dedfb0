"""The conversation log: verbatim, idempotent on the channel's message id, readable by staff
only, and telling handoffs and the outbound queue what happened."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI

from api.auth_roles import Role
from api.outbound.service import mark_unreachable
from tests.api.conversations.conftest import CONSUMER, OTHER_CONSUMER
from tests.conftest import ApiClientFactory

MESSAGES = f"/api/v1/conversations/{CONSUMER}/messages"
INBOUND = {"direction": "in", "sender_kind": "customer", "text": "空调不制冷了"}


async def record(
    client: httpx.AsyncClient, expected_status: int = 201, **body: Any
) -> dict[str, Any]:
    response = await client.post(MESSAGES, json=body)
    assert response.status_code == expected_status, response.text
    message: dict[str, Any] = response.json()
    return message


async def test_a_retried_message_is_recorded_once(api_client_for: ApiClientFactory) -> None:
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    first = await record(
        bot, **INBOUND, channel_message_id="4711", sent_at="2026-11-23T10:00:00+08:00"
    )
    assert (first["channel"], first["direction"], first["sender_kind"]) == ("tg", "in", "customer")
    assert first["sent_at"] == "2026-11-23T02:00:00Z"
    retried = await record(bot, 200, **{**INBOUND, "text": "edited"}, channel_message_id="4711")
    assert retried == first
    without_id = [await record(bot, **INBOUND) for _ in range(2)]
    assert without_id[0]["id"] != without_id[1]["id"]
    other = api_client_for(Role.BOT, customer=OTHER_CONSUMER)
    response = await other.post(
        f"/api/v1/conversations/{OTHER_CONSUMER}/messages",
        json={**INBOUND, "channel_message_id": "4711"},
    )
    assert (response.status_code, response.json()["channel"]) == (201, "web")


async def test_text_is_kept_exactly_as_written(api_client_for: ApiClientFactory) -> None:
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    texts = [
        "🙂🙂🙂",
        "<img src=x onerror=alert(1)>'; DELETE FROM conversation_messages; --",
        "  leading and trailing spaces  \n第二行",
        "长" * 4000,
    ]
    for text in texts:
        assert (await record(bot, direction="in", sender_kind="customer", text=text))[
            "text"
        ] == text
    transcript = await api_client_for(Role.AGENT).get(MESSAGES)
    assert [item["text"] for item in transcript.json()["items"]] == texts


@pytest.mark.usefixtures("attachments")
async def test_bad_messages_are_refused(
    admin_client: httpx.AsyncClient, attachments: dict[str, int]
) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"direction": "in", "sender_kind": "bot", "text": "x"}, "validation_failed", "body"),
        ({"direction": "out", "sender_kind": "customer", "text": "x"}, "validation_failed", "body"),
        ({"direction": "out", "sender_kind": "agent", "text": "x"}, "validation_failed", "body"),
        (
            {"direction": "out", "sender_kind": "bot", "agent_id": "a-1", "text": "x"},
            "validation_failed",
            "body",
        ),
        ({"direction": "in", "sender_kind": "customer"}, "validation_failed", "body"),
        ({**INBOUND, "text": "x" * 4001}, "text_too_long", "body.text"),
        ({**INBOUND, "text": "a\x00b"}, "validation_failed", "body.text"),
        (
            {**INBOUND, "channel_message_id": "id with spaces"},
            "validation_failed",
            "body.channel_message_id",
        ),
        ({**INBOUND, "sent_at": "2026-11-23T10:00:00"}, "validation_failed", "body.sent_at"),
        (
            {**INBOUND, "attachment_id": attachments[OTHER_CONSUMER]},
            "attachment_not_found",
            "body.attachment_id",
        ),
        ({**INBOUND, "attachment_id": 987654}, "attachment_not_found", "body.attachment_id"),
    ]
    for body, code, field in cases:
        response = await admin_client.post(MESSAGES, json=body)
        assert response.status_code == 422, body
        assert response.json()["code"] == code, body
        assert response.json()["errors"][0]["field"] == field, body
    assert (await admin_client.get(MESSAGES)).json()["items"] == []
    photo = await record(
        admin_client, direction="in", sender_kind="customer", attachment_id=attachments[CONSUMER]
    )
    assert (photo["text"], photo["attachment_id"]) == (None, attachments[CONSUMER])
    malformed = await admin_client.post("/api/v1/conversations/telegram:1/messages", json=INBOUND)
    assert malformed.status_code == 422


async def test_who_may_write_and_who_may_read(api_client_for: ApiClientFactory) -> None:
    for role in (Role.BOT, Role.ACTIONS):
        own = api_client_for(role, customer=CONSUMER)
        await record(own, **INBOUND)
        foreign = api_client_for(role, customer=OTHER_CONSUMER)
        refused = await foreign.post(MESSAGES, json=INBOUND)
        assert (refused.status_code, refused.json()["code"]) == (403, "customer_mismatch")
        reading = await own.get(MESSAGES)
        assert (reading.status_code, reading.json()["code"]) == (403, "role_not_allowed")
    agent = api_client_for(Role.AGENT)
    reply = await record(
        agent, direction="out", sender_kind="agent", agent_id="agent-1", text="您好"
    )
    assert reply["agent_id"] == "agent-1"
    posing = await agent.post(MESSAGES, json=INBOUND)
    assert (posing.status_code, posing.json()["code"]) == (403, "sender_not_allowed")
    backend = api_client_for(Role.BACKEND)
    assert (await backend.post(MESSAGES, json=INBOUND)).status_code == 403
    assert (await backend.get(MESSAGES)).status_code == 403
    for role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
        transcript = await api_client_for(role).get(MESSAGES)
        assert len(transcript.json()["items"]) == 3


async def test_the_transcript_pages_backwards(
    api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    sent = [(await record(admin_client, **{**INBOUND, "text": f"#{n}"}))["id"] for n in range(5)]
    agent = api_client_for(Role.AGENT)
    pages: list[list[int]] = []
    query = "?limit=2"
    while True:
        body = (await agent.get(MESSAGES + query)).json()
        pages.append([item["id"] for item in body["items"]])
        if body["next_before"] is None:
            break
        query = f"?limit=2&before={body['next_before']}"
    assert pages == [sent[3:5], sent[1:3], sent[0:1]]
    assert (await agent.get(MESSAGES + "?limit=0")).status_code == 422
    empty = await agent.get("/api/v1/conversations/tg:999/messages")
    assert empty.json() == {"items": [], "next_before": None}


async def test_an_agent_s_first_message_is_the_handoff_s_first_response(
    api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    handoff = await bot.post(
        "/api/v1/handoffs", json={"conversation_id": CONSUMER, "reason": "requested"}
    )
    handoff_url = f"/api/v1/handoffs/{handoff.json()['id']}"
    await record(bot, direction="out", sender_kind="bot", text="正在为您转接人工客服")
    assert (await admin_client.get(handoff_url)).json()["first_response_at"] is None
    with time_machine.travel(datetime(2026, 11, 23, 2, 3, tzinfo=UTC), tick=False):
        await record(bot, direction="out", sender_kind="agent", agent_id="agent-1", text="您好")
    with time_machine.travel(datetime(2026, 11, 23, 2, 9, tzinfo=UTC), tick=False):
        await record(bot, direction="out", sender_kind="agent", agent_id="agent-1", text="请稍等")
    assert (await admin_client.get(handoff_url)).json()["first_response_at"] == (
        "2026-11-23T02:03:00Z"
    )


async def test_a_consumer_writing_again_can_be_reached_again(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    async with api_app.state.session_factory() as session:
        await mark_unreachable(session, CONSUMER, error="Forbidden: bot was blocked by the user")
        await session.commit()
    backend = api_client_for(Role.BACKEND)
    reply = {
        "conversation_id": CONSUMER,
        "kind": "agent_reply",
        "payload": {"type": "text", "text": {"zh": "您好", "en": "Hello"}},
    }
    assert (await backend.post("/api/v1/outbound", json=reply)).json()["status"] == "undeliverable"
    bot = api_client_for(Role.BOT, customer=CONSUMER)
    await record(bot, direction="out", sender_kind="bot", text="bot replies do not count")
    assert (await backend.post("/api/v1/outbound", json=reply)).json()["status"] == "undeliverable"
    await record(bot, **INBOUND)
    assert (await backend.post("/api/v1/outbound", json=reply)).json()["status"] == "pending"
