"""Languages (detected from Telegram, switched with /lang) and the command menu."""

from __future__ import annotations

import asyncio

from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import EngineStub
from tests.support.fake_telegram import FakeTelegram, FakeUser


async def test_the_language_follows_the_telegram_app(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    users = {
        "zh-hans": FakeUser(9501, language_code="zh-hans"),
        "zh-TW": FakeUser(9502, language_code="zh-TW"),
        "en-GB": FakeUser(9503, language_code="en-GB"),
        "de": FakeUser(9504, language_code="de"),
        "none": FakeUser(9505, language_code=None),
    }
    with run_bot(make_settings()):
        for user in users.values():
            telegram.send_text(user, "你好")
        await engine.wait_for_messages(len(users))
    languages = {body["sender"]: body["metadata"]["language"] for body in engine.received()}
    assert languages == {
        "tg:9501": "zh",
        "tg:9502": "zh",
        "tg:9503": "en",
        "tg:9504": "en",
        "tg:9505": "zh",
    }


async def test_lang_offers_a_choice_and_the_choice_sticks(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9506, language_code="zh-hans")
    with run_bot(make_settings()):
        telegram.send_text(user, "/lang")
        [offer] = await telegram.wait_for_messages(user.id, 1)
        telegram.tap(user, offer, text="English")
        await engine.wait_for_messages(1)
        telegram.send_text(user, "my fridge is noisy")
        telegram.send_text(user, "/help")
        messages = await telegram.wait_for_messages(user.id, 4)
    assert offer["text"] == "请选择语言 / Please choose a language:"
    assert [[b["text"] for b in row] for row in offer["reply_markup"]["inline_keyboard"]] == [
        ["中文", "English"]
    ]
    chosen, typed = engine.received()
    assert chosen["message"] == '/set_language{"language":"en"}'
    assert chosen["metadata"]["language"] == "en"
    assert typed["metadata"]["language"] == "en"
    assert messages[0]["text"].endswith("✓ English")
    assert messages[-1]["text"].startswith("I am the after-sales service assistant")


async def test_lang_with_a_name_switches_directly_and_refuses_what_it_cannot_speak(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9507, language_code="en")
    with run_bot(make_settings()):
        telegram.send_text(user, "/lang Klingon")
        [refusal] = await telegram.wait_for_messages(user.id, 1)
        telegram.send_text(user, "/lang 中文")
        await engine.wait_for_messages(1)
        telegram.send_text(user, "/help")
        messages = await telegram.wait_for_messages(user.id, 3)
    assert refusal["text"] == "I can talk in Chinese or English: send /lang zh or /lang en."
    assert engine.messages() == ['/set_language{"language":"zh"}']
    assert messages[-1]["text"].startswith("我是售后服务助手")


async def test_start_greets_and_carries_the_serial_of_a_product_link(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    with run_bot(make_settings()):
        telegram.send_text(FakeUser(9508), "/start SN_gr2301a0012345")
        telegram.send_text(FakeUser(9509), "/start")
        telegram.send_text(FakeUser(9510), "/start SN_<script>")
        telegram.send_text(FakeUser(9511), "/start campaign-2026")
        await engine.wait_for_messages(4)
    said = {body["sender"]: body["message"] for body in engine.received()}
    assert said == {
        "tg:9508": '/inform{"serial_number":"GR2301A0012345"}',
        "tg:9509": "/greet",
        "tg:9510": "/greet",
        "tg:9511": "/greet",
    }


async def test_commands_map_to_intents_and_typed_payloads_never_reach_the_engine(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9512, language_code="en")
    with run_bot(make_settings()):
        for command in ("/status", "/cancel", "/human"):
            telegram.send_text(user, command)
        await engine.wait_for_messages(3)
        telegram.send_text(user, '/inform{"case_id": "77"}')
        telegram.send_text(user, "/unknown")
        telegram.send_text(user, "  /restart")
        messages = await telegram.wait_for_messages(user.id, 6)
        await asyncio.sleep(0.3)
    assert engine.messages() == ["/check_status", "/stop", "/request_human"]
    assert [m["text"] for m in messages[3:]] == [
        "I don't know that command. Send /help to see what I can do."
    ] * 3


async def test_the_menu_is_registered_per_language(
    telegram: FakeTelegram, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    with run_bot(make_settings()):
        pass
    chinese = telegram.commands(language_code="zh", scope="all_private_chats")
    english = telegram.commands(language_code="en", scope="all_private_chats")
    fallback = telegram.commands(scope="all_private_chats")
    names = ["start", "status", "human", "cancel", "lang", "help"]
    assert [c["command"] for c in chinese] == names
    assert [c["command"] for c in english] == names
    assert dict((c["command"], c["description"]) for c in chinese)["human"] == "转人工客服"
    assert dict((c["command"], c["description"]) for c in english)["human"] == "Talk to a person"
    assert fallback == english
