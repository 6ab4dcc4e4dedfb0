"""While a person has the conversation, items that make the assistant speak wait; text
items (an agent's reply, a visit notice) still go out."""

from __future__ import annotations

import httpx
import pytest

from api.auth_roles import Role
from tests.api.handoffs.steps import act, open_handoff
from tests.api.outbound.steps import CONSUMER, OTHER_CONSUMER, enqueue, lease, report
from tests.conftest import ApiClientFactory

SURVEY_DUE = {"type": "intent", "intent": "EXTERNAL_survey_due", "entities": {"survey_id": 3}}


@pytest.fixture
def bot(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.BOT)


@pytest.fixture
def agent(api_client_for: ApiClientFactory) -> httpx.AsyncClient:
    return api_client_for(Role.AGENT)


async def test_intent_items_wait_while_the_handoff_is_open_and_go_out_after_it(
    bot: httpx.AsyncClient, agent: httpx.AsyncClient
) -> None:
    handoff = await open_handoff(agent, CONSUMER)
    survey = await enqueue(agent, kind="survey_due", payload=SURVEY_DUE)
    reply = await enqueue(agent)
    elsewhere = await enqueue(agent, OTHER_CONSUMER, kind="survey_due", payload=SURVEY_DUE)

    while_queued = await lease(bot)
    claimed = await act(agent, handoff["id"], "claim", agent_id="agent-7", agent_name="李娜")
    assert claimed.status_code == 200, claimed.text
    while_claimed = await lease(bot)
    resolved = await act(agent, handoff["id"], "resolve", agent_id="agent-7")
    assert resolved.status_code == 200, resolved.text
    after = await lease(bot)

    assert {item["id"] for item in while_queued} == {reply["id"], elsewhere["id"]}
    assert while_claimed == []
    assert [item["id"] for item in after] == [survey["id"]]
    assert (await report(bot, after[0], "ack")).status_code == 200


async def test_a_cancelled_handoff_releases_the_waiting_items(
    bot: httpx.AsyncClient, agent: httpx.AsyncClient
) -> None:
    handoff = await open_handoff(agent, CONSUMER)
    survey = await enqueue(agent, kind="survey_due", payload=SURVEY_DUE)
    assert await lease(bot) == []
    cancelled = await act(agent, handoff["id"], "cancel", agent_id="agent-7")
    assert cancelled.status_code == 200, cancelled.text
    assert [item["id"] for item in await lease(bot)] == [survey["id"]]
