"""A small HTTP proxy in front of the api that can make the api unavailable to one consumer.

The action server is pointed at the gate instead of the api. Requests pass through
unchanged, except those made for a consumer (``X-Customer-Id``, the conversation's sender
id) the api is cut off from: they are answered ``503 Service Unavailable``, as a gateway
answers when the service behind it is down, so the actions meet a real failure through
their real HTTP client. Cutting one consumer off leaves the conversations played at the
same time untouched. The gate serves from a thread with an event loop of its own, so it
runs whatever loop (or none) its owner uses.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

#: The header the actions name their consumer with (``actions.api_client``).
CUSTOMER_HEADER = "X-Customer-Id"
#: Headers that describe one connection, not the message (RFC 9110, 7.6.1), and the ones
#: the forwarding client or server sets again itself.
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0
#: Longer than any timeout of the actions' own client, which gives up first.
_UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=300)


class ApiGate:
    """Forwards to ``upstream`` from :attr:`url` once started; see the module."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._cut_off: Counter[str] = Counter()
        self._cut_off_lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the api gate is not started")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    # switching ------------------------------------------------------------------------

    @contextmanager
    def unavailable_for(self, customer: str) -> Iterator[None]:
        """The api answers 503 to every request made for ``customer`` inside the block."""
        with self._cut_off_lock:
            self._cut_off[customer] += 1
        try:
            yield
        finally:
            with self._cut_off_lock:
                self._cut_off[customer] -= 1
                if self._cut_off[customer] <= 0:
                    del self._cut_off[customer]

    def is_unavailable_for(self, customer: str) -> bool:
        with self._cut_off_lock:
            return customer in self._cut_off

    # serving --------------------------------------------------------------------------

    def start(self) -> None:
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="api-gate", daemon=True)
        thread.start()
        self._socket, self._loop, self._thread = listening, loop, thread
        try:
            asyncio.run_coroutine_threadsafe(self._serve(listening), loop).result(_START_TIMEOUT_S)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stop(), loop).result(_STOP_TIMEOUT_S)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(_STOP_TIMEOUT_S)
            loop.close()
            if self._socket is not None:
                self._socket.close()
            self._loop = self._thread = None

    async def _serve(self, listening: socket.socket) -> None:
        self._session = aiohttp.ClientSession(
            auto_decompress=False,
            timeout=_UPSTREAM_TIMEOUT,
            connector=aiohttp.TCPConnector(limit=100),
        )
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, listening).start()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        customer = request.headers.get(CUSTOMER_HEADER)
        if customer is not None and self.is_unavailable_for(customer):
            return _problem(503, "api_unavailable", "the api is unavailable")
        assert self._session is not None
        try:
            async with self._session.request(
                request.method,
                URL(self.upstream + request.raw_path, encoded=True),
                headers=_forwarded(request.headers),
                data=await request.read(),
                allow_redirects=False,
            ) as answer:
                body = await answer.read()
                return web.Response(
                    status=answer.status, headers=_forwarded(answer.headers), body=body
                )
        except (aiohttp.ClientError, TimeoutError) as error:
            return _problem(502, "api_unreachable", f"the api did not answer: {error}")


@contextmanager
def started_api_gate(upstream: str) -> Iterator[ApiGate]:
    gate = ApiGate(upstream)
    gate.start()
    try:
        yield gate
    finally:
        gate.close()


def _forwarded(headers: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    kept: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        if name.lower() not in _NOT_FORWARDED:
            kept.add(name, value)
    return kept


def _problem(status: int, code: str, detail: str) -> web.Response:
    return web.json_response(
        {
            "type": "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "code": code,
            "detail": detail,
        },
        status=status,
        content_type="application/problem+json",
    )
