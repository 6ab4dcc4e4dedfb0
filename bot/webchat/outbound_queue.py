"""The api's outbound queue as the web chat uses it: lease the due items of the browsers
listening now, acknowledge what was shown, report what could not be."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bot.telegram.api_client import ApiUnavailable, raise_for_problem

WEB_CHANNEL = "web"
MAX_CONVERSATIONS_PER_LEASE = 200
"""The api's limit on ``conversation_ids`` in one lease."""


@dataclass(frozen=True, slots=True)
class LeasedItem:
    id: int
    conversation_id: str
    kind: str
    payload: dict[str, Any]
    lease_token: str

    @classmethod
    def of(cls, body: dict[str, Any]) -> LeasedItem:
        return cls(
            id=int(body["id"]),
            conversation_id=str(body["conversation_id"]),
            kind=str(body["kind"]),
            payload=dict(body["payload"]),
            lease_token=str(body["lease_token"]),
        )


class WebOutboundQueue:
    def __init__(self, api_http: httpx.AsyncClient, worker_id: str) -> None:
        """``api_http`` is a client of the api's ``/api/v1`` with the bot role's key."""
        self._http = api_http
        self._worker_id = worker_id

    async def lease(
        self, conversation_ids: Sequence[str], *, lease_seconds: int, limit: int = 20
    ) -> list[LeasedItem]:
        body = {
            "worker_id": self._worker_id,
            "channel": WEB_CHANNEL,
            "conversation_ids": list(conversation_ids),
            "limit": limit,
            "lease_seconds": lease_seconds,
        }
        page = await self._post("/outbound/lease", body)
        return [LeasedItem.of(item) for item in page.get("items") or []]

    async def ack(self, item: LeasedItem) -> None:
        await self._post(f"/outbound/{item.id}/ack", {"lease_token": item.lease_token})

    async def fail(self, item: LeasedItem, error: str) -> None:
        body = {"lease_token": item.lease_token, "error": error[:2000]}
        await self._post(f"/outbound/{item.id}/fail", body)

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._http.post(path, json=body)
        except httpx.HTTPError as error:
            raise ApiUnavailable(f"{type(error).__name__}: {error}") from error
        raise_for_problem(response)
        answer: dict[str, Any] = response.json()
        return answer
