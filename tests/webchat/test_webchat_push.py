"""Agent replies pushed down the page's event stream: leased only while the page listens,
shown once, acknowledged after they were written out, kept for a page that comes back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from api.auth_roles import Role
from tests.bot.waiting import eventually
from tests.webchat.chat_client import ChatClient, new_message_id, texts
from tests.webchat.conftest import StaffClient, WebChatRunner
from tests.webchat.surveying_engine import SURVEY_QUESTION, SurveyingEngine

WAIT_SECONDS = 10.0


async def events_of(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The ``messages`` events of a Server-Sent Events stream, as parsed JSON."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if fields.get("event") == "messages":
                yield {"id": fields.get("id"), **json.loads(fields["data"])}
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value.removeprefix(" ")


async def next_event(events: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    return await asyncio.wait_for(anext(events), WAIT_SECONDS)


def agent_reply(conversation_id: str, zh: str, en: str) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "kind": "agent_reply",
        "payload": {"type": "text", "text": {"zh": zh, "en": en}},
    }


async def test_agent_replies_reach_the_page_once_and_wait_for_it_while_away(
    engine: SurveyingEngine, run_webchat: WebChatRunner, staff: StaffClient
) -> None:
    agent = staff(Role.AGENT)
    with run_webchat(engine.url) as url:
        async with ChatClient(url, accept_language="en-US") as page:
            await page.say("I want a person")
            conversation = page.conversation_id
            handoff = (
                await agent.post(
                    "/handoffs", json={"conversation_id": conversation, "reason": "requested"}
                )
            ).json()
            await agent.post(f"/handoffs/{handoff['id']}/claim", json={"agent_id": "agent-7"})
            greeting = agent_reply(conversation, "您好，我是李娜。", "Hi, Li Na here.")
            first = (await agent.post("/outbound", json=greeting)).json()
            await asyncio.sleep(0.5)
            while_away = (await agent.get(f"/outbound/{first['id']}")).json()

            async with page.http.stream("GET", "/chat/api/events") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                events = events_of(stream)
                shown_first = await next_event(events)

                async def acknowledged() -> bool:
                    item = (await agent.get(f"/outbound/{first['id']}")).json()
                    return bool(item["status"] == "delivered")

                await eventually(acknowledged, within=WAIT_SECONDS)
                second = (
                    await agent.post(
                        "/outbound", json=agent_reply(conversation, "还在吗？", "Still there?")
                    )
                ).json()
                shown_second = await next_event(events)

            third = (
                await agent.post(
                    "/outbound", json=agent_reply(conversation, "师傅明天到。", "See you tomorrow.")
                )
            ).json()
            async with page.http.stream("GET", "/chat/api/events") as stream:
                shown_after_return = await next_event(events_of(stream))

    assert (while_away["status"], while_away["attempts"]) == ("pending", 0)
    assert shown_first["id"] == shown_first["key"] == f"outbound:{first['id']}"
    assert shown_first["messages"] == [
        {"from": "agent", "text": "Hi, Li Na here.", "buttons": [], "image": None}
    ]
    assert shown_second["key"] == f"outbound:{second['id']}"
    assert shown_second["messages"][0]["text"] == "Still there?"
    assert shown_after_return["key"] == f"outbound:{third['id']}"
    assert shown_after_return["messages"][0]["text"] == "See you tomorrow."

    transcript = (await agent.get(f"/conversations/{conversation}/messages")).json()["items"]
    shown = [item["text"] for item in transcript if item["direction"] == "out"]
    assert shown.count("Hi, Li Na here.") == 1
    assert "See you tomorrow." in shown
    for item_id in (first["id"], second["id"], third["id"]):
        assert (await agent.get(f"/outbound/{item_id}")).json()["attempts"] == 1


async def test_a_page_without_the_cookie_gets_no_stream(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url) as url:
        async with httpx.AsyncClient(base_url=url) as stranger:
            response = await stranger.get("/chat/api/events")
    assert response.status_code == 401


async def test_a_survey_falling_due_is_worded_by_the_engine_and_answered_with_a_tap(
    engine: SurveyingEngine, run_webchat: WebChatRunner, staff: StaffClient
) -> None:
    backend = staff(Role.BACKEND)
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            await page.say("你好")
            conversation = page.conversation_id
            survey = {
                "conversation_id": conversation,
                "kind": "survey_due",
                "payload": {
                    "type": "intent",
                    "intent": "EXTERNAL_survey_due",
                    "entities": {"case_id": 7},
                },
            }
            queued = await backend.post("/outbound", json=survey)
            async with page.http.stream("GET", "/chat/api/events") as stream:
                shown = await next_event(events_of(stream))
            [question] = shown["messages"]
            answered = await page.tap(question["buttons"][0]["key"])

    assert queued.status_code == 201, queued.text
    assert engine.triggered() == [
        (conversation, {"name": "EXTERNAL_survey_due", "entities": {"case_id": 7}})
    ]
    assert question["text"] == SURVEY_QUESTION["zh"]
    assert [button["title"] for button in question["buttons"]] == ["5 分", "4 分", "3 分"]
    assert answered.status_code == 200
    assert engine.messages(conversation) == ["你好", '/inform{"score": 5}']


async def test_kept_messages_are_answered_down_the_stream_once_the_engine_is_back(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url, replay_interval_seconds=0.1) as url:
        async with ChatClient(url) as page:
            engine.down = True
            message_id = new_message_id()
            kept = await page.say("空调不制冷", message_id=message_id)
            async with page.http.stream("GET", "/chat/api/events") as stream:
                events = events_of(stream)
                engine.down = False
                pushed = await next_event(events)
            after = await page.say("在吗")

    assert texts(kept) == ["系统繁忙，您的消息已保存，恢复后会自动为您继续处理，无需重复发送。"]
    assert pushed["key"] == f"reply:{message_id}"
    assert [message["text"] for message in pushed["messages"]] == ["echo: 空调不制冷"]
    assert texts(after) == ["echo: 在吗"]
    assert engine.messages() == ["空调不制冷", "在吗"]
