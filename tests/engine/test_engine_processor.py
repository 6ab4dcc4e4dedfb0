"""Whole turns through the processor, without an action server (or with a scripted one)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.engine.action_client import ActionServerUnavailable
from bot.engine.events import ConversationPaused, ConversationResumed
from bot.engine.processor import BusyReplies
from bot.engine.tracker_store import TrackerStore
from tests.engine.dialogue_bots import (
    PRODUCT_DOMAIN,
    PRODUCT_KEYWORDS,
    PRODUCT_RULES,
    Bot,
    KeywordParser,
    ScriptedActions,
    after_last_user,
    event_summary,
    start_bot,
    write_bot,
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    product = await start_bot(
        write_bot(tmp_path, PRODUCT_DOMAIN, PRODUCT_RULES), parser=KeywordParser(PRODUCT_KEYWORDS)
    )
    yield product
    await product.close()


async def test_first_message_starts_a_session_like_rasa(bot: Bot) -> None:
    """Rasa's first turn: session start (no policy), listen, the user message, extracted
    slots, the featurisation marker, then the predicted actions; every event is tagged
    with the model and assistant ids."""
    replies = await bot.say('/inform{"brand": "gree"}')
    assert replies == [{"recipient_id": "user", "text": "Which gree model?"}]
    events = await bot.events()
    assert event_summary(events) == [
        ("action", "action_session_start"),
        ("session_started",),
        ("action", "action_listen"),
        ("user", "inform"),
        ("slot", "brand", "gree"),
        ("user_featurization",),
        ("action", "product_form"),
        ("active_loop", "product_form"),
        ("slot", "brand", "gree"),
        ("slot", "requested_slot", "model"),
        ("bot", "Which gree model?"),
        ("action", "action_listen"),
    ]
    assert events[0]["policy"] is None and events[0]["confidence"] == 1.0
    assert events[2]["policy"] is None and events[2]["confidence"] is None
    assert events[6]["policy"] == "RulePolicy" and events[6]["hide_rule_turn"] is True
    assert all(
        event["metadata"]["assistant_id"] == "test_assistant"
        and event["metadata"]["model_id"] == bot.model.fingerprint
        for event in events
    )
    assert events[10]["metadata"]["utter_action"] == "utter_ask_model"


async def test_form_fills_asks_and_submits(bot: Bot) -> None:
    assert await bot.texts('/inform{"brand": "gree"}') == ["Which gree model?"]
    assert await bot.texts("KFR-35GW") == ["Noted: gree KFR-35GW."]
    summary = after_last_user(event_summary(await bot.events()))
    assert summary == [
        ("user", "nlu_fallback"),
        ("slot", "model", "KFR-35GW"),
        ("user_featurization",),
        ("action", "product_form"),
        ("slot", "requested_slot", None),
        ("active_loop", None),
        ("action", "utter_done"),
        ("bot", "Noted: gree KFR-35GW."),
        ("action", "action_listen"),
    ]
    tracker = await bot.processor.conversation("user")
    assert tracker.active_loop is None
    assert tracker.slots["model"] == "KFR-35GW"


async def test_form_asks_every_empty_required_slot_in_order(bot: Bot) -> None:
    assert await bot.texts("/inform") == ["Which brand?"]
    assert await bot.texts('/inform{"brand": "midea"}') == ["Which midea model?"]


async def test_unhappy_path_rule_then_back_to_the_form(bot: Bot) -> None:
    """The form rejects a turn that fills nothing; the chitchat rule answers and the form
    asks again without validating (it was predicted after another action)."""
    await bot.say('/inform{"brand": "gree"}')
    assert await bot.texts("joke") == ["I am the service assistant.", "Which gree model?"]
    summary = after_last_user(event_summary(await bot.events()))
    assert summary == [
        ("user", "chitchat"),
        ("action_execution_rejected", "product_form"),
        ("user_featurization",),
        ("action", "utter_chitchat"),
        ("bot", "I am the service assistant."),
        ("action", "product_form"),
        ("slot", "requested_slot", "model"),
        ("bot", "Which gree model?"),
        ("action", "action_listen"),
    ]


async def test_general_rule_inside_a_form_returns_to_the_form(bot: Bot) -> None:
    """A rule that ends by listening, applied inside a form, hands back to the form."""
    await bot.say('/inform{"brand": "gree"}')
    assert await bot.texts("/greet") == ["Hello!", "Which gree model?"]


async def test_stop_rule_deactivates_the_form(bot: Bot) -> None:
    await bot.say('/inform{"brand": "gree"}')
    assert await bot.texts("stop") == ["Stopped."]
    tracker = await bot.processor.conversation("user")
    assert tracker.active_loop is None
    assert tracker.slots["requested_slot"] is None


async def test_rejection_without_a_rule_reverts_with_the_core_fallback(bot: Bot) -> None:
    await bot.say("/inform")
    assert await bot.texts("thanks") == ["Sorry, say that again?"]
    tracker = await bot.processor.conversation("user")
    assert tracker.latest_message.intent_name == "inform"
    assert tracker.latest_action_name == "action_listen"
    assert tracker.active_loop_name == "product_form"


async def test_core_fallback_reverts_the_user_message(bot: Bot) -> None:
    assert await bot.texts("thanks") == ["Sorry, say that again?"]
    summary = after_last_user(event_summary(await bot.events()))
    assert summary == [
        ("user", "thanks"),
        ("user_featurization",),
        ("action", "action_default_fallback"),
        ("bot", "Sorry, say that again?"),
        ("rewind",),
        ("action", "action_listen"),
    ]
    events = await bot.events()
    fallback = next(event for event in events if event.get("name") == "action_default_fallback")
    assert (fallback["confidence"], fallback["hide_rule_turn"]) == (0.3, False)
    assert await bot.texts("hi") == ["Hello!"]


async def test_nlu_fallback_is_handled_by_rules(bot: Bot) -> None:
    assert await bot.texts("qwerty") == ["I did not understand."]


async def test_conditional_response_variation_follows_the_slot(bot: Bot) -> None:
    assert await bot.texts('/greet{"language": "zh"}') == ["你好！"]


async def test_restart_resets_everything_and_starts_a_new_session(bot: Bot) -> None:
    await bot.say('/inform{"brand": "gree"}')
    assert await bot.texts("restart") == []
    summary = after_last_user(event_summary(await bot.events()))
    assert summary == [
        ("user", "restart"),
        ("user_featurization",),
        ("action", "action_restart"),
        ("restart",),
        ("action", "action_session_start"),
        ("session_started",),
        ("action", "action_listen"),
    ]
    tracker = await bot.processor.conversation("user")
    assert tracker.slots["brand"] is None
    assert tracker.active_loop is None


async def test_back_reverts_two_user_turns(bot: Bot) -> None:
    await bot.say("hi")
    await bot.say('/inform{"brand": "gree"}')
    assert await bot.texts("back") == []
    tracker = await bot.processor.conversation("user")
    assert tracker.latest_message.intent_name == "greet"
    assert tracker.slots["brand"] is None
    assert tracker.active_loop is None


async def test_paused_conversation_records_but_does_not_answer(bot: Bot) -> None:
    await bot.say("hi")
    await bot.processor.append_events("user", [ConversationPaused()])
    assert await bot.say('/inform{"brand": "gree"}') == []
    tracker = await bot.processor.conversation("user")
    assert tracker.paused
    assert tracker.latest_message.intent_name == "inform"
    # Slots are still extracted while paused, as in Rasa.
    assert tracker.slots["brand"] == "gree"
    await bot.processor.append_events("user", [ConversationResumed()])
    assert await bot.texts("hi") == ["Hello!"]


async def test_restart_is_handled_even_when_paused(bot: Bot) -> None:
    await bot.processor.append_events("user", [ConversationPaused()])
    await bot.say("restart")
    tracker = await bot.processor.conversation("user")
    assert not tracker.paused


async def test_session_metadata_is_stored_at_session_start(bot: Bot) -> None:
    await bot.say("hi", channel="telegram", user_id="42")
    tracker = await bot.processor.conversation("user")
    assert tracker.slots["session_started_metadata"] == {"channel": "telegram", "user_id": "42"}
    assert tracker.latest_message.parse_data["metadata"] == {"channel": "telegram", "user_id": "42"}


async def test_expired_session_restarts_and_carries_slots_over(bot: Bot) -> None:
    await bot.say('/inform{"brand": "gree"}')
    with time_machine.travel(time.time() + 61 * 60, tick=True):
        assert await bot.texts("hi") == ["Hello!"]
        tracker = await bot.processor.conversation("user")
    assert tracker.slots["brand"] == "gree"
    assert tracker.active_loop is None
    sessions = [event for event in tracker.events if event.type_name == "session_started"]
    assert len(sessions) == 2


async def test_expired_session_without_carry_over_forgets_slots(tmp_path: Path) -> None:
    domain = PRODUCT_DOMAIN.replace(
        "carry_over_slots_to_new_session: true", "carry_over_slots_to_new_session: false"
    )
    bot = await start_bot(
        write_bot(tmp_path, domain, PRODUCT_RULES), parser=KeywordParser(PRODUCT_KEYWORDS)
    )
    await bot.say('/inform{"brand": "gree"}')
    with time_machine.travel(time.time() + 61 * 60, tick=True):
        await bot.say("hi")
        tracker = await bot.processor.conversation("user")
    assert tracker.slots["brand"] is None
    await bot.close()


async def test_conversation_survives_a_restart_of_the_engine(tmp_path: Path) -> None:
    """Mid-form, a new processor on the same database picks the conversation up."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'engine.sqlite3'}"
    root = write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES)
    first = await start_bot(root, parser=KeywordParser(PRODUCT_KEYWORDS), store_url=url)
    assert await first.texts('/inform{"brand": "gree"}') == ["Which gree model?"]
    await first.close()
    second = await start_bot(root, parser=KeywordParser(PRODUCT_KEYWORDS), store_url=url)
    assert await second.texts("KFR-35") == ["Noted: gree KFR-35."]
    events = await second.events()
    assert len({event["event"] for event in events}) > 5
    await second.close()


