"""Matching on a fresh database: without guides, with the demo data, with a small text limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from api.app import create_app
from api.auth_roles import Role
from api.seeding import demo_data_files
from api.settings import DEVELOPMENT_KEYS, ApiSettings
from tests.api.troubleshooting.conftest import brands_seed_file, load_files, shipped_guides

MATCH = "/api/v1/troubleshooting/match"


@asynccontextmanager
async def _bot_client(
    app_settings: ApiSettings, seed_files: list[Path]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(app_settings)
    async with app.router.lifespan_context(app):
        await load_files(app, seed_files)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://api",
            headers={"X-API-Key": DEVELOPMENT_KEYS[Role.BOT]},
        ) as client:
            yield client


async def test_without_guides_the_match_says_so(database_url: str, tmp_path: Path) -> None:
    settings = ApiSettings(database_url=database_url, attachments_dir=tmp_path)
    async with _bot_client(settings, [brands_seed_file(tmp_path)]) as client:
        response = await client.get(MATCH, params={"category": "tv", "text": "电视没有声音"})
    assert response.status_code == 200
    body = response.json()
    assert body["guide"] is None
    assert body["reason"] == "no_guides"
    assert body["alternatives"] == []


async def test_match_refuses_text_over_the_limit_but_keeps_the_alarm(
    database_url: str, tmp_path: Path
) -> None:
    settings = ApiSettings(database_url=database_url, attachments_dir=tmp_path, max_text_chars=20)
    async with _bot_client(settings, [brands_seed_file(tmp_path)]) as client:
        at_limit = await client.get(MATCH, params={"text": "热水器打不着火" + "。" * 13})
        over = await client.get(MATCH, params={"text": "有燃气味，热水器打不着火，" + "。" * 9})
    assert at_limit.status_code == 200
    assert over.status_code == 422
    problem = over.json()
    assert problem["code"] == "text_too_long"
    assert problem["errors"][0]["field"] == "query.text"
    assert problem["extra"]["safety_alert"] is True
    assert problem["extra"]["safety"]["hazards"] == ["gas_leak"]


async def test_the_shipped_demo_data_loads_and_matches(database_url: str, tmp_path: Path) -> None:
    """The catalogue's demo brands include every brand the knowledge base names."""
    settings = ApiSettings(database_url=database_url, attachments_dir=tmp_path)
    async with _bot_client(settings, demo_data_files()) as client:
        response = await client.get(MATCH, params={"text": "格力空调显示E1"})
        guides = await client.get("/api/v1/troubleshooting/guides")
    body = response.json()
    assert (body["guide"]["brand"], body["error_code"]["code"]) == ("gree", "E1")
    assert len(guides.json()["items"]) == len(shipped_guides())
