"""The caches a first consumer would wait for are built right after start."""

from __future__ import annotations

import asyncio

from api.app import create_app
from api.settings import ApiSettings
from api.troubleshooting.router import index_cache_of


async def _wait_until_built(settings: ApiSettings) -> bool:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for _ in range(200):
            if index_cache_of(app).is_built:
                return True
            await asyncio.sleep(0.05)
    return False


async def test_the_troubleshooting_index_is_built_without_a_request(
    api_settings: ApiSettings,
) -> None:
    assert await _wait_until_built(api_settings.model_copy(update={"warm_up": True}))


async def test_warm_up_can_be_turned_off(api_settings: ApiSettings) -> None:
    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.2)
        assert not index_cache_of(app).is_built