async def test_trigger_intent_runs_like_a_user_message(bot: Bot) -> None:
    result = await bot.processor.trigger_intent("user", "greet", {"language": "zh"})
    assert [message["text"] for message in result.messages] == ["你好！"]
    latest = result.tracker.latest_message
    assert latest.text == "EXTERNAL: greet"
    assert latest.metadata["is_external"] is True
    assert result.tracker.slots["language"] == "zh"


ACTIONS_DOMAIN = """\
version: "3.1"
intents: [check, spin, remind, EXTERNAL_ping, greet]
entities: [language]
slots:
  language:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: language
  ticket:
    type: text
    mappings:
      - type: custom
        action: action_fill_ticket
responses:
  utter_pong:
    - text: "pong"
  utter_greet:
    - text: "hello"
actions:
  - action_check
  - action_spin
  - action_remind
  - action_fill_ticket
"""

ACTIONS_RULES = """\
version: "3.1"
rules:
- rule: check
  steps:
  - intent: check
  - action: action_check
- rule: spin
  steps:
  - intent: spin
  - action: action_spin
- rule: remind
  steps:
  - intent: remind
  - action: action_remind
- rule: ping
  steps:
  - intent: EXTERNAL_ping
  - action: utter_pong
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
"""


async def _actions_bot(tmp_path: Path, scripted: ScriptedActions, **options: Any) -> Bot:
    root = write_bot(tmp_path, ACTIONS_DOMAIN, ACTIONS_RULES)
    return await start_bot(root, client=scripted, **options)


