"""Posting a quote for a visit, listing a visit's quotes, and the consumer's decision.

A new quote supersedes the visit's older pending ones. Approving a quote is the consumer's
consent to its total: it is recorded on the visit too, as the fee consent a paid completion
is checked against.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.models import Case
from api.catalogue.vocabulary import CategoryCode
from api.customers.models import Customer
from api.errors import not_found
from api.fees.schedule_store import current_schedule
from api.quotes import pricing, problems
from api.quotes.announce import announce_quote
from api.quotes.models import Quote, QuoteStatus
from api.quotes.schemas import QuoteIn, stored_line
from api.scheduling.case_link import lock_case
from api.scheduling.models import Visit
from api.scheduling.visit_queries import visible_case_id
from api.scheduling.visit_status import ACTIVE_STATUSES

_OPEN_STATUSES = frozenset(status.value for status in ACTIVE_STATUSES)


async def _open_visit(session: AsyncSession, visit_id: int) -> Visit:
    visit = await session.get(Visit, visit_id, populate_existing=True)
    if visit is None:
        raise not_found("visit", visit_id)
    if visit.status not in _OPEN_STATUSES:
        raise problems.visit_closed(visit_id, visit.status)
    return visit


async def create_quote(
    session: AsyncSession, visit_id: int, body: QuoteIn, *, actor: str | None, now: datetime
) -> Quote:
    """Store a quote checked against the schedule of the case's category and brand."""
    await lock_case(session, await visible_case_id(session, visit_id, None))
    visit = await _open_visit(session, visit_id)
    case = await session.get(Case, visit.case_id)
    assert case is not None
    if case.category_code is None:
        raise problems.category_unknown(case.id)
    schedule = await current_schedule(session)
    fees = schedule.fees_for(CategoryCode(case.category_code), case.brand)
    departures = pricing.off_schedule(body.lines, fees)
    if departures and body.override_reason is None:
        raise problems.off_schedule(departures)
    await session.execute(
        update(Quote)
        .where(Quote.visit_id == visit_id, Quote.status == QuoteStatus.PENDING.value)
        .values(status=QuoteStatus.SUPERSEDED.value)
        .execution_options(synchronize_session="fetch")
    )
    quote = Quote(
        visit_id=visit_id,
        case_id=case.id,
        status=QuoteStatus.PENDING.value,
        cause=body.cause.model_dump(),
        work=body.work.model_dump(),
        risks=None if body.risks is None else body.risks.model_dump(),
        lines=[stored_line(line) for line in body.lines],
        total_fen=sum(line.total_fen for line in body.lines),
        currency=schedule.currency,
        schedule_version=schedule.version,
        override_reason=body.override_reason,
        created_by=actor,
        created_at=now,
    )
    session.add(quote)
    await session.flush()
    await announce_quote(session, quote, case)
    return quote


async def quotes_of_visit(
    session: AsyncSession, visit_id: int, *, customer: str | None
) -> list[Quote]:
    """The visit's quotes, oldest first; 404 when the visit is another consumer's."""
    await visible_case_id(session, visit_id, customer)
    rows = await session.scalars(select(Quote).where(Quote.visit_id == visit_id).order_by(Quote.id))
    return list(rows)


async def _visible_quote(session: AsyncSession, quote_id: int, customer: str | None) -> Quote:
    query = select(Quote).where(Quote.id == quote_id)
    if customer is not None:
        query = (
            query.join(Case, Quote.case_id == Case.id)
            .join(Customer, Case.customer_id == Customer.id)
            .where(Customer.channel_id == customer)
        )
    quote = await session.scalar(query.execution_options(populate_existing=True))
    if quote is None:
        raise not_found("quote", quote_id)
    return quote


async def decide(
    session: AsyncSession,
    quote_id: int,
    approve: bool,
    *,
    customer: str | None,
    actor: str | None,
    now: datetime,
) -> Quote:
    """Approve or decline a pending quote; repeating the same decision changes nothing."""
    case_id = (await _visible_quote(session, quote_id, customer)).case_id
    # Held like every visit change, so that a decision never interleaves with a completion
    # or another decision; the quote is read again once held.
    await lock_case(session, case_id)
    quote = await _visible_quote(session, quote_id, customer)
    wanted = QuoteStatus.APPROVED if approve else QuoteStatus.DECLINED
    if quote.status == wanted.value:
        return quote
    if quote.status != QuoteStatus.PENDING.value:
        raise problems.quote_not_pending(quote.id, quote.status)
    visit = await _open_visit(session, quote.visit_id)
    quote.status = wanted.value
    quote.decided_at = now
    quote.decided_by = actor
    if approve:
        visit.quoted_fee_fen = quote.total_fen
        visit.fee_consent_at = now
    await session.flush()
    return quote


async def latest_approved(session: AsyncSession, visit_id: int) -> Quote | None:
    return await session.scalar(
        select(Quote)
        .where(Quote.visit_id == visit_id, Quote.status == QuoteStatus.APPROVED.value)
        .order_by(Quote.decided_at.desc(), Quote.id.desc())
        .limit(1)
    )


async def has_quotes(session: AsyncSession, visit_id: int) -> bool:
    return (
        await session.scalar(select(Quote.id).where(Quote.visit_id == visit_id).limit(1))
    ) is not None
