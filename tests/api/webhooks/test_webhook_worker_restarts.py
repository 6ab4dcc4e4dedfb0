"""Several workers and restarts: nothing lost, nothing fanned out twice, leases that run out."""

from __future__ import annotations

import asyncio
import random
import threading
from datetime import timedelta

import httpx
import time_machine

from api.db import utc_now
from api.outbox.models import OutboxEvent
from api.webhooks.attempt import AttemptResult
from api.webhooks.backoff import RetrySchedule
from api.webhooks.claims import Claim, claim_due, record_attempt
from api.webhooks.fan_out import FanOutResult, fan_out
from api.webhooks.models import WebhookCursor
from tests.api.webhooks.conftest import WorkerFactory
from tests.api.webhooks.receiver import Hold, ScriptedReceiver
from tests.api.webhooks.steps import (
    SECRET,
    T0,
    Sessions,
    list_deliveries,
    record,
    record_many,
    stored_attempts,
    stored_deliveries,
    subscribe,
)

LEASE = timedelta(seconds=30)
GAP_GRACE = timedelta(seconds=30)


async def _fan_out(sessions: Sessions) -> FanOutResult:
    async with sessions() as session, session.begin():
        return await fan_out(session, batch_size=100, gap_grace=GAP_GRACE, now=utc_now())


async def _claim(sessions: Sessions, owner: str, limit: int = 10) -> list[Claim]:
    async with sessions() as session, session.begin():
        return await claim_due(session, owner=owner, limit=limit, lease=LEASE, now=utc_now())


async def _cursor(sessions: Sessions) -> int:
    async with sessions() as session:
        cursor = await session.get(WebhookCursor, "outbox")
        assert cursor is not None
        return cursor.last_event_id


