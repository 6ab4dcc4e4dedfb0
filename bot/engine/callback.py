"""Deliver messages no request waits for (a reminder's replies) to a callback URL.

A reply to a user's message travels back in the REST webhook's response; a reminder fires
later, when no request is open. Rasa's answer is the callback channel, which POSTs the
bot's messages to a URL the front end serves. The engine does the same with the REST
reply's shape: one POST per reminder, its body the list of messages
(``[{"recipient_id", "text"?, "buttons"?, ...}]``), so one handler reads both. Rasa's
callback channel sends each message on its own (one object per POST); a front end that
must also work with a real Rasa server accepts both shapes.

A delivery is retried with exponential backoff while the receiver cannot be reached, times
out, or answers 408, 429 or 5xx; any other answer is final. Messages still undelivered are
logged and stay in the conversation's tracker.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import httpx
import structlog
from pydantic import SecretStr
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

logger = structlog.get_logger(__name__)

_RETRIED_STATUSES = frozenset(
    {HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.TOO_MANY_REQUESTS}
    | {status for status in HTTPStatus if status >= 500}
)


class _TransientFailure(Exception):
    """The receiver may accept the same messages a moment later."""


class CallbackDelivery:
    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        attempts: int,
        first_backoff_seconds: float,
        max_backoff_seconds: float,
        timeout_seconds: float,
        token: SecretStr | None = None,
    ) -> None:
        self.url = url
        self._http = http
        self._attempts = attempts
        self._first_backoff = first_backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._timeout = httpx.Timeout(timeout_seconds)
        # As a Rasa endpoint's ``token``: sent as the ``token`` query parameter.
        self._params = {"token": token.get_secret_value()} if token is not None else None

    async def deliver(self, messages: list[dict[str, Any]]) -> bool:
        """POST ``messages``; True once the receiver accepted them (any 2xx answer)."""
        if not messages:
            return True
        recipient = messages[0].get("recipient_id")
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=self._first_backoff, max=self._max_backoff),
            retry=retry_if_exception(lambda error: isinstance(error, _TransientFailure)),
        )
        try:
            async for attempt in retrying:
                with attempt:
                    status = await self._post(messages)
        except RetryError as error:
            logger.error(
                "callback.undelivered",
                recipient_id=recipient,
                messages=len(messages),
                attempts=self._attempts,
                error=str(error.last_attempt.exception()),
            )
            return False
        if not 200 <= status < 300:
            logger.error(
                "callback.refused", recipient_id=recipient, messages=len(messages), status=status
            )
            return False
        logger.info("callback.delivered", recipient_id=recipient, messages=len(messages))
        return True

    async def _post(self, messages: list[dict[str, Any]]) -> int:
        try:
            response = await self._http.post(
                self.url, json=messages, params=self._params, timeout=self._timeout
            )
        except (httpx.TimeoutException, httpx.TransportError) as error:
            raise _TransientFailure(f"{type(error).__name__}: {error}") from error
        if response.status_code in _RETRIED_STATUSES:
            raise _TransientFailure(f"answered {response.status_code}")
        return response.status_code
