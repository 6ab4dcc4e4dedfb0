"""Checks of slot mappings and responses against the rest of the domain.

Every name a mapping or a response uses (entity, role, group, intent, form, slot, action,
placeholder, button payload) must exist; constructs whose behaviour the engine does not
reproduce are refused. Each problem is a :class:`DataError` at the offending item.
"""

from __future__ import annotations

from typing import Any

from bot.engine.constants import COLLECTOR_CHANNEL
from bot.engine.domain import EntityDefinition, FormDefinition, IntentDefinition
from bot.engine.slots import SlotDefinition
from bot.engine.templating import parse_intent_payload, placeholder_names
from bot.engine.yaml_source import DataError, SourceLocation, location_of

_MAPPING_KEYS = {
    "from_entity": ({"entity"}, {"role", "group", "intent", "not_intent", "conditions"}),
    "from_intent": ({"value"}, {"intent", "not_intent", "conditions"}),
    "from_trigger_intent": ({"value"}, {"intent", "not_intent", "conditions"}),
    "from_text": (set(), {"intent", "not_intent", "conditions"}),
    "custom": (set(), {"action", "conditions"}),
}
_RESPONSE_KEYS = {"text", "buttons", "image", "custom", "condition", "channel", "id", "metadata"}
_UNSUPPORTED_RESPONSE_KEYS = {
    "elements": "carousel elements",
    "quick_replies": "quick replies",
    "attachment": "attachments",
}
#: Channels the engine renders responses for; REST collects replies under this name.
OUTPUT_CHANNELS = frozenset({COLLECTOR_CHANNEL})


def check_mapping(
    slot_name: str,
    mapping: Any,
    where: SourceLocation | None,
    slots: dict[str, SlotDefinition],
    entities: dict[str, EntityDefinition],
    intents: dict[str, IntentDefinition],
    forms: dict[str, FormDefinition],
    custom_actions: list[str],
) -> None:
    construct = f"slot '{slot_name}' mapping"
    if not isinstance(mapping, dict):
        raise DataError(where, construct, "must be a mapping with a type")
    mapping_type = mapping.get("type")
    if mapping_type not in _MAPPING_KEYS:
        raise DataError(where, construct, f"unsupported mapping type {mapping_type!r}")
    required, optional = _MAPPING_KEYS[mapping_type]
    missing = {key for key in required if mapping.get(key) is None}
    if missing:
        raise DataError(where, construct, f"{mapping_type} needs {sorted(missing)}")
    unknown = set(mapping) - required - optional - {"type"}
    if unknown:
        raise DataError(where, construct, f"unsupported keys {sorted(unknown)} for {mapping_type}")
    if mapping_type == "from_entity":
        entity_name = mapping["entity"]
        entity = entities.get(entity_name)
        if entity is None:
            raise DataError(where, construct, f"unknown entity '{entity_name}'")
        if mapping.get("role") is not None and mapping["role"] not in entity.roles:
            raise DataError(
                where, construct, f"entity '{entity_name}' declares no role '{mapping['role']}'"
            )
        if mapping.get("group") is not None and mapping["group"] not in entity.groups:
            raise DataError(
                where, construct, f"entity '{entity_name}' declares no group '{mapping['group']}'"
            )
    for key in ("intent", "not_intent"):
        value = mapping.get(key)
        names = [value] if isinstance(value, str) else value or []
        for intent in string_list(names, where, f"{construct} {key}"):
            if intent not in intents:
                raise DataError(where, construct, f"unknown intent '{intent}' in {key}")
    custom_action = mapping.get("action")
    if (
        mapping_type == "custom"
        and custom_action is not None
        and custom_action not in custom_actions
    ):
        raise DataError(where, construct, f"action '{custom_action}' is not listed under actions")
    conditions = mapping.get("conditions")
    if conditions is None:
        return
    if not isinstance(conditions, list) or not conditions:
        raise DataError(where, construct, "conditions must be a non-empty list")
    for condition in conditions:
        condition_where = location_of(condition, where)
        if not isinstance(condition, dict) or "active_loop" not in condition:
            raise DataError(condition_where, construct, "each condition needs active_loop")
        if set(condition) - {"active_loop", "requested_slot"}:
            raise DataError(
                condition_where, construct, "conditions support active_loop and requested_slot only"
            )
        loop = condition["active_loop"]
        if loop is not None and loop not in forms:
            raise DataError(condition_where, construct, f"unknown form '{loop}' in active_loop")
        requested = condition.get("requested_slot")
        if requested is not None and requested not in slots:
            raise DataError(
                condition_where, construct, f"unknown slot '{requested}' in requested_slot"
            )


