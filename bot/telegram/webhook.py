"""The route Telegram posts updates to in webhook mode.

Telegram sends the secret given at setWebhook in ``X-Telegram-Bot-Api-Secret-Token``; a
request without it is not from Telegram and is refused before its body is read.
"""

from __future__ import annotations

import hmac

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from bot.telegram.front_end import TelegramFrontEnd

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_router(path: str, secret: str) -> APIRouter:
    router = APIRouter(tags=["telegram"])

    @router.post(path, include_in_schema=False)
    async def receive_update(request: Request) -> JSONResponse:
        provided = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(provided.encode(), secret.encode()):
            log.warning("webhook.secret_mismatch", client=str(request.client))
            return JSONResponse({"detail": "unauthorized"}, status_code=401)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"detail": "the body is not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"detail": "an update is a JSON object"}, status_code=400)
        front_end: TelegramFrontEnd = request.app.state.telegram
        try:
            await front_end.receive(body)
        except ValidationError:
            log.warning("webhook.update_malformed")
            return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
        return JSONResponse({})

    return router
