"""The api runs the delivery worker for its lifetime, when configured to."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.auth_roles import Role
from api.settings import DEVELOPMENT_KEYS, ApiSettings
from tests.api.webhooks.receiver import ScriptedReceiver
from tests.api.webhooks.steps import SECRET, record, subscribe


async def test_the_api_delivers_in_the_background_and_stops_at_shutdown(
    database_url: str,
    tmp_path: Path,
    receiver: ScriptedReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFTERSALES_API_WEBHOOK_POLL_INTERVAL_SECONDS", "0.05")
    settings = ApiSettings(database_url=database_url, attachments_dir=tmp_path)
    assert settings.webhook_worker
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        worker = app.state.webhook_worker
        assert worker.running
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://api",
            headers={"X-API-Key": DEVELOPMENT_KEYS[Role.ADMIN]},
        ) as admin:
            await subscribe(admin, receiver.hook("dispatch", SECRET))
            event_id = await record(app.state.session_factory)
            (request,) = await receiver.wait_for(1)
    assert not worker.running
    assert (request.event_id, request.signature_valid) == (event_id, True)


async def test_the_worker_can_be_switched_off(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSALES_API_WEBHOOK_WORKER", "false")
    app = create_app(ApiSettings(database_url=database_url, attachments_dir=tmp_path))
    async with app.router.lifespan_context(app):
        assert app.state.webhook_worker is None
