"""Quotes for paid work: checked against the schedule, seen only by their consumer, approved
or declined once, superseded by a newer quote, capping the fee of the completed visit, and
followed by one itemised receipt."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.auth_roles import Role
from api.outbound.models import OutboundItem
from tests.api.scheduling.steps import (
    add_technician,
    booked,
    open_case,
    register_customer,
    window_start,
)
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("served_areas")

OWNER = "tg:8101"
STRANGER = "tg:8102"


def _text(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


VISIT_LINE = {"kind": "visit", "description": _text("上门费", "Visit fee"), "unit_price_fen": 5000}
LABOUR_LINE = {
    "kind": "labour",
    "code": "electrical",
    "band": "standard",
    "description": _text("更换电容", "Capacitor replacement"),
    "unit_price_fen": 8000,
}
PART_LINE = {
    "kind": "part",
    "code": "start_capacitor",
    "genuine": True,
    "description": _text("启动电容", "Start capacitor"),
    "unit_price_fen": 4500,
}


def _quote(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "cause": _text("启动电容老化", "The start capacitor is worn out"),
        "work": _text("更换启动电容", "Replace the start capacitor"),
        "risks": _text("无", "None"),
        "lines": list(lines) or [VISIT_LINE, LABOUR_LINE, PART_LINE],
        **fields,
    }


async def _started_visit(admin: httpx.AsyncClient, backend: httpx.AsyncClient) -> dict[str, Any]:
    """A free case's visit under way: the technician finds the fault is a paid one."""
    await add_technician(admin, "SH-8101")
    await register_customer(admin, OWNER)
    await register_customer(admin, STRANGER)
    case = await open_case(admin, OWNER)
    visit = await booked(admin, case["id"], window_start(0, 13))
    started = await backend.post(f"/api/v1/visits/{visit['id']}/status", json={"status": "started"})
    assert started.status_code == 200, started.text
    return visit


