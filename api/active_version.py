"""The active version of a versioned document (the warranty policy, the fee schedule),
parsed and kept in memory per database engine.

Every decision and quote reads it, so it is re-read only when the active version changed:

* a commit in this process that stored or activated a version (``note_change``) bumps a
  generation counter, so this process sees its own change at once;
* changes made by other processes (another api worker, ``aftersales seed``) are noticed by a
  one-row query for the active version's id, run at most every ``revalidate_seconds``.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Engine, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

Parsed = TypeVar("Parsed")


class VersionRow(Protocol):
    id: Any
    active: Any


@dataclass(slots=True)
class _Cached(Generic[Parsed]):
    value: Parsed | None = None
    active_id: int | None = None
    generation: int = -1
    checked_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class ActiveVersionCache(Generic[Parsed]):
    """``parse`` turns the active row (None while nothing is stored) into what callers use."""

    def __init__(
        self,
        name: str,
        table: type[VersionRow],
        parse: Callable[[Any], Parsed],
        *,
        revalidate_seconds: float,
    ) -> None:
        self._table = table
        self._parse = parse
        self.revalidate_seconds = revalidate_seconds
        self._flag = f"{name}_changed"
        self._generation = 0
        self._by_engine: weakref.WeakKeyDictionary[Engine, _Cached[Parsed]] = (
            weakref.WeakKeyDictionary()
        )
        event.listen(Session, "after_commit", self._bump_generation_on_commit)
        event.listen(Session, "after_rollback", self._forget_rolled_back_change)

    def note_change(self, session: AsyncSession) -> None:
        """The session stored or activated a version: its commit makes every reader re-read."""
        session.info[self._flag] = True

    async def current(self, session: AsyncSession) -> Parsed:
        engine = session.sync_session.get_bind()
        assert isinstance(engine, Engine)
        cached = self._by_engine.get(engine)
        if cached is None:
            cached = self._by_engine.setdefault(engine, _Cached())
        if cached.value is not None and self._is_fresh(cached):
            return cached.value
        async with cached.lock:
            if cached.value is not None and self._is_fresh(cached):
                return cached.value
            generation = self._generation
            active_id = await session.scalar(
                select(self._table.id).where(self._table.active.is_(True))
            )
            if cached.value is None or active_id != cached.active_id:
                row = None if active_id is None else await session.get(self._table, active_id)
                # A row deactivated and deleted between the two queries reads as none.
                cached.value = self._parse(row)
                cached.active_id = active_id
            cached.generation = generation
            cached.checked_at = time.monotonic()
            return cached.value

    def _is_fresh(self, cached: _Cached[Parsed]) -> bool:
        return (
            cached.generation == self._generation
            and time.monotonic() - cached.checked_at < self.revalidate_seconds
        )

    def _bump_generation_on_commit(self, session: Session) -> None:
        if session.info.pop(self._flag, False):
            self._generation += 1

    def _forget_rolled_back_change(self, session: Session) -> None:
        session.info.pop(self._flag, None)
