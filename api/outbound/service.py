"""The outbound queue: enqueue (deduplicated), lease to delivery workers, acknowledge, fail
with retries, and stop delivering to consumers who blocked the bot.

Other domains enqueue with `enqueue_outbound` in their own transaction (surveys, visit
reminders, agent replies). Leasing is one UPDATE over a locked, skip-locked selection on
PostgreSQL and one serialised write on SQLite, so no item is ever leased to two workers at
once; acknowledgements and failures are fenced by the lease token. Proactive items keep
out of the consumer's quiet hours (`api.outbound.quiet_hours`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, delete, exists, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.customers.identity import CHANNEL_ID_PATTERN
from api.customers.insert_once import insert_once
from api.customers.text_rules import ensure_within_limit
from api.db import utc_now
from api.errors import ApiError, invalid_field, not_found
from api.observability.metrics import DELIVERY_FAILURES, DeliveryQueue
from api.observability.on_commit import count_on_commit
from api.outbound.models import OutboundItem, OutboundKind, UnreachableConversation
from api.outbound.payloads import BilingualText, IntentPayload, TextPayload
from api.outbound.person_holds import waits_for_the_person
from api.outbound.quiet_hours import awake_now, consumer_zone, held_until, urgency
from api.outbound.retry import RetryPolicy
from api.outbound.settings import outbound_settings
from api.outbound.status import OutboundEvent, OutboundStatus, next_status
from api.settings import ApiSettings
from api.surveys.quiet_hours import QuietHours

DEFAULT_MAX_TEXT_CHARS: int = ApiSettings.model_fields["max_text_chars"].default
BLOCKED_ERROR = "the consumer blocked the bot on this channel"
ERASED_ERROR = "the consumer's data was erased"

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)
_S = OutboundStatus


async def enqueue_outbound(
    session: AsyncSession,
    *,
    conversation_id: str,
    kind: OutboundKind,
    payload: TextPayload | IntentPayload,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    created_by: str | None = None,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
    quiet_hours: QuietHours | None = None,
    urgent: bool | None = None,
) -> tuple[OutboundItem, bool]:
    """Queue a message for the bot; returns the item and whether it is new.

    ``urgent`` lets a sender inside the api say what the payload cannot show (a text that the
    technician is on the way); otherwise urgency follows the kind and payload.

    With ``dedupe_key``, a key seen before returns the item made the first time (also under
    concurrency). An item for a consumer who blocked the bot is stored as undeliverable. A
    proactive item due in the consumer's quiet hours is due at their end instead.
    """
    if not _CHANNEL_ID.match(conversation_id):
        raise invalid_field(
            "body.conversation_id",
            "invalid_conversation_id",
            f"{conversation_id!r} is not a channel identity such as tg:123 or web:abc.",
        )
    if isinstance(payload, TextPayload):
        ensure_within_limit("body.payload.text.zh", payload.text.zh, max_text_chars)
        ensure_within_limit("body.payload.text.en", payload.text.en, max_text_chars)
    if not_before is not None and not_before.tzinfo is None:
        raise invalid_field("body.not_before", "naive_datetime", "not_before needs a UTC offset.")
    if dedupe_key is not None:
        earlier = await _find_by_dedupe_key(session, dedupe_key)
        if earlier is not None:
            return earlier, False

    now = utc_now()
    unreachable = await _unreachable(session, conversation_id)
    if urgent is None:
        urgent = await urgency(session, conversation_id, OutboundKind(kind), payload)
    due_at = held_until(
        not_before or now,
        await consumer_zone(session, conversation_id),
        quiet_hours or outbound_settings().quiet_hours,
        urgent=urgent,
    )
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "kind": OutboundKind(kind).value,
        "payload": payload.model_dump(mode="json"),
        "status": (_S.UNDELIVERABLE if unreachable else _S.PENDING).value,
        "last_error": BLOCKED_ERROR if unreachable else None,
        "not_before": due_at,
        "urgent": urgent,
        "dedupe_key": dedupe_key,
        "attempts": 0,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    }
    item_id = await insert_once(session, OutboundItem, values, unique_on=("dedupe_key",))
    if item_id is None:
        assert dedupe_key is not None  # only a shared key can collide
        earlier = await _find_by_dedupe_key(session, dedupe_key)
        assert earlier is not None
        return earlier, False
    return await get_item(session, item_id), True


async def get_item(session: AsyncSession, item_id: int) -> OutboundItem:
    found = await session.execute(
        select(OutboundItem)
        .where(OutboundItem.id == item_id)
        .execution_options(populate_existing=True)
    )
    item = found.scalar_one_or_none()
    if item is None:
        raise not_found("outbound_item", item_id)
    return item


async def list_items(
    session: AsyncSession,
    *,
    conversation_id: str | None = None,
    statuses: Sequence[OutboundStatus] = (),
    limit: int = 50,
) -> list[OutboundItem]:
    query = select(OutboundItem)
    if conversation_id is not None:
        query = query.where(OutboundItem.conversation_id == conversation_id)
    if statuses:
        query = query.where(OutboundItem.status.in_([status.value for status in statuses]))
    query = query.order_by(OutboundItem.created_at.desc(), OutboundItem.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def lease_items(
    session: AsyncSession,
    *,
    worker_id: str,
    limit: int,
    lease_for: timedelta,
    max_attempts: int,
    quiet_hours: QuietHours | None = None,
    channel: str | None = None,
    conversation_ids: Sequence[str] | None = None,
) -> list[OutboundItem]:
    """Lease up to ``limit`` due items to ``worker_id``, earliest due first.

    Due: pending with ``not_before`` passed, or leased with the lease run out; never items of
    an unreachable conversation, nor proactive items while their consumer's hours are quiet,
    nor intent items while a person has the conversation (`api.outbound.person_holds`).
    With ``channel`` (``tg`` or ``web``), only that channel's conversations, so each front end
    leases only what it can deliver; with ``conversation_ids``, only those conversations'
    items. Each leased item gets its own token and one more attempt. Items whose last
    attempt's lease ran out are failed first.
    """
    now = utc_now()
    await _fail_abandoned(session, now, max_attempts)
    unreachable = exists().where(
        UnreachableConversation.conversation_id == OutboundItem.conversation_id
    )
    due = or_(
        and_(OutboundItem.status == _S.PENDING.value, OutboundItem.not_before <= now),
        and_(
            OutboundItem.status == _S.LEASED.value,
            OutboundItem.lease_expires_at <= now,
            OutboundItem.attempts < max_attempts,
        ),
    )
    wanted = [due, ~unreachable, ~waits_for_the_person()]
    if channel is not None:
        wanted.append(OutboundItem.conversation_id.startswith(f"{channel}:", autoescape=True))
    if conversation_ids is not None:
        wanted.append(OutboundItem.conversation_id.in_(list(conversation_ids)))
    wanted.append(
        await awake_now(session, due, now, quiet_hours or outbound_settings().quiet_hours)
    )
    chosen = (
        select(OutboundItem.id)
        .where(*wanted)
        .order_by(OutboundItem.not_before, OutboundItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboundItem)
        .correlate(None)
    )
    # One random prefix per lease call plus the item id: unguessable and distinct per item.
    token_prefix = secrets.token_urlsafe(24) + "."
    statement = (
        update(OutboundItem)
        .where(OutboundItem.id.in_(chosen.scalar_subquery()))
        .values(
            status=next_status(_S.PENDING, OutboundEvent.LEASE).value,
            lease_token=literal(token_prefix, String) + cast(OutboundItem.id, String),
            leased_by=worker_id,
            lease_expires_at=now + lease_for,
            attempts=OutboundItem.attempts + 1,
            updated_at=now,
        )
        .returning(OutboundItem)
    )
    leased = await session.scalars(
        statement,
        execution_options={"synchronize_session": False, "populate_existing": True},
    )
    return sorted(leased.all(), key=lambda item: (item.not_before, item.id))


async def ack_item(session: AsyncSession, item_id: int, *, lease_token: str) -> OutboundItem:
    """Mark the item delivered; 409 ``lease_lost`` when the token is no longer the item's."""
    now = utc_now()
    acknowledged = await _apply_leased(
        session,
        item_id,
        lease_token,
        OutboundEvent.ACK,
        {"delivered_at": now, "lease_expires_at": None, "updated_at": now},
    )
    item = await get_item(session, item_id)
    if acknowledged or (item.status == _S.DELIVERED and item.lease_token == lease_token):
        return item
    raise _lease_lost(item)


