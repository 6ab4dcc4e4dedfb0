"""``GET /metrics``: request figures per route template, queue gauges read at scrape time,
and counters of failed deliveries and booked visits that count only what was committed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import time_machine
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from aftersales import metric_names
from api.auth_roles import Role
from api.outbox.service import EventType, record_event
from api.webhooks.fan_out import fan_out
from api.webhooks.settings import WebhookSettings
from api.webhooks.worker import WebhookWorker, create_client
from tests.api.scheduling.steps import (
    NOW,
    add_technician,
    book,
    load_served_areas,
    open_case,
    register_customer,
    window_start,
)
from tests.conftest import ApiClientFactory

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CASE_ROUTE = "/api/v1/cases/{case_id}"
CLOSED_PORT_HOOK = "http://127.0.0.1:9/hook"


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    figures: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return figures.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_and_timed_by_route_template(
    api_client_for: ApiClientFactory,
) -> None:
    anonymous, agent = api_client_for(None), api_client_for(Role.AGENT)
    before = await scrape(anonymous)
    for case_id in (987654, 987655, 987656):
        assert (await agent.get(f"/api/v1/cases/{case_id}")).status_code == 404
    assert (await agent.get("/api/v1/no/such/place")).status_code == 404
    # A model code may hold slashes; the template still names the route.
    assert (await agent.get("/api/v1/catalogue/models/KFR-35GW/BpR3")).status_code == 404
    response = await anonymous.get("/metrics")
    after = await scrape(anonymous)

    requests = metric_names.API_REQUESTS_TOTAL
    case_4xx = {"method": "GET", "route": CASE_ROUTE, "status_class": "4xx"}
    assert value(after, requests, **case_4xx) - value(before, requests, **case_4xx) == 3
    unmatched = {"method": "GET", "route": "unmatched", "status_class": "4xx"}
    assert value(after, requests, **unmatched) - value(before, requests, **unmatched) == 1
    scraped = {"method": "GET", "route": "/metrics", "status_class": "2xx"}
    assert value(after, requests, **scraped) - value(before, requests, **scraped) == 2
    model = {"method": "GET", "route": "/api/v1/catalogue/models/{code}", "status_class": "4xx"}
    assert value(after, requests, **model) - value(before, requests, **model) == 1
    timed = f"{metric_names.API_REQUEST_DURATION_SECONDS}_count"
    by_route = {"method": "GET", "route": CASE_ROUTE}
    assert value(after, timed, **by_route) - value(before, timed, **by_route) == 3
    for raw in ("987654", "no/such/place", "BpR3"):
        assert raw not in response.text


async def test_queue_gauges_are_read_at_scrape_time(
    api_app: FastAPI, api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    anonymous = api_client_for(None)
    with time_machine.travel(T0, tick=False) as clock:
        handoffs = []
        for conversation_id in ("tg:9101", "tg:9102"):
            opened = await api_client_for(Role.ACTIONS, customer=conversation_id).post(
                "/api/v1/handoffs", json={"conversation_id": conversation_id, "reason": "requested"}
            )
            assert opened.status_code == 201, opened.text
            handoffs.append(opened.json())
            clock.shift(timedelta(minutes=1))
        subscription = await admin_client.post(
            "/api/v1/webhooks/subscriptions",
            json={"url": CLOSED_PORT_HOOK, "event_types": ["case.created"]},
        )
        assert subscription.status_code == 201, subscription.text
        async with api_app.state.session_factory() as session, session.begin():
            record_event(session, EventType.CASE_CREATED, "case:1", {"case_id": 1})
        async with api_app.state.session_factory() as session, session.begin():
            fanned = await fan_out(
                session, batch_size=10, gap_grace=timedelta(seconds=30), now=datetime.now(UTC)
            )
        assert fanned.deliveries == 1

        clock.move_to(T0 + timedelta(minutes=5))
        figures = await scrape(anonymous)
        assert value(figures, metric_names.HANDOFFS_WAITING) == 2
        assert value(figures, metric_names.HANDOFF_OLDEST_WAIT_SECONDS) == 300
        assert value(figures, metric_names.OUTBOX_LAG_SECONDS) == 180

        claimed = await api_client_for(Role.AGENT).post(
            f"/api/v1/handoffs/{handoffs[0]['id']}/claim", json={"agent_id": "agent-1"}
        )
        assert claimed.status_code == 200, claimed.text
        paused = await admin_client.patch(
            f"/api/v1/webhooks/subscriptions/{subscription.json()['id']}", json={"active": False}
        )
        assert paused.status_code == 200, paused.text
        figures = await scrape(anonymous)
    assert value(figures, metric_names.HANDOFFS_WAITING) == 1
    assert value(figures, metric_names.HANDOFF_OLDEST_WAIT_SECONDS) == 240
    assert value(figures, metric_names.OUTBOX_LAG_SECONDS) == 0


async def test_failed_deliveries_are_counted_once_recorded(
    api_app: FastAPI, api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    anonymous, bot = api_client_for(None), api_client_for(Role.BOT)
    failures = metric_names.DELIVERY_FAILURES_TOTAL
    before = await scrape(anonymous)
    with time_machine.travel(T0, tick=True):
        queued = await api_client_for(Role.AGENT).post(
            "/api/v1/outbound",
            json={
                "conversation_id": "tg:9201",
                "kind": "agent_reply",
                "payload": {"type": "text", "text": {"zh": "您好", "en": "Hello"}},
            },
        )
        assert queued.status_code == 201, queued.text
        leased = await bot.post("/api/v1/outbound/lease", json={"worker_id": "bot-1"})
        (item,) = leased.json()["items"]
        forged = await bot.post(
            f"/api/v1/outbound/{item['id']}/fail", json={"lease_token": "forged", "error": "x"}
        )
        assert forged.status_code == 409
        failed = await bot.post(
            f"/api/v1/outbound/{item['id']}/fail",
            json={"lease_token": item["lease_token"], "error": "Telegram 502"},
        )
        assert failed.status_code == 200, failed.text

        subscribed = await admin_client.post(
            "/api/v1/webhooks/subscriptions",
            json={"url": CLOSED_PORT_HOOK, "event_types": ["case.created"]},
        )
        assert subscribed.status_code == 201, subscribed.text
        async with api_app.state.session_factory() as session, session.begin():
            record_event(session, EventType.CASE_CREATED, "case:1", {"case_id": 1})
        settings = WebhookSettings(timeout_seconds=0.5, connect_timeout_seconds=0.5)
        async with create_client(settings) as client:
            worker = WebhookWorker(api_app.state.session_factory, client, settings, owner="w-1")
            report = await worker.run_once()
        assert (report.claimed, report.retrying) == (1, 1)
    after = await scrape(anonymous)
    for queue in ("outbound", "webhook"):
        assert value(after, failures, queue=queue) - value(before, failures, queue=queue) == 1


async def test_booked_visits_are_counted_once_committed(
    api_app: FastAPI, api_client_for: ApiClientFactory, admin_client: httpx.AsyncClient
) -> None:
    booked_total = metric_names.VISITS_BOOKED_TOTAL
    with time_machine.travel(NOW, tick=True):
        await load_served_areas(api_app)
        await add_technician(admin_client, "SH-9301")
        await register_customer(admin_client, "tg:9301")
        case = await open_case(admin_client, "tg:9301")
        before = await scrape(api_client_for(None))
        first = await book(admin_client, case["id"], window_start(1, 9))
        assert first.status_code == 201, first.text
        refused = await book(admin_client, case["id"], window_start(1, 13))
        assert (refused.status_code, refused.json()["code"]) == (409, "visit_already_booked")
        after = await scrape(api_client_for(None))
    assert value(after, booked_total) - value(before, booked_total) == 1


API_METRICS = (
    metric_names.API_REQUESTS_TOTAL,
    metric_names.API_REQUEST_DURATION_SECONDS,
    metric_names.HANDOFFS_WAITING,
    metric_names.HANDOFF_OLDEST_WAIT_SECONDS,
    metric_names.OUTBOX_LAG_SECONDS,
    metric_names.DELIVERY_FAILURES_TOTAL,
    metric_names.VISITS_BOOKED_TOTAL,
)


async def test_every_api_metric_is_exposed(api_client_for: ApiClientFactory) -> None:
    exposition = (await api_client_for(None).get("/metrics")).text
    for name in API_METRICS:
        assert f"# TYPE {name} " in exposition, name
