"""The bot process's HTTP surface (port 8080): health, the web chat at ``/chat`` and, in
webhook mode, the Telegram webhook. The front ends start and stop with the app; the
Telegram one only when a token is set, so the web chat also runs on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aftersales.request_ids import accept_request_ids
from bot.metrics import REGISTRY
from bot.telegram.front_end import TelegramFrontEnd
from bot.telegram.settings import BotMode, BotSettings
from bot.telegram.webhook import webhook_router
from bot.webchat.routes import mount_webchat
from bot.webchat.service import WebChat
from bot.webchat.settings import WebChatSettings

TELEGRAM_OFF = "off"


def telegram_configured(settings: BotSettings) -> bool:
    return settings.telegram_token is not None and bool(settings.telegram_token.get_secret_value())


def create_app(
    settings: BotSettings | None = None, webchat_settings: WebChatSettings | None = None
) -> FastAPI:
    settings = settings or BotSettings()
    webchat_settings = webchat_settings or WebChatSettings()
    with_telegram = telegram_configured(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            web_chat = WebChat.open(settings, webchat_settings)
            stack.push_async_callback(web_chat.stop)
            web_chat.start()
            app.state.webchat = web_chat
            app.state.telegram = None
            if with_telegram:
                front_end = await TelegramFrontEnd.open(settings)
                stack.push_async_callback(front_end.stop)
                app.state.telegram = front_end
                await front_end.start()
            yield

    app = FastAPI(title="Aftersales bot", lifespan=lifespan)

    @app.get("/health", tags=["health"])
    async def health(request: Request) -> dict[str, str]:
        front_end: TelegramFrontEnd | None = request.app.state.telegram
        telegram = front_end.mode.value if front_end is not None else TELEGRAM_OFF
        return {"status": "ok", "telegram": telegram, "webchat": "on"}

    @app.get("/metrics", tags=["health"])
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    mount_webchat(app)
    accept_request_ids(app)
    if with_telegram and settings.mode is BotMode.WEBHOOK and settings.webhook_secret is not None:
        app.include_router(
            webhook_router(settings.webhook_path, settings.webhook_secret.get_secret_value())
        )
    return app
