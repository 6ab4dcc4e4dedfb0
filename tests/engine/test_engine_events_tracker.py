"""Events serialise as Rasa's ``Event.as_dict`` and change the tracker as Rasa's do."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.engine.domain import Domain
from bot.engine.domain_loader import domain_paths, load_domain
from bot.engine.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    FollowupAction,
    LoopInterrupted,
    ReminderCancelled,
    ReminderScheduled,
    Restarted,
    SessionStarted,
    SlotSet,
    UnsupportedEventError,
    UserUtteranceReverted,
    UserUttered,
    event_from_dict,
)
from bot.engine.tracker import EventVerbosity, Tracker
from tests.engine.dialogue_bots import PRODUCT_DOMAIN, write_bot


@pytest.fixture
def domain(tmp_path: Path) -> Domain:
    return load_domain(domain_paths(write_bot(tmp_path, PRODUCT_DOMAIN)))


def _user(intent: str, text: str | None = None, **entities: str) -> UserUttered:
    entity_list = [{"entity": name, "value": value} for name, value in entities.items()]
    return UserUttered(text or intent, {"name": intent, "confidence": 1.0}, entity_list)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            SlotSet("brand", "gree", 1.0),
            {"event": "slot", "timestamp": 1.0, "name": "brand", "value": "gree"},
        ),
        (
            ActionExecuted("utter_greet", "RulePolicy", 1.0, 2.0, hide_rule_turn=True),
            {
                "event": "action",
                "timestamp": 2.0,
                "name": "utter_greet",
                "policy": "RulePolicy",
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": True,
            },
        ),
        (
            ActiveLoop("product_form", 3.0),
            {"event": "active_loop", "timestamp": 3.0, "name": "product_form"},
        ),
        (
            FollowupAction("utter_greet", 4.0),
            {"event": "followup", "timestamp": 4.0, "name": "utter_greet"},
        ),
        (Restarted(5.0), {"event": "restart", "timestamp": 5.0}),
        (AllSlotsReset(6.0), {"event": "reset_slots", "timestamp": 6.0}),
        (ConversationPaused(7.0), {"event": "pause", "timestamp": 7.0}),
        (ConversationResumed(8.0), {"event": "resume", "timestamp": 8.0}),
        (
            SessionStarted(9.0, {"model_id": "m"}),
            {"event": "session_started", "timestamp": 9.0, "metadata": {"model_id": "m"}},
        ),
        (UserUtteranceReverted(10.0), {"event": "rewind", "timestamp": 10.0}),
        (
            LoopInterrupted(True, 11.0),
            {"event": "loop_interrupted", "timestamp": 11.0, "is_interrupted": True},
        ),
        (
            ActionExecutionRejected("product_form", "RulePolicy", 1.0, 12.0),
            {
                "event": "action_execution_rejected",
                "timestamp": 12.0,
                "name": "product_form",
                "policy": "RulePolicy",
                "confidence": 1.0,
            },
        ),
        (
            DefinePrevUserUtteredFeaturization(False, 13.0),
            {"event": "user_featurization", "timestamp": 13.0, "use_text_for_featurization": False},
        ),
        (
            BotUttered("hi", {"buttons": None}, {"utter_action": "utter_greet"}, 14.0),
            {
                "event": "bot",
                "timestamp": 14.0,
                "metadata": {"utter_action": "utter_greet"},
                "text": "hi",
                "data": {"buttons": None},
            },
        ),
        (
            ReminderScheduled(
                "EXTERNAL_ping", datetime(2030, 1, 2, 3, 4, 5), None, "r1", True, 15.0
            ),
            {
                "event": "reminder",
                "timestamp": 15.0,
                "intent": "EXTERNAL_ping",
                "date_time": "2030-01-02T03:04:05",
                "entities": None,
                "name": "r1",
                "kill_on_user_msg": True,
            },
        ),
        (ReminderCancelled("r1", timestamp=16.0), {"event": "cancel_reminder", "timestamp": 16.0}),
    ],
)
def test_events_serialise_like_rasa(event, expected) -> None:
    assert event.as_dict() == expected


def test_user_event_shape_and_round_trip() -> None:
    """The user event keeps the parse data (plus message id and metadata), as in Rasa."""
    event = UserUttered.create_message(
        "gree please",
        {
            "text": "gree please",
            "intent": {"name": "inform", "confidence": 0.9},
            "entities": [{"entity": "brand", "value": "gree", "start": 0, "end": 4}],
            "intent_ranking": [{"name": "inform", "confidence": 0.9}],
        },
        "rest",
        None,
    )
    data = event.as_dict()
    assert set(data) == {
        "event",
        "timestamp",
        "text",
        "parse_data",
        "input_channel",
        "message_id",
        "metadata",
    }
    assert data["parse_data"]["message_id"] == data["message_id"]
    assert data["parse_data"]["metadata"] == {}
    assert data["parse_data"]["intent_ranking"] == [{"name": "inform", "confidence": 0.9}]
    again = event_from_dict(data)
    assert again.as_dict() == data


@pytest.mark.parametrize(
    "data",
    [
        {"event": "session_ended", "timestamp": None},
        {"event": "export", "timestamp": None},
        {"event": "form", "name": "f"},
        {"event": "action"},
        {"event": "slot", "value": 1},
        {"no_event": True},
        ["not", "a", "dict"],
    ],
)
def test_unknown_or_malformed_events_are_refused(data) -> None:
    with pytest.raises(UnsupportedEventError):
        event_from_dict(data)


def test_fresh_tracker_state_matches_rasa(domain: Domain) -> None:
    state = Tracker("s1", domain).current_state(EventVerbosity.ALL)
    assert state == {
        "sender_id": "s1",
        "slots": {
            "brand": None,
            "model": None,
            "language": None,
            "requested_slot": None,
            "session_started_metadata": None,
        },
        "latest_message": {
            "intent": {},
            "entities": [],
            "text": None,
            "message_id": None,
            "metadata": {},
        },
        "latest_event_time": None,
        "followup_action": "action_listen",
        "paused": False,
        "events": [],
        "latest_input_channel": None,
        "active_loop": {},
        "latest_action": {},
        "latest_action_name": None,
    }


def test_rewind_removes_the_user_turn_and_the_listen_before_it(domain: Domain) -> None:
    """``UserUtteranceReverted`` undoes back to (and including) the last user message and
    the action before it, as Rasa's ``action_default_fallback`` relies on."""
    tracker = Tracker.from_events(
        "s",
        [
            ActionExecuted("action_listen"),
            _user("greet", "hi"),
            ActionExecuted("utter_greet"),
            ActionExecuted("action_listen"),
            _user("inform", brand="gree"),
            SlotSet("brand", "gree"),
            ActionExecuted("action_default_fallback"),
            UserUtteranceReverted(),
        ],
        domain,
    )
    assert tracker.latest_action_name == "utter_greet"
    assert tracker.latest_message.intent_name == "greet"
    assert tracker.get_slot("brand") is None
    assert [type(event).__name__ for event in tracker.applied_events()] == [
        "ActionExecuted",
        "UserUttered",
        "ActionExecuted",
    ]


