"""Liveness without I/O, and readiness that names what keeps the api from serving."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from api.db import create_engine
from api.migrate import expected_head
from tests.conftest import ApiClientFactory

NOWHERE = "postgresql+asyncpg://nobody@127.0.0.1:1/nothing"


async def test_health_and_readiness_need_no_key(api_client_for: ApiClientFactory) -> None:
    anonymous = api_client_for(None)
    alive = await anonymous.get("/healthz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    ready = await anonymous.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ok", "database": "ok"})


async def test_a_database_behind_the_release_is_not_ready(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    await _set_revision(api_app, "0010_surveys")
    try:
        response = await api_client_for(None).get("/readyz")
    finally:
        await _set_revision(api_app, expected_head())
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "database_not_migrated"
    assert "0010_surveys" in problem["detail"] and "aftersales db upgrade" in problem["detail"]
    assert problem["extra"] == {"current": ["0010_surveys"], "expected": expected_head()}
    # Liveness does no I/O: the process is alive all the same.
    assert (await api_client_for(None).get("/healthz")).status_code == 200


async def test_an_unreachable_database_is_not_ready(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    serving, unreachable = api_app.state.engine, create_engine(NOWHERE)
    api_app.state.engine = unreachable
    try:
        response = await api_client_for(None).get("/readyz")
    finally:
        api_app.state.engine = serving
        await unreachable.dispose()
    assert response.status_code == 503
    problem = response.json()
    assert problem["code"] == "database_unreachable"
    assert "nobody" not in response.text and "127.0.0.1" not in response.text
    assert (await api_client_for(None).get("/readyz")).status_code == 200


async def _set_revision(app: FastAPI, revision: str) -> None:
    async with app.state.engine.begin() as connection:
        await connection.execute(
            text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision}
        )
