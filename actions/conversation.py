"""What every action reads from a conversation: language, consumer, latest message, counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

Language = Literal["zh", "en"]

#: Dates (purchase dates, "today") are counted in China Standard Time, as the api does.
SERVICE_TIMEZONE = ZoneInfo("Asia/Shanghai")
#: Failed answers to the same question before a person is offered.
MAX_FAILED_ANSWERS = 3
#: Intents a consumer can pick from a list of requests (buttons `/intent`).
REQUEST_INTENTS = (
    "report_fault",
    "check_warranty",
    "book_visit",
    "reschedule_visit",
    "cancel_visit",
    "check_status",
    "return_exchange",
    "ask_fee",
    "complain",
    "request_human",
)


def language_of(tracker: Tracker) -> Language:
    return "en" if tracker.get_slot("language") == "en" else "zh"


def customer_of(tracker: Tracker) -> str:
    """The consumer's channel identity (tg:123, web:abc) is the conversation's sender id."""
    return tracker.sender_id


def today() -> date:
    return datetime.now(SERVICE_TIMEZONE).date()


def single(value: Any) -> Any:
    """One value for a text slot that an extractor filled with several."""
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def record_id(value: Any) -> int | None:
    """A record id (case, visit, survey) held in a text slot; None when unset or not one."""
    text = str(single(value) or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def slot_date(value: Any) -> date | None:
    """An ISO date slot as a date; None when unset or not a date."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def latest_intent(tracker: Tracker) -> str | None:
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


def latest_attachments(tracker: Tracker) -> list[dict[str, Any]]:
    """Files sent with the latest message (the front end puts them in its metadata)."""
    metadata = tracker.latest_message.get("metadata") or {}
    attachments = metadata.get("attachments") or []
    return [item for item in attachments if isinstance(item, dict) and item.get("attachment_id")]


def response_text(domain: DomainDict, name: str, language: Language) -> str:
    """The text of a domain response in `language` (the en variation, or the zh default)."""
    variations = domain.get("responses", {}).get(name) or []
    english = [
        variation
        for variation in variations
        if variation.get("condition") == [{"type": "slot", "name": "language", "value": "en"}]
    ]
    default = [variation for variation in variations if "condition" not in variation]
    chosen = english if language == "en" and english else default
    if not chosen:
        raise KeyError(f"the domain has no response {name}")
    return str(chosen[0].get("text", ""))


def failures(tracker: Tracker) -> dict[str, int]:
    counts = tracker.get_slot("validation_failures")
    return dict(counts) if isinstance(counts, dict) else {}


def count_failure(tracker: Tracker, slot: str) -> tuple[int, dict[str, int]]:
    """The number of failed answers for `slot` including this one, and the updated counts."""
    counts = failures(tracker)
    counts[slot] = counts.get(slot, 0) + 1
    return counts[slot], counts


def clear_failures(tracker: Tracker, slot: str) -> dict[str, int]:
    counts = failures(tracker)
    counts.pop(slot, None)
    return counts
