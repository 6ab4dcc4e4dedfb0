"""Delivering events over real HTTP: who gets what, the signed request, retries and giving up."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

import httpx
import pytest
import time_machine
from fastapi import FastAPI

from api.auth_roles import Role
from api.outbox.service import EventType
from api.webhooks.status import DeliveryStatus
from tests.api.cases.workflow import add_categories, open_case, register_customer
from tests.api.webhooks.conftest import CLIENT_TIMEOUT_SECONDS, WorkerFactory
from tests.api.webhooks.receiver import Answer, ScriptedReceiver, Stall, Trickle
from tests.api.webhooks.steps import (
    OTHER_SECRET,
    SECRET,
    SUBSCRIPTIONS,
    T0,
    Sessions,
    list_deliveries,
    record,
    stored_deliveries,
    subscribe,
)
from tests.conftest import ApiClientFactory
from tests.support.live_server import free_port


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_each_event_reaches_the_subscriptions_that_want_it_signed(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    cases = await subscribe(admin_client, receiver.hook("cases", SECRET), ("case.created",))
    await subscribe(
        admin_client,
        receiver.hook("visits", OTHER_SECRET),
        ("visit.booked", "visit.cancelled"),
        secret=OTHER_SECRET,
    )
    await subscribe(admin_client, receiver.hook("paused", SECRET), active=False)
    payload = {"case_id": 7, "category": "air_conditioner", "note": "空调不制冷"}
    with time_machine.travel(T0, tick=False):
        case_event = await record(sessions, EventType.CASE_CREATED, payload)
        visit_event = await record(sessions, EventType.VISIT_BOOKED, {"visit_id": 3})
        await record(sessions, EventType.HANDOFF_CREATED, {"handoff_id": 1})
        await subscribe(admin_client, receiver.hook("late", SECRET), ("case.created",))
        report = await make_worker().run_once()

    assert (report.fanned_out, report.created, report.claimed, report.delivered) == (3, 2, 2, 2)
    by_hook = {request.hook: request for request in receiver.received}
    assert sorted(by_hook) == ["cases", "visits"]
    assert all(request.signature_valid for request in by_hook.values())
    case_request = by_hook["cases"]
    assert json.loads(case_request.body) == {
        "id": case_event,
        "type": "case.created",
        "occurred_at": "2026-11-23T02:00:00Z",
        "data": payload,
    }
    assert "空调不制冷".encode() in case_request.body
    headers = case_request.headers
    assert headers["x-aftersales-event-id"] == case_event
    assert headers["x-aftersales-event-type"] == "case.created"
    assert headers["x-aftersales-timestamp"] == str(int(T0.timestamp()))
    assert headers["x-aftersales-signature"].startswith("v1=")
    assert headers["content-type"].startswith("application/json")
    assert by_hook["visits"].document["id"] == visit_event

    (delivered_case,) = await list_deliveries(admin_client, subscription_id=cases["id"])
    assert (delivered_case["status"], delivered_case["event_id"]) == ("delivered", case_event)
    assert delivered_case["delivered_at"] is not None
    (attempt,) = delivered_case["attempts"]
    assert (attempt["status_code"], attempt["error"], attempt["worker"]) == (200, None, "worker-a")
    assert attempt["duration_ms"] >= 0

    again = await make_worker().run_once()
    assert not again.busy
    assert len(receiver.received) == 2


async def test_a_case_opened_through_the_api_reaches_the_subscriber(
    api_app: FastAPI,
    api_client_for: ApiClientFactory,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    admin = api_client_for(Role.ADMIN)
    await subscribe(admin, receiver.hook("dispatch", SECRET), ("case.created",))
    await add_categories(api_app)
    agent = api_client_for(Role.AGENT)
    await register_customer(agent, "tg:5150")
    case = await open_case(agent, "tg:5150", fault_description="不制冷")

    assert (await make_worker().run_once()).delivered == 1
    (request,) = receiver.received
    assert request.signature_valid
    assert request.document["type"] == "case.created"
    assert request.document["data"]["case_id"] == case["id"]
    assert request.document["data"]["category"] == "air_conditioner"


async def test_any_answer_but_a_2xx_is_retried_with_growing_waits(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    receiver.script(
        Answer(500),
        Answer(302),
        Answer(404, b"gone\x00\xff" + b"x" * 1000),
        Trickle(503, CLIENT_TIMEOUT_SECONDS * 3),
    )
    worker = make_worker()
    with time_machine.travel(T0, tick=True) as traveller:
        event_id = await record(sessions)
        first = await worker.run_once()
        assert (first.claimed, first.retrying) == (1, 1)
        (pending,) = await list_deliveries(admin_client)
        assert (pending["status"], pending["attempt_count"], pending["last_status_code"]) == (
            "pending",
            1,
            500,
        )
        assert pending["last_error"] == "HTTP 500: answer 500"
        assert (await worker.run_once()).claimed == 0
        while (delivery := (await stored_deliveries(sessions))[0]).status == "pending":
            traveller.move_to(delivery.next_attempt_at)
            assert (await worker.run_once()).claimed == 1

    (delivered,) = await list_deliveries(admin_client)
    assert (delivered["status"], delivered["attempt_count"], delivered["last_error"]) == (
        "delivered",
        5,
        None,
    )
    attempts = delivered["attempts"]
    assert [attempt["status_code"] for attempt in attempts] == [500, 302, 404, 503, 200]
    assert [attempt["error"] for attempt in attempts] == [
        "HTTP 500: answer 500",
        "HTTP 302: answer 302",
        "HTTP 404: gone\ufffd\ufffd" + "x" * 506,
        f"HTTP 503, its body unfinished after {CLIENT_TIMEOUT_SECONDS:g} s",
        None,
    ]
    times = [_at(attempt["attempted_at"]) for attempt in attempts]
    waits = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
    for wait, nominal in zip(waits, (10, 30, 90, 270), strict=True):
        assert nominal * 0.8 - 0.1 <= wait <= nominal + 0.5
    assert receiver.event_ids() == [event_id] * 5
    assert all(request.signature_valid for request in receiver.received)


@pytest.mark.parametrize("failure", ["timeout", "connection-refused"])
async def test_an_attempt_without_an_answer_is_retried(
    failure: str,
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    reachable = receiver.hook("dispatch", SECRET)
    url = reachable
    if failure == "timeout":
        receiver.script(Stall(CLIENT_TIMEOUT_SECONDS * 3))
    else:
        url = f"http://127.0.0.1:{free_port()}/hooks/dispatch"
    subscription = await subscribe(admin_client, url)
    worker = make_worker()
    with time_machine.travel(T0, tick=True) as traveller:
        event_id = await record(sessions)
        assert (await worker.run_once()).retrying == 1
        (delivery,) = await list_deliveries(admin_client)
        (attempt,) = delivery["attempts"]
        assert attempt["status_code"] is delivery["last_status_code"] is None
        if failure == "timeout":
            assert attempt["error"] == f"no answer within {CLIENT_TIMEOUT_SECONDS:g} s"
            assert attempt["duration_ms"] < CLIENT_TIMEOUT_SECONDS * 3 * 1000
        else:
            assert attempt["error"].startswith("ConnectError")
            path = f"{SUBSCRIPTIONS}/{subscription['id']}"
            assert (await admin_client.patch(path, json={"url": reachable})).status_code == 200
        wait = _at(delivery["next_attempt_at"]) - _at(attempt["attempted_at"])
        assert timedelta(seconds=7.9) <= wait <= timedelta(seconds=10.5)
        traveller.shift(timedelta(seconds=10.5))
        assert (await worker.run_once()).delivered == 1

    assert receiver.event_ids()[-1] == event_id
    (delivery,) = await list_deliveries(admin_client)
    assert [attempt["status_code"] for attempt in delivery["attempts"]] == [None, 200]


async def test_a_delivery_fails_after_a_day_of_failures(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    await subscribe(admin_client, receiver.hook("down", SECRET))
    receiver.script(*[Answer(503)] * 100)
    worker = make_worker()
    with time_machine.travel(T0, tick=True) as traveller:
        await record(sessions)
        await worker.run_once()
        while (delivery := (await stored_deliveries(sessions))[0]).status == "pending":
            traveller.move_to(delivery.next_attempt_at)
            assert (await worker.run_once()).claimed == 1

    assert delivery.status == DeliveryStatus.FAILED
    (listed,) = await list_deliveries(admin_client, status="failed")
    times = [_at(attempt["attempted_at"]) for attempt in listed["attempts"]]
    assert len(times) == listed["attempt_count"] == len(receiver.received)
    assert times[-1] - times[0] >= timedelta(hours=24)
    assert times[-2] - times[0] < timedelta(hours=24)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert timedelta(seconds=7.9) <= gaps[0] <= timedelta(seconds=10.5)
    assert timedelta(seconds=23.9) <= gaps[1] <= timedelta(seconds=30.5)
    assert max(gaps) <= timedelta(hours=1, seconds=1)
    assert 25 <= len(times) <= 40
    assert all(attempt["status_code"] == 503 for attempt in listed["attempts"])


async def test_an_inactive_subscription_gets_nothing_until_it_is_active_again(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    await subscribe(admin_client, receiver.hook("kept", SECRET))
    paused = await subscribe(admin_client, receiver.hook("paused", SECRET))
    paused_path = f"{SUBSCRIPTIONS}/{paused['id']}"
    receiver.script(Answer(500), hook="paused")
    worker = make_worker()
    with time_machine.travel(T0, tick=True) as traveller:
        first = await record(sessions)
        assert (await worker.run_once()).retrying == 1
        assert (await admin_client.patch(paused_path, json={"active": False})).status_code == 200
        skipped = await record(sessions)
        traveller.shift(timedelta(minutes=5))
        while_paused = await worker.run_once()
        assert (while_paused.created, while_paused.claimed) == (1, 1)
        assert receiver.event_ids("paused") == [first]
        assert (await admin_client.patch(paused_path, json={"active": True})).status_code == 200
        later = await record(sessions)
        resumed = await worker.run_once()
        assert (resumed.created, resumed.delivered) == (2, 3)

    assert sorted(receiver.event_ids("kept")) == sorted([first, skipped, later])
    assert sorted(receiver.event_ids("paused")) == sorted([first, first, later])
    delivered = await list_deliveries(admin_client, subscription_id=paused["id"])
    assert [item["status"] for item in delivered] == ["delivered", "delivered"]


async def test_a_reactivated_subscription_gets_no_backlog(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    subscription = await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    path = f"{SUBSCRIPTIONS}/{subscription['id']}"
    await admin_client.patch(path, json={"active": False})
    await record(sessions)
    await make_worker().run_once()
    newest = await record(sessions)

    reactivated = (await admin_client.patch(path, json={"active": True})).json()
    later = await record(sessions)
    while (await make_worker().run_once()).busy:
        pass

    assert reactivated["starts_after_event_id"] == 2
    assert newest not in receiver.event_ids()
    assert receiver.event_ids() == [later]
