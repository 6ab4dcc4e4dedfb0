"""A consumer on Telegram, end to end: the fake Bot API over real HTTP, the bot with aiogram's
real client, the embedded engine on the project's own ``nlu_data``, the real action server
and the real api on the demo data. In Chinese and in English, a fault report becomes a booked
visit: the warranty decision, troubleshooting steps answered with inline buttons (each
keyboard retired once tapped), the address typed, the phone shared as a contact, a window
chosen by button; the api then holds exactly one visit with that address and phone, and the
conversation log holds both sides."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth_roles import Role
from api.settings import DEVELOPMENT_KEYS
from bot.engine.stories.backends import started_backends
from tests.bot.conftest import BotRunner, SettingsFactory
from tests.support.fake_telegram import FakeTelegram, FakeUser
from tests.support.project_engine import serving_project_engine

TURN_SECONDS = 60.0

pytestmark = pytest.mark.slow


@dataclass(frozen=True, slots=True)
class Chain:
    engine_url: str
    api_url: str


@pytest.fixture(scope="module")
def chain(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Chain]:
    """api and action server as child processes, the engine in this process."""
    model_cache = Path(request.config.cache.mkdir("telegram-engine-model"))
    workdir = tmp_path_factory.mktemp("telegram-chain")
    with (
        started_backends() as backends,
        serving_project_engine(backends.action_endpoint, workdir, model_cache) as engine_url,
    ):
        yield Chain(engine_url, backends.api_url)


class Conversation:
    """One consumer's private chat, read the way they read it: the bot's messages in order."""

    def __init__(self, telegram: FakeTelegram, user: FakeUser) -> None:
        self.telegram = telegram
        self.user = user
        self.read = 0

    async def says(self, fragment: str) -> dict[str, Any]:
        """The first unread bot message containing ``fragment``; earlier ones count as read."""
        deadline = time.monotonic() + TURN_SECONDS
        while True:
            messages = self.telegram.sent_messages(self.user.id)
            for index, message in enumerate(messages[self.read :], start=self.read):
                if fragment in (message.get("text") or message.get("caption") or ""):
                    self.read = index + 1
                    return message
            if time.monotonic() > deadline:
                texts = [m.get("text") for m in messages[self.read :]]
                raise AssertionError(f"no message with {fragment!r}; unread: {texts}")
            await asyncio.sleep(0.05)

    async def asks(self, read: dict[str, Any] | None = None) -> dict[str, Any]:
        """The message offering the buttons: ``read`` itself when it has them, else the next
        unread bot message that has."""
        message = read if read is not None else await self.says("")
        while not self.buttons(message):
            message = await self.says("")
        return message

    def types(self, text: str) -> None:
        self.telegram.send_text(self.user, text)

    async def taps(self, message: dict[str, Any], title: str) -> None:
        """Tap ``title`` under ``message``; its keyboard is then retired, the choice shown."""
        self.telegram.tap(self.user, message, text=title)
        deadline = time.monotonic() + TURN_SECONDS
        key = message["message_id"]
        while True:
            now = next(
                m for m in self.telegram.sent_messages(self.user.id) if m["message_id"] == key
            )
            if "reply_markup" not in now:
                assert now["text"].endswith(f"✓ {title}"), now["text"]
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the keyboard under {now['text']!r} was not retired")
            await asyncio.sleep(0.05)

    def buttons(self, message: dict[str, Any]) -> list[str]:
        keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
        return [button["text"] for row in keyboard for button in row]


async def agent_reads(api_url: str, path: str, **params: Any) -> Any:
    headers = {"X-API-Key": DEVELOPMENT_KEYS[Role.AGENT]}
    async with httpx.AsyncClient(base_url=f"{api_url}/api/v1", headers=headers) as agent:
        response = await agent.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def the_booked_visit(api_url: str, conversation_id: str) -> dict[str, Any]:
    cases = (await agent_reads(api_url, "/cases", customer=conversation_id))["items"]
    [case] = cases
    visits = await agent_reads(api_url, f"/cases/{case['id']}/visits")
    [visit] = visits
    return dict(visit)


async def logged_both_ways(api_url: str, conversation_id: str, typed: str, answer: str) -> None:
    """Wait until the api's conversation log holds what the consumer typed and the bot's
    message containing ``answer`` (the bot logs in the background, with retries)."""
    deadline = time.monotonic() + TURN_SECONDS
    while True:
        page = await agent_reads(api_url, f"/conversations/{conversation_id}/messages", limit=200)
        heard = [item.get("text") or "" for item in page["items"] if item["direction"] == "in"]
        said = [item.get("text") or "" for item in page["items"] if item["direction"] == "out"]
        if typed in heard and any(answer in text for text in said):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not logged: in {heard}, out {said}")
        await asyncio.sleep(0.1)


async def test_a_fault_report_becomes_a_booked_visit_in_chinese(
    chain: Chain,
    telegram: FakeTelegram,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(8101, first_name="王芳", language_code="zh-hans")
    chat = Conversation(telegram, user)
    address = "上海市浦东新区张江路100号3栋502"
    with run_bot(make_settings(engine_url=chain.engine_url, api_url=chain.api_url)):
        chat.types("我的格力空调 KFR-35GW/BpR3 序列号GR251135BP040146 2025年3月5日买的 不制冷")
        await chat.says("已为您登记报修")
        await chat.says("好消息：您的产品在保修范围内")
        await chat.says("(1/6)")
        for number in range(2, 7):
            await chat.taps(await chat.asks(), "还没好")
            await chat.says(f"({number}/6)")
        await chat.taps(await chat.asks(), "还没好")
        offer = await chat.says("建议安排工程师上门检修")
        await chat.taps(await chat.asks(offer), "预约上门")
        await chat.says("请告诉我上门地址")
        chat.types(address)
        await chat.says("手机号码")
        telegram.send_contact(user, "+86 138 1234 5678")
        windows = await chat.asks()
        await chat.taps(windows, chat.buttons(windows)[0])
        await chat.says("已为您预约上门")

    conversation_id = f"tg:{user.id}"
    visit = await the_booked_visit(chain.api_url, conversation_id)
    assert (visit["address"], visit["contact_phone"]) == (address, "+8613812345678")
    await logged_both_ways(chain.api_url, conversation_id, address, "已为您预约上门")


async def test_a_fault_report_becomes_a_booked_visit_in_english(
    chain: Chain,
    telegram: FakeTelegram,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(8102, first_name="Emily", language_code="en-GB")
    chat = Conversation(telegram, user)
    address = "Room 502, Building 8, 88 Jianguo Road, Chaoyang District, Beijing"
    with run_bot(make_settings(engine_url=chain.engine_url, api_url=chain.api_url)):
        chat.types(
            "my microwave P70D20TL-D4 serial GL2108P70D085441 bought 2021-08-20 does not heat"
        )
        await chat.says("Your fault report is registered")
        await chat.says("out of warranty")
        chat.types("can someone come and fix it")
        await chat.says("What is the address for the visit")
        chat.types(address)
        await chat.says("What phone number")
        chat.types("+86 138 1234 5678")
        windows = await chat.asks()
        await chat.taps(windows, chat.buttons(windows)[0])
        await chat.says("not free")
        chat.types("yes, go ahead")
        await chat.says("Your visit is booked")

    conversation_id = f"tg:{user.id}"
    visit = await the_booked_visit(chain.api_url, conversation_id)
    assert (visit["address"], visit["contact_phone"]) == (address, "+8613812345678")
    await logged_both_ways(chain.api_url, conversation_id, address, "Your visit is booked")
