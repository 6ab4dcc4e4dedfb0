"""The web chat in a real browser: headless Chromium, driven by Playwright, talks to the
bot's HTTP app, which talks to the real engine (the project's own ``nlu_data``), the real
action server and the real api on the demo data. A consumer reports a fault, sends a photo,
gets the warranty decision, walks through troubleshooting with the buttons, is offered a
visit and books it, switches to English, and an agent's reply arrives without a reload. A
screenshot of the page is saved."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth_roles import Role
from api.settings import DEVELOPMENT_KEYS
from bot.engine.stories.backends import started_backends
from bot.http_app import create_app as create_bot_app
from bot.telegram.settings import BotSettings
from bot.webchat.sessions import CONVERSATION_PREFIX, COOKIE_NAME
from bot.webchat.settings import WebChatSettings
from tests.api.cases.samples import png_bytes
from tests.support.live_server import serve_in_thread
from tests.support.project_engine import serving_project_engine

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
STEP_TIMEOUT_MS = 30_000

REFUSED_REQUEST = "Failed to load resource: the server responded with a status of 4"
"""Chromium reports every 4xx answer; the page shows the polite text such answers carry."""
FAULT_REPORT = "我的格力空调 KFR-35GW/BpR3 序列号GR251135BP040146 2025年3月5日买的 不制冷"
ADDRESS = "上海市浦东新区张江路100号3栋502"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which(str(CHROMIUM)) is None,
        reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)",
    ),
]
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="the playwright package is not installed (dev extra)"
)


@dataclass(frozen=True, slots=True)
class Stack:
    chat_url: str
    api_url: str


@pytest.fixture
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """api and action server as child processes, engine and bot app in this process."""
    model_cache = Path(request.config.cache.mkdir("webchat-engine-model"))
    with (
        started_backends() as backends,
        serving_project_engine(backends.action_endpoint, tmp_path, model_cache) as engine_url,
    ):
        bot_settings = BotSettings(
            telegram_token=None,
            engine_url=engine_url,
            api_url=backends.api_url,
            store_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
            shutdown_grace_seconds=2.0,
        )
        webchat_settings = WebChatSettings(outbound_poll_seconds=0.2, heartbeat_seconds=2.0)
        with serve_in_thread(create_bot_app(bot_settings, webchat_settings)) as bot_url:
            yield Stack(f"{bot_url}/chat", backends.api_url)


@pytest.fixture
async def agent(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{stack.api_url}/api/v1", headers={"X-API-Key": DEVELOPMENT_KEYS[Role.AGENT]}
    ) as client:
        yield client


@pytest.fixture
async def page(stack: Stack) -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = await browser.new_context(
            viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        opened = await context.new_page()
        problems: list[str] = []
        opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        opened.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" and not message.text.startswith(REFUSED_REQUEST)
                else None
            ),
        )
        try:
            yield opened
        finally:
            await browser.close()
        assert problems == []


class ChatPage:
    """The chat as a person uses it: typing, tapping, choosing a file, reading."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.expect = playwright_api.expect
        self.expect.set_options(timeout=STEP_TIMEOUT_MS)

    async def say(self, text: str) -> None:
        box = self.page.get_by_role("textbox")
        await box.fill(text)
        await box.press("Enter")
        await self.expect(box).to_be_focused()

    async def tap(self, title: str) -> None:
        """Tap the newest offered button called ``title``; it is then marked as chosen and
        its row can no longer be tapped."""
        button = self.page.locator("button.choice:enabled", has_text=title).last
        await button.click()
        chosen = self.page.locator("button.choice.chosen").last
        await self.expect(chosen).to_have_text(f"✓ {title}")
        await self.expect(chosen).to_be_disabled()
        await self.expect(chosen).to_have_attribute("aria-pressed", "true")

    async def sees(self, text: str, speaker: str = "assistant") -> None:
        bubble = self.page.locator(f".message.from-{speaker} .bubble", has_text=text).last
        await self.expect(bubble).to_be_visible()

    async def answers(self) -> int:
        return int(await self.page.locator(".message.from-assistant").count())


