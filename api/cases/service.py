"""Case rules and queries: create (idempotently), read with visibility, update, transition.

Other domains call these functions with their own session to open cases and move them along
the status machine (for example a booked visit moves a case to ``visit_booked``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.cases.actors import Actor
from api.cases.models import Case, CaseTransition
from api.cases.schemas import CaseCreate, CasePatch
from api.cases.service_kinds import default_service_mode
from api.cases.status import (
    CaseState,
    CaseStatus,
    IllegalTransitionError,
    advance,
    allowed_targets,
    is_final,
)
from api.catalogue.service import ensure_category
from api.catalogue.vocabulary import CategoryCode
from api.customers.insert_once import insert_once
from api.customers.models import Customer
from api.customers.preferences import today_in
from api.customers.service import find_customer
from api.customers.text_rules import ensure_within_limit
from api.db import utc_now
from api.errors import ApiError, invalid_field, not_found
from api.outbox.service import EventType, record_event
from api.settings import ApiSettings

DEFAULT_MAX_TEXT_CHARS: int = ApiSettings.model_fields["max_text_chars"].default
FREE_TEXT_FIELDS = ("fault_description", "fault_onset_text")
DATE_FIELDS = ("purchase_date", "fault_onset_date")

_CATEGORY_CODES = frozenset(code.value for code in CategoryCode)


async def create_case(
    session: AsyncSession,
    data: CaseCreate,
    actor: Actor,
    *,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> tuple[Case, bool]:
    """Open a case; returns it and whether it is new (False: same idempotency key seen before).

    Raises 422 for an unknown customer or category, text over the limit or a future date, and
    409 ``idempotency_key_reused`` when the key was used for a different request.
    """
    customer = await find_customer(session, data.customer)
    if customer is None:
        raise invalid_field(
            "body.customer",
            "customer_not_found",
            f"No customer {data.customer}; register the consumer with PUT /customers first.",
        )
    fields = data.model_dump(exclude={"customer", "conversation_id", "idempotency_key"})
    await _validate_fields(session, fields, customer, max_text_chars)
    fingerprint = _fingerprint(data)
    if data.idempotency_key is not None:
        earlier = await _find_by_idempotency_key(session, customer.id, data.idempotency_key)
        if earlier is not None:
            return _same_request(earlier, fingerprint), False

    now = utc_now()
    values: dict[str, Any] = {
        **_column_values(fields),
        "customer_id": customer.id,
        "status": CaseStatus.OPEN.value,
        "service_mode": (data.service_mode or default_service_mode(data.category)).value,
        "conversation_id": data.conversation_id,
        "idempotency_key": data.idempotency_key,
        "idempotency_fingerprint": fingerprint if data.idempotency_key else None,
        "created_at": now,
        "updated_at": now,
    }
    case_id = await insert_once(session, Case, values, unique_on=("customer_id", "idempotency_key"))
    if case_id is None:
        assert data.idempotency_key is not None  # only a shared key can collide
        earlier = await _find_by_idempotency_key(session, customer.id, data.idempotency_key)
        assert earlier is not None
        return _same_request(earlier, fingerprint), False
    session.add(
        CaseTransition(
            case_id=case_id,
            from_status=None,
            to_status=CaseStatus.OPEN.value,
            at=now,
            actor_role=actor.role.value,
            actor_id=actor.id,
        )
    )
    await session.flush()
    case = await get_case(session, case_id)
    record_event(
        session,
        EventType.CASE_CREATED,
        f"case:{case_id}",
        {
            "case_id": case_id,
            "category": case.category_code,
            "service_type": case.service_type,
            "service_mode": case.service_mode,
            "urgency": case.urgency,
            "created_at": now.isoformat(),
        },
    )
    return case, True


async def get_case(
    session: AsyncSession,
    case_id: int,
    *,
    customer: str | None = None,
    for_update: bool = False,
) -> Case:
    """The case with its customer and transitions loaded.

    With ``customer`` (a channel identity), another consumer's case is reported as not found,
    so that case ids reveal nothing.
    """
    query = (
        _visible_cases(customer).where(Case.id == case_id).options(selectinload(Case.transitions))
    )
    if for_update:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    case = (await session.execute(query)).scalar_one_or_none()
    if case is None:
        raise not_found("case", case_id)
    return case


async def list_cases(
    session: AsyncSession,
    *,
    customer: str | None = None,
    statuses: Sequence[CaseStatus] = (),
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[Case], str | None]:
    """Cases newest first, a page at a time; returns the page and the next page's cursor."""
    query = _visible_cases(customer)
    if statuses:
        query = query.where(Case.status.in_([status.value for status in statuses]))
    if cursor is not None:
        created_at, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                Case.created_at < created_at,
                and_(Case.created_at == created_at, Case.id < last_id),
            )
        )
    query = query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1)
    cases = list((await session.execute(query)).scalars())
    if len(cases) <= limit:
        return cases, None
    page = cases[:limit]
    return page, _encode_cursor(page[-1])


