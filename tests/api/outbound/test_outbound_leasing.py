"""Leasing, acknowledging and failing deliveries; expiry, retries, blocked consumers and
concurrent workers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.auth_roles import Role
from api.outbound.settings import OutboundSettings, outbound_settings
from tests.api.outbound.steps import CONSUMER, OTHER_CONSUMER, T0, at, enqueue, lease, report
from tests.conftest import ApiClientFactory


@pytest.fixture
def bot(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.BOT)


@pytest.fixture
def backend(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.BACKEND)


@pytest.fixture
def three_attempts(api_app: FastAPI) -> Iterator[None]:
    api_app.dependency_overrides[outbound_settings] = lambda: OutboundSettings(
        max_attempts=3, retry_base_seconds=30, retry_max_seconds=600
    )
    yield
    api_app.dependency_overrides.pop(outbound_settings)


async def test_due_items_are_leased_once_in_order(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(T0):
        later = await enqueue(backend, not_before=(T0 + timedelta(hours=1)).isoformat())
        first = await enqueue(backend, not_before=(T0 - timedelta(minutes=5)).isoformat())
        second = await enqueue(backend, OTHER_CONSUMER)
        leased = await lease(bot, "bot-1", lease_seconds=90)
        nothing_more = await lease(bot, "bot-2")
    assert [item["id"] for item in leased] == [first["id"], second["id"]]
    assert nothing_more == []
    for item in leased:
        assert (item["status"], item["attempts"], item["leased_by"]) == ("leased", 1, "bot-1")
        assert item["lease_expires_at"] == "2026-11-23T02:01:30Z"
        assert len(item["lease_token"]) > 30
    assert leased[0]["lease_token"] != leased[1]["lease_token"]
    for item in leased:
        assert (await report(bot, item, "ack")).status_code == 200
    with at(T0 + timedelta(hours=1)):
        (due_later,) = await lease(bot, "bot-2")
    assert due_later["id"] == later["id"]


async def test_ack_marks_delivered_and_is_fenced_by_the_token(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    item = await enqueue(backend)
    (leased,) = await lease(bot)
    forged = await report(bot, {**leased, "lease_token": "forged"}, "ack")
    assert (forged.status_code, forged.json()["code"]) == (409, "lease_lost")
    acked = await report(bot, leased, "ack")
    assert acked.status_code == 200
    assert (acked.json()["status"], acked.json()["lease_expires_at"]) == ("delivered", None)
    assert acked.json()["delivered_at"] is not None
    repeated = await report(bot, leased, "ack")
    assert (repeated.status_code, repeated.json()["delivered_at"]) == (
        200,
        acked.json()["delivered_at"],
    )
    assert await lease(bot) == []
    missing = await bot.post("/api/v1/outbound/999999/ack", json={"lease_token": "x"})
    assert (missing.status_code, missing.json()["code"]) == (404, "outbound_item_not_found")
    assert item["id"] == leased["id"]

    await enqueue(backend)
    (hopeless,) = await lease(bot)
    failed = await report(bot, hopeless, "fail", error="message too long", permanent=True)
    assert (failed.json()["status"], failed.json()["attempts"]) == ("failed", 1)
    repeated_failure = await report(bot, hopeless, "fail", error="again", permanent=True)
    assert (repeated_failure.status_code, repeated_failure.json()["last_error"]) == (
        200,
        "message too long",
    )
    assert await lease(bot) == []


async def test_an_expired_lease_goes_to_another_worker(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(T0):
        await enqueue(backend)
        (first,) = await lease(bot, "bot-1", lease_seconds=60)
    with at(T0 + timedelta(seconds=59)):
        assert await lease(bot, "bot-2") == []
    with at(T0 + timedelta(seconds=60)):
        (second,) = await lease(bot, "bot-2", lease_seconds=60)
    assert second["id"] == first["id"]
    assert (second["attempts"], second["leased_by"]) == (2, "bot-2")
    assert second["lease_token"] != first["lease_token"]
    stale = await report(bot, first, "ack")
    assert (stale.status_code, stale.json()["code"]) == (409, "lease_lost")
    assert "leased by bot-2" in stale.json()["detail"]
    stale_failure = await report(bot, first, "fail", error="timeout")
    assert (stale_failure.status_code, stale_failure.json()["code"]) == (409, "lease_lost")
    assert (await report(bot, second, "ack")).json()["status"] == "delivered"

    # A late acknowledgement still counts while nobody else has taken the item.
    with at(T0):
        await enqueue(backend)
        (slow,) = await lease(bot, lease_seconds=30)
    with at(T0 + timedelta(minutes=5)):
        late = await report(bot, slow, "ack")
    assert (late.status_code, late.json()["status"]) == (200, "delivered")


@pytest.mark.usefixtures("three_attempts")
async def test_failures_back_off_exponentially_then_give_up(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(T0):
        item = await enqueue(backend)
    moment = T0
    for attempt, delay in ((1, 30), (2, 60)):
        with at(moment):
            (leased,) = await lease(bot)
            assert leased["attempts"] == attempt
            failed = await report(bot, leased, "fail", error=f"Telegram 502 #{attempt}")
        body = failed.json()
        assert (body["status"], body["last_error"]) == ("pending", f"Telegram 502 #{attempt}")
        assert body["leased_by"] is None
        moment += timedelta(seconds=delay)
        with at(moment - timedelta(seconds=1)):
            assert await lease(bot) == []
        repeated = await report(bot, leased, "fail", error="again")
        assert (repeated.status_code, repeated.json()["code"]) == (409, "lease_lost")
    with at(moment):
        (last,) = await lease(bot)
        given_up = await report(bot, last, "fail", error="Telegram 502 #3")
    assert (last["attempts"], given_up.json()["status"]) == (3, "failed")
    with at(moment + timedelta(days=1)):
        assert await lease(bot) == []
    assert given_up.json()["id"] == item["id"]


@pytest.mark.usefixtures("three_attempts")
async def test_a_worker_that_never_answers_does_not_get_the_item_forever(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(T0):
        await enqueue(backend)
    for attempt in (1, 2, 3):
        with at(T0 + timedelta(minutes=attempt)):
            (leased,) = await lease(bot, lease_seconds=30)
        assert leased["attempts"] == attempt
    with at(T0 + timedelta(minutes=4)):
        assert await lease(bot) == []
        (item,) = (await backend.get("/api/v1/outbound")).json()["items"]
    assert (item["status"], item["last_error"]) == ("failed", "no acknowledgement after 3 attempts")


async def test_a_consumer_who_blocked_the_bot_is_not_written_to(
    api_client_for: ApiClientFactory, bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(T0):
        await enqueue(backend, kind="survey_due")
        waiting = await enqueue(backend, kind="survey_reminder")
        future = await enqueue(backend, kind="visit_reminder", not_before="2026-12-01T00:00:00Z")
        bystander = await enqueue(backend, OTHER_CONSUMER)
        leased = await lease(bot, limit=1)
    (blocked_item,) = leased
    failed = await report(
        bot, blocked_item, "fail", error="Forbidden: bot was blocked", blocked=True
    )
    assert (failed.json()["status"], failed.json()["last_error"]) == (
        "undeliverable",
        "Forbidden: bot was blocked",
    )
    items = await _items(backend, CONSUMER)
    assert {items[waiting["id"]]["status"], items[future["id"]]["status"]} == {"undeliverable"}
    assert (await backend.get(f"/api/v1/outbound/{bystander['id']}")).json()["status"] == "pending"
    meanwhile = await enqueue(backend, kind="case_update")
    assert meanwhile["status"] == "undeliverable"
    with at(T0 + timedelta(days=30)):
        assert [item["id"] for item in await lease(bot)] == [bystander["id"]]

    unblocked = await bot.post("/api/v1/outbound/unblock", json={"conversation_id": CONSUMER})
    assert unblocked.json() == {"conversation_id": CONSUMER, "was_unreachable": True}
    again = await bot.post("/api/v1/outbound/unblock", json={"conversation_id": CONSUMER})
    assert again.json()["was_unreachable"] is False
    afterwards = await enqueue(backend, kind="case_update")
    with at(T0 + timedelta(days=30)):
        assert [item["id"] for item in await lease(bot)] == [afterwards["id"]]
    assert (await _items(backend, CONSUMER))[waiting["id"]]["status"] == "undeliverable"
    agent = api_client_for(Role.AGENT)
    refused = await agent.post("/api/v1/outbound/unblock", json={"conversation_id": CONSUMER})
    assert refused.status_code == 403


async def test_five_workers_never_share_an_item(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    created = {(await enqueue(backend, f"tg:{7100 + n % 7}"))["id"] for n in range(40)}

    async def work(worker_id: str) -> list[int]:
        taken: list[int] = []
        while batch := await lease(bot, worker_id, limit=3):
            taken.extend(item["id"] for item in batch)
        return taken

    per_worker = await asyncio.gather(*(work(f"bot-{n}") for n in range(5)))
    everything = [item_id for taken in per_worker for item_id in taken]
    assert sorted(everything) == sorted(created)
    assert len(everything) == len(set(everything))


async def test_lease_requests_are_checked(bot: httpx.AsyncClient) -> None:
    for body, field in [
        ({"worker_id": "bot-1", "limit": 0}, "body.limit"),
        ({"worker_id": "bot-1", "limit": 101}, "body.limit"),
        ({"worker_id": "bot-1", "lease_seconds": 1}, "body.lease_seconds"),
        ({"worker_id": "bot 1"}, "body.worker_id"),
    ]:
        response = await bot.post("/api/v1/outbound/lease", json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    fail = await bot.post("/api/v1/outbound/1/fail", json={"lease_token": "t", "error": ""})
    assert (fail.status_code, fail.json()["errors"][0]["field"]) == (422, "body.error")


async def _items(client: httpx.AsyncClient, conversation_id: str) -> dict[int, dict[str, Any]]:
    response = await client.get(f"/api/v1/outbound?conversation_id={conversation_id}")
    return {item["id"]: item for item in response.json()["items"]}


async def test_a_worker_leases_only_its_channel(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(T0):
        telegram_item = await enqueue(backend, CONSUMER)
        web_item = await enqueue(backend, "web:browser-1")
        web_leased = await bot.post(
            "/api/v1/outbound/lease", json={"worker_id": "web-1", "channel": "web"}
        )
        telegram_leased = await bot.post(
            "/api/v1/outbound/lease", json={"worker_id": "tg-1", "channel": "tg"}
        )
        unknown_channel = await bot.post(
            "/api/v1/outbound/lease", json={"worker_id": "x-1", "channel": "sms"}
        )
    assert [item["id"] for item in web_leased.json()["items"]] == [web_item["id"]]
    assert [item["id"] for item in telegram_leased.json()["items"]] == [telegram_item["id"]]
    assert unknown_channel.status_code == 422


async def test_a_worker_leases_only_the_conversations_it_names(
    bot: httpx.AsyncClient, backend: httpx.AsyncClient
) -> None:
    with at(T0):
        connected = await enqueue(backend, "web:connected")
        await enqueue(backend, "web:away")
        named = await bot.post(
            "/api/v1/outbound/lease",
            json={"worker_id": "web-1", "channel": "web", "conversation_ids": ["web:connected"]},
        )
        nobody = await bot.post(
            "/api/v1/outbound/lease", json={"worker_id": "web-1", "conversation_ids": []}
        )
    assert [item["id"] for item in named.json()["items"]] == [connected["id"]]
    assert nobody.json()["items"] == []
