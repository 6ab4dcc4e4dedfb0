"""The consumer a message comes from, as every handler sees them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.language import Language

CONVERSATION_PREFIX = "tg:"


def conversation_id_of(user_id: int) -> str:
    """The conversation (and api customer) id of a Telegram user: ``tg:<user id>``."""
    return f"{CONVERSATION_PREFIX}{user_id}"


@dataclass(frozen=True, slots=True)
class Consumer:
    user_id: int
    chat_id: int
    language: Language

    @property
    def conversation_id(self) -> str:
        return conversation_id_of(self.user_id)
