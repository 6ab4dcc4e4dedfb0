"""Erasing a consumer's conversation leaves statistics and nothing that identifies them."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from api.auth_roles import Role
from api.conversations.models import ConversationMessage
from api.conversations.privacy import ConversationErasure, erase_conversation
from tests.api.conversations.conftest import CONSUMER, OTHER_CONSUMER
from tests.conftest import ApiClientFactory

ANONYMOUS = "anon:0123456789abcdef0123456789abcdef"
MARKER = "[erased]"
REPLY = {"type": "text", "text": {"zh": "王先生您好", "en": "Hello Mr Wang"}}


async def fill(admin: httpx.AsyncClient, conversation_id: str) -> dict[str, int]:
    messages = f"/api/v1/conversations/{conversation_id}/messages"
    await admin.post(
        messages,
        json={"direction": "in", "sender_kind": "customer", "text": "我住在朝阳区幸福路1号"},
    )
    await admin.post(
        messages,
        json={"direction": "out", "sender_kind": "agent", "agent_id": "agent-1", "text": "收到"},
    )
    handoff = await admin.post(
        "/api/v1/handoffs",
        json={"conversation_id": conversation_id, "reason": "complaint", "summary": "王先生投诉"},
    )
    item = await admin.post(
        "/api/v1/outbound",
        json={"conversation_id": conversation_id, "kind": "agent_reply", "payload": REPLY},
    )
    return {"handoff": handoff.json()["id"], "item": item.json()["id"]}


async def test_erasure_replaces_text_and_identity_and_stops_deliveries(
    api_app: FastAPI, api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    erased = await fill(admin_client, CONSUMER)
    kept = await fill(admin_client, OTHER_CONSUMER)
    async with api_app.state.session_factory() as session:
        receipt = await erase_conversation(session, CONSUMER, ANONYMOUS, marker=MARKER)
        await session.commit()
    assert receipt == ConversationErasure(messages=2, handoffs=1, outbound_items=1, surveys=0)

    agent = api_client_for(Role.AGENT)
    assert (await agent.get(f"/api/v1/conversations/{CONSUMER}/messages")).json()["items"] == []
    async with api_app.state.session_factory() as session:
        kept_for_statistics = await session.execute(
            select(ConversationMessage.direction, ConversationMessage.text)
            .where(ConversationMessage.conversation_id == ANONYMOUS)
            .order_by(ConversationMessage.id)
        )
    assert kept_for_statistics.all() == [("in", MARKER), ("out", MARKER)]

    handoff = (await admin_client.get(f"/api/v1/handoffs/{erased['handoff']}")).json()
    assert (handoff["conversation_id"], handoff["status"]) == (ANONYMOUS, "cancelled")
    assert handoff["summary"] == MARKER
    item = (await admin_client.get(f"/api/v1/outbound/{erased['item']}")).json()
    assert (item["conversation_id"], item["status"]) == (ANONYMOUS, "undeliverable")
    assert item["payload"]["text"] == {"zh": MARKER, "en": MARKER}
    assert [leased["id"] for leased in await _lease(api_client_for)] == [kept["item"]]

    other = (await admin_client.get(f"/api/v1/handoffs/{kept['handoff']}")).json()
    assert (other["summary"], other["status"]) == ("王先生投诉", "queued")
    transcript = await agent.get(f"/api/v1/conversations/{OTHER_CONSUMER}/messages")
    assert [message["text"] for message in transcript.json()["items"]] == [
        "我住在朝阳区幸福路1号",
        "收到",
    ]


async def _lease(api_client_for: ApiClientFactory) -> list[dict[str, object]]:
    bot = api_client_for(Role.BOT)
    response = await bot.post("/api/v1/outbound/lease", json={"worker_id": "bot-1"})
    items: list[dict[str, object]] = response.json()["items"]
    return items
