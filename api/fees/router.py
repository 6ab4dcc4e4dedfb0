"""Fee endpoints: the public schedule, the estimate for a case, and the stored versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.auth import require_roles
from api.auth_roles import Role
from api.cases.service import get_case
from api.catalogue.vocabulary import CategoryCode
from api.customers.caller import Caller, caller_with_roles
from api.db import DbSession
from api.errors import ApiError, FieldProblem, invalid_field, not_found, problem_responses
from api.fees import schedule_store
from api.fees.estimate import basis_of_snapshot, basis_of_status, estimate
from api.fees.models import VERSION_LENGTH
from api.fees.schedule_model import ScheduleDocument, ScheduleFileError
from api.fees.schemas import (
    CategoryFeesOut,
    EstimateOut,
    ScheduleVersionDocument,
    ScheduleVersionOut,
)
from api.warranty.decision_model import WarrantyStatus

router = APIRouter(prefix="/fees", tags=["fees"])

READERS = (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND)
Reader = Annotated[Role, require_roles(*READERS)]
ScheduleReader = Annotated[Role, require_roles(Role.AGENT, Role.SUPERVISOR, Role.BACKEND)]
ScheduleWriter = Annotated[Role, require_roles(Role.ADMIN)]
BrandQuery = Annotated[
    str | None,
    Query(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$", description="Brand code, e.g. gree."),
]
VersionPath = Annotated[str, Path(min_length=1, max_length=VERSION_LENGTH)]


@router.get("", summary="The public fee schedule of a category", responses=problem_responses(403))
async def category_fees(
    category: CategoryCode, session: DbSession, _: Reader, brand: BrandQuery = None
) -> CategoryFeesOut:
    """Visit fee, labour bands and common parts' list prices; an unknown category is 422."""
    schedule = await schedule_store.current_schedule(session)
    return CategoryFeesOut.of(schedule, category, brand)


@router.get(
    "/estimate",
    summary="What a repair would cost: free and why, or the schedule's figures",
    responses=problem_responses(400, 403, 404, 422),
)
async def fee_estimate(
    session: DbSession,
    caller: Annotated[Caller, caller_with_roles(*READERS)],
    case_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    category: CategoryCode | None = None,
    brand: BrandQuery = None,
    warranty_status: WarrantyStatus | None = None,
) -> EstimateOut:
    """Give either ``case_id`` (its category, brand and warranty decision are used; a
    consumer role sees only its own cases) or ``category`` with an optional ``brand`` and
    ``warranty_status``."""
    if (case_id is None) == (category is None):
        raise invalid_field(
            "query.case_id", "case_or_category", "Give either case_id or category, not both."
        )
    schedule = await schedule_store.current_schedule(session)
    if case_id is not None:
        case = await get_case(session, case_id, customer=caller.customer)
        if case.category_code is None:
            raise invalid_field(
                "query.case_id",
                "category_unknown",
                f"Case {case_id} has no category yet; the schedule is per category.",
            )
        basis, reason = basis_of_snapshot(case.warranty_snapshot)
        found = estimate(schedule, CategoryCode(case.category_code), case.brand, basis, reason)
        return EstimateOut.of(found)
    assert category is not None
    if warranty_status is None:
        basis, reason = basis_of_snapshot(None)
    else:
        basis, reason = basis_of_status(warranty_status)
    return EstimateOut.of(estimate(schedule, category, brand, basis, reason))


@router.get(
    "/schedules", summary="Stored schedule versions, newest first", responses=problem_responses(403)
)
async def list_schedules(session: DbSession, _: ScheduleReader) -> list[ScheduleVersionOut]:
    versions = await schedule_store.list_versions(session)
    return [
        ScheduleVersionOut(version=v.version, active=v.active, loaded_at=v.loaded_at)
        for v in versions
    ]


@router.get(
    "/schedules/active",
    summary="The schedule quotes use now",
    responses=problem_responses(403),
)
async def active_schedule(session: DbSession, _: ScheduleReader) -> ScheduleVersionDocument:
    """The active version with its document; the shipped default while none is stored."""
    return _document_out(await schedule_store.active_version(session))


@router.post(
    "/schedules",
    summary="Upload a schedule version and make it active",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": ScheduleVersionDocument, "description": "That version was already stored."},
        **problem_responses(403, 409, 422),
    },
)
async def upload_schedule(
    body: ScheduleDocument, response: Response, session: DbSession, _: ScheduleWriter
) -> ScheduleVersionDocument:
    """Store a new version and activate it. Versions are immutable: uploading a stored
    version again with the same document changes nothing (200), with another document is 409.
    """
    try:
        outcome = await schedule_store.store_schedule(
            session, body.model_dump(mode="json", exclude_none=True), source="body"
        )
    except ScheduleFileError as error:
        raise _invalid_schedule(error) from error
    except schedule_store.ScheduleVersionConflict as error:
        raise ApiError(409, "schedule_version_conflict", error.detail) from error
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return _document_out(outcome.schedule)


@router.post(
    "/schedules/{version}/activate",
    summary="Make a stored schedule version the active one",
    responses=problem_responses(403, 404, 409),
)
async def activate_schedule(
    version: VersionPath, session: DbSession, _: ScheduleWriter
) -> ScheduleVersionDocument:
    try:
        stored = await schedule_store.activate_version(session, version)
    except schedule_store.ScheduleVersionNotFound as error:
        raise not_found("schedule_version", error.version) from error
    except schedule_store.ScheduleVersionConflict as error:
        raise ApiError(409, "schedule_version_conflict", error.detail) from error
    return _document_out(stored)


def _document_out(stored: schedule_store.StoredSchedule) -> ScheduleVersionDocument:
    return ScheduleVersionDocument(
        version=stored.version,
        active=stored.active,
        loaded_at=stored.loaded_at,
        document=stored.document,
    )


def _invalid_schedule(error: ScheduleFileError) -> ApiError:
    problems = [
        FieldProblem(
            field=".".join(part for part in ("body", problem.path) if part),
            message=problem.message,
            type="invalid_schedule",
        )
        for problem in error.problems
    ]
    detail = "; ".join(f"{p.field}: {p.message}" for p in problems) or str(error)
    return ApiError(
        422, "invalid_schedule", f"The schedule is not valid: {detail}", errors=problems
    )
