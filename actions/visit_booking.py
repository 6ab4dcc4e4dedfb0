"""Booking the visit once the visit form is complete."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import AftersalesApi, ApiRejected, ApiUnavailable
from actions.api_models import Visit, VisitStatus
from actions.conversation import Language, customer_of, language_of, record_id
from actions.visit_windows import WINDOW_PROBLEMS, describe_window, tell_refusal, window_start

log = structlog.get_logger(__name__)

VISIT_FORM = "visit_form"


@dataclass(frozen=True, slots=True)
class VisitRequest:
    """The answers of a completed visit form."""

    customer: str
    case_id: int
    window: str
    start: datetime
    address: str
    phone: str
    fee_accepted: bool | None

    @classmethod
    def of(cls, tracker: Tracker) -> VisitRequest | None:
        case_id = record_id(tracker.get_slot("case_id"))
        window = str(tracker.get_slot("visit_window") or "")
        start = window_start(window)
        address, phone = tracker.get_slot("address"), tracker.get_slot("phone")
        if case_id is None or start is None or not address or not phone:
            return None
        consent = tracker.get_slot("fee_consent")
        return cls(
            customer=customer_of(tracker),
            case_id=case_id,
            window=window,
            start=start,
            address=str(address),
            phone=str(phone),
            fee_accepted=consent if isinstance(consent, bool) else None,
        )

    def idempotency_key(self, after: int | None = None) -> str:
        """The same booking sent again (after an outage, a lost answer) books no second
        visit; `after` names a cancelled visit with the same details, to book anew."""
        fingerprint = "|".join(
            str(part)
            for part in (self.customer, self.case_id, self.window, self.address, self.phone)
        )
        key = "visit:" + hashlib.sha256(fingerprint.encode()).hexdigest()[:40]
        return key if after is None else f"{key}:after:{after}"


class ActionBookVisit(Action):
    def name(self) -> str:
        return "action_book_visit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        done: list[EventType] = [SlotSet("pending_goal", None), SlotSet("awaiting", None)]
        if tracker.get_slot("paid_repair") is True and tracker.get_slot("fee_consent") is False:
            dispatcher.utter_message(response="utter_fee_consent_declined")
            return [*done, SlotSet("fee_consent", None), SlotSet("visit_window", None)]
        request = VisitRequest.of(tracker)
        if request is None:
            dispatcher.utter_message(response="utter_visit_booking_failed")
            return done
        try:
            visit = await _book(api_client.current(), request)
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_visit_booking_failed")
            return []
        except ApiRejected as rejection:
            return _refused(dispatcher, rejection, language)
        dispatcher.utter_message(
            response="utter_visit_booked",
            visit_id=str(visit.id),
            visit_window=describe_window(request.window, language),
        )
        return [*done, SlotSet("visit_id", str(visit.id))]


async def _book(api: AftersalesApi, request: VisitRequest) -> Visit:
    visit = await _send(api, request, request.idempotency_key())
    if visit.status is VisitStatus.CANCELLED:
        # Booked with these very details before and cancelled since: this is a new booking.
        visit = await _send(api, request, request.idempotency_key(after=visit.id))
    return visit


async def _send(api: AftersalesApi, request: VisitRequest, key: str) -> Visit:
    return await api.book_visit(
        request.customer,
        request.case_id,
        window_start=request.start,
        address=request.address,
        contact_phone=request.phone,
        fee_accepted=request.fee_accepted,
        idempotency_key=key,
    )


def _refused(
    dispatcher: CollectingDispatcher, rejection: ApiRejected, language: Language
) -> list[EventType]:
    log.info("visit booking refused", code=rejection.code, detail=rejection.detail)
    if rejection.code in WINDOW_PROBLEMS:
        # The form asks again, offering the windows still free.
        dispatcher.utter_message(response="utter_visit_window_unavailable")
        return [SlotSet("visit_window", None), FollowupAction(VISIT_FORM)]
    if rejection.code == "fee_consent_required":
        return [
            SlotSet("paid_repair", True),
            SlotSet("fee_consent", None),
            FollowupAction(VISIT_FORM),
        ]
    if rejection.code == "visit_already_booked":
        visit_id = rejection.extra.get("visit_id")
        dispatcher.utter_message(response="utter_visit_already_booked")
        events: list[EventType] = [SlotSet("pending_goal", None)]
        return events + ([SlotSet("visit_id", str(visit_id))] if visit_id else [])
    tell_refusal(dispatcher, rejection, language, "utter_visit_booking_failed")
    return [SlotSet("pending_goal", None)]
