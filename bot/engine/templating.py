"""Rasa's response templating: ``{slot}`` placeholders and ``/intent{...}`` payloads."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
_INTENT_PAYLOAD = re.compile(
    r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>{.+})?(?P<rest>.*)", re.DOTALL
)


def placeholder_names(text: str) -> list[str]:
    """Names a text would be filled with; ``{{name}}`` is an escaped literal, not a name."""
    names = []
    for match in _PLACEHOLDER.finditer(text):
        escaped = (
            match.start() > 0
            and text[match.start() - 1] == "{"
            and match.end() < len(text)
            and text[match.end()] == "}"
        )
        if not escaped:
            names.append(match.group(1))
    return names


def interpolate_text(text: str, values: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders exactly as Rasa 3.6 does.

    An unset slot renders as ``None``; a name with no value leaves the whole text as written.
    """
    try:
        formatted = _PLACEHOLDER.sub(r"{0[\1]}", text).format(values)
    except (KeyError, IndexError, ValueError):
        return text
    if "0[" in formatted:
        # A doubled brace escaped a placeholder: Rasa falls back to the unfilled text.
        try:
            return text.format({})
        except (KeyError, IndexError, ValueError):
            return text
    return formatted


def interpolate(value: Any, values: Mapping[str, Any]) -> Any:
    """Fill every string inside ``value`` (text, nested dicts and lists)."""
    if isinstance(value, str):
        return interpolate_text(value, values)
    if isinstance(value, dict):
        return {key: interpolate(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, values) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class IntentPayload:
    intent: str
    entities: dict[str, Any]


def parse_intent_payload(text: str) -> IntentPayload | None:
    """Parse ``/intent`` or ``/intent{"entity": "value"}``; ``None`` for ordinary text.

    Raises ``ValueError`` when the text is meant as a payload but is malformed.
    """
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    match = _INTENT_PAYLOAD.match(stripped)
    if match is None:
        raise ValueError(f"{text!r} starts with '/' but is not an intent payload")
    if match.group("rest"):
        raise ValueError(f"{text!r} has trailing text after its entities")
    entities: dict[str, Any] = {}
    if match.group("entities"):
        try:
            parsed = json.loads(match.group("entities"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{text!r} has entities that are not valid JSON: {error}") from error
        if not isinstance(parsed, dict):
            raise ValueError(f"{text!r} has entities that are not a JSON object")
        entities = parsed
    return IntentPayload(intent=match.group("intent").strip(), entities=entities)
