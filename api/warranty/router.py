"""Warranty endpoints: the check, and the stored policy versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.auth import require_roles
from api.auth_roles import Role
from api.db import DbSession
from api.errors import ApiError, FieldProblem, not_found, problem_responses
from api.settings import ApiSettings
from api.warranty import policy_store, service
from api.warranty.models import VERSION_LENGTH
from api.warranty.policy_model import PolicyDocument, PolicyFileError
from api.warranty.schemas import (
    PolicyVersionDocument,
    PolicyVersionOut,
    WarrantyCheckRequest,
    WarrantyCheckResponse,
)

router = APIRouter(prefix="/warranty", tags=["warranty"])

CONFIRMING_ROLES = frozenset({Role.AGENT, Role.BACKEND, Role.ADMIN})
Checker = Annotated[Role, require_roles(Role.ACTIONS, Role.BOT, Role.AGENT, Role.BACKEND)]
PolicyReader = Annotated[Role, require_roles(Role.AGENT, Role.SUPERVISOR, Role.BACKEND)]
PolicyWriter = Annotated[Role, require_roles(Role.ADMIN)]
VersionPath = Annotated[str, Path(min_length=1, max_length=VERSION_LENGTH)]


@router.post("/check", summary="Decide a fault's warranty", responses=problem_responses(403, 422))
async def check_warranty(
    body: WarrantyCheckRequest, request: Request, session: DbSession, role: Checker
) -> WarrantyCheckResponse:
    """The warranty decision for a fault, with the product it identified.

    Confirmed exclusions (a technician's or an agent's finding) are accepted only from the
    agent, backend and admin roles; the consumer-facing roles get 403 `exclusions_need_agent`,
    because the consumer's own words only ever yield *suspected* exclusions.
    """
    if body.confirmed_exclusions and role not in CONFIRMING_ROLES:
        raise ApiError(
            403,
            "exclusions_need_agent",
            f"The {role.value} role may not pass confirmed exclusions; only an agent, the "
            "backend or an admin can confirm one.",
        )
    settings: ApiSettings = request.app.state.settings
    return await service.check_warranty(session, body, max_text_chars=settings.max_text_chars)


@router.get(
    "/policies", summary="Stored policy versions, newest first", responses=problem_responses(403)
)
async def list_policies(session: DbSession, _: PolicyReader) -> list[PolicyVersionOut]:
    versions = await policy_store.list_versions(session)
    return [
        PolicyVersionOut(version=v.version, active=v.active, loaded_at=v.loaded_at)
        for v in versions
    ]


@router.get(
    "/policies/active", summary="The policy decisions use now", responses=problem_responses(403)
)
async def active_policy(session: DbSession, _: PolicyReader) -> PolicyVersionDocument:
    """The active version with its document; the shipped default while none is stored."""
    return _document_out(await policy_store.active_version(session))


@router.post(
    "/policies",
    summary="Upload a policy version and make it active",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": PolicyVersionDocument, "description": "That version was already stored."},
        **problem_responses(403, 409, 422),
    },
)
async def upload_policy(
    body: PolicyDocument, response: Response, session: DbSession, _: PolicyWriter
) -> PolicyVersionDocument:
    """Store a new version and activate it. Versions are immutable: uploading a stored
    version again with the same document changes nothing (200), with another document is 409.
    """
    try:
        outcome = await policy_store.store_policy(
            session, body.model_dump(mode="json", exclude_none=True), source="body"
        )
    except PolicyFileError as error:
        raise _invalid_policy(error) from error
    except policy_store.PolicyVersionConflict as error:
        raise ApiError(409, "policy_version_conflict", error.detail) from error
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return _document_out(outcome.policy)


@router.post(
    "/policies/{version}/activate",
    summary="Make a stored version the active one",
    responses=problem_responses(403, 404, 409),
)
async def activate_policy(
    version: VersionPath, session: DbSession, _: PolicyWriter
) -> PolicyVersionDocument:
    """Roll back (or forward) to a version stored earlier."""
    try:
        stored = await policy_store.activate_version(session, version)
    except policy_store.PolicyVersionNotFound as error:
        raise not_found("policy_version", error.version) from error
    except policy_store.PolicyVersionConflict as error:
        raise ApiError(409, "policy_version_conflict", error.detail) from error
    return _document_out(stored)


def _document_out(stored: policy_store.StoredPolicy) -> PolicyVersionDocument:
    return PolicyVersionDocument(
        version=stored.version,
        active=stored.active,
        loaded_at=stored.loaded_at,
        document=stored.document,
    )


def _invalid_policy(error: PolicyFileError) -> ApiError:
    problems = [
        FieldProblem(
            field=".".join(part for part in ("body", problem.path) if part),
            message=problem.message,
            type="invalid_policy",
        )
        for problem in error.problems
    ]
    detail = "; ".join(f"{p.field}: {p.message}" for p in problems) or str(error)
    return ApiError(422, "invalid_policy", f"The policy is not valid: {detail}", errors=problems)
