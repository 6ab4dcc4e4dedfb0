"""The reminder timer inside the api process: it notes deliveries and queues due reminders
on its own, and stops with the process."""

from __future__ import annotations

import asyncio

import pytest
import time_machine
from fastapi import FastAPI

from api.surveys.settings import SurveySettings
from api.surveys.timer import survey_timer_running
from tests.api.surveys.steps import (
    SHANGHAI_CONSUMER,
    deliver_due_items,
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
