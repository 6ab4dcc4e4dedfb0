"""Service API keys: who is calling, and may that role call this endpoint."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader

from api.auth_roles import Role
from api.errors import ApiError
from api.settings import ApiSettings

API_KEY_HEADER = "X-API-Key"
CUSTOMER_HEADER = "X-Customer-Id"

_api_key_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)


async def caller_role(
    request: Request, api_key: Annotated[str | None, Depends(_api_key_scheme)]
) -> Role:
    if not api_key:
        raise ApiError(
            401, "missing_api_key", f"Send a service key in the {API_KEY_HEADER} header."
        )
    settings: ApiSettings = request.app.state.settings
    for role in Role:
        if hmac.compare_digest(api_key, settings.key_for(role).get_secret_value()):
            return role
    raise ApiError(401, "invalid_api_key", "The service key is not valid.")


def require_roles(*allowed: Role) -> Any:
    """A dependency that lets only the given roles through (admin always may)."""
    permitted = frozenset(allowed) | {Role.ADMIN}

    async def check(role: Annotated[Role, Depends(caller_role)]) -> Role:
        if role not in permitted:
            raise ApiError(
                403,
                "role_not_allowed",
                f"The {role.value} role may not call this endpoint.",
            )
        return role

    return Depends(check)


async def customer_identity(
    customer_id: Annotated[
        str | None,
        Header(
            alias=CUSTOMER_HEADER,
            description="Channel identity of the consumer a service role acts for, e.g. tg:123.",
            max_length=128,
        ),
    ] = None,
) -> str | None:
    return customer_id
