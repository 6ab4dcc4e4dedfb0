"""Every router of the Telegram front end, assembled in one place."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.telegram.agents.desk import AgentDesk
from bot.telegram.agents.handlers import takeover_router
from bot.telegram.handlers.buttons import buttons_router
from bot.telegram.handlers.commands import commands_router
from bot.telegram.handlers.context import ConsumerContext
from bot.telegram.handlers.media import media_router
from bot.telegram.handlers.membership import membership_router
from bot.telegram.handlers.other_content import other_content_router
from bot.telegram.handlers.text import text_router
from bot.telegram.language import Language
from bot.telegram.store.users import UserStore


def consumer_router(
    users: UserStore, default_language: Language, desk: AgentDesk | None = None
) -> Router:
    """Consumers write in private chats; groups (such as an agents' forum) are for others.
    With ``desk`` (takeover on), agents hear consumers whose chat they hold."""
    router = Router(name="consumer")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    context = ConsumerContext(users, default_language)
    router.message.middleware(context)
    router.callback_query.middleware(context)
    if desk is not None:
        router.include_router(takeover_router(desk))
    # Order matters: commands before plain text, media before the catch-all for the rest.
    router.include_routers(
        commands_router(),
        buttons_router(),
        media_router(),
        other_content_router(),
        text_router(),
        membership_router(default_language),
    )
    return router
