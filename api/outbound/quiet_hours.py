"""Quiet hours of the outbound queue: proactive messages wait for the consumer's morning.

Surveys, reminders and visit updates are never delivered in the consumer's quiet hours
(21:00–09:00 in their own time zone by default; `api.surveys.quiet_hours` draws the line).
Two guards keep them out:

- an item enqueued, or due again after a failure, at a quiet time gets its ``not_before``
  moved to the end of the quiet period;
- a lease hands out no item while its consumer's local time is quiet, whatever its
  ``not_before`` (a worker that was down all evening does not catch up at night).

Urgent items are delivered at any hour: an agent's reply while the conversation is with an
agent (its handoff is queued or claimed), and the news that the technician is on the way (a
``visit_status`` intent whose ``visit_status`` entity is ``en_route``). Urgency is decided
once, when the item is enqueued.

A consumer's time zone is the one of their profile; a conversation without a profile uses
the service's default zone.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from api.customers.models import Customer
from api.customers.preferences import DEFAULT_TIMEZONE
from api.handoffs.models import Handoff
from api.handoffs.status import OPEN_STATUSES
from api.outbound.models import OutboundItem, OutboundKind
from api.outbound.payloads import IntentPayload, TextPayload
from api.surveys.quiet_hours import QuietHours

VISIT_STATUS_ENTITY = "visit_status"
EN_ROUTE = "en_route"


def is_urgent(
    kind: OutboundKind, payload: TextPayload | IntentPayload, *, with_agent: bool
) -> bool:
    if kind is OutboundKind.AGENT_REPLY:
        return with_agent
    if kind is OutboundKind.VISIT_STATUS:
        return (
            isinstance(payload, IntentPayload)
            and payload.entities.get(VISIT_STATUS_ENTITY) == EN_ROUTE
        )
    return False


async def urgency(
    session: AsyncSession,
    conversation_id: str,
    kind: OutboundKind,
    payload: TextPayload | IntentPayload,
) -> bool:
    """Whether the item may be delivered in quiet hours (see the module's rules)."""
    with_agent = kind is OutboundKind.AGENT_REPLY and await _with_agent(session, conversation_id)
    return is_urgent(kind, payload, with_agent=with_agent)


def held_until(at: datetime, zone: ZoneInfo, hours: QuietHours, *, urgent: bool) -> datetime:
    """When an item due at ``at`` may go: ``at`` itself, or the end of the quiet period."""
    return at if urgent else hours.next_allowed(at, zone)


async def consumer_zone(session: AsyncSession, conversation_id: str) -> ZoneInfo:
    found = await session.scalar(
        select(Customer.timezone).where(Customer.channel_id == conversation_id)
    )
    return _zone(found or DEFAULT_TIMEZONE)


async def awake_now(
    session: AsyncSession, due: ColumnElement[bool], now: datetime, hours: QuietHours
) -> ColumnElement[bool]:
    """A condition on outbound items: urgent, or their consumer's local time is not quiet.

    The time zones of the due, non-urgent items are read first (few distinct values), so
    that the lease itself filters on a plain list of the zones that are quiet right now.
    """
    zone_name = _item_zone_name()
    waiting_zones = await session.scalars(
        select(zone_name).where(due, OutboundItem.urgent.is_(False)).distinct()
    )
    quiet = [name for name in waiting_zones if hours.next_allowed(now, _zone(name)) > now]
    if not quiet:
        return true()
    return or_(OutboundItem.urgent.is_(True), zone_name.not_in(quiet))


def _item_zone_name() -> ColumnElement[str]:
    profile_zone = (
        select(Customer.timezone)
        .where(Customer.channel_id == OutboundItem.conversation_id)
        .scalar_subquery()
    )
    return func.coalesce(profile_zone, DEFAULT_TIMEZONE)


async def _with_agent(session: AsyncSession, conversation_id: str) -> bool:
    found = await session.scalar(
        select(Handoff.id)
        .where(
            Handoff.conversation_id == conversation_id,
            Handoff.status.in_([status.value for status in OPEN_STATUSES]),
        )
        .limit(1)
    )
    return found is not None


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
