"""The aiogram dispatcher of the front end: intake, routers, start-up and shutdown."""

from __future__ import annotations

import asyncio

import structlog
from aiogram import Bot, Dispatcher
from aiogram.types import Chat, Update, User

from bot.telegram.agents.handlers import agents_router
from bot.telegram.consumer import Consumer
from bot.telegram.intake import REPLAYED_UPDATE, UpdateIntake
from bot.telegram.language import as_language, language_from_code
from bot.telegram.menu import register_menu
from bot.telegram.routers import consumer_router
from bot.telegram.services import BotServices
from bot.telegram.settings import BotMode
from bot.telegram.texts import TOO_MANY_MESSAGES

log = structlog.get_logger(__name__)


def build_dispatcher(services: BotServices, started: asyncio.Event | None = None) -> Dispatcher:
    """The dispatcher; ``started`` is set once start-up (menu, webhook, replays) is done."""
    dispatcher = Dispatcher(disable_fsm=True, **services.workflow_data())

    async def flood_notice(user: User, chat: Chat | None) -> None:
        language = await services.store.users.language_of(user.id) or language_from_code(
            user.language_code, services.default_language
        )
        consumer = Consumer(user.id, chat.id if chat else user.id, as_language(language))
        await services.replies.say(consumer, TOO_MANY_MESSAGES)

    dispatcher.update.outer_middleware(
        UpdateIntake(
            services.store.updates,
            services.sequencer,
            services.albums,
            services.flood,
            flood_notice,
        )
    )
    if services.desk is not None:
        dispatcher.include_router(agents_router(services.desk, services.default_language))
    dispatcher.include_router(
        consumer_router(services.store.users, services.default_language, services.desk)
    )

    async def on_startup(bot: Bot) -> None:
        await register_menu(bot)
        settings = services.settings
        if settings.mode is BotMode.WEBHOOK:
            assert settings.webhook_url is not None and settings.webhook_secret is not None
            await bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
        else:
            await bot.delete_webhook(drop_pending_updates=False)
        services.conversation_log.start()
        await _handle_unfinished_updates(bot, dispatcher, services)
        services.start_background_work()
        if started is not None:
            started.set()

    async def on_shutdown() -> None:
        await services.stop_background_work()
        grace = services.settings.shutdown_grace_seconds
        if not await services.sequencer.drain(grace):
            # Updates still in hand stay unfinished in the store: the next start handles them.
            log.warning("shutdown.updates_unfinished", lanes=services.sequencer.busy_lanes)
            await services.sequencer.cancel()
        await services.conversation_log.close(grace)

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return dispatcher


async def _handle_unfinished_updates(
    bot: Bot, dispatcher: Dispatcher, services: BotServices
) -> None:
    payloads = await services.store.updates.unfinished()
    for payload in payloads:
        update = Update.model_validate_json(payload, context={"bot": bot})
        await dispatcher.feed_update(bot, update, **{REPLAYED_UPDATE: True})
    if payloads:
        log.info("startup.unfinished_updates_resumed", updates=len(payloads))
