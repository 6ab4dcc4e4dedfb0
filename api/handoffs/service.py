"""Handoff rules and queries: open (one open handoff per conversation), the agents' queue,
claim, release, first response, resolve and cancel.

Other domains open handoffs with `open_handoff` in their own transaction (for example
scheduling, when no technician is available). Every state change is a conditional UPDATE
guarded by the statuses the state machine allows, so concurrent requests cannot both win.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.models import Customer
from api.customers.service import find_customer
from api.customers.text_rules import ensure_within_limit
from api.db import utc_now
from api.errors import ApiError, invalid_field, not_found
from api.handoffs.models import OPEN_HANDOFF_PREDICATE, Handoff
from api.handoffs.reasons import (
    PRIORITY_RANK,
    HandoffPriority,
    HandoffReason,
    PriorityNotAllowedError,
    lower_than,
    outranks,
    priority_for,
)
from api.handoffs.status import (
    OPEN_STATUSES,
    HandoffAction,
    HandoffStatus,
    next_status,
    sources_of,
)
from api.outbox.service import EventType, record_event
from api.settings import ApiSettings
from api.surveys.scheduling import schedule_survey

DEFAULT_MAX_TEXT_CHARS: int = ApiSettings.model_fields["max_text_chars"].default
# Opening retries only when the open handoff it collided with was closed in between.
OPEN_ATTEMPTS = 3

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)
_OPEN_VALUES = sorted(status.value for status in OPEN_STATUSES)
# Actions that only the claim holder (or a supervisor) may take on a claimed handoff.
_HOLDER_ONLY_ACTIONS = frozenset(
    {HandoffAction.RELEASE, HandoffAction.RESOLVE, HandoffAction.CANCEL}
)
_PRIORITY_ORDER = case(
    {priority.value: rank for priority, rank in PRIORITY_RANK.items()}, value=Handoff.priority
)


async def open_handoff(
    session: AsyncSession,
    *,
    conversation_id: str,
    reason: HandoffReason,
    case_id: int | None = None,
    priority: HandoffPriority | None = None,
    summary: str | None = None,
    opened_by: str | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> tuple[Handoff, bool]:
    """Queue the conversation for an agent; returns the handoff and whether it is new.

    A conversation has at most one open (queued or claimed) handoff: a second request returns
    the open one, raising its priority (and taking over the reason) when the new request is
    more urgent, and attaching ``case_id`` when it had none. ``priority`` None means the
    reason's default; safety is always urgent. Raises 422 for a malformed conversation id, a
    case of another consumer, ``urgent`` without safety, or a summary over the limit.
    """
    if not _CHANNEL_ID.match(conversation_id):
        raise invalid_field(
            "body.conversation_id",
            "invalid_conversation_id",
            f"{conversation_id!r} is not a channel identity such as tg:123 or web:abc.",
        )
    ensure_within_limit("body.summary", summary, max_text_chars)
    reason = HandoffReason(reason)
    try:
        chosen = priority_for(reason, HandoffPriority(priority) if priority else None)
    except PriorityNotAllowedError as error:
        raise invalid_field("body.priority", "priority_not_allowed", str(error)) from None
    if case_id is not None:
        await _ensure_case_of_conversation(session, case_id, conversation_id)

    for _ in range(OPEN_ATTEMPTS):
        existing = await find_open_handoff(session, conversation_id)
        if existing is not None:
            return await _join_open_handoff(session, existing, reason, chosen, case_id), False
        now = utc_now()
        values: dict[str, Any] = {
            "conversation_id": conversation_id,
            "case_id": case_id,
            "reason": reason.value,
            "priority": chosen.value,
            "status": HandoffStatus.QUEUED.value,
            "summary": summary,
            "opened_by": opened_by,
            "created_at": now,
            "queued_at": now,
        }
        handoff_id = await _insert_unless_open(session, values)
        if handoff_id is not None:
            handoff = await get_handoff(session, handoff_id)
            record_event(
                session, EventType.HANDOFF_CREATED, f"handoff:{handoff.id}", _event(handoff)
            )
            await session.flush()
            return handoff, True
    raise ApiError(
        409,
        "handoff_contention",
        f"The handoff of {conversation_id} changed while it was being opened; try again.",
    )


async def get_handoff(
    session: AsyncSession, handoff_id: int, *, conversation_id: str | None = None
) -> Handoff:
    """The handoff as stored now; with ``conversation_id``, another conversation's is not found."""
    query = select(Handoff).where(Handoff.id == handoff_id)
    if conversation_id is not None:
        query = query.where(Handoff.conversation_id == conversation_id)
    found = await session.execute(query.execution_options(populate_existing=True))
    handoff = found.scalar_one_or_none()
    if handoff is None:
        raise not_found("handoff", handoff_id)
    return handoff


