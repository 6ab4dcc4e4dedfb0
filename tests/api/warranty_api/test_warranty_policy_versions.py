"""Stored policy versions: seed section, upload, activation, the per-process cache, roles."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import update

from api.auth_roles import Role
from api.seeding import SeedError
from api.warranty import policy_store
from api.warranty.models import WarrantyPolicyVersion
from api.warranty.policy_store import shipped_document
from tests.api.warranty_api.warranty_api_data import (
    AC_OLD,
    CATALOGUE,
    NOW,
    POLICIES,
    check,
    load_sections,
)
from tests.conftest import ApiClientFactory

SHIPPED_VERSION = "2026.1"


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def _gree_policy(version: str = "2026.2-gree", compressor_months: int = 120) -> dict[str, Any]:
    document = shipped_document()
    document["version"] = version
    document["brand_overrides"] = {
        "gree": {"air_conditioner": {"main_components": {"compressor": compressor_months}}}
    }
    return document


async def _versions(client: httpx.AsyncClient) -> list[tuple[str, bool]]:
    response = await client.get(POLICIES)
    assert response.status_code == 200
    return [(item["version"], item["active"]) for item in response.json()]


async def test_before_any_upload_the_shipped_default_decides(
    admin_client: httpx.AsyncClient,
) -> None:
    active = (await admin_client.get(f"{POLICIES}/active")).json()

    assert await _versions(admin_client) == []
    assert (active["version"], active["active"], active["loaded_at"]) == (
        SHIPPED_VERSION,
        True,
        None,
    )
    assert active["document"] == shipped_document()


async def test_seed_section_stores_the_default_once(
    api_app: FastAPI, admin_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    first = await load_sections(api_app, {"warranty_policies": [{"file": "default"}]}, tmp_path)
    again = await load_sections(api_app, {"warranty_policies": [{"file": "default"}]}, tmp_path)

    assert first == {"warranty_policies": 1}
    assert again == {"warranty_policies": 0}
    assert await _versions(admin_client) == [(SHIPPED_VERSION, True)]
    active = (await admin_client.get(f"{POLICIES}/active")).json()
    assert active["loaded_at"] is not None
    assert active["document"]["categories"]["phone"]["without_proof"] == "manufacture_date"


async def test_an_inline_seed_version_becomes_active(
    api_app: FastAPI, admin_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await load_sections(
        api_app, {"warranty_policies": [{"file": "default"}, _gree_policy()]}, tmp_path
    )

    assert sorted(await _versions(admin_client)) == [
        (SHIPPED_VERSION, False),
        ("2026.2-gree", True),
    ]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        pytest.param({"file": "elsewhere"}, "unknown policy file 'elsewhere'", id="unknown-file"),
        pytest.param({"file": "default", "version": "x"}, "no other keys", id="file-and-keys"),
        pytest.param(
            {**_gree_policy(SHIPPED_VERSION)}, "already stored with another document", id="changed"
        ),
        pytest.param({"version": "broken"}, "categories", id="invalid-document"),
    ],
)
async def test_seed_section_refuses_bad_items(
    item: dict[str, Any], message: str, api_app: FastAPI, tmp_path: Path
) -> None:
    with pytest.raises(SeedError, match=message):
        await load_sections(api_app, {"warranty_policies": [{"file": "default"}, item]}, tmp_path)


async def test_an_uploaded_brand_override_takes_effect(
    api_app: FastAPI, api_client_for: ApiClientFactory, tmp_path: Path
) -> None:
    await load_sections(api_app, {"warranty_policies": [{"file": "default"}]}, tmp_path)
    await load_sections(api_app, CATALOGUE, tmp_path)
    admin, actions = api_client_for(Role.ADMIN), api_client_for(Role.ACTIONS)
    before = await check(actions, serial=AC_OLD, fault_description="压缩机不启动")

    uploaded = await admin.post(POLICIES, json=_gree_policy())
    after = await check(actions, serial=AC_OLD, fault_description="压缩机不启动")

    assert before["status"] == "out_of_warranty"
    assert uploaded.status_code == 201
    assert uploaded.json()["active"] is True
    assert after["status"] == "component_warranty"
    assert after["policy_version"] == "2026.2-gree"
    assert after["entitlements"] == ["free_repair"]
    assert sorted(await _versions(admin)) == [(SHIPPED_VERSION, False), ("2026.2-gree", True)]


async def test_uploading_a_stored_version_again(admin_client: httpx.AsyncClient) -> None:
    created = await admin_client.post(POLICIES, json=_gree_policy())
    same = await admin_client.post(POLICIES, json=_gree_policy())
    changed = await admin_client.post(POLICIES, json=_gree_policy(compressor_months=60))

    assert created.status_code == 201
    assert same.status_code == 200
    assert same.json()["loaded_at"] == created.json()["loaded_at"]
    assert changed.status_code == 409
    assert changed.json()["code"] == "policy_version_conflict"
    assert await _versions(admin_client) == [("2026.2-gree", True)]


async def test_activating_an_earlier_version_rolls_back(
    api_app: FastAPI, api_client_for: ApiClientFactory, tmp_path: Path
) -> None:
    await load_sections(api_app, CATALOGUE, tmp_path)
    admin, actions = api_client_for(Role.ADMIN), api_client_for(Role.ACTIONS)
    await admin.post(POLICIES, json=shipped_document())
    await admin.post(POLICIES, json=_gree_policy())

    rolled_back = await admin.post(f"{POLICIES}/{SHIPPED_VERSION}/activate")
    decision = await check(actions, serial=AC_OLD, fault_description="压缩机不启动")
    missing = await admin.post(f"{POLICIES}/1999.9/activate")

    assert rolled_back.status_code == 200
    assert rolled_back.json()["version"] == SHIPPED_VERSION
    assert decision["policy_version"] == SHIPPED_VERSION
    assert decision["status"] == "out_of_warranty"
    assert missing.status_code == 404
    assert missing.json()["code"] == "policy_version_not_found"


async def test_a_change_by_another_process_is_seen_after_revalidation(
    api_app: FastAPI,
    api_client_for: ApiClientFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await load_sections(api_app, CATALOGUE, tmp_path)
    admin, actions = api_client_for(Role.ADMIN), api_client_for(Role.ACTIONS)
    await admin.post(POLICIES, json=shipped_document())
    await admin.post(POLICIES, json=_gree_policy())
    monkeypatch.setattr(policy_store.ACTIVE_POLICY, "revalidate_seconds", 3600.0)
    assert (await check(actions, serial=AC_OLD))["policy_version"] == "2026.2-gree"

    # Another process switches versions: no commit of this process's sessions marks it.
    async with api_app.state.session_factory() as session:
        table = WarrantyPolicyVersion.__table__
        await session.execute(update(table).values(active=False))
        await session.execute(
            update(table).where(table.c.version == SHIPPED_VERSION).values(active=True)
        )
        await session.commit()
    cached = await check(actions, serial=AC_OLD)
    monkeypatch.setattr(policy_store.ACTIVE_POLICY, "revalidate_seconds", 0.0)
    refreshed = await check(actions, serial=AC_OLD)

    assert cached["policy_version"] == "2026.2-gree"
    assert refreshed["policy_version"] == SHIPPED_VERSION


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        pytest.param(
            {"categories": {"tv": {"whole_unit_month": 12}}},
            "validation_failed",
            "body.categories.tv.whole_unit_month",
            id="misspelt-field",
        ),
        pytest.param(
            {"categories": {"tv": {"whole_unit_months": 12, "exchange_days": 5}}},
            "invalid_policy",
            "body.categories.tv",
            id="exchange-shorter-than-return",
        ),
        pytest.param(
            {"brand_overrides": {"gree": {"laptop": {"whole_unit_months": 24}}}},
            "invalid_policy",
            "body.brand_overrides.gree.laptop",
            id="override-without-category",
        ),
        pytest.param(
            {"version": "v" * 65}, "invalid_policy", "body.version", id="version-too-long"
        ),
        pytest.param({"version": "  "}, "validation_failed", "body.version", id="blank-version"),
    ],
)
async def test_an_invalid_upload_names_the_field(
    change: dict[str, Any], code: str, field: str, admin_client: httpx.AsyncClient
) -> None:
    document = {
        "version": "bad.1",
        "defaults": copy.deepcopy(shipped_document()["defaults"]),
        "categories": {"air_conditioner": {"whole_unit_months": 12}},
        **change,
    }

    response = await admin_client.post(POLICIES, json=document)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == code
    assert field in [error["field"] for error in problem["errors"]]
    assert await _versions(admin_client) == []


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        (Role.ACTIONS, "GET", POLICIES, 403),
        (Role.BOT, "GET", f"{POLICIES}/active", 403),
        (Role.AGENT, "GET", POLICIES, 200),
        (Role.SUPERVISOR, "GET", f"{POLICIES}/active", 200),
        (Role.BACKEND, "GET", POLICIES, 200),
        (Role.AGENT, "POST", POLICIES, 403),
        (Role.BACKEND, "POST", POLICIES, 403),
        (Role.SUPERVISOR, "POST", f"{POLICIES}/{SHIPPED_VERSION}/activate", 403),
    ],
)
async def test_policy_roles(
    role: Role, method: str, path: str, status: int, api_client_for: ApiClientFactory
) -> None:
    body = _gree_policy() if method == "POST" and path == POLICIES else None

    response = await api_client_for(role).request(method, path, json=body)

    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "role_not_allowed"
