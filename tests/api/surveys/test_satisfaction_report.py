"""The satisfaction report on purpose-built surveys whose figures are worked out by hand."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import update

from api.auth_roles import Role
from api.scheduling.models import Technician
from api.surveys.models import Survey
from api.surveys.questions import SourceName
from tests.api.cases.workflow import open_case
from tests.api.surveys.steps import (
    LONDON_CONSUMER,
    SHANGHAI,
    SHANGHAI_CONSUMER,
    answered,
    committed,
    scheduled,
    shanghai,
)
from tests.conftest import ApiClientFactory

pytestmark = pytest.mark.usefixtures("consumers")

DECEMBER_WEEK = {"from": "2026-12-01", "to": "2026-12-07"}


async def _technician(app: FastAPI, staff_number: str, name: str) -> int:
    async with committed(app) as session:
        technician = Technician(staff_number=staff_number, name=name, phone="+8613900000000")
        session.add(technician)
        await session.flush()
        return technician.id


@dataclass(frozen=True, slots=True)
class Planned:
    """One survey of the week: when its service ended, about which case, and its answers."""

    completed_at: datetime
    case: str
    answers: dict[str, Any]
    technician: str | None = None
    source: SourceName = "visit"
    fee_charged: bool = False
    finish: bool = False


FULL = {"overall": 5, "response_speed": 4, "attitude": 5, "solved": True, "nps": 10}
WEEK = [
    Planned(shanghai(2, 10), "cooling", FULL, technician="wang"),
    Planned(
        shanghai(3, 10),
        "cooling",
        {"overall": 4, "nps": 9, "solved": True, "comment": "好"},
        technician="wang",
    ),
    Planned(
        shanghai(4, 10),
        "fridge",
        {"overall": 2, "attitude": 3, "solved": False, "nps": 3, "fee_reasonable": 1},
        technician="li",
        fee_charged=True,
    ),
    Planned(
        shanghai(5, 10),
        "fridge",
        {"overall": 3, "nps": 7, "response_speed": 2},
        technician="li",
        finish=True,
    ),
    Planned(shanghai(6, 10), "london_cooling", {"overall": 5, "nps": 8}, source="handoff"),
    Planned(shanghai(1, 0), "cooling", {}, technician="wang"),
    # Outside the week in Shanghai: midnight at its end, and the evening before it.
    Planned(shanghai(8, 0), "cooling", {"overall": 1, "nps": 0}),
    Planned(datetime(2026, 11, 30, 20, tzinfo=SHANGHAI), "cooling", {"overall": 1, "nps": 0}),
]


@pytest.fixture
async def week_of_surveys(
    consumers: None,
    api_app: FastAPI,
    admin_client: httpx.AsyncClient,
    api_client_for: ApiClientFactory,
) -> None:
    """Surveys 1–8 of `WEEK`, answered by the bot on 8 December at 08:00."""
    technicians = {
        "wang": await _technician(api_app, "SH-7001", "王师傅"),
        "li": await _technician(api_app, "SH-7002", "=李师傅"),
    }
    consumer_of = {
        "cooling": SHANGHAI_CONSUMER,
        "fridge": SHANGHAI_CONSUMER,
        "london_cooling": LONDON_CONSUMER,
    }
    categories = {"fridge": "refrigerator"}
    cases = {
        name: (
            await open_case(
                admin_client, consumer, category=categories.get(name, "air_conditioner")
            )
        )["id"]
        for name, consumer in consumer_of.items()
    }
    with time_machine.travel(shanghai(8, 8), tick=False):
        for number, planned in enumerate(WEEK, start=1):
            survey = await scheduled(
                api_app,
                source=planned.source,
                source_id=number,
                case_id=cases[planned.case],
                conversation_id=None,
                completed_at=planned.completed_at,
                fee_charged=planned.fee_charged,
            )
            if planned.technician is not None:
                # A real visit's survey takes the visit's technician; here the visit is implied.
                async with committed(api_app) as session:
                    await session.execute(
                        update(Survey)
                        .where(Survey.id == survey.id)
                        .values(technician_id=technicians[planned.technician])
                    )
            if planned.answers or planned.finish:
                bot = api_client_for(Role.BOT, customer=consumer_of[planned.case])
                await answered(bot, survey.id, *planned.answers.items(), finish=planned.finish)


def _dimensions(figures: dict[str, Any]) -> dict[str, tuple[int, float | None]]:
    return {
        d["key"]: (d["answers"], d["average"] if d["kind"] == "scale" else d["yes_percent"])
        for d in figures["dimensions"]
    }


def _headline(figures: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("surveys", "responded", "completed", "csat", "csat_answers", "nps", "nps_answers")
    return tuple(figures[key] for key in keys)


@pytest.mark.usefixtures("week_of_surveys")
async def test_csat_nps_and_averages_of_the_week_in_a_time_zone(
    api_client_for: ApiClientFactory,
) -> None:
    supervisor = api_client_for(Role.SUPERVISOR)
    response = await supervisor.get("/api/v1/reports/satisfaction", params=DECEMBER_WEEK)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["from_date"], report["to_date"], report["timezone"]) == (
        "2026-12-01",
        "2026-12-07",
        "Asia/Shanghai",
    )
    # Surveys 1–6. Overall 5, 4, 2, 3, 5: three of five are 4–5 → CSAT 60.0.
    # Recommendation 10, 9, 3, 7, 8: two promoters, one detractor → (2 − 1) / 5 → NPS 20.0.
    # Survey 6 got no answer; survey 1 answered everything required, survey 4 was finished.
    total = report["total"]
    assert _headline(total) == (6, 5, 2, 60.0, 5, 20.0, 5)
    assert (total["promoters"], total["passives"], total["detractors"]) == (2, 2, 1)
    assert _dimensions(total) == {
        "overall": (5, 3.8),  # 19 / 5
        "response_speed": (2, 3.0),  # (4 + 2) / 2
        "attitude": (2, 4.0),  # (5 + 3) / 2
        "solved": (3, 66.7),  # yes, yes, no
        "fee_reasonable": (1, 1.0),
        "nps": (5, 7.4),  # 37 / 5
    }

    by_source = {row["source"]: row for row in report["by_source"]}
    # Visits: overall 5, 4, 2, 3 → 2/4; recommendation 10, 9, 3, 7 → (2 − 1) / 4.
    assert _headline(by_source["visit"]) == (5, 4, 2, 50.0, 4, 25.0, 4)
    # The handoff: overall 5; recommendation 8 is a passive.
    assert _headline(by_source["handoff"]) == (1, 1, 0, 100.0, 1, 0.0, 1)

    by_technician = {row["staff_number"]: row for row in report["by_technician"]}
    assert list(by_technician) == ["SH-7001", "SH-7002"]
    assert by_technician["SH-7001"]["name"] == "王师傅"
    # 王师傅: surveys 1, 2 and 6; overall 5, 4; recommendation 10, 9.
    assert _headline(by_technician["SH-7001"]) == (3, 2, 1, 100.0, 2, 100.0, 2)
    # 李师傅: surveys 3 and 4; overall 2, 3; recommendation 3 (detractor), 7 → −50.0.
    assert _headline(by_technician["SH-7002"]) == (2, 2, 1, 0.0, 2, -50.0, 2)
    assert _dimensions(by_technician["SH-7002"])["response_speed"] == (1, 2.0)

    by_category = {row["category"]: row for row in report["by_category"]}
    assert list(by_category) == ["air_conditioner", "refrigerator"]
    assert by_category["air_conditioner"]["name_zh"] == "空调"
    # Surveys 1, 2, 5, 6: overall 5, 4, 5; recommendation 10, 9, 8 → (2 − 0) / 3 = 66.7.
    assert _headline(by_category["air_conditioner"]) == (4, 3, 1, 100.0, 3, 66.7, 3)
    assert _headline(by_category["refrigerator"]) == (2, 2, 1, 0.0, 2, -50.0, 2)

    agent = api_client_for(Role.AGENT)
    in_utc = await agent.get(
        "/api/v1/reports/satisfaction", params={**DECEMBER_WEEK, "timezone": "UTC"}
    )
    # In UTC the week ends at 08:00 Shanghai time: survey 7 (00:00 on the 8th) is in, survey 6
    # (00:00 on the 1st, 16:00 UTC the day before) is out. Overall 5, 4, 2, 3, 5, 1 → 3/6;
    # recommendation 10, 9, 3, 7, 8, 0 → (2 − 2) / 6.
    assert _headline(in_utc.json()["total"]) == (6, 6, 2, 50.0, 6, 0.0, 6)
    empty = await agent.get(
        "/api/v1/reports/satisfaction", params={"from": "2027-01-01", "to": "2027-01-31"}
    )
    assert _headline(empty.json()["total"]) == (0, 0, 0, None, 0, None, 0)
    assert empty.json()["by_technician"] == []


@pytest.mark.usefixtures("week_of_surveys")
async def test_the_report_as_csv(api_client_for: ApiClientFactory) -> None:
    supervisor = api_client_for(Role.SUPERVISOR)
    response = await supervisor.get(
        "/api/v1/reports/satisfaction", params=DECEMBER_WEEK, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="satisfaction-2026-12-01-2026-12-07.csv"'
        in (response.headers["content-disposition"])
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    by_group = {(row["group"], row["key"]): row for row in rows}
    assert list(by_group) == [
        ("total", ""),
        ("source", "visit"),
        ("source", "handoff"),
        ("technician", "SH-7001"),
        ("technician", "SH-7002"),
        ("category", "air_conditioner"),
        ("category", "refrigerator"),
    ]
    total = by_group[("total", "")]
    assert (total["surveys"], total["csat"], total["nps"]) == ("6", "60.0", "20.0")
    assert (total["response_speed_average"], total["solved_yes_percent"]) == ("3.0", "66.7")
    assert by_group[("technician", "SH-7002")]["nps"] == "-50.0"
    # A name a spreadsheet would run as a formula is kept as text.
    assert by_group[("technician", "SH-7002")]["name"] == "'=李师傅"
    assert by_group[("category", "refrigerator")]["name"] == "冰箱"
    forced = await supervisor.get(
        "/api/v1/reports/satisfaction", params={**DECEMBER_WEEK, "format": "csv"}
    )
    assert forced.content == response.content
    as_json = await supervisor.get(
        "/api/v1/reports/satisfaction",
        params={**DECEMBER_WEEK, "format": "json"},
        headers={"Accept": "text/csv"},
    )
    assert as_json.headers["content-type"] == "application/json"


async def test_who_may_read_the_report_and_which_periods(
    api_client_for: ApiClientFactory,
) -> None:
    for role in (Role.ACTIONS, Role.BOT, Role.BACKEND):
        client = api_client_for(role, customer=SHANGHAI_CONSUMER)
        refused = await client.get("/api/v1/reports/satisfaction", params=DECEMBER_WEEK)
        assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed"), role
    agent = api_client_for(Role.AGENT)
    for params, field, code in (
        ({"from": "2026-12-07", "to": "2026-12-01"}, "query.to", "invalid_period"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, "query.to", "period_too_long"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, "query.from", "invalid_period"),
        ({"from": "0001-01-01", "to": "0001-01-01"}, "query.from", "invalid_period"),
        ({**DECEMBER_WEEK, "timezone": "Mars/Olympus"}, "query.timezone", "invalid_timezone"),
        ({"to": "2026-12-01"}, "query.from", "validation_failed"),
        ({**DECEMBER_WEEK, "format": "xlsx"}, "query.format", "validation_failed"),
    ):
        response = await agent.get("/api/v1/reports/satisfaction", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["code"] == code, params
        assert response.json()["errors"][0]["field"] == field
    longest = await agent.get(
        "/api/v1/reports/satisfaction", params={"from": "2026-01-01", "to": "2027-01-01"}
    )
    assert longest.status_code == 200  # 366 days, as in a leap year


async def test_surveys_without_a_case_form_a_category_of_their_own(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    survey = await scheduled(api_app, source="handoff", completed_at=shanghai(2, 10))
    with time_machine.travel(shanghai(3, 10), tick=False):
        bot = api_client_for(Role.BOT, customer=SHANGHAI_CONSUMER)
        await answered(bot, survey.id, ("overall", 4), ("solved", True))
    report = await api_client_for(Role.SUPERVISOR).get(
        "/api/v1/reports/satisfaction", params=DECEMBER_WEEK
    )
    (uncategorised,) = report.json()["by_category"]
    assert (uncategorised["category"], uncategorised["name_zh"]) == (None, None)
    assert _headline(uncategorised) == (1, 1, 0, 100.0, 1, None, 0)
    assert report.json()["by_technician"] == []
    csv_rows = (
        await api_client_for(Role.SUPERVISOR).get(
            "/api/v1/reports/satisfaction", params={**DECEMBER_WEEK, "format": "csv"}
        )
    ).text.splitlines()
    assert csv_rows[-1].startswith("category,,,,1,1,0,100.0,1,,0,0,0,0")
