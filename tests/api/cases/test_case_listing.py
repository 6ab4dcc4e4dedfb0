"""Listing cases: newest first, filtered by customer and status, a page at a time."""

from __future__ import annotations

import httpx
import pytest

from tests.api.cases.workflow import move, open_case, register_customer

pytestmark = pytest.mark.usefixtures("categories")


@pytest.fixture
async def seven_cases(admin_client: httpx.AsyncClient) -> list[int]:
    await register_customer(admin_client, "tg:1")
    await register_customer(admin_client, "tg:2")
    ids = []
    for n in range(7):
        case = await open_case(admin_client, "tg:1" if n % 3 else "tg:2")
        ids.append(case["id"])
    await move(admin_client, ids[1], "troubleshooting")
    await move(admin_client, ids[4], "cancelled")
    return ids


async def _all_pages(client: httpx.AsyncClient, **params: object) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/cases", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([case["id"] for case in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_pages_run_newest_first_without_gaps_or_repeats(
    admin_client: httpx.AsyncClient, seven_cases: list[int]
) -> None:
    pages = await _all_pages(admin_client, limit=3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [case_id for page in pages for case_id in page] == list(reversed(seven_cases))


async def test_a_full_last_page_has_no_next_cursor(
    admin_client: httpx.AsyncClient, seven_cases: list[int]
) -> None:
    assert [len(page) for page in await _all_pages(admin_client, limit=7)] == [7]


async def test_filters_by_customer_and_status(
    admin_client: httpx.AsyncClient, seven_cases: list[int]
) -> None:
    [only_tg2] = await _all_pages(admin_client, customer="tg:2")
    assert only_tg2 == [seven_cases[6], seven_cases[3], seven_cases[0]]
    [moved] = await _all_pages(admin_client, status="troubleshooting,cancelled")
    assert moved == [seven_cases[4], seven_cases[1]]
    [open_of_tg1] = await _all_pages(admin_client, customer="tg:1", status="open")
    assert open_of_tg1 == [seven_cases[5], seven_cases[2]]
    [nobody] = await _all_pages(admin_client, customer="tg:404")
    assert nobody == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "open,lost"}, "query.status"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "query.cursor"),
        ({"cursor": "!!!"}, "query.cursor"),
        ({"cursor": "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzAxOjAwIiwgMV0"}, "query.cursor"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"customer": "tg:abc"}, "query.customer"),
    ],
)
async def test_bad_list_parameters_are_named(
    admin_client: httpx.AsyncClient, params: dict[str, object], field: str
) -> None:
    response = await admin_client.get("/api/v1/cases", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