async def test_a_fault_report_to_a_booked_visit_in_the_browser(
    stack: Stack, page: Any, agent: httpx.AsyncClient, tmp_path: Path
) -> None:
    chat = ChatPage(page)
    await page.goto(stack.chat_url)
    await chat.expect(page.get_by_role("button", name="发送", exact=True)).to_be_visible()
    await chat.sees("您好！请描述您遇到的问题")
    cookie = next(c for c in await page.context.cookies() if c["name"] == COOKIE_NAME)
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Lax")
    conversation = CONVERSATION_PREFIX + cookie["value"]

    await chat.say(FAULT_REPORT)
    await chat.sees(FAULT_REPORT, speaker="user")
    await chat.sees("已为您登记报修")
    await chat.sees("好消息：您的产品在保修范围内")
    await chat.sees("(1/6)")

    photo = tmp_path / "fault.png"
    photo.write_bytes(png_bytes(32, 24))
    await page.locator("#photo").set_input_files(str(photo))
    await chat.expect(page.locator(".message.from-user img.photo-preview")).to_be_visible()
    await _case_has_a_photo(agent, conversation)

    for step in range(2, 7):
        await chat.tap("还没好")
        await chat.sees(f"({step}/6)")
    await chat.tap("还没好")
    await chat.sees("建议安排工程师上门检修")

    await _book_the_visit(chat)
    case_id = await _case_of(agent, conversation)
    [visit] = (await agent.get(f"/cases/{case_id}/visits")).json()
    assert visit["contact_phone"] == "+8613812345678"
    assert visit["address"] == ADDRESS

    await page.get_by_role("button", name="English", exact=True).click()
    await chat.expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    await chat.expect(page.locator("html")).to_have_attribute("lang", "en")
    await chat.sees("Sure, I'll continue in English.")

    await _an_agent_answers(agent, conversation)
    await chat.sees("Hello, this is Li Na from the service team.", speaker="agent")

    screenshot = tmp_path / "webchat.png"
    await page.screenshot(path=str(screenshot), full_page=True)
    print(f"\nweb chat screenshot: {screenshot}")
    assert screenshot.stat().st_size > 0


async def _case_of(agent: httpx.AsyncClient, conversation: str) -> int:
    cases = (await agent.get("/cases", params={"customer": conversation})).json()["items"]
    [case] = cases
    return int(case["id"])


async def _case_has_a_photo(agent: httpx.AsyncClient, conversation: str) -> None:
    case_id = await _case_of(agent, conversation)
    for _ in range(100):
        listed = (await agent.get(f"/cases/{case_id}/attachments")).json()["items"]
        if listed:
            assert listed[0]["media_type"] == "image/png"
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no photo was attached to case {case_id}")


async def _book_the_visit(chat: ChatPage) -> None:
    await chat.tap("预约上门")
    await chat.sees("请告诉我上门地址")
    await chat.say(ADDRESS)
    await chat.sees("手机号码")
    await chat.say("13812345678")
    window = chat.page.locator(".choices").last.locator("button.choice:enabled").first
    await chat.expect(window).to_be_visible()
    await chat.tap(str(await window.text_content()))
    await chat.sees("已为您预约上门")


async def _an_agent_answers(agent: httpx.AsyncClient, conversation: str) -> None:
    opened = await agent.post(
        "/handoffs", json={"conversation_id": conversation, "reason": "requested"}
    )
    assert opened.status_code in (200, 201), opened.text
    claimed = await agent.post(
        f"/handoffs/{opened.json()['id']}/claim", json={"agent_id": "agent-7", "agent_name": "李娜"}
    )
    assert claimed.status_code == 200, claimed.text
    reply = {
        "conversation_id": conversation,
        "kind": "agent_reply",
        "payload": {
            "type": "text",
            "text": {
                "zh": "您好，我是客服李娜。",
                "en": "Hello, this is Li Na from the service team.",
            },
        },
    }
    queued = await agent.post("/outbound", json=reply)
    assert queued.status_code == 201, queued.text
