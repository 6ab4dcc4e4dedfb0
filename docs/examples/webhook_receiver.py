"""A receiver of Aftersales Assistant webhooks: it verifies every request and handles each event
once.

Run it (Python 3.11+, with fastapi and uvicorn installed):

    AFTERSALES_WEBHOOK_SECRET='the subscription secret' \
        python docs/examples/webhook_receiver.py --port 9000 --database events.sqlite3

and subscribe ``http://<this host>:9000/aftersales/events`` to the event types you need.

`verify_signature` uses the standard library only; copy it into any Python receiver.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import threading
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TOLERANCE_SECONDS = 300
"""Requests signed longer ago than this (or this far in the future) are refused."""

log = logging.getLogger("webhook_receiver")


class InvalidSignatureError(Exception):
    """The request was not signed with our secret, or not recently."""


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise `InvalidSignatureError` unless ``signature`` (the X-Aftersales-Signature header)
    is the HMAC-SHA256 of ``f"{timestamp}.{body}"`` under ``secret`` and ``timestamp`` (the
    X-Aftersales-Timestamp header, unix seconds) is within ``tolerance`` seconds of now.

    ``body`` must be the raw bytes received: parsing and re-serialising JSON changes them.
    """
    if not timestamp or not signature:
        raise InvalidSignatureError("the timestamp or signature header is missing")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise InvalidSignatureError("the timestamp is not a number of seconds")
    age = (time.time() if now is None else now) - int(timestamp)
    if age > tolerance:
        raise InvalidSignatureError(f"the timestamp is too old (signed {age:.0f} s ago)")
    if age < -tolerance:
        raise InvalidSignatureError("the timestamp is in the future")
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    # The header may list several signatures ("v1=...,v1=...") while a secret is rotated.
    offered = [
        part.strip().removeprefix("v1=")
        for part in signature.split(",")
        if part.strip().startswith("v1=")
    ]
    if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
        raise InvalidSignatureError("the signature does not match")


class ProcessedEvents:
    """The ids of the events handled so far, kept in SQLite so that they survive restarts.

    Deliveries are at least once: the same event can arrive again (a retry after a lost
    answer, a replay). A primary key on the event id makes the second arrival a no-op.
    """

    def __init__(self, path: str = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS processed_events ("
            " event_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, received_at REAL NOT NULL)"
        )
        self._db.commit()

    def first_time(self, event_id: str, event_type: str) -> bool:
        """Record the event; False when it had been recorded before."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO processed_events VALUES (?, ?, ?)",
                (event_id, event_type, time.time()),
            )
            self._db.commit()
            return cursor.rowcount == 1


def handle_event(event: dict[str, Any]) -> None:
    """Your business logic. Keep it quick: answer within a few seconds, queue slow work."""
    log.info("received %s %s: %s", event["type"], event["id"], event["data"])


def create_app(secret: str, processed: ProcessedEvents | None = None) -> FastAPI:
    processed = processed or ProcessedEvents()
    app = FastAPI(title="Aftersales webhook receiver")

    @app.post("/aftersales/events")
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            verify_signature(
                secret,
                body,
                request.headers.get("X-Aftersales-Timestamp"),
                request.headers.get("X-Aftersales-Signature"),
            )
        except InvalidSignatureError as refused:
            return JSONResponse({"error": str(refused)}, status_code=401)
        event = json.loads(body)
        if event["id"] != request.headers.get("X-Aftersales-Event-Id"):
            return JSONResponse({"error": "the event id header and body differ"}, 400)
        if processed.first_time(event["id"], event["type"]):
            handle_event(event)
            return JSONResponse({"status": "processed"})
        # Acknowledge repeats, or the sender keeps retrying them.
        return JSONResponse({"status": "duplicate"})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--database", default="processed_events.sqlite3")
    arguments = parser.parse_args()
    secret = os.environ.get("AFTERSALES_WEBHOOK_SECRET")
    if not secret:
        parser.error("set AFTERSALES_WEBHOOK_SECRET to the subscription's secret")
    logging.basicConfig(level=logging.INFO)

    import uvicorn

    uvicorn.run(
        create_app(secret, ProcessedEvents(arguments.database)),
        host=arguments.host,
        port=arguments.port,
    )


if __name__ == "__main__":
    main()
