"""The command menu Telegram shows in private chats, in each user's language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.telegram.language import LANGUAGES, Language
from bot.telegram.texts import MENU

FALLBACK_LANGUAGE: Language = "en"
"""Users whose app speaks neither Chinese nor English are answered in English."""


def menu_in(language: Language) -> list[BotCommand]:
    return [
        BotCommand(command=item.command, description=item.description.in_(language))
        for item in MENU
    ]


async def register_menu(bot: Bot) -> None:
    scope = BotCommandScopeAllPrivateChats()
    for language in LANGUAGES:
        await bot.set_my_commands(menu_in(language), scope=scope, language_code=language)
    await bot.set_my_commands(menu_in(FALLBACK_LANGUAGE), scope=scope)
