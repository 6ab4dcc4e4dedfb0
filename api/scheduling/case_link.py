"""How a case follows its visits, through the cases domain's own transition function so that
every move is recorded; and the per-case lock that serialises changes to a case's visits."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.actors import Actor
from api.cases.models import Case
from api.cases.service import transition_case
from api.cases.status import CaseState, CaseStatus, allowed_targets
from api.scheduling import problems
from api.scheduling.visit_status import CASE_STATUS_AFTER, VisitStatus


async def lock_case(session: AsyncSession, case_id: int) -> CaseState:
    """Hold the case until the transaction ends, so that one case's bookings, reschedules and
    cancellations never interleave; returns the case's state as held.

    PostgreSQL locks the row. SQLite has no row locks: a no-op write takes its database write
    lock instead, and every read after it sees the latest committed state.
    """
    columns = (Case.status, Case.escalated_from)
    if session.get_bind().dialect.name == "sqlite":
        touch = update(Case).where(Case.id == case_id).values(id=Case.id).returning(*columns)
        row = (await session.execute(touch.execution_options(synchronize_session=False))).one()
    else:
        hold = select(*columns).where(Case.id == case_id).with_for_update()
        row = (await session.execute(hold)).one()
    origin = CaseStatus(row.escalated_from) if row.escalated_from else None
    return CaseState(CaseStatus(row.status), escalated_from=origin)


def booking_path(case_id: int, state: CaseState) -> list[CaseStatus]:
    """The statuses a case goes through when a visit is booked for it; 409 when it cannot.

    A case still open or in troubleshooting passes through ``awaiting_visit`` first.
    """
    allowed = allowed_targets(state)
    if CaseStatus.VISIT_BOOKED in allowed:
        return [CaseStatus.VISIT_BOOKED]
    if CaseStatus.AWAITING_VISIT in allowed and state.status is not CaseStatus.AWAITING_VISIT:
        return [CaseStatus.AWAITING_VISIT, CaseStatus.VISIT_BOOKED]
    raise problems.case_not_bookable(case_id, state.status.value)


async def follow_visit(
    session: AsyncSession,
    case_id: int,
    state: CaseState,
    visit_status: VisitStatus,
    actor: Actor,
    *,
    note: str | None = None,
) -> None:
    """Move the case, held in ``state`` (see `lock_case`), to the status its visit now asks for.

    Booking, starting and completing must move the case (the cases domain refuses illegal
    moves with 409). A cancelled or missed visit puts a case that was waiting for it back in
    the queue; a case that has moved on meanwhile (escalated, cancelled) is left to a person.
    """
    target = CASE_STATUS_AFTER.get(visit_status)
    if target is None or state.status is target:
        return
    if visit_status is VisitStatus.BOOKED:
        for step in booking_path(case_id, state):
            await transition_case(session, case_id, step, actor, note=note)
        return
    if target is CaseStatus.AWAITING_VISIT and state.status is not CaseStatus.VISIT_BOOKED:
        return
    await transition_case(session, case_id, target, actor, note=note)
