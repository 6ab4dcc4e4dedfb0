"""The survey form's answers sent to the api, against the real api."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from actions.api_client import AftersalesApi
from actions.survey_submission import ActionSubmitSurvey
from api.db import utc_now
from api.surveys.scheduling import schedule_survey
from tests.actions.conversations import CUSTOMER, build_tracker, run

ANSWERS = {
    "survey_overall": 5.0,
    "survey_solved": True,
    "survey_nps": 9.0,
    "survey_comment": "师傅很专业",
}


async def _open_survey(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        survey = await schedule_survey(
            session,
            source="handoff",
            source_id=1,
            case_id=None,
            conversation_id=CUSTOMER,
            fee_charged=False,
            completed_at=utc_now() - timedelta(hours=3),
        )
        assert survey is not None
        # Due now, whatever the quiet hours at the moment the test runs.
        survey.due_at = utc_now() - timedelta(minutes=1)
        await session.commit()
        return survey.id


async def test_the_answers_complete_the_survey_and_the_slots_are_cleared(
    api: AftersalesApi, api_app: FastAPI
) -> None:
    survey_id = await _open_survey(api_app)
    assert (await api.open_survey(CUSTOMER)) is not None

    turn = await run(ActionSubmitSurvey(), build_tracker(slots=ANSWERS))

    assert turn.responses == ["utter_survey_thanks"]
    assert all(turn.slots[slot] is None for slot in ANSWERS)
    assert await api.open_survey(CUSTOMER) is None
    response = await api._http.get(f"/surveys/{survey_id}", headers={"X-Customer-Id": CUSTOMER})
    answers = {q["key"]: q.get("answer") for q in response.json()["questions"]}
    assert answers == {"overall": 5, "solved": True, "nps": 9, "comment": "师傅很专业"}


async def test_a_low_score_tells_that_a_supervisor_follows_up(
    api: AftersalesApi, api_app: FastAPI
) -> None:
    survey_id = await _open_survey(api_app)
    slots = {**ANSWERS, "survey_overall": 1.0, "survey_comment": "", "survey_id": str(survey_id)}
    turn = await run(ActionSubmitSurvey(), build_tracker(slots=slots))
    assert turn.responses == ["utter_survey_thanks", "utter_survey_follow_up"]


async def test_without_an_open_survey_the_consumer_is_thanked_all_the_same(
    api: AftersalesApi,
) -> None:
    turn = await run(ActionSubmitSurvey(), build_tracker(slots=ANSWERS))
    assert turn.responses == ["utter_survey_closed"]


async def test_the_api_down_keeps_the_answers(api_down: AftersalesApi) -> None:
    turn = await run(ActionSubmitSurvey(), build_tracker(slots={**ANSWERS, "survey_id": "3"}))
    assert turn.responses == ["utter_survey_unavailable"]
    assert turn.events == []
