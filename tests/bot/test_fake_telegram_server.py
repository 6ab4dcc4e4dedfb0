"""The fake Bot API server itself: Telegram's paths, semantics and error shapes, over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from tests.support.fake_telegram import (
    BLOCKED_BY_USER,
    THREAD_NOT_FOUND,
    FakeTelegram,
    FakeUser,
    too_many_requests,
)

USER = FakeUser(501, first_name="Li", language_code="zh-hans")


@pytest.fixture
async def http(telegram: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{telegram.base_url}/bot{telegram.token}") as client:
        yield client


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
    client = Bot(telegram.token, session=session)
    yield client
    await session.close()


async def test_errors_have_telegrams_exact_json_shapes(
    telegram: FakeTelegram, http: httpx.AsyncClient
) -> None:
    telegram.send_text(USER, "hi")
    telegram.fail("sendMessage", too_many_requests(3))
    flood = await http.post("/sendMessage", data={"chat_id": USER.id, "text": "x"})
    assert flood.status_code == 429
    assert flood.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    telegram.fail("sendMessage", BLOCKED_BY_USER)
    blocked = await http.post("/sendMessage", data={"chat_id": USER.id, "text": "x"})
    assert (blocked.status_code, blocked.json()) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    unknown_chat = await http.post("/sendMessage", data={"chat_id": 999, "text": "x"})
    assert unknown_chat.json()["description"] == "Bad Request: chat not found"
    empty = await http.post("/sendMessage", data={"chat_id": USER.id, "text": " "})
    assert empty.json()["description"] == "Bad Request: message text is empty"
    too_long = await http.post("/sendMessage", data={"chat_id": USER.id, "text": "a" * 4097})
    assert too_long.json()["description"] == "Bad Request: message is too long"
    ok = await http.post("/sendMessage", data={"chat_id": USER.id, "text": "a" * 4096})
    assert ok.json()["ok"] is True


async def test_wrong_token_and_unknown_method(telegram: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=telegram.base_url) as client:
        wrong = await client.post("/bot1:nope/getMe")
        unknown = await client.post(f"/bot{telegram.token}/sendSmokeSignal")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert (unknown.status_code, unknown.json()["description"]) == (404, "Not Found")


async def test_failure_rules_count_down_and_match_parameters(
    telegram: FakeTelegram, http: httpx.AsyncClient
) -> None:
    other = FakeUser(502)
    telegram.send_text(USER, "hi")
    telegram.send_text(other, "hi")
    telegram.fail(
        "sendMessage", too_many_requests(1), times=2, when=lambda p: p["chat_id"] == USER.id
    )
    statuses = [
        (await http.post("/sendMessage", data={"chat_id": chat, "text": "x"})).status_code
        for chat in (other.id, USER.id, USER.id, USER.id)
    ]
    assert statuses == [200, 429, 429, 200]


async def test_long_polling_waits_and_confirms_with_offset(
    telegram: FakeTelegram, http: httpx.AsyncClient
) -> None:
    started = time.monotonic()
    empty = await http.post("/getUpdates", data={"timeout": 1})
    assert empty.json() == {"ok": True, "result": []}
    assert time.monotonic() - started >= 0.9

    async def send_later() -> None:
        await asyncio.sleep(0.3)
        telegram.send_text(USER, "first")
        telegram.send_text(USER, "second")

    sender = asyncio.create_task(send_later())
    started = time.monotonic()
    woken = (await http.post("/getUpdates", data={"timeout": 5})).json()["result"]
    await sender
    assert time.monotonic() - started < 2
    assert [update["message"]["text"] for update in woken] == ["first", "second"]
    again = (await http.post("/getUpdates", data={"limit": 1})).json()["result"]
    assert [update["update_id"] for update in again] == [woken[0]["update_id"]]
    confirmed = await http.post("/getUpdates", data={"offset": woken[1]["update_id"] + 1})
    assert confirmed.json()["result"] == []
    telegram.redeliver(woken[0]["update_id"])
    redelivered = (await http.post("/getUpdates", data={})).json()["result"]
    assert [update["update_id"] for update in redelivered] == [woken[0]["update_id"]]


async def test_a_second_poller_terminates_the_first_and_a_webhook_refuses_polling(
    telegram: FakeTelegram, http: httpx.AsyncClient
) -> None:
    first = asyncio.create_task(http.post("/getUpdates", data={"timeout": 5}))
    await asyncio.sleep(0.2)
    second = await http.post("/getUpdates", data={"timeout": 0})
    terminated = await first
    assert second.json()["ok"] is True
    assert terminated.status_code == 409
    assert terminated.json()["description"].startswith("Conflict: terminated by other getUpdates")
    await http.post("/setWebhook", data={"url": "http://127.0.0.1:9/hook"})
    refused = await http.post("/getUpdates", data={})
    assert refused.status_code == 409
    assert "webhook is active" in refused.json()["description"]
    info = (await http.post("/getWebhookInfo")).json()["result"]
    assert info["url"] == "http://127.0.0.1:9/hook"


async def test_allowed_updates_filters_update_types(
    telegram: FakeTelegram, http: httpx.AsyncClient
) -> None:
    telegram.send_text(USER, "kept")
    telegram.inject({"edited_message": {"message_id": 9, "date": 0, "chat": USER.private_chat()}})
    result = await http.post(
        "/getUpdates", data={"allowed_updates": json.dumps(["message", "callback_query"])}
    )
    assert [next(iter(set(u) - {"update_id"})) for u in result.json()["result"]] == ["message"]


async def test_through_aiogram_keyboards_edits_callbacks_and_files(
    telegram: FakeTelegram, bot: Bot
) -> None:
    telegram.send_photo(USER, b"\xff\xd8\xff\xe0photo-bytes", caption="broken")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.photo is not None
    largest = update.message.photo[-1]
    telegram_file = await bot.get_file(largest.file_id)
    assert telegram_file.file_path is not None
    downloaded = await bot.download_file(telegram_file.file_path)
    assert downloaded is not None and downloaded.read() == b"\xff\xd8\xff\xe0photo-bytes"

    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="b:k1")]]
    )
    sent = await bot.send_message(USER.id, "Fixed?", reply_markup=keyboard)
    telegram.tap(USER, sent.model_dump(mode="json", by_alias=True, exclude_none=True), text="Yes")
    [tap] = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert tap.callback_query is not None and tap.callback_query.data == "b:k1"
    assert await bot.answer_callback_query(tap.callback_query.id) is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(tap.callback_query.id)
    await bot.edit_message_text("Fixed? ✓ Yes", chat_id=USER.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Fixed? ✓ Yes", chat_id=USER.id, message_id=sent.message_id)
    [shown] = telegram.sent_messages(USER.id)
    assert shown["text"] == "Fixed? ✓ Yes" and "reply_markup" not in shown

    oversized = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER.id, "too much data", reply_markup=oversized)

    photo = await bot.send_photo(USER.id, BufferedInputFile(b"\x89PNG\r\n\x1a\nimg", "a.png"))
    assert photo.photo is not None
    assert telegram.file_content(photo.photo[-1].file_id) == b"\x89PNG\r\n\x1a\nimg"


async def test_files_over_the_download_limit_are_refused(telegram: FakeTelegram, bot: Bot) -> None:
    telegram.send_document(
        USER,
        b"%PDF-1.7",
        file_name="manual.pdf",
        mime_type="application/pdf",
        declared_size=21 * 1024 * 1024,
    )
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.document is not None
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(update.message.document.file_id)


async def test_flood_rule_surfaces_as_aiograms_retry_after(
    telegram: FakeTelegram, bot: Bot
) -> None:
    telegram.send_text(USER, "hi")
    telegram.fail("sendMessage", too_many_requests(7))
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(USER.id, "x")
    assert raised.value.retry_after == 7


async def test_forum_topics_lifecycle(telegram: FakeTelegram, bot: Bot) -> None:
    forum = telegram.add_forum("Agents")
    topic = await bot.create_forum_topic(forum, "工单 #12 tg:501")
    sent = await bot.send_message(forum, "new chat", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id
    assert await bot.edit_forum_topic(forum, topic.message_thread_id, name="#12 (claimed)")
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.edit_forum_topic(forum, topic.message_thread_id, name="#12 (claimed)")
    assert await bot.close_forum_topic(forum, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(forum, "x", message_thread_id=topic.message_thread_id)
    assert await bot.reopen_forum_topic(forum, topic.message_thread_id)
    telegram.send_text(USER, "my fridge is warm")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None
    copied = await bot.copy_message(
        forum, USER.id, update.message.message_id, message_thread_id=topic.message_thread_id
    )
    forwarded = await bot.forward_message(
        forum, USER.id, update.message.message_id, message_thread_id=topic.message_thread_id
    )
    assert forwarded.text == "my fridge is warm" and forwarded.forward_origin is not None
    in_topic = [m for m in telegram.sent_messages(forum) if m.get("message_thread_id")]
    assert copied.message_id in [m["message_id"] for m in in_topic]
    assert await bot.delete_forum_topic(forum, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(forum, "x", message_thread_id=topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(USER.id, "no")
    telegram.fail("sendMessage", THREAD_NOT_FOUND)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(forum, "x")


async def test_a_topic_deleted_in_the_app_is_gone_for_the_bot(
    telegram: FakeTelegram, bot: Bot
) -> None:
    forum = telegram.add_forum("Agents")
    kept = await bot.create_forum_topic(forum, "kept")
    deleted = await bot.create_forum_topic(forum, "deleted")
    await bot.send_message(forum, "stays", message_thread_id=kept.message_thread_id)
    await bot.send_message(forum, "goes", message_thread_id=deleted.message_thread_id)

    telegram.delete_topic(forum, deleted.message_thread_id)

    assert list(telegram.forum_topics(forum)) == [kept.message_thread_id]
    assert telegram.topic_messages(forum, deleted.message_thread_id) == []
    kept_messages = telegram.topic_messages(forum, kept.message_thread_id)
    assert kept_messages[0]["forum_topic_created"]["name"] == "kept"
    assert [m.get("text") for m in kept_messages[1:]] == ["stays"]
    for attempt in (
        bot.send_message(forum, "x", message_thread_id=deleted.message_thread_id),
        bot.edit_forum_topic(forum, deleted.message_thread_id, name="renamed"),
        bot.reopen_forum_topic(forum, deleted.message_thread_id),
    ):
        with pytest.raises(TelegramBadRequest, match="message thread not found"):
            await attempt
    with pytest.raises(AssertionError, match="does not exist"):
        telegram.send_text(
            USER, "late reply", chat_id=forum, message_thread_id=deleted.message_thread_id
        )


async def test_media_group_sends_and_is_recorded(telegram: FakeTelegram, bot: Bot) -> None:
    from aiogram.types import InputMediaPhoto

    telegram.send_text(USER, "hi")
    sent = await bot.send_media_group(
        USER.id,
        [
            InputMediaPhoto(media=BufferedInputFile(b"\xff\xd8\xffone", "1.jpg"), caption="two"),
            InputMediaPhoto(media=BufferedInputFile(b"\xff\xd8\xfftwo", "2.jpg")),
        ],
    )
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id
    assert sent[0].caption == "two"
    [call] = telegram.calls("sendMediaGroup")
    assert call.ok and len(call.params["media"]) == 2
