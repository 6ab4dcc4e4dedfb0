"""Customer upsert and read: phone normalisation, preferences, validation, roles."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from api.auth_roles import Role
from tests.conftest import ApiClientFactory

URL = "/api/v1/customers/{}"


async def test_first_put_creates_with_defaults(admin_client: httpx.AsyncClient) -> None:
    response = await admin_client.put(
        URL.format("tg:1001"),
        json={
            "display_name": "王先生",
            "phone": "138 0013 8000",
            "address": "上海市浦东新区世纪大道100号",
            "consent_at": "2026-01-05T08:30:00+08:00",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["channel_id"] == "tg:1001"
    assert body["display_name"] == "王先生"
    assert body["phone"] == "+8613800138000"
    assert body["address"] == "上海市浦东新区世纪大道100号"
    assert body["locale"] == "zh"
    assert body["timezone"] == "Asia/Shanghai"
    assert body["region"] is None
    assert body["consent_at"] == "2026-01-05T00:30:00Z"
    assert body["erased_at"] is None

    fetched = await admin_client.get(URL.format("tg:1001"))
    assert fetched.status_code == 200
    assert fetched.json() == body


async def test_later_puts_change_only_what_they_send(admin_client: httpx.AsyncClient) -> None:
    first = {"display_name": "Li", "phone": "13800138000"}
    await admin_client.put(URL.format("web:abc-1"), json=first)
    response = await admin_client.put(
        URL.format("web:abc-1"), json={"locale": "en", "timezone": "Europe/London"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["phone"]) == ("Li", "+8613800138000")
    assert (body["locale"], body["timezone"]) == ("en", "Europe/London")

    cleared = await admin_client.put(
        URL.format("web:abc-1"), json={"phone": None, "locale": None, "timezone": None}
    )
    assert cleared.json()["phone"] is None
    assert cleared.json()["locale"] == "zh"
    assert cleared.json()["timezone"] == "Asia/Shanghai"
    assert cleared.json()["display_name"] == "Li"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "+8613800138000"),
        ("+8613800138000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("１３８-００１３-８０００", "+8613800138000"),
        ("010-12345678", "+861012345678"),
        ("021 6888 8888", "+862168888888"),
    ],
)
async def test_chinese_numbers_are_normalised(
    admin_client: httpx.AsyncClient, typed: str, stored: str
) -> None:
    body = (await admin_client.put(URL.format("tg:7"), json={"phone": typed})).json()
    assert body["phone"] == stored


@pytest.mark.parametrize(
    ("fields", "stored", "region"),
    [
        ({"region": "HK", "phone": "9123 4567"}, "+85291234567", "HK"),
        ({"region": "gb", "phone": "020 7946 0018"}, "+442079460018", "GB"),
        ({"locale": "en-GB", "phone": "07911 123456"}, "+447911123456", "GB"),
        ({"locale": "zh-HK", "phone": "9123 4567"}, "+85291234567", "HK"),
        ({"phone": "+852 9123 4567"}, "+85291234567", None),
    ],
)
async def test_numbers_from_elsewhere_use_the_customer_region(
    admin_client: httpx.AsyncClient, fields: dict[str, str], stored: str, region: str | None
) -> None:
    body = (await admin_client.put(URL.format("tg:8"), json=fields)).json()
    assert (body["phone"], body["region"]) == (stored, region)


async def test_a_stored_region_reads_later_numbers(admin_client: httpx.AsyncClient) -> None:
    await admin_client.put(URL.format("tg:9"), json={"region": "HK"})
    body = (await admin_client.put(URL.format("tg:9"), json={"phone": "6123 4567"})).json()
    assert body["phone"] == "+85261234567"


@pytest.mark.parametrize("typed", ["12345", "1380013800", "call me", "9123 4567", "+999 12345678"])
async def test_invalid_numbers_are_refused_clearly(
    admin_client: httpx.AsyncClient, typed: str
) -> None:
    response = await admin_client.put(URL.format("tg:10"), json={"phone": typed})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_phone"
    assert problem["errors"][0]["field"] == "body.phone"
    assert typed in problem["detail"]
    assert (await admin_client.get(URL.format("tg:10"))).status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"locale": "fr"}, "locale"),
        ({"locale": "中文"}, "locale"),
        ({"region": "XX"}, "region"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"consent_at": "2999-01-01T00:00:00Z"}, "consent_at"),
        ({"consent_at": "2026-01-01T00:00:00"}, "consent_at"),
        ({"display_name": "Bob\x1b[31m"}, "display_name"),
        ({"display_name": "x" * 201}, "display_name"),
        ({"address": "x" * 501}, "address"),
        ({"address": "Road\x00 1"}, "address"),
        ({"nickname": "Bob"}, "nickname"),
    ],
)
async def test_invalid_profile_fields_are_named(
    admin_client: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    response = await admin_client.put(URL.format("tg:11"), json=fields)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [f"body.{field}"]


@pytest.mark.parametrize(
    "channel_id",
    ["tg:abc", "tg:", "fb:123", "web:a b", "web:" + "x" * 65, "123", "anon:0123", "tg:1:2"],
)
async def test_channel_identities_must_have_a_known_shape(
    admin_client: httpx.AsyncClient, channel_id: str
) -> None:
    response = await admin_client.put(URL.format(channel_id), json={})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.channel_id"


async def test_unknown_customer_is_not_found(admin_client: httpx.AsyncClient) -> None:
    response = await admin_client.get(URL.format("tg:404"))
    assert response.status_code == 404
    assert response.json()["code"] == "customer_not_found"


@pytest.mark.parametrize("role", [Role.BOT, Role.ACTIONS])
async def test_consumer_roles_act_for_their_own_consumer_only(
    api_client_for: ApiClientFactory, role: Role
) -> None:
    own = api_client_for(role, customer="tg:21")
    assert (await own.put(URL.format("tg:21"), json={"display_name": "A"})).status_code == 201
    assert (await own.get(URL.format("tg:21"))).status_code == 200

    other = await own.put(URL.format("tg:22"), json={"display_name": "B"})
    assert other.status_code == 403
    assert other.json()["code"] == "customer_mismatch"
    assert (await own.get(URL.format("tg:22"))).status_code == 403

    missing = await api_client_for(role).get(URL.format("tg:21"))
    assert missing.status_code == 400
    assert missing.json()["code"] == "customer_identity_required"
    malformed = await api_client_for(role, customer="tg:1; DROP").get(URL.format("tg:21"))
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "invalid_customer_identity"


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.AGENT, 201), (Role.ADMIN, 201), (Role.SUPERVISOR, 403), (Role.BACKEND, 403)],
)
async def test_staff_roles(api_client_for: ApiClientFactory, role: Role, status: int) -> None:
    response = await api_client_for(role).put(URL.format("tg:31"), json={"display_name": "C"})
    assert response.status_code == status


async def test_concurrent_first_puts_create_one_customer(admin_client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(admin_client.put(URL.format("tg:41"), json={"display_name": f"n{n}"}) for n in range(5))
    )
    assert sorted(response.status_code for response in responses) == [200, 200, 200, 200, 201]