async def update_case(
    session: AsyncSession,
    case_id: int,
    patch: CasePatch,
    *,
    customer: str | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> Case:
    """Change the intake fields of a case that is not closed or cancelled."""
    case = await get_case(session, case_id, customer=customer, for_update=True)
    if is_final(CaseStatus(case.status)):
        raise ApiError(
            409, "case_final", f"Case {case.id} is {case.status} and can no longer be changed."
        )
    changes = patch.changes()
    await _validate_fields(session, changes, case.customer, max_text_chars)
    if (
        "category" in changes
        and "service_mode" not in changes
        and case.service_mode == default_service_mode(case.category_code)
    ):
        # A mode nobody chose follows the category, as it would have at creation.
        changes["service_mode"] = default_service_mode(changes["category"])
    for name, value in _column_values(changes).items():
        setattr(case, name, value)
    case.updated_at = utc_now()
    await session.flush()
    return case


async def transition_case(
    session: AsyncSession,
    case_id: int,
    target: CaseStatus,
    actor: Actor,
    *,
    note: str | None = None,
    customer: str | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> Case:
    """Move a case to ``target`` and record who did it and why.

    Raises 409 ``illegal_transition`` (naming both statuses and the allowed ones) when the
    status machine refuses the move.
    """
    ensure_within_limit("body.note", note, max_text_chars)
    case = await get_case(session, case_id, customer=customer, for_update=True)
    current = _state_of(case)
    try:
        following = advance(current, target)
    except IllegalTransitionError as error:
        allowed = sorted(allowed_targets(current))
        raise ApiError(
            409,
            "illegal_transition",
            f"Case {case.id} cannot go from {error.source} to {error.target}.",
            extra={"from": error.source.value, "to": error.target.value, "allowed": allowed},
        ) from None
    now = utc_now()
    case.transitions.append(
        CaseTransition(
            from_status=case.status,
            to_status=following.status.value,
            at=now,
            actor_role=actor.role.value,
            actor_id=actor.id,
            note=note,
        )
    )
    case.status = following.status.value
    case.escalated_from = following.escalated_from.value if following.escalated_from else None
    case.updated_at = now
    await session.flush()
    return case


def _state_of(case: Case) -> CaseState:
    origin = CaseStatus(case.escalated_from) if case.escalated_from else None
    return CaseState(CaseStatus(case.status), escalated_from=origin)


def _visible_cases(customer: str | None) -> Select[tuple[Case]]:
    query = select(Case).options(selectinload(Case.customer))
    if customer is not None:
        query = query.join(Customer, Case.customer_id == Customer.id).where(
            Customer.channel_id == customer
        )
    return query


async def _validate_fields(
    session: AsyncSession, fields: dict[str, Any], customer: Customer, max_text_chars: int
) -> None:
    for name in FREE_TEXT_FIELDS:
        ensure_within_limit(f"body.{name}", fields.get(name), max_text_chars)
    category = fields.get("category")
    if category is not None and category not in _CATEGORY_CODES:
        raise invalid_field(
            "body.category", "unknown_category", f"{category!r} is not a catalogue category."
        )
    if category is not None:
        # Category rows are created on first use; the case's foreign key needs the row.
        await ensure_category(session, CategoryCode(category))
    today = today_in(customer.timezone, utc_now())
    for name in DATE_FIELDS:
        stated: date | None = fields.get(name)
        if stated is not None and stated > today:
            raise invalid_field(
                f"body.{name}",
                "date_in_future",
                f"{name} {stated.isoformat()} is in the future (today is {today.isoformat()}).",
            )


def _column_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Request field values as column values (enums as their codes)."""
    columns = {"category": "category_code"}
    return {
        columns.get(name, name): getattr(value, "value", value) for name, value in fields.items()
    }


def _fingerprint(data: CaseCreate) -> str:
    canonical = json.dumps(
        data.model_dump(mode="json", exclude={"idempotency_key"}),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def _find_by_idempotency_key(
    session: AsyncSession, customer_id: int, key: str
) -> Case | None:
    query = select(Case.id).where(Case.customer_id == customer_id, Case.idempotency_key == key)
    case_id = (await session.execute(query)).scalar_one_or_none()
    return None if case_id is None else await get_case(session, case_id)


def _same_request(case: Case, fingerprint: str) -> Case:
    if case.idempotency_fingerprint != fingerprint:
        raise ApiError(
            409,
            "idempotency_key_reused",
            f"The idempotency key {case.idempotency_key} was used for a different case "
            f"({case.id}); send a new key for a new case.",
            extra={"case_id": case.id},
        )
    return case


def _encode_cursor(case: Case) -> str:
    position = json.dumps([case.created_at.isoformat(), case.id])
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, last_id = json.loads(raw)
        position = datetime.fromisoformat(created_at).astimezone(UTC), int(last_id)
    except (binascii.Error, ValueError, TypeError, OverflowError):
        raise invalid_field(
            "query.cursor", "invalid_cursor", "The cursor is not one this api handed out."
        ) from None
    return position
