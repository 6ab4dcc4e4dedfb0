"""The visit form's validation: address, phone, window, and the fee consent of a paid repair.

The api decides what it can serve (the address's city, the free windows); while it cannot be
reached an answer is kept as given, so nothing is lost, and the booking checks it again.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import structlog
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.conversation import (
    MAX_FAILED_ANSWERS,
    clear_failures,
    count_failure,
    customer_of,
    language_of,
    record_id,
    single,
)
from actions.visit_windows import (
    tell_refusal,
    window_key,
    window_start,
)

log = structlog.get_logger(__name__)

#: Numbers without a country code are Chinese numbers.
DEFAULT_PHONE_REGION = "CN"
#: Shorter than this cannot name a street and a door ("北京市朝阳区" is not enough).
MIN_ADDRESS_CHARS = 8
#: Refusals of an address the consumer can correct by giving another.
ADDRESS_PROBLEMS = frozenset(
    {"area_not_served", "area_ambiguous", "district_required", "address_required"}
)


#: Where an address written in Chinese ends: punctuation or a space before the next clause.
_ADDRESS_END = re.compile(r"[\s，。,;；！？!?、]")


def whole_address(candidate: str, message: str) -> str:
    """The candidate, with the rest of its clause when the message goes on after it.

    The entity tagger learned streets and house numbers; it may stop before the building
    and the flat ("…张江路100号" of "…张江路100号3栋502"). A Chinese address runs on without
    spaces until the clause ends, so the rest of the clause belongs to it.
    """
    position = message.find(candidate)
    if not candidate or position < 0 or not _CJK.search(candidate):
        return candidate
    rest = message[position + len(candidate) :]
    end = _ADDRESS_END.search(rest)
    return candidate + (rest[: end.start()] if end else rest).rstrip()


_CJK = re.compile(r"[\u4e00-\u9fff]")


class ValidateVisitForm(FormValidationAction):
    def name(self) -> str:
        return "validate_visit_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The fee consent is asked only for a paid repair."""
        if tracker.get_slot("paid_repair") is True:
            return domain_slots
        return [slot for slot in domain_slots if slot != "fee_consent"]

    async def validate_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        address = whole_address(
            " ".join(str(single(value) or "").split()), tracker.latest_message.get("text") or ""
        )
        if len(address) < MIN_ADDRESS_CHARS or not any(char.isdigit() for char in address):
            return _failed(dispatcher, tracker, "address", "utter_address_too_short")
        case_id = record_id(tracker.get_slot("case_id"))
        if case_id is not None:
            try:
                await api_client.current().visit_availability(
                    customer_of(tracker), case_id, address=address
                )
            except ApiUnavailable:
                log.info("address kept unchecked: the api is unreachable")
            except ApiRejected as rejection:
                if rejection.code in ADDRESS_PROBLEMS:
                    tell_refusal(
                        dispatcher, rejection, language_of(tracker), "utter_address_too_short"
                    )
                    return _failed(dispatcher, tracker, "address", None)
                log.info("availability refused", code=rejection.code, detail=rejection.detail)
        return {
            "address": address,
            # The question that led here (a visit offer, a step's feedback) is answered.
            "awaiting": None,
            "validation_failures": clear_failures(tracker, "address"),
        }

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = e164(str(single(value) or ""))
        if number is None:
            return _failed(dispatcher, tracker, "phone", "utter_phone_invalid")
        return {"phone": number, "validation_failures": clear_failures(tracker, "phone")}

    async def validate_visit_window(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        key = str(single(value) or "").strip()
        if window_start(key) is None:
            # Typed words ("tomorrow afternoon"): the buttons name the windows there are.
            dispatcher.utter_message(response="utter_visit_window_pick_one")
            return {"visit_window": None}
        case_id = record_id(tracker.get_slot("case_id"))
        if case_id is None:
            return {"visit_window": key}
        try:
            availability = await api_client.current().visit_availability(
                customer_of(tracker), case_id, address=tracker.get_slot("address")
            )
        except (ApiUnavailable, ApiRejected) as error:
            log.info("window kept unchecked", error=str(error))
            return {"visit_window": key}
        if key not in {window_key(offer) for offer in availability.windows}:
            dispatcher.utter_message(response="utter_visit_window_unavailable")
            return {"visit_window": None}
        return {"visit_window": key}

    async def validate_fee_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"fee_consent": value if isinstance(value, bool) else None}


def e164(text: str) -> str | None:
    """The number in E.164 (+8613812345678); None when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(text.strip(), DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _failed(
    dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, response: str | None
) -> dict[str, Any]:
    count, counts = count_failure(tracker, slot)
    if response is not None:
        dispatcher.utter_message(response=response)
    if count >= MAX_FAILED_ANSWERS:
        dispatcher.utter_message(response="utter_too_many_attempts")
        dispatcher.utter_message(response="utter_offer_human")
    return {slot: None, "validation_failures": counts}
