"""``action_extract_slots``: fill slots from the latest user message through the slot
mappings, after every user turn and when a form activates (Rasa 3's global mappings)."""

from __future__ import annotations

import json
from typing import Any

import structlog

from bot.engine.action_client import ActionRejected, ActionServerError
from bot.engine.actions.base import Action, ActionRuntime
from bot.engine.actions.remote import RemoteAction
from bot.engine.constants import (
    ACTION_EXTRACT_SLOTS,
    ACTION_VALIDATE_SLOT_MAPPINGS,
    REQUESTED_SLOT,
)
from bot.engine.domain import Domain
from bot.engine.events import BotUttered, Event, SlotSet, UnsupportedEventError
from bot.engine.slots import SlotType
from bot.engine.tracker import Tracker

logger = structlog.get_logger(__name__)


class ActionExtractSlots(Action):
    def name(self) -> str:
        return ACTION_EXTRACT_SLOTS

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        domain = runtime.domain
        slot_events: list[Event] = []
        executed_custom_actions: set[str] = set()
        for slot in domain.user_slots:
            for mapping in slot.mappings:
                if not intent_is_desired(mapping, tracker, domain):
                    continue
                if not _verify_mapping_conditions(mapping, tracker, slot.name):
                    continue
                if _fails_unique_entity_mapping_check(slot.name, mapping, tracker, domain):
                    continue
                mapping_type = mapping["type"]
                values = [] if mapping_type == "custom" else _predefined_value(mapping, tracker)
                if values:
                    value = values if slot.type is SlotType.LIST else values[-1]
                    if value is not None or tracker.get_slot(slot.name) is not None:
                        slot_events.append(SlotSet(slot.name, value))
                        break
                custom_action = mapping.get("action")
                if (
                    mapping_type == "custom"
                    and custom_action
                    and custom_action not in executed_custom_actions
                ):
                    executed_custom_actions.add(custom_action)
                    slot_events.extend(await _run_custom_action(custom_action, runtime, tracker))
        return await _validate(slot_events, runtime, tracker)


def intent_is_desired(mapping: dict[str, Any], tracker: Tracker, domain: Domain) -> bool:
    intents = _as_list(mapping.get("intent"))
    not_intents = _as_list(mapping.get("not_intent"))
    loop = tracker.active_loop_name
    if loop:
        conditions = mapping.get("conditions")
        loop_matches = not conditions or any(
            condition.get("active_loop") == loop for condition in conditions
        )
        form = domain.forms.get(loop)
        if loop_matches and form is not None:
            not_intents = not_intents + list(form.ignored_intents)
    intent = tracker.latest_message.intent_name
    return (not intents and intent not in not_intents) or intent in intents


def _verify_mapping_conditions(mapping: dict[str, Any], tracker: Tracker, slot_name: str) -> bool:
    conditions = mapping.get("conditions")
    if not conditions or mapping["type"] == "from_trigger_intent":
        return True
    if tracker.is_active_loop_rejected and tracker.get_slot(REQUESTED_SLOT) == slot_name:
        return False
    for condition in conditions:
        loop = condition.get("active_loop")
        if loop and loop == tracker.active_loop_name:
            requested = condition.get("requested_slot")
            if not requested or requested == tracker.get_slot(REQUESTED_SLOT):
                return True
        if loop is None and tracker.active_loop_name is None:
            return True
    return False


def _fails_unique_entity_mapping_check(
    slot_name: str, mapping: dict[str, Any], tracker: Tracker, domain: Domain
) -> bool:
    """While a form runs, an entity that could fill several of its slots fills only the
    requested one."""
    if mapping["type"] != "from_entity":
        return False
    form = tracker.active_loop_name
    if not form or tracker.get_slot(REQUESTED_SLOT) == slot_name:
        return False
    if slot_name not in domain.required_slots(form):
        return False
    return not entity_mapping_is_unique(mapping, form, domain)


def entity_mapping_is_unique(mapping: dict[str, Any], form: str, domain: Domain) -> bool:
    unique: set[str] = set()
    duplicates: set[str] = set()
    for slot_name in domain.required_slots(form):
        for candidate in domain.slots[slot_name].mappings:
            if candidate.get("type") != "from_entity":
                continue
            text = json.dumps(candidate, sort_keys=True)
            if text in unique:
                unique.remove(text)
                duplicates.add(text)
            elif text not in duplicates:
                unique.add(text)
    return json.dumps(mapping, sort_keys=True) in unique


def _predefined_value(mapping: dict[str, Any], tracker: Tracker) -> list[Any]:
    mapping_type = mapping["type"]
    if mapping_type == "from_entity":
        if not _entity_is_desired(mapping, tracker):
            return []
        return list(
            tracker.get_latest_entity_values(
                mapping["entity"], mapping.get("role"), mapping.get("group")
            )
        )
    if mapping_type == "from_intent":
        return [mapping.get("value")]
    if mapping_type == "from_text":
        return [tracker.latest_message.text]
    if mapping_type == "from_trigger_intent":
        loop = tracker.active_loop_name
        loops_in_conditions = [
            condition.get("active_loop") for condition in mapping.get("conditions", [])
        ]
        if loop is None or (loops_in_conditions and loop not in loops_in_conditions):
            return []
        return [mapping.get("value")]
    return []


def _entity_is_desired(mapping: dict[str, Any], tracker: Tracker) -> bool:
    return any(
        mapping.get("entity") == entity.get("entity")
        and mapping.get("role") == entity.get("role")
        and mapping.get("group") == entity.get("group")
        for entity in tracker.latest_message.entities
    )


async def _run_custom_action(
    action_name: str, runtime: ActionRuntime, tracker: Tracker
) -> list[Event]:
    """Slot and bot events of a custom mapping's action; its failure only costs its slots
    (Rasa logs it and goes on), but an unreachable action server is reported upwards."""
    try:
        events = await RemoteAction(action_name).run(runtime, tracker)
    except (ActionRejected, ActionServerError, UnsupportedEventError) as error:
        logger.warning("extract_slots.custom_action.failed", action=action_name, error=str(error))
        return []
    kept = [event for event in events if isinstance(event, SlotSet | BotUttered)]
    for event in events:
        if not isinstance(event, SlotSet | BotUttered):
            logger.info("extract_slots.event.disallowed", action=action_name, event=event.type_name)
    return kept


async def _validate(
    extracted: list[Event], runtime: ActionRuntime, tracker: Tracker
) -> list[Event]:
    slot_events = [event for event in extracted if isinstance(event, SlotSet)]
    if ACTION_VALIDATE_SLOT_MAPPINGS not in runtime.domain.user_actions:
        return list(slot_events)
    temporary = Tracker.from_events(
        tracker.sender_id, [*tracker.events_after_latest_restart(), *slot_events], runtime.domain
    )
    validated = await _run_custom_action(ACTION_VALIDATE_SLOT_MAPPINGS, runtime, temporary)
    validated_names = {event.key for event in validated if isinstance(event, SlotSet)}
    return [*validated, *(event for event in slot_events if event.key not in validated_names)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
