"""The reminder timer inside the api process: it notes deliveries and queues due reminders
on its own, stops with the process, and shares the work with the timers of other replicas."""

from __future__ import annotations

import asyncio

import pytest
import time_machine
from fastapi import FastAPI

from api.surveys.reminders import ReminderPass
from api.surveys.settings import SurveySettings
from api.surveys.timer import run_pass, survey_timer_running
from tests.api.surveys.steps import (
    SHANGHAI_CONSUMER,
    deliver_due_items,
    load_survey,
    queued_items,
    scheduled,
    shanghai,
)

pytestmark = pytest.mark.usefixtures("consumers")


async def _kinds(app: FastAPI) -> list[str]:
    return [item.kind for item in await queued_items(app, SHANGHAI_CONSUMER)]


async def test_the_timer_queues_the_reminder_when_it_is_due(api_app: FastAPI) -> None:
    await scheduled(api_app, completed_at=shanghai(1, 10))
    with time_machine.travel(shanghai(1, 12), tick=False) as clock:
        await deliver_due_items(api_app)
        settings = SurveySettings(timer_enabled=True, timer_interval_seconds=0.02)
        async with survey_timer_running(api_app.state.session_factory, settings):
            clock.move_to(shanghai(2, 12))
            for _ in range(250):
                if await _kinds(api_app) == ["survey_due", "survey_reminder"]:
                    break
                await asyncio.sleep(0.02)
    assert await _kinds(api_app) == ["survey_due", "survey_reminder"]


async def test_a_disabled_timer_does_nothing(api_app: FastAPI) -> None:
    await scheduled(api_app, completed_at=shanghai(1, 10))
    with time_machine.travel(shanghai(1, 12), tick=False) as clock:
        await deliver_due_items(api_app)
        async with survey_timer_running(
            api_app.state.session_factory, SurveySettings(timer_enabled=False)
        ):
            clock.move_to(shanghai(2, 12))
            await asyncio.sleep(0.1)
    assert await _kinds(api_app) == ["survey_due"]


async def test_two_replicas_timers_queue_each_reminder_once(api_app: FastAPI) -> None:
    surveys = [
        await scheduled(api_app, source_id=source_id, completed_at=shanghai(1, 10))
        for source_id in range(1, 25)
    ]
    settings = SurveySettings(timer_batch_size=5)

    async def replica() -> list[ReminderPass]:
        passes: list[ReminderPass] = []
        while True:
            outcome = await run_pass(api_app.state.session_factory, settings)
            if not outcome.deliveries_noted and not outcome.reminders_queued:
                return passes
            passes.append(outcome)

    with time_machine.travel(shanghai(1, 12), tick=False) as clock:
        assert len(await deliver_due_items(api_app)) == len(surveys)
        clock.move_to(shanghai(2, 12))
        first, second = await asyncio.gather(replica(), replica())
    done = first + second
    assert sum(outcome.deliveries_noted for outcome in done) == len(surveys)
    assert sum(outcome.reminders_queued for outcome in done) == len(surveys)
    reminders = [
        item
        for item in await queued_items(api_app, SHANGHAI_CONSUMER)
        if item.kind == "survey_reminder"
    ]
    assert sorted(item.dedupe_key or "" for item in reminders) == sorted(
        f"survey:{survey.id}:reminder" for survey in surveys
    )
    for survey in surveys:
        assert (await load_survey(api_app, survey.id)).reminder_item_id is not None
