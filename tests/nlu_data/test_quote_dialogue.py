"""The project's rules route a quote: the backend's EXTERNAL_quote_ready presents it, and a
yes or a no (typed or tapped) while it is awaited decides it, also inside a conversation that
was doing something else. The project's domain and rules, with the actions scripted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.engine.dialogue_bots import Bot, KeywordParser, ScriptedActions, start_bot

DATA_DIR = Path(__file__).resolve().parents[2] / "nlu_data"
CONVERSATION = "tg:6601"


def _slot(name: str, value: object) -> dict[str, object]:
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


@pytest.fixture
async def conversation() -> AsyncIterator[tuple[Bot, ScriptedActions]]:
    scripted = ScriptedActions(
        {
            "action_present_quote": {
                "events": [_slot("quote_id", "12"), _slot("awaiting", "quote_decision")],
                "responses": [{"text": "报价：合计 ¥270。是否同意？"}],
            },
            "action_decide_quote": {
                "events": [_slot("awaiting", None)],
                "responses": [{"text": "好的，已确认报价。"}],
            },
        }
    )
    bot = await start_bot(DATA_DIR, parser=KeywordParser(), client=scripted)
    yield bot, scripted
    await bot.close()


@pytest.mark.parametrize("answer", ["/affirm", "/deny"])
async def test_a_quote_is_presented_and_decided(
    conversation: tuple[Bot, ScriptedActions], answer: str
) -> None:
    bot, scripted = conversation
    await bot.say("/greet", sender=CONVERSATION)  # the consumer who reported the fault
    shown = await bot.processor.trigger_intent(
        CONVERSATION, "EXTERNAL_quote_ready", {"quote_id": 12, "visit_id": 5}
    )
    decided = await bot.say(answer, sender=CONVERSATION)

    assert [message.get("text") for message in shown.messages] == ["报价：合计 ¥270。是否同意？"]
    assert [message.get("text") for message in decided] == ["好的，已确认报价。"]
    assert scripted.called()[-2:] == ["action_present_quote", "action_decide_quote"]
    tracker = await bot.processor.conversation(CONVERSATION)
    assert tracker.slots["visit_id"] == 5
    assert tracker.slots["awaiting"] is None
