"""Reading visits: one visit (as its consumer may see it), a case's visits, and the change
feed the dispatch system pulls."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from api.cases.models import Case
from api.cases.service import get_case
from api.customers.models import Customer
from api.errors import not_found
from api.scheduling.models import Visit
from api.scheduling.paging import decode_change_cursor, encode_change_cursor
from api.scheduling.visit_status import ACTIVE_STATUSES


def _with_details(query: Select[tuple[Visit]]) -> Select[tuple[Visit]]:
    return query.options(
        joinedload(Visit.technician), selectinload(Visit.transitions)
    ).execution_options(populate_existing=True)


async def load_visit(session: AsyncSession, visit_id: int) -> Visit:
    """The visit with its technician and history, fresh from the database."""
    query = _with_details(select(Visit).where(Visit.id == visit_id))
    visit = (await session.execute(query)).scalar_one_or_none()
    if visit is None:
        raise not_found("visit", visit_id)
    return visit


async def visible_case_id(session: AsyncSession, visit_id: int, customer: str | None) -> int:
    """The visit's case id; 404 when the visit is another consumer's (or does not exist)."""
    query = select(Visit.case_id).where(Visit.id == visit_id)
    if customer is not None:
        query = (
            query.join(Case, Visit.case_id == Case.id)
            .join(Customer, Case.customer_id == Customer.id)
            .where(Customer.channel_id == customer)
        )
    case_id = (await session.execute(query)).scalar_one_or_none()
    if case_id is None:
        raise not_found("visit", visit_id)
    return case_id


async def get_visit(session: AsyncSession, visit_id: int, *, customer: str | None) -> Visit:
    await visible_case_id(session, visit_id, customer)
    return await load_visit(session, visit_id)


async def active_visit_of(session: AsyncSession, case_id: int) -> int | None:
    query = select(Visit.id).where(
        Visit.case_id == case_id,
        Visit.status.in_([status.value for status in ACTIVE_STATUSES]),
    )
    return (await session.execute(query)).scalar_one_or_none()


async def visits_of_case(
    session: AsyncSession, case_id: int, *, customer: str | None
) -> list[Visit]:
    await get_case(session, case_id, customer=customer)
    query = _with_details(select(Visit).where(Visit.case_id == case_id).order_by(Visit.id))
    return list((await session.execute(query)).scalars())


async def visit_changes(
    session: AsyncSession,
    *,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
    now: datetime,
    settle_seconds: float,
) -> tuple[list[Visit], str | None, bool]:
    """Visits changed after the cursor (and since ``updated_since``), by (updated_at, id).

    Keyset pagination: a visit changed while a client pages moves behind the client's
    position and comes again later, and nothing is skipped. Changes younger than
    ``settle_seconds`` are held back: a transaction stamps ``updated_at`` before it commits,
    so a change stamped earlier may commit after one stamped later, when a client's cursor
    could already have passed it.
    """
    query = select(Visit).where(Visit.updated_at <= now - timedelta(seconds=settle_seconds))
    if updated_since is not None:
        query = query.where(Visit.updated_at >= updated_since)
    if cursor is not None:
        after, last_id = decode_change_cursor(cursor)
        query = query.where(
            or_(Visit.updated_at > after, and_(Visit.updated_at == after, Visit.id > last_id))
        )
    query = (
        query.options(selectinload(Visit.technician))
        .order_by(Visit.updated_at, Visit.id)
        .limit(limit + 1)
    )
    found = list((await session.execute(query)).scalars())
    page, has_more = found[:limit], len(found) > limit
    if page:
        return page, encode_change_cursor(page[-1].updated_at, page[-1].id), has_more
    return page, cursor, has_more
