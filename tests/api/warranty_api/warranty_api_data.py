"""A small purpose-built catalogue for the warranty endpoints, and helpers to load and call.

Every date is fixed; the tests travel to `NOW` (2026-06-15, noon in China) so that "today"
is the same for the catalogue's checks and for the warranty decision.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi import FastAPI

from api.seeding import load_seed_files

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
TODAY = date(2026, 6, 15)
CHECK = "/api/v1/warranty/check"
POLICIES = "/api/v1/warranty/policies"

AC_MODEL = "KFR-35GW/T1"
FRIDGE_MODEL = "BCD-500"
PHONE_MODEL = "HW-P60"

AC_JUST_SOLD = "GR2606T1000001"  # sold 2026-06-10, proof on file
AC_OLD = "GR2205T1000002"  # sold 2022-06-01
FRIDGE_REPAIRED_TWICE = "HR251250000003"  # two free compressor repairs
FRIDGE_EXCHANGED = "HR240150000004"  # replacement given on 2025-09-01

CATALOGUE: dict[str, list[dict[str, Any]]] = {
    "brands": [
        {"code": "gree", "name_zh": "格力", "name_en": "Gree"},
        {"code": "haier", "name_zh": "海尔", "name_en": "Haier"},
        {"code": "huawei", "name_zh": "华为", "name_en": "Huawei"},
    ],
    "models": [
        {
            "code": AC_MODEL,
            "name_zh": "格力 1.5匹 挂机",
            "name_en": "Gree 1.5 HP wall unit",
            "category": "air_conditioner",
            "brand": "gree",
            "launch_date": "2021-03-01",
            "serial_pattern": r"GR(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])T1\d{6}",
        },
        {
            "code": FRIDGE_MODEL,
            "name_zh": "海尔 500升 冰箱",
            "name_en": "Haier 500 L refrigerator",
            "category": "refrigerator",
            "brand": "haier",
            "launch_date": "2021-01-01",
            "serial_pattern": r"HR(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])500\d{5}",
        },
        {
            "code": PHONE_MODEL,
            "name_zh": "华为 P60",
            "name_en": "Huawei P60",
            "category": "phone",
            "brand": "huawei",
            "launch_date": "2024-01-01",
            "serial_pattern": r"HWP(?P<year>\d{2})(?P<month>0[1-9]|1[0-2])\d{6}",
        },
    ],
    "units": [
        {
            "serial": AC_JUST_SOLD,
            "model": AC_MODEL,
            "sale_date": "2026-06-10",
            "proof_on_file": True,
        },
        {"serial": AC_OLD, "model": AC_MODEL, "sale_date": "2022-06-01"},
        {
            "serial": FRIDGE_REPAIRED_TWICE,
            "model": FRIDGE_MODEL,
            "sale_date": "2026-01-10",
            "repairs": [
                {
                    "hand_in": "2026-02-01",
                    "hand_back": "2026-02-05",
                    "component": "compressor",
                    "free": True,
                },
                {
                    "hand_in": "2026-04-01",
                    "hand_back": "2026-04-06",
                    "component": "compressor",
                    "free": True,
                },
                {
                    "hand_in": "2026-05-02",
                    "hand_back": "2026-05-03",
                    "component": "compressor",
                    "free": False,
                    "repaired_by_authorised": False,
                    "note": "opened by a local repairman",
                },
            ],
        },
        {
            "serial": FRIDGE_EXCHANGED,
            "model": FRIDGE_MODEL,
            "sale_date": "2024-02-01",
            "replaced_unit_serial": "HR231250000099",
            "exchange_date": "2025-09-01",
        },
    ],
}


async def load_sections(app: FastAPI, sections: dict[str, Any], directory: Path) -> dict[str, int]:
    """Load seed sections through the seeding machinery, committed."""
    path = directory / f"seed-{uuid.uuid4().hex}.yaml"
    text = yaml.safe_dump(sections, allow_unicode=True)
    await asyncio.to_thread(path.write_text, text, encoding="utf-8")
    async with app.state.session_factory() as session:
        counts = await load_seed_files(session, [path])
        await session.commit()
    return counts


async def check(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """POST a check that must succeed; returns the decision."""
    body.setdefault("fault_description", "不制冷")
    response = await client.post(CHECK, json=body)
    assert response.status_code == 200, response.text
    decision: dict[str, Any] = response.json()
    return decision


def window_end(decision: dict[str, Any], code: str) -> str:
    return next(window["ends_on"] for window in decision["windows"] if window["code"] == code)


def reason_codes(decision: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in decision["reasons"]]
