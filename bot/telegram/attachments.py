"""Photos and documents a consumer sends: downloaded from Telegram and attached to their
open case in the api.

Files sent while the consumer has no open case (or while the api is unreachable) are held
and attached once a case is open; the api decides what it accepts (type, size) and its
refusals are explained to the consumer in their language.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.telegram.api_client import AftersalesApi, ApiRejected, ApiUnavailable, FileUpload
from bot.telegram.consumer import Consumer
from bot.telegram.replies import ReplySender
from bot.telegram.store.held_files import HeldFile, HeldFiles
from bot.telegram.texts import (
    FILE_NOT_ACCEPTED,
    FILE_NOT_SAVED,
    FILE_TOO_LARGE,
    FILE_TYPE_NOT_ACCEPTED,
    Bilingual,
    size_label,
)

log = structlog.get_logger(__name__)

TELEGRAM_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024
"""Bots can download files up to 20 MB from the Bot API."""
HELD_FILE_TTL_SECONDS = 24 * 3600
"""A file held longer than this belonged to a report that was never made."""
PHOTO_MEDIA_TYPE = "image/jpeg"
"""Telegram re-encodes every photo as JPEG."""

API_KIND = {"photo": "fault_photo", "document": "document"}


@dataclass(frozen=True, slots=True)
class IncomingFile:
    kind: str
    """``photo`` or ``document``."""
    file_id: str
    file_unique_id: str
    message_id: int
    file_name: str | None = None
    media_type: str | None = None
    size: int | None = None

    @property
    def declared_media_type(self) -> str | None:
        return PHOTO_MEDIA_TYPE if self.kind == "photo" else self.media_type

    def upload_name(self) -> str:
        if self.file_name:
            return self.file_name
        return f"telegram-{self.file_unique_id}.jpg" if self.kind == "photo" else "document"


@dataclass(frozen=True, slots=True)
class KeptFile:
    """What became of one incoming file."""

    source: IncomingFile
    attachment_id: int | None
    """None while the file is held for a case."""
    media_type: str | None

    def metadata(self) -> dict[str, Any]:
        """The engine's view: ``{attachment_id, kind, media_type}``; the id is null while
        the file waits for a case."""
        return {
            "attachment_id": self.attachment_id,
            "kind": self.source.kind,
            "media_type": self.media_type,
        }


class _Deferred(Exception):
    """The file cannot be fetched or stored right now; holding it lets a later turn try."""


class _Refused(Exception):
    def __init__(self, notice: str) -> None:
        super().__init__(notice)
        self.notice = notice


class AttachmentKeeper:
    def __init__(
        self,
        bot: Bot,
        api: AftersalesApi,
        held: HeldFiles,
        replies: ReplySender,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._bot = bot
        self._api = api
        self._held = held
        self._replies = replies
        self._clock = clock

    async def keep(self, consumer: Consumer, files: Sequence[IncomingFile]) -> list[KeptFile]:
        """Attach the files to the consumer's open case, or hold them until there is one.

        Files that cannot be kept (too large for Telegram to hand over, refused by the api)
        are left out, and the consumer is told why, once per reason.
        """
        notices: list[str] = []
        kept: list[KeptFile] = []
        acceptable = []
        for incoming in files:
            if incoming.size is not None and incoming.size > TELEGRAM_DOWNLOAD_LIMIT_BYTES:
                _note(notices, self._too_large(consumer))
            else:
                acceptable.append(incoming)
        case_id = await self._open_case(consumer) if acceptable else None
        for incoming in acceptable:
            if case_id is None:
                kept.append(await self._hold(consumer, incoming))
                continue
            try:
                kept.append(await self._attach(consumer, case_id, incoming))
            except (ApiUnavailable, _Deferred) as error:
                log.warning(
                    "attachments.upload_deferred", user_id=consumer.user_id, error=str(error)
                )
                kept.append(await self._hold(consumer, incoming))
            except _Refused as refusal:
                _note(notices, refusal.notice)
        for notice in notices:
            await self._replies.say(consumer, notice)
        return kept

    async def attach_held(self, consumer: Consumer) -> None:
        """Attach the files held for the consumer, now that they may have a case."""
        held = await self._held.for_user(consumer.user_id)
        if not held:
            return
        fresh = [item for item in held if self._clock() - item.received_at < HELD_FILE_TTL_SECONDS]
        for stale in held:
            if stale not in fresh:
                await self._held.release(stale.id)
        if not fresh:
            return
        case_id = await self._open_case(consumer)
        if case_id is None:
            return
        for item in fresh:
            incoming = IncomingFile(
                kind=item.kind,
                file_id=item.file_id,
                file_unique_id=item.file_unique_id,
                message_id=item.message_id,
                file_name=item.file_name,
                media_type=item.media_type,
            )
            try:
                await self._attach(consumer, case_id, incoming)
            except (ApiUnavailable, _Deferred):
                return
            except _Refused as refusal:
                await self._replies.say(consumer, refusal.notice)
            await self._held.release(item.id)
            log.info("attachments.held_file_attached", user_id=consumer.user_id, case_id=case_id)

    async def _open_case(self, consumer: Consumer) -> int | None:
        try:
            return await self._api.newest_open_case(consumer.conversation_id)
        except (ApiUnavailable, ApiRejected) as error:
            log.warning(
                "attachments.case_lookup_failed", user_id=consumer.user_id, error=str(error)
            )
            return None

    def _too_large(self, consumer: Consumer) -> str:
        return FILE_TOO_LARGE.in_(consumer.language).format(
            limit=size_label(TELEGRAM_DOWNLOAD_LIMIT_BYTES)
        )

    async def _hold(self, consumer: Consumer, incoming: IncomingFile) -> KeptFile:
        await self._held.hold(
            consumer.user_id,
            HeldFile(
                file_id=incoming.file_id,
                file_unique_id=incoming.file_unique_id,
                kind=incoming.kind,
                file_name=incoming.file_name,
                media_type=incoming.declared_media_type,
                message_id=incoming.message_id,
            ),
        )
        return KeptFile(incoming, None, incoming.declared_media_type)

    async def _attach(self, consumer: Consumer, case_id: int, incoming: IncomingFile) -> KeptFile:
        content = await self._download(consumer, incoming)
        try:
            uploaded = await self._api.attach(
                consumer.conversation_id,
                case_id,
                FileUpload(
                    content=content,
                    file_name=incoming.upload_name(),
                    declared_type=incoming.declared_media_type,
                    kind=API_KIND[incoming.kind],
                    channel_file_id=incoming.file_id,
                ),
            )
        except ApiRejected as rejection:
            log.info(
                "attachments.refused",
                user_id=consumer.user_id,
                status=rejection.status,
                code=rejection.code,
            )
            raise _Refused(_refusal_notice(rejection).in_(consumer.language)) from rejection
        return KeptFile(incoming, uploaded.id, uploaded.media_type)

    async def _download(self, consumer: Consumer, incoming: IncomingFile) -> bytes:
        try:
            telegram_file = await self._bot.get_file(incoming.file_id)
            if telegram_file.file_path is None:
                raise _Refused(FILE_NOT_SAVED.in_(consumer.language))
            downloaded = await self._bot.download_file(telegram_file.file_path)
        except TelegramBadRequest as error:
            if "too big" in error.message:
                raise _Refused(self._too_large(consumer)) from error
            log.warning("attachments.download_refused", detail=error.message)
            raise _Refused(FILE_NOT_SAVED.in_(consumer.language)) from error
        except TelegramAPIError as error:
            raise _Deferred(f"telegram refused the download: {error.message}") from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _Deferred(f"telegram download failed: {type(error).__name__}") from error
        if downloaded is None:
            raise _Refused(FILE_NOT_SAVED.in_(consumer.language))
        return downloaded.read()


def _note(notices: list[str], notice: str) -> None:
    if notice not in notices:
        notices.append(notice)


def _refusal_notice(rejection: ApiRejected) -> Bilingual:
    if rejection.status == 413:
        limit = rejection.extra.get("max_bytes")
        if isinstance(limit, int):
            return Bilingual(
                zh=FILE_TOO_LARGE.zh.format(limit=size_label(limit)),
                en=FILE_TOO_LARGE.en.format(limit=size_label(limit)),
            )
    if rejection.status == 415:
        return FILE_TYPE_NOT_ACCEPTED
    return FILE_NOT_ACCEPTED
