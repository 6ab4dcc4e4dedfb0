"""Stored warranty policy versions: upload, activate, list, and the active policy per process.

Every decision needs the active policy, so it is kept in memory per database engine and
re-read only when the active version changed:

* a commit in this process that stored or activated a version bumps a generation counter,
  so this process sees its own change at once;
* changes made by other processes (another api worker, ``aftersales seed``) are noticed by a
  one-row query for the active version's id, run at most every `REVALIDATE_SECONDS`.

While nothing is stored yet (a database that was never seeded), decisions use the shipped
default policy, loaded once per process.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import yaml
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.active_version import ActiveVersionCache
from api.catalogue.text import has_control_characters
from api.warranty.models import VERSION_LENGTH, WarrantyPolicyVersion
from api.warranty.policy_model import (
    DEFAULT_POLICY_PATH,
    PolicyDocument,
    PolicyFileError,
    PolicyProblem,
    WarrantyPolicy,
    default_policy,
    parse_policy,
)

REVALIDATE_SECONDS = 1.0
MAX_WINDOW_DAYS = 36_500
MAX_WINDOW_MONTHS = 1_200
_LIMITS = {
    "return_days": MAX_WINDOW_DAYS,
    "exchange_days": MAX_WINDOW_DAYS,
    "manufacture_offset_days": MAX_WINDOW_DAYS,
    "repaired_part_guarantee_days": MAX_WINDOW_DAYS,
    "repair_over_days": MAX_WINDOW_DAYS,
    "parts_supply_days": MAX_WINDOW_DAYS,
    "whole_unit_months": MAX_WINDOW_MONTHS,
    "presumed_quality_fault_months": MAX_WINDOW_MONTHS,
}


class PolicyVersionConflict(Exception):
    """The version is already stored with another document, or a concurrent change won."""

    def __init__(self, version: str, detail: str) -> None:
        super().__init__(detail)
        self.version = version
        self.detail = detail


class PolicyVersionNotFound(LookupError):
    def __init__(self, version: str) -> None:
        super().__init__(version)
        self.version = version


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """A stored version; `id` and `loaded_at` are None for the shipped default in use."""

    id: int | None
    version: str
    loaded_at: datetime | None
    active: bool
    document: dict[str, Any]

    @classmethod
    def of(cls, row: WarrantyPolicyVersion) -> StoredPolicy:
        return cls(row.id, row.version, row.loaded_at, row.active, row.document)


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    policy: StoredPolicy
    created: bool


def canonical_document(document: PolicyDocument) -> dict[str, Any]:
    """The document as stored: JSON values, unset fields left out, exclusion lists sorted."""
    data: dict[str, Any] = document.model_dump(mode="json", exclude_none=True)
    patches = [
        data["defaults"],
        *data["categories"].values(),
        *(patch for brand in data["brand_overrides"].values() for patch in brand.values()),
    ]
    for patch in patches:
        if "exclusions" in patch:
            patch["exclusions"] = sorted(patch["exclusions"])
    return data


def validated_document(data: object, *, source: str) -> tuple[WarrantyPolicy, dict[str, Any]]:
    """Validate a policy document; returns the resolved policy and its canonical form.

    Raises `PolicyFileError` (with a field path per problem) for an invalid document,
    including windows too long to compute and a version that cannot be stored.
    """
    policy = parse_policy(data, source=source)
    document = PolicyDocument.model_validate(data)
    problems = [*_version_problems(policy.version), *_range_problems(document)]
    if problems:
        listed = "; ".join(f"{problem.path}: {problem.message}" for problem in problems)
        raise PolicyFileError(f"{source}: {listed}", tuple(problems))
    return policy, canonical_document(document)


def _version_problems(version: str) -> list[PolicyProblem]:
    if len(version) > VERSION_LENGTH:
        return [PolicyProblem("version", f"at most {VERSION_LENGTH} characters")]
    if has_control_characters(version):
        return [PolicyProblem("version", "must not contain control characters")]
    return []


def _range_problems(document: PolicyDocument) -> list[PolicyProblem]:
    """Windows longer than a century are typos, and their ends would leave the calendar."""
    patches = [
        ("defaults", document.defaults),
        *((f"categories.{code}", patch) for code, patch in document.categories.items()),
        *(
            (f"brand_overrides.{brand}.{code}", patch)
            for brand, overrides in document.brand_overrides.items()
            for code, patch in overrides.items()
        ),
    ]
    problems: list[PolicyProblem] = []
    for where, patch in patches:
        values = patch.model_dump(exclude_none=True)
        for name, value in values.items():
            limit = _LIMITS.get(name)
            if limit is not None and value > limit:
                problems.append(PolicyProblem(f"{where}.{name}", f"at most {limit}"))
        for table in ("main_components", "parts"):
            for component, months in values.get(table, {}).items():
                if months > MAX_WINDOW_MONTHS:
                    problems.append(
                        PolicyProblem(
                            f"{where}.{table}.{component}", f"at most {MAX_WINDOW_MONTHS}"
                        )
                    )
    return problems


async def store_policy(
    session: AsyncSession, data: Mapping[str, Any], *, source: str
) -> StoreOutcome:
    """Store a new version and make it the active one.

    Storing a version that exists with the same document changes nothing; with another
    document it is a `PolicyVersionConflict` (versions are immutable once stored).
    """
    policy, document = validated_document(data, source=source)
    existing = await session.scalar(
        select(WarrantyPolicyVersion).where(WarrantyPolicyVersion.version == policy.version)
    )
    if existing is not None:
        if existing.document != document:
            raise PolicyVersionConflict(
                policy.version,
                f"Version {policy.version} is already stored with another document; "
                "upload the changed policy under a new version.",
            )
        return StoreOutcome(StoredPolicy.of(existing), created=False)
    row = WarrantyPolicyVersion(version=policy.version, document=document, active=True)
    await _make_active(session, row, insert=True)
    return StoreOutcome(StoredPolicy.of(row), created=True)


async def activate_version(session: AsyncSession, version: str) -> StoredPolicy:
    """Make an already stored version the active one (e.g. to roll back an upload)."""
    row = await session.scalar(
        select(WarrantyPolicyVersion).where(WarrantyPolicyVersion.version == version)
    )
    if row is None:
        raise PolicyVersionNotFound(version)
    if not row.active:
        await _make_active(session, row, insert=False)
    return StoredPolicy.of(row)


async def _make_active(session: AsyncSession, row: WarrantyPolicyVersion, *, insert: bool) -> None:
    # Deactivate first: the partial unique index allows one active row at any moment. Two
    # concurrent activations make one of them fail on that index instead of leaving two.
    await session.execute(
        update(WarrantyPolicyVersion)
        .where(WarrantyPolicyVersion.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )
    row.active = True
    if insert:
        session.add(row)
    try:
        await session.flush()
    except IntegrityError as error:
        raise PolicyVersionConflict(
            row.version,
            f"Another change to the warranty policy was saved at the same time as version "
            f"{row.version}; reload the versions and try again.",
        ) from error
    ACTIVE_POLICY.note_change(session)


async def list_versions(session: AsyncSession) -> list[StoredPolicy]:
    """Every stored version, newest first."""
    rows = await session.scalars(
        select(WarrantyPolicyVersion).order_by(
            WarrantyPolicyVersion.loaded_at.desc(), WarrantyPolicyVersion.id.desc()
        )
    )
    return [StoredPolicy.of(row) for row in rows]


async def active_version(session: AsyncSession) -> StoredPolicy:
    """The active stored version, or the shipped default while nothing is stored."""
    row = await session.scalar(
        select(WarrantyPolicyVersion).where(WarrantyPolicyVersion.active.is_(True))
    )
    if row is not None:
        return StoredPolicy.of(row)
    return _shipped_default()


def _shipped_default() -> StoredPolicy:
    return StoredPolicy(None, default_policy().version, None, True, shipped_document())


@cache
def _shipped_canonical_document() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    return validated_document(data, source=str(DEFAULT_POLICY_PATH))[1]


def shipped_document() -> dict[str, Any]:
    """The canonical document of the shipped default policy (read from disk once)."""
    return copy.deepcopy(_shipped_canonical_document())


# --- the active policy, cached per process ------------------------------------------------


def _parse_active(row: WarrantyPolicyVersion | None) -> WarrantyPolicy:
    if row is None:
        return default_policy()
    return parse_policy(row.document, source=f"warranty_policies.{row.version}")


ACTIVE_POLICY: ActiveVersionCache[WarrantyPolicy] = ActiveVersionCache(
    "warranty_policy", WarrantyPolicyVersion, _parse_active, revalidate_seconds=REVALIDATE_SECONDS
)


async def current_policy(session: AsyncSession) -> WarrantyPolicy:
    """The active policy for the session's database, re-read only when it changed."""
    return await ACTIVE_POLICY.current(session)