async def test_circuit_breaker_stops_after_ten_predictions(tmp_path: Path) -> None:
    scripted = ScriptedActions(
        {
            "action_spin": {
                "events": [{"event": "followup", "timestamp": None, "name": "action_spin"}]
            }
        }
    )
    bot = await _actions_bot(tmp_path, scripted)
    await bot.say("/spin")
    assert scripted.called().count("action_spin") == 10
    await bot.close()


async def test_unreachable_action_server_gets_a_busy_reply_in_the_users_language(
    tmp_path: Path,
) -> None:
    scripted = ScriptedActions({"action_check": ActionServerUnavailable("action_check", "down")})
    bot = await _actions_bot(
        tmp_path, scripted, busy_replies=BusyReplies(zh="忙", en="busy", default_language="zh")
    )
    assert await bot.texts("/check") == ["忙"]
    assert await bot.texts('/check{"language": "en"}') == ["busy"]
    summary = after_last_user(event_summary(await bot.events()))
    assert summary[-3:] == [
        ("bot", "busy"),
        ("followup", "action_listen"),
        ("action", "action_listen"),
    ]
    tracker = await bot.processor.conversation("user")
    assert tracker.latest_message.intent_name == "check"
    await bot.close()


async def test_custom_slot_mapping_runs_its_action_once_per_turn(tmp_path: Path) -> None:
    scripted = ScriptedActions(
        {
            "action_fill_ticket": {
                "events": [{"event": "slot", "timestamp": None, "name": "ticket", "value": "T-1"}]
            }
        }
    )
    bot = await _actions_bot(tmp_path, scripted)
    await bot.say("/greet")
    assert scripted.called() == ["action_fill_ticket"]
    tracker = await bot.processor.conversation("user")
    assert tracker.slots["ticket"] == "T-1"
    await bot.close()


