"""Messages in the engine's payload syntax (``/intent{"entity": "value"}``), as Rasa reads
them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.telegram.language import Language, language_named

_SET_LANGUAGE = re.compile(r"^/set_language(?P<entities>\{.*\})$", re.DOTALL)


def intent_payload(intent: str, entities: Mapping[str, Any] | None = None) -> str:
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(dict(entities), ensure_ascii=False, separators=(",", ":"))


def reads_as_payload(text: str) -> bool:
    """Whether the engine would take ``text`` as an intent payload rather than words: a
    user typing one could set any slot, so typed text like this never reaches it."""
    return text.strip().startswith("/")


def chosen_language(payload: str) -> Language | None:
    """The language a ``/set_language{"language": ...}`` payload chooses."""
    match = _SET_LANGUAGE.match(payload.strip())
    if match is None:
        return None
    try:
        entities = json.loads(match.group("entities"))
    except ValueError:
        return None
    value = entities.get("language") if isinstance(entities, dict) else None
    return language_named(value) if isinstance(value, str) else None
