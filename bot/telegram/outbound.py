"""Every call the bot makes to Telegram passes here (an aiogram session middleware).

Sends are paced below Telegram's limits; a ``429`` is waited out for its ``retry_after`` and
tried again, as is a server error; a user who blocked the bot (``403``) is recorded and the
call is not repeated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import structlog
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.metrics import TELEGRAM_CALLS
from bot.telegram.rate_limits import OutboundLimiter
from bot.telegram.store.users import UserStore

if TYPE_CHECKING:
    from aiogram import Bot

log = structlog.get_logger(__name__)

SERVER_ERROR_BACKOFF_SECONDS = 0.5
_USER_GONE = ("blocked by the user", "user is deactivated", "can't initiate conversation")


def sends_a_message(method: TelegramMethod[Any]) -> bool:
    """Methods that put or change a message in a chat, which Telegram rate-limits."""
    name = method.__api_method__
    return name.startswith(("send", "copy", "forward", "edit")) and name != "sendChatAction"


class OutboundPolicy(BaseRequestMiddleware):
    def __init__(
        self,
        limiter: OutboundLimiter,
        users: UserStore,
        *,
        attempts: int,
        max_retry_after: float,
        default_language: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limiter = limiter
        self._users = users
        self._attempts = attempts
        self._max_retry_after = max_retry_after
        self._default_language = default_language
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            response = await self._call(make_request, bot, method)
        except TelegramAPIError:
            TELEGRAM_CALLS.labels(method.__api_method__, "failed").inc()
            raise
        TELEGRAM_CALLS.labels(method.__api_method__, "ok").inc()
        return response

    async def _call(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        paced = sends_a_message(method)
        attempt = 0
        while True:
            attempt += 1
            if paced:
                await self._limiter.take(chat_id)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as flood:
                if attempt >= self._attempts or flood.retry_after > self._max_retry_after:
                    log.warning(
                        "telegram.flood.giving_up",
                        method=method.__api_method__,
                        chat_id=chat_id,
                        retry_after=flood.retry_after,
                        attempt=attempt,
                    )
                    raise
                log.info(
                    "telegram.flood.waiting",
                    method=method.__api_method__,
                    chat_id=chat_id,
                    retry_after=flood.retry_after,
                )
                if paced:
                    self._limiter.pause(chat_id, flood.retry_after)
                else:
                    await self._sleep(flood.retry_after)
            except TelegramServerError as error:
                if attempt >= self._attempts:
                    raise
                log.warning(
                    "telegram.server_error.retrying",
                    method=method.__api_method__,
                    error=error.message,
                    attempt=attempt,
                )
                await self._sleep(SERVER_ERROR_BACKOFF_SECONDS * 2 ** (attempt - 1))
            except TelegramForbiddenError as refusal:
                if _is_user(chat_id) and any(reason in refusal.message for reason in _USER_GONE):
                    log.info("telegram.user_unreachable", chat_id=chat_id, reason=refusal.message)
                    await self._users.mark_blocked(int(chat_id), self._default_language)
                raise


def _is_user(chat_id: Any) -> bool:
    """Private chats have the user's (positive) id; groups and channels are negative."""
    return isinstance(chat_id, int) and chat_id > 0
