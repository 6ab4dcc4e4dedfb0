"""A consumer's data: exported in full, or erased while the cases stay for statistics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.auth_roles import Role
from api.cases.attachments.storage import BlobStore
from api.customers.models import Customer
from api.models import Base
from api.settings import ApiSettings
from tests.api.cases.samples import JPEG, PDF, PNG
from tests.api.cases.workflow import move, open_case, register_customer
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("categories")

CUSTOMER = "tg:6001"
NEIGHBOUR = "tg:6002"
PERSONAL = {
    "display_name": "李小龙",
    "phone": "139 1234 5678",
    "address": "北京市朝阳区建国路88号 3单元1201",
}
PHONE_E164 = "+8613912345678"
DESCRIPTION = "我家的空调不制冷了，我叫李小龙，电话13912345678"
ONSET = "上周五搬家以后"
NOTE = "客户李小龙说下午在家"
INVOICE_NAME = "李小龙-发票.pdf"
TELEGRAM_FILE_ID = "BQACAgUAAxkBAAIB"
IDEMPOTENCY_KEY = "tg:6001:msg:42"
SNAPSHOT = {"status": "in_warranty", "reasons": [{"zh": "购买人 李小龙", "en": "Bought by Li"}]}


@pytest.fixture
async def consumer_history(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> dict[str, Any]:
    await register_customer(
        admin_client, CUSTOMER, consent_at="2026-01-01T00:00:00Z", region="CN", **PERSONAL
    )
    await register_customer(admin_client, NEIGHBOUR, display_name="邻居")
    bot = api_client_for(Role.BOT, customer=CUSTOMER)
    case = await open_case(
        bot,
        CUSTOMER,
        category="air_conditioner",
        brand="gree",
        model_code="KFR-35GW",
        serial="GR2024001",
        purchase_date="2025-07-01",
        fault_description=DESCRIPTION,
        fault_onset_text=ONSET,
        fault_onset_date="2026-01-02",
        warranty_snapshot=SNAPSHOT,
        conversation_id=CUSTOMER,
        idempotency_key=IDEMPOTENCY_KEY,
    )
    await move(bot, case["id"], "troubleshooting", "awaiting_visit", note=NOTE)
    agent = api_client_for(Role.AGENT)
    agent.headers["X-Actor-Id"] = "agent:7"
    await move(agent, case["id"], "visit_booked")
    second = await open_case(bot, CUSTOMER, category="phone")
    invoice = await bot.post(
        f"/api/v1/cases/{case['id']}/attachments",
        files={"file": (INVOICE_NAME, PDF, "application/pdf")},
        data={"kind": "invoice", "channel_file_id": TELEGRAM_FILE_ID},
    )
    photo = await bot.post(
        f"/api/v1/cases/{case['id']}/attachments",
        files={"file": ("fault.jpg", JPEG, "image/jpeg")},
        data={"kind": "fault_photo"},
    )
    # The neighbour happens to send the very same photo: that copy must survive the erasure.
    neighbour_case = await open_case(admin_client, NEIGHBOUR)
    shared = await admin_client.post(
        f"/api/v1/cases/{neighbour_case['id']}/attachments",
        files={"file": ("same.jpg", JPEG, "image/jpeg")},
        data={"kind": "fault_photo"},
    )
    assert {invoice.status_code, photo.status_code, shared.status_code} == {201}
    return {
        "case": case["id"],
        "second": second["id"],
        "neighbour_case": neighbour_case["id"],
        "invoice": invoice.json(),
        "photo": photo.json(),
        "shared": shared.json(),
    }


async def test_the_export_holds_everything_stored(
    api_client_for: ApiClientFactory, consumer_history: dict[str, Any]
) -> None:
    bot = api_client_for(Role.BOT, customer=CUSTOMER)
    response = await bot.get(f"/api/v1/customers/{CUSTOMER}/export")
    assert response.status_code == 200
    export = response.json()
    assert export["customer"]["display_name"] == PERSONAL["display_name"]
    assert export["customer"]["phone"] == PHONE_E164
    assert export["customer"]["address"] == PERSONAL["address"]
    assert export["customer"]["consent_at"] == "2026-01-01T00:00:00Z"
    assert [case["id"] for case in export["cases"]] == [
        consumer_history["case"],
        consumer_history["second"],
    ]
    first = export["cases"][0]
    assert first["fault_description"] == DESCRIPTION
    assert first["warranty_snapshot"] == SNAPSHOT
    assert [step["to_status"] for step in first["transitions"]] == [
        "open",
        "troubleshooting",
        "awaiting_visit",
        "visit_booked",
    ]
    assert {item["file_name"] for item in first["attachments"]} == {INVOICE_NAME, "fault.jpg"}
    assert export["cases"][1]["attachments"] == []
    assert all(case["customer"] == CUSTOMER for case in export["cases"])


async def test_only_the_consumer_itself_or_staff_may_export(
    api_client_for: ApiClientFactory, consumer_history: dict[str, Any]
) -> None:
    neighbour = api_client_for(Role.BOT, customer=NEIGHBOUR)
    refused = await neighbour.get(f"/api/v1/customers/{CUSTOMER}/export")
    assert refused.status_code == 403
    assert refused.json()["code"] == "customer_mismatch"
    for role in (Role.AGENT, Role.ADMIN):
        response = await api_client_for(role).get(f"/api/v1/customers/{CUSTOMER}/export")
        assert response.status_code == 200
    for role in (Role.SUPERVISOR, Role.BACKEND):
        response = await api_client_for(role).get(f"/api/v1/customers/{CUSTOMER}/export")
        assert response.status_code == 403
    missing = await api_client_for(Role.AGENT).get("/api/v1/customers/tg:1/export")
    assert missing.status_code == 404


async def _every_stored_value(app: FastAPI) -> list[str]:
    """Every value in every table, as text, for searching."""
    values: list[str] = []
    async with app.state.session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                values.extend(
                    json.dumps(value, ensure_ascii=False, default=str) for value in row.values()
                )
    return values


def _blobs(settings: ApiSettings) -> set[str]:
    root = settings.attachments_dir
    return {path.name for path in root.rglob("*") if path.is_file()}


async def test_erasure_leaves_nothing_personal(
    api_app: FastAPI,
    api_settings: ApiSettings,
    api_client_for: ApiClientFactory,
    consumer_history: dict[str, Any],
) -> None:
    bot = api_client_for(Role.BOT, customer=CUSTOMER)
    response = await bot.delete(f"/api/v1/customers/{CUSTOMER}")
    assert response.status_code == 200
    receipt = response.json()
    assert receipt["anonymous_id"].startswith("anon:")
    assert (receipt["cases_anonymised"], receipt["attachments_erased"]) == (2, 2)

    personal = [
        CUSTOMER,
        "6001",
        PERSONAL["display_name"],
        "李小龙",
        PHONE_E164,
        "13912345678",
        "建国路",
        ONSET,
        NOTE,
        INVOICE_NAME,
        TELEGRAM_FILE_ID,
        IDEMPOTENCY_KEY,
        "Bought by Li",
        # The invoice's digest goes with it; the photo's stays, as the neighbour sent it too.
        consumer_history["invoice"]["sha256"],
    ]
    stored = "\n".join(await _every_stored_value(api_app))
    leaks = [value for value in personal if value in stored]
    assert leaks == []
    assert consumer_history["invoice"]["sha256"] not in _blobs(api_settings)
    assert consumer_history["shared"]["sha256"] in _blobs(api_settings)


async def test_cases_stay_anonymised_for_statistics(
    api_client_for: ApiClientFactory, consumer_history: dict[str, Any]
) -> None:
    agent = api_client_for(Role.AGENT)
    before = (await agent.get(f"/api/v1/cases/{consumer_history['case']}")).json()
    receipt = (await agent.delete(f"/api/v1/customers/{CUSTOMER}")).json()
    after = (await agent.get(f"/api/v1/cases/{consumer_history['case']}")).json()

    kept = [
        "id",
        "status",
        "category",
        "brand",
        "model_code",
        "serial",
        "purchase_date",
        "fault_onset_date",
        "service_type",
        "service_mode",
        "urgency",
        "created_at",
    ]
    assert {name: after[name] for name in kept} == {name: before[name] for name in kept}
    assert after["customer"] == receipt["anonymous_id"]
    assert after["fault_description"] == "[erased]"
    assert after["fault_onset_text"] == "[erased]"
    assert after["warranty_snapshot"] == {"status": "in_warranty"}
    assert (after["conversation_id"], after["idempotency_key"]) == (None, None)
    steps = [(s["from_status"], s["to_status"], s["at"]) for s in after["transitions"]]
    assert steps == [(s["from_status"], s["to_status"], s["at"]) for s in before["transitions"]]
    actors = [(s["actor_role"], s["actor_id"], s["note"]) for s in after["transitions"]]
    anonymous = receipt["anonymous_id"]
    assert actors == [
        ("bot", anonymous, None),
        ("bot", anonymous, "[erased]"),
        ("bot", anonymous, "[erased]"),
        ("agent", "agent:7", None),
    ]

    attachments = (await agent.get(f"/api/v1/cases/{consumer_history['case']}/attachments")).json()
    for item in attachments["items"]:
        assert item["erased"] is True
        assert (item["sha256"], item["file_name"], item["channel_file_id"]) == (
            None,
            "[erased]",
            None,
        )
        assert item["uploaded_by"] == anonymous
        assert item["media_type"] in {"application/pdf", "image/jpeg"}
        content = await agent.get(f"/api/v1/attachments/{item['id']}/content")
        assert content.status_code == 410
        assert content.json()["code"] == "attachment_erased"
    shared = await agent.get(f"/api/v1/attachments/{consumer_history['shared']['id']}/content")
    assert shared.content == JPEG

    listed = (await agent.get("/api/v1/cases", params={"status": "visit_booked"})).json()
    assert [case["id"] for case in listed["items"]] == [consumer_history["case"]]


async def test_the_old_identity_is_gone_and_can_start_afresh(
    api_client_for: ApiClientFactory, consumer_history: dict[str, Any]
) -> None:
    agent = api_client_for(Role.AGENT)
    assert (await agent.delete(f"/api/v1/customers/{CUSTOMER}")).status_code == 200
    for method, path in [
        ("GET", f"/api/v1/customers/{CUSTOMER}"),
        ("GET", f"/api/v1/customers/{CUSTOMER}/export"),
        ("DELETE", f"/api/v1/customers/{CUSTOMER}"),
    ]:
        assert (await agent.request(method, path)).status_code == 404
    bot = api_client_for(Role.BOT, customer=CUSTOMER)
    assert (await bot.get(f"/api/v1/cases/{consumer_history['case']}")).status_code == 404
    fresh = await bot.put(f"/api/v1/customers/{CUSTOMER}", json={"locale": "en"})
    assert fresh.status_code == 201
    assert fresh.json()["display_name"] is None
    assert (await bot.get("/api/v1/cases")).json()["items"] == []


async def test_only_the_consumer_itself_or_staff_may_erase(
    api_client_for: ApiClientFactory, consumer_history: dict[str, Any]
) -> None:
    neighbour = api_client_for(Role.ACTIONS, customer=NEIGHBOUR)
    assert (await neighbour.delete(f"/api/v1/customers/{CUSTOMER}")).status_code == 403
    supervisor = api_client_for(Role.SUPERVISOR)
    assert (await supervisor.delete(f"/api/v1/customers/{CUSTOMER}")).status_code == 403
    profile = await api_client_for(Role.AGENT).get(f"/api/v1/customers/{CUSTOMER}")
    assert profile.json()["display_name"] == PERSONAL["display_name"]


async def test_blobs_are_removed_only_when_the_erasure_commits(
    api_app: FastAPI, tmp_path: Path
) -> None:
    store = BlobStore(tmp_path / "blobs")
    kept_digests = []
    for content in (PNG, PDF):
        staged = await store.stage(limit=1024)
        await staged.write(content)
        await staged.finish()
        await store.keep(staged)
        kept_digests.append(staged.sha256)
    rolled_back, committed = kept_digests

    async with api_app.state.session_factory() as session:
        await session.execute(select(Customer.id))
        store.remove_after_commit(session, [rolled_back])
        await session.rollback()
        await session.commit()
    assert store.path_for(rolled_back).exists()

    async with api_app.state.session_factory() as session:
        await session.execute(select(Customer.id))
        store.remove_after_commit(session, [committed])
        savepoint = await session.begin_nested()
        await savepoint.rollback()  # a savepoint's rollback leaves the removal pending
        await session.commit()
    assert not store.path_for(committed).exists()
    assert store.path_for(rolled_back).exists()
