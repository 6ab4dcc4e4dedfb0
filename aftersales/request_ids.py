"""One request id follows a consumer's message through every process: the bot makes it (or
takes the web request's), and the engine, the action server and the api take it from the
``X-Request-ID`` header of the call, send it on with their own calls and write it on every log
line. An id from outside that does not look like one is replaced, so a header cannot put
arbitrary text in the logs.

The id lives in `asgi_correlation_id`'s context variable, which its ASGI middleware sets for
the FastAPI apps; the Sanic action server and the bot's own tasks set it here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import structlog
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from starlette.applications import Starlette

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def is_request_id(value: str) -> bool:
    return _VALID.fullmatch(value) is not None


def current_request_id() -> str | None:
    return correlation_id.get()


def accept_request_ids(app: Starlette) -> None:
    """Every request to ``app`` runs with the caller's request id (or a new one), which its
    answer echoes; added last, so that it wraps the app's other middleware."""
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name=HEADER,
        generator=new_request_id,
        validator=is_request_id,
    )


def incoming_request_id(headers: Mapping[str, str]) -> str:
    """The id a caller sent, or a new one when it sent none or one that is not an id."""
    value = headers.get(HEADER) or headers.get(HEADER.lower())
    return value if value is not None and is_request_id(value) else new_request_id()


def adopt_request_id(headers: Mapping[str, str]) -> str:
    """Make the caller's id (or a new one) current, for a server whose middleware cannot wrap
    its handlers (Sanic's runs before them, in the same task)."""
    value = incoming_request_id(headers)
    correlation_id.set(value)
    return value


@contextmanager
def request_id_bound(value: str) -> Iterator[str]:
    """Make ``value`` the current request id for the block (this task and those it starts)."""
    token = correlation_id.set(value)
    try:
        yield value
    finally:
        correlation_id.reset(token)


def outgoing_headers() -> dict[str, str]:
    """The header for a call made on behalf of the current request, if there is one."""
    value = correlation_id.get()
    return {HEADER: value} if value else {}


async def send_request_id(request: httpx.Request) -> None:
    """An httpx request hook: calls carry the current request id."""
    value = correlation_id.get()
    if value and HEADER not in request.headers:
        request.headers[HEADER] = value


REQUEST_ID_HOOKS: dict[str, list[Callable[..., Any]]] = {"request": [send_request_id]}
"""``event_hooks=`` for an ``httpx.AsyncClient``."""


def add_request_id(
    _logger: object, _name: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """A structlog processor: the current request id on every line logged while it is set."""
    value = correlation_id.get()
    if value and "request_id" not in event_dict:
        event_dict["request_id"] = value
    return event_dict
