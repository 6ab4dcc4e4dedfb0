"""The request a receiver gets: the JSON body and the signed headers.

The signature is ``v1=<hex HMAC-SHA256(secret, f"{timestamp}.{raw body}")>``: signing the
timestamp with the body lets receivers refuse old, replayed requests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

SIGNATURE_VERSION = "v1"
EVENT_ID_HEADER = "X-Aftersales-Event-Id"
EVENT_TYPE_HEADER = "X-Aftersales-Event-Type"
TIMESTAMP_HEADER = "X-Aftersales-Timestamp"
SIGNATURE_HEADER = "X-Aftersales-Signature"
USER_AGENT = "Aftersales-Webhooks/1"


def envelope(
    event_id: str, event_type: str, occurred_at: datetime, payload: dict[str, Any]
) -> bytes:
    """The request body: compact UTF-8 JSON, the domain's payload under ``data``."""
    document = {
        "id": event_id,
        "type": event_type,
        "occurred_at": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header for this body sent at ``timestamp`` (unix seconds)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(
    secret: str, event_id: str, event_type: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
