"""Erasing a consumer also erases what they wrote in the conversation log."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth_roles import Role
from api.conversations.models import ConversationMessage
from tests.conftest import ApiClientFactory


async def test_erasure_replaces_the_transcript_text(
    api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    bot = api_client_for(Role.BOT, customer="tg:777001")
    agent = api_client_for(Role.AGENT)
    assert (await bot.put("/api/v1/customers/tg:777001", json={"locale": "zh"})).is_success
    logged = await bot.post(
        "/api/v1/conversations/tg:777001/messages",
        json={
            "direction": "in",
            "sender_kind": "customer",
            "text": "我家住在上海市浦东新区张江路100号，电话13812345678",
            "channel_message_id": "m-1",
        },
    )
    assert logged.status_code == 201, logged.text

    erased = await bot.delete("/api/v1/customers/tg:777001")
    assert erased.is_success, erased.text

    old_id = await agent.get("/api/v1/conversations/tg:777001/messages")
    assert old_id.status_code == 200, old_id.text
    assert old_id.json()["items"] == []
    anonymous_id = erased.json()["anonymous_id"]
    factory: async_sessionmaker[AsyncSession] = api_app.state.session_factory
    async with factory() as session:
        rows = (await session.scalars(select(ConversationMessage))).all()
    assert [row.conversation_id for row in rows] == [anonymous_id]
    texts = [row.text or "" for row in rows]
    assert "13812345678" not in texts[0]
    assert "张江路" not in texts[0]
