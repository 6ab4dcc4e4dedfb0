"""One delivery attempt: POST the signed event to the subscriber and tell how it went."""

from __future__ import annotations

import asyncio
import time
import unicodedata

import httpx

from api.db import utc_now
from api.webhooks.attempt import AttemptResult
from api.webhooks.claims import Claim
from api.webhooks.signing import envelope, signed_headers

MAX_ERROR_CHARS = 2000


async def send(
    client: httpx.AsyncClient, claim: Claim, *, time_limit: float, excerpt_bytes: int
) -> AttemptResult:
    """POST the event; any answer but a 2xx, a timeout or a connection error is a failure.

    ``time_limit`` (seconds) bounds the whole attempt: httpx's own timeouts apply to each
    network operation, and a receiver that trickles its answer would otherwise hold the worker.
    """
    attempted_at = utc_now()
    timestamp = int(attempted_at.timestamp())
    body = envelope(claim.event_id, claim.event_type, claim.occurred_at, claim.payload)
    headers = signed_headers(claim.secret, claim.event_id, claim.event_type, timestamp, body)
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    try:
        async with (
            asyncio.timeout(time_limit),
            client.stream("POST", claim.url, content=body, headers=headers) as response,
        ):
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = await _describe_refusal(response, excerpt_bytes)
    except (TimeoutError, httpx.TimeoutException):
        error = (
            f"no answer within {time_limit:g} s"
            if status_code is None
            else f"HTTP {status_code}, its body unfinished after {time_limit:g} s"
        )
    except (httpx.HTTPError, httpx.InvalidURL) as failure:
        error = f"{type(failure).__name__}: {failure}"
    duration_ms = round((time.perf_counter() - started) * 1000)
    return AttemptResult(attempted_at, duration_ms, status_code, _storable(error))


async def _describe_refusal(response: httpx.Response, excerpt_bytes: int) -> str:
    """``HTTP <status>`` and the start of the answer's body, read no further than needed."""
    excerpt = bytearray()
    if excerpt_bytes:
        async for chunk in response.aiter_bytes():
            excerpt += chunk
            if len(excerpt) >= excerpt_bytes:
                break
    text = bytes(excerpt[:excerpt_bytes]).decode("utf-8", errors="replace").strip()
    return f"HTTP {response.status_code}: {text}" if text else f"HTTP {response.status_code}"


def _storable(error: str | None) -> str | None:
    """The error as it can be stored and shown: whatever the receiver answered, no control
    characters (PostgreSQL refuses NUL in text) and a bounded length."""
    if error is None:
        return None
    cleaned = "".join(
        ch if ch in "\t\n" or unicodedata.category(ch)[0] != "C" else "\ufffd" for ch in error
    )
    return cleaned[:MAX_ERROR_CHARS]
