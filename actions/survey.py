"""The satisfaction survey's answers: scores from buttons or typed ("打8分", "五星", "9")."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.conversation import latest_text, single

SCORE_RANGES = {"survey_overall": (1, 5), "survey_nps": (0, 10)}
_SCORE = re.compile(r"(?<!\d)(10|\d)(?!\d)|(十|[零一二两三四五六七八九])")
_CHINESE_SCORES = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CHINESE_SCORES |= {"六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


class ValidateSurveyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_survey_form"

    async def extract_survey_overall(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _typed_score(tracker, "survey_overall")

    async def extract_survey_nps(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _typed_score(tracker, "survey_nps")

    async def validate_survey_overall(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _score_in_range("survey_overall", value, dispatcher)

    async def validate_survey_nps(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _score_in_range("survey_nps", value, dispatcher)

    async def validate_survey_solved(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"survey_solved": value if isinstance(value, bool) else None}

    async def validate_survey_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"survey_comment": str(single(value) or "").strip()}


def _typed_score(tracker: Tracker, slot: str) -> dict[str, Any]:
    """A score typed instead of tapped, while that score is asked for."""
    if tracker.get_slot("requested_slot") != slot or tracker.get_slot(slot) is not None:
        return {}
    text = latest_text(tracker)
    if text.startswith("/"):
        return {}
    match = _SCORE.search(text)
    if match is None:
        return {}
    score = int(match[1]) if match[1] else _CHINESE_SCORES[match[2]]
    return {slot: float(score)}


def _score_in_range(slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    low, high = SCORE_RANGES[slot]
    try:
        score = float(single(value))
    except (TypeError, ValueError):
        score = float("nan")
    if score.is_integer() and low <= score <= high:
        return {slot: score}
    dispatcher.utter_message(response="utter_survey_score_invalid")
    return {slot: None}
