"""Moving and cancelling a booked visit from the conversation.

Each is a question and its answer, steered by `awaiting`: the new window to choose
(``reschedule_choice``), the cancellation to confirm with its reason (``cancel_confirmation``).
A consumer with several booked visits is first asked which one.
"""

from __future__ import annotations

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import AftersalesApi, ApiRejected, ApiUnavailable
from actions.api_models import CHANGEABLE_VISIT_STATUSES, Visit, WindowOffer
from actions.conversation import (
    Language,
    customer_of,
    language_of,
    latest_intent,
    latest_text,
    record_id,
)
from actions.visit_windows import (
    WINDOW_PROBLEMS,
    describe_window,
    offer_windows,
    tell_refusal,
    window_key,
    window_start,
)

log = structlog.get_logger(__name__)

#: Cases looked through for the consumer's booked visits, newest first.
CASES_SEARCHED = 10
#: The reasons offered as buttons, as the api stores them.
CANCEL_REASONS = {
    "time_not_suitable": "The visit time no longer suits the customer.",
    "resolved": "The problem was solved without a visit.",
}


class VisitLookupFailed(Exception):
    """The consumer's visits could not be read; the consumer was told."""


async def changeable_visits(api: AftersalesApi, customer: str) -> list[Visit]:
    """The consumer's visits that can still be moved or cancelled, earliest first."""
    visits: list[Visit] = []
    for case in await api.list_cases(customer, limit=CASES_SEARCHED):
        visits += [
            visit
            for visit in await api.case_visits(customer, case.id)
            if visit.status in CHANGEABLE_VISIT_STATUSES
        ]
    return sorted(visits, key=lambda visit: visit.window.start)


async def chosen_visit(
    dispatcher: CollectingDispatcher, tracker: Tracker, api: AftersalesApi, intent: str
) -> Visit | None:
    """The visit the consumer means: the one named (a button), or their only booked one.

    None after telling the consumer: no visit, or several to choose from (offered as buttons
    repeating `intent`). Raises VisitLookupFailed when the api cannot be reached.
    """
    language = language_of(tracker)
    try:
        visits = await changeable_visits(api, customer_of(tracker))
    except ApiUnavailable as error:
        dispatcher.utter_message(response="utter_visit_change_unavailable")
        raise VisitLookupFailed from error
    except ApiRejected as rejection:
        log.warning("visits not readable", code=rejection.code, detail=rejection.detail)
        visits = []
    named = record_id(_entity(tracker, "visit_id"))
    chosen = [visit for visit in visits if visit.id == named] if named else visits
    if not chosen:
        dispatcher.utter_message(response="utter_no_visit_found")
        return None
    if len(chosen) > 1:
        buttons = [
            {
                "title": describe_window(window_key(visit.window), language),
                "payload": f'/{intent}{{"visit_id":"{visit.id}"}}',
            }
            for visit in chosen
        ]
        dispatcher.utter_message(response="utter_which_visit", buttons=buttons)
        return None
    return chosen[0]


