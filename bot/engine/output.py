"""Turn bot utterances into REST webhook replies, as Rasa's ``CollectingOutputChannel``."""

from __future__ import annotations

from typing import Any

from bot.engine.constants import COLLECTOR_CHANNEL
from bot.engine.events import BotUttered


class CollectingOutput:
    """Collects the replies of one request in the REST webhook's format."""

    name = COLLECTOR_CHANNEL

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, recipient_id: str, utterance: BotUttered) -> None:
        message = utterance.message()
        if message.get("quick_replies"):
            self._add(recipient_id, text=message.get("text"), buttons=message["quick_replies"])
        elif message.get("buttons"):
            self._add(recipient_id, text=message.get("text"), buttons=message["buttons"])
        elif message.get("text"):
            for part in message["text"].strip().split("\n\n"):
                self._add(recipient_id, text=part)
        if message.get("custom"):
            self._add(recipient_id, custom=message["custom"])
        if message.get("image"):
            self._add(recipient_id, image=message["image"])
        if message.get("attachment"):
            self._add(recipient_id, attachment=message["attachment"])
        for element in message.get("elements") or []:
            title = f"{element.get('title', '')} : {element.get('subtitle', '')}"
            self._add(recipient_id, text=title, buttons=element.get("buttons", []))

    def _add(self, recipient_id: str, **parts: Any) -> None:
        message = {"recipient_id": recipient_id}
        message.update({key: value for key, value in parts.items() if value is not None})
        self.messages.append(message)
