"""Quiet hours: proactive messages are not delivered at night in the consumer's time zone;
agent replies during a handoff and a technician on the way are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from api.auth_roles import Role
from api.outbound.settings import OutboundSettings, outbound_settings
from tests.api.outbound.steps import CONSUMER, OTHER_CONSUMER, at, enqueue, lease, report
from tests.conftest import ApiClientFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON_CONSUMER = "tg:7003"
REMINDER = {"type": "intent", "intent": "EXTERNAL_visit_reminder", "entities": {"visit_id": 9}}
EN_ROUTE = {
    "type": "intent",
    "intent": "EXTERNAL_visit_update",
    "entities": {"visit_id": 9, "visit_status": "en_route"},
}


def shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def bot(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.BOT)


@pytest.fixture
def backend(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.BACKEND)


async def test_a_message_queued_at_night_waits_for_the_morning(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(shanghai(23, 23, 10)):
        item = await enqueue(backend, kind="survey_due", payload=REMINDER)
        assert (item["not_before"], item["urgent"]) == (utc_text(shanghai(24, 9)), False)
        assert await lease(bot) == []
    asked_for_later = await enqueue(
        backend, kind="visit_reminder", payload=REMINDER, not_before="2026-11-24T06:30:00+08:00"
    )
    assert asked_for_later["not_before"] == utc_text(shanghai(24, 9))
    with at(shanghai(24, 8, 59, 59)):
        assert await lease(bot) == []
    with at(shanghai(24, 9)):
        leased = await lease(bot)
    assert [entry["id"] for entry in leased] == [item["id"], asked_for_later["id"]]


async def test_a_lease_leaves_an_item_alone_while_its_consumer_sleeps(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient, admin_client: httpx.AsyncClient
) -> None:
    london = await admin_client.put(
        f"/api/v1/customers/{LONDON_CONSUMER}", json={"timezone": "Europe/London"}
    )
    assert london.status_code in (200, 201), london.text
    with at(shanghai(23, 20, 30)):
        evening = await enqueue(backend, CONSUMER, kind="survey_reminder", payload=REMINDER)
        londoner = await enqueue(backend, LONDON_CONSUMER, kind="case_update", payload=REMINDER)
    assert evening["not_before"] == utc_text(shanghai(23, 20, 30))
    # 12:30 in London: due at once there.
    assert londoner["not_before"] == utc_text(shanghai(23, 20, 30))
    # The bot was down all evening; at 21:30 in Shanghai only the Londoner is awake.
    with at(shanghai(23, 21, 30)):
        assert [entry["id"] for entry in await lease(bot)] == [londoner["id"]]
        assert await lease(bot) == []
    with at(shanghai(24, 9)):
        assert [entry["id"] for entry in await lease(bot)] == [evening["id"]]
    with at(datetime(2026, 11, 24, 7, 0, tzinfo=ZoneInfo("Europe/London"))):
        early = await enqueue(backend, LONDON_CONSUMER, kind="case_update", payload=REMINDER)
    assert early["not_before"] == "2026-11-24T09:00:00Z"


async def test_agent_replies_during_a_handoff_and_en_route_news_go_at_any_hour(
    api_client_for: ApiClientFactory, bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(shanghai(23, 23, 10)):
        handoff = await api_client_for(Role.ACTIONS, customer=CONSUMER).post(
            "/api/v1/handoffs", json={"conversation_id": CONSUMER, "reason": "requested"}
        )
        assert handoff.status_code == 201, handoff.text
        reply = await enqueue(api_client_for(Role.AGENT), CONSUMER)
        no_handoff_reply = await enqueue(api_client_for(Role.AGENT), OTHER_CONSUMER)
        on_the_way = await enqueue(backend, OTHER_CONSUMER, kind="visit_status", payload=EN_ROUTE)
        not_urgent_news = await enqueue(
            backend,
            OTHER_CONSUMER,
            kind="visit_status",
            payload={**EN_ROUTE, "entities": {"visit_id": 9, "visit_status": "booked"}},
        )
        leased = await lease(bot)
    assert [(item["urgent"], item["not_before"]) for item in (reply, on_the_way)] == [
        (True, utc_text(shanghai(23, 23, 10))),
        (True, utc_text(shanghai(23, 23, 10))),
    ]
    for held in (no_handoff_reply, not_urgent_news):
        assert (held["urgent"], held["not_before"]) == (False, utc_text(shanghai(24, 9)))
    assert sorted(item["id"] for item in leased) == sorted([reply["id"], on_the_way["id"]])


async def test_a_retry_that_would_fall_in_the_night_waits_for_the_morning(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(shanghai(23, 20, 59, 50)):
        await enqueue(backend, kind="survey_due", payload=REMINDER)
        (leased,) = await lease(bot)
        failed = await report(bot, leased, "fail", error="Telegram 502")
    assert (failed.json()["status"], failed.json()["not_before"]) == (
        "pending",
        utc_text(shanghai(24, 9)),
    )


@pytest.fixture
def short_nights(api_app: FastAPI) -> Iterator[None]:
    api_app.dependency_overrides[outbound_settings] = lambda: OutboundSettings(
        quiet_from=time(23, 0), quiet_until=time(7, 0)
    )
    yield
    api_app.dependency_overrides.pop(outbound_settings)


@pytest.mark.usefixtures("short_nights")
async def test_the_quiet_period_is_a_setting(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(shanghai(23, 22, 30)):
        evening = await enqueue(backend, kind="survey_due", payload=REMINDER)
        assert [item["id"] for item in await lease(bot)] == [evening["id"]]
    with at(shanghai(23, 23, 30)):
        night = await enqueue(backend, kind="survey_due", payload=REMINDER)
    assert night["not_before"] == utc_text(shanghai(24, 7))


def test_a_quiet_period_must_have_a_length() -> None:
    with pytest.raises(ValueError, match="must differ"):
        OutboundSettings(quiet_from=time(9, 0), quiet_until=time(9, 0))