async def fail_item(
    session: AsyncSession,
    item_id: int,
    *,
    lease_token: str,
    error: str,
    permanent: bool,
    blocked: bool,
    policy: RetryPolicy,
    quiet_hours: QuietHours | None = None,
) -> OutboundItem:
    """Record a failed delivery: retry later with exponential backoff, fail the item, or (when
    the consumer blocked the bot) make it and the conversation's waiting items undeliverable."""
    item = await get_item(session, item_id)
    if item.status != _S.LEASED or item.lease_token != lease_token:
        if item.lease_token == lease_token and item.status in (_S.FAILED, _S.UNDELIVERABLE):
            return item  # the worker repeated its report
        raise _lease_lost(item)
    event = policy.outcome(item.attempts, permanent=permanent, blocked=blocked)
    now = utc_now()
    values: dict[str, Any] = {"last_error": error, "lease_expires_at": None, "updated_at": now}
    if event is OutboundEvent.RETRY:
        retry_at = held_until(
            now + policy.delay_after(item.attempts),
            await consumer_zone(session, item.conversation_id),
            quiet_hours or outbound_settings().quiet_hours,
            urgent=item.urgent,
        )
        values |= {
            "not_before": retry_at,
            "lease_token": None,
            "leased_by": None,
        }
    if not await _apply_leased(session, item_id, lease_token, event, values):
        raise _lease_lost(await get_item(session, item_id))
    count_on_commit(session, DELIVERY_FAILURES, queue=DeliveryQueue.OUTBOUND)
    if event is OutboundEvent.BLOCK:
        await mark_unreachable(session, item.conversation_id, error=error)
    return await get_item(session, item_id)


