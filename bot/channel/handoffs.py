"""Whether a person has a conversation — the one rule both channels follow.

From the moment a handoff opens (the engine's ``action_handoff`` pauses the conversation)
until it is resolved or cancelled, the assistant stands aside: the consumer's messages go to
the agents (copied into the handoff's topic on Telegram, kept in the transcript on the web)
and not to the engine. The queue in the api holds intent items back for the same span
(`api.outbound.person_holds`). When the handoff ends, the conversation is handed back to
the engine.
"""

from __future__ import annotations

from enum import StrEnum
from http import HTTPStatus

import httpx
import structlog

from bot.telegram.api_client import CUSTOMER_HEADER, ApiRejected, ApiUnavailable, raise_for_problem

log = structlog.get_logger(__name__)

OPEN_STATUSES = ("queued", "claimed")
"""Handoff statuses during which a person, not the assistant, has the conversation."""


class PersonState(StrEnum):
    NOBODY = "nobody"
    """No open handoff: the assistant answers."""
    WAITING = "waiting"
    """A handoff is queued: the consumer waits for an agent."""
    AGENT = "agent"
    """An agent has claimed the handoff and answers."""
    UNKNOWN = "unknown"
    """The api could not say."""

    @property
    def assistant_stands_aside(self) -> bool:
        # An api that cannot answer counts as nobody: an assistant answering beside an agent is
        # a smaller harm than a consumer left without any answer.
        return self in (PersonState.WAITING, PersonState.AGENT)


def state_of_handoff(status: str) -> PersonState:
    if status == "claimed":
        return PersonState.AGENT
    if status in OPEN_STATUSES:
        return PersonState.WAITING
    return PersonState.NOBODY


class HandoffWatch:
    def __init__(self, api_http: httpx.AsyncClient) -> None:
        """``api_http`` is a client of the api's ``/api/v1`` with the bot role's key."""
        self._http = api_http

    async def state(self, conversation_id: str) -> PersonState:
        """Who has the conversation now, from its open (else latest) handoff."""
        try:
            response = await self._http.get(
                f"/conversations/{conversation_id}/handoff",
                headers={CUSTOMER_HEADER: conversation_id},
            )
        except httpx.HTTPError as error:
            log.warning("handoff.lookup_failed", conversation_id=conversation_id, error=str(error))
            return PersonState.UNKNOWN
        if response.status_code == HTTPStatus.NOT_FOUND:
            return PersonState.NOBODY
        try:
            raise_for_problem(response)
        except (ApiUnavailable, ApiRejected) as error:
            log.warning("handoff.lookup_failed", conversation_id=conversation_id, error=str(error))
            return PersonState.UNKNOWN
        body = response.json()
        if not isinstance(body, dict):
            return PersonState.UNKNOWN
        return state_of_handoff(str(body.get("status")))
