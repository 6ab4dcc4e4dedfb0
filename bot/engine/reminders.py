"""Reminders set by actions: stored with their fire time, fired by an asyncio task.

Pending reminders survive a restart: they are reloaded from the tracker store and fire
late rather than never. A reminder is keyed by conversation and name, so a newer reminder
of the same name replaces the older one of that conversation only.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import structlog

from bot.engine.events import ReminderCancelled, ReminderScheduled
from bot.engine.tracker_store import StoredReminder, TrackerStore

logger = structlog.get_logger(__name__)

FireReminder = Callable[[StoredReminder], Awaitable[None]]


class ReminderScheduler:
    def __init__(self, store: TrackerStore, fire: FireReminder) -> None:
        self._store = store
        self._fire = fire
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def start(self) -> None:
        for reminder in await self._store.reminders():
            self._start_task(reminder)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def pending(self) -> list[tuple[str, str]]:
        return sorted(self._tasks)

    async def schedule(self, sender_id: str, event: ReminderScheduled) -> None:
        reminder = StoredReminder(
            sender_id=sender_id,
            name=event.name,
            intent=event.intent,
            entities=event.entities,
            fire_at=event.trigger_date_time.timestamp(),
            kill_on_user_message=event.kill_on_user_message,
        )
        await self._store.save_reminder(reminder)
        self._start_task(reminder)

    async def cancel(self, sender_id: str, event: ReminderCancelled) -> None:
        for reminder in await self._store.reminders(sender_id):
            if event.cancels(reminder.name, reminder.intent, reminder.entities):
                await self._store.delete_reminder(sender_id, reminder.name)
                task = self._tasks.pop((sender_id, reminder.name), None)
                if task is not None:
                    task.cancel()

    def _start_task(self, reminder: StoredReminder) -> None:
        key = (reminder.sender_id, reminder.name)
        previous = self._tasks.pop(key, None)
        if previous is not None:
            previous.cancel()
        self._tasks[key] = asyncio.create_task(self._wait_and_fire(reminder))

    async def _wait_and_fire(self, reminder: StoredReminder) -> None:
        await asyncio.sleep(max(0.0, reminder.fire_at - time.time()))
        key = (reminder.sender_id, reminder.name)
        if self._tasks.get(key) is asyncio.current_task():
            del self._tasks[key]
        try:
            await self._fire(reminder)
        except Exception:
            logger.exception(
                "reminder.failed", sender_id=reminder.sender_id, reminder=reminder.name
            )
        finally:
            await self._store.delete_reminder(
                reminder.sender_id, reminder.name, fire_at=reminder.fire_at
            )
