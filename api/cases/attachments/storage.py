"""Content-addressed blob storage: each distinct content stored once, under its SHA-256.

``<root>/ab/cd/<sha256>`` is written through a staging file in the same file system and
hard-linked into place, so a blob is either complete or absent, and an existing blob is never
overwritten. Blobs are removed only after the transaction that stopped referencing them has
committed, so a rolled-back erasure never loses content that rows still point to.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

STAGING_DIR_NAME = ".staging"
WRITE_BUFFER_BYTES = 256 * 1024
HEAD_BYTES = 64
_PENDING_REMOVALS = "attachments.pending_blob_removals"


class BlobTooLargeError(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the content exceeds {limit} bytes")
        self.limit = limit


@dataclass
class StagedBlob:
    """Content being received: hashed and counted as it is written to a staging file."""

    path: Path
    limit: int
    size: int = 0
    head: bytes = b""
    _hash: Any = field(default_factory=hashlib.sha256)
    _buffer: bytearray = field(default_factory=bytearray)
    _file: Any = None

    @property
    def sha256(self) -> str:
        return str(self._hash.hexdigest())

    async def write(self, data: bytes) -> None:
        """Append ``data``; `BlobTooLargeError` as soon as the total passes the limit."""
        self.size += len(data)
        if self.size > self.limit:
            raise BlobTooLargeError(self.limit)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self._hash.update(data)
        self._buffer += data
        if len(self._buffer) >= WRITE_BUFFER_BYTES:
            await self._flush_buffer()

    async def finish(self) -> None:
        await self._flush_buffer()
        await asyncio.to_thread(self._sync_and_close)

    async def _flush_buffer(self) -> None:
        if self._buffer:
            chunk = bytes(self._buffer)
            self._buffer.clear()
            await asyncio.to_thread(self._file.write, chunk)

    def _sync_and_close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def discard(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def stage(self, limit: int) -> StagedBlob:
        staging = self.root / STAGING_DIR_NAME
        await asyncio.to_thread(staging.mkdir, parents=True, exist_ok=True)
        descriptor, name = await asyncio.to_thread(tempfile.mkstemp, dir=staging)
        return StagedBlob(path=Path(name), limit=limit, _file=os.fdopen(descriptor, "wb"))

    async def keep(self, staged: StagedBlob) -> Path:
        """Move finished content into place (a no-op if that content is already stored)."""
        return await asyncio.to_thread(self._link_into_place, staged)

    def _link_into_place(self, staged: StagedBlob) -> Path:
        target = self.path_for(staged.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(staged.path, 0o400)
        try:
            os.link(staged.path, target)
        except FileExistsError:
            pass  # the same bytes are stored already: content addressing makes them equal
        finally:
            staged.path.unlink(missing_ok=True)
        return target

    def remove_after_commit(self, session: AsyncSession, sha256s: Iterable[str]) -> None:
        """Delete these blobs once the session's transaction commits; forget them on rollback."""
        pending: set[Path] | None = session.info.get(_PENDING_REMOVALS)
        if pending is None:
            pending = set()
            session.info[_PENDING_REMOVALS] = pending
            event.listen(session.sync_session, "after_commit", _remove_pending)
            event.listen(session.sync_session, "after_soft_rollback", _forget_pending)
        pending.update(self.path_for(sha256) for sha256 in sha256s)


def _remove_pending(session: Session) -> None:
    # SQLAlchemy runs commit hooks synchronously; unlinking a handful of files is brief.
    pending: set[Path] = session.info.get(_PENDING_REMOVALS, set())
    for path in pending:
        path.unlink(missing_ok=True)
    pending.clear()


def _forget_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.nested:
        return  # a savepoint: the removals belong to the enclosing transaction
    session.info.get(_PENDING_REMOVALS, set()).clear()
