"""Small real HTTP servers standing in for the engine's REST channel and the api, for bot
tests whose subject is not the engine's or the api's own behaviour."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

Answer = Callable[[dict[str, Any]], list[dict[str, Any]]]


class EngineBroke(Exception):
    """Raised by an ``answer``: the stub replies 500, as a failing engine does."""


def echo(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]


class EngineStub:
    """The REST channel of a Rasa-compatible server: records every message; answers with
    ``answer(body)``, or 503 (a proxy in front of a stopped engine) while ``down``. A
    conversation in ``paused`` records messages and answers nothing, as Rasa's do; its
    tracker says so, and a ``resume`` event takes it out."""

    def __init__(self, answer: Answer = echo) -> None:
        self.answer = answer
        self.down = False
        self.delay: Callable[[dict[str, Any]], float] = lambda body: 0.0
        self.paused: set[str] = set()
        self.tracker_api = True
        """False: the tracker endpoints answer 404, as a Rasa server without --enable-api."""
        self._lock = threading.Lock()
        self._received: list[dict[str, Any]] = []
        self._appended: list[tuple[str, dict[str, Any]]] = []
        self.app = FastAPI()

        @self.app.get("/conversations/{conversation_id}/tracker")
        async def tracker(conversation_id: str) -> JSONResponse:
            if not self.tracker_api:
                return JSONResponse({"detail": "Not Found"}, status_code=404)
            if self.down:
                return JSONResponse({"detail": "unavailable"}, status_code=503)
            return JSONResponse(
                {"sender_id": conversation_id, "paused": conversation_id in self.paused}
            )

        @self.app.post("/conversations/{conversation_id}/tracker/events")
        async def append(conversation_id: str, request: Request) -> JSONResponse:
            if self.down:
                return JSONResponse({"detail": "unavailable"}, status_code=503)
            events = await request.json()
            with self._lock:
                for event in events if isinstance(events, list) else [events]:
                    self._appended.append((conversation_id, event))
                    if event.get("event") == "resume":
                        self.paused.discard(conversation_id)
            return JSONResponse({"sender_id": conversation_id, "paused": False})

        @self.app.get("/")
        async def hello() -> PlainTextResponse:
            if self.down:
                return PlainTextResponse("unavailable", status_code=503)
            return PlainTextResponse("Hello from Rasa: 3.6.21")

        @self.app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> JSONResponse:
            if self.down:
                return JSONResponse({"detail": "unavailable"}, status_code=503)
            body = await request.json()
            with self._lock:
                self._received.append(body)
            if body["sender"] in self.paused:
                return JSONResponse([])
            await asyncio.sleep(self.delay(body))
            try:
                return JSONResponse(self.answer(body))
            except EngineBroke as broke:
                return JSONResponse({"message": str(broke)}, status_code=500)

    def received(self, sender: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [body for body in self._received if sender is None or body["sender"] == sender]

    def appended(self, sender: str) -> list[str]:
        """The names of the events appended to ``sender``'s tracker, in order."""
        with self._lock:
            return [str(event.get("event")) for who, event in self._appended if who == sender]

    def messages(self, sender: str | None = None) -> list[str]:
        return [body["message"] for body in self.received(sender)]

    async def wait_for_messages(
        self, count: int, *, sender: str | None = None, within: float = 10.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while len(self.received(sender)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} engine message(s), got {self.messages(sender)}"
                )
            await asyncio.sleep(0.02)
        return self.received(sender)


class ApiStub:
    """The api endpoints the bot calls, minus attachments: the consumer's open cases and the
    conversation log, which it records (``failures`` answers 503 that many times first)."""

    def __init__(self) -> None:
        self.open_cases: dict[str, list[int]] = {}
        self.failures = 0
        self._lock = threading.Lock()
        self._logged: list[tuple[str, dict[str, Any]]] = []
        self.app = FastAPI()

        @self.app.get("/api/v1/cases")
        async def cases(request: Request) -> JSONResponse:
            customer = request.headers.get("X-Customer-Id", "")
            ids = self.open_cases.get(customer, [])
            return JSONResponse({"items": [{"id": case} for case in ids], "next_cursor": None})

        @self.app.post("/api/v1/conversations/{conversation_id}/messages")
        async def log(conversation_id: str, request: Request) -> JSONResponse:
            with self._lock:
                if self.failures:
                    self.failures -= 1
                    return JSONResponse({"code": "unavailable"}, status_code=503)
                self._logged.append((conversation_id, await request.json()))
            return JSONResponse({"id": len(self._logged)}, status_code=201)

    def logged(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                body
                for conversation, body in self._logged
                if conversation_id is None or conversation == conversation_id
            ]

    async def wait_for_logged(
        self, count: int, *, conversation_id: str | None = None, within: float = 10.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while len(self.logged(conversation_id)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} logged message(s), got {self.logged(conversation_id)}"
                )
            await asyncio.sleep(0.02)
        return self.logged(conversation_id)
