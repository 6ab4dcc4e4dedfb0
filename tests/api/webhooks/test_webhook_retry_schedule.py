"""The retry schedule and the settings that shape it."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from pydantic import ValidationError

from api.webhooks.backoff import RetrySchedule
from api.webhooks.settings import WebhookSettings
from tests.api.webhooks.steps import T0

SCHEDULE = RetrySchedule()


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(1, 10), (2, 30), (3, 90), (4, 270), (5, 810), (6, 2430), (7, 3600), (8, 3600), (500, 3600)],
)
def test_waits_grow_threefold_up_to_an_hour(failures: int, seconds: float) -> None:
    assert SCHEDULE.nominal_delay(failures) == timedelta(seconds=seconds)


def test_jitter_only_shortens_the_wait_and_spreads_it() -> None:
    rng = random.Random(42)
    waits = [SCHEDULE.delay(3, rng).total_seconds() for _ in range(500)]
    assert all(90 * 0.8 <= wait <= 90 for wait in waits)
    assert max(waits) - min(waits) > 10
    assert RetrySchedule(jitter=0).delay(3, rng) == timedelta(seconds=90)


def test_a_delivery_gives_up_only_once_it_has_failed_for_the_whole_window() -> None:
    assert not SCHEDULE.gives_up(T0, T0 + timedelta(hours=23, minutes=59, seconds=59))
    assert SCHEDULE.gives_up(T0, T0 + timedelta(hours=24))


def test_a_day_of_failures_takes_about_thirty_attempts() -> None:
    elapsed, attempts = timedelta(), 1
    while not SCHEDULE.gives_up(T0, T0 + elapsed):
        elapsed += SCHEDULE.nominal_delay(attempts)
        attempts += 1
    assert attempts == 30
    assert elapsed >= timedelta(hours=24)


@pytest.mark.parametrize(
    "arguments",
    [
        {"first_delay": timedelta()},
        {"first_delay": timedelta(hours=2)},
        {"factor": 0.5},
        {"jitter": 1.0},
        {"window": timedelta()},
    ],
)
def test_impossible_schedules_are_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RetrySchedule(**arguments)  # type: ignore[arg-type]


def test_no_failure_has_no_wait() -> None:
    with pytest.raises(ValueError):
        SCHEDULE.nominal_delay(0)


def test_settings_default_to_the_documented_schedule() -> None:
    settings = WebhookSettings()
    assert settings.retry_schedule == RetrySchedule()
    assert settings.lease >= 2 * timedelta(seconds=settings.timeout_seconds)


@pytest.mark.parametrize(
    "overrides",
    [
        {"lease_seconds": 15, "timeout_seconds": 10},
        {"connect_timeout_seconds": 20, "timeout_seconds": 10},
        {"retry_first_seconds": 7200},
        {"batch_size": 0},
    ],
)
def test_inconsistent_settings_are_refused(overrides: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        WebhookSettings(**overrides)  # type: ignore[arg-type]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_API_WEBHOOK_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("AFTERSALES_API_WEBHOOK_CONNECT_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("AFTERSALES_API_WEBHOOK_RETRY_WINDOW_HOURS", "48")
    settings = WebhookSettings()
    assert (settings.timeout_seconds, settings.retry_schedule.window) == (3, timedelta(hours=48))
