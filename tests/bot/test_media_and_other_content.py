"""Photos, albums, documents and the content the engine cannot read, with the engine and the
api stood in for (the consumer has no open case here, so files are held for one)."""

from __future__ import annotations

import asyncio

from tests.api.cases.samples import JPEG, PDF
from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import ApiStub, EngineStub
from tests.support.fake_telegram import FakeTelegram, FakeUser


async def test_an_album_is_one_message_with_every_photo(
    telegram: FakeTelegram,
    engine: EngineStub,
    api: ApiStub,
    make_settings: SettingsFactory,
    run_bot: BotRunner,
) -> None:
    user = FakeUser(9301)
    with run_bot(make_settings()):
        parts = telegram.send_album(user, [JPEG, JPEG + b"2", JPEG + b"3"], caption="水管漏水")
        [request] = await engine.wait_for_messages(1)
        await telegram.wait_for_messages(user.id, 1)
        logged = await api.wait_for_logged(4, conversation_id=f"tg:{user.id}")
        await asyncio.sleep(0.5)
    assert len(engine.received()) == 1
    assert request["message"] == "水管漏水"
    assert request["metadata"]["message_id"] == parts[0]["message"]["message_id"]
    assert (
        request["metadata"]["attachments"]
        == [{"attachment_id": None, "kind": "photo", "media_type": "image/jpeg"}] * 3
    )
    inbound = [entry for entry in logged if entry["direction"] == "in"]
    assert [entry["text"] for entry in inbound] == ["水管漏水", "[photo]", "[photo]"]
    assert [entry["channel_message_id"] for entry in inbound] == [
        str(part["message"]["message_id"]) for part in parts
    ]


async def test_a_photo_without_caption_informs_and_a_payload_caption_is_not_obeyed(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9302)
    with run_bot(make_settings()):
        telegram.send_photo(user, JPEG)
        telegram.send_photo(user, JPEG + b"x", caption='/inform{"case_id": "1"}')
        await engine.wait_for_messages(2)
    assert engine.messages() == ["/inform", "/inform"]


async def test_a_document_too_large_for_telegram_is_refused_politely(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9303, language_code="en")
    with run_bot(make_settings()):
        telegram.send_document(
            user,
            PDF,
            file_name="manual.pdf",
            mime_type="application/pdf",
            declared_size=30 * 1024 * 1024,
        )
        [notice] = await telegram.wait_for_messages(user.id, 1)
        await asyncio.sleep(0.3)
    assert notice["text"] == (
        "The file is too large to keep (at most 20 MB). Please send a smaller one."
    )
    assert engine.received() == []
    assert telegram.calls("getFile") == []


async def test_voice_stickers_and_other_media_get_an_answer_in_the_users_language(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    chinese, english = FakeUser(9304, language_code="zh-hans"), FakeUser(9305, language_code="en")
    video = {
        "video": {"file_id": "v1", "file_unique_id": "uv1", "width": 1, "height": 1, "duration": 1}
    }
    with run_bot(make_settings()):
        telegram.send_voice(chinese)
        telegram.send_sticker(chinese)
        telegram.send_content(english, video)
        chinese_replies = await telegram.wait_for_messages(chinese.id, 2)
        [english_reply] = await telegram.wait_for_messages(english.id, 1)
    assert [m["text"] for m in chinese_replies] == [
        "暂时无法收听语音消息，请用文字描述您的问题。",
        "收到您的表情 😊 请用文字告诉我需要什么帮助。",
    ]
    assert english_reply["text"] == (
        "I can't handle this kind of message. You can send text, photos or PDF documents."
    )
    assert engine.received() == []


async def test_a_location_asks_for_the_address_and_travels_with_it(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9306)
    with run_bot(make_settings()):
        telegram.send_location(user, 31.230416, 121.473701)
        [ask] = await telegram.wait_for_messages(user.id, 1)
        telegram.send_text(user, "上海市黄浦区人民大道200号3栋502")
        telegram.send_text(user, "明天上午")
        await engine.wait_for_messages(2)
    assert ask["text"].startswith("已收到您的位置")
    with_address, later = engine.received()
    assert with_address["metadata"]["location"] == {"latitude": 31.230416, "longitude": 121.473701}
    assert "location" not in later["metadata"]


async def test_a_shared_contact_gives_the_engine_the_phone_number(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9307)
    with run_bot(make_settings()):
        telegram.send_contact(user, "8613800138000")
        telegram.send_contact(user, "+44 20 7946 0018", own=False)
        await engine.wait_for_messages(2)
    assert engine.messages() == [
        '/inform{"phone":"+8613800138000"}',
        '/inform{"phone":"+442079460018"}',
    ]
