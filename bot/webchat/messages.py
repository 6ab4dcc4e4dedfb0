"""What the page is sent: each message as plain data it renders as text (never as markup).

``{"from": "assistant" | "agent", "text": str | None, "buttons": [{"key", "title"}],
"image": str | None}``
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from bot.telegram.engine_client import EngineMessage
from bot.telegram.texts import CHOOSE_AN_OPTION, Bilingual
from bot.webchat.sessions import ChatSession

Speaker = Literal["assistant", "agent"]


def shown_image(url: str | None) -> str | None:
    """Only web addresses become images: a ``javascript:`` or ``data:`` one is dropped."""
    if url is None:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def present(
    session: ChatSession, message: EngineMessage, speaker: Speaker = "assistant"
) -> dict[str, Any] | None:
    """The page's form of an engine message; its buttons are offered to the session."""
    image = shown_image(message.image)
    text = message.text
    if text is None and message.buttons:
        text = CHOOSE_AN_OPTION.in_(session.language)
    if text is None and image is None:
        return None
    return {
        "from": speaker,
        "text": text,
        "buttons": session.offer(message.buttons) if message.buttons else [],
        "image": image,
    }


def notice(session: ChatSession, text: Bilingual, **values: Any) -> dict[str, Any]:
    """One of the web chat's own texts, in the session's language."""
    body = text.in_(session.language)
    return {
        "from": "assistant",
        "text": body.format(**values) if values else body,
        "buttons": [],
        "image": None,
    }


def log_text(message: dict[str, Any]) -> str | None:
    """How a shown message reads in the conversation log."""
    parts = [message["text"]] if message.get("text") else []
    if message.get("image"):
        parts.append(f"[image] {message['image']}")
    return "\n".join(parts) or None