def test_restart_and_session_start_reset_state(domain: Domain) -> None:
    tracker = Tracker.from_events(
        "s", [SlotSet("brand", "gree"), ActiveLoop("product_form"), Restarted()], domain
    )
    assert tracker.get_slot("brand") is None
    assert tracker.active_loop is None
    assert tracker.followup_action == "action_session_start"
    tracker.update(SessionStarted())
    assert tracker.applied_events() == []


def test_list_slot_values_are_wrapped_and_unknown_slots_ignored(tmp_path: Path) -> None:
    domain = load_domain(
        domain_paths(write_bot(tmp_path, "slots:\n  tags:\n    type: list\n    mappings: []\n"))
    )
    tracker = Tracker.from_events("s", [SlotSet("tags", "one"), SlotSet("ghost", 1)], domain)
    assert tracker.get_slot("tags") == ["one"]
    assert "ghost" not in tracker.slots


def test_pause_resume_and_followup(domain: Domain) -> None:
    tracker = Tracker.from_events(
        "s", [ConversationPaused(), FollowupAction("utter_greet")], domain
    )
    assert tracker.paused
    assert tracker.followup_action == "utter_greet"
    tracker.update(ConversationResumed())
    tracker.update(ActionExecuted("utter_greet"))
    assert not tracker.paused
    assert tracker.followup_action is None


def test_loop_rejection_and_interruption_flags(domain: Domain) -> None:
    tracker = Tracker.from_events(
        "s",
        [_user("inform"), ActiveLoop("product_form"), ActionExecutionRejected("product_form")],
        domain,
    )
    assert tracker.is_active_loop_rejected
    assert tracker.active_loop is not None
    assert tracker.active_loop.trigger_message is not None
    assert tracker.active_loop.trigger_message["intent"]["name"] == "inform"
    tracker.update(LoopInterrupted(True))
    assert tracker.is_active_loop_interrupted
    tracker.update(ActionExecuted("product_form"))
    assert not tracker.is_active_loop_rejected
    assert not tracker.is_active_loop_interrupted


def test_happy_form_turns_collapse_in_applied_events(domain: Domain) -> None:
    """Rasa hides a form's happy-path turns from the history the policy sees: after the
    form runs again, the events since its previous run are dropped from applied events."""
    tracker = Tracker.from_events(
        "s",
        [
            ActionExecuted("action_listen"),
            _user("inform"),
            ActionExecuted("product_form"),
            ActiveLoop("product_form"),
            ActionExecuted("action_listen"),
            _user("inform", "KFR-35"),
            SlotSet("model", "KFR-35"),
            ActionExecuted("product_form"),
        ],
        domain,
    )
    applied = [
        getattr(event, "action_name", None) or type(event).__name__
        for event in tracker.applied_events()
    ]
    assert applied == ["action_listen", "UserUttered", "product_form", "ActiveLoop", "SlotSet"]


def test_metadata_tags_new_events_with_model_and_assistant(domain: Domain) -> None:
    tracker = Tracker("s", domain)
    tracker.model_id, tracker.assistant_id = "model-1", "assistant-1"
    tracker.update(ActionExecuted("action_listen"))
    assert tracker.events[0].metadata == {"model_id": "model-1", "assistant_id": "assistant-1"}
    assert tracker.copy().model_id is None
