"""The progress of the consumer's cases."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.api_models import Case
from actions.conversation import Language, customer_of, language_of, response_text

MAX_CASES_LISTED = 5
_DIGITS = re.compile(r"\d+")


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer = customer_of(tracker)
        named = _case_number(tracker.get_slot("case_id"))
        api = api_client.current()
        events: list[EventType] = []
        try:
            if named is not None:
                case = await api.get_case(customer, named)
                cases = [case] if case else []
                # A number that names none of the consumer's cases must not stand for one.
                events.append(SlotSet("case_id", str(case.id) if case else None))
            else:
                cases = await api.list_cases(customer, limit=MAX_CASES_LISTED)
        except (ApiUnavailable, ApiRejected):
            dispatcher.utter_message(response="utter_status_unavailable")
            return []
        if not cases:
            dispatcher.utter_message(response="utter_no_case_found")
            return events
        language = language_of(tracker)
        dispatcher.utter_message(response="utter_case_status_intro")
        dispatcher.utter_message(text="\n".join(_line(case, domain, language) for case in cases))
        return events


def _case_number(value: object) -> int | None:
    """The number in a case reference as typed (工单号 4521, #4521, ticket 4521)."""
    if value is None:
        return None
    match = _DIGITS.search(str(value))
    return int(match.group()) if match else None


def _line(case: Case, domain: DomainDict, language: Language) -> str:
    label = response_text(domain, f"utter_status_label_{case.status.value}", language)
    product = f" {case.model_code}" if case.model_code else ""
    separator = ": " if language == "en" else "："
    return f"#{case.id}{product}{separator}{label}"