async def find_open_handoff(session: AsyncSession, conversation_id: str) -> Handoff | None:
    query = select(Handoff).where(
        Handoff.conversation_id == conversation_id, Handoff.status.in_(_OPEN_VALUES)
    )
    found = await session.execute(query.execution_options(populate_existing=True))
    return found.scalar_one_or_none()


async def current_handoff(session: AsyncSession, conversation_id: str) -> Handoff:
    """The conversation's open handoff, else its latest one; 404 if it never had one."""
    open_first = case((Handoff.status.in_(_OPEN_VALUES), 0), else_=1)
    query = (
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id)
        .order_by(open_first, Handoff.created_at.desc(), Handoff.id.desc())
        .limit(1)
    )
    handoff = (await session.execute(query)).scalar_one_or_none()
    if handoff is None:
        raise ApiError(404, "handoff_not_found", f"Conversation {conversation_id} has no handoff.")
    return handoff


async def list_handoffs(
    session: AsyncSession,
    *,
    statuses: Sequence[HandoffStatus] = (),
    conversation_id: str | None = None,
    agent_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Handoff]:
    """The queue as agents work it: most urgent first, then the longest-standing."""
    query = select(Handoff)
    if statuses:
        query = query.where(Handoff.status.in_([status.value for status in statuses]))
    if conversation_id is not None:
        query = query.where(Handoff.conversation_id == conversation_id)
    if agent_id is not None:
        query = query.where(Handoff.agent_id == agent_id)
    query = (
        query.order_by(_PRIORITY_ORDER.desc(), Handoff.created_at, Handoff.id)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.execute(query)).scalars())


async def claim_handoff(
    session: AsyncSession, handoff_id: int, *, agent_id: str, agent_name: str | None = None
) -> Handoff:
    """Give a queued handoff to one agent. Of concurrent claims exactly one wins; the others
    get 409 ``already_claimed`` naming the holder. A repeated claim by the holder succeeds."""
    won = await _apply(
        session,
        handoff_id,
        HandoffAction.CLAIM,
        agent_id=agent_id,
        agent_name=agent_name,
        claimed_at=utc_now(),
    )
    if won:
        return await get_handoff(session, handoff_id)
    return await _unchanged_or_refused(session, handoff_id, HandoffAction.CLAIM, agent_id)


async def release_handoff(
    session: AsyncSession, handoff_id: int, *, agent_id: str, override_holder: bool = False
) -> Handoff:
    """Put a claimed handoff back in the queue; only its holder may, unless overriding
    (supervisors). Its waiting time starts again."""
    released = await _apply(
        session,
        handoff_id,
        HandoffAction.RELEASE,
        holder=None if override_holder else agent_id,
        agent_id=None,
        agent_name=None,
        claimed_at=None,
        queued_at=utc_now(),
    )
    if released:
        return await get_handoff(session, handoff_id)
    return await _unchanged_or_refused(session, handoff_id, HandoffAction.RELEASE, agent_id)


