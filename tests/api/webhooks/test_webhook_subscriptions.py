"""Managing subscriptions: validation, the write-only secret, changes, deletion and roles."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from api.auth_roles import Role
from api.outbox.service import EventType
from api.webhooks.schemas import SubscriptionCreate
from tests.api.webhooks.conftest import WorkerFactory
from tests.api.webhooks.receiver import ScriptedReceiver
from tests.api.webhooks.steps import (
    DELIVERIES,
    SECRET,
    SUBSCRIPTIONS,
    Sessions,
    list_deliveries,
    record,
    stored_deliveries,
    subscribe,
)
from tests.conftest import ApiClientFactory

URL = "https://dispatch.example.com/aftersales/events"


async def test_a_subscription_is_created_and_its_secret_is_never_returned(
    admin_client: httpx.AsyncClient,
) -> None:
    response = await admin_client.post(
        SUBSCRIPTIONS,
        json={
            "url": URL,
            "secret": SECRET,
            "event_types": ["visit.booked", "case.created", "visit.booked"],
            "description": "调度系统 / dispatch",
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["generated_secret"] is None
    assert SECRET not in response.text
    assert (created["url"], created["active"], created["description"]) == (
        URL,
        True,
        "调度系统 / dispatch",
    )
    assert created["event_types"] == ["case.created", "visit.booked"]

    for read in (
        await admin_client.get(f"{SUBSCRIPTIONS}/{created['id']}"),
        await admin_client.get(SUBSCRIPTIONS),
        await admin_client.patch(f"{SUBSCRIPTIONS}/{created['id']}", json={"active": False}),
    ):
        assert read.status_code == 200, read.text
        assert SECRET not in read.text
        assert "secret" not in read.text


async def test_a_missing_secret_is_generated_and_shown_once(
    admin_client: httpx.AsyncClient,
) -> None:
    body = {"url": URL, "event_types": ["case.created"]}
    response = await admin_client.post(SUBSCRIPTIONS, json=body)
    assert response.status_code == 201, response.text
    generated = response.json()["generated_secret"]
    assert isinstance(generated, str) and len(generated) >= 40
    again = await admin_client.get(f"{SUBSCRIPTIONS}/{response.json()['id']}")
    assert generated not in again.text
    other = await admin_client.post(SUBSCRIPTIONS, json=body)
    assert other.json()["generated_secret"] != generated


BAD_FIELDS: list[tuple[str, Any]] = [
    ("url", "ftp://dispatch.example.com/events"),
    ("url", "dispatch.example.com/events"),
    ("url", "https://user:password@dispatch.example.com/events"),
    ("url", "https://dispatch.example.com/events#section"),
    ("url", "https://dispatch.example.com/" + "a" * 2048),
    ("url", "javascript:alert(1)"),
    ("secret", "too-short"),
    ("secret", "line\nbreak-in-the-secret-0123"),
    ("secret", "x" * 257),
    ("event_types", []),
    ("event_types", ["case.created", "case.deleted"]),
    ("event_types", "case.created"),
    ("description", "d" * 501),
    ("description", "bell\x07"),
    ("extra", "refused"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_bad_subscriptions_are_refused(field: str, value: Any) -> None:
    body = {"url": URL, "secret": SECRET, "event_types": ["case.created"], field: value}
    with pytest.raises(ValidationError) as refused:
        SubscriptionCreate.model_validate(body)
    assert [error["loc"][0] for error in refused.value.errors()] == [field]
    if field == "secret":
        assert str(value) not in str(refused.value)


async def test_a_bad_subscription_gets_a_problem_naming_the_field(
    admin_client: httpx.AsyncClient,
) -> None:
    body = {"url": URL, "secret": "short", "event_types": ["case.created", "case.deleted"]}
    response = await admin_client.post(SUBSCRIPTIONS, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = sorted(error["field"] for error in response.json()["errors"])
    assert fields == ["body.event_types.1", "body.secret"]
    assert "short" not in response.text
    assert (await admin_client.get(SUBSCRIPTIONS)).json()["items"] == []


async def test_changes_rotate_the_secret_and_clear_the_description(
    admin_client: httpx.AsyncClient,
) -> None:
    created = await subscribe(admin_client, URL, description="old")
    path = f"{SUBSCRIPTIONS}/{created['id']}"
    new_secret = "rotated-secret-0123456789"
    response = await admin_client.patch(
        path,
        json={
            "url": "http://erp.internal:8080/hook",
            "secret": new_secret,
            "event_types": ["survey.completed"],
            "description": None,
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert new_secret not in response.text
    assert (changed["url"], changed["event_types"], changed["description"], changed["active"]) == (
        "http://erp.internal:8080/hook",
        ["survey.completed"],
        None,
        True,
    )
    assert changed["updated_at"] >= created["updated_at"]
    unchanged = await admin_client.patch(path, json={})
    assert unchanged.json() == changed


async def test_only_the_description_may_be_set_to_null(admin_client: httpx.AsyncClient) -> None:
    created = await subscribe(admin_client, URL)
    path = f"{SUBSCRIPTIONS}/{created['id']}"
    for field in ("url", "secret", "event_types", "active"):
        response = await admin_client.patch(path, json={field: None})
        assert response.status_code == 422, (field, response.text)
    created.pop("generated_secret")
    assert (await admin_client.get(path)).json() == created


async def test_unknown_subscriptions_are_not_found(admin_client: httpx.AsyncClient) -> None:
    for response in (
        await admin_client.get(f"{SUBSCRIPTIONS}/4242"),
        await admin_client.patch(f"{SUBSCRIPTIONS}/4242", json={"active": False}),
        await admin_client.delete(f"{SUBSCRIPTIONS}/4242"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "webhook_subscription_not_found"
    assert (await admin_client.get(f"{SUBSCRIPTIONS}/0")).status_code == 422


async def test_deleting_a_subscription_deletes_its_deliveries(
    admin_client: httpx.AsyncClient,
    sessions: Sessions,
    make_worker: WorkerFactory,
    receiver: ScriptedReceiver,
) -> None:
    doomed = await subscribe(admin_client, receiver.hook("doomed", SECRET))
    kept = await subscribe(admin_client, receiver.hook("kept", SECRET))
    await record(sessions)
    await make_worker().run_once()
    assert len(await stored_deliveries(sessions)) == 2

    response = await admin_client.delete(f"{SUBSCRIPTIONS}/{doomed['id']}")
    assert response.status_code == 204
    assert (await admin_client.get(f"{SUBSCRIPTIONS}/{doomed['id']}")).status_code == 404
    remaining = await list_deliveries(admin_client)
    assert [item["subscription_id"] for item in remaining] == [kept["id"]]
    assert len(remaining[0]["attempts"]) == 1


async def test_only_admins_manage_webhooks(api_client_for: ApiClientFactory) -> None:
    body = {"url": URL, "secret": SECRET, "event_types": [EventType.CASE_CREATED.value]}
    for role in (role for role in Role if role is not Role.ADMIN):
        client = api_client_for(role)
        for response in (
            await client.post(SUBSCRIPTIONS, json=body),
            await client.get(SUBSCRIPTIONS),
            await client.patch(f"{SUBSCRIPTIONS}/1", json={"active": False}),
            await client.delete(f"{SUBSCRIPTIONS}/1"),
            await client.get(DELIVERIES),
            await client.post(f"{DELIVERIES}/1/replay"),
            await client.post(f"/api/v1/webhooks/events/{uuid.uuid4()}/replay"),
        ):
            assert (response.status_code, response.json()["code"]) == (403, "role_not_allowed")
