"""Stored fee schedule versions: upload, activate, list, and the active schedule per process.

Every quote and estimate needs the active schedule, so it is kept in memory per database
engine and re-read only when the active version changed: a commit in this process that
stored or activated a version bumps a generation counter, and changes made by other
processes are noticed by a one-row query run at most every `REVALIDATE_SECONDS`. While
nothing is stored yet, the shipped default schedule is used.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.active_version import ActiveVersionCache
from api.catalogue.text import has_control_characters
from api.fees.models import VERSION_LENGTH, FeeScheduleVersion
from api.fees.schedule_model import (
    DEFAULT_SCHEDULE_PATH,
    FeeSchedule,
    ScheduleFileError,
    ScheduleProblem,
    default_schedule,
    load_raw_default,
    parse_document,
    parse_schedule,
    resolve,
)

REVALIDATE_SECONDS = 1.0


class ScheduleVersionConflict(Exception):
    """The version is already stored with another document, or a concurrent change won."""

    def __init__(self, version: str, detail: str) -> None:
        super().__init__(detail)
        self.version = version
        self.detail = detail


class ScheduleVersionNotFound(LookupError):
    def __init__(self, version: str) -> None:
        super().__init__(version)
        self.version = version


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    """A stored version; `id` and `loaded_at` are None for the shipped default in use."""

    id: int | None
    version: str
    loaded_at: datetime | None
    active: bool
    document: dict[str, Any]

    @classmethod
    def of(cls, row: FeeScheduleVersion) -> StoredSchedule:
        return cls(row.id, row.version, row.loaded_at, row.active, row.document)


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    schedule: StoredSchedule
    created: bool


def validated_document(data: object, *, source: str) -> tuple[FeeSchedule, dict[str, Any]]:
    """Validate a schedule document; returns the resolved schedule and its canonical form."""
    document = parse_document(data, source=source)
    problems = _version_problems(document.version)
    if problems:
        raise ScheduleFileError(f"{source}: version: {problems[0].message}", tuple(problems))
    return resolve(document), document.model_dump(mode="json", exclude_none=True)


def _version_problems(version: str) -> list[ScheduleProblem]:
    if len(version) > VERSION_LENGTH:
        return [ScheduleProblem("version", f"at most {VERSION_LENGTH} characters")]
    if has_control_characters(version):
        return [ScheduleProblem("version", "must not contain control characters")]
    return []


async def store_schedule(
    session: AsyncSession, data: Mapping[str, Any], *, source: str
) -> StoreOutcome:
    """Store a new version and make it the active one; versions are immutable once stored."""
    schedule, document = validated_document(data, source=source)
    existing = await session.scalar(
        select(FeeScheduleVersion).where(FeeScheduleVersion.version == schedule.version)
    )
    if existing is not None:
        if existing.document != document:
            raise ScheduleVersionConflict(
                schedule.version,
                f"Version {schedule.version} is already stored with another document; "
                "upload the changed schedule under a new version.",
            )
        return StoreOutcome(StoredSchedule.of(existing), created=False)
    row = FeeScheduleVersion(version=schedule.version, document=document, active=True)
    await _make_active(session, row, insert=True)
    return StoreOutcome(StoredSchedule.of(row), created=True)


async def activate_version(session: AsyncSession, version: str) -> StoredSchedule:
    """Make an already stored version the active one (e.g. to roll back an upload)."""
    row = await session.scalar(
        select(FeeScheduleVersion).where(FeeScheduleVersion.version == version)
    )
    if row is None:
        raise ScheduleVersionNotFound(version)
    if not row.active:
        await _make_active(session, row, insert=False)
    return StoredSchedule.of(row)


async def _make_active(session: AsyncSession, row: FeeScheduleVersion, *, insert: bool) -> None:
    # Deactivate first: the partial unique index allows one active row at any moment.
    await session.execute(
        update(FeeScheduleVersion)
        .where(FeeScheduleVersion.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )
    row.active = True
    if insert:
        session.add(row)
    try:
        await session.flush()
    except IntegrityError as error:
        raise ScheduleVersionConflict(
            row.version,
            f"Another change to the fee schedule was saved at the same time as version "
            f"{row.version}; reload the versions and try again.",
        ) from error
    ACTIVE_SCHEDULE.note_change(session)


async def list_versions(session: AsyncSession) -> list[StoredSchedule]:
    """Every stored version, newest first."""
    rows = await session.scalars(
        select(FeeScheduleVersion).order_by(
            FeeScheduleVersion.loaded_at.desc(), FeeScheduleVersion.id.desc()
        )
    )
    return [StoredSchedule.of(row) for row in rows]


async def active_version(session: AsyncSession) -> StoredSchedule:
    """The active stored version, or the shipped default while nothing is stored."""
    row = await session.scalar(
        select(FeeScheduleVersion).where(FeeScheduleVersion.active.is_(True))
    )
    if row is not None:
        return StoredSchedule.of(row)
    return StoredSchedule(None, default_schedule().version, None, True, shipped_document())


@cache
def _shipped_canonical_document() -> dict[str, Any]:
    return validated_document(load_raw_default(), source=str(DEFAULT_SCHEDULE_PATH))[1]


def shipped_document() -> dict[str, Any]:
    """The canonical document of the shipped default schedule (read from disk once)."""
    return copy.deepcopy(_shipped_canonical_document())


# --- the active schedule, cached per process ----------------------------------------------


def _parse_active(row: FeeScheduleVersion | None) -> FeeSchedule:
    if row is None:
        return default_schedule()
    return parse_schedule(row.document, source=f"fee_schedules.{row.version}")


ACTIVE_SCHEDULE: ActiveVersionCache[FeeSchedule] = ActiveVersionCache(
    "fee_schedule", FeeScheduleVersion, _parse_active, revalidate_seconds=REVALIDATE_SECONDS
)


async def current_schedule(session: AsyncSession) -> FeeSchedule:
    """The active schedule for the session's database, re-read only when it changed."""
    return await ACTIVE_SCHEDULE.current(session)
