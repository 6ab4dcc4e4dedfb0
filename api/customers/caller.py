"""Who is calling and for which consumer: the scope every customer and case endpoint enforces.

The actions and bot roles act for one consumer at a time and must name that consumer in
``X-Customer-Id``; they may see and change only that consumer's data. Staff and system roles
see everything.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from api.auth import CUSTOMER_HEADER, customer_identity, require_roles
from api.auth_roles import Role
from api.customers.identity import CHANNEL_ID_PATTERN
from api.errors import ApiError
from api.settings import ApiSettings

ACTOR_HEADER = "X-Actor-Id"
ACTOR_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,128}$"
CONSUMER_ROLES = frozenset({Role.ACTIONS, Role.BOT})

_CHANNEL_ID = re.compile(CHANNEL_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class Caller:
    role: Role
    customer: str | None
    """The consumer a consumer role acts for; None for staff and system roles."""
    actor_id: str | None
    """Who acts: ``X-Actor-Id`` when sent, otherwise the consumer's identity."""

    @property
    def is_consumer_scoped(self) -> bool:
        return self.role in CONSUMER_ROLES

    def ensure_may_act_for(self, channel_id: str) -> None:
        """A consumer role naming another consumer than its own is refused outright."""
        if self.is_consumer_scoped and channel_id != self.customer:
            raise ApiError(
                403,
                "customer_mismatch",
                f"The {self.role.value} role acts for the consumer in {CUSTOMER_HEADER} "
                "and may not act for another one.",
            )


def _build_caller(role: Role, customer: str | None, actor_id: str | None) -> Caller:
    if role not in CONSUMER_ROLES:
        return Caller(role=role, customer=None, actor_id=actor_id)
    if customer is None:
        raise ApiError(
            400,
            "customer_identity_required",
            f"The {role.value} role must name the consumer it acts for in {CUSTOMER_HEADER}.",
        )
    if not _CHANNEL_ID.match(customer):
        raise ApiError(
            400,
            "invalid_customer_identity",
            f"{CUSTOMER_HEADER} must be a channel identity such as tg:123 or web:abc.",
        )
    return Caller(role=role, customer=customer, actor_id=actor_id or customer)


def caller_with_roles(*roles: Role) -> Any:
    """A dependency giving the `Caller`, letting only ``roles`` (and admin) through."""

    async def build(
        role: Annotated[Role, require_roles(*roles)],
        customer: Annotated[str | None, Depends(customer_identity)],
        actor_id: Annotated[
            str | None,
            Header(
                alias=ACTOR_HEADER,
                pattern=ACTOR_ID_PATTERN,
                description="Who acts (e.g. an agent's id); recorded with every change.",
            ),
        ] = None,
    ) -> Caller:
        return _build_caller(role, customer, actor_id)

    return Depends(build)


async def api_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


Settings = Annotated[ApiSettings, Depends(api_settings)]
