"""Answering a survey: questions in the consumer's language, per-question answers kept as
they come, validation, completion recorded once, and one follow-up after a low score."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import select

from api.auth_roles import Role
from api.handoffs.models import Handoff
from api.outbox.models import OutboxEvent
from api.surveys.models import SurveyAnswer
from api.surveys.privacy import erase_conversation_surveys
from tests.api.cases.workflow import open_case
from tests.api.surveys.steps import (
    LONDON_CONSUMER,
    SHANGHAI_CONSUMER,
    answer,
    answered,
    committed,
    scheduled,
    shanghai,
)
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("consumers")

DUE_DAY_NOON = shanghai(2, 12)


@pytest.fixture(autouse=True)
def clock(consumers: None) -> Iterator[time_machine.Coordinates]:
    """Every survey here is completed at 10:00 on 1 December and answered the next day."""
    with time_machine.travel(DUE_DAY_NOON, tick=False) as traveller:
        yield traveller


async def _completion_events(app: FastAPI) -> list[OutboxEvent]:
    async with app.state.session_factory() as session:
        found = await session.execute(
            select(OutboxEvent).where(OutboxEvent.event_type == "survey.completed")
        )
        return list(found.scalars())


async def _handoffs(app: FastAPI) -> list[Handoff]:
    async with app.state.session_factory() as session:
        return list((await session.execute(select(Handoff).order_by(Handoff.id))).scalars())


async def test_questions_come_in_the_consumer_s_language(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    chinese = await scheduled(api_app, source_id=1, completed_at=shanghai(1, 10))
    english = await scheduled(
        api_app, source_id=2, completed_at=shanghai(1, 10), conversation_id=LONDON_CONSUMER
    )
    mine = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
    survey = (await mine.get(f"/api/v1/surveys/{chinese.id}")).json()
    assert survey["language"] == "zh"
    assert survey["status"] == "open"
    assert survey["questions"][0]["text"].startswith("总体来说")
    assert [(q["key"], q["kind"], q["min"], q["max"]) for q in survey["questions"][:1]] == [
        ("overall", "scale", 1, 5)
    ]
    assert survey["unanswered_required"] == [
        "overall",
        "response_speed",
        "attitude",
        "solved",
        "nps",
    ]
    in_english = (await mine.get(f"/api/v1/surveys/{chinese.id}", params={"lang": "en"})).json()
    assert in_english["questions"][0]["text"].startswith("Overall, how satisfied")

    theirs = api_client_for(Role.BOT, customer=LONDON_CONSUMER)
    london = (await theirs.get(f"/api/v1/surveys/{english.id}")).json()
    assert (london["language"], london["questions"][3]["text"]) == (
        "en",
        "Was your problem solved?",
    )
    hidden = await mine.get(f"/api/v1/surveys/{english.id}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "survey_not_found")
    refused = await answer(mine, english.id, ("overall", 5))
    assert refused.status_code == 404
    anonymous = await api_client_for(Role.ACTIONS).get(f"/api/v1/surveys/{chinese.id}")
    assert (anonymous.status_code, anonymous.json()["code"]) == (400, "customer_identity_required")

    own = (await mine.get("/api/v1/surveys", params={"status": "open"})).json()
    assert [item["id"] for item in own["items"]] == [chinese.id]
    other = await mine.get("/api/v1/surveys", params={"conversation_id": LONDON_CONSUMER})
    assert (other.status_code, other.json()["code"]) == (403, "customer_mismatch")
    staff = api_client_for(Role.AGENT)
    first_page = (await staff.get("/api/v1/surveys", params={"limit": 1})).json()
    assert [item["id"] for item in first_page["items"]] == [english.id]
    assert first_page["items"][0]["language"] == "en"
    second_page = (
        await staff.get(
            "/api/v1/surveys", params={"limit": 1, "before_id": first_page["next_before_id"]}
        )
    ).json()
    assert [item["id"] for item in second_page["items"]] == [chinese.id]
    assert second_page["next_before_id"] is None
    assert (await staff.post(f"/api/v1/surveys/{chinese.id}/answers", json={})).status_code == 403


async def test_partial_answers_are_kept_and_corrected_until_completion(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    survey = await scheduled(api_app, completed_at=shanghai(1, 10), fee_charged=True)
    actions = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
    first = await answered(actions, survey.id, ("overall", 4))
    assert first["status"] == "open"
    assert first["questions"][0]["answer"] == 4
    assert datetime.fromisoformat(first["questions"][0]["answered_at"]) == DUE_DAY_NOON
    corrected = await answered(
        actions, survey.id, ("overall", 5), ("response_speed", 4.0), ("solved", False)
    )
    by_key = {q["key"]: q["answer"] for q in corrected["questions"]}
    assert by_key == {
        "overall": 5,
        "response_speed": 4,
        "attitude": None,
        "solved": False,
        "fee_reasonable": None,
        "nps": None,
        "comment": None,
    }
    assert corrected["unanswered_required"] == ["attitude", "fee_reasonable", "nps"]
    assert await _completion_events(api_app) == []

    done = await answered(actions, survey.id, ("attitude", 5), ("fee_reasonable", 3), ("nps", 9))
    assert done["status"] == "completed"
    assert done["completed_at"] is not None
    assert done["unanswered_required"] == []
    comment = "师傅很专业，<b>谢谢</b>'; DROP TABLE surveys;--"
    late = await answered(actions, survey.id, ("comment", comment), ("nps", 9))
    assert late["questions"][-1]["answer"] == comment
    changed = await answer(actions, survey.id, ("nps", 3))
    assert (changed.status_code, changed.json()["code"]) == (409, "survey_completed")
    assert changed.json()["extra"]["questions"] == ["nps"]

    (event,) = await _completion_events(api_app)
    assert event.subject == f"survey:{survey.id}"
    assert event.payload["answers"] == {
        "overall": 5,
        "response_speed": 4,
        "attitude": 5,
        "solved": False,
        "fee_reasonable": 3,
        "nps": 9,
    }
    assert event.payload["text_answered"] == []
    assert event.payload["source"] == "visit"
    assert event.payload["follow_up_handoff_id"] is None
    assert await _handoffs(api_app) == []


async def test_the_consumer_may_finish_with_questions_left(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    survey = await scheduled(api_app, source="handoff", completed_at=shanghai(1, 10))
    bot = api_client_for(Role.BOT, customer=SHANGHAI_CONSUMER)
    finished = await answered(bot, survey.id, ("overall", 4), ("comment", "还行"), finish=True)
    assert finished["status"] == "completed"
    assert finished["unanswered_required"] == ["solved", "nps"]
    again = await answered(bot, survey.id, finish=True)
    assert again["completed_at"] == finished["completed_at"]
    (event,) = await _completion_events(api_app)
    assert event.payload["answers"] == {"overall": 4}
    assert event.payload["text_answered"] == ["comment"]
    assert "还行" not in str(event.payload)


BAD_ANSWERS: list[tuple[str, Any, str, str]] = [
    ("overall", 0, "value", "invalid_answer"),
    ("overall", 6, "value", "invalid_answer"),
    ("overall", 3.5, "value", "invalid_answer"),
    ("overall", "5", "value", "invalid_answer"),
    ("overall", True, "value", "invalid_answer"),
    ("nps", 11, "value", "invalid_answer"),
    ("nps", -1, "value", "invalid_answer"),
    ("solved", "yes", "value", "invalid_answer"),
    ("solved", 1, "value", "invalid_answer"),
    ("comment", 5, "value", "invalid_answer"),
    ("comment", " \u3000\n", "value", "invalid_answer"),
    ("comment", "长" * 4001, "value", "text_too_long"),
    ("speed", 3, "question", "unknown_question"),
    ("fee_reasonable", 3, "question", "unknown_question"),
    ("attitude", 4, "question", "duplicate_question"),
]


async def test_each_answer_is_validated_and_a_bad_one_stores_nothing(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    survey = await scheduled(api_app, completed_at=shanghai(1, 10))
    actions = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
    for question, value, field, code in BAD_ANSWERS:
        refused = await answer(actions, survey.id, ("attitude", 5), (question, value))
        assert refused.status_code == 422, (question, value, refused.text)
        problem = refused.json()
        assert problem["code"] == code, (question, value)
        assert problem["errors"][0]["field"] == f"body.answers.1.{field}"
    kept = (await actions.get(f"/api/v1/surveys/{survey.id}")).json()
    assert all(question["answer"] is None for question in kept["questions"])
    accepted = await answered(actions, survey.id, ("overall", 5.0), ("comment", "长" * 4000))
    assert accepted["questions"][0]["answer"] == 5


async def test_requests_without_answers_or_with_malformed_fields_are_refused(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    survey = await scheduled(api_app, completed_at=shanghai(1, 10))
    actions = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
    for body in (
        {},
        {"answers": []},
        {"answers": [{"question": "Overall", "value": 4}]},
        {"answers": [{"question": "overall"}]},
        {"answers": [{"question": "overall", "value": 4}], "extra": 1},
        {"answers": [{"question": "overall", "value": None}]},
    ):
        response = await actions.post(f"/api/v1/surveys/{survey.id}/answers", json=body)
        assert (response.status_code, response.json()["code"]) == (422, "validation_failed"), body
    missing = await answer(actions, 999_999, ("overall", 4))
    assert (missing.status_code, missing.json()["code"]) == (404, "survey_not_found")


async def test_a_low_score_opens_one_follow_up_per_survey(
    api_app: FastAPI, api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    case = await open_case(admin_client, SHANGHAI_CONSUMER)
    survey = await scheduled(api_app, case_id=case["id"], completed_at=shanghai(1, 10))
    actions = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
    fine = await answered(actions, survey.id, ("overall", 3), ("response_speed", 3), ("nps", 7))
    assert fine["follow_up_handoff_id"] is None
    assert await _handoffs(api_app) == []

    low = await answered(actions, survey.id, ("attitude", 2))
    (handoff,) = await _handoffs(api_app)
    assert low["follow_up_handoff_id"] == handoff.id
    assert (handoff.reason, handoff.priority, handoff.status) == (
        "low_survey_score",
        "high",
        "queued",
    )
    assert (handoff.conversation_id, handoff.case_id) == (SHANGHAI_CONSUMER, case["id"])
    assert handoff.opened_by == f"survey:{survey.id}"
    assert handoff.summary is not None and "attitude 2/5" in handoff.summary

    lower = await answered(actions, survey.id, ("overall", 1), ("solved", False))
    assert lower["follow_up_handoff_id"] == handoff.id
    assert len(await _handoffs(api_app)) == 1

    detractor = await scheduled(
        api_app, source_id=2, completed_at=shanghai(1, 10), conversation_id=LONDON_CONSUMER
    )
    london = api_client_for(Role.BOT, customer=LONDON_CONSUMER)
    flagged = await answered(london, detractor.id, ("nps", 6))
    handoffs = await _handoffs(api_app)
    assert [h.conversation_id for h in handoffs] == [SHANGHAI_CONSUMER, LONDON_CONSUMER]
    assert flagged["follow_up_handoff_id"] == handoffs[1].id


async def test_erasing_the_consumer_keeps_the_scores_but_not_the_words(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    survey = await scheduled(api_app, completed_at=shanghai(1, 10))
    other = await scheduled(
        api_app, source_id=2, completed_at=shanghai(1, 10), conversation_id=LONDON_CONSUMER
    )
    actions = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
    await answered(actions, survey.id, ("overall", 5), ("comment", "王先生，电话 13800138000"))
    london = api_client_for(Role.BOT, customer=LONDON_CONSUMER)
    await answered(london, other.id, ("comment", "Lovely service"))
    async with committed(api_app) as session:
        touched = await erase_conversation_surveys(
            session, SHANGHAI_CONSUMER, "anon:0123", marker="[erased]"
        )
    assert touched == 1
    staff = api_client_for(Role.SUPERVISOR)
    erased = (await staff.get(f"/api/v1/surveys/{survey.id}")).json()
    assert erased["conversation_id"] == "anon:0123"
    answers = {q["key"]: q["answer"] for q in erased["questions"]}
    assert (answers["overall"], answers["comment"]) == (5, "[erased]")
    async with api_app.state.session_factory() as session:
        authors = (await session.execute(select(SurveyAnswer.answered_by))).scalars().all()
    assert SHANGHAI_CONSUMER not in authors
    kept = (await staff.get(f"/api/v1/surveys/{other.id}")).json()
    assert kept["questions"][-1]["answer"] == "Lovely service"
    gone = await actions.get(f"/api/v1/surveys/{survey.id}")
    assert gone.status_code == 404
