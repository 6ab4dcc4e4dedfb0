"""Inline buttons (short stored keys, taps answered once, durable across restarts) and
images in the engine's answers."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.conftest import BotRunner, SettingsFactory
from tests.bot.stubs import EngineStub
from tests.support.fake_telegram import FakeTelegram, FakeUser

LONG_PAYLOAD = '/inform{"score":5,"survey_id":"' + "s" * 80 + '"}'


def _survey(body: dict[str, Any]) -> list[dict[str, Any]]:
    if body["message"].startswith("/inform"):
        return [{"recipient_id": body["sender"], "text": "Thank you!"}]
    return [
        {
            "recipient_id": body["sender"],
            "text": "How likely are you to recommend us?",
            "buttons": [
                {"title": str(score), "payload": f'/inform{{"score":{score}}}'}
                for score in range(10, -1, -1)
            ]
            + [{"title": "Very satisfied with everything", "payload": LONG_PAYLOAD}],
        }
    ]


async def test_long_payloads_travel_by_key_and_short_titles_share_rows(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9701, language_code="en")
    engine.answer = _survey
    with run_bot(make_settings()):
        telegram.send_text(user, "survey please")
        [question] = await telegram.wait_for_messages(user.id, 1)
        telegram.tap(user, question, text="Very satisfied with everything")
        await engine.wait_for_messages(2)
    rows = question["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [
        ["10", "9", "8", "7", "6"],
        ["5", "4", "3", "2", "1"],
        ["0"],
        ["Very satisfied with everything"],
    ]
    assert rows[-1][-1]["text"] == "Very satisfied with everything"
    assert engine.messages()[1] == LONG_PAYLOAD


async def test_a_double_tap_is_answered_once(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9702, language_code="en")
    engine.answer = lambda body: [
        {
            "recipient_id": body["sender"],
            "text": "Solved?",
            "buttons": [{"title": "Yes", "payload": "/affirm"}],
        }
    ]
    with run_bot(make_settings()):
        telegram.send_text(user, "hi")
        [question] = await telegram.wait_for_messages(user.id, 1)
        data = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        telegram.tap(user, question, data=data)
        telegram.tap(user, question, data=data)
        answers = await telegram.wait_for_calls("answerCallbackQuery", count=2)
        await asyncio.sleep(0.3)
    assert engine.messages() == ["hi", "/affirm"]
    assert sorted(str(call.params.get("text")) for call in answers) == [
        "None",
        "Your choice was already received.",
    ]


async def test_an_unknown_button_is_answered_and_its_keyboard_removed(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9703)
    engine.answer = lambda body: [
        {
            "recipient_id": body["sender"],
            "text": "选一个",
            "buttons": [{"title": "好", "payload": "/affirm"}],
        }
    ]
    with run_bot(make_settings()):
        telegram.send_text(user, "hi")
        [question] = await telegram.wait_for_messages(user.id, 1)
        telegram.tap(user, question, data="b:forgotten-key")
        telegram.tap(user, question, data="legacy-data")
        answers = await telegram.wait_for_calls("answerCallbackQuery", count=2)
        await telegram.wait_for_calls("editMessageReplyMarkup")
    assert [call.params["text"] for call in answers] == ["该按钮已失效，请直接输入您的回复。"] * 2
    assert engine.messages() == ["hi"]
    [shown] = telegram.sent_messages(user.id)
    assert "reply_markup" not in shown and shown["text"] == "选一个"


async def test_a_button_still_works_after_a_restart(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9704, language_code="en")
    engine.answer = lambda body: [
        {
            "recipient_id": body["sender"],
            "text": f"answer to {body['message']}",
            "buttons": [{"title": "Book a visit", "payload": "/book_visit"}],
        }
    ]
    with run_bot(make_settings()):
        telegram.send_text(user, "hi")
        [question] = await telegram.wait_for_messages(user.id, 1)
    with run_bot(make_settings()):
        telegram.tap(user, question, text="Book a visit", inaccessible=True)
        await engine.wait_for_messages(2)
        await telegram.wait_for_messages(user.id, 2)
    assert engine.messages() == ["hi", "/book_visit"]
    # Telegram no longer shows the old message to the bot: nothing to edit.
    assert telegram.calls("editMessageText") == telegram.calls("editMessageReplyMarkup") == []


async def test_images_are_sent_as_photos_with_their_text_and_buttons(
    telegram: FakeTelegram, engine: EngineStub, make_settings: SettingsFactory, run_bot: BotRunner
) -> None:
    user = FakeUser(9705, language_code="en")
    image = "https://assets.example.com/filters/ac-filter.jpg"
    engine.answer = lambda body: (
        [
            {
                "recipient_id": body["sender"],
                "text": "Clean this filter.",
                "image": image,
                "buttons": [{"title": "Done", "payload": "/affirm"}],
            },
            {"recipient_id": body["sender"], "text": "x" * 5000},
        ]
        if body["message"] == "hi"
        else [{"recipient_id": body["sender"], "text": "Great."}]
    )
    with run_bot(make_settings()):
        telegram.send_text(user, "hi")
        photo, first_part, second_part = await telegram.wait_for_messages(user.id, 3)
        telegram.tap(user, photo, text="Done")
        await telegram.wait_for_calls("editMessageReplyMarkup")
        await engine.wait_for_messages(2)
    assert photo["caption"] == "Clean this filter."
    assert telegram.file_source_url(photo["photo"][-1]["file_id"]) == image
    assert len(first_part["text"]) + len(second_part["text"]) == 5000
    assert "reply_markup" not in telegram.sent_messages(user.id)[0]
    assert engine.messages() == ["hi", "/affirm"]
