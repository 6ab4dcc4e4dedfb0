"""Messages from the page through the pipeline: the engine's answer with buttons, the
conversation log, the flood guard, silence while an agent holds the chat, and bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from api.auth_roles import Role
from tests.bot.waiting import eventually
from tests.webchat.chat_client import ChatClient, texts
from tests.webchat.conftest import StaffClient, WebChatRunner
from tests.webchat.surveying_engine import SurveyingEngine


def with_buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    if body["message"] == "我的空调不制冷":
        return [
            {
                "recipient_id": body["sender"],
                "text": "空调是否通电？",
                "buttons": [
                    {"title": "是", "payload": "/affirm"},
                    {"title": "否", "payload": "/deny"},
                ],
            }
        ]
    return [{"recipient_id": body["sender"], "text": f"收到：{body['message']}"}]


async def transcript(staff: StaffClient, conversation_id: str) -> list[dict[str, Any]]:
    agent = staff(Role.AGENT)
    response = await agent.get(f"/conversations/{conversation_id}/messages")
    assert response.status_code == 200, response.text
    return sorted(response.json()["items"], key=lambda item: item["id"])


async def test_a_message_and_a_button_tap_reach_the_engine_and_the_log(
    engine: SurveyingEngine, run_webchat: WebChatRunner, staff: StaffClient
) -> None:
    engine.answer = with_buttons
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            asked = await page.say("我的空调不制冷")
            [question] = asked.json()["messages"]
            yes, no = question["buttons"]
            tapped = await page.tap(no["key"])
            again = await page.tap(yes["key"])

            conversation = page.conversation_id
            logged: list[dict[str, Any]] = []

            async def all_logged() -> bool:
                logged[:] = await transcript(staff, conversation)
                return len(logged) == 5

            await eventually(all_logged)

    assert asked.status_code == 200
    assert question["text"] == "空调是否通电？"
    assert [button["title"] for button in question["buttons"]] == ["是", "否"]
    assert "/deny" not in asked.text
    assert texts(tapped) == ["收到：/deny"]
    assert texts(again) == ["该按钮已失效，请直接输入您的回复。"]
    sent = engine.received(conversation)
    assert [body["message"] for body in sent] == ["我的空调不制冷", "/deny"]
    metadata = sent[0]["metadata"]
    assert (metadata["language"], metadata["channel"], metadata["attachments"]) == ("zh", "web", [])
    assert [(item["direction"], item["text"]) for item in logged] == [
        ("in", "我的空调不制冷"),
        ("out", "空调是否通电？"),
        ("in", "否"),
        ("out", "收到：/deny"),
        ("out", "该按钮已失效，请直接输入您的回复。"),
    ]
    assert {item["channel"] for item in logged} == {"web"}


async def test_a_flood_gets_one_polite_answer_in_the_users_language(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url, rate_limit_messages=3, rate_limit_window_seconds=30) as url:
        async with ChatClient(url, accept_language="en-US") as page:
            answers = [await page.say(f"message {number}") for number in range(5)]
        async with ChatClient(url) as other_page:
            other = await other_page.say("另一个浏览器")

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    assert texts(answers[3]) == [
        "You are sending messages very quickly. Please wait a moment before sending more."
    ]
    assert len(engine.received()) == 4
    assert other.status_code == 200


async def test_the_assistant_stands_aside_from_the_handoff_to_its_end(
    engine: SurveyingEngine, run_webchat: WebChatRunner, staff: StaffClient
) -> None:
    agent = staff(Role.AGENT)
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            before = await page.say("我要转人工")
            conversation = page.conversation_id
            opened = await agent.post(
                "/handoffs", json={"conversation_id": conversation, "reason": "requested"}
            )
            handoff = opened.json()
            engine.paused.add(conversation)  # as the engine's action_handoff does
            waiting = await page.say("还在吗")
            still_waiting = await page.say("有人吗")
            claim = await agent.post(
                f"/handoffs/{handoff['id']}/claim",
                json={"agent_id": "agent-7", "agent_name": "李娜"},
            )
            held = await page.say("你好，请问师傅什么时候来")
            await agent.post(f"/handoffs/{handoff['id']}/resolve", json={"agent_id": "agent-7"})
            after = await page.say("谢谢")
            later = await page.say("再见")

    assert opened.status_code == 201, opened.text
    assert claim.status_code == 200, claim.text
    assert texts(before) == ["echo: 我要转人工"]
    assert texts(waiting) == ["您的消息已转给人工客服，客服接入后会在这里回复您。"]
    assert still_waiting.json() == {"messages": [], "agent_holds": False}
    assert held.json() == {"messages": [], "agent_holds": True}
    assert texts(after) == [
        "人工服务已结束，感谢您的耐心。如还需要帮助，直接给我发消息即可。",
        "echo: 谢谢",
    ]
    assert texts(later) == ["echo: 再见"]
    assert engine.messages(conversation) == ["我要转人工", "谢谢", "再见"]
    assert engine.appended(conversation) == ["resume", "action"]
    transcript = (await agent.get(f"/conversations/{conversation}/messages")).json()["items"]
    heard = [item["text"] for item in transcript if item["direction"] == "in"]
    assert heard == ["我要转人工", "还在吗", "有人吗", "你好，请问师傅什么时候来", "谢谢", "再见"]


async def test_an_engine_without_the_tracker_api_still_answers(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    engine.tracker_api = False
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            first = await page.say("你好")
            second = await page.say("空调不制冷")
    assert (texts(first), texts(second)) == (["echo: 你好"], ["echo: 空调不制冷"])


async def test_messages_typed_while_the_engine_is_away_are_answered_in_order_when_it_is_back(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            engine.down = True
            first = await page.say("空调不制冷")
            second = await page.say("型号 KFR-35GW")
            engine.down = False
            third = await page.say("在吗")

    assert texts(first) == ["系统繁忙，您的消息已保存，恢复后会自动为您继续处理，无需重复发送。"]
    assert second.json() == {"messages": [], "agent_holds": False}
    assert texts(third) == ["echo: 空调不制冷", "echo: 型号 KFR-35GW", "echo: 在吗"]
    assert engine.messages() == ["空调不制冷", "型号 KFR-35GW", "在吗"]


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        ({"text": "   "}, 422, "请输入内容后再发送。"),
        ({"text": "好" * 4001}, 422, "消息太长了（最多 4000 个字），请分几条发送。"),
        (
            {"text": '/inform{"serial_number": "X"}'},
            200,
            "请直接用文字描述您的问题，或点击上方的按钮。",
        ),
        ({"button": "never-offered"}, 200, "该按钮已失效，请直接输入您的回复。"),
    ],
)
async def test_bad_input_gets_a_clear_answer_and_never_reaches_the_engine(
    engine: SurveyingEngine,
    run_webchat: WebChatRunner,
    body: dict[str, Any],
    status: int,
    answer: str,
) -> None:
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            response = await page.http.post(
                "/chat/api/messages", json={"message_id": "m-0000000001", **body}
            )
    assert response.status_code == status, response.text
    assert texts(response) == [answer]
    assert engine.received() == []


async def test_malformed_requests_are_refused(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            both = await page.http.post(
                "/chat/api/messages",
                json={"message_id": "m-0000000001", "text": "hi", "button": "k"},
            )
            bad_id = await page.http.post(
                "/chat/api/messages", json={"message_id": "<script>", "text": "hi"}
            )
            not_json = await page.http.post(
                "/chat/api/messages",
                content=b"text=hi",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            emoji = await page.say("👍")
    assert both.status_code == 422
    assert bad_id.status_code == 422
    assert not_json.status_code == 422
    assert texts(emoji) == ["echo: 👍"]
    assert engine.messages() == ["👍"]


async def test_the_engine_out_of_reach_gets_a_busy_answer_and_the_message_is_kept(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    engine.down = True
    with run_webchat(engine.url) as url:
        async with ChatClient(url, accept_language="en") as page:
            response = await page.say("hello")
    assert texts(response) == [
        "The system is busy right now. Your message is saved and will be answered "
        "automatically as soon as we are back; there is no need to send it again."
    ]


async def test_turns_of_one_browser_are_answered_in_order(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    engine.delay = lambda body: 0.3 if body["message"] == "first" else 0.0
    with run_webchat(engine.url) as url:
        async with ChatClient(url) as page:
            slow = asyncio.create_task(page.say("first"))
            await engine.wait_for_messages(1)
            second = await page.say("second")
            first = await slow
    assert (texts(first), texts(second)) == (["echo: first"], ["echo: second"])
    assert engine.messages() == ["first", "second"]
