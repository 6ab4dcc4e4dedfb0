"""Photos and documents uploaded to the real api as case attachments, its refusals explained
to the consumer, and the conversation log written to it."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app as create_api_app
from api.auth_roles import Role
from api.settings import ApiSettings
from tests.api.cases.samples import JPEG, PDF
from tests.api.cases.workflow import add_categories, open_case, register_customer
from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import EngineStub
from tests.conftest import ApiClientFactory
from tests.support.fake_telegram import FakeTelegram, FakeUser
from tests.support.live_server import serve_in_thread


@pytest.fixture
def live_api_url(api_settings: ApiSettings, api_app: FastAPI) -> Iterator[str]:
    """The api over HTTP for the bot, on the same database as the in-process ``api_app``
    the test prepares data with."""
    with serve_in_thread(create_api_app(api_settings)) as url:
        yield url


@pytest.fixture
async def admin(api_app: FastAPI, api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    await add_categories(api_app)
    return api_client_for(Role.ADMIN)


async def _case_for(admin: httpx.AsyncClient, user: FakeUser) -> int:
    await register_customer(admin, f"tg:{user.id}")
    return int((await open_case(admin, f"tg:{user.id}"))["id"])


async def _attachments(admin: httpx.AsyncClient, case_id: int) -> list[dict[str, object]]:
    response = await admin.get(f"/api/v1/cases/{case_id}/attachments")
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def _transcript(
    api_client_for: ApiClientFactory, user: FakeUser, count: int
) -> list[dict[str, object]]:
    agent = api_client_for(Role.AGENT)
    deadline = time.monotonic() + 10
    while True:
        response = await agent.get(f"/api/v1/conversations/tg:{user.id}/messages")
        items: list[dict[str, object]] = response.json()["items"]
        if len(items) >= count or time.monotonic() > deadline:
            return items
        await asyncio.sleep(0.05)


async def test_a_photo_is_attached_to_the_open_case_and_its_id_reaches_the_engine(
    telegram: FakeTelegram,
    engine: EngineStub,
    admin: httpx.AsyncClient,
    api_client_for: ApiClientFactory,
    live_api_url: str,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(9401, language_code="zh-hans")
    case_id = await _case_for(admin, user)
    with run_bot(make_settings(api_url=live_api_url)):
        sent = telegram.send_photo(user, JPEG, caption="外机有油渍")
        [request] = await engine.wait_for_messages(1)
        transcript = await _transcript(api_client_for, user, 2)
    [attachment] = await _attachments(admin, case_id)
    assert request["message"] == "外机有油渍"
    assert request["metadata"]["attachments"] == [
        {"attachment_id": attachment["id"], "kind": "photo", "media_type": "image/jpeg"}
    ]
    assert attachment["kind"] == "fault_photo"
    assert attachment["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert attachment["channel_file_id"] == sent["message"]["photo"][-1]["file_id"]
    assert attachment["uploaded_by_role"] == "bot"
    inbound, outbound = transcript
    assert (inbound["direction"], inbound["text"], inbound["attachment_id"]) == (
        "in",
        "外机有油渍",
        attachment["id"],
    )
    assert inbound["channel_message_id"] == str(sent["message"]["message_id"])
    assert (outbound["direction"], outbound["sender_kind"], outbound["text"]) == (
        "out",
        "bot",
        "echo: 外机有油渍",
    )


async def test_a_refused_file_is_explained_and_an_accepted_one_kept(
    telegram: FakeTelegram,
    engine: EngineStub,
    admin: httpx.AsyncClient,
    live_api_url: str,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(9402, language_code="en")
    case_id = await _case_for(admin, user)
    with run_bot(make_settings(api_url=live_api_url)):
        telegram.send_document(
            user, b"just some notes\n", file_name="notes.txt", mime_type="text/plain"
        )
        [refusal] = await telegram.wait_for_messages(user.id, 1)
        telegram.send_document(user, PDF, file_name="invoice.pdf", mime_type="application/pdf")
        [request] = await engine.wait_for_messages(1)
    assert refusal["text"] == (
        "That file type isn't accepted. Please send a JPG, PNG, WebP or GIF image, or a PDF."
    )
    [attachment] = await _attachments(admin, case_id)
    assert (attachment["kind"], attachment["media_type"], attachment["file_name"]) == (
        "document",
        "application/pdf",
        "invoice.pdf",
    )
    assert request["message"] == "/inform"
    assert request["metadata"]["attachments"][0]["attachment_id"] == attachment["id"]


async def test_a_photo_sent_before_the_case_existed_is_attached_once_it_does(
    telegram: FakeTelegram,
    engine: EngineStub,
    admin: httpx.AsyncClient,
    live_api_url: str,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(9403)
    await register_customer(admin, f"tg:{user.id}")
    with run_bot(make_settings(api_url=live_api_url)):
        telegram.send_photo(user, JPEG, caption="铭牌")
        [held] = await engine.wait_for_messages(1)
        case_id = int((await open_case(admin, f"tg:{user.id}"))["id"])
        assert await _attachments(admin, case_id) == []
        telegram.send_text(user, "报修单开好了吗")
        await telegram.wait_for_messages(user.id, 2)
        deadline = time.monotonic() + 5
        while not (attached := await _attachments(admin, case_id)):
            assert time.monotonic() < deadline, "the held photo was never attached"
            await asyncio.sleep(0.05)
    assert held["metadata"]["attachments"] == [
        {"attachment_id": None, "kind": "photo", "media_type": "image/jpeg"}
    ]
    assert [item["sha256"] for item in attached] == [hashlib.sha256(JPEG).hexdigest()]
