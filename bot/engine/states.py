"""Dialogue states: Rasa's featurisation of a tracker's history, one state per action.

A state has up to four parts: the latest user message (intent and featurised entities),
the featurised slots, the previous action and the active loop. Rules are sequences of
such states; a rule applies when its states match the end of the conversation's states.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot.engine.constants import ACTION_LISTEN, RULE_SNIPPET_ACTION, SHOULD_NOT_BE_SET
from bot.engine.events import ActionExecuted
from bot.engine.tracker import Tracker

State = dict[str, dict[str, Any]]

USER = "user"
SLOTS = "slots"
PREVIOUS_ACTION = "prev_action"
ACTIVE_LOOP = "active_loop"


def user_sub_state(tracker: Tracker) -> dict[str, Any]:
    message = tracker.latest_message
    if message.is_empty():
        return {}
    use_text = message.use_text_for_featurization
    sub_state: dict[str, Any] = {}
    if message.text and use_text in (None, True):
        sub_state["text"] = message.text
    if message.intent_name and not use_text:
        sub_state["intent"] = message.intent_name
    if message.entities and not use_text:
        labels = message.entity_labels()
        wanted = tracker.domain.used_entities(message.intent_name)
        featurised = {label for label in labels if label is not None}
        if wanted is not None:
            featurised &= wanted
        if featurised:
            sub_state["entities"] = tuple(sorted(featurised))
    return sub_state


def slots_sub_state(tracker: Tracker, omit_unset_slots: bool) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for name, definition in tracker.domain.slots.items():
        value = tracker.slots.get(name)
        feature = definition.as_feature(value)
        if not feature:
            continue
        if omit_unset_slots and name not in tracker.slots_set:
            continue
        if value == SHOULD_NOT_BE_SET:
            slots[name] = SHOULD_NOT_BE_SET
        elif any(feature):
            slots[name] = tuple(feature)
    return slots


def active_state(tracker: Tracker, *, omit_unset_slots: bool = False) -> State:
    state: State = {}
    user = user_sub_state(tracker)
    if user:
        state[USER] = user
    slots = slots_sub_state(tracker, omit_unset_slots)
    if slots:
        state[SLOTS] = slots
    if tracker.latest_action:
        state[PREVIOUS_ACTION] = dict(tracker.latest_action)
    if tracker.active_loop is not None:
        state[ACTIVE_LOOP] = {"name": tracker.active_loop.name}
    return state


def past_states(
    tracker: Tracker, *, omit_unset_slots: bool = False, last: int | None = None
) -> list[State]:
    """The state before every applied action, plus the current state.

    With ``last``, only the final ``last`` states are built (the events before them are
    still replayed): rules never look further back than their own length.
    """
    applied = tracker.applied_events()
    total = sum(isinstance(event, ActionExecuted) for event in applied) + 1
    first_kept = 0 if last is None else max(0, total - last)
    replay = Tracker(tracker.sender_id, tracker.domain)
    states = []
    position = 0
    for event in applied:
        if isinstance(event, ActionExecuted):
            if position >= first_kept:
                states.append(active_state(replay, omit_unset_slots=omit_unset_slots))
            position += 1
        replay.events.append(event)
        event.apply_to(replay)
    states.append(active_state(replay, omit_unset_slots=omit_unset_slots))
    _remove_user_text_if_intent(states)
    return states


def prediction_states(tracker: Tracker, *, last: int | None = None) -> list[State]:
    """States for an intent-based prediction (the last user input featurised by intent)."""
    states = past_states(tracker, last=last)
    last = states[-1]
    if is_prev_action_listen(last):
        last.get(USER, {}).pop("text", None)
    return states


def training_examples(tracker: Tracker) -> Iterator[tuple[list[State], str]]:
    """``(states so far, action)`` for every predictable action of a rule tracker."""
    states = past_states(tracker, omit_unset_slots=True)
    label_index = 0
    for event in tracker.applied_events():
        if not isinstance(event, ActionExecuted):
            continue
        label_index += 1
        if event.unpredictable:
            continue
        yield states[:label_index], event.action_name or ""


def _remove_user_text_if_intent(states: list[State]) -> None:
    for state in states:
        user = state.get(USER, {})
        if user.get("intent") and user.get("text"):
            del user["text"]


def is_prev_action_listen(state: State) -> bool:
    return state.get(PREVIOUS_ACTION, {}).get("action_name") == ACTION_LISTEN


def is_rule_snippet_state(state: State) -> bool:
    return state.get(PREVIOUS_ACTION, {}).get("action_name") == RULE_SNIPPET_ACTION


def active_loop_name(state: State) -> str | None:
    name = state.get(ACTIVE_LOOP, {}).get("name")
    return None if name == SHOULD_NOT_BE_SET else name


def feature_key(states: list[State]) -> str | None:
    """Rasa's rule key: the states after the last ``...`` snippet, as sorted JSON."""
    kept: list[State] = []
    for state in reversed(states):
        if is_rule_snippet_state(state):
            break
        kept.insert(0, state)
    if not kept:
        return None
    return json.dumps(kept, sort_keys=True)


def states_from_key(key: str) -> list[State]:
    """Parse a rule key back into states (JSON lists become tuples again)."""
    return [
        {
            part: {
                name: tuple(value) if isinstance(value, list) else value
                for name, value in sub.items()
            }
            for part, sub in state.items()
        }
        for state in json.loads(key)
    ]