class ActionRescheduleVisit(Action):
    def name(self) -> str:
        return "action_reschedule_visit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("awaiting") == "reschedule_choice" and latest_intent(tracker) == (
            "inform"
        ):
            return await self._move(dispatcher, tracker)
        return await self._offer(dispatcher, tracker)

    async def _offer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        language = language_of(tracker)
        api = api_client.current()
        closed: list[EventType] = [SlotSet("awaiting", None)]
        try:
            visit = await chosen_visit(dispatcher, tracker, api, "reschedule_visit")
        except VisitLookupFailed:
            return closed
        if visit is None:
            return closed
        try:
            availability = await api.visit_availability(
                customer_of(tracker), visit.case_id, address=visit.address
            )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_visit_change_unavailable")
            return closed
        except ApiRejected as rejection:
            tell_refusal(dispatcher, rejection, language, "utter_no_visit_windows")
            return closed
        current = window_key(visit.window)
        others = [offer for offer in availability.windows if window_key(offer) != current]
        if not offer_windows(
            dispatcher, others, language, response="utter_choose_new_visit_window"
        ):
            return closed
        return [
            SlotSet("visit_id", str(visit.id)),
            SlotSet("visit_window", None),
            SlotSet("awaiting", "reschedule_choice"),
        ]

    async def _move(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        language = language_of(tracker)
        visit_id = record_id(tracker.get_slot("visit_id"))
        key = str(tracker.get_slot("visit_window") or "")
        start = window_start(key)
        if visit_id is None:
            dispatcher.utter_message(response="utter_no_visit_found")
            return [SlotSet("awaiting", None)]
        if start is None:
            dispatcher.utter_message(response="utter_visit_window_pick_one")
            return [SlotSet("awaiting", "reschedule_choice")]
        try:
            await api_client.current().reschedule_visit(
                customer_of(tracker), visit_id, window_start=start
            )
        except ApiUnavailable:
            # The choice is kept: the same button (or any message) tries again.
            dispatcher.utter_message(response="utter_visit_change_unavailable")
            return [SlotSet("awaiting", "reschedule_choice")]
        except ApiRejected as rejection:
            return _reschedule_refused(dispatcher, rejection, language)
        dispatcher.utter_message(
            response="utter_visit_rescheduled", visit_window=describe_window(key, language)
        )
        return [SlotSet("awaiting", None)]


def _reschedule_refused(
    dispatcher: CollectingDispatcher, rejection: ApiRejected, language: Language
) -> list[EventType]:
    log.info("reschedule refused", code=rejection.code, detail=rejection.detail)
    if rejection.code not in WINDOW_PROBLEMS:
        tell_refusal(dispatcher, rejection, language, "utter_visit_change_refused")
        return [SlotSet("awaiting", None)]
    alternatives = [
        WindowOffer.model_validate(item) for item in rejection.extra.get("alternatives") or []
    ]
    if not alternatives:
        dispatcher.utter_message(response="utter_visit_window_unavailable")
        return [SlotSet("visit_window", None), SlotSet("awaiting", "reschedule_choice")]
    offer_windows(dispatcher, alternatives, language, response="utter_visit_window_unavailable")
    return [SlotSet("visit_window", None), SlotSet("awaiting", "reschedule_choice")]


class ActionCancelVisit(Action):
    def name(self) -> str:
        return "action_cancel_visit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("awaiting") == "cancel_confirmation":
            intent = latest_intent(tracker)
            if intent == "affirm":
                return await self._cancel(dispatcher, tracker)
            if intent == "deny":
                dispatcher.utter_message(response="utter_visit_kept")
                return [SlotSet("awaiting", None), SlotSet("cancel_reason", None)]
        return await self._confirm(dispatcher, tracker)

    async def _confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        try:
            visit = await chosen_visit(dispatcher, tracker, api_client.current(), "cancel_visit")
        except VisitLookupFailed:
            return [SlotSet("awaiting", None)]
        if visit is None:
            return [SlotSet("awaiting", None)]
        window = describe_window(window_key(visit.window), language_of(tracker))
        dispatcher.utter_message(response="utter_confirm_cancel_visit", visit_window=window)
        return [
            SlotSet("visit_id", str(visit.id)),
            # Without a reason button, the consumer's own words are the reason.
            SlotSet("cancel_reason", _own_words(tracker)),
            SlotSet("awaiting", "cancel_confirmation"),
        ]

    async def _cancel(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        visit_id = record_id(tracker.get_slot("visit_id"))
        if visit_id is None:
            dispatcher.utter_message(response="utter_no_visit_found")
            return [SlotSet("awaiting", None)]
        try:
            await api_client.current().cancel_visit(
                customer_of(tracker), visit_id, reason=cancel_reason(tracker)
            )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_visit_change_unavailable")
            return [SlotSet("awaiting", "cancel_confirmation")]
        except ApiRejected as rejection:
            log.info("cancellation refused", code=rejection.code, detail=rejection.detail)
            tell_refusal(dispatcher, rejection, language_of(tracker), "utter_visit_change_refused")
            return [SlotSet("awaiting", None)]
        dispatcher.utter_message(response="utter_visit_cancelled")
        return [
            SlotSet("awaiting", None),
            SlotSet("visit_id", None),
            SlotSet("visit_window", None),
            SlotSet("cancel_reason", None),
        ]


def cancel_reason(tracker: Tracker) -> str:
    """The reason the consumer chose (a button), else their own words, as the api stores it."""
    reason = str(tracker.get_slot("cancel_reason") or "").strip()
    if reason in CANCEL_REASONS:
        return CANCEL_REASONS[reason]
    return f"Cancelled by the customer in chat: {reason}" if reason else "Cancelled in chat."


def _own_words(tracker: Tracker) -> str | None:
    text = latest_text(tracker).strip()
    return None if not text or text.startswith("/") else text


def _entity(tracker: Tracker, name: str) -> object:
    values = list(tracker.get_latest_entity_values(name))
    return values[-1] if values else None
