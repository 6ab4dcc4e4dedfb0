"""An unclear message: offer the two most likely requests; the second in a row offers a person."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import REQUEST_INTENTS, language_of, response_text

FALLBACK_INTENT = "nlu_fallback"
CHOICES = 2


class ActionClarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if consecutive_fallbacks(tracker) >= 2:
            dispatcher.utter_message(response="utter_offer_human")
            return []
        ranking = tracker.latest_message.get("intent_ranking") or []
        likely = [item["name"] for item in ranking if item.get("name") in REQUEST_INTENTS]
        if not likely:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        language = language_of(tracker)
        buttons = [
            {
                "title": response_text(domain, f"utter_choice_{intent}", language),
                "payload": f"/{intent}",
            }
            for intent in likely[:CHOICES]
        ]
        dispatcher.utter_message(response="utter_clarify", buttons=buttons)
        return []


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user messages in a row were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count
