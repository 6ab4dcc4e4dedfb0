"""How a warranty decision is told to the consumer, and the slots it leaves behind."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api_models import Entitlement, WarrantyDecision
from actions.conversation import Language


def tell_decision(
    dispatcher: CollectingDispatcher, decision: WarrantyDecision, language: Language
) -> None:
    """The status in one line, then the api's reasons and any suspected exclusion."""
    dispatcher.utter_message(response=f"utter_warranty_{decision.status.value}")
    lines = [reason.in_language(language) for reason in decision.reasons]
    lines += [exclusion.in_language(language) for exclusion in decision.suspected_exclusions]
    if lines:
        dispatcher.utter_message(text="\n".join(f"• {line}" for line in lines))


def decision_slots(decision: WarrantyDecision) -> list[SlotSet]:
    return [
        SlotSet("warranty_status", decision.status.value),
        SlotSet(
            "warranty_entitlements", [entitlement.value for entitlement in decision.entitlements]
        ),
        SlotSet("paid_repair", decision.is_paid),
        SlotSet("component", decision.fault_component),
    ]


def tell_return_options(dispatcher: CollectingDispatcher, entitlements: list[str]) -> None:
    """Return and exchange are handled by a person; outside their windows a repair is offered."""
    if Entitlement.RETURN.value in entitlements:
        dispatcher.utter_message(response="utter_return_available")
        dispatcher.utter_message(response="utter_return_exchange_handled_by_agent")
    elif Entitlement.EXCHANGE.value in entitlements:
        dispatcher.utter_message(response="utter_exchange_available")
        dispatcher.utter_message(response="utter_return_exchange_handled_by_agent")
    else:
        dispatcher.utter_message(response="utter_return_exchange_not_available")
