"""A window is never double-booked, whatever the concurrency: the database refuses it.

A hundred bookings for one window race through the api at once, on SQLite and on
PostgreSQL; exactly the window's capacity succeeds, every other attempt gets 409 with
alternatives, and the database holds one seat per booking.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.auth_roles import Role
from api.cases.actors import Actor
from api.cases.schemas import CaseCreate
from api.cases.service import create_case
from api.scheduling.models import Visit, VisitSlot
from tests.api.scheduling.steps import add_technician, register_customer, window_start
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("served_areas")

ATTEMPTS = 100
CAPACITIES = {"SH-3001": 1, "SH-3002": 1, "SH-3003": 3}
CAPACITY = sum(CAPACITIES.values())


async def _open_cases(app: FastAPI, customer: str, count: int) -> list[int]:
    actor = Actor(role=Role.ADMIN, id="test")
    async with app.state.session_factory() as session:
        ids = []
        for _ in range(count):
            case, _ = await create_case(
                session, CaseCreate(customer=customer, category="air_conditioner"), actor
            )
            ids.append(case.id)
        await session.commit()
    return ids


async def test_concurrent_bookings_fill_a_window_exactly_to_its_capacity(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    technicians = {
        number: await add_technician(admin_client, number, capacity_per_window=capacity)
        for number, capacity in CAPACITIES.items()
    }
    await register_customer(admin_client, "tg:3001")
    case_ids = await _open_cases(api_app, "tg:3001", ATTEMPTS)
    client = api_client_for(Role.ACTIONS, customer="tg:3001")
    target = window_start(1, 9)

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/visits",
                json={"case_id": case_id, "window_start": target},
                headers={"Idempotency-Key": f"race-{case_id}"},
            )
            for case_id in case_ids
        )
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: CAPACITY, 409: ATTEMPTS - CAPACITY}, statuses
    target_utc = datetime.fromisoformat(target).astimezone(UTC)
    for response in responses:
        if response.status_code != 409:
            continue
        problem = response.json()
        assert problem["code"] == "window_full"
        alternatives = problem["extra"]["alternatives"]
        assert len(alternatives) == 5
        assert all(datetime.fromisoformat(w["start"]) != target_utc for w in alternatives)

    async with api_app.state.session_factory() as session:
        slots = (await session.execute(select(VisitSlot))).scalars().all()
        visits = (await session.execute(select(Visit))).scalars().all()
    assert len(slots) == len(visits) == CAPACITY
    assert {slot.window_start for slot in slots} == {target_utc}
    assert len({(slot.technician_id, slot.seat) for slot in slots}) == CAPACITY
    held = Counter(slot.technician_id for slot in slots)
    assert held == {technicians[number]["id"]: cap for number, cap in CAPACITIES.items()}
    assert {visit.slot_id for visit in visits} == {slot.id for slot in slots}
    booked_cases = {visit.case_id for visit in visits}
    for case_id in case_ids:
        case = (await admin_client.get(f"/api/v1/cases/{case_id}")).json()
        expected = "visit_booked" if case_id in booked_cases else "open"
        assert case["status"] == expected, case_id


async def test_the_database_refuses_a_second_holder_of_a_seat(
    admin_client: httpx.AsyncClient, api_app: FastAPI
) -> None:
    technician = await add_technician(admin_client, "SH-3101")
    start = datetime.fromisoformat(window_start(1, 9)).astimezone(UTC)

    def seat(number: int) -> VisitSlot:
        return VisitSlot(technician_id=technician["id"], window_start=start, seat=number)

    async with api_app.state.session_factory() as session:
        session.add(seat(0))
        await session.commit()
    for refused in (seat(0), seat(8), seat(-1)):
        async with api_app.state.session_factory() as session:
            session.add(refused)
            with pytest.raises(IntegrityError):
                await session.commit()