async def mark_unreachable(session: AsyncSession, conversation_id: str, *, error: str) -> None:
    """The consumer blocked the bot: stop delivering to the conversation until they write
    again; its waiting items become undeliverable."""
    now = utc_now()
    insert = _INSERTS[session.get_bind().dialect.name]
    await session.execute(
        insert(UnreachableConversation)
        .values(conversation_id=conversation_id, since=now, last_error=error)
        .on_conflict_do_nothing(index_elements=["conversation_id"])
    )
    await session.execute(
        update(OutboundItem)
        .where(
            OutboundItem.conversation_id == conversation_id,
            OutboundItem.status == _S.PENDING.value,
        )
        .values(
            status=next_status(_S.PENDING, OutboundEvent.BLOCK).value,
            last_error=BLOCKED_ERROR,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def mark_reachable(session: AsyncSession, conversation_id: str) -> bool:
    """The consumer wrote again: deliver to the conversation again. Returns whether it had
    been marked unreachable. Items made undeliverable meanwhile stay so."""
    result = await session.execute(
        delete(UnreachableConversation).where(
            UnreachableConversation.conversation_id == conversation_id
        )
    )
    return bool(result.rowcount)


async def _apply_leased(
    session: AsyncSession,
    item_id: int,
    current_token: str,
    event: OutboundEvent,
    values: dict[str, Any],
) -> bool:
    """Apply ``event`` (and ``values``) to the item if it is still leased under
    ``current_token``; returns whether it was."""
    result = await session.execute(
        update(OutboundItem)
        .where(
            OutboundItem.id == item_id,
            OutboundItem.status == _S.LEASED.value,
            OutboundItem.lease_token == current_token,
        )
        .values(status=next_status(_S.LEASED, event).value, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def _fail_abandoned(session: AsyncSession, now: datetime, max_attempts: int) -> None:
    """Leases of last attempts that ran out without an answer end the item: a worker that
    crashes on an item must not get it forever. Items another lease call holds are skipped
    (it fails them itself), so that concurrent workers never wait for each other here."""
    abandoned = (
        select(OutboundItem.id)
        .where(
            OutboundItem.status == _S.LEASED.value,
            OutboundItem.lease_expires_at <= now,
            OutboundItem.attempts >= max_attempts,
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    await session.execute(
        update(OutboundItem)
        .where(OutboundItem.id.in_(abandoned), OutboundItem.status == _S.LEASED.value)
        .values(
            status=next_status(_S.LEASED, OutboundEvent.GIVE_UP).value,
            last_error=f"no acknowledgement after {max_attempts} attempts",
            lease_expires_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def _find_by_dedupe_key(session: AsyncSession, key: str) -> OutboundItem | None:
    found = await session.execute(select(OutboundItem).where(OutboundItem.dedupe_key == key))
    return found.scalar_one_or_none()


async def _unreachable(session: AsyncSession, conversation_id: str) -> bool:
    found = await session.execute(
        select(exists().where(UnreachableConversation.conversation_id == conversation_id))
    )
    return bool(found.scalar())


def _lease_lost(item: OutboundItem) -> ApiError:
    held = f" by {item.leased_by}" if item.status == _S.LEASED else ""
    return ApiError(
        409,
        "lease_lost",
        f"Outbound item {item.id} is not leased with this token (it is {item.status}{held}).",
        extra={"status": item.status},
    )


async def erase_conversation_items(
    session: AsyncSession, conversation_id: str, anonymous_id: str, *, marker: str
) -> int:
    """Part of erasing a consumer: nothing more is delivered, every payload is replaced by
    ``marker`` and the conversation id by ``anonymous_id``. Returns the items touched."""
    now = utc_now()
    await session.execute(
        update(OutboundItem)
        .where(
            OutboundItem.conversation_id == conversation_id,
            OutboundItem.status.in_([_S.PENDING.value, _S.LEASED.value]),
        )
        .values(
            status=_S.UNDELIVERABLE.value,
            last_error=ERASED_ERROR,
            lease_expires_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    erased_payload = TextPayload(text=BilingualText(zh=marker, en=marker))
    result = await session.execute(
        update(OutboundItem)
        .where(OutboundItem.conversation_id == conversation_id)
        .values(
            conversation_id=anonymous_id,
            payload=erased_payload.model_dump(mode="json"),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await mark_reachable(session, conversation_id)
    return int(result.rowcount)
