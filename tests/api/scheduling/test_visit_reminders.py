"""The visit reminder the day before: queued with the booking for 18:00 in the consumer's own
time zone, withdrawn when the visit moves (and queued again for the new window) or is
cancelled, none for a booking made after that evening; a withdrawn reminder is never sent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import select

from api.auth_roles import Role
from api.outbound.models import OutboundItem
from api.scheduling.reminders import reminder_due
from api.surveys.quiet_hours import QuietHours
from tests.api.scheduling.steps import (
    SHANGHAI,
    TODAY,
    add_technician,
    booked,
    local,
    open_case,
    register_customer,
    window_start,
)
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("served_areas")

LONDON = ZoneInfo("Europe/London")


async def _reminders(app: FastAPI) -> list[OutboundItem]:
    async with app.state.session_factory() as session:
        found = await session.scalars(
            select(OutboundItem)
            .where(OutboundItem.kind == "visit_reminder")
            .order_by(OutboundItem.id)
        )
        return list(found.all())


async def _booked_for(admin: httpx.AsyncClient, customer: str, start: str, **profile: str) -> int:
    await register_customer(admin, customer, **profile)
    case = await open_case(admin, customer)
    visit = await booked(admin, case["id"], start)
    return int(visit["id"])


async def test_a_booking_queues_one_reminder_for_the_evening_before_in_the_consumers_zone(
    admin_client: httpx.AsyncClient, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-4101")
    here = await _booked_for(admin_client, "tg:4101", window_start(1, 9))
    away = await _booked_for(admin_client, "tg:4102", window_start(2, 13), timezone="Europe/London")

    shanghai, london = await _reminders(api_app)
    assert (shanghai.conversation_id, shanghai.status) == ("tg:4101", "pending")
    assert shanghai.not_before == local(TODAY, 18)
    assert shanghai.dedupe_key is not None
    assert shanghai.dedupe_key.startswith(f"visit:{here}:reminder:")
    text = shanghai.payload["text"]
    assert "明天 12月2日 09:00–12:00" in text["zh"]
    assert "上海市浦东新区张江路100号" in text["zh"] and "改约" in text["zh"]
    assert "tomorrow, 02 Dec, 09:00–12:00" in text["en"]
    # 13:00 in Shanghai on 3 December is 05:00 that day in London: the evening before is 2 Dec.
    assert london.not_before == datetime(2026, 12, 2, 18, 0, tzinfo=LONDON)
    assert "03 Dec, 05:00–08:00" in london.payload["text"]["en"]
    assert london.dedupe_key is not None and f"visit:{away}:" in london.dedupe_key


async def test_a_booking_made_after_the_evening_before_gets_no_reminder(
    admin_client: httpx.AsyncClient, api_app: FastAPI, clock: time_machine.Coordinates
) -> None:
    await add_technician(admin_client, "SH-4201")
    clock.move_to(local(TODAY, 19))
    await _booked_for(admin_client, "tg:4201", window_start(1, 9))
    assert await _reminders(api_app) == []


async def test_moving_a_visit_withdraws_its_reminder_and_queues_one_for_the_new_window(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-4301")
    visit_id = await _booked_for(admin_client, "tg:4301", window_start(2, 9))
    consumer = api_client_for(Role.ACTIONS, customer="tg:4301")

    moved = await consumer.post(
        f"/api/v1/visits/{visit_id}/reschedule", json={"window_start": window_start(3, 13)}
    )
    back = await consumer.post(
        f"/api/v1/visits/{visit_id}/reschedule", json={"window_start": window_start(2, 9)}
    )

    assert moved.status_code == back.status_code == 200, (moved.text, back.text)
    first, second, third = await _reminders(api_app)
    assert [item.status for item in (first, second, third)] == [
        "withdrawn",
        "withdrawn",
        "pending",
    ]
    assert second.not_before == local(TODAY + timedelta(days=2), 18)
    assert third.not_before == first.not_before == local(TODAY + timedelta(days=1), 18)


async def test_cancelling_the_visit_or_its_case_withdraws_the_reminder(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-4401")
    cancelled_visit = await _booked_for(admin_client, "tg:4401", window_start(1, 9))
    await register_customer(admin_client, "tg:4402")
    case = await open_case(admin_client, "tg:4402")
    await booked(admin_client, case["id"], window_start(1, 13))

    visit_cancel = await api_client_for(Role.ACTIONS, customer="tg:4401").post(
        f"/api/v1/visits/{cancelled_visit}/cancel", json={"reason": "不在家"}
    )
    case_cancel = await api_client_for(Role.AGENT).post(
        f"/api/v1/cases/{case['id']}/transitions", json={"to": "cancelled"}
    )

    assert visit_cancel.status_code == case_cancel.status_code == 200
    assert [item.status for item in await _reminders(api_app)] == ["withdrawn", "withdrawn"]


async def test_a_withdrawn_reminder_is_never_leased(
    admin_client: httpx.AsyncClient,
    api_client_for: ApiClientFactory,
    api_app: FastAPI,
    clock: time_machine.Coordinates,
) -> None:
    await add_technician(admin_client, "SH-4501")
    kept = await _booked_for(admin_client, "tg:4501", window_start(1, 9))
    dropped = await _booked_for(admin_client, "tg:4502", window_start(1, 13))
    await api_client_for(Role.ACTIONS, customer="tg:4502").post(
        f"/api/v1/visits/{dropped}/cancel", json={"reason": "修好了"}
    )
    clock.move_to(local(TODAY, 18) + timedelta(minutes=1))

    leased = await api_client_for(Role.BOT).post(
        "/api/v1/outbound/lease", json={"worker_id": "bot-1", "limit": 20, "lease_seconds": 60}
    )

    assert leased.status_code == 200, leased.text
    reminders = [item for item in leased.json()["items"] if item["kind"] == "visit_reminder"]
    assert [item["conversation_id"] for item in reminders] == ["tg:4501"]
    assert f"visit:{kept}:" in reminders[0]["dedupe_key"]


def test_a_reminder_time_inside_quiet_hours_moves_to_the_hour_before_they_begin() -> None:
    quiet = QuietHours(starts=time(21), ends=time(9))
    start = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert reminder_due(start, SHANGHAI, time(18), quiet) == local(TODAY, 18)
    assert reminder_due(start, SHANGHAI, time(22, 30), quiet) == local(TODAY, 20)
