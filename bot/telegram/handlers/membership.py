"""Telegram tells the bot when a user blocks it (and unblocks it) in a private chat."""

from __future__ import annotations

import structlog
from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters.chat_member_updated import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.telegram.language import Language, language_from_code
from bot.telegram.store.bot_store import BotStore

log = structlog.get_logger(__name__)


def membership_router(default_language: Language) -> Router:
    router = Router(name="membership")
    router.my_chat_member.filter(F.chat.type == ChatType.PRIVATE)

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
    async def blocked(update: ChatMemberUpdated, store: BotStore) -> None:
        log.info("telegram.user_blocked_bot", user_id=update.from_user.id)
        await store.users.mark_blocked(update.from_user.id, default_language)

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    async def unblocked(update: ChatMemberUpdated, store: BotStore) -> None:
        user = update.from_user
        await store.users.observe(user.id, language_from_code(user.language_code, default_language))

    return router
