"""Visit windows as the conversation holds them, shows them and offers them.

The `visit_window` slot holds a window in local time, ``2026-11-24T14:00/17:00``: readable in
a button payload and in the stories, and enough to name the api's window start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import ApiRejected, ApiUnavailable
from actions.api_models import Availability, VisitWindow, WindowOffer
from actions.conversation import (
    SERVICE_TIMEZONE,
    Language,
    customer_of,
    language_of,
    record_id,
    single,
)
from actions.product_validation import inform_payload

#: Windows offered at once: more buttons than this are hard to read on a phone.
MAX_OFFERED_WINDOWS = 5
#: The api's refusals of a window, answered by choosing another one.
WINDOW_PROBLEMS = frozenset({"window_full", "window_too_soon", "window_too_far", "invalid_window"})
_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/(\d{2}:\d{2})$")
_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def window_key(window: VisitWindow) -> str:
    start = window.start.astimezone(SERVICE_TIMEZONE)
    end = window.end.astimezone(SERVICE_TIMEZONE)
    return f"{start:%Y-%m-%dT%H:%M}/{end:%H:%M}"


def window_start(key: object) -> datetime | None:
    """The start of the window a slot value names; None when it names none."""
    match = _KEY.match(str(single(key) or "").strip())
    if match is None:
        return None
    try:
        start = datetime.fromisoformat(f"{match[1]}T{match[2]}")
    except ValueError:
        return None
    return start.replace(tzinfo=SERVICE_TIMEZONE)


def is_window_key(value: object) -> bool:
    return window_start(value) is not None


def describe_window(key: str, language: Language) -> str:
    """``11月24日（周二）14:00–17:00`` or ``Tue 24 Nov, 14:00–17:00``; other text as it is."""
    match = _KEY.match(key)
    start = window_start(key)
    if match is None or start is None:
        return key
    hours = f"{match[2]}–{match[3]}"
    if language == "en":
        return f"{start:%a} {start.day} {start:%b}, {hours}"
    return f"{start.month}月{start.day}日（{_WEEKDAYS_ZH[start.weekday()]}）{hours}"


def offered_windows(windows: Sequence[WindowOffer]) -> list[WindowOffer]:
    """The earliest windows, those that keep the service level promise first."""
    ranked = sorted(windows, key=lambda offer: (not offer.within_service_level, offer.start))
    return ranked[:MAX_OFFERED_WINDOWS]


def window_buttons(windows: Sequence[VisitWindow], language: Language) -> list[dict[str, str]]:
    return [
        {
            "title": describe_window(window_key(window), language),
            "payload": inform_payload(visit_window=window_key(window)),
        }
        for window in windows
    ]


def offer_windows(
    dispatcher: CollectingDispatcher,
    windows: Sequence[WindowOffer],
    language: Language,
    *,
    response: str,
) -> bool:
    """Show `response` with the windows as buttons; False (and a person offered) when none."""
    offered = offered_windows(windows)
    if not offered:
        dispatcher.utter_message(response="utter_no_visit_windows")
        return False
    dispatcher.utter_message(response=response, buttons=window_buttons(offered, language))
    return True


def tell_service_level(dispatcher: CollectingDispatcher, availability: Availability) -> None:
    """No window keeps the service level promise: the api has asked a person to find one."""
    if availability.windows and not availability.service_level_met:
        dispatcher.utter_message(response="utter_visit_no_capacity_handoff")


def tell_refusal(
    dispatcher: CollectingDispatcher, rejection: ApiRejected, language: Language, fallback: str
) -> None:
    """The api's own explanation when it gives one (e.g. the cities served), else `fallback`."""
    explanation = rejection.in_language(language)
    if explanation:
        dispatcher.utter_message(text=explanation)
    else:
        dispatcher.utter_message(response=fallback)


class ActionAskVisitWindow(Action):
    """The visit form's question for `visit_window`: the free windows as buttons."""

    def name(self) -> str:
        return "action_ask_visit_window"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        case_id = record_id(tracker.get_slot("case_id"))
        if case_id is None:
            dispatcher.utter_message(response="utter_no_visit_windows")
            return []
        try:
            availability = await api_client.current().visit_availability(
                customer_of(tracker), case_id, address=tracker.get_slot("address")
            )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_visit_windows_unavailable")
            return []
        except ApiRejected as rejection:
            tell_refusal(dispatcher, rejection, language, "utter_no_visit_windows")
            return []
        tell_service_level(dispatcher, availability)
        offer_windows(
            dispatcher, availability.windows, language, response="utter_choose_visit_window"
        )
        return []