async def _post(backend: httpx.AsyncClient, visit_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = await backend.post(f"/api/v1/visits/{visit_id}/quotes", json=body)
    assert response.status_code == 201, response.text
    quote: dict[str, Any] = response.json()
    return quote


async def _decide(client: httpx.AsyncClient, quote_id: int, decision: str) -> httpx.Response:
    return await client.post(f"/api/v1/quotes/{quote_id}/decision", json={"decision": decision})


async def _complete(backend: httpx.AsyncClient, visit_id: int, fee: str) -> httpx.Response:
    return await backend.post(
        f"/api/v1/visits/{visit_id}/status",
        json={"status": "completed", "resolution": "更换启动电容", "fee_charged": fee},
    )


async def _receipts(app: FastAPI) -> list[OutboundItem]:
    async with app.state.session_factory() as session:
        rows = await session.scalars(
            select(OutboundItem).where(OutboundItem.created_by == "quotes")
        )
        return list(rows)


async def test_a_quote_is_checked_against_the_schedule(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    backend = api_client_for(Role.BACKEND)
    visit = await _started_visit(admin_client, backend)
    quote = await _post(backend, visit["id"], _quote())
    assert (quote["status"], quote["total_fen"], quote["currency"]) == ("pending", 17500, "CNY")
    assert [line["total_fen"] for line in quote["lines"]] == [5000, 8000, 4500]

    pricey_part = {**PART_LINE, "unit_price_fen": 4600}
    cheap_labour = {**LABOUR_LINE, "unit_price_fen": 100}
    unknown_part = {**PART_LINE, "code": "flux_capacitor"}
    for line, field in (
        (pricey_part, "body.lines.0.unit_price_fen"),
        (cheap_labour, "body.lines.0.unit_price_fen"),
        (unknown_part, "body.lines.0.code"),
        ({**VISIT_LINE, "unit_price_fen": 9000}, "body.lines.0.unit_price_fen"),
    ):
        refused = await backend.post(f"/api/v1/visits/{visit['id']}/quotes", json=_quote(line))
        assert (refused.status_code, refused.json()["code"]) == (422, "quote_off_schedule")
        assert [p["field"] for p in refused.json()["errors"]] == [field]
        assert refused.json()["extra"]["zh"]
    allowed = await _post(
        backend, visit["id"], _quote(pricey_part, override_reason="原厂配件临时涨价")
    )
    assert allowed["override_reason"] == "原厂配件临时涨价"

    shapeless = {**PART_LINE, "genuine": None}
    assert (
        await backend.post(f"/api/v1/visits/{visit['id']}/quotes", json=_quote(shapeless))
    ).status_code == 422
    agent = api_client_for(Role.AGENT)
    assert (
        await agent.post(f"/api/v1/visits/{visit['id']}/quotes", json=_quote())
    ).status_code == 403


async def test_only_the_visit_s_consumer_sees_and_decides_its_quotes(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    backend = api_client_for(Role.BACKEND)
    visit = await _started_visit(admin_client, backend)
    first = await _post(backend, visit["id"], _quote())
    second = await _post(backend, visit["id"], _quote(VISIT_LINE, LABOUR_LINE))
    owner = api_client_for(Role.BOT, customer=OWNER)
    stranger = api_client_for(Role.ACTIONS, customer=STRANGER)

    seen = await owner.get(f"/api/v1/visits/{visit['id']}/quotes")
    assert [(q["id"], q["status"]) for q in seen.json()] == [
        (first["id"], "superseded"),
        (second["id"], "pending"),
    ]
    assert (await stranger.get(f"/api/v1/visits/{visit['id']}/quotes")).status_code == 404
    assert (await _decide(stranger, second["id"], "approve")).status_code == 404
    assert (await _decide(backend, second["id"], "approve")).status_code == 403

    stale = await _decide(owner, first["id"], "approve")
    assert (stale.status_code, stale.json()["code"]) == (409, "quote_not_pending")
    declined = await _decide(owner, second["id"], "decline")
    assert (declined.json()["status"], declined.json()["decided_at"] is not None) == (
        "declined",
        True,
    )
    assert (await _decide(owner, second["id"], "decline")).status_code == 200
    flip = await _decide(owner, second["id"], "approve")
    assert (flip.status_code, flip.json()["code"]) == (409, "quote_not_pending")


async def test_the_completed_fee_is_capped_by_the_approved_quote_and_a_receipt_follows(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    backend = api_client_for(Role.BACKEND)
    visit = await _started_visit(admin_client, backend)
    owner = api_client_for(Role.ACTIONS, customer=OWNER)
    pending = await _post(backend, visit["id"], _quote())

    unapproved = await _complete(backend, visit["id"], "100")
    assert (unapproved.status_code, unapproved.json()["code"]) == (409, "quote_not_approved")
    assert (await _decide(owner, pending["id"], "approve")).json()["status"] == "approved"
    above = await _complete(backend, visit["id"], "175.01")
    assert (above.status_code, above.json()["code"]) == (409, "fee_above_approved_quote")
    assert (above.json()["extra"]["charged_fen"], above.json()["extra"]["approved_fen"]) == (
        17501,
        17500,
    )
    assert "¥175.01" in above.json()["extra"]["zh"] and "¥175.00" in above.json()["extra"]["en"]
    assert await _receipts(api_app) == []

    done = await _complete(backend, visit["id"], "175")
    assert done.status_code == 200, done.text
    assert (await _complete(backend, visit["id"], "175")).status_code == 200
    receipts = await _receipts(api_app)
    assert len(receipts) == 1
    assert receipts[0].conversation_id == OWNER
    text = receipts[0].payload["text"]
    assert "启动电容（原厂） 1 × ¥45.00 = ¥45.00" in text["zh"]
    assert "Start capacitor (genuine) 1 × ¥45.00 = ¥45.00" in text["en"]
    assert "¥175.00" in text["en"]
    closed = await backend.post(f"/api/v1/visits/{visit['id']}/quotes", json=_quote())
    assert (closed.status_code, closed.json()["code"]) == (409, "visit_closed")


async def test_a_free_completion_needs_no_quote_and_an_unquoted_fee_needs_consent(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    backend = api_client_for(Role.BACKEND)
    visit = await _started_visit(admin_client, backend)
    unconsented = await _complete(backend, visit["id"], "10")
    assert (unconsented.status_code, unconsented.json()["code"]) == (422, "fee_consent_required")
    done = await _complete(backend, visit["id"], "0")
    assert (done.status_code, done.json()["fee_charged"]) == (200, "0.00")
    assert await _receipts(api_app) == []


async def test_a_posted_quote_is_put_to_its_consumer_at_once(
    admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory, api_app: FastAPI
) -> None:
    backend = api_client_for(Role.BACKEND)
    visit = await _started_visit(admin_client, backend)
    quote = await _post(backend, visit["id"], _quote())

    async with api_app.state.session_factory() as session:
        (asked,) = await session.scalars(
            select(OutboundItem).where(OutboundItem.created_by == "quotes.ready")
        )
    assert (asked.conversation_id, asked.kind, asked.urgent) == (OWNER, "case_update", True)
    assert asked.payload == {
        "type": "intent",
        "intent": "EXTERNAL_quote_ready",
        "entities": {"quote_id": quote["id"], "visit_id": visit["id"]},
    }
    assert asked.dedupe_key == f"quote:{quote['id']}:ready"
