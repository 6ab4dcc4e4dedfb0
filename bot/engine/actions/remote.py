"""Custom actions run by the rasa-sdk action server."""

from __future__ import annotations

from typing import Any

from bot.engine.action_client import ActionServerError
from bot.engine.actions.base import Action, ActionRuntime
from bot.engine.constants import RASA_VERSION
from bot.engine.events import BotUttered, Event, events_from_dicts
from bot.engine.nlg import bot_utterance
from bot.engine.tracker import EventVerbosity, Tracker


class RemoteAction(Action):
    def __init__(self, action_name: str) -> None:
        self._name = action_name

    def name(self) -> str:
        return self._name

    def request_body(self, runtime: ActionRuntime, tracker: Tracker) -> dict[str, Any]:
        """The body a Rasa 3.6 server posts (the whole domain: no selective domain)."""
        return {
            "next_action": self._name,
            "sender_id": tracker.sender_id,
            "tracker": tracker.current_state(EventVerbosity.ALL),
            "version": RASA_VERSION,
            "domain": runtime.domain.serialised,
        }

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        if runtime.client is None:
            raise ActionServerError(f"no action endpoint configured to run '{self._name}'")
        result = await runtime.client.run(self.request_body(runtime, tracker))
        messages = utter_responses(result["responses"], runtime, tracker)
        return [*messages, *events_from_dicts(result["events"])]


def utter_responses(
    responses: list[dict[str, Any]], runtime: ActionRuntime, tracker: Tracker
) -> list[BotUttered]:
    """Messages the action dispatched; a ``response`` name is rendered from the domain
    with the message's other fields as extra template values, as Rasa does."""
    messages = []
    for raw in responses:
        response = dict(raw)
        name = response.pop("response", None)
        if name:
            draft = runtime.responses.generate(
                name, tracker.slots, runtime.output_channel, **response
            )
            if not draft:
                continue
            draft["utter_action"] = name
        else:
            draft = {}
        buttons = response.pop("buttons", []) or []
        if buttons:
            draft.setdefault("buttons", [])
            draft["buttons"].extend(buttons)
        draft.update({key: value for key, value in response.items() if value})
        messages.append(bot_utterance(draft))
    return messages
