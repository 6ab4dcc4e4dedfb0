"""The api's foundation: health, keys and roles, problem responses, migrations, settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales.cli import build_parser
from aftersales.runtime import InsecureDefaultsError
from api.app import create_app
from api.auth import require_roles
from api.auth_roles import Role
from api.db import create_engine
from api.errors import ApiError, install_error_handlers
from api.migrate import DatabaseNotMigratedError, ensure_migrated
from api.settings import DEVELOPMENT_KEYS, ApiSettings


async def test_health_and_readiness(admin_client: httpx.AsyncClient) -> None:
    assert (await admin_client.get("/healthz")).json() == {"status": "ok"}
    ready = await admin_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok"}


async def test_openapi_describes_the_service_key(admin_client: httpx.AsyncClient) -> None:
    schema = (await admin_client.get("/openapi.json")).json()
    assert schema["info"]["title"] == "Aftersales Assistant API"


def _role_guarded_app(settings: ApiSettings) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings
    install_error_handlers(app)

    @app.get("/only-agents")
    async def only_agents(role: Annotated[Role, require_roles(Role.AGENT)]) -> dict[str, str]:
        return {"role": role.value}

    @app.get("/conflict")
    async def conflict() -> None:
        raise ApiError(409, "slot_taken", "That window is taken.", extra={"alternatives": [1]})

    return app


@pytest.mark.parametrize(
    ("key", "status", "code"),
    [
        (None, 401, "missing_api_key"),
        ("wrong-key", 401, "invalid_api_key"),
        (DEVELOPMENT_KEYS[Role.BOT], 403, "role_not_allowed"),
        (DEVELOPMENT_KEYS[Role.AGENT], 200, None),
        (DEVELOPMENT_KEYS[Role.ADMIN], 200, None),
    ],
    ids=["no-key", "wrong-key", "wrong-role", "right-role", "admin"],
)
async def test_roles_are_enforced(key: str | None, status: int, code: str | None) -> None:
    app = _role_guarded_app(ApiSettings())
    headers = {"X-API-Key": key} if key else {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api", headers=headers
    ) as client:
        response = await client.get("/only-agents")
    assert response.status_code == status
    if code:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code


async def test_expected_errors_are_problem_documents() -> None:
    app = _role_guarded_app(ApiSettings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as client:
        conflict = await client.get("/conflict")
        missing = await client.get("/nowhere")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "slot_taken"
    assert conflict.json()["extra"] == {"alternatives": [1]}
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


async def test_unmigrated_database_is_refused_with_the_fix(tmp_path: Path) -> None:
    engine: AsyncEngine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        with pytest.raises(DatabaseNotMigratedError, match="aftersales db upgrade"):
            await ensure_migrated(engine)
    finally:
        await engine.dispose()


async def test_app_does_not_start_on_unmigrated_database(tmp_path: Path) -> None:
    app = create_app(ApiSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}"))
    with pytest.raises(DatabaseNotMigratedError):
        async with app.router.lifespan_context(app):
            pass


def test_production_refuses_development_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    with pytest.raises(InsecureDefaultsError, match="AFTERSALES_API_KEY_ADMIN"):
        create_app(ApiSettings())


def test_production_accepts_distinct_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    for role in Role:
        monkeypatch.setenv(f"AFTERSALES_API_KEY_{role.value.upper()}", f"secret-{role.value}-42")
    assert create_app(ApiSettings()).title == "Aftersales Assistant API"


def test_cli_offers_the_foundation_commands() -> None:
    parser = build_parser()
    assert parser.parse_args(["db", "upgrade"]).revision == "head"
    assert parser.parse_args(["seed", "--demo"]).demo is True
    assert parser.parse_args(["api", "--port", "9000"]).port == 9000
