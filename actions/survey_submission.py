"""Sending the completed survey form's answers to the api."""

from __future__ import annotations

from typing import Any

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api_client
from actions.api_client import AftersalesApi, ApiRejected, ApiUnavailable
from actions.conversation import customer_of, record_id

log = structlog.get_logger(__name__)

#: The survey form's slots and the questions of the api's survey they answer.
SURVEY_QUESTIONS = {
    "survey_overall": "overall",
    "survey_solved": "solved",
    "survey_nps": "nps",
    "survey_comment": "comment",
}


def survey_answers(tracker: Tracker) -> dict[str, bool | int | str]:
    """The form's answers as the api takes them; an empty (skipped) comment is no answer."""
    answers: dict[str, bool | int | str] = {}
    for slot, question in SURVEY_QUESTIONS.items():
        value: Any = tracker.get_slot(slot)
        if isinstance(value, bool):
            answers[question] = value
        elif isinstance(value, int | float):
            answers[question] = int(value)
        elif isinstance(value, str) and value.strip():
            answers[question] = value.strip()
    return answers


class ActionSubmitSurvey(Action):
    def name(self) -> str:
        return "action_submit_survey"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer = customer_of(tracker)
        api = api_client.current()
        try:
            survey_id = await _survey_id(api, tracker)
            if survey_id is None:
                dispatcher.utter_message(response="utter_survey_closed")
                return _cleared()
            survey = await api.answer_survey(customer, survey_id, survey_answers(tracker))
        except ApiUnavailable:
            # The answers stay in the slots: the survey's reminder submits them.
            dispatcher.utter_message(response="utter_survey_unavailable")
            return []
        except ApiRejected as rejection:
            log.info("survey answers refused", code=rejection.code, detail=rejection.detail)
            dispatcher.utter_message(response="utter_survey_closed")
            return _cleared()
        dispatcher.utter_message(response="utter_survey_thanks")
        if survey.follow_up_handoff_id is not None:
            dispatcher.utter_message(response="utter_survey_follow_up")
        return _cleared()


async def _survey_id(api: AftersalesApi, tracker: Tracker) -> int | None:
    """The survey the backend started the form for, else the consumer's open one."""
    named = record_id(tracker.get_slot("survey_id"))
    if named is not None:
        return named
    survey = await api.open_survey(customer_of(tracker))
    return survey.id if survey else None


def _cleared() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ("survey_id", *SURVEY_QUESTIONS)]
