"""The documented receiver: its verifier against real deliveries, and the example app itself."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from api.outbox.service import EventType
from api.webhooks import signing
from tests.api.webhooks.conftest import WorkerFactory
from tests.api.webhooks.receiver import Received, ScriptedReceiver, example_receiver
from tests.api.webhooks.steps import OTHER_SECRET, SECRET, Sessions, record, subscribe
from tests.support.live_server import serve_in_thread

DOCS = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


@pytest.fixture
async def delivered(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    receiver: ScriptedReceiver,
    make_worker: WorkerFactory,
) -> Received:
    """A delivery as the worker really sent it."""
    await subscribe(admin_client, receiver.hook("dispatch", SECRET))
    await record(sessions, payload={"case_id": 9, "fault": "洗衣机漏水"})
    await make_worker().run_once()
    (request,) = receiver.received
    return request


def _verify(request: Received, body: bytes | None = None, **overrides: object) -> None:
    arguments: dict[str, object] = {
        "secret": SECRET,
        "body": request.body if body is None else body,
        "timestamp": request.headers["x-aftersales-timestamp"],
        "signature": request.headers["x-aftersales-signature"],
        **overrides,
    }
    example_receiver().verify_signature(**arguments)


async def test_the_example_accepts_a_real_delivery_and_rejects_tampered_or_stale_ones(
    delivered: Received,
) -> None:
    rejected = example_receiver().InvalidSignatureError
    _verify(delivered)
    assert delivered.signature_valid

    tampered = delivered.body.replace(b'"case_id":9', b'"case_id":8')
    assert tampered != delivered.body
    with pytest.raises(rejected, match="does not match"):
        _verify(delivered, tampered)
    with pytest.raises(rejected, match="does not match"):
        _verify(delivered, secret=OTHER_SECRET)
    sent_at = int(delivered.headers["x-aftersales-timestamp"])
    with pytest.raises(rejected, match="does not match"):
        _verify(delivered, timestamp=str(sent_at + 1), now=sent_at)

    _verify(delivered, now=sent_at + 300)
    _verify(delivered, now=sent_at - 300)
    with pytest.raises(rejected, match="too old"):
        _verify(delivered, now=sent_at + 301)
    with pytest.raises(rejected, match="in the future"):
        _verify(delivered, now=sent_at - 301)
    with pytest.raises(rejected, match="missing"):
        _verify(delivered, signature=None)
    with pytest.raises(rejected, match="missing"):
        _verify(delivered, timestamp="")
    with pytest.raises(rejected, match="not a number"):
        _verify(delivered, timestamp="１７００")
    with pytest.raises(rejected, match="does not match"):
        _verify(delivered, signature="sha256=" + delivered.headers["x-aftersales-signature"][3:])
    # While a secret is rotated, the header may carry a signature under each secret.
    sent = delivered.headers["x-aftersales-signature"]
    _verify(delivered, signature=f"{signing.signature(OTHER_SECRET, sent_at, b'x')}, {sent}")


async def test_the_example_app_processes_each_event_once(
    admin_client: httpx.AsyncClient, sessions: Sessions, make_worker: WorkerFactory
) -> None:
    example = example_receiver()
    processed = example.ProcessedEvents()
    with serve_in_thread(example.create_app(SECRET, processed)) as base_url:
        await subscribe(admin_client, f"{base_url}/aftersales/events")
        wrong_key = await subscribe(
            admin_client, f"{base_url}/aftersales/events", secret=OTHER_SECRET
        )
        event_id = await record(sessions)
        worker = make_worker()
        first = await worker.run_once()
        replayed = await admin_client.post(f"/api/v1/webhooks/events/{event_id}/replay")
        assert replayed.status_code == 200
        second = await worker.run_once()

    assert (first.delivered, first.retrying) == (1, 1)
    assert second.delivered == 1  # the repeat is acknowledged, not processed again
    assert processed.first_time(event_id, "case.created") is False
    deliveries = (await admin_client.get("/api/v1/webhooks/deliveries")).json()["items"]
    refused = next(item for item in deliveries if item["subscription_id"] == wrong_key["id"])
    assert refused["attempts"][-1]["status_code"] == 401
    assert "does not match" in refused["attempts"][-1]["error"]


def test_the_documentation_covers_every_event_type_and_header() -> None:
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `([a-z_]+\.[a-z_]+)`", text, flags=re.MULTILINE))
    assert documented == {event_type.value for event_type in EventType}
    for header in (
        signing.EVENT_ID_HEADER,
        signing.EVENT_TYPE_HEADER,
        signing.TIMESTAMP_HEADER,
        signing.SIGNATURE_HEADER,
    ):
        assert header in text
    assert "docs/examples/webhook_receiver.py" in text
