"""The status machine of an outbound item as an explicit table.

``pending → leased → delivered``. A worker that cannot deliver reports a failure: the item
goes back to ``pending`` for a later attempt, or to ``failed`` when the failure is permanent
or the attempts are used up, or to ``undeliverable`` when the consumer blocked the bot (which
also makes the conversation's waiting items undeliverable). A lease that runs out without an
answer lets another worker lease the item again. A pending item whose message no longer
holds (the reminder of a visit that moved or was cancelled) is ``withdrawn``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class OutboundStatus(StrEnum):
    PENDING = "pending"
    LEASED = "leased"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    WITHDRAWN = "withdrawn"


class OutboundEvent(StrEnum):
    LEASE = "lease"
    """A worker takes the item: a pending one whose time has come, or one whose lease ran out."""
    ACK = "ack"
    RETRY = "retry"
    """Delivery failed for now; try again later."""
    GIVE_UP = "give_up"
    """The failure is permanent, or every attempt has been used."""
    BLOCK = "block"
    """The consumer blocked the bot on this channel."""
    WITHDRAW = "withdraw"
    """What the item says no longer holds; it is not sent."""


_S = OutboundStatus
_E = OutboundEvent

TRANSITIONS: Mapping[tuple[OutboundStatus, OutboundEvent], OutboundStatus] = {
    (_S.PENDING, _E.LEASE): _S.LEASED,
    (_S.LEASED, _E.LEASE): _S.LEASED,
    (_S.LEASED, _E.ACK): _S.DELIVERED,
    (_S.LEASED, _E.RETRY): _S.PENDING,
    (_S.LEASED, _E.GIVE_UP): _S.FAILED,
    (_S.LEASED, _E.BLOCK): _S.UNDELIVERABLE,
    (_S.PENDING, _E.BLOCK): _S.UNDELIVERABLE,
    (_S.PENDING, _E.WITHDRAW): _S.WITHDRAWN,
}

FINAL_STATUSES: frozenset[OutboundStatus] = frozenset(
    {_S.DELIVERED, _S.FAILED, _S.UNDELIVERABLE, _S.WITHDRAWN}
)


class IllegalOutboundTransitionError(ValueError):
    def __init__(self, source: OutboundStatus, event: OutboundEvent) -> None:
        super().__init__(f"{event} is not possible for a {source} item")
        self.source = source
        self.event = event


def next_status(current: OutboundStatus, event: OutboundEvent) -> OutboundStatus:
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise IllegalOutboundTransitionError(current, event) from None


def sources_of(event: OutboundEvent) -> frozenset[OutboundStatus]:
    return frozenset(source for source, ev in TRANSITIONS if ev is event)
