"""Moving cases through the status machine over HTTP, and the history it leaves."""

from __future__ import annotations

import httpx
import pytest

from api.auth_roles import Role
from tests.api.cases.workflow import move, open_case, register_customer
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("categories")

CUSTOMER = "tg:8001"


@pytest.fixture
async def case_id(admin_client: httpx.AsyncClient) -> int:
    await register_customer(admin_client, CUSTOMER)
    return int((await open_case(admin_client, CUSTOMER))["id"])


async def test_the_whole_main_line_is_recorded_in_order(
    api_client_for: ApiClientFactory, case_id: int
) -> None:
    bot = api_client_for(Role.BOT, customer=CUSTOMER)
    agent = api_client_for(Role.AGENT)
    agent.headers["X-Actor-Id"] = "agent:li.na"
    await move(bot, case_id, "troubleshooting", note="开始远程排查")
    await move(bot, case_id, "awaiting_visit")
    await move(agent, case_id, "visit_booked", "in_repair", "resolved")
    closed = await move(bot, case_id, "closed", note="<b>修好了</b>'; --")

    assert closed["status"] == "closed"
    history = [
        (step["from_status"], step["to_status"], step["actor_role"], step["actor_id"], step["note"])
        for step in closed["transitions"]
    ]
    assert history == [
        (None, "open", "admin", None, None),
        ("open", "troubleshooting", "bot", CUSTOMER, "开始远程排查"),
        ("troubleshooting", "awaiting_visit", "bot", CUSTOMER, None),
        ("awaiting_visit", "visit_booked", "agent", "agent:li.na", None),
        ("visit_booked", "in_repair", "agent", "agent:li.na", None),
        ("in_repair", "resolved", "agent", "agent:li.na", None),
        ("resolved", "closed", "bot", CUSTOMER, "<b>修好了</b>'; --"),
    ]
    times = [step["at"] for step in closed["transitions"]]
    assert times == sorted(times)


async def test_an_illegal_move_is_a_conflict_that_changes_nothing(
    admin_client: httpx.AsyncClient, case_id: int
) -> None:
    response = await admin_client.post(
        f"/api/v1/cases/{case_id}/transitions", json={"to": "visit_booked"}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "illegal_transition"
    assert problem["extra"]["from"] == "open"
    assert problem["extra"]["to"] == "visit_booked"
    assert problem["extra"]["allowed"] == [
        "awaiting_visit",
        "cancelled",
        "escalated",
        "troubleshooting",
    ]
    assert "open" in problem["detail"] and "visit_booked" in problem["detail"]
    case = (await admin_client.get(f"/api/v1/cases/{case_id}")).json()
    assert case["status"] == "open"
    assert len(case["transitions"]) == 1


async def test_an_escalated_case_returns_to_where_it_was(
    admin_client: httpx.AsyncClient, case_id: int
) -> None:
    escalated = await move(admin_client, case_id, "awaiting_visit", "visit_booked", "escalated")
    assert (escalated["status"], escalated["escalated_from"]) == ("escalated", "visit_booked")
    back = await move(admin_client, case_id, "visit_booked")
    assert (back["status"], back["escalated_from"]) == ("visit_booked", None)


async def test_an_escalated_case_may_move_on_but_not_back_further(
    admin_client: httpx.AsyncClient, case_id: int
) -> None:
    await move(admin_client, case_id, "troubleshooting", "awaiting_visit", "escalated")
    earlier = await admin_client.post(
        f"/api/v1/cases/{case_id}/transitions", json={"to": "troubleshooting"}
    )
    assert earlier.status_code == 409
    assert earlier.json()["extra"]["from"] == "escalated"
    onward = await move(admin_client, case_id, "resolved")
    assert onward["status"] == "resolved"


@pytest.mark.parametrize("final", ["closed", "cancelled"])
async def test_nothing_follows_a_final_status(
    admin_client: httpx.AsyncClient, case_id: int, final: str
) -> None:
    path = ["troubleshooting", "resolved", "closed"] if final == "closed" else ["cancelled"]
    await move(admin_client, case_id, *path)
    for target in ["open", "escalated", "cancelled", "closed"]:
        response = await admin_client.post(
            f"/api/v1/cases/{case_id}/transitions", json={"to": target}
        )
        assert response.status_code == 409
        assert response.json()["extra"]["allowed"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "finished"}, "body.to"),
        ({}, "body.to"),
        ({"to": "troubleshooting", "note": "x" * 4001}, "body.note"),
        ({"to": "troubleshooting", "note": "a\x00"}, "body.note"),
        ({"to": "troubleshooting", "by": "me"}, "body.by"),
    ],
)
async def test_bad_transition_requests_are_refused(
    admin_client: httpx.AsyncClient, case_id: int, body: dict[str, str], field: str
) -> None:
    response = await admin_client.post(f"/api/v1/cases/{case_id}/transitions", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_actor_ids_must_be_plain(api_client_for: ApiClientFactory, case_id: int) -> None:
    agent = api_client_for(Role.AGENT)
    agent.headers["X-Actor-Id"] = "agent 7; rm -rf"
    response = await agent.post(
        f"/api/v1/cases/{case_id}/transitions", json={"to": "troubleshooting"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.X-Actor-Id"
