"""Messages that state their intent: ``/intent``, ``/intent@0.8``, ``/intent{"e": "v"}``.

As Rasa's RegexMessageHandler: the text is stripped; the intent is everything after ``/``
up to ``@`` or ``{``; the confidence is 1.0 unless ``@<number>`` gives another (clamped to
1.0, and 0.0 when it is not a number); the JSON object maps entity names to a value or a
list of values, each entity spanning the JSON text; malformed JSON gives no entities and
anything after the JSON is ignored. The result has no ``text_tokens``, as Rasa's has none.
When ``known_intents`` is given, an unknown intent leaves the message to the classifier
(Rasa checks the domain there); entity names are filtered by ``known_entities`` likewise.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection
from typing import Any

EXTRACTOR_NAME = "RegexMessageHandler"
_PAYLOAD = re.compile(
    r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>\{.+\})?(?P<rest>.*)"
)

logger = logging.getLogger(__name__)


def parse_payload(
    text: str,
    known_intents: Collection[str] | None = None,
    known_entities: Collection[str] | None = None,
) -> dict[str, Any] | None:
    """The parse result of a payload message, or None when ``text`` is not one."""
    stripped = text.strip()
    match = _PAYLOAD.match(stripped)
    if match is None:
        return None
    intent = match.group("intent").strip()
    if not intent or (known_intents is not None and intent not in known_intents):
        return None
    if match.group("rest"):
        logger.warning("ignoring %r after the payload %r", match.group("rest"), stripped)
    confidence = _confidence(match.group("confidence"))
    return {
        "text": stripped,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": _entities(match, known_entities),
    }


def _confidence(written: str | None) -> float:
    if written is None:
        return 1.0
    try:
        return min(float(written[1:]), 1.0)
    except ValueError:
        return 0.0


def _entities(match: re.Match[str], known_entities: Collection[str] | None) -> list[dict[str, Any]]:
    written = match.group("entities")
    if written is None:
        return []
    try:
        parsed = json.loads(written)
    except json.JSONDecodeError:
        logger.warning("payload entities are not valid JSON: %r", written)
        return []
    if not isinstance(parsed, dict):
        logger.warning("payload entities are not a JSON object: %r", written)
        return []
    entities = []
    for name, values in parsed.items():
        if known_entities is not None and name not in known_entities:
            continue
        for value in values if isinstance(values, list) else [values]:
            entities.append(
                {
                    "entity": name,
                    "value": value,
                    "start": match.start("entities"),
                    "end": match.end("entities"),
                    "extractor": EXTRACTOR_NAME,
                }
            )
    return entities