async def test_messages_of_one_conversation_run_in_order_others_in_parallel(
    tmp_path: Path,
) -> None:
    """Concurrent messages of one conversation wait for each other (one action call at a
    time, replies in order); different conversations overlap their action calls."""

    class SlowActions(ScriptedActions):
        def __init__(self) -> None:
            super().__init__()
            self.in_flight: dict[str, int] = {}
            self.most_for_one = 0
            self.most_overall = 0

        async def run(self, body: dict[str, Any]) -> dict[str, Any]:
            self.calls.append(body)
            sender = body["sender_id"]
            self.in_flight[sender] = self.in_flight.get(sender, 0) + 1
            self.most_for_one = max(self.most_for_one, self.in_flight[sender])
            self.most_overall = max(self.most_overall, sum(self.in_flight.values()))
            await asyncio.sleep(0.02)
            self.in_flight[sender] -= 1
            text = body["tracker"]["latest_message"]["text"]
            return {"events": [], "responses": [{"text": text}]}

    actions = SlowActions()
    bot = await _actions_bot(tmp_path, actions)
    same = await asyncio.gather(*(bot.say(f'/check{{"language": "{n}"}}', "a") for n in "xyz"))
    assert [reply[0]["text"] for reply in same] == [
        '/check{"language": "x"}',
        '/check{"language": "y"}',
        '/check{"language": "z"}',
    ]
    assert actions.most_overall == 1
    others = await asyncio.gather(*(bot.say("/check", f"s{n}") for n in range(5)))
    assert all(len(reply) == 1 for reply in others)
    assert actions.most_for_one == 1
    assert actions.most_overall > 1
    summary = event_summary(await bot.events("a"))
    users = [index for index, item in enumerate(summary) if item[0] == "user"]
    for start, end in zip(users, [*users[1:], len(summary)], strict=True):
        assert summary[end - 1] == ("action", "action_listen")
        assert ("action", "action_check") in summary[start:end]
    await bot.close()


