"""Remote troubleshooting: the answer to a step, then the next step, a solved case, or a visit."""

from __future__ import annotations

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import AftersalesApi, ApiRejected, ApiUnavailable
from actions.api_models import CaseStatus, Entitlement, Guide, RemoteOutcome
from actions.case_progress import move_case
from actions.conversation import customer_of, language_of, latest_intent
from actions.troubleshooting_steps import guide_finished, show_step

log = structlog.get_logger(__name__)

FIXED, NOT_FIXED, SKIP = "fixed", "not_fixed", "skip"
_TYPED_OUTCOMES = {"affirm": FIXED, "deny": NOT_FIXED}


class ActionTroubleshoot(Action):
    def name(self) -> str:
        return "action_troubleshoot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("awaiting") == "visit_offer" and latest_intent(tracker) == "deny":
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("awaiting", None)]
        outcome = _outcome(tracker)
        guide_id = tracker.get_slot("troubleshooting_guide_id")
        if outcome is None or not guide_id:
            dispatcher.utter_message(response="utter_no_step_in_progress")
            dispatcher.utter_message(response="utter_how_can_i_help")
            return [*guide_finished(), SlotSet("awaiting", None)]
        customer = customer_of(tracker)
        api = api_client.current()
        try:
            guide = await api.get_guide(customer, int(guide_id))
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_try_again_later")
            return [SlotSet("awaiting", "step_feedback")]
        except ApiRejected as rejection:
            log.warning("guide unavailable", guide_id=guide_id, code=rejection.code)
            dispatcher.utter_message(response="utter_troubleshooting_unavailable")
            return await self._offer_visit(dispatcher, tracker, api)
        step = int(tracker.get_slot("troubleshooting_step") or 1)
        if outcome == FIXED and _ends_remotely(guide, step):
            return await self._solved(dispatcher, tracker, api)
        if step < len(guide.steps):
            return [
                SlotSet("step_outcome", outcome),
                *show_step(dispatcher, guide, step + 1, language_of(tracker)),
            ]
        return await self._offer_visit(dispatcher, tracker, api)

    async def _solved(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, api: AftersalesApi
    ) -> list[EventType]:
        case_id = tracker.get_slot("case_id")
        if case_id and str(case_id).isdigit():
            try:
                await api.transition_case(customer_of(tracker), int(case_id), CaseStatus.RESOLVED)
            except ApiUnavailable:
                dispatcher.utter_message(response="utter_try_again_later")
                return [SlotSet("awaiting", "step_feedback")]
            except ApiRejected as rejection:
                # Someone else moved the case on (an agent, a visit): nothing left to close.
                log.info("case not resolved from the chat", case_id=case_id, code=rejection.code)
        dispatcher.utter_message(response="utter_troubleshooting_fixed")
        dispatcher.utter_message(response="utter_anything_else")
        return [*guide_finished(), SlotSet("awaiting", None)]

    async def _offer_visit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, api: AftersalesApi
    ) -> list[EventType]:
        case_id = tracker.get_slot("case_id")
        if case_id and str(case_id).isdigit():
            await move_case(api, customer_of(tracker), int(case_id), CaseStatus.AWAITING_VISIT)
        entitlements = tracker.get_slot("warranty_entitlements") or []
        if Entitlement.RETURN.value in entitlements:
            dispatcher.utter_message(response="utter_return_available")
        elif Entitlement.EXCHANGE.value in entitlements:
            dispatcher.utter_message(response="utter_exchange_available")
        dispatcher.utter_message(response="utter_offer_visit")
        return [*guide_finished(), SlotSet("awaiting", "visit_offer")]


def _outcome(tracker: Tracker) -> str | None:
    """The answer to the step: a button's step_outcome, or a typed yes (solved) or no."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "step_outcome" and entity.get("value") in {
            FIXED,
            NOT_FIXED,
            SKIP,
        }:
            return str(entity["value"])
    return _TYPED_OUTCOMES.get(latest_intent(tracker) or "")


def _ends_remotely(guide: Guide, step: int) -> bool:
    """Whether a fix confirmed after `step` closes the case without a visit."""
    if guide.ends_remotely_when is RemoteOutcome.FIXED_AFTER_ANY_STEP:
        return True
    if guide.ends_remotely_when is RemoteOutcome.FIXED_AFTER_LAST_STEP:
        return step >= len(guide.steps)
    return False
