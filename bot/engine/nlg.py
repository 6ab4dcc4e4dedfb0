"""Render domain responses like Rasa's ``TemplatedNaturalLanguageGenerator``.

Variation choice follows Rasa: conditional variations whose slot conditions all hold win
over unconditional ones, channel-specific variations win over generic ones, and one of
the remaining candidates is picked at random (seed the generator for repeatable tests).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping
from typing import Any

from bot.engine.events import BotUttered
from bot.engine.templating import interpolate

_INTERPOLATED_KEYS = ("text", "image", "custom", "buttons", "attachment", "quick_replies")


class ResponseGenerator:
    def __init__(
        self, responses: Mapping[str, list[dict[str, Any]]], rng: random.Random | None = None
    ) -> None:
        self.responses = responses
        self._rng = rng or random.Random()

    def has(self, name: str) -> bool:
        return name in self.responses

    def generate(
        self,
        name: str,
        slots: Mapping[str, Any],
        output_channel: str,
        /,
        **variables: Any,
    ) -> dict[str, Any] | None:
        """A filled copy of one suitable variation, or ``None`` when there is none."""
        candidates = self.variations_for(name, output_channel, slots)
        if not candidates:
            return None
        response = copy.deepcopy(self._rng.choice(candidates))
        values = {**slots, **variables}
        if values:
            for key in _INTERPOLATED_KEYS:
                if key in response:
                    response[key] = interpolate(response[key], values)
        return response

    def variations_for(
        self, name: str, output_channel: str, slots: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        variations = self.responses.get(name, [])
        unconditional = [item for item in variations if item.get("condition") is None]
        conditional = [
            item
            for item in variations
            if item.get("condition") and _conditions_hold(item["condition"], slots)
        ]
        for group in (
            [item for item in conditional if item.get("channel") == output_channel],
            [item for item in unconditional if item.get("channel") == output_channel],
            [item for item in conditional if item.get("channel") is None],
        ):
            if group:
                return group
        return [item for item in unconditional if item.get("channel") is None]


def _conditions_hold(conditions: list[dict[str, Any]], slots: Mapping[str, Any]) -> bool:
    for condition in conditions:
        expected = condition["value"]
        actual = slots.get(condition["name"])
        if isinstance(actual, str) and isinstance(expected, str):
            if actual.casefold() != expected.casefold():
                return False
        elif actual != expected:
            return False
    return True


def bot_utterance(message: dict[str, Any]) -> BotUttered:
    """Rasa's ``create_bot_utterance``: known parts become data, the rest metadata."""
    message = dict(message)
    return BotUttered(
        text=message.pop("text", None),
        data={
            "elements": message.pop("elements", None),
            "quick_replies": message.pop("quick_replies", None),
            "buttons": message.pop("buttons", None),
            "attachment": message.pop("attachment", None) or message.get("image"),
            "image": message.pop("image", None),
            "custom": message.pop("custom", None),
        },
        metadata=message,
    )
