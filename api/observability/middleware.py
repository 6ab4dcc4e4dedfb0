"""Request count and latency per route template, as plain ASGI middleware.

Routes are labelled by their template (``/api/v1/cases/{case_id}``), never by the raw path,
so that the number of series stays bounded; a request no route matched is ``unmatched``.
The labelled children are kept, so a request costs two dictionary lookups, a clock reading
and two additions.
"""

from __future__ import annotations

from time import perf_counter

from prometheus_client.metrics import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability.metrics import REQUEST_DURATION, REQUESTS

UNMATCHED = "unmatched"
OTHER_METHOD = "other"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """The full template of the route that answered, e.g. ``/api/v1/cases/{case_id}``.

    The route in the scope knows only its own template, without the prefix of the router that
    included it; the prefix is the part of the path before the point where that template
    matches (prefixes are fixed text, and the leftmost match is the one a router made).
    """
    route = scope.get("route")
    template: str | None = getattr(route, "path_format", None)
    if route is None or template is None:
        return UNMATCHED
    path: str = scope["path"]
    position = 0
    while position != -1:
        if route.path_regex.match(path[position:]):
            return path[:position] + template
        position = path.find("/", position + 1)
    return template


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._counts: dict[tuple[str, str, str], Counter] = {}
        self._durations: dict[tuple[str, str], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._observe(scope, status, perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else OTHER_METHOD
        route = route_template(scope)
        key = (method, route)
        duration = self._durations.get(key)
        if duration is None:
            duration = self._durations[key] = REQUEST_DURATION.labels(method, route)
        duration.observe(seconds)
        count_key = (method, route, f"{status // 100}xx")
        count = self._counts.get(count_key)
        if count is None:
            count = self._counts[count_key] = REQUESTS.labels(*count_key)
        count.inc()
