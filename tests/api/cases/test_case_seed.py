"""Seed sections for customers and cases: the demo data loads, and loads only once."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.cases.models import Case, CaseTransition
from api.customers.models import Customer
from api.seeding import SeedError, demo_data_files, load_seed_files, read_seed_file


async def _load(app: FastAPI, paths: list[Path]) -> dict[str, int]:
    async with app.state.session_factory() as session:
        counts = await load_seed_files(session, paths)
        await session.commit()
    return counts


async def _count(app: FastAPI, model: type[Case] | type[Customer] | type[CaseTransition]) -> int:
    async with app.state.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


SECTIONS = ("customers", "cases")


async def test_the_demo_cases_load_once(api_app: FastAPI, admin_client: httpx.AsyncClient) -> None:
    documents = [read_seed_file(path) for path in demo_data_files()]
    shipped = [sum(len(document.get(name, [])) for document in documents) for name in SECTIONS]
    assert shipped[1] >= 2
    counts = await _load(api_app, demo_data_files())
    assert [counts[name] for name in SECTIONS] == shipped
    before = [await _count(api_app, model) for model in (Customer, Case, CaseTransition)]
    assert before[:2] == shipped
    assert before[2] >= shipped[1]  # every case has at least its opening transition
    await _load(api_app, demo_data_files())
    assert [await _count(api_app, model) for model in (Customer, Case, CaseTransition)] == before

    listed = (await admin_client.get("/api/v1/cases", params={"customer": "web:demo-zhang"})).json()
    [case] = listed["items"]
    assert (case["status"], case["category"], case["urgency"]) == (
        "awaiting_visit",
        "air_conditioner",
        "urgent",
    )
    smith = (await admin_client.get("/api/v1/customers/web:demo-smith")).json()
    assert (smith["phone"], smith["region"], smith["locale"]) == ("+85291234567", "HK", "en")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("customers:\n  - {channel_id: 'whatsapp:1'}\n", "channel_id"),
        ("customers:\n  - {channel_id: 'tg:1', phone: '123'}\n", "phone number"),
        ("cases:\n  - {customer: 'tg:1'}\n", "idempotency_key is required"),
        ("cases:\n  - {customer: 'tg:404', idempotency_key: k}\n", "No customer tg:404"),
        (
            "customers:\n  - {channel_id: 'tg:1'}\n"
            "cases:\n  - {customer: 'tg:1', idempotency_key: k, purchase_date: someday}\n",
            "someday",
        ),
        (
            "customers:\n  - {channel_id: 'tg:1'}\n"
            "cases:\n  - {customer: 'tg:1', idempotency_key: k, transitions: [{to: closed}]}\n",
            "cannot go from open to closed",
        ),
    ],
)
async def test_bad_seed_items_name_the_item(
    api_app: FastAPI, tmp_path: Path, document: str, message: str
) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(SeedError, match=message):
        await _load(api_app, [path])
