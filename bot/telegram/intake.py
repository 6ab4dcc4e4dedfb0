"""Where every update enters the bot (the outermost update middleware of the dispatcher).

Each update is recorded by ``update_id`` before anything else happens, so a redelivered
update, even after a restart, is recognised and dropped. It is then queued in its user's
lane: one user's updates are handled in order, different users' concurrently. A user
sending more than the flood limit is told once and the excess is dropped; the parts of an
album are gathered and handled as one message. Taking an update in is quick, so polling
and the webhook acknowledge updates without waiting for the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject, Update, User

from aftersales.request_ids import request_id_bound
from bot.telegram.albums import Album, AlbumCollector
from bot.telegram.rate_limits import Admission, FloodGuard
from bot.telegram.sequencer import UserSequencer
from bot.telegram.store.updates import UpdateInbox

log = structlog.get_logger(__name__)

REPLAYED_UPDATE = "replayed_update"
"""Workflow data flag of updates taken in before a restart and handled again at start-up."""
ALBUM = "album"
"""Workflow data key: the messages of an album, for the handler of its first part."""

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
FloodNotice = Callable[[User, Chat | None], Awaitable[None]]


class UpdateIntake(BaseMiddleware):
    def __init__(
        self,
        inbox: UpdateInbox,
        sequencer: UserSequencer,
        albums: AlbumCollector,
        flood: FloodGuard,
        flood_notice: FloodNotice,
    ) -> None:
        self._inbox = inbox
        self._sequencer = sequencer
        self._albums = albums
        self._flood = flood
        self._flood_notice = flood_notice
        # Concurrent webhook requests are taken in one at a time, in the order they came.
        self._lock = asyncio.Lock()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        async with self._lock:
            if not data.get(REPLAYED_UPDATE):
                payload = event.model_dump_json(by_alias=True, exclude_none=True)
                if not await self._inbox.claim(event.update_id, payload):
                    log.info("update.duplicate", update_id=event.update_id)
                    return None
            user: User | None = data.get("event_from_user")
            lane: Hashable = user.id if user is not None else "no-user"
            group = event.message.media_group_id if event.message is not None else None
            if user is not None and group is not None:
                album = self._albums.add(user.id, group, event)
                if album is None:
                    return None
                if self._admitted(event, user, data):
                    self._sequencer.submit(lane, lambda: self._handle_album(handler, album, data))
                else:
                    self._albums.discard(album)
                return None
            if user is None or self._admitted(event, user, data):
                self._sequencer.submit(lane, lambda: self._handle(handler, event, data))
        return None

    def _admitted(self, update: Update, user: User, data: dict[str, Any]) -> bool:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.type != ChatType.PRIVATE:
            # Groups are where staff work (an agents' forum): their pace is not a flood.
            return True
        admission = self._flood.admit(user.id)
        if admission is Admission.ADMIT:
            return True
        if admission is Admission.WARN:
            log.info("update.flood_warned", user_id=user.id)
            self._sequencer.submit(user.id, lambda: self._warn(user, chat, update.update_id))
        else:
            log.info("update.flood_dropped", user_id=user.id, update_id=update.update_id)
            self._sequencer.submit(user.id, lambda: self._inbox.finish([update.update_id]))
        return False

    async def _warn(self, user: User, chat: Chat | None, update_id: int) -> None:
        try:
            await self._flood_notice(user, chat)
        finally:
            await self._inbox.finish([update_id])

    async def _handle(self, handler: Handler, update: Update, data: dict[str, Any]) -> None:
        await self._run(handler, update, data, [update.update_id])

    async def _handle_album(self, handler: Handler, album: Album, data: dict[str, Any]) -> None:
        updates = await self._albums.complete(album)
        first = updates[0]
        messages = [update.message for update in updates if update.message is not None]
        album_data = {**data, "event_update": first, ALBUM: messages}
        await self._run(handler, first, album_data, [update.update_id for update in updates])

    async def _run(
        self, handler: Handler, update: Update, data: dict[str, Any], update_ids: list[int]
    ) -> None:
        """Handle, then mark finished. A failure is finished too (it would fail again);
        an update interrupted by shutdown is not, and is handled at the next start."""
        with request_id_bound(f"tg-update-{update.update_id}"):
            try:
                await handler(update, data)
            except Exception:
                log.exception("update.failed", update_id=update.update_id)
        await self._inbox.finish(update_ids)
