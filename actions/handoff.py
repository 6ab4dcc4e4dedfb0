"""Hand the conversation to a person: queue it with the api and tell the consumer the wait."""

from __future__ import annotations

import re
from typing import Any

import httpx
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.api_models import Handoff, HandoffReason
from actions.clarify import FALLBACK_INTENT
from actions.conversation import (
    MAX_FAILED_ANSWERS,
    Language,
    customer_of,
    failures,
    language_of,
    latest_intent,
    single,
)

#: Unclear messages in a row after which the assistant offers a person (see action_clarify).
FALLBACKS_BEFORE_OFFER = 2
#: The agent reads the summary at a glance; the api would accept far more.
SUMMARY_MAX_CHARS = 1000

#: Slots the agent needs first, with their labels in the summary.
SUMMARY_SLOTS: tuple[tuple[str, str], ...] = (
    ("case_id", "case"),
    ("product_category", "category"),
    ("brand", "brand"),
    ("product_model", "model"),
    ("serial_number", "serial"),
    ("purchase_date", "purchased"),
    ("warranty_status", "warranty"),
    ("fault_description", "fault"),
)
_DIGITS = re.compile(r"\d+")


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer = customer_of(tracker)
        reason = handoff_reason(tracker)
        summary = handoff_summary(tracker)
        case_id = _case_number(tracker.get_slot("case_id"))
        api = api_client.current()
        try:
            try:
                handoff = await api.open_handoff(customer, reason, summary=summary, case_id=case_id)
            except ApiRejected as rejection:
                # A case number the consumer typed that is not theirs must not keep them
                # from a person; the summary still carries it for the agent.
                if case_id is None or rejection.status >= httpx.codes.INTERNAL_SERVER_ERROR:
                    raise
                handoff = await api.open_handoff(customer, reason, summary=summary)
        except (ApiUnavailable, ApiRejected):
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        _tell_wait(dispatcher, handoff, language_of(tracker))
        # A yes/no question the assistant was waiting on no longer applies: a person answers now.
        return [
            SlotSet("awaiting", None),
            SlotSet("validation_failures", None),
            ConversationPaused(),
        ]


def handoff_reason(tracker: Tracker) -> HandoffReason:
    """Why the conversation goes to a person, from its latest messages and failure counts."""
    intent = latest_intent(tracker)
    if intent == "complain":
        return HandoffReason.COMPLAINT
    if intent == FALLBACK_INTENT or _fallbacks_before_latest(tracker) >= FALLBACKS_BEFORE_OFFER:
        return HandoffReason.NLU_FAILURE
    if any(count >= MAX_FAILED_ANSWERS for count in failures(tracker).values()):
        return HandoffReason.VALIDATION_FAILURE
    return HandoffReason.REQUESTED


def handoff_summary(tracker: Tracker) -> str | None:
    """What is known so far, one `label: value` per line, cut to `SUMMARY_MAX_CHARS`."""
    lines = [
        f"{label}: {_text(tracker.get_slot(slot))}"
        for slot, label in SUMMARY_SLOTS
        if _text(tracker.get_slot(slot))
    ]
    if not lines:
        return None
    summary = "\n".join(lines)
    if len(summary) <= SUMMARY_MAX_CHARS:
        return summary
    return summary[: SUMMARY_MAX_CHARS - 1] + "…"


def _tell_wait(dispatcher: CollectingDispatcher, handoff: Handoff, language: Language) -> None:
    if handoff.expected_wait is not None:
        # The api knows the agents' hours and the queue; its wording is the one to trust.
        dispatcher.utter_message(text=handoff.expected_wait.message.in_language(language))
    else:
        # Already with an agent: no wait to announce, only that a person has it.
        dispatcher.utter_message(response="utter_handoff_in_hours")


def _fallbacks_before_latest(tracker: Tracker) -> int:
    """Unclear user messages in a row just before the latest one (e.g. an offer's button)."""
    user_events = [event for event in reversed(tracker.events) if event.get("event") == "user"]
    count = 0
    for event in user_events[1:]:
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


def _text(value: Any) -> str:
    value = single(value)
    return " ".join(str(value).split()) if value not in (None, "") else ""


def _case_number(value: object) -> int | None:
    match = _DIGITS.search(str(value)) if value is not None else None
    return int(match.group()) if match else None
