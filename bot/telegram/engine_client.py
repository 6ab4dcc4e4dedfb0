"""The client of the dialogue engine's REST channel (Rasa's ``/webhooks/rest/webhook``).

A failure is reported as one of two kinds, because they call for different remedies:
``EngineUnreachable`` when the message cannot have reached the engine (nothing listening, a
proxy answering for a stopped engine), so sending it again later is safe; ``EngineFailed``
when the engine may have taken the message but gave no usable answer in time, so sending it
again could make it live the same turn twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx
import structlog

from aftersales.request_ids import REQUEST_ID_HOOKS
from bot.telegram.settings import BotSettings
from bot.telegram.store.buttons import Button

log = structlog.get_logger(__name__)

REST_WEBHOOK = "/webhooks/rest/webhook"
_NOT_DELIVERED_STATUSES = frozenset(
    {HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.GATEWAY_TIMEOUT}
)


class EngineUnreachable(Exception):
    """The message did not reach the engine."""


class EngineFailed(Exception):
    """The engine may have the message but did not answer usefully."""


@dataclass(frozen=True, slots=True)
class EngineMessage:
    """One bot message of the engine's answer."""

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    custom: Any = None


def engine_http_client(settings: BotSettings) -> httpx.AsyncClient:
    """The HTTP client of the engine; with a token, every call carries it, as a Rasa server
    started with ``--auth-token`` requires of all but its REST channel."""
    token = settings.engine_token.get_secret_value() if settings.engine_token else ""
    return httpx.AsyncClient(
        base_url=settings.engine_url,
        params={"token": token} if token else None,
        event_hooks=REQUEST_ID_HOOKS,
        timeout=httpx.Timeout(
            settings.engine_timeout_seconds, connect=settings.engine_connect_timeout_seconds
        ),
    )


class EngineClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any]
    ) -> list[EngineMessage]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            response = await self._http.post(REST_WEBHOOK, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise EngineUnreachable(f"{type(error).__name__}: {error}") from error
        except (httpx.WriteError, httpx.WriteTimeout) as error:
            # The request never arrived whole, so the engine cannot have acted on it.
            raise EngineUnreachable(f"{type(error).__name__}: {error}") from error
        except httpx.HTTPError as error:
            raise EngineFailed(f"{type(error).__name__}: {error}") from error
        if response.status_code in _NOT_DELIVERED_STATUSES:
            raise EngineUnreachable(f"the engine's address answered {response.status_code}")
        if response.status_code != HTTPStatus.OK:
            raise EngineFailed(f"the engine answered {response.status_code}: {response.text[:200]}")
        try:
            items = response.json()
        except ValueError as error:
            raise EngineFailed("the engine's answer is not JSON") from error
        if not isinstance(items, list):
            raise EngineFailed("the engine's answer is not a list of messages")
        return [message for item in items if (message := _message(item)) is not None]

    async def trigger_intent(
        self, sender: str, intent: str, entities: dict[str, Any]
    ) -> list[EngineMessage]:
        """Let the conversation react to an event of the outside world (a survey falling
        due); returns the messages to deliver."""
        path = f"/conversations/{sender}/trigger_intent"
        body = await self._post(path, {"name": intent, "entities": entities})
        items = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise EngineFailed("the engine's answer holds no list of messages")
        return [message for item in items if (message := _message(item)) is not None]

    async def resume(self, sender: str) -> None:
        """Hand a conversation paused for a person back to the assistant.

        The paused turn ended without ``action_listen``; it is added after ``resume`` so that
        the next message starts a turn the rules recognise, instead of continuing the turn
        that handed the conversation over (which would hand it over again).
        """
        events: Any = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        await self._post(f"/conversations/{sender}/tracker/events", events)

    async def is_paused(self, sender: str) -> bool:
        """Whether the conversation is paused for a person (Rasa's tracker ``paused``)."""
        body = await self._call(
            "GET", f"/conversations/{sender}/tracker", params={"include_events": "NONE"}
        )
        return isinstance(body, dict) and body.get("paused") is True

    async def _post(self, path: str, body: Any) -> Any:
        return await self._call("POST", path, body)

    async def _call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        try:
            response = await self._http.request(method, path, json=body, params=params)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise EngineUnreachable(f"{type(error).__name__}: {error}") from error
        except httpx.HTTPError as error:
            raise EngineFailed(f"{type(error).__name__}: {error}") from error
        if response.status_code in _NOT_DELIVERED_STATUSES:
            raise EngineUnreachable(f"the engine's address answered {response.status_code}")
        if response.status_code != HTTPStatus.OK:
            raise EngineFailed(f"the engine answered {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as error:
            raise EngineFailed("the engine's answer is not JSON") from error

    async def is_up(self) -> bool:
        try:
            response = await self._http.get("/")
        except httpx.HTTPError:
            return False
        return response.status_code == HTTPStatus.OK


def _message(item: Any) -> EngineMessage | None:
    if not isinstance(item, dict):
        log.warning("engine.message.malformed", item=repr(item)[:200])
        return None
    text = item.get("text") if isinstance(item.get("text"), str) else None
    image = item.get("image") if isinstance(item.get("image"), str) else None
    buttons: list[Button] = []
    for raw in item.get("buttons") or []:
        if (
            isinstance(raw, dict)
            and isinstance(raw.get("title"), str)
            and isinstance(raw.get("payload"), str)
            and raw["title"].strip()
            and raw["payload"].strip()
        ):
            buttons.append(Button(title=raw["title"], payload=raw["payload"]))
        else:
            log.warning("engine.button.malformed", button=repr(raw)[:200])
    custom = item.get("custom")
    if text is None and image is None and custom is None and not buttons:
        return None
    return EngineMessage(text=text, buttons=tuple(buttons), image=image, custom=custom)