async def test_reminder_fires_its_intent_later(tmp_path: Path) -> None:
    from bot.engine.reminders import ReminderScheduler

    fire_at = time.time() + 0.2
    reminder = {
        "event": "reminder",
        "timestamp": None,
        "intent": "EXTERNAL_ping",
        "entities": None,
        "date_time": _iso(fire_at),
        "name": "ping",
        "kill_on_user_msg": False,
    }
    scripted = ScriptedActions({"action_remind": {"events": [reminder]}})
    bot = await _actions_bot(tmp_path, scripted)
    fired: list[list[dict[str, Any]]] = []
    done = asyncio.Event()

    async def fire(stored) -> None:
        fired.append(await bot.processor.fire_reminder(stored))
        done.set()

    scheduler = ReminderScheduler(bot.store, fire)
    bot.processor.reminders = scheduler
    await bot.say("/remind")
    assert scheduler.pending() == [("user", "ping")]
    await _fired(done)
    assert fired == [[{"recipient_id": "user", "text": "pong"}]]
    assert scheduler.pending() == []
    assert await bot.store.reminders() == []
    tracker = await bot.processor.conversation("user")
    assert tracker.latest_message.text == "EXTERNAL: EXTERNAL_ping"
    await scheduler.stop()
    await bot.close()


async def test_reminder_is_dropped_after_a_user_message_when_asked(tmp_path: Path) -> None:
    from bot.engine.reminders import ReminderScheduler

    reminder = {
        "event": "reminder",
        "timestamp": None,
        "intent": "EXTERNAL_ping",
        "entities": None,
        "date_time": _iso(time.time() + 0.2),
        "name": "ping",
        "kill_on_user_msg": True,
    }
    scripted = ScriptedActions({"action_remind": {"events": [reminder]}})
    bot = await _actions_bot(tmp_path, scripted)
    fired: list[list[dict[str, Any]]] = []
    done = asyncio.Event()

    async def fire(stored) -> None:
        fired.append(await bot.processor.fire_reminder(stored))
        done.set()

    scheduler = ReminderScheduler(bot.store, fire)
    bot.processor.reminders = scheduler
    await bot.say("/remind")
    await bot.say("/greet")
    await _fired(done)
    assert fired == [[]]
    await scheduler.stop()
    await bot.close()


async def test_cancelled_reminder_never_fires(tmp_path: Path) -> None:
    from bot.engine.reminders import ReminderScheduler

    reminder = {
        "event": "reminder",
        "timestamp": None,
        "intent": "EXTERNAL_ping",
        "entities": None,
        "date_time": _iso(time.time() + 0.2),
        "name": "ping",
        "kill_on_user_msg": False,
    }
    cancel = {"event": "cancel_reminder", "timestamp": None, "name": "ping"}
    scripted = ScriptedActions(
        {"action_remind": {"events": [reminder]}, "action_check": {"events": [cancel]}}
    )
    bot = await _actions_bot(tmp_path, scripted)
    fired: list[Any] = []

    async def fire(stored) -> None:
        fired.append(stored)

    scheduler = ReminderScheduler(bot.store, fire)
    bot.processor.reminders = scheduler
    await bot.say("/remind")
    await bot.say("/check")
    await asyncio.sleep(0.4)
    assert fired == []
    assert await bot.store.reminders() == []
    await scheduler.stop()
    await bot.close()


async def test_pending_reminders_reload_after_a_restart(tmp_path: Path) -> None:
    from bot.engine.reminders import ReminderScheduler
    from bot.engine.tracker_store import StoredReminder

    bot = await _actions_bot(tmp_path, ScriptedActions())
    await bot.store.save_reminder(
        StoredReminder("user", "old", "EXTERNAL_ping", None, time.time() - 5, False)
    )
    fired: list[str] = []
    done = asyncio.Event()

    async def fire(stored) -> None:
        fired.append(stored.name)
        done.set()

    scheduler = ReminderScheduler(bot.store, fire)
    await scheduler.start()
    await _fired(done)
    assert fired == ["old"]
    await scheduler.stop()
    await bot.close()


async def _fired(done: asyncio.Event) -> None:
    async with asyncio.timeout(5):
        await done.wait()