async def resolve_handoff(
    session: AsyncSession,
    handoff_id: int,
    *,
    agent_id: str,
    note: str | None = None,
    override_holder: bool = False,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> Handoff:
    """Close the handoff as handled and hand the conversation back to the bot. A queued one
    may be resolved without a claim; a claimed one only by its holder unless overriding."""
    handoff = await _close(
        session,
        handoff_id,
        HandoffAction.RESOLVE,
        agent_id=agent_id,
        note=note,
        override_holder=override_holder,
        max_text_chars=max_text_chars,
    )
    await schedule_survey(
        session,
        source="handoff",
        source_id=handoff.id,
        case_id=handoff.case_id,
        conversation_id=handoff.conversation_id,
        fee_charged=False,
        completed_at=handoff.resolved_at or utc_now(),
    )
    return handoff


async def cancel_handoff(
    session: AsyncSession,
    handoff_id: int,
    *,
    agent_id: str,
    note: str | None = None,
    override_holder: bool = False,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
) -> Handoff:
    """Close the handoff as not needed (e.g. the consumer withdrew the request)."""
    return await _close(
        session,
        handoff_id,
        HandoffAction.CANCEL,
        agent_id=agent_id,
        note=note,
        override_holder=override_holder,
        max_text_chars=max_text_chars,
    )


async def record_first_response(
    session: AsyncSession, handoff_id: int, *, agent_id: str
) -> Handoff:
    """Record when an agent first answered the consumer; later calls keep the first time."""
    handoff = await get_handoff(session, handoff_id)
    status = HandoffStatus(handoff.status)
    if status not in OPEN_STATUSES:
        raise _closed(handoff)
    if status is HandoffStatus.CLAIMED and handoff.agent_id != agent_id:
        raise _not_holder(handoff)
    await session.execute(
        update(Handoff)
        .where(
            Handoff.id == handoff_id,
            Handoff.status.in_(_OPEN_VALUES),
            Handoff.first_response_at.is_(None),
        )
        .values(first_response_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    return await get_handoff(session, handoff_id)


async def note_agent_reply(session: AsyncSession, conversation_id: str, at: datetime) -> bool:
    """An agent's message reached the conversation: the first one is its open handoff's first
    response. Returns whether a first response was recorded now."""
    result = await session.execute(
        update(Handoff)
        .where(
            Handoff.conversation_id == conversation_id,
            Handoff.status.in_(_OPEN_VALUES),
            Handoff.first_response_at.is_(None),
        )
        .values(first_response_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def _close(
    session: AsyncSession,
    handoff_id: int,
    action: HandoffAction,
    *,
    agent_id: str,
    note: str | None,
    override_holder: bool,
    max_text_chars: int,
) -> Handoff:
    ensure_within_limit("body.note", note, max_text_chars)
    now = utc_now()
    moment = {"resolved_at": now} if action is HandoffAction.RESOLVE else {"cancelled_at": now}
    closed = await _apply(
        session,
        handoff_id,
        action,
        holder=None if override_holder else agent_id,
        closed_by=agent_id,
        closing_note=note,
        **moment,
    )
    if closed:
        return await get_handoff(session, handoff_id)
    return await _unchanged_or_refused(session, handoff_id, action, agent_id)


async def _apply(
    session: AsyncSession,
    handoff_id: int,
    action: HandoffAction,
    *,
    holder: str | None = None,
    **values: Any,
) -> bool:
    """Make the move if the handoff is in a status the action allows (and, with ``holder``,
    a claimed handoff is held by that agent); returns whether this call made it."""
    sources = sources_of(action)
    targets = {next_status(source, action) for source in sources}
    (target,) = targets  # every handoff action has a single target status
    guard = [Handoff.id == handoff_id, Handoff.status.in_([s.value for s in sources])]
    if holder is not None:
        guard.append(or_(Handoff.status != HandoffStatus.CLAIMED.value, Handoff.agent_id == holder))
    result = await session.execute(
        update(Handoff)
        .where(*guard)
        .values(status=target.value, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def _unchanged_or_refused(
    session: AsyncSession, handoff_id: int, action: HandoffAction, agent_id: str
) -> Handoff:
    """Why an action did not apply: a repeat by the same agent returns the handoff as it is;
    anything else is a 404 or 409 that says what stands in the way."""
    handoff = await get_handoff(session, handoff_id)
    status = HandoffStatus(handoff.status)
    repeated = {
        HandoffAction.CLAIM: status is HandoffStatus.CLAIMED and handoff.agent_id == agent_id,
        HandoffAction.RESOLVE: status is HandoffStatus.RESOLVED and handoff.closed_by == agent_id,
        HandoffAction.CANCEL: status is HandoffStatus.CANCELLED and handoff.closed_by == agent_id,
        HandoffAction.RELEASE: False,
    }
    if repeated[action]:
        return handoff
    if status is HandoffStatus.CLAIMED and action is HandoffAction.CLAIM:
        raise ApiError(
            409,
            "already_claimed",
            f"Handoff {handoff.id} is already claimed by {_holder_name(handoff)}.",
            extra=_holder(handoff),
        )
    if status is HandoffStatus.CLAIMED and action in _HOLDER_ONLY_ACTIONS:
        raise _not_holder(handoff)
    allowed = sorted(act.value for act in HandoffAction if status in sources_of(act))
    raise ApiError(
        409,
        "illegal_transition",
        f"Handoff {handoff.id} is {status.value}; {action.value} is not possible.",
        extra={"status": status.value, "action": action.value, "allowed": allowed},
    )


def _holder(handoff: Handoff) -> dict[str, Any]:
    return {
        "agent_id": handoff.agent_id,
        "agent_name": handoff.agent_name,
        "claimed_at": handoff.claimed_at.isoformat() if handoff.claimed_at else None,
    }


def _holder_name(handoff: Handoff) -> str:
    if handoff.agent_name:
        return f"{handoff.agent_name} ({handoff.agent_id})"
    return str(handoff.agent_id)


def _not_holder(handoff: Handoff) -> ApiError:
    return ApiError(
        409,
        "not_claim_holder",
        f"Handoff {handoff.id} is claimed by {_holder_name(handoff)}; only that agent "
        "or a supervisor may act on it.",
        extra=_holder(handoff),
    )


def _closed(handoff: Handoff) -> ApiError:
    return ApiError(
        409,
        "handoff_closed",
        f"Handoff {handoff.id} is {handoff.status} and no longer open.",
        extra={"status": handoff.status},
    )


async def _join_open_handoff(
    session: AsyncSession,
    existing: Handoff,
    reason: HandoffReason,
    priority: HandoffPriority,
    case_id: int | None,
) -> Handoff:
    if outranks(priority, HandoffPriority(existing.priority)):
        # Guarded so that of two concurrent upgrades the more urgent one stays.
        await session.execute(
            update(Handoff)
            .where(
                Handoff.id == existing.id,
                Handoff.priority.in_([p.value for p in lower_than(priority)]),
            )
            .values(priority=priority.value, reason=reason.value)
            .execution_options(synchronize_session=False)
        )
    if case_id is not None and existing.case_id is None:
        await session.execute(
            update(Handoff)
            .where(Handoff.id == existing.id, Handoff.case_id.is_(None))
            .values(case_id=case_id)
            .execution_options(synchronize_session=False)
        )
    return await get_handoff(session, existing.id)


async def _insert_unless_open(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert the handoff unless the conversation has an open one; the new id or None.

    The partial unique index decides, so that concurrent opens end with one handoff on both
    PostgreSQL and SQLite without aborting the transaction.
    """
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (
        insert(Handoff)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["conversation_id"], index_where=text(OPEN_HANDOFF_PREDICATE)
        )
        .returning(Handoff.id)
    )
    new_id: int | None = (await session.execute(statement)).scalar_one_or_none()
    return new_id


async def _ensure_case_of_conversation(
    session: AsyncSession, case_id: int, conversation_id: str
) -> None:
    owner = await session.execute(
        select(Customer.channel_id)
        .join(Case, Case.customer_id == Customer.id)
        .where(Case.id == case_id)
    )
    if owner.scalar_one_or_none() != conversation_id:
        # Another consumer's case is reported like a missing one: ids reveal nothing.
        raise invalid_field(
            "body.case_id",
            "case_not_found",
            f"No case {case_id} belongs to the consumer of {conversation_id}.",
        )


def _event(handoff: Handoff) -> dict[str, Any]:
    """The outbox payload; the summary stays out, as it may hold personal details."""
    return {
        "handoff_id": handoff.id,
        "conversation_id": handoff.conversation_id,
        "case_id": handoff.case_id,
        "reason": handoff.reason,
        "priority": handoff.priority,
        "created_at": handoff.created_at.isoformat(),
    }


async def consumer_timezone(session: AsyncSession, conversation_id: str) -> ZoneInfo | None:
    """The time zone of the conversation's consumer, when the consumer is registered."""
    customer = await find_customer(session, conversation_id)
    return ZoneInfo(customer.timezone) if customer is not None else None


async def erase_conversation_handoffs(
    session: AsyncSession, conversation_id: str, anonymous_id: str, *, marker: str
) -> int:
    """Part of erasing a consumer: open handoffs are cancelled (nobody can answer an erased
    consumer), free text is replaced by ``marker`` and the conversation id by
    ``anonymous_id``. Returns the number of handoffs touched."""
    now = utc_now()
    cancel = HandoffAction.CANCEL
    await session.execute(
        update(Handoff)
        .where(
            Handoff.conversation_id == conversation_id,
            Handoff.status.in_([status.value for status in sources_of(cancel)]),
        )
        .values(
            status=next_status(HandoffStatus.QUEUED, cancel).value,
            cancelled_at=now,
            closed_by="erasure",
        )
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(Handoff)
        .where(Handoff.conversation_id == conversation_id)
        .values(
            conversation_id=anonymous_id,
            summary=case((Handoff.summary.is_(None), None), else_=marker),
            closing_note=case((Handoff.closing_note.is_(None), None), else_=marker),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)
