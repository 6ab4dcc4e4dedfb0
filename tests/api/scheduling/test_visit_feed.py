"""The dispatch system's pull feed: visits by (updated_at, id) behind an opaque cursor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine

from api.auth_roles import Role
from tests.api.scheduling.steps import (
    NOW,
    add_technician,
    booked,
    open_case,
    register_customer,
    window_start,
)
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("served_areas")

FEED = "/api/v1/visits"


async def _page(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(FEED, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _ids(page: dict[str, Any]) -> list[tuple[int, str]]:
    return [(item["id"], item["status"]) for item in page["items"]]


async def test_the_feed_pages_by_change_and_never_skips_a_visit_changed_meanwhile(
    admin_client: httpx.AsyncClient,
    api_client_for: ApiClientFactory,
    clock: time_machine.Coordinates,
) -> None:
    await add_technician(admin_client, "SH-4001", capacity_per_window=4)
    await register_customer(admin_client, "tg:4001")
    visits = []
    for minute in range(3):
        clock.move_to(NOW + timedelta(minutes=minute))
        case = await open_case(admin_client, "tg:4001")
        visits.append(await booked(admin_client, case["id"], window_start(1, 9)))
    dispatch = api_client_for(Role.BACKEND)

    clock.move_to(NOW + timedelta(minutes=2, seconds=1))
    settling = await _page(dispatch)
    assert _ids(settling) == [(visits[0]["id"], "booked"), (visits[1]["id"], "booked")]

    clock.move_to(NOW + timedelta(minutes=5))
    first = await _page(dispatch, limit=2)
    assert _ids(first) == [(visits[0]["id"], "booked"), (visits[1]["id"], "booked")]
    assert first["has_more"] is True
    assert first["items"][0]["technician"]["staff_number"] == "SH-4001"

    await admin_client.post(f"/api/v1/visits/{visits[0]['id']}/cancel", json={"reason": "改期"})
    clock.move_to(NOW + timedelta(minutes=10))
    rest = await _page(dispatch, limit=2, cursor=first["next_cursor"])
    assert _ids(rest) == [(visits[2]["id"], "booked"), (visits[0]["id"], "cancelled")]
    assert rest["has_more"] is False
    idle = await _page(dispatch, cursor=rest["next_cursor"])
    assert (idle["items"], idle["next_cursor"]) == ([], rest["next_cursor"])

    since = (NOW + timedelta(minutes=1)).isoformat()
    recent = await _page(dispatch, updated_since=since)
    assert _ids(recent) == [
        (visits[1]["id"], "booked"),
        (visits[2]["id"], "booked"),
        (visits[0]["id"], "cancelled"),
    ]

    for params in ({"cursor": "bm90LWEtY3Vyc29y"}, {"cursor": "%%%"}, {"limit": 0}):
        refused = await dispatch.get(FEED, params=params)
        assert refused.status_code == 422, params
    naive = await dispatch.get(FEED, params={"updated_since": "2026-12-01T07:00:00"})
    assert naive.status_code == 422
    for role in (Role.ACTIONS, Role.BOT, Role.AGENT):
        assert (await api_client_for(role, customer="tg:4001").get(FEED)).status_code == 403