def _iso(timestamp: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(timestamp).isoformat()


async def test_unreachable_validation_keeps_no_unvalidated_slot(tmp_path: Path) -> None:
    """When ``validate_<form>`` cannot be reached, the slots the user just gave are put
    back to their previous values, the user reads the busy reply, and the form asks for
    the same slot again once the action server is back."""
    down = {"value": False}

    def validate(body: dict[str, Any]) -> dict[str, Any]:
        if down["value"]:
            raise ActionServerUnavailable("validate_product_form", "down")
        return {"events": [], "responses": []}

    scripted = ScriptedActions({"validate_product_form": validate})
    domain = PRODUCT_DOMAIN + "actions:\n  - validate_product_form\n"
    bot = await start_bot(
        write_bot(tmp_path, domain, PRODUCT_RULES),
        parser=KeywordParser(PRODUCT_KEYWORDS),
        client=scripted,
        busy_replies=BusyReplies(zh="忙", en="busy"),
    )
    assert await bot.texts("/inform") == ["Which brand?"]
    down["value"] = True
    assert await bot.texts('/inform{"brand": "gree"}') == ["忙"]
    tracker = await bot.processor.conversation("user")
    assert tracker.slots["brand"] is None
    assert tracker.slots["requested_slot"] == "brand"
    assert tracker.active_loop_name == "product_form"
    down["value"] = False
    assert await bot.texts('/inform{"brand": "midea"}') == ["Which midea model?"]
    await bot.close()


async def test_custom_session_start_that_cannot_run_is_skipped(tmp_path: Path) -> None:
    """An overridden ``action_session_start`` that cannot reach the action server loses
    its events, as in Rasa, except the listen it ends with; the turn goes on without a
    busy reply."""
    domain = ACTIONS_DOMAIN.replace(
        "  - action_check\n", "  - action_check\n  - action_session_start\n"
    )
    scripted = ScriptedActions(
        {"action_session_start": ActionServerUnavailable("action_session_start", "down")}
    )
    bot = await start_bot(write_bot(tmp_path, domain, ACTIONS_RULES), client=scripted)
    assert await bot.texts("/greet") == ["hello"]
    summary = event_summary(await bot.events())
    assert summary[:3] == [
        ("action", "action_session_start"),
        ("action", "action_listen"),
        ("user", "greet"),
    ]
    assert ("session_started",) not in summary
    await bot.close()


async def test_a_failing_turn_keeps_what_it_logged(tmp_path: Path) -> None:
    class ExplodingParser(KeywordParser):
        def parse(self, text: str) -> dict[str, Any]:
            if text == "boom":
                raise RuntimeError("parser failure")
            return super().parse(text)

    bot = await start_bot(
        write_bot(tmp_path, PRODUCT_DOMAIN, PRODUCT_RULES), parser=ExplodingParser(PRODUCT_KEYWORDS)
    )
    with pytest.raises(RuntimeError):
        await bot.say("boom")
    stored = await bot.store.load_events("user")
    assert [event["event"] for event in stored] == ["action", "session_started", "action"]
    assert await bot.texts("hi") == ["Hello!"]
    await bot.close()


@dataclass
class StoreReader(ScriptedActions):
    """Reads what the engine has stored of the conversation when ``action_spin`` runs."""

    store: TrackerStore | None = None
    stored_when_spinning: list[dict[str, Any]] = field(default_factory=list)

    async def run(self, body: dict[str, Any]) -> dict[str, Any]:
        if body["next_action"] == "action_spin" and self.store is not None:
            self.stored_when_spinning = await self.store.load_events(body["sender_id"])
        return await super().run(body)


async def test_a_custom_actions_events_are_stored_before_the_turn_goes_on(tmp_path: Path) -> None:
    """An engine that dies after an action opened a case must not leave a conversation in
    which another replica opens it again: the action's events are saved at once."""
    ticket = {"event": "slot", "timestamp": None, "name": "ticket", "value": "T-9"}
    spin_once = {"event": "followup", "timestamp": None, "name": "action_spin"}
    scripted = StoreReader({"action_check": {"events": [ticket, spin_once]}})
    bot = await _actions_bot(tmp_path, scripted)
    scripted.store = bot.store
    await bot.say("/check")
    stored = event_summary(scripted.stored_when_spinning)
    assert after_last_user(stored)[-3:] == [
        ("action", "action_check"),
        ("slot", "ticket", "T-9"),
        ("followup", "action_spin"),
    ]
    await bot.close()
