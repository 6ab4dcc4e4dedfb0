"""The bot process's HTTP surface (port 8080): health, and the Telegram webhook in webhook
mode. The Telegram front end starts and stops with the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from bot.telegram.front_end import TelegramFrontEnd
from bot.telegram.settings import BotMode, BotSettings
from bot.telegram.webhook import webhook_router


def create_app(settings: BotSettings | None = None) -> FastAPI:
    settings = settings or BotSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        front_end = await TelegramFrontEnd.open(settings)
        app.state.telegram = front_end
        try:
            await front_end.start()
            yield
        finally:
            await front_end.stop()

    app = FastAPI(title="Aftersales bot", lifespan=lifespan)

    @app.get("/health", tags=["health"])
    async def health(request: Request) -> dict[str, str]:
        front_end: TelegramFrontEnd = request.app.state.telegram
        return {"status": "ok", "telegram": front_end.mode.value}

    if settings.mode is BotMode.WEBHOOK and settings.webhook_secret is not None:
        app.include_router(
            webhook_router(settings.webhook_path, settings.webhook_secret.get_secret_value())
        )
    return app
