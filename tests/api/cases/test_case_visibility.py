"""A consumer's role sees only that consumer's cases; other cases do not even exist for it."""

from __future__ import annotations

import httpx
import pytest

from api.auth_roles import Role
from tests.api.cases.samples import JPEG
from tests.api.cases.workflow import open_case, register_customer
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("categories")

ALICE = "tg:7001"
BOB = "web:bob-session-1"


@pytest.fixture
async def bob_case(admin_client: httpx.AsyncClient) -> dict[str, object]:
    await register_customer(admin_client, ALICE)
    await register_customer(admin_client, BOB)
    await open_case(admin_client, ALICE, fault_description="Alice's fridge")
    case = await open_case(admin_client, BOB, fault_description="Bob's air conditioner")
    upload = await admin_client.post(
        f"/api/v1/cases/{case['id']}/attachments",
        files={"file": ("bob.jpg", JPEG, "image/jpeg")},
        data={"kind": "fault_photo"},
    )
    assert upload.status_code == 201
    return {**case, "attachment_id": upload.json()["id"]}


@pytest.mark.parametrize("role", [Role.BOT, Role.ACTIONS])
async def test_another_consumer_s_case_is_not_found(
    api_client_for: ApiClientFactory, bob_case: dict[str, object], role: Role
) -> None:
    alice = api_client_for(role, customer=ALICE)
    case_id = bob_case["id"]
    attempts = [
        await alice.get(f"/api/v1/cases/{case_id}"),
        await alice.patch(f"/api/v1/cases/{case_id}", json={"urgency": "urgent"}),
        await alice.post(f"/api/v1/cases/{case_id}/transitions", json={"to": "cancelled"}),
        await alice.get(f"/api/v1/cases/{case_id}/attachments"),
        await alice.post(
            f"/api/v1/cases/{case_id}/attachments",
            files={"file": ("x.jpg", JPEG, "image/jpeg")},
            data={"kind": "other"},
        ),
    ]
    for response in attempts:
        assert response.status_code == 404, response.request.url
        assert response.json()["code"] == "case_not_found"
    content = await alice.get(f"/api/v1/attachments/{bob_case['attachment_id']}/content")
    assert content.status_code == 404
    assert content.json()["code"] == "attachment_not_found"

    unchanged = await api_client_for(Role.ADMIN).get(f"/api/v1/cases/{case_id}")
    assert unchanged.json()["status"] == "open"
    assert unchanged.json()["urgency"] == "normal"


async def test_a_missing_case_and_a_foreign_case_look_the_same(
    api_client_for: ApiClientFactory, bob_case: dict[str, object]
) -> None:
    alice = api_client_for(Role.BOT, customer=ALICE)
    foreign = await alice.get(f"/api/v1/cases/{bob_case['id']}")
    missing = await alice.get("/api/v1/cases/987654")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace(str(bob_case["id"]), "N") == missing.json()[
        "detail"
    ].replace("987654", "N")


async def test_consumer_roles_list_only_their_own_cases(
    api_client_for: ApiClientFactory, bob_case: dict[str, object]
) -> None:
    alice = api_client_for(Role.BOT, customer=ALICE)
    listed = (await alice.get("/api/v1/cases")).json()
    assert [case["customer"] for case in listed["items"]] == [ALICE]
    asked_for_bob = await alice.get("/api/v1/cases", params={"customer": BOB})
    assert asked_for_bob.status_code == 403
    assert asked_for_bob.json()["code"] == "customer_mismatch"


async def test_consumer_roles_cannot_open_cases_for_someone_else(
    api_client_for: ApiClientFactory, bob_case: dict[str, object]
) -> None:
    alice = api_client_for(Role.ACTIONS, customer=ALICE)
    response = await alice.post("/api/v1/cases", json={"customer": BOB})
    assert response.status_code == 403
    assert response.json()["code"] == "customer_mismatch"


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.BACKEND, Role.ADMIN])
async def test_staff_and_system_roles_see_every_case(
    api_client_for: ApiClientFactory, bob_case: dict[str, object], role: Role
) -> None:
    staff = api_client_for(role)
    assert (await staff.get(f"/api/v1/cases/{bob_case['id']}")).status_code == 200
    listed = (await staff.get("/api/v1/cases")).json()
    assert {case["customer"] for case in listed["items"]} == {ALICE, BOB}
    content = await staff.get(f"/api/v1/attachments/{bob_case['attachment_id']}/content")
    assert content.status_code == 200


async def test_consumer_roles_must_say_whom_they_act_for(
    api_client_for: ApiClientFactory, bob_case: dict[str, object]
) -> None:
    response = await api_client_for(Role.BOT).get(f"/api/v1/cases/{bob_case['id']}")
    assert response.status_code == 400
    assert response.json()["code"] == "customer_identity_required"
