"""Changing a booked visit: reschedule, cancel, and the statuses reported from the field.

Every change locks the case first (as booking does), is recorded in ``visit_transitions``,
moves the case along when the visit asks for it, and stages the outbox event in the same
transaction. Repeating a change that already happened returns the visit unchanged, so that
retries are safe.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.actors import Actor
from api.cases.service import get_case
from api.cases.status import CaseState
from api.customers.text_rules import ensure_within_limit
from api.errors import ApiError
from api.outbox.service import EventType
from api.quotes.completion import settle_completion
from api.scheduling import problems
from api.scheduling.booking import window_full
from api.scheduling.case_link import follow_visit, lock_case
from api.scheduling.events import record_visit_event
from api.scheduling.models import Visit, VisitTransition
from api.scheduling.notices import notify_visit_status
from api.scheduling.places import load_gazetteer, resolve_place
from api.scheduling.reminders import remind_of_visit, withdraw_visit_reminders
from api.scheduling.rules import checked_window, served_crew
from api.scheduling.seats import claim_seat, release_seat
from api.scheduling.settings import SchedulingSettings
from api.scheduling.visit_queries import load_visit, visible_case_id
from api.scheduling.visit_schemas import (
    CancelRequest,
    RescheduleRequest,
    StatusReport,
    from_fen,
    to_fen,
)
from api.scheduling.visit_status import (
    IllegalVisitTransitionError,
    VisitStatus,
    advance,
    allowed_targets,
)
from api.scheduling.windows import service_level_deadline, within_service_level
from api.surveys.scheduling import schedule_survey


async def _locked_visit(
    session: AsyncSession, visit_id: int, customer: str | None
) -> tuple[Visit, CaseState]:
    """The visit, fresh, with its case held; 404 when the caller may not see it."""
    case_id = await visible_case_id(session, visit_id, customer)
    state = await lock_case(session, case_id)
    return await load_visit(session, visit_id), state


def _advance(visit: Visit, target: VisitStatus) -> None:
    current = VisitStatus(visit.status)
    try:
        advance(current, target)
    except IllegalVisitTransitionError as error:
        raise ApiError(
            409,
            "illegal_transition",
            f"Visit {visit.id} cannot go from {error.source} to {error.target}.",
            extra={
                "from": error.source.value,
                "to": error.target.value,
                "allowed": sorted(allowed_targets(current)),
            },
        ) from None


async def _record(
    session: AsyncSession,
    visit: Visit,
    source: str,
    actor: Actor,
    now: datetime,
    *,
    note: str | None = None,
    window_changed: bool = False,
) -> None:
    session.add(
        VisitTransition(
            visit_id=visit.id,
            from_status=source,
            to_status=visit.status,
            window_start=visit.window_start if window_changed else None,
            technician_id=visit.technician_id if window_changed else None,
            at=now,
            actor_role=actor.role.value,
            actor_id=actor.id,
            note=note,
        )
    )
    await session.flush()


async def reschedule_visit(
    session: AsyncSession,
    settings: SchedulingSettings,
    visit_id: int,
    request: RescheduleRequest,
    actor: Actor,
    *,
    customer: str | None,
    now: datetime,
    max_text_chars: int,
) -> Visit:
    """Move the visit to another window, keeping its technician when they are free then."""
    ensure_within_limit("body.note", request.note, max_text_chars)
    visit, _ = await _locked_visit(session, visit_id, customer)
    if visit.window_start == request.window_start:
        return await _keep_window(session, visit, request, actor, now)
    window = checked_window(settings, request.window_start, now, field="body.window_start")
    _advance(visit, VisitStatus.BOOKED)
    case = await get_case(session, visit.case_id)
    category = case.category_code
    if category is None:
        raise problems.category_required(case.id)
    gazetteer = await load_gazetteer(session)
    place = resolve_place(gazetteer, visit.address, field="visit.address")
    crew = await served_crew(session, gazetteer, category, place, field="visit.address")
    seat = await claim_seat(
        session,
        crew,
        window,
        settings.zone,
        now=now,
        spread_by=visit.case_id,
        preferred_technician=visit.technician_id,
    )
    if seat is None:
        raise await window_full(session, settings, crew, place, window, now)

    source, old_slot = visit.status, visit.slot_id
    deadline = service_level_deadline(now, settings.service_level_hours(place.urban))
    visit.status = VisitStatus.BOOKED.value
    visit.slot_id = seat.slot_id
    visit.technician_id = seat.technician_id
    visit.window_start, visit.window_end = window.start, window.end
    visit.within_service_level = within_service_level(window, deadline)
    visit.updated_at = now
    await session.flush()
    if old_slot is not None:
        await release_seat(session, old_slot)
    await _record(session, visit, source, actor, now, note=request.note, window_changed=True)
    rescheduled = await load_visit(session, visit.id)
    record_visit_event(session, EventType.VISIT_RESCHEDULED, rescheduled, rescheduled.technician)
    await withdraw_visit_reminders(session, rescheduled, now=now)
    await remind_of_visit(session, rescheduled, reminder_time=settings.reminder_time, now=now)
    await session.flush()
    return rescheduled


async def _keep_window(
    session: AsyncSession, visit: Visit, request: RescheduleRequest, actor: Actor, now: datetime
) -> Visit:
    """A reschedule to the visit's own window: nothing to do for a booked visit (a retry);
    an en-route technician who agreed to come later in the same window goes back to booked
    and keeps the seat."""
    if visit.status == VisitStatus.BOOKED.value:
        return visit
    _advance(visit, VisitStatus.BOOKED)
    source = visit.status
    visit.status = VisitStatus.BOOKED.value
    visit.updated_at = now
    await session.flush()
    await _record(session, visit, source, actor, now, note=request.note, window_changed=True)
    kept = await load_visit(session, visit.id)
    record_visit_event(session, EventType.VISIT_RESCHEDULED, kept, kept.technician)
    await session.flush()
    return kept


async def cancel_visit(
    session: AsyncSession,
    visit_id: int,
    request: CancelRequest,
    actor: Actor,
    *,
    customer: str | None,
    now: datetime,
    max_text_chars: int,
) -> Visit:
    """Cancel the visit and free its seat; the case goes back to waiting for a visit."""
    ensure_within_limit("body.reason", request.reason, max_text_chars)
    visit, state = await _locked_visit(session, visit_id, customer)
    if visit.status == VisitStatus.CANCELLED.value:
        return visit
    cancelled = await cancel_held_visit(session, visit, request.reason, actor, now)
    await follow_visit(
        session,
        visit.case_id,
        state,
        VisitStatus.CANCELLED,
        actor,
        note=f"visit {visit.id} cancelled",
    )
    return cancelled


async def cancel_held_visit(
    session: AsyncSession, visit: Visit, reason: str, actor: Actor, now: datetime
) -> Visit:
    """Cancel a visit whose case the caller holds (`lock_case`): free the seat, record the
    transition and stage ``visit.cancelled``; the case is left as it is."""
    _advance(visit, VisitStatus.CANCELLED)
    source, slot_id = visit.status, visit.slot_id
    visit.status = VisitStatus.CANCELLED.value
    visit.slot_id = None
    visit.cancel_reason = reason
    visit.updated_at = now
    await session.flush()
    if slot_id is not None:
        await release_seat(session, slot_id)
    await _record(session, visit, source, actor, now, note=reason)
    cancelled = await load_visit(session, visit.id)
    record_visit_event(session, EventType.VISIT_CANCELLED, cancelled, cancelled.technician)
    await withdraw_visit_reminders(session, cancelled, now=now)
    await session.flush()
    return cancelled


async def report_status(
    session: AsyncSession,
    visit_id: int,
    report: StatusReport,
    actor: Actor,
    *,
    now: datetime,
    max_text_chars: int,
) -> Visit:
    """Record en route, started, completed (with resolution, parts and fee) or no-show."""
    ensure_within_limit("body.note", report.note, max_text_chars)
    ensure_within_limit("body.resolution", report.resolution, max_text_chars)
    visit, state = await _locked_visit(session, visit_id, None)
    target = VisitStatus(report.status)
    if visit.status == target.value:
        return visit
    _advance(visit, target)
    if target is VisitStatus.NO_SHOW and now < visit.window_start:
        raise problems.too_early_for_no_show(visit.window_start.isoformat())
    if target is VisitStatus.COMPLETED:
        await settle_completion(session, visit, report.fee_charged)
        _complete(visit, report)
    source = visit.status
    visit.status = target.value
    visit.updated_at = now
    await session.flush()
    await _record(session, visit, source, actor, now, note=report.note)
    await follow_visit(
        session, visit.case_id, state, target, actor, note=f"visit {visit.id} {target}"
    )
    changed = await load_visit(session, visit.id)
    await notify_visit_status(session, changed, target)
    if target in (VisitStatus.COMPLETED, VisitStatus.NO_SHOW):
        await withdraw_visit_reminders(session, changed, now=now)
    if target is VisitStatus.COMPLETED:
        record_visit_event(session, EventType.VISIT_COMPLETED, changed, changed.technician)
        await schedule_survey(
            session,
            source="visit",
            source_id=changed.id,
            case_id=changed.case_id,
            conversation_id=None,
            fee_charged=bool(changed.fee_charged_fen),
            completed_at=now,
        )
    await session.flush()
    return changed


def _complete(visit: Visit, report: StatusReport) -> None:
    charged = report.fee_charged
    if charged is not None and charged > 0:
        if visit.fee_consent_at is None:
            raise problems.charge_without_consent()
        quoted = from_fen(visit.quoted_fee_fen)
        if quoted is not None and charged > quoted:
            raise problems.fee_above_quote(str(charged), str(quoted))
    visit.resolution = report.resolution
    visit.parts_used = (
        None if report.parts_used is None else [part.model_dump() for part in report.parts_used]
    )
    visit.fee_charged_fen = None if charged is None else to_fen(charged)