def check_variation(
    response: str,
    variation: Any,
    where: SourceLocation | None,
    slots: dict[str, SlotDefinition],
    intents: dict[str, IntentDefinition],
    entities: dict[str, EntityDefinition],
) -> None:
    construct = f"response '{response}'"
    if not isinstance(variation, dict):
        raise DataError(where, construct, "each variation must be a mapping")
    for key in variation:
        if key in _UNSUPPORTED_RESPONSE_KEYS:
            raise DataError(
                where, construct, f"{_UNSUPPORTED_RESPONSE_KEYS[key]} are not supported"
            )
        if key not in _RESPONSE_KEYS:
            raise DataError(where, construct, f"unknown key '{key}'")
    if not any(key in variation for key in ("text", "buttons", "image", "custom")):
        raise DataError(where, construct, "a variation needs text, buttons, image or custom")
    if "text" in variation and not isinstance(variation["text"], str):
        raise DataError(where, construct, "text must be a string")
    _check_placeholders(construct, variation.get("text"), where, slots)
    _check_placeholders(construct, variation.get("image"), where, slots)
    _check_placeholders(construct, variation.get("custom"), where, slots)
    buttons = variation.get("buttons")
    if buttons is not None:
        _check_buttons(construct, buttons, location_of(buttons, where), slots, intents, entities)
    channel = variation.get("channel")
    if channel is not None and channel not in OUTPUT_CHANNELS:
        raise DataError(
            where,
            construct,
            f"channel '{channel}' never applies: replies travel through the REST webhook, "
            f"whose output channel is '{COLLECTOR_CHANNEL}'",
        )
    condition = variation.get("condition")
    if condition is not None:
        if not isinstance(condition, list) or not condition:
            raise DataError(where, construct, "condition must be a non-empty list")
        for constraint in condition:
            constraint_where = location_of(constraint, where)
            if (
                not isinstance(constraint, dict)
                or constraint.get("type") != "slot"
                or set(constraint) != {"type", "name", "value"}
            ):
                raise DataError(
                    constraint_where, construct, "each condition needs type: slot, name and value"
                )
            if constraint["name"] not in slots:
                raise DataError(
                    constraint_where, construct, f"condition on unknown slot '{constraint['name']}'"
                )


def _check_buttons(
    construct: str,
    buttons: Any,
    where: SourceLocation | None,
    slots: dict[str, SlotDefinition],
    intents: dict[str, IntentDefinition],
    entities: dict[str, EntityDefinition],
) -> None:
    if not isinstance(buttons, list) or not buttons:
        raise DataError(where, construct, "buttons must be a non-empty list")
    for button in buttons:
        button_where = location_of(button, where)
        if not isinstance(button, dict) or not {"title", "payload"} <= set(button):
            raise DataError(button_where, construct, "each button needs a title and a payload")
        _check_placeholders(construct, button["title"], button_where, slots)
        payload = button["payload"]
        if not isinstance(payload, str):
            raise DataError(button_where, construct, "a button payload must be a string")
        try:
            parsed = parse_intent_payload(payload)
        except ValueError as error:
            raise DataError(button_where, construct, str(error)) from error
        if parsed is None:
            _check_placeholders(construct, payload, button_where, slots)
            continue
        if parsed.intent not in intents:
            raise DataError(
                button_where, construct, f"button payload names unknown intent '{parsed.intent}'"
            )
        for entity in parsed.entities:
            if entity not in entities:
                raise DataError(
                    button_where, construct, f"button payload names unknown entity '{entity}'"
                )


def _check_placeholders(
    construct: str, value: Any, where: SourceLocation | None, slots: dict[str, SlotDefinition]
) -> None:
    if isinstance(value, str):
        for name in placeholder_names(value):
            if name not in slots:
                raise DataError(
                    where,
                    construct,
                    f"placeholder '{{{name}}}' names no slot "
                    "(write '{{' and '}}' for literal braces)",
                )
    elif isinstance(value, dict):
        for item in value.values():
            _check_placeholders(construct, item, location_of(value, where), slots)
    elif isinstance(value, list):
        for item in value:
            _check_placeholders(construct, item, location_of(value, where), slots)


def string_list(value: Any, where: SourceLocation | None, construct: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DataError(location_of(value, where), construct, "must be a list of names")
    return list(value)


def boolean(value: Any, where: SourceLocation | None, construct: str) -> bool:
    if not isinstance(value, bool):
        raise DataError(where, construct, f"expected true or false, got {value!r}")
    return value


def number(value: Any, where: SourceLocation | None, construct: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(where, construct, f"expected a number, got {value!r}")
    return float(value)
