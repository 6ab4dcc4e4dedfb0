"""The Telegram front end as one object the bot's HTTP app starts and stops: long polling
in the background, or updates pushed to the webhook route."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiogram import Dispatcher
from aiogram.types import Update

from bot.telegram.dispatcher import build_dispatcher
from bot.telegram.services import BotServices
from bot.telegram.settings import BotMode, BotSettings


class TelegramFrontEnd:
    def __init__(self, services: BotServices) -> None:
        self.services = services
        self.started = asyncio.Event()
        self.dispatcher: Dispatcher = build_dispatcher(services, self.started)
        self._polling: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, settings: BotSettings) -> TelegramFrontEnd:
        settings.ensure_usable()
        return cls(await BotServices.open(settings))

    @property
    def mode(self) -> BotMode:
        return self.services.settings.mode

    async def start(self) -> None:
        bot = self.services.bot
        # A wrong token or an unreachable Bot API stops the process here, not silently later.
        await bot.me()
        if self.mode is BotMode.WEBHOOK:
            await self.dispatcher.emit_startup(
                bot=bot, dispatcher=self.dispatcher, **self.dispatcher.workflow_data
            )
            return
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                bot,
                polling_timeout=self.services.settings.polling_timeout_seconds,
                handle_as_tasks=False,
                handle_signals=False,
                close_bot_session=False,
            ),
            name="telegram-polling",
        )
        ready = asyncio.create_task(self.started.wait())
        await asyncio.wait({self._polling, ready}, return_when=asyncio.FIRST_COMPLETED)
        if self._polling.done():
            ready.cancel()
            self._polling.result()
            raise RuntimeError("polling stopped during start-up")

    async def receive(self, body: dict[str, Any]) -> None:
        """Take in an update the webhook received (returns once it is recorded)."""
        bot = self.services.bot
        update = Update.model_validate(body, context={"bot": bot})
        await self.dispatcher.feed_update(bot, update)

    async def stop(self) -> None:
        try:
            if self._polling is not None and not self._polling.done():
                with contextlib.suppress(RuntimeError):
                    await self.dispatcher.stop_polling()
                try:
                    await asyncio.wait_for(
                        asyncio.shield(self._polling),
                        self.services.settings.shutdown_grace_seconds * 2 + 5,
                    )
                except TimeoutError:
                    self._polling.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._polling
            elif self.started.is_set():
                await self.dispatcher.emit_shutdown(
                    bot=self.services.bot,
                    dispatcher=self.dispatcher,
                    **self.dispatcher.workflow_data,
                )
        finally:
            await self.services.close()
