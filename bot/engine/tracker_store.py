"""Durable conversations: each conversation's serialised events, appended and never
rewritten, plus the reminders waiting to fire.

Two stores keep them: SQL (``sql_tracker_store``: SQLite or PostgreSQL) and Redis
(``redis_tracker_store``). Both number a conversation's events from 0 and refuse an
append that does not continue the conversation where it stands, so two writers can never
interleave their events. A reminder is claimed before it fires: the claim removes it, and
only one of several engines claiming the same reminder succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class StoredReminder:
    sender_id: str
    name: str
    intent: str
    entities: Any
    fire_at: float
    kill_on_user_message: bool


class EventSequenceTaken(Exception):
    """Another writer appended to the conversation since it was loaded."""

    def __init__(self, sender_id: str, first_seq: int) -> None:
        self.sender_id = sender_id
        self.first_seq = first_seq
        super().__init__(f"event {first_seq} of conversation {sender_id!r} is already stored")


class TrackerStore(Protocol):
    #: Whether the store deletes idle conversations by itself.
    expires_conversations: bool

    async def create_schema(self) -> None: ...

    async def close(self) -> None: ...

    async def load_events(self, sender_id: str) -> list[dict[str, Any]]: ...

    async def event_count(self, sender_id: str) -> int: ...

    async def append_events(
        self, sender_id: str, first_seq: int, events: list[dict[str, Any]]
    ) -> None:
        """Store events ``first_seq, first_seq + 1, ...``; raise ``EventSequenceTaken``
        when the conversation does not hold exactly ``first_seq`` events."""

    async def conversation_ids(self) -> list[str]: ...

    async def save_reminder(self, reminder: StoredReminder) -> None:
        """Keep a reminder, replacing the conversation's reminder of the same name."""

    async def delete_reminder(
        self, sender_id: str, name: str, *, fire_at: float | None = None
    ) -> bool:
        """Delete a reminder; with ``fire_at``, only if it was not replaced meanwhile.
        True when this call deleted it: of concurrent calls, exactly one gets True."""

    async def reminders(
        self, sender_id: str | None = None, *, due_before: float | None = None
    ) -> list[StoredReminder]:
        """Pending reminders by fire time, of one conversation or all, optionally only
        those due at ``due_before`` or earlier."""
