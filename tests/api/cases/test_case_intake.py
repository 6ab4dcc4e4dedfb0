"""Opening and changing cases: every field, every refusal, idempotent retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from api.auth_roles import Role
from tests.api.cases.workflow import open_case, register_customer
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("categories")

CUSTOMER = "tg:5001"
HOSTILE_TEXT = (
    "空调不制冷 <script>alert('x')</script> <b>bold</b> "
    "'; DROP TABLE cases; -- \" OR 1=1 /* */ \\n ${jndi:ldap://x} 😀\n第二行\ttab"
)


@pytest.fixture
async def client(admin_client: httpx.AsyncClient) -> httpx.AsyncClient:
    await register_customer(admin_client, CUSTOMER, display_name="张三")
    return admin_client


async def test_a_minimal_case_opens_with_defaults(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/cases", json={"customer": CUSTOMER})
    assert response.status_code == 201
    case = response.json()
    assert case["customer"] == CUSTOMER
    assert case["status"] == "open"
    assert case["escalated_from"] is None
    assert case["category"] is None
    assert (case["service_type"], case["service_mode"], case["urgency"]) == (
        "repair",
        "onsite",
        "normal",
    )
    [created] = case["transitions"]
    assert created["from_status"] is None
    assert created["to_status"] == "open"
    assert (created["actor_role"], created["actor_id"]) == ("admin", None)


async def test_every_field_is_stored_and_returned_verbatim(client: httpx.AsyncClient) -> None:
    snapshot = {
        "status": "in_warranty",
        "entitlements": ["free_repair"],
        "windows": {"whole_unit": "2027-01-01"},
        "reasons": [{"zh": "整机保修期内", "en": "Within warranty"}],
        "policy_version": 3,
        "nested": {"deep": [1, 2.5, None, True]},
    }
    fields: dict[str, Any] = {
        "customer": CUSTOMER,
        "category": "refrigerator",
        "brand": "haier",
        "model_code": "BCD-470WDPG",
        "serial": "SN 2024-00017",
        "purchase_date": "2025-06-01",
        "symptom_key": "not_cooling",
        "component": "compressor",
        "fault_description": HOSTILE_TEXT,
        "fault_onset_text": "三天前 <i>",
        "fault_onset_date": "2026-01-02",
        "external_damage_reported": False,
        "service_type": "maintenance",
        "service_mode": "mail_in",
        "urgency": "urgent",
        "warranty_snapshot": snapshot,
        "conversation_id": CUSTOMER,
    }
    created = (await client.post("/api/v1/cases", json=fields)).json()
    fetched = (await client.get(f"/api/v1/cases/{created['id']}")).json()
    for response in (created, fetched):
        for name, value in fields.items():
            expected = value if name != "category" else "refrigerator"
            assert response[name] == expected, name
    assert fetched["fault_description"] == HOSTILE_TEXT


@pytest.mark.parametrize(
    ("category", "mode"),
    [
        ("phone", "carry_in"),
        ("laptop", "carry_in"),
        ("air_conditioner", "onsite"),
        ("tv", "onsite"),
    ],
)
async def test_service_mode_defaults_by_category(
    client: httpx.AsyncClient, category: str, mode: str
) -> None:
    case = await open_case(client, CUSTOMER, category=category)
    assert case["service_mode"] == mode


async def test_a_chosen_service_mode_is_kept(client: httpx.AsyncClient) -> None:
    case = await open_case(client, CUSTOMER, category="phone", service_mode="mail_in")
    assert case["service_mode"] == "mail_in"


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"category": "spaceship"}, "category", "unknown_category"),
        ({"category": "Air Conditioner"}, "category", "string_pattern_mismatch"),
        ({"fault_description": "坏" * 100_000}, "fault_description", "text_too_long"),
        ({"fault_description": "x" * 4001}, "fault_description", "text_too_long"),
        ({"fault_onset_text": "x" * 4001}, "fault_onset_text", "text_too_long"),
        ({"fault_description": "a\x00b"}, "fault_description", "value_error"),
        ({"serial": "SN\x00123"}, "serial", "value_error"),
        ({"serial": "SN123\n"}, "serial", "value_error"),
        ({"serial": "SN\u202e321"}, "serial", "value_error"),
        ({"serial": "x" * 65}, "serial", "string_too_long"),
        ({"model_code": "\t"}, "model_code", "value_error"),
        ({"brand": "   "}, "brand", "value_error"),
        ({"purchase_date": "2999-01-01"}, "purchase_date", "date_in_future"),
        ({"purchase_date": "not a date"}, "purchase_date", "date_from_datetime_parsing"),
        ({"fault_onset_date": "2999-01-01"}, "fault_onset_date", "date_in_future"),
        ({"service_type": "demolition"}, "service_type", "enum"),
        ({"service_mode": "teleport"}, "service_mode", "enum"),
        ({"urgency": "whenever"}, "urgency", "enum"),
        ({"external_damage_reported": "maybe"}, "external_damage_reported", "bool_parsing"),
        ({"warranty_snapshot": ["not", "an", "object"]}, "warranty_snapshot", "dict_type"),
        ({"warranty_snapshot": {"a": "b\x00"}}, "warranty_snapshot", "value_error"),
        ({"conversation_id": "telegram 5001"}, "conversation_id", "string_pattern_mismatch"),
        ({"idempotency_key": "has space"}, "idempotency_key", "string_pattern_mismatch"),
        ({"customer": "tg:9999"}, "customer", "customer_not_found"),
        ({"customer": "tg:x"}, "customer", "string_pattern_mismatch"),
        ({"colour": "red"}, "colour", "extra_forbidden"),
    ],
)
async def test_invalid_fields_are_refused_by_name(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str, code: str
) -> None:
    response = await client.post("/api/v1/cases", json={"customer": CUSTOMER, **fields})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["type"]) == (f"body.{field}", code)
    listed = (await client.get("/api/v1/cases", params={"customer": CUSTOMER})).json()
    assert listed["items"] == []


async def test_text_exactly_at_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    case = await open_case(client, CUSTOMER, fault_description="好" * 4000)
    assert len(case["fault_description"]) == 4000


async def test_snapshots_with_non_finite_numbers_are_refused(client: httpx.AsyncClient) -> None:
    body = '{"customer": "' + CUSTOMER + '", "warranty_snapshot": {"score": NaN}}'
    response = await client.post(
        "/api/v1/cases", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.warranty_snapshot"


async def test_today_is_the_consumer_s_today(api_client_for: ApiClientFactory) -> None:
    client = api_client_for(Role.ADMIN)
    await register_customer(client, "tg:61", timezone="Asia/Shanghai")
    await register_customer(client, "tg:62", timezone="Europe/London")
    # 20:00 in London is already 04:00 the next day in Shanghai.
    with time_machine.travel(datetime(2026, 3, 10, 20, 0, tzinfo=UTC), tick=False):
        shanghai = await client.post(
            "/api/v1/cases", json={"customer": "tg:61", "purchase_date": "2026-03-11"}
        )
        london = await client.post(
            "/api/v1/cases", json={"customer": "tg:62", "purchase_date": "2026-03-11"}
        )
        london_today = await client.post(
            "/api/v1/cases", json={"customer": "tg:62", "purchase_date": "2026-03-10"}
        )
    assert shanghai.status_code == 201
    assert london.status_code == 422
    assert london.json()["code"] == "date_in_future"
    assert london_today.status_code == 201


async def test_the_same_idempotency_key_returns_the_same_case(client: httpx.AsyncClient) -> None:
    payload = {"customer": CUSTOMER, "category": "tv", "idempotency_key": "conv-5001:msg-77"}
    first = await client.post("/api/v1/cases", json=payload)
    again = await client.post("/api/v1/cases", json=payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    listed = (await client.get("/api/v1/cases", params={"customer": CUSTOMER})).json()
    assert [case["id"] for case in listed["items"]] == [first.json()["id"]]


async def test_a_reused_key_with_a_different_request_is_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    key = {"idempotency_key": "k-1"}
    first = await open_case(client, CUSTOMER, category="tv", **key)
    response = await client.post(
        "/api/v1/cases", json={"customer": CUSTOMER, "category": "phone", **key}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["extra"] == {"case_id": first["id"]}


async def test_keys_belong_to_one_customer(client: httpx.AsyncClient) -> None:
    await register_customer(client, "tg:5002")
    first = await open_case(client, CUSTOMER, idempotency_key="same")
    second = await open_case(client, "tg:5002", idempotency_key="same")
    assert first["id"] != second["id"]


async def test_concurrent_retries_create_one_case(client: httpx.AsyncClient) -> None:
    payload = {"customer": CUSTOMER, "idempotency_key": "burst"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/cases", json=payload) for _ in range(6))
    )
    assert sorted(response.status_code for response in responses) == [200] * 5 + [201]
    assert len({response.json()["id"] for response in responses}) == 1
    created = next(response.json() for response in responses if response.status_code == 201)
    assert len(created["transitions"]) == 1


async def test_patch_changes_only_what_it_sends(client: httpx.AsyncClient) -> None:
    case = await open_case(client, CUSTOMER, serial="SN-1", brand="gree")
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        json={
            "serial": None,
            "model_code": "KFR-35GW",
            "urgency": "urgent",
            "warranty_snapshot": {"status": "needs_proof"},
        },
    )
    assert response.status_code == 200
    changed = response.json()
    assert (changed["serial"], changed["model_code"], changed["brand"]) == (
        None,
        "KFR-35GW",
        "gree",
    )
    assert changed["urgency"] == "urgent"
    assert changed["warranty_snapshot"] == {"status": "needs_proof"}
    assert changed["updated_at"] > case["updated_at"]


async def test_an_unchosen_service_mode_follows_a_new_category(client: httpx.AsyncClient) -> None:
    unchosen = await open_case(client, CUSTOMER, category=None)
    chosen = await open_case(client, CUSTOMER, category=None, service_mode="mail_in")
    for case, expected in ((unchosen, "carry_in"), (chosen, "mail_in")):
        response = await client.patch(f"/api/v1/cases/{case['id']}", json={"category": "laptop"})
        assert response.json()["service_mode"] == expected


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"urgency": None}, "body"),
        ({"category": "spaceship"}, "body.category"),
        ({"fault_description": "x" * 4001}, "body.fault_description"),
        ({"purchase_date": (date.today() + timedelta(days=3)).isoformat()}, "body.purchase_date"),
        ({"serial": "A\x07B"}, "body.serial"),
        ({"status": "closed"}, "body.status"),
        ({"customer": "tg:1"}, "body.customer"),
    ],
)
async def test_patch_refusals_name_the_field(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    case = await open_case(client, CUSTOMER)
    response = await client.patch(f"/api/v1/cases/{case['id']}", json=fields)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_closed_and_cancelled_cases_cannot_be_changed(client: httpx.AsyncClient) -> None:
    case = await open_case(client, CUSTOMER)
    await client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "cancelled"})
    response = await client.patch(f"/api/v1/cases/{case['id']}", json={"urgency": "urgent"})
    assert response.status_code == 409
    assert response.json()["code"] == "case_final"


async def test_unknown_cases_are_not_found(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/v1/cases/999999"),
        ("PATCH", "/api/v1/cases/999999"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status_code == 404
        assert response.json()["code"] == "case_not_found"
    too_big = await client.get(f"/api/v1/cases/{2**40}")
    assert too_big.status_code == 422


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ACTIONS, 201),
        (Role.BOT, 201),
        (Role.AGENT, 201),
        (Role.SUPERVISOR, 403),
        (Role.BACKEND, 403),
    ],
)
async def test_who_may_open_cases(
    client: httpx.AsyncClient, api_client_for: ApiClientFactory, role: Role, status: int
) -> None:
    caller = api_client_for(role, customer=CUSTOMER)
    response = await caller.post("/api/v1/cases", json={"customer": CUSTOMER})
    assert response.status_code == status
    if status == 201:
        [created] = response.json()["transitions"]
        expected_actor = CUSTOMER if role in (Role.ACTIONS, Role.BOT) else None
        assert (created["actor_role"], created["actor_id"]) == (role.value, expected_actor)
