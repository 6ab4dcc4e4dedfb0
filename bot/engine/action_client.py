"""HTTP client for the rasa-sdk action server (``POST /webhook``).

Every turn makes one or more calls here, so the client is aiohttp's: per call it costs a
fraction of the CPU httpx does, which matters when the engine and the action server share
a machine. Like Rasa, the client sends ``domain_digest`` and leaves the domain out once the
action server holds that digest; an action server that lost it (a restart) answers 449 and
the call is repeated with the domain. The domain is most of each body, so this spares both
processes most of the JSON work per call.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

import aiohttp
import structlog

from aftersales.request_ids import outgoing_headers

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
    """Calls actions with the request body a Rasa 3.x server sends."""

    def __init__(
        self,
        url: str,
        http: aiohttp.ClientSession,
        timeout_seconds: float,
        *,
        domain_digest: bool = True,
    ) -> None:
        self.url = url
        self._http = http
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, connect=min(timeout_seconds, 5.0)
        )
        self._domain_encoding = _DomainEncoding()
        self._use_digest = domain_digest
        self._digest_held_by_server: str | None = None

    async def run(self, body: dict[str, Any]) -> dict[str, Any]:
        action_name = str(body.get("next_action"))
        if not self._use_digest or "domain" not in body:
            status, content = await self._post(action_name, self._domain_encoding.encode(body))
            return _result(action_name, status, content)
        digest = self._domain_encoding.digest(body["domain"])
        with_digest = {**body, "domain_digest": digest}
        if self._digest_held_by_server == digest:
            without_domain = {k: v for k, v in with_digest.items() if k != "domain"}
            status, content = await self._post(action_name, _dumps(without_domain))
            if status != _DOMAIN_MISSING:
                return _result(action_name, status, content)
            logger.info("action_server.domain_requested", action=action_name)
        status, content = await self._post(action_name, self._domain_encoding.encode(with_digest))
        if status == 200:
            self._digest_held_by_server = digest
        return _result(action_name, status, content)

    async def _post(self, action_name: str, payload: bytes) -> tuple[int, bytes]:
        try:
            async with self._http.post(
                self.url,
                data=payload,
                headers={**_JSON_HEADERS, **outgoing_headers()},
                timeout=self._timeout,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise ActionServerUnavailable(action_name, "timeout") from error
        except aiohttp.ClientError as error:
            raise ActionServerUnavailable(action_name, type(error).__name__) from error


_DOMAIN_MISSING = 449
"""rasa-sdk's answer to a call without a domain when it holds none for that digest."""


def _result(action_name: str, status: int, content: bytes) -> dict[str, Any]:
    if status == 400:
        rejection = _json_or_none(content)
        if isinstance(rejection, dict) and isinstance(rejection.get("action_name"), str):
            raise ActionRejected(rejection["action_name"], rejection.get("error"))
    if status != 200:
        raise ActionServerError(
            f"action server answered {status} for '{action_name}': "
            f"{content[:500].decode(errors='replace')}"
        )
    result = _json_or_none(content)
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
        self._digest = ""

    def encode(self, body: dict[str, Any]) -> bytes:
        domain = body.get("domain")
        rest = {key: value for key, value in body.items() if key != "domain"}
        if domain is None or not rest:
            return _dumps(body)
        self._remember(domain)
        return b'{"domain":' + self._encoded + b"," + _dumps(rest)[1:]

    def digest(self, domain: object) -> str:
        """A fingerprint of the domain's encoded form, as ``domain_digest``."""
        self._remember(domain)
        return self._digest

    def _remember(self, domain: object) -> None:
        if domain is not self._domain:
            self._encoded = _dumps(domain)
            self._domain = domain
            self._digest = hashlib.sha256(self._encoded).hexdigest()


def _dumps(value: Any) -> bytes:
    # Compact and UTF-8 (Chinese text unescaped), NaN refused: what a JSON parser accepts.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None
