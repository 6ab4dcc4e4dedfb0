"""Whether a person holds a conversation: while an agent has claimed its handoff, the
assistant stays silent and the agent answers."""

from __future__ import annotations

from http import HTTPStatus

import httpx
import structlog

from bot.telegram.api_client import CUSTOMER_HEADER, ApiRejected, ApiUnavailable, raise_for_problem

log = structlog.get_logger(__name__)

CLAIMED = "claimed"


class HandoffWatch:
    def __init__(self, api_http: httpx.AsyncClient) -> None:
        """``api_http`` is a client of the api's ``/api/v1`` with the bot role's key."""
        self._http = api_http

    async def agent_holds(self, conversation_id: str) -> bool:
        """True while the conversation's open handoff is claimed by an agent.

        An api that cannot answer counts as no: an assistant that answers beside an agent
        is a smaller harm than a consumer left without any answer.
        """
        try:
            response = await self._http.get(
                f"/conversations/{conversation_id}/handoff",
                headers={CUSTOMER_HEADER: conversation_id},
            )
        except httpx.HTTPError as error:
            log.warning("handoff.lookup_failed", conversation_id=conversation_id, error=str(error))
            return False
        if response.status_code == HTTPStatus.NOT_FOUND:
            return False
        try:
            raise_for_problem(response)
        except (ApiUnavailable, ApiRejected) as error:
            log.warning("handoff.lookup_failed", conversation_id=conversation_id, error=str(error))
            return False
        body = response.json()
        return isinstance(body, dict) and body.get("status") == CLAIMED
