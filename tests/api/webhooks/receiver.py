"""A webhook receiver for the tests, served over real HTTP.

It checks every request with the verifier of the documented example receiver and answers as
the test scripts it: a status, a stall longer than the sender's timeout, or a hold until the
test opens a gate.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

EXAMPLE_RECEIVER = Path(__file__).resolve().parents[3] / "docs" / "examples" / "webhook_receiver.py"


@cache
def example_receiver() -> ModuleType:
    """The documented example receiver, imported from its file."""
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", EXAMPLE_RECEIVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True, slots=True)
class Answer:
    status: int = 200
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class Stall:
    """Answer 200, but only after ``seconds``."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Trickle:
    """Answer ``status`` at once, but hold back the end of the body for ``seconds``."""

    status: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Hold:
    """Answer 200 once the test opens ``gate``."""

    gate: threading.Event


Reply = Answer | Stall | Trickle | Hold


@dataclass(frozen=True, slots=True)
class Received:
    hook: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool

    @property
    def event_id(self) -> str:
        return self.headers["x-aftersales-event-id"]

    @property
    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class ScriptedReceiver:
    def __init__(self) -> None:
        self.base_url = ""
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._scripts: dict[str | None, deque[Reply]] = {}
        self._received: list[Received] = []
        self.app = Starlette(routes=[Route("/hooks/{hook}", self._receive, methods=["POST"])])

    def reset(self) -> None:
        with self._lock:
            self._secrets.clear()
            self._scripts.clear()
            self._received.clear()

    def hook(self, name: str, secret: str) -> str:
        """The URL of a hook that accepts requests signed with ``secret``."""
        with self._lock:
            self._secrets[name] = secret
        return f"{self.base_url}/hooks/{name}"

    def script(self, *replies: Reply, hook: str | None = None) -> None:
        """Answer the next requests (to ``hook``, or to any) so, in order; later ones get 200."""
        with self._lock:
            self._scripts.setdefault(hook, deque()).extend(replies)

    def _next_reply(self, hook: str) -> Reply:
        for script in (self._scripts.get(hook), self._scripts.get(None)):
            if script:
                return script.popleft()
        return Answer()

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def event_ids(self, hook: str | None = None) -> list[str]:
        return [item.event_id for item in self.received if hook is None or item.hook == hook]

    async def wait_for(self, count: int) -> list[Received]:
        """The requests once ``count`` have arrived (at most ten seconds from now)."""
        deadline = time.monotonic() + 10
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} requests arrived, not {count}")
            await asyncio.sleep(0.01)
        return self.received

    async def _receive(self, request: Request) -> Response:
        hook = request.path_params["hook"]
        body = await request.body()
        with self._lock:
            secret = self._secrets.get(hook)
        verifier = example_receiver()
        try:
            if secret is None:
                raise verifier.InvalidSignatureError("unknown hook")
            verifier.verify_signature(
                secret,
                body,
                request.headers.get("x-aftersales-timestamp"),
                request.headers.get("x-aftersales-signature"),
            )
            valid = True
        except verifier.InvalidSignatureError:
            valid = False
        with self._lock:
            self._received.append(Received(hook, dict(request.headers), body, valid))
            reply = self._next_reply(hook) if valid else Answer(401)
        if not valid:
            return Response("bad signature", status_code=401)
        if isinstance(reply, Stall):
            await asyncio.sleep(reply.seconds)
            return Response("late", status_code=200)
        if isinstance(reply, Trickle):
            return StreamingResponse(_trickle(reply.seconds), status_code=reply.status)
        if isinstance(reply, Hold):
            await asyncio.to_thread(reply.gate.wait, 10)
            return Response("released", status_code=200)
        body = f"answer {reply.status}".encode() if reply.body is None else reply.body
        return Response(body, status_code=reply.status)


async def _trickle(seconds: float) -> AsyncIterator[bytes]:
    yield b"starting"
    await asyncio.sleep(seconds)
    yield b"done"
