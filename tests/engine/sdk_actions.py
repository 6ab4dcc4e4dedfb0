"""Custom actions the real rasa-sdk action server runs for the engine tests."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.types import DomainDict


class ValidateProductForm(FormValidationAction):
    def name(self) -> str:
        return "validate_product_form"

    def validate_model(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value).strip().upper()
        if text.startswith("KFR"):
            return {"model": text}
        dispatcher.utter_message(response="utter_bad_model")
        return {"model": None}


class ActionCheckTicket(Action):
    def name(self) -> str:
        return "action_check_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        ticket = tracker.get_slot("ticket_id")
        dispatcher.utter_message(text=f"Ticket {ticket} is being processed.")
        return [SlotSet("ticket_status", "processing")]


class ActionRejectAlways(Action):
    def name(self) -> str:
        return "action_reject"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        raise ActionExecutionRejection(self.name(), "not now")


class ActionUnknownEvent(Action):
    def name(self) -> str:
        return "action_unknown_event"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="this reply is lost with the events")
        return [SlotSet("ticket_status", "never"), {"event": "session_ended", "timestamp": None}]


class ActionTemplateStatus(Action):
    def name(self) -> str:
        return "action_template_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_ticket_status", ticket_status="closed")
        return []


class ActionSlow(Action):
    def name(self) -> str:
        return "action_slow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        await asyncio.sleep(2)
        dispatcher.utter_message(text="too late")
        return []
