"""Reminders set by actions: stored with their fire time, fired by an asyncio task.

Pending reminders live in the tracker store. Every engine reads those due soon every
``poll_seconds`` and waits for them, as well as for the ones it schedules itself, so a
reminder fires even when the replica that scheduled it stopped; after a restart they fire
late rather than never. Of several engines waiting for the same reminder, the one whose
claim removes it from the store fires it; the others find it gone. A claimed reminder is
not fired again, even if its engine stops while firing it. A reminder is keyed by
conversation and name, so a newer reminder of the same name replaces the older one of
that conversation only.
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
    def __init__(
        self, store: TrackerStore, fire: FireReminder, *, poll_seconds: float = 30.0
    ) -> None:
        self._store = store
        self._fire = fire
        self._poll_seconds = poll_seconds
        self._tasks: dict[tuple[str, str], tuple[float, asyncio.Task[None]]] = {}
        self._poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._watch_due_reminders()
        self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        tasks = [task for _, task in self._tasks.values()]
        if self._poller is not None:
            tasks.append(self._poller)
            self._poller = None
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
        self._watch(reminder)

    async def cancel(self, sender_id: str, event: ReminderCancelled) -> None:
        for reminder in await self._store.reminders(sender_id):
            if event.cancels(reminder.name, reminder.intent, reminder.entities):
                await self._store.delete_reminder(sender_id, reminder.name)
                _, task = self._tasks.pop((sender_id, reminder.name), (None, None))
                if task is not None:
                    task.cancel()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self._watch_due_reminders()
            except Exception:
                logger.exception("reminder.poll_failed")

    async def _watch_due_reminders(self) -> None:
        # Two periods ahead: a reminder due before the next pass is waited for from this one.
        horizon = time.time() + 2 * self._poll_seconds
        for reminder in await self._store.reminders(due_before=horizon):
            self._watch(reminder)

    def _watch(self, reminder: StoredReminder) -> None:
        key = (reminder.sender_id, reminder.name)
        previous = self._tasks.get(key)
        if previous is not None:
            if previous[0] == reminder.fire_at:
                return
            previous[1].cancel()
        task = asyncio.create_task(self._wait_and_fire(reminder))
        self._tasks[key] = (reminder.fire_at, task)

    async def _wait_and_fire(self, reminder: StoredReminder) -> None:
        await asyncio.sleep(max(0.0, reminder.fire_at - time.time()))
        key = (reminder.sender_id, reminder.name)
        if self._tasks.get(key, (None, None))[1] is asyncio.current_task():
            del self._tasks[key]
        try:
            claimed = await self._store.delete_reminder(
                reminder.sender_id, reminder.name, fire_at=reminder.fire_at
            )
        except Exception:
            # Still stored: the next pass over the store waits for it again.
            logger.exception(
                "reminder.claim_failed", sender_id=reminder.sender_id, reminder=reminder.name
            )
            return
        if not claimed:
            logger.debug(
                "reminder.claimed_elsewhere", sender_id=reminder.sender_id, reminder=reminder.name
            )
            return
        try:
            await self._fire(reminder)
        except Exception:
            logger.exception(
                "reminder.failed", sender_id=reminder.sender_id, reminder=reminder.name
            )
