"""Warranty questions: the warranty form, the check, returns and exchanges."""

from __future__ import annotations

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.api_models import WarrantyDecision
from actions.conversation import customer_of, language_of, latest_text, slot_date
from actions.product_validation import ProductFormValidation
from actions.warranty_replies import decision_slots, tell_decision, tell_return_options

log = structlog.get_logger(__name__)


class ValidateWarrantyForm(ProductFormValidation):
    def name(self) -> str:
        return "validate_warranty_form"


class WarrantyUnavailable(Exception):
    """The check could not be made now; the consumer was told why."""


async def check_from_slots(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> WarrantyDecision | None:
    """The decision for the product in the slots; None when there is no serial to check.

    Raises WarrantyUnavailable after telling the consumer when the api cannot decide now.
    """
    serial = tracker.get_slot("serial_number")
    if not serial:
        return None
    purchase = tracker.get_slot("purchase_date")
    try:
        return await api_client.current().check_warranty(
            customer_of(tracker),
            serial=serial,
            fault_description=tracker.get_slot("fault_description") or _question(tracker),
            model_code=tracker.get_slot("product_model"),
            brand=tracker.get_slot("brand"),
            purchase_date=slot_date(purchase),
        )
    except ApiUnavailable as error:
        dispatcher.utter_message(response="utter_warranty_check_unavailable")
        raise WarrantyUnavailable from error
    except ApiRejected as rejection:
        log.info("warranty check refused", code=rejection.code, detail=rejection.detail)
        dispatcher.utter_message(response="utter_warranty_unknown_product")
        raise WarrantyUnavailable from rejection


class ActionCheckWarranty(Action):
    def name(self) -> str:
        return "action_check_warranty"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SlotSet("pending_goal", None)]
        try:
            decision = await check_from_slots(dispatcher, tracker)
        except WarrantyUnavailable:
            return events
        if decision is None:
            photo = tracker.get_slot("nameplate_photo")
            dispatcher.utter_message(
                response="utter_warranty_from_photo" if photo else "utter_warranty_unknown_product"
            )
            return events
        tell_decision(dispatcher, decision, language_of(tracker))
        dispatcher.utter_message(response="utter_warranty_next_steps")
        return events + decision_slots(decision)


class ActionReturnExchange(Action):
    """Whether the product is still inside its return or exchange window; a person handles
    the return itself."""

    def name(self) -> str:
        return "action_return_exchange"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SlotSet("pending_goal", None), SlotSet("awaiting", None)]
        entitlements = tracker.get_slot("warranty_entitlements")
        if entitlements is None:
            try:
                decision = await check_from_slots(dispatcher, tracker)
            except WarrantyUnavailable:
                return events
            if decision is None:
                dispatcher.utter_message(response="utter_return_exchange_handled_by_agent")
                return events
            events += decision_slots(decision)
            entitlements = [entitlement.value for entitlement in decision.entitlements]
        tell_return_options(dispatcher, list(entitlements))
        return events


def _question(tracker: Tracker) -> str:
    """The consumer's own warranty question, the api's fault text when no fault was described."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            if intent.get("name") == "check_warranty" and event.get("text"):
                return str(event["text"])
    return latest_text(tracker) or "warranty"