async def test_a_worker_stopped_mid_batch_finishes_it_and_the_next_carries_on(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    event_ids = await record_many(sessions, 7)
    gate = threading.Event()
    receiver.script(Hold(gate), Hold(gate))
    first = make_worker("worker-a", batch_size=2, fan_out_batch_size=3)
    first.start()
    try:
        await receiver.wait_for(2)
        stopping = asyncio.create_task(first.stop())
        await asyncio.sleep(0)
    finally:
        gate.set()
    await stopping
    assert not first.running
    assert len(receiver.received) == 2
    statuses = [delivery.status for delivery in await stored_deliveries(sessions)]
    assert statuses == ["delivered", "delivered", "pending"]
    assert await _cursor(sessions) == 3

    second = make_worker("worker-b", batch_size=2, fan_out_batch_size=3)
    while (await second.run_once()).busy:
        pass

    assert sorted(receiver.event_ids()) == sorted(event_ids)
    deliveries = await stored_deliveries(sessions)
    assert len(deliveries) == 7
    assert {delivery.status for delivery in deliveries} == {"delivered"}
    assert len({delivery.outbox_event_id for delivery in deliveries}) == 7
    assert await _cursor(sessions) == 7
    assert [attempt.worker for attempt in await stored_attempts(sessions)].count("worker-a") == 2


async def test_an_abandoned_send_is_sent_again_once_its_lease_runs_out(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    gate = threading.Event()
    receiver.script(Hold(gate))
    crashed = make_worker("crashed", shutdown_grace_seconds=0)
    survivor = make_worker("survivor")
    try:
        with time_machine.travel(T0, tick=True) as traveller:
            event_id = await record(sessions)
            crashed.start()
            await receiver.wait_for(1)
            await crashed.stop()
            (held,) = await list_deliveries(admin_client)
            assert (held["status"], held["lease_owner"]) == ("pending", "crashed")
            assert (await survivor.run_once()).claimed == 0
            traveller.shift(LEASE + timedelta(seconds=1))
            assert (await survivor.run_once()).delivered == 1
    finally:
        gate.set()

    assert receiver.event_ids() == [event_id, event_id]
    (delivery,) = await list_deliveries(admin_client)
    assert (delivery["status"], delivery["lease_owner"], delivery["leased_until"]) == (
        "delivered",
        None,
        None,
    )
    assert [attempt["worker"] for attempt in delivery["attempts"]] == ["survivor"]


async def test_a_late_report_from_a_worker_that_lost_its_lease_changes_nothing(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> None:
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    with time_machine.travel(T0, tick=True) as traveller:
        await record(sessions)
        await _fan_out(sessions)
        (stale,) = await _claim(sessions, "slow-worker")
        assert T0 + LEASE <= stale.leased_until < T0 + LEASE + timedelta(seconds=5)
        traveller.shift(LEASE + timedelta(seconds=1))
        assert (await make_worker("survivor").run_once()).delivered == 1
        refused = AttemptResult(utc_now(), 40_000, 500, "HTTP 500")
        async with sessions() as session, session.begin():
            outcome = await record_attempt(
                session,
                stale,
                refused,
                worker="slow-worker",
                schedule=RetrySchedule(),
                rng=random.Random(1),
                now=utc_now(),
            )

    assert outcome is None
    (delivery,) = await list_deliveries(admin_client)
    assert (delivery["status"], delivery["attempt_count"], delivery["last_status_code"]) == (
        "delivered",
        1,
        200,
    )
    assert [(item["worker"], item["status_code"]) for item in delivery["attempts"]] == [
        ("survivor", 200),
        ("slow-worker", 500),
    ]


async def test_workers_claiming_at_once_never_share_a_delivery(
    admin_client: httpx.AsyncClient, sessions: Sessions, receiver: ScriptedReceiver
) -> None:
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    await record_many(sessions, 12)
    assert (await _fan_out(sessions)).deliveries == 12

    claims = await asyncio.gather(*(_claim(sessions, f"worker-{n}", limit=5) for n in range(3)))

    claimed = [claim.delivery_id for batch in claims for claim in batch]
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 12
    assert all(len(batch) <= 5 for batch in claims)
    owners = {delivery.id: delivery.lease_owner for delivery in await stored_deliveries(sessions)}
    for n, batch in enumerate(claims):
        assert {owners[claim.delivery_id] for claim in batch} <= {f"worker-{n}"}
    assert await _claim(sessions, "latecomer") == []


async def test_fanning_out_at_once_creates_each_delivery_once(
    admin_client: httpx.AsyncClient, sessions: Sessions, receiver: ScriptedReceiver
) -> None:
    await subscribe(admin_client, receiver.hook("one", SECRET))
    await subscribe(admin_client, receiver.hook("two", SECRET))
    await record_many(sessions, 10)

    results = await asyncio.gather(*(_fan_out(sessions) for _ in range(3)))

    assert sum(result.deliveries for result in results) == 20
    deliveries = await stored_deliveries(sessions)
    pairs = {(delivery.outbox_event_id, delivery.subscription_id) for delivery in deliveries}
    assert len(deliveries) == len(pairs) == 20
    assert await _cursor(sessions) == 10
    assert await _fan_out(sessions) == FanOutResult(0, 0)


async def _add_outbox_rows(sessions: Sessions, *ids: int) -> None:
    async with sessions() as session, session.begin():
        session.add_all(
            OutboxEvent(
                id=outbox_id,
                event_id=f"00000000-0000-4000-8000-{outbox_id:012d}",
                event_type="case.created",
                subject=f"case:{outbox_id}",
                payload={"case_id": outbox_id},
                occurred_at=utc_now(),
            )
            for outbox_id in ids
        )


async def test_the_fan_out_waits_for_a_missing_outbox_id_that_commits_late(
    admin_client: httpx.AsyncClient, sessions: Sessions, receiver: ScriptedReceiver
) -> None:
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    with time_machine.travel(T0, tick=False) as traveller:
        await _add_outbox_rows(sessions, 1, 2, 4)
        assert await _fan_out(sessions) == FanOutResult(2, 2)
        traveller.shift(GAP_GRACE - timedelta(seconds=1))
        assert await _fan_out(sessions) == FanOutResult(0, 0)
        await _add_outbox_rows(sessions, 3)
        assert await _fan_out(sessions) == FanOutResult(2, 2)

    deliveries = await stored_deliveries(sessions)
    assert [delivery.outbox_event_id for delivery in deliveries] == [1, 2, 3, 4]
    assert await _cursor(sessions) == 4


async def test_the_fan_out_moves_past_an_id_missing_for_longer_than_the_grace(
    admin_client: httpx.AsyncClient, sessions: Sessions, receiver: ScriptedReceiver
) -> None:
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    with time_machine.travel(T0, tick=False) as traveller:
        await _add_outbox_rows(sessions, 1, 3, 4, 6)
        assert await _fan_out(sessions) == FanOutResult(1, 1)
        traveller.shift(GAP_GRACE)
        # Past the first gap, up to the next one, which has only just been seen.
        assert await _fan_out(sessions) == FanOutResult(2, 2)
        assert await _fan_out(sessions) == FanOutResult(0, 0)
        traveller.shift(GAP_GRACE)
        assert await _fan_out(sessions) == FanOutResult(1, 1)

    deliveries = await stored_deliveries(sessions)
    assert [delivery.outbox_event_id for delivery in deliveries] == [1, 3, 4, 6]
    assert await _cursor(sessions) == 6
