"""What admins see of deliveries, and replays."""

from __future__ import annotations

import uuid

import httpx
import time_machine

from tests.api.webhooks.conftest import WorkerFactory
from tests.api.webhooks.receiver import Answer, ScriptedReceiver
from tests.api.webhooks.steps import (
    DELIVERIES,
    SECRET,
    T0,
    Sessions,
    list_deliveries,
    record,
    record_many,
    subscribe,
)


async def test_deliveries_are_listed_newest_first_with_filters_and_pages(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    one = await subscribe(admin_client, receiver.hook("one", SECRET))
    two = await subscribe(admin_client, receiver.hook("two", SECRET))
    receiver.script(Answer(500), hook="two")
    event_ids = await record_many(sessions, 3)
    await make_worker().run_once()

    everything = await list_deliveries(admin_client)
    assert [item["id"] for item in everything] == sorted(
        (item["id"] for item in everything), reverse=True
    )
    assert len(everything) == 6
    assert [
        item["subscription_id"]
        for item in await list_deliveries(admin_client, subscription_id=one["id"])
    ] == [one["id"]] * 3
    (failing,) = await list_deliveries(admin_client, status="pending")
    assert failing["subscription_id"] == two["id"]
    assert failing["last_status_code"] == 500
    assert [attempt["status_code"] for attempt in failing["attempts"]] == [500]
    assert len(await list_deliveries(admin_client, status="delivered")) == 5
    assert await list_deliveries(admin_client, status="failed") == []
    of_event = await list_deliveries(admin_client, event_id=event_ids[1])
    assert sorted(item["subscription_id"] for item in of_event) == [one["id"], two["id"]]
    assert {item["event_id"] for item in of_event} == {event_ids[1]}

    page = (await admin_client.get(DELIVERIES, params={"limit": 4})).json()
    assert len(page["items"]) == 4
    rest = (
        await admin_client.get(DELIVERIES, params={"limit": 4, "before_id": page["next_before_id"]})
    ).json()
    assert len(rest["items"]) == 2 and rest["next_before_id"] is None
    seen = [item["id"] for item in page["items"] + rest["items"]]
    assert sorted(seen) == sorted(item["id"] for item in everything)


async def test_bad_delivery_queries_are_refused(admin_client: httpx.AsyncClient) -> None:
    for params in (
        {"status": "lost"},
        {"subscription_id": "0"},
        {"event_id": "not-a-uuid"},
        {"limit": "0"},
        {"limit": "201"},
    ):
        response = await admin_client.get(DELIVERIES, params=params)
        assert response.status_code == 422, params
    for missing in (
        await admin_client.get(f"{DELIVERIES}/4242"),
        await admin_client.post(f"{DELIVERIES}/4242/replay"),
        await admin_client.post(f"/api/v1/webhooks/events/{uuid.uuid4()}/replay"),
    ):
        assert missing.status_code == 404
    assert (await admin_client.post("/api/v1/webhooks/events/nope/replay")).status_code == 422


async def test_a_replayed_delivery_is_due_at_once_and_sent_again(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    worker = make_worker()
    with time_machine.travel(T0, tick=False):
        event_id = await record(sessions)
        await worker.run_once()
        (delivered,) = await list_deliveries(admin_client)
        assert delivered["status"] == "delivered"

        response = await admin_client.post(f"{DELIVERIES}/{delivered['id']}/replay")
        assert response.status_code == 200, response.text
        replayed = response.json()
        assert (replayed["status"], replayed["attempt_count"], replayed["delivered_at"]) == (
            "pending",
            0,
            None,
        )
        assert replayed["next_attempt_at"] == "2026-11-23T02:00:00Z"
        assert len(replayed["attempts"]) == 1
        assert (await worker.run_once()).delivered == 1

    assert receiver.event_ids() == [event_id, event_id]
    (again,) = await list_deliveries(admin_client)
    assert (again["status"], again["attempt_count"], len(again["attempts"])) == ("delivered", 1, 2)


async def test_a_replayed_event_goes_again_to_all_its_subscriptions(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    await subscribe(admin_client, receiver.hook("one", SECRET))
    await subscribe(admin_client, receiver.hook("two", SECRET))
    replayed_id, other_id = await record_many(sessions, 2)
    worker = make_worker()
    await worker.run_once()
    assert len(receiver.received) == 4

    response = await admin_client.post(f"/api/v1/webhooks/events/{replayed_id}/replay")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(item["event_id"], item["status"]) for item in items] == [
        (replayed_id, "pending"),
        (replayed_id, "pending"),
    ]
    assert (await worker.run_once()).delivered == 2
    assert receiver.event_ids("one")[2:] == receiver.event_ids("two")[2:] == [replayed_id]
    assert receiver.event_ids().count(other_id) == 2
