"""The store, opened once per process: its database and one repository per concern."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.telegram.store.bans import BannedUsers
from bot.telegram.store.buttons import ButtonStore
from bot.telegram.store.database import BotDatabase
from bot.telegram.store.deliveries import OutboundDeliveries
from bot.telegram.store.held_files import HeldFiles
from bot.telegram.store.pending import PendingMessages
from bot.telegram.store.topics import HandoffTopics
from bot.telegram.store.updates import UpdateInbox
from bot.telegram.store.users import UserStore


@dataclass(frozen=True, slots=True)
class BotStore:
    database: BotDatabase
    updates: UpdateInbox
    users: UserStore
    buttons: ButtonStore
    pending: PendingMessages
    held_files: HeldFiles
    topics: HandoffTopics
    bans: BannedUsers
    deliveries: OutboundDeliveries

    @classmethod
    async def open(cls, url: str, clock: Callable[[], float] = time.time) -> BotStore:
        database = BotDatabase(url)
        await database.create_schema()
        return cls(
            database=database,
            updates=UpdateInbox(database, clock),
            users=UserStore(database, clock),
            buttons=ButtonStore(database, clock),
            pending=PendingMessages(database, clock),
            held_files=HeldFiles(database, clock),
            topics=HandoffTopics(database, clock),
            bans=BannedUsers(database, clock),
            deliveries=OutboundDeliveries(database, clock),
        )

    async def close(self) -> None:
        await self.database.close()
