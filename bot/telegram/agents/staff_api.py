"""The api as the agents' group uses it, with the agent role's key: the handoff queue, claims
and what the case card shows. Every agent action names the agent in ``X-Actor-Id``."""

from __future__ import annotations

from typing import Any

import httpx

from bot.telegram.api_client import (
    ApiRejected,
    ApiUnavailable,
    api_http_client,
    raise_for_problem,
)

ACTOR_HEADER = "X-Actor-Id"
TRANSCRIPT_PAGE = 50


class StaffApi:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    @classmethod
    def connect(cls, base_url: str, api_key: str, timeout: float) -> StaffApi:
        return cls(api_http_client(base_url, api_key, timeout))

    async def close(self) -> None:
        await self._http.aclose()

    async def open_handoffs(self) -> list[dict[str, Any]]:
        page = await self._call("GET", "/handoffs", params={"limit": 200})
        return list(page.get("items") or [])

    async def handoff(self, handoff_id: int) -> dict[str, Any]:
        return await self._call("GET", f"/handoffs/{handoff_id}")

    async def claim(self, handoff_id: int, agent_id: str, agent_name: str) -> dict[str, Any]:
        body = {"agent_id": agent_id, "agent_name": agent_name[:200]}
        return await self._call("POST", f"/handoffs/{handoff_id}/claim", agent_id, json=body)

    async def release(self, handoff_id: int, agent_id: str) -> dict[str, Any]:
        body = {"agent_id": agent_id}
        return await self._call("POST", f"/handoffs/{handoff_id}/release", agent_id, json=body)

    async def resolve(self, handoff_id: int, agent_id: str) -> dict[str, Any]:
        body = {"agent_id": agent_id}
        return await self._call("POST", f"/handoffs/{handoff_id}/resolve", agent_id, json=body)

    async def case(self, case_id: int) -> dict[str, Any] | None:
        return await self._optional(f"/cases/{case_id}")

    async def attachments(self, case_id: int) -> list[dict[str, Any]]:
        page = await self._optional(f"/cases/{case_id}/attachments")
        return list((page or {}).get("items") or [])

    async def customer(self, conversation_id: str) -> dict[str, Any] | None:
        return await self._optional(f"/customers/{conversation_id}")

    async def last_messages(self, conversation_id: str, count: int) -> list[dict[str, Any]]:
        page = await self._optional(
            f"/conversations/{conversation_id}/messages", params={"limit": count}
        )
        return list((page or {}).get("items") or [])

    async def _optional(self, path: str, **options: Any) -> dict[str, Any] | None:
        """A read whose absence (404) is an answer too."""
        try:
            return await self._call("GET", path, **options)
        except ApiRejected as rejection:
            if rejection.status == httpx.codes.NOT_FOUND:
                return None
            raise

    async def _call(
        self, method: str, path: str, actor: str | None = None, **options: Any
    ) -> dict[str, Any]:
        headers = {ACTOR_HEADER: actor} if actor is not None else {}
        try:
            response = await self._http.request(method, path, headers=headers, **options)
        except httpx.HTTPError as error:
            raise ApiUnavailable(f"{type(error).__name__}: {error}") from error
        raise_for_problem(response)
        body: dict[str, Any] = response.json()
        return body
