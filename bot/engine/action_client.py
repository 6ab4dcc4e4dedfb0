"""HTTP client for the rasa-sdk action server (``POST /webhook``)."""

from __future__ import annotations

import json
from typing import Any, Protocol

import httpx
import structlog

logger = structlog.get_logger(__name__)


class ActionServerUnavailable(Exception):
    """The action server could not be reached or did not answer in time."""

    def __init__(self, action_name: str, reason: str) -> None:
        self.action_name = action_name
        super().__init__(f"action server unavailable for '{action_name}': {reason}")


class ActionRejected(Exception):
    """The action server answered 400 with ``action_name``: an ``ActionExecutionRejection``."""

    def __init__(self, action_name: str, message: str | None = None) -> None:
        self.action_name = action_name
        self.message = message or f"Custom action '{action_name}' rejected to run"
        super().__init__(self.message)


class ActionServerError(Exception):
    """The action server answered, but not with a usable result."""


class ActionCaller(Protocol):
    """Runs one action call: the request body in, ``{"events", "responses"}`` out."""

    async def run(self, body: dict[str, Any]) -> dict[str, Any]: ...


class ActionServerClient:
    """Calls actions with the request body a Rasa 3.6 server sends."""

    def __init__(self, url: str, http: httpx.AsyncClient, timeout_seconds: float) -> None:
        self.url = url
        self._http = http
        self._timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
        self._domain_encoding = _DomainEncoding()

    async def run(self, body: dict[str, Any]) -> dict[str, Any]:
        action_name = str(body.get("next_action"))
        try:
            response = await self._http.post(
                self.url,
                content=self._domain_encoding.encode(body),
                headers=_JSON_HEADERS,
                timeout=self._timeout,
            )
        except (httpx.TimeoutException, httpx.TransportError) as error:
            raise ActionServerUnavailable(action_name, type(error).__name__) from error
        if response.status_code == 400:
            rejection = _json_or_none(response)
            if isinstance(rejection, dict) and isinstance(rejection.get("action_name"), str):
                raise ActionRejected(rejection["action_name"], rejection.get("error"))
        if response.status_code != 200:
            raise ActionServerError(
                f"action server answered {response.status_code} for '{action_name}': "
                f"{response.text[:500]}"
            )
        result = _json_or_none(response)
        if result is None:
            return {"events": [], "responses": []}
        if not isinstance(result, dict):
            raise ActionServerError(f"action server sent a non-object result for '{action_name}'")
        events = result.get("events", [])
        responses = result.get("responses", [])
        if not isinstance(events, list) or not isinstance(responses, list):
            raise ActionServerError(f"malformed events/responses for '{action_name}'")
        if not all(isinstance(item, dict) for item in [*events, *responses]):
            raise ActionServerError(f"events and responses must be objects for '{action_name}'")
        return {"events": events, "responses": responses}


_JSON_HEADERS = {"Content-Type": "application/json"}


class _DomainEncoding:
    """JSON bodies whose ``domain`` is encoded once: every call sends the same domain
    object (the loaded domain's serialised form), and it is most of each body."""

    def __init__(self) -> None:
        self._domain: object = None
        self._encoded = b""

    def encode(self, body: dict[str, Any]) -> bytes:
        domain = body.get("domain")
        rest = {key: value for key, value in body.items() if key != "domain"}
        if domain is None or not rest:
            return _dumps(body)
        if domain is not self._domain:
            self._domain, self._encoded = domain, _dumps(domain)
        return b'{"domain":' + self._encoded + b"," + _dumps(rest)[1:]


def _dumps(value: Any) -> bytes:
    # As httpx encodes ``json=``: compact, UTF-8, no NaN.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
