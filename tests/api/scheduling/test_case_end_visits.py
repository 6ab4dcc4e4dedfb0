"""A case that is cancelled takes its visits with it; one that is resolved or closed waits
for its visit to end."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import func, select

from api.auth_roles import Role
from api.outbound.models import OutboundItem
from api.outbox.models import OutboxEvent
from api.scheduling.models import VisitSlot
from tests.api.scheduling.steps import (
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


async def _move(client: httpx.AsyncClient, case_id: int, to: str) -> httpx.Response:
    return await client.post(f"/api/v1/cases/{case_id}/transitions", json={"to": to})


async def _visit(client: httpx.AsyncClient, visit_id: int) -> dict[str, Any]:
    visit: dict[str, Any] = (await client.get(f"/api/v1/visits/{visit_id}")).json()
    return visit


async def _visit_events(app: FastAPI) -> list[tuple[str, str]]:
    async with app.state.session_factory() as session:
        rows = await session.execute(
            select(OutboxEvent.event_type, OutboxEvent.subject)
            .where(OutboxEvent.event_type.like("visit.%"))
            .order_by(OutboxEvent.id)
        )
        return [(kind, subject) for kind, subject in rows.all()]


async def _seats(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        return int((await session.scalar(select(func.count()).select_from(VisitSlot))) or 0)


def _window_key(visit: dict[str, object]) -> str:
    window: Any = visit["window"]
    start = datetime.fromisoformat(window["start"]).astimezone(UTC)
    return f"{start:%Y%m%dT%H%M}"


async def _notices(app: FastAPI) -> list[OutboundItem]:
    """What the consumer is told of their visits (the reminders have tests of their own)."""
    async with app.state.session_factory() as session:
        found = await session.scalars(
            select(OutboundItem)
            .where(OutboundItem.kind == "visit_status")
            .order_by(OutboundItem.id)
        )
        return list(found.all())


async def test_an_agent_cancelling_a_case_cancels_its_visit_and_tells_the_consumer(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-3101")
    await register_customer(admin_client, "tg:3101")
    case = await open_case(admin_client, "tg:3101")
    visit = await booked(admin_client, case["id"], window_start(1, 9))
    agent = api_client_for(Role.AGENT)

    moved = await _move(agent, case["id"], "cancelled")

    assert moved.status_code == 200, moved.text
    assert [step["to_status"] for step in moved.json()["transitions"]] == [
        "open",
        "awaiting_visit",
        "visit_booked",
        "cancelled",
    ]
    cancelled = await _visit(admin_client, visit["id"])
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "case_cancelled")
    last = cancelled["transitions"][-1]
    assert (last["from_status"], last["to_status"], last["note"]) == (
        "booked",
        "cancelled",
        "case_cancelled",
    )
    assert last["actor_role"] == "agent"
    assert await _seats(api_app) == 0
    assert await _visit_events(api_app) == [
        ("visit.booked", f"visit:{visit['id']}"),
        ("visit.cancelled", f"visit:{visit['id']}"),
    ]
    (notice,) = await _notices(api_app)
    assert (notice.conversation_id, notice.kind) == ("tg:3101", "visit_status")
    # Cancelled at 07:00: the notice waits for the end of the consumer's quiet hours.
    assert notice.not_before == local(TODAY, 9)
    assert f"工单 {case['id']} 已取消" in notice.payload["text"]["zh"]
    assert "12月2日 09:00–12:00" in notice.payload["text"]["zh"]
    assert "02 Dec at 09:00–12:00" in notice.payload["text"]["en"]

    second_case = await open_case(admin_client, "tg:3101")
    same_window = await booked(admin_client, second_case["id"], window_start(1, 9))
    assert same_window["window"]["start"] == visit["window"]["start"]


async def test_a_consumer_cancelling_their_case_is_not_told_what_they_did(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-3201")
    await register_customer(admin_client, "tg:3201")
    case = await open_case(admin_client, "tg:3201")
    consumer = api_client_for(Role.ACTIONS, customer="tg:3201")
    visit = await booked(consumer, case["id"], window_start(1, 13))
    await api_client_for(Role.BACKEND).post(
        f"/api/v1/visits/{visit['id']}/status", json={"status": "en_route"}
    )

    moved = await _move(consumer, case["id"], "cancelled")

    assert (moved.status_code, moved.json()["status"]) == (200, "cancelled")
    cancelled = await _visit(admin_client, visit["id"])
    assert (cancelled["status"], cancelled["transitions"][-1]["from_status"]) == (
        "cancelled",
        "en_route",
    )
    assert [kind for kind, _ in await _visit_events(api_app)][-1] == "visit.cancelled"
    assert [item.dedupe_key for item in await _notices(api_app)] == [
        f"visit:{visit['id']}:en_route:{_window_key(visit)}"
    ], "told the technician was on the way; not told of the cancelling they did"
    assert await _seats(api_app) == 0


async def test_a_case_is_not_resolved_or_closed_under_a_visit_that_has_not_ended(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-3301")
    await register_customer(admin_client, "tg:3301")
    case = await open_case(admin_client, "tg:3301")
    visit = await booked(admin_client, case["id"], window_start(2, 9))
    agent = api_client_for(Role.AGENT)
    assert (await _move(agent, case["id"], "escalated")).status_code == 200

    for target in ("resolved", "closed"):
        refused = await _move(agent, case["id"], target)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert problem["code"] == "case_has_active_visit"
        assert (problem["extra"]["visit_id"], problem["extra"]["visit_status"]) == (
            visit["id"],
            "booked",
        )
        assert f"visit {visit['id']} is booked" in problem["detail"]
        assert problem["extra"]["zh"]
    unchanged = (await admin_client.get(f"/api/v1/cases/{case['id']}")).json()
    assert (unchanged["status"], len(unchanged["transitions"])) == ("escalated", 4)
    assert (await _visit(admin_client, visit["id"]))["status"] == "booked"

    cancel = await agent.post(f"/api/v1/visits/{visit['id']}/cancel", json={"reason": "改为送修"})
    assert cancel.status_code == 200
    closed = await _move(agent, case["id"], "closed")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert await _notices(api_app) == []


async def test_a_started_visit_holds_its_case_until_it_is_completed(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-3401")
    await register_customer(admin_client, "tg:3401")
    case = await open_case(admin_client, "tg:3401")
    visit = await booked(admin_client, case["id"], window_start(0, 9))
    backend = api_client_for(Role.BACKEND)
    started = await backend.post(f"/api/v1/visits/{visit['id']}/status", json={"status": "started"})
    assert started.status_code == 200, started.text
    agent = api_client_for(Role.AGENT)

    cancelling = await _move(agent, case["id"], "cancelled")
    assert (cancelling.status_code, cancelling.json()["code"]) == (409, "visit_in_progress")
    assert cancelling.json()["extra"]["visit_id"] == visit["id"]
    resolving = await _move(agent, case["id"], "resolved")
    assert (resolving.status_code, resolving.json()["extra"]["visit_status"]) == (409, "started")
    assert (await admin_client.get(f"/api/v1/cases/{case['id']}")).json()["status"] == "in_repair"
    assert await _visit_events(api_app) == [("visit.booked", f"visit:{visit['id']}")]

    completed = await backend.post(
        f"/api/v1/visits/{visit['id']}/status",
        json={"status": "completed", "resolution": "更换电容"},
    )
    assert completed.status_code == 200, completed.text
    assert (await _move(agent, case["id"], "closed")).json()["status"] == "closed"


async def test_the_consumer_hears_the_technician_is_on_the_way_and_of_a_missed_visit(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-3401")
    await register_customer(admin_client, "tg:3401")
    visits = []
    for hour in (9, 13):
        case = await open_case(admin_client, "tg:3401")
        visits.append(await booked(admin_client, case["id"], window_start(1, hour)))
    first, second = visits
    backend = api_client_for(Role.BACKEND)

    async def report(visit: dict[str, Any], status: str) -> None:
        reported = await backend.post(
            f"/api/v1/visits/{visit['id']}/status", json={"status": status}
        )
        assert reported.status_code == 200, reported.text

    await report(first, "en_route")
    await report(first, "en_route")
    await report(second, "en_route")
    with time_machine.travel(datetime.fromisoformat(second["window"]["end"]), tick=True):
        await report(second, "no_show")

    notices = await _notices(api_app)
    assert [(item.kind, item.urgent) for item in notices] == [
        ("visit_status", True),
        ("visit_status", True),
        ("visit_status", False),
    ], "one per change; only the technician on the way is sent in quiet hours"
    on_the_way, missed = notices[0].payload["text"], notices[2].payload["text"]
    assert "SH-3401" in on_the_way["zh"] and "SH-3401" in on_the_way["en"]
    assert "改约" in missed["zh"] and "reschedule" in missed["en"]
