"""Browser sessions: a random id in an HttpOnly cookie names the conversation
``web:<session id>``; what the page may do next (its buttons), what it has been shown
(outbound items) and the messages waiting for the engine are kept per session in memory."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.telegram.language import Language
from bot.telegram.store.buttons import Button

COOKIE_NAME = "aftersales_chat"
CONVERSATION_PREFIX = "web:"
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_SESSIONS = 10_000
IDLE_SESSION_SECONDS = 24 * 3600.0
MAX_OFFERED_BUTTONS = 60
MAX_REMEMBERED_DELIVERIES = 500
MAX_KEPT_MESSAGES = 20
"""Messages kept for an engine that cannot be reached; beyond that the consumer is asked to
try again later."""
MAX_LISTENERS = 5
"""Open tabs of one browser that receive pushed messages."""
LISTENER_BACKLOG = 100


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def is_session_id(value: str | None) -> bool:
    return value is not None and SESSION_ID_PATTERN.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """Messages pushed to the page. ``key`` names what they answer (``outbound:<item id>``,
    ``reply:<message id>``): the page shows each key once."""

    key: str
    messages: list[dict[str, Any]]
    taken: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once a page's stream has written the event out."""


@dataclass(frozen=True, slots=True)
class HeldPhoto:
    """A photo sent before the consumer had a case; attached once there is one."""

    content: bytes
    file_name: str
    media_type: str | None
    received_at: float


@dataclass(frozen=True, slots=True)
class KeptMessage:
    """A message the engine could not be reached for, to be sent to it later in order."""

    message: str
    message_id: str
    metadata: dict[str, Any]


class TooManyListeners(Exception):
    """The browser has as many pages listening as it may."""


@dataclass
class ChatSession:
    id: str
    language: Language
    last_seen: float
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One message at a time: the engine answers a conversation's turns in order."""
    held_photos: list[HeldPhoto] = field(default_factory=list)
    kept: list[KeptMessage] = field(default_factory=list)
    unshown: list[dict[str, Any]] = field(default_factory=list)
    """Answers to kept messages that no page took when they came; shown with the next turn."""
    may_be_paused: bool = True
    """The engine may still hold the conversation paused for a handoff: true until checked
    (a session made after a restart knows nothing) and again whenever a person had it."""
    told_waiting: bool = False
    """Told that its messages now go to the agents, while waiting for one."""
    _buttons: OrderedDict[str, tuple[str, Button]] = field(default_factory=OrderedDict)
    _delivered: OrderedDict[int, None] = field(default_factory=OrderedDict)
    _listeners: set[asyncio.Queue[StreamEvent]] = field(default_factory=set)

    @property
    def conversation_id(self) -> str:
        return CONVERSATION_PREFIX + self.id

    def offer(self, buttons: Sequence[Button]) -> list[dict[str, str]]:
        """Keys the page sends back for ``buttons``; the payloads stay here, so a page can
        only choose what it was offered."""
        group = secrets.token_urlsafe(6)
        offered = []
        for button in buttons:
            key = secrets.token_urlsafe(9)
            self._buttons[key] = (group, button)
            offered.append({"key": key, "title": button.title})
        while len(self._buttons) > MAX_OFFERED_BUTTONS:
            self._buttons.popitem(last=False)
        return offered

    def take_button(self, key: str) -> Button | None:
        """The button behind ``key``; its whole row is retired (one answer per question)."""
        found = self._buttons.get(key)
        if found is None:
            return None
        group, button = found
        for other in [k for k, (g, _) in self._buttons.items() if g == group]:
            del self._buttons[other]
        return button

    def keep(self, kept: KeptMessage) -> bool:
        """Keep ``kept`` for the engine; False when too many are kept already."""
        if len(self.kept) >= MAX_KEPT_MESSAGES:
            return False
        self.kept.append(kept)
        return True

    def take_unshown(self) -> list[dict[str, Any]]:
        unshown, self.unshown = self.unshown, []
        return unshown

    def was_delivered(self, item_id: int) -> bool:
        return item_id in self._delivered

    def mark_delivered(self, item_id: int) -> None:
        self._delivered[item_id] = None
        while len(self._delivered) > MAX_REMEMBERED_DELIVERIES:
            self._delivered.popitem(last=False)

    @property
    def is_listening(self) -> bool:
        return bool(self._listeners)

    def listen(self) -> asyncio.Queue[StreamEvent]:
        if len(self._listeners) >= MAX_LISTENERS:
            raise TooManyListeners(self.id)
        queue: asyncio.Queue[StreamEvent] = asyncio.Queue(LISTENER_BACKLOG)
        self._listeners.add(queue)
        return queue

    def stop_listening(self, queue: asyncio.Queue[StreamEvent]) -> None:
        self._listeners.discard(queue)

    def push(self, event: StreamEvent) -> bool:
        """Hand ``event`` to every listening page; False when none could take it."""
        delivered = False
        for queue in self._listeners:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                continue
            delivered = True
        return delivered


class SessionRegistry:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sessions: dict[str, ChatSession] = {}
        self.listening_changed = asyncio.Event()
        """Set when a page starts listening: the outbound pump looks at once."""

    def get(self, session_id: str) -> ChatSession | None:
        return self._sessions.get(session_id)

    def open(self, session_id: str, language: Language) -> ChatSession:
        """The session of ``session_id``, made with ``language`` if it is new."""
        now = self._clock()
        session = self._sessions.get(session_id)
        if session is None:
            if len(self._sessions) >= MAX_SESSIONS:
                self._forget_idle(now)
            session = ChatSession(id=session_id, language=language, last_seen=now)
            self._sessions[session_id] = session
        session.last_seen = now
        return session

    def listening(self) -> list[ChatSession]:
        return [session for session in self._sessions.values() if session.is_listening]

    def _forget_idle(self, now: float) -> None:
        """Forget sessions idle for a day; if that frees nothing, the longest idle ones (their
        browsers keep the conversation, only the offered buttons are lost)."""
        quiet = sorted(
            (
                session
                for session in self._sessions.values()
                if not session.is_listening and not session.turn.locked()
            ),
            key=lambda session: session.last_seen,
        )
        stale = [s for s in quiet if now - s.last_seen > IDLE_SESSION_SECONDS]
        for session in stale or quiet[: max(1, len(quiet) // 10)]:
            del self._sessions[session.id]
