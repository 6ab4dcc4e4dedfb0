"""The page and its session: the cookie that names the conversation, the language, and the
web chat served without any Telegram token."""

from __future__ import annotations

import httpx

from bot.webchat.language import language_from_accept
from bot.webchat.sessions import COOKIE_NAME, is_session_id
from tests.webchat.conftest import WebChatRunner
from tests.webchat.surveying_engine import SurveyingEngine


async def test_the_page_sets_a_private_session_cookie_once(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url) as url:
        async with httpx.AsyncClient(base_url=url) as browser:
            first = await browser.get("/chat")
            again = await browser.get("/chat")
            health = (await browser.get("/health")).json()
        async with httpx.AsyncClient(base_url=url) as other_browser:
            other = await other_browser.get("/chat")

    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    assert '<script src="/chat/static/chat.js" defer></script>' in first.text
    assert "script-src 'self'" in first.headers["content-security-policy"]
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/chat"} <= attributes
    assert "secure" not in attributes
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert is_session_id(session_id)
    assert "set-cookie" not in again.headers
    assert other.headers["set-cookie"].split(";")[0] != cookie.split(";")[0]
    assert health == {"status": "ok", "telegram": "off", "webchat": "on"}


async def test_the_static_files_are_served(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url) as url:
        async with httpx.AsyncClient(base_url=url) as browser:
            script = await browser.get("/chat/static/chat.js")
            style = await browser.get("/chat/static/chat.css")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "innerHTML" not in script.text
    assert style.status_code == 200


async def test_the_language_follows_accept_language_then_the_choice(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url) as url:
        async with httpx.AsyncClient(
            base_url=url, headers={"Accept-Language": "en-GB,en;q=0.9,zh-CN;q=0.5"}
        ) as browser:
            await browser.get("/chat")
            detected = (await browser.get("/chat/api/session")).json()
            chosen = (await browser.get("/chat/api/session", params={"language": "zh"})).json()
            kept = (await browser.get("/chat/api/session")).json()
    assert detected["language"] == "en"
    assert detected["labels"]["en"]["send"] == "Send"
    assert detected["labels"]["zh"]["send"] == "发送"
    assert chosen["language"] == "zh"
    assert kept["language"] == "zh"


async def test_the_api_refuses_a_browser_without_the_session_cookie(
    engine: SurveyingEngine, run_webchat: WebChatRunner
) -> None:
    with run_webchat(engine.url) as url:
        async with httpx.AsyncClient(base_url=url) as stranger:
            no_cookie = await stranger.post(
                "/chat/api/messages", json={"message_id": "m-00000001", "text": "hi"}
            )
        async with httpx.AsyncClient(base_url=url, cookies={COOKIE_NAME: "../../etc"}) as forger:
            forged = await forger.post(
                "/chat/api/messages", json={"message_id": "m-00000002", "text": "hi"}
            )
    assert no_cookie.status_code == 401
    assert forged.status_code == 401
    assert engine.received() == []


def test_accept_language_picks_the_most_wanted_of_chinese_and_english() -> None:
    assert language_from_accept("zh-CN,zh;q=0.9,en;q=0.8", "en") == "zh"
    assert language_from_accept("en-US,en;q=0.9", "zh") == "en"
    assert language_from_accept("fr-FR, en;q=0.5, zh-TW;q=0.8", "en") == "zh"
    assert language_from_accept("fr, de;q=0.5", "zh") == "zh"
    assert language_from_accept("", "en") == "en"
    assert language_from_accept(None, "zh") == "zh"
    assert language_from_accept("zh;q=0, en", "zh") == "en"
    assert language_from_accept("en;q=bad, zh;q=0.1", "en") == "zh"
