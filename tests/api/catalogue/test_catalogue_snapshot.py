"""The in-memory catalogue snapshot: rebuilt after writes here and, soon, after writes elsewhere."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from api.auth_roles import Role
from api.catalogue import snapshot as snapshot_module
from api.catalogue.models import Brand
from api.catalogue.snapshot import catalogue_snapshot
from api.db import create_engine, utc_now
from tests.conftest import ApiClientFactory

RESOLVE = "/api/v1/catalogue/models/resolve"


async def _brands_found(client: httpx.AsyncClient, query: str) -> list[str]:
    return (await client.get(RESOLVE, params={"q": query})).json()["brands"]


async def _rename_gree_elsewhere(database_url: str) -> None:
    """A write by another process: plain SQL on an engine of its own."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(Brand)
                .where(Brand.code == "gree")
                .values(aliases=["GLK"], updated_at=utc_now())
            )
    finally:
        await engine.dispose()


async def test_writes_by_another_process_are_seen_after_revalidation(
    small_catalogue: FastAPI,
    api_client_for: ApiClientFactory,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = api_client_for(Role.BOT)
    assert await _brands_found(bot, "GLK") == []
    monkeypatch.setattr(snapshot_module, "REVALIDATE_SECONDS", 3600.0)
    await _rename_gree_elsewhere(database_url)
    assert await _brands_found(bot, "GLK") == []
    monkeypatch.setattr(snapshot_module, "REVALIDATE_SECONDS", 0.0)
    assert await _brands_found(bot, "GLK") == ["gree"]


async def test_snapshot_is_reused_until_the_catalogue_changes(
    small_catalogue: FastAPI, api_client_for: ApiClientFactory
) -> None:
    async with small_catalogue.state.session_factory() as session:
        first = await catalogue_snapshot(session)
        assert await catalogue_snapshot(session) is first
    admin = api_client_for(Role.ADMIN)
    await admin.patch("/api/v1/catalogue/brands/gree", json={"aliases": ["GLK"]})
    async with small_catalogue.state.session_factory() as session:
        second = await catalogue_snapshot(session)
    assert second is not first
    assert await _brands_found(admin, "GLK") == ["gree"]


async def test_a_rolled_back_write_does_not_force_a_rebuild(
    small_catalogue: FastAPI, api_client_for: ApiClientFactory
) -> None:
    async with small_catalogue.state.session_factory() as session:
        first = await catalogue_snapshot(session)
    admin = api_client_for(Role.ADMIN)
    refused = await admin.patch(
        "/api/v1/catalogue/models/KFR-35GW/BpR3", json={"serial_pattern": "("}
    )
    assert refused.status_code == 422
    async with small_catalogue.state.session_factory() as session:
        assert await catalogue_snapshot(session) is first
