"""One reminder 24 hours after the first delivery (outside quiet hours, never for a completed
survey), and expiry seven days after the due time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from fastapi import FastAPI

from api.auth_roles import Role
from api.surveys.settings import SurveySettings
from tests.api.surveys.steps import (
    SHANGHAI_CONSUMER,
    answer,
    deliver_due_items,
    load_survey,
    queued_items,
    remind,
    scheduled,
    shanghai,
)
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("consumers")


async def test_one_reminder_a_day_after_the_first_delivery(api_app: FastAPI) -> None:
    survey = await scheduled(api_app, completed_at=shanghai(1, 14))
    with time_machine.travel(shanghai(1, 15, 59), tick=False) as clock:
        assert await deliver_due_items(api_app) == []
        clock.move_to(shanghai(1, 16, 5))
        assert await deliver_due_items(api_app) == [survey.due_item_id]

    first = await remind(api_app, shanghai(1, 16, 6))
    assert (first.deliveries_noted, first.reminders_queued) == (1, 0)
    noted = await load_survey(api_app, survey.id)
    assert noted.first_delivered_at == shanghai(1, 16, 5)
    assert noted.reminder_due_at == shanghai(2, 16, 5)

    assert (await remind(api_app, shanghai(2, 16, 4))).reminders_queued == 0
    assert (await remind(api_app, shanghai(2, 16, 5))).reminders_queued == 1
    assert (await remind(api_app, shanghai(3, 10))).reminders_queued == 0

    due, reminder = await queued_items(api_app, SHANGHAI_CONSUMER)
    assert (reminder.kind, reminder.dedupe_key) == (
        "survey_reminder",
        f"survey:{survey.id}:reminder",
    )
    assert reminder.not_before == shanghai(2, 16, 5)
    assert reminder.payload == due.payload
    assert (await load_survey(api_app, survey.id)).reminder_item_id == reminder.id


async def test_a_survey_missed_in_the_evening_waits_for_the_morning_and_so_does_its_reminder(
    api_app: FastAPI,
) -> None:
    survey = await scheduled(api_app, completed_at=shanghai(1, 18, 30))
    assert survey.due_at == shanghai(1, 20, 30)
    # The bot was down until 21:30: the survey is not sent at night but at 09:00.
    with time_machine.travel(shanghai(1, 21, 30), tick=False):
        assert await deliver_due_items(api_app) == []
    with time_machine.travel(shanghai(2, 9), tick=False):
        assert await deliver_due_items(api_app) == [survey.due_item_id]
    await remind(api_app, shanghai(2, 9, 1))
    assert (await load_survey(api_app, survey.id)).reminder_due_at == shanghai(3, 9)
    assert (await remind(api_app, shanghai(3, 8, 59))).reminders_queued == 0
    assert (await remind(api_app, shanghai(3, 9))).reminders_queued == 1


async def test_completed_and_undelivered_surveys_get_no_reminder(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    completed = await scheduled(api_app, source_id=1, completed_at=shanghai(1, 10))
    undelivered = await scheduled(api_app, source_id=2, completed_at=shanghai(1, 10, 30))
    with time_machine.travel(shanghai(1, 12), tick=False):
        assert await deliver_due_items(api_app) == [completed.due_item_id]
        assert (await remind(api_app, shanghai(1, 12))).deliveries_noted == 1
        actions = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
        finished = await answer(actions, completed.id, finish=True)
        assert finished.json()["status"] == "completed"
    assert (await remind(api_app, shanghai(5, 12))).reminders_queued == 0
    assert (await load_survey(api_app, undelivered.id)).reminder_due_at is None
    assert {item.kind for item in await queued_items(api_app, SHANGHAI_CONSUMER)} == {"survey_due"}


async def test_no_reminder_after_the_survey_expired(api_app: FastAPI) -> None:
    settings = SurveySettings(reminder_after_hours=7 * 24)
    survey = await scheduled(api_app, completed_at=shanghai(1, 10))
    with time_machine.travel(shanghai(1, 12, 1), tick=False):
        await deliver_due_items(api_app)
    await remind(api_app, shanghai(1, 12, 2), settings)
    noted = await load_survey(api_app, survey.id)
    assert noted.reminder_due_at == noted.expires_at + timedelta(minutes=1)
    assert (await remind(api_app, shanghai(20, 12), settings)).reminders_queued == 0


async def test_answers_are_taken_for_seven_days_after_the_due_time(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    survey = await scheduled(api_app, completed_at=shanghai(1, 14))
    assert survey.expires_at == shanghai(8, 16)
    actions = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
    staff = api_client_for(Role.SUPERVISOR)

    async def statuses() -> dict[str, list[int]]:
        found = {}
        for status in ("scheduled", "open", "completed", "expired"):
            page = await staff.get("/api/v1/surveys", params={"status": status})
            found[status] = [item["id"] for item in page.json()["items"]]
        return found

    with time_machine.travel(shanghai(1, 15), tick=False) as clock:
        assert (await statuses())["scheduled"] == [survey.id]
        clock.move_to(shanghai(8, 15, 59))
        assert (await statuses())["open"] == [survey.id]
        early = await answer(actions, survey.id, ("overall", 4))
        assert early.status_code == 200, early.text
        clock.move_to(shanghai(8, 16))
        late = await answer(actions, survey.id, ("solved", True))
        assert (late.status_code, late.json()["code"]) == (409, "survey_expired")
        assert late.json()["extra"]["expires_at"] == survey.expires_at.isoformat()
        assert await statuses() == {
            "scheduled": [],
            "open": [],
            "completed": [],
            "expired": [survey.id],
        }
        kept = (await staff.get(f"/api/v1/surveys/{survey.id}")).json()
    assert kept["status"] == "expired"
    assert kept["questions"][0]["answer"] == 4
