"""Webhook tests drive their own workers step by step (the api's background worker is off)
against a receiver served over real HTTP."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.settings import ApiSettings
from api.webhooks.settings import WebhookSettings
from api.webhooks.worker import WebhookWorker, create_client
from tests.api.webhooks.receiver import ScriptedReceiver
from tests.api.webhooks.steps import Sessions
from tests.support.live_server import serve_in_thread

CLIENT_TIMEOUT_SECONDS = 0.5

WorkerFactory = Callable[..., WebhookWorker]


@pytest.fixture
def api_settings(database_url: str, tmp_path: Path) -> ApiSettings:
    return ApiSettings(
        database_url=database_url, attachments_dir=tmp_path / "attachments", webhook_worker=False
    )


@pytest.fixture
def sessions(api_app: FastAPI) -> Sessions:
    factory: Sessions = api_app.state.session_factory
    return factory


@pytest.fixture(scope="session")
def live_receiver() -> Iterator[ScriptedReceiver]:
    receiver = ScriptedReceiver()
    with serve_in_thread(receiver.app) as base_url:
        receiver.base_url = base_url
        yield receiver


@pytest.fixture
def receiver(live_receiver: ScriptedReceiver) -> Iterator[ScriptedReceiver]:
    live_receiver.reset()
    yield live_receiver
    live_receiver.reset()


def quick_settings(**overrides: Any) -> WebhookSettings:
    """Settings for tests: short timeouts and leases; the retry schedule stays the real one."""
    values: dict[str, Any] = {
        "timeout_seconds": CLIENT_TIMEOUT_SECONDS,
        "connect_timeout_seconds": CLIENT_TIMEOUT_SECONDS,
        "lease_seconds": 30,
        "poll_interval_seconds": 0.05,
        "shutdown_grace_seconds": 5,
        **overrides,
    }
    return WebhookSettings(**values)


@pytest.fixture
async def make_worker(sessions: Sessions) -> AsyncIterator[WorkerFactory]:
    """Build workers, each with its own HTTP client; all are stopped and closed afterwards."""
    built: list[tuple[WebhookWorker, httpx.AsyncClient]] = []

    def build(owner: str = "worker-a", **overrides: Any) -> WebhookWorker:
        settings = quick_settings(**overrides)
        client = create_client(settings)
        worker = WebhookWorker(
            sessions, client, settings, owner=owner, rng=random.Random(len(built))
        )
        built.append((worker, client))
        return worker

    yield build
    for worker, client in built:
        await worker.stop()
        await client.aclose()
