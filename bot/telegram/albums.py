"""Albums: Telegram delivers each photo of an album as its own update, sharing a
``media_group_id``; they are gathered here and handled as one message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable

from aiogram.types import Update


class Album:
    def __init__(self, key: tuple[Hashable, str], first: Update, now: float) -> None:
        self.key = key
        self.updates = [first]
        self.opened_at = now
        self.last_part_at = now


class AlbumCollector:
    def __init__(
        self,
        *,
        quiet_seconds: float,
        max_wait_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._quiet = quiet_seconds
        self._max_wait = max_wait_seconds
        self._clock = clock
        self._open: dict[tuple[Hashable, str], Album] = {}

    def add(self, user: Hashable, media_group_id: str, update: Update) -> Album | None:
        """Add a part; returns the new album when this part opens one, None when it joined
        an album still being gathered."""
        key = (user, media_group_id)
        album = self._open.get(key)
        if album is not None:
            album.updates.append(update)
            album.last_part_at = self._clock()
            return None
        album = Album(key, update, self._clock())
        self._open[key] = album
        return album

    def discard(self, album: Album) -> None:
        """Stop gathering parts for an album that will not be handled."""
        self._open.pop(album.key, None)

    async def complete(self, album: Album) -> list[Update]:
        """Wait until no part came for the quiet period (or the longest wait passed), then
        close the album; its updates in the order the user sent them."""
        while True:
            now = self._clock()
            end = min(album.last_part_at + self._quiet, album.opened_at + self._max_wait)
            if now >= end:
                break
            await asyncio.sleep(end - now)
        self._open.pop(album.key, None)
        return sorted(album.updates, key=_message_id)


def _message_id(update: Update) -> int:
    return update.message.message_id if update.message is not None else 0
