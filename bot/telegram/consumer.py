"""The consumer a message comes from, as every handler sees them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.language import Language

CONVERSATION_PREFIX = "tg:"


def conversation_id_of(user_id: int) -> str:
    """The conversation (and api customer) id of a Telegram user: ``tg:<user id>``."""
    return f"{CONVERSATION_PREFIX}{user_id}"


def user_id_of(conversation_id: str) -> int | None:
    """The Telegram user of a ``tg:<user id>`` conversation; None for other channels."""
    if not conversation_id.startswith(CONVERSATION_PREFIX):
        return None
    number = conversation_id.removeprefix(CONVERSATION_PREFIX)
    return int(number) if number.isdigit() else None


@dataclass(frozen=True, slots=True)
class Consumer:
    user_id: int
    chat_id: int
    language: Language

    @property
    def conversation_id(self) -> str:
        return conversation_id_of(self.user_id)
