"""Booking a visit: assignment by skill, area and load; fee consent; idempotency; refusals;
full windows; reschedule and cancel; field reports moving the visit and the case."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import func, select

from api.auth_roles import Role
from api.db import utc_now
from api.outbox.models import OutboxEvent
from api.scheduling.models import Visit, VisitSlot
from api.scheduling.privacy import erase_visit_personal_data
from tests.api.scheduling.steps import (
    PUDONG,
    TODAY,
    add_technician,
    book,
    booked,
    local,
    open_case,
    register_customer,
    window_start,
)
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("served_areas")

OUT_OF_WARRANTY = {"status": "out_of_warranty", "entitlements": ["paid_repair"]}


async def _case_status(client: httpx.AsyncClient, case_id: int) -> tuple[str, list[str]]:
    case = (await client.get(f"/api/v1/cases/{case_id}")).json()
    return case["status"], [step["to_status"] for step in case["transitions"]]


async def _events(app: FastAPI) -> list[tuple[str, str]]:
    async with app.state.session_factory() as session:
        rows = await session.execute(
            select(OutboxEvent.event_type, OutboxEvent.subject)
            .where(OutboxEvent.event_type.like("visit.%"))
            .order_by(OutboxEvent.id)
        )
        return [(kind, subject) for kind, subject in rows.all()]


async def _count(app: FastAPI, model: type[Visit] | type[VisitSlot]) -> int:
    async with app.state.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_booking_goes_to_the_least_booked_technician_and_moves_the_case(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    first_tech = await add_technician(admin_client, "SH-2001")
    second_tech = await add_technician(admin_client, "SH-2002")
    await add_technician(admin_client, "SH-2003", skills=["tv"])
    await add_technician(admin_client, "SH-2004", areas=[{"area": "shanghai.huangpu"}])
    await register_customer(admin_client, "tg:2001", phone="139 0000 2001")
    cases = [await open_case(admin_client, "tg:2001") for _ in range(4)]
    consumer = api_client_for(Role.ACTIONS, customer="tg:2001")

    visit = await booked(consumer, cases[0]["id"], window_start(1, 9))
    assert visit["status"] == "booked"
    assert visit["window"] == {
        "start": "2026-12-02T01:00:00Z",
        "end": "2026-12-02T04:00:00Z",
        "local_date": "2026-12-02",
        "label": "09:00–12:00",
    }
    assert (visit["address"], visit["contact_phone"]) == (PUDONG, "+8613900002001")
    assert (visit["area"], visit["paid_repair"], visit["urgent"]) == (
        "shanghai.pudong",
        False,
        False,
    )
    assert visit["technician"] is None  # the consumer's assistant is not told who
    assert [(t["from_status"], t["to_status"]) for t in visit["transitions"]] == [(None, "booked")]
    assert await _case_status(admin_client, cases[0]["id"]) == (
        "visit_booked",
        ["open", "awaiting_visit", "visit_booked"],
    )

    staff = [(await admin_client.get(f"/api/v1/visits/{visit['id']}")).json()["technician"]]
    for case, hour in ((cases[1], 13), (cases[2], 16), (cases[3], 9)):
        later = await booked(admin_client, case["id"], window_start(1, hour))
        staff.append(later["technician"])
    numbers = [tech["staff_number"] for tech in staff]
    # Whoever has fewer visits that day gets the next one: the day ends two and two.
    assert numbers[1] != numbers[0]
    assert sorted(numbers) == ["SH-2001", "SH-2001", "SH-2002", "SH-2002"]
    assert numbers[3] != numbers[0]  # 09:00 again: only the other one is free then
    assert {tech["id"] for tech in staff} == {first_tech["id"], second_tech["id"]}
    assert staff[0]["phone"] in (first_tech["phone"], second_tech["phone"])
    assert await _events(api_app) == [
        ("visit.booked", f"visit:{visit['id'] + offset}") for offset in range(4)
    ]


async def test_the_same_idempotency_key_returns_the_same_visit(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-2101")
    await register_customer(admin_client, "tg:2101")
    case = await open_case(admin_client, "tg:2101")
    consumer = api_client_for(Role.BOT, customer="tg:2101")
    key = {"Idempotency-Key": "tg-2101-visit-1"}
    start = window_start(1, 9)

    first = await consumer.post(
        "/api/v1/visits", json={"case_id": case["id"], "window_start": start}, headers=key
    )
    assert first.status_code == 201, first.text
    in_utc = "2026-12-02T01:00:00Z"
    for request in (
        consumer.post(
            "/api/v1/visits", json={"case_id": case["id"], "window_start": start}, headers=key
        ),
        consumer.post(
            "/api/v1/visits",
            json={
                "case_id": case["id"],
                "window_start": in_utc,
                "idempotency_key": "tg-2101-visit-1",
            },
        ),
    ):
        again = await request
        assert again.status_code == 200, again.text
        assert again.json()["id"] == first.json()["id"]

    changed = await book(
        consumer, case["id"], window_start(1, 13), idempotency_key="tg-2101-visit-1"
    )
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_key_reused"
    conflict = await consumer.post(
        "/api/v1/visits",
        json={"case_id": case["id"], "window_start": start, "idempotency_key": "other"},
        headers=key,
    )
    assert conflict.status_code == 422 and conflict.json()["code"] == "idempotency_key_conflict"
    second = await book(
        consumer, case["id"], window_start(1, 13), idempotency_key="tg-2101-visit-2"
    )
    assert second.status_code == 409 and second.json()["code"] == "visit_already_booked"
    assert second.json()["extra"]["visit_id"] == first.json()["id"]
    assert (await _count(api_app, Visit), await _count(api_app, VisitSlot)) == (1, 1)


async def test_a_paid_repair_needs_consent_to_the_quoted_fee(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    await add_technician(admin_client, "SH-2201", capacity_per_window=3)
    await register_customer(admin_client, "tg:2201")
    paid = await open_case(admin_client, "tg:2201", warranty_snapshot=OUT_OF_WARRANTY)
    free = await open_case(
        admin_client,
        "tg:2201",
        warranty_snapshot={"status": "in_warranty", "entitlements": ["free_repair"]},
    )
    consumer = api_client_for(Role.ACTIONS, customer="tg:2201")
    start = window_start(1, 9)

    for consent in (None, {"accepted": False, "quoted_fee": "150.00"}):
        refused = await book(consumer, paid["id"], start, fee_consent=consent)
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["code"] == "fee_consent_required"
        assert problem["extra"]["zh"] and problem["extra"]["en"]
    consented_at = local(TODAY, 6).isoformat()
    visit = await booked(
        consumer,
        paid["id"],
        start,
        fee_consent={"accepted": True, "quoted_fee": "150", "consented_at": consented_at},
    )
    assert (visit["paid_repair"], visit["quoted_fee"]) == (True, "150.00")
    assert visit["fee_consent_at"] == "2026-11-30T22:00:00Z"
    future = await book(
        consumer,
        free["id"],
        start,
        fee_consent={"accepted": True, "consented_at": local(TODAY, 23).isoformat()},
    )
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "body.fee_consent.consented_at"
    without = await booked(consumer, free["id"], start)
    assert (without["paid_repair"], without["fee_consent_at"]) == (False, None)


async def test_bad_bookings_are_refused_and_leave_no_trace(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-2301")
    await register_customer(admin_client, "tg:2301")
    await register_customer(admin_client, "tg:2302", address=None)
    case = await open_case(admin_client, "tg:2301")
    cancelled = await open_case(admin_client, "tg:2301")
    await admin_client.post(
        f"/api/v1/cases/{cancelled['id']}/transitions", json={"to": "cancelled"}
    )
    carry_in = await open_case(admin_client, "tg:2301", category="laptop")
    no_address = await open_case(admin_client, "tg:2302")
    consumer = api_client_for(Role.ACTIONS, customer="tg:2301")
    good = window_start(1, 9)
    refusals: list[tuple[int, dict[str, Any], int, str]] = [
        (case["id"], {"window_start": window_start(1, 10)}, 422, "invalid_window"),
        (
            case["id"],
            {"window_start": local(TODAY, 9).replace(hour=0).isoformat()},
            422,
            "invalid_window",
        ),
        (case["id"], {"window_start": "2026-12-01T09:00:00"}, 422, "validation_failed"),
        (case["id"], {"window_start": window_start(-1, 9)}, 422, "window_too_soon"),
        (case["id"], {"window_start": window_start(60, 9)}, 422, "window_too_far"),
        (case["id"], {"window_start": "0001-01-01T09:00:00+08:00"}, 422, "invalid_window"),
        (case["id"], {"window_start": "0001-01-01T00:00:00+05:00"}, 422, "validation_failed"),
        (case["id"], {"window_start": good, "address": "成都市锦江区"}, 422, "area_not_served"),
        (case["id"], {"window_start": good, "contact_phone": "123"}, 422, "invalid_phone"),
        (case["id"], {"window_start": good, "address": "x" * 501}, 422, "validation_failed"),
        (case["id"], {"window_start": good, "surprise": 1}, 422, "validation_failed"),
        (cancelled["id"], {"window_start": good}, 409, "case_not_bookable"),
        (carry_in["id"], {"window_start": good}, 409, "not_onsite"),
        (2_000_000_000, {"window_start": good}, 404, "case_not_found"),
    ]
    for case_id, fields, status, code in refusals:
        response = await consumer.post("/api/v1/visits", json={"case_id": case_id, **fields})
        assert (response.status_code, response.json()["code"]) == (status, code), (
            fields,
            response.text,
        )
    hidden = await book(api_client_for(Role.BOT, customer="tg:2302"), case["id"], good)
    assert hidden.status_code == 404
    anonymous = await book(api_client_for(Role.BOT), case["id"], good)
    assert anonymous.status_code == 400
    missing = await book(api_client_for(Role.BOT, customer="tg:2302"), no_address["id"], good)
    assert (missing.status_code, missing.json()["code"]) == (422, "address_required")
    backend = await book(api_client_for(Role.BACKEND), case["id"], good)
    assert backend.status_code == 403
    assert (await _count(api_app, Visit), await _count(api_app, VisitSlot)) == (0, 0)
    assert (await _case_status(admin_client, case["id"]))[0] == "open"


async def test_a_full_window_offers_the_next_open_windows(
    admin_client: httpx.AsyncClient,
) -> None:
    await add_technician(admin_client, "SH-2401")
    await register_customer(admin_client, "tg:2401")
    first, second = [await open_case(admin_client, "tg:2401") for _ in range(2)]
    await booked(admin_client, first["id"], window_start(1, 9))
    full = await book(admin_client, second["id"], window_start(1, 9))
    assert full.status_code == 409, full.text
    problem = full.json()
    assert problem["code"] == "window_full"
    assert "约满" in problem["extra"]["zh"] and "fully booked" in problem["extra"]["en"]
    offered = [(w["local_date"], w["label"]) for w in problem["extra"]["alternatives"]]
    assert offered == [
        ("2026-12-01", "09:00–12:00"),
        ("2026-12-01", "13:00–16:00"),
        ("2026-12-01", "16:00–19:00"),
        ("2026-12-02", "13:00–16:00"),
        ("2026-12-02", "16:00–19:00"),
    ]
    assert all(w["remaining_capacity"] == 1 for w in problem["extra"]["alternatives"])
    assert [w["within_service_level"] for w in problem["extra"]["alternatives"]] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert (await _case_status(admin_client, second["id"]))[0] == "open"


async def test_reschedule_and_cancel_move_and_free_the_seat(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    await add_technician(admin_client, "SH-2501")
    await register_customer(admin_client, "tg:2501")
    await register_customer(admin_client, "tg:2502")
    mine, other = await open_case(admin_client, "tg:2501"), await open_case(admin_client, "tg:2502")
    consumer = api_client_for(Role.ACTIONS, customer="tg:2501")
    visit = await booked(consumer, mine["id"], window_start(1, 9))
    url = f"/api/v1/visits/{visit['id']}"

    moved = await consumer.post(
        f"{url}/reschedule", json={"window_start": window_start(1, 13), "note": "下午更方便"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["window"]["label"] == "13:00–16:00"
    last = moved.json()["transitions"][-1]
    assert (last["from_status"], last["to_status"], last["note"]) == (
        "booked",
        "booked",
        "下午更方便",
    )
    assert last["window_start"] == "2026-12-02T05:00:00Z"
    repeat = await consumer.post(f"{url}/reschedule", json={"window_start": window_start(1, 13)})
    assert len(repeat.json()["transitions"]) == len(moved.json()["transitions"])

    freed = await booked(admin_client, other["id"], window_start(1, 9))
    taken = await admin_client.post(
        f"/api/v1/visits/{freed['id']}/reschedule", json={"window_start": window_start(1, 13)}
    )
    assert taken.status_code == 409 and taken.json()["code"] == "window_full"

    stranger = api_client_for(Role.ACTIONS, customer="tg:2502")
    assert (await stranger.post(f"{url}/cancel", json={"reason": "x"})).status_code == 404
    assert (await stranger.get(url)).status_code == 404
    assert (await stranger.get(f"/api/v1/cases/{mine['id']}/visits")).status_code == 404
    assert (await consumer.post(f"{url}/cancel", json={"reason": ""})).status_code == 422
    cancelled = await consumer.post(f"{url}/cancel", json={"reason": "已经自己修好了"})
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == (
        "cancelled",
        "已经自己修好了",
    )
    again = await consumer.post(f"{url}/cancel", json={"reason": "again"})
    assert again.status_code == 200 and again.json()["cancel_reason"] == "已经自己修好了"
    assert (await _case_status(admin_client, mine["id"]))[0] == "awaiting_visit"
    late = await consumer.post(f"{url}/reschedule", json={"window_start": window_start(2, 9)})
    assert late.status_code == 409 and late.json()["code"] == "illegal_transition"

    into_freed = await admin_client.post(
        f"/api/v1/visits/{freed['id']}/reschedule", json={"window_start": window_start(1, 13)}
    )
    assert into_freed.status_code == 200, into_freed.text
    rebooked = await booked(consumer, mine["id"], window_start(1, 9))
    assert rebooked["id"] != visit["id"]
    listed = (await consumer.get(f"/api/v1/cases/{mine['id']}/visits")).json()
    assert [(v["id"], v["status"]) for v in listed] == [
        (visit["id"], "cancelled"),
        (rebooked["id"], "booked"),
    ]
    assert [kind for kind, _ in await _events(api_app)] == [
        "visit.booked",
        "visit.rescheduled",
        "visit.booked",
        "visit.cancelled",
        "visit.rescheduled",
        "visit.booked",
    ]
    assert await _count(api_app, VisitSlot) == 2

    async with api_app.state.session_factory() as session:
        erased_count = await erase_visit_personal_data(
            session,
            [mine["id"]],
            channel_id="tg:2501",
            anonymous_id="anon:2501",
            marker="[erased]",
            now=utc_now(),
        )
        await session.commit()
    assert erased_count == 2
    erased = (await admin_client.get(f"/api/v1/cases/{mine['id']}/visits")).json()
    assert {(v["address"], v["contact_phone"]) for v in erased} == {("[erased]", "[erased]")}
    assert erased[0]["cancel_reason"] == "[erased]"
    assert {t["note"] for v in erased for t in v["transitions"] if t["note"]} == {"[erased]"}
    actors = {t["actor_id"] for v in erased for t in v["transitions"]}
    assert "anon:2501" in actors and "tg:2501" not in actors
    untouched = (await admin_client.get(f"/api/v1/visits/{freed['id']}")).json()
    assert untouched["address"] == PUDONG


async def test_field_reports_move_the_visit_and_the_case(
    admin_client: httpx.AsyncClient,
    api_client_for: ApiClientFactory,
    api_app: FastAPI,
    clock: time_machine.Coordinates,
) -> None:
    await add_technician(admin_client, "SH-2601", capacity_per_window=2)
    await register_customer(admin_client, "tg:2601")
    free = await open_case(admin_client, "tg:2601")
    paid = await open_case(admin_client, "tg:2601", warranty_snapshot=OUT_OF_WARRANTY)
    visit = await booked(admin_client, free["id"], window_start(0, 13))
    paid_visit = await booked(
        admin_client,
        paid["id"],
        window_start(0, 13),
        fee_consent={"accepted": True, "quoted_fee": "150.00"},
    )
    backend = api_client_for(Role.BACKEND)

    async def report(visit_id: int, **body: Any) -> httpx.Response:
        return await backend.post(f"/api/v1/visits/{visit_id}/status", json=body)

    consumer = api_client_for(Role.ACTIONS, customer="tg:2601")
    assert (
        await consumer.post(f"/api/v1/visits/{visit['id']}/status", json={"status": "started"})
    ).status_code == 403
    early = await report(visit["id"], status="no_show")
    assert (early.status_code, early.json()["code"]) == (409, "too_early_for_no_show")
    assert (await report(visit["id"], status="en_route")).json()["status"] == "en_route"
    assert (await report(visit["id"], status="en_route")).json()["status"] == "en_route"
    started = await report(visit["id"], status="started", note="到达现场")
    assert started.json()["status"] == "started"
    assert (await _case_status(admin_client, free["id"]))[0] == "in_repair"
    for body, code in (
        ({"status": "completed"}, "validation_failed"),
        ({"status": "en_route", "resolution": "x"}, "validation_failed"),
        (
            {"status": "completed", "resolution": "换了电容", "fee_charged": "10"},
            "fee_consent_required",
        ),
    ):
        refused = await report(visit["id"], **body)
        assert (refused.status_code, refused.json()["code"]) == (422, code), body
    done = await report(
        visit["id"],
        status="completed",
        resolution="更换启动电容，制冷恢复",
        parts_used=[{"code": "capacitor", "quantity": 1}],
        fee_charged="0",
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["fee_charged"]) == ("completed", "0.00")
    assert done.json()["parts_used"] == [{"code": "capacitor", "quantity": 1}]
    assert [t["to_status"] for t in done.json()["transitions"]] == [
        "booked",
        "en_route",
        "started",
        "completed",
    ]
    assert (await _case_status(admin_client, free["id"]))[0] == "resolved"
    back = await report(visit["id"], status="en_route")
    assert (back.status_code, back.json()["code"]) == (409, "illegal_transition")

    await report(paid_visit["id"], status="started")
    above = await report(
        paid_visit["id"], status="completed", resolution="换压缩机", fee_charged="200"
    )
    assert (above.status_code, above.json()["code"]) == (422, "fee_above_quote")
    charged = await report(
        paid_visit["id"], status="completed", resolution="换压缩机", fee_charged="150"
    )
    assert charged.json()["fee_charged"] == "150.00"

    missed_case = await open_case(admin_client, "tg:2601")
    missed = await booked(admin_client, missed_case["id"], window_start(0, 16))
    clock.move_to(local(TODAY, 16).replace(minute=30))
    no_show = await report(missed["id"], status="no_show", note="无人开门")
    assert no_show.json()["status"] == "no_show"
    assert (await _case_status(admin_client, missed_case["id"]))[0] == "awaiting_visit"
    assert [kind for kind, _ in await _events(api_app)][-3:] == [
        "visit.completed",
        "visit.completed",
        "visit.booked",
    ]
