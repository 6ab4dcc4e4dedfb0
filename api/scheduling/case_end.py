"""What becomes of a case's visits when someone moves the case by hand.

The rules, applied in the transaction that moves the case, with the case held:

- **cancelled**: every booked or en-route visit of the case is cancelled with it (reason
  ``case_cancelled``): its transition is recorded, its seat freed and ``visit.cancelled``
  staged in the outbox, as for any cancellation. When someone other than the consumer
  cancelled the case, the consumer is told through the outbound queue. A visit the
  technician has started cannot be abandoned half-way: the case is refused with 409
  ``visit_in_progress`` until the visit is completed.
- **resolved** or **closed**: refused with 409 ``case_has_active_visit``, naming the visit,
  while a visit is booked, en route or started. Ending the case must not leave a technician
  on their way to it; the visit is completed, cancelled or marked a no-show first. Completed,
  cancelled and missed visits never stand in the way.

Moves the visits themselves cause (a completed visit resolves its case) go through
`api.scheduling.case_link` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.actors import Actor
from api.cases.models import Case
from api.cases.service import get_case, transition_case
from api.cases.status import CaseStatus
from api.scheduling import problems
from api.scheduling.case_link import lock_case
from api.scheduling.models import Visit
from api.scheduling.notices import notify_cancelled_with_case
from api.scheduling.visit_changes import cancel_held_visit
from api.scheduling.visit_status import ACTIVE_STATUSES, VisitStatus

CASE_CANCELLED_REASON = "case_cancelled"
ENDINGS_BARRED_BY_VISITS = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})


async def move_case(
    session: AsyncSession,
    case_id: int,
    target: CaseStatus,
    actor: Actor,
    *,
    note: str | None,
    customer: str | None,
    now: datetime,
    max_text_chars: int,
) -> Case:
    """Move the case to ``target`` and its visits with it (see the module's rules).

    ``customer`` set means the consumer is the one moving their own case (and is told
    nothing about it); the case is then looked up among theirs only.
    """
    await get_case(session, case_id, customer=customer)
    await lock_case(session, case_id)
    case = await transition_case(
        session, case_id, target, actor, note=note, customer=customer, max_text_chars=max_text_chars
    )
    visits = await _active_visits(session, case_id)
    if target in ENDINGS_BARRED_BY_VISITS and visits:
        first = visits[0]
        raise problems.case_has_active_visit(case_id, target.value, first.id, first.status)
    if target is CaseStatus.CANCELLED:
        await _cancel_visits(session, case, visits, actor, now, tell_consumer=customer is None)
    return case


async def _cancel_visits(
    session: AsyncSession,
    case: Case,
    visits: Sequence[Visit],
    actor: Actor,
    now: datetime,
    *,
    tell_consumer: bool,
) -> None:
    started = [visit for visit in visits if visit.status == VisitStatus.STARTED.value]
    if started:
        raise problems.visit_in_progress(case.id, started[0].id)
    for visit in visits:
        cancelled = await cancel_held_visit(session, visit, CASE_CANCELLED_REASON, actor, now)
        if tell_consumer:
            await notify_cancelled_with_case(session, cancelled, case.customer)


async def _active_visits(session: AsyncSession, case_id: int) -> list[Visit]:
    found = await session.execute(
        select(Visit)
        .where(
            Visit.case_id == case_id,
            Visit.status.in_([status.value for status in ACTIVE_STATUSES]),
        )
        .order_by(Visit.window_start, Visit.id)
        .execution_options(populate_existing=True)
    )
    return list(found.scalars())
