"""Session start, the reply language, and stopping what is in progress."""

from __future__ import annotations

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.conversation import customer_of, response_text

log = structlog.get_logger(__name__)

LANGUAGES = ("zh", "en")
#: Slots about the conversation's current step: a new session starts without them.
TRANSIENT_SLOTS = frozenset(
    {
        "requested_slot",
        "awaiting",
        "validation_failures",
        "step_outcome",
        "pending_goal",
        "session_started_metadata",
    }
)
#: What a flow collects; stopping the flow forgets it (the language and the case stay).
FLOW_SLOTS = (
    "product_category",
    "brand",
    "product_model",
    "product_launch_date",
    "serial_number",
    "nameplate_photo",
    "purchase_date",
    "fault_description",
    "component",
    "symptom",
    "warranty_status",
    "warranty_entitlements",
    "paid_repair",
    "troubleshooting_guide_id",
    "troubleshooting_step",
    "step_outcome",
    "address",
    "phone",
    "visit_window",
    "fee_consent",
    "survey_overall",
    "survey_solved",
    "survey_nps",
    "survey_comment",
    "pending_goal",
    "validation_failures",
    "requested_slot",
)


class ActionSessionStart(Action):
    """Rasa's session start, with the reply language taken from the front end's metadata."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        session_config = domain.get("session_config") or {}
        if session_config.get("carry_over_slots_to_new_session", True):
            events += [
                SlotSet(name, value)
                for name, value in tracker.slots.items()
                if value is not None and name not in TRANSIENT_SLOTS
            ]
        metadata = tracker.get_slot("session_started_metadata") or {}
        language = metadata.get("language") if isinstance(metadata, dict) else None
        if language in LANGUAGES:
            events.append(SlotSet("language", language))
        events.append(ActionExecuted("action_listen"))
        return events


class ActionSetLanguage(Action):
    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        chosen = next(
            (
                entity.get("value")
                for entity in tracker.latest_message.get("entities") or []
                if entity.get("entity") == "language" and entity.get("value") in LANGUAGES
            ),
            None,
        )
        if chosen is None:
            dispatcher.utter_message(response="utter_choose_language")
            return []
        try:
            await api_client.current().update_customer(customer_of(tracker), locale=chosen)
        except (ApiUnavailable, ApiRejected) as error:
            # The choice holds for this conversation either way; only its memory is lost.
            log.info("language preference not stored", error=str(error))
        # Written in the chosen language whatever the slot held when the action started.
        dispatcher.utter_message(text=response_text(domain, "utter_language_switched", chosen))
        return [SlotSet("language", chosen)]


class ActionResetFlow(Action):
    def name(self) -> str:
        return "action_reset_flow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_flow_stopped")
        events: list[EventType] = [
            SlotSet(name, None) for name in FLOW_SLOTS if tracker.get_slot(name) is not None
        ]
        return [*events, SlotSet("awaiting", None)]
